"""The demo generator: deterministic, labelled, complete, consistent with published values."""
from __future__ import annotations

import pandas as pd

from returns_helpers import add_published, build_store, connect, make_data_dir, set_env

UNTIL = "2023Q3"   # short, to keep the test fast (and it overlaps published 1-9月 values); the full range is the same code


def _records(items):
    acts = pd.concat([p.actuals.assign(sub=s["submission_id"], at=s["received_at"]) for s, p in items], ignore_index=True)
    tasks = pd.concat([p.task_progress for _, p in items], ignore_index=True)
    probs = pd.concat([p.problems for _, p in items], ignore_index=True)
    return acts, tasks, probs


def test_demo(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data, demo=True)
    add_published(data, "p01_fai", "2022", 1021.6, "亿元")   # hypothetical: the demo must not invent another base
    monkeypatch.setenv("SHIWU_DEMO_UNTIL", UNTIL)
    from shiwu_lib.returns import common, demo

    run1 = demo.generate()                                   # into data/demo (the build reuses it)
    run2 = demo.generate(cache_dir=tmp_path / "other-cache", workers=1)  # from scratch, serially
    assert [s["submission_id"] for s, _ in run1] == [s["submission_id"] for s, _ in run2]  # byte-identical workbooks
    for a, b in zip(_records(run1), _records(run2)):
        pd.testing.assert_frame_equal(a, b)
    assert (data / "demo").is_dir()

    # pace factors: deterministic, 0.8–1.2, some projects ahead and some behind
    paces = [demo.pace_factor(n) for n in range(1, 11)]
    assert all(0.8 <= p <= 1.2 for p in paces) and min(paces) < 1 < max(paces)

    build_store(demo=True)
    con = connect()
    try:
        assert con.execute("SELECT count(*) FROM actuals WHERE source_type = 'demo'").fetchone()[0] > 50
        bad = con.execute("""SELECT count(*) FROM actuals a JOIN submissions s USING (submission_id)
                             WHERE s.source_type = 'demo' AND (a.source_type <> 'demo' OR s.title <> ?)""",
                          [demo.TITLE.format(seed=demo.SEED)]).fetchone()[0]
        assert bad == 0
        for table in ("task_progress", "problems"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE source_type <> 'demo'").fetchone()[0] == 0
        cover = set(con.execute("SELECT project_no, period_label, sheet FROM return_sheets").fetchall())
        want = {(n, q, s) for n in range(1, 11) for q in common.quarter_range("2023Q1", UNTIL)
                for s in ("主要指标进度表", "重点任务进度表", "问题销号进度表")}
        assert cover == want
        # consistent with published values where both exist (a full-year value is the Q4 value)
        pub = con.execute("""
            SELECT d.indicator_id, d.period_label, d.value, d.unit, p.value_base, d.value_base
            FROM actuals d JOIN actuals p
              ON p.indicator_id = d.indicator_id AND p.source_type = 'published' AND p.freq IN ('Q', 'Y')
             AND (p.period_label = d.period_label OR (p.freq = 'Y' AND d.period_label = p.period_label || 'Q4'))
            WHERE d.source_type = 'demo'""").fetchall()
        assert pub, "no overlap between demo and published values to check"
        for ind, per, v, unit, pub_base, demo_base in pub:
            assert abs(pub_base - demo_base) <= 1e-9 * abs(pub_base), (ind, per, v, unit)
        # a few problems were opened, and problems carry over with stable ids
        assert con.execute("SELECT count(DISTINCT problem_id) FROM problems").fetchone()[0] >= 3

        # 基期值（2022年）: a 2022 actual for (nearly) every non-rate indicator with a target, labelled demo,
        # stored once (filled in 2023Q1, pre-filled unchanged afterwards)
        want = {r[0] for r in con.execute("""
            SELECT DISTINCT i.indicator_id FROM indicators i JOIN targets t USING (indicator_id)
            WHERE i.measure <> 'rate' AND coalesce(i.unit, '') <> ''""").fetchall()}
        base = con.execute("""SELECT indicator_id, source_type, freq, year, period_start, period_end, ytd, submission_id
                              FROM actuals WHERE period_label = '2022'""").df()
        demo_b = base[base["source_type"] == "demo"]
        have = set(base["indicator_id"])
        assert len(want & have) >= 0.95 * len(want), sorted(want - have)
        assert not demo_b["indicator_id"].duplicated().any()
        assert set(demo_b["freq"]) == {"Y"} and set(demo_b["year"]) == {2022}
        assert {str(d)[:10] for d in demo_b["period_start"]} == {"2022-01-01"}
        assert {str(d)[:10] for d in demo_b["period_end"]} == {"2022-12-31"}
        q1 = {r[0] for r in con.execute("SELECT submission_id FROM submissions WHERE period_label = '2023Q1' AND source_type = 'demo'").fetchall()}
        assert set(demo_b["submission_id"]) <= q1
        rates = {r[0] for r in con.execute("SELECT indicator_id FROM indicators WHERE measure = 'rate'").fetchall()}
        assert not (set(demo_b["indicator_id"]) & rates)
        # published 2022 values win: the demo writes no base of its own where one is published
        # (固定资产投资 2022 = 1021.6 亿元 was added to the published list above)
        pub = set(base[base["source_type"] == "published"]["indicator_id"])
        assert "p01_fai" in pub and not (pub & set(demo_b["indicator_id"]))
        assert con.execute("""SELECT value, source_type FROM latest_actuals
                              WHERE indicator_id = 'p01_fai' AND period_label = '2022'""").fetchone() == (1021.6, "published")
    finally:
        con.close()


def test_a_real_return_replaces_its_demo_twin(tmp_path, monkeypatch):
    """A department's workbook for (project 1, 2023Q2) is loaded; the demo workbook of that pair is not,
    so the demo can neither hide nor outdate the real values; other pairs keep their demo rows."""
    import datetime as dt

    from returns_helpers import fill

    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data, demo=True)
    monkeypatch.setenv("SHIWU_DEMO_UNTIL", UNTIL)
    from shiwu_lib.returns.intake import ingest_files
    from shiwu_lib.returns.template import write_template

    period = "2023Q2"
    build_store(demo=True)
    blank = write_template(1, period, tmp_path / "blank.xlsx", problems=[])
    real = fill(blank, tmp_path / "in" / f"扩投资_{period}.xlsx", period, ind={"p01_fai": {"actual": 333.3}})
    # received long before the demo's own simulated date for the same quarter would be
    rep = ingest_files([real], received_at=dt.datetime(2023, 7, 1, 9, 0), today=dt.date(2023, 7, 1))
    assert rep.exit_code == 0, rep.lines()
    con = connect()
    try:
        kinds = con.execute("""SELECT DISTINCT source_type FROM submissions
                               WHERE project_no = 1 AND period_label = ?""", [period]).fetchall()
        assert kinds == [("return",)]
        assert con.execute("""SELECT value, source_type FROM latest_actuals
                              WHERE indicator_id = 'p01_fai' AND period_label = ?""", [period]).fetchall() == [(333.3, "return")]
        sheets = con.execute("""SELECT DISTINCT s.source_type FROM return_sheets r JOIN submissions s USING (submission_id)
                                WHERE r.project_no = 1 AND r.period_label = ?""", [period]).fetchall()
        assert sheets == [("return",)]
        # every other (project, quarter) still has its demo workbook
        demo_pairs = set(con.execute("SELECT project_no, period_label FROM submissions WHERE source_type = 'demo'").fetchall())
        assert (1, "2023Q1") in demo_pairs and (1, "2023Q3") in demo_pairs and (2, period) in demo_pairs
        assert (1, period) not in demo_pairs
    finally:
        con.close()
