"""The assessment of a store: the progress engine applied to every target, quarter by quarter.

One place computes what every view shows. The build step :func:`write_out_tables` runs it for every
report quarter from the plan's first quarter to the latest and stores the rows as ``out_target_status``,
``out_project_status``, ``out_ranking`` and ``out_midpoint`` (pudl-style ``out_`` tables);
:class:`shiwu_lib.api.Database` reads those rows and computes with :class:`Assessor` only for other dates,
other vintages or other rules.

Which vintage a stored quarter is judged with: the data as they stand in the store (``known_at`` =
the date of the newest value, :func:`latest_known_at`), so the 2025年四季度 rows contain the 2025
full-year figures published in 2026 — what the dashboards and the pack show. Judging a quarter with
what was known on a past date is ``db.status(as_of=…, known_at=<that date>)`` (computed).

This module reads the store through the connection it is given and imports nothing above the engine
(no api, no views): the store layer, the build and the API all use it.
"""
from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_right
from dataclasses import asdict
from datetime import date, datetime
from functools import partial
from operator import itemgetter

import numpy as np
import pandas as pd

from . import lights, periods, plan, progress, units
from .rules import Rules

STATUS_COLUMNS = [
    "project_no", "target_id", "metric_zh", "section", "kind", "period", "start_year", "target_year",
    "target_value", "unit", "comparator", "stretch", "latest_actual", "latest_period", "time_progress",
    "completion", "ahead_pp", "gap", "projected", "observed_rate", "required_rate", "likely_met", "met",
    "status", "reason", "method", "baseline", "baseline_source", "indicator_id", "lead_unit",
    "project_short", "firm_target_id", "source_types", "is_demo",
    # added by the verdicts issue (9); time_progress is the 序时 the light used, measured at
    # time_progress_date; time_progress_report is the calendar 序时 of the report date
    "report_date", "known_at", "time_progress_date", "time_progress_report", "data_lag_months", "stale",
    "baseline_period", "baseline_source_title", "projected_share", "projected_completion",
    "observed_cagr", "required_cagr", "escap_ratio", "escap_class", "sdg_ratio", "sdg_class",
    "final", "fell_back", "derived", "light_basis", "score_pp", "missing_years",
    "prev_status", "prev_ahead_pp", "red_streak",
]
MEMORY_COLUMNS = ("prev_status", "prev_ahead_pp", "red_streak")
assert tuple(STATUS_COLUMNS[-3:]) == MEMORY_COLUMNS
_N_BEFORE_MEMORY = len(STATUS_COLUMNS) - 3
_I_STATUS, _I_AHEAD, _I_STREAK = (STATUS_COLUMNS.index(c) for c in ("status", "ahead_pp", "red_streak"))
RANKING_MEMORY_COLUMNS = ("rank_prev", "light_prev", "rank_change", "red_streak")


# ----------------------------------------------------------------------------------------------
# dates
# ----------------------------------------------------------------------------------------------

def as_date(value) -> date:
    """``'2025-12-31'``, ``'2025Q4'`` (the quarter's end), a date or a datetime -> date; None -> today."""
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    s = str(value).strip()
    if periods.is_quarter_label(s):
        return periods.quarter_label_end(s)
    return date.fromisoformat(s[:10])


quarter_end = periods.quarter_end


def is_quarter_end(d: date) -> bool:
    return quarter_end(d) == d


def previous_quarter_end(d: date) -> date:
    """The last quarter end strictly before ``d`` (2025-12-31 → 2025-09-30; 2025-11-15 → 2025-09-30)."""
    q = quarter_end(d)
    if q >= d:
        q = (pd.Timestamp(q) - pd.offsets.QuarterEnd(1)).date()
    return q


def quarter_ends_until(d: date, first: date | None = None) -> list[date]:
    """Quarter ends from the plan's first report quarter up to and including the last one <= ``d``."""
    first = first or plan.get().first_report_date
    if d < first:
        return []
    return [x.date() for x in pd.date_range(first, d, freq="QE")]


def in_unit(value_base, unit: str):
    """Base units -> the target's unit (亿元, 万亩 …) for display."""
    if value_base is None or pd.isna(value_base):
        return None
    return value_base / units.to_base(1.0, unit)


