"""Property-based tests of the progress engine over random series and targets of every kind.

The hand-worked examples live in test_progress.py; these check the promises a leader relies on,
whatever the numbers:

* green ⇒ the target is met, or it is on 序时 *and* projected to be met (never "projected to miss");
* ahead_pp = (completion − time_progress) × 100 whenever there is an ahead_pp (time_progress is the
  序时 the light used, so the row can be recomputed by hand);
* the 2025 midpoint check and the status of a 2027 target at 2025-12-31 agree;
* a value that fell below a target it had already reached is not green;
* no completion is invented for a level without a base (one observation, no 2022 value).
"""
from __future__ import annotations

import math
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shiwu_lib.progress import Observation, TargetSpec, assess, assessments_frame, midpoint
from shiwu_lib.rules import Rules

R = Rules()
QUARTER_ENDS = [date(y, m, d) for y in range(2023, 2028) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _obs(year: int, q: int, value: float, ytd: bool) -> Observation:
    end = {1: date(year, 3, 31), 2: date(year, 6, 30), 3: date(year, 9, 30), 4: date(year, 12, 31)}[q]
    label = str(year) if q == 4 else f"{year}Q{q}"
    return Observation(label, year, end, value, ytd, "published")


@st.composite
def cases(draw, kinds=("cumulative_flow", "level", "count", "share", "ratio", "growth_rate")):
    kind = draw(st.sampled_from(kinds))
    comparator = draw(st.sampled_from([">=", "<=", "="] if kind in ("level", "count", "ratio") else
                                      [">=", "="] if kind != "growth_rate" else [">="]))
    span = draw(st.sampled_from([(2023, 2027), (2023, 2025), (2025, 2025), (2024, 2024)]))
    period = "FY" if span[0] == span[1] else f"{span[0]}-{span[1]}"
    measure = {"cumulative_flow": "flow", "growth_rate": "rate", "share": "share"}.get(
        kind, draw(st.sampled_from(["stock", "flow"])))
    target = draw(st.floats(1.0, 5000.0, allow_nan=False))
    spec = TargetSpec("t", kind, comparator, target, span[0], span[1], period, measure=measure,
                      stretch=draw(st.booleans()))
    n = draw(st.integers(0, 8))
    keys = draw(st.lists(st.tuples(st.integers(2022, 2027), st.integers(1, 4)), min_size=n, max_size=n, unique=True))
    ytd = measure in ("flow", "rate")
    lo, hi = (-10.0, 40.0) if kind == "growth_rate" else (0.0, 2.0 * target)
    obs = [_obs(y, q, draw(st.floats(lo, hi, allow_nan=False)), ytd) for y, q in sorted(keys)]
    as_of = draw(st.sampled_from(QUARTER_ENDS))
    return spec, obs, as_of


@SETTINGS
@given(cases())
def test_green_means_met_or_on_pace_and_projected_to_be_met(case):
    spec, obs, as_of = case
    a = assess(spec, obs, as_of, R)
    if a.status == "green":
        assert a.met is True or a.likely_met is True, a
        if a.met is not True and a.ahead_pp is not None and spec.kind != "growth_rate":
            assert a.ahead_pp >= R.green_min_ahead_pp - 1e-9, a
    if a.likely_met is False and a.met is not True:
        assert a.status != "green", a


@SETTINGS
@given(cases())
def test_ahead_pp_is_completion_minus_time_progress(case):
    spec, obs, as_of = case
    a = assess(spec, obs, as_of, R)
    if a.ahead_pp is not None:
        assert a.completion is not None and 0.0 <= a.time_progress <= 1.0
        assert math.isclose(a.ahead_pp, (a.completion - a.time_progress) * 100, rel_tol=1e-9, abs_tol=1e-9), a
    if a.score_pp is not None:
        assert abs(a.score_pp) <= R.score_cap_pp + 1e-9


@SETTINGS
@given(cases(kinds=("cumulative_flow", "level", "count", "share", "ratio", "growth_rate")))
def test_midpoint_and_status_agree_for_2027_targets(case):
    spec, obs, _ = case
    if spec.period != "2023-2027":
        return
    a = assess(spec, obs, date(2025, 12, 31), R)
    mp = midpoint(assessments_frame([a], project_no=1))
    assert len(mp) == 1
    row = mp.iloc[0]
    assert row["check"] == "span_2027"
    assert row["expected_progress"] == a.time_progress
    if a.status == "grey":
        assert row["on_track"] is None
    else:
        assert row["on_track"] == (a.status == "green")
    if a.ahead_pp is not None:
        assert math.isclose(row["midpoint_ahead_pp"], a.ahead_pp)


@SETTINGS
@given(target=st.floats(10.0, 1000.0), over=st.floats(0.0, 0.5), under=st.floats(0.01, 0.5),
       base_share=st.floats(0.3, 0.95), lower_is_better=st.booleans(),
       as_of=st.sampled_from(QUARTER_ENDS[8:18]))
def test_a_fall_below_a_target_already_reached_is_not_green(target, over, under, base_share, lower_is_better, as_of):
    # base 2022, the target reached in 2023, below it again in 2024 (mirrored for "at most" targets)
    if lower_is_better:
        spec = TargetSpec("t", "ratio", "<=", target, 2023, 2027, "2023-2027")
        vals = (target * (2 - base_share), target * (1 - over), target * (1 + under))
    else:
        spec = TargetSpec("t", "level", ">=", target, 2023, 2027, "2023-2027")
        vals = (target * base_share, target * (1 + over), target * (1 - under))
    obs = [_obs(2022, 4, vals[0], False), _obs(2023, 4, vals[1], False), _obs(2024, 4, vals[2], False)]
    a = assess(spec, obs, as_of, R)
    assert a.met is False and a.fell_back is True
    assert a.status in ("yellow", "red"), a


@SETTINGS
@given(kind=st.sampled_from(["level", "count", "share", "ratio"]), comparator=st.sampled_from([">=", "<="]),
       target=st.floats(1.0, 1000.0), share=st.floats(0.01, 0.999), year=st.integers(2023, 2025))
def test_no_completion_is_invented_without_a_base(kind, comparator, target, share, year):
    spec = TargetSpec("t", kind, comparator, target, 2023, 2027, "2023-2027")
    value = target * share if comparator == ">=" else target / share   # not yet at the target
    a = assess(spec, [_obs(year, 4, value, False)], date(2025, 12, 31), R)
    assert a.completion is None and a.ahead_pp is None
    assert a.status == "grey" and "基期" in a.reason_zh
