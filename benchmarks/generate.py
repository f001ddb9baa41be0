"""A deterministic synthetic province-scale data folder for the benchmarks (合成数据, never real figures).

    python benchmarks/generate.py --out /tmp/shiwu-bench/province --regions 90 --workbooks 1000

writes ``OUT/data/`` (a copy of the repository's ``data/curated`` and ``data/raw/plan`` with ``N``
synthetic regions 合成县01 … 合成县NN added beside 义乌), ``OUT/workbooks/`` (``M`` filled return
workbooks of the synthetic regions, written with shiwu's own template writer) and ``OUT/README.md``.
Point ``SHIWU_DATA_DIR`` at ``OUT/data`` to build it. Nothing is ever written under the repository's
``data/``: the output folder must lie outside it.

Each synthetic region is a copy of 义乌's plan tables (plan description with ``region = "合成县NN"``,
projects, indicators, context indicators, targets, key tasks, derivations) under its own name, plus
published-style actuals of every indicator that has a target and a unit:

* flows and growth rates: monthly year-to-date values 2023M01 … 2027M12 and the full year;
* stocks, shares and ratios: quarter-end values 2023Q1 … 2027Q4 and the full year;
* vintages: every value is first published 20 days after its period ends; a quarter of the monthly
  and quarterly values are revised 30 days later (±1.5 %); every full-year value is published in
  February and revised at the end of April of the next year.

Values follow each target × a pace factor per region and project (0.80–1.20, seeded), so the
lights and rankings differ between regions. Every row is labelled: the source title starts with
``合成数据（基准测试）``, ``source_kind`` is ``synthetic``, the note says so, the region names start
with 合成县. The same seed and sizes give byte-identical CSVs and workbooks.

``--workers`` (2) spawned processes do the work: the regions' actuals first (one job a region, the CSV
bytes written by the main process in region order), then the workbooks (20 a job); the files are the
same bytes as with ``--workers 1`` (tests/test_benchmarks_smoke.py compares both).
"""
from __future__ import annotations

import _random
import argparse
import calendar
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 20230426
GENERATOR_VERSION = "1"
YEARS = range(2023, 2028)
CURATED_COPY = ("projects.csv", "indicators.csv", "context_indicators.csv", "targets.csv", "key_tasks.csv",
                "derivations.csv")
LABEL = "合成数据（基准测试，非真实统计）"
#: the workbooks' quarters: closed before the fixed ingest date of the benchmark
WORKBOOK_QUARTERS = [f"{y}Q{q}" for y in range(2023, 2027) for q in range(1, 5)][:14]   # 2023Q1 … 2026Q2
INGEST_TODAY = dt.date(2026, 11, 1)


def region_names(n: int) -> list[str]:
    width = max(2, len(str(n)))
    return [f"合成县{i:0{width}d}" for i in range(1, n + 1)]


def _rng(*parts) -> random.Random:
    return random.Random("-".join(str(p) for p in parts))


_R = random.Random()


def _rand(key: str) -> float:
    """``random.Random(key).random()`` for a str ``key`` (the version-2 seed: the key's bytes and their
    sha512 as one integer), on one reused generator: the same number, without a new object each time."""
    a = key.encode()
    _random.Random.seed(_R, int.from_bytes(a + hashlib.sha512(a).digest(), "big"))
    return _R.random()


@functools.lru_cache(maxsize=None)
def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


