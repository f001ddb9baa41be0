"""Run `shiwu` commands and SIGKILL them at named points (used by tests/test_reliability.py).

    python tests/reliability_driver.py POINT -- ingest FILE...     # one command
    python tests/reliability_driver.py --serve                     # many: one JSON request a line

``--serve`` imports everything once, then forks a child per request (a fresh process for each
command, without paying the ~1.5 s of imports each time): requests are
``{"runs": [{"point": P, "argv": [...], "kill_after": seconds or null}, ...]}`` (the runs of one
request start together: concurrent writers); the answer line is
``{"results": [{"rc": int or null, "signal": int or null, "seconds": float}, ...]}``.

The process kills itself with SIGKILL (no cleanup handlers, no finally blocks, like a power cut or
the OOM killer) when it reaches POINT. Points, in the order an ingest reaches them:

  locked            the writer lock is held, nothing written yet
  part_xlsx         the workbook's .part file is written and fsync-ed
  part_json         the sidecar's .part file is written too
  between_renames   the workbook is renamed into place, the sidecar is not (not committed)
  committed         archive entry committed, store rebuild not started
  staging           the rebuild has created its staging file and loaded the curated tables
  before_publish    the staging store is complete, not yet renamed over the published one
  published         the new store is in place; the command has not reported yet
  none              run to the end (reference run)
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str) -> None:
    from shiwu_lib import build, locking, store
    from shiwu_lib.returns import archive

    if point == "locked":
        real_lock = locking.writer_lock

        import contextlib

        @contextlib.contextmanager
        def lock_then_die(*a, **k):
            with real_lock(*a, **k) as lp:
                die()
                yield lp

        locking.writer_lock = lock_then_die
    elif point in ("part_xlsx", "part_json"):
        real = archive._write_durably
        calls = {"n": 0}
        stop_after = 1 if point == "part_xlsx" else 2

        def write_then_die(path, data):
            real(path, data)
            calls["n"] += 1
            if calls["n"] == stop_after:
                die()

        archive._write_durably = write_then_die
    elif point in ("between_renames", "before_publish", "published"):
        real_replace = os.replace

        def replace(src, dst, *a, **k):
            s, d = str(src), str(dst)
            if point == "between_renames" and s.endswith(".xlsx.part"):
                real_replace(src, dst, *a, **k)
                die()
            if point == "before_publish" and ".building-" in s:
                die()
            real_replace(src, dst, *a, **k)
            if point == "published" and ".building-" in s:
                die()

        os.replace = replace
    elif point == "committed":
        def build_dies(*a, **k):
            die()

        build.run = build_dies     # the rebuild after the archive entry is committed
    elif point == "staging":
        real_curated = store.load_curated

        def curated_then_die(con, *a, **k):
            real_curated(con, *a, **k)
            die()

        store.load_curated = curated_then_die
        if hasattr(build, "load_curated"):   # the build steps may call it through their own module
            build.load_curated = curated_then_die
    elif point != "none":
        raise SystemExit(f"unknown point {point}")


def _child(point: str, argv: list[str], out_fd: int) -> None:
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    try:
        install(point)
        from shiwu_lib import cli

        rc = cli.main(argv)
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        rc = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(rc or 0))


def serve() -> int:
    import json
    import time

    # everything a command needs, imported before forking
    import duckdb  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401

    from shiwu_lib import build, cli, locking, store  # noqa: F401
    from shiwu_lib.returns import archive, ingest, template  # noqa: F401

    log_dir = Path(os.environ.get("SHIWU_DRIVER_LOGS", "/tmp"))
    n = 0
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        procs = []
        for run in req["runs"]:
            n += 1
            log = log_dir / f"driver-{n}.log"
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            t0 = time.monotonic()
            pid = os.fork()
            if pid == 0:
                _child(run["point"], run["argv"], fd)
            os.close(fd)
            procs.append((pid, t0, run.get("kill_after"), log))
        results = []
        for pid, t0, kill_after, log in procs:
            if kill_after is not None:
                while True:
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done:
                        break
                    if time.monotonic() - t0 >= kill_after:
                        os.kill(pid, signal.SIGKILL)
                        _, status = os.waitpid(pid, 0)
                        break
                    time.sleep(0.005)
            else:
                _, status = os.waitpid(pid, 0)
            results.append({"rc": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
                            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                            "seconds": round(time.monotonic() - t0, 3), "log": str(log)})
        print(json.dumps({"results": results}), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        return serve()
    point, sep, *rest = argv
    assert sep == "--"
    install(point)
    from shiwu_lib import cli

    return cli.main(rest)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
