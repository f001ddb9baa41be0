"""The 季分析会 deck (python-pptx, 16:9): native, editable text and tables; charts as pictures.

Slides: title; 总体情况 (light counts, the light-share chart); 晾晒排名 (table with 位次变化, then the
ranking chart); per project one slide (headline trajectory, light counts, key tasks and problems),
one slide per part of its 距目标差距 chart (:func:`gap_slides`) and one slide of its red and yellow
targets with their reasons (the engine's ``reason`` verbatim),
each with the 序时 its light used and that date; the 2025 midpoint summary (and its charts);
late returns when there are any (``db.late_returns``); 数据说明 (sources by publisher, title, date and
grade, from the reviewed register). Pictures are embedded as ≤ 1920 px copies (:func:`.images.embedded_png`).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import fmt
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)
from ..api import MIDPOINT_DATE
from .common import (DEMO, DEMO_NOTE_DECK, GRADE_ZH, GREEN, GREY, LIGHTS, RED, YELLOW, date_zh, isnan,
                     period_zh, project_label, quarter_zh, share, span_zh, status_zh)
from .data import PackData, headline_rows, latest_source_type
from .images import ChartFile, embedded_png
from . import sources as _sources

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
FONT_EA = "Microsoft YaHei"          # 微软雅黑 on the meeting room's PCs; LibreOffice substitutes a CJK font
FONT_LATIN = "Arial"
TITLE_BAND = "1F3864"
LIGHT_RGB = {GREEN: "2E9D4C", YELLOW: "E0A800", RED: "D63A2F", GREY: "9AA0A6"}
LIGHT_TEXT = {GREEN: "FFFFFF", YELLOW: "000000", RED: "FFFFFF", GREY: "000000"}
HEADER_FILL = "DCE6F1"
MAX_TARGET_ROWS = 7                  # red / yellow targets on a project's second slide
MAX_SOURCE_ROWS = 11
DECK_PICTURE_PX = 1920               # pictures embedded ≤ 1920 px wide: a full-HD projector's width


def _rgb(hex_):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_)


def _font(run, size=14, bold=False, colour="222222", ea=FONT_EA):
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    f = run.font
    f.size = Pt(size)
    f.bold = bold
    f.name = FONT_LATIN
    f.color.rgb = _rgb(colour)
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", ea)


def _text(frame, paragraphs, size=14, colour="222222", bold=False, align=None, spacing=None):
    """Fill a text frame: ``paragraphs`` is a list of str or of [(text, {bold, colour, size})] runs."""
    from pptx.util import Pt

    frame.word_wrap = True
    frame.clear()
    for i, para in enumerate(paragraphs):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if align is not None:
            p.alignment = align
        if spacing:
            p.space_after = Pt(spacing)
        runs = [(para, {})] if isinstance(para, str) else para
        for text, kw in runs:
            r = p.add_run()
            r.text = text
            _font(r, kw.get("size", size), kw.get("bold", bold), kw.get("colour", colour))


def _box(slide, x, y, w, h, paragraphs, size=14, colour="222222", bold=False, fill=None, align=None, spacing=4,
         anchor=None):
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Inches, Pt

    tb = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    tf = tb.text_frame
    tf.margin_left = tf.margin_right = Inches(0.08)
    tf.margin_top = tf.margin_bottom = Inches(0.04)
    tf.vertical_anchor = anchor or MSO_ANCHOR.TOP
    if fill:
        tb.fill.solid()
        tb.fill.fore_color.rgb = _rgb(fill)
    _text(tf, paragraphs, size, colour, bold, align, spacing)
    return tb


def _width(text: str) -> float:
    """Display width in 'half ems': CJK 2, others 1."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.0 for ch in str(text))


