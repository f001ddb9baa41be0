"""The static edition (`shiwu publish`) and the front door, in headless chromium with the network
blocked: every request that is not a local file is aborted and recorded, and there must be none."""
from __future__ import annotations

from datetime import date

import pytest

import shiwu_lib as sw
from shiwu_lib import publish, report
from shiwu_lib.dashboards.landing import landing_page

from conftest import ARTIFACTS, CHROMIUM_ARGS  # noqa: F401
from test_dashboards import print_pdf

pytestmark = pytest.mark.browser

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def site(built_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    with sw.open(built_db) as db:
        files = publish.publish(None, out, db=db, today=TODAY)
    return out, files


def _offline_page(browser, viewport=(1440, 1000)):
    ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
    requests: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return ctx, page, requests, errors


def test_static_edition_opens_offline_with_the_live_numbers(site, built_db, browser):
    out, files = site
    names = {f.name for f in files}
    assert {"index.html", "midpoint.html", "plotly.min.js"} <= names
    assert sum(1 for n in names if n.startswith("project-")) == 10
    assert sum(1 for f in out.iterdir() if f.name.endswith(".js")) == 1          # Plotly's JavaScript once
    with sw.open(built_db) as db:
        rd = report.default_report_date(db, db.report_dates())
        known = db.latest_known_at()
        st = db.status(as_of=rd, known_at=known)
        play = report.firm_in_play(st, rd)
        lights = {int(n): report.project_light(play.loc[play["project_no"] == n, "status"]) for n in db.projects()["project_no"]}
        p1 = report.project_data(db, 1, rd)
        core = report.core_indicators(db)
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    ctx, page, requests, errors = _offline_page(browser)
    try:
        page.goto((out / "index.html").as_uri())
        page.wait_for_selector(".js-plotly-plot", state="visible", timeout=30_000)
        assert page.title().endswith("进展总览")
        shown = {int(c.get_attribute("data-project")): c.get_attribute("data-status")
                 for c in page.locator(".shiwu-card[data-project]").all()}
        assert shown == lights, "the static overview's lights differ from the live rule over db.status()"
        head = report.choose_headline(st[st["project_no"] == 1], rd, core)
        assert page.locator('.shiwu-card[data-project="1"] .shiwu-big').inner_text().strip() == report.actual_text(head)
        assert page.locator('.shiwu-card[data-project="1"] a[data-project-link]').get_attribute("href") == "project-1.html"
        page.wait_for_timeout(500)
        page.screenshot(path=str(shots / "static-index.png"), full_page=True)
        n, texts = print_pdf(page, "static-index")
        assert n >= 3 and all("报告期" in t and "示例数据" in t for t in texts)

        page.goto((out / "project-1.html").as_uri())
        page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length >= {len(p1['order'])}",
                               timeout=30_000)
        traces = page.eval_on_selector_all(".shiwu-trajectory .js-plotly-plot",
                                           "els => els.map(e => e.data.map(t => [t.name || '', (t.x || []).length]))")
        tg = p1["targets"]
        for iid, tr in zip(p1["order"], traces):
            if any(report.is_span(x) for x in tg.loc[tg["indicator_id"] == iid, "period"]):
                assert any(nm.startswith("目标：") and k == 2 for nm, k in tr), f"{iid}: no target path in the static edition"
        assert page.locator(".shiwu-project").get_attribute("data-status") == p1["light"]
        page.screenshot(path=str(shots / "static-project-1.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 900})
        page.wait_for_timeout(800)
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        page.screenshot(path=str(shots / "static-project-1-390.png"), full_page=True)

        page.goto((out / "midpoint.html").as_uri())
        page.wait_for_selector(".js-plotly-plot", state="visible", timeout=30_000)
        assert page.locator('[data-kpi="met-2025"]').count() == 1
    finally:
        ctx.close()
    assert requests == [], f"the static edition asked the network for {requests}"
    assert errors == [], f"console errors: {errors}"


def test_front_door_is_a_chinese_landing_page(built_db, browser, tmp_path):
    html = landing_page(built_db)
    f = tmp_path / "index.html"
    f.write_text(html, encoding="utf-8")
    ctx, page, requests, errors = _offline_page(browser)
    try:
        page.goto(f.as_uri())
        assert "看板首页" in page.title()
        hrefs = page.eval_on_selector_all("[data-landing]", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs == ["voila/render/01_overview.ipynb", "voila/render/02_project.ipynb", "voila/render/03_midpoint.ipynb"]
        text = page.inner_text("body")
        assert "报告期" in text and "示例数据" in text and "10_research" not in text and "ipynb" not in text
        assert page.locator("[data-report-date]").get_attribute("data-report-date")
        page.screenshot(path=str(ARTIFACTS / "screenshots" / "landing.png"), full_page=True)
    finally:
        ctx.close()
    assert requests == [] and errors == []
