"""`shiwu serve`: Voila serving the dashboards in notebooks/ on loopback.

Kernels are preheated (a page shows its first chart ~2x sooner) and the notebooks call
``shiwu_lib.views.wait_for_visit()`` before reading data, so a preheated kernel still shows the
data as it is when the page is opened. Idle kernels are culled: Voila cannot shut a kernel when a
tab closes (voila issue 1458), and each visit leaves a ~150 MB kernel otherwise.
"""
from __future__ import annotations

import os
import sys

from . import paths

CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60
FILL_DELAY_SECONDS = 8


def voila_argv(port: int = 8866, host: str = "127.0.0.1", preheat: bool = True) -> list[str]:
    """The full command line `shiwu serve` runs (also used by the test harness)."""
    argv = [
        sys.executable, "-m", "voila", str(paths.notebooks_dir()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",  # a taken port is an error, not a silent move to another port
        "--classic_tree=True",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=True",
    ]
    if preheat:
        # The replacement kernel starts FILL_DELAY_SECONDS after a visit takes the preheated one, so
        # it does not compete for the 2 cores with the page being drawn.
        argv += ["--preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1",
                 f"--VoilaKernelManager.fill_delay={FILL_DELAY_SECONDS}"]
    return argv


def cli_serve(args) -> int:
    db = paths.db_path()
    if not db.exists():
        sys.stderr.write(f"shiwu serve: {db} does not exist; run `shiwu build` first\n")
        return 1
    argv = voila_argv(args.port, args.host, preheat=not args.no_preheat)
    print(f"shiwu: dashboards at http://{args.host}:{args.port}/  (Ctrl-C stops)", flush=True)
    env = dict(os.environ)
    env.setdefault("SHIWU_DB", str(db))
    os.execve(argv[0], argv, env)  # same PID: a supervisor can stop Voila by the PID it started
    return 0  # pragma: no cover
