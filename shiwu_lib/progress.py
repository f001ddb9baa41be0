"""The progress engine: pure functions anyone can recompute by hand (no database access).

Inputs are a :class:`TargetSpec` (one row of ``targets.csv``, values in base units) and the
:class:`Observation` s of its indicator (latest vintage per period, base units). Rates and shares are
in percent (base unit ``pct``: 15.0 means 15 %), so percentage-point gaps are plain differences.
Thresholds and wording come from :mod:`shiwu_lib.rules` (``rules.toml``); docs/progress-rules.md is
the reader-facing version of this docstring.

Time progress (序时进度)
-----------------------
``time_progress(as_of, start, end)``: 0 before ``start``, 1 from ``end`` on. In between:

* when ``start`` is the 1st of a month and ``as_of`` and ``end`` are month ends: whole months
  elapsed / months in the window (``as_of``'s month counts as elapsed). 2025-12-31 in 2023-01-01 …
  2027-12-31 = 36/60 = 0.6 exactly; 2023-03-31 in 2023 = 3/12 = 0.25; 2025-06-30 in 2023–2027 = 30/60.
* otherwise days, both ends inclusive: ``(as_of − start + 1 day) / (end − start + 1 day)``.

Windows (``target_window``): ``FY`` = the target year; ``Q1``/``H1``/``Q3`` = 1 Jan … 31 Mar / 30 Jun /
30 Sep of the target year (``Q2`` = ``H1``, ``Q4`` = ``FY``); ``'2023-2027'`` = 2023-01-01 … 2027-12-31.
Year differences (``years_between``) use the same count: whole months / 12 between month ends, else
days / 365.25.

Which 序时进度 completion is compared with (``rules.pace.reference``): by default ``"data"`` — the time
progress at the end of the latest period compared (``Assessment.time_progress_data``), because
1-4月 data are read against 4/12 of the year whatever day the report is written; ``"as_of"`` compares
with ``Assessment.time_progress`` (the report date). When the data end at the report date (quarter-end
reports with complete data) both are equal.

Observations
------------
* ``usable(obs, as_of)``: periods ended by ``as_of`` (``period_end <= as_of``) with a finite value,
  sorted by period end (stable: for duplicates the later one in the input wins everywhere).
* ``annual_series(obs, measure)``: one observation per year — the full-year value if present, else the
  latest (YTD or point) value of that year. Full year = ``period_end`` 31 Dec and (the label is the
  bare year, or the value is YTD, or the measure is ``stock``/``share`` — a year-end point value is the
  year's level). Among several full-year values the bare-year label wins. Values of one year are never
  added up: YTD values already contain the earlier quarters (a 2025Q2 YTD value is replaced by
  2025Q3 YTD, then by the full year). Non-YTD sub-year flows are not supported (the contract says
  sub-year flows are YTD).
* Only observations inside the window count for the value compared (year >= first window year and
  ``period_end <= window end``); later data never change the verdict on a finished window.

Baseline (基期值)
-----------------
``spec.baseline`` (``baseline_source='plan'``, dated 31 Dec before the window), else the year
``first window year − 1`` from the data (``annual_series``; ``'data:<period_label>'``, e.g.
``'data:2022'``), else none. Exception: a single-year window (FY/Q1/H1/Q3) whose compared value is
YTD (开工率, 投资完成率, a year's flow) restarts from zero every 1 January, so last year's value is not
its baseline (only a plan baseline is used). Cumulative flows and growth rates use no baseline.

Kinds (completion: 1.0 = 100 %)
-------------------------------
``cumulative_flow``  sum S of the annual flows of the window years (``annual_series``: full years,
    the unfinished year its latest YTD value; FY/quarter windows: that year's YTD value at the latest
    period <= window end). ``completion = S / target``. Pace with p = 序时进度 of the data and
    Y = window length in years: ``observed_rate = S / (p·Y)`` per year, ``projected = S / p``,
    ``required_rate = max(target − S, 0) / ((1 − p)·Y)`` per year. Example: 2023: 420亿, 2024: 460亿,
    2025 1-6月: 250亿 → S = 1130, 1130/2000 = 56.5 %; p = 30/60 = 0.5 → ahead +6.5 pp,
    projected 2260, required (2000−1130)/2.5 = 348/yr. Years missing before the latest year are
    named in ``method_zh`` and count as 0.
    '<=' flows (a ceiling): ``ahead_pp = (p − completion)·100``; green if projected within the
    ceiling, yellow if not, red once exceeded.
``level`` / ``count`` / ``share`` / ``ratio``  actual a = the latest value in the window (for a span
    target of a ``flow`` indicator, e.g. 年营业收入: the latest full-year value). With a usable baseline
    b: ``completion = (a − b) / (t − b)`` — works for '<=' too (b above t): 倍差 1.80 → 1.76 with
    target 1.72: (1.76−1.80)/(1.72−1.80) = 50 %. Without baseline: '>=' ``a / t``;
    '<=' ``t / a``. A baseline that already meets the target (incl. t == b) is not usable: fall back
    to a/t (t/a) and say so. Completion is not capped (>100 % when exceeded, < 0 when moved away).
    Projection: linear at the observed change per year since the baseline (else since the first
    observation): ``observed_rate = (a − a0)/Δyears``, ``projected = a + observed_rate · years left``,
    ``required_rate = (t − a)/years left``. For '>=' levels/counts (positive values) also
    ``observed_cagr = ((a/a0)^(1/Δyears) − 1)·100`` and ``required_cagr = ((t/a)^(1/years left) − 1)·100``
    (% per year). Within-year accumulating values (single-year window, YTD) project by pace: a / p.
``growth_rate``  FY/quarter windows: the latest (YTD) rate r of the target year, ``gap = t − r`` pp,
    ``completion = r / t`` (t > 0). Span (年均): the geometric mean of the full-year rates in the window
    ``g = ((1+r1/100)·…·(1+rn/100))^(1/n) − 1`` (e.g. 12 % and 18 % → √(1.12·1.18) − 1 = 14.96 %); if
    no full year exists yet, the latest YTD rate stands in (noted in ``method_zh``). ``required_rate``
    = the average rate still needed in the k' remaining years so that the N-year average reaches t:
    ``((1+t)^N / (1+g)^k)^(1/(N−k)) − 1`` (k = years up to the last full year). Indicators measured
    as amounts (``measure`` flow/stock) get year-on-year rates computed from same-period values.
    The light comes from the pp gap (``rules.growth``), not from time progress;
    ``ahead_pp = (completion − 1)·100`` (a rate is due in full at any time).

Comparators: '>=' / '<=' as written; '=' (左右) is met within ``rules.approximate.tolerance``
(relative, 5 %) of the target; 'range' within [value, value_high]. ``gap`` is the distance still to go
(base units; pp for rates): '>=' t − a, '<=' a − t, '=' t − a, 'range' distance to the interval;
<= 0 means reached.

``met``: whether the compared value satisfies the target now (for a finished window: the final
verdict). Exceptions: growth rates mid-window → None (a rate is judged at the end); a '<=' flow
mid-window → None unless already above the ceiling (False). ``likely_met``: the projection satisfies
the target. ``final``: the window has ended at ``as_of`` *and* the data reach its end; a final window
is green if met, else red. A window that has ended without its final data keeps the pace light and
its reason says that the full-year data are awaited.

Status: grey when nothing in the window has been observed (reason ``暂无数据（缺…）``); final → green/
red; already met → green (已提前完成目标); growth → ``rules.gap_light(gap)``; otherwise
``rules.pace_light(ahead_pp, likely_met)`` (green ≥ −5 pp or projected to be met, yellow ≥ −15 pp,
red below). Stretch (力争) targets are assessed like firm ones; :func:`rank` leaves them out.

ESCAP idea: ``escap_ratio`` = observed pace / required pace (CAGRs for '>=' levels/counts when both
exist, else per-year changes; flows: per-year amounts; growth: rates); ``escap_class`` on_track (≥ 1),
fair (≥ 0.5), limited (≥ 0), regressing (< 0), met (already reached).
"""
from __future__ import annotations