def _lines(text: str, width_in: float, size_pt: float) -> int:
    per_line = max(1.0, width_in * 72 / size_pt * 2 * 0.8)    # half-ems per line (CJK glyphs run a little wide)
    return max(1, -(-int(_width(text)) // int(per_line)))


class Deck:
    def __init__(self, data: PackData):
        from pptx import Presentation
        from pptx.util import Inches

        self.data = data
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
        self.blank = self.prs.slide_layouts[6]
        self.q = quarter_zh(data.as_of)

    # -- building blocks ----------------------------------------------------------------------
    def slide(self, title: str, subtitle: str | None = None, demo: bool = False):
        from pptx.enum.shapes import MSO_SHAPE
        from pptx.enum.text import MSO_ANCHOR
        from pptx.util import Inches

        s = self.prs.slides.add_slide(self.blank)
        band = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, self.prs.slide_width, Inches(0.85))
        band.fill.solid()
        band.fill.fore_color.rgb = _rgb(TITLE_BAND)
        band.line.fill.background()
        size = 26 if _width(title) <= 60 else 22
        _box(s, 0.35, 0.08, 10.9 if demo else 12.6, 0.7, [title], size=size, colour="FFFFFF", bold=True,
             anchor=MSO_ANCHOR.MIDDLE)
        if demo:
            _box(s, 11.45, 0.2, 1.6, 0.45, [DEMO], size=14, colour="B00020", bold=True, fill="FFF5F5",
                 align=_center(), anchor=MSO_ANCHOR.MIDDLE)
        if subtitle:
            _box(s, 0.35, 0.9, 12.6, 0.4, [subtitle], size=13, colour="444444")
        # footer: the pack's date line on every slide
        _box(s, 0.35, 7.1, 12.6, 0.3, [f"义乌市“十项重大工程”季度分析会 · {self.q} · 报告期{date_zh(self.data.as_of)} · "
                                       f"数据截至{date_zh(self.data.known_at)}"], size=9, colour="888888")
        return s

    def picture(self, slide, path: Path, x, y, w, h):
        """The chart as a picture fitted (aspect kept) into the box, centred."""
        from PIL import Image
        from pptx.util import Inches

        with Image.open(path) as im:
            pw, ph = im.size
        scale = min(w / pw, h / ph)
        dw, dh = pw * scale, ph * scale
        return slide.shapes.add_picture(embedded_png(path, DECK_PICTURE_PX), Inches(x + (w - dw) / 2),
                                        Inches(y + (h - dh) / 2), Inches(dw), Inches(dh))

    def table(self, slide, x, y, w, columns: list[tuple[str, float]], rows: list[list], size=12,
              light_col: int | None = None, lights: list | None = None, row_h=0.36, header_size=None,
              align_center: set[int] | None = None):
        """A native table; ``columns`` are (header, relative width); ``lights`` colour ``light_col``."""
        from pptx.enum.text import MSO_ANCHOR
        from pptx.util import Inches

        n_rows = len(rows) + 1
        shape = slide.shapes.add_table(n_rows, len(columns), Inches(x), Inches(y), Inches(w), Inches(row_h * n_rows))
        tbl = shape.table
        total = sum(c[1] for c in columns)
        for j, (_, cw) in enumerate(columns):
            tbl.columns[j].width = Inches(w * cw / total)
        for i in range(n_rows):
            tbl.rows[i].height = Inches(row_h)
        centre = align_center or set()
        for j, (name, _) in enumerate(columns):
            c = tbl.cell(0, j)
            c.fill.solid()
            c.fill.fore_color.rgb = _rgb(HEADER_FILL)
            c.vertical_anchor = MSO_ANCHOR.MIDDLE
            _text(c.text_frame, [name], header_size or size, "000000", True, _center())
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                c = tbl.cell(i, j)
                c.margin_left = c.margin_right = Inches(0.05)
                c.margin_top = c.margin_bottom = Inches(0.02)
                c.vertical_anchor = MSO_ANCHOR.MIDDLE
                c.fill.solid()
                c.fill.fore_color.rgb = _rgb("FFFFFF" if i % 2 else "F4F6F9")
                colour, bold = "222222", False
                if light_col is not None and j == light_col and lights is not None:
                    k = lights[i - 1] if lights[i - 1] in LIGHT_RGB else GREY
                    c.fill.fore_color.rgb = _rgb(LIGHT_RGB[k])
                    colour, bold = LIGHT_TEXT[k], True
                _text(c.text_frame, [str(v)], size, colour, bold, _center() if (j in centre or (light_col == j)) else None)
        return tbl

    def save(self, path: Path) -> Path:
        self.prs.core_properties.title = f"义乌市“十项重大工程”季度分析会（{self.q}）"
        self.prs.core_properties.author = "shiwu"
        self.prs.save(str(path))
        return path


def _center():
    from pptx.enum.text import PP_ALIGN

    return PP_ALIGN.CENTER


def _counts_text(c: dict) -> str:
    return f"绿灯{c[GREEN]}项、黄灯{c[YELLOW]}项、红灯{c[RED]}项、暂无数据{c[GREY]}项"


def _kpi(slide, x, y, w, label, value, note, colour="1F3864"):
    _box(slide, x, y, w, 0.4, [label], size=14, colour="444444")
    _box(slide, x, y + 0.38, w, 0.8, [value], size=36, colour=colour, bold=True)
    _box(slide, x, y + 1.2, w, 0.7, [note], size=12, colour="444444")


# ----------------------------------------------------------------------------------------------
# slides
# ----------------------------------------------------------------------------------------------

def title_slide(d: Deck):
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR
    from pptx.util import Inches

    data = d.data
    s = d.prs.slides.add_slide(d.blank)
    band = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, Inches(2.0), d.prs.slide_width, Inches(2.4))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(TITLE_BAND)
    band.line.fill.background()
    _box(s, 0.6, 2.15, 12.1, 1.1, ["义乌市“十项重大工程”推进情况"], size=40, colour="FFFFFF", bold=True,
         align=_center(), anchor=MSO_ANCHOR.MIDDLE)
    _box(s, 0.6, 3.2, 12.1, 0.9, [f"{d.q}分析会材料"], size=30, colour="FFFFFF", align=_center(),
         anchor=MSO_ANCHOR.MIDDLE)
    _box(s, 0.6, 4.7, 12.1, 1.2, [f"报告期：{date_zh(data.as_of)}（{d.q}末）",
                                 f"数据截至：{date_zh(data.known_at)}　依据：义政办发〔2023〕15号"],
         size=18, colour="222222", align=_center())
    _box(s, 0.6, 6.0, 12.1, 0.5, ["“十项重大工程”总专班办公室（市发改局）"], size=16, colour="444444", align=_center())
    if data.demo:
        _box(s, 1.2, 0.6, 10.9, 1.0, [DEMO_NOTE_DECK], size=16, colour="B00020", bold=True, fill="FFF5F5",
             align=_center(), anchor=MSO_ANCHOR.MIDDLE)
    return s


