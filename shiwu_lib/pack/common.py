"""Constants, wording and small formatters shared by the pack's modules (no I/O)."""
from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd

from .. import charts, fmt
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)

GREEN, YELLOW, RED, GREY = views.GREEN, views.YELLOW, views.RED, views.GREY
LIGHTS = views.LIGHTS
DEMO = charts.DEMO_LABEL
DEMO_NOTE = ("【示例数据】本表部分数值来自演示用的部门报表示例数据（部门报表不公开），并非真实统计，仅供演示；"
             "公开发布的数据在“数据来源”列注明出处。")
DEMO_NOTE_BRIEF = ("【示例数据】本简报部分数值来自演示用的部门报表示例数据（部门报表不公开），并非真实统计，仅供演示；"
                   "公开发布的统计数据均注明出处，详见进度晾晒表“数据说明”页。")
DEMO_NOTE_DECK = "【示例数据】部分数值来自演示用的部门报表示例数据（部门报表不公开），并非真实统计，仅供演示。"
MAX_RED_NAMED = 6
RANKING_RULE_ZH = ("排名规则：按报告期在推进的约束性目标（不含“力争”目标）“快于（+）/慢于（−）序时进度”的平均百分点从高到低；"
                   "相同时绿灯占比高者在前、红灯少者在前；无数据的工程列在最后。")
TIME_PROGRESS_RULE_ZH = ("序时进度：目标期已过去的时间占比（一年期目标一季度末为25%；2023—2027年目标2025年末为60%）。"
                         "完成率 = 已完成量 ÷ 目标量（水平类目标按基期值起算）；快于/慢于序时进度 = （完成率 − 序时进度）× 100 个百分点；"
                         "增速类目标按实际增速与目标增速的差距判定，不计完成率。")
MIDPOINT_RULE_ZH = ("中期评估：2025年到期的目标（三年行动及2025年度目标）按是否完成评估；2027年目标按2025年末完成程度"
                    "是否达到序时进度（2023—2027年目标为60%）评估，增速类目标按是否达到目标增速评估。")


def isnan(v) -> bool:
    """None, NaN, NaT or pd.NA."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def num(v) -> str:
    return fmt.number(v)


def share(r) -> str:
    return fmt.share(r)


def ahead(v) -> str:
    return fmt.ahead_pp(v)


def quarter_zh(d: date) -> str:
    return fmt.quarter_zh(d)


def date_zh(d) -> str:
    return fmt.date_zh(d)


def status_zh(s) -> str:
    return {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯"}.get(str(s), "灰灯")


def project_label(no: int, short: str) -> str:
    return views.project_label(int(no), str(short))


def period_zh(label) -> str:
    return fmt.period_label_zh(label)


def span_zh(period, target_year) -> str:
    return fmt.span_zh(period, int(target_year))


def as_bool(v) -> bool:
    return False if isnan(v) else bool(v)


_YEAR_PAREN = re.compile(r"[（(][^（）()]*\d{4}[^（）()]*[)）]\s*$")


def metric_without_year(text: str) -> str:
    """A target's name without a trailing (2025) / （2023—2027年） the label adds itself."""
    t = str(text or "").strip()
    while _YEAR_PAREN.search(t):
        t = _YEAR_PAREN.sub("", t).strip()
    return t or str(text or "")


# Characters a spreadsheet reads as the start of a formula (=, +, -, @) or that hide one (tab, CR),
# also after leading whitespace (OWASP "CSV injection"). Full-width forms are treated alike.
_FORMULA_START = re.compile(r"^[\s\u3000]*[=+\-@\t\r＝＋－＠]")


def neutralise(text):
    """A text that can never act as a formula in Excel / LibreOffice: a leading ``'`` is added when
    it starts (perhaps after whitespace) with = + - @ or a tab / CR. Other values pass unchanged."""
    if isinstance(text, str) and (_FORMULA_START.match(text) or text[:1] in ("\t", "\r")):
        return "'" + text
    return text


GRADE_ZH = {"official": "官方统计", "gov_report": "政府报告", "press": "新闻媒体", "repost": "转载"}