# --------------------------------------------------------------------------- value model
class Model:
    """The synthetic value of one indicator of one region for any month / quarter / year (its unit).

    Every random draw is ``random.Random("-".join(key parts)).random()`` (:func:`_rand`); the values of
    a year / quarter are memoised per model (they are pure functions of the key)."""

    def __init__(self, ind: dict, targets: list[dict], pace: float, seed: int, region: str):
        self.id, self.unit = ind["indicator_id"], ind["unit"]
        self.measure = ind.get("measure") or "stock"
        self.lower = (ind.get("direction") or "higher") == "lower"
        self.pace = (2 - pace) if self.lower else pace
        self.key = (seed, region, self.id)
        self.prefix = f"{seed}-{region}-{self.id}-"
        self.t = targets
        self._memo: dict = {}

    def _noise(self, *k, spread=0.03) -> float:
        return 1 + spread * (2 * _rand(self.prefix + "-".join(map(str, k))) - 1)

    def _anchor(self, year: int) -> float:
        key = ("anchor", year)
        if key not in self._memo:
            self._memo[key] = self._anchor_of(year)
        return self._memo[key]

    def _anchor_of(self, year: int) -> float:
        fy = [t for t in self.t if t["period"] == "FY" and t["end"] == year]
        if fy:
            return fy[0]["v"]
        span = [t for t in self.t if "-" in t["period"] and t["start"] <= year <= t["end"]]
        if span:
            t = span[0]
            if self.measure == "flow" and (t["kind"] == "cumulative_flow" or t["cumulative"]):
                return t["v"] / (t["end"] - t["start"] + 1)
            return t["v"]
        t = min(self.t, key=lambda t: abs(t["end"] - year))
        return t["v"] * (1.05 ** (year - t["end"]) if self.measure == "flow" else 1.0)

    def annual_flow(self, year: int) -> float:
        key = ("fy", year)
        if key not in self._memo:
            self._memo[key] = self._anchor(year) * self.pace * self._noise(year, "fy")
        return self._memo[key]

    def rate(self, year: int) -> float:
        key = ("rate", year)
        if key not in self._memo:
            self._memo[key] = self._anchor(year) * self.pace * self._noise(year, "rate", spread=0.15)
        return self._memo[key]

    def level(self, year: int, q: int) -> float:
        """Stocks, shares, ratios: linear from a start below the goal (2023Q1) to goal × pace (2027Q4)."""
        key = ("lvl", year, q)
        if key in self._memo:
            return self._memo[key]
        goal = self._anchor(2027)
        near = self.measure == "share" or self.unit in ("%", "分", "倍", "个百分点")
        start = goal * (0.92 if near else 0.6) if not self.lower else goal * 1.1
        end = goal * (1 + (self.pace - 1) * (0.1 if near else 1.0))
        i = (year - 2023) * 4 + q - 1
        v = start + (end - start) * i / 19
        v *= self._noise(year, q, "lvl", spread=0.01)
        if self.unit == "%" and self.measure == "share" and goal <= 100:
            v = min(v, 100.0)
        self._memo[key] = v
        return v

    @property
    def ytd(self) -> bool:
        return self.measure in ("flow", "rate")

    def value(self, year: int, sub: int, freq: str) -> float:
        """freq M: month ``sub`` (ytd); Q: quarter ``sub`` (ytd for flows/rates, quarter end else); Y: the year."""
        if freq == "Y":
            sub, freq = (12, "M") if self.ytd else (4, "Q")
        key = (year, sub, freq)
        if key not in self._memo:
            self._memo[key] = self._value(year, sub, freq)
        return self._memo[key]

    def _value(self, year: int, sub: int, freq: str) -> float:
        if self.measure == "flow":
            months = sub if freq == "M" else 3 * sub
            v = self.annual_flow(year) * months / 12 * self._noise(year, freq, sub, "ytd", spread=0.02)
        elif self.measure == "rate":
            months = sub if freq == "M" else 3 * sub
            r = self.rate(year)
            v = r + abs(r) * 0.15 * (2 * _rand(f"{self.prefix}{year}-{months}-rq") - 1) * (12 - months) / 11
        else:
            q = sub if freq == "Q" else (sub - 1) // 3 + 1
            v = self.level(year, q)
        return round(v, 2) if abs(v) < 100 else round(v, 1)


