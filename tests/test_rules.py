"""The light rules: one configurable place (shiwu_lib/rules.toml + shiwu_lib/rules.py)."""
from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date

import pytest

from shiwu_lib import rules as rules_mod
from shiwu_lib.progress import Observation, TargetSpec, assess
from shiwu_lib.rules import DEFAULT_PATH, DEFAULT_TEMPLATES, Rules, load_rules, rules_from_mapping


def Y(year, value):
    return Observation(str(year), year, date(year, 12, 31), value, True)


# 2023–2027 flow target 2000; 2023 + 2024 = 740 -> 37 % against 24/60 = 40 % -> -3 pp
FLOW = TargetSpec("t", "cumulative_flow", ">=", 2000.0, 2023, 2027, "2023-2027", measure="flow")
OBS = [Y(2023, 380.0), Y(2024, 360.0)]
AS_OF = date(2024, 12, 31)


def test_shipped_file_equals_dataclass_defaults():
    shipped = load_rules(DEFAULT_PATH)
    assert shipped == Rules()
    with DEFAULT_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    assert data["templates"] == DEFAULT_TEMPLATES


def test_default_light_of_the_reference_case():
    a = assess(FLOW, OBS, AS_OF, Rules())
    assert a.ahead_pp == pytest.approx(-3.0)
    # -3 pp >= -5 pp: position green; but 740 / 0.4 = 1850 < 2000 is projected to miss (92.5 % of the
    # target, above the 80 % red line) -> yellow: green never means "projected to miss"
    assert a.likely_met is False and a.projected_share == pytest.approx(0.925)
    assert a.status == "yellow" and a.light_basis == "projection"


# 2023 + 2024 = 420 + 400 = 820 -> 41 % against 40 % -> +1 pp, projected 820 / 0.4 = 2050 >= 2000 -> green
OBS_AHEAD = [Y(2023, 420.0), Y(2024, 400.0)]


def test_green_needs_position_and_projection():
    a = assess(FLOW, OBS_AHEAD, AS_OF, Rules())
    assert a.ahead_pp == pytest.approx(1.0) and a.likely_met is True and a.status == "green"