def overview_slide(d: Deck, chart: ChartFile | None):
    data = d.data
    st, play, rk = data.st, data.play, data.ranking
    counts = views.light_counts(st["status"])
    pc = views.light_counts(play["status"])
    lights = views.light_counts(rk["light"])
    demo = data.demo
    s = d.slide(f"一、总体情况（{d.q}）", f"截至{date_zh(data.as_of)}，数据截至{date_zh(data.known_at)}", demo=demo)
    x, w = 0.4, 4.6
    _kpi(s, x, 1.35, w, "量化目标（项）", f"{len(st)}",
         f"有数据{len(st) - counts[GREY]}项：{_counts_text(counts)}")
    _kpi(s, x, 3.25, w, "报告期在推进的约束性目标（项）", f"{len(play)}", _counts_text(pc))
    _kpi(s, x, 5.15, w, "红灯工程（个）", f"{lights[RED]}",
         f"绿灯工程{lights[GREEN]}个、黄灯工程{lights[YELLOW]}个、红灯工程{lights[RED]}个、暂无数据{lights[GREY]}个",
         colour=LIGHT_RGB[RED])
    if chart is not None:
        d.picture(s, chart.path, 5.2, 1.35, 7.9, 5.55)
    else:
        rows = [[project_label(r.project_no, r.short_zh), r.n_green, r.n_yellow, r.n_red, r.n_grey, status_zh(r.light)]
                for r in rk.sort_values("project_no").itertuples()]
        d.table(s, 5.3, 1.4, 7.7, [("工程", 3), ("绿灯", 1), ("黄灯", 1), ("红灯", 1), ("灰灯", 1), ("工程总灯", 1.4)],
                rows, size=12, light_col=5, lights=list(rk.sort_values("project_no")["light"]), align_center={1, 2, 3, 4})
    return s


