"""工程详情 (notebooks/02_project.ipynb, ``?project=5&as_of=2025-12-31``): one project — its light,
the trajectory charts (the headline indicator first; target paths, tolerance band, 2025 marker,
projection, report date), the gap to each target, the targets, the midpoint check, key tasks and
problems. Layout only: the data come from :func:`shiwu_lib.report.project_data`."""
from __future__ import annotations

import time
from datetime import date

from .. import charts, fmt
from ..report import (
    MID, PLAN, chart_indicators, choose_headline, core_indicators, data_known_at, default_report_date,
    earliest_data_quarter, firm_in_play, gap_chart_frame, light_counts, midpoint_with_demo, parse_date, problems_frame,
    project_light, project_option, report_date_options, target_sections, tasks_frame, trajectory_data,
)
from .components import (
    TRAJECTORY_NOTE, empty_state, error_state, legend_html, midpoint_tables, print_head, problems_table, project_head,
    targets_sections_html, tasks_table, trajectory_caption,
)
from .kernel import log, query_params
from .page import Page, keep_preread, open_db, start_with_store, take_preread

TITLE = f"“{PLAN.programme}” 工程详情"
LOADING = '<div class="shiwu-page"><div class="shiwu-note" data-loading="{what}">{text}</div></div>'


def gap_figure(d: dict):
    g = d["gap"]
    if g.empty:
        return None
    short = d["project"]["short_zh"]
    return charts.gap_to_target(g, f"{fmt.cn_number(d['project_no'])} {short}：各目标距目标还差多少（占目标值%）",
                                demo=bool(g["is_demo"].fillna(False).astype(bool).any()))


def project_head_html(d: dict, links=None, permalink: str | None = None) -> dict[str, str]:
    """The blocks above the first chart: the print head, the project's title block, the charts' heading."""
    from .components import LIVE

    links = links or LIVE
    name = f"{fmt.cn_number(d['project_no'])}、{d['project']['name_zh']}"
    return {
        "head": print_head(f"{TITLE}：{name}", d["report_date"], d["known_at"], d["any_demo"]) + project_head(d, links, permalink),
        "trajectory_head": f"<h2>指标走势（{PLAN.span_zh}）</h2><div class=\"shiwu-note\">{TRAJECTORY_NOTE}</div>",
        "gap_head": "<h2>距目标差距</h2>",
    }


def project_rest_html(d: dict) -> dict[str, str]:
    """The blocks under the charts: gap (when empty), targets, midpoint, key tasks, problems."""
    rd = d["report_date"]
    n_open = int((~d["problems"]["struck_off"].astype(bool)).sum()) if len(d["problems"]) else 0
    return {
        "gap_empty": empty_state(f"该报告期尚无在推进目标的数据：最早的季度数据为{d['first_quarter']}。" if d["first_quarter"]
                                 else "该报告期尚无在推进目标的数据：数据库中尚无实际值。"),
        "targets": "<h2>目标一览</h2>" + legend_html() + targets_sections_html(d["sections"], rd),
        "midpoint": f"<h2>{MID}年中期评估</h2>" + midpoint_tables(d["midpoint"]),
        "tasks": "<h2>重点任务进度</h2>" + (tasks_table(d["tasks"], rd) if len(d["tasks"]) else empty_state("尚无重点任务。")),
        "problems": f"<h2>问题销号（未销号{n_open}项 / 共{len(d['problems'])}项）</h2>"
                    + (problems_table(d["problems"], rd) if len(d["problems"]) else empty_state("该报告期尚无报送的问题清单。")),
    }


def project_html(d: dict, links=None, permalink: str | None = None) -> dict[str, str]:
    """The project page's HTML blocks (shared with the static edition)."""
    return {**project_head_html(d, links, permalink), **project_rest_html(d)}


def project_head_data(db, project_no: int, report_date: date) -> dict:
    """What the page needs down to its first chart: the keys of :func:`shiwu_lib.report.project_data`
    but ``gap, sections, midpoint, tasks, problems, first_quarter``, and ``actuals`` of the first
    chart's indicator only. :func:`project_rest_data` adds the rest (together: ``project_data``,
    tests/test_dashboard_phases.py checks it)."""
    known = data_known_at(db)
    proj = db.projects().set_index("project_no").loc[int(project_no)]
    st = db.status(as_of=report_date, project_no=project_no, known_at=known)
    targets = db.targets(project_no)
    play = firm_in_play(st, report_date)
    head = choose_headline(st, report_date, core_indicators(db))
    first = head["indicator_id"] if head is not None and isinstance(head.get("indicator_id"), str) else None
    order = chart_indicators(targets, first=first)
    acts = db.actuals(as_of=known, indicator_id=order[0]) if order else db.actuals(as_of=known).head(0)
    return {
        "project_no": int(project_no), "report_date": report_date, "known_at": known, "project": proj,
        "st": st, "play": play, "light": project_light(play["status"]), "counts": light_counts(play["status"]),
        "any_demo": bool(st["is_demo"].fillna(False).astype(bool).any()), "headline": head,
        "targets": targets, "indicators": db.indicators(project_no), "actuals": acts, "order": order,
    }


