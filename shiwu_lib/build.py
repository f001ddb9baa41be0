"""``shiwu build``: the store rebuilt from ``data/`` by an ordered list of steps.

Each step is one function with declared inputs (in the spirit of Our World in Data's etl steps); the
whole build writes a new file beside the published one and renames it into place
(:func:`shiwu_lib.store.build_atomically`), so a failing step — a broken curated table, a plan
description that does not parse, a store that disagrees with its metadata — leaves the old store
byte-identical and prints one line naming the file, row and problem.

    validate   data/curated/*.csv, data/curated/plans/*.toml, the plan text   catalog checks, plan facts
    curated    data/curated/{projects,indicators,context_indicators,targets,key_tasks,core_indicators}.csv
    published  data/curated/published_actuals.csv
    derived    data/curated/derivations.csv + the published rows               推算 values
    sources    data/curated/sources.csv                                        reviewed publisher, title, date of each source
    returns    data/raw/returns/*                                              archived department workbooks
    demo       the seeded demo generator (unless --no-demo / SHIWU_DEMO=0)     示例数据
    views      shiwu_lib/sql/views.sql
    assessment the loaded rows + shiwu_lib/rules.toml                          out_target_status, out_project_status,
                                                                               out_ranking, out_midpoint
    metadata   shiwu_lib/sql/metadata.toml                                     COMMENT ON everything; check
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from . import assessment, catalog, metadata, paths, plan, store
from .rules import load_rules


class BuildError(RuntimeError):
    """A step refused its input: one line, the old store unchanged."""


@dataclass(frozen=True)
class Step:
    name: str
    inputs: str
    run: Callable[[object, "Context"], str | None]   # returns a short summary for the log


@dataclass
class Context:
    demo: bool
    region: str
    rules: object


def _validate(con, ctx: Context) -> str:
    for p in plan.all_plans().values():        # parses every description (PlanError is one line)
        _ = p.midpoint_date
    errors = catalog.validate_regions()
    if errors:
        more = f" (and {len(errors) - 1} more: shiwu catalog --check)" if len(errors) > 1 else ""
        raise BuildError(f"data/curated: {errors[0]}{more}")
    return "catalog checks passed"


def _curated(con, ctx: Context) -> str:
    store.load_curated(con)
    n = con.execute("SELECT count(*) FROM targets").fetchall()[0][0]
    return f"{n} targets"


def _published(con, ctx: Context) -> str:
    from .returns import published
    return f"{published.load(con)} values"


def _derived(con, ctx: Context) -> str:
    from .returns import derived
    return f"{derived.load(con)} values (推算)"


# the reviewed source register (the pack's 数据说明) ---------------------------------------------
SOURCE_REGISTER_COLUMNS = ("region", "source_title", "source_address", "publisher_zh", "document_title",
                           "title_supplied", "published_on", "date_estimated", "grade", "original_zh", "cites_zh",
                           "language_zh", "review_zh")


def _sources(con, ctx: Context) -> str:
    """data/curated/sources.csv → ``source_register`` (its DDL from metadata.toml): one reviewed row per
    published document (keyed by the title and address published_actuals.csv records); a row naming no
    loaded document, or with another grade than the document's, fails the build."""
    from .returns.published import submission_id

    f = paths.curated_dir() / "sources.csv"
    if not f.exists():
        return "no data/curated/sources.csv (every source 发布单位待核)"
    df = pd.read_csv(f, dtype=str, keep_default_na=False)
    missing = [c for c in SOURCE_REGISTER_COLUMNS if c not in df.columns]
    if missing:
        raise BuildError(f"data/curated/sources.csv: missing column(s) {', '.join(missing)}")
    subs = {r[0]: r[1] for r in con.execute(
        "SELECT submission_id, grade FROM submissions WHERE source_type = 'published'").fetchall()}
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=2):
        sid = submission_id(r["source_title"], r["source_address"])
        if sid not in subs:
            raise BuildError(f"data/curated/sources.csv row {i}: no published value has source_title "
                             f"{r['source_title'][:40]!r} and source_address {r['source_address']!r}")
        if r["grade"] != subs[sid]:
            raise BuildError(f"data/curated/sources.csv row {i}: grade {r['grade']!r}, the document's values say "
                             f"{subs[sid]!r}")
        rows.append({**{c: (r[c].strip() or None) for c in SOURCE_REGISTER_COLUMNS}, "submission_id": sid,
                     "region": r["region"].strip() or ctx.region,
                     "title_supplied": r["title_supplied"].strip().lower() == "true",
                     "date_estimated": r["date_estimated"].strip().lower() == "true",
                     "published_on": pd.Timestamp(r["published_on"]).date() if r["published_on"].strip() else None})
    reg = pd.DataFrame(rows)
    if reg["submission_id"].duplicated().any():
        raise BuildError("data/curated/sources.csv: a document is listed twice: "
                         f"{reg.loc[reg['submission_id'].duplicated(), 'source_title'].iloc[0][:40]!r}")
    con.register("_shiwu_sources", reg)
    try:
        con.execute("INSERT INTO source_register BY NAME SELECT * FROM _shiwu_sources ORDER BY submission_id")
    finally:
        con.unregister("_shiwu_sources")
    return f"{len(reg)} reviewed sources"


