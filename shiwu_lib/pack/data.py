"""The numbers of one report date, read once from the public API (no SQL here).

Report date R (``as_of``, default ``db.latest_report_date()``) with the data as they stand at
``known_at`` (default: the date of the newest value in the store, as on the dashboards):
``db.status(as_of=R, known_at=K)``, ``db.ranking(as_of=R, known_at=K)`` (rank, 位次变化 and the red
streak), ``db.midpoint_check(as_of=K)``, ``db.actuals(as_of=K)``, ``db.published_sources(known_at=K)``
with the reviewed register ``db.source_register()``, ``db.build_info()``; key tasks (附件4)
``db.task_progress(None, quarter)``, problems (附件5) ``db.problems(None, quarter)`` and late returns
``db.late_returns(R, known_at=K)`` — all projects in one call each; callers may pass tasks and problems.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from .. import fmt, progress
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)
from ..api import FIRST_REPORT_DATE, MIDPOINT_DATE, Database, as_date
from .common import DEMO, GREY, isnan

log = logging.getLogger("shiwu.pack")

TASK_COLUMNS = ["project_no", "task_id", "seq", "year", "text_zh", "period_label", "status", "progress_pct",
                "progress_text", "due", "lead_unit", "partner_units", "source_type"]
PROBLEM_COLUMNS = ["project_no", "problem_id", "period_label", "problem_text", "due", "progress_text",
                   "responsible", "struck_off", "source_type"]


class PackNoData(LookupError):
    """The report date has no data in the store (one clear line for the CLI)."""


@dataclass
class PackData:
    as_of: date
    known_at: date
    st: pd.DataFrame          # db.status(as_of, known_at=...) — every target
    projects: pd.DataFrame
    ranking: pd.DataFrame     # db.ranking(as_of, known_at=...): in-play firm targets, light, 位次变化
    overview: pd.DataFrame    # views.overview_frame: light, counts and headline per project
    midpoint: pd.DataFrame    # progress.midpoint at min(as_of, 2025-12-31) + is_demo
    sources: dict             # (indicator_id, period_label) -> (source_type, title, address, file)
    published: pd.DataFrame   # db.published_sources(known_at): title, address, received_at, grade
    register: pd.DataFrame    # db.source_register(): the reviewed publisher, title, date of each document
    build_info: dict
    core_ids: pd.DataFrame    # the 核心指标 table (db.core_indicators())
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)    # db.targets()
    tasks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TASK_COLUMNS))
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    late: pd.DataFrame | None = None   # late returns of the report quarter (None: not available)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)   # db.indicators() when the API has it

    @property
    def pre_midpoint(self) -> bool:
        """The report date is before the 2025 midpoint: 2025 targets are still in progress."""
        return self.as_of < MIDPOINT_DATE

    @property
    def play(self) -> pd.DataFrame:
        return views.firm_in_play(self.st, self.as_of)

    @property
    def demo(self) -> bool:
        return bool(self.st["is_demo"].fillna(False).astype(bool).any()) or bool(self.midpoint["is_demo"].any())

    @property
    def quarter_label(self) -> str:
        return fmt.quarter_label(self.as_of)


def _with_columns(df: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if df is None or not len(df):
        return pd.DataFrame(columns=columns)
    df = df.copy()
    for c in columns:
        if c not in df.columns:
            df[c] = None
    return df.reset_index(drop=True)


def load_tasks(db: Database, projects: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """附件4 rows: each key task with its latest progress up to the report date (TASK_COLUMNS):
    ``db.task_progress(None, quarter)`` (every project in one read)."""
    return _with_columns(db.task_progress(None, fmt.quarter_label(report_date)), TASK_COLUMNS)


def load_problems(db: Database, projects: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """附件5 rows: each problem as it stood at the report date (PROBLEM_COLUMNS): ``db.problems(None, quarter)``."""
    return _with_columns(db.problems(None, fmt.quarter_label(report_date)), PROBLEM_COLUMNS)


def known_at_default(db: Database) -> date:
    """The date of the newest value in the store (the dashboards' default data vintage)."""
    return db.latest_known_at()


def core_ids(db: Database) -> pd.DataFrame:
    """The reviewed 核心指标 table: the headline of each project, as on the dashboards."""
    return db.core_indicators()


def load_late(db: Database, report_date: date, known_at: date) -> pd.DataFrame:
    """催报: projects that had not returned the quarter's tables, judged on ``known_at``."""
    return db.late_returns(report_date, known_at=known_at)


def load(db: Database, as_of=None, known_at=None, *, tasks: pd.DataFrame | None = None,
         problems: pd.DataFrame | None = None) -> PackData:
    """Everything the pack shows, read once. ``tasks`` / ``problems`` override the 附件4/5 rows."""
    r = as_date(as_of) if as_of is not None else db.latest_report_date()
    if r < FIRST_REPORT_DATE:
        raise PackNoData(f"{r.isoformat()} 没有数据：最早的报告期是 {FIRST_REPORT_DATE.isoformat()}")
    k = as_date(known_at) if known_at is not None else known_at_default(db)
    st = db.status(as_of=r, known_at=k)
    if st.empty or (st["status"] == GREY).all():
        dates = db.report_dates()
        raise PackNoData(f"{r.isoformat()} 没有数据（数据截至 {k.isoformat()}）：可用的报告期为 "
                         f"{dates[0].isoformat()} 至 {dates[-1].isoformat()}")
    projects = db.projects()
    core = core_ids(db)
    rk = db.ranking(as_of=r, known_at=k)
    ov = views.overview_frame(st, projects, r, core)
    mid_r = min(r, MIDPOINT_DATE)
    st_mid = st if mid_r == r else db.status(as_of=mid_r, known_at=k)
    mp = progress.midpoint(st_mid)
    demo_ids = set(st_mid.loc[st_mid["is_demo"].fillna(False).astype(bool), "target_id"])
    mp["is_demo"] = mp["target_id"].isin(demo_ids)
    mp = mp.merge(st_mid[["target_id", "indicator_id", "source_types", "time_progress", "ahead_pp",
                          "time_progress_date"]], on="target_id", how="left")
    acts = db.actuals(as_of=k)
    acts = acts[pd.to_datetime(acts["period_end"]) <= pd.Timestamp(r)]
    sources = {(a.indicator_id, a.period_label): (a.source_type, a.source_title, a.source_address, a.source_file)
               for a in acts.itertuples(index=False)}
    published = db.published_sources(known_at=k)
    register = db.source_register()
    info = db.build_info()
    return PackData(
        as_of=r, known_at=k, st=st, projects=projects, ranking=rk, overview=ov, midpoint=mp, sources=sources,
        published=published, register=register, build_info=info, core_ids=core, targets=db.targets(),
        tasks=tasks if tasks is not None else load_tasks(db, projects, r),
        problems=problems if problems is not None else load_problems(db, projects, r),
        late=load_late(db, r, k), indicators=_indicators(db),
    )


def _indicators(db: Database) -> pd.DataFrame:
    api = getattr(db, "indicators", None)
    try:
        return api() if callable(api) else pd.DataFrame()
    except Exception as exc:  # noqa: BLE001 - the charts fall back to db.targets()
        log.info("db.indicators() failed: %s", exc)
        return pd.DataFrame()


def latest_source_type(row, sources: dict) -> str | None:
    """published | return | demo: where the latest compared value of a status row comes from (None: no data)."""
    if isnan(row.get("latest_period")) or not isinstance(row.get("indicator_id"), str):
        return None
    src = sources.get((row["indicator_id"], row["latest_period"]))
    if src is not None:
        return src[0]
    types = [t for t in str(row.get("source_types") or "").split(";") if t]
    return types[0] if len(types) == 1 else None


def source_text(row, sources: dict, register: pd.DataFrame | dict | None = None) -> tuple[str, bool]:
    """(数据来源 of a status row, whether demo values contributed): the source of the latest period
    compared — 公开发布 with the document's title, 部门报表, or 示例数据 — plus the other kinds used."""
    from .sources import describe_title

    types = [t for t in str(row.get("source_types") or "").split(";") if t]
    if isnan(row.get("latest_period")) or not isinstance(row.get("indicator_id"), str):
        return "—", False
    src = sources.get((row["indicator_id"], row["latest_period"]))
    parts: list[str] = []
    main_type = None
    if src is not None:
        main_type, title, _address, file_name = src
        if main_type == "published":
            parts.append(f"公开发布：{describe_title(title, _address, register)}" if title else "公开发布")
        elif main_type == "return":
            parts.append(f"部门报表：{file_name}" if file_name else "部门报表")
        elif main_type == "demo":
            parts.append(DEMO + "（部门报表演示值）")
        else:
            parts.append(str(main_type))
    others = [t for t in types if t != main_type]
    names = {"published": "公开发布数据", "return": "部门报表", "demo": DEMO}
    if others:
        parts.append("另含" + "、".join(names.get(t, t) for t in others))
    demo = main_type == "demo" or "demo" in types
    return "；".join(parts) if parts else "—", demo


def headline_rows(data: PackData) -> dict[int, dict | None]:
    """project_no -> the headline status row (the 总览 card's 核心指标) as a dict, or None."""
    out = {}
    for no, head in zip(data.overview["project_no"], data.overview["headline"]):
        out[int(no)] = None if head is None or (isinstance(head, float) and isnan(head)) else dict(head)
    return out
