"""The Voila dashboards in headless chromium, checked against the engine's own output.

Uses the session Voila of conftest (``voila_url``, started like ``shiwu serve``) and its
``open_dashboard``, which waits for a Plotly chart, fails on tracebacks / console errors and saves a
screenshot under test-artifacts/screenshots/. Pages expose what they show in stable data attributes
(``.shiwu-card[data-project][data-status]``, ``[data-report-date][data-known-at]``,
``.shiwu-project[data-project]``), so the tests compare the DOM with ``db.status()`` for the same
report date and data vintage. Printed pages go to test-artifacts/print/ (PDF and one PNG a page).
"""
from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

import shiwu_lib as sw
from shiwu_lib import fmt, report

pytestmark = pytest.mark.browser

OVERVIEW = "/voila/render/01_overview.ipynb"
PROJECT = "/voila/render/02_project.ipynb"
MIDPOINT = "/voila/render/03_midpoint.ipynb"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
PRINTS = ARTIFACTS / "print"


def wait_preheated(voila_url: str, page: str, timeout: float = 240.0) -> bool:
    """Wait until a preheated kernel of ``page`` (overview | project | midpoint) waits for a visitor.

    The pages log ``<page>: waiting for a visit`` and ``<page>: visit`` to Voila's log (the kernel's
    stderr). A deployment serves long after start-up, so the tests wait as a visitor would.
    Returns False on timeout (the page is then opened anyway)."""
    import time

    log = ARTIFACTS / f"voila-{urlparse(voila_url).port}.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if text.count(f"INFO {page}: waiting for a visit") > text.count(f"INFO {page}: visit"):
            return True
        time.sleep(0.5)
    return False


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _dates(page):
    el = page.locator("[data-report-date][data-known-at]").first
    return date.fromisoformat(el.get_attribute("data-report-date")), date.fromisoformat(el.get_attribute("data-known-at"))


def _expected_lights(db, rd, known):
    st = db.status(as_of=rd, known_at=known)
    play = report.firm_in_play(st, rd)
    return st, {int(n): report.project_light(play.loc[play["project_no"] == n, "status"]) for n in db.projects()["project_no"]}


def _plot_titles(page, selector=".shiwu-trajectory .js-plotly-plot"):
    return page.eval_on_selector_all(
        selector, "els => els.map(e => (e.querySelector('.gtitle') || {}).textContent || '')")


def _query(page) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def print_pdf(page, name: str) -> tuple[int, list[str]]:
    """Print the page to A4 landscape as the browser would (print stylesheet), keep the PDF and a PNG
    of each page under test-artifacts/print/; returns (pages, text of each page)."""
    PRINTS.mkdir(parents=True, exist_ok=True)
    pdf = PRINTS / f"{name}.pdf"
    page.emulate_media(media="print")
    page.wait_for_timeout(600)
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    n = int(next(line.split()[-1] for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
                 if line.startswith("Pages:")))
    texts = [subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
             for i in range(1, n + 1)]
    for old in PRINTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(PRINTS / name)], check=True)
    return n, texts


def modebar_buttons(page, selector=".js-plotly-plot") -> list[str]:
    """The toolbar of the first chart (shown on hover; in the DOM from the start): its buttons' titles."""
    return page.eval_on_selector(selector, "e => [...e.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title'))")


