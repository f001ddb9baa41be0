"""催报: which projects have not returned which tables, with deadlines and days overdue."""
from __future__ import annotations

import argparse
import datetime as dt
import json

from returns_helpers import build_store, connect, fill, make_data_dir, set_env

PERIOD = "2025Q2"


def test_missing_returns(tmp_path, monkeypatch, capsys):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    from shiwu_lib.returns.intake import ingest_files
    from shiwu_lib.returns.cli import cli_missing
    from shiwu_lib.returns.missing import missing_returns
    from shiwu_lib.returns.template import write_template

    build_store(demo=False)
    con = connect()
    try:
        before = missing_returns(con, PERIOD, today=dt.date(2025, 7, 5))
    finally:
        con.close()
    assert len(before) == 30 and set(before["status"]) == {"未到期"} and set(before["days_overdue"]) == {0}
    assert set(before["deadline"]) == {dt.date(2025, 7, 10)}

    # project 1 returns indicators and problems, but no task rows
    blank = write_template(1, PERIOD, tmp_path / "blank.xlsx", problems=[])
    f = fill(blank, tmp_path / "in" / f"扩投资_{PERIOD}.xlsx", PERIOD, ind={"p01_fai_growth": {"actual": 12.5}})
    assert ingest_files([f], received_at=dt.datetime(2025, 7, 9, 9), today=dt.date(2025, 7, 9)).exit_code == 0
    con = connect()
    try:
        df = missing_returns(con, PERIOD, today=dt.date(2025, 7, 20))
    finally:
        con.close()
    assert len(df) == 28
    p1 = df[df["project_no"] == 1]
    assert list(p1["sheet"]) == ["重点任务进度表"] and p1["lead_unit"].iloc[0] == "发改局"
    assert set(df["days_overdue"]) == {10} and set(df["status"]) == {"逾期未报"}
    assert set(df["project_no"]) == set(range(1, 11))

    args = argparse.Namespace(period=PERIOD, format="json", out=None, db=None)
    assert cli_missing(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 28 and out[0]["period_label"] == PERIOD
    args = argparse.Namespace(period=PERIOD, format="table", out=str(tmp_path / "m.txt"), db=None)
    assert cli_missing(args) == 0
    assert "未报送 (28)" in (tmp_path / "m.txt").read_text(encoding="utf-8")
