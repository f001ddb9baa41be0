"""Ingest department returns: validate, archive as received, rebuild the store — one writer at a time.

Under the writer lock (:func:`shiwu_lib.locking.writer_lock`: one ingest or build at a time):

0. repair what an interrupted writer left: ``.part`` files, a workbook without its sidecar, a
   store whose ``build_info.inputs_sha256`` does not match the archive (rebuilt);
1. validate every file (:func:`shiwu_lib.returns.ingest.parse_workbook`);
2. a rejected file changes nothing (no archive file, no store change) and its errors are reported;
3. an accepted file is archived atomically (:func:`shiwu_lib.returns.archive.archive_return`; the
   archive folder is fsync-ed once for the batch, before anything is reported); a file whose
   sha256 is already archived is "already ingested";
4. if anything new was archived (or the store was stale), the store is rebuilt
   (:func:`shiwu_lib.build.run`, whose ``returns`` step re-loads every archived return in received
   order). Killed after 3, the next ingest / build / :func:`ensure_current` rebuilds.

This module sits above the build (it rebuilds); the archive and the parser below it know nothing of
the build.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import build, locking, paths, store
from . import common, layout
from .archive import archive_return, is_archived, sync_archive
from .ingest import ReturnError, WorkbookRejected, parse_workbook


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
    db = common.db_path()
    db.parent.mkdir(parents=True, exist_ok=True)   # the lock lives beside the store
    with locking.writer_lock(db, wait=wait, timeout=timeout, on_wait=on_wait):
        leftovers = locking.clean_archive_leftovers() + locking.clean_stale_staging(db)
        state = store.store_state(db) if rebuild else None
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
                report.db_path = str(build.run(db, demo=_demo_for_rebuild(demo, state)))
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
            parsed = parse_workbook(f, reference=reference, today=today, data=data)   # the bytes read above
        except WorkbookRejected as exc:
            results.append(FileResult(str(f), name, "rejected", sha, errors=exc.errors))
            continue
        except Exception as exc:  # noqa: BLE001 - a reader failure is a rejection of that file, not a crash
            err = ReturnError(name, None, None, None, "an .xlsx workbook made by `shiwu template`",
                              f"the workbook cannot be read ({type(exc).__name__}: {_one_line(exc)})", "unreadable")
            results.append(FileResult(str(f), name, "rejected", sha, errors=[err]))
            continue
        rows = parsed.rows
        if dry_run:
            results.append(FileResult(str(f), name, "valid (dry run)", parsed.sha256, parsed.project_no,
                                      parsed.period_label, rows))
            continue
        when = received_at or dt.datetime.now().replace(microsecond=0)
        try:
            # one second apart keeps the received order of a batch
            archive_return(f, parsed, when + dt.timedelta(seconds=new), data=data if parsed.sha256 == sha else None,
                           sync_dir=False)   # the folder is fsync-ed once, below
        except Exception as exc:  # noqa: BLE001 - full disk, read-only folder, file changed meanwhile
            results.append(FileResult(str(f), name, "failed", parsed.sha256, parsed.project_no, parsed.period_label,
                                      rows, failure=_one_line(exc)))
            continue
        seen_in_batch.add(parsed.sha256)
        new += 1
        results.append(FileResult(str(f), name, "accepted", parsed.sha256, parsed.project_no, parsed.period_label, rows))
    if new:
        # one fsync of the archive folder for the batch (each file and sidecar was fsync-ed before
        # its rename): the renames are durable before any file is reported accepted or the store rebuilt
        sync_archive()
    return IngestReport(results, dry_run=dry_run)


# --------------------------------------------------------------------------- crash recovery
def ensure_current(db_path: str | os.PathLike | None = None, *, repair: bool = True, demo: bool | None = None,
                   wait: bool = True, timeout: float | None = None,
                   on_wait: Callable[[str], None] | None = None,
                   log: Callable[[str], None] | None = None) -> store.StoreState:
    """Detect a crashed writer's state and repair it.

    Takes the writer lock, removes leftovers (archive ``.part`` files, uncommitted workbooks,
    staging files of dead builds), and when the store does not match the archive rebuilds it
    (``repair=True``; with the demo setting the existing store was built with unless ``demo`` is
    given). With ``repair=False`` only reports (nothing is changed and no lock is taken).
    Returns the state *before* the repair; ``log`` receives one line when something was done.
    """
    target = Path(db_path) if db_path else paths.db_path()
    if not repair:
        return store.store_state(target)
    with locking.writer_lock(target, wait=wait, timeout=timeout, on_wait=on_wait):
        left = locking.clean_archive_leftovers()
        staged = locking.clean_stale_staging(target)
        st = store.store_state(target)
        if not st.current:
            use_demo = demo if demo is not None else st.demo_loaded
            build.run(target, demo=use_demo)
            if log:
                log(f"recovered: {st.reason}; rebuilt {target}"
                    + (f" (removed {len(left) + len(staged)} leftover file(s))" if left or staged else ""))
        elif (left or staged) and log:
            log(f"removed {len(left) + len(staged)} leftover file(s) of an interrupted writer")
        return st
