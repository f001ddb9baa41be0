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

Which 序时进度 completion is compared with: see "Reference date" below.

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
``first window year − 1`` from the data, whatever its source (``'published:2022'``, ``'return:2022'``,
``'demo:2022'``), else the first observation in the window (``'first:<source>:<period>'``: distance and
序时 are then measured from its date), else none — and then no completion is invented: grey 基期缺失
with the pace still required. A single-year window (FY/Q1/H1/Q3) whose compared value is YTD (开工率,
投资完成率, a year's flow) restarts from zero every 1 January. Cumulative flows and growth rates use no
baseline.

Reference date (``time_progress``, ``time_progress_date``)
--------------------------------------------------------
``time_progress`` is the 序时 the light used: at the end of the latest period compared when those
data are at most ``rules.max_lag_months`` old at ``as_of``, else at ``as_of`` (``stale``, 数据滞后);
``rules.pace_reference == "as_of"`` always uses ``as_of``. Growth rates are due in full: 1.0.
``ahead_pp = (completion − time_progress) × 100`` in every row that has an ahead_pp.

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

Status: grey when nothing in the window has been observed (``暂无数据（缺…）``) or a level has one
observation and no base (基期缺失); final → green/red (a 左右 target above its band: yellow); met →
green; growth → ``rules.gap_light(gap)`` (年均: full years only, else grey); otherwise the worse of
``rules.pace_light(ahead_pp)`` (position) and ``rules.projection_light(likely_met, projected_share)``
(green only when projected to be met, red below ``red_below_projected_share`` of the target); a fall
below a target already reached is at best yellow. Stretch (力争) targets are assessed like firm ones;
:func:`rank` leaves them out. ``light_basis`` names the rule that decided.

Open SDG / Statistics Canada: ``sdg_ratio`` = observed CAGR (base → latest) / required CAGR (base →
target), ``sdg_class`` achieved | on_track (≥ 0.95) | acceleration_needed (≥ 0.60) | limited (≥ 0) |
deterioration.

ESCAP idea: ``escap_ratio`` = observed pace / required pace (CAGRs for '>=' levels/counts when both
exist, else per-year changes; flows: per-year amounts; growth: rates); ``escap_class`` on_track (≥ 1),
fair (≥ 0.5), limited (≥ 0), regressing (< 0), met (already reached).
"""
from __future__ import annotations

import calendar
import math
from dataclasses import asdict, dataclass, fields
from operator import attrgetter
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from . import fmt as _fmt
from . import periods
from .rules import GREEN, GREY, RED, YELLOW, Rules, load_rules

KINDS = ("cumulative_flow", "level", "count", "share", "ratio", "growth_rate")
LEVEL_KINDS = ("level", "count", "share", "ratio")
COMPARATORS = (">=", "<=", "=", "range")
MEASURES = ("flow", "stock", "rate", "share")
PCT = 100.0  # rates and shares are in percent

_PERIOD_END = periods.TARGET_PERIOD_END
_PERIOD_ZH = {"Q1": "一季度", "H1": "上半年", "Q2": "上半年", "Q3": "前三季度", "Q4": "全年", "FY": "全年"}


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
    unit: str = ""                    # the target's display unit (亿元 …), for the reason sentence
    unit_factor: float = 1.0          # base units per display unit (1亿元 = 1e8 yuan)


@dataclass(frozen=True)
class Observation:            # one actual value (latest vintage of its period), base units
    period_label: str         # '2024', '2025Q2', '2025M05'
    year: int
    period_end: date
    value: float
    ytd: bool                 # value covers Jan 1 -> period_end (flows, rates)
    source_type: str = ""     # published | return | demo
    derived: bool = False     # a 推算 value (arithmetic on published parts)


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
    # -- verdict provenance (issue 9): every light can be recomputed from these --
    baseline_period: str | None = None        # period of the base value ('2022'); None for flows
    time_progress_date: date | None = None    # the date time_progress (the 序时 the light used) is measured at
    time_progress_report: float | None = None # 序时进度 of the calendar window at the report date
    data_lag_months: float | None = None      # age of the latest value at the report date
    stale: bool = False                       # older than [pace] max_lag_months: judged at the report date
    projected_share: float | None = None      # projection ÷ target (为目标的N%; '<=': target ÷ projection)
    projected_completion: float | None = None # share of the distance covered at the end (完成进度), projected
    sdg_ratio: float | None = None            # Open SDG / StatCan R = observed CAGR / required CAGR (base → target)
    sdg_class: str | None = None              # achieved | on_track | acceleration_needed | limited | deterioration
    fell_back: bool = False                   # reached the target before, below it now
    derived: bool = False                     # the compared value is a 推算 value
    light_basis: str = ""                     # why the light: met | final | on_pace | position | projection | …
    score_pp: float | None = None             # ranking score: ahead_pp clipped to ±[ranking] score_cap_pp


# ----------------------------------------------------------------------------------------------
# time
# ----------------------------------------------------------------------------------------------

def _is_month_end(d: date) -> bool:
    return d.day >= 28 and (d + _ONE_DAY).day == 1


_ONE_DAY = timedelta(days=1)
_PERIOD_END_OF = attrgetter("period_end")


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
    if type(d) is date:          # the common case, first (a datetime or Timestamp is not exactly a date)
        return d
    if isinstance(d, pd.Timestamp):
        return d.date()
    if isinstance(d, date):
        return d if type(d) is date else date(d.year, d.month, d.day)
    return date.fromisoformat(str(d)[:10])


def window_end(period: str, target_year: int) -> date:
    """The last day of a target window: FY/Q4 → 31 Dec, Q1 → 31 Mar, H1/Q2 → 30 Jun, Q3 → 30 Sep of
    ``target_year``; a span 'YYYY-YYYY' → 31 Dec of its last year."""
    return periods.target_period_end(period, target_year)


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
    span = periods.parse_span(p)
    if span:
        y1, y2 = span
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
    if type(v) is float:         # the common case, first
        return math.isfinite(v)
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def usable(observations: Iterable[Observation], as_of: date) -> list[Observation]:
    """Observations whose period had ended by ``as_of`` and that carry a finite value, sorted by
    period end (stable, so of two values for the same period the later one in the input wins)."""
    as_of = _to_date(as_of)
    isfinite = math.isfinite
    keep = []
    dates_only = True          # the engine's case: period ends are dates and values floats (no call per check)
    for o in observations:
        end, v = o.period_end, o.value
        if type(end) is not date:
            end, dates_only = _to_date(end), False
        if end <= as_of and (isfinite(v) if type(v) is float else _finite(v)):
            keep.append(o)
    if dates_only:
        return sorted(keep, key=_PERIOD_END_OF)
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
    isfinite = math.isfinite
    for i, o in enumerate(observations):
        v = o.value
        if isfinite(v) if type(v) is float else _finite(v):
            by_year.setdefault(int(o.year), []).append((i, o))
    out: dict[int, Observation] = {}
    point = measure in ("stock", "share")
    for y in sorted(by_year):
        cands = by_year[y]
        # is_full_year of each candidate, with the year's 31 Dec and label made once
        dec31, label = date(y, 12, 31), str(y)
        full = [(i, o) for i, o in cands
                if _to_date(o.period_end) == dec31 and (str(o.period_label).strip() == label or point or bool(o.ytd))]
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
    p = periods.read(o.period_label)
    tail = f"{p.freq}{p.sub}" if p and p.freq != "Y" else str(o.period_end)[5:]
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
    return periods.label_zh(o.period_label, o.ytd)


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
    tp_report = time_progress(as_of, ws, we)
    out: dict[str, Any] = dict(
        target_id=spec.target_id, time_progress=tp_report, completion=None,
        latest_actual=None, latest_period=None, baseline=None, baseline_source="none", gap=None,
        ahead_pp=None, projected=None, observed_rate=None, required_rate=None, likely_met=None, met=None,
        status=GREY, reason_zh="", method_zh="", kind=spec.kind, comparator=spec.comparator,
        stretch=bool(spec.stretch), start_year=spec.start_year, target_year=spec.target_year,
        period=spec.period, target_value=spec.value, window_start=ws, window_end=we,
        time_progress_data=None, final=False, observed_cagr=None, required_cagr=None, escap_ratio=None,
        escap_class=None, missing_years=(), time_progress_date=as_of, time_progress_report=tp_report,
        light_basis="no_data",
    )
    obs = usable(observations, as_of)
    ctx = _Ctx(spec, rules, as_of, ws, we, tp_report)
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
    if spec.kind == "growth_rate":
        _finish_growth(ctx, out)
    else:
        _finish_time_proportional(ctx, out)
    out["score_pp"] = rules.score(out["ahead_pp"])
    unknown = [k for k in out.keys() - _ASSESSMENT_FIELDS if not k.startswith("_") and k != "reason_missing"]
    if unknown:
        raise TypeError(f"assess(): not fields of Assessment: {unknown}")
    return Assessment(**{k: out[k] for k in out.keys() & _ASSESSMENT_FIELDS})


#: the fields of Assessment: what assess passes on from its working dict (not its "_…" notes)
_ASSESSMENT_FIELDS = frozenset(f.name for f in fields(Assessment))


@dataclass
class _Ctx:
    spec: TargetSpec
    rules: Rules
    as_of: date
    ws: date
    we: date
    tp: float

    def reference(self, data_end: date, out: dict) -> date:
        """The date 序时进度 is measured at for data ending ``data_end`` (rules.toml [pace]); records
        the data's age at the report date and whether they are too old to be judged at their own end."""
        lag = _months_between(data_end, self.as_of)
        stale = lag > self.rules.max_lag_months + 1e-9
        out.update(data_lag_months=lag, stale=stale)
        if self.rules.pace_reference == "as_of" or stale:
            return self.as_of
        return min(data_end, self.as_of)

    def window_name(self) -> str:
        p = _period_key(self.spec)
        if p in _PERIOD_END:
            return f"{self.we.year}年{_PERIOD_ZH[p]}" if p not in ("FY", "Q4") else f"{self.we.year}年"
        return f"{self.ws.year}年以来"

    def in_window(self, obs: Sequence[Observation]) -> list[Observation]:
        ws, we = self.ws, self.we
        y0, y1 = ws.year, we.year
        return [o for o in obs if y0 <= o.year <= y1
                and ws <= (o.period_end if type(o.period_end) is date else _to_date(o.period_end)) <= we]

    def final(self, data_end: date) -> bool:
        return self.as_of >= self.we and data_end >= self.we

    def show(self, v_base: float | None) -> str:
        """A value in base units, formatted in the target's unit (for the reason sentence)."""
        if v_base is None or not _finite(v_base):
            return "—"
        factor = self.spec.unit_factor or 1.0
        return _fmt.value(v_base / factor, self.spec.unit) if self.spec.unit else _fmt.number(v_base / factor)


def _cagr(ratio: float, years: float) -> float | None:
    """Compound annual growth in % per year that turns 1 into ``ratio`` in ``years`` (None if undefined)."""
    try:
        v = (ratio ** (1 / years) - 1) * PCT
    except (OverflowError, ZeroDivisionError, ValueError):
        return None
    return v if isinstance(v, float) and math.isfinite(v) else None


def _months_between(d1: date, d2: date) -> float:
    """Age of data ending ``d1`` at ``d2`` in months (whole months between month ends), >= 0."""
    d1, d2 = _to_date(d1), _to_date(d2)
    if d2 <= d1:
        return 0.0
    if _is_month_end(d1) and _is_month_end(d2):
        return float(_month_index(d2) - _month_index(d1))
    return round((d2 - d1).days / 30.4375, 1)


def _share_from(ref: date, base_date: date, end: date) -> float:
    """序时进度 of a path that starts at ``base_date`` (a first observation) and ends at ``end``."""
    total = years_between(base_date, end)
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, years_between(base_date, ref) / total))