def ranking_slide(d: Deck):
    data = d.data
    rk = data.ranking.sort_values("rank")
    s = d.slide(f"二、晾晒排名（{d.q}）", "按在推进的约束性目标快于（+）/慢于（−）序时进度的平均百分点排名（单项±50个百分点封顶）；"
                                          "位次变化与上季度末相比", demo=bool(rk["any_demo"].any()))
    rows = []
    for r in rk.itertuples():
        rows.append([int(r.rank), views.rank_change_text(r.rank_change), project_label(r.project_no, r.short_zh),
                     r.lead_unit, fmt.signed_pp(r.score_pp).replace("个百分点", "") if not isnan(r.score_pp) else "—",
                     int(r.n_targets), int(r.n_green), int(r.n_yellow), int(r.n_red), int(r.n_grey),
                     status_zh(r.light), f"{int(r.red_streak)}" if int(r.red_streak) else "—"])
    cols = [("排名", 0.8), ("位次变化", 1.1), ("工程", 1.9), ("牵头单位", 1.6), ("得分", 1.0), ("目标", 0.8),
            ("绿灯", 0.8), ("黄灯", 0.8), ("红灯", 0.8), ("灰灯", 0.8), ("工程总灯", 1.2), ("连续红灯（季）", 1.4)]
    d.table(s, 0.4, 1.4, 12.5, cols, rows, size=14, light_col=10, lights=list(rk["light"]), row_h=0.46,
            align_center={0, 1, 4, 5, 6, 7, 8, 9, 11})
    red = [str(x) for x in rk.loc[rk["light"] == RED, "short_zh"]]
    note = (f"工程总灯为红灯的有{'、'.join(red)}（{len(red)}个），须加快推进。" if red else "无红灯工程。")
    _box(s, 0.4, 6.65, 12.5, 0.4, [note], size=13, colour="444444")
    return s


def chart_slide(d: Deck, title: str, chart: ChartFile, subtitle: str | None = None):
    s = d.slide(title, subtitle, demo=chart.demo)
    top = 1.35 if subtitle else 1.0
    d.picture(s, chart.path, 0.4, top, 12.5, 7.0 - top)
    return s


def _headline_text(head, sources) -> str:
    from .briefing import headline_sentence

    return headline_sentence(head, sources)


def _tp_text(r) -> str:
    """序时进度60%（2025年12月31日）, 数据滞后 when it is the report date because the data are old."""
    if r.get("kind") == "growth_rate":
        when = r.get("time_progress_date")
        return "增速类，按目标增速判定" + (f"（{date_zh(when)}）" if not isnan(when) else "")
    if isnan(r.get("time_progress")):
        return "—"
    when = r.get("time_progress_date")
    text = share(r["time_progress"]) + (f"（{date_zh(when)}）" if not isnan(when) else "")
    return text + ("，数据滞后" if bool(r.get("stale")) else "")


