"""The official workbook 十项重大工程进度晾晒表 (openpyxl): 晾晒总表 with 位次变化, one 主要指标进度表
(附件2) per project, 重点任务进度表 (附件4), 问题销号进度表 (附件5), 中期评估 and 数据说明.

Print layout on every sheet: A4 landscape, one page wide, title and header rows repeated, header
frozen, page numbers in the footer, 宋体 text and 黑体 titles. Every text cell passes through
:func:`~shiwu_lib.pack.common.neutralise`, so a text from a return can never act as a formula.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import fmt
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)
from ..api import MIDPOINT_DATE
from .common import (DEMO, DEMO_NOTE, GREEN, GREY, MIDPOINT_RULE_ZH, RANKING_RULE_ZH, RED, TIME_PROGRESS_RULE_ZH,
                     YELLOW, as_bool as _bool, date_zh as _date_zh, isnan as _isnan, neutralise, num as _num,
                     period_zh as _period_zh, project_label as _project_label, quarter_zh as _quarter_zh,
                     span_zh as _span_zh, status_zh as _status_zh)
from .data import PackData, latest_source_type, source_text
from . import sources as _sources

FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
LIGHT_FILL = {GREEN: "2E9D4C", YELLOW: "E0A800", RED: "D63A2F", GREY: "BFC3C7"}
LIGHT_TEXT = {GREEN: "FFFFFF", YELLOW: "000000", RED: "FFFFFF", GREY: "000000"}
HEADER_FILL = "DCE6F1"


LINE_HEIGHT = 13.5  # points per line of 10-point text


def _display_width(text) -> float:
    """Width in Excel column units of 10-point text: CJK and full-width characters about 2, others 1."""
    return sum(2.0 if ord(ch) > 0x2E7F or ch in "“”‘’—…" else 1.0 for ch in str(text))


def _lines(text, width: float) -> int:
    """Lines a wrapped cell of the given column width needs (rounded up, at least one)."""
    if text is None or (isinstance(text, float) and text != text):
        return 1
    usable = max(width - 1.5, 1.0) * 0.95        # a little slack for line-breaking rules around punctuation
    total = 0
    for part in str(text).split("\n"):
        # CJK characters break anywhere; a Latin word or a URL moves to the next line whole
        n, cur = 1, 0.0
        for tok in _TOKENS.findall(part):
            w = _display_width(tok)
            if tok.isspace():
                cur += w
                continue
            if cur + w > usable and cur > 0:
                n, cur = n + 1, 0.0
            while w > usable:        # longer than a line: broken anywhere
                n, w = n + 1, w - usable
            cur += w
        # LibreOffice prefers to break at a space even where CJK text could break later: one line of slack
        total += n + (1 if n > 1 and re.search(r"\S\s+\S", part) else 0)
    return max(1, total)


_TOKENS = re.compile(r"[\u2e80-\U0010ffff]|[^\s\u2e80-\U0010ffff]+|\s+")


def _value_format(v) -> str:
    """Display format of an amount: integers plain, else 1–2 decimals (the cell keeps the value)."""
    if _isnan(v):
        return "General"
    v = float(v)
    if abs(v - round(v)) < 1e-9:
        return "0"
    if abs(v) >= 100:
        return "0.0"
    if abs(v) >= 0.1:
        return "0.0#"
    return "0.0##"


def _target_format(row) -> str:
    """A number format that shows the comparator around the numeric target: 2000以上, 力争20以上, 年均15以上."""
    base = _value_format(row["target_value"])
    if base == "General":
        return base
    prefix = ("力争" if _bool(row.get("stretch")) else "") + ("年均" if row.get("kind") == "growth_rate" and views.is_span(row.get("period")) else "")
    comp = row.get("comparator")
    suffix = {">=": "以上", "<=": "以内", "=": "左右"}.get(comp, "")
    if comp == "range" and not _isnan(row.get("value_high")):
        suffix = "—" + _num(row["value_high"])
    return (f'"{prefix}"' if prefix else "") + base + (f'"{suffix}"' if suffix else "")


class _Sheet:
    """A worksheet with the pack's print layout: title rows, a header row, data rows."""

    def __init__(self, wb, title: str, heading: str, info: str, demo: bool, columns: list[tuple[str, float]]):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.A, self.B, self.F, self.P, self.S = Alignment, Border, Font, PatternFill, Side
        self.wb = wb
        self.ws = wb.create_sheet(title)
        self.columns = columns
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        n = len(columns)
        ws = self.ws
        from openpyxl.utils import get_column_letter

        self.last_col = get_column_letter(n)
        ws.append([heading])
        ws.merge_cells(f"A1:{self.last_col}1")
        ws["A1"].font = Font(name=TITLE_FONT_NAME, size=16, bold=True)
        ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[1].height = 30
        ws.append([info])
        ws.merge_cells(f"A2:{self.last_col}2")
        ws["A2"].font = Font(name=FONT_NAME, size=10)
        ws["A2"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[2].height = 30
        ws.append([DEMO_NOTE if demo else ""])
        ws.merge_cells(f"A3:{self.last_col}3")
        ws["A3"].font = Font(name=FONT_NAME, size=10, bold=True, color="B00020")
        ws["A3"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[3].height = 30 if demo else 6
        ws.append([c[0] for c in columns])
        self.header_row = 4
        for i, (name, width) in enumerate(columns, start=1):
            cell = ws.cell(row=4, column=i)
            cell.font = Font(name=FONT_NAME, size=10, bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = self.border
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.row_dimensions[4].height = LINE_HEIGHT * max(_lines(n, w) for n, w in columns) + 6
        ws.freeze_panes = "A5"
        ws.print_title_rows = "1:4"
        ps = ws.page_setup
        ps.orientation = "landscape"
        ps.paperSize = ws.PAPERSIZE_A4
        ps.fitToWidth = 1
        ps.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.8
        ws.page_margins.header = ws.page_margins.footer = 0.3
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddFooter.center.font = FONT_NAME
        ws.oddHeader.right.text = "&A"
        ws.oddHeader.right.font = FONT_NAME

    def _style(self, wrap: bool = False, center: bool = False, bold: bool = False, light: str | None = None) -> str:
        """A named style (registered once per workbook): assigning it is far cheaper than fonts per cell."""
        from openpyxl.styles import NamedStyle

        name = f"pack-{'w' if wrap else ''}{'c' if center else ''}{'b' if bold else ''}{light or ''}"
        if name not in self.wb.named_styles:
            st = NamedStyle(name=name)
            st.border = self.border
            if light:
                st.font = self.F(name=FONT_NAME, size=10, bold=True, color=LIGHT_TEXT[light])
                st.fill = self.P("solid", fgColor=LIGHT_FILL[light])
                st.alignment = self.A(horizontal="center", vertical="center")
            else:
                st.font = self.F(name=FONT_NAME, size=10, bold=bold)
                st.alignment = self.A(vertical="center", wrap_text=wrap, horizontal="center" if center else None)
            self.wb.add_named_style(st)
        return name

    def row(self, values: list, formats: dict[int, str] | None = None, wrap: set[int] | None = None,
            center: set[int] | None = None, light: tuple[int, str] | None = None, bold: bool = False) -> int:
        ws = self.ws
        values = [neutralise(v) for v in values]
        ws.append(values)
        r = ws.max_row
        formats, wrap, center = formats or {}, wrap or set(), center or set()
        for i in range(1, len(self.columns) + 1):
            c = ws.cell(row=r, column=i)
            if light is not None and i == light[0]:
                c.style = self._style(light=light[1] if light[1] in LIGHT_FILL else GREY)
            else:
                c.style = self._style(i in wrap, i in center, bold)
            if i in formats:
                c.number_format = formats[i]
        lines = max([_lines(values[i - 1], self.columns[i - 1][1]) for i in wrap if i <= len(values)] or [1])
        ws.row_dimensions[r].height = LINE_HEIGHT * lines + 4
        return r

    def note(self, text: str) -> None:
        self.ws.append([neutralise(text)])
        r = self.ws.max_row
        self.ws.merge_cells(f"A{r}:{self.last_col}{r}")
        c = self.ws.cell(row=r, column=1)
        c.font = self.F(name=FONT_NAME, size=9, color="444444")
        c.alignment = self.A(wrap_text=True, vertical="top")
        self.ws.row_dimensions[r].height = LINE_HEIGHT * _lines(text, sum(w for _, w in self.columns)) + 4


SUMMARY_SHEET = "晾晒总表"
MIDPOINT_SHEET = "中期评估"
NOTES_SHEET = "数据说明"
SUMMARY_COLUMNS = [("排名", 6), ("上期\n排名", 6), ("位次\n变化", 6), ("工程", 12), ("牵头单位", 11), ("在推进约束性\n目标（项）", 12), ("有数据\n（项）", 8),
                   ("绿灯\n（项）", 7), ("黄灯\n（项）", 7), ("红灯\n（项）", 7), ("灰灯\n（项）", 7),
                   ("得分（快于+/慢于−\n序时进度平均百分点，\n单项±50封顶）", 15), ("绿灯占比", 8), ("工程总灯", 8),
                   ("核心指标", 22), ("核心指标进展", 32)]
PROJECT_COLUMNS = [("序号", 5), ("目标编号", 12), ("目标", 24), ("目标期限", 11), ("目标值", 12), ("单位", 7),
                   ("最新实际", 10), ("期别", 9), ("序时进度", 7), ("完成率", 7), ("快于(+)/\n慢于(−)\n序时进度\n（个百分点）", 10),
                   ("状态", 6), ("原因", 26), ("数据来源", 22), ("计入\n晾晒", 6)]
MIDPOINT_COLUMNS = [("序号", 5), ("工程", 10), ("目标编号", 12), ("目标", 24), ("评估类别", 11), ("目标值", 12), ("单位", 7),
                    ("2025年末\n实际", 10), ("期别", 9), ("完成率", 7), ("应达进度", 7), ("快于(+)/\n慢于(−)\n（个百分点）", 10),
                    ("评估结果", 8), ("状态", 6), ("说明", 30)]
# before the midpoint: progress so far against the time elapsed at the report date
MIDPOINT_COLUMNS_PRE = [(("最新实际", w) if i == 7 else ("序时进度", w) if i == 10 else
                         ("快于(+)/\n慢于(−)序时进度\n（个百分点）", w) if i == 11 else (n, w))
                        for i, (n, w) in enumerate(MIDPOINT_COLUMNS)]


def project_sheet_name(no: int, short: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", _project_label(no, short))
    return name[:31]


TASKS_SHEET = "重点任务进度表"
PROBLEMS_SHEET = "问题销号进度表"
# 附件4 重点任务进度表: 序号, 重点工作, 完成时限, 牵头单位, 配合单位 — plus the progress reported
TASK_COLUMNS = [("序号", 5), ("工程", 10), ("重点工作", 46), ("完成时限", 12), ("牵头单位", 10), ("配合单位", 14),
                ("进展情况", 26), ("完成\n进度", 7), ("状态", 7), ("期别", 12), ("数据来源", 10)]
# 附件5 问题销号进度表: 序号, 问题清单, 销号时限, 进展情况, 责任单位 — plus struck off or not
PROBLEM_COLUMNS = [("序号", 5), ("工程", 10), ("问题清单", 44), ("销号时限", 12), ("进展情况", 28), ("责任单位", 12),
                   ("是否\n销号", 7), ("期别", 12), ("数据来源", 10)]
TASK_LIGHT = {"已完成": GREEN, "滞后": RED}
SOURCE_ZH = {"demo": DEMO, "return": "部门报表", "published": "公开发布"}


def _text(v) -> str:
    if _isnan(v):
        return ""
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v)
    return str(v)


def _due_text(v) -> str:
    if _isnan(v) or v == "":
        return "—"
    if isinstance(v, str):
        return v
    return _date_zh(pd.Timestamp(v).date())


def task_overdue(r, as_of) -> bool:
    """逾期 of an 附件4 row at the report date: the dashboards' rule (:func:`shiwu_lib.report.task_overdue`:
    the task's own year has ended and it is not 已完成); a reported 滞后 shows as its status."""
    return views.task_overdue(r.get("year"), _text(r.get("status")), as_of)


def problem_open(r) -> bool:
    return not _bool(r.get("struck_off"))


def midpoint_verdict(r, pre: bool = False) -> str:
    """评估结果 of a midpoint row, never at odds with its light: 已完成 / 未完成 (2025 targets);
    达到序时 (green), 快于序时但预计难以如期完成 (not green although ahead), 落后序时 (2027 targets);
    before the midpoint (``pre``): 已提前完成 / 推进中 / 暂无数据."""
    if pre:
        if r.get("met") == True:  # noqa: E712 - numpy bools and NaN
            return "已提前完成"
        return "暂无数据" if r.get("status") in (None, GREY) else "推进中"
    if r.get("check") == "target_2025":
        return "—" if r.get("met") is None or _isnan(r.get("met")) else ("已完成" if r["met"] else "未完成")
    status = r.get("status")
    if status in (None, GREY) or _isnan(status):
        return "暂无数据"
    if status == GREEN:
        return "达到序时"
    ahead = r.get("midpoint_ahead_pp")
    if not _isnan(ahead) and float(ahead) >= 0:
        return "快于序时但预计难以如期完成"
    return "落后序时"


def write_workbook(data: PackData, path: Path, tasks: pd.DataFrame | None = None,
                   problems: pd.DataFrame | None = None) -> list[str]:
    """The official 进度晾晒表 workbook. Returns the sheet names.

    ``tasks`` / ``problems``: the 附件4 / 附件5 rows (columns of :data:`shiwu_lib.pack.data.TASK_COLUMNS`
    / ``PROBLEM_COLUMNS``); default ``data.tasks`` / ``data.problems``.
    """
    from openpyxl import Workbook

    tasks = data.tasks if tasks is None else tasks
    problems = data.problems if problems is None else problems
    wb = Workbook()
    wb.remove(wb.active)
    q = _quarter_zh(data.as_of)
    info_common = f"报告期：{q}末（{_date_zh(data.as_of)}）　数据截至：{_date_zh(data.known_at)}　依据：义政办发〔2023〕15号"
    rk = data.ranking
    ov = data.overview.set_index("project_no")
    short = dict(zip(data.projects["project_no"], data.projects["short_zh"]))

    # 晾晒总表 ------------------------------------------------------------------------------
    s = _Sheet(wb, SUMMARY_SHEET, f"义乌市“十项重大工程”进度晾晒表（{q}）", info_common, bool(rk["any_demo"].any()),
               SUMMARY_COLUMNS)
    for r in rk.itertuples(index=False):
        head = ov.loc[int(r.project_no), "headline"]
        head_name = "" if head is None else str(head["metric_zh"])
        head_text = "" if head is None else (str(head.get("reason") or "")
                                             + (f"（{DEMO}）" if latest_source_type(head, data.sources) == "demo" else ""))
        score = None if _isnan(r.score_pp) else float(r.score_pp)
        sg = None if _isnan(r.share_green) else float(r.share_green)
        prev = None if _isnan(getattr(r, "rank_prev", None)) else int(r.rank_prev)
        s.row([int(r.rank), prev if prev is not None else "—", views.rank_change_text(getattr(r, "rank_change", None)),
               _project_label(r.project_no, r.short_zh), r.lead_unit, int(r.n_targets),
               int(r.n_with_data), int(r.n_green), int(r.n_yellow), int(r.n_red), int(r.n_grey), score, sg,
               _status_zh(r.light), head_name, head_text],
              formats={12: '+0.0;-0.0;0.0', 13: "0%"}, wrap={15, 16}, center={1, 2, 3, 5, 14},
              light=(14, r.light))
    tot = [rk[c].astype(int).sum() for c in ("n_targets", "n_with_data", "n_green", "n_yellow", "n_red", "n_grey")]
    s.row(["", "", "", "合计", "", *[int(v) for v in tot], None, None, "", "", ""], center={4}, bold=True)
    s.note("位次变化：与上一季度末（同一数据截至日）的排名相比，↑上升、↓下降、—持平、新为上期无排名。" + RANKING_RULE_ZH)
    s.note(views.PROJECT_LIGHT_RULE_ZH)

    # one 主要指标进度表 per project (附件2) -----------------------------------------------------
    names = [SUMMARY_SHEET]
    play_ids = set(data.play["target_id"])
    reg_idx = _sources.register_index(data.register)
    for p in data.projects.itertuples(index=False):
        no = int(p.project_no)
        sp = data.st[data.st["project_no"] == no]
        sp = sp.assign(_s=sp["section"].map(views.SECTION_ORDER), _y=sp["target_year"]).sort_values(
            ["_s", "stretch", "_y", "target_id"])
        rows = [(r, *source_text(r, data.sources, reg_idx)) for _, r in sp.iterrows()]
        demo = any(d for _, _, d in rows)
        rkr = rk.set_index("project_no").loc[no]
        convenors = "、".join(list(p.convenors)) if p.convenors is not None else ""
        info = (f"牵头单位：{p.lead_unit}　召集人：{convenors}　工程总灯：{_status_zh(rkr['light'])}　晾晒排名：第{int(rkr['rank'])}名"
                f"（位次变化{views.rank_change_text(rkr.get('rank_change'))}）　" + info_common)
        name = project_sheet_name(no, p.short_zh)
        s = _Sheet(wb, name, f"{fmt.cn_number(no)}、{p.name_zh} 主要指标进度（{q}）", info, demo, PROJECT_COLUMNS)
        for i, (r, src, _demo) in enumerate(rows, start=1):
            growth = r["kind"] == "growth_rate"
            actual = None if _isnan(r["latest_actual"]) else float(r["latest_actual"])
            tp = None if growth or _isnan(r["time_progress"]) else float(r["time_progress"])
            comp = None if growth or _isnan(r["completion"]) else float(r["completion"])
            ahead = None if _isnan(r["ahead_pp"]) else float(r["ahead_pp"])
            s.row([i, r["target_id"], r["metric_zh"], _span_zh(r["period"], r["target_year"]), float(r["target_value"]),
                   r["unit"] or "", actual, _period_zh(r["latest_period"]) if actual is not None else "—",
                   tp if tp is not None else "—", comp if comp is not None else "—", ahead,
                   _status_zh(r["status"]), r["reason"] or "", src, "是" if r["target_id"] in play_ids else ""],
                  formats={5: _target_format(r), 7: _value_format(actual), 9: "0%", 10: "0.0%", 11: '+0.0;-0.0;0.0'},
                  wrap={3, 4, 8, 13, 14}, center={1, 6, 8, 9, 10, 15}, light=(12, r["status"]))
        s.note("说明：“计入晾晒”为报告期在推进的约束性目标（不含“力争”目标），工程总灯和晾晒排名按这些目标计算；"
               "序时进度为该目标亮灯所用的序时进度（近期数据按数据所属期末计，滞后数据按报告期末计）；"
               "增速类目标不计序时进度和完成率，按实际增速与目标增速的差距判定。" + TIME_PROGRESS_RULE_ZH)
        names.append(name)

    # 重点任务进度表 (附件4) ------------------------------------------------------------------------
    t_demo = bool((tasks.get("source_type", pd.Series(dtype=str)) == "demo").any()) if len(tasks) else False
    s = _Sheet(wb, TASKS_SHEET, f"义乌市“十项重大工程”重点任务进度表（{q}）", info_common, t_demo, TASK_COLUMNS)
    if len(tasks):
        t = tasks.sort_values(["project_no", "year", "seq", "task_id"], na_position="last")
        for i, r in enumerate(t.to_dict("records"), start=1):
            pct = None if _isnan(r.get("progress_pct")) else float(r["progress_pct"]) / 100.0
            status = _text(r.get("status")) or "未报送"
            overdue = task_overdue(r, data.as_of)
            s.row([i, _project_label(r["project_no"], short.get(r["project_no"], "")), _text(r.get("text_zh")),
                   _due_text(r.get("due")), _text(r.get("lead_unit")), _text(r.get("partner_units")) or "—",
                   _text(r.get("progress_text")) or "—", pct if pct is not None else "—",
                   status + ("（逾期）" if overdue and status != "滞后" else ""),
                   fmt.period_label_zh(r.get("period_label"), ytd=False) if not _isnan(r.get("period_label")) else "—",
                   SOURCE_ZH.get(_text(r.get("source_type")), _text(r.get("source_type")) or "—")],
                  formats={8: "0%"}, wrap={2, 3, 4, 5, 6, 7}, center={1, 8, 10, 11},
                  light=(9, TASK_LIGHT[status]) if status in TASK_LIGHT else None)
    else:
        s.row(["", "", "本报告期暂无重点任务进展数据。", "", "", "", "", "", "", "", ""], wrap={3})
    s.note("说明：重点任务按实施方案附件3（2023年度重点任务清单）及各工程报送的重点任务进度表（附件4）列出，"
           "进展取截至报告期的最新一期报送；“逾期”为任务所属年度已结束（年度任务以当年12月31日为限）而未完成。")
    names.append(TASKS_SHEET)

    # 问题销号进度表 (附件5) ------------------------------------------------------------------------
    p_demo = bool((problems.get("source_type", pd.Series(dtype=str)) == "demo").any()) if len(problems) else False
    s = _Sheet(wb, PROBLEMS_SHEET, f"义乌市“十项重大工程”问题销号进度表（{q}）", info_common, p_demo, PROBLEM_COLUMNS)
    if len(problems):
        pr = problems.assign(_open=[0 if problem_open(r) else 1 for r in problems.to_dict("records")])
        pr = pr.sort_values(["project_no", "_open", "problem_id"])
        for i, r in enumerate(pr.to_dict("records"), start=1):
            done = not problem_open(r)
            s.row([i, _project_label(r["project_no"], short.get(r["project_no"], "")), _text(r.get("problem_text")),
                   _due_text(r.get("due")), _text(r.get("progress_text")) or "—", _text(r.get("responsible")),
                   "已销号" if done else "未销号",
                   fmt.period_label_zh(r.get("period_label"), ytd=False) if not _isnan(r.get("period_label")) else "—",
                   SOURCE_ZH.get(_text(r.get("source_type")), _text(r.get("source_type")) or "—")],
                  wrap={2, 3, 5, 6}, center={1, 4, 7, 8, 9}, light=(7, GREEN if done else RED))
    else:
        s.row(["", "", "本报告期暂无问题清单。", "", "", "", "", "", ""], wrap={3})
    s.note("说明：问题清单实行动态销号管理，列出截至报告期各工程报送的问题及其最新进展；问题解决后销号。")
    names.append(PROBLEMS_SHEET)

    # 中期评估 ---------------------------------------------------------------------------------
    mp = data.midpoint
    pre = data.pre_midpoint
    heading = "2025年中期评估" + (f"：中期目标截至{_date_zh(data.as_of)}的进度" if pre else "")
    when = (f"报告期：{_date_zh(data.as_of)}（中期评估时点2025年12月31日）" if pre
            else f"评估时点：{_date_zh(MIDPOINT_DATE)}")
    s = _Sheet(wb, MIDPOINT_SHEET, f"义乌市“十项重大工程”{heading}",
               f"{when}　数据截至：{_date_zh(data.known_at)}　依据：义政办发〔2023〕15号",
               bool(mp["is_demo"].any()), MIDPOINT_COLUMNS_PRE if pre else MIDPOINT_COLUMNS)
    for i, r in enumerate(mp.to_dict("records"), start=1):
        growth = r.get("kind") == "growth_rate"
        actual = None if _isnan(r.get("latest_actual")) else float(r["latest_actual"])
        comp = None if growth or _isnan(r.get("completion")) else float(r["completion"])
        exp_key, ahead_key = ("time_progress", "ahead_pp") if pre else ("expected_progress", "midpoint_ahead_pp")
        exp = None if growth or _isnan(r.get(exp_key)) else float(r[exp_key])
        ahead = None if (growth and not pre) or _isnan(r.get(ahead_key)) else float(r[ahead_key])
        s.row([i, _project_label(r["project_no"], short.get(r["project_no"], "")), r["target_id"], r["metric_zh"],
               r["check_zh"], float(r["target_value"]), r.get("unit") or "", actual,
               _period_zh(r.get("latest_period")) if actual is not None else "—", comp if comp is not None else "—",
               exp if exp is not None else "—", ahead, midpoint_verdict(r, pre), _status_zh(r.get("status")),
               (r.get("reason_zh") or "") + (f"（{DEMO}）" if latest_source_type(r, data.sources) == "demo" else "")],
              formats={6: _target_format(r), 8: _value_format(actual), 10: "0.0%", 11: "0%", 12: '+0.0;-0.0;0.0'},
              wrap={2, 4, 5, 9, 13, 15}, center={1, 7, 9, 10, 11, 13}, light=(14, r.get("status")))
    s.note(MIDPOINT_RULE_ZH + "评估结果与状态灯一致：绿灯为“达到序时”；非绿灯而快于序时的，为按当前进度预计难以如期完成。")
    names.append(MIDPOINT_SHEET)

    # 数据说明 ---------------------------------------------------------------------------------
    s = _Sheet(wb, NOTES_SHEET, "数据说明", info_common, data.demo, [("项目", 18), ("说明", 110)])
    for k, v in _sources.notes(data):
        s.row([k, v], wrap={2}, bold=False)
    entries = _sources.source_entries(data.published, data.register)
    if len(entries):
        pending = int((entries["publisher"].str.startswith(_sources.PENDING)).sum())
        s.row(["公开发布的数据来源", _sources.grade_summary(entries)
               + "发布单位、标题和日期取自经审核的来源登记表（data/curated/sources.csv）"
               + (f"；{pending}份的发布单位尚未核实，标注“{_sources.PENDING}”并列出网址。" if pending else "。")],
              wrap={2}, bold=True)
        for r in entries.itertuples(index=False):
            s.row([r.grade_zh, r.text], wrap={2})
    names.append(NOTES_SHEET)

    wb.properties.title = f"十项重大工程进度晾晒表（{q}）"
    wb.properties.creator = "shiwu"
    wb.save(path)
    return names
