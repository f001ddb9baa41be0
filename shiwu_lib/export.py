"""The researchers' data package: ``shiwu export --as-of 2025Q4 --out DIR`` / ``db.export(DIR)``.

A `Frictionless <https://specs.frictionlessdata.io/tabular-data-package/>`_-style tabular data
package: ``datapackage.json`` (title, sources, one resource per table, every field with its type,
unit and description) and, per table, a CSV in UTF-8 with a BOM (Chinese Excel opens it without an
import dialog) and the same rows as Parquet (typed: dates, booleans, lists)::

    DIR/datapackage.json
    DIR/projects.csv     DIR/projects.parquet       the ten projects
    DIR/units.csv        …                          departments and the projects they lead / serve
    DIR/indicators.csv   …                          the indicator system
    DIR/targets.csv      …                          every target, quoting the plan verbatim
    DIR/actuals.csv      …                          every value and every vintage known at known_at,
                                                    with source title, address, grade, 示例数据 flag
                                                    and the quality flags as columns
    DIR/assessment.csv   …                          db.status(as_of=<report date>, known_at=…)

Field descriptions come from the one description of the store (``shiwu_lib/sql/metadata.toml``,
:func:`shiwu_lib.metadata.tables`), the same text as the store's ``COMMENT ON`` and
docs/data-dictionary.md; the columns this module adds (the flags) are described in :data:`FLAGS`.

Reading it back::

    import json, pandas as pd
    pkg = json.load(open("DIR/datapackage.json", encoding="utf-8"))
    actuals = pd.read_parquet("DIR/actuals.parquet")            # or read_csv(..., encoding="utf-8-sig")
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from . import metadata

PROFILE = "tabular-data-package"
CSV_ENCODING = "utf-8-sig"        # UTF-8 with a BOM: what Excel (zh-CN) needs to read UTF-8


# -- the quality flags of a value: columns of the actuals resource ------------------------------------------
# The store keeps them in the free-text note (what the loaders wrote, shiwu_lib/returns/published.py and
# ingest.py) and the source's grade; here each is a boolean column. name -> (description, test on a row).
@dataclass(frozen=True)
class Flag:
    name: str
    description: str
    pattern: str | None = None          # regular expression on actuals.note
    grade: str | None = None            # …or this submissions.grade


FLAGS: tuple[Flag, ...] = (
    Flag("is_demo", "True for a demo value (示例数据: source_type = 'demo'): generated for the demonstration, "
         "not a real department return."),
    Flag("lower_bound", "The value is a lower bound: the source says 超过/突破/超 (more than) the number (下限值).",
         pattern=r"下限值"),
    Flag("approximate", "The source gives the number as approximate (约数: 约/左右).", pattern=r"约数"),
    Flag("repost", "Published by a third party (a repost); the official source was not found (第三方转载, not verified).",
         pattern=r"第三方转载", grade="repost"),
    Flag("date_estimated", "reported_at (the publication date) is an estimate: the page was undated "
         "(发布日期为估计值).", pattern=r"发布日期为估计值|published_on estimated"),
    Flag("derived", "推算: not published as such but computed from published parts (the formula is in `derivation`)."),
    Flag("to_verify", "待核: the catalog flags the value as provisional or doubtful (see `note`).", pattern=r"待核"),
    Flag("confirmed_outlier", "A returned value outside the plausibility checks that the unit confirmed "
         "(确认异常值, reason in `note`).", pattern=r"确认异常值"),
    Flag("is_latest", "True for the latest vintage of its (indicator, period) as known at the package's known_at: "
         "the value the assessment uses. Older vintages (revisions) are False."),
)

# Fields this module adds to resources (description; the store does not have them as columns).
EXTRA_FIELDS: dict[str, str] = {f.name: f.description for f in FLAGS}

# -- units of fields that are quantities (null otherwise). "row: <column>" = the unit named in that column.
_ROW_UNIT = "row: unit"
UNITS: dict[str, str] = {
    "value": _ROW_UNIT, "value_high": _ROW_UNIT, "target_value": _ROW_UNIT, "latest_actual": _ROW_UNIT,
    "gap": _ROW_UNIT + " (growth rates: percentage points)", "projected": _ROW_UNIT, "baseline": _ROW_UNIT,
    "value_base": "row: base_unit",
    "observed_rate": _ROW_UNIT + " per year (growth rates: %)", "required_rate": _ROW_UNIT + " per year (growth rates: %)",
    "time_progress": "share (1 = 100 %)", "time_progress_report": "share (1 = 100 %)", "completion": "share (1 = 100 %)",
    "projected_share": "share (1 = 100 %)", "projected_completion": "share (1 = 100 %)",
    "ahead_pp": "percentage points", "prev_ahead_pp": "percentage points", "score_pp": "percentage points",
    "observed_cagr": "% per year", "required_cagr": "% per year",
    "escap_ratio": "ratio", "sdg_ratio": "ratio", "data_lag_months": "months", "red_streak": "quarter ends",
    "start_year": "year", "target_year": "year", "year": "year",
}

_DUCK_TYPES = [  # DuckDB type -> Frictionless type
    (r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$", "integer"),
    (r"^(DOUBLE|FLOAT|REAL|DECIMAL.*)$", "number"),
    (r"^BOOLEAN$", "boolean"),
    (r"^DATE$", "date"),
    (r"^TIMESTAMP.*$", "datetime"),
    (r"^VARCHAR$", "string"),
    (r"^.*\[\]$", "array"),
]


def frictionless_type(duck_type: str) -> str:
    t = str(duck_type).upper()
    for pat, name in _DUCK_TYPES:
        if re.match(pat, t):
            return name
    return "any"


@dataclass
class Resource:
    name: str
    title: str
    description: str
    frame: pd.DataFrame
    types: dict[str, str]                 # column -> Frictionless type
    table: str                            # metadata.toml table the descriptions come from
    primary_key: list[str]
    foreign_keys: list[dict]


def _describe(table: str, column: str) -> str:
    if column in EXTRA_FIELDS:
        return EXTRA_FIELDS[column]
    t = metadata.tables()[table]
    try:
        return t.column(column).description
    except KeyError:
        if column == "region":
            return "Region (county-level unit) the row belongs to."
        raise


def _query(db, name: str, title: str, description: str, table: str, sql: str, params: list,
           primary_key: list[str], foreign_keys: list[dict] | None = None) -> Resource:
    cur = db.con.execute(sql, params)
    types = {d[0]: frictionless_type(str(d[1])) for d in cur.description}
    return Resource(name, title, description, cur.df(), types, table, primary_key, foreign_keys or [])


def _fk(field: str, resource: str, ref: str | None = None) -> dict:
    return {"fields": field, "reference": {"resource": resource, "fields": ref or field}}


def _default_report_date(db) -> date:
    dates = db.report_dates()
    v = db.latest_quarter_with_data()
    if v is not None and v in dates:
        return v
    return dates[-1] if dates else db.latest_report_date()


def resources(db, report_date: date, known_at: date) -> list[Resource]:
    """The tables of the package, as frames with their types (no files written)."""
    r = db.region
    out = [
        _query(db, "projects", "十项重大工程 · the ten projects",
               metadata.tables()["projects"].description, "projects",
               "SELECT * FROM projects WHERE region = ? ORDER BY project_no", [r], ["project_no"]),
        _query(db, "units", "牵头/责任单位 · departments and their projects",
               metadata.tables()["units"].description, "units",
               "SELECT * FROM units WHERE region = ? ORDER BY project_no, role, unit_name", [r],
               ["unit_name", "project_no", "role"], [_fk("project_no", "projects")]),
        _query(db, "indicators", "指标体系 · indicators",
               metadata.tables()["indicators"].description, "indicators",
               "SELECT * FROM indicators WHERE region = ? ORDER BY indicator_id", [r], ["indicator_id"]),
        _query(db, "targets", "目标 · every target of the plan, with its verbatim quote",
               metadata.tables()["targets_explained"].description, "targets_explained",
               "SELECT * FROM targets_explained WHERE region = ? ORDER BY project_no, target_id", [r],
               ["target_id"], [_fk("project_no", "projects"), _fk("indicator_id", "indicators")]),
        _actuals(db, known_at),
        _assessment(db, report_date, known_at),
    ]
    return out


def _actuals(db, known_at: date) -> Resource:
    res = _query(
        db, "actuals", "实际值 · every value and vintage, with its source and quality flags",
        metadata.tables()["actuals_with_source"].description + " Here: every vintage reported by known_at, "
        "with the source's title, address and grade and the quality flags of each value as columns.",
        "actuals_with_source",
        """SELECT * FROM actuals_with_source WHERE region = ? AND CAST(reported_at AS DATE) <= ?
           ORDER BY indicator_id, period_end, period_label, reported_at, actual_id""",
        [db.region, known_at], ["actual_id"], [_fk("indicator_id", "indicators")])
    df = res.frame
    note = df["note"].fillna("").astype(str)
    grade = df["source_grade"].fillna("").astype(str)
    for f in FLAGS:
        if f.name == "is_demo":
            col = df["source_type"].eq("demo")
        elif f.name == "derived":
            col = df["derivation"].notna() | note.str.startswith("推算")
        elif f.name == "is_latest":
            key = ["indicator_id", "period_label"]
            last = df.sort_values(["reported_at", "actual_id"]).groupby(key, sort=False)["actual_id"].transform("last")
            col = df["actual_id"].eq(last.reindex(df.index))
        else:
            col = note.str.contains(f.pattern) if f.pattern else pd.Series(False, index=df.index)
            if f.grade:
                col = col | grade.eq(f.grade)
        df[f.name] = col.astype(bool)
        res.types[f.name] = "boolean"
    return res


def _assessment(db, report_date: date, known_at: date) -> Resource:
    st = db.status(as_of=report_date, known_at=known_at)
    st.insert(0, "region", db.region)
    out = metadata.tables()["out_target_status"]
    types = {c.name: frictionless_type(c.type or "VARCHAR") for c in out.columns}
    stored = db._stored(report_date, known_at)
    desc = (out.description + f" Report date {report_date}, vintage {known_at}: "
            + ("the rows the build stored (out_target_status)." if stored else
               "computed with the same engine (the store holds no rows for this report date / vintage / rules)."))
    return Resource("assessment", "评估 · one row per target at the report date: light, reason, completion",
                    desc, st, {c: types.get(c, "any") for c in st.columns}, "out_target_status",
                    ["target_id"], [_fk("target_id", "targets"), _fk("project_no", "projects")])


# -- writing -------------------------------------------------------------------------------------------------

def _csv_frame(df: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """Values as Frictionless reads them in CSV: ISO dates, ISO datetimes, JSON arrays, true/false."""
    out = df.copy()
    for c in out.columns:
        t = types.get(c)
        s = out[c]
        if t == "date":
            out[c] = [None if _na(v) else pd.Timestamp(v).date().isoformat() for v in s]
        elif t == "datetime":
            out[c] = [None if _na(v) else pd.Timestamp(v).isoformat() for v in s]
        elif t == "array":
            out[c] = [None if v is None or (not hasattr(v, "__len__") and _na(v))
                      else json.dumps([str(x) for x in v], ensure_ascii=False) for v in s]
        elif t == "boolean":
            out[c] = [None if _na(v) else ("true" if bool(v) else "false") for v in s]
        elif t == "integer":
            out[c] = pd.array([None if _na(v) else int(v) for v in s], dtype="Int64")
    return out


def _na(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _arrow_table(df: pd.DataFrame, types: dict[str, str]):
    import pyarrow as pa

    arrays, names = [], []
    for c in df.columns:
        t = types.get(c, "any")
        vals = list(df[c])
        if t == "date":
            arr = pa.array([None if _na(v) else pd.Timestamp(v).date() for v in vals], pa.date32())
        elif t == "datetime":
            arr = pa.array([None if _na(v) else pd.Timestamp(v).to_pydatetime() for v in vals], pa.timestamp("us"))
        elif t == "integer":
            arr = pa.array([None if _na(v) else int(v) for v in vals], pa.int64())
        elif t == "number":
            arr = pa.array([None if _na(v) else float(v) for v in vals], pa.float64())
        elif t == "boolean":
            arr = pa.array([None if _na(v) else bool(v) for v in vals], pa.bool_())
        elif t == "array":
            arr = pa.array([None if v is None or (not hasattr(v, "__len__") and _na(v)) else [str(x) for x in v]
                            for v in vals], pa.list_(pa.string()))
        else:
            arr = pa.array([None if _na(v) else str(v) for v in vals], pa.string())
        arrays.append(arr)
        names.append(c)
    return pa.Table.from_arrays(arrays, names=names)


def _file_facts(path: Path) -> dict:
    data = path.read_bytes()
    return {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


def _schema(res: Resource) -> dict:
    fields = []
    for c in res.frame.columns:
        fields.append({"name": c, "type": res.types.get(c, "any"), "unit": UNITS.get(c),
                       "description": _describe(res.table, c)})
    schema: dict = {"fields": fields, "primaryKey": res.primary_key}
    if res.foreign_keys:
        schema["foreignKeys"] = res.foreign_keys
    return schema


def _sources(db, known_at: date, acts: pd.DataFrame) -> list[dict]:
    p = db.plan
    out = [{"title": f"{p.title}（{p.document_no}）", "path": f"data/{p.plan_file}" if p.plan_file else None,
            "description": "The plan: every target row quotes it verbatim (targets.quote)."}]
    for s in db.published_sources(known_at=known_at).itertuples(index=False):
        if s.submission_id in set(acts["submission_id"]):
            out.append({"title": s.title, "path": s.address, "grade": s.grade,
                        "received_at": None if _na(s.received_at) else pd.Timestamp(s.received_at).date().isoformat()})
    n_ret = int(acts["source_type"].eq("return").sum())
    if n_ret:
        out.append({"title": f"部门季度报表 (returned workbooks, {acts.loc[acts['source_type'].eq('return'), 'submission_id'].nunique()} files)",
                    "description": "Department returns; each row names its workbook (source_file, source_sha256)."})
    n_demo = int(acts["source_type"].eq("demo").sum())
    if n_demo:
        out.append({"title": "示例数据 · demo generator (shiwu_lib/returns/demo.py)",
                    "description": f"{n_demo} generated values standing in for department returns, "
                                   "flagged is_demo = true. Not real data."})
    return [{k: v for k, v in s.items() if v is not None} for s in out]


def _rules_name(db) -> str:
    """Which rules judged the assessment: "shiwu_lib/rules.toml" (shipped) or the file's name (no local paths)."""
    src = str(getattr(db.rules, "source", "") or "")
    if not src:
        return "built-in defaults (shiwu_lib/rules.py)"
    shipped = Path(__file__).resolve().parent / "rules.toml"
    try:
        return "shiwu_lib/rules.toml" if Path(src).resolve() == shipped else Path(src).name
    except OSError:
        return Path(src).name


