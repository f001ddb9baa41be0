"""The one period parser (shiwu_lib/periods.py): hand-worked examples and properties."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shiwu_lib import periods


@pytest.mark.parametrize("label, freq, end, start_ytd, own_start", [
    ("2025", "Y", dt.date(2025, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 1, 1)),
    ("2025Q2", "Q", dt.date(2025, 6, 30), dt.date(2025, 1, 1), dt.date(2025, 4, 1)),
    ("2024Q1", "Q", dt.date(2024, 3, 31), dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
    ("2024M02", "M", dt.date(2024, 2, 29), dt.date(2024, 1, 1), dt.date(2024, 2, 1)),   # leap year
    ("2025M12", "M", dt.date(2025, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 12, 1)),
])
def test_parse_strict_labels(label, freq, end, start_ytd, own_start):
    p = periods.parse(label)
    assert (p.freq, p.end, p.start(True), p.start(False), p.own_start) == (freq, end, start_ytd, own_start, own_start)


@pytest.mark.parametrize("bad", ["2025Q5", "2025Q0", "2025M13", "2025M5", "25Q1", "2025q1", "2025H1", "", "2025-Q1"])
def test_parse_refuses_what_a_return_may_not_write(bad):
    with pytest.raises(ValueError):
        periods.parse(bad)


@pytest.mark.parametrize("label, freq, sub", [("2025H1", "H", 1), (" 2025 q3 ", "Q", 3), ("2025M5", "M", 5), ("2025", "Y", 0)])
def test_read_is_lenient(label, freq, sub):
    p = periods.read(label)
    assert (p.freq, p.sub) == (freq, sub)


@pytest.mark.parametrize("label", ["2025Q5", "2025H3", "2025M13", "x2025", "2025年"])
def test_read_returns_none_for_non_labels(label):
    assert periods.read(label) is None


@pytest.mark.parametrize("label, ytd, zh", [
    ("2025", True, "2025年"),
    ("2025Q2", True, "2025年1-6月"),
    ("2025Q2", False, "2025年二季度"),
    ("2025Q4", True, "2025年"),            # a year-to-date value to December is the year
    ("2025Q1", True, "2025年1-3月"),
    ("2025M05", True, "2025年1-5月"),
    ("2025M05", False, "2025年5月"),
    ("2025M01", True, "2025年1月"),
    ("2025M12", True, "2025年1-12月"),     # months keep their span (as before the one parser)
    ("2025H1", True, "2025年1-6月"),
    ("2025H2", True, "2025年"),
    ("2025H2", False, "2025年下半年"),
    ("已完成", True, "已完成"),             # not a label: returned as it is
])
def test_label_zh(label, ytd, zh):
    assert periods.label_zh(label, ytd) == zh


@pytest.mark.parametrize("text, span", [("2023-2027", (2023, 2027)), ("2023—2025", (2023, 2025)),
                                        ("2023 至 2027", (2023, 2027)), ("FY", None), ("2023", None)])
def test_parse_span(text, span):
    assert periods.parse_span(text) == span


@pytest.mark.parametrize("period, year, end", [("FY", 2023, dt.date(2023, 12, 31)), ("Q1", 2023, dt.date(2023, 3, 31)),
                                               ("H1", 2024, dt.date(2024, 6, 30)), ("Q3", 2023, dt.date(2023, 9, 30)),
                                               ("2023-2025", 2025, dt.date(2025, 12, 31)), ("", 2027, dt.date(2027, 12, 31))])
def test_target_period_end(period, year, end):
    assert periods.target_period_end(period, year) == end


def test_quarter_labels_as_report_dates():
    assert periods.quarter_label_end("2025Q4") == dt.date(2025, 12, 31)
    assert periods.quarter_label_end("2024q1") == dt.date(2024, 3, 31)
    with pytest.raises(ValueError):
        periods.quarter_label_end("2025Q9")
    assert periods.is_quarter_label("2025Q9") and not periods.is_quarter_label("2025-12-31")


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_quarter_end_properties(d):
    q = periods.quarter_end(d)
    assert q >= d and periods.quarter_of(q) == periods.quarter_of(d) and q.year == d.year
    assert (q + dt.timedelta(days=1)).day == 1 and (q + dt.timedelta(days=1)).month in (1, 4, 7, 10)
    assert periods.quarter_label_end(periods.quarter_label(d)) == q
    assert periods.parse(periods.quarter_label(d)).end == q


@given(st.integers(1990, 2100), st.sampled_from(["Q", "M"]), st.integers(1, 12))
def test_period_end_is_a_month_end_and_start_precedes_it(year, freq, sub):
    if freq == "Q":
        sub = (sub - 1) % 4 + 1
    label = f"{year}Q{sub}" if freq == "Q" else f"{year}M{sub:02d}"
    p = periods.parse(label)
    assert (p.end + dt.timedelta(days=1)).day == 1
    assert p.start(True) <= p.own_start <= p.end
    assert periods.read(label) == p