def _targets_by_indicator(targets: pd.DataFrame) -> dict[str, list[dict]]:
    from shiwu_lib.returns import common

    by_ind: dict[str, list[dict]] = {}
    for r in targets.to_dict("records"):
        if not r["indicator_id"] or str(r["stretch"]).lower() == "true":
            continue
        unit = r["ind_unit"]
        try:
            v = float(r["value"]) if r["unit"] == unit else common.from_base(float(r["value_base"]), unit)
        except (KeyError, ValueError):
            continue
        by_ind.setdefault(r["indicator_id"], []).append({
            "v": v, "period": r["period"], "kind": r["kind"], "start": int(r["start_year"]),
            "end": int(r["target_year"]), "cumulative": str(r["cumulative"]).lower() == "true"})
    return by_ind


def _models(region: str, inds: list[dict], by_ind: dict[str, list[dict]], seed: int) -> dict[str, Model]:
    from shiwu_lib.returns import common

    out = {}
    for ind in inds:
        if ind["indicator_id"] not in by_ind or not ind["unit"] or not common.is_known_unit(ind["unit"]):
            continue
        pn = int(ind["project_no"])
        pace = round(0.8 + 0.4 * _rand(f"{seed}-{region}-pace-{pn}"), 3)
        out[ind["indicator_id"]] = Model(ind, by_ind[ind["indicator_id"]], pace, seed, region)
    return out


@functools.lru_cache(maxsize=4)
def _yiwu_plan(curated: str) -> tuple[list[dict], dict[str, list[dict]]]:
    """义乌's indicators (records) and usable targets by indicator, read once per process: every synthetic
    region is a copy of them (only the pace and the draws differ by region)."""
    curated = Path(curated)
    inds = pd.read_csv(curated / "indicators.csv", dtype=str, keep_default_na=False)
    inds = inds[inds["region"] == "义乌"]
    tg = pd.read_csv(curated / "targets.csv", dtype=str, keep_default_na=False)
    tg = tg[tg["region"] == "义乌"].merge(inds[["indicator_id", "unit"]].rename(columns={"unit": "ind_unit"}),
                                         on="indicator_id", how="inner")
    return inds.to_dict("records"), _targets_by_indicator(tg)


def region_models(region: str, curated: Path, seed: int = SEED) -> dict[str, Model]:
    inds, by_ind = _yiwu_plan(str(Path(curated).resolve()))
    return _models(region, inds, by_ind, seed)


# --------------------------------------------------------------------------- published-style actuals
#: the columns of published_actuals.csv, in order (the bundled file's header; checked in prepare_data)
ACTUAL_COLUMNS = ("indicator_id", "region", "period_label", "freq", "year", "period_start", "period_end", "ytd",
                  "value", "value_qualifier", "unit", "indicator_as_published", "raw_period", "quote_number",
                  "source_title", "source_address", "source_kind", "grade", "quote", "published_on",
                  "published_on_estimated", "check_status", "note", "raw_row", "raw_file")
_KIND = {False: "初值", True: "修订"}
_NOTE = {r: f"synthetic benchmark data (合成数据, {k})" for r, k in _KIND.items()}


