"""Shared helpers of the returns package: periods, deadlines, paths, catalog reads, units.

Period labels (contract, docs/contracts.md):

* ``'2025'``     a full year (freq ``Y``);
* ``'2025Q2'``   a quarter (freq ``Q``); for flows and rates the value is year-to-date (1–6月);
* ``'2025M05'``  a month (freq ``M``); for flows and rates year-to-date (1–5月).

A department return is always for a quarter. Its deadline is 10 days after the quarter's end.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import paths, periods, plan

DEFAULT_REGION = plan.default_region()   # the plan description names it (plan.py)
PLAN_FIRST_YEAR = plan.get().start_year   # 2023 (the plan description)
PLAN_LAST_YEAR = plan.get().final_year    # 2027
BASE_YEAR = PLAN_FIRST_YEAR - 1   # 2022: the year before the plan's target windows (the base of level targets)
BASE_PERIOD = str(BASE_YEAR)      # its period label ('2022', freq Y)
DEADLINE_DAYS = 10  # a return is due 10 days after the quarter's end
CONTACT = plan.get().office             # 总专班办公室（市发改局）

SHEET_GUIDE = "填报说明"
SHEET_IND = "主要指标进度表"
SHEET_TASK = "重点任务进度表"
SHEET_PROB = "问题销号进度表"
SHEET_META = "_meta"
DATA_SHEETS = (SHEET_IND, SHEET_TASK, SHEET_PROB)

QUARTER_ZH, YTD_ZH = periods.QUARTER_ZH, periods.YTD_ZH
LEVEL_ORDER = {"省级": 0, "金华": 1, "义乌": 2, "正文": 3}


# --------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period(periods.Period):
    """A reporting period of a return (parsed by :mod:`shiwu_lib.periods`), with its 报送 deadline."""

    @property
    def deadline(self) -> dt.date:
        return self.end + dt.timedelta(days=DEADLINE_DAYS)


def parse_period(label: str) -> Period:
    """Parse '2025', '2025Q2' or '2025M05'; raise ValueError otherwise."""
    p = periods.parse(label)
    return Period(p.label, p.freq, p.year, p.sub)


def quarter_of(d: dt.date) -> str:
    return periods.quarter_label(d)


def last_finished_quarter(today: dt.date | None = None) -> str:
    """The last quarter whose end lies before ``today``."""
    today = today or dt.date.today()
    q = parse_period(quarter_of(today))
    prev_end = q.own_start - dt.timedelta(days=1)
    return quarter_of(prev_end)


def quarter_range(first: str, last: str) -> list[str]:
    a, b = parse_period(first), parse_period(last)
    out = []
    y, q = a.year, a.sub
    while (y, q) <= (b.year, b.sub):
        out.append(f"{y}Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def prev_quarter(label: str) -> str:
    p = parse_period(label)
    return f"{p.year - 1}Q4" if p.sub == 1 else f"{p.year}Q{p.sub - 1}"


# --------------------------------------------------------------------------- paths
def returns_dir() -> Path:
    """Archive of accepted workbooks (as received) and their JSON sidecars."""
    return paths.returns_dir()


def db_path() -> Path:
    return paths.db_path()


def demo_dir() -> Path:
    return paths.data_dir() / "demo"


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def sha256_file(p: Path) -> str:
    return sha256_bytes(Path(p).read_bytes())


# --------------------------------------------------------------------------- catalog reads
_CSV_CACHE: dict[tuple, pd.DataFrame] = {}
_DIR_CACHE: dict[tuple, Path] = {}


def _curated_dir() -> Path:
    """``paths.curated_dir()``, resolved once per ``SHIWU_DATA_DIR`` (it is asked for on every catalog
    lookup, and resolving walks the path with one lstat a component)."""
    env = os.environ.get("SHIWU_DATA_DIR")
    key = (env, None if not env or os.path.isabs(os.path.expanduser(env)) else os.getcwd())
    d = _DIR_CACHE.get(key)
    if d is None:
        if len(_DIR_CACHE) > 64:
            _DIR_CACHE.clear()
        d = _DIR_CACHE[key] = paths.curated_dir()
    return d


def read_curated(name: str) -> pd.DataFrame:
    """A curated CSV as strings ('' for empty); an empty frame when the file does not exist yet.

    Cached by (path, mtime, size): templates and ingest read the catalog many times. Callers must
    not modify the returned frame in place.
    """
    f = _curated_dir() / name
    if not f.exists():
        return pd.DataFrame()
    st = f.stat()
    key = (str(f), st.st_mtime_ns, st.st_size)
    df = _CSV_CACHE.get(key)
    if df is None:
        df = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8")
        if len(_CSV_CACHE) > 64:
            _CSV_CACHE.clear()
        _CSV_CACHE[key] = df
    return df


_DERIVED: dict[tuple, object] = {}


def _file_key(*names: str) -> tuple:
    out = []
    for n in names:
        f = _curated_dir() / n
        try:
            st = f.stat()
        except FileNotFoundError:
            st = None
        out.append((str(f), st.st_mtime_ns if st else None, st.st_size if st else None))
    return tuple(out)


def _region(df: pd.DataFrame, region: str) -> pd.DataFrame:
    if df.empty or "region" not in df.columns:
        return df
    r = df["region"].replace("", DEFAULT_REGION)
    return df[r == region]


def project_count(region: str = DEFAULT_REGION) -> int:
    """How many projects the region's plan description names (10 for 义乌)."""
    try:
        return plan.get(region).project_count
    except plan.PlanError:   # an unknown region: say what the default region has
        return plan.get().project_count