def project_slides(d: Deck, no: int, charts_by: dict):
    from .briefing import task_counts
    from .workbook import problem_open, task_overdue

    data = d.data
    p = data.projects.set_index("project_no").loc[no]
    r = data.ranking.set_index("project_no").loc[no]
    head = headline_rows(data).get(no)
    pp = data.play[data.play["project_no"] == no]
    c = views.light_counts(pp["status"])
    rank = (f"晾晒第{int(r['rank'])}名（位次变化{views.rank_change_text(r['rank_change'])}）"
            if not isnan(r["score_pp"]) else "暂未参与排名")
    title = f"（{fmt.cn_number(no)}）{p['name_zh']}"
    sub = f"牵头单位：{p['lead_unit']}　工程总灯：{status_zh(r['light'])}　{rank}"
    traj = (charts_by.get(("trajectory", no)) or [None])[0]
    demo = bool(pp["is_demo"].fillna(False).astype(bool).any()) or bool(traj and traj.demo)
    s = d.slide(title, sub, demo=demo)
    right_x = 0.4
    if traj is not None:
        d.picture(s, traj.path, 0.3, 1.35, 8.3, 4.67)
        right_x = 8.75
    w = SLIDE_W_IN - 0.4 - right_x
    # the light of the project and its counts, as a small native table
    d.table(s, right_x, 1.4, w, [("绿灯", 1), ("黄灯", 1), ("红灯", 1), ("暂无数据", 1.3)],
            [[c[GREEN], c[YELLOW], c[RED], c[GREY]]], size=16, row_h=0.42, align_center={0, 1, 2, 3}, header_size=12)
    _box(s, right_x, 2.3, w, 0.35, [f"在推进的约束性目标{len(pp)}项"], size=12, colour="444444")
    head_txt = _headline_text(head, data.sources) if head is not None else "该工程暂无约束性量化目标。"
    size = 13 if _lines(head_txt, w, 13) <= 9 else 11
    _box(s, right_x, 2.7, w, 3.3, [[("核心指标　", {"bold": True, "colour": TITLE_BAND})], head_txt], size=size)
    # key tasks and problems under the chart
    tc = task_counts(data, no)
    lines = []
    if tc["n_tasks"]:
        lines.append(f"重点任务{tc['n_tasks']}项：已完成{tc['done']}项" + (f"，逾期未完成{tc['overdue']}项" if tc["overdue"] else "，无逾期") + "。")
        t = data.tasks[data.tasks["project_no"] == no]
        late = [x for x in t.to_dict("records") if task_overdue(x, data.as_of)]
        for x in late[:2]:
            lines.append(f"· 逾期：{views.short_label(str(x.get('text_zh') or ''), 40)}（时限{x.get('due') or '—'}）")
    if tc["n_problems"]:
        lines.append(f"问题清单{tc['n_problems']}项：未销号{tc['open']}项。" if tc["open"] else f"问题清单{tc['n_problems']}项，均已销号。")
        pr = data.problems[data.problems["project_no"] == no]
        for x in [x for x in pr.to_dict("records") if problem_open(x)][:2]:
            lines.append(f"· 未销号：{views.short_label(str(x.get('problem_text') or ''), 40)}")
    if not lines:
        lines = ["重点任务、问题清单：本报告期暂无报送。"]
    # at most four one-line items under the chart (the workbook has the full 附件4 / 附件5 lists)
    heads = [x for x in lines if not x.startswith("·")]
    items = [x for x in lines if x.startswith("·")]
    lines = (heads + items)[:4]
    lines = [views.short_label(x, 78) for x in lines]
    _box(s, 0.4, 6.05, 12.5, 1.0, lines, size=11, colour="333333", spacing=0)

    # the gap to target of every in-play target with data (its chart split over parts), after the headline
    gap_slides(d, no, charts_by)

    # red and yellow targets with their reasons (the engine's sentence verbatim)
    ry = pp[pp["status"].isin([RED, YELLOW])].copy()
    if ry.empty:
        return
    ry["_o"] = ry["status"].map({RED: 0, YELLOW: 1})
    ry = ry.sort_values(["_o", "target_year", "target_id"])
    cols = [("目标", 2.3), ("目标值（期限）", 1.9), ("最新实际（期别）", 1.8), ("完成率", 0.8),
            ("序时进度（日期）", 1.8), ("灯", 0.6), ("原因", 4.6)]
    table_w, size = 12.7, 10.5
    total_w = sum(c[1] for c in cols)

    def row_lines(t) -> int:
        cells = _target_cells(t, data)
        return max(_lines(v, table_w * cw / total_w - 0.14, size) for v, (_, cw) in zip(cells, cols))

    # as many rows as fit in 5.3 in at ~0.19 in a line (red first); the rest are counted below the table
    budget, used_h, n = 5.3 - 0.45, 0.0, 0
    for _, t in ry.head(MAX_TARGET_ROWS).iterrows():
        h = 0.12 + 0.2 * row_lines(t)
        if used_h + h > budget and n:
            break
        used_h, n = used_h + h, n + 1
    shown = ry.head(n)
    s2 = d.slide(f"（{fmt.cn_number(no)}）{p['short_zh']}：红灯、黄灯目标",
                 f"红灯{c[RED]}项、黄灯{c[YELLOW]}项；原因为测算引擎的判定原文；序时进度为该目标亮灯所用的序时进度及其日期",
                 demo=bool(shown["is_demo"].fillna(False).astype(bool).any()))
    rows = [_target_cells(t, data) for _, t in shown.iterrows()]
    lights = list(shown["status"])
    tbl = d.table(s2, 0.3, 1.35, table_w, cols, rows, size=size, light_col=5, lights=lights, row_h=0.45,
                  header_size=11, align_center={3})
    from pptx.util import Inches

    for i, (_, t) in enumerate(shown.iterrows(), start=1):   # each row as tall as its longest cell
        tbl.rows[i].height = Inches(0.12 + 0.2 * row_lines(t))
    if len(ry) > len(shown):
        rest = ry.iloc[len(shown):]
        rc = views.light_counts(rest["status"])
        _box(s2, 0.3, 6.75, 12.7, 0.35, [f"另有红灯{rc[RED]}项、黄灯{rc[YELLOW]}项目标，见进度晾晒表“{project_label(no, p['short_zh'])}”页。"],
             size=11, colour="444444")


