"""The assessment is computed once, at build time, and every reader gets the same rows.

* out_target_status equals the engine's assessment for every stored quarter end (all columns);
* db.status / ranking / midpoint_check / project_status read the stored rows for the default vintage
  and rules, and compute the same numbers for any other request;
* every table, view and column of the store has a comment; docs/data-dictionary.md is current;
* a broken curated table fails the build with one line and leaves the old store byte-identical;
* a second, fictitious region builds from a plan description and curated rows alone;
* the package has no import cycle and no module imports another's private names.
"""
from __future__ import annotations

import ast
import hashlib
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

import shiwu_lib as sw
from shiwu_lib import assessment, build, metadata

ROOT = Path(__file__).resolve().parents[1]


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    return a == b


def _frames_equal(stored: pd.DataFrame, computed: pd.DataFrame, key: str) -> list[str]:
    s, c = stored.set_index(key), computed.set_index(key)
    problems = []
    if set(s.index) != set(c.index):
        return [f"rows differ: {sorted(set(s.index) ^ set(c.index))[:5]}"]
    for col in c.columns:
        for k in c.index:
            if not _same(s.at[k, col], c.at[k, col]):
                problems.append(f"{k}.{col}: stored {s.at[k, col]!r} != computed {c.at[k, col]!r}")
                break
    return problems


def test_stored_status_equals_the_engine_for_every_quarter(db):
    known = db.latest_known_at()
    dates = db.report_dates()
    stored_dates = set(db.sql("SELECT DISTINCT report_date FROM out_target_status")["report_date"].dt.date)
    assert stored_dates == set(dates) and len(dates) >= 12
    fresh = assessment.Assessor(db.con, db.region, db.rules, stored_memory=False)  # a cold engine: nothing read from the stored rows
    for d in dates:
        stored = db.status(as_of=d)
        assert db._stored(d, known)
        problems = _frames_equal(stored, fresh.status(d, known), "target_id")
        assert not problems, (d, problems[:3])


def test_ranking_midpoint_and_projects_read_the_same_numbers(db):
    known = db.latest_known_at()
    fresh = assessment.Assessor(db.con, db.region, db.rules, stored_memory=False)
    for d in db.report_dates()[-3:]:
        for by, key in (("project", "project_no"), ("lead_unit", "lead_unit")):
            assert not _frames_equal(db.ranking(as_of=d, by=by), fresh.ranking(d, known, by), key)
        st = fresh.status(d, known)
        ps = db.project_status(as_of=d).set_index("project_no")
        rk = fresh.ranking(d, known, "project").set_index("project_no")
        assert ps["rank"].to_dict() == rk["rank"].to_dict() and ps["light"].to_dict() == rk["light"].to_dict()
        assert ps["n_in_play"].sum() == len(sw.lights.firm_in_play(st, d))
    mp = db.midpoint_check()
    mc = fresh.midpoint(known)
    assert not _frames_equal(mp.assign(k=mp["target_id"] + mp["check"]), mc.assign(k=mc["target_id"] + mc["check"]), "k")


def test_no_stored_sentence_shows_a_missing_number(db):
    """Every reason and method sentence of every stored quarter reads as Chinese text: a missing
    number never prints as nan / None / inf (a 2025 target met whose completion is undefined once
    printed 已完成目标（完成nan%）)."""
    n = db.sql("SELECT count(*) AS n FROM out_target_status")["n"].iloc[0]
    assert n > 1000
    bad = db.sql(
        "SELECT target_id, report_date, reason, method FROM out_target_status "
        "WHERE regexp_matches(coalesce(reason, '') || ' ' || coalesce(method, ''), '(?i)nan|none|inf')")
    assert bad.empty, bad.head(5).to_dict("records")


def test_other_vintages_and_rules_are_computed(db, tmp_path):
    d = db.report_dates()[-2]
    assert not db._stored(d, d)                      # judged with what was known at the report date
    then = db.status(as_of=d, known_at=d)
    assert (then["known_at"] == d).all()
    rules = tmp_path / "strict.toml"
    rules.write_text("[lights]\ngreen_min_ahead_pp = 0.0\nyellow_min_ahead_pp = -2.0\n", encoding="utf-8")
    strict = sw.open(db.path)
    strict.set_rules(rules)
    try:
        assert not strict._stored(d, strict.latest_known_at())
        a, b = db.status(as_of=d), strict.status(as_of=d)
        assert (b["status"] == "green").sum() <= (a["status"] == "green").sum()
        assert (b["status"] != a["status"]).any()
        with sw.open(db.path, rules=rules) as again:
            assert again.status(as_of=d)["status"].tolist() == b["status"].tolist()
    finally:
        strict.close()


def test_every_table_view_and_column_has_a_comment(db):
    tables = db.sql("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'")
    views = db.sql("SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal")
    cols = db.sql("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal")
    assert {"out_target_status", "out_project_status", "out_ranking", "out_midpoint"} <= set(tables["table_name"])
    for df in (tables, views, cols):
        assert df["comment"].notna().all() and (df["comment"].str.len() > 3).all(), df[df["comment"].isna()].head()
    c = cols.set_index(["table_name", "column_name"])["comment"]
    assert "序时" in c[("out_target_status", "time_progress")]