def test_overview_lights_why_rank_toolbar_print_and_deep_link(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "overview")
    d = open_dashboard(OVERVIEW, "overview", viewport=(1440, 2600))
    page = d.page
    # the ranking table, lead units and 催报 follow the ranking chart: no placeholder stays
    page.wait_for_function("document.querySelectorAll('[data-loading]').length === 0", timeout=60_000)
    rd, known = _dates(page)
    with sw.open(built_db) as db:
        dates = db.report_dates()
        assert rd == report.default_report_date(db, dates)
        st, lights = _expected_lights(db, rd, known)
        rk = db.ranking(as_of=rd, known_at=known)
    assert "总览" in page.title() and "ipynb" not in page.title()          # a Chinese tab title
    cards = page.locator(".shiwu-card[data-project]")
    assert cards.count() == 10
    shown = {int(c.get_attribute("data-project")): c.get_attribute("data-status") for c in cards.all()}
    assert shown == lights, "project lights on the page differ from the rule applied to db.status()"

    # each card's headline is the reviewed 核心指标 (db.core_indicators(): rank 1, or the next with
    # data), the engine's row: same target, same number as written; the reason is on the line
    with sw.open(built_db) as db:
        core = db.core_indicators()
    for no in range(1, 11):
        head = report.choose_headline(st[st["project_no"] == no], rd, core)
        big = page.locator(f'.shiwu-card[data-project="{no}"] .shiwu-big')
        assert big.get_attribute("data-headline") == head["target_id"] and head["target_id"] in set(core["target_id"])
        if head["status"] != report.GREY:
            assert big.inner_text().strip() == report.actual_text(head)
        line = page.locator(f'.shiwu-card[data-project="{no}"] [data-core-rank]')
        assert line.get_attribute("data-core-rank") == str(head["core_rank"]) and head["core_reason"] in line.get_attribute("title")

    # why: each red or yellow card names up to three targets with the engine's reason; rank and 位次变化
    for no, light in shown.items():
        worst = page.locator(f'.shiwu-card[data-project="{no}"] [data-worst]')
        if light in ("red", "yellow"):
            assert 1 <= worst.count() <= 3, f"card {no} ({light}) names no target behind its light"
            tid = worst.first.get_attribute("data-worst")
            assert st.set_index("target_id").loc[tid, "reason"] in worst.first.inner_text()
        r = rk.set_index("project_no").loc[no]
        rank = page.locator(f'.shiwu-card[data-project="{no}"] [data-rank]')
        assert rank.get_attribute("data-rank") == str(int(r["rank"]))
        assert rank.get_attribute("data-rank-change") == report.rank_change_text(r["rank_change"])
        assert page.locator(f'.shiwu-card[data-project="{no}"] [data-midpoint]').count() == 1
    assert "天前" in page.locator("[data-data-age]").inner_text() or "今天" in page.locator("[data-data-age]").inner_text()

    # 示例数据 on the page and on the chart; the ranking table follows the engine's rank
    assert page.locator(".shiwu-demo:visible").count() > 0
    assert "示例数据" in page.locator(".js-plotly-plot").first.inner_text()
    rows = page.locator('table[data-table="ranking"] tbody tr')
    assert rows.count() == 10
    assert report.project_label(rk.iloc[0]["project_no"], rk.iloc[0]["short_zh"]) in rows.first.inner_text()
    assert page.locator('table[data-table="lead-units"] tbody tr').count() == len(set(rk["lead_unit"]))
    chase = page.locator("[data-chase-quarter]").first.get_attribute("data-chase-quarter")
    assert date.fromisoformat(chase) == report.latest_due_quarter(dates)

    # the toolbar: one button, the PNG download, in Chinese
    assert modebar_buttons(page) == ["下载图片（PNG）"]

    # each card links into its project page, carrying the report date; the address bar holds the view
    href = page.locator('a[data-project-link="5"]').get_attribute("href")
    assert href.startswith("02_project.ipynb?project=5") and rd.isoformat() in href
    page.wait_for_function(f"location.search.includes('as_of={rd.isoformat()}')", timeout=30_000)

    # print: A4 landscape over several pages, the report date and 示例数据 on every page
    n, texts = print_pdf(page, "overview")
    assert n >= 3, f"the overview printed on {n} page(s)"
    # page 1 carries the head and the first cards, not a heading alone (a card never splits)
    first_cards = [short for short in rk.sort_values("project_no")["short_zh"].head(4) if short in texts[0]]
    assert len(first_cards) >= 3, f"printed page 1 holds no project card: {texts[0][:400]!r}"
    for i, t in enumerate(texts, start=1):
        assert "报告期" in t and "示例数据" in t, f"printed page {i} lacks the report date or the 示例数据 note"

    # switch the report date: the lights follow db.status() for the new date, the URL follows
    other = date(2025, 12, 31) if rd != date(2025, 12, 31) else dates[-2]
    label = dict((v, k) for k, v in report.report_date_options(dates))[other.isoformat()]
    page.locator(".shiwu-select select").first.select_option(label=label)
    page.wait_for_selector(f'[data-report-date="{other.isoformat()}"]', timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=60_000)
    with sw.open(built_db) as db:
        _, lights2 = _expected_lights(db, other, known)
    shown2 = {int(c.get_attribute("data-project")): c.get_attribute("data-status")
              for c in page.locator(".shiwu-card[data-project]").all()}
    assert shown2 == lights2
    page.wait_for_function(f"location.search.includes('as_of={other.isoformat()}')", timeout=30_000)
    page.wait_for_timeout(800)
    _shot(page, "overview-2025Q4")

    # a phone: at 390 px nothing is wider than the screen, the cards stack, tables scroll inside
    phone(page, "overview-390")