def _finite(v) -> bool:
    """progress.usable's test of a value (None, NaN and ±inf are left out)."""
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _identity(v):
    return v


def _in_factor(value_base, factor: float):
    """:func:`in_unit` with the unit's base factor already looked up."""
    if value_base is None or pd.isna(value_base):
        return None
    return value_base / factor


def rules_fingerprint(rules: Rules) -> str:
    """sha256 of the thresholds and wording (not of the file name): stored rows were judged by these."""
    data = {k: v for k, v in asdict(rules).items() if k != "source"}
    data["templates"] = dict(sorted(dict(data["templates"]).items()))
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def target_spec(t) -> progress.TargetSpec:
    """A ``targets_explained`` row -> the engine's TargetSpec (values in base units)."""
    rate = t.kind == "growth_rate"
    return progress.TargetSpec(
        target_id=t.target_id, kind=t.kind, comparator=t.comparator, value=float(t.value_base),
        start_year=int(t.start_year), target_year=int(t.target_year), period=t.period,
        value_high=None if pd.isna(t.value_high) else float(t.value_high) * units.to_base(1.0, t.unit),
        stretch=bool(t.stretch), measure=(t.measure if isinstance(t.measure, str) else "stock"),
        unit="%" if rate else (t.unit or ""), unit_factor=1.0 if rate else units.to_base(1.0, t.unit),
    )


def latest_known_at(con, region: str) -> date:
    """The date of the newest value in the store: the default vintage (``known_at``) everywhere."""
    v = con.execute("SELECT max(CAST(reported_at AS DATE)) FROM actuals WHERE region = ?", [region]).fetchall()[0][0]
    return v if v is not None else plan.get(region).first_report_date


def latest_report_date(con, region: str) -> date:
    """The last quarter end by which a period had ended in the data (at least the first report quarter)."""
    first = plan.get(region).first_report_date
    v = con.execute("SELECT max(period_end) FROM actuals WHERE region = ?", [region]).fetchall()[0][0]
    last = max(v, first) if v is not None else first
    return quarter_ends_until(last, first)[-1]


# ----------------------------------------------------------------------------------------------
# the assessor: the engine over one store connection
# ----------------------------------------------------------------------------------------------

