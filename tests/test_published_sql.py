"""The published step's set-based path (published.load_sql: read_csv + SQL) writes the same rows as the
frame path it replaced (published.load_frames: to_submissions / to_actuals, which equal the row-by-row
definitions): every column of actuals and submissions, in order, on the bundled CSV and on a CSV made
to hit every branch (qualifiers, unverified checks, third-party pages, estimated dates, notes, an
empty region, unit multipliers, zero, quoted newlines/commas/quotes, one document over several rows
with different dates and grades)."""
from __future__ import annotations

import csv

import duckdb
import pandas as pd
import pytest

from shiwu_lib import metadata, paths, plan
from shiwu_lib.returns import published

COLS = published.COLUMNS


def _store():
    con = duckdb.connect()
    metadata.create_schema(con, plan.default_region())
    return con


def _tables(con) -> dict[str, pd.DataFrame]:
    acts = con.execute("SELECT * EXCLUDE (actual_id) FROM actuals ORDER BY actual_id").df()
    subs = con.execute("SELECT * FROM submissions ORDER BY rowid").df()
    return {"actuals": acts, "submissions": subs}


def _both(path) -> tuple[dict, dict, int, int]:
    a, b = _store(), _store()
    n_sql = published.load_sql(a, path)
    n_frames = published.load_frames(b, pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8"))
    return _tables(a), _tables(b), n_sql, n_frames


def _same(x: dict, y: dict) -> None:
    for name in x:
        pd.testing.assert_frame_equal(x[name], y[name], check_exact=True, check_dtype=True, obj=name)


def test_bundled_csv_same_rows_both_ways():
    path = paths.curated_dir() / published.CSV_NAME
    sql, frames, n_sql, n_frames = _both(path)
    assert n_sql == n_frames == len(frames["actuals"]) > 100
    assert len(frames["submissions"]) > 10
    _same(sql, frames)


def _row(**kw) -> dict:
    base = dict(indicator_id="ctx_gdp", region="义乌", period_label="2024", freq="Y", year="2024",
                period_start="2024-01-01", period_end="2024-12-31", ytd="true", value="1.1", value_qualifier="",
                unit="亿元", indicator_as_published="x", raw_period="2024", quote_number="1.1亿元",
                source_title="文档甲", source_address="https://example.gov.cn/a", source_kind="official page",
                grade="official", quote="共1.1亿元", published_on="2025-01-20", published_on_estimated="false",
                check_status="verified", note="", raw_row="1", raw_file="f.csv")
    base.update(kw)
    return base


@pytest.fixture()
def edge_csv(tmp_path):
    rows = [
        _row(),
        _row(value="2.5", value_qualifier=">", quote='超过2.5亿元，"引号"，逗号,\n换行', quote_number="2.5亿元"),
        _row(value="3", value_qualifier="~", unit="万元", check_status="", note="人工核对"),
        _row(check_status="unverified: 页面已改版", source_kind="third-party repost", grade="repost",
             source_title="文档乙", source_address="https://example.com/b", published_on_estimated="TRUE"),
        _row(region="", value="0", unit="%", ytd="False", period_label="2024Q2", freq="Q",
             period_end="2024-06-30", published_on="2024-08-01"),
        # the same document (文档甲) again, later and with a weaker grade: the submission keeps the latest
        # date and the weakest grade
        _row(value="123456.789", unit="元", grade="press", published_on="2025-03-02", published_on_estimated="yes"),
        _row(value="0.1", unit="亿元", note="含；分号", source_title="文档丙", source_address="", grade="unknown"),
    ]
    path = tmp_path / published.CSV_NAME
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLS)
        w.writeheader()
        w.writerows(rows)
    return path


def test_every_branch_same_rows_both_ways(edge_csv):
    sql, frames, n_sql, n_frames = _both(edge_csv)
    assert n_sql == n_frames == 7
    _same(sql, frames)
    acts, subs = sql["actuals"], sql["submissions"]
    # hand-checked values of the set-based path
    assert acts["value_base"].tolist()[:3] == [110000000.0, 250000000.0, 30000.0]
    assert acts["note"].iloc[1] == "下限值（>2.5亿元，原文：超过/突破）"
    assert acts["note"].iloc[2] == "约数（约3万元，原文：约）；；人工核对"
    assert acts["region"].iloc[4] == plan.default_region()
    assert "换行" in acts["quote"].iloc[1]
    a = subs.set_index("title").loc["文档甲"]
    assert (a["n_rows"], str(a["received_at"])[:10], a["grade"]) == (5, "2025-03-02", "press")
    assert a["note"] == "published_on estimated (发布日期为估计值)"
    assert pd.isna(subs.set_index("title").loc["文档丙", "grade"])


def test_a_bad_cell_falls_back_to_the_frames_error(edge_csv, monkeypatch, tmp_path):
    """A value DuckDB cannot cast makes load() use the frame path, which raises its own error; no
    half-loaded published rows are left behind by the SQL attempt."""
    text = edge_csv.read_text(encoding="utf-8").replace(",1.1,,亿元,", ",一点一,,亿元,", 1)
    curated = tmp_path / "data" / "curated"
    curated.mkdir(parents=True)
    (curated / published.CSV_NAME).write_text(text, encoding="utf-8")
    con = _store()
    # a data folder of its own, the way a user points shiwu at one (every reader follows it)
    monkeypatch.setenv("SHIWU_DATA_DIR", str(tmp_path / "data"))
    assert paths.curated_dir() == curated.resolve()
    with pytest.raises(ValueError, match="一点一"):
        published.load(con)
    assert con.execute("SELECT count(*) FROM actuals").fetchall()[0][0] == 0


def test_load_takes_the_sql_path_on_the_bundled_csv(monkeypatch):
    def no_frames(*a, **k):
        raise AssertionError("load() fell back to the frame path")

    monkeypatch.setattr(published, "load_frames", no_frames)
    con = _store()
    assert published.load(con) == con.execute("SELECT count(*) FROM actuals").fetchall()[0][0] > 100
