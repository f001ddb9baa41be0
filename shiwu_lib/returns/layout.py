"""The workbook layout shared by the template writer and the ingest validator.

Each data sheet has: row 1 title, row 2 the project / period line, row 3 group headers,
row 4 the column headers (checked cell by cell on ingest), data from row 5.
Headers that depend on the period (进展情况（1-6月累计…）) are produced by :func:`ind_columns`.

Template versions: ``2`` added the input column 基期值（2022年） after 单位 (the 2022 value the
progress engine measures level / count / share / ratio targets from). Ingest still reads version
``1`` workbooks (no base column): :data:`SUPPORTED_VERSIONS`, ``ind_columns(p, version='1')``.
"""
from __future__ import annotations

from dataclasses import dataclass

from .common import BASE_YEAR, SHEET_IND, SHEET_PROB, SHEET_TASK, Period

TEMPLATE_VERSION = "2"
SUPPORTED_VERSIONS = ("1", "2")      # ingest reads these; older archived returns keep loading
SCHEMA_NAME = "shiwu-return"
HEADER_ROW = 4
FIRST_DATA_ROW = 5
BLANK_PROBLEM_ROWS = 10

MAX_FILE_BYTES = 5 * 1024 * 1024           # a filled return is ~30 KB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024      # zip-bomb guard
MAX_ROWS = 2000                            # per sheet
MAX_COLS = 40                              # per sheet: cells right of this are never walked
MAX_CELLS = MAX_ROWS * MAX_COLS            # per sheet, counted in the XML before parsing
MAX_SHEETS = 10                            # the template has 5

STATUSES = ("未启动", "推进中", "已完成", "滞后")
YES_NO = ("是", "否")

BASE_HEADER = f"基期值（{BASE_YEAR}年）"
BASE_NA_TEXT = "增速指标不填"        # written (locked) into the base cell of growth-rate indicators
META_BASE_PREFILL = "base_prefill"   # _meta key: the base values the template pre-filled (id=value;…)


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    width: float
    group: str
    kind: str = "text"        # text | number | pct | date | list | id (what ingest expects)
    input: bool = False       # unlocked for the clerk


def ind_columns(p: Period, version: str = TEMPLATE_VERSION) -> list[Col]:
    """Columns of 主要指标进度表; ``version='1'`` gives the layout before the base column."""
    ytd, end = p.ytd_zh, p.end_zh
    base = [] if str(version) == "1" else [
        # read left to right: the indicator, its unit, where it started (2022), the targets, this period
        Col("base", BASE_HEADER, 14, "基期", "number", True),
    ]
    return [
        Col("project", "十项重大工程", 16, "指标"),
        Col("level", "层级", 7, "指标"),
        Col("indicator_id", "指标编号", 12, "指标", "id"),
        Col("name", "主要指标", 40, "指标"),
        Col("unit", "单位", 9, "指标", "unit", True),
        *base,
        Col("t_q1", "一季度", 10, "分季度目标（单位同“单位”列）", "number"),
        Col("t_h1", "上半年", 10, "分季度目标（单位同“单位”列）", "number"),
        Col("t_q3", "三季度", 10, "分季度目标（单位同“单位”列）", "number"),
        Col("t_fy", "全年", 10, "分季度目标（单位同“单位”列）", "number"),
        Col("basis", "填报口径", 11, "本期填报"),
        Col("actual", f"进展情况（流量、增速填{ytd}累计；存量、占比填{end}数）", 22, "本期填报", "number", True),
        Col("confirm", "确认异常值（是/否）", 11, "本期填报", "list", True),
        Col("remark", "说明", 30, "本期填报", "text", True),
        Col("responsible", "责任单位", 16, "本期填报", "text", True),
    ]


def task_columns(p: Period) -> list[Col]:
    return [
        Col("seq", "序号", 6, "重点任务"),
        Col("task_id", "任务编号", 10, "重点任务", "id"),
        Col("text", "重点工作", 60, "重点任务"),
        Col("due", "完成时限", 14, "重点任务", "text", True),
        Col("lead_unit", "牵头单位", 14, "重点任务", "text", True),
        Col("partner_units", "配合单位", 20, "重点任务", "text", True),
        Col("status", "状态（未启动/推进中/已完成/滞后）", 14, f"本期填报（截至{p.end_zh}）", "list", True),
        Col("progress_pct", "进度（%，0-100）", 12, f"本期填报（截至{p.end_zh}）", "pct", True),
        Col("progress_text", "进展情况", 40, f"本期填报（截至{p.end_zh}）", "text", True),
    ]


def prob_columns(p: Period) -> list[Col]:
    return [
        Col("seq", "序号", 6, "问题"),
        Col("problem_id", "问题编号", 16, "问题", "id"),
        Col("problem_text", "问题清单", 50, "问题", "text", True),
        Col("due", "销号时限（日期）", 14, "问题", "date", True),
        Col("progress_text", "进展情况", 40, f"本期填报（截至{p.end_zh}）", "text", True),
        Col("responsible", "责任单位", 16, f"本期填报（截至{p.end_zh}）", "text", True),
        Col("struck_off", "已销号（是/否）", 11, f"本期填报（截至{p.end_zh}）", "list", True),
    ]


def columns(sheet: str, p: Period, version: str = TEMPLATE_VERSION) -> list[Col]:
    if sheet == SHEET_IND:
        return ind_columns(p, version)
    return {SHEET_TASK: task_columns, SHEET_PROB: prob_columns}[sheet](p)


def titles(sheet: str) -> str:
    return {
        SHEET_IND: "“十项重大工程”主要指标进度表",
        SHEET_TASK: "“十项重大工程”重点任务进度表",
        SHEET_PROB: "“十项重大工程”问题销号进度表",
    }[sheet]
