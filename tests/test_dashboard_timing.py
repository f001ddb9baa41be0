"""Time from navigation to the first visible chart: the overview and a project page beside the
trivial one-cell notebook (tests/notebooks/trivial.ipynb), each served by a Voila started the way
``shiwu serve`` starts it (preheated kernels), in the same run — the median of three visits each —
and the slowest of five viewers opening the overview at once.

The timings are written to test-artifacts/timing.json for docs/dashboards.md. Nothing is asserted
about speed (the machine is shared and has two cores); the test asserts that every page drew a
chart and that all five viewers of the burst saw one (the overview's preheat pool is sized for it,
shiwu_lib.serve.POOL_SIZES). It also records the memory of each kernel (RSS and USS): the overview
kernels the burst used and the preheated kernels waiting.

Cost: one visit per page by default (``SHIWU_TIMING_RUNS``, default 1: the ratios stay in the
artifact); the full measurement, the median of three, is ``SHIWU_TIMING_RUNS=3 pytest
tests/test_dashboard_timing.py`` (and benchmarks/bench.py's voila / concurrent parts). Each timed visit meets a preheated kernel, as a visitor does once the server has been up for a
minute (``wait_preheated``). The servers here are the test's own (its visits would otherwise count
against the session server's cap of live kernels).
"""
from __future__ import annotations

import json
import os
import re
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import ARTIFACTS, launch_voila, stop_process
from test_dashboards import OVERVIEW, PROJECT, wait_preheated

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL_NB = "00_trivial.ipynb"      # the server renders only 0*.ipynb (the dashboards)
TRIVIAL = f"/voila/render/{TRIVIAL_NB}"
RUNS = max(1, int(os.environ.get("SHIWU_TIMING_RUNS") or 1))
BURST = 5


def _preheat_uses(log: Path, notebook: str) -> int:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return len(re.findall(rf"Using pre-heated kernel: \S+ for {re.escape(notebook)}", text))


def _waiting(log: Path, page: str) -> int:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return text.count(f"INFO {page}: waiting for a visit") - text.count(f"INFO {page}: visit")


def _wait_pool(log: Path, page: str, n: int, timeout: float = 240.0) -> int:
    """Wait until ``n`` preheated kernels of ``page`` wait for a visitor; returns how many do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _waiting(log, page) < n:
        time.sleep(0.5)
    return _waiting(log, page)


def _kernel_memory(proc, log: Path, used_ids: set[str]) -> dict:
    """RSS / USS (MB) of every kernel of the Voila process: those ``used_ids`` names (visited) and the others."""
    import psutil

    visited, waiting = [], []
    for ch in psutil.Process(proc.pid).children(recursive=True):
        try:
            cmd = " ".join(ch.cmdline())
            if "ipykernel" not in cmd:
                continue
            m = re.search(r"kernel-([0-9a-f-]{36})\.json", cmd)     # the connection file names the kernel id
            kid = m.group(1) if m else ""
            mi = ch.memory_full_info()
            row = {"rss_mb": round(mi.rss / 2**20), "uss_mb": round(mi.uss / 2**20)}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        (visited if kid in used_ids else waiting).append(row)

    def summary(rows):
        if not rows:
            return {"n": 0}
        return {"n": len(rows), "rss_mb_median": statistics.median(r["rss_mb"] for r in rows),
                "uss_mb_median": statistics.median(r["uss_mb"] for r in rows), "rss_mb_max": max(r["rss_mb"] for r in rows)}

    return {"visited_overview_kernels": summary(visited), "other_kernels": summary(waiting),
            "total_rss_mb": sum(r["rss_mb"] for r in visited + waiting)}


def _used_kernels(log: Path, notebook: str) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return re.findall(rf"Using pre-heated kernel: (\S+) for {re.escape(notebook)}", text)


def _log_of(url: str) -> Path:
    return ARTIFACTS / f"voila-{url.rsplit(':', 1)[1]}.log"


def _wait_trivial(log: Path, timeout: float = 120.0) -> None:
    """The trivial notebook logs nothing itself: wait until Voila has refilled its pool since the last
    visit, and give the kernel a moment to run its one cell."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if text.count(f"Kernel pool of {TRIVIAL_NB} is filled") > _preheat_uses(log, TRIVIAL_NB):
            time.sleep(3)
            return
        time.sleep(0.5)


def _time_page(browser, url: str, shot: str | None = None, timeout_ms: int = 120_000) -> float:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_selector(".js-plotly-plot", state="visible", timeout=timeout_ms)
        elapsed = time.perf_counter() - t0
        if shot:
            page.wait_for_timeout(500)
            shots = ARTIFACTS / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{shot}.png"))
        return elapsed
    finally:
        ctx.close()