import calendar
import math
import re
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

import pandas as pd

from .rules import GREEN, GREY, RED, YELLOW, Rules, load_rules

KINDS = ("cumulative_flow", "level", "count", "share", "ratio", "growth_rate")
LEVEL_KINDS = ("level", "count", "share", "ratio")
COMPARATORS = (">=", "<=", "=", "range")
MEASURES = ("flow", "stock", "rate", "share")
PCT = 100.0  # rates and shares are in percent

_PERIOD_END = {"Q1": (3, 31), "H1": (6, 30), "Q2": (6, 30), "Q3": (9, 30), "Q4": (12, 31), "FY": (12, 31)}
_PERIOD_ZH = {"Q1": "一季度", "H1": "上半年", "Q2": "上半年", "Q3": "前三季度", "Q4": "全年", "FY": "全年"}
_SPAN_RE = re.compile(r"^\s*(\d{4})\s*[-–—~至]\s*(\d{4})\s*$")
_LABEL_RE = re.compile(r"^\s*(\d{4})\s*(?:([QqMmHh])\s*(\d{1,2}))?\s*$")


# ----------------------------------------------------------------------------------------------
# data classes
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TargetSpec:
    target_id: str
    kind: str          # cumulative_flow | level | count | share | ratio | growth_rate
    comparator: str    # '>=' | '<=' | '=' | 'range'
    value: float       # target in base units (value_base)
    start_year: int
    target_year: int
    period: str        # 'FY' | 'Q1' | 'H1' | 'Q3' | 'YYYY-YYYY' (span)
    value_high: float | None = None   # for 'range'
    stretch: bool = False
    measure: str = "stock"            # indicator measure: flow | stock | rate | share
    baseline: float | None = None     # baseline given by the plan, base units (rare)


@dataclass(frozen=True)
class Observation:            # one actual value (latest vintage of its period), base units
    period_label: str         # '2024', '2025Q2', '2025M05'
    year: int
    period_end: date
    value: float
    ytd: bool                 # value covers Jan 1 -> period_end (flows, rates)
    source_type: str = ""     # published | return | demo


@dataclass(frozen=True)
class Assessment:
    target_id: str
    time_progress: float            # 0..1, share of the target window elapsed at as_of
    completion: float | None        # 1.0 == 100 %; None when no data
    latest_actual: float | None     # the value compared (base units; spans of flows: the cumulative sum)
    latest_period: str | None
    baseline: float | None
    baseline_source: str            # 'plan' | 'data:<period>' | 'none'
    gap: float | None               # still to do to reach the target (base units; pp for rates); <=0 when reached
    ahead_pp: float | None          # (completion - 序时进度) * 100, pp ahead(+)/behind(-)
    projected: float | None         # value expected at the end of the window at the observed pace
    observed_rate: float | None     # observed annual pace (growth rate or per-year change), see module doc
    required_rate: float | None     # pace still required from the data date to reach the target
    likely_met: bool | None
    met: bool | None                # target already reached (for finished windows: final verdict)
    status: str                     # green | yellow | red | grey
    reason_zh: str                  # one short Chinese sentence
    method_zh: str                  # how completion was computed
    # -- additions (defaults keep the positional interface above) --
    kind: str = ""
    comparator: str = ""
    stretch: bool = False
    start_year: int | None = None
    target_year: int | None = None
    period: str = ""
    target_value: float | None = None
    window_start: date | None = None
    window_end: date | None = None
    time_progress_data: float | None = None   # 序时进度 at the end of the latest period compared
    final: bool = False                       # window ended and the data reach its end
    observed_cagr: float | None = None        # % per year ('>=' levels/counts)
    required_cagr: float | None = None        # % per year ('>=' levels/counts)
    escap_ratio: float | None = None          # observed pace / required pace
    escap_class: str | None = None            # met | on_track | fair | limited | regressing
    missing_years: tuple[int, ...] = ()       # window years before the latest one without data


# ----------------------------------------------------------------------------------------------
# time
# ----------------------------------------------------------------------------------------------

