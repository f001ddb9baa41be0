"""Time from navigation to the first visible chart: the overview, a project page and, beside them,
the trivial one-cell notebook (tests/notebooks/trivial.ipynb) served by a second Voila started the
same way (preheated kernels) in the same run.

The timings are written to test-artifacts/timing.json for docs/dashboards.md. Nothing is asserted
about speed (the machine is shared and has two cores); the test only asserts that all three pages
rendered a chart. Each dashboard is timed on a preheated kernel, as a visitor meets it once the
server has been up for a minute (see ``wait_preheated``).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import ARTIFACTS, launch_voila, stop_process
from test_dashboards import OVERVIEW, PROJECT, wait_preheated

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
TRIVIAL_NB = "00_trivial.ipynb"      # `shiwu serve` renders only notebooks/0*.ipynb (the dashboards)
TRIVIAL = f"/voila/render/{TRIVIAL_NB}"


def _preheat_uses(log: Path, notebook: str) -> int:
    """How often Voila handed a preheated kernel of ``notebook`` to a visitor (its log)."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return len(re.findall(rf"Using pre-heated kernel: \S+ for {re.escape(notebook)}", text))


def _log_of(url: str) -> Path:
    return ARTIFACTS / f"voila-{url.rsplit(':', 1)[1]}.log"


def _time_page(browser, url: str, timeout_ms: int = 120_000) -> float:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_selector(".js-plotly-plot", state="visible", timeout=timeout_ms)
        elapsed = time.perf_counter() - t0
        page.wait_for_timeout(500)
        shots = ARTIFACTS / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "timing-trivial.png"))
        return elapsed
    finally:
        ctx.close()


def test_time_to_first_chart(open_dashboard, voila_url, built_db, browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("trivial")
    shutil.copy(ROOT / "tests" / "notebooks" / "trivial.ipynb", folder / TRIVIAL_NB)
    proc, trivial_url = launch_voila(built_db, notebooks=folder)
    results: dict = {}
    try:
        main_log, trivial_log = _log_of(voila_url), _log_of(trivial_url)
        for key, path, nb in (("overview", OVERVIEW, "01_overview.ipynb"), ("project", f"{PROJECT}?project=1", "02_project.ipynb")):
            # measure with the server idle: this page's kernel preheated and no refill kernel booting
            ready = all([wait_preheated(voila_url, p) for p in ("overview", "project", "midpoint")])
            before = _preheat_uses(main_log, nb)
            load = os.getloadavg()[0]
            d = open_dashboard(path, f"timing-{key}")
            results[key] = {"path": path, "seconds_to_first_chart": round(d.elapsed_s, 2),
                            "preheated_kernels_ready": ready, "preheated_kernel_used": _preheat_uses(main_log, nb) > before,
                            "load_average_1min_before": round(load, 2)}
        wait_preheated(voila_url, "project")   # let the refill kernel finish booting before the baseline
        before = _preheat_uses(trivial_log, TRIVIAL_NB)
        load = os.getloadavg()[0]
        elapsed = _time_page(browser, trivial_url + TRIVIAL)
        results["trivial"] = {"path": TRIVIAL, "seconds_to_first_chart": round(elapsed, 2),
                              "preheated_kernel_used": _preheat_uses(trivial_log, TRIVIAL_NB) > before,
                              "load_average_1min_before": round(load, 2)}
    finally:
        stop_process(proc)
    out = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "what": "seconds from page.goto to the first visible .js-plotly-plot in headless chromium",
        "cpu_count": os.cpu_count(),
        "voila": "shiwu_lib.serve.voila_argv (preheat_kernel=True, pool size 1), one server per notebook folder",
        "pages": results,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "timing.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert set(results) == {"overview", "project", "trivial"}
    assert all(r["seconds_to_first_chart"] > 0 for r in results.values())