class Assessor:
    """Assess the targets of one region of a store. Reads are cached: a store is never changed in place
    (it is rebuilt into a new file), so what was read stays true while the connection is open."""

    def __init__(self, con, region: str, rules: Rules, stored_memory: bool = True):
        """``stored_memory``: take the memory columns of the previous quarter end (prev_status,
        prev_ahead_pp, red_streak; rank_prev, light_prev) from the rows the build stored, when the
        store holds that quarter for this region with the same vintage and rules (what
        :meth:`shiwu_lib.api.Database` checks before it serves stored rows); otherwise, or with
        False, every earlier quarter is computed. Either way the memory is carried forward one
        quarter at a time (each quarter end is assessed once per Assessor)."""
        self.con, self.region, self.rules = con, region, rules
        self.stored_memory = stored_memory
        self._cache: dict = {}

    def _sql(self, query: str, params=None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    def has_column(self, table: str, column: str) -> bool:
        key = ("has_column", table, column)
        if key not in self._cache:
            self._cache[key] = bool(self.con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                [table, column]).fetchall()[0][0])
        return self._cache[key]

    def targets(self) -> pd.DataFrame:
        if "targets" not in self._cache:
            self._cache["targets"] = self._sql(
                "SELECT * FROM targets_explained WHERE region = ? ORDER BY project_no, target_id", [self.region])
        return self._cache["targets"]

    def projects(self) -> pd.DataFrame:
        if "projects" not in self._cache:
            self._cache["projects"] = self._sql("SELECT * FROM projects WHERE region = ? ORDER BY project_no",
                                                [self.region])
        return self._cache["projects"]

    def observations(self, known: date) -> tuple[dict[str, list[progress.Observation]], dict[tuple[str, str], str]]:
        """The latest vintage known at ``known`` of every period, as engine observations, and the
        source title of each (indicator, period)."""
        key = ("obs", known)
        if key in self._cache:
            return self._cache[key]
        rows = self.observation_rows(known)
        out: dict[str, list[progress.Observation]] = {}
        titles: dict[tuple[str, str], str] = {}
        obs = progress.Observation
        nan = float("nan")
        for ind, label, year, end, value, ytd, source_type, der, title in rows:
            if type(end) is not date:
                end = pd.Timestamp(end).date()
            out.setdefault(ind, []).append(obs(
                period_label=label, year=int(year), period_end=end, value=nan if value is None else float(value),
                ytd=bool(ytd), source_type=source_type, derived=bool(der)))
            titles[(ind, label)] = title if isinstance(title, str) else ""
        self._cache[key] = (out, titles)
        return out, titles

    def observation_rows(self, known: date) -> list[tuple]:
        """What :meth:`observations` is made of, as read: (indicator_id, period_label, year,
        period_end, value_base, ytd, source_type, derived, source_title) tuples in a total order.
        Plain tuples (DuckDB gives date, float and bool objects): no DataFrame per region, and a
        build job pickles them ~3× faster than the engine's Observation objects."""
        key = ("obs_rows", known)
        if key not in self._cache:
            derived = "a.derivation IS NOT NULL" if self.has_column("actuals", "derivation") else "false"
            self._cache[key] = self.con.execute(
                f"""SELECT a.indicator_id, a.period_label, a.year, a.period_end, a.value_base, a.ytd, a.source_type,
                          {derived} AS derived, s.title AS source_title
                   FROM actuals_as_of(?) a LEFT JOIN submissions s USING (submission_id)
                   WHERE a.region = ? ORDER BY a.indicator_id, a.period_end, a.period_label""",
                [known, self.region],
            ).fetchall()
        return self._cache[key]

    def _series_index(self, known: date) -> dict[str, tuple[list, list[date]]]:
        """Per indicator its observations (sorted by period end, as read) and their period ends, so
        that the observations ended by a date are a prefix (bisect) instead of a filter."""
        key = ("obs_index", known)
        if key not in self._cache:
            obs, _ = self.observations(known)
            idx = {}
            for ind, lst in obs.items():
                ends = [o.period_end for o in lst]
                if any(b < a for a, b in zip(ends, ends[1:])):      # not sorted: keep the plain filter
                    idx[ind] = (lst, None)
                else:
                    idx[ind] = (lst, ends)
            self._cache[key] = idx
        return self._cache[key]

    def _prepared_targets(self) -> list[tuple]:
        """Per target (once per Assessor): its row, its TargetSpec and the base-unit factor of its unit."""
        if "prepared" not in self._cache:
            prep = []
            for t in self.targets().itertuples(index=False):
                factor = None if t.kind == "growth_rate" else units.to_base(1.0, t.unit)
                prep.append((t, target_spec(t), factor))
            self._cache["prepared"] = prep
        return self._cache["prepared"]

    # -- status ---------------------------------------------------------------------------------
    def status_frame(self, d: date, known: date) -> pd.DataFrame:
        """All targets at report date ``d`` with the data known at ``known``, without the memory columns."""
        key = ("status", d, known)
        if key not in self._cache:
            rows = self.status_rows(d, known)
            self._cache[key] = (pd.DataFrame.from_records(rows, columns=STATUS_COLUMNS) if rows
                                else pd.DataFrame(columns=STATUS_COLUMNS))
        return self._cache[key]

    def status_rows(self, d: date, known: date) -> list[tuple]:
        """The rows of :meth:`status_frame` as tuples in :data:`STATUS_COLUMNS` order (memory columns
        None, None, 0), one per target in the order of :meth:`targets`: what the build reads."""
        key = ("status_rows", d, known)
        if key in self._cache:
            return self._cache[key]
        obs_known = max(known, d)
        _, titles = self.observations(obs_known)
        index = self._series_index(obs_known)
        # the sources of an indicator's first k observations: one set per (indicator, k), not per target
        sources_of = self._cache.setdefault(("sources", obs_known), {})
        rows = []
        empty: tuple = ([], [])
        for t, spec, factor in self._prepared_targets():
            lst, ends = index.get(t.indicator_id, empty) if isinstance(t.indicator_id, str) else empty
            if ends is not None:
                k = bisect_right(ends, d)
                series = lst[:k]
                skey = (t.indicator_id, k)
            else:
                series = [o for o in lst if o.period_end <= d]
                skey = None
            a = progress.assess(spec, series, d, self.rules)
            # the observations progress.usable keeps (ended by d, finite value): only their sources are shown
            used = sources_of.get(skey) if skey is not None else None
            if used is None:
                used_sources = {o.source_type for o in series if _finite(o.value)}
                used = (";".join(sorted(used_sources)), "demo" in used_sources)
                if skey is not None:
                    sources_of[skey] = used
            # values, gaps and per-year paces in the target's unit (亿元, 亿元/年 …); growth rates stay in %
            conv = _identity if factor is None else partial(_in_factor, factor=factor)
            rows.append((
                t.project_no,  # project_no
                t.target_id,  # target_id
                t.metric_zh,  # metric_zh
                t.section,  # section
                t.kind,  # kind
                t.period,  # period
                t.start_year,  # start_year
                t.target_year,  # target_year
                t.value,  # target_value
                t.unit,  # unit
                t.comparator,  # comparator
                bool(t.stretch),  # stretch
                conv(a.latest_actual),  # latest_actual
                a.latest_period,  # latest_period
                a.time_progress,  # time_progress
                a.completion,  # completion
                a.ahead_pp,  # ahead_pp
                conv(a.gap),  # gap
                conv(a.projected),  # projected
                conv(a.observed_rate),  # observed_rate
                conv(a.required_rate),  # required_rate
                a.likely_met,  # likely_met
                a.met,  # met
                a.status,  # status
                a.reason_zh,  # reason
                a.method_zh,  # method
                conv(a.baseline),  # baseline
                a.baseline_source,  # baseline_source
                t.indicator_id,  # indicator_id
                t.lead_unit,  # lead_unit
                t.project_short,  # project_short
                t.firm_target_id,  # firm_target_id
                used[0],  # source_types
                used[1],  # is_demo
                d,  # report_date
                known,  # known_at
                a.time_progress_date,  # time_progress_date
                a.time_progress_report,  # time_progress_report
                a.data_lag_months,  # data_lag_months
                a.stale,  # stale
                a.baseline_period,  # baseline_period
                titles.get((t.indicator_id, a.baseline_period), "") if a.baseline_period else "",  # baseline_source_title
                a.projected_share,  # projected_share
                a.projected_completion,  # projected_completion
                a.observed_cagr,  # observed_cagr
                a.required_cagr,  # required_cagr
                a.escap_ratio,  # escap_ratio
                a.escap_class,  # escap_class
                a.sdg_ratio,  # sdg_ratio
                a.sdg_class,  # sdg_class
                a.final,  # final
                a.fell_back,  # fell_back
                a.derived,  # derived
                a.light_basis,  # light_basis
                a.score_pp,  # score_pp
                ";".join(str(y) for y in a.missing_years),  # missing_years
                None,  # prev_status
                None,  # prev_ahead_pp
                0,  # red_streak
            ))
        # tuples in STATUS_COLUMNS order: ~3× cheaper for pandas than one dict per row
        self._cache[key] = rows
        return rows

    def status(self, d: date, known: date) -> pd.DataFrame:
        """:meth:`status_frame` plus the status memory: ``prev_status`` / ``prev_ahead_pp`` at the
        previous quarter end and ``red_streak`` (consecutive quarter ends in red, this one included),
        all judged with the same ``known``.

        The memory is carried forward: red_streak(d) = red(d) × (1 + red_streak(previous quarter
        end)), the previous quarter end's row being the stored one when :meth:`_stored_rows` allows
        it, else computed (once per Assessor)."""
        key = ("status_mem", d, known)
        if key not in self._cache:
            df = self.status_frame(d, known).copy()
            prev = self._previous(d)
            if prev is not None:
                stored = self._stored_rows("out_target_status", prev, known)
                h = stored if stored is not None else self.status(prev, known)
                # plain dict lookups (what Series.map on the previous frame's target_id does, ~10× cheaper)
                df["prev_status"], df["prev_ahead_pp"], before = _carried(
                    h, "target_id", df["target_id"], ("status", "ahead_pp"))
            else:
                before = 0
            red = (df["status"] == "red").to_numpy().astype(int)
            df["red_streak"] = red * (1 + before)
            self._cache[key] = df
        return self._cache[key].copy()

    def _previous(self, d: date) -> date | None:
        """The previous quarter end of ``d`` if it is a report quarter of the plan, else None."""
        first = plan.get(self.region).first_report_date
        q = quarter_ends_until(previous_quarter_end(d), first)
        return q[-1] if q else None

    def _stored_rows(self, table: str, d: date, known: date, by: str | None = None) -> pd.DataFrame | None:
        """The memory columns the build stored for report date ``d``, or None when they may not be used:
        ``stored_memory`` off, no such rows, or the store's vintage or rules for this region differ."""
        if not self.stored_memory:
            return None
        ok_key = ("stored_ok", table, known)
        if ok_key not in self._cache:
            ok = False
            if self.has_column(table, "report_date") and self.has_column("build_info", "key"):
                info = dict(self.con.execute("SELECT key, value FROM build_info").fetchall())
                stored_known = info.get(f"assessment_known_at:{self.region}",
                                        info.get("assessment_known_at") if self.region == info.get("default_region") else None)
                ok = stored_known == str(known) and info.get("rules_sha256") == rules_fingerprint(self.rules)
            self._cache[ok_key] = ok
        if not self._cache[ok_key]:
            return None
        if table == "out_target_status":
            df = self._sql("SELECT target_id, status, ahead_pp, red_streak FROM out_target_status "
                           "WHERE region = ? AND report_date = ? AND known_at = ?", [self.region, d, known])
        else:
            df = self._sql('SELECT "key", rank, light, red_streak FROM out_ranking '
                           'WHERE region = ? AND report_date = ? AND known_at = ? AND "by" = ?',
                           [self.region, d, known, by])
            if len(df):
                df["rank"] = df["rank"].astype("int64")
        if df.empty:
            return None
        df["red_streak"] = df["red_streak"].astype("int64")
        return df

    # -- ranking --------------------------------------------------------------------------------
    def play_rows(self, d: date, known: date) -> list[tuple]:
        """The in-play firm targets at ``d`` as :data:`lights.RANKING_INPUT` tuples (what the lights
        and the ranking read), from :meth:`status_rows`."""
        key = ("play", d, known)
        if key not in self._cache:
            self._cache[key] = lights.firm_in_play_rows([_pick_ranking_input(r) for r in self.status_rows(d, known)], d)
        return self._cache[key]

    def ranking_rows(self, d: date, known: date, by: str) -> list[dict]:
        """The rows of :meth:`ranking_frame` (no memory columns), in rank order."""
        key = ("ranking_rows", d, known, by)
        if key not in self._cache:
            play = self.play_rows(d, known)
            if by == "project":
                rows = lights.ranking_rows(play, self._projects_rows())
            elif by == "lead_unit":
                rows = lights.lead_unit_ranking_rows(play)
            else:
                raise ValueError(f"ranking by {by!r}: expected 'project' or 'lead_unit'")
            self._cache[key] = rows
        return self._cache[key]

    def _projects_rows(self) -> list[tuple]:
        if "projects_rows" not in self._cache:
            p = self.projects()
            self._cache["projects_rows"] = list(zip(*(p[c].tolist() for c in ("project_no", "short_zh", "name_zh", "lead_unit"))))
        return self._cache["projects_rows"]

    def ranking_frame(self, d: date, known: date, by: str) -> pd.DataFrame:
        key = ("ranking", d, known, by)
        if key not in self._cache:
            columns = lights.RANKING_COLUMNS if by == "project" else lights.LEAD_UNIT_RANKING_COLUMNS
            self._cache[key] = pd.DataFrame(self.ranking_rows(d, known, by), columns=columns)
        return self._cache[key]

    def ranking(self, d: date, known: date, by: str = "project") -> pd.DataFrame:
        """The 晾晒 ranking with 位次变化: ``rank_prev`` / ``light_prev`` at the previous quarter end
        (same ``known``), ``rank_change`` = rank_prev − rank (+ = moved up), ``red_streak``
        (carried forward like :meth:`status`)."""
        col = "project_no" if by == "project" else "lead_unit"
        key = ("ranking_mem", d, known, by)
        if key not in self._cache:
            rk = self.ranking_frame(d, known, by).copy()
            prev = self._previous(d)
            if prev is not None:
                stored = self._stored_rows("out_ranking", prev, known, by)
                if stored is not None:
                    h, hkey = stored, "key"
                    keys = rk[col].astype(str)
                else:
                    h, hkey = self.ranking(prev, known, by), col
                    keys = rk[col]
                rk["rank_prev"], rk["light_prev"], before = _carried(h, hkey, keys, ("rank", "light"))
            else:
                rk["rank_prev"] = None
                rk["light_prev"] = None
                before = 0
            rk["rank_change"] = pd.to_numeric(rk["rank_prev"], errors="coerce") - rk["rank"]
            rk["red_streak"] = (rk["light"] == "red").astype(int) * (1 + before)
            self._cache[key] = rk
        return self._cache[key].copy()

    def midpoint(self, known: date) -> pd.DataFrame:
        """The 2025 midpoint check (progress.midpoint) on the status at the plan's midpoint date."""
        p = plan.get(self.region)
        report = min(known, p.midpoint_date)
        # progress.midpoint reads no memory column (prev_status …): the frame without them suffices
        return progress.midpoint(self.status_frame(report, known), check_year=p.midpoint_year,
                                 final_year=p.final_year)


