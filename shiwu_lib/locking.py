"""One writer at a time, and recovery from writers that were killed.

* :func:`writer_lock` — an exclusive lock on ``<db>.lock`` beside the store, held by whoever
  changes the archive or the store (``shiwu ingest``, ``shiwu build``). A second writer waits
  (``on_wait`` is called once, with a line saying who holds it) or, with ``wait=False`` or after
  ``timeout`` seconds, raises :class:`WriterBusy` with one line. The lock is an ``flock`` on an open
  file: the kernel releases it when its holder dies, even by ``kill -9``, so a crash never leaves
  a lock that must be removed by hand. It is re-entrant within one process (ingest holds it and
  calls ``build.run``, which may take it again). Readers (dashboards, ``shiwu status``) never take
  it: they open the published file read-only, which the build replaces atomically.
* :func:`clean_stale_staging` — removes ``<db>.building-<pid>`` (and ``.wal``) files left by builds
  whose process no longer exists.
* :func:`store_state` — the crash check (repaired by :func:`shiwu_lib.returns.intake.ensure_current`): the store records the sha256 of
  its inputs (``build_info.inputs_sha256``, ``store._input_fingerprint``: curated CSVs + archived
  returns). If the archive holds something the store was not built from (an ingest killed after
  its archive entry was committed, or a build killed before it published), the two differ:
  ``intake.ensure_current`` rebuilds (under the lock), or reports it in one line.

Standard library only (``fcntl`` on POSIX, ``msvcrt`` on Windows): no extra dependency.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from . import paths

LOCK_SUFFIX = ".lock"
POLL_SECONDS = 0.1

_held: dict[str, int] = {}          # lock path -> depth held by this process
_held_guard = threading.RLock()     # threads of one process take turns too


class WriterBusy(RuntimeError):
    """Another process holds the writer lock (and we were told not to wait, or waited too long)."""


def lock_path(db_path: str | os.PathLike | None = None) -> Path:
    """``<db>.lock`` beside the store (git-ignored)."""
    target = Path(db_path) if db_path else paths.db_path()
    return target.with_name(target.name + LOCK_SUFFIX)


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def holder(db_path: str | os.PathLike | None = None) -> str:
    """What the lock file says about its current holder ('pid 123: shiwu ingest …'), or ''."""
    try:
        return lock_path(db_path).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _describe_self() -> str:
    args = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv[:4]))
    return f"pid {os.getpid()}: {args}".strip()


@contextlib.contextmanager
def writer_lock(db_path: str | os.PathLike | None = None, *, wait: bool = True, timeout: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the writer lock of the store ``db_path`` (default ``paths.db_path()``) for the block.

    ``wait=False``: raise :class:`WriterBusy` at once if another process holds it. ``timeout``:
    seconds to wait at most (``None`` = as long as it takes). ``on_wait(line)`` is called once
    when we have to wait, e.g. to print ``waiting for the other writer (pid 123: shiwu ingest)``.
    Raises ``OSError`` with a one-line message when the lock file cannot be created (read-only
    folder, missing folder).
    """
    lp = lock_path(db_path)
    key = str(lp.resolve()) if lp.parent.exists() else str(lp)
    with _held_guard:
        if _held.get(key):
            _held[key] += 1
            try:
                yield lp
            finally:
                _held[key] -= 1
            return
        try:
            fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot create the writer lock {lp} ({exc.strerror})") from None
        try:
            deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
            told = False
            while not _try_lock(fd):
                who = holder(db_path) or "another process"
                if not wait or (deadline is not None and time.monotonic() >= deadline):
                    waited = "" if not wait else f" after waiting {timeout:g} s"
                    raise WriterBusy(f"the store {lp.with_suffix('').name} is being changed by another writer "
                                     f"({who}){waited}; try again when it has finished")
                if on_wait and not told:
                    on_wait(f"waiting for the other writer to finish ({who}) …")
                    told = True
                time.sleep(POLL_SECONDS)
            # who holds it, for the messages of those who wait (informative only: the flock is the lock)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, (_describe_self() + "\n").encode("utf-8"), 0)
            _held[key] = 1
            try:
                yield lp
            finally:
                _held.pop(key, None)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                _unlock(fd)
        finally:
            os.close(fd)


def held(db_path: str | os.PathLike | None = None) -> bool:
    """Whether this process holds the writer lock of ``db_path``."""
    lp = lock_path(db_path)
    key = str(lp.resolve()) if lp.parent.exists() else str(lp)
    return bool(_held.get(key))


