"""The archive of accepted returns: write a workbook into it as received, and load it into a store.

``data/raw/returns/<sha256>.xlsx`` is the workbook byte for byte as received; ``<sha256>.json``
beside it records the original file name, project, period, region, received time and row counts.
:func:`archive_return` writes both atomically; :func:`load` (the build's ``returns`` step) re-loads
every archived return in received order. Ingesting — validate, archive, rebuild under the writer
lock — sits above the build, in :mod:`shiwu_lib.returns.intake`.

A corrected workbook for the same period is a new file (new sha256): its values become new
vintages (``reported_at`` = received time); the old ones stay queryable.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from pathlib import Path

import pandas as pd

from . import common
from .ingest import ParsedReturn, WorkbookRejected, parse_workbook
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


def archive_return(src: Path, parsed: ParsedReturn, received_at: dt.datetime, data: bytes | None = None,
                   sync_dir: bool = True) -> Path:
    """Archive ``src`` as received under ``<sha256>.xlsx`` with its sidecar. Returns the archived path.

    Atomic: both files are written under ``.part`` names and fsync-ed, the workbook is renamed,
    then the sidecar (the commit point: :func:`archived` lists an entry only when both exist),
    then the folder is fsync-ed (the renames survive a power cut). A crash leaves ``.part`` files
    or a workbook without sidecar, which the next writer removes
    (``locking.clean_archive_leftovers``); never a half file under a final name. ``data``: the
    bytes that were validated (else ``src`` is read again and must still have the same sha256).
    ``sync_dir=False``: the caller fsyncs the folder itself (:func:`sync_archive`) once for a
    batch, before it reports any file as accepted. On any error (full disk, read-only folder)
    the ``.part`` files are removed and the error raised.
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
        "rows": parsed.rows,
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
        if sync_dir:
            _fsync_dir(d)
    except BaseException:
        for f in (tmp_x, tmp_j):
            f.unlink(missing_ok=True)
        if not side.exists():
            dst.unlink(missing_ok=True)  # not committed: no workbook without its sidecar
        raise
    return dst


def sync_archive() -> None:
    """fsync the archive folder: the renames of :func:`archive_return` (``sync_dir=False``) are durable."""
    d = common.returns_dir()
    if d.exists():
        _fsync_dir(d)


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