def project_actuals(db, d: dict) -> dict:
    """``d["actuals"]`` for every charted indicator (after the first chart)."""
    acts = db.actuals(as_of=d["known_at"])
    d["actuals"] = acts[acts["indicator_id"].isin(d["order"])]
    return d


def project_rest_data(db, d: dict, actuals: bool = True) -> dict:
    """Complete a :func:`project_head_data` result to :func:`shiwu_lib.report.project_data`'s dict
    (``actuals=False``: :func:`project_actuals` has been called already)."""
    if actuals:
        project_actuals(db, d)
    no, rd, known = d["project_no"], d["report_date"], d["known_at"]
    eq = earliest_data_quarter(db)
    d.update(gap=gap_chart_frame(d["play"]), sections=target_sections(d["st"], rd),
             midpoint=midpoint_with_demo(db, known, no), tasks=tasks_frame(db, no, rd), problems=problems_frame(db, no, rd),
             first_quarter=fmt.quarter_zh(eq) if eq else "")
    return d


def trajectory_figure(db, d: dict, indicator_id: str):
    """(figure, caption HTML, chart data) of one indicator of the project."""
    data = trajectory_data(db, d, indicator_id)
    data.update(title_width=16, title_lines=2, subtitle_in_chart=False)   # fits at 390 px; the reason goes under the chart
    return charts.trajectory(data), trajectory_caption(data), data


def project_body(page: Page, project_no: int, report_date: date) -> list:
    """The page down to its first chart (the headline indicator's); every other chart, the gap chart
    and the tables get a slot saying 正在生成… and are filled one by one after the browser has drawn
    the first chart (:meth:`Page.after_first_chart`)."""
    t = [time.perf_counter()]
    kept = take_preread("project", (int(project_no), report_date))   # the preheated kernel's read of this view
    t.append(time.perf_counter())
    if kept is not None:
        d, first = kept
        t += [time.perf_counter()] * 2
    else:
        db = open_db()
        try:
            d = project_head_data(db, project_no, report_date)
            t.append(time.perf_counter())
            first = trajectory_figure(db, d, d["order"][0]) if d["order"] else None
            t.append(time.perf_counter())
        finally:
            db.close()
    h = project_head_html(d)
    out = [page.html(h["head"]), page.html(h["trajectory_head"])]
    slots = []
    if d["order"]:
        slots = [page.slot(message=LOADING.format(what="trajectory", text="正在生成走势图…")) for _ in d["order"]]
        for o in slots:
            o.add_class("shiwu-trajectory")
        page.fill(slots[0], first[0], caption=first[1])
        page.first_chart(slots[0])
        grid = page.w.GridBox(slots, layout=page.w.Layout(width="100%", grid_gap="8px", flex="0 0 auto"))
        grid.add_class("shiwu-grid2")
        out.append(grid)
    else:
        out.append(page.html(empty_state("该工程没有关联指标的量化目标。")))
    gap = page.slot(height=260, message=LOADING.replace('<div class="shiwu-page">', '<div class="shiwu-page">' + h["gap_head"], 1)
                    .format(what="gap", text="正在生成距目标差距图…"))
    blocks = {k: page.html(f"<h2>{head}</h2>" + LOADING.format(what=k, text="正在加载…")) for k, head in REST_HEADS}
    out += [gap, *blocks.values()]
    t.append(time.perf_counter())
    log.info("project %s: %s %.2f s, read %.2f s, first chart %.2f s, widgets %.2f s", project_no,
             "warm read reused" if kept is not None else "store checked", *(b - a for a, b in zip(t, t[1:])))
    steps, cleanup = rest_steps(page, d, slots[1:], gap, blocks)
    page.after_first_chart(steps, cleanup=cleanup)
    return out


REST_HEADS = (("targets", "目标一览"), ("midpoint", f"{MID}年中期评估"), ("tasks", "重点任务进度"), ("problems", "问题销号"))