# --------------------------------------------------------------------------- staging files
_STAGING = re.compile(r"\.building-(\d+)(?:\.wal)?$")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:  # pragma: no cover - e.g. Windows without the pid
        return False
    return True


def clean_stale_staging(target_path: str | os.PathLike | None = None) -> list[Path]:
    """Remove ``<db>.building-<pid>`` and ``<db>.building-<pid>.wal`` of builds whose pid is gone.

    Returns the files removed. Staging files of live processes (a build running now) are kept.
    """
    target = Path(target_path) if target_path else paths.db_path()
    removed = []
    if not target.parent.is_dir():
        return removed
    for f in target.parent.glob(f"{target.name}.building-*"):
        m = _STAGING.search(f.name)
        if not m or f.name[: m.start()] != target.name:
            continue
        if pid_alive(int(m.group(1))) and int(m.group(1)) != os.getpid():
            continue
        if int(m.group(1)) == os.getpid() and held(target):
            continue  # ours, and we are building right now
        with contextlib.suppress(OSError):
            f.unlink()
            removed.append(f)
    return removed


# --------------------------------------------------------------------------- archive parts
def clean_archive_leftovers() -> list[Path]:
    """Remove what a killed archive write leaves in ``data/raw/returns``: ``*.part`` files and a
    workbook without its sidecar (the sidecar is renamed last: without it the entry was never
    committed and the ingest never said "accepted"). Call with the writer lock held."""
    d = paths.returns_dir()
    removed = []
    if not d.is_dir():
        return removed
    for f in d.iterdir():
        if not f.is_file():
            continue
        orphan = f.suffix == ".xlsx" and not f.with_suffix(".json").exists()
        if f.name.endswith(".part") or orphan:
            with contextlib.suppress(OSError):
                f.unlink()
                removed.append(f)
    return removed


# --------------------------------------------------------------------------- store vs archive
@dataclass
class StoreState:
    """``current``: the store was built from the data as it is now."""

    current: bool
    db_path: Path
    reason: str = ""                 # one line when not current
    demo_loaded: bool | None = None  # what the existing store was built with (None: no store)

    def line(self) -> str:
        return f"the store {self.db_path} is up to date" if self.current else self.reason


def read_build_info(db_path: str | os.PathLike | None = None) -> dict[str, str] | None:
    """``build_info`` of the store as a dict, or None when there is no readable store."""
    target = Path(db_path) if db_path else paths.db_path()
    if not target.is_file():
        return None
    from . import store

    try:  # the configuration of store.connect: a dashboard's open connection can share the file
        con = store.connect(target, read_only=True)
    except Exception:  # noqa: BLE001 - not a DuckDB file, or locked by a writer of another kind
        return None
    try:
        return dict(con.execute("SELECT key, value FROM build_info").fetchall())
    except Exception:  # noqa: BLE001 - a store without build_info
        return {}
    finally:
        con.close()


def inputs_fingerprint() -> str:
    """The fingerprint the build records (``store.input_fingerprint``) of the data as it is now."""
    from . import store

    fn = getattr(store, "input_fingerprint", None) or getattr(store, "_input_fingerprint")
    return fn()


def store_state(db_path: str | os.PathLike | None = None, build_info: dict | None = None) -> StoreState:
    """Compare the store's recorded input fingerprint with the data directory now.

    ``build_info``: the store's ``build_info`` as already read through an open connection (e.g.
    ``sw.open().build_info()``) — then the file is not opened again (DuckDB refuses a second
    connection to one file with another configuration in the same process).
    """
    target = Path(db_path) if db_path else paths.db_path()
    info = build_info if build_info is not None else read_build_info(target)
    if info is None:
        return StoreState(False, target, f"the store {target} does not exist or cannot be read: it must be built")
    demo = {"true": True, "false": False}.get(info.get("demo_loaded", ""))
    recorded = info.get("inputs_sha256")
    try:
        now = inputs_fingerprint()
    except OSError as exc:
        return StoreState(False, target, f"cannot read the data directory ({exc})", demo)
    if recorded != now:
        return StoreState(False, target, f"the store {target.name} was not built from the data as it is now "
                                         f"(an interrupted ingest or build, or changed data): it must be rebuilt", demo)
    return StoreState(True, target, "", demo)
