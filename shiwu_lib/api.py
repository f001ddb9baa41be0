"""The researcher-facing API over the built store, and the `shiwu status|midpoint|ranking` commands.

>>> import shiwu_lib as sw                                   # doctest: +SKIP
>>> db = sw.open()
>>> db.status(as_of="2025-12-31").head()                     # one row per target, light + reason
>>> db.midpoint_check(project_no=1)                          # the 2025 midpoint check for project 一
>>> db.ranking(as_of="2025-12-31")                           # 晾晒: projects by how far ahead/behind
>>> db.trajectory("p01-5y-03")                               # the 2000亿元 major-project investment path
>>> db.sql("select * from latest_actuals limit 5")           # plain SQL on the store

All results are pandas DataFrames. ``as_of`` reproduces what was known on a past date: only
periods that had ended and values that had been reported by then (the latest vintage of each).
"""
from __future__ import annotations

import json
import sys
import warnings
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from . import assessment, paths, periods, plan, progress, store, units
from .errors import (InputError, UnknownRegionError, UnknownTargetError, check_choice, check_date,
                     check_period_label, check_project_no, check_text)
from .rules import load_rules

# The plan's facts come from its description (data/curated/plans/*.toml, shiwu_lib/plan.py).


def __getattr__(name: str):
    """MIDPOINT_DATE and FIRST_REPORT_DATE from the default region's plan description, read when first
    asked for (so importing this module never needs the data folder)."""
    if name == "MIDPOINT_DATE":
        return plan.get().midpoint_date
    if name == "FIRST_REPORT_DATE":
        return plan.get().first_report_date
    raise AttributeError(name)

STATUS_COLUMNS = assessment.STATUS_COLUMNS
as_date = assessment.as_date
_as_date = assessment.as_date            # kept for first-wave callers
quarter_end = assessment.quarter_end
previous_quarter_end = assessment.previous_quarter_end
_in_unit = assessment.in_unit


def quarter_ends_until(d: date) -> list[date]:
    """Quarter ends from the plan's first report quarter up to and including the last one <= ``d``."""
    return assessment.quarter_ends_until(d)


