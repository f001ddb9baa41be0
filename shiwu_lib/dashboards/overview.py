"""总览 (notebooks/01_overview.ipynb): the ten project cards, the 晾晒 ranking, the 牵头单位 view and
催报, for a report date (``?as_of=``) and a 催报 quarter (``?chase=``; default: the latest quarter
whose returns are due). Layout only: the data come from :func:`shiwu_lib.report.overview_data`."""
from __future__ import annotations

import time
from datetime import date

from .. import charts, fmt
from ..report import (
    GREY, LIGHTS, PLAN, PROJECT_LIGHT_RULE_ZH, RANKING_RULE_ZH, cards_frame, core_indicators, data_age_text,
    data_known_at, default_report_date, due_quarters, earliest_data_quarter, firm_in_play, late_returns,
    latest_due_quarter, lead_unit_frame, light_counts, midpoint_with_demo, parse_date, ranking_chart_frame,
    report_date_options,
)
from .components import (
    card_html, demo_badge, demo_banner, empty_state, error_state, esc, late_section, legend_html, print_head,
    ranking_table, units_table,
)
from .kernel import log, query_params
from .page import Page, download_link_html, keep_preread, open_db, pack_zip, start_with_store, take_preread

TITLE = f"{PLAN.region}市“{PLAN.programme}”进展总览"


def overview_head_html(d: dict, links=None) -> dict[str, str]:
    """The overview's blocks down to its first chart (the ranking chart): info, cards, ranking heading."""
    from .components import LIVE

    links = links or LIVE
    rd, known = d["report_date"], d["known_at"]
    info = (f'<div class="shiwu-note" data-report-date="{rd.isoformat()}" data-known-at="{known.isoformat()}" '
            f'data-today="{d["today"].isoformat()}">'
            f"报告期：{fmt.quarter_zh(rd)}末（{fmt.date_zh(rd)}）；<b data-data-age=\"true\">{esc(data_age_text(known, d['today']))}</b>。"
            "灯号按“序时进度”评估：完成程度与时间进度之差。</div>")
    info = print_head(TITLE, rd, known, d["any_demo"]) + info + (demo_banner() if d["any_demo"] else "")
    c = d["counts"]
    cards_head = (f"<h2>十项重大工程进展</h2><div class=\"shiwu-note\" data-light-counts=\"true\">绿灯{c['green']}项、黄灯{c['yellow']}项、"
                  f"红灯{c['red']}项、灰灯{c['grey']}项。</div>" + legend_html())
    if not d["has_data"]:
        first = f"最早的季度数据为{fmt.quarter_zh(d['earliest'])}" if d["earliest"] else "数据库中尚无实际值"
        cards_head += empty_state(f"该日期尚无数据：{first}。请在上方选择其他报告期。")
    cards = "".join(card_html(r, rd, links) for _, r in d["cards"].iterrows())
    return {
        "info": info,
        "cards": cards_head + f'<div class="shiwu-cards" data-cards="projects">{cards}</div>'
                 f'<div class="shiwu-note">{esc(PROJECT_LIGHT_RULE_ZH)}</div>',
        "ranking_head": "<h2>晾晒排名</h2>" + (demo_badge() if d["any_demo"] else ""),
    }


def overview_rest_html(d: dict, links=None) -> dict[str, str]:
    """The overview's blocks under the ranking chart: ranking table, lead units, 催报."""
    from .components import LIVE

    links = links or LIVE
    return {
        "ranking": ranking_table(d["ranking"], links, d["report_date"]) + f'<div class="shiwu-note">{esc(RANKING_RULE_ZH)}</div>',
        "units": "<h2>牵头单位</h2><div class=\"shiwu-note\">各牵头单位所牵头工程的在推进约束性目标合计，"
                 f"以及{esc(fmt.quarter_zh(d['chase_quarter']))}报表的报送情况。</div>" + units_table(d["units"]),
        "late": "<h2>催报</h2>" + late_section(d["late"], d["chase_quarter"], d["demo_in_store"]),
    }


def overview_html(d: dict, links=None) -> dict[str, str]:
    """The overview's HTML blocks (shared with the static edition): info, cards, ranking table,
    lead units, 催报. The ranking chart is :func:`ranking_figure`."""
    return {**overview_head_html(d, links), **overview_rest_html(d, links)}


