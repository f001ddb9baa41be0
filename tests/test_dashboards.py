"""The Voila dashboards in headless chromium, checked against the engine's own output.

Uses the session Voila of conftest (``voila_url``, started like ``shiwu serve``) and its
``open_dashboard``, which waits for a Plotly chart, fails on tracebacks / console errors and saves a
screenshot under test-artifacts/screenshots/. Pages expose what they show in stable data attributes
(``.shiwu-card[data-project][data-status]``, ``[data-report-date][data-known-at]``,
``.shiwu-project[data-project]``), so the tests compare the DOM with ``db.status()`` for the same
report date and data vintage.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import shiwu_lib as sw
from shiwu_lib import views

pytestmark = pytest.mark.browser

OVERVIEW = "/voila/render/01_overview.ipynb"
PROJECT = "/voila/render/02_project.ipynb"
MIDPOINT = "/voila/render/03_midpoint.ipynb"
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def wait_preheated(voila_url: str, page: str, timeout: float = 240.0) -> bool:
    """Wait until a preheated kernel of ``page`` (overview | project | midpoint) waits for a visitor.

    The pages log ``<page>: waiting for a visit`` and ``<page>: visit`` to Voila's log (the kernel's
    stderr). Right after Voila starts, four kernels import pandas/plotly at once on two cores; a page
    opened before its kernel is ready renders cold and may exceed the 30 s navigation timeout of the
    harness. A deployment serves long after start-up, so the tests wait as a visitor would.
    Returns False on timeout (the page is then opened anyway)."""
    import time
    from urllib.parse import urlparse

    log = SHOTS.parent / f"voila-{urlparse(voila_url).port}.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if text.count(f"INFO {page}: waiting for a visit") > text.count(f"INFO {page}: visit"):
            return True
        time.sleep(0.5)
    return False


def _shot(page, name):
    d = SHOTS
    d.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(d / f"{name}.png"), full_page=True)


def _dates(page):
    el = page.locator("[data-report-date][data-known-at]").first
    return date.fromisoformat(el.get_attribute("data-report-date")), date.fromisoformat(el.get_attribute("data-known-at"))


def _expected_lights(db, report, known):
    st = db.status(as_of=report, known_at=known)
    play = views.firm_in_play(st, report)
    return st, {int(n): views.project_light(play.loc[play["project_no"] == n, "status"]) for n in db.projects()["project_no"]}


def _plot_titles(page, selector=".shiwu-trajectory .js-plotly-plot"):
    return page.eval_on_selector_all(
        selector, "els => els.map(e => (e.querySelector('.gtitle') || {}).textContent || '')")


def test_overview_lights_headlines_ranking_and_date_switch(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "overview")
    d = open_dashboard(OVERVIEW, "overview", viewport=(1440, 2600))
    page = d.page
    report, known = _dates(page)
    with sw.open(built_db) as db:
        dates = db.report_dates()
        assert report == views.default_report_date(db, dates)
        st, lights = _expected_lights(db, report, known)
        rk = views.ranking_frame(st, db.projects(), report)
    cards = page.locator(".shiwu-card[data-project]")
    assert cards.count() == 10
    shown = {int(c.get_attribute("data-project")): c.get_attribute("data-status") for c in cards.all()}
    assert shown == lights, "project lights on the page differ from the rule applied to db.status()"
    assert shown[1] == lights[1]

    # the headline of project 一 is the engine's row: same target, same number as written
    head = views.choose_headline(st[st["project_no"] == 1], report)
    big = page.locator('.shiwu-card[data-project="1"] .shiwu-big')
    assert big.get_attribute("data-headline") == head["target_id"]
    assert big.inner_text().strip() == views.actual_text(head)
    assert "亿元" in big.inner_text()

    # the 示例数据 label is visible on the page and on the chart (demo returns are loaded)
    assert page.locator(".shiwu-demo").first.is_visible()
    assert "示例数据" in page.locator(".js-plotly-plot").first.inner_text()

    # the ranking table follows the engine's rank over the same targets
    rows = page.locator('table[data-table="ranking"] tbody tr')
    assert rows.count() == 10
    first = rows.first.inner_text()
    assert views.project_label(rk.iloc[0]["project_no"], rk.iloc[0]["short_zh"]) in first

    # each card links into its project page, carrying the report date
    href = page.locator('a[data-project-link="5"]').get_attribute("href")
    assert href.startswith("02_project.ipynb?project=5") and report.isoformat() in href

    # switch the report date: the lights follow db.status() for the new date
    other = date(2025, 12, 31) if report != date(2025, 12, 31) else dates[-2]
    label = dict((v, k) for k, v in views.report_date_options(dates))[other.isoformat()]
    page.locator(".shiwu-select select").first.select_option(label=label)   # ipywidgets' <select>
    page.wait_for_selector(f'[data-report-date="{other.isoformat()}"]', timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
    with sw.open(built_db) as db:
        _, lights2 = _expected_lights(db, other, known)
    shown2 = {int(c.get_attribute("data-project")): c.get_attribute("data-status")
              for c in page.locator(".shiwu-card[data-project]").all()}
    assert shown2 == lights2
    page.wait_for_timeout(800)
    _shot(page, "overview-2025Q4")


def test_project_deep_link_shows_project_five(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "project")
    d = open_dashboard(f"{PROJECT}?project=5", "project-5", viewport=(1440, 3000))
    page = d.page
    root = page.locator(".shiwu-project[data-project]")
    assert root.get_attribute("data-project") == "5"
    with sw.open(built_db) as db:
        proj = db.projects().set_index("project_no").loc[5]
        report, known = _dates(page)
        expected_charts = views.chart_indicators(db.targets(5))
        st = db.status(as_of=report, project_no=5, known_at=known)
    assert proj["name_zh"] in root.inner_text()
    assert proj["lead_unit"] in root.inner_text()
    assert root.get_attribute("data-status") == views.project_light(views.firm_in_play(st, report)["status"])
    page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length >= {len(expected_charts)}",
                           timeout=60_000)
    assert len(_plot_titles(page)) == len(expected_charts)
    # the selector shows project 五; tables for the midpoint check, key tasks and problems are there
    shown = page.eval_on_selector(".shiwu-select select", "s => s.options[s.selectedIndex].textContent")
    assert shown == views.project_option(5, proj["short_zh"])
    for table in ("targets", "tasks"):
        assert page.locator(f'table[data-table="{table}"]').count() == 1
    assert page.locator(".shiwu-demo").first.is_visible()


def test_project_selector_redraws_the_charts(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "project")
    d = open_dashboard(f"{PROJECT}?project=1", "project-1", viewport=(1440, 3000))
    page = d.page
    with sw.open(built_db) as db:
        ind = db.sql("SELECT indicator_id, name_zh FROM indicators").set_index("indicator_id")["name_zh"]
        charts_1 = views.chart_indicators(db.targets(1))
        charts_7 = views.chart_indicators(db.targets(7))
        p7 = db.projects().set_index("project_no").loc[7]
        name_7 = p7["name_zh"]
    page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length >= {len(charts_1)}",
                           timeout=60_000)
    before = _plot_titles(page)
    assert any(ind[charts_1[0]][:8] in t for t in before)

    page.locator(".shiwu-select select").first.select_option(label=views.project_option(7, p7["short_zh"]))
    page.wait_for_selector('.shiwu-project[data-project="7"]', timeout=60_000)
    page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length == {len(charts_7)}",
                           timeout=60_000)
    page.wait_for_timeout(800)
    after = _plot_titles(page)
    assert after != before
    assert any(ind[charts_7[0]][:8] in t for t in after)
    assert name_7 in page.locator(".shiwu-project").inner_text()
    assert page.locator("[data-permalink]").get_attribute("href").startswith("02_project.ipynb?project=7")
    _shot(page, "project-7-after-switch")


def test_midpoint_page_counts_match_the_engine(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "midpoint")
    d = open_dashboard(MIDPOINT, "midpoint", viewport=(1440, 2600))
    page = d.page
    known = date.fromisoformat(page.locator("[data-known-at]").first.get_attribute("data-known-at"))
    with sw.open(built_db) as db:
        mp = db.midpoint_check(as_of=known)
    firm25 = mp[(mp["check"] == "target_2025") & ~mp["stretch"]]
    firm27 = mp[(mp["check"] == "span_2027") & ~mp["stretch"]]
    kpi = lambda k: page.locator(f'[data-kpi="{k}"] .shiwu-big').inner_text().strip()  # noqa: E731
    assert kpi("met-2025") == f"{int((firm25['met'] == True).sum())}项"  # noqa: E712
    assert kpi("missed-2025") == f"{int((firm25['met'] == False).sum())}项"  # noqa: E712
    assert kpi("ontrack-2027") == f"{int((firm27['on_track'] == True).sum())}项"  # noqa: E712
    assert page.locator('table[data-table="midpoint-2025"] tbody tr').count() == int((mp["check"] == "target_2025").sum())
    assert "60%" in page.locator(".js-plotly-plot").first.inner_text()
    assert page.locator(".shiwu-demo").first.is_visible()
