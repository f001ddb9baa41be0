"""Shared test harness: a built store, a Voila server and a real headless chromium.

- ``built_db``: the store built once per session from the repository's data (published + demo,
  demo pinned to SHIWU_DEMO_UNTIL) into a temp folder; ``SHIWU_DB`` points at it for the session.
- ``voila_url``: Voila started the way ``shiwu serve`` starts it, on a free loopback port, waited
  for until it answers, stopped by its PID (and its kernels with it) afterwards.
- ``open_dashboard``: opens a page in Debian's /usr/bin/chromium through Playwright, waits for a
  Plotly graph to be visible, fails on a Python traceback / kernel error on the page or an error in
  the browser console, and saves a full-page screenshot under test-artifacts/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
DEMO_UNTIL = os.environ.get("SHIWU_DEMO_UNTIL", "2026Q3")
# Chromium flags for a closed network (see env notes): no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def benign_console_error(msg) -> bool:
    """Console errors that are not ours: resources the page asks of the internet (Voila's template
    requests FontAwesome from a CDN; offline only widget icons are lost) and Voila refusing the
    kernel shutdown a page sends when it is left (voila issue 1458; idle kernels are culled instead)."""
    url = (msg.location or {}).get("url", "") or ""
    if msg.text.startswith("Failed to load resource") and url and not url.startswith(("http://127.0.0.1", "http://localhost")):
        return True
    return "/voila/api/shutdown/" in url and "403" in msg.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """Build the store once from the repository data (published + demo) and point SHIWU_DB at it."""
    from shiwu_lib import build

    db = tmp_path_factory.mktemp("store") / "shiwu.duckdb"
    old = {k: os.environ.get(k) for k in ("SHIWU_DB", "SHIWU_DEMO_UNTIL")}
    os.environ["SHIWU_DEMO_UNTIL"] = DEMO_UNTIL
    build.run(db, demo=True)
    os.environ["SHIWU_DB"] = str(db)
    yield db
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s: {last}")


def start_voila(db: Path, port: int, preheat: bool = True, notebooks: Path | None = None) -> subprocess.Popen:
    from shiwu_lib import serve

    argv = serve.voila_argv(port=port, host="127.0.0.1", preheat=preheat)
    if notebooks is not None:
        argv[3] = str(notebooks)
    env = dict(os.environ, SHIWU_DB=str(db), PYTHONUNBUFFERED="1")
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS.joinpath(f"voila-{port}.log"), "wb")
    return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen) -> None:
    """Stop Voila by its PID, and its kernels (same session/process group) with it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def launch_voila(db: Path, preheat: bool = True, notebooks: Path | None = None, attempts: int = 5):
    """Start Voila on a free loopback port and wait until it answers; returns (process, url).

    A port found free can be taken again before Voila binds it (a kernel's ZMQ sockets pick
    ports too); Voila runs with port_retries=0, exits, and we try another port."""
    last = None
    for _ in range(attempts):
        port = free_port()
        proc = start_voila(db, port, preheat=preheat, notebooks=notebooks)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url + "/", timeout=5) as r:
                    if r.status == 200:
                        return proc, url
            except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
                last = exc
            time.sleep(0.3)
        stop_process(proc)
        last = last or RuntimeError(f"Voila exited with {proc.returncode}")
    raise RuntimeError(f"Voila did not start after {attempts} attempts: {last}")


@pytest.fixture(scope="module")
def db(built_db):
    """The bundled store (published + demo values) opened read-only: one Database per test module
    (a module that changes its rules with db.set_rules does not reach the next one)."""
    from shiwu_lib.api import Database

    d = Database(built_db)
    yield d
    d.close()


@pytest.fixture(scope="session")
def voila_url(built_db):
    ARTIFACTS.mkdir(exist_ok=True)
    proc, url = launch_voila(built_db)
    yield url
    stop_process(proc)
    assert proc.poll() is not None, "Voila still running after stop"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()
    pw.stop()


class DashboardPage:
    """A page opened by :func:`open_dashboard`, with what the browser reported while loading."""

    def __init__(self, page, console_errors, elapsed_s):
        self.page = page
        self.console_errors = console_errors
        self.elapsed_s = elapsed_s


def page_errors(page) -> list[str]:
    """Python tracebacks / kernel errors shown on the page."""
    found = []
    for sel in ('[data-mime-type="application/vnd.jupyter.stderr"]', ".jp-OutputArea-output.jp-RenderedText[data-mime-type*=error]",
                ".voila-error", "#rendered_cells .jp-mod-error"):
        for el in page.query_selector_all(sel):
            text = el.inner_text().strip()
            if text:
                found.append(f"{sel}: {text[:500]}")
    body = page.inner_text("body")
    for marker in ("Traceback (most recent call last)", "Error in kernel", "There was an error when executing cell",
                   "Kernel died", "ModuleNotFoundError", "NameError"):
        if marker in body:
            found.append(f"page text contains {marker!r}")
    return found


@pytest.fixture
def open_dashboard(browser, voila_url):
    contexts = []

    def _open(path: str, name: str, wait_selector: str = ".js-plotly-plot", timeout_ms: int = 90_000,
              viewport=(1440, 900)) -> DashboardPage:
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(f"{m.text} ({(m.location or {}).get('url')})")
                if m.type == "error" and not benign_console_error(m) else None)
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        shot_dir = ARTIFACTS / "screenshots"
        shot_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        page.goto(voila_url + path, wait_until="domcontentloaded", timeout=timeout_ms)
        try:
            page.wait_for_selector(wait_selector, state="visible", timeout=timeout_ms)
        except Exception:
            page.screenshot(path=str(shot_dir / f"{name}-FAILED.png"), full_page=True)
            raise AssertionError(f"{path}: {wait_selector} not visible; page errors: {page_errors(page)}; console: {errors}")
        elapsed = time.perf_counter() - t0
        page.wait_for_timeout(800)  # let Plotly finish drawing before the screenshot
        page.screenshot(path=str(shot_dir / f"{name}.png"), full_page=True)
        problems = page_errors(page)
        assert not problems, f"{path}: errors shown on the page: {problems}"
        assert not errors, f"{path}: browser console errors: {errors}"
        return DashboardPage(page, errors, elapsed)

    yield _open
    for ctx in contexts:
        ctx.close()
