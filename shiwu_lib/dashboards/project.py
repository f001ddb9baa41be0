"""工程详情 (notebooks/02_project.ipynb, ``?project=5&as_of=2025-12-31``): one project — its light,
the trajectory charts (the headline indicator first; target paths, tolerance band, 2025 marker,
projection, report date), the gap to each target, the targets, the midpoint check, key tasks and
problems. Layout only: the data come from :func:`shiwu_lib.report.project_data`."""
from __future__ import annotations

import time
from datetime import date

from .. import charts, fmt
from ..report import (
    MID, PLAN, default_report_date, parse_date, project_data, project_option, report_date_options, trajectory_data,
)
from .components import (
    TRAJECTORY_NOTE, empty_state, error_state, legend_html, midpoint_tables, print_head, problems_table, project_head,
    targets_sections_html, tasks_table, trajectory_caption,
)
from .kernel import log, query_params
from .page import Page, open_db, start_with_store

TITLE = f"“{PLAN.programme}” 工程详情"


def gap_figure(d: dict):
    g = d["gap"]
    if g.empty:
        return None
    short = d["project"]["short_zh"]
    return charts.gap_to_target(g, f"{fmt.cn_number(d['project_no'])} {short}：各目标距目标还差多少（占目标值%）",
                                demo=bool(g["is_demo"].fillna(False).astype(bool).any()))


def project_html(d: dict, links=None, permalink: str | None = None) -> dict[str, str]:
    """The project page's HTML blocks (shared with the static edition)."""
    from .components import LIVE

    links = links or LIVE
    rd = d["report_date"]
    proj = d["project"]
    n_open = int((~d["problems"]["struck_off"].astype(bool)).sum()) if len(d["problems"]) else 0
    name = f"{fmt.cn_number(d['project_no'])}、{proj['name_zh']}"
    return {
        "head": print_head(f"{TITLE}：{name}", rd, d["known_at"], d["any_demo"]) + project_head(d, links, permalink),
        "trajectory_head": f"<h2>指标走势（{PLAN.span_zh}）</h2><div class=\"shiwu-note\">{TRAJECTORY_NOTE}</div>",
        "gap_head": "<h2>距目标差距</h2>",
        "gap_empty": empty_state(f"该报告期尚无在推进目标的数据：最早的季度数据为{d['first_quarter']}。" if d["first_quarter"]
                                 else "该报告期尚无在推进目标的数据：数据库中尚无实际值。"),
        "targets": "<h2>目标一览</h2>" + legend_html() + targets_sections_html(d["sections"], rd),
        "midpoint": f"<h2>{MID}年中期评估</h2>" + midpoint_tables(d["midpoint"]),
        "tasks": "<h2>重点任务进度</h2>" + (tasks_table(d["tasks"], rd) if len(d["tasks"]) else empty_state("尚无重点任务。")),
        "problems": f"<h2>问题销号（未销号{n_open}项 / 共{len(d['problems'])}项）</h2>"
                    + (problems_table(d["problems"], rd) if len(d["problems"]) else empty_state("该报告期尚无报送的问题清单。")),
    }


def trajectory_figure(db, d: dict, indicator_id: str):
    """(figure, caption HTML, chart data) of one indicator of the project."""
    data = trajectory_data(db, d, indicator_id)
    data.update(title_width=16, title_lines=2, subtitle_in_chart=False)   # fits at 390 px; the reason goes under the chart
    return charts.trajectory(data), trajectory_caption(data), data


def project_body(page: Page, project_no: int, report_date: date) -> list:
    db = open_db()
    try:
        d = project_data(db, project_no, report_date)
        first = None
        if d["order"]:  # the headline chart is drawn with the page; the others right after it
            first = trajectory_figure(db, d, d["order"][0])
    finally:
        db.close()
    h = project_html(d)
    out = [page.html(h["head"]), page.html(h["trajectory_head"])]
    if d["order"]:
        loading = '<div class="shiwu-page"><div class="shiwu-note" data-loading="trajectory">正在生成走势图…</div></div>'
        slots = [page.slot(message=loading) for _ in d["order"]]
        for o in slots:
            o.add_class("shiwu-trajectory")
        page.fill(slots[0], first[0], caption=first[1])
        grid = page.w.GridBox(slots, layout=page.w.Layout(width="100%", grid_gap="8px", flex="0 0 auto"))
        grid.add_class("shiwu-grid2")
        out.append(grid)
        page.defer(fill_trajectories, page, slots[1:], d, d["order"][1:])
    else:
        out.append(page.html(empty_state("该工程没有关联指标的量化目标。")))
    out.append(page.html(h["gap_head"]))
    fig = gap_figure(d)
    out.append(page.figure(fig) if fig is not None else page.html(h["gap_empty"]))
    out += [page.html(h["targets"]), page.html(h["midpoint"]), page.html(h["tasks"]), page.html(h["problems"])]
    return out


def fill_trajectories(page: Page, slots: list, d: dict, order: list[str]) -> None:
    """Draw the remaining trajectory charts into the slots made for them (deferred part of the page)."""
    t0 = time.perf_counter()
    db = open_db()
    try:
        names = dict(zip(d["indicators"]["indicator_id"], d["indicators"]["name_zh"])) if len(d["indicators"]) else {}
        for slot, iid in zip(slots, order):
            try:
                fig, caption, _ = trajectory_figure(db, d, iid)
                page.fill(slot, fig, caption=caption)
            except Exception:  # noqa: BLE001 - one chart failing must not take the page down
                log.exception("trajectory of %s failed", iid)
                page.fill(slot, html_text='<div class="shiwu-page">' + error_state(f"{names.get(iid, iid)}：走势图生成出错（已记录日志）。") + "</div>")
    finally:
        db.close()
    log.info("trajectories of project %s: %d charts in %.2f s", d["project_no"], len(slots), time.perf_counter() - t0)


def _first_read(db):
    dates = db.report_dates()
    return db.projects(), dates, default_report_date(db, dates)


def project_page():
    """工程详情: one project (``?project=N&as_of=…``, selectors kept in the address bar)."""
    page, got = start_with_store("project", TITLE, f"目标路径 · 距目标差距 · {MID}年中期评估 · 重点任务 · 问题销号",
                                 _first_read)
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
