"""The store: atomic build-and-rename, deterministic content, region on every table, read-only opens."""
from __future__ import annotations

import hashlib
import threading
import time

import duckdb
import pytest

from shiwu_lib import build, store


def table_dump(db) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()


@pytest.fixture
def nodemo_db(tmp_path):
    return build.run(tmp_path / "s.duckdb", demo=False)


def test_build_is_deterministic(tmp_path, nodemo_db):
    again = build.run(tmp_path / "again.duckdb", demo=False)
    a, b = table_dump(nodemo_db), table_dump(again)
    assert a.keys() == b.keys()
    for table in a:
        assert a[table] == b[table], f"table {table} differs between two builds of the same inputs"


def test_build_leaves_no_staging_files(tmp_path, nodemo_db):
    # the writer lock file (<db>.lock, git-ignored) stays beside the store by design; nothing else may
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("s.duckdb", "s.duckdb.lock")]
    assert leftovers == [], leftovers


def test_every_table_has_a_region(nodemo_db):
    con = duckdb.connect(str(nodemo_db), read_only=True)
    rows = con.execute("""
        SELECT t.table_name, bool_or(c.column_name = 'region')
        FROM information_schema.tables t JOIN information_schema.columns c USING (table_name)
        WHERE t.table_type = 'BASE TABLE' AND t.table_name <> 'build_info' GROUP BY 1""").fetchall()
    con.close()
    missing = [t for t, has in rows if not has]
    assert rows and not missing, f"tables without a region column: {missing}"


def test_plan_tables_default_to_yiwu(nodemo_db):
    con = duckdb.connect(str(nodemo_db), read_only=True)
    regions = con.execute("SELECT DISTINCT region FROM targets UNION SELECT DISTINCT region FROM projects").fetchall()
    con.close()
    assert regions == [("义乌",)]


def test_default_connection_is_read_only(nodemo_db):
    con = store.connect(nodemo_db)
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DELETE FROM targets")
    con.close()


def test_units_table_lists_lead_and_responsible_units(nodemo_db):
    con = duckdb.connect(str(nodemo_db), read_only=True)
    lead = con.execute("SELECT project_no FROM units WHERE unit_name = '发改局' AND role = 'lead' ORDER BY 1").fetchall()
    served = con.execute("SELECT count(DISTINCT project_no) FROM units WHERE unit_name = '财政局' AND role = 'responsible'").fetchone()[0]
    con.close()
    # the plan: 发改局 leads 一, 四 and 九; 财政局 is a responsible unit of most projects
    assert [r[0] for r in lead] == [1, 4, 9]
    assert served >= 5


def test_failed_build_keeps_the_old_file(tmp_path, nodemo_db, monkeypatch):
    before = hashlib.sha256(nodemo_db.read_bytes()).hexdigest()
    from shiwu_lib.returns import published

    def broken(con):
        raise RuntimeError("simulated failure half-way through a build")

    monkeypatch.setattr(published, "load", broken)
    with pytest.raises(RuntimeError, match="half-way"):
        build.run(nodemo_db, demo=False)
    assert hashlib.sha256(nodemo_db.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir() if p.name != "s.duckdb.lock"] == ["s.duckdb"]


def test_rebuild_under_concurrent_readers(tmp_path, nodemo_db):
    """Readers keep reading while the file is replaced; nobody sees an error or a half-built file."""
    n_targets = duckdb.connect(str(nodemo_db), read_only=True).execute("SELECT count(*) FROM targets").fetchone()[0]
    errors: list[str] = []
    counts: list[int] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                con = store.connect(nodemo_db)
                counts.append(con.execute("SELECT count(*) FROM targets").fetchone()[0])
                con.close()
            except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                errors.append(repr(exc))
            time.sleep(0.01)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for _ in range(2):
        build.run(nodemo_db, demo=False)
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert counts and set(counts) == {n_targets}


def test_demo_can_be_turned_off_by_env(monkeypatch):
    monkeypatch.setenv("SHIWU_DEMO", "0")
    assert store.demo_enabled() is False
    monkeypatch.setenv("SHIWU_DEMO", "1")
    assert store.demo_enabled() is True
    assert store.demo_enabled(False) is False
