"""The controlled unit vocabulary (shiwu_lib/units.py): hand-worked conversions and formatting."""
import math

import pytest

from shiwu_lib import units as U


@pytest.mark.parametrize("value, unit, expected, base", [
    (2000, "亿元", 2e11, "yuan"),          # 五年完成重大项目投资2000亿元
    (6, "万亩", 60000, "mu"),              # 五年累计保障建设用地6万亩
    (87, "万千瓦", 870000, "kW"),          # 电力总装机87万千瓦
    (30, "万标箱", 300000, "TEU"),         # 海铁联运 30万标箱
    (2, "亿方", 2e8, "m3"),                # 天然气保障能力 2亿方
    (1, "万亿元", 1e12, "yuan"),           # 内外贸总额 1万亿元
    (1.65, "万亩", 16500, "mu"),           # 盘活存量建设用地1.65万亩 (binary noise rounded away)
    (7.3, "万套(间)", 73000, "count"),     # 保障性租赁住房7.3万套（间）
    (2.64, "万人次", 26400, "person_time"),
    (2, "千名", 2000, "person"),           # 2千名
    (25, "万元/人", 250000, "yuan_per_person"),
    (30, "万元/亩", 300000, "yuan_per_mu"),
    (60, "万立方米", 600000, "m3"),
    (30, "万标方", 300000, "m3"),
    (5, "万米", 50000, "m"),
    (15, "%", 15, "pct"),
    (2, "个百分点", 2, "pp"),
    (5.7, "个/千人", 5.7, "per_1000"),
    (27, "人/万老年人", 27, "per_10000"),
])
def test_to_base_hand_worked(value, unit, expected, base):
    assert U.to_base(value, unit) == pytest.approx(expected, rel=1e-12)
    assert U.base_unit(unit) == base


def test_to_base_exact_for_decimal_inputs():
    # 1.65 * 1e4 is 16499.999999999998 in binary floating point; the vocabulary rounds it
    assert U.to_base(1.65, "万亩") == 16500.0
    assert U.to_base(1.5, "万亩") == 15000.0


def test_from_base_inverts_to_base():
    for unit in U.known_units():
        for v in (1, 2.5, 83.27, 2000):
            assert math.isclose(U.from_base(U.to_base(v, unit), unit), v, rel_tol=1e-12)


@pytest.mark.parametrize("value, unit, text", [
    (2000, "亿元", "2000亿元"),
    (2000.0, "亿元", "2000亿元"),
    (1.5, "万亩", "1.5万亩"),
    (15, "%", "15%"),
    (3.2, "个百分点", "3.2个百分点"),
    (83.27, "岁", "83.27岁"),
    (7.3, "万套（间）", "7.3万套(间)"),
    (0.5, "%", "0.5%"),
])
def test_format_value(value, unit, text):
    assert U.format_value(value, unit) == text


def test_unknown_unit_lists_known_units():
    with pytest.raises(U.UnknownUnit) as e:
        U.to_base(1, "亿美元")
    msg = str(e.value)
    assert "亿美元" in msg
    for u in ("亿元", "万亩", "万千瓦", "%"):
        assert u in msg
    with pytest.raises(U.UnknownUnit):
        U.base_unit("")
    with pytest.raises(U.UnknownUnit):
        U.format_value(1, None)  # type: ignore[arg-type]
    assert isinstance(e.value, KeyError)


def test_aliases_resolve_to_canonical():
    assert U.canonical("万套（间）") == "万套(间)"
    assert U.canonical(" 万亩 ") == "万亩"
    assert U.canonical("％") == "%"
    assert U.to_base(1, "万套（间）") == U.to_base(1, "万套(间)")
    assert not U.is_known("亿美元")
    assert U.is_known("万方")


def test_vocabulary_is_well_formed():
    for name, u in U.UNITS.items():
        assert name == u.unit
        assert u.factor > 0
        assert u.base.isascii() and u.base
        assert u.en
    # aliases point at canonical units and never shadow one
    for alias, target in U.ALIASES.items():
        assert target in U.UNITS
        assert alias not in U.UNITS
    # units sharing a base must be in a consistent ratio: 万X is 10^4 X when both exist
    for name, u in U.UNITS.items():
        if name.startswith("万") and name[1:] in U.UNITS:
            small = U.UNITS[name[1:]]
            assert u.base == small.base
            assert u.factor == pytest.approx(1e4 * small.factor)
        if name.startswith("亿") and name[1:] in U.UNITS:
            assert u.factor == pytest.approx(1e8 * U.UNITS[name[1:]].factor)


def test_units_the_plan_uses_are_known():
    # every unit a reader meets in the plan's targets (brief + domain notes)
    for u in ("亿元", "万元", "元", "万亩", "亩", "万千瓦", "千瓦", "万标箱", "标箱", "亿方", "万立方米",
              "立方米", "万标方", "个", "家", "项", "件", "列", "场", "场次", "人", "万人", "人次", "万人次",
              "名", "套(间)", "万套(间)", "户", "宗", "所", "张", "处", "种", "米", "万米", "公里", "%",
              "个百分点", "分", "年", "岁", "万元/人", "万元/亩", "倍", "个/千人", "人/万老年人", "元/月"):
        assert U.is_known(u), u
