"""`shiwu serve` itself: starts Voila on loopback serving the dashboards, stops by its PID."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

from conftest import _wait_http, free_port


def test_shiwu_serve_answers_on_loopback_and_lists_the_dashboards(built_db, tmp_path):
    port = free_port()
    log = open(tmp_path / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "shiwu_lib.cli", "serve", "--port", str(port), "--host", "127.0.0.1"],
                            env={**os.environ, "SHIWU_DB": str(built_db)}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/")
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        from shiwu_lib import paths

        for nb in sorted(paths.notebooks_dir().glob("0*.ipynb")):
            assert nb.name in html, f"the landing page does not list {nb.name}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode is not None
    text = (tmp_path / "serve.log").read_text(errors="replace")
    assert f"http://127.0.0.1:{port}/" in text