def export(db, out_dir, as_of=None, known_at=None) -> Path:
    """Write the data package of ``db`` to ``out_dir`` (created; files of the same names replaced).

    ``as_of`` is the report date of the assessment (default: the latest quarter with data, as the
    dashboards); ``known_at`` the vintage (default: the newest value in the store): ``actuals`` holds
    every vintage reported by then and the assessment is judged with it. Returns the path of
    ``datapackage.json``."""
    from . import __version__

    report_date = db._known(as_of) if as_of is not None else _default_report_date(db)
    known = db._known(known_at)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        from .errors import InputError

        raise InputError("out_dir", str(out_dir), "expected a folder (this is a file)")
    out.mkdir(parents=True, exist_ok=True)

    res = resources(db, report_date, known)
    acts = next(r.frame for r in res if r.name == "actuals")
    info = db.build_info()
    demo = bool(acts["source_type"].eq("demo").any())
    quarter = f"{report_date.year}Q{(report_date.month - 1) // 3 + 1}"
    items = []
    for r in res:
        csv_path, pq_path = out / f"{r.name}.csv", out / f"{r.name}.parquet"
        _csv_frame(r.frame, r.types).to_csv(csv_path, index=False, encoding=CSV_ENCODING, lineterminator="\r\n")
        import pyarrow.parquet as pq

        pq.write_table(_arrow_table(r.frame, r.types), pq_path, compression="zstd")
        items.append({
            "name": r.name, "title": r.title, "description": r.description,
            "profile": "tabular-data-resource",
            "path": csv_path.name, "format": "csv", "mediatype": "text/csv", "encoding": CSV_ENCODING,
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True},
            **_file_facts(csv_path), "rows": int(len(r.frame)),
            "parquet": {"path": pq_path.name, "format": "parquet",
                        "mediatype": "application/vnd.apache.parquet", **_file_facts(pq_path)},
            "schema": _schema(r),
        })
    slug = re.sub(r"[^a-z0-9]+", "-", f"shiwu-{quarter}-known-{known.isoformat()}".lower()).strip("-")
    descriptor = {
        "profile": PROFILE,
        "name": slug,
        "title": f"{db.plan.title} · 进度数据包 {quarter}（数据截至 {known.isoformat()}）"
                 + ("【含示例数据】" if demo else ""),
        "description": (f"Targets, actual values (every vintage known at {known}), the assessment of report date "
                        f"{report_date} and the projects and departments of {db.plan.programme} ({db.region}, "
                        f"{db.plan.document_no}). Every field has a type, a unit (null when not a quantity; "
                        "'row: unit' = the unit named in that row's unit column) and a description from "
                        "shiwu_lib/sql/metadata.toml (docs/data-dictionary.md)."
                        + (" Values with is_demo = true are 示例数据 (generated demo returns), not real data."
                           if demo else "")),
        "version": __version__,
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "keywords": ["义乌", "十项重大工程", "Yiwu", "Ten Major Projects", "progress tracking"],
        "sources": _sources(db, known, acts),
        "shiwu": {"region": db.region, "report_date": report_date.isoformat(), "known_at": known.isoformat(),
                  "assessment_stored": bool(db._stored(report_date, known)), "demo_in_package": demo,
                  "rules": _rules_name(db),
                  **{k: info[k] for k in ("schema_version", "inputs_sha256", "rules_sha256", "demo_loaded") if k in info}},
        "resources": items,
    }
    path = out / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def summary(package: Path | str) -> pd.DataFrame:
    """One row per resource of a written package: name, rows, fields, csv_bytes, parquet_bytes."""
    p = Path(package)
    if p.is_dir():
        p = p / "datapackage.json"
    d = json.loads(p.read_text(encoding="utf-8"))
    return pd.DataFrame([{"name": r["name"], "rows": r.get("rows"), "fields": len(r["schema"]["fields"]),
                          "csv": r["path"], "csv_bytes": r.get("bytes"),
                          "parquet": r["parquet"]["path"], "parquet_bytes": r["parquet"].get("bytes")}
                         for r in d["resources"]])