class Database:
    """A read-only view of the store with the progress engine on top.

    Time model: ``as_of`` is the report date (the quarter judged; quarter labels such as "2025Q4" are
    accepted wherever a date is); ``known_at`` is the vintage — the data as known on that date. Its
    default everywhere (API, CLI, dashboards, pack) is the date of the newest value in the store
    (:meth:`latest_known_at`), so a quarter is judged with every figure published for it since.
    For a quarter end with the default vintage and rules, :meth:`status`, :meth:`ranking` and
    :meth:`midpoint_check` read the assessment the build stored (``out_`` tables); other dates,
    vintages or rules are computed with the same engine (:class:`shiwu_lib.assessment.Assessor`).
    """

    def __init__(self, path=None, read_only: bool = True, region: str | None = None, rules=None):
        _check_region(region)
        self.path = Path(path) if path else paths.db_path()
        self.con = store.connect(self.path, read_only=read_only)
        self.region = region or plan.default_region()
        self.plan = plan.get(self.region)
        self._cache: dict = {}
        self.set_rules(rules)
        state = self.store_state()
        if not state.current:      # an interrupted ingest or build, or data changed since: say so, once
            warnings.warn(f"{state.reason} — run `shiwu build`", stacklevel=2)

    def store_state(self):
        """Whether the store was built from the data as they are now (``store.StoreState``)."""
        return store.store_state(self.path, self.build_info())

    def set_rules(self, rules=None) -> None:
        """Judge with other rules from now on: a :class:`~shiwu_lib.rules.Rules`, a path to a rules
        TOML, or None for $SHIWU_RULES / the shipped rules.toml. Stored rows are used only while the
        rules equal those of the build."""
        if rules is not None and not isinstance(rules, (str, Path)) and not hasattr(rules, "templates"):
            raise InputError("rules", rules, "expected a Rules, the path of a rules TOML, or None")
        if isinstance(rules, (str, Path)) and not Path(rules).is_file():
            raise InputError("rules", str(rules), "expected the path of a rules TOML file (no such file)")
        if rules is None or isinstance(rules, (str, Path)):
            rules = load_rules(rules)
        self.rules = rules
        self.assessor = assessment.Assessor(self.con, self.region, rules)
        self._cache = {k: v for k, v in self._cache.items() if k[0] in ("targets", "has_column", "info")}

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def sql(self, query: str, params=None) -> pd.DataFrame:
        """Run SQL on the store and return a DataFrame.

        >>> db.sql("select project_no, count(*) n from targets group by 1 order by 1")  # doctest: +SKIP
        """
        check_text("query", query, allow_none=False, what="an SQL string")
        return self.con.execute(query, params or []).df()

    # -- plain tables -----------------------------------------------------------------------
    def projects(self) -> pd.DataFrame:
        return self.assessor.projects().copy()

    def targets(self, project_no: int | None = None) -> pd.DataFrame:
        project_no = self._project_no(project_no)
        t = self.assessor.targets()
        if project_no is not None:
            t = t[t["project_no"] == int(project_no)]
        return t.reset_index(drop=True).copy()

    def actuals(self, as_of=None, indicator_id: str | None = None) -> pd.DataFrame:
        """Latest vintage of every period known at ``as_of`` (default: everything loaded), with sources."""
        as_of = check_date("as_of", as_of)
        if indicator_id is not None and not isinstance(indicator_id, str):
            raise InputError("indicator_id", indicator_id, "expected an indicator id (see db.indicators()) or None")
        d = as_date(as_of) if as_of is not None else date(9999, 12, 31)
        q = """SELECT a.*, s.title AS source_title, s.address AS source_address, s.file_name AS source_file
               FROM actuals_as_of(?) a LEFT JOIN submissions s USING (submission_id)
               WHERE a.region = ?"""
        params: list = [d, self.region]
        if indicator_id:
            q += " AND a.indicator_id = ?"
            params.append(indicator_id)
        return self.sql(q + " ORDER BY indicator_id, period_end, reported_at", params)

    def published_sources(self, known_at=None) -> pd.DataFrame:
        """The published documents (and 推算 derivations) public by ``known_at`` (default: all), with
        their grade: submission_id, title, address, received_at, grade."""
        known_at = check_date("known_at", known_at)
        d = as_date(known_at) if known_at is not None else date(9999, 12, 31)
        grade = "grade" if self.assessor.has_column("submissions", "grade") else "NULL AS grade"
        return self.sql(f"SELECT submission_id, title, address, received_at, {grade} FROM submissions "
                        "WHERE region = ? AND source_type = 'published' AND CAST(received_at AS DATE) <= ? "
                        "ORDER BY received_at, title", [self.region, d])

    def build_info(self) -> dict[str, str]:
        """What the store was built from (schema version, inputs sha256, demo loaded, region, the stored
        assessment's vintage and rules fingerprint)."""
        if ("info",) not in self._cache:
            try:
                self._cache[("info",)] = dict(self.con.execute("SELECT key, value FROM build_info").fetchall())
            except Exception:  # noqa: BLE001 - an older store without build_info
                self._cache[("info",)] = {}
        return dict(self._cache[("info",)])

    def latest_known_at(self) -> date:
        """The date of the newest value in the store: the default ``known_at``."""
        if ("known",) not in self._cache:
            self._cache[("known",)] = assessment.latest_known_at(self.con, self.region)
        return self._cache[("known",)]

    def earliest_period_end(self) -> date | None:
        """The end of the earliest period with a value (None for an empty store)."""
        v = self.con.execute("SELECT min(period_end) FROM actuals WHERE region = ?", [self.region]).fetchall()[0][0]
        return v

    def report_dates(self) -> list[date]:
        """Quarter ends from the plan's first report quarter to the last one by which a period had ended."""
        return assessment.quarter_ends_until(self.latest_report_date(), self.plan.first_report_date)

    def latest_report_date(self) -> date:
        return assessment.latest_report_date(self.con, self.region)

    def latest_quarter_with_data(self) -> date | None:
        """The latest quarter end that is itself the end of a period with a value (a quarter's data)."""
        return self.con.execute(
            """SELECT max(period_end) FROM actuals WHERE region = ?
               AND period_end = last_day(period_end) AND month(period_end) IN (3, 6, 9, 12)""",
            [self.region]).fetchall()[0][0]

    def demo_loaded(self) -> bool:
        """Whether the build loaded the demo returns (示例数据)."""
        info = self.build_info()
        if "demo_loaded" in info:
            return info["demo_loaded"] == "true"
        return bool(self.con.execute("SELECT count(*) FROM actuals WHERE source_type = 'demo'").fetchall()[0][0])

    def indicators(self, project_no: int | None = None) -> pd.DataFrame:
        """Indicators of the region; with ``project_no`` those its targets use."""
        project_no = self._project_no(project_no)
        if project_no is None:
            return self.sql("SELECT * FROM indicators WHERE region = ? ORDER BY indicator_id", [self.region])
        return self.sql("SELECT * FROM indicators WHERE region = ? AND indicator_id IN (SELECT DISTINCT indicator_id "
                        "FROM targets WHERE region = ? AND project_no = ?) ORDER BY indicator_id",
                        [self.region, self.region, int(project_no)])

    CORE_INDICATOR_COLUMNS = ("project_no", "rank", "target_id", "indicator_id", "metric_zh", "reason_zh")

    def core_indicators(self, project_no: int | None = None) -> pd.DataFrame:
        """核心指标: the reviewed core indicators of each project (data/curated/core_indicators.csv, at
        least two per project as the plan asks), by project and rank; rank 1 is the headline of the
        project's card and first chart. Columns: project_no, rank, target_id, indicator_id, metric_zh,
        reason_zh. Empty (same columns) for a store built before the table existed."""
        project_no = self._project_no(project_no)
        if not self.assessor.has_column("core_indicators", "target_id"):
            return pd.DataFrame(columns=list(self.CORE_INDICATOR_COLUMNS))
        where, args = "c.region = ?", [self.region]
        if project_no is not None:
            where, args = where + " AND c.project_no = ?", args + [int(project_no)]
        return self.sql(f"""SELECT c.project_no, c.rank, c.target_id, c.indicator_id, t.metric_zh, c.reason_zh
                            FROM core_indicators c LEFT JOIN targets t ON t.region = c.region AND t.target_id = c.target_id
                            WHERE {where} ORDER BY c.project_no, c.rank""", args)

    def task_progress(self, project_no: int | None, period_label: str) -> pd.DataFrame:
        """Annex 4 (重点任务进度表) as it stood at ``period_label``: every key task with its latest row
        (``project_no=None``: all projects, ordered by project)."""
        project_no = self._project_no(project_no)
        period_label = check_period_label(period_label)
        return self.sql(
            """WITH tp AS (
                   SELECT * FROM task_progress
                   WHERE region = ? AND (CAST(? AS INTEGER) IS NULL OR project_no = ?) AND period_label <= ?
                   QUALIFY row_number() OVER (PARTITION BY region, project_no, task_id
                                              ORDER BY period_label DESC, reported_at DESC) = 1)
               SELECT coalesce(k.task_id, tp.task_id) AS task_id, k.seq, k.year, k.text_zh, tp.period_label, tp.status,
                      tp.progress_pct, tp.progress_text, tp.due, tp.lead_unit, tp.partner_units, tp.source_type,
                      coalesce(k.project_no, tp.project_no) AS project_no
               FROM (SELECT * FROM key_tasks WHERE region = ? AND (CAST(? AS INTEGER) IS NULL OR project_no = ?)) k
               FULL OUTER JOIN tp ON tp.task_id = k.task_id AND tp.project_no = k.project_no
               ORDER BY coalesce(k.project_no, tp.project_no), k.year NULLS LAST, k.seq NULLS LAST, 1""",
            [self.region, project_no, project_no, period_label, self.region, project_no, project_no])

    def problems(self, project_no: int | None, period_label: str) -> pd.DataFrame:
        """Annex 5 (问题销号进度表) as it stood at ``period_label``: the latest row per problem
        (``project_no=None``: all projects, ordered by project)."""
        project_no = self._project_no(project_no)
        period_label = check_period_label(period_label)
        return self.sql(
            """SELECT * FROM problems
               WHERE region = ? AND (CAST(? AS INTEGER) IS NULL OR project_no = ?) AND period_label <= ?
               QUALIFY row_number() OVER (PARTITION BY region, project_no, problem_id
                                          ORDER BY period_label DESC, reported_at DESC) = 1
               ORDER BY project_no, struck_off, due NULLS LAST, problem_id""",
            [self.region, project_no, project_no, period_label])

    def missing_returns(self, period_label: str, today: date | None = None) -> pd.DataFrame:
        """催报: one row per project and table not returned for ``period_label`` (project_no, sheet, …)."""
        today = check_date("today", today)
        from .returns.missing import missing_returns

        return missing_returns(self.con, period_label, region=self.region, today=today)

    def late_returns(self, as_of=None, known_at=None) -> pd.DataFrame:
        """催报 of the report quarter of ``as_of`` (default: the latest report date) judged on ``known_at``
        (default :meth:`latest_known_at`): one row per project that has not returned all three tables.

        Columns: project_no, project (一 扩投资), lead_unit, missing (the tables, 、-separated), n_missing,
        deadline, overdue, days_late — the rows the dashboards' 催报 list shows for that day.
        """
        from .returns.common import DATA_SHEETS
        from .fmt import cn_number

        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        d = as_date(as_of) if as_of is not None else self.latest_report_date()
        today = self._known(known_at)
        label = periods.quarter_label(d)
        cols = ["project_no", "project", "lead_unit", "missing", "n_missing", "deadline", "overdue", "days_late"]
        rows = self.missing_returns(label, today=today)
        if rows.empty:
            return pd.DataFrame(columns=cols)
        order = {s: i for i, s in enumerate(DATA_SHEETS)}
        rows = rows.assign(_o=rows["sheet"].map(order)).sort_values(["project_no", "_o"])
        g = rows.groupby("project_no", sort=True)
        out = pd.DataFrame({"missing": g["sheet"].agg("、".join), "n_missing": g.size(),
                            "short_zh": g["project"].first(), "lead_unit": g["lead_unit"].first(),
                            "deadline": g["deadline"].first(), "days_late": g["days_overdue"].max()}).reset_index()
        out["project"] = [f"{cn_number(int(n))} {s}" for n, s in zip(out["project_no"], out["short_zh"])]
        out["overdue"] = out["days_late"] > 0
        return out[cols].reset_index(drop=True)

    def source_register(self) -> pd.DataFrame:
        """The reviewed register of published sources (data/curated/sources.csv, table ``source_register``)
        beside each published document of the store: submission_id, title, address, grade (the store's),
        reviewed (whether the register has a row), publisher_zh ('' = 发布单位待核), document_title,
        title_supplied, published_on, date_estimated, register_grade, original_zh, cites_zh, language_zh,
        review_zh. Derivations (推算) have no register row: they name the documents they are computed from."""
        has = bool(self.sql("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'source_register'")
                   ["n"].iloc[0])
        if not has:      # a store built before the register existed: every source unreviewed
            df = self.sql("SELECT submission_id, title, address, grade FROM submissions "
                          "WHERE region = ? AND source_type = 'published' ORDER BY received_at, title", [self.region])
            for c in ("publisher_zh", "document_title", "title_supplied", "published_on", "date_estimated",
                      "register_grade", "original_zh", "cites_zh", "language_zh", "review_zh"):
                df[c] = None
            df["reviewed"] = False
            return df
        return self.sql(
            """SELECT s.submission_id, s.title, s.address, s.grade, r.submission_id IS NOT NULL AS reviewed,
                      r.publisher_zh, r.document_title, r.title_supplied, r.published_on, r.date_estimated,
                      r.grade AS register_grade, r.original_zh, r.cites_zh, r.language_zh, r.review_zh
               FROM submissions s LEFT JOIN source_register r
                    ON r.submission_id = s.submission_id AND r.region = s.region
               WHERE s.region = ? AND s.source_type = 'published'
               ORDER BY s.received_at, s.title""", [self.region])

    # -- the engine -------------------------------------------------------------------------
    # -- argument checks (shiwu_lib.errors: one line naming the input) ------------------------------
    def _project_no(self, value, allow_none: bool = True) -> int | None:
        return check_project_no(value, self.plan.project_count, allow_none=allow_none)

    def _target_id(self, value) -> str:
        if not isinstance(value, str) or not value.strip():
            raise UnknownTargetError("target_id", value, "expected a target id such as p01-5y-03 (see db.targets())")
        if value not in set(self.assessor.targets()["target_id"]):
            close = sorted(t for t in self.assessor.targets()["target_id"] if t.startswith(value[:4]))[:3]
            hint = f"; ids look like {', '.join(close)}" if close else "; ids look like p01-5y-03"
            raise UnknownTargetError("target_id", value, f"no such target in region {self.region} "
                                     f"(see db.targets(){hint})")
        return value

    @staticmethod
    def spec(t) -> progress.TargetSpec:
        return assessment.target_spec(t)

    def _observations(self, as_of: date) -> dict[str, list[progress.Observation]]:
        return self.assessor.observations(as_of)[0]

    def _known(self, known_at) -> date:
        return as_date(known_at) if known_at is not None else self.latest_known_at()

    def _stored(self, d: date, known: date) -> bool:
        """Whether the build stored the assessment of report date ``d`` with vintage ``known`` and these rules."""
        info = self.build_info()
        stored_known = info.get(f"assessment_known_at:{self.region}",
                                info.get("assessment_known_at") if self.region == info.get("default_region") else None)
        return (assessment.is_quarter_end(d) and stored_known == str(known) and d in self._stored_dates()
                and info.get("rules_sha256") == assessment.rules_fingerprint(self.rules)
                and self.assessor.has_column("out_target_status", "report_date"))

    def _stored_dates(self) -> set[date]:
        """Report dates the build stored for this region (empty for an older store)."""
        if ("stored_dates",) not in self._cache:
            dates: set[date] = set()
            if self.assessor.has_column("out_target_status", "report_date"):
                rows = self.con.execute("SELECT DISTINCT report_date FROM out_target_status WHERE region = ?",
                                        [self.region]).fetchall()
                dates = {pd.Timestamp(r[0]).date() for r in rows}
            self._cache[("stored_dates",)] = dates
        return self._cache[("stored_dates",)]

    def _read_out(self, table: str, where: str, params: list) -> pd.DataFrame:
        df = self.sql(f"SELECT * FROM {table} WHERE region = ? AND {where}", [self.region] + params)
        for c in ("report_date", "known_at", "time_progress_date"):
            if c in df.columns:
                df[c] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[c]]
        for c in ("likely_met", "met", "on_track", "prev_status", "rank_prev", "rank_change", "light_prev"):
            if c in df.columns:
                df[c] = df[c].astype(object).where(df[c].notna(), None)
        return df

    def status(self, as_of=None, project_no: int | None = None, known_at=None) -> pd.DataFrame:
        """One row per target: actual vs target, 序时进度, completion, light and a Chinese reason.

        ``as_of`` is the report date (periods ended by then count, time progress is measured at it;
        default: today); ``known_at`` (default: the newest value in the store) is the vintage.
        ``time_progress`` is the 序时 the light used (at ``time_progress_date``: the data's end when
        they are recent, else the report date — rules.toml [pace]); ``ahead_pp`` is always
        ``(completion − time_progress) × 100``. The status memory — ``prev_status`` / ``prev_ahead_pp``
        at the previous quarter end and ``red_streak`` (consecutive quarter ends, this one included, in
        red) — is judged with the same ``known_at``, so a change of light is a change of position.
        Every column is described in docs/data-dictionary.md (table out_target_status).

        >>> db.status(as_of="2025Q4")[["target_id", "completion", "status", "reason"]]  # doctest: +SKIP
        """
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        project_no = self._project_no(project_no)
        d = as_date(as_of)
        known = self._known(known_at)
        if self._stored(d, known):
            df = self._read_out("out_target_status", "report_date = ? ORDER BY project_no, target_id", [d])
            df = df[STATUS_COLUMNS]
        else:
            df = self.assessor.status(d, known)
        if project_no is not None:
            df = df[df["project_no"] == int(project_no)]
        return df.reset_index(drop=True)

    def midpoint_check(self, project_no: int | None = None, as_of=None, known_at=None) -> pd.DataFrame:
        """The 2025 midpoint check (the plan's midpoint date): each 2025 target met or missed (with the
        gap); each 2027 target's status row at the midpoint date (same 序时, same pp, on track = green).
        Values as known at ``known_at`` (``as_of`` is accepted for the same, as in the first wave;
        default: the newest value in the store, so 2025 figures published in 2026 count).

        >>> db.midpoint_check(project_no=1)  # doctest: +SKIP
        """
        project_no = self._project_no(project_no)
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        known = self._known(known_at if known_at is not None else as_of)
        if self._stored(self.plan.midpoint_date if known >= self.plan.midpoint_date else quarter_end(known), known) \
                and self.assessor.has_column("out_midpoint", "check"):
            mp = self._read_out("out_midpoint", "known_at = ? ORDER BY project_no, \"check\", target_id", [known])
            mp = mp.drop(columns=["region", "known_at"])
        else:
            mp = self.assessor.midpoint(known)
        if project_no is not None:
            mp = mp[mp["project_no"] == int(project_no)]
        return mp.reset_index(drop=True)

    def ranking(self, as_of=None, by: str = "project", known_at=None) -> pd.DataFrame:
        """晾晒 ranking at report date ``as_of`` over the firm targets in play (see :mod:`shiwu_lib.lights`):
        the mean score (``score_pp``: percentage points ahead of (+) / behind (−) 序时进度, each target
        clipped to ±[ranking] score_cap_pp — one scale for every kind), then the share of green, then
        fewer reds. ``by="lead_unit"`` ranks the lead units (牵头单位) instead of the projects.
        ``rank_prev`` / ``light_prev`` are the previous quarter end's (same ``known_at``),
        ``rank_change`` = rank_prev − rank (位次变化, + = moved up), ``red_streak`` = consecutive
        quarter ends with a red light.

        >>> db.ranking(as_of="2025Q4")[["rank", "short_zh", "score_pp", "rank_change", "light"]]  # doctest: +SKIP
        """
        by = check_choice("by", by, ("project", "lead_unit"))
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        d = as_date(as_of)
        known = self._known(known_at)
        if not self._stored(d, known):
            return self.assessor.ranking(d, known, by)
        rk = self._read_out("out_ranking", "report_date = ? AND \"by\" = ? ORDER BY rank", [d, by])
        key = "project_no" if by == "project" else "lead_unit"
        if by == "project":
            rk["project_no"] = rk["key"].astype(int)
            pr = self.projects()[["project_no", "short_zh", "name_zh", "lead_unit"]]
            rk = rk.merge(pr, on="project_no", how="left")
            ps = self._read_out("out_project_status", "report_date = ?", [d]).set_index("project_no")
            rk["any_demo"] = rk["project_no"].map(ps["any_demo"]).fillna(False).astype(bool)
        else:
            rk["lead_unit"] = rk["key"]
        cols = [key] + progress.RANK_COLUMNS + (["short_zh", "name_zh", "lead_unit", "light", "any_demo"]
                                                if by == "project" else ["light"]) + list(assessment.RANKING_MEMORY_COLUMNS)
        return rk[cols].reset_index(drop=True)

    def project_status(self, as_of=None, known_at=None) -> pd.DataFrame:
        """One row per project: light, counts of its in-play firm targets, rank and 位次变化."""
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        d = as_date(as_of)
        known = self._known(known_at)
        if self._stored(d, known):
            return self._read_out("out_project_status", "report_date = ? ORDER BY project_no", [d]) \
                .drop(columns=["region"]).reset_index(drop=True)
        st = self.assessor.status(d, known)
        out = assessment.project_status_frame(st, self.assessor.ranking(d, known, "project"), d)
        return out.assign(report_date=d, known_at=known).sort_values("project_no").reset_index(drop=True)

    def trajectory(self, target_id: str, as_of=None, known_at=None) -> pd.DataFrame:
        """Points for a target's trajectory chart, in the target's unit.

        Columns: ``series`` (baseline | target_path | actual | projection), ``date``, ``value``,
        ``period_label``, ``source_type``, ``source_title``. For cumulative flows the actual series is
        cumulative since the start of the span (full years summed, the current year year-to-date).
        ``attrs`` carry the unit, the light and its reason.

        >>> db.trajectory("p01-5y-03", as_of="2025-12-31")  # doctest: +SKIP
        """
        target_id = self._target_id(target_id)
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        d = as_date(as_of)
        known = self._known(known_at)
        tg = self.targets().set_index("target_id")
        if target_id not in tg.index:
            raise UnknownTargetError("target_id", target_id, f"no such target in region {self.region} (see db.targets())")
        t = tg.loc[target_id]
        spec = self.spec(_Row(target_id=target_id, **t.to_dict()))
        rate = t["kind"] == "growth_rate"
        factor = 1.0 if rate else units.to_base(1.0, t["unit"])
        ind = t["indicator_id"] if isinstance(t["indicator_id"], str) else None
        acts = self.actuals(as_of=max(d, known), indicator_id=ind) if ind else pd.DataFrame()
        if not acts.empty:
            acts = acts[acts["period_end"] <= pd.Timestamp(d)]
        obs = [o for o in self._observations(max(d, known)).get(ind, []) if o.period_end <= d] if ind else []
        a = progress.assess(spec, obs, d, self.rules)
        start, end = progress.target_window(spec)
        pts = []
        base = a.baseline if a.baseline is not None else (0.0 if t["kind"] == "cumulative_flow" else None)
        day_before = pd.Timestamp(start) - pd.Timedelta(days=1)
        if base is not None:
            pts.append(("baseline", day_before, base / factor, a.baseline_period or f"{start.year - 1}", "", ""))
            pts.append(("target_path", day_before, base / factor, "", "", ""))
        elif rate:
            pts.append(("target_path", pd.Timestamp(start), t["value"], "", "", ""))
        pts.append(("target_path", pd.Timestamp(end), t["value"], str(t["target_year"]), "", ""))
        if not acts.empty:
            acts = acts[acts["period_end"] >= day_before - pd.Timedelta(days=365)].sort_values("period_end")
            cumulative = t["kind"] == "cumulative_flow" and "-" in str(t["period"])
            full: dict[int, float] = {}
            for r in acts.itertuples(index=False):
                v = r.value if rate else r.value_base
                if cumulative:
                    if r.year < start.year or r.year > end.year:
                        continue
                    if pd.Timestamp(r.period_end).month == 12:
                        full[r.year] = r.value_base
                    v = sum(x for y, x in full.items() if y < r.year) + r.value_base
                pts.append(("actual", pd.Timestamp(r.period_end), v if rate else v / factor, r.period_label,
                            r.source_type, r.source_title or ""))
        actual_pts = [p for p in pts if p[0] == "actual"]
        if a.projected is not None and actual_pts:
            last = actual_pts[-1]
            pts.append(("projection", last[1], last[2], last[3], "", ""))
            pts.append(("projection", pd.Timestamp(end), a.projected if rate else a.projected / factor,
                        str(t["target_year"]), "", ""))
        out = pd.DataFrame(pts, columns=["series", "date", "value", "period_label", "source_type", "source_title"])
        out.attrs.update({"target_id": target_id, "unit": t["unit"], "status": a.status, "reason": a.reason_zh})
        return out

    # -- the data package -----------------------------------------------------------------------
    def export(self, out_dir, as_of=None, known_at=None) -> Path:
        """Write the data package (Frictionless style) to ``out_dir``: ``datapackage.json`` and, per
        table, CSV (UTF-8 with BOM) and Parquet — projects, units, indicators, targets (with quotes),
        actuals (every vintage known at ``known_at``, with source, grade, 示例数据 and quality flags as
        columns) and the assessment of report date ``as_of`` (default: the latest quarter with data).
        Returns the path of datapackage.json; :func:`shiwu_lib.export.summary` lists its resources.

        >>> db.export("pkg", as_of="2025Q4")                   # doctest: +SKIP
        """
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        if not isinstance(out_dir, (str, Path)) or not str(out_dir).strip():
            raise InputError("out_dir", out_dir, "expected a folder path (str or Path)")
        from . import export as _export

        return _export.export(self, out_dir, as_of=as_of, known_at=known_at)

    # -- charts (shiwu_lib.charts, the figures the dashboards draw) -------------------------------
    def plot_trajectory(self, target_id: str, as_of=None, known_at=None):
        """The trajectory chart of one target (a Plotly figure): base value, target path, actual
        values (hover: period and source), the projection at the observed pace and the report date;
        the light and its reason as subtitle; stamped 示例数据 when demo values are drawn.
        Same arguments as :meth:`trajectory` (``as_of`` default: today).

        >>> db.plot_trajectory("p01-5y-03", as_of="2025Q4").show()   # doctest: +SKIP
        """
        from . import charts

        target_id = self._target_id(target_id)
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        tr = self.trajectory(target_id, as_of=as_of, known_at=known_at)
        t = self.targets().set_index("target_id").loc[target_id]
        unit = "%" if t["kind"] == "growth_rate" else (t["unit"] or "")

        def num(v) -> str:
            return f"{v:,.4g}{unit}"
        data: dict = {"title": f"{t['metric_zh']}（{unit}）" if unit else str(t["metric_zh"]), "unit": unit,
                      "paths": [], "annual": [], "report_date": as_date(as_of),
                      "from_zero": t["kind"] == "cumulative_flow"}
        path = tr[tr["series"] == "target_path"]
        if len(path):
            word = "力争" if bool(t["stretch"]) else "目标"
            data["paths"].append({"name": f"{word}：{num(t['value'])}（{int(t['target_year'])}年）",
                                  "x": list(path["date"]), "y": list(path["value"]), "stretch": bool(t["stretch"])})
        base = tr[tr["series"] == "baseline"]
        if len(base):
            data["baseline"] = {"x": base["date"].iloc[0], "y": float(base["value"].iloc[0]),
                                "label": f"基期值（{base['period_label'].iloc[0]}）：{num(base['value'].iloc[0])}"}
        act = tr[tr["series"] == "actual"].sort_values("date")
        if len(act):
            src = ["示例数据" if s == "demo" else (ti or s) for s, ti in zip(act["source_type"], act["source_title"])]
            data["actual"] = pd.DataFrame({"date": act["date"].to_list(), "value": act["value"].to_list(),
                                           "text": [f"{lab}：{num(v)}<br>来源：{x}" for lab, v, x
                                                    in zip(act["period_label"], act["value"], src)]})
            data["demo"] = bool((act["source_type"] == "demo").any())
        proj = tr[tr["series"] == "projection"]
        if len(proj) == 2:
            data["projection"] = {"x": list(proj["date"]), "y": list(proj["value"]),
                                  "text": f"按当前进度预计{int(t['target_year'])}年：{num(proj['value'].iloc[-1])}"}
        light = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "灰灯"}.get(tr.attrs.get("status"), "")
        # one line above the chart (the whole reason is in tr.attrs["reason"] / db.status()["reason"])
        head = ""
        for part in str(tr.attrs.get("reason") or "").split("，"):
            if head and len(head) + len(part) + 1 > 24:
                break
            head = f"{head}，{part}" if head else part
        data["subtitle"] = f"{light} · {head}".strip(" ·")
        return charts.trajectory(data)

    def plot_lights(self, known_at=None, project_no: int | None = None, title: str | None = None):
        """Project lights (工程总灯) quarter by quarter, every report quarter in date order (a Plotly
        figure; the rows are :meth:`project_status` of each quarter end with the same ``known_at``)."""
        from . import charts

        known_at = check_date("known_at", known_at)
        project_no = self._project_no(project_no)
        rows = []
        for d in sorted(self.report_dates()):
            ps = self.project_status(as_of=d, known_at=known_at)
            for r in ps.itertuples(index=False):
                if project_no is None or r.project_no == project_no:
                    rows.append({"report_date": d, "quarter": f"{d.year}Q{(d.month - 1) // 3 + 1}",
                                 "project_no": int(r.project_no), "project": f"{int(r.project_no)} {r.short_zh}",
                                 "status": r.light})
        df = pd.DataFrame(rows, columns=["report_date", "quarter", "project_no", "project", "status"])
        df = df.sort_values(["report_date", "project_no"], kind="stable")   # by date, never by label
        fig = charts.light_timeline(df, title=title or "工程总灯逐季变化")
        order = {f"{charts.STATUS_ZH[k]}灯": i for i, k in enumerate(("green", "yellow", "red", "grey"))}
        fig.data = tuple(sorted(fig.data, key=lambda tr: order.get(tr.name, 9)))   # legend 绿 黄 红 灰
        if self.demo_loaded():
            fig.update_layout(legend=dict(x=0.86, xanchor="right"))              # the stamp takes the corner
            charts.add_demo_label(fig)
        return fig

    def plot_ranking(self, as_of=None, by: str = "project", known_at=None, title: str | None = None):
        """The 晾晒 ranking as bars (score in percentage points ahead/behind 序时进度, rank 1 on top)."""
        from . import charts

        by = check_choice("by", by, ("project", "lead_unit"))
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        rk = self.ranking(as_of=as_of, by=by, known_at=known_at).sort_values("rank")
        label = ([f"{int(n)} {s}" for n, s in zip(rk["project_no"], rk["short_zh"])] if by == "project"
                 else list(rk["lead_unit"]))
        df = pd.DataFrame({"label": label, "score": rk["score_pp"].to_list(), "status": rk["light"].to_list(),
                           "hover": [f"第{int(r)}名 · 绿灯{g:.0%} · 红灯{int(n)}项" if pd.notna(g) else f"第{int(r)}名"
                                     for r, g, n in zip(rk["rank"], rk["share_green"], rk["n_red"])]})
        demo = bool(rk["any_demo"].any()) if "any_demo" in rk else self.demo_loaded()
        return charts.ranking_bars(df, title=title or "晾晒排名：平均快于（+）/慢于（−）序时进度", demo=demo)

    def plot_pace(self, target_id: str, as_of=None, known_at=None, title: str | None = None):
        """Observed pace per year against the pace still required (UN ESCAP-style), from the
        target's :meth:`status` row (``observed_rate``, ``required_rate``)."""
        from . import charts

        target_id = self._target_id(target_id)
        as_of, known_at = check_date("as_of", as_of), check_date("known_at", known_at)
        st = self.status(as_of=as_of, known_at=known_at)
        r = st.set_index("target_id").loc[target_id]
        unit = "%" if r["kind"] == "growth_rate" else f"{r['unit']}/年"
        df = pd.DataFrame({"label": ["已观察年均进度", "剩余需要年均进度"],
                           "value": [r["observed_rate"], r["required_rate"]]})
        return charts.pace_bars(df, unit, title or f"{r['metric_zh']}：观察进度与所需进度",
                                demo=bool(r["is_demo"]))


