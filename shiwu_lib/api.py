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
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from . import lights, paths, progress, store, units
from .rules import load_rules

MIDPOINT_DATE = date(2025, 12, 31)

STATUS_COLUMNS = [
    "project_no", "target_id", "metric_zh", "section", "kind", "period", "start_year", "target_year",
    "target_value", "unit", "comparator", "stretch", "latest_actual", "latest_period", "time_progress",
    "completion", "ahead_pp", "gap", "projected", "observed_rate", "required_rate", "likely_met", "met",
    "status", "reason", "method", "baseline", "baseline_source", "indicator_id", "lead_unit",
    "project_short", "firm_target_id", "source_types", "is_demo",
    # added by the verdicts issue (9); time_progress is now the 序时 the light used, measured at
    # time_progress_date; time_progress_report is the calendar 序时 of the report date
    "report_date", "known_at", "time_progress_date", "time_progress_report", "data_lag_months", "stale",
    "baseline_period", "baseline_source_title", "projected_share", "projected_completion",
    "observed_cagr", "required_cagr", "escap_ratio", "escap_class", "sdg_ratio", "sdg_class",
    "final", "fell_back", "derived", "light_basis", "score_pp", "missing_years",
    "prev_status", "prev_ahead_pp", "red_streak",
]

# Quarter ends assessed for the status memory (previous light, consecutive red quarters) start here.
FIRST_REPORT_DATE = date(2023, 3, 31)


def _as_date(as_of) -> date:
    if as_of is None:
        return date.today()
    if isinstance(as_of, datetime):
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    return date.fromisoformat(str(as_of)[:10])


def _in_unit(value_base, unit: str):
    """Base units -> the target's unit (亿元, 万亩 …) for display."""
    if value_base is None or pd.isna(value_base):
        return None
    return value_base / units.to_base(1.0, unit)