def projects(region: str = DEFAULT_REGION) -> pd.DataFrame:
    df = _region(read_curated("projects.csv"), region)
    if not df.empty:
        df = df.assign(project_no=df["project_no"].astype(int)).sort_values("project_no")
    return df


def project_row(project_no: int, region: str = DEFAULT_REGION) -> dict:
    """The projects.csv row of one project (a fresh dict; cached underneath)."""
    key = ("proj", region, _file_key("projects.csv"))
    if key not in _DERIVED:
        df = projects(region)
        _DERIVED[key] = {} if df.empty else {int(r["project_no"]): r for r in df.to_dict("records")}
    rows = _DERIVED[key]
    try:
        pn = int(project_no)
    except (TypeError, ValueError):
        raise KeyError(f"project {project_no!r} not in projects.csv for region {region}") from None
    if pn not in rows:  # type: ignore[operator]
        raise KeyError(f"project {project_no} not in projects.csv for region {region}")
    return dict(rows[pn])  # type: ignore[index]


def _indicator_frame(with_context: bool) -> pd.DataFrame:
    frames = [read_curated("indicators.csv")]
    if with_context:
        frames.append(read_curated("context_indicators.csv"))
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "project_no", "level", "seq", "name_zh", "unit", "measure"])
    return pd.concat(frames, ignore_index=True)


def indicators(region: str = DEFAULT_REGION, with_context: bool = True) -> pd.DataFrame:
    df = _indicator_frame(with_context)
    return df if "region" not in df.columns else _region(df, region)


def project_indicators(project_no: int, region: str = DEFAULT_REGION) -> pd.DataFrame:
    """Indicators of one project in annex order (省级, 金华, 义乌, 正文; then seq)."""
    df = indicators(region, with_context=False)
    df = df[df["project_no"] == str(int(project_no))].copy()
    df["_lv"] = df["level"].map(LEVEL_ORDER).fillna(9)
    df["_seq"] = pd.to_numeric(df["seq"], errors="coerce").fillna(999)
    return df.sort_values(["_lv", "_seq", "indicator_id"]).drop(columns=["_lv", "_seq"]).reset_index(drop=True)


def targets(region: str = DEFAULT_REGION) -> pd.DataFrame:
    return _region(read_curated("targets.csv"), region)


class _ByRegion:
    """``build(rows of one region)``, made on first use per region from one index of the table.

    At province scale (90 regions in one catalog) filtering the whole table for every region cost
    ~50 ms a region; the index (``groupby(...).indices``, one pass) makes each region's rows a
    ``take`` of its own few hundred (~2 ms), and a batch touching one region pays only that one.
    Rows are in file order; '' is the default region, as :func:`_region` reads it; a table without
    a region column gives every region all its rows.
    """

    def __init__(self, df: pd.DataFrame, build):
        self.df, self.build, self.done = df, build, {}
        self.idx = self.columns = None
        if not df.empty and "region" in df.columns:
            self.idx = df.groupby(df["region"].replace("", DEFAULT_REGION), sort=False).indices
            # the values as Python lists, once: a region's row dicts are then made in Python
            # (what ``to_dict("records")`` gives, without its fixed cost per call and column)
            self.columns = [(str(c), df[c].tolist()) for c in df.columns]

    def get(self, region: str):
        if region not in self.done:
            if self.idx is None:
                rows = self.df.to_dict("records")
            else:
                pos = self.idx.get(region)
                cols = self.columns
                rows = [] if pos is None else [{c: v[i] for c, v in cols} for i in pos.tolist()]
            self.done[region] = self.build(rows)
        return self.done[region]


