"""HTML building blocks of the pages: the stylesheet (screen, 390 px, print), chips, cards, tables.

Pure strings from report-layer data (no widgets, no store), so the live Voila pages
(:mod:`shiwu_lib.dashboards`) and the static edition (:mod:`shiwu_lib.publish`) show the same
markup. Cells escape what they take from the data (:func:`esc`).
"""
from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import urlencode

import pandas as pd

from .. import fmt
from ..report import (
    DEMO_NOTE_ZH, FINAL, GREEN, GREY, LIGHTS, MID, PLAN, RED, STATUS_COLOURS, TASK_STATUS_COLOURS, YELLOW, actual_text,
    isnan, project_label, rank_change_text, red_streak_text, target_label, time_progress_text,
)

esc = html.escape

# Print: the page is zoomed to PRINT_ZOOM on A4 landscape (PRINT_WIDTH_PX CSS pixels inside the
# @page margins); PRINT_FIT_JS redraws every chart at the width it gets there.
PRINT_ZOOM = 0.62
PRINT_WIDTH_PX = 1046     # 297 mm − 2 × 9 mm at 96 px per inch, less a few px
PRINT_FIT_JS = """(function(){if(window.__shiwuPrintFit){return;}window.__shiwuPrintFit=true;var fitted=[];
window.addEventListener('beforeprint',function(){var P=window.Plotly,root=document.querySelector('.shiwu-root');
if(!P||!root){return;}var rw=root.getBoundingClientRect().width;if(!rw){return;}var full=%(width)d/%(zoom)s;
document.querySelectorAll('.shiwu-root .js-plotly-plot').forEach(function(el){var w=el.getBoundingClientRect().width;
if(!w||!el._fullLayout){return;}fitted.push(el);try{P.relayout(el,{width:Math.floor(full*w/rw)});}catch(e){}});});
window.addEventListener('afterprint',function(){var P=window.Plotly;fitted.splice(0).forEach(function(el){
try{P.relayout(el,{width:null,autosize:true});P.Plots.resize(el);}catch(e){}});});})();""" % {"width": PRINT_WIDTH_PX, "zoom": PRINT_ZOOM}

FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