def _returns(con, ctx: Context) -> str:
    from .returns import archive
    archive.load(con)
    n = con.execute("SELECT count(*) FROM actuals WHERE source_type = 'return'").fetchall()[0][0]
    return f"{n} values"


def _demo(con, ctx: Context) -> str:
    if ctx.demo:
        from .returns import demo
        demo.load(con)
    # source grade of non-published submissions (the demo generator and returns do not set it)
    con.execute("UPDATE submissions SET grade = source_type WHERE grade IS NULL AND source_type IN ('return', 'demo')")
    n = con.execute("SELECT count(*) FROM actuals WHERE source_type = 'demo'").fetchall()[0][0]
    return f"{n} values (示例数据)" if ctx.demo else "left out"


def _views(con, ctx: Context) -> str:
    con.execute(store.sql_text("views.sql"))
    return "views and macros"


def build_workers(n_regions: int) -> int:
    """Worker processes for the assessment step: ``SHIWU_BUILD_WORKERS`` if set (1 = none), else up to
    two when there are at least four regions (a province), else none (a spawn costs ~2 s of imports)."""
    env = os.environ.get("SHIWU_BUILD_WORKERS", "").strip()
    if env:
        try:
            return max(1, min(int(env), n_regions))
        except ValueError:
            raise BuildError(f"SHIWU_BUILD_WORKERS={env!r}: expected a whole number") from None
    return min(2, os.cpu_count() or 1) if n_regions >= 4 else 1


def _assessment(con, ctx: Context) -> str:
    n = 0
    regions = [r for r in plan.all_plans()
               if con.execute("SELECT count(*) FROM targets WHERE region = ?", [r]).fetchall()[0][0]]
    workers = build_workers(len(regions))

    def store_frames(frames) -> None:
        nonlocal n
        for name, df in frames.items():
            write_out_table(con, name, df)
        n += len(frames["out_target_status"])

    if workers <= 1:
        for region in regions:
            store_frames(assessment.compute_out_tables(con, region, ctx.rules))
    else:
        # the regions are independent: workers compute (no store access), this process reads their
        # inputs and writes their frames in the regions' order, so the store is the same as serially
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(assessment.out_tables_from, assessment.prefetch(con, r, ctx.rules))
                       for r in regions]
            for f in futures:
                store_frames(f.result())
    for name in assessment.OUT_TABLES:      # an empty store still has the tables
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0]:
            metadata.create_out_table(con, name)
    return f"{n} target × quarter rows" + (f" ({workers} worker processes)" if workers > 1 else "")


