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
RAW2 = ROOT / "data" / "raw" / "published" / "yiwu_published_values_batch2.csv"
README = ROOT / "data" / "raw" / "published" / "README.md"
CURATED = ROOT / "data" / "curated" / "published_actuals.csv"
CONTEXT = ROOT / "data" / "curated" / "context_indicators.csv"
GRADES = {"official", "gov_report", "press", "repost"}
# how the first batch's source_kind maps onto a grade (README "Curation notes")
KIND_GRADE = {"third-party repost": "repost", "news repost": "repost", "mirror of statistics release": "repost",
              "government work report summary": "gov_report"}


def rows() -> list[dict]:
    with open(CURATED, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def raw_rows(path=RAW) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


RAW_FILES = {RAW.name: RAW, RAW2.name: RAW2}


def raw_of(r: dict) -> dict:
    """The raw row a curated row was read from."""
    return raw_rows(RAW_FILES[r["raw_file"]])[int(r["raw_row"]) - 1]


def batch(n: int) -> list[dict]:
    name = RAW.name if n == 1 else RAW2.name
    return [r for r in rows() if r["raw_file"] == name]


def _row_id(r):
    return f"{'b2-' if r['raw_file'] == RAW2.name else ''}{r['raw_row']}-{r['indicator_id']}-{r['period_label']}"


def left_out_rows() -> dict[int, str]:
    """Rows of the second batch the README lists as left out, with their reason."""
    text = README.read_text(encoding="utf-8").split("Left out of the curated file", 1)[1]
    text = text.split("Derived values", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^- row (\d+): (.+)$", text, re.M)}


def test_raw_copy_is_as_received():
    source = (ROOT / "data" / "raw" / "published" / "SOURCE.md").read_text(encoding="utf-8")
    for name in ("yiwu_published_values.csv", "yiwu_published_values_batch2.csv"):
        digest = hashlib.sha256((RAW.parent / name).read_bytes()).hexdigest()
        assert digest in source, f"{name}: sha256 not recorded in SOURCE.md"
    # README.md = the received text, then shiwu's curation notes under their own heading
    text = README.read_bytes()
    received = text[: text.index("\n## Curation notes (added by shiwu".encode())]
    assert hashlib.sha256(received).hexdigest() in source, "README.md: received part's sha256 not in SOURCE.md"


def test_every_raw_value_is_curated_once():
    raw = raw_rows()
    cur = batch(1)
    assert sorted(int(r["raw_row"]) for r in cur) == list(range(1, len(raw) + 1))
    for r in cur:
        src = raw[int(r["raw_row"]) - 1]
        assert src["quote"] == r["quote"] and src["source_address"] == r["source_address"]
        assert src["value"].lstrip(">") == r["value"]
        assert (r["value_qualifier"] == ">") == src["value"].startswith(">")


def test_every_batch2_value_is_curated_once_or_left_out_with_a_reason():
    raw = raw_rows(RAW2)
    assert len(raw) == 81
    cur = batch(2)
    got = [int(r["raw_row"]) for r in cur]
    assert len(got) == len(set(got)), "a raw row curated twice"
    out = left_out_rows()
    assert set(got).isdisjoint(out)
    assert sorted(set(got) | set(out)) == list(range(1, len(raw) + 1))
    assert all(len(reason) > 20 for reason in out.values())
    for r in cur:
        src = raw[int(r["raw_row"]) - 1]
        assert src["quote"] == r["quote"] and src["source_address"] == r["source_address"]
        assert src["value"].lstrip(">").removeprefix("约") == r["value"]
        # lower bounds stay bounds, approximate values stay approximate
        assert (r["value_qualifier"] == ">") == src["value"].startswith(">"), r
        assert (r["value_qualifier"] == "~") == src["value"].startswith("约"), r
        assert r["grade"] == src["grade"]


def test_batch2_values_left_out_really_fail_or_are_explained():
    """The rows left out for the quote check do fail it with the span the quote prints."""
    from shiwu_lib.returns.published import check_row

    raw = raw_rows(RAW2)
    spans = {54: "5,539億9,000万元", 55: "772億1,000万元", 62: "2313。12亿元"}
    for n, span in spans.items():
        ok, _ = check_row({**raw[n - 1], "quote_number": span})
        assert not ok and "quote check" in left_out_rows()[n]


@pytest.mark.parametrize("r", rows(), ids=_row_id)
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
    for r in rows():
        ind = inds.get(r["indicator_id"])
        assert ind is not None, f"unknown indicator {r['indicator_id']}"
        assert common.base_unit(r["unit"]) == common.base_unit(ind["unit"])
        is_growth = raw_of(r)["is_growth_rate"] == "Y"
        assert (ind["measure"] == "rate") == is_growth, r["indicator_id"]
        if r["freq"] != "Y":
            # partial-year flows and rates are year-to-date; stocks (108万户 at the end of March) are levels
            assert r["ytd"] == ("true" if common.ytd_for(ind["measure"]) else "false"), r["raw_row"]


def test_known_caveats_are_kept():
    by_row = {int(r["raw_row"]): r for r in batch(1)}
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
        n, docs = con.execute("SELECT count(*), count(DISTINCT submission_id) FROM actuals "
                              "WHERE source_type = 'published' AND derivation IS NULL").fetchone()
        assert n == len(rows())
        assert docs == len({(r["source_title"], r["source_address"]) for r in rows()})
        subs = con.execute("SELECT count(*) FROM submissions WHERE source_type = 'published' AND title IS NOT NULL AND address LIKE 'http%'").fetchone()[0]
        assert subs == docs
        assert con.execute("SELECT count(*) FROM actuals_with_source WHERE source_type = 'published' AND source_address IS NULL").fetchone()[0] == 0
        # every published value carries its document's grade
        grades = con.execute("SELECT DISTINCT source_grade FROM actuals_with_source WHERE source_type = 'published'").fetchall()
        assert {g[0] for g in grades} <= GRADES
        assert con.execute("SELECT count(*) FROM submissions WHERE grade IS NULL").fetchone()[0] == 0
        # 2022 base values the engine uses, on the plan indicators of their targets
        base = dict(con.execute("""SELECT indicator_id, value FROM latest_actuals
                                   WHERE period_label = '2022' AND indicator_id IN
                                   ('p06_yw_per_capita_income', 'p06_urban_rural_income_ratio', 'p05_jh_express_volume',
                                    'ctx_urban_income', 'ctx_rural_income', 'ctx_rd_expenditure')""").fetchall())
        assert base == {"p06_yw_per_capita_income": 78215, "p06_urban_rural_income_ratio": 1.85,
                        "p05_jh_express_volume": 92.96, "ctx_urban_income": 86975, "ctx_rural_income": 47042,
                        "ctx_rd_expenditure": 35.1}
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


def test_every_row_has_a_grade():
    for r in rows():
        assert r["grade"] in GRADES, r
    for r in batch(1):
        assert r["grade"] == KIND_GRADE.get(r["source_kind"], "press"), r   # news of any kind = press
    assert {r["grade"] for r in batch(2)} == {"official", "press", "repost"}  # none is gov_report


def test_batch2_values_pass_the_quote_check():
    from shiwu_lib.returns.published import check_row

    for r in batch(2):
        ok, reason = check_row(r)
        assert ok, (r["raw_row"], reason)


def test_provisional_years_are_marked():
    """A year not printed in the quote ("year inferred") makes the value provisional (待核)."""
    for r in batch(2):
        src = raw_of(r)
        inferred = "year inferred" in src["period"] or "inferred" in src["source_title"]
        if inferred:
            assert r["check_status"].startswith("待核: ") and "推断" in r["check_status"], r["raw_row"]
            assert r["published_on_estimated"] == "true" and "年份推断" in r["note"], r["raw_row"]
        else:
            assert r["check_status"] == "verified", r["raw_row"]


def test_lower_bounds_are_kept_in_the_store(tmp_path, monkeypatch):
    from shiwu_lib.returns import published

    acts = published.to_actuals(pd.DataFrame(batch(2)))
    notes = dict(zip(zip(acts["indicator_id"], acts["period_label"], acts["value"]), acts["note"]))
    assert "下限值（>100000元" in notes[("ctx_urban_income", "2025", 100000.0)]
    assert "约数（约2.2万标箱" in notes[("ctx_sea_rail_teu_rail_port", "2025Q1", 2.2)]


def test_no_duplicates_of_the_first_batch():
    first = {(r["indicator_id"], r["period_label"], float(r["value"])) for r in batch(1)}
    for r in batch(2):
        assert (r["indicator_id"], r["period_label"], float(r["value"])) not in first, r["raw_row"]


# Series the README calls conflicting, by a marker of the published wording or source: each must
# sit on its own indicator ids and never on the other series' ids.
CONFLICTING = [
    # (marker found in indicator_as_published / source_title, allowed ids, forbidden ids)
    ("金华各区县", {"ctx_import_export_jh_stats", "ctx_import_export_jh_stats_growth"},
     {"p04_import_export", "ctx_import_export_growth"}),
    ("快递服务企业业务量", {"ctx_express_courier_volume", "ctx_express_courier_volume_growth"},
     {"p05_jh_express_volume"}),
    ("义乌西", {"ctx_cr_trains_west_yard", "ctx_cr_teu_west_yard", "ctx_cr_teu_west_yard_growth"},
     {"p05_jh_china_europe_trains", "ctx_cr_trains_railway_count", "ctx_cr_teu_railway_count"}),
    ("宁波舟山港", {"ctx_sea_rail_line_teu_port_count", "ctx_sea_rail_line_teu_port_count_growth"},
     {"ctx_sea_rail_teu_rail_port", "p05_jh_sea_rail_trains"}),
    ("义乌铁路港", {"ctx_sea_rail_teu_rail_port", "ctx_sea_rail_teu_rail_port_growth"},
     {"ctx_sea_rail_line_teu_port_count", "p05_jh_sea_rail_trains"}),
]


def test_conflicting_series_are_never_mixed():
    cur = rows()
    for marker, allowed, forbidden in CONFLICTING:
        hits = [r for r in cur if marker in r["indicator_as_published"] or marker in r["source_title"]
                or marker in r["quote"] and r["indicator_id"] in allowed | forbidden]
        assert hits, marker
        for r in hits:
            assert r["indicator_id"] in allowed, (marker, r["raw_row"], r["indicator_id"])
    # and within one indicator and period, no two rows come from two series of the list
    by_key: dict[tuple, set] = {}
    for r in cur:
        for i, (marker, allowed, _) in enumerate(CONFLICTING):
            if r["indicator_id"] in allowed:
                by_key.setdefault((r["indicator_id"], r["period_label"]), set()).add(i)
    assert all(len(v) == 1 for v in by_key.values())
    # the express and trade series of the plan indicators stay on their plan ids
    ex = {(r["period_label"], r["value"]) for r in cur if r["indicator_id"] == "p05_jh_express_volume"}
    assert ("2023", "105.8") in ex and ("2022", "92.96") in ex and not any(v == "126.3" for _, v in ex)
    trade = {(r["period_label"], r["value"]) for r in cur if r["indicator_id"] == "p04_import_export"}
    assert ("2025M11", "7703.9") in trade and ("2025M11", "7011.89") not in trade
