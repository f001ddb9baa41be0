"""Hand-worked cases for the progress engine (shiwu_lib/progress.py).

Every expected number is written as the arithmetic a reader can redo by hand. Money in these tests
is in 亿元 for readability (the engine is unit-free: it compares base-unit numbers with base-unit
numbers); rates and shares are in percent (15.0 = 15 %).
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from shiwu_lib.progress import (
    Assessment, Observation, TargetSpec, annual_series, assess, assessments_frame, growth_from_levels,
    midpoint, period_zh, rank, target_window, time_progress, usable, years_between,
)
from shiwu_lib.rules import Rules

R = Rules()  # the documented defaults (equal to rules.toml, see test_rules.py)
approx = pytest.approx


def Y(year, value, ytd=True, src="published"):
    """A full-year value."""
    return Observation(str(year), year, date(year, 12, 31), value, ytd, src)


def Q(year, q, value, ytd=True):
    end = {1: date(year, 3, 31), 2: date(year, 6, 30), 3: date(year, 9, 30), 4: date(year, 12, 31)}[q]
    return Observation(f"{year}Q{q}", year, end, value, ytd)


def M(year, m, value, ytd=True):
    import calendar
    return Observation(f"{year}M{m:02d}", year, date(year, m, calendar.monthrange(year, m)[1]), value, ytd)


def spec(kind="level", comparator=">=", value=100.0, start=2023, end=2027, period=None, **kw):
    if period is None:
        period = f"{start}-{end}" if start != end else "FY"
    return TargetSpec(target_id=kw.pop("target_id", "t"), kind=kind, comparator=comparator, value=value,
                      start_year=start, target_year=end, period=period, **kw)


# ------------------------------------------------------------------------------------------------
# time progress and windows
# ------------------------------------------------------------------------------------------------

class TestTimeProgress:
    def test_end_of_q1_of_a_one_year_target(self):
        # 3 whole months of 12
        assert time_progress(date(2023, 3, 31), date(2023, 1, 1), date(2023, 12, 31)) == 3 / 12 == 0.25

    def test_end_2025_of_five_year_span_is_exactly_60_percent(self):
        # 2023, 2024, 2025 = 36 months of 60
        assert time_progress(date(2025, 12, 31), date(2023, 1, 1), date(2027, 12, 31)) == 0.6

    def test_mid_2025_of_five_year_span(self):
        assert time_progress(date(2025, 6, 30), date(2023, 1, 1), date(2027, 12, 31)) == 30 / 60

    def test_before_start_and_after_end(self):
        assert time_progress(date(2022, 12, 31), date(2023, 1, 1), date(2023, 12, 31)) == 0.0
        assert time_progress(date(2023, 12, 31), date(2023, 1, 1), date(2023, 12, 31)) == 1.0
        assert time_progress(date(2026, 5, 1), date(2023, 1, 1), date(2025, 12, 31)) == 1.0

    def test_days_when_not_a_month_end(self):
        # 2023-01-15: 15 days of 365, both ends inclusive
        assert time_progress(date(2023, 1, 15), date(2023, 1, 1), date(2023, 12, 31)) == approx(15 / 365)
        # 2024 is a leap year: 2024-02-15 -> (31 + 15) / 366
        assert time_progress(date(2024, 2, 15), date(2024, 1, 1), date(2024, 12, 31)) == approx(46 / 366)

    def test_quarter_window_is_complete_at_quarter_end(self):
        s, e = target_window(spec(kind="share", value=30, start=2023, end=2023, period="Q1"))
        assert time_progress(date(2023, 3, 31), s, e) == 1.0
        # end of February in the Q1 window: 2 months of 3
        assert time_progress(date(2023, 2, 28), s, e) == approx(2 / 3)

    def test_years_between(self):
        assert years_between(date(2022, 12, 31), date(2025, 6, 30)) == 30 / 12
        assert years_between(date(2023, 1, 1), date(2023, 1, 2)) == approx(1 / 365.25)

    def test_backwards_window_raises(self):
        with pytest.raises(ValueError):
            time_progress(date(2023, 1, 1), date(2024, 1, 1), date(2023, 1, 1))


class TestWindow:
    @pytest.mark.parametrize("period,expected", [
        ("FY", (date(2023, 1, 1), date(2023, 12, 31))),
        ("Q1", (date(2023, 1, 1), date(2023, 3, 31))),
        ("H1", (date(2023, 1, 1), date(2023, 6, 30))),
        ("Q3", (date(2023, 1, 1), date(2023, 9, 30))),
    ])
    def test_single_year(self, period, expected):
        assert target_window(spec(start=2023, end=2023, period=period)) == expected

    def test_span(self):
        assert target_window(spec(start=2023, end=2027, period="2023-2027")) == (date(2023, 1, 1), date(2027, 12, 31))

    def test_unknown_period(self):
        with pytest.raises(ValueError):
            target_window(spec(period="Q7"))


# ------------------------------------------------------------------------------------------------
# observations
# ------------------------------------------------------------------------------------------------

class TestObservations:
    def test_usable_keeps_periods_ended_by_as_of(self):
        obs = [Q(2025, 1, 100), Q(2025, 2, 250), Q(2025, 3, 380), Y(2024, float("nan"))]
        got = usable(obs, date(2025, 8, 15))
        # 2025Q3 ends 09-30 > 08-15; NaN dropped
        assert [o.period_label for o in got] == ["2025Q1", "2025Q2"]

    def test_ytd_values_are_not_added_within_a_year(self):
        # 2025Q1 YTD 100, Q2 YTD 250: the year so far is 250, not 100 + 250
        s = annual_series([Q(2025, 1, 100), Q(2025, 2, 250)], "flow")
        assert s[2025].value == 250

    def test_full_year_wins_over_ytd(self):
        s = annual_series([Q(2025, 2, 250), Q(2025, 3, 380), Y(2025, 520)], "flow")
        assert s[2025].period_label == "2025" and s[2025].value == 520

    def test_bare_year_label_preferred_among_full_year_values(self):
        s = annual_series([Y(2024, 460), Q(2024, 4, 459)], "flow")
        assert s[2024].period_label == "2024"

    def test_q4_point_value_is_the_year_for_stocks_not_for_single_quarter_flows(self):
        q4_point = Q(2024, 4, 75, ytd=False)
        assert annual_series([q4_point], "stock")[2024] is q4_point
        from shiwu_lib.progress import is_full_year
        assert is_full_year(q4_point, "stock") and not is_full_year(q4_point, "flow")

    def test_period_zh(self):
        assert period_zh(Q(2025, 2, 1)) == "2025年1-6月"
        assert period_zh(Q(2025, 2, 1, ytd=False)) == "2025年二季度"
        assert period_zh(M(2025, 5, 1)) == "2025年1-5月"
        assert period_zh(Y(2025, 1)) == "2025年"

    def test_growth_from_levels_compares_same_periods(self):
        # 2023 full 115 vs 2022 full 100 -> +15 %; 2024 1-6月 60 vs 2023 1-6月 50 -> +20 %
        obs = [Y(2022, 100), Q(2023, 2, 50), Y(2023, 115), Q(2024, 2, 60)]
        got = {o.period_label: o.value for o in growth_from_levels(obs, "flow")}
        assert got == {"2023": approx(15.0), "2024Q2": approx(20.0)}


# ------------------------------------------------------------------------------------------------
# cumulative_flow
# ------------------------------------------------------------------------------------------------

MAJOR = spec("cumulative_flow", ">=", 2000.0, 2023, 2027, measure="flow", target_id="p01-5y-major-investment")


class TestCumulativeFlow:
    def test_span_with_current_year_ytd(self):
        # 2023: 420亿, 2024: 460亿, 2025 H1 YTD: 250亿 (Q1 YTD 100 superseded) -> sum 1130
        obs = [Y(2023, 420), Y(2024, 460), Q(2025, 1, 100), Q(2025, 2, 250)]
        a = assess(MAJOR, obs, date(2025, 6, 30), R)
        assert a.latest_actual == 420 + 460 + 250 == 1130
        assert a.completion == approx(1130 / 2000)          # 0.565
        assert a.time_progress == 30 / 60 == 0.5
        assert a.ahead_pp == approx((0.565 - 0.5) * 100)    # +6.5 pp
        assert a.projected == approx(1130 / 0.5)            # 2260 at this pace
        assert a.observed_rate == approx(1130 / 2.5)        # 452 per year over 2.5 years
        assert a.required_rate == approx((2000 - 1130) / 2.5)  # 348 per year still needed
        assert a.gap == approx(870)
        assert a.likely_met is True and a.met is False
        assert a.status == "green"
        # 56.5 % -> "56%" (round half even), 6.5 -> "6"; 2260 / 2000 = 113 % of the target
        assert a.reason_zh == "完成56%，快于序时进度6个百分点，按当前进度预计2027年达到2260，为目标的113%"
        assert a.latest_period == "2025Q2" and a.baseline is None and a.baseline_source == "none"
        assert "2025年1-6月" in a.method_zh

    def test_full_year_replaces_ytd(self):
        # 420 + 460 + 2025 full 480 = 1360 -> 68 %; time progress 36/60 = 60 % -> +8 pp
        obs = [Y(2023, 420), Y(2024, 460), Q(2025, 2, 250), Q(2025, 3, 370), Y(2025, 480)]
        a = assess(MAJOR, obs, date(2025, 12, 31), R)
        assert a.latest_actual == 1360
        assert a.completion == approx(0.68)
        assert a.ahead_pp == approx(8.0)
        # projected 1360 / 0.6 = 2266.7 -> "2267", 113 % of 2000
        assert a.reason_zh == "完成68%，快于序时进度8个百分点，按当前进度预计2027年达到2267，为目标的113%"

    def test_behind_gives_yellow_then_red(self):
        # 2023: 340 -> 17 % against 12/60 = 20 % -> -3 pp: position green; projected 340 / 0.2 = 1700
        # = 85 % of 2000: projected to miss, but above the 80 % red line -> yellow
        a = assess(MAJOR, [Y(2023, 340)], date(2023, 12, 31), R)
        assert a.ahead_pp == approx(-3.0) and a.projected == approx(1700) and a.likely_met is False
        assert a.status == "yellow" and a.light_basis == "projection"
        # 2023: 300 -> 15 % at 20 % -> -5 pp (position green) but projected 300 / 0.2 = 1500 = 75 % < 80 % -> red
        a = assess(MAJOR, [Y(2023, 300)], date(2023, 12, 31), R)
        assert a.ahead_pp == approx(-5.0) and a.projected_share == approx(0.75) and a.status == "red"
        # 2023 + 2024 = 300 + 340 = 640 -> 32 % against 40 % -> -8 pp: yellow; projected 640/0.4 = 1600 = 80 %
        a = assess(MAJOR, [Y(2023, 300), Y(2024, 340)], date(2024, 12, 31), R)
        assert a.ahead_pp == approx(-8.0) and a.status == "yellow"
        assert a.projected == approx(1600) and a.likely_met is False
        assert a.reason_zh == "完成32%，慢于序时进度8个百分点，按当前进度预计2027年达到1600，为目标的80%"
        # 300 + 150 = 450 -> 22.5 % against 40 % -> -17.5 pp: red
        a = assess(MAJOR, [Y(2023, 300), Y(2024, 150)], date(2024, 12, 31), R)
        assert a.ahead_pp == approx(-17.5) and a.status == "red"

    def test_fy_window_uses_that_years_ytd(self):
        # 2023 task: 全年完成投资350亿元以上. 1-9月 250 -> 250/350 = 71.4 % against 9/12 = 75 %
        s = spec("cumulative_flow", ">=", 350.0, 2023, 2023, measure="flow")
        obs = [Y(2022, 330), Q(2023, 2, 160), Q(2023, 3, 250)]
        a = assess(s, obs, date(2023, 9, 30), R)
        assert a.completion == approx(250 / 350)
        assert a.ahead_pp == approx((250 / 350 - 0.75) * 100)   # -3.57 pp -> position green …
        assert a.projected == approx(250 / 0.75)                # … but 333.3 < 350 is projected to miss
        assert a.projected_share == approx(333.33 / 350, rel=1e-4) and a.status == "yellow"   # 95 % -> yellow
        assert a.required_rate == approx((350 - 250) / 0.25)    # 400 per year for the last quarter
        assert a.method_zh == "按2023年1-9月累计值/目标值计算"

    def test_pace_measured_at_the_data_date_by_default(self):
        # report written 2023-10-15 with 1-9月 data: 序时进度 of the data = 9/12, of the date = 288/365
        s = spec("cumulative_flow", ">=", 350.0, 2023, 2023, measure="flow")
        a = assess(s, [Q(2023, 3, 250)], date(2023, 10, 15), R)
        # data 15 days (0.5 months) old: within [pace] max_lag_months = 3, judged at their own end
        assert a.time_progress == 0.75 and a.time_progress_date == date(2023, 9, 30) and a.stale is False
        assert a.time_progress_report == approx(288 / 365)
        assert a.time_progress_data == 0.75
        assert a.ahead_pp == approx((250 / 350 - 0.75) * 100)
        b = assess(s, [Q(2023, 3, 250)], date(2023, 10, 15), replace(R, pace_reference="as_of"))
        assert b.ahead_pp == approx((250 / 350 - 288 / 365) * 100) and b.time_progress == approx(288 / 365)

    def test_missing_year_is_named_and_counts_zero(self):
        a = assess(MAJOR, [Y(2024, 500)], date(2024, 12, 31), R)
        assert a.missing_years == (2023,)
        assert a.latest_actual == 500 and "缺2023年数据" in a.method_zh

    def test_finished_window_final_verdict_ignores_later_data(self):
        s = spec("cumulative_flow", ">=", 1000.0, 2023, 2025, measure="flow")
        obs = [Y(2023, 300), Y(2024, 330), Y(2025, 360), Y(2026, 999)]
        a = assess(s, obs, date(2026, 12, 31), R)
        # 300 + 330 + 360 = 990 < 1000 (2026 is outside the window)
        assert a.latest_actual == 990 and a.final is True and a.time_progress == 1.0
        assert a.met is False and a.status == "red"
        assert a.reason_zh == "目标期已结束，未完成（完成99%）"
        a = assess(replace(s, value=900.0), obs, date(2026, 12, 31), R)
        assert a.met is True and a.status == "green" and a.reason_zh.startswith("目标期已结束，已完成目标")

    def test_window_over_but_final_data_awaited(self):
        s = spec("cumulative_flow", ">=", 1000.0, 2023, 2025, measure="flow")
        obs = [Y(2023, 300), Y(2024, 330), Q(2025, 3, 280)]
        a = assess(s, obs, date(2026, 1, 15), R)
        # 910 / 1000 = 91 %; the data end 2025-09-30 is 107 days = 3.5 months old at the report date,
        # more than [pace] max_lag_months = 3: judged at the report date, 序时 100 % -> -9 pp, stale
        assert a.final is False and a.time_progress == 1.0 and a.stale is True
        assert a.data_lag_months == approx(107 / 30.4375, abs=0.05)
        assert a.ahead_pp == approx((0.91 - 1.0) * 100)
        # projected 910 / (33/36) = 992.7 < 1000: projected to miss -> at best yellow
        assert a.status == "yellow" and a.met is False
        assert a.reason_zh.endswith("（目标期已结束，待2025年全年数据）")

    def test_already_exceeded_mid_window(self):
        s = spec("cumulative_flow", ">=", 270.0, 2023, 2025, measure="flow")
        a = assess(s, [Y(2023, 150), Y(2024, 140)], date(2024, 12, 31), R)
        # 290 / 270 = 107.4 %, not capped
        assert a.completion == approx(290 / 270) and a.met is True and a.gap == approx(-20)
        assert a.status == "green" and a.reason_zh == "已提前完成目标（完成107%）"
        assert a.escap_class == "met" and a.required_rate == 0

    def test_count_flow_new_additions(self):
        # 三年招引亿元以上项目120个以上: 2023: 45, 2024: 1-6月 20 -> 65 / 120 = 54.2 % vs 18/36 = 50 %
        s = spec("cumulative_flow", ">=", 120.0, 2023, 2025, measure="flow")
        a = assess(s, [Y(2023, 45), Q(2024, 2, 20)], date(2024, 6, 30), R)
        assert a.completion == approx(65 / 120) and a.ahead_pp == approx((65 / 120 - 0.5) * 100)

    def test_ceiling_flow(self):
        # '<=' flow: 用地 at most 300 over 2023–2025; 2023: 90 -> 30 % used at 1/3 of the time
        s = spec("cumulative_flow", "<=", 300.0, 2023, 2025, measure="flow")
        a = assess(s, [Y(2023, 90)], date(2023, 12, 31), R)
        assert a.completion == approx(0.3) and a.ahead_pp is None   # a ceiling has no distance to cover
        assert a.projected == approx(270) and a.likely_met is True and a.met is None
        assert a.status == "green"
        a = assess(s, [Y(2023, 120)], date(2023, 12, 31), R)   # projected 360 > 300
        assert a.status == "yellow"
        a = assess(s, [Y(2023, 120), Y(2024, 190)], date(2024, 12, 31), R)  # 310 > 300
        assert a.met is False and a.status == "red"


# ------------------------------------------------------------------------------------------------
# level / count / share / ratio
# ------------------------------------------------------------------------------------------------

CAPACITY = spec("level", ">=", 87.0, 2023, 2027, measure="stock", target_id="p08-capacity")  # 万千瓦


class TestLevel:
    def test_with_data_baseline(self):
        # 2022: 60, 2024: 75, target 87 -> (75 - 60) / (87 - 60) = 15/27 = 55.6 %
        a = assess(CAPACITY, [Y(2022, 60, False), Y(2023, 68, False), Y(2024, 75, False)], date(2025, 3, 31), R)
        assert a.baseline == 60 and a.baseline_source == "published:2022" and a.baseline_period == "2022"
        assert a.completion == approx(15 / 27)
        # the data end 2024-12-31 is 3 months old (= max_lag_months): judged at it, 24/60 = 0.4
        # (the report date 2025-03-31 would be 27/60 = 0.45)
        assert a.time_progress == approx(0.4) and a.time_progress_report == approx(0.45)
        assert a.time_progress_date == date(2024, 12, 31) and a.stale is False
        assert a.ahead_pp == approx((15 / 27 - 0.4) * 100)
        # per-year change since the baseline: (75 - 60) / 2 = 7.5; three years left -> 75 + 22.5 = 97.5
        assert a.observed_rate == approx(7.5) and a.projected == approx(97.5)
        assert a.required_rate == approx((87 - 75) / 3)  # 4 per year
        # ESCAP: observed CAGR (75/60)^(1/2) - 1 = 11.80 %; required (87/75)^(1/3) - 1 = 5.07 %
        assert a.observed_cagr == approx(((75 / 60) ** 0.5 - 1) * 100)
        assert a.required_cagr == approx(((87 / 75) ** (1 / 3) - 1) * 100)
        assert a.escap_ratio == approx(a.observed_cagr / a.required_cagr) and a.escap_class == "on_track"
        assert a.status == "green" and a.likely_met is True
        assert a.method_zh == "截至2024年；以2022年值为基期，按(实际值−基期值)/(目标值−基期值)计算"
        # Open SDG / StatCan: observed CAGR (75/60)^(1/2) - 1 = 11.80 % against the CAGR required from
        # the base, (87/60)^(1/5) - 1 = 7.72 % -> R = 1.53 >= 0.95: on track
        assert a.sdg_ratio == approx(((75 / 60) ** 0.5 - 1) / ((87 / 60) ** 0.2 - 1)) and a.sdg_class == "on_track"

    def test_plan_baseline(self):
        a = assess(replace(CAPACITY, baseline=50.0), [Y(2024, 75, False)], date(2024, 12, 31), R)
        # (75 - 50) / (87 - 50) = 25/37
        assert a.baseline_source == "plan" and a.completion == approx(25 / 37)
        # dated 2022-12-31: two years to 2024-12-31 -> 12.5 per year
        assert a.observed_rate == approx(12.5)

    def test_without_baseline(self):
        # only 2024 = 75 and no 2022 base: no completion is invented (75 / 87 would read "86 % done"),
        # grey 基期缺失, with the pace still required: (87 / 75)^(1/3) - 1 = 5.07 % per year
        a = assess(CAPACITY, [Y(2024, 75, False)], date(2024, 12, 31), R)
        assert a.baseline is None and a.baseline_source == "none"
        assert a.completion is None and a.ahead_pp is None and a.status == "grey"
        assert a.light_basis == "no_base"
        assert a.method_zh.startswith("截至2024年；缺2022年基期值且仅有一个观测值")
        assert a.projected is None and a.observed_rate is None
        assert a.required_rate == approx((87 - 75) / 3)
        assert a.required_cagr == approx(((87 / 75) ** (1 / 3) - 1) * 100)
        assert a.reason_zh == "仅有2024年一个观测值（75），缺2022年基期值，无法测算完成进度；实现目标需年均增长5.1%"

    def test_projection_from_first_observation_without_baseline(self):
        # 2023: 70, 2024: 75, no 2022 base: the first observation is the start of the path.
        # distance (75 - 70) / (87 - 70) = 5/17 = 29.4 %; 序时 from 2023-12-31 to 2027-12-31: 12/48 = 25 %
        a = assess(CAPACITY, [Y(2023, 70, False), Y(2024, 75, False)], date(2024, 12, 31), R)
        assert a.baseline == 70 and a.baseline_source == "first:published:2023" and a.baseline_period == "2023"
        assert a.completion == approx(5 / 17) and a.time_progress == approx(0.25)
        assert a.ahead_pp == approx((5 / 17 - 0.25) * 100)
        # +5/yr, 3 years left -> 90 >= 87
        assert a.projected == approx(90) and a.likely_met is True and a.status == "green"
        assert "以首个观测值（2023年）为起点" in a.method_zh

    def test_zero_baseline(self):
        # 2022: 0 -> (20 - 0) / (50 - 0) = 40 %; a CAGR from 0 is undefined -> linear ESCAP ratio
        s = spec("count", ">=", 50.0, 2023, 2027)
        a = assess(s, [Y(2022, 0, False), Y(2024, 20, False)], date(2024, 12, 31), R)
        assert a.baseline == 0 and a.completion == approx(0.4)
        assert a.observed_cagr is None
        # observed 20/2 = 10 per year, required (50 - 20)/3 = 10 per year -> ratio 1.0
        assert a.escap_ratio == approx(1.0) and a.escap_class == "on_track"

    def test_target_equal_to_baseline_falls_back_to_ratio(self):
        s = spec("count", ">=", 10.0, 2023, 2027)
        a = assess(s, [Y(2022, 10, False), Y(2024, 9, False)], date(2024, 12, 31), R)
        # the base already met the target: no distance to cover, and 9 < 10 is a fall below a target
        # already reached: never green. Projected 9 + (9 - 10)/2 × 3 = 7.5 = 75 % of 10 < 80 % -> red
        assert a.completion is None and "2022年值已达到目标" in a.method_zh
        assert a.baseline == 10 and a.met is False and a.fell_back is True
        assert a.projected == approx(7.5) and a.status == "red"
        assert a.reason_zh.startswith("曾于2022年达到目标，现回落至9，未达到目标10")

    def test_target_already_exceeded(self):
        # 高新技术企业累计超过500家: 2022: 400, 2025: 560 -> (560-400)/(500-400) = 160 %, not capped
        s = spec("count", ">=", 500.0, 2023, 2027)
        a = assess(s, [Y(2022, 400, False), Y(2025, 560, False)], date(2025, 12, 31), R)
        assert a.completion == approx(1.6) and a.met is True and a.gap == approx(-60)
        assert a.status == "green" and a.reason_zh == "已提前完成目标（完成160%）"

    def test_moved_away_from_target(self):
        # 2022: 60, 2024: 55 -> (55 - 60)/(87 - 60) = -18.5 %; against 40 % -> -58.5 pp
        a = assess(CAPACITY, [Y(2022, 60, False), Y(2024, 55, False)], date(2024, 12, 31), R)
        assert a.completion == approx(-5 / 27)
        assert a.status == "red" and a.observed_rate == approx(-2.5)
        assert a.reason_zh.startswith("较基期反向变化（完成-19%），慢于序时进度59个百分点")
        assert a.escap_class == "regressing"

    def test_lower_is_better_with_baseline(self):
        # 城乡居民收入倍差缩小至1.72以内: 2022: 1.80, 2024: 1.76 -> (1.76-1.80)/(1.72-1.80) = 50 %
        s = spec("ratio", "<=", 1.72, 2023, 2027)
        a = assess(s, [Y(2022, 1.80, False), Y(2024, 1.76, False)], date(2024, 12, 31), R)
        assert a.completion == approx(0.5)
        assert a.ahead_pp == approx((0.5 - 0.4) * 100) and a.status == "green"
        assert a.gap == approx(1.76 - 1.72)
        # -0.02 per year, three years left -> 1.70 <= 1.72
        assert a.observed_rate == approx(-0.02) and a.projected == approx(1.70) and a.likely_met is True
        assert a.required_rate == approx((1.72 - 1.76) / 3)
        assert a.escap_ratio == approx(-0.02 / ((1.72 - 1.76) / 3))  # 1.5

    def test_lower_is_better_without_baseline(self):
        s = spec("ratio", "<=", 1.72, 2023, 2027)
        a = assess(s, [Y(2024, 1.76, False)], date(2024, 12, 31), R)
        assert a.completion is None and a.status == "grey"      # 1.72 / 1.76 = 98 % would be invented
        assert a.reason_zh == "仅有2024年一个观测值（1.76），缺2022年基期值，无法测算完成进度"

    def test_lower_is_better_already_met(self):
        s = spec("ratio", "<=", 1.72, 2023, 2027)
        a = assess(s, [Y(2022, 1.80, False), Y(2025, 1.70, False)], date(2025, 12, 31), R)
        # (1.70-1.80)/(1.72-1.80) = 125 %
        assert a.completion == approx(1.25) and a.met is True and a.status == "green"

    def test_share_fy_target_with_point_values(self):
        # 公办园在园幼儿占比提升至51.5% (2023): 2022: 50.0, 2023M06: 50.9 -> 0.9/1.5 = 60 % vs 6/12
        s = spec("share", ">=", 51.5, 2023, 2023, measure="share")
        a = assess(s, [Y(2022, 50.0, False), M(2023, 6, 50.9, ytd=False)], date(2023, 6, 30), R)
        assert a.completion == approx(0.9 / 1.5) and a.ahead_pp == approx(10.0)
        assert a.baseline_source == "published:2022"

    def test_quarterly_target_checks_ytd_at_quarter_end(self):
        # 新建项目开工率一季度达到30%: 1-3月 28 % -> 93 % of target, quarter over -> final, red
        s = spec("share", ">=", 30.0, 2023, 2023, period="Q1", measure="share")
        obs = [Y(2022, 100.0), M(2023, 2, 18.0), Q(2023, 1, 28.0)]
        a = assess(s, obs, date(2023, 3, 31), R)
        assert a.time_progress == 1.0 and a.final is True
        assert a.baseline is None  # YTD values restart each year: 2022's 100 % is no baseline
        assert a.completion == approx(28 / 30) and a.met is False and a.status == "red"
        # at end of February: 18 / 30 = 60 % against 2/3 -> -6.7 pp, projected 18 / (2/3) = 27 -> yellow
        a = assess(s, obs, date(2023, 2, 28), R)
        assert a.completion == approx(0.6) and a.ahead_pp == approx((0.6 - 2 / 3) * 100)
        assert a.projected == approx(27.0) and a.status == "yellow"
        # 二季度达到60%: 1-6月 62 % -> met
        s2 = spec("share", ">=", 60.0, 2023, 2023, period="H1", measure="share")
        a = assess(s2, obs + [Q(2023, 2, 62.0)], date(2023, 7, 20), R)
        assert a.met is True and a.status == "green" and a.final is True

    def test_level_of_a_flow_uses_full_years(self):
        # 年营业收入4000亿元 by 2027: 2022 2800, 2024 3400, 2025 1-6月 1800 (ignored: half a year)
        s = spec("level", ">=", 4000.0, 2023, 2027, measure="flow")
        a = assess(s, [Y(2022, 2800), Y(2024, 3400), Q(2025, 2, 1800)], date(2025, 6, 30), R)
        assert a.latest_actual == 3400 and a.latest_period == "2024"
        assert a.completion == approx(600 / 1200)
        assert "仅有年内累计值" in a.method_zh

    def test_approximate_target(self):
        # 天然气保障能力达到2亿方左右 (tolerance 5 %): 1.92 is within 4 %
        s = spec("level", "=", 2.0, 2023, 2027)
        a = assess(s, [Y(2025, 1.92, False)], date(2025, 12, 31), R)
        assert a.met is True and a.status == "green"
        a = assess(s, [Y(2025, 1.85, False)], date(2025, 12, 31), R)   # 7.5 % short
        assert a.met is False
        # overshooting by 10 %: the band 2 ± 5 % = 1.9 … 2.1 applies both ways -> not met, yellow (more of
        # a capacity is no failure, but not the plan either), worded with the band, not "完成110%"
        a = assess(s, [Y(2022, 2.1, False), Y(2027, 2.2, False)], date(2027, 12, 31), R)
        assert a.met is False and a.status == "yellow" and a.completion == approx(1.1)
        assert a.reason_zh == "目标期已结束，实际2.2，高于目标区间（1.9—2.1）"
        # with overshoot_ok = true any value above the target is met
        loose = replace(R, approx_overshoot_ok=True)
        a = assess(s, [Y(2027, 2.2, False)], date(2027, 12, 31), loose)
        assert a.met is True and a.status == "green"

    def test_range_target(self):
        s = spec("share", "range", 60.0, 2023, 2025, value_high=70.0)
        assert assess(s, [Y(2025, 65, False)], date(2025, 12, 31), R).met is True
        a = assess(s, [Y(2025, 72, False)], date(2025, 12, 31), R)
        assert a.met is False and a.gap == approx(2.0)

    def test_stretch_beside_firm(self):
        # 固定资产投资增长15%以上、力争20%: same data, assessed alike
        firm = spec("growth_rate", ">=", 15.0, 2023, 2023, measure="rate", target_id="firm")
        stretch = replace(firm, target_id="stretch", value=20.0, stretch=True)
        obs = [Y(2023, 16.0)]
        a, b = assess(firm, obs, date(2023, 12, 31), R), assess(stretch, obs, date(2023, 12, 31), R)
        assert (a.status, b.status) == ("green", "red") and b.stretch is True

    def test_finished_and_met_without_a_completion_quotes_the_value(self):
        # a 2025 target whose base year (2024: 112 ≥ 100) had met it already: no completion
        # (the distance from the base is not defined), so the sentence quotes the value, never "nan%"
        s = spec(kind="share", comparator=">=", value=100.0, start=2025, end=2025, unit="%")
        a = assess(s, [Y(2024, 112.0, ytd=False), Y(2025, 111.0, ytd=False)], date(2026, 3, 31), R)
        assert a.completion is None and a.final is True and a.met is True
        assert a.status == "green" and a.light_basis == "final"
        assert a.reason_zh == "目标期已结束，已完成目标（实际111%）"


# ------------------------------------------------------------------------------------------------
# growth_rate
# ------------------------------------------------------------------------------------------------

class TestGrowth:
    FY = spec("growth_rate", ">=", 15.0, 2023, 2023, measure="rate")
    SPAN = spec("growth_rate", ">=", 15.0, 2023, 2025, measure="rate")

    def test_fy_ytd_rate_gap_in_pp(self):
        # 1-9月 13.2 %: gap 15 - 13.2 = 1.8 pp -> yellow (<= 2)
        a = assess(self.FY, [Q(2023, 3, 13.2)], date(2023, 9, 30), R)
        assert a.gap == approx(1.8) and a.completion == approx(13.2 / 15)
        assert a.ahead_pp == approx((13.2 / 15 - 1) * 100)
        assert a.status == "yellow" and a.met is None and a.likely_met is False
        assert a.reason_zh == "增速13.2%，低于目标1.8个百分点"

    def test_fy_thresholds(self):
        assert assess(self.FY, [Q(2023, 3, 12.5)], date(2023, 9, 30), R).status == "red"     # 2.5 pp
        a = assess(self.FY, [Q(2023, 3, 16.0)], date(2023, 9, 30), R)
        assert a.status == "green" and a.reason_zh == "增速16.0%，高于目标1.0个百分点"

    def test_fy_final(self):
        a = assess(self.FY, [Q(2023, 3, 13.2), Y(2023, 15.4)], date(2024, 2, 1), R)
        assert a.final and a.met is True and a.status == "green"
        assert a.reason_zh == "目标期已结束，增速15.4%，已完成目标"
        a = assess(self.FY, [Y(2023, 14.9)], date(2024, 2, 1), R)
        assert a.met is False and a.status == "red"

    def test_span_geometric_mean(self):
        # 2023: 12 %, 2024: 18 % -> sqrt(1.12 * 1.18) - 1 = 14.96 %
        g = (math.sqrt(1.12 * 1.18) - 1) * 100
        a = assess(self.SPAN, [Y(2023, 12.0), Y(2024, 18.0), Q(2025, 2, 14.0)], date(2025, 6, 30), R)
        assert a.latest_actual == approx(g) and a.observed_rate == approx(g)
        assert a.gap == approx(15 - g)
        assert a.latest_period == "2024"
        assert "几何平均" in a.method_zh and "2025年1-6月累计增速14.0%未计入" in a.method_zh
        # 2025 must bring the 3-year average to 15 %: 1.15^3 / (1.12 * 1.18) - 1 = 15.08 %
        assert a.required_rate == approx((1.15 ** 3 / (1.12 * 1.18) - 1) * 100)
        assert a.status == "yellow"  # 0.04 pp short
        # the last full year (2024) is 6 months old at 2025-06-30: said, not hidden
        assert a.stale is True and a.data_lag_months == 6
        assert a.reason_zh == "年均增速14.96%，略低于目标0.04个百分点（数据截至2024年，已滞后6个月）"

    def test_span_only_ytd_data(self):
        # 年均 targets are judged from full years only: a 1-6月 rate is shown, labelled, not judged
        a = assess(self.SPAN, [Q(2023, 2, 16.0)], date(2023, 6, 30), R)
        assert a.latest_actual == 16.0 and a.status == "grey" and a.completion is None
        assert a.reason_zh == "尚无完整年度增速，暂不评价（2023年1-6月累计增速16.0%，仅供参考）"
        assert "年均增速只按完整年度计算" in a.method_zh

    def test_span_final(self):
        # 12, 18, 16 -> (1.12*1.18*1.16)^(1/3) - 1 = 15.31 % >= 15
        a = assess(self.SPAN, [Y(2023, 12.0), Y(2024, 18.0), Y(2025, 16.0)], date(2025, 12, 31), R)
        assert a.latest_actual == approx(((1.12 * 1.18 * 1.16) ** (1 / 3) - 1) * 100)
        assert a.final and a.met is True and a.status == "green"

    def test_growth_from_amounts(self):
        # 财政科技投入年均增长15%: amounts 2022: 10, 2023: 11.5, 2024: 13.8 -> 15 %, 20 %
        s = replace(self.SPAN, measure="flow")
        a = assess(s, [Y(2022, 10.0), Y(2023, 11.5), Y(2024, 13.8)], date(2024, 12, 31), R)
        assert a.latest_actual == approx((math.sqrt(1.15 * 1.20) - 1) * 100)
        assert a.method_zh.startswith("由水平值按同期比较计算增速")

    def test_growth_from_amounts_without_previous_year(self):
        s = replace(self.SPAN, measure="flow")
        a = assess(s, [Y(2023, 11.5)], date(2023, 12, 31), R)
        assert a.status == "grey" and a.reason_zh == "暂无数据（缺可比的上年同期值）"


# ------------------------------------------------------------------------------------------------
# no data, as_of filtering
# ------------------------------------------------------------------------------------------------

class TestNoData:
    def test_no_observations(self):
        a = assess(MAJOR, [], date(2025, 6, 30), R)
        assert a.status == "grey" and a.completion is None and a.ahead_pp is None
        assert a.reason_zh == "暂无数据（缺2023年以来的实际值）"
        assert a.time_progress == 0.5

    def test_only_baseline_year(self):
        a = assess(CAPACITY, [Y(2022, 60, False)], date(2023, 6, 30), R)
        assert a.status == "grey"

    def test_only_future_periods(self):
        # as_of 2025-05-20: 2025Q2 has not ended yet
        a = assess(MAJOR, [Q(2025, 2, 250)], date(2025, 5, 20), R)
        assert a.status == "grey"

    def test_as_of_reproduces_the_past(self):
        obs = [Y(2023, 420), Y(2024, 460), Q(2025, 2, 250)]
        a = assess(MAJOR, obs, date(2024, 12, 31), R)
        assert a.latest_actual == 880 and a.latest_period == "2024"

    def test_quarterly_label_names(self):
        a = assess(spec("share", ">=", 30.0, 2023, 2023, period="Q1"), [], date(2023, 3, 31), R)
        assert a.reason_zh == "暂无数据（缺2023年一季度的实际值）"

    def test_missing_target_value_is_grey_not_an_error(self):
        a = assess(spec(value=float("nan")), [Y(2024, 5.0, False)], date(2024, 12, 31), R)
        assert a.status == "grey" and a.reason_zh == "暂无数据（缺目标值）" and a.completion is None

    def test_validation(self):
        with pytest.raises(ValueError):
            assess(spec(kind="speed"), [], date(2025, 1, 1), R)
        with pytest.raises(ValueError):
            assess(spec(comparator="range"), [], date(2025, 1, 1), R)


# ------------------------------------------------------------------------------------------------
# rank() and midpoint()
# ------------------------------------------------------------------------------------------------

def _frame(rows):
    cols = ["project_no", "lead_unit", "target_id", "stretch", "status", "ahead_pp", "completion"]
    return pd.DataFrame(rows, columns=cols)


class TestRank:
    def test_hand_built(self):
        df = _frame([
            # project 1: +10 and -4 -> mean +3; 2 green of 2
            (1, "发改局", "a", False, "green", 10.0, 0.7),
            (1, "发改局", "b", False, "green", -4.0, 0.56),
            # a stretch target far behind: ignored
            (1, "发改局", "b-s", True, "red", -40.0, 0.2),
            # project 2: +3 and grey -> mean +3 (ties with project 1); 1 green of 1 with data
            (2, "经信局", "c", False, "green", 3.0, 0.63),
            (2, "经信局", "d", False, "grey", None, None),
            # project 3: -20 -> red
            (3, "科技局", "e", False, "red", -20.0, 0.4),
            # project 4: no data at all
            (4, "商务局", "f", False, "grey", None, None),
        ])
        out = rank(df, by="project_no").set_index("project_no")
        assert out.loc[1, "n_targets"] == 2 and out.loc[1, "n_red"] == 0  # stretch row left out
        assert out.loc[1, "mean_ahead_pp"] == approx(3.0) and out.loc[2, "mean_ahead_pp"] == approx(3.0)
        assert out.loc[2, "n_with_data"] == 1 and out.loc[2, "n_grey"] == 1
        assert out.loc[2, "share_green"] == 1.0 and out.loc[1, "share_green"] == 1.0
        # tie on score and share_green, no reds either -> the lower project number first
        assert list(out["rank"].sort_values().index) == [1, 2, 3, 4]
        assert math.isnan(out.loc[4, "mean_ahead_pp"]) and out.loc[4, "rank"] == 4
        assert out.loc[3, "n_red"] == 1

    def test_tie_broken_by_share_green(self):
        df = _frame([
            (1, "x", "a", False, "yellow", -6.0, None),
            (1, "x", "b", False, "green", 6.0, None),       # mean 0, share_green 1/2
            (2, "y", "c", False, "green", 0.0, None),       # mean 0, share_green 1
        ])
        out = rank(df)
        assert list(out["project_no"]) == [2, 1] and list(out["rank"]) == [1, 2]

    def test_by_lead_unit(self):
        df = _frame([(1, "发改局", "a", False, "green", 5.0, None), (2, "发改局", "b", False, "red", -25.0, None),
                     (3, "科技局", "c", False, "yellow", -8.0, None)])
        out = rank(df, by="lead_unit")
        # 发改局 (5 - 25)/2 = -10 < 科技局 -8
        assert list(out["lead_unit"]) == ["科技局", "发改局"]
        assert list(out.columns) == ["lead_unit", "n_targets", "n_with_data", "n_green", "n_yellow", "n_red",
                                     "n_grey", "mean_ahead_pp", "share_green", "rank", "score_pp"]


class TestMidpoint:
    def test_hand_built(self):
        df = pd.DataFrame([
            # 2025 target met
            dict(project_no=1, target_id="p01-3y-01", kind="cumulative_flow", comparator=">=", period="2023-2025",
                 start_year=2023, target_year=2025, met=True, gap=-50.0, completion=1.02, status="green", reason="r1"),
            # 2025 target missed
            dict(project_no=1, target_id="p01-3y-02", kind="growth_rate", comparator=">=", period="2023-2025",
                 start_year=2023, target_year=2025, met=False, gap=1.5, completion=0.9, status="red", reason="r2"),
            # 2027 span: 55 % against 60 % -> behind by 5 pp; its status row is yellow (projected 0.55/0.6 = 92 %)
            dict(project_no=1, target_id="p01-5y-01", kind="cumulative_flow", comparator=">=", period="2023-2027",
                 start_year=2023, target_year=2027, met=False, gap=900.0, completion=0.55, status="yellow",
                 time_progress=0.6, ahead_pp=-5.0, reason="r3"),
            # 2027 growth span: judged by the gap (a rate is due in full: 序时 1.0)
            dict(project_no=2, target_id="p02-5y-01", kind="growth_rate", comparator=">=", period="2023-2027",
                 start_year=2023, target_year=2027, met=None, gap=-0.4, completion=1.05, status="green",
                 time_progress=1.0, ahead_pp=5.0, reason="r4"),
            # 2024 start: 2 of 4 years -> 序时 0.5
            dict(project_no=2, target_id="p02-5y-02", kind="level", comparator=">=", period="2024-2027",
                 start_year=2024, target_year=2027, met=False, gap=3.0, completion=0.5, status="green",
                 time_progress=0.5, ahead_pp=0.0, reason="r5"),
            # a 2023 task: not part of the check
            dict(project_no=2, target_id="p02-2023-01", kind="level", comparator=">=", period="FY",
                 start_year=2023, target_year=2023, met=True, gap=0.0, completion=1.0, status="green", reason="r6"),
        ])
        out = midpoint(df).set_index("target_id")
        assert len(out) == 5 and "p02-2023-01" not in out.index
        assert out.loc["p01-3y-01", "check"] == "target_2025" and out.loc["p01-3y-01", "on_track"] == True  # noqa: E712
        assert out.loc["p01-3y-02", "on_track"] == False  # noqa: E712
        assert out.loc["p01-5y-01", "check"] == "span_2027"
        assert out.loc["p01-5y-01", "expected_progress"] == 0.6
        assert out.loc["p01-5y-01", "midpoint_ahead_pp"] == approx((0.55 - 0.6) * 100)
        assert out.loc["p01-5y-01", "on_track"] == False  # noqa: E712  (its light is yellow)
        assert out.loc["p02-5y-01", "expected_progress"] == 1.0 and out.loc["p02-5y-01", "on_track"] == True  # noqa: E712
        assert out.loc["p02-5y-02", "expected_progress"] == 0.5 and out.loc["p02-5y-02", "on_track"] == True  # noqa: E712
        assert out.loc["p01-3y-01", "reason_zh"] == "r1"

    def test_from_real_assessments(self):
        # assess at 2025-12-31 and feed the frame straight through
        five = MAJOR
        three = spec("cumulative_flow", ">=", 1000.0, 2023, 2025, measure="flow", target_id="p01-3y")
        obs = [Y(2023, 420), Y(2024, 460), Y(2025, 480)]
        frame = assessments_frame([assess(five, obs, date(2025, 12, 31), R), assess(three, obs, date(2025, 12, 31), R)],
                                  project_no=1)
        out = midpoint(frame).set_index("target_id")
        # three-year: 1360 >= 1000 met; five-year: 1360 / 2000 = 68 % >= 60 %
        assert out.loc["p01-3y", "met"] == True and out.loc["p01-3y", "gap"] == approx(-360)  # noqa: E712
        assert out.loc["p01-5y-major-investment", "completion"] == approx(0.68)
        assert out.loc["p01-5y-major-investment", "on_track"] == True  # noqa: E712
        # the midpoint row is the status row: same 序时, same pp, on track exactly when the light is green
        st = frame.set_index("target_id").loc["p01-5y-major-investment"]
        assert out.loc["p01-5y-major-investment", "expected_progress"] == st["time_progress"] == 0.6
        assert out.loc["p01-5y-major-investment", "midpoint_ahead_pp"] == approx(st["ahead_pp"]) == approx(8.0)
        assert st["status"] == "green"

    def test_empty(self):
        out = midpoint(pd.DataFrame(columns=["target_id", "target_year", "completion"]))
        assert out.empty and "on_track" in out.columns


def test_assessment_positional_interface():
    # the 17 documented fields still construct positionally; additions have defaults
    a = Assessment("t", 0.5, None, None, None, None, "none", None, None, None, None, None, None, None,
                   "grey", "暂无数据", "")
    assert a.kind == "" and a.final is False
