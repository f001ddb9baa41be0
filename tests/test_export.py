"""The researchers' data package (`db.export` / `shiwu export`): written, then read back as a stranger would."""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

import shiwu_lib as sw
from shiwu_lib import api, export, metadata
from shiwu_lib.errors import InputError

RESOURCES = {"projects", "units", "indicators", "targets", "actuals", "assessment"}
TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "array", "any"}

# A JSON Schema for the descriptor: the parts of the Frictionless tabular-data-package profile we use,
# plus what this suite promises (every field has a type, a unit key and a description).
DESCRIPTOR_SCHEMA = {
    "type": "object",
    "required": ["profile", "name", "title", "sources", "resources"],
    "properties": {
        "profile": {"const": "tabular-data-package"},
        "name": {"type": "string", "pattern": "^[a-z0-9._-]+$"},
        "title": {"type": "string", "minLength": 1},
        "sources": {"type": "array", "minItems": 2,
                    "items": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}}},
        "resources": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["name", "path", "format", "encoding", "schema", "bytes", "hash", "parquet"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9._-]+$"},
                "path": {"type": "string"},
                "format": {"const": "csv"},
                "encoding": {"const": "utf-8-sig"},
                "hash": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                "parquet": {"type": "object", "required": ["path", "bytes", "hash"]},
                "schema": {"type": "object", "required": ["fields"], "properties": {
                    "fields": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["name", "type", "unit", "description"],
                        "properties": {"name": {"type": "string"}, "type": {"enum": sorted(TYPES)},
                                       "unit": {"type": ["string", "null"]},
                                       "description": {"type": "string", "minLength": 3}}}},
                    "primaryKey": {"type": "array", "items": {"type": "string"}}}},
            }}},
    },
}


