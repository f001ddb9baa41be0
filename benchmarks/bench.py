"""The benchmarks, each beside its floor in the same run: ``python benchmarks/bench.py PART --work DIR``.

PART is one of build | assess | ingest | voila | concurrent | pack. Each reads the synthetic folder
``DIR`` (``benchmarks/generate.py``), writes ``DIR/results/PART.json`` and prints it. ``benchmarks/run.py``
runs them all, one subprocess each, and rewrites docs/benchmarks.md. Every loop is bounded in count
and in time; the only addresses used are on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

REPORT_DATE = date(2025, 12, 31)
PAGE_TIMEOUT_MS = 180_000


def machine() -> dict:
    info = {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "at": datetime.now().isoformat(timespec="seconds")}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(("MemTotal", "MemAvailable")):
                k, v = line.split(":")
                info[k] = f"{int(v.split()[0]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    try:
        import duckdb
        info["duckdb"] = duckdb.__version__
    except ImportError:
        pass
    info["python"] = sys.version.split()[0]
    return info


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return time.perf_counter() - t, out


def profile_top(fn, n: int = 14) -> tuple[float, str, object]:
    """Run ``fn`` under cProfile; (seconds, top ``n`` by cumulative time as text, result)."""
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    out = fn()
    pr.disable()
    dt = time.perf_counter() - t
    s = io.StringIO()
    st = pstats.Stats(pr, stream=s)
    st.sort_stats("tottime").print_stats(n)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("ncalls")), 0)
    text = "\n".join(ln.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "") for ln in lines[start:start + n + 1])
    return dt, text, out


def env_for(work: Path, data: Path | None = None) -> None:
    os.environ["SHIWU_DATA_DIR"] = str(data or work / "data")
    os.environ["SHIWU_DB"] = str(store_path(work))
    os.environ["SHIWU_DEMO"] = "0"


def store_path(work: Path) -> Path:
    return work / "province.duckdb"


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


# --------------------------------------------------------------------------- (a) build
def bench_build(work: Path, args) -> dict:
    import contextlib

    import duckdb

    env_for(work)
    from shiwu_lib import build, store

    db = store_path(work)
    log = io.StringIO()
    with contextlib.redirect_stderr(log):
        t_build, _ = timed(build.run, db, demo=False, verbose=True)
    steps = {}
    for line in log.getvalue().splitlines():
        parts = line.split()
        if len(parts) >= 2 and line.startswith("  ") and line.rstrip().endswith("s)"):
            steps[parts[0]] = float(line.rsplit("(", 1)[1].split()[0])
    cur = work / "data" / "curated"
    csvs = sorted(cur.glob("*.csv"))
    rows = {}
    con = duckdb.connect(str(db), read_only=True)
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
    frames = {t: con.execute(f"SELECT * FROM {t}").df() for t in tables}
    for t in tables:
        rows[t] = len(frames[t])
    con.close()

    # floor 1: DuckDB's read_csv of the same input files into tables of a new file
    def floor_csv():
        f = work / "floor-csv.duckdb"
        f.unlink(missing_ok=True)
        c = duckdb.connect(str(f), config=dict(store.CONNECTION_CONFIG))
        for p in csvs:
            c.execute(f"CREATE TABLE \"{p.stem}\" AS SELECT * FROM read_csv('{p.as_posix()}', header=true)")
        c.execute("CHECKPOINT")
        c.close()
        f.unlink(missing_ok=True)

    # floor 2: the store's final rows (all tables, out_ tables included) inserted from DataFrames
    def floor_df():
        f = work / "floor-df.duckdb"
        f.unlink(missing_ok=True)
        c = duckdb.connect(str(f), config=dict(store.CONNECTION_CONFIG))
        for t, df in frames.items():
            c.register("_df", df)
            c.execute(f"CREATE TABLE \"{t}\" AS SELECT * FROM _df")
            c.unregister("_df")
        c.execute("CHECKPOINT")
        c.close()
        f.unlink(missing_ok=True)

    reps = 1 if getattr(args, "smoke", False) else 2
    t_csv = min(timed(floor_csv)[0] for _ in range(reps))
    t_df = min(timed(floor_df)[0] for _ in range(reps))
    # where the published step's time goes (the largest input step), profiled on its own
    from shiwu_lib import metadata, plan
    from shiwu_lib.returns import published

    # on the first 100,000 rows: cProfile multiplies the step's time by ~2
    head = published.read().head(2_000 if getattr(args, "smoke", False) else 100_000)

    def pub_step():
        c = duckdb.connect()
        metadata.create_schema(c, plan.default_region())
        published.insert_df(c, "submissions", published.to_submissions(head))
        published.insert_df(c, "actuals", published.to_actuals(head))
        c.close()
        return len(head)
    t_pub, prof_pub, _ = profile_top(pub_step)
    return {
        "part": "build", "machine": machine(), "store_bytes": db.stat().st_size,
        "input_csv_bytes": sum(p.stat().st_size for p in csvs), "rows": rows,
        "shiwu_build_s": round(t_build, 2), "steps_s": steps,
        "floor_read_csv_s": round(t_csv, 2), "floor_insert_df_s": round(t_df, 2),
        "ratio_vs_read_csv": ratio(t_build, t_csv), "ratio_vs_insert_df": ratio(t_build, t_df),
        "profile_published_step_rows": len(head), "profile_published_step_s": round(t_pub, 2), "profile_published_step": prof_pub,
    }


# --------------------------------------------------------------------------- (b) assessment
FLOOR_SQL = """
WITH a AS (
    SELECT region, indicator_id, period_end, value_base FROM actuals
    WHERE period_end <= $d AND CAST(reported_at AS DATE) <= $k
    QUALIFY row_number() OVER (PARTITION BY region, indicator_id, period_label
                               ORDER BY reported_at DESC, actual_id DESC) = 1),
