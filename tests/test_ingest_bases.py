"""基期值（2022年）: the template asks for it (pre-filled when known), ingest stores it as a '2022' actual.

Hand-worked values: a flow (p01_fai, 945.9 亿元), the same in 万元 (p01_major_project_investment,
3300000 万元 = 330 亿元), a stock (p01_landmark_projects, 58 个) and a published 2022 value added to
the test's copy of the curated CSV (重大项目投资 318.6 亿元, hypothetical).
"""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from returns_helpers import add_published, build_store, col, connect, fill, make_data_dir, row_of, set_env

T1 = dt.datetime(2025, 4, 8, 9, 0)
T2 = dt.datetime(2025, 7, 8, 9, 0)
T3 = dt.datetime(2025, 7, 20, 16, 30)


@pytest.fixture()
def env(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    build_store(demo=False)
    return data


def _bases(con):
    return con.execute("""SELECT indicator_id, value, unit, value_base, freq, year, period_start, period_end, ytd,
                                 source_type, submission_id, reported_at, quote, note
                          FROM actuals WHERE period_label = '2022' AND source_type = 'return'
                          ORDER BY indicator_id, reported_at""").fetchall()


def _ingest(path, received, today):
    from shiwu_lib.returns.intake import ingest_files

    rep = ingest_files([path], received_at=received, today=today)
    assert rep.exit_code == 0, "\n".join(rep.lines())
    return rep.results[0]


def test_template_prefills_published_base(tmp_path, monkeypatch):
    from shiwu_lib.returns import common, layout
    from shiwu_lib.returns.ingest import parse_workbook
    from shiwu_lib.returns.template import write_template

    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    # a published 2022 value (hypothetical, so the test does not depend on the curated list)
    add_published(data, "p01_major_project_investment", "2022", 318.6, "亿元", title="测试用发布数（假设的统计公报）")
    build_store(demo=False)
    out = write_template(1, "2025Q2", tmp_path / "t1.xlsx", problems=[])
    wb = load_workbook(out)
    ws = wb["主要指标进度表"]
    cols = layout.ind_columns(common.parse_period("2025Q2"))
    r = row_of(ws, col(cols, "indicator_id"), "p01_major_project_investment")
    cell = ws.cell(r, col(cols, "base"))
    assert cell.value == 318.6 and cell.protection.locked is False
    assert cell.comment.text.startswith("预填2022年基期值，来源：统计发布数：测试用发布数（假设的统计公报）（2023-03-15）。")
    meta = {k: v for k, v in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    assert meta["template_version"] == "2"
    assert "p01_major_project_investment=318.6" in meta["base_prefill"].split(";")
    # filled and returned untouched: the published value is not stored again as a return
    filled = fill(out, tmp_path / "in" / "扩投资_2025Q2.xlsx", "2025Q2",
                  ind={"p01_major_project_investment": {"actual": 170}})
    parsed = parse_workbook(filled, reference={}, today=dt.date(2025, 7, 8))
    assert list(parsed.actuals["period_label"]) == ["2025Q2"]
    # without a store, the template pre-fills the same from the curated CSV
    from shiwu_lib import paths

    paths.db_path().unlink()
    wb2 = load_workbook(write_template(1, "2025Q2", tmp_path / "t1b.xlsx", problems=[]))
    assert wb2["主要指标进度表"].cell(r, col(cols, "base")).value == 318.6


def test_base_stored_as_2022_actual_then_prefilled_and_corrected(env, tmp_path):
    from shiwu_lib.returns import common, layout
    from shiwu_lib.returns.template import write_template

    blank1 = write_template(1, "2025Q1", tmp_path / "b1.xlsx", problems=[])
    cols = layout.ind_columns(common.parse_period("2025Q1"))
    ws = load_workbook(blank1)["主要指标进度表"]
    rows = {i: row_of(ws, col(cols, "indicator_id"), i)
            for i in ("p01_fai", "p01_major_project_investment", "p01_landmark_projects")}
    f1 = fill(blank1, tmp_path / "q1" / "扩投资_2025Q1.xlsx", "2025Q1", ind={
        "p01_fai_growth": {"actual": 9.8},                                   # a growth rate: no base
        "p01_fai": {"actual": 230, "base": 945.9},
        "p01_major_project_investment": {"unit": "万元", "actual": 900000, "base": 3300000},
        "p01_landmark_projects": {"base": 58},                               # a base alone, no value this quarter
        "p01_demolition_area": {"actual": 6.5},                              # base left empty: nothing stored
    })
    res = _ingest(f1, T1, dt.date(2025, 4, 8))
    con = connect()
    try:
        got = _bases(con)
        sheets = con.execute("SELECT DISTINCT period_label FROM return_sheets").fetchall()
        q1 = dict(con.execute("""SELECT indicator_id, value FROM actuals
                                  WHERE source_type = 'return' AND period_label = '2025Q1'""").fetchall())
    finally:
        con.close()
    assert sheets == [("2025Q1",)]
    assert q1 == {"p01_fai_growth": 9.8, "p01_fai": 230.0, "p01_major_project_investment": 90.0, "p01_demolition_area": 6.5}
    F = "扩投资_2025Q1.xlsx 主要指标进度表!F"
    assert got == [
        ("p01_fai", 945.9, "亿元", 945.9e8, "Y", 2022, dt.date(2022, 1, 1), dt.date(2022, 12, 31), True,
         "return", res.sha256, T1, f"{F}{rows['p01_fai']}", "基期值（2022年），随2025Q1填报表报送"),
        ("p01_landmark_projects", 58.0, "个", 58.0, "Y", 2022, dt.date(2022, 1, 1), dt.date(2022, 12, 31), False,
         "return", res.sha256, T1, f"{F}{rows['p01_landmark_projects']}", "基期值（2022年），随2025Q1填报表报送"),
        ("p01_major_project_investment", 330.0, "亿元", 330e8, "Y", 2022, dt.date(2022, 1, 1), dt.date(2022, 12, 31), True,
         "return", res.sha256, T1, f"{F}{rows['p01_major_project_investment']}",
         "基期值（2022年），随2025Q1填报表报送；填报值 3300000万元"),
    ]

    # the next quarter's template pre-fills the returned bases, citing the workbook
    blank2 = write_template(1, "2025Q2", tmp_path / "b2.xlsx", problems=[])
    wb = load_workbook(blank2)
    ws = wb["主要指标进度表"]
    cell = ws.cell(rows["p01_fai"], col(cols, "base"))
    assert cell.value == 945.9 and "已报送的填报表" in cell.comment.text and "扩投资_2025Q1.xlsx" in cell.comment.text
    assert ws.cell(rows["p01_major_project_investment"], col(cols, "base")).value == 330
    meta = {k: v for k, v in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    assert meta["base_prefill"] == ("p01_fai=945.9;p01_landmark_projects=58.0;p01_major_project_investment=330.0")

    # returned with the pre-filled bases untouched: no new 2022 rows
    f2 = fill(blank2, tmp_path / "q2" / "扩投资_2025Q2.xlsx", "2025Q2", ind={"p01_fai": {"actual": 480}})
    _ingest(f2, T2, dt.date(2025, 7, 8))
    con = connect()
    try:
        assert [g[:2] for g in _bases(con)] == [g[:2] for g in got]
    finally:
        con.close()

    # a corrected base is a new vintage; the old one stays (as_of sees it)
    f3 = fill(blank2, tmp_path / "q2b" / "扩投资_2025Q2.xlsx", "2025Q2", ind={"p01_fai": {"actual": 480, "base": 950.2}})
    res3 = _ingest(f3, T3, dt.date(2025, 7, 20))
    con = connect()
    try:
        q = "SELECT value, source_type, submission_id FROM {} WHERE indicator_id = 'p01_fai' AND period_label = '2022' ORDER BY reported_at"
        assert con.execute(q.format("actuals")).fetchall() == [(945.9, "return", res.sha256), (950.2, "return", res3.sha256)]
        assert con.execute(q.format("latest_actuals")).fetchall() == [(950.2, "return", res3.sha256)]
        assert con.execute(q.format("actuals_as_of('2025-07-10')")).fetchall() == [(945.9, "return", res.sha256)]
    finally:
        con.close()


def test_previous_template_version_still_loads(env, tmp_path):
    """A workbook of template version 1 (no base column) is read with the version-1 layout."""
    from shiwu_lib.returns import common, layout
    from shiwu_lib.returns.ingest import parse_workbook
    from shiwu_lib.returns.template import write_template

    blank = write_template(1, "2025Q2", tmp_path / "b.xlsx", problems=[])

    def to_v1(wb):
        ws = wb["主要指标进度表"]
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.delete_cols(col(layout.ind_columns(common.parse_period("2025Q2")), "base"))
        wb["_meta"]["B3"] = "1"

    f = fill(blank, tmp_path / "in" / "扩投资_2025Q2.xlsx", "2025Q2",
             ind={"p01_fai": {"actual": 250}, "p01_fai_growth": {"actual": 12.5}}, mutate=to_v1)
    parsed = parse_workbook(f, reference={}, today=dt.date(2025, 7, 8))
    assert parsed.template_version == "1"
    got = parsed.actuals[["indicator_id", "period_label", "value", "quote"]].to_dict("records")
    v1 = layout.ind_columns(common.parse_period("2025Q2"), version="1")
    assert col(v1, "actual") == 11        # column K, as before the base column was added
    assert [(g["indicator_id"], g["period_label"], g["value"]) for g in got] == [
        ("p01_fai_growth", "2025Q2", 12.5), ("p01_fai", "2025Q2", 250.0)]
    assert all("主要指标进度表!K" in g["quote"] for g in got)
