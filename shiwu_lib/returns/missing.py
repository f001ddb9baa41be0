"""催报: which projects / lead units have not returned which of the three tables for a period.

A table counts as returned when ``return_sheets`` has a row for (region, project, period, sheet):
主要指标进度表 needs at least one value, 重点任务进度表 at least one task row, and 问题销号进度表
comes with every accepted workbook (an empty list means 无问题). Demo rows count too when the demo is
loaded — build with ``--no-demo`` for real 催报.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .common import DATA_SHEETS, DEFAULT_REGION, parse_period

COLUMNS = ["region", "period_label", "project_no", "project", "lead_unit", "convenors", "sheet", "deadline",
           "days_overdue", "status"]


def missing_returns(con, period_label: str, region: str = DEFAULT_REGION, today: dt.date | None = None) -> pd.DataFrame:
    """One row per (project, table) not yet returned for ``period_label``.

    ``deadline`` = quarter end + 10 days; ``days_overdue`` = days past the deadline on ``today``
    (0 before it); ``status`` = 逾期未报 | 未到期.
    """
    p = parse_period(period_label)
    if p.freq != "Q":
        raise ValueError(f"returns are quarterly: expected e.g. 2025Q2, got {period_label!r}")
    today = today or dt.date.today()
    projects = con.execute(
        "SELECT project_no, short_zh, lead_unit, array_to_string(convenors, '、') AS convenors "
        "FROM projects WHERE region = ? ORDER BY project_no", [region]).df()
    got = con.execute(
        "SELECT DISTINCT project_no, sheet FROM return_sheets WHERE region = ? AND period_label = ?",
        [region, p.label]).fetchall()
    have = {(int(a), b) for a, b in got}
    overdue = (today - p.deadline).days
    rows = []
    for r in projects.to_dict("records"):
        for s in DATA_SHEETS:
            if (int(r["project_no"]), s) in have:
                continue
            rows.append({
                "region": region, "period_label": p.label, "project_no": int(r["project_no"]),
                "project": r["short_zh"], "lead_unit": r["lead_unit"], "convenors": r["convenors"], "sheet": s,
                "deadline": p.deadline, "days_overdue": max(0, overdue),
                "status": "逾期未报" if overdue > 0 else "未到期",
            })
    return pd.DataFrame(rows, columns=COLUMNS)