latest AS (
    SELECT region, indicator_id, arg_max(value_base, period_end) AS v, max(period_end) AS pe, count(*) AS n
    FROM a GROUP BY ALL),
t AS (
    SELECT t.region, t.project_no, t.target_id, t.value_base, l.v, l.pe,
           CASE WHEN t.value_base <> 0 THEN l.v / t.value_base END AS completion,
           (year($d) - t.start_year + 1) / (t.target_year - t.start_year + 1) AS time_progress
    FROM targets t LEFT JOIN latest l USING (region, indicator_id)),
p AS (
    SELECT region, project_no, count(*) AS n, avg(completion - time_progress) AS score,
           count(*) FILTER (WHERE completion >= time_progress) AS n_ahead
    FROM t GROUP BY ALL)
SELECT *, rank() OVER (PARTITION BY region ORDER BY score DESC NULLS LAST) AS rank FROM p
"""


def bench_assess(work: Path, args) -> dict:
    env_for(work)
    from shiwu_lib import api, assessment, plan, store
    from shiwu_lib.rules import load_rules

    db = store_path(work)
    rules = load_rules()
    con = store.connect(db)
    regions = [r for r in plan.all_plans()
               if con.execute("SELECT count(*) FROM targets WHERE region = ?", [r]).fetchall()[0][0]]
    d = REPORT_DATE
    known = {r: assessment.latest_known_at(con, r) for r in regions}

    def engine():
        # the memory (prev_status, red_streak, rank_prev …) of the previous quarter is read from the
        # stored rows when the build stored that quarter with this vintage and rules (Assessor default)
        n = 0
        for r in regions:
            a = assessment.Assessor(con, r, rules)
            st = a.status(d, known[r])
            a.ranking(d, known[r], "project")
            n += len(st)
        return n

    def engine_no_memory():
        n = 0
        for r in regions:
            a = assessment.Assessor(con, r, rules)
            st = a.status_frame(d, known[r])
            a.ranking_frame(d, known[r], "project")
            n += len(st)
        return n

    def floor():
        k = max(known.values())
        return con.execute(FLOOR_SQL, {"d": d, "k": k}).df()

    floor()  # warm the file pages
    t_floor = min(timed(floor)[0] for _ in range(3))
    n_floor = len(floor())
    t_engine, n_targets = timed(engine)
    t_nomem, _ = timed(engine_no_memory)
    probe = assessment.Assessor(con, regions[-1], rules)
    stored_memory_used = probe._stored_rows("out_target_status", assessment.previous_quarter_end(d), known[regions[-1]]) is not None

    # the memory recomputed (stored_memory=False: every earlier quarter assessed, carried forward), on a sample
    def engine_recomputed(rs):
        for r in rs:
            a = assessment.Assessor(con, r, rules, stored_memory=False)
            a.status(d, known[r])
            a.ranking(d, known[r], "project")
    rec_sample = regions[: max(1, min(args.sample, len(regions)))]
    t_recomputed, _ = timed(engine_recomputed, rec_sample)
    # one region under the profiler: where the engine's time goes
    one = [r for r in regions if r != plan.default_region()][0]
    _, prof, _ = profile_top(lambda: (assessment.Assessor(con, one, rules).status(d, known[one]),
                                      assessment.Assessor(con, one, rules).ranking(d, known[one], "project")), n=16)
    # the stored path: compute_out_tables (what the build stores), timed on a sample of regions
    sample = regions[: max(1, min(args.sample, len(regions)))]
    t_out = 0.0
    for r in sample:
        t_out += timed(assessment.compute_out_tables, con, r, rules)[0]
    _, prof_out, _ = profile_top(lambda: assessment.compute_out_tables(con, sample[0], rules), n=16)
    con.close()

    # what a dashboard reads: api.Database(path, region=…).status / .ranking of a quarter end. The API
    # reads the stored out_ rows only when build_info's assessment_known_at equals the region's known_at
    # (recorded for the default region only): other regions are computed. Timed on the default region
    # and a sample of the others, and the stored rows of every region read directly.
    default = plan.default_region()
    api_s = {}
    for r in [default] + [x for x in sample if x != default]:
        def reads(r=r):
            with api.Database(db, region=r) as x:
                used = x._stored(d, x.latest_known_at())
                x.status(as_of=d)
                x.ranking(as_of=d)
                return used
        t, used = timed(reads)
        api_s[r] = {"seconds": round(t, 2), "stored_rows_used": bool(used)}
    con = store.connect(db)

    def stored_rows():
        a = con.execute("SELECT * FROM out_target_status WHERE report_date = ?", [d]).df()
        b = con.execute("SELECT * FROM out_ranking WHERE report_date = ? AND \"by\" = 'project'", [d]).df()
        return len(a) + len(b)
    stored_rows()
    t_rows = min(timed(stored_rows)[0] for _ in range(3))
    con.close()
    return {
        "part": "assess", "machine": machine(), "regions": len(regions), "targets": n_targets,
        "report_date": d.isoformat(), "floor_rows": n_floor,
        "engine_status_ranking_s": round(t_engine, 2),
        "engine_without_memory_s": round(t_nomem, 2),
        "engine_stored_memory_used": stored_memory_used,
        "engine_recomputed_memory_sample_regions": len(rec_sample),
        "engine_recomputed_memory_sample_s": round(t_recomputed, 2),
        "engine_recomputed_memory_all_regions_est_s": round(t_recomputed / len(rec_sample) * len(regions), 1),
        "floor_sql_s": round(t_floor, 4), "ratio_engine_vs_floor": ratio(t_engine, t_floor),
        "api_status_ranking_by_region": api_s,
        "stored_rows_all_regions_s": round(t_rows, 4), "ratio_stored_rows_vs_floor": ratio(t_rows, t_floor),
        "compute_out_tables_sample_regions": len(sample), "compute_out_tables_sample_s": round(t_out, 2),
        "compute_out_tables_all_regions_est_s": round(t_out / len(sample) * len(regions), 1),
        "profile_engine_one_region": prof, "profile_compute_out_tables_one_region": prof_out,
    }


# --------------------------------------------------------------------------- (c) ingest
def bench_ingest(work: Path, args) -> dict:
    import datetime as dt

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import INGEST_TODAY

    files = sorted((work / "workbooks").glob("*.xlsx"))[: args.workbooks or None]
    # a data folder whose archive is empty: the curated tables linked, raw/returns its own
    data = work / "ingest-data"
    if data.exists():
        shutil.rmtree(data)
    (data / "raw").mkdir(parents=True)
    os.symlink(work / "data" / "curated", data / "curated")
    os.symlink(work / "data" / "raw" / "plan", data / "raw" / "plan")
    (data / "raw" / "returns").mkdir()
    env_for(work, data)
    from openpyxl import load_workbook

    from shiwu_lib.returns import intake

    # openpyxl's read-only floor is ~40 ms a workbook (17× calamine): it is measured on a deterministic
    # sample, every ``--openpyxl-every``-th workbook of the sorted list, and scaled to all of them
    every = max(1, getattr(args, "openpyxl_every", 4))
    opx_files = files[::every]
    opx_scale = len(files) / len(opx_files) if opx_files else 1.0

    def read_openpyxl():
        n = 0
        for f in opx_files:
            wb = load_workbook(f, read_only=True, data_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    n += len(row)
            wb.close()
        return n

    def read_calamine():
        from python_calamine import CalamineWorkbook

        n = 0
        for f in files:
            wb = CalamineWorkbook.from_path(str(f))
            for name in wb.sheet_names:
                for row in wb.get_sheet_by_name(name).to_python():
                    n += len(row)
        return n

    def read_shiwu():
        # the reader ingest uses (shiwu_lib/returns/xlsx.py), every sheet: the zip scan + the cells
        import zipfile

        from shiwu_lib.returns import ingest as ing, xlsx

        for f in files:
            with zipfile.ZipFile(f) as z:
                parts = ing._scan_package(ing._Collector(f.name), z)
            xlsx.load(parts)

    from shiwu_lib.returns import archive

    # where the ingest's time goes, measured in the same run: validation (parse_workbook, with the
    # reader) and the archive's durable writes (write + fsync of both files, fsync of the folder)
    spent = {"parse_s": 0.0, "durable_writes_s": 0.0, "fsyncs": 0}
    real = (intake.parse_workbook, archive._write_durably, archive._fsync_dir)

    def timing(fn, key, fsyncs=0):
        def wrapped(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.perf_counter() - t
                spent["fsyncs"] += fsyncs
        return wrapped

    def timed_cpu(fn, *a, **kw):
        # wall and CPU seconds of this process: on a shared machine the CPU time moves less with the load
        c = time.process_time()
        t, out = timed(fn, *a, **kw)
        return t, time.process_time() - c, out

    def floor_calamine():
        try:
            return timed_cpu(read_calamine)[:2]
        except ImportError:
            return None, None

    when = dt.datetime(2026, 10, 31, 9, 0)
    dry = files[:100]
    t_dry, rep_dry = timed(intake.ingest_files, dry, dry_run=True, today=INGEST_TODAY)
    cal = [floor_calamine()]           # the floor before and after the ingest: the best of the two counts
    intake.parse_workbook = timing(real[0], "parse_s")
    archive._write_durably = timing(real[1], "durable_writes_s", 1)
    archive._fsync_dir = timing(real[2], "durable_writes_s", 1)
    try:
        t_ing, cpu_ing, rep = timed_cpu(intake.ingest_files, files, today=INGEST_TODAY, received_at=when, rebuild=False)
    finally:
        intake.parse_workbook, archive._write_durably, archive._fsync_dir = real
    cal.append(floor_calamine())
    accepted, rejected = len(rep.accepted), len(rep.rejected)
    first_error = next((str(e) for r in rep.rejected for e in r.errors), None)
    t_opx_sample, cpu_opx_sample, cells_opx = timed_cpu(read_openpyxl)
    t_opx, cpu_opx = t_opx_sample * opx_scale, cpu_opx_sample * opx_scale     # scaled to all the workbooks
    opx_label = (f"measured on {len(opx_files)} of the {len(files)}, ×{opx_scale:g}" if len(opx_files) < len(files)
                 else f"measured on all {len(files)}")
    t_own, cpu_own, _ = timed_cpu(read_shiwu)
    t_cal = min((w for w, _ in cal if w), default=None)
    cpu_cal = min((c for _, c in cal if c), default=None)
    sub = files[: min(2 if getattr(args, "smoke", False) else 40, len(files))]
    from shiwu_lib.returns.ingest import parse_workbook, reference_from_store
    ref = reference_from_store()
    _, prof, _ = profile_top(lambda: [parse_workbook(f, reference=ref, today=INGEST_TODAY) for f in sub], n=16)
    fastest = min(x for x in (t_opx, t_cal) if x)
    shutil.rmtree(data, ignore_errors=True)
    return {
        "part": "ingest", "machine": machine(), "workbooks": len(files),
        "cells_read_openpyxl_sample": cells_opx,
        "bytes": sum(f.stat().st_size for f in files), "accepted": accepted, "rejected": rejected,
        "first_rejection": first_error, "dry_run_workbooks": len(dry), "dry_run_accepted": len(rep_dry.accepted),
        "ingest_validate_archive_s": round(t_ing, 2), "ingest_dry_run_s": round(t_dry, 2),
        "ingest_per_workbook_ms": round(1000 * t_ing / max(1, len(files)), 1),
        "dry_run_per_workbook_ms": round(1000 * t_dry / max(1, len(dry)), 1),
        # openpyxl: measured on the sample only; *_scaled_s is that time × the scale (not a measurement of all)
        "read_openpyxl_sample": opx_label, "read_openpyxl_sample_workbooks": len(opx_files),
        "read_openpyxl_sample_s": round(t_opx_sample, 2),
        "read_openpyxl_per_workbook_ms": round(1000 * t_opx_sample / max(1, len(opx_files)), 1),
        "read_openpyxl_scaled_s": round(t_opx, 2),
        "read_calamine_s": round(t_cal, 2) if t_cal else None,
        "read_calamine_runs_s": [round(w, 2) if w else None for w, _ in cal],
        "read_shiwu_xlsx_s": round(t_own, 2),
        "ratio_vs_fastest_reader": ratio(t_ing, fastest), "ratio_vs_openpyxl_scaled": ratio(t_ing, t_opx),
        "ratio_shiwu_reader_vs_calamine": ratio(t_own, t_cal) if t_cal else None,
        "cpu_s": {"ingest": round(cpu_ing, 2), f"openpyxl read-only ({opx_label})": round(cpu_opx, 2),
                  "shiwu reader": round(cpu_own, 2), "python-calamine": round(cpu_cal, 2) if cpu_cal else None},
        "ratio_cpu_ingest_vs_calamine": ratio(cpu_ing, cpu_cal) if cpu_cal else None,
        "ingest_breakdown_s": {"validate (parse_workbook)": round(spent["parse_s"], 2),
                               "durable writes (write + fsync)": round(spent["durable_writes_s"], 2),
                               "fsync calls": spent["fsyncs"],
                               "rest (read, sha256, rename, report)": round(t_ing - spent["parse_s"] - spent["durable_writes_s"], 2)},
        "calamine": "python-calamine installed into .venv for the benchmark only (not in pyproject): the floor; "
                    "ingest reads with its own reader, shiwu_lib/returns/xlsx.py"
                    if t_cal else "python-calamine not installed",
        "profile_parse_40": prof,
    }


# --------------------------------------------------------------------------- (d) Voila single page
def _kernels_memory(pid: int) -> list[dict]:
    import psutil

    out = []
    try:
        for c in psutil.Process(pid).children(recursive=True):
            try:
                cmd = " ".join(c.cmdline())
                if "ipykernel" in cmd or "kernel" in cmd and "-f" in cmd:
                    mi = c.memory_full_info()
                    out.append({"pid": c.pid, "rss_mb": round(mi.rss / 2**20), "uss_mb": round(mi.uss / 2**20)})
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
    except psutil.NoSuchProcess:
        pass
    return out


def _log(url: str) -> Path:
    from conftest import ARTIFACTS
    return ARTIFACTS / f"voila-{url.rsplit(':', 1)[1]}.log"


def _preheat_uses(url: str, nb: str) -> int:
    import re
    p = _log(url)
    text = p.read_text(encoding="utf-8", errors="replace") if p.exists() else ""
    return len(re.findall(rf"Using pre-heated kernel: \S+ for {re.escape(nb)}", text))


def _wait_trivial_ready(url: str, timeout: float = 30.0) -> None:
    """A preheated trivial kernel is ready once the log shows as many kernel starts + fills as used + 1."""
    import re
    deadline = time.monotonic() + timeout
    time.sleep(2)
    while time.monotonic() < deadline:
        text = _log(url).read_text(encoding="utf-8", errors="replace") if _log(url).exists() else ""
        started = len(re.findall(r"Kernel started", text))
        used = len(re.findall(r"Using pre-heated kernel", text))
        if started > used and os.getloadavg()[0] < 3.0:
            time.sleep(6)   # the kernel's own execution of the notebook (one cell)
            return
        time.sleep(1)


TRIVIAL_NB = "00_trivial.ipynb"


def trivial_folder(work: Path) -> Path:
    """tests/notebooks/trivial.ipynb copied as 00_trivial.ipynb: serve.py's guard renders only the
    dashboards' names (0*.ipynb), so the one-cell notebook is served under such a name."""
    d = work / "trivial-notebook"
    d.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "tests" / "notebooks" / "trivial.ipynb", d / TRIVIAL_NB)
    return d