def quarter_end(d: date) -> date:
    q_month = ((d.month - 1) // 3 + 1) * 3
    return (pd.Timestamp(year=d.year, month=q_month, day=1) + pd.offsets.MonthEnd(0)).date()


def previous_quarter_end(d: date) -> date:
    """The last quarter end strictly before ``d`` (2025-12-31 → 2025-09-30; 2025-11-15 → 2025-09-30)."""
    q = quarter_end(d)
    if q >= d:
        q = (pd.Timestamp(q) - pd.offsets.QuarterEnd(1)).date()
    return q


def quarter_ends_until(d: date) -> list[date]:
    """Quarter ends from 2023Q1 up to and including the last one <= ``d``."""
    if d < FIRST_REPORT_DATE:
        return []
    return [x.date() for x in pd.date_range(FIRST_REPORT_DATE, d, freq="QE")]


class Database:
    """A read-only view of the store with the progress engine on top."""

    def __init__(self, path=None, read_only: bool = True, region: str = store.DEFAULT_REGION):
        self.path = Path(path) if path else paths.db_path()
        self.con = store.connect(self.path, read_only=read_only)
        self.region = region
        self.rules = load_rules()
        # The store is read-only and rebuilt by replacing the file, so what was read stays true for
        # the life of this connection: assessments and reads are cached per instance.
        self._cache: dict = {}

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
        return self.con.execute(query, params or []).df()

    # -- plain tables -----------------------------------------------------------------------
    def projects(self) -> pd.DataFrame:
        return self.sql("SELECT * FROM projects WHERE region = ? ORDER BY project_no", [self.region])

    def targets(self, project_no: int | None = None) -> pd.DataFrame:
        key = ("targets", None if project_no is None else int(project_no))
        if key not in self._cache:
            self._cache[key] = self._targets(project_no)
        return self._cache[key].copy()

    def _targets(self, project_no: int | None = None) -> pd.DataFrame:
        q = "SELECT * FROM targets_explained WHERE region = ?"
        params: list = [self.region]
        if project_no is not None:
            q += " AND project_no = ?"
            params.append(int(project_no))
        return self.sql(q + " ORDER BY project_no, target_id", params)

    def actuals(self, as_of=None, indicator_id: str | None = None) -> pd.DataFrame:
        """Latest vintage of every period known at ``as_of`` (default: everything loaded), with sources."""
        d = _as_date(as_of) if as_of is not None else date(9999, 12, 31)
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
        d = _as_date(known_at) if known_at is not None else date(9999, 12, 31)
        grade = "grade" if self._has_column("submissions", "grade") else "NULL AS grade"
        return self.sql(f"SELECT submission_id, title, address, received_at, {grade} FROM submissions "
                        "WHERE region = ? AND source_type = 'published' AND CAST(received_at AS DATE) <= ? "
                        "ORDER BY received_at, title", [self.region, d])

    def build_info(self) -> dict[str, str]:
        """What the store was built from (schema version, inputs sha256, demo loaded, region)."""
        try:
            return dict(self.con.execute("SELECT key, value FROM build_info").fetchall())
        except Exception:  # noqa: BLE001 - an older store without build_info
            return {}

    def report_dates(self) -> list[date]:
        """Quarter ends from 2023Q1 to the last quarter end by which data had been reported."""
        row = self.con.execute(
            "SELECT max(period_end), max(CAST(reported_at AS DATE)) FROM actuals WHERE region = ?", [self.region]
        ).fetchone()
        last = row[0] if row and row[0] else date(2023, 3, 31)
        ends = pd.date_range("2023-03-31", max(pd.Timestamp(last), pd.Timestamp("2023-03-31")), freq="QE")
        return [d.date() for d in ends]

    def latest_report_date(self) -> date:
        return self.report_dates()[-1]

    # -- the engine -------------------------------------------------------------------------
    def _has_column(self, table: str, column: str) -> bool:
        key = ("has_column", table, column)
        if key not in self._cache:
            self._cache[key] = bool(self.con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                [table, column]).fetchone()[0])
        return self._cache[key]

    def _observations(self, as_of: date) -> dict[str, list[progress.Observation]]:
        """The latest vintage known at ``as_of`` of every period, as engine observations (cached)."""
        key = ("obs", as_of)
        if key in self._cache:
            return self._cache[key]
        derived = "a.derivation IS NOT NULL" if self._has_column("actuals", "derivation") else "false"
        df = self.sql(
            f"""SELECT a.indicator_id, a.period_label, a.year, a.period_end, a.value_base, a.ytd, a.source_type,
                      {derived} AS derived, s.title AS source_title
               FROM actuals_as_of(?) a LEFT JOIN submissions s USING (submission_id)
               WHERE a.region = ? ORDER BY a.indicator_id, a.period_end""",
            [as_of, self.region],
        )
        out: dict[str, list[progress.Observation]] = {}
        titles: dict[tuple[str, str], str] = {}
        for r in df.itertuples(index=False):
            out.setdefault(r.indicator_id, []).append(
                progress.Observation(
                    period_label=r.period_label, year=int(r.year), period_end=pd.Timestamp(r.period_end).date(),
                    value=float(r.value_base), ytd=bool(r.ytd), source_type=r.source_type, derived=bool(r.derived),
                )
            )
            titles[(r.indicator_id, r.period_label)] = r.source_title if isinstance(r.source_title, str) else ""
        self._cache[key] = out
        self._cache[("titles", as_of)] = titles
        return out

    @staticmethod
    def spec(t) -> progress.TargetSpec:
        rate = t.kind == "growth_rate"
        return progress.TargetSpec(
            target_id=t.target_id, kind=t.kind, comparator=t.comparator, value=float(t.value_base),
            start_year=int(t.start_year), target_year=int(t.target_year), period=t.period,
            value_high=None if pd.isna(t.value_high) else float(t.value_high) * units.to_base(1.0, t.unit),
            stretch=bool(t.stretch), measure=(t.measure if isinstance(t.measure, str) else "stock"),
            unit="%" if rate else (t.unit or ""), unit_factor=1.0 if rate else units.to_base(1.0, t.unit),
        )

    def status(self, as_of=None, project_no: int | None = None, known_at=None) -> pd.DataFrame:
        """One row per target: actual vs target, 序时进度, completion, light and a Chinese reason.

        ``as_of`` is the report date (periods ended by then count, time progress is measured at it);
        ``known_at`` (default ``as_of``) is the date the data stood at — later than ``as_of`` when a
        past report date is re-assessed with values reported after it (e.g. 2025 full-year figures).
        ``time_progress`` is the 序时 the light used (at ``time_progress_date``: the data's end when
        they are recent, else the report date — rules.toml [pace]); ``ahead_pp`` is always
        ``(completion − time_progress) × 100``. The status memory — ``prev_status`` / ``prev_ahead_pp``
        at the previous quarter end and ``red_streak`` (consecutive quarter ends, this one included, in
        red) — is judged with the same ``known_at``, so a change of light is a change of position.

        >>> db.status(as_of="2025-12-31")[["target_id", "completion", "status", "reason"]]  # doctest: +SKIP
        """
        d = _as_date(as_of)
        known = _as_date(known_at) if known_at is not None else d
        df = self._status_frame(d, known).copy()
        prev_d = previous_quarter_end(d)
        history = [self._status_frame(q, known) for q in quarter_ends_until(prev_d)]
        if history:
            prev = history[-1].set_index("target_id")
            df["prev_status"] = df["target_id"].map(prev["status"])
            df["prev_ahead_pp"] = df["target_id"].map(prev["ahead_pp"])
        streak = (df["status"] == "red").astype(int)
        alive = streak.astype(bool)
        for h in reversed(history):
            red_then = df["target_id"].map(h.set_index("target_id")["status"]).eq("red")
            alive &= red_then
            streak += alive.astype(int)
            if not alive.any():
                break
        df["red_streak"] = streak
        if project_no is not None:
            df = df[df["project_no"] == int(project_no)]
        return df.reset_index(drop=True)

    def _status_frame(self, d: date, known: date) -> pd.DataFrame:
        """All targets assessed at report date ``d`` with the data known at ``known`` (cached)."""
        key = ("status", d, known, self.rules)
        if key in self._cache:
            return self._cache[key]
        obs = self._observations(max(known, d))
        titles = self._cache.get(("titles", max(known, d)), {})
        rows = []
        for t in self.targets().itertuples(index=False):
            series = obs.get(t.indicator_id, []) if isinstance(t.indicator_id, str) else []
            series = [o for o in series if o.period_end <= d]
            a = progress.assess(self.spec(t), series, d, self.rules)
            used = progress.usable(series, d)
            # values, gaps and per-year paces in the target's unit (亿元, 亿元/年 …); growth rates stay in %
            in_unit = (lambda v: v) if t.kind == "growth_rate" else (lambda v, u=t.unit: _in_unit(v, u))
            rows.append({
                "project_no": t.project_no, "target_id": t.target_id, "metric_zh": t.metric_zh,
                "section": t.section, "kind": t.kind, "period": t.period, "start_year": t.start_year,
                "target_year": t.target_year, "target_value": t.value, "unit": t.unit,
                "comparator": t.comparator, "stretch": bool(t.stretch),
                "latest_actual": in_unit(a.latest_actual), "latest_period": a.latest_period,
                "time_progress": a.time_progress, "completion": a.completion, "ahead_pp": a.ahead_pp,
                "gap": in_unit(a.gap), "projected": in_unit(a.projected),
                "observed_rate": in_unit(a.observed_rate), "required_rate": in_unit(a.required_rate),
                "likely_met": a.likely_met, "met": a.met, "status": a.status, "reason": a.reason_zh,
                "method": a.method_zh, "baseline": in_unit(a.baseline), "baseline_source": a.baseline_source,
                "indicator_id": t.indicator_id, "lead_unit": t.lead_unit, "project_short": t.project_short,
                "firm_target_id": t.firm_target_id,
                "source_types": ";".join(sorted({o.source_type for o in used})),
                "is_demo": any(o.source_type == "demo" for o in used),
                "report_date": d, "known_at": known, "time_progress_date": a.time_progress_date,
                "time_progress_report": a.time_progress_report, "data_lag_months": a.data_lag_months,
                "stale": a.stale, "baseline_period": a.baseline_period,
                "baseline_source_title": titles.get((t.indicator_id, a.baseline_period), "") if a.baseline_period else "",
                "projected_share": a.projected_share, "projected_completion": a.projected_completion,
                "observed_cagr": a.observed_cagr, "required_cagr": a.required_cagr,
                "escap_ratio": a.escap_ratio, "escap_class": a.escap_class,
                "sdg_ratio": a.sdg_ratio, "sdg_class": a.sdg_class, "final": a.final, "fell_back": a.fell_back,
                "derived": a.derived, "light_basis": a.light_basis, "score_pp": a.score_pp,
                "missing_years": ";".join(str(y) for y in a.missing_years),
                "prev_status": None, "prev_ahead_pp": None, "red_streak": 0,
            })
        out = pd.DataFrame(rows, columns=STATUS_COLUMNS)
        self._cache[key] = out
        return out

    def midpoint_check(self, project_no: int | None = None, as_of=None) -> pd.DataFrame:
        """The 2025 midpoint check: each 2025 target met or missed (with the gap); each 2027 target's
        completion at end-2025 against 60% of the time. Periods up to 2025-12-31, values as known at
        ``as_of`` (default today, so 2025 figures reported in 2026 count).

        >>> db.midpoint_check(project_no=1)  # doctest: +SKIP
        """
        known = _as_date(as_of)
        report = min(known, MIDPOINT_DATE)
        return progress.midpoint(self.status(as_of=report, project_no=project_no, known_at=known))

    def ranking(self, as_of=None, by: str = "project", known_at=None) -> pd.DataFrame:
        """晾晒 ranking at report date ``as_of`` over the firm targets in play (see :mod:`shiwu_lib.lights`):
        mean percentage points ahead of (+) / behind (−) 序时进度, then the share of green, then fewer
        reds. ``by="lead_unit"`` ranks the lead units (牵头单位) instead of the projects. ``known_at``
        as in :meth:`status` (the dashboards pass the date of the newest value). The score
        (``score_pp``) puts every kind on one scale (rules.toml [ranking]). ``rank_prev`` /
        ``light_prev`` are the previous quarter end's (same ``known_at``), ``rank_change`` = rank_prev −
        rank (位次变化, + = moved up), ``red_streak`` = consecutive quarter ends with a red light.

        >>> db.ranking(as_of="2025-12-31")[["rank", "short_zh", "mean_ahead_pp", "light"]]  # doctest: +SKIP
        """
        d = _as_date(as_of)
        known = _as_date(known_at) if known_at is not None else d
        key = "project_no" if by == "project" else "lead_unit"
        rk = self._ranking_at(d, known, by).copy()
        history = [self._ranking_at(q, known, by) for q in quarter_ends_until(previous_quarter_end(d))]
        if history:
            prev = history[-1].set_index(key)
            rk["rank_prev"] = rk[key].map(prev["rank"])
            rk["light_prev"] = rk[key].map(prev["light"])
        else:
            rk["rank_prev"] = None
            rk["light_prev"] = None
        # 位次变化: + moved up (rank 5 -> 3 is +2), − moved down
        rk["rank_change"] = pd.to_numeric(rk["rank_prev"], errors="coerce") - rk["rank"]
        streak = (rk["light"] == "red").astype(int)
        alive = streak.astype(bool)
        for h in reversed(history):
            alive &= rk[key].map(h.set_index(key)["light"]).eq("red")
            streak += alive.astype(int)
            if not alive.any():
                break
        rk["red_streak"] = streak
        return rk

    def _ranking_at(self, d: date, known: date, by: str) -> pd.DataFrame:
        cache_key = ("ranking", d, known, by, self.rules)
        if cache_key in self._cache:
            return self._cache[cache_key]
        st = self._status_frame(d, known)
        if by == "project":
            rk = lights.ranking_frame(st, self.projects(), d)
        else:
            play = lights.firm_in_play(st, d)
            rk = progress.rank(play, by="lead_unit")
            rk["light"] = [lights.project_light(play.loc[play["lead_unit"] == u, "status"]) for u in rk["lead_unit"]]
        self._cache[cache_key] = rk
        return rk

    def trajectory(self, target_id: str, as_of=None, known_at=None) -> pd.DataFrame:
        """Points for a target's trajectory chart, in the target's unit.

        Columns: ``series`` (baseline | target_path | actual | projection), ``date``, ``value``,
        ``period_label``, ``source_type``, ``source_title``. For cumulative flows the actual series is
        cumulative since the start of the span (full years summed, the current year year-to-date).
        ``attrs`` carry the unit, the light and its reason.

        >>> db.trajectory("p01-5y-03", as_of="2025-12-31")  # doctest: +SKIP
        """
        d = _as_date(as_of)
        known = _as_date(known_at) if known_at is not None else d
        t = self.targets().set_index("target_id").loc[target_id]
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
            pts.append(("baseline", day_before, base / factor, f"{start.year - 1}", "", ""))
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
        st = db.status(as_of=args.as_of, project_no=args.project)
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
        _emit(db.ranking(as_of=args.as_of, by=args.by), args.format, args.out)
    return 0