def region_actual_rows(region: str, models: dict[str, Model], names: dict[str, str], seed: int) -> list[list[str]]:
    """The published-style rows of one synthetic region, each a list of strings in ACTUAL_COLUMNS order."""
    rows: list[list[str]] = []

    def row(m, name_zh, label, freq, year, start, end, value, published_on, revision):
        kind = _KIND[revision]
        month = f"{published_on.year:04d}-{published_on.month:02d}"
        shown = f"{value:g}{m.unit}"
        return [m.id, region, label, freq, str(year), start, end, "true" if m.ytd else "false",
                repr(value), "", m.unit, name_zh, label, shown,
                f"{LABEL}{region}统计月报 {month}", f"synthetic://shiwu-bench/{region}/{month}", "synthetic", "official",
                f"{LABEL}{name_zh}{label}{kind}{shown}", published_on.isoformat(), "false", "verified",
                _NOTE[revision], str(len(rows)), "synthetic"]

    def add(m, name_zh, label, freq, year, start, end, value, first_pub, revise_days):
        start, end_s = start.isoformat(), end.isoformat()
        rows.append(row(m, name_zh, label, freq, year, start, end_s, value, first_pub, False))
        if revise_days:
            v2 = round(value * (1 + 0.015 * (2 * _rand(f"{seed}-{region}-{m.id}-{label}-rev") - 1)), 2)
            rows.append(row(m, name_zh, label, freq, year, start, end_s, v2,
                            first_pub + dt.timedelta(days=revise_days), True))

    day20, day69 = dt.timedelta(days=20), 69
    for ind_id in sorted(models):
        m = models[ind_id]
        name_zh = names[m.id]
        for y in YEARS:
            jan1 = dt.date(y, 1, 1)
            if m.ytd:
                for mo in range(1, 13):
                    end = month_end(y, mo)
                    rev = 30 if _rand(f"{seed}-{region}-{ind_id}-{y}-{mo}-r?") < 0.25 else 0
                    add(m, name_zh, f"{y}M{mo:02d}", "M", y, jan1, end, m.value(y, mo, "M"), end + day20, rev)
            else:
                for q in range(1, 5):
                    end = month_end(y, 3 * q)
                    start = dt.date(y, 3 * q - 2, 1)
                    rev = 30 if _rand(f"{seed}-{region}-{ind_id}-{y}-{q}-r?") < 0.25 else 0
                    add(m, name_zh, f"{y}Q{q}", "Q", y, start, end, m.value(y, q, "Q"), end + day20, rev)
            add(m, name_zh, str(y), "Y", y, jan1, dt.date(y, 12, 31), m.value(y, 0, "Y"), dt.date(y + 1, 2, 20), day69)
    return rows


@functools.lru_cache(maxsize=4)
def _indicator_names(curated: str) -> dict[str, str]:
    inds = pd.read_csv(Path(curated) / "indicators.csv", dtype=str, keep_default_na=False)
    return dict(zip(inds["indicator_id"], inds["name_zh"]))