def gap_slides(d: Deck, no: int, charts_by: dict) -> list:
    """One slide per part of the project's 距目标差距 chart: the chart fitted to the left, beside it the
    light counts of the targets it shows and the three largest gaps (the engine's gap ÷ target value)."""
    from .images import gap_frame

    data = d.data
    charts = charts_by.get(("gap", no), [])
    if not charts:
        return []
    p = data.projects.set_index("project_no").loc[no]
    g = gap_frame(data, no)
    out = []
    for c in charts:
        part = f"（{c.part}/{c.parts}）" if c.parts > 1 else ""
        s = d.slide(f"（{fmt.cn_number(no)}）{p['short_zh']}：距目标差距{part}",
                    "在推进的约束性目标中有数据的各项，距目标还差多少（占目标值的%，已达到的为0或负值）；按差距从大到小",
                    demo=c.demo)
        d.picture(s, c.path, 0.3, 1.35, 9.7, 5.6)
        cnt = views.light_counts(g["status"]) if len(g) else {GREEN: 0, YELLOW: 0, RED: 0, GREY: 0}
        lines = [[("在推进、有数据的目标", {"bold": True, "colour": TITLE_BAND})],
                 f"共{len(g)}项：红灯{cnt[RED]}项、黄灯{cnt[YELLOW]}项、绿灯{cnt[GREEN]}项。"]
        top = g[g["gap_pct"] > 0].head(3)
        if len(top):
            lines.append([("差距最大的目标", {"bold": True, "colour": TITLE_BAND})])
            lines += [f"{views.short_label(str(r.metric_zh), 22)}：还差{r.gap_pct:.0f}%（{status_zh(r.status)}）"
                      for r in top.itertuples()]
        reached = int((g["gap_pct"] <= 0).sum()) if len(g) else 0
        if reached:
            lines.append(f"已达到目标值的{reached}项。")
        if c.demo:
            lines.append([("图中含示例数据，并非真实统计。", {"colour": "B00020"})])
        _box(s, 10.1, 1.45, 3.0, 5.4, lines, size=12, spacing=6)
        out.append(s)
    return out


def _target_cells(t, data) -> list[str]:
    """目标, 目标值（期限）, 最新实际（期别）, 完成率, 序时进度（日期）, 灯, 原因 (the engine's reason verbatim)."""
    actual = views.actual_text(t)
    per = period_zh(t["latest_period"]) if not isnan(t.get("latest_actual")) else ""
    comp = share(t["completion"]) if t["kind"] != "growth_rate" and not isnan(t["completion"]) else "—"
    src = "（示例数据）" if latest_source_type(t, data.sources) == "demo" else ""
    return [str(t["metric_zh"]), views.target_label(t), f"{actual}（{per}）{src}" if per else actual, comp,
            _tp_text(t), status_zh(t["status"]), str(t["reason"] or "")]