def phone(page, name: str) -> None:
    """Resize an open page to 390 px (same kernel: the Voila server caps live kernels) and check it."""
    page.set_viewport_size({"width": 390, "height": 5000})   # tall: Voila scrolls inside its own panel
    page.wait_for_timeout(1500)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{name}: the page is {width} px wide at 390 px"
    for sel in (".shiwu-cards", ".shiwu-grid2"):
        if page.locator(sel).count():
            cols = page.eval_on_selector(sel, "e => getComputedStyle(e).gridTemplateColumns.split(' ').length")
            assert cols == 1, f"{name}: {sel} has {cols} columns at 390 px"
    fits = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.getBoundingClientRect().right <= 392)")
    assert all(fits), f"{name}: a chart is wider than the screen"
    _shot(page, name)


def test_project_deep_link_target_paths_headline_first(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "project")
    d = open_dashboard(f"{PROJECT}?project=5", "project-5", viewport=(1440, 3000))
    page = d.page
    root = page.locator(".shiwu-project[data-project]")
    assert root.get_attribute("data-project") == "5"
    with sw.open(built_db) as db:
        proj = db.projects().set_index("project_no").loc[5]
        rd, known = _dates(page)
        pdata = report.project_data(db, 5, rd)
        targets = db.targets(5)
    assert proj["name_zh"] in root.inner_text() and proj["lead_unit"] in root.inner_text()
    assert root.get_attribute("data-status") == pdata["light"]
    n = len(pdata["order"])
    page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length >= {n}", timeout=60_000)
    titles = _plot_titles(page)
    assert len(titles) == n
    head = pdata["headline"]
    ind = pdata["indicators"].set_index("indicator_id")["name_zh"]
    assert ind[head["indicator_id"]][:6] in titles[0].replace(" ", ""), "the headline chart is not the first"
    # a target path (two points, base to target) on every chart of an indicator with a span target
    traces = page.eval_on_selector_all(".shiwu-trajectory .js-plotly-plot",
                                       "els => els.map(e => e.data.map(t => [t.name || '', (t.x || []).length]))")
    for iid, tr in zip(pdata["order"], traces):
        if any(report.is_span(p) for p in targets.loc[targets["indicator_id"] == iid, "period"]):
            assert any(name.startswith("目标：") and k == 2 for name, k in tr), f"{iid}: no target path on the chart"
    # titles are not cut: each fits inside its chart
    fits = page.eval_on_selector_all(".shiwu-trajectory .js-plotly-plot",
                                     "els => els.map(e => { const t = e.querySelector('.gtitle'); return !t || t.getBBox().width <= e.clientWidth; })")
    assert all(fits)
    shown = page.eval_on_selector(".shiwu-select select", "s => s.options[s.selectedIndex].textContent")
    assert shown == report.project_option(5, proj["short_zh"])
    # the tables follow the charts (filled after the first chart): every placeholder is replaced
    for table in ("targets", "tasks"):
        page.wait_for_selector(f'table[data-table="{table}"]', state="attached", timeout=60_000)
        assert page.locator(f'table[data-table="{table}"]').count() == 1
    page.wait_for_function("document.querySelectorAll('[data-loading]').length === 0", timeout=60_000)
    assert page.locator(".shiwu-demo:visible").count() > 0
    assert "工程详情" in page.title()
    n_pages, texts = print_pdf(page, "project-5")
    assert n_pages >= 3 and all("报告期" in t for t in texts)


