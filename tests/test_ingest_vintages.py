"""Re-ingesting the same file is a no-op; a corrected workbook adds vintages; as_of sees the old value."""
from __future__ import annotations

import datetime as dt
import json

from returns_helpers import build_store, connect, fill, make_data_dir, set_env, tree_hash

PERIOD = "2025Q2"
NAME = f"扩投资_{PERIOD}.xlsx"


def test_vintages(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    from shiwu_lib import paths
    from shiwu_lib.returns.archive import archived
    from shiwu_lib.returns.intake import ingest_files
    from shiwu_lib.returns.template import write_template

    build_store(demo=False)
    blank = write_template(1, PERIOD, tmp_path / "blank.xlsx", problems=[])
    first = fill(blank, tmp_path / "v1" / NAME, PERIOD, ind={"p01_fai": {"actual": 250}, "p01_fai_growth": {"actual": 12.5}},
                 tasks={"p01-t01": {"status": "推进中", "progress_pct": 50}})
    t1, t2 = dt.datetime(2025, 7, 8, 9, 0), dt.datetime(2025, 7, 20, 16, 30)

    # dry run: valid, nothing changes
    before = tree_hash(data, paths.db_path())
    rep = ingest_files([first], dry_run=True, today=dt.date(2025, 7, 8))
    assert rep.exit_code == 0 and rep.results[0].status == "valid (dry run)"
    assert tree_hash(data, paths.db_path()) == before

    rep = ingest_files([first], received_at=t1, today=dt.date(2025, 7, 8))
    assert rep.exit_code == 0 and rep.results[0].status == "accepted", rep.lines()
    sha1 = rep.results[0].sha256
    archived_x = paths.returns_dir() / f"{sha1}.xlsx"
    assert archived_x.read_bytes() == first.read_bytes()          # archived as received
    side = json.loads(archived_x.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["original_file_name"] == NAME and side["project_no"] == 1 and side["period_label"] == PERIOD
    assert side["region"] == "义乌" and side["received_at"] == "2025-07-08T09:00:00"
    assert side["rows"] == {"actuals": 2, "task_progress": 1, "problems": 0}

    # the same file again (even under another name): a no-op
    again = tmp_path / "again" / "copy.xlsx"
    again.parent.mkdir()
    again.write_bytes(first.read_bytes())
    before = tree_hash(data, paths.db_path())
    rep = ingest_files([first, again], received_at=t2, today=dt.date(2025, 7, 20))
    assert [r.status for r in rep.results] == ["already ingested", "already ingested"] and rep.exit_code == 0
    assert "was ingested before" in rep.lines()[0]
    assert tree_hash(data, paths.db_path()) == before

    # a corrected workbook for the same period: new vintages, the old ones stay
    corrected = fill(blank, tmp_path / "v2" / NAME, PERIOD, ind={"p01_fai": {"actual": 262.4}, "p01_fai_growth": {"actual": 12.5}},
                     tasks={"p01-t01": {"status": "推进中", "progress_pct": 55}})
    rep = ingest_files([corrected], received_at=t2, today=dt.date(2025, 7, 20))
    assert rep.results[0].status == "accepted"
    assert [m["received_at"] for m in archived()] == ["2025-07-08T09:00:00", "2025-07-20T16:30:00"]

    con = connect()
    try:
        q = "SELECT value, reported_at FROM {} WHERE indicator_id = 'p01_fai' AND period_label = '2025Q2' ORDER BY reported_at"
        assert con.execute(q.format("actuals")).fetchall() == [(250.0, t1), (262.4, t2)]
        assert con.execute(q.format("latest_actuals")).fetchall() == [(262.4, t2)]
        assert con.execute(q.format("actuals_as_of('2025-07-10')")).fetchall() == [(250.0, t1)]
        assert con.execute(q.format("actuals_as_of('2025-07-25')")).fetchall() == [(262.4, t2)]
        assert con.execute(q.format("actuals_as_of('2025-06-30')")).fetchall() == []
        subs = con.execute("SELECT file_name, received_at, n_rows FROM submissions WHERE source_type = 'return' ORDER BY received_at").fetchall()
        assert subs == [(NAME, t1, 3), (NAME, t2, 3)]
        assert con.execute("SELECT progress_pct FROM latest_task_progress WHERE task_id = 'p01-t01'").fetchone() == (55.0,)
    finally:
        con.close()

    # the store is rebuilt from data/: a fresh build gives the same rows
    build_store(demo=False)
    con = connect()
    try:
        assert con.execute("SELECT count(*) FROM actuals WHERE source_type = 'return'").fetchone()[0] == 4
    finally:
        con.close()
