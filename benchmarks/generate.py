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
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import sys
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


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


# --------------------------------------------------------------------------- value model
class Model:
    """The synthetic value of one indicator of one region for any month / quarter / year (its unit)."""

    def __init__(self, ind: dict, targets: list[dict], pace: float, seed: int, region: str):
        self.id, self.unit = ind["indicator_id"], ind["unit"]
        self.measure = ind.get("measure") or "stock"
        self.lower = (ind.get("direction") or "higher") == "lower"
        self.pace = (2 - pace) if self.lower else pace
        self.key = (seed, region, self.id)
        self.t = targets

    def _noise(self, *k, spread=0.03) -> float:
        return 1 + spread * (2 * _rng(*self.key, *k).random() - 1)

    def _anchor(self, year: int) -> float:
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
        return self._anchor(year) * self.pace * self._noise(year, "fy")

    def rate(self, year: int) -> float:
        return self._anchor(year) * self.pace * self._noise(year, "rate", spread=0.15)

    def level(self, year: int, q: int) -> float:
        """Stocks, shares, ratios: linear from a start below the goal (2023Q1) to goal × pace (2027Q4)."""
        goal = self._anchor(2027)
        near = self.measure == "share" or self.unit in ("%", "分", "倍", "个百分点")
        start = goal * (0.92 if near else 0.6) if not self.lower else goal * 1.1
        end = goal * (1 + (self.pace - 1) * (0.1 if near else 1.0))
        i = (year - 2023) * 4 + q - 1
        v = start + (end - start) * i / 19
        v *= self._noise(year, q, "lvl", spread=0.01)
        if self.unit == "%" and self.measure == "share" and goal <= 100:
            v = min(v, 100.0)
        return v

    @property
    def ytd(self) -> bool:
        return self.measure in ("flow", "rate")

    def value(self, year: int, sub: int, freq: str) -> float:
        """freq M: month ``sub`` (ytd); Q: quarter ``sub`` (ytd for flows/rates, quarter end else); Y: the year."""
        if freq == "Y":
            sub, freq = (12, "M") if self.ytd else (4, "Q")
        if self.measure == "flow":
            months = sub if freq == "M" else 3 * sub
            v = self.annual_flow(year) * months / 12 * self._noise(year, freq, sub, "ytd", spread=0.02)
        elif self.measure == "rate":
            months = sub if freq == "M" else 3 * sub
            r = self.rate(year)
            v = r + abs(r) * 0.15 * (2 * _rng(*self.key, year, months, "rq").random() - 1) * (12 - months) / 11
        else:
            q = sub if freq == "Q" else (sub - 1) // 3 + 1
            v = self.level(year, q)
        return round(v, 2) if abs(v) < 100 else round(v, 1)


def _models(region: str, inds: pd.DataFrame, targets: pd.DataFrame, seed: int) -> dict[str, Model]:
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
    out = {}
    for ind in inds.to_dict("records"):
        if ind["indicator_id"] not in by_ind or not ind["unit"] or not common.is_known_unit(ind["unit"]):
            continue
        pn = int(ind["project_no"])
        pace = round(0.8 + 0.4 * _rng(seed, region, "pace", pn).random(), 3)
        out[ind["indicator_id"]] = Model(ind, by_ind[ind["indicator_id"]], pace, seed, region)
    return out


def region_models(region: str, curated: Path, seed: int = SEED) -> dict[str, Model]:
    inds = pd.read_csv(curated / "indicators.csv", dtype=str, keep_default_na=False)
    inds = inds[inds["region"] == "义乌"]
    tg = pd.read_csv(curated / "targets.csv", dtype=str, keep_default_na=False)
    tg = tg[tg["region"] == "义乌"].merge(inds[["indicator_id", "unit"]].rename(columns={"unit": "ind_unit"}),
                                         on="indicator_id", how="inner")
    return _models(region, inds, tg, seed)


# --------------------------------------------------------------------------- published-style actuals
def _row(region, m: Model, name_zh, label, freq, year, start, end, value, published_on, n, revision):
    month = published_on.strftime("%Y-%m")
    kind = "修订" if revision else "初值"
    return {
        "indicator_id": m.id, "region": region, "period_label": label, "freq": freq, "year": year,
        "period_start": start.isoformat(), "period_end": end.isoformat(), "ytd": "true" if m.ytd else "false",
        "value": repr(value), "value_qualifier": "", "unit": m.unit, "indicator_as_published": name_zh,
        "raw_period": label, "quote_number": f"{value:g}{m.unit}",
        "source_title": f"{LABEL}{region}统计月报 {month}", "source_address": f"synthetic://shiwu-bench/{region}/{month}",
        "source_kind": "synthetic", "grade": "official",
        "quote": f"{LABEL}{name_zh}{label}{kind}{value:g}{m.unit}", "published_on": published_on.isoformat(),
        "published_on_estimated": "false", "check_status": "verified",
        "note": f"synthetic benchmark data (合成数据, {kind})", "raw_row": str(n), "raw_file": "synthetic",
    }