def test_project_selector_redraws_the_charts_and_the_address(open_dashboard, built_db, voila_url):
    wait_preheated(voila_url, "project")
    d = open_dashboard(f"{PROJECT}?project=1", "project-1", viewport=(1440, 3000))
    page = d.page
    with sw.open(built_db) as db:
        ind = db.indicators().set_index("indicator_id")["name_zh"]
        rd = _dates(page)[0]
        order_1 = report.project_data(db, 1, rd)["order"]
        order_7 = report.project_data(db, 7, rd)["order"]
        p7 = db.projects().set_index("project_no").loc[7]
    page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length >= {len(order_1)}", timeout=60_000)
    before = _plot_titles(page)
    assert ind[order_1[0]][:6] in before[0].replace(" ", "")
    # counts tick at whole numbers (no 0.5个)
    ticks = page.eval_on_selector_all(".shiwu-trajectory .js-plotly-plot", "els => els.map(e => [(e.querySelector('.annotation-text') && [...e.querySelectorAll('.annotation-text')].map(a => a.textContent).join('|')) || '', [...e.querySelectorAll('.ytick text')].map(t => t.textContent)])")
    for ann, ys in ticks:
        if any(f"单位：{u}" in ann for u in ("个", "家", "项", "列")):
            assert all("." not in y for y in ys), f"count axis ticks at fractions: {ys}"

    page.locator(".shiwu-select select").first.select_option(label=report.project_option(7, p7["short_zh"]))
    page.wait_for_selector('.shiwu-project[data-project="7"]', timeout=60_000)
    page.wait_for_function(f"document.querySelectorAll('.shiwu-trajectory .js-plotly-plot').length == {len(order_7)}", timeout=60_000)
    page.wait_for_timeout(800)
    after = _plot_titles(page)
    assert after != before and ind[order_7[0]][:6] in after[0].replace(" ", "")
    assert p7["name_zh"] in page.locator(".shiwu-project").inner_text()
    assert page.locator("[data-permalink]").get_attribute("href").startswith("02_project.ipynb?project=7")
    page.wait_for_function("new URLSearchParams(location.search).get('project') === '7'", timeout=30_000)
    assert _query(page)["as_of"] == rd.isoformat()
    _shot(page, "project-7-after-switch")
    phone(page, "project-7-390")


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
    assert page.locator(".shiwu-demo:visible").count() > 0
    assert "中期评估" in page.title()


def test_overview_pack_download_is_a_zip_of_the_meeting_pack(open_dashboard, built_db, voila_url, tmp_path):
    """Issue 12 on the overview: a button builds the meeting pack for the selected report date (the
    pack's public build_pack, on the click, not on page load) and offers it as a zip download."""
    import io
    import zipfile

    wait_preheated(voila_url, "overview")
    d = open_dashboard(OVERVIEW, "overview-pack")
    page = d.page
    rd, _ = _dates(page)
    assert page.locator("[data-download]").count() == 0          # nothing built on page load
    page.locator(".shiwu-pack-button button, button.shiwu-pack-button").first.click()
    link = page.locator('a[data-download="pack"]')
    link.wait_for(state="visible", timeout=240_000)
    with page.expect_download(timeout=60_000) as dl:
        link.click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.suffix == ".zip" and fmt.quarter_zh(rd) in path.name
    names = zipfile.ZipFile(io.BytesIO(path.read_bytes())).namelist()
    for ext in (".pptx", ".xlsx", ".docx"):
        assert any(n.endswith(ext) for n in names), f"no {ext} in the pack zip: {names}"
    assert page_errors_ok(page)
    _shot(page, "overview-pack")


def page_errors_ok(page) -> bool:
    from conftest import page_errors

    problems = page_errors(page)
    assert not problems, problems
    assert page.locator("[data-callback-error]").count() == 0
    return True