def _time_page(browser, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(".js-plotly-plot", state="visible", timeout=PAGE_TIMEOUT_MS)
        return time.perf_counter() - t0
    finally:
        ctx.close()


def bench_voila(work: Path, args) -> dict:
    env_for(work)
    os.environ["SHIWU_MAX_KERNELS"] = "40"
    from conftest import CHROMIUM, CHROMIUM_ARGS, launch_voila, stop_process
    from playwright.sync_api import sync_playwright
    from test_dashboards import OVERVIEW, PROJECT, wait_preheated

    db = store_path(work)
    tdir = trivial_folder(work)
    trivial = f"/voila/render/{TRIVIAL_NB}"
    pages = {"overview": (OVERVIEW, "01_overview.ipynb", "overview"),
             "project": (f"{PROJECT}?project=1", "02_project.ipynb", "project")}
    reps = max(1, args.reps)
    res: dict = {"part": "voila", "machine": machine(), "reps": reps, "cold": {}, "preheated": {}}
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        for mode in ("cold", "preheated"):
            pre = mode == "preheated"
            main, url = launch_voila(db, preheat=pre)
            triv, turl = launch_voila(db, preheat=pre, notebooks=tdir)
            try:
                if pre:
                    for key in ("overview", "project", "midpoint"):
                        wait_preheated(url, key)
                else:
                    time.sleep(3)
                for key, (path, nb, wkey) in pages.items():
                    times, used = [], []
                    for _ in range(reps):
                        if pre:
                            wait_preheated(url, wkey)
                            time.sleep(1)
                        before = _preheat_uses(url, nb)
                        times.append(_time_page(browser, url + path))
                        used.append(_preheat_uses(url, nb) > before)
                        if pre:
                            time.sleep(2)
                    res[mode][key] = {"seconds": [round(t, 2) for t in times], "median": round(statistics.median(times), 2),
                                      "preheated_kernel_used": used}
                times, used = [], []
                for _ in range(reps):
                    if pre:
                        _wait_trivial_ready(turl)
                    before = _preheat_uses(turl, TRIVIAL_NB)
                    times.append(_time_page(browser, turl + trivial))
                    used.append(_preheat_uses(turl, TRIVIAL_NB) > before)
                res[mode]["trivial"] = {"seconds": [round(t, 2) for t in times], "median": round(statistics.median(times), 2),
                                        "preheated_kernel_used": used}
                if pre:
                    time.sleep(3)
                    res["kernels_main"] = _kernels_memory(main.pid)
                    res["kernels_trivial"] = _kernels_memory(triv.pid)
            finally:
                stop_process(main)
                stop_process(triv)
        for mode in ("cold", "preheated"):
            t = res[mode]["trivial"]["median"]
            for key in ("overview", "project"):
                res[mode][key]["ratio_vs_trivial"] = ratio(res[mode][key]["median"], t)
        km = [k["uss_mb"] for k in res.get("kernels_main", [])]
        kt = [k["uss_mb"] for k in res.get("kernels_trivial", [])]
        res["kernel_uss_mb_median_main"] = statistics.median(km) if km else None
        res["kernel_uss_mb_median_trivial"] = statistics.median(kt) if kt else None
    finally:
        browser.close()
        pw.stop()
    return res


# --------------------------------------------------------------------------- (e) concurrent viewers
def bench_concurrent(work: Path, args) -> dict:
    import asyncio

    env_for(work)
    from conftest import CHROMIUM, CHROMIUM_ARGS, launch_voila
    from playwright.async_api import async_playwright
    from test_dashboards import OVERVIEW, wait_preheated

    db = store_path(work)
    levels = [int(x) for x in args.levels.split(",")]
    os.environ["SHIWU_MAX_KERNELS"] = str(max(levels) + 4)

    async def open_all(url: str, n: int, path: str = OVERVIEW) -> list[float]:
        async with async_playwright() as pw:
            b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                ctxs = [await b.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN") for _ in range(n)]
                pages = [await c.new_page() for c in ctxs]

                async def one(page):
                    t0 = time.perf_counter()
                    await page.goto(url + path, wait_until="commit", timeout=PAGE_TIMEOUT_MS)
                    await page.wait_for_selector(".js-plotly-plot", state="visible", timeout=PAGE_TIMEOUT_MS)
                    return time.perf_counter() - t0
                return list(await asyncio.wait_for(asyncio.gather(*(one(p) for p in pages)), timeout=PAGE_TIMEOUT_MS / 1000 + 30))
            finally:
                await b.close()

    from shiwu_lib import serve

    default_pool = serve.pool_sizes().get("01_overview.ipynb", 1)
    res: dict = {"part": "concurrent", "machine": machine(), "levels": {}, "overview_pool_default": default_pool}

    def level(n: int, pool: int) -> dict:
        """N viewers at once on a fresh server whose overview pool (``pool`` kernels) is full.

        A fresh server per level: a server reused after a burst keeps the visited kernels alive (they are
        culled after 600 s idle) and counts them against SHIWU_MAX_KERNELS, so a later level would not
        start from the state a first visitor meets. Where the level's time goes is recorded in
        ``setup_s`` (start until Voila answers, the other pages' kernels, the overview pool full, the
        stop until every process of the server is gone)."""
        old = os.environ.get(serve.POOL_SIZES_ENV)
        os.environ[serve.POOL_SIZES_ENV] = f"01_overview.ipynb={pool}"
        t0 = time.perf_counter()
        try:
            proc, url = launch_voila(db, preheat=True)
        finally:
            if old is None:
                os.environ.pop(serve.POOL_SIZES_ENV, None)
            else:
                os.environ[serve.POOL_SIZES_ENV] = old
        setup = {"server_answers": round(time.perf_counter() - t0, 1)}
        try:
            t = time.perf_counter()
            for key in ("project", "midpoint"):
                wait_preheated(url, key)
            setup["project_midpoint_preheated"] = round(time.perf_counter() - t, 1)
            t = time.perf_counter()
            ready = _wait_pool(url, "overview", pool)
            setup["overview_pool_full"] = round(time.perf_counter() - t, 1)
            load = os.getloadavg()[0]
            t = time.perf_counter()
            times = asyncio.run(open_all(url, n))
            setup["burst_with_browser_launch"] = round(time.perf_counter() - t, 1)
            kernels = len(_kernels_memory(proc.pid))
        finally:
            t = time.perf_counter()
            _stop_server(proc)
            setup["stop"] = round(time.perf_counter() - t, 1)
        return {"slowest_s": round(max(times), 2), "median_s": round(statistics.median(times), 2),
                "fastest_s": round(min(times), 2), "load_1min_before": round(load, 2),
                "overview_pool": pool, "preheated_ready": ready, "kernels": kernels, "setup_s": setup}

    for n in levels:
        res["levels"][str(n)] = level(n, default_pool)
    # optional (--sized-pool): the largest burst again with the pool sized for it (SHIWU_POOL_SIZES), every
    # viewer meeting a preheated kernel. Off by default: on 2 cores it measured the same as the default
    # pool (2026-12-01: 76.6 s vs 76.6 s for 10 viewers) and costs another server and burst (~2 min).
    top = max(levels)
    if getattr(args, "sized_pool", False) and top > default_pool:
        res["levels_pool_sized"] = {str(top): level(top, top)}
    one = res["levels"].get("1", {}).get("slowest_s")
    for group in ("levels", "levels_pool_sized"):
        for n, r in (res.get(group) or {}).items():
            r["slowest_vs_one_viewer"] = ratio(r["slowest_s"], one) if one else None
    res["static_edition"] = _static_edition(work, db, levels, lambda url, n: asyncio.run(open_all(url, n, "/index.html")))
    return res


def _stop_server(proc, timeout: float = 20.0) -> None:
    """Stop Voila and its kernels (conftest.stop_process: SIGTERM to its process group), then wait until
    every kernel process is gone, so that no dying kernel runs into the next level (bounded)."""
    import psutil

    from conftest import stop_process

    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kids = []
    stop_process(proc)

    def running(k) -> bool:
        try:
            return k.is_running() and k.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(running(k) for k in kids):
        time.sleep(0.1)
    for k in kids:                     # the server's own kernels only (pids collected above)
        if running(k):
            try:
                k.kill()
            except psutil.NoSuchProcess:
                pass


def _wait_pool(url: str, page: str, n: int, timeout: float = 300.0) -> int:
    """Wait until ``n`` preheated kernels of ``page`` wait for a visitor (Voila's log); returns how many do."""
    def waiting() -> int:
        text = _log(url).read_text(encoding="utf-8", errors="replace") if _log(url).exists() else ""
        return text.count(f"INFO {page}: waiting for a visit") - text.count(f"INFO {page}: visit")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and waiting() < n:
        time.sleep(0.5)
    return waiting()


def _fetch_all(url: str, paths: list[str], n: int) -> list[float]:
    """What the server does for N viewers at once: each fetches the page and Plotly's bundle (no
    rendering; the browsers' own drawing is measured by the full visits, on the same 2 cores)."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def one(_):
        t0 = time.perf_counter()
        for p in paths:
            with urllib.request.urlopen(url + p, timeout=60) as r:
                r.read()
        return time.perf_counter() - t0
    with ThreadPoolExecutor(n) as ex:
        return list(ex.map(one, range(n)))


def _static_edition(work: Path, db: Path, levels: list[int], open_all) -> dict:
    """The same viewers on the static edition (`shiwu publish` of the same store and report date),
    served by a plain threaded HTTP server (python -m http.server): no kernel per viewer."""
    import subprocess

    from shiwu_lib.api import Database
    from shiwu_lib.publish import PLOTLY_JS, publish

    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    t0 = time.perf_counter()
    with Database(db) as x:
        files = publish(REPORT_DATE, site, db=x)
    out: dict = {"publish_s": round(time.perf_counter() - t0, 2), "files": len(files),
                 "bytes": sum(f.stat().st_size for f in files), "server": "python -m http.server (ThreadingHTTPServer)",
                 "levels": {}}
    import socket

    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        port = so.getsockname()[1]
    srv = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for n in levels:
            load = os.getloadavg()[0]
            fetch = _fetch_all(url, ["/index.html", "/" + PLOTLY_JS], n)
            times = open_all(url, n)
            out["levels"][str(n)] = {"slowest_s": round(max(times), 2), "median_s": round(statistics.median(times), 2),
                                     "fastest_s": round(min(times), 2), "load_1min_before": round(load, 2),
                                     "server_slowest_s": round(max(fetch), 3)}
        one = out["levels"].get("1", {}).get("slowest_s")
        for r in out["levels"].values():
            r["slowest_vs_one_viewer"] = ratio(r["slowest_s"], one) if one else None
    finally:
        srv.terminate()
        srv.wait(timeout=10)
    return out


# --------------------------------------------------------------------------- (f) pack
def bench_pack(work: Path, args) -> dict:
    env_for(work)
    from shiwu_lib.api import Database
    from shiwu_lib.pack import build_pack

    db = store_path(work)
    out = work / "pack"
    shutil.rmtree(out, ignore_errors=True)
    marks: list[tuple[float, str, int | None, int | None]] = []

    def progress(step, i=None, n=None):
        marks.append((time.perf_counter(), step, i, n))

    with Database(db) as x:
        t0 = time.perf_counter()
        r = build_pack(as_of=REPORT_DATE, out_dir=out, db=x, progress=progress)
        total = time.perf_counter() - t0
    steps: dict[str, float] = {}
    chart_times = []
    for (t, s, i, n), nxt in zip(marks, marks[1:] + [(t0 + total, "end", None, None)]):
        name = "charts" if s.startswith("图表") or s == "绘制图表" else s
        steps[name] = steps.get(name, 0.0) + (nxt[0] - t)
        if s.startswith("图表"):
            chart_times.append(nxt[0] - t)
    n_img = len(r.charts)
    first_chart = [t for t, s, i, n in marks if s.startswith("图表")][:1]
    start_charts = [t for t, s, i, n in marks if s == "绘制图表"][:1]
    charts_startup = (first_chart[0] - start_charts[0]) if first_chart and start_charts else None
    # the floor of one chart image: a trivial Plotly figure through kaleido's kept-open server
    import kaleido
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2]))
    floor_dir = work / "kaleido-floor"
    floor_dir.mkdir(exist_ok=True)
    kaleido.start_sync_server()
    try:
        fig.write_image(floor_dir / "warm.png")
        ts = [timed(fig.write_image, floor_dir / f"f{i}.png")[0] for i in range(5)]
    finally:
        kaleido.stop_sync_server()
    shutil.rmtree(floor_dir, ignore_errors=True)
    floor_img = statistics.median(ts)
    per = (steps.get("charts", 0.0) / n_img) if n_img else None
    return {
        "part": "pack", "machine": machine(), "report_date": REPORT_DATE.isoformat(), "total_s": round(total, 2),
        "steps_s": {k: round(v, 2) for k, v in steps.items()}, "chart_files": n_img,
        "svg_files": sum(1 for c in r.charts if c.svg is not None),
        "per_chart_s": round(per, 3) if per else None,
        "per_chart_median_s": round(statistics.median(chart_times), 3) if chart_times else None,
        "charts_until_first_image_s": round(charts_startup, 2) if charts_startup else None,
        "floor_kaleido_trivial_png_s": round(floor_img, 3),
        "ratio_per_chart_vs_floor": ratio(per, floor_img) if per else None,
    }


PARTS = {"build": bench_build, "assess": bench_assess, "ingest": bench_ingest, "voila": bench_voila,
         "concurrent": bench_concurrent, "pack": bench_pack}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("part", choices=sorted(PARTS))
    ap.add_argument("--work", default="/tmp/shiwu-bench/province")
    ap.add_argument("--sample", type=int, default=3, help="assess: regions for compute_out_tables")
    ap.add_argument("--workbooks", type=int, default=0, help="ingest: at most this many (0: all)")
    ap.add_argument("--openpyxl-every", type=int, default=4,
                    help="ingest: openpyxl's floor on every N-th workbook, scaled to all (1: all of them)")
    ap.add_argument("--reps", type=int, default=2, help="voila: visits per page and mode")
    ap.add_argument("--levels", default="1,5,10", help="concurrent: numbers of viewers")
    ap.add_argument("--sized-pool", action="store_true",
                    help="concurrent: also the largest level with the overview pool sized for it (off: ~2 min more)")
    a = ap.parse_args(argv)
    work = Path(a.work).resolve()
    t = time.perf_counter()
    res = PARTS[a.part](work, a)
    res["wall_s"] = round(time.perf_counter() - t, 1)
    out = work / "results"
    out.mkdir(exist_ok=True)
    (out / f"{a.part}.json").write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in res.items() if not k.startswith("profile")}, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