def _check_region(region) -> None:
    """Refuse a region without a plan description before anything is opened."""
    if region is None:
        return
    known = list(plan.all_plans())
    if not isinstance(region, str) or region not in known:
        raise UnknownRegionError("region", region, f"expected one of {', '.join(known)} "
                                 "(a region needs a plan description in data/curated/plans/)")


class _Row:
    """Attribute access over a dict (a targets row for :meth:`Database.spec`)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


# -- CLI ------------------------------------------------------------------------------------

def _emit(df: pd.DataFrame, fmt: str, out: str | None) -> None:
    if fmt == "csv":
        text = df.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso")),
                          ensure_ascii=False, indent=1) + "\n"
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250,
                               "display.max_colwidth", 40, "display.unicode.east_asian_width", True):
            text = df.to_string(index=False) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _open(args) -> Database:
    return Database(getattr(args, "db", None))


def cli_status(args) -> int:
    with _open(args) as db:
        st = db.status(as_of=args.as_of, project_no=args.project, known_at=getattr(args, "known_at", None))
    cols = ["project_no", "target_id", "metric_zh", "target_year", "target_value", "unit", "latest_actual",
            "latest_period", "time_progress", "completion", "status", "reason"]
    df = st if args.format in ("csv", "json") else st[cols]
    if args.format == "table":
        df = df.copy()
        df["time_progress"] = df["time_progress"].map(lambda v: f"{v:.0%}")
        df["completion"] = df["completion"].map(lambda v: "" if v is None or pd.isna(v) else f"{v:.0%}")
        df["latest_actual"] = df["latest_actual"].map(lambda v: "" if v is None or pd.isna(v) else f"{v:,.4g}")
    _emit(df, args.format, args.out)
    return 0


def cli_midpoint(args) -> int:
    with _open(args) as db:
        _emit(db.midpoint_check(project_no=args.project, as_of=args.as_of), args.format, args.out)
    return 0


def cli_ranking(args) -> int:
    with _open(args) as db:
        _emit(db.ranking(as_of=args.as_of, by=args.by, known_at=getattr(args, "known_at", None)), args.format, args.out)
    return 0


def cli_export(args) -> int:
    """``shiwu export --as-of DATE --out DIR [--known-at DATE] [--db PATH]``: the data package."""
    from . import export as _export

    with _open(args) as db:
        path = db.export(args.out, as_of=getattr(args, "as_of", None), known_at=getattr(args, "known_at", None))
    info = _export.summary(path)
    sys.stdout.write(f"wrote {path} ({len(info)} resources, CSV UTF-8 with BOM + Parquet)\n")
    with pd.option_context("display.width", 200, "display.max_columns", None):
        sys.stdout.write(info.to_string(index=False) + "\n")
    return 0