PAGE_CSS = """
<style>
.shiwu-page, .shiwu-page * { font-family: %(font)s; }
.shiwu-page { color: #222; font-size: 17px; line-height: 1.5; box-sizing: border-box; max-width: 100%%; }
.shiwu-root { max-width: 1520px; margin: 0 auto; }
.shiwu-page *, .shiwu-page *::before, .shiwu-page *::after { box-sizing: border-box; }
.shiwu-page h1 { font-size: 30px; margin: 6px 0 2px 0; font-weight: 700; }
.shiwu-page h2 { font-size: 24px; margin: 22px 0 8px 0; font-weight: 700; border-left: 6px solid #1f5fbf; padding-left: 10px; }
.shiwu-page h3 { font-size: 20px; margin: 14px 0 6px 0; }
.shiwu-sub { color: #555; font-size: 16px; }
.shiwu-note { color: #555; font-size: 16px; margin: 6px 0; }
.shiwu-demo { display: inline-block; color: #b00020; border: 1px solid #b00020; background: #fff5f5; padding: 0 6px;
  border-radius: 3px; font-size: 16px; font-weight: 700; margin-left: 6px; vertical-align: middle; line-height: 1.5; white-space: nowrap; }
.shiwu-banner { border: 1px solid #b00020; background: #fff5f5; color: #7a0016; padding: 8px 12px; border-radius: 6px; margin: 8px 0; font-size: 16px; }
.shiwu-empty { padding: 14px 16px; background: #f4f5f7; border-left: 5px solid #9aa0a6; font-size: 18px; margin: 10px 0; }
.shiwu-error { padding: 14px 16px; background: #fff5f5; border-left: 5px solid #b00020; font-size: 18px; margin: 10px 0; }
.shiwu-cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 14px; margin: 10px 0; }
@media (max-width: 1300px) { .shiwu-cards { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
@media (max-width: 900px) { .shiwu-cards { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.shiwu-card { border: 1px solid #d8dadd; border-top: 7px solid #9aa0a6; border-radius: 8px; padding: 10px 12px; background: #fff;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); display: flex; flex-direction: column; gap: 3px; break-inside: avoid; page-break-inside: avoid; }
.shiwu-card-head { display: flex; align-items: center; justify-content: space-between; gap: 6px; }
.shiwu-card-title { font-size: 22px; font-weight: 700; }
.shiwu-card-name { font-size: 15px; color: #666; min-height: 2.9em; }
.shiwu-chip { display: inline-block; color: #fff; border-radius: 12px; padding: 1px 10px; font-size: 16px; font-weight: 700; white-space: nowrap; }
.shiwu-metric { font-size: 16px; color: #333; margin-top: 4px; }
.shiwu-big { font-size: 27px; font-weight: 700; line-height: 1.2; }
.shiwu-small { font-size: 15px; color: #555; }
.shiwu-reason { font-size: 16px; color: #333; }
.shiwu-rank { font-size: 15px; color: #333; display: flex; flex-wrap: wrap; gap: 4px 10px; }
.shiwu-rank b { font-size: 16px; }
.shiwu-streak { color: #b00020; font-weight: 700; }
.shiwu-worst { margin: 4px 0 0 0; padding: 6px 0 0 0; border-top: 1px dashed #d8dadd; list-style: none; font-size: 14.5px; }
.shiwu-worst li { margin: 0 0 4px 0; line-height: 1.4; }
.shiwu-worst .shiwu-dot { width: 11px; height: 11px; }
.shiwu-mid { font-size: 14.5px; color: #444; }
.shiwu-pbar { position: relative; height: 12px; background: #eceef1; border-radius: 6px; margin: 4px 0 2px 0; }
.shiwu-pbar-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 6px; }
.shiwu-pbar-tick { position: absolute; top: -4px; bottom: -4px; width: 3px; background: #b00020; }
.shiwu-stack { display: flex; height: 14px; border-radius: 4px; overflow: hidden; margin-top: 6px; background: #eceef1; }
.shiwu-stack span { display: block; height: 100%%; }
.shiwu-counts { font-size: 15px; color: #444; }
.shiwu-link { font-size: 16px; font-weight: 700; color: #1f5fbf; text-decoration: none; margin-top: 4px; }
.shiwu-link:hover { text-decoration: underline; }
.shiwu-scroll { overflow-x: auto; max-width: 100%%; }
.shiwu-table { border-collapse: collapse; font-size: 16px; margin: 6px 0 10px 0; width: 100%%; }
.shiwu-table th { background: #eef2f8; text-align: left; padding: 6px 8px; border-bottom: 2px solid #c9d3e3; white-space: nowrap; }
.shiwu-table td { padding: 5px 8px; border-bottom: 1px solid #e3e5e8; vertical-align: top; }
.shiwu-table td.num { text-align: right; white-space: nowrap; }
.shiwu-table tr { break-inside: avoid; page-break-inside: avoid; }
.shiwu-table tr.shiwu-overdue td { background: #fff3f3; }
.shiwu-dot { display: inline-block; width: 14px; height: 14px; border-radius: 50%%; vertical-align: -1px; margin-right: 4px; }
.shiwu-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; font-size: 18px; }
.shiwu-select select, .shiwu-select .widget-dropdown select { font-size: 18px !important; height: 36px !important; }
.shiwu-kv { font-size: 16px; margin: 2px 0; }
.shiwu-kv b { color: #444; }
.shiwu-legend span { margin-right: 14px; white-space: nowrap; }
.shiwu-grid2 { display: grid !important; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; width: 100%%; }
.shiwu-chart { break-inside: avoid; page-break-inside: avoid; }
/* Plotly in a Voila Output widget (responsive mode) sizes its container from the output area, which
   is 0 px tall there: the chart was drawn and then clipped to nothing (the ranking and gap charts were
   blank). The first SVG in the flow gives the container the figure's own height. */
.shiwu-chart .js-plotly-plot .svg-container { height: auto !important; }
.shiwu-chart .js-plotly-plot .svg-container > .main-svg:first-child { position: relative !important; display: block; }
.shiwu-caption { font-size: 15.5px; color: #333; margin: 2px 4px 10px 4px; }
.shiwu-print-head { display: none; }
.shiwu-nav a { margin-right: 16px; }
@media (max-width: 700px) {
  .shiwu-page { font-size: 16px; }
  .shiwu-page h1 { font-size: 23px; }
  .shiwu-page h2 { font-size: 20px; }
  .shiwu-cards { grid-template-columns: minmax(0, 1fr) !important; }
  .shiwu-grid2 { grid-template-columns: minmax(0, 1fr) !important; }
  .shiwu-table { font-size: 14px; }
  .shiwu-select, .shiwu-select select { max-width: 100%% !important; }
  .shiwu-controls > * { max-width: 100%%; }
}
@page { size: A4 landscape; margin: 16mm 9mm 10mm 9mm; }
@media print {
  html, body, #main, .jp-Notebook, .jp-Cell, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output, .voila-notebook,
  #rendered_cells, .jp-LabShell, .lm-Widget, .widget-box, .widget-vbox, .widget-output {
    height: auto !important; max-height: none !important; overflow: visible !important; }
  #main, #jp-main-content-panel, #rendered_cells, .lm-BoxPanel-child, .jp-LabShell {
    position: static !important; contain: none !important; width: auto !important; }
  .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea-child, .jp-OutputArea-output { padding: 0 !important; margin: 0 !important; }
  .jp-OutputPrompt, .jp-InputPrompt { display: none !important; }
  .jp-OutputArea-child, .jp-OutputArea-output { display: block !important; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; margin: 0 !important; padding: 0 !important; }
  /* the whole A4 landscape width (277 mm inside the margins): the page is laid out %(zoom_inv)s times as
     wide as the paper and zoomed to it (no max-width: it kept the page at ~2/3 of the sheet); the
     charts are redrawn at their printed width before printing (PRINT_FIT_JS) */
  .shiwu-root { zoom: %(zoom)s; max-width: none !important; width: auto !important; margin: 0 !important; padding: 0 !important; }
  .shiwu-controls, .shiwu-noprint, .modebar, .modebar-container { display: none !important; }
  /* ten cards in two full rows of five: the first row fits on page 1 under the head, no page holds
     a half row and a heading alone */
  .shiwu-cards { grid-template-columns: repeat(5, minmax(0, 1fr)) !important; gap: 10px; }
  .shiwu-card { padding: 6px 8px; gap: 1px; box-shadow: none; }
  .shiwu-card-name { min-height: 0; font-size: 13px; }
  .shiwu-card-title { font-size: 19px; }
  .shiwu-big { font-size: 22px; }
  .shiwu-worst { font-size: 13px; margin-top: 2px; padding-top: 3px; }
  .shiwu-worst li { margin: 0 0 2px 0; line-height: 1.3; }
  .shiwu-reason, .shiwu-metric { font-size: 14px; line-height: 1.35; }
  .shiwu-small, .shiwu-mid, .shiwu-rank, .shiwu-counts { font-size: 13px; line-height: 1.35; }
  .shiwu-card > a.shiwu-link { display: none; }
  .shiwu-page h1 { font-size: 26px; margin-top: 0; }
  .shiwu-page h2 { margin: 14px 0 6px 0; }
  .shiwu-note, .shiwu-sub, .shiwu-banner { font-size: 14px; }
  .shiwu-grid2 { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; }
  /* a heading stays with what follows it (its note, its chart or table) */
  .shiwu-page h2, .shiwu-page h3, .shiwu-page h2 + .shiwu-note, .shiwu-page h2 + .shiwu-demo, .shiwu-legend,
  .shiwu-page h3 + .shiwu-demo, [data-chart-head] { break-after: avoid; page-break-after: avoid; }
  .shiwu-card, .shiwu-chart, .js-plotly-plot, .shiwu-table tr, .widget-output { break-inside: avoid; page-break-inside: avoid; }
  .shiwu-table thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
</style>
""" % {"font": FONT_STACK, "zoom": PRINT_ZOOM, "zoom_inv": f"{1 / PRINT_ZOOM:.2f}"}