@pytest.fixture(scope="module")
def package(built_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg")
    with sw.open(built_db) as db:
        path = db.export(out, as_of="2025Q4")
        known = db.latest_known_at()
        status = db.status(as_of="2025Q4")
        n_actuals = int(db.sql("SELECT count(*) FROM actuals WHERE region = ? AND CAST(reported_at AS DATE) <= ?",
                               [db.region, known]).iloc[0, 0])
    return path, json.loads(path.read_text(encoding="utf-8")), status, n_actuals, known


def _res(desc: dict, name: str) -> dict:
    return next(r for r in desc["resources"] if r["name"] == name)


def test_descriptor_is_a_tabular_data_package(package):
    path, desc, *_ = package
    jsonschema.validate(desc, DESCRIPTOR_SCHEMA)
    assert {r["name"] for r in desc["resources"]} == RESOURCES
    assert "十项重大工程" in desc["title"] and "2025Q4" in desc["title"]
    assert desc["shiwu"]["report_date"] == "2025-12-31"
    assert any(s.get("path", "").startswith("http") for s in desc["sources"]), "published sources listed with addresses"
    for r in desc["resources"]:
        names = [f["name"] for f in r["schema"]["fields"]]
        assert len(names) == len(set(names)), f"{r['name']}: duplicate field names"
        assert set(r["schema"].get("primaryKey", [])) <= set(names)
        for fk in r["schema"].get("foreignKeys", []):
            assert fk["fields"] in names and fk["reference"]["resource"] in RESOURCES


def test_every_resource_path_exists_with_its_size_and_hash(package):
    path, desc, *_ = package
    for r in desc["resources"]:
        for part in (r, r["parquet"]):
            f = path.parent / part["path"]
            assert f.is_file(), f"{r['name']}: {part['path']} missing"
            data = f.read_bytes()
            assert part["bytes"] == len(data)
            assert part["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()


def test_csv_is_utf8_with_bom_and_every_column_is_a_declared_field(package):
    path, desc, *_ = package
    for r in desc["resources"]:
        raw = (path.parent / r["path"]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f"{r['path']}: no BOM (Chinese Excel would garble it)"
        header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        fields = [f["name"] for f in r["schema"]["fields"]]
        assert header == fields, f"{r['path']}: CSV columns differ from the declared fields"
        df = pd.read_csv(path.parent / r["path"], encoding="utf-8-sig", keep_default_na=False, na_values=[""])
        assert len(df) == r["rows"]
        pq = pd.read_parquet(path.parent / r["parquet"]["path"])
        assert list(pq.columns) == fields and len(pq) == r["rows"]
        pk = r["schema"].get("primaryKey")
        if pk:
            assert not pq.duplicated(pk).any(), f"{r['name']}: primary key {pk} not unique"


def test_values_parse_as_their_declared_types(package):
    path, desc, *_ = package
    for r in desc["resources"]:
        df = pd.read_csv(path.parent / r["path"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for f in r["schema"]["fields"]:
            vals = [v for v in df[f["name"]] if v != ""]
            if not vals:
                continue
            if f["type"] == "integer":
                [int(v) for v in vals]
            elif f["type"] == "number":
                [float(v) for v in vals]
            elif f["type"] == "boolean":
                assert set(vals) <= {"true", "false"}, (r["name"], f["name"], set(vals))
            elif f["type"] == "date":
                [date.fromisoformat(v) for v in vals]
            elif f["type"] == "datetime":
                [pd.Timestamp(v) for v in vals]
            elif f["type"] == "array":
                assert all(isinstance(json.loads(v), list) for v in vals)


def test_foreign_keys_resolve(package):
    path, desc, *_ = package
    frames = {r["name"]: pd.read_parquet(path.parent / r["parquet"]["path"]) for r in desc["resources"]}
    for r in desc["resources"]:
        for fk in r["schema"].get("foreignKeys", []):
            have = set(frames[fk["reference"]["resource"]][fk["reference"]["fields"]].dropna())
            want = set(frames[r["name"]][fk["fields"]].dropna())
            assert want <= have, f"{r['name']}.{fk['fields']}: {sorted(want - have)[:5]} not in {fk['reference']}"


def test_descriptions_come_from_metadata_toml(package):
    path, desc, *_ = package
    t = metadata.tables()
    fields = {(r["name"], f["name"]): f for r in desc["resources"] for f in r["schema"]["fields"]}
    assert fields[("targets", "quote")]["description"] == t["targets"].column("quote").description
    assert fields[("assessment", "escap_class")]["description"] == t["out_target_status"].column("escap_class").description
    assert fields[("actuals", "source_grade")]["description"] == t["actuals_with_source"].column("source_grade").description
    assert fields[("assessment", "ahead_pp")]["unit"] == "percentage points"
    assert fields[("actuals", "value")]["unit"] == "row: unit"
    assert fields[("targets", "target_id")]["unit"] is None


def test_actuals_hold_every_vintage_sources_and_flags(package):
    path, desc, _, n_actuals, _ = package
    a = pd.read_parquet(path.parent / "actuals.parquet")
    assert len(a) == n_actuals, "every vintage known at known_at"
    assert (~a["is_latest"]).any(), "revisions (older vintages) are kept, marked is_latest = false"
    assert a.groupby(["indicator_id", "period_label"])["is_latest"].sum().eq(1).all()
    assert a["is_demo"].equals(a["source_type"].eq("demo"))
    pub = a[a["source_type"] == "published"]
    assert pub["source_title"].notna().all() and pub["source_address"].notna().all() and pub["source_grade"].notna().all()
    # the quality flags that sat in the free-text note are columns
    note = a["note"].fillna("")
    assert a["lower_bound"].equals(note.str.contains("下限值")) and a["lower_bound"].any()
    assert a.loc[a["date_estimated"], "note"].str.contains("发布日期为估计值").all() and a["date_estimated"].any()
    assert a["repost"].any() and (a.loc[a["repost"], "source_grade"].eq("repost") | note[a["repost"]].str.contains("第三方转载")).all()
    assert a["derived"].any() and a.loc[a["derived"], "derivation"].notna().all()


def test_assessment_is_the_status_of_the_report_date(package):
    path, desc, status, *_ = package
    s = pd.read_parquet(path.parent / "assessment.parquet")
    assert len(s) == len(status)
    assert list(s.columns) == ["region"] + list(status.columns)
    assert s["target_id"].tolist() == status["target_id"].tolist()
    assert s["status"].tolist() == status["status"].tolist()
    assert set(s["report_date"].astype(str)) == {"2025-12-31"}
    assert desc["shiwu"]["assessment_stored"] is True


def test_other_vintage_and_a_non_quarter_date(built_db, tmp_path):
    with sw.open(built_db) as db:
        path = db.export(tmp_path / "early", as_of="2025-11-15", known_at="2025-06-30")
        st = db.status(as_of="2025-11-15", known_at="2025-06-30")
    desc = json.loads(path.read_text(encoding="utf-8"))
    assert desc["shiwu"]["assessment_stored"] is False and desc["shiwu"]["known_at"] == "2025-06-30"
    a = pd.read_parquet(path.parent / "actuals.parquet")
    assert (a["reported_at"] <= pd.Timestamp("2025-07-01")).all()
    s = pd.read_parquet(path.parent / "assessment.parquet")
    assert s["status"].tolist() == st["status"].tolist()


def test_cli_export_writes_the_package(built_db, tmp_path, capsys):
    args = argparse.Namespace(db=str(built_db), as_of="2025Q4", known_at=None, out=str(tmp_path / "cli"))
    assert api.cli_export(args) == 0
    out = capsys.readouterr().out
    assert "datapackage.json" in out and "actuals" in out
    assert (tmp_path / "cli" / "datapackage.json").is_file()
    assert set(export.summary(tmp_path / "cli")["name"]) == RESOURCES


def test_export_refuses_bad_inputs_in_one_line(built_db, tmp_path):
    (tmp_path / "a_file").write_text("x")
    with sw.open(built_db) as db:
        for kwargs, name in [({"as_of": "2025Q9"}, "as_of"), ({"known_at": "31/12/2025"}, "known_at")]:
            with pytest.raises(InputError) as e:
                db.export(tmp_path / "x", **kwargs)
            assert str(e.value).startswith(f"{name}=") and "\n" not in str(e.value)
        with pytest.raises(InputError, match=r"^out_dir="):
            db.export(tmp_path / "a_file")
