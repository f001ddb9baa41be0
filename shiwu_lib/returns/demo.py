"""Labelled demo returns (示例数据): a deterministic generator of filled quarterly workbooks.

Why: until departments return real workbooks, dashboards need plausible data to show. Every demo
record carries ``source_type='demo'`` and the submission title ``示例数据（演示生成器, seed N）``
so no demo number can pass for a real one.

How: for every project and quarter from 2023Q1 to ``until`` (default: the last finished quarter;
``SHIWU_DEMO_UNTIL=2026Q3`` pins it) the generator builds the real template
(:func:`template.build_workbook`), fills it like a clerk would, saves it under
``data/demo/<key>/`` and reads it back through :func:`ingest.parse_workbook` — the same checks
a department's file goes through. Workbooks and their parsed rows are cached under a key of
generator version + seed + catalog and code fingerprints, so a rebuild reuses them.

The values:

* each project gets a pace factor in 0.80–1.20 (fixed by the seed): some are ahead, some behind;
* flows follow the year's target (FY target, or a cumulative span target spread over its years)
  × pace, accumulating 1–3月 → 1–12月; growth rates scatter around their target × pace;
  stocks, shares and ratios move linearly towards their target-year level × pace;
* where a published value exists for an indicator and quarter (a full-year value is the Q4 value),
  the demo uses exactly that value — the demo never contradicts a published figure;
* indicators without any target or published value are left blank (not reported);
* the 2022 base (基期值（2022年）) of every such indicator that is not a growth rate is filled in the
  first workbook (2023Q1) and pre-filled, unchanged, in the later ones (as the template does from
  the store), so it is stored once. For a stock or share it is the demo path one quarter before
  2023Q1 (the first segment extended backwards); for a flow it is the 2023 flow without the
  project's pace, less one year of the path's growth — the starting point does not depend on how
  the project goes later, so the pace shows as progress. A published 2022 value is pre-filled
  instead (the demo never writes its own base over it);
* a (project, quarter) for which a real return is loaded gets no demo workbook: the real one
  replaces it (:func:`load`), so demo values never hide or outdate returned ones;
* key tasks progress through the year (the 2023 list is reused every year); a few problems are
  opened and struck off one to three quarters later.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import random
import shutil
import time
from pathlib import Path

import pandas as pd

from . import common, layout
from .common import SHEET_IND, SHEET_PROB, SHEET_TASK, parse_period

GENERATOR_VERSION = "3"   # 3: the 2022 base (基期值) of template version 2
SEED = 20230426                      # the plan's date
FIRST_QUARTER = "2023Q1"
TITLE = "示例数据（演示生成器, seed {seed}）"
CUM_SHARE = {1: 0.21, 2: 0.47, 3: 0.73, 4: 1.0}   # typical year-to-date share of a year's flow

PROBLEM_TEXTS = [
    "{task}：项目用地报批进度滞后，需自规局加快组卷报批",
    "{task}：政策处理（征迁）难度大，影响开工时序",
    "{task}：资金到位不及时，专项债额度待下达",
    "{task}：配套基础设施（水电气）接入滞后",
    "{task}：前期手续（环评、能评）办理周期长",
    "{task}：相关部门协同不畅，需召集人协调",
    "{task}：市场主体积极性不高，招引落地偏慢",
    "{task}：施工受雨季影响，形象进度偏慢",
]
PROBLEM_PROGRESS = ["已召开专题协调会，正在推进", "已明确责任单位和时间节点", "已上报召集人协调", "正在办理相关手续"]


def until_default(today: dt.date | None = None) -> str:
    env = os.environ.get("SHIWU_DEMO_UNTIL", "").strip()
    if env:
        p = parse_period(env)
        if p.freq != "Q":
            raise ValueError(f"SHIWU_DEMO_UNTIL must be a quarter such as 2026Q3, not {env!r}")
        return p.label
    return common.last_finished_quarter(today)


def pace_factor(project_no: int, seed: int = SEED) -> float:
    """Deterministic pace of a project, 0.80–1.20 (≥1 ahead of target, <1 behind)."""
    r = random.Random(f"{seed}-pace-{project_no}")
    return round(0.8 + 0.4 * r.random(), 3)


def _rng(*parts) -> random.Random:
    return random.Random("-".join(str(p) for p in parts))


# --------------------------------------------------------------------------- value model
def _published_overrides(region: str) -> dict[tuple[str, str], float]:
    """{(indicator_id, quarter label): value in the indicator's unit} from verified published values
    (and the 推算 values the store derives from them)."""
    from .template import published_rows

    df = published_rows(region)
    if df.empty:
        return {}
    inds = common.indicators(region, with_context=False)
    unit_of = dict(zip(inds["indicator_id"], inds["unit"]))
    out = {}
    for r in df.to_dict("records"):   # in reported_at order: later vintages win
        if r["indicator_id"] not in unit_of or not r["verified"] or r["qualifier"]:
            continue
        p = parse_period(r["period_label"])
        if p.freq == "M":
            continue
        q = f"{p.year}Q4" if p.freq == "Y" else p.label
        unit = unit_of[r["indicator_id"]] or r["unit"]
        try:
            v = common.from_base(float(r["value_base"]), unit)
        except KeyError:
            continue
        out[(r["indicator_id"], q)] = v
    return out


def _targets_in_unit(tg: dict, ind: dict) -> list[dict]:
    unit = ind.get("unit") or ""
    out = []
    for r in tg.get(ind["indicator_id"], []):
        if str(r.get("stretch", "")).lower() == "true":
            continue
        try:
            v = float(r["value"])
            if unit and r["unit"] != unit:
                v = common.from_base(float(r["value_base"]), unit)
            out.append({**r, "v": v, "start": int(r["start_year"]), "end": int(r["target_year"])})
        except (KeyError, ValueError):
            continue
    return out


def _is_count(unit: str) -> bool:
    try:
        base = common.base_unit(unit) if unit else ""
    except KeyError:
        base = ""
    return base in ("count", "person", "person_time") and common.to_base(1, unit) == 1


def _round(v: float, unit: str) -> float:
    if _is_count(unit):
        return float(round(v))
    if abs(v) >= 100:
        return round(v, 1)
    return round(v, 2)


class _Model:
    """Demo values of one indicator (in the indicator's unit) for any quarter."""

    def __init__(self, ind: dict, targets: list[dict], published: dict, pace: float, seed: int):
        self.ind = ind
        self.id = ind["indicator_id"]
        self.measure = ind.get("measure") or "stock"
        self.direction = ind.get("direction") or "higher"
        self.unit = ind.get("unit") or (targets[0]["unit"] if targets else "")
        self.t = targets
        self.pub = {q: v for (i, q), v in published.items() if i == self.id}
        self.pace = pace
        self.seed = seed

    @property
    def active(self) -> bool:
        return bool(self.t or self.pub) and bool(self.unit)

    def _noise(self, *key, spread=0.04) -> float:
        return 1 + spread * (2 * _rng(self.seed, self.id, *key).random() - 1)

    def _annual_flow(self, year: int, pace: float | None = None) -> float | None:
        pace = self.pace if pace is None else pace
        if f"{year}Q4" in self.pub:
            return self.pub[f"{year}Q4"]   # the published full-year flow: Q1–Q3 accumulate towards it
        fy = [t for t in self.t if t["period"] == "FY" and t["end"] == year]
        if fy:
            return fy[0]["v"] * pace
        span = [t for t in self.t if "-" in t["period"] and t["start"] <= year <= t["end"]]
        for t in span:
            n = t["end"] - t["start"] + 1
            if t["kind"] == "cumulative_flow" or str(t.get("cumulative")).lower() == "true":
                return t["v"] / n * pace
            return t["v"] * pace * (0.9 ** (t["end"] - year))
        pubs = sorted((int(q[:4]), v) for q, v in self.pub.items() if q.endswith("Q4"))
        if pubs:
            y0, v0 = min(pubs, key=lambda x: abs(x[0] - year))
            return v0 * 1.06 ** (year - y0)
        other = [t for t in self.t if t["period"] == "FY"]
        if other:
            t = min(other, key=lambda t: abs(t["end"] - year))
            return t["v"] * pace * 1.05 ** (year - t["end"])
        return None

    def _rate(self, year: int) -> float | None:
        same_year = [v for q, v in sorted(self.pub.items()) if q.startswith(str(year))]
        if same_year:
            return same_year[-1]   # a published rate of that year anchors the year's quarters
        fy = [t for t in self.t if t["period"] == "FY" and t["end"] == year]
        span = [t for t in self.t if "-" in t["period"] and t["start"] <= year <= t["end"]]
        cand = fy or span or [t for t in self.t if t["period"] == "FY"]
        if cand:
            return cand[0]["v"] * self.pace * self._noise(year, "r", spread=0.15)
        pubs = [v for q, v in self.pub.items() if q.endswith("Q4")]
        if pubs:
            return pubs[-1] * self._noise(year, "r", spread=0.2)
        return None

    def _level(self, qi: int, label: str) -> float | None:
        """Stocks, shares, ratios: piecewise-linear path through published anchors to the target."""
        p = parse_period(label)
        qs = [t for t in self.t if t["period"] in ("Q1", "H1", "Q3", "FY") and t["end"] == p.year]
        key = {1: "Q1", 2: "H1", 3: "Q3", 4: "FY"}[p.sub]
        exact = [t for t in qs if t["period"] == key]
        if exact:
            v = exact[0]["v"]
            f = self.pace if self.direction != "lower" else 1 + (1 - self.pace) * 0.1
            out = v * f * self._noise(label, "q")
            if v <= 100 and self.unit in ("%",):
                out = min(out, 100.0)
            return out
        anchors: dict[int, float] = {}
        for q, v in self.pub.items():
            anchors[_qindex(q)] = v
        try:
            base_u = common.base_unit(self.unit)
        except KeyError:
            base_u = ""
        # rates, scores, ratios and ages sit near their goal: the pace moves them a tenth as much
        near_goal = base_u in ("pct", "pp", "score", "times", "year") or self.measure == "share"
        for t in self.t:
            if t["period"] in ("Q1", "H1", "Q3"):
                continue
            f = self.pace if self.direction != "lower" else 1 + (1 - self.pace) * 0.1
            if near_goal and self.direction != "lower":
                f = 1 + (f - 1) * 0.1
            anchors.setdefault(_qindex(f"{t['end']}Q4"), t["v"] * f)
        if not anchors:
            return None
        first_i = min(anchors)
        if 0 not in anchors and first_i > 0:
            v = anchors[first_i]
            try:
                base = common.base_unit(self.unit)
            except KeyError:
                base = ""
            # counts of things built up over the plan start low; rates, scores, ratios start near the goal
            low = 0.6 if base not in ("pct", "pp", "score", "times", "year") and self.measure != "share" else 0.9
            anchors[0] = v * (low if self.direction != "lower" else 1.08) if not self.pub else v
        pts = sorted(anchors.items())
        if qi < pts[0][0] and len(pts) > 1:
            # before the first anchor (only the 2022 base asks): the first segment extended backwards
            (i0, v0), (i1, v1) = pts[0], pts[1]
            v = v0 - (v1 - v0) * (i0 - qi) / (i1 - i0)
        elif qi <= pts[0][0]:
            v = pts[0][1]
        elif qi >= pts[-1][0]:
            i1, v1 = pts[-1]
            v = v1 * (1 + 0.005 * (qi - i1) * (1 if self.direction != "lower" else -1))
        else:
            for (i0, v0), (i1, v1) in zip(pts, pts[1:]):
                if i0 <= qi <= i1:
                    v = v0 + (v1 - v0) * (qi - i0) / (i1 - i0)
                    break
        v *= self._noise(label, "l", spread=0.01)
        if self.unit == "%" and self.measure == "share" and all(t["v"] <= 100 for t in self.t):
            v = min(v, 100.0)
        return v

    def base_value(self) -> float | None:
        """The demo's 2022 value (基期值), in the indicator's unit; None for growth rates and blanks."""
        if not self.active or self.measure == "rate":
            return None
        label = f"{common.BASE_YEAR}Q4"
        if label in self.pub:
            return self.pub[label]
        if self.measure == "flow":
            a1 = self._annual_flow(common.PLAN_FIRST_YEAR, pace=1.0)
            a2 = self._annual_flow(common.PLAN_FIRST_YEAR + 1, pace=1.0)
            if a1 is None:
                return None
            g = min(max(a2 / a1, 1.03), 1.15) if a2 and a1 > 0 else 1.06
            v = a1 / g * self._noise("base", spread=0.03)
        else:
            v = self._level(_qindex(label), label)
            if v is None:
                return None
        v = max(v, 0.0)
        if self.unit == "%" and self.measure == "share":
            v = min(v, 100.0)
        out = _round(v, self.unit)
        # a base the (invented) path puts at or beyond a level target would make the target met from
        # the start (small counts round up to it: 0.6 × 1 → 1): start the demo short of the target
        levels = [t["v"] for t in self.t if "-" in t["period"] and t["kind"] in ("level", "count", "share", "ratio")]
        if levels and self.direction != "lower" and out >= min(levels) > 0:
            tv = min(levels)
            out = float(math.floor(tv * 0.85)) if _is_count(self.unit) else _round(tv * 0.85, self.unit)
        elif levels and self.direction == "lower" and 0 < out <= max(levels):
            out = _round(max(levels) * 1.1, self.unit)
        return out

    def value(self, label: str) -> tuple[float, str | None] | None:
        """(value, remark-if-unusual) for a quarter, or None when the demo leaves it blank."""
        if not self.active:
            return None
        if label in self.pub:
            v = self.pub[label]
            unusual = (self.measure == "rate" and abs(v) > 100)
            return v, ("与统计部门发布数一致，已核实" if unusual else None)
        p = parse_period(label)
        qi = _qindex(label)
        if self.measure == "flow":
            a = self._annual_flow(p.year)
            if a is None:
                return None
            v = a * CUM_SHARE[p.sub] * self._noise(label, "f")
        elif self.measure == "rate":
            r = self._rate(p.year)
            if r is None:
                return None
            v = r + abs(r) * 0.2 * (2 * _rng(self.seed, self.id, label, "rq").random() - 1) * (4 - p.sub) / 3
        else:
            v = self._level(qi, label)
            if v is None:
                return None
        v = _round(v, self.unit)
        if self.measure == "rate" and abs(v) > 100:
            return v, "项目集中投产带来的基数效应，已核实"
        return v, None


def _qindex(label: str) -> int:
    p = parse_period(label)
    return (p.year - 2023) * 4 + p.sub - 1


# --------------------------------------------------------------------------- tasks and problems
def _task_state(task_id: str, label: str, pace: float, seed: int) -> tuple[str, float, str]:
    p = parse_period(label)
    r = _rng(seed, task_id, p.year)
    start_q = 1 if r.random() < 0.7 else 2
    speed = pace * (0.85 + 0.3 * r.random())
    if p.sub < start_q:
        return "未启动", 0.0, "前期准备中"
    frac = (p.sub - start_q + 1) / (4 - start_q + 1)
    pct = min(100.0, round(100 * frac * speed / 5) * 5)
    expected = 100 * p.sub / 4
    if pct >= 100:
        return "已完成", 100.0, "已按期完成年度任务"
    if pct < expected - 15:
        return "滞后", pct, f"完成年度任务的{pct:.0f}%，慢于序时进度，正在加快推进"
    return "推进中", pct, f"完成年度任务的{pct:.0f}%，按序时推进"


def _new_problems(project_no: int, label: str, tasks: pd.DataFrame, seed: int, pace: float) -> list[dict]:
    r = _rng(seed, "prob", project_no, label)
    n = 0
    chance = 0.35 + (1.0 - pace)  # slower projects meet more problems
    while n < 2 and r.random() < chance:
        n += 1
        chance /= 2
    out = []
    p = parse_period(label)
    for k in range(n):
        if not tasks.empty:
            t = tasks.iloc[r.randrange(len(tasks))]
            short = str(t["text_zh"]).split("，")[0].split("。")[0][:18]
        else:
            short = "重点工作"
        text = PROBLEM_TEXTS[r.randrange(len(PROBLEM_TEXTS))].format(task=short)
        due = p.end + dt.timedelta(days=r.choice([60, 90, 120, 180]))
        out.append({"problem_text": text, "due": due})
    return out


# --------------------------------------------------------------------------- workbook filling
def _prefill_bases(pn: int, label: str, first: str, models: dict, region: str) -> dict[str, dict]:
    """What the template would pre-fill in 基期值 if the demo were the store: published 2022 values,
    and after the first demo quarter the demo's own bases (filled once, in the first workbook)."""
    from .template import bases_from_published

    out = {}
    if label != first:
        short = common.project_row(pn, region).get("short_zh") or f"p{pn:02d}"
        for ind_id, m in models.items():
            b = m.base_value()
            if b is not None:
                out[ind_id] = {"value": b, "source": f"示例数据：{short}_{first}.xlsx"}
    out.update(bases_from_published(pn, region))   # a published value always wins
    return out



def _rows_by_id(ws, col_index: int) -> dict[str, int]:
    out = {}
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        v = ws.cell(r, col_index).value
        if v:
            out[str(v)] = r
    return out


def _fill(wb, project_no: int, label: str, models: dict, pace: float, seed: int, new_probs: list[dict],
          strike: set[str], region: str) -> None:
    p = parse_period(label)
    # 主要指标进度表
    ws = wb[SHEET_IND]
    cols = [c.key for c in layout.ind_columns(p)]
    ci = {k: cols.index(k) + 1 for k in cols}
    for ind_id, r in _rows_by_id(ws, ci["indicator_id"]).items():
        m = models.get(ind_id)
        if m is None:
            continue
        bc = ws.cell(r, ci["base"])
        if bc.value is None:   # not pre-filled (published, or this demo's earlier workbook): the clerk fills it
            b = m.base_value()
            if b is not None:
                bc.value = b
                if not ws.cell(r, ci["unit"]).value:
                    ws.cell(r, ci["unit"], m.unit)
        got = m.value(label)
        if got is None:
            continue
        v, remark = got
        ws.cell(r, ci["actual"], v)
        if not ws.cell(r, ci["unit"]).value:
            ws.cell(r, ci["unit"], m.unit)
        if remark:
            ws.cell(r, ci["confirm"], "是")
            ws.cell(r, ci["remark"], remark)
        else:
            ws.cell(r, ci["confirm"], "否")
    # 重点任务进度表
    ws = wb[SHEET_TASK]
    cols = [c.key for c in layout.task_columns(p)]
    ci = {k: cols.index(k) + 1 for k in cols}
    for tid, r in _rows_by_id(ws, ci["task_id"]).items():
        status, pct, text = _task_state(tid, label, pace, seed)
        ws.cell(r, ci["status"], status)
        ws.cell(r, ci["progress_pct"], pct)
        ws.cell(r, ci["progress_text"], text)
    # 问题销号进度表: update carried-over rows, add new ones in the blank rows
    ws = wb[SHEET_PROB]
    cols = [c.key for c in layout.prob_columns(p)]
    ci = {k: cols.index(k) + 1 for k in cols}
    carried = _rows_by_id(ws, ci["problem_id"])
    for pid, r in carried.items():
        rr = _rng(seed, pid, label)
        if pid in strike:
            ws.cell(r, ci["struck_off"], "是")
            ws.cell(r, ci["progress_text"], "问题已解决，申请销号")
        else:
            ws.cell(r, ci["struck_off"], "否")
            ws.cell(r, ci["progress_text"], PROBLEM_PROGRESS[rr.randrange(len(PROBLEM_PROGRESS))])
    r = layout.FIRST_DATA_ROW + len(carried)
    lead = common.project_row(project_no, region).get("lead_unit", "")
    for np_ in new_probs:
        ws.cell(r, ci["problem_text"], np_["problem_text"])
        c = ws.cell(r, ci["due"], np_["due"])
        c.number_format = "yyyy-mm-dd"
        ws.cell(r, ci["progress_text"], "新发现问题，已明确责任单位")
        ws.cell(r, ci["responsible"], lead)
        ws.cell(r, ci["struck_off"], "否")
        r += 1


# --------------------------------------------------------------------------- cache key
def _fingerprint(seed: int, region: str) -> str:
    h = hashlib.sha256(f"{GENERATOR_VERSION}|{seed}|{region}|{layout.TEMPLATE_VERSION}".encode())
    for name in ("projects.csv", "indicators.csv", "targets.csv", "key_tasks.csv", "published_actuals.csv",
                 "derivations.csv"):
        f = common.paths.curated_dir() / name
        h.update(name.encode())
        h.update(f.read_bytes() if f.exists() else b"-")
    here = Path(__file__).parent
    # the layout (layout.TEMPLATE_VERSION above and layout.py) and every module the values pass through
    for src in (here / "demo.py", here / "template.py", here / "ingest.py", here / "xlsx.py", here / "layout.py", here / "common.py",
                here / "published.py", here / "derived.py", here.parent / "units.py"):
        h.update(src.read_bytes() if src.exists() else b"-")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- generate
def _workers() -> int:
    env = os.environ.get("SHIWU_DEMO_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1))


def _project_cached(d: Path, pn: int, quarters: list[str]) -> bool:
    return all((d / f"p{pn:02d}_{q}.xlsx").exists() and (d / f"p{pn:02d}_{q}.parsed.pkl").exists() for q in quarters)


def _generate_project(pn: int, quarters: list[str], d: Path, seed: int, region: str) -> list[tuple[dict, object]]:
    """All quarters of one project, in order (problems carry over from one quarter to the next)."""
    proj = common.project_row(pn, region)
    pace = pace_factor(pn, seed)
    tg = common.targets_by_indicator(region)
    pub = _published_overrides(region)
    models = None
    tasks = None
    open_probs: list[dict] = []
    out = []
    for label in quarters:
        p = parse_period(label)
        fname = f"{proj.get('short_zh') or 'p%02d' % pn}_{label}.xlsx"
        x = d / f"p{pn:02d}_{label}.xlsx"
        pk = d / f"p{pn:02d}_{label}.parsed.pkl"
        stamp = dt.datetime.combine(p.deadline - dt.timedelta(days=3), dt.time(9, 0))
        parsed = None
        if x.exists() and pk.exists():
            try:
                cached = pd.read_pickle(pk)
                if cached.get("sha256") == common.sha256_file(x):
                    parsed = cached["parsed"]
            except Exception:  # noqa: BLE001 - a broken cache entry is regenerated
                parsed = None
        if parsed is None:
            from .ingest import parse_workbook
            from .template import build_workbook, save_workbook

            if models is None:
                models = {}
                for ind in common.project_indicators(pn, region).to_dict("records"):
                    m = _Model(ind, _targets_in_unit(tg, ind), pub, pace, seed)
                    if m.active:
                        models[ind["indicator_id"]] = m
                tasks = common.key_tasks(pn, region)
            # problems carried over: open ones of the previous quarter; some get struck off now
            strike = {pr["problem_id"] for pr in open_probs
                      if _rng(seed, pr["problem_id"], label, "strike").random() < 0.45}
            new = _new_problems(pn, label, tasks, seed, pace)
            wb = build_workbook(pn, label, region, problems=open_probs, generated_at=stamp,
                                bases=_prefill_bases(pn, label, quarters[0], models, region))
            _fill(wb, pn, label, models, pace, seed, new, strike, region)
            d.mkdir(parents=True, exist_ok=True)
            tmp = x.with_name(f"{x.stem}.{os.getpid()}.part.xlsx")
            save_workbook(wb, tmp, stamp)
            parsed = parse_workbook(tmp, file_name=fname, reference={}, today=p.deadline, source_type="demo")
            tmp.replace(x)
            tmp_pk = pk.with_name(f"{pk.name}.{os.getpid()}.part")
            pd.to_pickle({"sha256": common.sha256_file(x), "parsed": parsed}, tmp_pk)
            tmp_pk.replace(pk)
        probs = parsed.problems
        open_probs = [] if probs.empty else probs[~probs["struck_off"]].to_dict("records")
        late = _rng(seed, "late", pn, label).random() < 0.15
        received = dt.datetime.combine(p.deadline + dt.timedelta(days=4 if late else -3), dt.time(9, 0)) \
            + dt.timedelta(minutes=pn)
        sub = {"submission_id": f"demo:{parsed.sha256}", "received_at": received,
               "title": TITLE.format(seed=seed), "address": f"data/demo/{d.name}/{x.name}",
               "note": f"demo generator v{GENERATOR_VERSION}, seed {seed}, pace {pace}"}
        out.append((sub, parsed))
    return out


def generate(until: str | None = None, seed: int = SEED, region: str = common.DEFAULT_REGION,
             cache_dir: Path | None = None, workers: int | None = None) -> list[tuple[dict, "object"]]:
    """Generate (or reuse) the demo workbooks; return [(submission dict, ParsedReturn)] in order.

    Projects are independent, so uncached ones are generated in parallel worker processes
    (``SHIWU_DEMO_WORKERS``, default min(4, CPUs)); the result does not depend on the number.
    """
    until = until or until_default()
    quarters = common.quarter_range(FIRST_QUARTER, until)
    key = _fingerprint(seed, region)
    root = cache_dir or common.demo_dir()
    d = root / f"{region}-v{GENERATOR_VERSION}-s{seed}-{key}"
    d.mkdir(parents=True, exist_ok=True)
    for old in root.glob(f"{region}-v*-s*-*"):
        # stale caches of another generator/catalog version; only old ones, as another process
        # (a parallel `shiwu build`) may be using a different catalog right now
        try:
            if old.is_dir() and old != d and time.time() - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    pns = [int(n) for n in common.projects(region)["project_no"]]
    todo = [pn for pn in pns if not _project_cached(d, pn, quarters)]
    if todo:
        from .template import published_rows

        published_rows(region)   # computed once here (cached): forked workers inherit it
    n_workers = min(workers or _workers(), len(todo))
    results: dict[int, list] = {}
    if n_workers > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        try:
            # fork: workers inherit the loaded modules (no re-import); they touch no DuckDB connection
            with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("fork")) as ex:
                futs = {pn: ex.submit(_generate_project, pn, quarters, d, seed, region) for pn in todo}
                results = {pn: f.result() for pn, f in futs.items()}
        except (OSError, ValueError, RuntimeError):  # no fork here, or a broken pool: do it serially
            results = {}
    out = []
    for pn in pns:
        out.extend(results.get(pn) or _generate_project(pn, quarters, d, seed, region))
    return out


def load(con, until: str | None = None, seed: int = SEED, region: str = common.DEFAULT_REGION) -> int:
    """Generate (or reuse) and parse the demo returns, then insert those of every (project, quarter)
    for which no real return has been loaded (a real workbook replaces its demo twin, so a demo value
    can never hide or outdate a real one); returns the number of demo workbooks inserted."""
    from .published import insert_df

    t0 = time.perf_counter()
    real = {(int(pn), str(q)) for pn, q in con.execute(
        "SELECT DISTINCT project_no, period_label FROM submissions WHERE source_type = 'return' AND region = ?",
        [region]).fetchall() if pn is not None}
    items = [(sub, parsed) for sub, parsed in generate(until=until, seed=seed, region=region)
             if (int(parsed.project_no), str(parsed.period_label)) not in real]
    subs, acts, tasks, probs, sheets = [], [], [], [], []
    for sub, parsed in items:
        extra = {"source_type": "demo", "submission_id": sub["submission_id"], "reported_at": sub["received_at"]}
        subs.append({"submission_id": sub["submission_id"], "region": parsed.region, "source_type": "demo",
                     "file_name": parsed.file_name, "sha256": parsed.sha256, "project_no": parsed.project_no,
                     "period_label": parsed.period_label, "received_at": sub["received_at"], "n_rows": parsed.n_rows,
                     "title": sub["title"], "address": sub["address"], "note": sub["note"]})
        if not parsed.actuals.empty:
            acts.append(parsed.actuals.assign(**extra))
        if not parsed.task_progress.empty:
            tasks.append(parsed.task_progress.assign(**extra))
        if not parsed.problems.empty:
            probs.append(parsed.problems.assign(**extra))
        for s in parsed.sheets_present:
            sheets.append({"region": parsed.region, "project_no": parsed.project_no,
                           "period_label": parsed.period_label, "sheet": s,
                           "submission_id": sub["submission_id"], "reported_at": sub["received_at"]})
    insert_df(con, "submissions", pd.DataFrame(subs))
    if acts:
        insert_df(con, "actuals", pd.concat(acts, ignore_index=True))
    if tasks:
        insert_df(con, "task_progress", pd.concat(tasks, ignore_index=True))
    if probs:
        pr = pd.concat(probs, ignore_index=True)
        pr["due"] = pd.to_datetime(pr["due"]).dt.date
        insert_df(con, "problems", pr)
    insert_df(con, "return_sheets", pd.DataFrame(sheets))
    load.last_seconds = time.perf_counter() - t0  # type: ignore[attr-defined]
    return len(items)
