"""The one parser of periods: labels of actual values, target periods and report dates.

* Labels of actual values: ``'2025'`` (a year), ``'2025Q2'`` (a quarter), ``'2025M05'`` (a month) —
  what returns and the store write (:func:`parse`, strict); the engine also reads ``'2025H1'`` and
  tolerates spaces and lower case (:func:`read`, lenient).
* Target periods (``targets.period``): ``FY`` / ``Q1`` / ``H1`` / ``Q3`` (/ ``Q2`` / ``Q4``) within the
  target year, or a span ``'2023-2027'`` (:func:`parse_span`, :func:`target_period_end`).
* Report dates: ``'YYYY-MM-DD'`` or a quarter label ``'2025Q4'`` = its last day (:func:`quarter_label_end`).

Everything that turns such text into dates or Chinese words goes through here (engine, returns,
formatting, API argument checks); nothing else holds a period regex.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

QUARTER_ZH = {1: "一季度", 2: "二季度", 3: "三季度", 4: "四季度"}
YTD_ZH = {1: "1-3月", 2: "1-6月", 3: "1-9月", 4: "1-12月"}
HALF_ZH = {1: "上半年", 2: "下半年"}

#: target periods within one year -> (month, day) of their last day
TARGET_PERIOD_END = {"Q1": (3, 31), "H1": (6, 30), "Q2": (6, 30), "Q3": (9, 30), "Q4": (12, 31), "FY": (12, 31)}
#: the target periods the catalog accepts besides spans
CATALOG_TARGET_PERIODS = ("FY", "Q1", "H1", "Q3")

_STRICT = re.compile(r"^(\d{4})(?:Q([1-4])|M(0[1-9]|1[0-2]))?$")
_LENIENT = re.compile(r"^\s*(\d{4})\s*(?:([QqMmHh])\s*(\d{1,2}))?\s*$")
_SPAN = re.compile(r"^\s*(\d{4})\s*[-–—~至]\s*(\d{4})\s*$")
_QUARTER_LABEL = re.compile(r"^\s*(\d{4})[Qq](\d)\s*$")
_SUB_MAX = {"Q": 4, "M": 12, "H": 2}


@dataclass(frozen=True)
class Period:
    """A period of an actual value."""
    label: str
    freq: str          # Y | H | Q | M
    year: int
    sub: int           # quarter (1..4), month (1..12), half (1..2); 0 for a year

    @property
    def last_month(self) -> int:
        return {"Y": 12, "H": 6 * self.sub, "Q": 3 * self.sub, "M": self.sub}[self.freq]

    @property
    def end(self) -> dt.date:
        return month_end(self.year, self.last_month)

    @property
    def own_start(self) -> dt.date:
        """First day of the period itself (quarter start, month start, 1 January)."""
        first = {"Y": 1, "H": 6 * self.sub - 5, "Q": 3 * self.sub - 2, "M": self.sub}[self.freq]
        return dt.date(self.year, first, 1)

    def start(self, ytd: bool) -> dt.date:
        """``period_start``: 1 January for year-to-date values, else the period's own first day."""
        return dt.date(self.year, 1, 1) if ytd else self.own_start

    @property
    def zh(self) -> str:
        """'2025年', '2025年二季度', '2025年上半年', '2025年5月'."""
        if self.freq == "Y":
            return f"{self.year}年"
        if self.freq == "Q":
            return f"{self.year}年{QUARTER_ZH[self.sub]}"
        if self.freq == "H":
            return f"{self.year}年{HALF_ZH[self.sub]}"
        return f"{self.year}年{self.sub}月"

    @property
    def ytd_zh(self) -> str:
        """'1-6月' for 2025Q2, '1-5月' for 2025M05, '1-12月' for a year."""
        return f"1-{self.last_month}月"

    @property
    def end_zh(self) -> str:
        """'6月末' for 2025Q2."""
        return f"{self.end.month}月末"

    def label_zh(self, ytd: bool = True) -> str:
        """How a value of this period reads: year-to-date '2025年1-6月' (a year-to-date quarter or half
        that ends in December is the year, '2025年'; January alone is '2025年1月'), else :attr:`zh`."""
        if self.freq == "Y":
            return f"{self.year}年"
        if not ytd:
            return self.zh
        if self.freq in ("Q", "H") and self.last_month == 12:
            return f"{self.year}年"
        if self.last_month == 1:
            return f"{self.year}年1月"
        return f"{self.year}年1-{self.last_month}月"


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse(label) -> Period:
    """A stored period label — '2025', '2025Q2' or '2025M05' exactly; ValueError otherwise."""
    s = str(label).strip()
    m = _STRICT.match(s)
    if not m:
        raise ValueError(f"period {label!r}: expected YYYY, YYYYQn (n = 1–4) or YYYYMmm (mm = 01–12)")
    if m.group(2):
        return Period(s, "Q", int(m.group(1)), int(m.group(2)))
    if m.group(3):
        return Period(s, "M", int(m.group(1)), int(m.group(3)))
    return Period(s, "Y", int(m.group(1)), 0)


