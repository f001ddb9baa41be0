"""The controlled unit vocabulary of shiwu, in one place.

Every unit a curated table may carry is a key of :data:`UNITS`.  Each maps to a *base unit*
(an ASCII name such as ``yuan``, ``mu``, ``kW``) and the factor that converts a value written in
the unit into the base unit: ``to_base(2000, "亿元") == 2e11`` (yuan).

Units are written as Chinese readers write them after a number ("2000亿元", "1.5万亩", "15%",
"3.2个百分点").  A few spellings seen in the plan are accepted as aliases (full-width
parentheses in "万套（间）", "万方" for "万立方米", ...) and resolve to the canonical key.

Pure: no I/O, no pandas.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "Unit",
    "UNITS",
    "ALIASES",
    "UnknownUnit",
    "canonical",
    "is_known",
    "base_unit",
    "factor",
    "to_base",
    "from_base",
    "format_number",
    "format_value",
    "known_units",
]


@dataclass(frozen=True)
class Unit:
    """One unit of the vocabulary."""

    unit: str        # as written after a number, e.g. "亿元"
    base: str        # base unit, e.g. "yuan"
    factor: float    # value_in_unit * factor = value_in_base
    en: str          # short English gloss for labels


def _u(unit: str, base: str, factor: float, en: str) -> Unit:
    return Unit(unit, base, float(factor), en)


_UNIT_LIST: list[Unit] = [
    # money
    _u("万亿元", "yuan", 1e12, "trillion yuan"),
    _u("亿元", "yuan", 1e8, "100 million yuan"),
    _u("万元", "yuan", 1e4, "10 thousand yuan"),
    _u("元", "yuan", 1, "yuan"),
    # land area
    _u("万亩", "mu", 1e4, "10 thousand mu"),
    _u("亩", "mu", 1, "mu"),
    _u("平方公里", "km2", 1, "square kilometre"),
    _u("万平方米", "m2", 1e4, "10 thousand square metres"),
    _u("平方米", "m2", 1, "square metre"),
    # power
    _u("万千瓦", "kW", 1e4, "10 MW"),
    _u("千瓦", "kW", 1, "kW"),
    # containers
    _u("万标箱", "TEU", 1e4, "10 thousand TEU"),
    _u("标箱", "TEU", 1, "TEU"),
    # volume (gas: 方 / 标方 are standard cubic metres)
    _u("亿方", "m3", 1e8, "100 million m3"),
    _u("亿立方米", "m3", 1e8, "100 million m3"),
    _u("万立方米", "m3", 1e4, "10 thousand m3"),
    _u("立方米", "m3", 1, "m3"),
    _u("万标方", "m3", 1e4, "10 thousand standard m3"),
    _u("标方", "m3", 1, "standard m3"),
    # counts of things
    _u("个", "count", 1, "count"),
    _u("家", "count", 1, "count (enterprises, institutions)"),
    _u("项", "count", 1, "count (projects, items)"),
    _u("件", "count", 1, "count (patents, cases)"),
    _u("列", "count", 1, "count (trains)"),
    _u("场", "count", 1, "count (events)"),
    _u("场次", "count", 1, "count (events)"),
    _u("次", "count", 1, "count (times)"),
    _u("套(间)", "count", 1, "count (dwelling units)"),
    _u("万套(间)", "count", 1e4, "10 thousand dwelling units"),
    _u("户", "count", 1, "count (households)"),
    _u("万户", "count", 1e4, "10 thousand households / market entities"),
    _u("万件", "count", 1e4, "10 thousand items (parcels, cases)"),
    _u("亿件", "count", 1e8, "100 million items (parcels)"),
    _u("单", "count", 1, "count (orders)"),
    _u("亿单", "count", 1e8, "100 million orders"),
    _u("宗", "count", 1, "count (plots, houses)"),
    _u("所", "count", 1, "count (schools)"),
    _u("张", "count", 1, "count (beds)"),
    _u("处", "count", 1, "count (sites)"),
    _u("种", "count", 1, "count (kinds)"),
    _u("系列", "count", 1, "count (series)"),
    _u("村", "count", 1, "count (villages)"),
    _u("镇", "count", 1, "count (towns)"),
    _u("条", "count", 1, "count (routes, lines)"),
    _u("亿件", "count", 1e8, "100 million items (parcels)"),
    _u("位", "rank", 1, "rank (1 = first)"),
    # people
    _u("人", "person", 1, "persons"),
    _u("名", "person", 1, "persons"),
    _u("千名", "person", 1e3, "thousand persons"),
    _u("万人", "person", 1e4, "10 thousand persons"),
    _u("万名", "person", 1e4, "10 thousand persons"),
    _u("人次", "person_time", 1, "person-times"),
    _u("万人次", "person_time", 1e4, "10 thousand person-times"),
    # length
    _u("米", "m", 1, "metre"),
    _u("万米", "m", 1e4, "10 thousand metres"),
    _u("公里", "km", 1, "km"),
    # rates, shares, scores
    _u("%", "pct", 1, "percent"),
    _u("个百分点", "pp", 1, "percentage points"),
    _u("分", "score", 1, "score points"),
    _u("倍", "times", 1, "times (ratio)"),
    # time, age
    _u("年", "year", 1, "years"),
    _u("岁", "year", 1, "years of age"),
    # intensities
    _u("万元/人", "yuan_per_person", 1e4, "10 thousand yuan per person"),
    _u("万元/亩", "yuan_per_mu", 1e4, "10 thousand yuan per mu"),
    _u("元/月", "yuan_per_month", 1, "yuan per month"),
    _u("个/千人", "per_1000", 1, "per 1,000 people"),
    _u("人/万老年人", "per_10000", 1, "per 10,000 older people"),
    _u("公里/平方公里", "km_per_km2", 1, "km per km2"),
]

#: canonical unit -> Unit
UNITS: dict[str, Unit] = {u.unit: u for u in _UNIT_LIST}

#: other spellings -> canonical unit
ALIASES: dict[str, str] = {
    "套（间）": "套(间)",
    "万套（间）": "万套(间)",
    "套": "套(间)",
    "万套": "万套(间)",
    "万方": "万立方米",
    "方": "立方米",
    "m3": "立方米",
    "％": "%",
    "百分点": "个百分点",
    "千米": "公里",
    "km": "公里",
    "kW": "千瓦",
    "TEU": "标箱",
    "个/千人口": "个/千人",
    "人/万名老年人": "人/万老年人",
}


class UnknownUnit(KeyError):
    """A unit that is not in the controlled vocabulary."""

    def __init__(self, unit: object):
        self.unit = unit
        known = "、".join(known_units())
        super().__init__(f"unknown unit {unit!r}; known units: {known}")

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return self.args[0]


def known_units() -> list[str]:
    """Canonical units, in vocabulary order."""
    return list(UNITS)


def canonical(unit: str) -> str:
    """The canonical spelling of ``unit`` (aliases resolved, spaces stripped).

    Raises :class:`UnknownUnit` when the unit is not in the vocabulary.
    """
    if not isinstance(unit, str):
        raise UnknownUnit(unit)
    u = "".join(unit.split())
    if u in UNITS:
        return u
    if u in ALIASES:
        return ALIASES[u]
    raise UnknownUnit(unit)


def is_known(unit: object) -> bool:
    try:
        canonical(unit)  # type: ignore[arg-type]
    except UnknownUnit:
        return False
    return True


def base_unit(unit: str) -> str:
    """Base unit of ``unit``: ``base_unit("亿元") == "yuan"``."""
    return UNITS[canonical(unit)].base


def factor(unit: str) -> float:
    """Multiplier from ``unit`` to its base unit: ``factor("万亩") == 10000``."""
    return UNITS[canonical(unit)].factor


def to_base(value: float, unit: str) -> float:
    """Convert ``value`` written in ``unit`` into the base unit.

    >>> to_base(2000, "亿元")
    200000000000.0
    >>> to_base(1.5, "万亩")
    15000.0
    """
    f = factor(unit)
    v = float(value)
    # round away binary noise (1.65 * 1e4 = 16499.999999999998)
    out = v * f
    if out != 0 and math.isfinite(out):
        out = float(f"{out:.12g}")
    return out


def from_base(value_base: float, unit: str) -> float:
    """Inverse of :func:`to_base`."""
    out = float(value_base) / factor(unit)
    if out != 0 and math.isfinite(out):
        out = float(f"{out:.12g}")
    return out


def format_number(value: float) -> str:
    """A number as the plan writes it: no trailing zeros, no thousands separators.

    >>> format_number(2000.0), format_number(1.50), format_number(83.27)
    ('2000', '1.5', '83.27')
    """
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    s = f"{v:.10f}".rstrip("0").rstrip(".")
    return s


def format_value(value_in_unit: float, unit: str) -> str:
    """Value and unit as Chinese readers write them: "2000亿元", "1.5万亩", "15%", "3.2个百分点".

    Ratio-like units whose denominator is not written after the number in prose
    (个/千人, 人/万老年人, 元/月 …) are still printed in full so the label is unambiguous.
    """
    u = canonical(unit)
    return f"{format_number(value_in_unit)}{u}"
