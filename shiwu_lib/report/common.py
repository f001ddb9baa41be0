"""Constants and text helpers of the report layer: how a number, a target, a rank change is written.

Pure (no store, no widgets, no HTML). Shared by the dashboards, the static edition, the pack and
the notebooks, so a target reads the same on a screen, on a page and on a slide.
"""
from __future__ import annotations

import math

import pandas as pd

from .. import fmt, plan
from ..lights import (  # noqa: F401 - re-exported: the report layer's light vocabulary
    BEHIND_QUORUM, GREEN, GREY, LIGHTS, RED, RED_QUORUM, YELLOW, firm_in_play, in_play_mask, is_span,
    light_counts, project_light, ranking_frame, span_start,
)

# The plan's facts (document, years, midpoint) come from its description (shiwu_lib/plan.py).
PLAN = plan.get()
MID, FINAL = PLAN.midpoint_year, PLAN.final_year
MID_SHARE = (MID - PLAN.start_year + 1) / (FINAL - PLAN.start_year + 1)   # 序时 of the midpoint date
CONTACT = PLAN.office or "总专班办公室"

STATUS_COLOURS = {GREEN: "#2e9d4c", YELLOW: "#e0a800", RED: "#d63a2f", GREY: "#9aa0a6"}
SECTION_ORDER = {"five_year": 0, "three_year": 1, "annual_2023": 2}
KIND_ORDER = {"cumulative_flow": 0, "level": 0, "count": 1, "share": 2, "ratio": 2, "growth_rate": 3}
TASK_STATUS_COLOURS = {"已完成": GREEN, "推进中": "#1f5fbf", "未启动": GREY, "滞后": RED}
LIGHT_SEVERITY = {RED: 0, YELLOW: 1, GREY: 2, GREEN: 3}
COUNT_BASES = ("count", "person", "person_time")

PROJECT_LIGHT_RULE_ZH = (
    "工程总灯：取报告期内在推进的约束性目标（不含“力争”目标）中有数据的目标——"
    "红灯目标占三分之一及以上为红灯；有红灯目标、或红黄灯目标合计占三分之一及以上为黄灯；"
    "其余为绿灯；均无数据为灰灯。单项目标灯：绿灯为快于序时进度或慢于5个百分点以内（或按当前进度可完成），"
    "黄灯为慢于5—15个百分点，红灯为慢于15个百分点以上或到期未完成；增速类目标按与目标增速的差距判定。"
)
RANKING_RULE_ZH = ("排名规则：按在推进的约束性目标“快于/慢于序时进度”的平均百分点从高到低；"
                   "相同时绿灯占比高者在前、红灯少者在前；无数据的工程列在最后。")
DEMO_NOTE_ZH = "本页部分数值来自演示用的部门报表示例数据，并非真实统计；公开发布的统计数据标明出处。"


def isnan(v) -> bool:
    """None, NaN, NaT and pd.NA are all 'no value'."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def is_count_unit(unit) -> bool:
    """Units of whole things (个, 家, 项, 列, 人 …): their axes tick at integers."""
    from .. import units

    try:
        return bool(unit) and units.base_unit(unit) in COUNT_BASES
    except Exception:  # noqa: BLE001 - unit outside the vocabulary
        return False


def is_money(unit) -> bool:
    from .. import units

    try:
        return bool(unit) and units.base_unit(unit) == "yuan"
    except Exception:  # noqa: BLE001
        return False


def gap_share(gap, target_value) -> float | None:
    """Remaining gap as % of the target value (<= 0 once reached); None without data."""
    if isnan(gap) or isnan(target_value) or float(target_value) == 0:
        return None
    return float(gap) / abs(float(target_value)) * 100.0


def short_label(text: str, n: int = 16) -> str:
    text = str(text or "")
    return text if len(text) <= n else text[: n - 1] + "…"


def project_label(no: int, short_zh: str) -> str:
    """``(1, '扩投资') → '一 扩投资'``."""
    return f"{fmt.cn_number(int(no))} {short_zh}"


def project_option(no: int, short_zh: str) -> str:
    """The project selector's label: ``(7, '土地整治') → '七、土地整治'`` (no spaces: ipywidgets
    writes them as no-break spaces into the <select>)."""
    return f"{fmt.cn_number(int(no))}、{short_zh}"


def actual_text(row) -> str:
    """The compared value of a status row as people write it (growth rates in %)."""
    if isnan(row.get("latest_actual")):
        return fmt.MISSING
    if row.get("kind") == "growth_rate":
        return fmt.percent(row["latest_actual"])
    return fmt.value(row["latest_actual"], row.get("unit"))


def target_label(row) -> str:
    """``2000亿元以上（2023—2027年）``."""
    unit = row.get("unit")
    txt = fmt.target_text(row["target_value"], unit, row.get("comparator") or ">=", bool(row.get("stretch")),
                          row.get("value_high"))
    if row.get("kind") == "growth_rate" and is_span(row.get("period")):
        txt = "年均" + txt
    return f"{txt}（{fmt.span_zh(row.get('period'), int(row['target_year']))}）"


def time_progress_text(r) -> str:
    """The 序时 the light used, with its date: ``序时进度60%（2025年12月31日）``; 数据滞后 when it is the
    report date because the data are old."""
    tp = r.get("time_progress") if hasattr(r, "get") else r["time_progress"]
    when = r.get("time_progress_date") if hasattr(r, "get") else None
    text = f"序时进度{fmt.share(tp)}"
    if when is not None and not isnan(when):
        text += f"（{fmt.date_zh(when)}）"
    if bool(r.get("stale")) if hasattr(r, "get") else False:
        text += "，数据滞后"
    return text


def rank_change_text(change) -> str:
    """位次变化: ``↑2`` (moved up two places), ``↓1``, ``—`` (unchanged), ``新`` (no previous rank)."""
    if change is None or isnan(change):
        return "新"
    c = int(change)
    return f"↑{c}" if c > 0 else (f"↓{-c}" if c < 0 else "—")


def red_streak_text(n) -> str:
    """``连续3个季度红灯`` (2 or more), ``本季度红灯`` (1), '' otherwise."""
    if n is None or isnan(n) or int(n) <= 0:
        return ""
    return "本季度红灯" if int(n) == 1 else f"连续{int(n)}个季度红灯"


def data_age_text(known_at, today) -> str:
    """``数据截至2026年10月28日（34天前）``."""
    days = (today - known_at).days
    age = "今天" if days == 0 else (f"{days}天前" if days > 0 else "")
    return f"数据截至{fmt.date_zh(known_at)}" + (f"（{age}）" if age else "")


def report_date_options(dates) -> list[tuple[str, str]]:
    """The report-date selector: newest first, ``('2026年三季度（截至9月30日）', '2026-09-30')``."""
    return [(f"{fmt.quarter_zh(d)}（截至{d.month}月{d.day}日）", d.isoformat()) for d in reversed(list(dates))]


def parse_date(s, dates) -> "date | None":  # noqa: F821 - typing only
    """``'2025-12-31'`` → the date when it is one of ``dates``, else None."""
    from datetime import date

    try:
        d = date.fromisoformat(str(s)[:10])
    except (TypeError, ValueError):
        return None
    return d if d in dates else None