def midpoint_slides(d: Deck, charts_by: dict):
    data = d.data
    mp = data.midpoint
    firm = mp[~mp["stretch"].fillna(False).astype(bool)]
    t25, t27 = firm[firm["check"] == "target_2025"], firm[firm["check"] == "span_2027"]
    pre = data.pre_midpoint
    title = "三、2025年中期评估" + ("（中期目标进度）" if pre else "")
    s = d.slide(title, f"评估时点{date_zh(min(data.as_of, MIDPOINT_DATE))}，数据截至{date_zh(data.known_at)}；约束性目标",
                demo=bool(mp["is_demo"].any()))
    rows = []
    for p in data.projects.itertuples(index=False):
        a = t25[t25["project_no"] == p.project_no]
        b = t27[t27["project_no"] == p.project_no]
        met = int((a["met"] == True).sum())  # noqa: E712
        missed = int((a["met"] == False).sum())  # noqa: E712
        ok = int((b["on_track"] == True).sum())  # noqa: E712
        behind = int((b["on_track"] == False).sum())  # noqa: E712
        if pre:
            rows.append([project_label(p.project_no, p.short_zh), len(a), met, len(a) - met, len(b),
                         int((b["met"] == True).sum()), len(b) - int((b["met"] == True).sum())])  # noqa: E712
        else:
            rows.append([project_label(p.project_no, p.short_zh), len(a), met, missed, len(a) - met - missed,
                         len(b), ok, behind, len(b) - ok - behind])
    if pre:
        cols = [("工程", 2.2), ("2025年到期目标", 1.4), ("已提前完成", 1.2), ("推进中", 1.0), ("2027年目标", 1.3),
                ("已提前完成", 1.2), ("推进中", 1.0)]
    else:
        cols = [("工程", 2.0), ("2025年到期目标", 1.5), ("已完成", 1.0), ("未完成", 1.0), ("暂无数据", 1.0),
                ("2027年目标", 1.3), ("绿灯（达到序时）", 1.6), ("黄灯或红灯", 1.3), ("暂无数据", 1.0)]
    tot = ["合计"] + [sum(r[i] for r in rows) for i in range(1, len(cols))]
    d.table(s, 0.4, 1.4, 8.3, cols, rows + [tot], size=12, row_h=0.42, align_center=set(range(1, len(cols))),
            header_size=11)
    met = int((t25["met"] == True).sum())  # noqa: E712
    missed = int((t25["met"] == False).sum())  # noqa: E712
    ok = int((t27["on_track"] == True).sum())  # noqa: E712
    behind = int((t27["on_track"] == False).sum())  # noqa: E712
    if pre:
        text = [f"2025年到期的约束性目标{len(t25)}项，已提前完成{met}项；2027年约束性目标{len(t27)}项。",
                "中期评估时点为2025年12月31日。"]
    else:
        text = [f"2025年到期的约束性目标{len(t25)}项：已完成{met}项、未完成{missed}项、暂无数据{len(t25) - met - missed}项。",
                f"2027年约束性目标{len(t27)}项：绿灯（达到序时进度且预计可如期完成）{ok}项、黄灯或红灯{behind}项、"
                f"暂无数据或缺基期{len(t27) - ok - behind}项。"]
        miss = t25[t25["met"] == False]  # noqa: E712
        if len(miss):
            text.append("未完成的2025年目标：" + "；".join(f"{r.project_short}·{r.metric_zh}" for r in miss.head(6).itertuples())
                        + (f"等{len(miss)}项" if len(miss) > 6 else "") + "。")
    _box(s, 8.9, 1.4, 4.1, 5.5, text, size=13, spacing=8)
    for c in charts_by.get(("midpoint", None), []):
        chart_slide(d, f"三、2025年中期评估：2027年目标完成程度" + (f"（{c.part}/{c.parts}）" if c.parts > 1 else ""), c)


def late_slide(d: Deck):
    late = d.data.late
    if late is None or late.empty:
        return None
    s = d.slide(f"四、报表报送情况（{d.data.quarter_label}）", f"截至{date_zh(d.data.known_at)}尚未报送的报表")
    rows = [[r.project, r.lead_unit, r.missing, date_zh(r.deadline), "已逾期" if r.overdue else "未到期"]
            for r in late.itertuples()]
    d.table(s, 0.4, 1.4, 12.5, [("工程", 2), ("牵头单位", 2), ("未报送的报表", 5), ("报送时限", 1.6), ("状态", 1.2)],
            rows[:12], size=13, row_h=0.42, align_center={3, 4})
    return s


