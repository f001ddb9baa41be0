"""Accepted returns: archive them as received, and load the archive into the store.

``data/raw/returns/<sha256>.xlsx`` is the workbook byte for byte as received; ``<sha256>.json``
beside it records the original file name, project, period, region, received time and row counts.
The store is rebuilt from ``data/`` (``shiwu build``), so ingesting is, under the writer lock
(``shiwu_lib.locking.writer_lock``: one ingest or build at a time):

0. repair what an interrupted writer left: ``.part`` files, a workbook without its sidecar, a
   store whose ``build_info.inputs_sha256`` does not match the archive (rebuilt);
1. validate every file (:func:`shiwu_lib.returns.ingest.parse_workbook`);
2. a rejected file changes nothing (no archive file, no store change) and its errors are reported;
3. an accepted file is archived atomically (:func:`archive_return`); a file whose sha256 is
   already archived is "already ingested";
4. if anything new was archived (or the store was stale), the store is rebuilt
   (``shiwu_lib.store.build``), which calls :func:`load` to re-load every archived return in
   received order. Killed after 3, the next ingest / build / ``locking.ensure_current`` rebuilds.

A corrected workbook for the same period is a new file (new sha256): its values become new
vintages (``reported_at`` = received time); the old ones stay queryable.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import common, layout
from .ingest import ParsedReturn, ReturnError, WorkbookRejected, parse_workbook
from .published import insert_df

SIDECAR_VERSION = 1


# --------------------------------------------------------------------------- archive files
def archive_path(sha256: str) -> Path:
    return common.returns_dir() / f"{sha256}.xlsx"


def is_archived(sha256: str) -> bool:
    return archive_path(sha256).exists() and archive_path(sha256).with_suffix(".json").exists()


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def archive_return(src: Path, parsed: ParsedReturn, received_at: dt.datetime, data: bytes | None = None) -> Path:
    """Archive ``src`` as received under ``<sha256>.xlsx`` with its sidecar. Returns the archived path.

    Atomic: both files are written under ``.part`` names and fsync-ed, the workbook is renamed,
    then the sidecar (the commit point: :func:`archived` lists an entry only when both exist).
    A crash leaves ``.part`` files or a workbook without sidecar, which the next writer removes
    (``locking.clean_archive_leftovers``); never a half file under a final name. ``data``: the
    bytes that were validated (else ``src`` is read again and must still have the same sha256).
    On any error (full disk, read-only folder) the ``.part`` files are removed and the error raised.
    """
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
    tmp_x = dst.with_name(dst.name + ".part")
    tmp_j = side.with_name(side.name + ".part")
    if data is None:
        data = Path(src).read_bytes()
    if common.sha256_bytes(data) != parsed.sha256:  # the file changed between validation and copy
        raise RuntimeError(f"{Path(src).name} changed while it was being ingested; try again")
    try:
        _write_durably(tmp_x, data)
        _write_durably(tmp_j, (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        os.replace(tmp_x, dst)
        os.replace(tmp_j, side)          # commit point
        _fsync_dir(d)
    except BaseException:
        for f in (tmp_x, tmp_j):
            f.unlink(missing_ok=True)
        if not side.exists():
            dst.unlink(missing_ok=True)  # not committed: no workbook without its sidecar
        raise
    return dst


def archived() -> list[dict]:
    """Sidecars of the archive, in received order (then sha256)."""
    d = common.returns_dir()
    if not d.exists():
        return []
    out = []
    for j in d.glob("*.json"):
        try:
            meta = json.loads(j.read_text(encoding="utf-8"))
            sha = meta["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warnings.warn(f"archive sidecar {j.name} cannot be read ({exc}); its workbook is not loaded", stacklevel=2)
            continue
        if (d / f"{sha}.xlsx").exists():
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
    status: str                 # accepted | rejected | already ingested | valid (dry run) | failed
    sha256: str | None = None
    project_no: int | None = None
    period_label: str | None = None
    rows: dict = field(default_factory=dict)
    errors: list[ReturnError] = field(default_factory=list)
    failure: str | None = None  # status "failed": valid, but could not be archived (one line)


@dataclass
class IngestReport:
    results: list[FileResult]
    dry_run: bool = False
    db_path: str | None = None
    build_error: str | None = None
    recovered: str | None = None    # one line: an earlier interrupted writer's state was repaired

    @property
    def rejected(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "rejected"]

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def accepted(self) -> list[FileResult]:
        return [r for r in self.results if r.status in ("accepted", "valid (dry run)")]

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.failed and not self.build_error

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        out = []
        if self.recovered:
            out.append(self.recovered)
        for r in self.results:
            head = f"{r.file_name}: {r.status}"
            if r.status in ("accepted", "valid (dry run)"):
                head += (f" — project {r.project_no}, {r.period_label}: {r.rows.get('actuals', 0)} indicator values, "
                         f"{r.rows.get('task_progress', 0)} task rows, {r.rows.get('problems', 0)} problems")
            elif r.status == "rejected":
                head += f" — {len(r.errors)} problem(s), nothing was changed (退回，请修改后重新报送):"
            elif r.status == "already ingested":
                head += f" — the same file (sha256 {r.sha256[:12]}…) was ingested before; nothing to do"
            elif r.status == "failed":
                head += f" — valid, but not archived: {r.failure} (nothing was changed; try again)"
            out.append(head)
            out.extend(f"  {e}" for e in r.errors)
        if self.build_error:
            out.append(f"store rebuild failed: {self.build_error}")
        elif self.db_path:
            out.append(f"store rebuilt: {self.db_path}")
        return out


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        where = exc.filename or ""
        text = f"{exc.strerror}" + (f": {where}" if where else "")
    return text[:300]


def _demo_for_rebuild(demo: bool | None, state) -> bool | None:
    """Rebuild with what the caller asked; else SHIWU_DEMO if set; else as the existing store was built."""
    if demo is not None:
        return demo
    if "SHIWU_DEMO" in os.environ or state is None or state.demo_loaded is None:
        return None
    return state.demo_loaded


def ingest_files(files, dry_run: bool = False, *, received_at: dt.datetime | None = None,
                 today: dt.date | None = None, rebuild: bool = True, demo: bool | None = None,
                 wait: bool = True, timeout: float | None = None, on_wait=None) -> IngestReport:
    """Validate ``files``; archive the accepted ones and rebuild the store (unless ``dry_run``).

    One writer at a time: the whole ingest holds ``locking.writer_lock`` (a second ingest or
    build waits; ``on_wait(line)`` is told once; ``wait=False`` / ``timeout`` raise
    ``locking.WriterBusy``). Under the lock it first repairs what an interrupted writer left
    (``.part`` files, uncommitted workbooks, a store not built from the archive: rebuilt even when
    every file turns out to be "already ingested"). Each file is all or nothing; a file that is
    refused or cannot be archived never stops the others from landing.
    """
    if dry_run:
        return _ingest(files, True, received_at, today)
    from .. import locking

    db = common.db_path()
    db.parent.mkdir(parents=True, exist_ok=True)   # the lock lives beside the store
    with locking.writer_lock(db, wait=wait, timeout=timeout, on_wait=on_wait):
        leftovers = locking.clean_archive_leftovers() + locking.clean_stale_staging(db)
        state = locking.store_state(db) if rebuild else None
        report = _ingest(files, False, received_at, today)
        new = sum(r.status == "accepted" for r in report.results)
        # a store that exists but was not built from the archive as it is: an interrupted writer
        # (a missing store is for `shiwu build`; a refused file alone does not create one)
        stale = state is not None and not state.current and db.exists()
        if stale:
            report.recovered = (f"recovered: {state.reason}" +
                                (f"; removed {len(leftovers)} leftover file(s)" if leftovers else ""))
        if rebuild and (new or stale):
            try:
                from .. import store

                report.db_path = str(store.build(db, demo=_demo_for_rebuild(demo, state)))
            except Exception as exc:  # noqa: BLE001 - the archive is kept; the next writer rebuilds
                report.build_error = (f"{type(exc).__name__}: {_one_line(exc)} (the accepted files are archived; "
                                      f"the next `shiwu ingest` or `shiwu build` rebuilds the store)")
    return report


def _ingest(files, dry_run, received_at, today) -> IngestReport:
    results: list[FileResult] = []
    reference = None
    new = 0
    seen_in_batch: set[str] = set()
    for f in files:
        f = Path(f)
        name = f.name
        try:
            data = f.read_bytes() if f.is_file() and f.stat().st_size <= layout.MAX_FILE_BYTES else None
        except OSError:
            data = None
        sha = common.sha256_bytes(data) if data is not None else None
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
        except Exception as exc:  # noqa: BLE001 - a reader failure is a rejection of that file, not a crash
            err = ReturnError(name, None, None, None, "an .xlsx workbook made by `shiwu template`",
                              f"the workbook cannot be read ({type(exc).__name__}: {_one_line(exc)})", "unreadable")
            results.append(FileResult(str(f), name, "rejected", sha, errors=[err]))
            continue
        rows = {"actuals": len(parsed.actuals), "task_progress": len(parsed.task_progress),
                "problems": len(parsed.problems)}
        if dry_run:
            results.append(FileResult(str(f), name, "valid (dry run)", parsed.sha256, parsed.project_no,
                                      parsed.period_label, rows))
            continue
        when = received_at or dt.datetime.now().replace(microsecond=0)
        try:
            # one second apart keeps the received order of a batch
            archive_return(f, parsed, when + dt.timedelta(seconds=new), data=data if parsed.sha256 == sha else None)
        except Exception as exc:  # noqa: BLE001 - full disk, read-only folder, file changed meanwhile
            results.append(FileResult(str(f), name, "failed", parsed.sha256, parsed.project_no, parsed.period_label,
                                      rows, failure=_one_line(exc)))
            continue
        seen_in_batch.add(parsed.sha256)
        new += 1
        results.append(FileResult(str(f), name, "accepted", parsed.sha256, parsed.project_no, parsed.period_label, rows))
    return IngestReport(results, dry_run=dry_run)