def overview_head_data(db, report_date: date, chase_quarter: date | None = None, today: date | None = None) -> dict:
    """What the overview needs down to its ranking chart: the keys of
    :func:`shiwu_lib.report.overview_data` but ``units``, ``late``, ``demo_in_store`` and ``midpoint``
    (the cards read the stored midpoint rows directly, they need no 示例数据 flag);
    :func:`overview_rest_data` adds those (tests/test_dashboard_phases.py compares the two)."""
    today = today or date.today()
    known = data_known_at(db)
    st = db.status(as_of=report_date, known_at=known)
    projects = db.projects()
    rk = db.ranking(as_of=report_date, known_at=known)
    mp = db.midpoint_check(as_of=known)
    cards = cards_frame(st, projects, rk, mp, report_date, known, core_indicators(db))
    play = firm_in_play(st, report_date)
    return {
        "report_date": report_date, "known_at": known, "today": today, "st": st, "projects": projects,
        "cards": cards, "ranking": rk, "chase_quarter": chase_quarter or report_date,
        "has_data": bool((play["status"] != GREY).any()) if len(play) else False,
        "any_demo": bool(play["is_demo"].fillna(False).astype(bool).any()) if len(play) else False,
        "earliest": earliest_data_quarter(db),
        "counts": light_counts(cards["light"]) if len(cards) else dict.fromkeys(LIGHTS, 0),
    }


def overview_rest_data(db, d: dict, midpoint: bool = True) -> dict:
    """Complete :func:`overview_head_data` to :func:`shiwu_lib.report.overview_data`'s dict (the live
    page skips ``midpoint``, which it does not show)."""
    rd, known = d["report_date"], d["known_at"]
    rk_units = db.ranking(as_of=rd, by="lead_unit", known_at=known)
    late = late_returns(db, fmt.quarter_label(d["chase_quarter"]), today=d["today"])
    d.update(units=lead_unit_frame(rk_units, d["projects"], late), late=late, demo_in_store=db.demo_loaded())
    if midpoint:
        d["midpoint"] = midpoint_with_demo(db, known)
    return d


def ranking_figure(d: dict):
    if not d["has_data"]:
        return None
    return charts.ranking_bars(ranking_chart_frame(d["ranking"]),
                               title=f"晾晒排名（{fmt.quarter_zh(d['report_date'])}）：平均快慢得分（单项±50个百分点封顶）",
                               demo=d["any_demo"])


def overview_body(page: Page, report_date: date, chase: date | None = None) -> list:
    """The overview down to its first chart (info, cards, ranking chart); the ranking table, the lead
    units and 催报 follow once the browser has drawn the chart (:meth:`Page.after_first_chart`)."""
    t = [time.perf_counter()]
    kept = take_preread("overview", (report_date, chase))    # the preheated kernel's read of this very view
    t.append(time.perf_counter())
    if kept is not None:
        d, fig, h = kept
    else:
        db = open_db()
        try:
            d = overview_head_data(db, report_date, chase)
        finally:
            db.close()
        fig = h = None
    t.append(time.perf_counter())
    h = h or overview_head_html(d)
    t.append(time.perf_counter())
    out = [page.html(h["info"]), page.html(h["cards"])]
    fig = fig if fig is not None else ranking_figure(d)
    t.append(time.perf_counter())
    out.append(page.first_chart(page.figure(fig, head=h["ranking_head"])) if fig is not None
               else page.html(h["ranking_head"] + empty_state("该报告期尚无可排名的数据。")))
    t.append(time.perf_counter())
    log.info("overview: %s %.2f s, read %.2f s, cards HTML %.2f s, ranking chart %.2f s, sent %.2f s",
             "warm read reused" if kept is not None else "store checked", *(b - a for a, b in zip(t, t[1:])))
    loading = '<div class="shiwu-note" data-loading="{}">正在加载…</div>'
    blocks = {"ranking": page.html(loading.format("ranking")), "units": page.html("<h2>牵头单位</h2>" + loading.format("units")),
              "late": page.html("<h2>催报</h2>" + loading.format("late"))}
    out += list(blocks.values())
    page.after_first_chart(rest_steps(d, blocks))
    return out