def _per_region(key: tuple, df_fn, build) -> _ByRegion:
    if key not in _DERIVED:
        _DERIVED[key] = _ByRegion(df_fn(), build)
    return _DERIVED[key]  # type: ignore[return-value]


def _group_targets(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["indicator_id"], []).append(r)
    return out


def targets_by_indicator(region: str = DEFAULT_REGION) -> dict[str, list[dict]]:
    """{indicator_id: [target row dicts]} (cached; do not modify)."""
    return _per_region(("tg*", _file_key("targets.csv")), lambda: read_curated("targets.csv"),
                       _group_targets).get(region)


def indicators_by_id(region: str = DEFAULT_REGION) -> dict[str, dict]:
    """{indicator_id: indicator row dict}, catalog and context indicators (cached; do not modify)."""
    return _per_region(("ind*", _file_key("indicators.csv", "context_indicators.csv")),
                       lambda: _indicator_frame(True), lambda rows: {r["indicator_id"]: r for r in rows}).get(region)


def project_shorts(region: str = DEFAULT_REGION) -> list[tuple[str, int]]:
    """[(short name, project_no)] of the region's projects, longest name first (cached; do not modify).

    What ingest matches a file name against; a short name used twice keeps its lowest project_no.
    """
    key = ("shorts", region, _file_key("projects.csv"))
    if key not in _DERIVED:
        df = projects(region)
        out: dict[str, int] = {}
        if not df.empty:
            for s, pn in zip(df["short_zh"], df["project_no"]):
                if s and s not in out:
                    out[s] = int(pn)
        _DERIVED[key] = sorted(out.items(), key=lambda kv: len(kv[0]), reverse=True)
    return _DERIVED[key]  # type: ignore[return-value]


def _task_ids(rows: list[dict]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r.get("project_no"), set()).add(r.get("task_id"))
    return {pn: frozenset(ids) for pn, ids in out.items()}


def key_task_ids(project_no: int, region: str = DEFAULT_REGION) -> frozenset[str]:
    """The task ids of one project's key tasks (cached)."""
    pn = str(int(project_no))
    ids = _per_region(("task_ids*", _file_key("key_tasks.csv")), lambda: read_curated("key_tasks.csv"),
                      _task_ids).get(region)
    return ids.get(pn, frozenset())


def key_tasks(project_no: int, region: str = DEFAULT_REGION) -> pd.DataFrame:
    df = _region(read_curated("key_tasks.csv"), region)
    if df.empty:
        return df
    df = df[df["project_no"] == str(int(project_no))].copy()
    df["_seq"] = pd.to_numeric(df["seq"], errors="coerce")
    return df.sort_values(["_seq", "task_id"]).drop(columns="_seq").reset_index(drop=True)


# --------------------------------------------------------------------------- units
# The vocabulary lives in one place, shiwu_lib/units.py; these wrappers only strip whitespace.


_UNITS = []


def _units():
    if not _UNITS:   # imported on first use (units imports the catalog)
        from .. import units

        _UNITS.append(units)
    return _UNITS[0]


def canonical_unit(unit: str) -> str:
    return _units().canonical("".join(str(unit).split()))


def is_known_unit(unit: str) -> bool:
    try:
        canonical_unit(unit)
    except KeyError:
        return False
    return True


def base_unit(unit: str) -> str:
    return _units().base_unit("".join(str(unit).split()))


def to_base(value: float, unit: str) -> float:
    return _units().to_base(value, "".join(str(unit).split()))


def from_base(value_base: float, unit: str) -> float:
    return _units().from_base(value_base, "".join(str(unit).split()))


def compatible_units(unit: str) -> list[str]:
    """Units of the vocabulary with the same base as ``unit`` (``unit`` first)."""
    if not unit:
        return []
    try:
        b = base_unit(unit)
    except KeyError:
        return [unit]
    u = _units()
    out = [canonical_unit(unit)]
    for name, spec in u.UNITS.items():
        if spec.base == b and name not in out:
            out.append(name)
    return out


def ytd_for(measure: str) -> bool:
    """Quarterly values of flows and rates are year-to-date (1–6月累计); stocks and shares are levels."""
    return str(measure) in ("flow", "rate")


def normalize_text(s: str) -> str:
    """Whitespace-free text for quote checks (line breaks and spaces ignored)."""
    return "".join(str(s).split())