def test_data_dictionary_is_current():
    assert metadata.main(["--check"]) == 0, "run: python -m shiwu_lib.metadata --write"


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "curated", data / "curated")
    shutil.copytree(ROOT / "data" / "raw" / "plan", data / "raw" / "plan")
    (data / "raw" / "returns").mkdir(parents=True)
    return data


def test_a_broken_curated_table_fails_the_build_and_keeps_the_old_store(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    monkeypatch.setenv("SHIWU_DATA_DIR", str(data))
    db_path = tmp_path / "s.duckdb"
    build.run(db_path, demo=False)
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    t = pd.read_csv(data / "curated" / "targets.csv", dtype=str, keep_default_na=False)
    t.loc[0, "quote"] = "这句话不在方案里"
    t.to_csv(data / "curated" / "targets.csv", index=False)
    env = {"SHIWU_DATA_DIR": str(data), "SHIWU_DB": str(db_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "shiwu_lib.cli", "build", "--no-demo"], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 1, r.stderr
    lines = [x for x in r.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "quote not in plan" in lines[0] and t.loc[0, "target_id"] in lines[0] and "unchanged" in lines[0]
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    assert not list(tmp_path.glob("s.duckdb.building-*"))


def test_a_second_region_needs_only_a_description_and_its_rows(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    cur = data / "curated"
    plan_text = (cur / "plans" / "yiwu.toml").read_text(encoding="utf-8")
    (cur / "plans" / "test_county.toml").write_text(
        plan_text.replace('region = "义乌"', 'region = "示例县"').replace("default = true", "default = false"),
        encoding="utf-8")
    # the county is a copy of 义乌's plan tables under its own name (same plan text, same targets)
    for name in ("projects.csv", "indicators.csv", "context_indicators.csv", "targets.csv", "key_tasks.csv"):
        df = pd.read_csv(cur / name, dtype=str, keep_default_na=False)
        pd.concat([df, df.assign(region="示例县")]).to_csv(cur / name, index=False)
    monkeypatch.setenv("SHIWU_DATA_DIR", str(data))
    db_path = build.run(tmp_path / "two.duckdb", demo=False)
    with sw.open(db_path, region="示例县") as county, sw.open(db_path) as yiwu:
        assert county.plan.region == "示例县" and yiwu.region == "义乌"
        st = county.status(as_of="2025Q4")
        assert len(st) == len(yiwu.targets()) and (st["status"] == "grey").all()   # no actual values yet
        assert county._stored(county.plan.first_report_date, county.latest_known_at())   # read, not computed
        regions = set(county.sql("SELECT DISTINCT region FROM out_target_status")["region"])
        assert regions == {"义乌", "示例县"}
        assert len(county.ranking(as_of="2025Q4")) == 10
        assert county.status(as_of="2025Q4")["report_date"].iloc[0].isoformat() == "2025-12-31"


def _module_imports():
    pkg = ROOT / "shiwu_lib"
    mods = {}
    for f in pkg.rglob("*.py"):
        name = ".".join(f.with_suffix("").relative_to(ROOT).parts)
        mods[name[:-9] if name.endswith(".__init__") else name] = f
    edges, private = {}, []
    for m, f in mods.items():
        pkg_name = m if f.name == "__init__.py" else m.rsplit(".", 1)[0]
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in tree.body:     # module level: what importing the module imports
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg_name.split(".")[: len(pkg_name.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                for a in node.names:
                    dep = f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target
                    if dep in mods and dep != m:
                        edges.setdefault(m, set()).add(dep)
        for node in ast.walk(tree):  # anywhere: private names of another module
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg_name.split(".")[: len(pkg_name.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                private += [(m, target, a.name) for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__") and target != m]
    return mods, edges, private


def test_no_import_cycles_and_no_private_imports():
    mods, edges, private = _module_imports()
    assert not private, f"modules import another module's private names: {private}"
    seen, stack = set(), []

    def visit(m):
        if m in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
        if m in seen:
            return
        stack.append(m)
        for d in sorted(edges.get(m, ())):
            visit(d)
        stack.pop()
        seen.add(m)

    for m in sorted(mods):
        visit(m)


def test_no_sql_in_dashboard_and_pack_modules():
    for f in [ROOT / "shiwu_lib" / "views.py", ROOT / "shiwu_lib" / "publish.py", ROOT / "shiwu_lib" / "charts.py",
              *sorted((ROOT / "shiwu_lib").glob("pack*.py")), *sorted((ROOT / "shiwu_lib" / "pack").glob("*.py")),
              *sorted((ROOT / "shiwu_lib" / "dashboards").glob("*.py")), *sorted((ROOT / "shiwu_lib" / "report").glob("*.py"))]:
        if not f.exists():
            continue
        text = f.read_text(encoding="utf-8")
        for needle in ("db.sql(", "db.con", ".execute(", "SELECT "):
            assert needle not in text, f"{f.relative_to(ROOT)} contains {needle!r}"