def write_out_table(con, name: str, df: pd.DataFrame) -> None:
    """Insert a frame into its out_ table (created from metadata.toml on first use), columns by name."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0]
    if not exists:
        metadata.create_out_table(con, name)
    if df is None or df.empty:
        return
    cols = [c.name for c in metadata.tables()[name].columns]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise BuildError(f"{name}: the assessment has no column(s) {', '.join(missing)}")
    con.register("_shiwu_out", df[cols])
    try:
        quoted = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"INSERT INTO {name} ({quoted}) SELECT {quoted} FROM _shiwu_out")
    finally:
        con.unregister("_shiwu_out")


def _metadata(con, ctx: Context) -> str:
    con.executemany("INSERT INTO build_info VALUES (?, ?)", [
        ("schema_version", "2"),
        ("inputs_sha256", store.input_fingerprint()),
        ("demo_loaded", "true" if ctx.demo else "false"),
        ("default_region", ctx.region),
        ("assessment_known_at", str(assessment.latest_known_at(con, ctx.region))),
        *[(f"assessment_known_at:{r}", str(assessment.latest_known_at(con, r))) for r in plan.all_plans()
          if con.execute("SELECT count(*) FROM targets WHERE region = ?", [r]).fetchall()[0][0]],
        ("rules_sha256", assessment.rules_fingerprint(ctx.rules)),
    ])
    try:
        metadata.check_store(con)
    except metadata.MetadataError as exc:
        raise BuildError(str(exc)) from exc
    metadata.apply_comments(con)
    return "comments on every table, view and column"


STEPS: tuple[Step, ...] = (
    Step("validate", "data/curated/*.csv, data/curated/plans/*.toml, data/raw/plan/*.txt", _validate),
    Step("curated", "data/curated/{projects,indicators,context_indicators,targets,key_tasks,core_indicators}.csv", _curated),
    Step("published", "data/curated/published_actuals.csv", _published),
    Step("derived", "data/curated/derivations.csv + published rows", _derived),
    Step("sources", "data/curated/sources.csv", _sources),
    Step("returns", "data/raw/returns/*", _returns),
    Step("demo", "the seeded demo generator (示例数据)", _demo),
    Step("views", "shiwu_lib/sql/views.sql", _views),
    Step("assessment", "the loaded rows + shiwu_lib/rules.toml", _assessment),
    Step("metadata", "shiwu_lib/sql/metadata.toml", _metadata),
)


def run(db_path=None, demo: bool | None = None, verbose: bool = False) -> Path:
    """Run every step into a new file and rename it over ``db_path``; return the path."""
    log = (lambda msg: print(msg, file=sys.stderr)) if verbose else (lambda msg: None)
    ctx = Context(demo=store.demo_enabled(demo), region=plan.default_region(), rules=load_rules())

    def fill(con) -> None:
        metadata.create_schema(con, ctx.region)
        for step in STEPS:
            t = time.perf_counter()
            summary = step.run(con, ctx)
            log(f"  {step.name:<10} {summary or ''} ({time.perf_counter() - t:.1f} s)")

    return store.build_atomically(db_path, fill)   # `shiwu build` prints the one summary line


def cli_build(args) -> int:
    t = time.perf_counter()
    try:
        path = run(args.db, demo=args.demo, verbose=True)
    except (BuildError, plan.PlanError, catalog.CatalogError) as exc:
        print(f"shiwu build: {exc} — the existing store is unchanged", file=sys.stderr)
        return 1
    con = store.connect(path)
    try:
        counts = con.execute("""
            SELECT (SELECT count(*) FROM targets), (SELECT count(*) FROM indicators),
                   (SELECT count(*) FROM actuals WHERE source_type = 'published'),
                   (SELECT count(*) FROM actuals WHERE source_type = 'return'),
                   (SELECT count(*) FROM actuals WHERE source_type = 'demo'),
                   (SELECT count(DISTINCT report_date) FROM out_target_status)""").fetchone()
    finally:
        con.close()
    print(
        f"built {path} in {time.perf_counter() - t:.1f} s: {counts[0]} targets, {counts[1]} indicators, "
        f"actuals: {counts[2]} published, {counts[3]} returned, {counts[4]} demo (示例数据); "
        f"assessment stored for {counts[5]} report quarters"
    )
    return 0