def read(label) -> Period | None:
    """A period label read leniently (spaces, lower case, '2025H1', '2025M5'); None when it is none."""
    m = _LENIENT.match(str(label))
    if not m:
        return None
    year = int(m.group(1))
    if not m.group(2):
        return Period(str(label).strip(), "Y", year, 0)
    freq, sub = m.group(2).upper(), int(m.group(3))
    if not 1 <= sub <= _SUB_MAX[freq]:
        return None
    return Period(str(label).strip(), freq, year, sub)


def label_zh(label, ytd: bool = True) -> str:
    """A period label in Chinese (:meth:`Period.label_zh`); text that is no period label is returned as is."""
    if type(label) is str:            # cached for text only (2025 and 2025.0 would share a key)
        return _label_zh(label, bool(ytd))
    p = read(label)
    return p.label_zh(ytd) if p else str(label)


@lru_cache(maxsize=4096)
def _label_zh(label, ytd: bool) -> str:
    # the engine words the same few hundred labels thousands of times per build
    p = read(label)
    return p.label_zh(ytd) if p else str(label)


def parse_span(text) -> tuple[int, int] | None:
    """'2023-2027' (also with –, —, ~ or 至) -> (2023, 2027); None when it is no span."""
    m = _SPAN.match(str(text or ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


def target_period_end(period, target_year: int) -> dt.date:
    """The last day of a target window: FY/Q4 -> 31 Dec, Q1 -> 31 Mar, H1/Q2 -> 30 Jun, Q3 -> 30 Sep of
    ``target_year``; a span 'YYYY-YYYY' -> 31 Dec of its last year; anything else -> 31 Dec of target_year."""
    p = str(period or "").strip().upper()
    if p in TARGET_PERIOD_END:
        m, d = TARGET_PERIOD_END[p]
        return dt.date(int(target_year), m, d)
    span = parse_span(p)
    return dt.date(span[1] if span else int(target_year), 12, 31)


# ----------------------------------------------------------------------------------------------
# quarters and report dates
# ----------------------------------------------------------------------------------------------

def quarter_of(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def quarter_end(d: dt.date) -> dt.date:
    """The last day of the quarter ``d`` falls in."""
    return month_end(d.year, 3 * quarter_of(d))


def quarter_label(d: dt.date) -> str:
    """``date(2025, 6, 30) -> '2025Q2'`` (the period label of returns)."""
    return f"{d.year}Q{quarter_of(d)}"


def quarter_zh(d: dt.date) -> str:
    """``date(2025, 6, 30) -> '2025年二季度'``."""
    return f"{d.year}年{QUARTER_ZH[quarter_of(d)]}"


def is_quarter_label(text) -> bool:
    """True for text shaped like a quarter label ('2025Q4', also '2025Q9': see :func:`quarter_label_end`)."""
    return isinstance(text, str) and bool(_QUARTER_LABEL.match(text))


def quarter_label_end(text: str) -> dt.date:
    """'2025Q4' -> 2025-12-31 (a report date given as its quarter); ValueError for '2025Q9' or non-labels."""
    m = _QUARTER_LABEL.match(str(text))
    if not m or not 1 <= int(m.group(2)) <= 4:
        raise ValueError(f"{text!r}: expected a quarter 2025Q1 … 2025Q4")
    return month_end(int(m.group(1)), 3 * int(m.group(2)))
