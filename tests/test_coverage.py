"""Completeness: every number of the target sections is a target or a reviewed exclusion."""
import pandas as pd
import pytest

from shiwu_lib import catalog as C


@pytest.fixture(scope="module")
def T():
    return C.load_targets()


@pytest.fixture(scope="module")
def X():
    return C.load_exclusions()


def test_scan_numbers_reads_units_years_and_labels():
    toks = {t.text: t for t in C.scan_numbers("实施永久基本农田集中连片整治 2.5 万亩，到 2025 年，2023 年 9 月，G235 与“415X”，增长 15%以上")}
    assert toks["2.5万亩"].number == 2.5 and toks["2.5万亩"].unit == "万亩"
    assert toks["2025年"].is_year
    assert not toks["2023年"].is_year          # 2023年9月 is a date, not a year reference
    assert "G235" in toks and "415X" in toks
    assert toks["15%"].unit == "%"
    # no number hides inside another
    assert [t.number for t in C.scan_numbers("12000亩")] == [12000.0]


def test_plan_sections_cover_all_projects():
    s = C.plan_sections()
    assert {k[0] for k in s} == set(range(1, 11))
    for p in range(1, 11):
        assert s[(p, "five_year")].startswith("五年目标：")
        assert s[(p, "three_year")].startswith("三年行动：")
        assert "召集人" not in s[(p, "three_year")]
        assert s[(p, "annual_2023")]


def test_catalog_is_complete(T, X):
    missing = C.coverage_report(T, X)
    assert missing.empty, "\n" + missing.to_string()


def _first_per_section(T: pd.DataFrame) -> pd.DataFrame:
    plain = T[(T["value_text"] == "")] if "value_text" in T.columns else T
    return plain.groupby(["project_no", "section"], as_index=False).head(1)


def test_check_fails_when_a_target_row_is_removed(T, X):
    """The check CAN fail: drop one target per project × section and each one is reported."""
    rows = _first_per_section(T)
    assert len(rows) >= 25
    for r in rows.itertuples():
        # drop every row sharing this quote and value (stretch twins, FY expansions)
        same = (T["project_no"] == r.project_no) & (T["section"] == r.section) & (T["value"] == r.value) \
            & (T["quote"].map(C.normalize) == C.normalize(r.quote))
        rep = C.coverage_report(T[~same], X)
        hit = rep[(rep["project_no"] == r.project_no) & (rep["section"] == r.section)]
        assert not hit.empty, r.target_id
        assert any(C.quote_has_value(n, r.value) for n in hit["number_text"]), (r.target_id, hit)


def test_check_fails_on_a_temp_copy_with_a_row_removed(tmp_path, T):
    """Remove a row from a copy of the curated CSVs on disk and run the check on the copy."""
    import shutil
    d = tmp_path / "curated"
    shutil.copytree(C.curated_dir(), d)
    raw = pd.read_csv(d / "targets.csv", dtype=str, keep_default_na=False)
    victim = raw[raw["target_id"] == "p07-5y-03"].iloc[0]          # 永久基本农田集中连片整治 2.5 万亩
    raw[raw["target_id"] != victim["target_id"]].to_csv(d / "targets.csv", index=False)
    assert C.coverage_report(C.load_targets(d), C.load_exclusions(d)).empty is False
    rep = C.coverage_report(C.load_targets(d), C.load_exclusions(d))
    assert list(rep["number_text"]) == ["2.5万亩"]
    assert (rep["project_no"] == 7).all() and (rep["section"] == "five_year").all()
    # and the untouched copy is complete
    assert C.coverage_report(C.load_targets(C.curated_dir()), C.load_exclusions(d)).empty


def test_check_fails_when_a_value_is_wrong(T, X):
    bad = T.copy()
    i = bad.index[bad["target_id"] == "p09-5y-01"][0]
    bad.loc[i, "value"] = 88.0                   # the plan says 87万千瓦
    rep = C.coverage_report(bad, X)
    assert ((rep["project_no"] == 9) & (rep["number_text"] == "87万千瓦")).any()


def test_every_exclusion_is_needed(T, X):
    """Exclusions are minimal: removing any one of them leaves a number uncovered."""
    for k in X.index:
        rep = C.coverage_report(T, X.drop(index=k))
        r = X.loc[k]
        hit = rep[(rep["project_no"] == r["project_no"]) & (rep["section"] == r["section"])]
        assert not hit.empty, f"exclusion not needed: {dict(r)}"


def test_exclusions_never_hide_a_target_value(T, X):
    """No exclusion spans a number that a target of the same section claims."""
    secs = C.plan_sections()
    for r in X.itertuples():
        n = C.normalize(secs[(int(r.project_no), r.section)])
        ex = C.normalize(r.number_text)
        tt = T[(T["project_no"] == r.project_no) & (T["section"] == r.section)]
        for q, v in zip(tt["quote"], tt["value"]):
            qn = C.normalize(q)
            a = n.find(qn)
            while a >= 0:
                for tok in C.scan_numbers(qn):
                    if tok.number == v:
                        pos = a + tok.start
                        b = n.find(ex)
                        while b >= 0:
                            assert not (b <= pos < b + len(ex)), (r.number_text, q)
                            b = n.find(ex, b + 1)
                a = n.find(qn, a + 1)


def test_a_new_number_in_the_plan_is_reported(T, X):
    text = C.plan_text().replace("五年累计保障建设用地 6 万亩以上。",
                                 "五年累计保障建设用地 6 万亩以上。新增测试项目 99 个以上。")
    rep = C.coverage_report(T, X, text=text)
    assert list(rep["number_text"]) == ["99个"]
    assert rep.iloc[0]["project_no"] == 1 and rep.iloc[0]["section"] == "five_year"


def test_exclusion_reasons_are_honest(X):
    for r in X.itertuples():
        assert len(r.reason) >= 15
        assert any(w in r.reason for w in ("name", "threshold", "date", "deadline", "ordinal", "grade", "age",
                                           "pre-existing", "descriptive", "structure", "income band",
                                           "version", "label")), r.reason