def sources_slides(d: Deck):
    data = d.data
    entries = _sources.source_entries(data.published, data.register)
    used = _sources.used_entries(data)
    s = d.slide("数据说明", "目标、实际值的来源和测算规则", demo=data.demo)
    lines = [
        [("目标：", {"bold": True}), (f"《义乌市体系化推进“十项重大工程”实施方案》（义政办发〔2023〕15号），共量化目标{len(data.st)}项。", {})],
        [("实际值：", {"bold": True}), ("公开发布的统计数据、政府报告和新闻报道，以及各牵头单位季度报表。" + _sources.grade_summary(entries), {})],
        [("来源等级：", {"bold": True}), ("；".join(f"{GRADE_ZH[g]}：{_sources.GRADE_MEANING_ZH[g]}" for g in GRADE_ZH) + "。", {})],
        [("序时进度：", {"bold": True}), ("目标期已过去的时间占比；每项目标按其亮灯所用的序时进度及日期评价（近期数据按数据所属期末，滞后数据按报告期末）。", {})],
        [("灯号：", {"bold": True}), ("绿灯为达到序时进度且按当前进度预计可如期完成；黄灯为稍有滞后；红灯为明显滞后或预计明显达不到目标；灰灯为暂无数据。", {})],
    ]
    if data.demo:
        lines.append([("示例数据：", {"bold": True, "colour": "B00020"}),
                      ("部门季度报表不公开，标注“示例数据”的数值由演示数据生成器产生，并非真实统计，不得引用。", {"colour": "B00020"})])
    _box(s, 0.4, 1.35, 12.5, 5.6, lines, size=14, spacing=8)
    if used.empty:
        return
    shown = used.head(MAX_SOURCE_ROWS)
    s2 = d.slide("数据说明：本期引用的公开来源", f"最新实际值引用的公开来源{len(used)}份（按发布日期，新者在前）；全部{len(entries)}份见进度晾晒表“数据说明”页")
    rows = [[r.publisher or _sources.PENDING,
             views.short_label((f"{r.title}（依据{r.original}）" if r.derived and r.original else r.title)
                               + ("（标题为整理者所拟）" if r.title_supplied else "")
                               + (f"（{r.language}）" if r.language else ""), 64), r.date_zh, r.grade_zh]
            for r in shown.itertuples()]
    d.table(s2, 0.4, 1.4, 12.5, [("发布单位", 2.6), ("标题", 6.4), ("日期", 1.7), ("等级", 1.1)], rows, size=12,
            row_h=0.44, align_center={2, 3})


def write_deck(data: PackData, path: Path, chart_files: list[ChartFile] | None = None) -> Path:
    charts_by: dict = {}
    for c in chart_files or []:
        charts_by.setdefault((c.kind, c.project_no), []).append(c)
    d = Deck(data)
    title_slide(d)
    overview_slide(d, (charts_by.get(("status_share", None)) or [None])[0])
    ranking_slide(d)
    for c in charts_by.get(("ranking", None), []):
        chart_slide(d, f"二、晾晒排名（{d.q}）：得分与位次变化", c)
    for no in [int(n) for n in data.projects["project_no"]]:
        project_slides(d, no, charts_by)
    midpoint_slides(d, charts_by)
    late_slide(d)
    sources_slides(d)
    return d.save(path)


def deck_texts(path: Path) -> list[str]:
    """All text of each slide (shapes and table cells), for tests and checks."""
    from pptx import Presentation

    out = []
    for slide in Presentation(str(path)).slides:
        parts = []
        for sh in slide.shapes:
            if sh.has_text_frame:
                parts.append(sh.text_frame.text)
            if getattr(sh, "has_table", False) and sh.has_table:
                for row in sh.table.rows:
                    parts.append("\t".join(c.text for c in row.cells))
        out.append("\n".join(parts))
    return out
