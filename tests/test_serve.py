"""`shiwu serve` itself: starts Voila on loopback serving the dashboards, stops by its PID."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from conftest import free_port


def _serve(db, log_path):
    """Run `shiwu serve` on a free port; a port taken meanwhile makes Voila exit (port_retries=0): retry."""
    for _ in range(5):
        port = free_port()
        log = open(log_path, "wb")
        proc = subprocess.Popen([sys.executable, "-m", "shiwu_lib.cli", "serve", "--port", str(port), "--host", "127.0.0.1"],
                                env={**os.environ, "SHIWU_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    return proc, port, r.read().decode()
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.3)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    raise AssertionError(f"shiwu serve did not answer: {open(log_path, errors='replace').read()[-2000:]}")


def test_shiwu_serve_answers_on_loopback_and_lists_the_dashboards(built_db, tmp_path):
    from shiwu_lib import paths

    proc, port, html = _serve(built_db, tmp_path / "serve.log")
    try:
        for nb in sorted(paths.notebooks_dir().glob("0*.ipynb")):
            assert nb.name in html, f"the landing page does not list {nb.name}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode is not None
    text = (tmp_path / "serve.log").read_text(errors="replace")
    assert f"http://127.0.0.1:{port}/" in text


def test_a_taken_port_is_an_error_not_a_silent_move(built_db, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "shiwu_lib.cli", "serve", "--port", str(port)], capture_output=True,
                           text=True, env={**os.environ, "SHIWU_DB": str(built_db)}, timeout=120)
    assert r.returncode != 0
    assert "already in use" in (r.stdout + r.stderr)
