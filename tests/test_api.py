"""The researcher API and the status/midpoint/ranking commands, on real builds of the store."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

import shiwu_lib as sw
from shiwu_lib import build

REQUIRED = ["project_no", "target_id", "metric_zh", "target_year", "target_value", "unit", "latest_actual",
            "latest_period", "time_progress", "completion", "status", "reason"]


# -- a hand-made store: the plan's targets plus a few actual values whose arithmetic we know ----------

@pytest.fixture
def hand_db(tmp_path):
    """Targets from the catalog, no demo; actuals inserted by hand for 重大项目投资 (2000亿元, 2023–2027)."""
    db = build.run(tmp_path / "hand.duckdb", demo=False)
    con = duckdb.connect(str(db))
    tid, ind = con.execute("""
        SELECT target_id, indicator_id FROM targets
        WHERE project_no = 1 AND section = 'five_year' AND kind = 'cumulative_flow' AND value = 2000 AND unit = '亿元'
    """).fetchone()
    con.execute("""INSERT INTO submissions (submission_id, source_type, file_name, received_at, n_rows, title)
                   VALUES ('hand', 'return', 'hand.xlsx', '2024-01-20', 3, 'test rows')""")
    rows = [
        # period, year, start, end, ytd, value 亿元, reported
        ("2023", "Y", 2023, "2023-01-01", "2023-12-31", True, 400.0, "2024-01-20"),
        ("2023", "Y", 2023, "2023-01-01", "2023-12-31", True, 420.0, "2024-03-01"),   # revision: a new vintage
        ("2024Q2", "Q", 2024, "2024-01-01", "2024-06-30", True, 200.0, "2024-07-15"),  # 1–6月 year-to-date
    ]
    for label, freq, year, start, end, ytd, value, reported in rows:
        con.execute("""INSERT INTO actuals (indicator_id, period_label, freq, year, period_start, period_end, ytd,
                                            value, unit, value_base, base_unit, source_type, submission_id, reported_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, '亿元', ?, 'yuan', 'return', 'hand', ?)""",
                    [ind, label, freq, year, start, end, ytd, value, value * 1e8, reported])
    con.close()
    return db, tid


def row(df: pd.DataFrame, tid: str) -> pd.Series:
    return df.set_index("target_id").loc[tid]


def test_as_of_reproduces_what_was_known_then(hand_db):
    db_path, tid = hand_db
    with sw.open(db_path) as db:
        # 2024-02-01: only the first vintage (400) is known. 400 / 2000 = 20 %; 2023 is 12 of 60 months = 20 %.
        early = row(db.status(as_of="2024-02-01", project_no=1, known_at="2024-02-01"), tid)
        assert early.latest_actual == pytest.approx(400.0)
        assert early.completion == pytest.approx(400 / 2000)
        # by default a report date is judged with the newest vintage in the store: the revision counts
        assert row(db.status(as_of="2024-02-01", project_no=1), tid).latest_actual == pytest.approx(420.0)
        # 2024-06-01: the revision (420, reported 2024-03-01) replaced it; the old row is still in the table.
        later = row(db.status(as_of="2024-06-01", project_no=1, known_at="2024-06-01"), tid)
        assert later.latest_actual == pytest.approx(420.0)
        assert later.completion == pytest.approx(420 / 2000)
        both = db.sql("SELECT value FROM actuals WHERE submission_id = 'hand' AND period_label = '2023' ORDER BY reported_at")
        assert both["value"].tolist() == [400.0, 420.0]


def test_year_to_date_flow_adds_to_full_years(hand_db):
    db_path, tid = hand_db
    with sw.open(db_path) as db:
        r = row(db.status(as_of="2024-07-31", project_no=1), tid)
    # 2023 full year 420 + 2024 1–6月 200 = 620; 620 / 2000 = 31 %.
    assert r.latest_actual == pytest.approx(620.0)
    assert r.completion == pytest.approx(0.31)
    assert r.latest_period == "2024Q2"
    # compared with 序时进度 at the end of the data (2024-06-30): 18 / 60 months = 30 % -> 1 point ahead
    assert r.ahead_pp == pytest.approx(1.0)


def test_no_data_is_grey_with_a_reason(hand_db):
    db_path, tid = hand_db
    with sw.open(db_path) as db:
        st = db.status(as_of="2023-06-30")
    assert (st["status"] == "grey").all()
    assert st["reason"].str.contains("暂无数据").all()


def test_trajectory_is_cumulative_for_a_cumulative_target(hand_db):
    db_path, tid = hand_db
    with sw.open(db_path) as db:
        tr = db.trajectory(tid, as_of="2024-07-31")
    actual = tr[tr["series"] == "actual"].sort_values("date")
    # the latest vintage of 2023 (420), then 420 + 200 by mid-2024
    assert actual["value"].tolist() == pytest.approx([420.0, 620.0])
    path = tr[tr["series"] == "target_path"]
    assert path["value"].max() == pytest.approx(2000.0)
    assert tr.attrs["unit"] == "亿元"


# -- the bundled data (published + demo), built once per session ----------------------------------


def test_status_has_one_row_per_target_with_the_required_columns(db):
    st = db.status(as_of="2025-12-31")
    assert set(REQUIRED) <= set(st.columns)
    n_targets = db.sql("SELECT count(*) AS n FROM targets")["n"][0]
    assert len(st) == n_targets and st["target_id"].is_unique
    assert set(st["status"]) <= {"green", "yellow", "red", "grey"}
    assert st["reason"].map(lambda s: isinstance(s, str) and len(s) > 0).all()


def test_status_uses_only_periods_ended_by_the_report_date(db):
    st = db.status(as_of="2024-06-30")
    ended = pd.to_datetime(db.sql("SELECT period_label, max(period_end) AS e FROM actuals GROUP BY 1")
                           .set_index("period_label")["e"])
    used = st["latest_period"].dropna()
    assert not used.empty
    assert (used.map(ended) <= pd.Timestamp("2024-06-30")).all()


def test_demo_values_are_flagged(db):
    st = db.status(as_of="2025-12-31")
    with_demo = st[st["source_types"].str.contains("demo", na=False)]
    assert not with_demo.empty and with_demo["is_demo"].all()


def test_midpoint_check_for_project_1(db):
    mp = db.midpoint_check(project_no=1)
    assert (mp["project_no"] == 1).all()
    assert set(mp["check"]) == {"target_2025", "span_2027"}
    span = mp[mp["check"] == "span_2027"]
    # five-year spans 2023–2027 are checked against 60 % of the time at end-2025 (growth rates are due in full)
    non_rate = span[span["kind"] != "growth_rate"]
    assert not non_rate.empty
    assert non_rate["expected_progress"].tolist() == pytest.approx([0.6] * len(non_rate))
    t25 = mp[mp["check"] == "target_2025"]
    assert (t25["target_year"] == 2025).all() and t25["met"].notna().any()


def test_ranking_ranks_every_project_once(db):
    rk = db.ranking(as_of="2025-12-31")
    assert sorted(rk["project_no"]) == list(range(1, 11))
    assert sorted(rk["rank"]) == list(range(1, 11))
    scored = rk.dropna(subset=["score_pp"])
    assert scored["score_pp"].is_monotonic_decreasing
    # 位次变化 against the previous quarter end, judged with the same data
    prev = db.ranking(as_of="2025-09-30", known_at="2025-12-31").set_index("project_no")["rank"]
    for r in rk.itertuples():
        assert r.rank_prev == prev[r.project_no] and r.rank_change == prev[r.project_no] - r.rank


def test_ranking_by_lead_unit(db):
    rk = db.ranking(as_of="2025-12-31", by="lead_unit")
    assert "发改局" in set(rk["lead_unit"]) and rk["lead_unit"].is_unique


def test_sql_is_read_only(db):
    with pytest.raises(duckdb.Error):
        db.sql("DELETE FROM actuals")


def _cli(*args, db_path):
    import os

    return subprocess.run([sys.executable, "-m", "shiwu_lib.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "SHIWU_DB": str(db_path)}, timeout=300)


def test_cli_status_csv_and_json(built_db, db):
    r = _cli("status", "--as-of", "2025-12-31", "--format", "csv", db_path=built_db)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(io.StringIO(r.stdout))
    assert set(REQUIRED) <= set(df.columns)
    assert len(df) == len(db.status(as_of="2025-12-31"))
    r = _cli("status", "--as-of", "2025-12-31", "--format", "json", "--project", "5", db_path=built_db)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and {x["project_no"] for x in rows} == {5}


def test_cli_midpoint_and_ranking_tables(built_db):
    r = _cli("midpoint", "--project", "1", db_path=built_db)
    assert r.returncode == 0 and "2025" in r.stdout, r.stderr
    r = _cli("ranking", "--as-of", "2025-12-31", db_path=built_db)
    assert r.returncode == 0 and "rank" in r.stdout, r.stderr


def test_cli_bad_date_is_a_usage_error(built_db):
    r = _cli("status", "--as-of", "2025-13-45", db_path=built_db)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_ranking_matches_the_dashboards_rule(db):
    """db.ranking, the overview and the pack share one rule: in-play firm targets (shiwu_lib.lights)."""
    from datetime import date as _d

    from shiwu_lib import lights

    report = _d(2025, 12, 31)
    st = db.status(as_of=report)
    play = lights.firm_in_play(st, report)
    # in play at end-2025: firm targets whose window began by 2025 and whose target year is 2025 or later
    assert not play.empty and (play["target_year"] >= 2025).all() and not play["stretch"].any()
    rk = db.ranking(as_of=report)
    for r in rk.itertuples():
        mine = play[play["project_no"] == r.project_no]
        assert r.light == lights.project_light(mine["status"])
        assert r.n_targets == len(mine)


def test_rates_are_per_year_in_the_target_unit(hand_db):
    db_path, tid = hand_db
    with sw.open(db_path) as db:
        r = row(db.status(as_of="2024-07-31", project_no=1), tid)
    # 620亿 done at 序时进度 0.3 of a 5-year span: observed 620 / (0.3·5) = 413.3亿/年;
    # required (2000 − 620) / (0.7·5) = 394.3亿/年 — in 亿元, like the target
    assert r.observed_rate == pytest.approx(620 / 1.5)
    assert r.required_rate == pytest.approx(1380 / 3.5)
