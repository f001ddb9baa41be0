"""Accepted returns: archive them as received, and load the archive into the store.

``data/raw/returns/<sha256>.xlsx`` is the workbook byte for byte as received; ``<sha256>.json``
beside it records the original file name, project, period, region, received time and row counts.
The store is rebuilt from ``data/`` (``shiwu build``), so ingesting is:

1. validate every file (:func:`shiwu_lib.returns.ingest.parse_workbook`);
2. a rejected file changes nothing (no archive file, no store change) and its errors are reported;
3. an accepted file is archived; a file whose sha256 is already archived is "already ingested";
4. if anything new was archived, the store is rebuilt (``shiwu_lib.store.build``), which calls
   :func:`load` to re-load every archived return in received order.

A corrected workbook for the same period is a new file (new sha256): its values become new
vintages (``reported_at`` = received time); the old ones stay queryable.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import common
from .ingest import ParsedReturn, ReturnError, WorkbookRejected, parse_workbook
from .published import insert_df

SIDECAR_VERSION = 1


# --------------------------------------------------------------------------- archive files
def archive_path(sha256: str) -> Path:
    return common.returns_dir() / f"{sha256}.xlsx"


def is_archived(sha256: str) -> bool:
    return archive_path(sha256).exists() and archive_path(sha256).with_suffix(".json").exists()


def archive_return(src: Path, parsed: ParsedReturn, received_at: dt.datetime) -> Path:
    """Copy ``src`` as received to ``<sha256>.xlsx`` and write its sidecar. Returns the archived path."""
    d = common.returns_dir()
    d.mkdir(parents=True, exist_ok=True)
    dst = archive_path(parsed.sha256)
    side = dst.with_suffix(".json")
    meta = {
        "sidecar_version": SIDECAR_VERSION,
        "sha256": parsed.sha256,
        "original_file_name": parsed.file_name,
        "project_no": parsed.project_no,
        "period_label": parsed.period_label,
        "region": parsed.region,
        "received_at": received_at.isoformat(timespec="seconds"),
        "template_version": parsed.template_version,
        "sheets_present": parsed.sheets_present,
        "rows": {"actuals": len(parsed.actuals), "task_progress": len(parsed.task_progress),
                 "problems": len(parsed.problems)},
    }
    # write to temporary names, then rename: a crash never leaves a half file under the final name
    tmp_x = dst.with_name(dst.name + ".part")
    tmp_j = side.with_name(side.name + ".part")
    shutil.copyfile(src, tmp_x)
    if common.sha256_file(tmp_x) != parsed.sha256:  # the file changed between validation and copy
        tmp_x.unlink(missing_ok=True)
        raise RuntimeError(f"{src} changed while it was being ingested; try again")
    tmp_j.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp_x.replace(dst)
    tmp_j.replace(side)
    return dst


def archived() -> list[dict]:
    """Sidecars of the archive, in received order (then sha256)."""
    d = common.returns_dir()
    if not d.exists():
        return []
    out = []
    for j in d.glob("*.json"):
        meta = json.loads(j.read_text(encoding="utf-8"))
        if (d / f"{meta['sha256']}.xlsx").exists():
            out.append(meta)
    return sorted(out, key=lambda m: (m["received_at"], m["sha256"]))


# --------------------------------------------------------------------------- store inserts
def insert_parsed(con, parsed: ParsedReturn, *, submission_id: str, source_type: str, received_at: dt.datetime,
                  title: str | None = None, address: str | None = None, note: str | None = None) -> None:
    """Insert one parsed return (submission, actuals, task progress, problems, return sheets)."""
    sub = pd.DataFrame([{
        "submission_id": submission_id, "region": parsed.region, "source_type": source_type,
        "file_name": parsed.file_name, "sha256": parsed.sha256, "project_no": parsed.project_no,
        "period_label": parsed.period_label, "received_at": received_at, "n_rows": parsed.n_rows,
        "title": title, "address": address, "note": note,
        "grade": source_type if source_type in ("return", "demo") else None,
    }])
    insert_df(con, "submissions", sub)
    extra = {"source_type": source_type, "submission_id": submission_id, "reported_at": received_at}
    if not parsed.actuals.empty:
        insert_df(con, "actuals", parsed.actuals.assign(**extra))
    if not parsed.task_progress.empty:
        insert_df(con, "task_progress", parsed.task_progress.assign(**extra))
    if not parsed.problems.empty:
        probs = parsed.problems.assign(**extra)
        probs["due"] = pd.to_datetime(probs["due"]).dt.date
        insert_df(con, "problems", probs)
    rs = pd.DataFrame([{"region": parsed.region, "project_no": parsed.project_no,
                        "period_label": parsed.period_label, "sheet": s, "submission_id": submission_id,
                        "reported_at": received_at} for s in parsed.sheets_present])
    insert_df(con, "return_sheets", rs)


def load(con) -> int:
    """Re-load every archived return into the store, in received order. Returns the number loaded.

    A workbook that no longer parses (e.g. the catalog dropped one of its indicators) is skipped
    with a warning rather than failing the whole build.
    """
    n = 0
    root = common.returns_dir()
    for meta in archived():
        x = root / f"{meta['sha256']}.xlsx"
        try:
            parsed = parse_workbook(x, file_name=meta["original_file_name"], strict=False)
        except WorkbookRejected as exc:
            warnings.warn(f"archived return {x.name} ({meta['original_file_name']}) no longer loads:\n{exc}", stacklevel=2)
            continue
        received = dt.datetime.fromisoformat(meta["received_at"])
        proj = common.project_row(parsed.project_no, parsed.region)
        try:
            address = x.relative_to(common.paths.data_dir()).as_posix()
            address = f"data/{address}"
        except ValueError:
            address = x.as_posix()
        insert_parsed(con, parsed, submission_id=parsed.sha256, source_type="return", received_at=received,
                      title=f"{proj.get('short_zh', '')} {parsed.period_label} 进度填报表（{parsed.file_name}）",
                      address=address)
        n += 1
    return n


# --------------------------------------------------------------------------- ingest
@dataclass
class FileResult:
    path: str
    file_name: str
    status: str                 # accepted | rejected | already ingested | valid (dry run)
    sha256: str | None = None
    project_no: int | None = None
    period_label: str | None = None
    rows: dict = field(default_factory=dict)
    errors: list[ReturnError] = field(default_factory=list)


@dataclass
class IngestReport:
    results: list[FileResult]
    dry_run: bool = False
    db_path: str | None = None
    build_error: str | None = None

    @property
    def rejected(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "rejected"]

    @property
    def accepted(self) -> list[FileResult]:
        return [r for r in self.results if r.status in ("accepted", "valid (dry run)")]

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.build_error

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            head = f"{r.file_name}: {r.status}"
            if r.status in ("accepted", "valid (dry run)"):
                head += (f" — project {r.project_no}, {r.period_label}: {r.rows.get('actuals', 0)} indicator values, "
                         f"{r.rows.get('task_progress', 0)} task rows, {r.rows.get('problems', 0)} problems")
            elif r.status == "rejected":
                head += f" — {len(r.errors)} problem(s), nothing was changed (退回，请修改后重新报送):"
            elif r.status == "already ingested":
                head += f" — the same file (sha256 {r.sha256[:12]}…) was ingested before; nothing to do"
            out.append(head)
            out.extend(f"  {e}" for e in r.errors)
        if self.build_error:
            out.append(f"store rebuild failed: {self.build_error}")
        elif self.db_path:
            out.append(f"store rebuilt: {self.db_path}")
        return out


def ingest_files(files, dry_run: bool = False, *, received_at: dt.datetime | None = None,
                 today: dt.date | None = None, rebuild: bool = True, demo: bool | None = None) -> IngestReport:
    """Validate ``files``; archive the accepted ones and rebuild the store (unless ``dry_run``)."""
    received_at = received_at or dt.datetime.now().replace(microsecond=0)
    results: list[FileResult] = []
    reference = None
    new = 0
    seen_in_batch: set[str] = set()
    for f in files:
        f = Path(f)
        name = f.name
        try:
            sha = common.sha256_file(f) if f.exists() else None
        except OSError:
            sha = None
        if sha and (is_archived(sha) or sha in seen_in_batch):
            results.append(FileResult(str(f), name, "already ingested", sha))
            continue
        if reference is None:
            from .ingest import reference_from_store

            reference = reference_from_store()
        try:
            parsed = parse_workbook(f, reference=reference, today=today)
        except WorkbookRejected as exc:
            results.append(FileResult(str(f), name, "rejected", sha, errors=exc.errors))
            continue
        rows = {"actuals": len(parsed.actuals), "task_progress": len(parsed.task_progress),
                "problems": len(parsed.problems)}
        if dry_run:
            results.append(FileResult(str(f), name, "valid (dry run)", parsed.sha256, parsed.project_no,
                                      parsed.period_label, rows))
            continue
        # one second apart keeps the received order of a batch
        archive_return(f, parsed, received_at + dt.timedelta(seconds=new))
        seen_in_batch.add(parsed.sha256)
        new += 1
        results.append(FileResult(str(f), name, "accepted", parsed.sha256, parsed.project_no, parsed.period_label, rows))
    report = IngestReport(results, dry_run=dry_run)
    if new and rebuild and not dry_run:
        try:
            from .. import store

            report.db_path = str(store.build(demo=demo))
        except Exception as exc:  # noqa: BLE001 - the archive is kept; report and let `shiwu build` retry
            report.build_error = f"{type(exc).__name__}: {exc} (the accepted files are archived; run `shiwu build`)"
    return report