def print_head(title: str, report_date: date | None, known_at: date | None, demo: bool) -> str:
    """What every printed page repeats in its top margin (CSS ``@page`` margin boxes): title,
    report date, data date, the 示例数据 note, and the page number at the bottom."""
    parts = [title]
    if report_date is not None:
        parts.append(f"报告期：{fmt.quarter_zh(report_date)}末")
    if known_at is not None:
        parts.append(f"数据截至{fmt.date_zh(known_at)}")
    css = lambda t: '"' + str(t).replace("\\", "").replace('"', "'") + '"'  # noqa: E731
    right = ("@top-right { content: %s; color: #b00020; font-weight: 700; font-size: 9pt; }" % css("示例数据：含演示用部门报表示例数据，非真实统计")
             if demo else "")
    style = ("<style>@page { @top-left { content: %s; font-size: 9pt; color: #444; font-family: %s; } %s "
             "@bottom-right { content: \"第 \" counter(page) \" 页 / 共 \" counter(pages) \" 页\"; font-size: 8pt; color: #666; } }</style>"
             % (css("　".join(parts)), FONT_STACK, right))
    return (style + f'<div class="shiwu-print-head" data-print-head="true" data-demo-note="{str(bool(demo)).lower()}">'
            f'{esc("　".join(parts))}</div>')


def demo_badge(title: str = "含部门报表示例数据（演示用，非真实统计）") -> str:
    return f'<span class="shiwu-demo" data-demo="true" title="{esc(title)}">示例数据</span>'


def demo_banner() -> str:
    return f'<div class="shiwu-banner">{demo_badge()} {esc(DEMO_NOTE_ZH)}</div>'


def light_dot(status: str) -> str:
    c = STATUS_COLOURS.get(status, STATUS_COLOURS[GREY])
    return f'<span class="shiwu-dot" style="background:{c}"></span>'


def light_cell(status: str) -> str:
    return f'<span style="white-space:nowrap">{light_dot(status)}{fmt.status_zh(status)}</span>'


def light_chip(status: str, attrs: str = "") -> str:
    c = STATUS_COLOURS.get(status, STATUS_COLOURS[GREY])
    return f'<span class="shiwu-chip" style="background:{c}" {attrs}>{fmt.status_zh(status)}</span>'


def empty_state(message: str) -> str:
    return f'<div class="shiwu-empty" data-empty="true">{esc(message)}</div>'


def error_state(message: str) -> str:
    return f'<div class="shiwu-error" data-error="true">{esc(message)}</div>'


