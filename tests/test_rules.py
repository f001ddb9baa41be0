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
    # -3 pp >= -5 pp -> green (and 740 / 0.4 = 1850 < 2000, so not thanks to the projection)
    assert a.likely_met is False and a.status == "green"


def test_threshold_in_a_temp_toml_changes_the_light(tmp_path):
    p = tmp_path / "rules.toml"
    p.write_text("[lights]\ngreen_min_ahead_pp = -2.0\n", encoding="utf-8")
    strict = load_rules(p)
    assert strict.green_min_ahead_pp == -2.0
    assert strict.yellow_min_ahead_pp == Rules().yellow_min_ahead_pp  # the rest keeps the defaults
    assert assess(FLOW, OBS, AS_OF, strict).status == "yellow"


def test_env_var_overrides_the_default_path(tmp_path, monkeypatch):
    p = tmp_path / "strict.toml"
    p.write_text("[lights]\ngreen_min_ahead_pp = 0\nyellow_min_ahead_pp = -2\n", encoding="utf-8")
    monkeypatch.setenv("SHIWU_RULES", str(p))
    assert rules_mod.rules_path() == p
    # assess() without rules reads $SHIWU_RULES: -3 pp is now below -2 pp -> red
    assert assess(FLOW, OBS, AS_OF).status == "red"
    monkeypatch.delenv("SHIWU_RULES")
    assert assess(FLOW, OBS, AS_OF).status == "green"


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
    # 500/2000 = 25 % against 12/60 = 20 %
    assert a.reason_zh == "进度25.0%，超序时5.0个百分点"


@pytest.mark.parametrize("ahead,likely,light", [
    (0.0, None, "green"), (-5.0, None, "green"), (-5.01, None, "yellow"), (-5.01, True, "green"),
    (-15.0, None, "yellow"), (-15.01, None, "red"), (-30.0, True, "green"), (None, None, "grey"),
])
def test_pace_light_boundaries(ahead, likely, light):
    assert Rules().pace_light(ahead, likely) == light


def test_likely_met_switch():
    assert replace(Rules(), likely_met_is_green=False).pace_light(-30.0, True) == "red"


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
    ("[lights]\nlikely_met_is_green = 1\n", "true/false"),
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
    assert (a_data.status, a_date.status) == ("green", "red")
