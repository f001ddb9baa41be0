"""Derived actuals (推算): hand-worked arithmetic, the one-document vintage rule, the store rows."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from returns_helpers import ROOT, build_store, connect, make_data_dir, set_env

DERIVATIONS = ROOT / "data" / "curated" / "derivations.csv"

INDS = {
    "p04_imports": {"indicator_id": "p04_imports", "unit": "亿元", "name_zh": "进口额", "measure": "flow"},
    "p04_import_export": {"indicator_id": "p04_import_export", "unit": "亿元", "name_zh": "进出口总额", "measure": "flow"},
    "ctx_exports": {"indicator_id": "ctx_exports", "unit": "亿元", "name_zh": "出口额", "measure": "flow"},
}
IMPORTS = pd.DataFrame([{
    "derivation_id": "d_imports", "region": "义乌", "indicator_id": "p04_imports",
    "formula": "p04_import_export - ctx_exports", "parts": "p04_import_export;ctx_exports",
    "parts_zh": "进出口总额;出口额", "unit": "亿元", "decimals": "1",
    "description_zh": "进口额 = 进出口总额 − 出口额", "note": ""}])


def act(iid, label, value, sub, reported, unit="亿元"):
    from shiwu_lib.returns import common

    p = common.parse_period(label)
    return {"region": "义乌", "indicator_id": iid, "period_label": label, "freq": p.freq, "year": p.year,
            "period_start": p.start(True), "period_end": p.end, "ytd": True, "value": value, "unit": unit,
            "value_base": common.to_base(value, unit), "base_unit": common.base_unit(unit),
            "source_type": "published", "submission_id": sub, "reported_at": pd.Timestamp(reported),
            "quote": "…", "note": None}


SUBS = pd.DataFrame([
    {"submission_id": "pub:A", "title": "政府工作报告摘要", "grade": "gov_report"},
    {"submission_id": "pub:B", "title": "人民网", "grade": "press"},
    {"submission_id": "pub:C", "title": "转载页", "grade": "repost"},
])


def test_imports_2023_hand_worked():
    from shiwu_lib.returns.derived import derive

    acts = pd.DataFrame([act("p04_import_export", "2023", 5660.5, "pub:A", "2024-02-05"),
                         act("ctx_exports", "2023", 5005.7, "pub:A", "2024-02-05")])
    rows, subs = derive(acts, IMPORTS, SUBS, INDS)
    assert len(rows) == 1 and len(subs) == 1
    r = rows.iloc[0]
    # 5660.5 − 5005.7 = 654.8
    assert (r["indicator_id"], r["period_label"], r["value"], r["unit"]) == ("p04_imports", "2023", 654.8, "亿元")
    assert r["value_base"] == 654.8e8 and r["base_unit"] == "yuan"
    assert r["derivation"] == "进出口总额5660.5亿元 − 出口额5005.7亿元 = 654.8亿元（推算）"
    assert "推算" in r["note"] and "政府工作报告摘要" in r["note"]
    assert r["source_type"] == "published" and r["reported_at"] == dt.datetime(2024, 2, 5)
    s = subs.iloc[0]
    assert s["title"] == "推算：进口额 = 进出口总额 − 出口额" and s["address"] == "pub:A"
    assert s["grade"] == "gov_report" and s["submission_id"] == r["submission_id"]


def test_share_hand_worked():
    from shiwu_lib.returns.derived import derive

    inds = {"p04_services_share_gdp": {"unit": "%", "name_zh": "服务业增加值占GDP比重"},
            "ctx_services_va": {"unit": "亿元"}, "ctx_gdp": {"unit": "亿元"}}
    d = pd.DataFrame([{"derivation_id": "d_services_share", "region": "义乌", "indicator_id": "p04_services_share_gdp",
                       "formula": "ctx_services_va / ctx_gdp * 100", "parts": "ctx_services_va;ctx_gdp",
                       "parts_zh": "第三产业增加值;地区生产总值", "unit": "%", "decimals": "2",
                       "description_zh": "服务业增加值占GDP比重", "note": ""}])
    acts = pd.DataFrame([act("ctx_services_va", "2023", 1400.98, "pub:B", "2024-01-25"),
                         act("ctx_gdp", "2023", 2055.62, "pub:B", "2024-01-25")])
    rows, _ = derive(acts, d, SUBS, inds)
    # 1400.98 / 2055.62 = 0.681546… → 68.15%
    assert rows.iloc[0]["value"] == 68.15
    assert rows.iloc[0]["derivation"] == "第三产业增加值1400.98亿元 ÷ 地区生产总值2055.62亿元 × 100 = 68.15%（推算）"


def test_parts_from_different_documents_are_not_mixed():
    """Vintage rule: the parts must come from one document (one submission_id)."""
    from shiwu_lib.returns.derived import derive

    acts = pd.DataFrame([
        act("p04_import_export", "2024", 6689.3, "pub:C", "2025-03-31"),   # total only
        act("ctx_exports", "2024", 5889.5, "pub:B", "2025-06-21"),         # exports only, another page
    ])
    rows, subs = derive(acts, IMPORTS, SUBS, INDS)
    assert rows.empty and subs.empty
    # a second vintage of the total in another document: each document is derived on its own
    acts = pd.DataFrame([
        act("p04_import_export", "2024", 6689.3, "pub:C", "2025-03-31"),
        act("p04_import_export", "2024", 6689.2, "pub:B", "2025-06-21"),
        act("ctx_exports", "2024", 5889.5, "pub:B", "2025-06-21"),
    ])
    rows, subs = derive(acts, IMPORTS, SUBS, INDS)
    assert rows["value"].tolist() == [799.7]          # 6689.2 − 5889.5, never 6689.3 − 5889.5 = 799.8
    assert subs.iloc[0]["address"] == "pub:B" and subs.iloc[0]["grade"] == "press"


def test_parts_of_different_periods_are_not_mixed():
    from shiwu_lib.returns.derived import derive

    acts = pd.DataFrame([act("p04_import_export", "2025Q3", 6312, "pub:A", "2025-10-30"),
                         act("ctx_exports", "2025M08", 4866.0, "pub:A", "2025-10-30")])
    assert derive(acts, IMPORTS, SUBS, INDS)[0].empty


def test_a_known_published_value_is_not_replaced():
    from shiwu_lib.returns.derived import derive

    parts = [act("p04_import_export", "2024Q2", 3247.7, "pub:C", "2024-07-22"),
             act("ctx_exports", "2024Q2", 2880.3, "pub:C", "2024-07-22")]
    direct = act("p04_imports", "2024Q2", 367.4, "pub:C", "2024-07-22")
    assert derive(pd.DataFrame(parts + [direct]), IMPORTS, SUBS, INDS)[0].empty
    # a direct value published only later does not erase the earlier derived one (vintages)
    later = act("p04_imports", "2024Q2", 367.4, "pub:B", "2024-09-01")
    rows, _ = derive(pd.DataFrame(parts + [later]), IMPORTS, SUBS, INDS)
    assert rows["value"].tolist() == [367.4]


def test_weakest_grade():
    from shiwu_lib.returns.published import weakest_grade

    assert weakest_grade(["official", "press"]) == "press"
    assert weakest_grade(["gov_report", "repost", "official"]) == "repost"
    assert weakest_grade([None]) is None


def test_formula_is_restricted():
    from shiwu_lib.returns.derived import evaluate, formula_parts, parse_formula

    assert formula_parts("ctx_services_va / ctx_gdp * 100") == ["ctx_services_va", "ctx_gdp"]
    assert evaluate("a - b", {"a": 3, "b": 1}) == 2
    with pytest.raises(ValueError):
        parse_formula("__import__('os').system('true')")


def test_curated_derivations_are_well_formed():
    from shiwu_lib.returns import common
    from shiwu_lib.returns.derived import formula_parts

    df = pd.read_csv(DERIVATIONS, dtype=str, keep_default_na=False)
    inds = common.indicators_by_id()
    assert df["derivation_id"].is_unique
    assert {"p04_imports", "p04_services_share_gdp"} <= set(df["indicator_id"])
    for d in df.to_dict("records"):
        assert d["indicator_id"] in inds
        parts = formula_parts(d["formula"])
        assert parts == d["parts"].split(";") and len(d["parts_zh"].split(";")) == len(parts)
        assert all(p in inds for p in parts)
        assert common.base_unit(d["unit"]) == common.base_unit(inds[d["indicator_id"]]["unit"])
    # the targets the derivations serve point at those indicators
    tg = common.targets().set_index("target_id")
    assert tg.loc["p04-23-10", "indicator_id"] == "p04_imports" and tg.loc["p04-23-10", "value"] == "600"
    assert tg.loc["p04-3y-01", "indicator_id"] == "p04_services_share_gdp"


def test_derived_actuals_in_the_store(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    build_store(demo=False)
    con = connect()
    try:
        got = con.execute("""SELECT value, unit, derivation, note, reported_at, source_type, source_grade, source_title
                             FROM actuals_with_source WHERE indicator_id = 'p04_imports' AND period_label = '2023'""").fetchall()
        assert len(got) == 1
        value, unit, derivation, note, reported, st, grade, title = got[0]
        assert (value, unit, st) == (654.8, "亿元", "published")
        assert derivation == "进出口总额5660.5亿元 − 出口额5005.7亿元 = 654.8亿元（推算）"
        assert "推算" in note and "ezhejiang" in note
        assert reported == dt.datetime(2024, 2, 5) and grade == "gov_report"
        assert title == "推算：进口额 = 进出口总额 − 出口额"
        shares = dict(con.execute("""SELECT period_label, value FROM latest_actuals
                                     WHERE indicator_id = 'p04_services_share_gdp'""").fetchall())
        assert shares == {"2022": 64.96, "2023": 68.15}     # 1192.35/1835.54, 1400.98/2055.62
        # R&D 2022 and GDP 2022 are on two pages: no intensity is derived
        assert con.execute("SELECT count(*) FROM actuals WHERE indicator_id = 'p03_rd_intensity'").fetchone()[0] == 0
        # directly published imports (2024H1, 2025 1–8月, 1–9月, 2025) are never replaced
        assert con.execute("""SELECT count(*) FROM actuals WHERE indicator_id = 'p04_imports'
                              AND derivation IS NOT NULL AND period_label <> '2023' AND period_label <> '2024'""").fetchone()[0] == 0
        # non-derived rows carry no derivation text; every derived row has its own submission
        assert con.execute("""SELECT count(*) FROM actuals a JOIN submissions s USING (submission_id)
                              WHERE a.derivation IS NOT NULL AND s.title NOT LIKE '推算：%'""").fetchone()[0] == 0
        assert con.execute("""SELECT count(*) FROM actuals WHERE derivation IS NULL AND note LIKE '推算（非直接公布值）%'""").fetchone()[0] == 0
    finally:
        con.close()