def rest_steps(page: Page, d: dict, slots: list, gap, blocks: dict):
    """The deferred part of :func:`project_body` as ``(steps, cleanup)`` for :meth:`Page.after_first_chart`,
    in page order: all actuals, each remaining chart, the rest of the data, the gap chart, each table.
    A failing step puts a Chinese line into its slot (a failed read fails every step that needs it)."""
    held: dict = {}
    names = dict(zip(d["indicators"]["indicator_id"], d["indicators"]["name_zh"])) if len(d["indicators"]) else {}
    wrap = '<div class="shiwu-page">{}</div>'.format

    def close():
        db = held.pop("db", None)
        if db is not None:
            db.close()

    def read_actuals():
        held["db"] = open_db()
        project_actuals(held["db"], d)

    steps: list = [(read_actuals, None)]
    for slot, iid in zip(slots, d["order"][1:]):
        def chart(slot=slot, iid=iid):
            fig, caption, _ = trajectory_figure(held["db"], d, iid)
            page.fill(slot, fig, caption=caption)

        def chart_failed(slot=slot, iid=iid):
            page.fill(slot, html_text=wrap(error_state(f"{names.get(iid, iid)}：走势图生成出错（已记录日志）。")))
        steps.append((chart, chart_failed))

    def read_rest():
        try:
            project_rest_data(held["db"], d, actuals=False)
            held["html"] = project_rest_html(d)
        finally:
            close()

    gap_head = project_head_html(d)["gap_head"]

    def gap_chart():
        fig = gap_figure(d)
        if fig is None:
            page.fill(gap, html_text=wrap(gap_head + held["html"]["gap_empty"]))
            gap.layout.min_height = "0px"
        else:
            page.fill(gap, fig, head=gap_head)

    def gap_failed():
        page.fill(gap, html_text=wrap(gap_head + error_state("距目标差距图生成出错（已记录日志）。")))
        gap.layout.min_height = "0px"

    steps += [(read_rest, None), (gap_chart, gap_failed)]
    for key, head in REST_HEADS:
        def table(key=key):
            blocks[key].value = wrap(held["html"][key])

        def table_failed(key=key, head=head):
            blocks[key].value = wrap(f"<h2>{head}</h2>" + error_state(f"{head}加载出错（已记录日志），请刷新页面后重试。"))
        steps.append((table, table_failed))
    return steps, close


def _first_read(db):
    dates = db.report_dates()
    return db.projects(), dates, default_report_date(db, dates)


def _warm(db):
    """Before the visit (preheated kernel): project 1's page down to its first chart, kept for a visit
    of that view while the store file is unchanged (:func:`page.take_preread`)."""
    from .page import figure_bundle

    projects, dates, default = _first_read(db)
    no = int(projects["project_no"].iloc[0])
    d = project_head_data(db, no, default)
    project_head_html(d)
    first = trajectory_figure(db, d, d["order"][0]) if d["order"] else None
    if first is not None:
        figure_bundle(first[0])
    keep_preread("project", (no, default), (d, first))


def project_page():
    """工程详情: one project (``?project=N&as_of=…``, selectors kept in the address bar)."""
    page, got = start_with_store("project", TITLE, f"目标路径 · 距目标差距 · {MID}年中期评估 · 重点任务 · 问题销号",
                                 _first_read, warm=_warm)
    if got is None:
        return
    projects, dates, default = got
    params = query_params()
    nos = [int(n) for n in projects["project_no"]]
    try:
        project_no = int(params.get("project", nos[0]))
    except ValueError:
        project_no = nos[0]
    if project_no not in nos:
        project_no = nos[0]
    chosen = parse_date(params.get("as_of"), dates) or default
    dd_p, lab_p = page.dropdown("工程", [(project_option(n, s), n)
                                        for n, s in zip(projects["project_no"], projects["short_zh"])], project_no, "260px")
    dd_d, lab_d = page.dropdown("报告期", report_date_options(dates), chosen.isoformat())
    back = page.w.HTML('<a class="shiwu-link" href="01_overview.ipynb">← 返回总览</a>')
    page.controls.children = [lab_p, dd_p, lab_d, dd_d, back]

    def redraw(_change=None):
        no, rd = int(dd_p.value), date.fromisoformat(dd_d.value)
        page.run(project_body, page, no, rd)
        page.set_url({"project": no, "as_of": rd.isoformat()})
        back.value = f'<a class="shiwu-link" href="01_overview.ipynb?as_of={rd.isoformat()}">← 返回总览</a>'

    redraw = page.callback(redraw, "切换工程或报告期")

    dd_p.observe(redraw, names="value")
    dd_d.observe(redraw, names="value")
    redraw()