def test_threshold_in_a_temp_toml_changes_the_light(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[lights]\ngreen_min_ahead_pp = -2.0\n", encoding="utf-8")
    strict = load_rules(p)
    assert strict.green_min_ahead_pp == -2.0
    assert strict.yellow_min_ahead_pp == Rules().yellow_min_ahead_pp  # the rest keeps the defaults
    p.write_text("[lights]\ngreen_min_ahead_pp = 2.0\n", encoding="utf-8")
    # +1 pp is below a green line of +2 pp: the position light turns yellow although the projection meets
    assert assess(FLOW, OBS_AHEAD, AS_OF, load_rules(p)).status == "yellow"


def test_red_line_of_the_projection_in_a_temp_toml(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[lights]\nred_below_projected_share = 0.95\n", encoding="utf-8")
    # the reference case projects 92.5 % of the target: red under a 95 % red line
    assert assess(FLOW, OBS, AS_OF, load_rules(p)).status == "red"


def test_env_var_overrides_the_default_path(tmp_path, monkeypatch):
    p = tmp_path / "strict.toml"
    p.write_text("[lights]\ngreen_min_ahead_pp = 0\nyellow_min_ahead_pp = -2\n", encoding="utf-8")
    monkeypatch.setenv("SHIWU_RULES", str(p))
    assert rules_mod.rules_path() == p
    # assess() without rules reads $SHIWU_RULES: -3 pp is now below -2 pp -> red
    assert assess(FLOW, OBS, AS_OF).status == "red"
    monkeypatch.delenv("SHIWU_RULES")
    assert assess(FLOW, OBS, AS_OF).status == "yellow"   # the defaults again


def test_edited_file_is_reread(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text("[growth]\nyellow_max_gap_pp = 3.0\n", encoding="utf-8")
    assert load_rules(p).growth_yellow_max_gap_pp == 3.0
    p.write_text("[growth]\nyellow_max_gap_pp = 1.0\n# changed\n", encoding="utf-8")
    assert load_rules(p).growth_yellow_max_gap_pp == 1.0


def test_growth_thresholds_from_toml(tmp_path):
    s = TargetSpec("g", "growth_rate", ">=", 15.0, 2023, 2023, "FY", measure="rate")
    obs = [Observation("2023Q3", 2023, date(2023, 9, 30), 12.5, True)]  # 2.5 pp short
    assert assess(s, obs, date(2023, 9, 30), Rules()).status == "red"
    p = tmp_path / "r.toml"
    p.write_text("[growth]\nyellow_max_gap_pp = 3.0\n", encoding="utf-8")
    assert assess(s, obs, date(2023, 9, 30), load_rules(p)).status == "yellow"


def test_tolerance_from_toml(tmp_path):
    s = TargetSpec("a", "level", "=", 2.0, 2023, 2027, "2023-2027")
    obs = [Y(2025, 1.85)]  # 7.5 % short of 2.0
    assert assess(s, obs, date(2025, 12, 31), Rules()).met is False
    p = tmp_path / "r.toml"
    p.write_text("[approximate]\ntolerance = 0.08\n", encoding="utf-8")
    assert assess(s, obs, date(2025, 12, 31), load_rules(p)).met is True


def test_template_from_toml(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('[templates]\nahead = "进度{completion:.1%}，超序时{ahead:.1f}个百分点"\n', encoding="utf-8")
    a = assess(FLOW, [Y(2023, 500.0)], date(2023, 12, 31), load_rules(p))
    # 500/2000 = 25 % against 12/60 = 20 %; projected 500 / 0.2 = 2500 = 125 % of the target
    assert a.reason_zh == "进度25.0%，超序时5.0个百分点，按当前进度预计2027年达到2500，为目标的125%"


@pytest.mark.parametrize("ahead,light", [
    (0.0, "green"), (-5.0, "green"), (-5.01, "yellow"), (-15.0, "yellow"), (-15.01, "red"), (None, "grey"),
])
def test_pace_light_boundaries(ahead, light):
    assert Rules().pace_light(ahead) == light


@pytest.mark.parametrize("likely,share,light", [
    (True, 1.2, "green"), (False, 0.99, "yellow"), (False, 0.8, "yellow"), (False, 0.79, "red"),
    (None, None, "yellow"), (False, None, "yellow"),
])
def test_projection_light_boundaries(likely, share, light):
    assert Rules().projection_light(likely, share) == light


def test_worse_of_lights():
    assert Rules.worse("green", "yellow") == "yellow" and Rules.worse("red", "green", "yellow") == "red"
    assert Rules.worse("grey", "green") == "green" and Rules.worse("grey") == "grey"


def test_score_is_clipped():
    assert Rules().score(120.0) == 50.0 and Rules().score(-80.0) == -50.0 and Rules().score(3.5) == 3.5
    assert Rules().score(None) is None


@pytest.mark.parametrize("gap,light", [(-1.0, "green"), (0.0, "green"), (0.01, "yellow"), (2.0, "yellow"),
                                       (2.01, "red"), (None, "grey")])
def test_gap_light_boundaries(gap, light):
    assert Rules().gap_light(gap) == light


@pytest.mark.parametrize("ratio,cls", [(1.3, "on_track"), (1.0, "on_track"), (0.7, "fair"), (0.5, "fair"),
                                       (0.2, "limited"), (0.0, "limited"), (-0.1, "regressing"), (None, None)])
def test_escap_classes(ratio, cls):
    assert Rules().escap_class(ratio) == cls


@pytest.mark.parametrize("text,msg", [
    ("[lights]\ngreen_min_ahead_px = -5\n", "unknown key"),
    ("[colours]\nred = 1\n", "unknown key"),
    ("[lights]\ngreen_min_ahead_pp = -20\n", "must be <="),      # green below yellow
    ("[growth]\nyellow_max_gap_pp = -1\n", "green_max_gap_pp"),
    ("[pace]\nreference = \"today\"\n", "pace.reference"),
    ("[lights]\nlikely_met_is_green = true\n", "unknown key"),   # retired: green needs the projection
    ("[lights]\nred_below_projected_share = true\n", "number"),
    ("[lights]\nred_below_projected_share = 1.5\n", "within 0..1"),
    ("[lights]\ngreen_min_ahead_pp = \"-5\"\n", "number"),
    ("[templates]\nahead = \"完成{done:.0%}\"\n", "does not format"),
    ("[templates]\nfaster = \"x\"\n", "unknown template"),
])
def test_bad_files_are_errors(tmp_path, text, msg):
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=msg):
        load_rules(p)


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        load_rules("/nonexistent/rules.toml")


def test_from_mapping_and_text():
    r = rules_from_mapping({"lights": {"green_min_ahead_pp": -3}})
    assert r.green_min_ahead_pp == -3.0 and isinstance(r.green_min_ahead_pp, float)
    assert r.text("behind", completion=0.28, behind=12.0) == "完成28%，慢于序时进度12个百分点"
    assert r.text("no_data", missing="2023年以来的实际值") == "暂无数据（缺2023年以来的实际值）"


def test_pace_reference_from_toml(tmp_path):
    s = TargetSpec("f", "cumulative_flow", ">=", 350.0, 2023, 2023, "FY", measure="flow")
    obs = [Observation("2023Q3", 2023, date(2023, 9, 30), 250.0, True)]
    p = tmp_path / "r.toml"
    p.write_text('[pace]\nreference = "as_of"\n', encoding="utf-8")
    # report date 2023-11-15 with 1-9月 data: 319/365 of the year by date, 9/12 by data
    a_data = assess(s, obs, date(2023, 11, 15), Rules())
    a_date = assess(s, obs, date(2023, 11, 15), load_rules(p))
    assert a_data.ahead_pp == pytest.approx((250 / 350 - 0.75) * 100)
    assert a_date.ahead_pp == pytest.approx((250 / 350 - 319 / 365) * 100)
    # by data: -3.6 pp is position green, but 250 / 0.75 = 333 < 350 is projected to miss -> yellow;
    # by date: -16.2 pp -> red
    assert (a_data.status, a_date.status) == ("yellow", "red")


def test_old_data_are_judged_at_the_report_date(tmp_path):
    s = TargetSpec("f", "cumulative_flow", ">=", 350.0, 2023, 2023, "FY", measure="flow")
    obs = [Observation("2023Q2", 2023, date(2023, 6, 30), 200.0, True)]
    # 2023-11-30: the 1-6月 value is 5 months old (> max_lag_months = 3): judged at 11/12, flagged
    a = assess(s, obs, date(2023, 11, 30), Rules())
    assert a.stale is True and a.data_lag_months == 5 and a.time_progress == pytest.approx(11 / 12)
    assert a.ahead_pp == pytest.approx((200 / 350 - 11 / 12) * 100)
    assert "已滞后5个月" in a.reason_zh
    p = tmp_path / "r.toml"
    p.write_text("[pace]\nmax_lag_months = 6\n", encoding="utf-8")
    b = assess(s, obs, date(2023, 11, 30), load_rules(p))
    assert b.stale is False and b.time_progress == 0.5
