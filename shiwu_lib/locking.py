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
* The crash check that uses the lock's guarantees, :func:`shiwu_lib.store.store_state` (repaired by
  :func:`shiwu_lib.returns.intake.ensure_current`), lives in ``store``: the store records the sha256
  of its inputs (``build_info.inputs_sha256``, ``store.input_fingerprint``: curated CSVs + archived
  returns); if the archive holds something the store was not built from (an ingest killed after its
  archive entry was committed, or a build killed before it published), the two differ. This module
  imports nothing of the package but ``paths`` (``store`` builds on it, not the other way round).

Standard library only (``fcntl`` on POSIX, ``msvcrt`` on Windows): no extra dependency.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
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
