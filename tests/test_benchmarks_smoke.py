"""Smoke run of benchmarks/ at the smallest size (one synthetic region, two workbooks): the generator is
deterministic and labels its data synthetic, the build and ingest benchmarks run beside their floors,
the floor query of the assessment answers, and the document writer renders the figures table.
The real measurement is `make bench` (docs/benchmarks.md), outside the test suite."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench  # noqa: E402
import generate  # noqa: E402
import run  # noqa: E402


def test_benchmarks_smoke(tmp_path, monkeypatch):
    for k in ("SHIWU_DATA_DIR", "SHIWU_DB", "SHIWU_DEMO"):
        monkeypatch.setenv(k, "")            # restored after the test (the benchmarks set them)
    work = tmp_path / "bench"
    info = generate.generate(work, n_regions=1, n_workbooks=2, workers=1)
    assert info["regions"] == 2 and info["n_workbooks"] == 2 and info["synthetic_rows"] > 10_000
    generate.generate(tmp_path / "again", n_regions=1, n_workbooks=0, workers=1)
    same = [(d / "data" / "curated" / "published_actuals.csv").read_bytes() for d in (work, tmp_path / "again")]
    assert same[0] == same[1], "the generator is not deterministic"
    # the pooled path (regions' actuals and workbooks in 2 spawned processes) writes the same bytes
    pooled = generate.generate(tmp_path / "pooled", n_regions=1, n_workbooks=2, workers=2)
    assert not pooled["reused"] and pooled["content_sha256"] == info["content_sha256"]
    for sub in ("data", "workbooks"):
        a = sorted(p.relative_to(work) for p in (work / sub).rglob("*") if p.is_file())
        b = sorted(p.relative_to(tmp_path / "pooled") for p in (tmp_path / "pooled" / sub).rglob("*") if p.is_file())
        assert a == b and all((work / f).read_bytes() == (tmp_path / "pooled" / f).read_bytes() for f in a), sub
    assert generate.generate(work, n_regions=1, n_workbooks=2, workers=1)["reused"]
    assert "合成数据" in (work / "README.md").read_text(encoding="utf-8")
    pub = pd.read_csv(work / "data" / "curated" / "published_actuals.csv", dtype=str, keep_default_na=False)
    syn = pub[pub["region"] == "合成县01"]
    assert len(syn) == info["synthetic_rows"]
    assert syn["source_title"].str.startswith(generate.LABEL).all() and (syn["source_kind"] == "synthetic").all()
    assert set(syn["freq"]) == {"M", "Q", "Y"}
    assert syn.duplicated(["indicator_id", "period_label"]).any(), "no revisions (vintages)"
    assert not (ROOT / "data" / "curated" / "plans" / "synthetic_001.toml").exists()

    args = argparse.Namespace(sample=1, workbooks=2, reps=1, levels="1", smoke=True)
    b = bench.bench_build(work, args)
    assert b["rows"]["actuals"] >= info["synthetic_rows"] and b["floor_read_csv_s"] > 0
    assert {"published", "assessment"} <= set(b["steps_s"]) and b["ratio_vs_read_csv"] > 0

    con = __import__("duckdb").connect(str(bench.store_path(work)), read_only=True)
    try:
        floor = con.execute(bench.FLOOR_SQL, {"d": bench.REPORT_DATE, "k": bench.REPORT_DATE}).df()
    finally:
        con.close()
    assert set(floor["region"]) == {"义乌", "合成县01"} and len(floor) == 20

    i = bench.bench_ingest(work, args)
    assert i["workbooks"] == 2 and i["accepted"] == 2, i.get("first_rejection")
    assert i["read_openpyxl_sample_workbooks"] == 1 and i["read_openpyxl_sample"] == "measured on 1 of the 2, ×2"
    assert not (work / "ingest-data").exists()

    meta = {"machine": bench.machine(), "load_before": [0, 0, 0], "load_after": [0, 0, 0], "finished_at": "now",
            "generate": info, "params": info["params"], "wall_s": 60.0, "part_wall_s": {"generate": 2.0, "build": 1.0}}
    doc = tmp_path / "benchmarks.md"
    run.write_doc({"build": b, "ingest": i}, doc, meta)
    text = doc.read_text(encoding="utf-8")
    assert "| (a) store build" in text and "| (c) ingest of 2 workbooks" in text
    assert "(measured on 1 of the 2, ×2:" in text
    assert "The whole run took 1.0 min (generate 2 s (the province regenerated" in text and "; build 1 s)" in text