def html_table(df: pd.DataFrame, columns: list[tuple], cls: str = "shiwu-table", row_class=None, attrs: str = "") -> str:
    """``columns``: (header, function(row) -> HTML string, numeric?) tuples; wrapped in a div that
    scrolls sideways on a narrow screen."""
    head = "".join(f"<th>{esc(h)}</th>" for h, *_ in columns)
    body = []
    for _, r in df.iterrows():
        rc = row_class(r) if row_class else ""
        tds = "".join(f'<td class="{"num" if (len(c) > 2 and c[2]) else ""}">{c[1](r)}</td>' for c in columns)
        body.append(f'<tr class="{rc}">{tds}</tr>')
    return (f'<div class="shiwu-scroll"><table class="{cls}" {attrs}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def legend_html() -> str:
    items = "".join(f"<span>{light_dot(s)}{fmt.status_zh(s)}：{fmt.STATUS_MEANING_ZH[s]}</span>" for s in LIGHTS)
    return f'<div class="shiwu-note shiwu-legend">{items}</div>'


def stack_bar(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return '<div class="shiwu-stack"></div>'
    parts = "".join(
        f'<span style="width:{counts[s] / total * 100:.2f}%;background:{STATUS_COLOURS[s]}" title="{fmt.status_zh(s)}{counts[s]}项"></span>'
        for s in LIGHTS if counts[s])
    return f'<div class="shiwu-stack" data-counts="{counts[GREEN]},{counts[YELLOW]},{counts[RED]},{counts[GREY]}">{parts}</div>'


def progress_bar(completion, time_progress, status) -> str:
    if isnan(completion):
        return ""
    w = max(0.0, min(float(completion), 1.0)) * 100
    tick = "" if isnan(time_progress) else f'<div class="shiwu-pbar-tick" style="left:calc({max(0.0, min(float(time_progress), 1.0)) * 100:.1f}% - 1px)" title="序时进度"></div>'
    return (f'<div class="shiwu-pbar"><div class="shiwu-pbar-fill" style="width:{w:.1f}%;background:{STATUS_COLOURS.get(status, "#999")}"></div>'
            f"{tick}</div>")


# -- links: the live pages and the static edition name pages differently ------------------------

class Links:
    """Where a page links to. Live Voila pages link to each other by notebook name
    (``02_project.ipynb?project=5&as_of=…``; ``prefix`` ``voila/render/`` from the server's root);
    the static edition has its own file names (:class:`shiwu_lib.publish.StaticLinks`)."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix
        self.overview = prefix + "01_overview.ipynb"
        self.midpoint = prefix + "03_midpoint.ipynb"
        self.project_index = prefix + "02_project.ipynb"

    def project(self, no: int, report_date: date | None = None) -> str:
        q = {"project": int(no)}
        if report_date is not None:
            q["as_of"] = report_date.isoformat()
        return self.project_index + "?" + urlencode(q)

    def overview_at(self, report_date: date | None = None) -> str:
        return self.overview + (f"?as_of={report_date.isoformat()}" if report_date else "")


LIVE = Links()


def project_link(no: int, report_date: date | None = None) -> str:
    return LIVE.project(no, report_date)


# -- overview ---------------------------------------------------------------------------------

def _worst_list(worst: pd.DataFrame) -> str:
    if worst is None or not len(worst):
        return ""
    items = "".join(
        f'<li data-worst="{esc(str(r["target_id"]))}">{light_dot(r["status"])}<b>{esc(str(r["metric_zh"]))}</b>：'
        f'{esc(str(r["reason"] or ""))}</li>' for _, r in worst.iterrows())
    return f'<ul class="shiwu-worst" data-worst-list="true">{items}</ul>'


def _core_attrs(head) -> str:
    """The 核心指标 line's attributes: its rank in the reviewed table and why it was chosen (tooltip)."""
    rank, why = head.get("core_rank"), head.get("core_reason")
    if rank is None or isnan(rank):
        return ""
    return f' data-core-rank="{int(rank)}" title="{esc("核心指标（第" + str(int(rank)) + "位）：" + str(why or ""))}"'


def card_html(r, report_date: date, links: Links = LIVE) -> str:
    """One project card: light, headline (核心指标), the worst targets with the engine's reasons,
    the 2025 midpoint state, rank with 位次变化 and the red streak."""
    no, light = int(r["project_no"]), r["light"]
    head = r["headline"]
    counts = {k: int(r[f"n_{k}"]) for k in LIGHTS}
    parts = [
        f'<div class="shiwu-card" data-project="{no}" data-status="{light}" style="border-top-color:{STATUS_COLOURS[light]}">',
        '<div class="shiwu-card-head">'
        f'<span class="shiwu-card-title">{fmt.cn_number(no)} {esc(str(r["short_zh"]))}</span>'
        f'{light_chip(light, f"data-light={light}")}</div>',
        f'<div class="shiwu-card-name">{esc(str(r["name_zh"]))}</div>',
    ]
    rank = r.get("rank") if hasattr(r, "get") else None
    if rank is not None and not isnan(rank):
        streak = red_streak_text(r.get("red_streak"))
        parts.append(
            f'<div class="shiwu-rank" data-rank="{int(rank)}" data-rank-change="{esc(rank_change_text(r.get("rank_change")))}">'
            f'<span>晾晒第<b>{int(rank)}</b>名</span><span>位次变化 <b>{esc(rank_change_text(r.get("rank_change")))}</b></span>'
            + (f'<span class="shiwu-streak" data-red-streak="{int(r.get("red_streak"))}">{esc(streak)}</span>' if streak and int(r.get("red_streak")) > 1 else "")
            + "</div>")
    if head is not None and not isnan(head.get("latest_actual")) and head["status"] != GREY:
        demo = demo_badge() if bool(head.get("is_demo")) else ""
        period = fmt.period_label_zh(head.get("latest_period"))
        parts += [
            f'<div class="shiwu-metric"{_core_attrs(head)}>核心指标：{esc(str(head["metric_zh"]))}{demo}</div>',
            f'<div class="shiwu-big" data-headline="{esc(str(head["target_id"]))}">{esc(actual_text(head))}</div>',
            f'<div class="shiwu-small">目标 {esc(target_label(head))}<br>截至{esc(period)}</div>',
        ]
        if head["kind"] != "growth_rate" and not isnan(head.get("completion")):
            parts.append(f'<div class="shiwu-reason">完成{fmt.share(head["completion"])} · {esc(time_progress_text(head))}</div>')
            parts.append(progress_bar(head["completion"], head["time_progress"], head["status"]))
        reason = str(head.get("reason") or "")
        if head["kind"] != "growth_rate" and not isnan(head.get("completion")):
            reason = re.sub(r"^完成-?\d+%，", "", reason)  # the completion is on the line above
        parts.append(f'<div class="shiwu-reason">{esc(reason)}</div>')
    elif head is not None:
        parts += [
            f'<div class="shiwu-metric"{_core_attrs(head)}>核心指标：{esc(str(head["metric_zh"]))}</div>',
            f'<div class="shiwu-big" style="color:#888" data-headline="{esc(str(head["target_id"]))}">暂无数据</div>',
            f'<div class="shiwu-small">目标 {esc(target_label(head))}</div>',
        ]
    else:
        parts.append('<div class="shiwu-metric">暂无量化目标</div>')
    n_play = int(r["n_in_play"])
    parts += [
        stack_bar(counts),
        (f'<div class="shiwu-counts">在推进目标{n_play}项：绿{counts[GREEN]} 黄{counts[YELLOW]} 红{counts[RED]} 灰{counts[GREY]}</div>'
         if n_play else '<div class="shiwu-counts">本报告期无在推进的约束性目标</div>'),
    ]
    worst = r.get("worst") if hasattr(r, "get") else None
    if worst is not None and len(worst):
        parts.append(f'<div class="shiwu-small" style="margin-top:4px">落后的目标（最多3项）：</div>{_worst_list(worst)}')
    mid = r.get("midpoint") if hasattr(r, "get") else None
    if isinstance(mid, dict):
        parts.append(f'<div class="shiwu-mid" data-midpoint="{mid["state"]}">{light_dot(mid["state"])}{esc(mid["text"])}</div>')
    parts += [
        f'<a class="shiwu-link" href="{esc(links.project(no, report_date))}" data-project-link="{no}">查看工程详情 →</a>',
        "</div>",
    ]
    return "".join(parts)


def ranking_table(rk: pd.DataFrame, links: Links = LIVE, report_date: date | None = None) -> str:
    cols = [
        ("名次", lambda r: str(int(r["rank"])), True),
        ("工程", lambda r: f'<a class="shiwu-link" style="font-size:16px" href="{esc(links.project(int(r["project_no"]), report_date))}">'
                          f'{esc(project_label(r["project_no"], r["short_zh"]))}</a>'),
        ("总灯", lambda r: light_cell(r["light"])),
        ("得分（平均快慢，百分点）", lambda r: esc(fmt.signed_pp(r["score_pp"])), True),
        ("位次变化", lambda r: esc(rank_change_text(r.get("rank_change"))), True),
        ("连续红灯", lambda r: esc(red_streak_text(r.get("red_streak")) or "—")),
        ("绿灯占比", lambda r: esc(fmt.share(r["share_green"])), True),
        ("绿/黄/红/灰", lambda r: f'{int(r["n_green"])} / {int(r["n_yellow"])} / {int(r["n_red"])} / {int(r["n_grey"])}', True),
        ("牵头单位", lambda r: esc(str(r["lead_unit"]))),
    ]
    return html_table(rk, cols, attrs='data-table="ranking"')


def units_table(units: pd.DataFrame) -> str:
    """牵头单位 view: per lead unit its projects, targets' lights, rank and late returns."""
    cols = [
        ("名次", lambda r: str(int(r["rank"])), True),
        ("牵头单位", lambda r: f'<b>{esc(str(r["lead_unit"]))}</b>'),
        ("牵头工程", lambda r: esc(str(r["projects"]))),
        ("灯", lambda r: light_cell(r["light"])),
        ("在推进目标 绿/黄/红/灰", lambda r: f'{int(r["n_green"])} / {int(r["n_yellow"])} / {int(r["n_red"])} / {int(r["n_grey"])}', True),
        ("得分", lambda r: esc(fmt.signed_pp(r["score_pp"])), True),
        ("位次变化", lambda r: esc(rank_change_text(r.get("rank_change"))), True),
        ("未报表单", lambda r: (f'<b style="color:#b00020">{int(r["late_tables"])}张（逾期{int(r["days_late"])}天）</b>'
                                 if r["late_overdue"] else (f'{int(r["late_tables"])}张（未到截止日）' if r["late_tables"] else "—"))),
    ]
    return html_table(units, cols, row_class=lambda r: "shiwu-overdue" if r["late_overdue"] else "", attrs='data-table="lead-units"')


def late_table(late: pd.DataFrame) -> str:
    cols = [
        ("牵头单位", lambda r: esc(str(r["lead_unit"]))),
        ("工程", lambda r: esc(r["project"])),
        ("未报送表单", lambda r: esc(r["missing"])),
        ("报送截止", lambda r: esc(fmt.date_zh(r["deadline"]))),
        ("逾期", lambda r: f'<b style="color:#b00020" data-days-late="{int(r["days_late"])}">逾期{int(r["days_late"])}天</b>'
                          if r["overdue"] else "未到截止日", True),
    ]
    return html_table(late, cols, row_class=lambda r: "shiwu-overdue" if r["overdue"] else "", attrs='data-table="late-returns"')


def late_section(late: pd.DataFrame, quarter: date, demo_in_store: bool) -> str:
    label = fmt.quarter_zh(quarter)
    head = f"<h3>{esc(label)}报表报送情况</h3>" + (demo_badge("报送记录含示例数据") if demo_in_store else "")
    if late.empty:
        return head + f'<div class="shiwu-empty" data-late="0" data-chase-quarter="{quarter.isoformat()}">{esc(label)}三张表单（主要指标、重点任务、问题销号）均已报送。</div>'
    n_over = int(late["overdue"].sum())
    n_tables = int(late["n_missing"].sum()) if "n_missing" in late.columns else len(late)
    return head + (
        f'<div class="shiwu-note" data-late="{len(late)}" data-chase-quarter="{quarter.isoformat()}">{len(late)}项工程共{n_tables}张表单未报送'
        f'{f"，其中{n_over}项已逾期（截止日为季度结束后10天）" if n_over else ""}：</div>' + late_table(late))


# -- project page -----------------------------------------------------------------------------

def source_cell(is_demo, source_types="", derived=False) -> str:
    """来源 column: 示例数据 label for demo values, else 公开发布 / 部门报表; 推算 for a value computed
    from published parts (e.g. 进口 = 进出口 − 出口)."""
    if bool(is_demo):
        return demo_badge()
    st = str(source_types or "")
    tail = "（推算）" if derived is True or (not isnan(derived) and bool(derived)) else ""
    if "return" in st:
        return "部门报表" + tail
    if "published" in st:
        return "公开发布" + tail
    return ""


def targets_table(st: pd.DataFrame, attr: str = "targets") -> str:
    cols = [
        ("目标", lambda r: esc(str(r["metric_zh"])) + ("" if not r["stretch"] or "力争" in str(r["metric_zh"]) else ' <span class="shiwu-sub">（力争）</span>')),
        ("目标值", lambda r: esc(target_label(r))),
        ("最新实际", lambda r: esc(actual_text(r)) + (f'<br><span class="shiwu-sub">{esc(fmt.period_label_zh(r["latest_period"]))}</span>'
                                                    if not isnan(r["latest_period"]) else ""), True),
        ("完成", lambda r: esc(fmt.share(r["completion"])) if r["kind"] != "growth_rate" else "—", True),
        ("序时进度", lambda r: esc(time_progress_text(r)) if r["kind"] != "growth_rate" else "—", True),
        ("灯", lambda r: light_cell(r["status"])),
        ("说明", lambda r: esc(str(r["reason"] or ""))),
        ("来源", lambda r: source_cell(r["is_demo"], r.get("source_types"), r.get("derived", False))),
    ]
    return html_table(st, cols, attrs=f'data-table="{attr}"')


def targets_sections_html(sections: dict, report_date: date) -> str:
    """The project's targets: in play at the report date (open), ended and not yet begun (folded)."""
    play, ended, future = sections["play"], sections["ended"], sections["future"]
    if not (len(play) or len(ended) or len(future)):
        return empty_state("该工程没有量化目标。")
    parts = []
    if len(play):
        parts.append(f'<h3>在推进的目标（{len(play)}项）</h3>' + targets_table(play, "targets"))
    else:
        parts.append(empty_state("本报告期没有在推进的目标。"))
    if len(ended):
        parts.append(f'<details><summary class="shiwu-note" style="font-size:17px;cursor:pointer">已到期的目标（{len(ended)}项，'
                     f'目标年份早于{report_date.year}年；点击展开）</summary>{targets_table(ended, "targets-ended")}</details>')
    if len(future):
        parts.append(f'<details><summary class="shiwu-note" style="font-size:17px;cursor:pointer">尚未开始的目标（{len(future)}项，'
                     f'点击展开）</summary>{targets_table(future, "targets-future")}</details>')
    return "".join(parts)


def midpoint_tables(mp: pd.DataFrame, with_project: bool = False) -> str:
    if mp.empty:
        return empty_state(f"没有{MID}年目标或{FINAL}年目标。")
    base = []
    if with_project:
        base.append(("工程", lambda r: esc(project_label(r["project_no"], r["project_short"]))))
    base += [
        ("目标", lambda r: esc(str(r["metric_zh"])) + ("（力争）" if bool(r.get("stretch")) and "力争" not in str(r["metric_zh"]) else "")),
        ("目标值", lambda r: esc(target_label(r))),
        (f"{MID}年末实际", lambda r: esc(actual_text(r)), True),
    ]
    t25 = mp[mp["check"] == "target_2025"]
    t27 = mp[mp["check"] == "span_2027"]

    def met_cell(r):
        if r["met"] is True or r["met"] == True:  # noqa: E712 - pandas object column
            return '<b style="color:#2e9d4c">✓ 已完成</b>'
        if r["met"] is False or r["met"] == False:  # noqa: E712
            return '<b style="color:#d63a2f">✗ 未完成</b>'
        return '<span style="color:#888">暂无数据</span>'

    def gap_cell(r):
        if isnan(r["gap"]):
            return "—"
        if float(r["gap"]) <= 0:
            return "已达到"
        return esc(fmt.pp(r["gap"]) if r["kind"] == "growth_rate" else fmt.value(r["gap"], r["unit"]))

    def track_cell(r):
        if r["on_track"] is True or r["on_track"] == True:  # noqa: E712
            return '<b style="color:#2e9d4c">达到序时</b>'
        if r["on_track"] is False or r["on_track"] == False:  # noqa: E712
            return '<b style="color:#d63a2f">落后序时</b>'
        return '<span style="color:#888">暂无数据</span>'

    def demo_cell(r):
        return demo_badge() if bool(r.get("is_demo")) else ""

    parts = []
    if len(t25):
        n_met = int((t25["met"] == True).sum())  # noqa: E712
        n_miss = int((t25["met"] == False).sum())  # noqa: E712
        parts.append(f'<h3>{MID}年目标完成情况（{len(t25)}项：完成{n_met}项，未完成{n_miss}项，'
                     f'暂无数据{len(t25) - n_met - n_miss}项）</h3>')
        parts.append(html_table(t25, base + [("是否完成", met_cell), ("差距", gap_cell, True),
                                             ("说明", lambda r: esc(str(r["reason_zh"] or ""))), ("来源", demo_cell)],
                                attrs='data-table="midpoint-2025"'))
    if len(t27):
        n_ok = int((t27["on_track"] == True).sum())  # noqa: E712
        parts.append(f'<h3>{FINAL}年目标中期进度（{len(t27)}项，{n_ok}项为绿灯：达到序时进度且预计如期完成）</h3>')
        parts.append(html_table(t27, base + [
            (f"{MID}年末完成", lambda r: esc(fmt.share(r["completion"])) if r["kind"] != "growth_rate" else "—", True),
            ("应达到", lambda r: esc(fmt.share(r["expected_progress"])) if r["kind"] != "growth_rate" else "达到目标增速", True),
            ("快(+)/慢(−)", lambda r: esc(fmt.signed_pp(r["midpoint_ahead_pp"])) if r["kind"] != "growth_rate" else gap_cell(r), True),
            ("判断", track_cell), ("说明", lambda r: esc(str(r["reason_zh"] or ""))), ("来源", demo_cell)],
            attrs='data-table="midpoint-2027"'))
    return "".join(parts)


def tasks_table(tasks: pd.DataFrame, report_date: date | None = None) -> str:
    """重点任务: each task with its own year and deadline (a 2023 task is a 2023 task, not one due at
    the end of the report year)."""
    def status_cell(r):
        s = r["status"]
        late = (f'<br><span class="shiwu-streak" data-task-overdue="true">逾期（{esc(fmt.date_zh(r["own_due"]))}到期）</span>'
                if bool(r.get("overdue")) else "")
        if isnan(s):
            return '<span style="color:#888">未报送</span>' + late
        c = STATUS_COLOURS.get(TASK_STATUS_COLOURS.get(s, ""), TASK_STATUS_COLOURS.get(s, "#444"))
        return f'<b style="color:{c};white-space:nowrap">{esc(str(s))}</b>' + late

    def pct_cell(r):
        return "—" if isnan(r["progress_pct"]) else fmt.percent(r["progress_pct"], 0)

    def due_cell(r):
        own = r.get("own_due")
        if own is not None and not isnan(own):   # the task's own deadline (end of its year)
            text = fmt.date_zh(own)
            given = r.get("due")
            if not isnan(given) and str(given).strip() and str(given).strip() != text:
                text += f'<br><span class="shiwu-small">报表填：{esc(str(given))}</span>'
            return f'<span data-task-due="{own.isoformat()}">{text}</span>'
        if not isnan(r.get("due")):
            return esc(str(r["due"]))
        return f'{int(r["year"])}年内' if not isnan(r.get("year")) else ""

    cols = [
        ("序号", lambda r: "" if isnan(r["seq"]) else f'{int(r["year"])}-{int(r["seq"])}', True),
        ("年度", lambda r: "" if isnan(r.get("year")) else f'{int(r["year"])}年度'),
        ("重点工作", lambda r: esc(str(r["text_zh"])) if not isnan(r["text_zh"]) else esc(str(r["task_id"]))),
        ("完成时限", due_cell),
        ("状态", status_cell),
        ("进度", pct_cell, True),
        ("进展情况", lambda r: "" if isnan(r["progress_text"]) else esc(str(r["progress_text"]))),
        ("牵头单位", lambda r: "" if isnan(r["lead_unit"]) else esc(str(r["lead_unit"]))),
        ("来源", lambda r: source_cell(r["source_type"] == "demo", r["source_type"])),
    ]
    return html_table(tasks, cols, attrs='data-table="tasks"')


def problems_table(pr: pd.DataFrame, report_date: date) -> str:
    def overdue(r):
        due = r["due"]
        return (not bool(r["struck_off"]) and not isnan(due) and pd.Timestamp(due).date() < report_date)

    def state(r):
        if bool(r["struck_off"]):
            return '<b style="color:#2e9d4c">已销号</b>'
        if overdue(r):
            return '<b style="color:#d63a2f">逾期未销号</b>'
        return '<b style="color:#e0a800">未销号</b>'

    cols = [
        ("问题清单", lambda r: esc(str(r["problem_text"]))),
        ("销号时限", lambda r: "" if isnan(r["due"]) else esc(fmt.date_zh(pd.Timestamp(r["due"]).date()))),
        ("销号状态", state),
        ("进展情况", lambda r: "" if isnan(r["progress_text"]) else esc(str(r["progress_text"]))),
        ("责任单位", lambda r: "" if isnan(r["responsible"]) else esc(str(r["responsible"]))),
        ("来源", lambda r: source_cell(r["source_type"] == "demo", r["source_type"])),
    ]
    return html_table(pr, cols, row_class=lambda r: "shiwu-overdue" if overdue(r) else "", attrs='data-table="problems"')


def project_head(pd_: dict, links: Links = LIVE, permalink: str | None = None) -> str:
    """The project's title block: name, light, convenors, lead and responsible units, report date."""
    proj, light, counts = pd_["project"], pd_["light"], pd_["counts"]
    no, rd, known = pd_["project_no"], pd_["report_date"], pd_["known_at"]
    name = str(proj["name_zh"])
    convenors = "、".join(list(proj["convenors"])) if proj["convenors"] is not None else ""
    resp = "、".join(list(proj["responsible_units"])) if proj["responsible_units"] is not None else ""
    link = permalink or links.project(no, rd)
    return (
        f'<div class="shiwu-project" data-project="{int(no)}" data-status="{light}" data-name="{esc(name)}" '
        f'data-report-date="{rd.isoformat()}" data-known-at="{known.isoformat()}">'
        f'<h2 style="border-left-color:{STATUS_COLOURS[light]}">{fmt.cn_number(int(no))}、{esc(name)} {light_chip(light)}</h2>'
        f'<div class="shiwu-kv"><b>召集人：</b>{esc(convenors)}　<b>牵头单位：</b>{esc(str(proj["lead_unit"]))}</div>'
        f'<div class="shiwu-kv"><b>责任单位：</b>{esc(resp)}</div>'
        f'<div class="shiwu-note">报告期：{fmt.quarter_zh(rd)}末；数据截至{fmt.date_zh(known)}。'
        f'在推进的约束性目标{len(pd_["play"])}项：绿{counts[GREEN]} 黄{counts[YELLOW]} 红{counts[RED]} 灰{counts[GREY]}。'
        f'<span class="shiwu-noprint">本页链接：<a href="{esc(link)}" data-permalink="true">{esc(link)}</a></span></div>'
        + (demo_banner() if pd_["any_demo"] else "") + "</div>")


def trajectory_caption(data: dict) -> str:
    """The line under a trajectory chart: its light and the engine's reason (verbatim)."""
    if not data.get("reason"):
        return ""
    return (f'<div class="shiwu-caption" data-caption="{esc(str(data.get("target_id", "")))}">'
            f'{light_dot(data.get("status", GREY))}<b>{fmt.status_zh(data.get("status"))}</b> · {esc(str(data["reason"]))}</div>')


TRAJECTORY_NOTE = (f"蓝色实线：目标路径（从基期值到目标值；累计类从0起）；浅绿色带：绿灯区间（慢于序时进度5个百分点以内）；"
                   f"蓝色虚线：“力争”目标；灰色点线：按当前进度预计；金色星号：{MID}年目标（空心星：{MID}年末序时值）；"
                   "红色竖线：报告期。鼠标悬停可查看数值、单位、期别和来源。")


def midpoint_cards(state: dict) -> str:
    s = state
    return (
        '<div class="shiwu-cards" style="grid-template-columns:repeat(auto-fit,minmax(220px,1fr))" data-summary="midpoint">'
        f'<div class="shiwu-card" data-kpi="met-2025" style="border-top-color:{STATUS_COLOURS[GREEN]}"><div class="shiwu-metric">{MID}年目标已完成</div><div class="shiwu-big">{s["met25"]}项</div><div class="shiwu-small">约束性目标共{s["n25"]}项</div></div>'
        f'<div class="shiwu-card" data-kpi="missed-2025" style="border-top-color:{STATUS_COLOURS[RED]}"><div class="shiwu-metric">{MID}年目标未完成</div><div class="shiwu-big">{s["missed25"]}项</div><div class="shiwu-small">暂无数据{s["n25"] - s["met25"] - s["missed25"]}项</div></div>'
        f'<div class="shiwu-card" data-kpi="ontrack-2027" style="border-top-color:{STATUS_COLOURS[GREEN]}"><div class="shiwu-metric">{FINAL}年目标绿灯（达到序时且预计如期完成）</div><div class="shiwu-big">{s["ok27"]}项</div><div class="shiwu-small">约束性目标共{s["n27"]}项</div></div>'
        f'<div class="shiwu-card" data-kpi="behind-2027" style="border-top-color:{STATUS_COLOURS[RED]}"><div class="shiwu-metric">{FINAL}年目标落后序时</div><div class="shiwu-big">{s["behind27"]}项</div><div class="shiwu-small">暂无数据{s["n27"] - s["ok27"] - s["behind27"]}项</div></div>'
        "</div>")


def landing_html(report_date: date | None, known_at: date | None, demo: bool, links: Links = LIVE,
                 projects: pd.DataFrame | None = None) -> str:
    """The front door: the plan's title, the three dashboards, the report date, the 示例数据 note."""
    items = [(links.overview, "总览", "十项工程的灯号、核心指标、落后目标及原因、晾晒排名与位次变化、牵头单位、催报"),
             (links.project_index, "工程详情", "每项工程的目标路径、距目标差距、中期评估、重点任务、问题销号"),
             (links.midpoint, f"{MID}年中期评估", f"{MID}年目标是否完成、{FINAL}年目标是否达到序时进度")]
    cards = "".join(f'<a class="shiwu-card" style="text-decoration:none;color:inherit" href="{esc(h)}" data-landing="{esc(t)}">'
                    f'<span class="shiwu-card-title">{esc(t)}</span><span class="shiwu-small">{esc(d)}</span></a>' for h, t, d in items)
    when = (f"报告期：{fmt.quarter_zh(report_date)}末" if report_date else "") + (f"；数据截至{fmt.date_zh(known_at)}" if known_at else "")
    plist = ""
    if projects is not None and len(projects):
        plist = '<div class="shiwu-note shiwu-nav">' + "".join(
            f'<a class="shiwu-link" href="{esc(links.project(int(n), report_date))}">{esc(project_label(n, s))}</a>'
            for n, s in zip(projects["project_no"], projects["short_zh"])) + "</div>"
    return (f'<div class="shiwu-page shiwu-root" data-landing-page="true"><h1>{esc(PLAN.region)}市“{esc(PLAN.programme)}”进展看板</h1>'
            f'<div class="shiwu-sub">{esc(PLAN.document_no)} · {esc(PLAN.span_zh)}</div>'
            f'<div class="shiwu-note" data-report-date="{report_date.isoformat() if report_date else ""}">{esc(when)}</div>'
            + (demo_banner() if demo else "")
            + f'<div class="shiwu-cards" style="grid-template-columns:repeat(auto-fit,minmax(260px,1fr))">{cards}</div>{plist}</div>')