def _csv_text(rows: list[list[str]]) -> bytes:
    """Rows as pandas' ``to_csv`` writes them (it writes with the csv module: minimal quoting, "\n")."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", delimiter=",", quoting=csv.QUOTE_MINIMAL, doublequote=True,
               escapechar=None, quotechar='"').writerows(rows)
    return buf.getvalue().encode("utf-8")


def _region_csv(job: tuple) -> tuple[bytes, int]:
    """One synthetic region's published_actuals.csv rows, as bytes (a pool job: regions in any process,
    collected in region order)."""
    region, seed = job
    curated = str((ROOT / "data" / "curated").resolve())
    rows = region_actual_rows(region, region_models(region, Path(curated), seed), _indicator_names(curated), seed)
    return _csv_text(rows), len(rows)


# --------------------------------------------------------------------------- the data folder
def prepare_data(out: Path, regions: list[str]) -> pd.DataFrame:
    """``OUT/data`` without its published_actuals.csv: the plan tables and curated tables of 义乌 copied
    for every synthetic region. Returns the bundled published actuals (the CSV's first rows)."""
    src = ROOT / "data"
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    (data / "curated" / "plans").mkdir(parents=True)
    shutil.copytree(src / "raw" / "plan", data / "raw" / "plan")
    (data / "raw" / "returns").mkdir(parents=True)
    cur = data / "curated"
    for f in (src / "curated").glob("*.csv"):
        if f.name not in CURATED_COPY and f.name != "published_actuals.csv":
            shutil.copy2(f, cur / f.name)
    yiwu_plan = (src / "curated" / "plans" / "yiwu.toml").read_text(encoding="utf-8")
    shutil.copy2(src / "curated" / "plans" / "yiwu.toml", cur / "plans" / "yiwu.toml")
    for i, r in enumerate(regions, start=1):
        text = yiwu_plan.replace('region = "义乌"', f'region = "{r}"').replace("default = true", "default = false")
        text = f"# {LABEL}: a synthetic region for the benchmarks (benchmarks/generate.py), a copy of 义乌's plan\n" + text
        (cur / "plans" / f"synthetic_{i:03d}.toml").write_text(text, encoding="utf-8")
    for name in CURATED_COPY:
        f = src / "curated" / name
        if not f.exists():
            continue
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        base = df[df["region"].isin(["义乌", ""])]
        pd.concat([df] + [base.assign(region=r) for r in regions]).to_csv(cur / name, index=False)
    pub = pd.read_csv(src / "curated" / "published_actuals.csv", dtype=str, keep_default_na=False)
    if tuple(pub.columns) != ACTUAL_COLUMNS:
        raise SystemExit(f"published_actuals.csv's columns changed; update generate.ACTUAL_COLUMNS: {list(pub.columns)}")
    return pub


def write_actuals(out: Path, pub: pd.DataFrame, chunks) -> dict:
    """``OUT/data/curated/published_actuals.csv``: the bundled rows, then each region's ``(bytes, rows)``
    from ``chunks`` in region order (the same bytes pandas wrote for the concatenated frame), written under
    a temporary name and renamed once complete."""
    final = out / "data" / "curated" / "published_actuals.csv"
    part = final.with_name(".published_actuals.csv.part")
    counts = []
    with open(part, "wb") as f:
        f.write(pub.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        for text, n in chunks:
            f.write(text)
            counts.append(n)
    os.replace(part, final)
    return {"published_rows": int(len(pub) + sum(counts)), "synthetic_rows": int(sum(counts)),
            "rows_per_region": int(max(counts)) if counts else 0}


def write_data(out: Path, regions: list[str], seed: int) -> dict:
    """The data folder in this process (``generate`` runs the regions in its worker pool instead)."""
    pub = prepare_data(out, regions)
    return write_actuals(out, pub, (_region_csv((r, seed)) for r in regions))


# --------------------------------------------------------------------------- return workbooks
def workbook_plan(regions: list[str], m: int) -> list[tuple[str, int, str]]:
    """(region, project, quarter) of the ``m`` workbooks: regions in order, ten projects, 2023Q1 … 2026Q2."""
    out = []
    for r in regions:
        for pn in range(1, 11):
            for q in WORKBOOK_QUARTERS:
                out.append((r, pn, q))
                if len(out) == m:
                    return out
    return out


def _fill(wb, pn: int, label: str, models: dict[str, Model], seed: int, region: str) -> None:
    from shiwu_lib.returns import layout
    from shiwu_lib.returns.common import SHEET_IND, SHEET_TASK, parse_period

    p = parse_period(label)
    ws = wb[SHEET_IND]
    cols = [c.key for c in layout.ind_columns(p)]
    ci = {k: cols.index(k) + 1 for k in cols}
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        ind_id = ws.cell(r, ci["indicator_id"]).value
        m = models.get(str(ind_id)) if ind_id else None
        if m is None:
            continue
        ws.cell(r, ci["actual"], m.value(p.year, p.sub, "Q"))
        if not ws.cell(r, ci["unit"]).value:
            ws.cell(r, ci["unit"], m.unit)
        ws.cell(r, ci["confirm"], "否")
    ws = wb[SHEET_TASK]
    cols = [c.key for c in layout.task_columns(p)]
    ci = {k: cols.index(k) + 1 for k in cols}
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        tid = ws.cell(r, ci["task_id"]).value
        if not tid:
            continue
        pct = min(100, 25 * p.sub + 5 * _rng(seed, region, tid, label).randrange(-2, 3))
        ws.cell(r, ci["status"], "已完成" if pct >= 100 else "推进中")
        ws.cell(r, ci["progress_pct"], float(pct))
        ws.cell(r, ci["progress_text"], f"{LABEL}完成年度任务的{pct}%")


def _write_workbooks(job: tuple) -> list[str]:
    data_dir, out_dir, items, seed = job
    os.environ["SHIWU_DATA_DIR"] = str(data_dir)
    from shiwu_lib.returns import common
    from shiwu_lib.returns.template import build_workbook, save_workbook

    models: dict[str, dict] = {}
    written = []
    for region, pn, label in items:
        if region not in models:
            models[region] = region_models(region, ROOT / "data" / "curated", seed)
        p = common.parse_period(label)
        stamp = dt.datetime.combine(p.deadline - dt.timedelta(days=3), dt.time(9, 0))
        # problems=[] and bases={}: nothing is read from a store (the workbook is what `shiwu template`
        # writes for a project without open problems or pre-filled 2022 values)
        wb = build_workbook(pn, label, region, problems=[], generated_at=stamp, bases={})
        _fill(wb, pn, label, models[region], seed, region)
        short = common.project_row(pn, region).get("short_zh") or f"p{pn:02d}"
        f = Path(out_dir) / f"合成_{region}_{pn:02d}{short}_{label}.xlsx"
        save_workbook(wb, f, stamp)
        written.append(f.name)
    return written


#: workbooks per pool job: small enough that the two workers finish within a few seconds of each other
WORKBOOK_CHUNK = 20


def prepare_workbooks(out: Path, regions: list[str], m: int, seed: int, chunk: int = 0) -> tuple[list[tuple], int]:
    """An empty ``OUT/workbooks`` and the pool jobs writing its ``m`` workbooks, ``chunk`` a job (0: one job)."""
    wdir = out / "workbooks"
    if wdir.exists():
        shutil.rmtree(wdir)
    wdir.mkdir(parents=True)
    items = workbook_plan(regions, m)
    size = chunk or max(1, len(items))
    return [(out / "data", wdir, items[i:i + size], seed) for i in range(0, len(items), size)], len(items)


def write_workbooks(out: Path, regions: list[str], m: int, seed: int, workers: int = 2) -> int:
    """The workbooks alone (after :func:`write_data`); ``generate`` runs them in its pool beside the data."""
    jobs, n = prepare_workbooks(out, regions, m, seed, chunk=WORKBOOK_CHUNK if workers > 1 else 0)
    if workers <= 1 or len(jobs) <= 1:
        for j in jobs:
            _write_workbooks(j)
    else:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(min(workers, len(jobs))) as pool:
            pool.map(_write_workbooks, jobs, chunksize=1)
    return n


def _generate_files(out: Path, regions: list[str], n_workbooks: int, seed: int, workers: int) -> tuple[dict, int, dict]:
    """Write data/ and workbooks/; returns (data info, workbooks written, seconds per step).

    With ``workers`` > 1 one spawn pool does both: first the regions' actuals (one job a region, their
    CSV bytes collected in region order and written by this process as they arrive), then the workbooks
    in chunks of WORKBOOK_CHUNK. The curated tables the workbooks read are written before the pool starts;
    published_actuals.csv is written under a temporary name and renamed when complete (the workbooks do not
    read it: ``build_workbook(..., bases={})``). Every file is the same bytes as a sequential run."""
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    pub = prepare_data(out, regions)
    wb_jobs, n_wb = prepare_workbooks(out, regions, n_workbooks, seed, chunk=WORKBOOK_CHUNK if workers > 1 else 0)
    steps["copy_curated_s"] = round(time.perf_counter() - t0, 1)
    region_jobs = [(r, seed) for r in regions]
    if workers <= 1:
        t = time.perf_counter()
        info = write_actuals(out, pub, (_region_csv(j) for j in region_jobs))
        steps["actuals_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        for j in wb_jobs:
            _write_workbooks(j)
        steps["workbooks_s"] = round(time.perf_counter() - t, 1)
        return info, n_wb, steps
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(workers) as pool:
        t = time.perf_counter()
        chunks = pool.imap(_region_csv, region_jobs, chunksize=1)
        pending = pool.map_async(_write_workbooks, wb_jobs, chunksize=1) if wb_jobs else None
        info = write_actuals(out, pub, chunks)
        steps["actuals_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        if pending is not None:
            pending.get()
        steps["workbooks_after_actuals_s"] = round(time.perf_counter() - t, 1)
    return info, n_wb, steps


README = """# 合成数据 — synthetic benchmark data (NOT real statistics)

Written by `benchmarks/generate.py` of the shiwu repository (generator v{version}, seed {seed}).
Every region named 合成县NN, every value whose source title starts with “{label}”
and every workbook under `workbooks/` is invented for the benchmarks. 义乌's own rows are a copy of
the repository's data/ at generation time.

- `data/`: a data folder for `SHIWU_DATA_DIR` ({n_regions} synthetic regions + 义乌;
  {published_rows} published-style rows, {synthetic_rows} of them synthetic)
- `workbooks/`: {n_workbooks} filled return workbooks of the synthetic regions (quarters
  {q0} … {q1}), written with `shiwu_lib.returns.template`
- `manifest.json`: the parameters and a sha256 of every generated file
"""


def generate(out: Path, n_regions: int = 90, n_workbooks: int = 1000, seed: int = SEED, workers: int = 2,
             force: bool = False) -> dict:
    out = Path(out).resolve()
    if out == (ROOT / "data").resolve() or (ROOT / "data").resolve() in out.parents:
        raise SystemExit(f"refusing to write synthetic data under the repository's data/: {out}")
    params = {"version": GENERATOR_VERSION, "seed": seed, "regions": n_regions, "workbooks": n_workbooks,
              "inputs": _inputs_sha()}
    manifest = out / "manifest.json"
    if not force and manifest.exists():
        old = json.loads(manifest.read_text(encoding="utf-8"))
        if old.get("params") == params:
            return {**old, "reused": True}
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    regions = region_names(n_regions)
    info, n_wb, steps = _generate_files(out, regions, n_workbooks, seed, workers)
    t = time.perf_counter()
    # the generated files only (a work folder also holds the benchmarks' store, results, pack …)
    files = sorted(p for d in ("data", "workbooks") for p in (out / d).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(out).as_posix().encode())
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    steps["sha256_s"] = round(time.perf_counter() - t, 1)
    result = {"params": params, **info, "n_workbooks": n_wb, "regions": len(regions) + 1,
              "content_sha256": digest.hexdigest(), "generated_at": dt.datetime.now().isoformat(timespec="seconds"),
              "workers": workers, "steps_s": steps, "generate_s": round(time.perf_counter() - t0, 1)}
    (out / "README.md").write_text(README.format(
        version=GENERATOR_VERSION, seed=seed, label=LABEL, n_regions=n_regions, n_workbooks=n_wb,
        q0=WORKBOOK_QUARTERS[0], q1=WORKBOOK_QUARTERS[-1], **info), encoding="utf-8")
    manifest.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {**result, "reused": False}


def _inputs_sha() -> str:
    h = hashlib.sha256()
    for f in sorted((ROOT / "data" / "curated").rglob("*")) + [Path(__file__)]:
        if f.is_file():
            h.update(f.name.encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    for f in sorted((ROOT / "shiwu_lib" / "returns" / n) for n in ("template.py", "layout.py", "common.py")):
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/shiwu-bench/province")
    ap.add_argument("--regions", type=int, default=90)
    ap.add_argument("--workbooks", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--force", action="store_true", help="regenerate even if the manifest matches")
    a = ap.parse_args(argv)
    r = generate(Path(a.out), a.regions, a.workbooks, a.seed, a.workers, a.force)
    print(json.dumps({k: v for k, v in r.items() if k != "params"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