def _carried(h: pd.DataFrame, hkey: str, keys: pd.Series, columns: tuple[str, ...]):
    """The previous quarter's ``columns`` and red_streak for ``keys``: ``keys.map(h.set_index(hkey)[c])``
    for each column and the streak with 0 for a key it lacks. When every key is found (the case of
    consecutive quarters) by positions, ~10× cheaper than the maps; else by the maps themselves."""
    at = {k: i for i, k in enumerate(h[hkey].tolist())}
    idx = [at.get(k) for k in keys.tolist()]
    if len(at) == len(h) and all(i is not None for i in idx):
        pos = np.asarray(idx, dtype=np.intp)
        out = [pd.Series(h[c].to_numpy()[pos] if h[c].dtype == object else h[c].array.take(pos), index=keys.index)
               for c in columns]
        return (*out, h["red_streak"].fillna(0).astype(int).to_numpy()[pos])
    m = h.set_index(hkey)
    return (*(keys.map(m[c]) for c in columns), keys.map(m["red_streak"]).fillna(0).astype(int))


# ----------------------------------------------------------------------------------------------
# the build step: out_ tables
# ----------------------------------------------------------------------------------------------

OUT_TABLES = ("out_target_status", "out_project_status", "out_ranking", "out_midpoint")


def project_status_rows(play: list[tuple], ranking: list[dict]) -> list[dict]:
    """One row per project of ``ranking`` (rows of :meth:`Assessor.ranking`, memory included): its
    light, the counts of its in-play firm targets (``play``, :func:`lights.firm_in_play_rows`), rank
    and its memory."""
    by_project: dict = {}
    for r in play:
        by_project.setdefault(r[0], []).append(r[2])       # RANKING_INPUT: project_no, lead_unit, status …
    rows = []
    for r in ranking:
        statuses = by_project.get(r["project_no"], ())
        c = lights.light_counts(statuses)
        rows.append({
            "project_no": int(r["project_no"]), "short_zh": r["short_zh"], "lead_unit": r["lead_unit"],
            "light": r["light"], "n_in_play": len(statuses), "n_green": c["green"], "n_yellow": c["yellow"],
            "n_red": c["red"], "n_grey": c["grey"], "score_pp": r["score_pp"], "mean_ahead_pp": r["mean_ahead_pp"],
            "share_green": r["share_green"], "rank": int(r["rank"]),
            "rank_prev": None if _isna(r["rank_prev"]) else int(r["rank_prev"]),
            "rank_change": None if _isna(r["rank_change"]) else int(r["rank_change"]),
            "light_prev": r["light_prev"], "red_streak": int(r["red_streak"]), "any_demo": bool(r["any_demo"]),
        })
    return rows