def _burst(browser, url: str, n: int, timeout_s: float = 120.0) -> list[float]:
    """``n`` viewers open ``url`` at once: seconds until each sees its first chart. The pages share
    one browser started without background throttling (several tabs of one browser would otherwise
    be drawn one at a time, which no group of viewers at their own screens does)."""
    from conftest import CHROMIUM, CHROMIUM_ARGS

    own = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + [
        "--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"])
    ctxs = [own.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN") for _ in range(n)]
    try:
        pages = [c.new_page() for c in ctxs]
        t0 = time.perf_counter()
        for p in pages:
            p.goto(url, wait_until="commit", timeout=int(timeout_s * 1000))
        done: dict[int, float] = {}
        while len(done) < n and time.perf_counter() - t0 < timeout_s:
            for i, p in enumerate(pages):
                if i not in done and p.locator(".js-plotly-plot").count() and p.locator(".js-plotly-plot").first.is_visible():
                    done[i] = time.perf_counter() - t0
            time.sleep(0.1)
        shots = ARTIFACTS / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        for i, p in enumerate(pages):
            if i not in done:   # what a viewer left waiting sees
                p.screenshot(path=str(shots / f"timing-burst-waiting-{i + 1}.png"))
        return [round(done[i], 2) if i in done else None for i in range(n)]
    finally:
        for c in ctxs:
            c.close()
        own.close()


def test_time_to_first_chart(built_db, browser, tmp_path):
    old = os.environ.get("SHIWU_MAX_KERNELS")
    os.environ["SHIWU_MAX_KERNELS"] = "40"            # this test's own visits; the cap is tested elsewhere
    try:
        main, main_url = launch_voila(built_db)
        folder = tmp_path / "trivial"
        folder.mkdir()
        (folder / TRIVIAL_NB).write_bytes((ROOT / "tests" / "notebooks" / "trivial.ipynb").read_bytes())
        triv, trivial_url = launch_voila(built_db, notebooks=folder)
    finally:
        if old is None:
            os.environ.pop("SHIWU_MAX_KERNELS", None)
        else:
            os.environ["SHIWU_MAX_KERNELS"] = old
    load_before = round(os.getloadavg()[0], 2)
    results: dict = {}
    memory: dict = {}
    try:
        main_log, trivial_log = _log_of(main_url), _log_of(trivial_url)
        for key, path, nb, name in (("overview", OVERVIEW, "01_overview.ipynb", "overview"),
                                    ("project", f"{PROJECT}?project=1", "02_project.ipynb", "project")):
            runs, used = [], []
            for i in range(RUNS):
                ready = all([wait_preheated(main_url, p) for p in ("overview", "project", "midpoint")])
                before = _preheat_uses(main_log, nb)
                runs.append(round(_time_page(browser, main_url + path, f"timing-{key}" if i == 0 else None), 2))
                used.append(_preheat_uses(main_log, nb) > before and ready)
            results[key] = {"path": path, "runs_s": runs, "median_s": statistics.median(runs), "preheated_kernel_used": used}
        runs, used = [], []
        for i in range(RUNS):
            _wait_trivial(trivial_log)
            before = _preheat_uses(trivial_log, TRIVIAL_NB)
            runs.append(round(_time_page(browser, trivial_url + TRIVIAL, "timing-trivial" if i == 0 else None), 2))
            used.append(_preheat_uses(trivial_log, TRIVIAL_NB) > before)
        results["trivial"] = {"path": TRIVIAL, "runs_s": runs, "median_s": statistics.median(runs), "preheated_kernel_used": used}
        from shiwu_lib import serve

        pool = serve.pool_sizes().get("01_overview.ipynb", 1)
        ready = _wait_pool(main_log, "overview", min(pool, BURST))
        for p in ("project", "midpoint"):
            wait_preheated(main_url, p)
        before_ids = set(_used_kernels(main_log, "01_overview.ipynb"))
        burst = _burst(browser, main_url + OVERVIEW, BURST)
        burst_ids = set(_used_kernels(main_log, "01_overview.ipynb")) - before_ids
        seen = [b for b in burst if b is not None]
        results["overview_burst"] = {"viewers": BURST, "seconds": burst, "slowest_s": max(seen) if len(seen) == BURST else None,
                                     "saw_a_chart": len(seen), "overview_pool_size": pool,
                                     "preheated_waiting_before": ready, "preheated_kernels_used": len(burst_ids)}
        if len(seen) == BURST:
            results["overview_burst"]["ratio_slowest_to_trivial"] = round(max(seen) / results["trivial"]["median_s"], 2)
        memory = _kernel_memory(main, main_log, burst_ids)
    finally:
        stop_process(main)
        stop_process(triv)
    for k in ("overview", "project"):
        results[k]["ratio_to_trivial"] = round(results[k]["median_s"] / results["trivial"]["median_s"], 2)
    out = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "what": "seconds from page.goto to the first visible .js-plotly-plot in headless chromium; median of "
                f"{RUNS} visits on preheated kernels; then {BURST} viewers opening the overview at once",
        "cpu_count": os.cpu_count(), "load_average_1min_before": load_before, "load_average_1min_after": round(os.getloadavg()[0], 2),
        "voila": "shiwu_lib.serve.voila_argv (preheat_kernel=True, pools per dashboard: "
                 + json.dumps(__import__("shiwu_lib.serve", fromlist=["x"]).pool_sizes(), ensure_ascii=False)
                 + ", others 1), one server per notebook folder",
        "runs_per_page": RUNS,
        "pages": results,
        "kernel_memory": memory,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timing.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert {"overview", "project", "trivial", "overview_burst"} <= set(results)
    # capacity, not speed: every viewer of a meeting burst gets a chart within the burst's 120 s
    assert results["overview_burst"]["saw_a_chart"] == BURST, f"a viewer of the burst saw no chart: {results['overview_burst']}"
    assert all(r["median_s"] > 0 for k, r in results.items() if k != "overview_burst")