def _is_month_end(d: date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def time_progress(as_of: date, start: date, end: date) -> float:
    """Share of the window [start, end] elapsed at the end of day ``as_of``, clamped to 0..1.

    Whole months / months in the window when ``start`` is a 1st and ``as_of``/``end`` are month ends
    (2025-12-31 in 2023-01-01..2027-12-31 = 36/60 = 0.6; 2023-03-31 in 2023 = 3/12 = 0.25);
    otherwise days with both ends inclusive. Before ``start`` 0, from ``end`` on 1.
    """
    as_of, start, end = _to_date(as_of), _to_date(start), _to_date(end)
    if end < start:
        raise ValueError(f"window ends before it starts: {start}..{end}")
    if as_of < start:
        return 0.0
    if as_of >= end:
        return 1.0
    if start.day == 1 and _is_month_end(end) and _is_month_end(as_of):
        elapsed = _month_index(as_of) - _month_index(start) + 1
        total = _month_index(end) - _month_index(start) + 1
        return elapsed / total
    return ((as_of - start).days + 1) / ((end - start).days + 1)


def years_between(d1: date, d2: date) -> float:
    """``d2 − d1`` in years: whole months / 12 between month ends, else days / 365.25."""
    if _is_month_end(d1) and _is_month_end(d2):
        return (_month_index(d2) - _month_index(d1)) / 12
    return (d2 - d1).days / 365.25


def _window_years(start: date, end: date) -> float:
    return years_between(start - timedelta(days=1), end)


def _to_date(d: Any) -> date:
    if isinstance(d, pd.Timestamp):
        return d.date()
    if isinstance(d, date):
        return d if type(d) is date else date(d.year, d.month, d.day)
    return date.fromisoformat(str(d)[:10])


def _period_key(spec: TargetSpec) -> str:
    return str(spec.period or "").strip().upper()


def is_single_year(spec: TargetSpec) -> bool:
    """FY/Q1/H1/Q3 windows (one year, values restart each 1 January) as opposed to spans."""
    return _period_key(spec) in _PERIOD_END


def target_window(spec: TargetSpec) -> tuple[date, date]:
    """FY 2023 -> 2023-01-01..2023-12-31; Q1/H1/Q3 -> 1 Jan..31 Mar/30 Jun/30 Sep of the target
    year; '2023-2027' -> 2023-01-01..2027-12-31. An empty period means start_year..target_year."""
    p = _period_key(spec)
    if p in _PERIOD_END:
        m, d = _PERIOD_END[p]
        return date(spec.target_year, 1, 1), date(spec.target_year, m, d)
    match = _SPAN_RE.match(p)
    if match:
        y1, y2 = int(match.group(1)), int(match.group(2))
        if y2 < y1:
            raise ValueError(f"{spec.target_id}: span {spec.period!r} runs backwards")
        return date(y1, 1, 1), date(y2, 12, 31)
    if not p:
        return date(min(spec.start_year, spec.target_year), 1, 1), date(spec.target_year, 12, 31)
    raise ValueError(f"{spec.target_id}: unknown period {spec.period!r}")


# ----------------------------------------------------------------------------------------------
# observations
# ----------------------------------------------------------------------------------------------

def _finite(v: Any) -> bool:
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def usable(observations: Iterable[Observation], as_of: date) -> list[Observation]:
    """Observations whose period had ended by ``as_of`` and that carry a finite value, sorted by
    period end (stable, so of two values for the same period the later one in the input wins)."""
    as_of = _to_date(as_of)
    keep = [o for o in observations if _to_date(o.period_end) <= as_of and _finite(o.value)]
    return sorted(keep, key=lambda o: _to_date(o.period_end))


def is_full_year(o: Observation, measure: str = "stock") -> bool:
    """The value stands for the whole year: period ends 31 Dec and the label is the bare year, or the
    value is YTD, or the measure is a point level (stock/share)."""
    if _to_date(o.period_end) != date(o.year, 12, 31):
        return False
    if str(o.period_label).strip() == str(o.year):
        return True
    return bool(o.ytd) or measure in ("stock", "share")


def annual_series(observations: Iterable[Observation], measure: str = "stock") -> dict[int, Observation]:
    """Per year the best value: the full-year value if present (the bare-year label preferred), else
    the latest YTD/point value of the year. One value per year, never a sum within the year."""
    by_year: dict[int, list[tuple[int, Observation]]] = {}
    for i, o in enumerate(observations):
        if _finite(o.value):
            by_year.setdefault(int(o.year), []).append((i, o))
    out: dict[int, Observation] = {}
    for y in sorted(by_year):
        cands = by_year[y]
        full = [(i, o) for i, o in cands if is_full_year(o, measure)]
        if full:
            _, best = max(full, key=lambda t: (str(t[1].period_label).strip() == str(y), _to_date(t[1].period_end), t[0]))
        else:
            _, best = max(cands, key=lambda t: (_to_date(t[1].period_end), bool(t[1].ytd), t[0]))
        out[y] = best
    return out


def _latest(obs: Sequence[Observation]) -> Observation:
    idx = max(range(len(obs)), key=lambda i: (_to_date(obs[i].period_end),
                                              str(obs[i].period_label).strip() == str(obs[i].year),
                                              bool(obs[i].ytd), i))
    return obs[idx]


def _sub_key(o: Observation, measure: str) -> str:
    if is_full_year(o, measure):
        return "FY"
    m = _LABEL_RE.match(str(o.period_label))
    tail = (m.group(2).upper() + str(int(m.group(3)))) if m and m.group(2) else str(o.period_end)[5:]
    return tail + ("ytd" if o.ytd else "")


def growth_from_levels(observations: Iterable[Observation], measure: str = "flow") -> list[Observation]:
    """Year-on-year growth rates (%) from amounts: each value against the same period of the year
    before (full year vs full year, 1-6月 vs 1-6月). Needs a positive previous value."""
    idx: dict[tuple[int, str], Observation] = {}
    for o in sorted((o for o in observations if _finite(o.value)), key=lambda o: _to_date(o.period_end)):
        idx[(int(o.year), _sub_key(o, measure))] = o
    out = []
    for (y, key), o in idx.items():
        prev = idx.get((y - 1, key))
        if prev is not None and prev.value > 0:
            out.append(Observation(o.period_label, y, _to_date(o.period_end), (o.value / prev.value - 1) * PCT,
                                   o.ytd, o.source_type))
    return sorted(out, key=lambda o: _to_date(o.period_end))


def period_zh(o: Observation) -> str:
    """'2025' -> 2025年; '2025Q2' YTD -> 2025年1-6月 (else 2025年二季度); '2025M05' YTD -> 2025年1-5月."""
    m = _LABEL_RE.match(str(o.period_label))
    if not m:
        return str(o.period_label)
    y, f, n = m.group(1), (m.group(2) or "").upper(), m.group(3)
    if not f:
        return f"{y}年"
    n = int(n)
    if f == "Q":
        last = 3 * n
        if o.ytd:
            return f"{y}年" if last == 12 else f"{y}年1-{last}月"
        return f"{y}年{'一二三四'[n - 1]}季度"
    if f == "H":
        return (f"{y}年" if n == 2 else f"{y}年1-6月") if o.ytd else f"{y}年{'上下'[n - 1]}半年"
    if o.ytd and n > 1:
        return f"{y}年1-{n}月"
    return f"{y}年{n}月"


# ----------------------------------------------------------------------------------------------
# comparator helpers
# ----------------------------------------------------------------------------------------------

def _eps(t: float) -> float:
    return 1e-9 * max(1.0, abs(t))


def satisfies(value: float, spec: TargetSpec, rules: Rules) -> bool:
    """Does ``value`` meet the target ('=' within the tolerance, 'range' inside the interval)?"""
    t = spec.value
    if spec.comparator == ">=":
        return value >= t - _eps(t)
    if spec.comparator == "<=":
        return value <= t + _eps(t)
    if spec.comparator == "=":
        return rules.within_tolerance(value, t)
    hi = spec.value_high
    return t - _eps(t) <= value <= hi + _eps(hi)


def gap_to_target(value: float, spec: TargetSpec) -> float:
    """Still to do (<= 0 when reached): '>=' t − a; '<=' a − t; '=' t − a; 'range' distance to it."""
    t = spec.value
    if spec.comparator == ">=" or spec.comparator == "=":
        return t - value
    if spec.comparator == "<=":
        return value - t
    if value < t:
        return t - value
    if value > spec.value_high:
        return value - spec.value_high
    return 0.0


def _target_point(spec: TargetSpec, b: float | None) -> tuple[float, bool]:
    """The value to move toward and the direction (True = upward)."""
    if spec.comparator == ">=":
        return spec.value, True
    if spec.comparator == "<=":
        return spec.value, False
    if spec.comparator == "=":
        return spec.value, b is None or b <= spec.value
    if b is not None and b > spec.value_high:
        return spec.value_high, False
    return spec.value, True


def _check_spec(spec: TargetSpec) -> None:
    if spec.kind not in KINDS:
        raise ValueError(f"{spec.target_id}: unknown kind {spec.kind!r} (one of {KINDS})")
    if spec.comparator not in COMPARATORS:
        raise ValueError(f"{spec.target_id}: unknown comparator {spec.comparator!r}")
    if spec.comparator == "range" and _finite(spec.value):
        if spec.value_high is None or not _finite(spec.value_high) or spec.value_high < spec.value:
            raise ValueError(f"{spec.target_id}: 'range' needs value_high >= value")


def _fmt_years(years: Sequence[int]) -> str:
    return "、".join(str(y) for y in years) + "年"


# ----------------------------------------------------------------------------------------------
# assess
# ----------------------------------------------------------------------------------------------

def assess(spec: TargetSpec, observations: Sequence[Observation], as_of: date,
           rules: Rules | None = None) -> Assessment:
    """Assess one target at ``as_of`` from its observations (see the module docstring)."""
    rules = rules if rules is not None else load_rules()
    _check_spec(spec)
    as_of = _to_date(as_of)
    ws, we = target_window(spec)
    out: dict[str, Any] = dict(
        target_id=spec.target_id, time_progress=time_progress(as_of, ws, we), completion=None,
        latest_actual=None, latest_period=None, baseline=None, baseline_source="none", gap=None,
        ahead_pp=None, projected=None, observed_rate=None, required_rate=None, likely_met=None, met=None,
        status=GREY, reason_zh="", method_zh="", kind=spec.kind, comparator=spec.comparator,
        stretch=bool(spec.stretch), start_year=spec.start_year, target_year=spec.target_year,
        period=spec.period, target_value=spec.value, window_start=ws, window_end=we,
        time_progress_data=None, final=False, observed_cagr=None, required_cagr=None, escap_ratio=None,
        escap_class=None, missing_years=(),
    )
    obs = usable(observations, as_of)
    ctx = _Ctx(spec, rules, as_of, ws, we, out["time_progress"])
    if not _finite(spec.value):
        # a catalog row without a numeric target: nothing to compare with
        out.update(reason_zh=rules.text("no_data", missing="目标值"), method_zh="目标值缺失，无法测算")
        if obs:
            last = obs[-1]
            out.update(latest_actual=last.value, latest_period=last.period_label)
        return Assessment(**out)
    if spec.kind == "cumulative_flow":
        _assess_flow(ctx, obs, out)
    elif spec.kind == "growth_rate":
        _assess_growth(ctx, obs, out)
    else:
        _assess_level(ctx, obs, out)
    _finish(ctx, out)
    return Assessment(**out)


@dataclass
class _Ctx:
    spec: TargetSpec
    rules: Rules
    as_of: date
    ws: date
    we: date
    tp: float

    def tp_ref(self, data_end: date) -> float:
        if self.rules.pace_reference == "as_of":
            return self.tp
        return time_progress(data_end, self.ws, self.we)

    def window_name(self) -> str:
        p = _period_key(self.spec)
        if p in _PERIOD_END:
            return f"{self.we.year}年{_PERIOD_ZH[p]}" if p not in ("FY", "Q4") else f"{self.we.year}年"
        return f"{self.ws.year}年以来"

    def in_window(self, obs: Sequence[Observation]) -> list[Observation]:
        return [o for o in obs if self.ws.year <= o.year <= self.we.year
                and self.ws <= _to_date(o.period_end) <= self.we]

    def final(self, data_end: date) -> bool:
        return self.as_of >= self.we and data_end >= self.we


def _no_data(out: dict, missing: str, method: str = "") -> None:
    out["reason_missing"] = missing
    out["method_zh"] = method


def _assess_flow(ctx: _Ctx, obs: list[Observation], out: dict) -> None:
    spec, t = ctx.spec, ctx.spec.value
    ser = annual_series(ctx.in_window(obs), "flow")
    if not ser:
        _no_data(out, f"{ctx.window_name()}的实际值", "按各年流量合计/目标值计算")
        return
    latest = max(ser.values(), key=lambda o: _to_date(o.period_end))
    total = sum(o.value for o in ser.values())
    missing = tuple(y for y in range(ctx.ws.year, latest.year) if y not in ser)
    partial = [y for y, o in ser.items() if y < latest.year and not is_full_year(o, "flow")]
    if ctx.ws.year == ctx.we.year:
        method = f"按{period_zh(latest)}累计值/目标值计算"
    else:
        method = f"按{ctx.ws.year}—{latest.year}年各年流量合计/目标值计算"
        if not is_full_year(latest, "flow"):
            method += f"（{latest.year}年为{period_zh(latest)}累计）"
    if missing:
        method += f"；缺{_fmt_years(missing)}数据，按0计"
    if partial:
        method += f"；{_fmt_years(partial)}仅有年内累计值"
    data_end = _to_date(latest.period_end)
    p = ctx.tp_ref(data_end)
    final = ctx.final(data_end)
    budget = spec.comparator == "<="
    completion = total / t if t != 0 else None
    years = _window_years(ctx.ws, ctx.we)
    elapsed = p * years
    left = years - elapsed
    lower = spec.value
    out.update(
        completion=completion, latest_actual=total, latest_period=latest.period_label,
        gap=gap_to_target(total, spec), time_progress_data=time_progress(data_end, ctx.ws, ctx.we),
        final=final, missing_years=missing, method_zh=method,
        observed_rate=total / elapsed if elapsed > 0 else None,
        projected=total / p if p > 0 else None,
    )
    if left > 1e-9:
        out["required_rate"] = (t - total) / left if budget else max(lower - total, 0.0) / left
    if completion is not None:
        out["ahead_pp"] = ((p - completion) if budget else (completion - p)) * PCT
    sat = satisfies(total, spec, ctx.rules)
    if budget and not final:
        out["met"] = False if not sat else None
    else:
        out["met"] = sat
    if out["projected"] is not None:
        out["likely_met"] = satisfies(out["projected"], spec, ctx.rules)
    if not budget:
        if out["met"]:
            out["escap_class"] = "met"
        elif out["observed_rate"] is not None and out["required_rate"]:
            out["escap_ratio"] = out["observed_rate"] / out["required_rate"]
            out["escap_class"] = ctx.rules.escap_class(out["escap_ratio"])


def _assess_level(ctx: _Ctx, obs: list[Observation], out: dict) -> None:
    spec, rules = ctx.spec, ctx.rules
    single = is_single_year(spec)
    flow_level = spec.measure == "flow" and not single
    win = ctx.in_window(obs)
    if flow_level:
        cands = [o for o in annual_series(win, "flow").values() if is_full_year(o, "flow")]
        pool = [o for o in annual_series(obs, "flow").values() if is_full_year(o, "flow")]
    else:
        cands, pool = win, obs
    if not cands:
        what = "的全年数据" if flow_level and win else "的实际值"
        _no_data(out, f"{ctx.window_name()}{what}", "")
        return
    cur = _latest(cands)
    a = cur.value
    cur_end = _to_date(cur.period_end)
    accumulating = single and bool(cur.ytd)
    notes: list[str] = [f"截至{period_zh(cur)}"]
    if flow_level and win and _latest(win) is not cur and _to_date(_latest(win).period_end) > cur_end:
        notes.append(f"{period_zh(_latest(win))}仅有年内累计值，未作水平值比较")

    # baseline
    b = b_date = None
    bsrc, b_name = "none", "规划给定基期值"
    byear = ctx.ws.year - 1
    if spec.baseline is not None and _finite(spec.baseline):
        b, b_date, bsrc = float(spec.baseline), date(byear, 12, 31), "plan"
    elif not accumulating:
        bo = annual_series([o for o in obs if o.year == byear], spec.measure).get(byear)
        if bo is not None and flow_level and not is_full_year(bo, "flow"):
            bo = None
        if bo is not None:
            b, b_date, bsrc = bo.value, _to_date(bo.period_end), f"data:{bo.period_label}"
            b_name = f"{period_zh(bo)}值"
    t, up = _target_point(spec, b)

    # completion
    # An approximate ('=', 左右) or range target is a level to hold, not a distance to cover from a
    # baseline: completion is actual/target for it.
    usable_b = (b is not None and spec.comparator in (">=", "<=") and not satisfies(b, spec, rules)
                and ((up and b < t) or (not up and b > t)))
    if usable_b:
        completion = (a - b) / (t - b)
        notes.append(f"以{b_name}为基期，按(实际值−基期值)/(目标值−基期值)计算")
    else:
        prefix = ("约数目标不取基期，" if spec.comparator not in (">=", "<=") else "基期值已达到目标，") if b is not None else ("年内累计指标不取上年基期，" if accumulating else "无基期值，")
        if up or spec.comparator in ("=", "range"):
            completion = a / t if t != 0 else (1.0 if a >= t else None)
            notes.append(prefix + "按实际值/目标值计算")
        else:
            if a > 0 and t >= 0:
                completion = t / a
            elif t >= 0:
                completion = 1.0  # actual at or below zero meets a non-negative ceiling
            else:
                completion = None
            notes.append(prefix + "按目标值/实际值计算（越低越好）")

    def completion_of(v: float) -> float | None:
        if usable_b:
            return (v - b) / (t - b)
        if up or spec.comparator in ("=", "range"):
            return v / t if t != 0 else None
        return t / v if v > 0 and t >= 0 else None

    data_end = cur_end
    p = ctx.tp_ref(data_end)
    final = ctx.final(data_end)
    met = satisfies(a, spec, rules)
    out.update(
        completion=completion, latest_actual=a, latest_period=cur.period_label, baseline=b,
        baseline_source=bsrc, gap=gap_to_target(a, spec), met=met, final=final,
        time_progress_data=time_progress(data_end, ctx.ws, ctx.we),
    )
    if completion is not None:
        out["ahead_pp"] = (completion - p) * PCT

    # projection
    projected = None
    if accumulating:
        projected = a / p if p > 0 else None
        notes.append("按序时进度外推全年")
    else:
        anchor_v = anchor_d = None
        if b is not None:
            anchor_v, anchor_d = b, b_date
        else:
            earlier = [o for o in pool if _to_date(o.period_end) < cur_end]
            if earlier:
                first = min(earlier, key=lambda o: _to_date(o.period_end))
                anchor_v, anchor_d = first.value, _to_date(first.period_end)
        left = years_between(cur_end, ctx.we) if cur_end < ctx.we else 0.0
        slope = None
        if anchor_d is not None:
            dy = years_between(anchor_d, cur_end)
            if dy > 0:
                slope = (a - anchor_v) / dy
                if (spec.kind in ("level", "count") and up and anchor_v > 0 and a > 0 and t > 0):
                    out["observed_cagr"] = ((a / anchor_v) ** (1 / dy) - 1) * PCT
                    if left > 0:
                        out["required_cagr"] = ((t / a) ** (1 / left) - 1) * PCT
        if slope is not None:
            projected = a + slope * left
        elif left == 0:
            projected = a
        out["observed_rate"] = slope
        if left > 0:
            out["required_rate"] = (t - a) / left
    out["projected"] = projected
    if projected is not None:
        out["likely_met"] = satisfies(projected, spec, rules)
        out["_projected_completion"] = completion_of(projected)
    elif met:
        out["likely_met"] = True
    if met:
        out["escap_class"] = "met"
    else:
        ratio = None
        oc, rc = out["observed_cagr"], out["required_cagr"]
        if oc is not None and rc is not None and rc > 0:
            ratio = oc / rc
        elif out["observed_rate"] is not None and out["required_rate"]:
            ratio = out["observed_rate"] / out["required_rate"]
        out["escap_ratio"] = ratio
        out["escap_class"] = rules.escap_class(ratio)
    out["method_zh"] = "；".join(notes)


def _assess_growth(ctx: _Ctx, obs: list[Observation], out: dict) -> None:
    spec, rules, T = ctx.spec, ctx.rules, ctx.spec.value
    derived = spec.measure in ("flow", "stock")
    rates = growth_from_levels(obs, spec.measure) if derived else obs
    prefix = "由水平值按同期比较计算增速；" if derived else ""
    ser = annual_series(ctx.in_window(rates), "rate")
    if not ser:
        what = "可比的上年同期值" if derived and ctx.in_window(obs) else "的增速"
        _no_data(out, (ctx.window_name() + what) if what.startswith("的") else what, prefix.rstrip("；"))
        return
    n_years = ctx.we.year - ctx.ws.year + 1
    if ctx.ws.year == ctx.we.year:
        cur = ser[max(ser)]
        g, latest, required = cur.value, cur, T
        method = prefix + f"按{period_zh(cur)}{'累计' if cur.ytd and not is_full_year(cur, 'rate') else ''}增速与目标比较"
        missing: tuple[int, ...] = ()
        label = "增速"
    else:
        label = "年均增速"
        full = {y: o for y, o in ser.items() if is_full_year(o, "rate")}
        if full:
            last_full = max(full)
            rs = [full[y].value for y in sorted(full)]
            prod = math.prod(1 + r / PCT for r in rs)
            g = (prod ** (1 / len(rs)) - 1) * PCT if prod > 0 else float("nan")
            latest = full[last_full]
            missing = tuple(y for y in range(ctx.ws.year, last_full) if y not in full)
            yrs = sorted(full)
            method = prefix + (f"按{yrs[0]}—{yrs[-1]}年{len(rs)}个完整年度增速几何平均计算年均增速"
                               if len(rs) > 1 else f"按{yrs[0]}年全年增速计算")
            if missing:
                method += f"；缺{_fmt_years(missing)}数据"
            newer = [o for y, o in ser.items() if y > last_full]
            if newer:
                method += f"；{period_zh(newer[-1])}累计增速{newer[-1].value:.1f}%未计入"
            k = last_full - ctx.ws.year + 1
            left = n_years - k
            required = None
            if left > 0 and 1 + T / PCT > 0 and 1 + g / PCT > 0:
                required = (((1 + T / PCT) ** n_years / (1 + g / PCT) ** k) ** (1 / left) - 1) * PCT
        else:
            latest = ser[max(ser)]
            g = latest.value
            missing = ()
            method = prefix + f"尚无完整年度数据，暂以{period_zh(latest)}累计增速代替年均增速"
            required = T
    data_end = _to_date(latest.period_end)
    final = ctx.final(data_end)
    completion = g / T if T > 0 else None
    out.update(
        latest_actual=g, latest_period=latest.period_label, completion=completion, gap=gap_to_target(g, spec),
        projected=g, observed_rate=g, required_rate=required, likely_met=satisfies(g, spec, rules),
        met=satisfies(g, spec, rules) if final else None, final=final, missing_years=missing,
        time_progress_data=time_progress(data_end, ctx.ws, ctx.we), method_zh=method,
        ahead_pp=(completion - 1) * PCT if completion is not None else None,
    )
    out["_label"] = label
    if out["met"]:
        out["escap_class"] = "met"
    elif required is not None:
        if spec.comparator in (">=", "=", "range") and required <= 0:
            out["escap_class"] = "on_track"
        elif required > 0:
            out["escap_ratio"] = g / required
            out["escap_class"] = rules.escap_class(out["escap_ratio"])


def _finish(ctx: _Ctx, out: dict) -> None:
    """Status light and the one-sentence reason."""
    spec, rules = ctx.spec, ctx.rules
    missing = out.pop("reason_missing", None)
    label = out.pop("_label", "增速")
    proj_completion = out.pop("_projected_completion", None)
    if out["latest_actual"] is None:
        out["status"] = GREY
        out["reason_zh"] = rules.text("no_data", missing=missing or "实际值")
        return
    c = out["completion"]
    cfmt = c if c is not None else float("nan")
    final, met = out["final"], out["met"]
    pending = ctx.as_of >= ctx.we and not final

    if spec.kind == "growth_rate":
        g, gap = out["latest_actual"], out["gap"]
        if final:
            out["status"] = GREEN if met else RED
            out["reason_zh"] = (rules.text("growth_final_met", label=label, actual=g) if met else
                                rules.text("growth_final_not_met", label=label, actual=g, gap=abs(gap)))
        else:
            out["status"] = rules.gap_light(gap)
            if (-0.05 < gap <= 0) or (spec.comparator in ("=", "range") and out["likely_met"]):
                out["reason_zh"] = rules.text("growth_on", label=label, actual=g)
            elif gap > 0:
                key = "growth_below" if spec.comparator != "<=" else "growth_over_cap"
                if gap < 0.05 and key == "growth_below":
                    key = "growth_just_below"  # would print as "低于目标0.0个百分点"
                out["reason_zh"] = rules.text(key, label=label, actual=g, gap=gap)
            else:
                out["reason_zh"] = rules.text("growth_above", label=label, actual=g, over=-gap)
    elif spec.kind == "cumulative_flow" and spec.comparator == "<=":
        if final:
            out["status"] = GREEN if met else RED
            out["reason_zh"] = rules.text("final_met" if met else "final_not_met", completion=cfmt)
        elif met is False:
            out["status"] = RED
            out["reason_zh"] = rules.text("budget_exceeded", completion=cfmt)
        elif out["likely_met"]:
            out["status"] = GREEN
            out["reason_zh"] = rules.text("budget_ok", completion=cfmt)
        else:
            out["status"] = YELLOW
            out["reason_zh"] = rules.text("budget_watch", completion=cfmt)
    elif c is None:
        out["status"] = GREEN if met else GREY
        out["reason_zh"] = rules.text("met_early", completion=1.0) if met else "无法计算完成度"
    elif final:
        out["status"] = GREEN if met else RED
        if met:
            out["reason_zh"] = rules.text("final_met", completion=c)
        else:
            over = out["gap"] is not None and out["gap"] < 0
            out["reason_zh"] = rules.text("final_outside" if over else "final_not_met", completion=c)
    elif met:
        out["status"] = GREEN
        out["reason_zh"] = rules.text("met_early", completion=c)
    else:
        ahead = out["ahead_pp"]
        out["status"] = rules.pace_light(ahead, out["likely_met"])
        if c < 0:
            text = rules.text("regressing", completion=c, behind=abs(ahead))
        elif abs(ahead) < rules.on_pace_band_pp:
            text = rules.text("on_pace", completion=c)
        elif ahead > 0:
            text = rules.text("ahead", completion=c, ahead=ahead)
        else:
            text = rules.text("behind", completion=c, behind=-ahead)
        if out["status"] != GREEN and out["projected"] is not None and not pending:
            share = proj_completion
            if share is None and spec.value:
                share = out["projected"] / spec.value
            if share is not None and math.isfinite(share):
                text += rules.text("projection", year=ctx.we.year, projected_share=share)
        out["reason_zh"] = text
    if pending:
        out["reason_zh"] += rules.text("pending_final", year=ctx.we.year)


# ----------------------------------------------------------------------------------------------
# frames: ranking (晾晒) and the 2025 midpoint check
# ----------------------------------------------------------------------------------------------

def assessments_frame(assessments: Iterable[Assessment], **extra_columns: Any) -> pd.DataFrame:
    """A DataFrame with one row per Assessment (all fields as columns)."""
    rows = [asdict(a) for a in assessments]
    df = pd.DataFrame(rows, columns=[f.name for f in fields(Assessment)])
    for k, v in extra_columns.items():
        df[k] = v
    return df


RANK_COLUMNS = ["n_targets", "n_with_data", "n_green", "n_yellow", "n_red", "n_grey", "mean_ahead_pp",
                "share_green", "rank"]


def rank(assessments: pd.DataFrame, by: str | Sequence[str] = "project_no", *,
         include_stretch: bool = False) -> pd.DataFrame:
    """晾晒 ranking: one row per group of ``by`` (e.g. project_no or lead_unit).

    Rows with ``stretch`` true (力争 targets) are left out unless ``include_stretch``. Columns: the
    ``by`` column(s), ``n_targets``, ``n_with_data`` (status not grey), ``n_green`` … ``n_grey``,
    ``mean_ahead_pp`` (mean of ahead_pp over the targets that have one: the score), ``share_green``
    (n_green / n_with_data), ``rank`` (1 = most ahead). Order: score descending, then share_green
    descending, then fewer reds, then the group key ascending; groups without any ahead_pp get a NaN
    score and the last ranks (ordered by key). Ranks are 1..n with no ties.
    """
    keys = [by] if isinstance(by, str) else list(by)
    df = assessments.copy()
    for k in keys:
        if k not in df.columns:
            raise KeyError(f"rank(): column {k!r} missing")
    if "stretch" in df.columns and not include_stretch:
        df = df[~df["stretch"].fillna(False).astype(bool)]
    status = (df["status"] if "status" in df.columns else pd.Series(GREY, index=df.index)).fillna(GREY)
    ahead = pd.to_numeric(df["ahead_pp"], errors="coerce") if "ahead_pp" in df.columns else pd.Series(float("nan"), index=df.index)
    rows = []
    for key, g in df.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        st = status.loc[g.index]
        ah = ahead.loc[g.index].dropna()
        n_data = int((st != GREY).sum())
        n_green = int((st == GREEN).sum())
        row = dict(zip(keys, key))
        row.update(
            n_targets=int(len(g)), n_with_data=n_data, n_green=n_green, n_yellow=int((st == YELLOW).sum()),
            n_red=int((st == RED).sum()), n_grey=int((st == GREY).sum()),
            mean_ahead_pp=float(ah.mean()) if len(ah) else float("nan"),
            share_green=n_green / n_data if n_data else float("nan"),
        )
        rows.append(row)

    def _key_part(v: Any) -> tuple:
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        return (missing, (0, v) if isinstance(v, (int, float)) and not missing else (1, str(v)))

    def sort_key(r: dict) -> tuple:
        s, sg = r["mean_ahead_pp"], r["share_green"]
        return (math.isnan(s), -s if not math.isnan(s) else 0.0, math.isnan(sg), -sg if not math.isnan(sg) else 0.0,
                r["n_red"], tuple(_key_part(r[k]) for k in keys))

    rows.sort(key=sort_key)
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return pd.DataFrame(rows, columns=keys + RANK_COLUMNS)


MIDPOINT_COLUMNS = ["check", "check_zh", "met", "gap", "completion", "expected_progress", "midpoint_ahead_pp",
                    "on_track", "status", "reason_zh"]
_MIDPOINT_ID_COLUMNS = ["project_no", "project_short", "lead_unit", "target_id", "metric_zh", "kind", "comparator",
                        "stretch", "period", "start_year", "target_year", "target_value", "unit",
                        "latest_actual", "latest_period"]


def midpoint(assessments_2025: pd.DataFrame, *, check_year: int = 2025, final_year: int = 2027) -> pd.DataFrame:
    """The 2025 midpoint check from assessments made at the end of 2025 (as_of 2025-12-31).

    Input: columns of Assessment (``reason`` accepted for ``reason_zh``) plus ``target_year`` and,
    if present, ``start_year`` (default 2023), ``period``, ``kind``, ``comparator``, ids.
    Output rows:

    * ``check='target_2025'`` (2025年目标): every target with target_year == 2025 — FY/quarter and
      span targets. ``met`` and ``gap`` as assessed; ``expected_progress`` = 1; ``on_track`` = met.
    * ``check='span_2027'`` (2027年目标中期进度): targets with target_year == 2027 whose window began by
      2025 (spans). ``expected_progress`` = time progress at 2025-12-31 =
      (2025 − start_year + 1)/(2027 − start_year + 1) (0.6 for 2023–2027); growth rates 1.0 (a rate is
      due in full). ``midpoint_ahead_pp = (completion − expected_progress)·100``; ``on_track``:
      completion >= expected_progress (growth rates: gap <= 0; '<=' flows: completion <= expected).
      ``met`` says whether the 2027 target is already reached.

    Columns: the id columns present (project_no, target_id, metric_zh, kind, …) then
    check, check_zh, met, gap, completion, expected_progress, midpoint_ahead_pp, on_track, status, reason_zh.
    """
    df = assessments_2025.copy()
    if "target_year" not in df.columns:
        raise KeyError("midpoint(): column 'target_year' missing")
    if "reason_zh" not in df.columns:
        df["reason_zh"] = df["reason"] if "reason" in df.columns else ""
    for c in ("met", "gap", "completion", "status"):
        if c not in df.columns:
            df[c] = None
    start = pd.to_numeric(df["start_year"], errors="coerce").fillna(check_year - 2) if "start_year" in df.columns \
        else pd.Series(check_year - 2, index=df.index, dtype=float)
    ty = pd.to_numeric(df["target_year"], errors="coerce")
    kind = df["kind"] if "kind" in df.columns else pd.Series("", index=df.index)
    comp = df["comparator"] if "comparator" in df.columns else pd.Series(">=", index=df.index)
    is_span = df["period"].astype(str).str.contains(r"\d{4}\s*[-–—~至]\s*\d{4}", regex=True) if "period" in df.columns \
        else pd.Series(True, index=df.index)
    id_cols = [c for c in _MIDPOINT_ID_COLUMNS if c in df.columns]
    rows = []
    for i in df.index:
        r = df.loc[i]
        completion = r["completion"] if _finite(r["completion"]) else None
        gap = r["gap"] if _finite(r["gap"]) else None
        met = None if pd.isna(r["met"]) else bool(r["met"])
        if ty[i] == check_year:
            check, check_zh, expected = "target_2025", f"{check_year}年目标", 1.0
            on_track = met
        elif ty[i] == final_year and start[i] <= check_year and is_span[i]:
            check, check_zh = "span_2027", f"{final_year}年目标中期进度"
            if kind[i] == "growth_rate":
                expected = 1.0
                on_track = None if gap is None else bool(gap <= 0)
            else:
                sy = int(start[i])
                expected = time_progress(date(check_year, 12, 31), date(sy, 1, 1), date(final_year, 12, 31))
                if completion is None:
                    on_track = None
                elif kind[i] == "cumulative_flow" and comp[i] == "<=":
                    on_track = bool(completion <= expected + 1e-12)
                else:
                    on_track = bool(completion >= expected - 1e-12)
        else:
            continue
        row = {c: r[c] for c in id_cols}
        row.update(check=check, check_zh=check_zh, met=met, gap=gap, completion=completion,
                   expected_progress=expected,
                   midpoint_ahead_pp=(completion - expected) * PCT if completion is not None else None,
                   on_track=on_track, status=r["status"], reason_zh=r["reason_zh"])
        rows.append(row)
    out = pd.DataFrame(rows, columns=id_cols + MIDPOINT_COLUMNS)
    sort_cols = [c for c in ("project_no", "check", "target_id") if c in out.columns]
    if len(out) and sort_cols:
        out = out.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    return out


__all__ = [
    "TargetSpec", "Observation", "Assessment", "time_progress", "target_window", "usable", "annual_series",
    "assess", "rank", "midpoint", "assessments_frame", "growth_from_levels", "is_full_year", "is_single_year",
    "period_zh", "satisfies", "gap_to_target", "years_between", "KINDS", "COMPARATORS", "PCT",
]
