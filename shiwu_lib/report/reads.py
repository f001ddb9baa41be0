"""Small reads every output shares, through the public API only (``db.*`` methods; no SQL here).

The report date R a page shows is a quarter end from ``db.report_dates()`` (default: the latest
quarter for which values exist); the data are taken *as they stand now*: ``known_at`` =
``db.latest_known_at()``, the vintage the build stored the assessment with, so
``db.status(as_of=R, known_at=K)`` reads the stored ``out_target_status`` rows.
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from .. import fmt
from ..assessment import quarter_end, quarter_ends_until
from .common import PLAN, project_label


def data_known_at(db) -> date:
    """The date of the newest value in the store: pages show the data as they stand on it."""
    return db.latest_known_at()


def earliest_data_quarter(db) -> date | None:
    v = db.earliest_period_end()
    return None if v is None else quarter_end(v)


def default_report_date(db, dates: list[date]) -> date:
    """The latest quarter end for which values of that quarter exist (else the last report date)."""
    v = db.latest_quarter_with_data()
    if v is not None and v in dates:
        return v
    return dates[-1]


def core_indicators(db) -> pd.DataFrame:
    """The reviewed 核心指标 table (``db.core_indicators()``): project_no, rank, target_id, indicator_id,
    metric_zh, reason_zh; rank 1 is a project's headline."""
    return db.core_indicators()


def demo_loaded(db) -> bool:
    return db.demo_loaded()


def return_deadline(quarter: date) -> date:
    """The day a quarter's return is due (``returns.common.DEADLINE_DAYS`` after the quarter end)."""
    from ..returns.common import DEADLINE_DAYS

    return quarter_end(quarter) + timedelta(days=DEADLINE_DAYS)


def due_quarters(report_dates: list[date], today: date | None = None) -> list[date]:
    """The quarters 催报 can ask about: every report date plus each later quarter whose return is
    already due on ``today`` — so the latest due quarter is selectable even when none of its
    returns has come in (the report dates end at the last quarter with data)."""
    today = today or date.today()
    last_due = [q for q in quarter_ends_until(today, PLAN.first_report_date) if return_deadline(q) <= today]
    return sorted(set(report_dates) | set(last_due))


def latest_due_quarter(report_dates: list[date], today: date | None = None) -> date:
    """The newest quarter whose return deadline has passed on ``today`` (else the newest report date)."""
    today = today or date.today()
    due = [q for q in due_quarters(report_dates, today) if return_deadline(q) <= today]
    return due[-1] if due else report_dates[-1]


def late_returns(db, period_label: str, today: date | None = None) -> pd.DataFrame:
    """催报: which projects have not returned which of the three tables for ``period_label``.

    ``db.missing_returns`` (one row per project and table) grouped to one row per project.
    Columns: project_no, project, lead_unit, missing (the tables, 、-separated), n_missing, deadline,
    overdue, days_late (0 until the deadline has passed). Overdue is judged on ``today`` (default:
    today): a return is due ``DEADLINE_DAYS`` (10) days after the quarter.
    """
    from ..returns.common import DATA_SHEETS

    today = today or date.today()
    y, q = int(period_label[:4]), int(period_label[-1])
    deadline = return_deadline(date(y, q * 3, 1))
    projects = db.projects()[["project_no", "short_zh", "lead_unit"]]
    rows = db.missing_returns(period_label, today=today)[["project_no", "sheet"]]
    order = {s: i for i, s in enumerate(DATA_SHEETS)}
    g = rows.assign(_o=rows["sheet"].map(order)).sort_values(["project_no", "_o"]).groupby("project_no", sort=True)["sheet"]
    df = pd.concat([g.agg("、".join).rename("missing"), g.size().rename("n_missing")], axis=1).reset_index()
    df = df.merge(projects, on="project_no", how="left")
    df["project"] = [project_label(n, s) for n, s in zip(df["project_no"], df["short_zh"])]
    df["deadline"] = deadline
    df["overdue"] = today > deadline
    df["days_late"] = max((today - deadline).days, 0)
    return df[["project_no", "project", "lead_unit", "missing", "n_missing", "deadline", "overdue", "days_late"]]


def task_own_due(year) -> date | None:
    """A key task's own deadline: the end of its year (a 2023 task is due 2023-12-31, whatever a
    return's 完成时限 column says); None for a task without a year."""
    return date(int(year), 12, 31) if year is not None and pd.notna(year) else None


def task_overdue(year, status, report_date: date) -> bool:
    """逾期: the task's own deadline (:func:`task_own_due`) lies before the report date and it is not
    已完成 — the one rule of the dashboards, the static edition and the pack (附件4, deck, briefing)."""
    due = task_own_due(year)
    return bool(due is not None and due < report_date and status != "已完成")


def tasks_frame(db, project_no: int, report_date: date) -> pd.DataFrame:
    """Key tasks of the report date's year and earlier, with their latest progress row for periods up
    to the report date, each judged against its own year: ``own_due`` is the end of the task's year
    (a 2023 task is due 2023-12-31, whatever the return's 完成时限 column says), ``overdue`` is true
    when that day is before the report date and the task is not 已完成. A later year's task (not
    yet begun) is not listed; later years' lists come in through data/curated/key_tasks.csv."""
    df = db.task_progress(project_no, fmt.quarter_label(report_date)).copy()
    years = pd.to_numeric(df["year"], errors="coerce") if len(df) else pd.Series(dtype=float)
    if len(df):
        df = df[years.isna() | (years <= report_date.year)].copy()
        years = pd.to_numeric(df["year"], errors="coerce")
    df["own_due"] = [task_own_due(y) for y in years]
    df["overdue"] = [task_overdue(y, s, report_date) for y, s in zip(years, df["status"])]
    return df.reset_index(drop=True)


def problems_frame(db, project_no: int, report_date: date) -> pd.DataFrame:
    """The problem list (问题销号) as it stood at the report date: the latest row per problem."""
    return db.problems(project_no, fmt.quarter_label(report_date))


def midpoint_with_demo(db, known_at: date, project_no: int | None = None) -> pd.DataFrame:
    """``db.midpoint_check`` with the data as known at ``known_at`` plus an ``is_demo`` column."""
    mp = db.midpoint_check(project_no=project_no, as_of=known_at).copy()
    st = db.status(as_of=min(known_at, PLAN.midpoint_date), project_no=project_no, known_at=known_at)
    demo_ids = set(st.loc[st["is_demo"].fillna(False).astype(bool), "target_id"])
    mp["is_demo"] = mp["target_id"].isin(demo_ids)
    return mp