def project_status_frame(st: pd.DataFrame, rk: pd.DataFrame, d: date) -> pd.DataFrame:
    """One row per project at ``d``: light, counts of its in-play firm targets, rank and its memory."""
    play = lights.firm_in_play_rows(lights.ranking_input_rows(st), d)
    return pd.DataFrame(project_status_rows(play, rk.to_dict("records")))


def _isna(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


_pick_ranking_input = itemgetter(*(STATUS_COLUMNS.index(c) for c in lights.RANKING_INPUT))


def compute_out_tables(con, region: str, rules: Rules) -> dict[str, pd.DataFrame]:
    """The assessment of every report quarter (plan's first quarter → latest) with the store's latest
    vintage, as the frames of the four out_ tables."""
    return out_tables_from(prefetch(con, region, rules))


def prefetch(con, region: str, rules: Rules) -> dict:
    """Everything :func:`out_tables_from` reads from the store for ``region``, read now: the job of a
    build worker process (which has no connection: the store being built is open for writing)."""
    a = Assessor(con, region, rules, stored_memory=False)   # every quarter is computed, in order
    known = latest_known_at(con, region)
    first = plan.get(region).first_report_date
    dates = quarter_ends_until(latest_report_date(con, region), first)
    a.targets()
    a.projects()
    for k in {max(known, d) for d in dates} | {known}:
        a.observation_rows(k)          # the worker makes the Observation objects
    return {"region": region, "rules": rules, "known": known, "dates": dates, "cache": dict(a._cache)}


def out_tables_from(job: dict) -> dict[str, pd.DataFrame]:
    """The four out_ frames of one region from a :func:`prefetch` job (no store access).

    The rows of :meth:`Assessor.status` and :meth:`Assessor.ranking` for every report quarter, built
    as tuples and dicts and turned into one frame per table: the quarters are consecutive and every
    quarter lists the same targets in the same order, so a target's previous-quarter row is the one
    at its position, and a ranking key's the one of the same key (tests/test_fast_paths.py checks
    these frames equal Assessor.status / Assessor.ranking quarter by quarter)."""
    region, known, dates = job["region"], job["known"], job["dates"]
    a = Assessor(None, region, job["rules"], stored_memory=False)
    a._cache.update(job["cache"])
    status_rows: list[tuple] = []
    project_rows: list[dict] = []
    ranking_rows: list[dict] = []
    prev: list[tuple] | None = None
    prev_rank: dict[str, dict | None] = {"project": None, "lead_unit": None}
    for d in dates:
        rows = a.status_rows(d, known)
        if prev is None:
            status_rows.extend(r[:_N_BEFORE_MEMORY] + (None, None, int(r[_I_STATUS] == "red"), region) for r in rows)
        else:
            status_rows.extend(r[:_N_BEFORE_MEMORY] + (p[_I_STATUS], p[_I_AHEAD],
                                                       (1 + p[_I_STREAK]) if r[_I_STATUS] == "red" else 0, region)
                               for r, p in zip(rows, prev))
        prev = status_rows[len(status_rows) - len(rows):]
        for by, col in (("project", "project_no"), ("lead_unit", "lead_unit")):
            before = prev_rank[by]
            ranked = []
            for r in a.ranking_rows(d, known, by):
                r = dict(r)
                p = before.get(r[col]) if before is not None else None
                if before is None:
                    r["rank_prev"] = r["light_prev"] = None
                else:
                    r["rank_prev"] = p["rank"] if p is not None else math.nan
                    r["light_prev"] = p["light"] if p is not None else math.nan
                r["rank_change"] = r["rank_prev"] - r["rank"] if p is not None else math.nan
                r["red_streak"] = (1 + (p["red_streak"] if p is not None else 0)) if r["light"] == "red" else 0
                ranked.append(r)
            prev_rank[by] = {r[col]: r for r in ranked}
            if by == "project":
                project_rows.extend(dict(x, region=region, report_date=d, known_at=known)
                                    for x in project_status_rows(a.play_rows(d, known), ranked))
            for r in ranked:
                out = {c: r[c] for c in _RANKING_KEEP}
                out.update(region=region, report_date=d, known_at=known, by=by, key=str(r[col]))
                ranking_rows.append(out)
    mp = a.midpoint(known).assign(region=region, known_at=known)
    return {
        "out_target_status": (pd.DataFrame.from_records(status_rows, columns=STATUS_COLUMNS + ["region"])
                              if status_rows else pd.DataFrame()),
        "out_project_status": pd.DataFrame(project_rows) if project_rows else pd.DataFrame(),
        "out_ranking": pd.DataFrame(ranking_rows) if ranking_rows else pd.DataFrame(),
        "out_midpoint": mp,
    }


#: the columns of a ranking row the out_ranking table keeps (the names are in out_project_status)
_RANKING_KEEP = [c for c in progress.RANK_COLUMNS + ["light", "rank_prev", "light_prev", "rank_change", "red_streak"]]
