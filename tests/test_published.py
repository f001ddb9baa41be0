"""Published statistics: every value occurs in its quote, names its source, and loads into the store."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re

import pandas as pd
import pytest

from returns_helpers import ROOT, build_store, connect, make_data_dir, set_env

RAW = ROOT / "data" / "raw" / "published" / "yiwu_published_values.csv"
CURATED = ROOT / "data" / "curated" / "published_actuals.csv"
CONTEXT = ROOT / "data" / "curated" / "context_indicators.csv"


def rows() -> list[dict]:
    with open(CURATED, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_raw_copy_is_as_received():
    source = (ROOT / "data" / "raw" / "published" / "SOURCE.md").read_text(encoding="utf-8")
    for name in ("yiwu_published_values.csv", "README.md"):
        digest = hashlib.sha256((RAW.parent / name).read_bytes()).hexdigest()
        assert digest in source, f"{name}: sha256 not recorded in SOURCE.md"


def test_every_raw_value_is_curated_once():
    with open(RAW, encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f))
    cur = rows()
    assert sorted(int(r["raw_row"]) for r in cur) == list(range(1, len(raw) + 1))
    for r in cur:
        src = raw[int(r["raw_row"]) - 1]
        assert src["quote"] == r["quote"] and src["source_address"] == r["source_address"]
        assert src["value"].lstrip(">") == r["value"]
        assert (r["value_qualifier"] == ">") == src["value"].startswith(">")


@pytest.mark.parametrize("r", rows(), ids=lambda r: f"{r['raw_row']}-{r['indicator_id']}-{r['period_label']}")
def test_value_occurs_in_its_quote(r):
    from shiwu_lib.returns.published import check_row

    ok, reason = check_row(r)
    if r["check_status"] == "verified":
        assert ok, reason
    else:
        assert r["check_status"].startswith("待核: ") and len(r["check_status"]) > 20, "待核 needs its reason"


def test_sources_and_dates():
    from shiwu_lib.returns import common

    for r in rows():
        assert r["source_title"].strip() and re.match(r"^https?://", r["source_address"]), r
        p = common.parse_period(r["period_label"])
        assert (p.freq, p.year, p.end.isoformat()) == (r["freq"], int(r["year"]), r["period_end"])
        assert r["period_start"] in (f"{p.year}-01-01", p.own_start.isoformat())
        assert dt.date.fromisoformat(r["published_on"]) > p.end, "published before the period ended"
        assert r["published_on_estimated"] in ("true", "false")
        assert r["region"] == "义乌"


def test_indicators_exist_and_growth_rates_are_separate():
    from shiwu_lib.returns import common

    inds = common.indicators_by_id()
    ctx = pd.read_csv(CONTEXT, dtype=str, keep_default_na=False)
    assert set(ctx["level"]) == {"背景"} and set(ctx["project_no"]) == {""}
    with open(RAW, encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f))
    for r in rows():
        ind = inds.get(r["indicator_id"])
        assert ind is not None, f"unknown indicator {r['indicator_id']}"
        assert common.base_unit(r["unit"]) == common.base_unit(ind["unit"])
        is_growth = raw[int(r["raw_row"]) - 1]["is_growth_rate"] == "Y"
        assert (ind["measure"] == "rate") == is_growth, r["indicator_id"]
        if r["freq"] != "Y":
            assert r["ytd"] == "true", "partial-year values are year-to-date"


def test_known_caveats_are_kept():
    by_row = {int(r["raw_row"]): r for r in rows()}
    assert by_row[32]["check_status"].startswith("待核")           # 144.3 billion yuan
    assert "跨口径" in by_row[56]["note"] and "跨口径" in by_row[8]["note"]   # train counts on two bases
    assert by_row[56]["indicator_id"] != by_row[8]["indicator_id"]
    assert sum(r["check_status"] == "verified" for r in by_row.values()) == len(by_row) - 1


def test_loads_into_store(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    build_store(demo=False)
    con = connect()
    try:
        n, docs = con.execute("SELECT count(*), count(DISTINCT submission_id) FROM actuals WHERE source_type = 'published'").fetchone()
        assert n == len(rows())
        assert docs == len({(r["source_title"], r["source_address"]) for r in rows()})
        subs = con.execute("SELECT count(*) FROM submissions WHERE source_type = 'published' AND title IS NOT NULL AND address LIKE 'http%'").fetchone()[0]
        assert subs == docs
        assert con.execute("SELECT count(*) FROM actuals_with_source WHERE source_type = 'published' AND source_address IS NULL").fetchone()[0] == 0
        got = con.execute("""SELECT value, unit, reported_at, quote FROM latest_actuals
                             WHERE indicator_id = 'p04_import_export' AND period_label = '2023'""").fetchone()
        assert got[0] == 5660.5 and got[1] == "亿元" and got[2] == dt.datetime(2024, 8, 7)
        # as the data stood on 2024-03-01 only the work report's value (2024-02-05) was known
        old = con.execute("""SELECT reported_at FROM actuals_as_of('2024-03-01')
                             WHERE indicator_id = 'p04_import_export' AND period_label = '2023'""").fetchone()
        assert old[0] == dt.datetime(2024, 2, 5)
        ytd = con.execute("""SELECT freq, ytd, period_start, period_end FROM actuals
                             WHERE indicator_id = 'p01_fai_growth' AND source_type = 'published'""").fetchall()
        assert ytd == [("Q", True, dt.date(2023, 1, 1), dt.date(2023, 9, 30))]
    finally:
        con.close()


def test_number_spans():
    from shiwu_lib.returns.published import parse_number_span

    assert parse_number_span("566.05 billion yuan") == 566.05e9
    assert parse_number_span("105,8 miliardi") == 105.8e9
    assert parse_number_span("1,580 times") == 1580
    assert parse_number_span("12.9万个标箱") == 129000
    assert parse_number_span("2055.62億元") == 2055.62e8
    assert parse_number_span("1.05 million") == 1.05e6