def region_actuals(region: str, models: dict[str, Model], names: dict[str, str], seed: int) -> list[dict]:
    rows: list[dict] = []

    def add(m, label, freq, year, start, end, value, first_pub, revise_days):
        rows.append(_row(region, m, names[m.id], label, freq, year, start, end, value, first_pub, len(rows), False))
        if revise_days:
            v2 = round(value * (1 + 0.015 * (2 * _rng(seed, region, m.id, label, "rev").random() - 1)), 2)
            rows.append(_row(region, m, names[m.id], label, freq, year, start, end, v2,
                             first_pub + dt.timedelta(days=revise_days), len(rows), True))

    for ind_id in sorted(models):
        m = models[ind_id]
        for y in YEARS:
            if m.ytd:
                for mo in range(1, 13):
                    end = month_end(y, mo)
                    rev = 30 if _rng(seed, region, ind_id, y, mo, "r?").random() < 0.25 else 0
                    add(m, f"{y}M{mo:02d}", "M", y, dt.date(y, 1, 1), end, m.value(y, mo, "M"),
                        end + dt.timedelta(days=20), rev)
            else:
                for q in range(1, 5):
                    end = month_end(y, 3 * q)
                    start = dt.date(y, 3 * q - 2, 1)
                    rev = 30 if _rng(seed, region, ind_id, y, q, "r?").random() < 0.25 else 0
                    add(m, f"{y}Q{q}", "Q", y, start, end, m.value(y, q, "Q"), end + dt.timedelta(days=20), rev)
            add(m, str(y), "Y", y, dt.date(y, 1, 1), dt.date(y, 12, 31), m.value(y, 0, "Y"),
                dt.date(y + 1, 2, 20), 69)
    return rows


# --------------------------------------------------------------------------- the data folder
def write_data(out: Path, regions: list[str], seed: int) -> dict:
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
    inds = pd.read_csv(src / "curated" / "indicators.csv", dtype=str, keep_default_na=False)
    names = dict(zip(inds["indicator_id"], inds["name_zh"]))
    pub = pd.read_csv(src / "curated" / "published_actuals.csv", dtype=str, keep_default_na=False)
    frames = [pub]
    counts = {}
    for r in regions:
        rows = region_actuals(r, region_models(r, src / "curated", seed), names, seed)
        counts[r] = len(rows)
        frames.append(pd.DataFrame(rows, columns=pub.columns))
    allpub = pd.concat(frames, ignore_index=True)
    allpub.to_csv(cur / "published_actuals.csv", index=False)
    return {"published_rows": int(len(allpub)), "synthetic_rows": int(sum(counts.values())),
            "rows_per_region": int(max(counts.values())) if counts else 0}


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


def write_workbooks(out: Path, regions: list[str], m: int, seed: int, workers: int = 2) -> int:
    wdir = out / "workbooks"
    if wdir.exists():
        shutil.rmtree(wdir)
    wdir.mkdir(parents=True)
    items = workbook_plan(regions, m)
    if not items:
        return 0
    workers = max(1, min(workers, len(items)))
    chunks = [items[i::workers] for i in range(workers)]
    jobs = [(out / "data", wdir, c, seed) for c in chunks]
    if workers == 1:
        _write_workbooks(jobs[0])
    else:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(workers) as pool:
            pool.map(_write_workbooks, jobs)
    return len(items)


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
            return old
    out.mkdir(parents=True, exist_ok=True)
    regions = region_names(n_regions)
    info = write_data(out, regions, seed)
    n_wb = write_workbooks(out, regions, n_workbooks, seed, workers)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(out).as_posix().encode())
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    result = {"params": params, **info, "n_workbooks": n_wb, "regions": len(regions) + 1,
              "content_sha256": digest.hexdigest()}
    (out / "README.md").write_text(README.format(
        version=GENERATOR_VERSION, seed=seed, label=LABEL, n_regions=n_regions, n_workbooks=n_wb,
        q0=WORKBOOK_QUARTERS[0], q1=WORKBOOK_QUARTERS[-1], **info), encoding="utf-8")
    manifest.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return result


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