def _no_data(out: dict, missing: str, method: str = "") -> None:
    out["reason_missing"] = missing
    out["method_zh"] = method


def _projected_share(projected: float | None, spec: TargetSpec) -> float | None:
    """The projection as a share of the target (为目标的N%): projected ÷ target, for '<=' target ÷ projected."""
    if projected is None or not _finite(projected):
        return None
    t = spec.value
    if spec.comparator == "<=":
        return t / projected if projected > 0 and t >= 0 else (1.0 if projected <= t else None)
    return projected / t if t > 0 else None


def _likely_met(projected: float | None, spec: TargetSpec, rules: Rules) -> bool | None:
    if projected is None or not _finite(projected):
        return None
    if satisfies(projected, spec, rules):
        return True
    if spec.comparator == "=":
        # a 左右 band is reached when the projection enters it; overshooting is judged when it happens
        low, _ = _band(spec, rules)
        return bool(projected >= low - _eps(low))
    if rules.projected_met_tolerance > 0 and spec.comparator in (">=", "<="):
        share = _projected_share(projected, spec)
        return bool(share is not None and share >= 1 - rules.projected_met_tolerance - 1e-12)
    return False


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
    out["_latest_zh"] = period_zh(latest)
    ref = ctx.reference(data_end, out)
    p_used = time_progress(ref, ctx.ws, ctx.we)
    p_data = time_progress(data_end, ctx.ws, ctx.we)
    years = _window_years(ctx.ws, ctx.we)
    completion = total / t if t != 0 else None
    projected = total / p_data if p_data > 0 else None
    left = (1 - p_data) * years
    out.update(
        completion=completion, latest_actual=total, latest_period=latest.period_label,
        gap=gap_to_target(total, spec),
        time_progress=p_used, time_progress_date=ref, time_progress_data=p_data,
        final=ctx.final(data_end), missing_years=missing, method_zh=method,
        observed_rate=total / (p_data * years) if p_data > 0 else None, projected=projected,
        required_rate=max(t - total, 0.0) / left if left > 1e-9 else None,
        met=satisfies(total, spec, ctx.rules), likely_met=_likely_met(projected, spec, ctx.rules),
        projected_share=_projected_share(projected, spec),
        projected_completion=projected / t if projected is not None and t else None,
        derived=bool(latest.derived),
    )
    if spec.comparator == "<=":
        # a ceiling (用地指标 …): not a distance to cover, so no ahead_pp; met is known only at the end
        # or once exceeded; its light is the budget rule in _finish_time_proportional
        out["met"] = out["met"] if out["final"] or not out["met"] else None
        out["required_rate"] = (t - total) / left if left > 1e-9 else None
        return
    if completion is not None:
        out["ahead_pp"] = (completion - p_used) * PCT
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
    cands = [o for o in annual_series(win, "flow").values() if is_full_year(o, "flow")] if flow_level else win
    if not cands:
        what = "的全年数据" if flow_level and win else "的实际值"
        _no_data(out, f"{ctx.window_name()}{what}", "")
        return
    cur = _latest(cands)
    a = cur.value
    cur_end = _to_date(cur.period_end)
    accumulating = single and bool(cur.ytd)
    band = spec.comparator in ("=", "range")
    notes: list[str] = [f"截至{period_zh(cur)}"]
    if flow_level and _to_date(_latest(win).period_end) > cur_end:
        notes.append(f"{period_zh(_latest(win))}仅有年内累计值，未作水平值比较")
    out["_latest_zh"] = period_zh(cur)
    if cur.derived:
        notes.append(f"{period_zh(cur)}值为推算值")

    # -- base: the plan's, else the year before the window from the data, else the first observation
    byear = ctx.ws.year - 1
    b = bd = None
    bsrc, bper, b_name, first_base = "none", None, "", False
    if spec.baseline is not None and _finite(spec.baseline):
        b, bd, bsrc, bper, b_name = float(spec.baseline), date(byear, 12, 31), "plan", str(byear), "规划给定基期值"
    elif not accumulating:
        bo = annual_series([o for o in obs if o.year == byear], spec.measure).get(byear)
        if bo is not None and flow_level and not is_full_year(bo, "flow"):
            bo = None
        if bo is not None:
            b, bd, bper = bo.value, _to_date(bo.period_end), bo.period_label
            bsrc, b_name = f"{bo.source_type or 'data'}:{bo.period_label}", f"{period_zh(bo)}值"
        else:
            earlier = [o for o in cands if _to_date(o.period_end) < cur_end]
            if earlier:
                fo = min(earlier, key=lambda o: _to_date(o.period_end))
                b, bd, bper, first_base = fo.value, _to_date(fo.period_end), fo.period_label, True
                bsrc, b_name = f"first:{fo.source_type or 'data'}:{fo.period_label}", f"首个观测值（{period_zh(fo)}）"
    t, up = _target_point(spec, b)
    met = satisfies(a, spec, rules)
    out.update(latest_actual=a, latest_period=cur.period_label, baseline=b, baseline_source=bsrc,
               baseline_period=bper, gap=gap_to_target(a, spec), met=met, derived=bool(cur.derived))

    # -- completion: the share of the distance covered from the base
    completion = None
    base_met = False
    if accumulating:
        completion = a / t if (up or band) and t != 0 else (t / a if a > 0 and t >= 0 else None)
        notes.append("年内累计指标，以年初为零起点，按实际值/目标值计算")
    elif band:
        completion = a / t if t != 0 else None
        notes.append("约数（区间）目标，按实际值/目标值计算，并以目标区间判断是否达到")
    elif b is not None:
        if satisfies(b, spec, rules) or (up and b >= t) or (not up and b <= t):
            base_met = True
            notes.append(f"{b_name}已达到目标，无法按基期测算完成进度")
        else:
            completion = (a - b) / (t - b)
            if first_base:
                notes.append(f"缺{byear}年基期值，以{b_name}为起点，按(实际值−起点值)/(目标值−起点值)计算，"
                             f"序时进度自起点起算")
            else:
                notes.append(f"以{b_name}为基期，按(实际值−基期值)/(目标值−基期值)计算")
    else:
        notes.append(f"缺{byear}年基期值且仅有一个观测值，无法测算完成进度")

    # -- which 序时进度
    ref = ctx.reference(cur_end, out)
    if first_base and completion is not None:
        p_used = _share_from(ref, bd, ctx.we)
        p_data = _share_from(cur_end, bd, ctx.we)
    else:
        p_used = time_progress(ref, ctx.ws, ctx.we)
        p_data = time_progress(cur_end, ctx.ws, ctx.we)
    out.update(time_progress=p_used, time_progress_date=ref, time_progress_data=p_data,
               final=ctx.final(cur_end), completion=completion)
    if completion is not None:
        out["ahead_pp"] = (completion - p_used) * PCT

    # -- projection: the observed pace carried on to the end of the window
    left = years_between(cur_end, ctx.we) if cur_end < ctx.we else 0.0
    projected = None
    if accumulating:
        projected = a / p_data if p_data > 0 else None
        notes.append("按序时进度外推全年")
    elif b is not None and bd is not None and years_between(bd, cur_end) > 0:
        dy = years_between(bd, cur_end)
        slope = (a - b) / dy
        projected = a + slope * left
        out["observed_rate"] = slope
        if spec.kind in ("level", "count") and up and b > 0 and a > 0 and t > 0:
            out["observed_cagr"] = _cagr(a / b, dy)
        # Open SDG / Statistics Canada: R = observed CAGR (base → latest) / required CAGR (base → target)
        total = years_between(bd, ctx.we)
        if b > 0 and a > 0 and t > 0 and total > 0 and not met:
            cagr_i, cagr_t = _cagr(a / b, dy), _cagr(t / b, total)
            if cagr_i is not None and cagr_t is not None and abs(cagr_t) > 1e-9:
                out["sdg_ratio"] = cagr_i / cagr_t
    elif left == 0:
        projected = a
    out["_years_left"] = left
    if left > 0:
        out["required_rate"] = (t - a) / left
        if spec.kind in ("level", "count") and up and a > 0 and t > 0:
            out["required_cagr"] = _cagr(t / a, left)
    out["projected"] = projected
    out["likely_met"] = _likely_met(projected, spec, rules) if projected is not None else (True if met else None)
    out["projected_share"] = _projected_share(projected, spec)
    if projected is not None:
        if completion is not None and not (accumulating or band):
            out["projected_completion"] = (projected - b) / (t - b)
        elif accumulating or band:
            out["projected_completion"] = projected / t if t else None
    out["sdg_class"] = "achieved" if met else rules.sdg_class(out.get("sdg_ratio"))

    # -- a value that fell below a target already reached
    if not met and not accumulating and not band:
        before = [o for o in cands if _to_date(o.period_end) < cur_end and satisfies(o.value, spec, rules)]
        if before:
            out["fell_back"] = True
            out["_met_period"] = period_zh(max(before, key=lambda o: _to_date(o.period_end)))
        elif base_met:
            out["fell_back"] = True
            out["_met_period"] = f"{byear}年" if bper is None else period_zh(Observation(bper, byear, bd, b, False))
    out["_base_met"] = base_met

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
    out.update(time_progress=1.0, time_progress_data=1.0)   # a rate is due in full at any time
    if ctx.ws.year == ctx.we.year:
        cur = ser[max(ser)]
        g, latest, required = cur.value, cur, T
        method = prefix + f"按{period_zh(cur)}{'累计' if cur.ytd and not is_full_year(cur, 'rate') else ''}增速与目标比较"
        missing: tuple[int, ...] = ()
        label = "增速"
    else:
        label = "年均增速"
        full = {y: o for y, o in ser.items() if is_full_year(o, "rate")}
        newer = [o for y, o in sorted(ser.items()) if not is_full_year(o, "rate")]
        if not full:
            # 年均 targets are judged from full years only: a year-to-date rate is shown, not judged
            latest = ser[max(ser)]
            data_end = _to_date(latest.period_end)
            ctx.reference(data_end, out)
            out.update(latest_actual=latest.value, latest_period=latest.period_label,
                       time_progress_date=data_end,
                       method_zh=prefix + "年均增速只按完整年度计算；尚无完整年度数据")
            out["_partial"] = latest
            out["_label"] = label
            return
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
        later = [o for o in newer if o.year > last_full]
        if later:
            method += f"；{period_zh(later[-1])}累计增速{later[-1].value:.1f}%未计入（年均增速只用完整年度）"
        k = len(rs)
        left = n_years - (last_full - ctx.ws.year + 1)
        required = None
        if left > 0 and 1 + T / PCT > 0 and 1 + g / PCT > 0:
            required = (((1 + T / PCT) ** n_years / (1 + g / PCT) ** k) ** (1 / left) - 1) * PCT
        if ctx.as_of >= ctx.we:
            absent = tuple(y for y in range(ctx.ws.year, ctx.we.year + 1) if y not in full)
            if absent:
                out["_pending_years"] = absent
    data_end = _to_date(latest.period_end)
    out["_latest_zh"] = period_zh(latest)
    ctx.reference(data_end, out)
    final = ctx.final(data_end) and not out.get("_pending_years")
    completion = g / T if T > 0 else None
    out.update(
        latest_actual=g, latest_period=latest.period_label, completion=completion, gap=gap_to_target(g, spec),
        projected=g, observed_rate=g, required_rate=required, likely_met=satisfies(g, spec, rules),
        met=satisfies(g, spec, rules) if final else None, final=final, missing_years=missing,
        time_progress_date=data_end, method_zh=method, derived=bool(latest.derived),
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


def _stale_note(ctx: _Ctx, out: dict, key: str = "stale") -> str:
    """（数据截至…，已滞后N个月…） for data older than [pace] max_lag_months (not for final verdicts)."""
    label = out.pop("_latest_zh", None)
    if not out.get("stale") or out.get("final") or label is None:
        return ""
    return ctx.rules.text(key, period=label, months=_fmt.number(out.get("data_lag_months"), 0))


def _finish_growth(ctx: _Ctx, out: dict) -> None:
    """Light and reason of a growth-rate target: from the gap in percentage points."""
    rules = ctx.rules
    label = out.pop("_label", "增速")
    partial = out.pop("_partial", None)
    pending_years = out.pop("_pending_years", None)
    missing = out.pop("reason_missing", None)
    if partial is not None:
        out["status"], out["light_basis"] = GREY, "no_full_year"
        out["reason_zh"] = rules.text("growth_no_full_year", period=period_zh(partial), actual=partial.value)
        if ctx.as_of >= ctx.we:
            absent = tuple(range(ctx.ws.year, ctx.we.year + 1))
            out["reason_zh"] = rules.text("growth_pending", missing=_fmt_years(absent)) + "；" + out["reason_zh"]
            out["light_basis"] = "pending"
        return
    if out["latest_actual"] is None:
        out["status"], out["light_basis"] = GREY, "no_data"
        out["reason_zh"] = rules.text("no_data", missing=missing or "实际值")
        return
    g, gap, met = out["latest_actual"], out["gap"], out["met"]
    if pending_years:
        out["status"], out["light_basis"] = GREY, "pending"
        out["reason_zh"] = (rules.text("growth_pending", missing=_fmt_years(pending_years))
                            + f"（已有年份{label}{g:.1f}%）")
        out["likely_met"] = None
        return
    if out["final"]:
        out["status"], out["light_basis"] = (GREEN if met else RED), "final"
        out["reason_zh"] = (rules.text("growth_final_met", label=label, actual=g) if met else
                            rules.text("growth_final_not_met", label=label, actual=g, gap=abs(gap)))
        return
    out["status"], out["light_basis"] = rules.gap_light(gap), "gap"
    if (-0.05 < gap <= 0) or (ctx.spec.comparator in ("=", "range") and out["likely_met"]):
        text = rules.text("growth_on", label=label, actual=g)
    elif gap > 0:
        key = "growth_below" if ctx.spec.comparator != "<=" else "growth_over_cap"
        if gap < 0.05 and key == "growth_below":
            key = "growth_just_below"  # would print as "低于目标0.0个百分点"
        text = rules.text(key, label=label, actual=g, gap=gap)
    else:
        text = rules.text("growth_above", label=label, actual=g, over=-gap)
    if ctx.as_of >= ctx.we:
        text += rules.text("pending_final", year=ctx.we.year)
    out["reason_zh"] = text + _stale_note(ctx, out, "stale_growth")


def _finish_time_proportional(ctx: _Ctx, out: dict) -> None:
    """Light and reason of flows, levels, counts, shares and ratios: the worse of the position light
    (ahead_pp against 序时进度) and the projection light; met → green; a finished window → met or not."""
    spec, rules = ctx.spec, ctx.rules
    missing = out.pop("reason_missing", None)
    met_period = out.pop("_met_period", None)
    base_met = out.pop("_base_met", False)
    if out["latest_actual"] is None:
        out["status"], out["light_basis"] = GREY, "no_data"
        out["reason_zh"] = rules.text("no_data", missing=missing or "实际值")
        return
    a, c, met, final = out["latest_actual"], out["completion"], out["met"], out["final"]
    cfmt = c if c is not None else float("nan")
    pending = ctx.as_of >= ctx.we and not final
    band = spec.comparator in ("=", "range")
    low, high = _band(spec, rules)
    above = band and a > high + _eps(high)
    shown = ctx.show(a)
    text = ""
    if spec.kind == "cumulative_flow" and spec.comparator == "<=":
        if final:
            status, basis = (GREEN if met else RED), "final"
            text = rules.text("final_met" if met else "final_not_met", completion=cfmt)
        elif met is False:
            status, basis, text = RED, "budget", rules.text("budget_exceeded", completion=cfmt)
        elif out["likely_met"]:
            status, basis, text = GREEN, "budget", rules.text("budget_ok", completion=cfmt)
        else:
            status, basis, text = YELLOW, "budget", rules.text("budget_watch", completion=cfmt)
        out.update(status=status, light_basis=basis, reason_zh=text + _stale_note(ctx, out))
        return
    if final:
        if met:
            status, basis = GREEN, "final"
            if band:
                text = "目标期已结束，" + rules.text("in_band", actual=shown, low=ctx.show(low), high=ctx.show(high))
            elif c is not None:
                text = rules.text("final_met", completion=cfmt)
            else:   # no completion (the base had met the target already, or no base): the value, not "nan%"
                text = f"目标期已结束，已完成目标（实际{shown}）"
        elif above:
            status, basis = YELLOW, "band"
            text = "目标期已结束，" + rules.text("above_band", actual=shown, low=ctx.show(low), high=ctx.show(high))
        else:
            status, basis = RED, "final"
            text = rules.text("final_not_met", completion=cfmt) if c is not None else f"目标期已结束，未完成（实际{shown}）"
        out.update(status=status, light_basis=basis, reason_zh=text)
        return
    if met:
        status, basis = GREEN, "met"
        if band:
            text = rules.text("in_band", actual=shown, low=ctx.show(low), high=ctx.show(high))
        else:
            text = rules.text("met_early", completion=cfmt) if c is not None else f"已达到目标（实际{shown}）"
    elif above:
        status, basis = YELLOW, "band"
        text = rules.text("above_band", actual=shown, low=ctx.show(low), high=ctx.show(high))
    elif c is None:
        if out.get("fell_back"):
            status = rules.worse(YELLOW, rules.projection_light(out["likely_met"], out["projected_share"]))
            basis = "fell_back"
            text = rules.text("fell_back", met_period=met_period or "基期", actual=shown, target=ctx.show(spec.value))
        else:
            status, basis = GREY, "no_base"
            base_year = ctx.ws.year - 1
            text = rules.text("no_base", period=period_zh(_obs_of(out)), actual=shown, base_year=base_year) \
                if not base_met else rules.text("base_met", period=str(out.get("baseline_period")), actual=shown)
            if out["required_cagr"] is not None and out["required_cagr"] > 0 and out.get("_years_left", 0) >= 1 - 1e-9:
                text += rules.text("required_cagr", required_cagr=out["required_cagr"])
    else:
        ahead = out["ahead_pp"]
        position = rules.pace_light(ahead)
        projection = rules.projection_light(out["likely_met"], out["projected_share"])
        status = rules.worse(position, projection)
        basis = "position" if status == position and position != GREEN else "projection"
        if status == GREEN:
            basis = "on_pace"
        if out.get("fell_back"):
            status, basis = rules.worse(status, YELLOW), "fell_back"
        if c < 0:
            text = rules.text("regressing", completion=c, behind=abs(ahead))
        elif abs(ahead) < rules.on_pace_band_pp:
            text = rules.text("on_pace", completion=c)
        elif ahead > 0:
            text = rules.text("ahead", completion=c, ahead=ahead)
        else:
            text = rules.text("behind", completion=c, behind=-ahead)
        if out.get("fell_back"):
            text = rules.text("fell_back", met_period=met_period, actual=shown, target=ctx.show(spec.value)) + "；" + text
    if not met and out["projected"] is not None and basis != "no_base":
        share = out["projected_share"]
        if spec.comparator == "<=":
            text += rules.text("projection_down", year=ctx.we.year, projected=ctx.show(out["projected"]),
                               target=ctx.show(spec.value))
        elif share is not None and math.isfinite(share):
            text += rules.text("projection", year=ctx.we.year, projected=ctx.show(out["projected"]),
                               projected_share=share)
    # a compound rate "per year" is quoted only with at least a year to go (0.25 years left would read 107 %)
    if status != GREEN and basis not in ("no_base", "budget") and (out["required_cagr"] or 0) > 0 \
            and out.get("_years_left", 0) >= 1 - 1e-9:
        text += rules.text("required_cagr", required_cagr=out["required_cagr"])
    if pending:
        text += rules.text("pending_final", year=ctx.we.year)
        out.pop("_latest_zh", None)   # the pending note already says which data are awaited
    out.update(status=status, light_basis=basis, reason_zh=text + _stale_note(ctx, out))


def _obs_of(out: dict) -> Observation:
    label = str(out.get("latest_period") or "")
    year = int(label[:4]) if label[:4].isdigit() else 0
    return Observation(label, year, date(max(year, 1), 12, 31), 0.0, False)


def _band(spec: TargetSpec, rules: Rules) -> tuple[float, float]:
    """The interval a '=' (左右) or 'range' target accepts (base units); (t, t) for other comparators."""
    t = spec.value
    if spec.comparator == "=":
        d = rules.approx_tolerance * abs(t)
        return t - d, (math.inf if rules.approx_overshoot_ok else t + d)
    if spec.comparator == "range":
        return t, float(spec.value_high)
    return t, t


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


_NAN = float("nan")
RANK_COLUMNS = ["n_targets", "n_with_data", "n_green", "n_yellow", "n_red", "n_grey", "mean_ahead_pp",
                "share_green", "rank", "score_pp"]


def rank(assessments: pd.DataFrame, by: str | Sequence[str] = "project_no", *,
         include_stretch: bool = False) -> pd.DataFrame:
    """晾晒 ranking: one row per group of ``by`` (e.g. project_no or lead_unit).

    Rows with ``stretch`` true (力争 targets) are left out unless ``include_stretch``. Columns: the
    ``by`` column(s), ``n_targets``, ``n_with_data`` (status not grey), ``n_green`` … ``n_grey``,
    ``mean_ahead_pp`` (plain mean of ahead_pp over the targets that have one), ``score_pp`` (the
    score: mean of ``score_pp`` — ahead_pp clipped to ±[ranking] score_cap_pp, see rules.toml — or of
    ahead_pp when the frame has no score_pp column), ``share_green`` (n_green / n_with_data),
    ``rank`` (1 = most ahead). Order: score descending, then share_green
    descending, then fewer reds, then the group key ascending; groups without any ahead_pp get a NaN
    score and the last ranks (ordered by key). Ranks are 1..n with no ties.
    """
    keys = [by] if isinstance(by, str) else list(by)
    for k in keys:
        if k not in assessments.columns:
            raise KeyError(f"rank(): column {k!r} missing")
    # only the columns the ranking reads (a status frame has ~60)
    cols = [c for c in dict.fromkeys(keys + ["stretch", "status", "ahead_pp", "score_pp"]) if c in assessments.columns]
    df = assessments[cols]
    if "stretch" in df.columns and not include_stretch:
        df = df[~df["stretch"].fillna(False).astype(bool)]
    status = (df["status"] if "status" in df.columns else pd.Series(GREY, index=df.index)).fillna(GREY)
    ahead = pd.to_numeric(df["ahead_pp"], errors="coerce") if "ahead_pp" in df.columns else pd.Series(float("nan"), index=df.index)
    score = pd.to_numeric(df["score_pp"], errors="coerce") if "score_pp" in df.columns else ahead
    rows = rank_rows(list(zip(*(df[k].tolist() for k in keys))), status.to_numpy(dtype=object),
                     ahead.to_numpy(dtype=float, na_value=float("nan")),
                     score.to_numpy(dtype=float, na_value=float("nan")), keys)
    return pd.DataFrame(rows, columns=keys + RANK_COLUMNS)


def rank_rows(key_rows: Sequence[tuple], status: Sequence, ahead: Sequence, score: Sequence,
              keys: Sequence[str]) -> list[dict]:
    """The ranking of :func:`rank` on plain sequences, one element per target already chosen (no
    stretch filter here): ``key_rows`` the group key of each target (a tuple, one value per column
    of ``keys``), ``status`` its light (missing → grey already), ``ahead`` / ``score`` its ahead_pp
    and score_pp as floats (NaN when missing). Returns the rows of :func:`rank`, in rank order."""
    st_all = np.asarray(status, dtype=object)
    ahead_all = np.asarray(ahead, dtype=float)
    score_all = np.asarray(score, dtype=float)
    keys = list(keys)
    # the groups in order of first appearance, missing keys (None / NaN) as one group: what
    # DataFrame.groupby(keys, sort=False, dropna=False) gives, without its per-call cost
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(key_rows):
        key = tuple(_NAN if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in key)
        groups.setdefault(key, []).append(i)
    rows = []
    for key, pos in groups.items():
        pos = np.asarray(pos, dtype=np.intp)
        st = st_all[pos]
        ah = ahead_all[pos]
        ah = ah[~np.isnan(ah)]
        sc = score_all[pos]
        sc = sc[~np.isnan(sc)]
        n_data = int((st != GREY).sum())
        n_green = int((st == GREEN).sum())
        row = dict(zip(keys, key))
        row.update(
            n_targets=int(len(pos)), n_with_data=n_data, n_green=n_green, n_yellow=int((st == YELLOW).sum()),
            n_red=int((st == RED).sum()), n_grey=int((st == GREY).sum()),
            # pandas' mean of the same values in the same order (Series.mean is numpy's pairwise
            # sum / count; pandas does not use bottleneck for a mean)
            mean_ahead_pp=float(ah.sum() / len(ah)) if len(ah) else float("nan"),
            share_green=n_green / n_data if n_data else float("nan"),
            score_pp=float(sc.sum() / len(sc)) if len(sc) else float("nan"),
        )
        rows.append(row)

    def _key_part(v: Any) -> tuple:
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        return (missing, (0, v) if isinstance(v, (int, float)) and not missing else (1, str(v)))

    def sort_key(r: dict) -> tuple:
        s, sg = r["score_pp"], r["share_green"]
        return (math.isnan(s), -s if not math.isnan(s) else 0.0, math.isnan(sg), -sg if not math.isnan(sg) else 0.0,
                r["n_red"], tuple(_key_part(r[k]) for k in keys))

    rows.sort(key=sort_key)
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


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
      span targets. ``met`` and ``gap`` as assessed; ``expected_progress`` = the row's time_progress
      (1 once the data reach the end of 2025); ``on_track`` = met.
    * ``check='span_2027'`` (2027年目标中期进度): targets with target_year == 2027 whose window began by
      2025 (spans). The row *is* the status row of that date: ``completion``, ``expected_progress`` (= the
      row's ``time_progress``, the 序时 its light used), ``midpoint_ahead_pp`` (= its ``ahead_pp``) and
      ``on_track`` (= its light is green; None when grey), so the midpoint check and the status can
      never disagree. ``met`` says whether the 2027 target is already reached.

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
    is_span = df["period"].astype(str).str.contains(r"\d{4}\s*[-–—~至]\s*\d{4}", regex=True) if "period" in df.columns \
        else pd.Series(True, index=df.index)
    id_cols = [c for c in _MIDPOINT_ID_COLUMNS if c in df.columns]
    rows = []
    ty_l, start_l, span_l = ty.tolist(), start.tolist(), is_span.tolist()
    for j, r in enumerate(df.to_dict("records")):
        completion = r["completion"] if _finite(r["completion"]) else None
        gap = r["gap"] if _finite(r["gap"]) else None
        met = None if pd.isna(r["met"]) else bool(r["met"])
        tp = r["time_progress"] if "time_progress" in df.columns and _finite(r["time_progress"]) else None
        if ty_l[j] == check_year:
            check, check_zh, expected = "target_2025", f"{check_year}年目标", (tp if tp is not None else 1.0)
            on_track = met
        elif ty_l[j] == final_year and start_l[j] <= check_year and span_l[j]:
            check, check_zh = "span_2027", f"{final_year}年目标中期进度"
            expected = tp if tp is not None else time_progress(
                date(check_year, 12, 31), date(int(start_l[j]), 1, 1), date(final_year, 12, 31))
            on_track = None if r["status"] in (None, GREY) or pd.isna(r["status"]) else bool(r["status"] == GREEN)
        else:
            continue
        row = {c: r[c] for c in id_cols}
        ahead = r["ahead_pp"] if "ahead_pp" in df.columns and _finite(r["ahead_pp"]) else None
        if ahead is None and completion is not None and check == "target_2025":
            ahead = (completion - expected) * PCT
        row.update(check=check, check_zh=check_zh, met=met, gap=gap, completion=completion,
                   expected_progress=expected, midpoint_ahead_pp=ahead,
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
    "period_zh", "satisfies", "gap_to_target", "years_between", "window_end", "KINDS", "COMPARATORS", "PCT",
]