def rest_steps(d: dict, blocks: dict) -> list:
    """The deferred part of :func:`overview_body`: read the lead units and 催报, then fill each block."""
    held: dict = {}
    wrap = '<div class="shiwu-page">{}</div>'.format

    def read_rest():
        db = open_db()
        try:
            overview_rest_data(db, d, midpoint=False)
        finally:
            db.close()
        held.update(overview_rest_html(d))

    steps: list = [(read_rest, None)]
    for key, head in (("ranking", ""), ("units", "牵头单位"), ("late", "催报")):
        def fill(key=key):
            blocks[key].value = wrap(held[key])

        def failed(key=key, head=head):
            blocks[key].value = wrap((f"<h2>{head}</h2>" if head else "") + error_state(
                f"{head or '晾晒排名表'}加载出错（已记录日志），请刷新页面后重试。"))
        steps.append((fill, failed))
    return steps


def _dates(db):
    dates = db.report_dates()
    return dates, default_report_date(db, dates)


def _warm(db):
    """Before the visit (preheated kernel): the default view down to the ranking chart, kept for a
    visit of that view while the store file is unchanged (:func:`page.take_preread`)."""
    from .page import figure_bundle

    dates, default = _dates(db)
    chase = latest_due_quarter(dates)
    d = overview_head_data(db, default, chase)
    h = overview_head_html(d)
    fig = ranking_figure(d)
    if fig is not None:
        figure_bundle(fig)
    keep_preread("overview", (default, chase), (d, fig, h))


def overview_page():
    """总览: cards, ranking, lead units and 催报 for a report date (default: the latest quarter with data)."""
    page, got = start_with_store("overview", TITLE, f"{PLAN.document_no} · {PLAN.span_zh} · 季度晾晒",
                                 _dates, warm=_warm)
    if got is None:
        return
    dates, default = got
    params = query_params()
    chosen = parse_date(params.get("as_of"), dates) or default
    chase_dates = due_quarters(dates)
    chase = parse_date(params.get("chase"), chase_dates) or latest_due_quarter(dates)
    dd, lab = page.dropdown("报告期", report_date_options(dates), chosen.isoformat())
    dc, labc = page.dropdown("催报季度", report_date_options(chase_dates), chase.isoformat(), "300px")
    pack_btn = page.w.Button(description="生成季分析材料", tooltip="为所选报告期生成季度分析会材料（演示文稿、晾晒表、动态简报）并下载",
                             icon="", layout=page.w.Layout(width="auto"))
    pack_btn.add_class("shiwu-pack-button")
    pack_btn.add_class("shiwu-noprint")
    pack_out = page.w.HTML("")
    pack_out.add_class("shiwu-noprint")
    page.controls.children = [lab, dd, labc, dc, pack_btn, pack_out]

    def build_pack(_button=None):
        """The meeting pack of the selected report date as a zip download (built on the click only)."""
        from ..pack import PackNoData

        rd = date.fromisoformat(dd.value)
        pack_btn.disabled = True
        pack_out.value = f'<span class="shiwu-note" data-pack-state="building">正在生成{esc(fmt.quarter_zh(rd))}季分析材料，约需半分钟…</span>'
        try:
            db = open_db()
            try:
                name, data = pack_zip(rd, db)
            finally:
                db.close()
            pack_out.value = download_link_html(name, data, f"下载{fmt.quarter_zh(rd)}季分析材料")
            log.info("overview: pack for %s, %d bytes", rd, len(data))
        except PackNoData:
            pack_out.value = f'<span class="shiwu-note" data-pack-state="no-data">{esc(fmt.quarter_zh(rd))}尚无数据，无法生成季分析材料。</span>'
        except Exception:
            pack_out.value = ""
            raise      # page.callback logs it and shows one Chinese line
        finally:
            pack_btn.disabled = False

    pack_btn.on_click(page.callback(build_pack, "生成季分析材料"))

    def redraw(_change=None):
        rd, cq = date.fromisoformat(dd.value), date.fromisoformat(dc.value)
        page.run(overview_body, page, rd, cq)
        page.set_url({"as_of": rd.isoformat(), "chase": cq.isoformat()})

    redraw = page.callback(redraw, "切换报告期")

    dd.observe(redraw, names="value")
    dc.observe(redraw, names="value")
    redraw()
