"""The target catalog: load, validate and check the curated plan tables.

Curated tables (``data/curated``, contracts in ``docs/contracts.md``):

- ``projects.csv``          the ten projects, convenors, lead and responsible units
- ``indicators.csv``        annex-1 indicator system (省级 / 金华 / 义乌) plus ``正文`` indicators
- ``targets.csv``           every quantitative commitment of 五年目标, 三年行动 and annex 3
- ``key_tasks.csv``         annex-3 2023 key tasks (verbatim) and the targets read from them
- ``target_exclusions.csv`` the reviewed numbers of the target sections that are *not* targets

The plan itself is ``data/raw/plan/yzbf-2023-15_ten-major-projects_plan.txt`` (never edited).
Quotes are compared with :func:`normalize` (all whitespace removed), because the text copy was
extracted from a PDF and page breaks split sentences.

:func:`coverage_report` is the completeness check: it scans the target sections of the plan for
every number and returns those that are covered by neither a target row nor an exclusion.
"""
from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import pandas as pd

from . import units as U
from . import metadata, paths, periods
from .fmt import cn_value
from .paths import curated_dir, plan_path

__all__ = [
    "SECTIONS",
    "LEVELS",
    "normalize",
    "plan_text",
    "quote_in_plan",
    "plan_sections",
    "parse_annex1",
    "parse_annex3",
    "NumberToken",
    "scan_numbers",
    "load_projects",
    "load_indicators",
    "load_targets",
    "load_key_tasks",
    "load_exclusions",
    "load_all",
    "validate",
    "CatalogError",
    "quote_has_value",
    "coverage_report",
    "summary",
    "cli_catalog",
]

SECTIONS = ("five_year", "three_year", "annual_2023")
SECTION_ZH = {"five_year": "五年目标", "three_year": "三年行动", "annual_2023": "重点任务清单(2023)"}
LEVELS = ("省级", "金华", "义乌", "正文")
KINDS = ("level", "growth_rate", "share", "count", "cumulative_flow", "ratio")
COMPARATORS = (">=", "<=", "=", "range")
MEASURES = ("flow", "stock", "rate", "share")
DIRECTIONS = ("higher", "lower")


_WS = re.compile(r"\s+")


class CatalogError(ValueError):
    """The curated tables break a contract; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        head = "\n  ".join(self.errors[:50])
        more = f"\n  … {len(self.errors) - 50} more" if len(self.errors) > 50 else ""
        super().__init__(f"{len(self.errors)} catalog error(s):\n  {head}{more}")


# --------------------------------------------------------------------------- plan text

def normalize(text: str) -> str:
    """Remove every whitespace character (spaces, tabs, line breaks, U+3000).

    The text copy of the plan breaks lines and inserts spaces at random places ("投资 350 亿元",
    "重点推进100" / "个以上"); quotes are compared on the normalized form.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return _WS.sub("", str(text))


def plan_text(path: Path | str | None = None) -> str:
    """The raw plan text (UTF-8)."""
    return _read_text(str(Path(path) if path else plan_path()))


@lru_cache(maxsize=4)
def _read_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def quote_in_plan(quote: str, text: str | None = None) -> bool:
    """True when ``quote`` occurs in the plan, ignoring whitespace and line breaks."""
    q = normalize(quote)
    if not q:
        return False
    return q in normalize(text if text is not None else plan_text())


def _lines(text: str) -> list[str]:
    return text.split("\n")


def plan_sections(text: str | None = None) -> dict[tuple[int, str], str]:
    """The target sections of each project, as raw text.

    Keys are ``(project_no, section)`` with section in :data:`SECTIONS`:

    - ``five_year``: the 五年目标 paragraph (up to 三年行动);
    - ``three_year``: the 三年行动 paragraph (up to 召集人);
    - ``annual_2023``: the project's annex-3 key tasks, one per line.
    """
    text = plan_text() if text is None else text
    out: dict[tuple[int, str], str] = {}
    head = re.compile(r"^（([一二三四五六七八九十]+)）实施")
    lines = _lines(text)
    annex1 = next(i for i, l in enumerate(lines) if l.strip() == "附件 1")
    body = lines[:annex1]
    starts = [(i, cn_value(m.group(1))) for i, l in enumerate(body) if (m := head.match(l))]
    for k, (i, pno) in enumerate(starts):
        j = starts[k + 1][0] if k + 1 < len(starts) else len(body)
        block = "\n".join(body[i:j])
        m5 = block.find("五年目标：")
        m3 = block.find("三年行动：")
        mc = block.find("召集人：")
        if min(m5, m3, mc) < 0:
            raise ValueError(f"project {pno}: 五年目标/三年行动/召集人 not found")
        out[(pno, "five_year")] = block[m5:m3].strip()
        out[(pno, "three_year")] = block[m3:mc].strip()
    tasks = parse_annex3(text)
    for pno in sorted({t["project_no"] for t in tasks}):
        out[(pno, "annual_2023")] = "\n".join(
            t["text_zh"] for t in tasks if t["project_no"] == pno)
    return out


def _annex_block(text: str, n: int) -> list[str]:
    lines = _lines(text)
    a = next(i for i, l in enumerate(lines) if l.strip() == f"附件 {n}")
    b = next((i for i, l in enumerate(lines) if l.strip() == f"附件 {n + 1}"), len(lines))
    return lines[a + 1:b]


_PROJECT_CELL = re.compile(r"^([一二三四五六七八九十]+)、")
_ITEM = re.compile(r"(?:^|\s)(\d+)\.\s*(.+?)(?=\s+\d+\.\s|$)")


def parse_annex1(text: str | None = None) -> list[dict]:
    """Annex 1 (主要指标体系) as rows ``{project_no, level, seq, name_zh}``.

    The flattened table is read as a stream of tab-separated cells: a cell naming a project
    (一、… 十、) or a level (省级 / 金华 / 义乌) changes the current project or level; every
    "N. name" inside any cell is an indicator of the current project and level. This repairs the
    misaligned rows (several items on one line, items shifted into another column). Repeated
    page headers ("十项重大工程 主要指标") are skipped. Names keep the plan's spelling (spaces
    inside a name included); trailing whitespace is stripped.
    """
    text = plan_text() if text is None else text
    rows: list[dict] = []
    project = level = None
    for line in _annex_block(text, 1):
        cells = [c.strip() for c in line.split("\t")]
        if not any(cells) or cells[0] == "十项重大工程" or line.strip() == "“十项重大工程”主要指标体系":
            continue
        for cell in cells:
            if not cell:
                continue
            m = _PROJECT_CELL.match(cell)
            if m:
                project = cn_value(m.group(1))
                continue
            if cell in ("省级", "金华", "义乌"):
                level = cell
                continue
            items = _ITEM.findall(cell)
            if not items:
                raise ValueError(f"annex 1: cannot read cell {cell!r}")
            for seq, name in items:
                rows.append({"project_no": project, "level": level, "seq": int(seq),
                             "name_zh": name.strip()})
    return rows


def parse_annex3(text: str | None = None) -> list[dict]:
    """Annex 3 (重点任务清单 2023年度) as rows ``{project_no, seq, text_zh}`` (text verbatim).

    Each task is one line "project-cell TAB seq TAB text"; the project cell is empty for
    following tasks of the same project and repeated after each page break, where the header
    "十项重大工程 序号 重点工作" is repeated too.
    """
    text = plan_text() if text is None else text
    rows: list[dict] = []
    project = None
    row_re = re.compile(r"^([^\t]*)\t\s*(\d+)\s*\t(.+)$")
    for line in _annex_block(text, 3):
        if not line.strip() or line.startswith("十项重大工程\t序号") or "重点任务清单" in line:
            continue
        m = row_re.match(line)
        if not m:
            raise ValueError(f"annex 3: cannot read line {line!r}")
        cell, seq, body = m.groups()
        if cell.strip():
            mp = _PROJECT_CELL.match(cell.strip())
            if not mp:
                raise ValueError(f"annex 3: bad project cell {cell!r}")
            project = cn_value(mp.group(1))
        rows.append({"project_no": project, "seq": int(seq), "text_zh": body.strip()})
    return rows


# --------------------------------------------------------------------------- numbers in text

@dataclass(frozen=True)
class NumberToken:
    start: int          # offset in the normalized text
    end: int            # end of the number (+ unit, when one follows)
    number: float
    number_str: str     # digits as written, e.g. "2.5"
    unit: str           # unit as written right after the number ("" when none)
    text: str           # prefix + digits + suffix + unit, e.g. "2.5万亩", "G235", "415X"
    is_year: bool       # "2025年" (a year reference, not a quantity)


def _unit_spellings() -> list[str]:
    spellings = set(U.UNITS) | set(U.ALIASES) | {"万套（间）", "套（间）"}
    # only spellings that can follow a number in prose (drop ASCII aliases such as "km")
    spellings = {s for s in spellings if not re.fullmatch(r"[A-Za-z0-9]+", s)}
    return sorted(spellings, key=len, reverse=True)


_UNIT_SPELLINGS = _unit_spellings()
_NUM_RE = re.compile(r"(?<![\d.A-Za-z])([A-Za-z]*)(\d+(?:\.\d+)?)([A-Za-z]*)")
_YEAR_AFTER = re.compile(r"年(?!\d+月)")


def scan_numbers(text: str) -> list[NumberToken]:
    """Every Arabic number in ``text`` (normalized first), with the unit written after it.

    Year references ("2025年", but not "2023年9月", a date) are flagged ``is_year``.
    """
    n = normalize(text)
    out: list[NumberToken] = []
    for m in _NUM_RE.finditer(n):
        pre, digits, suf = m.groups()
        end = m.end()
        unit = ""
        if not suf:
            for s in _UNIT_SPELLINGS:
                if n.startswith(s, end):
                    unit = s
                    break
        is_year = (not pre and not suf and re.fullmatch(r"(19|20)\d\d", digits) is not None
                   and _YEAR_AFTER.match(n, end) is not None)
        out.append(NumberToken(m.start(), end + len(unit), float(digits), digits, unit,
                               pre + digits + suf + unit, is_year))
    return out


def _same_number(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def quote_has_value(quote: str, value: float, value_text: str | None = None) -> bool:
    """True when the quote writes the value: a number token equal to ``value`` (so 2000 is
    found in "2000亿元" but not in "12000"), or ``value_text`` for values the plan writes in words
    (全覆盖 = 100%, 第二 = rank 2)."""
    if value_text:
        return normalize(value_text) in normalize(quote)
    return any(_same_number(t.number, value) for t in _numbers_of(quote))


@lru_cache(maxsize=65536)
def _numbers_of(quote: str) -> tuple[NumberToken, ...]:
    """:func:`scan_numbers` memoised (the regions of a province repeat the same plan quotes)."""
    return tuple(scan_numbers(quote))


# --------------------------------------------------------------------------- loading

def _read_csv(name: str, folder: Path | None = None) -> pd.DataFrame:
    """A curated CSV as text (for tables the store does not hold, e.g. target_exclusions.csv)."""
    path = (Path(folder) if folder else curated_dir()) / name
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _read_typed(table: str, name: str, folder: Path | None = None) -> pd.DataFrame:
    """A curated CSV typed by its store table's description (the one typed reader, shiwu_lib.metadata)."""
    return metadata.read_curated(table, (Path(folder) if folder else curated_dir()) / name)


def load_projects(folder: Path | None = None) -> pd.DataFrame:
    return _read_typed("projects", "projects.csv", folder)


def load_indicators(folder: Path | None = None) -> pd.DataFrame:
    return _read_typed("indicators", "indicators.csv", folder)


def load_targets(folder: Path | None = None) -> pd.DataFrame:
    return _read_typed("targets", "targets.csv", folder)


def load_key_tasks(folder: Path | None = None) -> pd.DataFrame:
    return _read_typed("key_tasks", "key_tasks.csv", folder)


def load_exclusions(folder: Path | None = None) -> pd.DataFrame:
    df = _read_csv("target_exclusions.csv", folder)
    df["project_no"] = pd.to_numeric(df["project_no"].replace("", None), errors="coerce").astype("Int64")
    return df


# ---- core_indicators (核心指标) ------------------------------------------------------------------
CORE_INDICATORS_CSV = "core_indicators.csv"
MIN_CORE_PER_PROJECT = 2   # the plan (表单管理): 各工程提出不少于2个具有义乌特色和辨识度的核心指标


def load_core_indicators(folder: Path | None = None) -> pd.DataFrame:
    return _read_typed("core_indicators", CORE_INDICATORS_CSV, folder)


def validate_core_indicators(C: pd.DataFrame, targets: pd.DataFrame, pnos: set) -> list[str]:
    """The reviewed 核心指标 table: every row names a known, firm target of its own project with a
    rank and a reason; at least :data:`MIN_CORE_PER_PROJECT` per project; ranks unique per project."""
    err: list[str] = []
    need = ["project_no", "target_id", "rank", "reason_zh"]
    missing = [c for c in need if c not in C.columns]
    if missing:
        return [f"core_indicators: missing columns {missing}"]
    tg = targets.set_index("target_id") if "target_id" in targets.columns else pd.DataFrame()
    for i, r in enumerate(C.itertuples(index=False), start=2):
        w = f"core_indicators.csv line {i} ({r.target_id})"
        if r.target_id not in tg.index:
            err.append(f"{w}: unknown target_id {r.target_id!r} (not in targets.csv)")
            continue
        t = tg.loc[r.target_id]
        if pd.isna(r.project_no) or int(r.project_no) not in pnos:
            err.append(f"{w}: bad project_no")
        elif int(t["project_no"]) != int(r.project_no):
            err.append(f"{w}: target belongs to project {int(t['project_no'])}, not {int(r.project_no)}")
        if bool(t.get("stretch")):
            err.append(f"{w}: a 力争 (stretch) target cannot be a core indicator; name its firm target")
        if not isinstance(t.get("indicator_id"), str) or not t.get("indicator_id"):
            err.append(f"{w}: the target has no indicator")
        if pd.isna(r.rank) or int(r.rank) < 1:
            err.append(f"{w}: rank must be 1, 2, …")
        if len(str(r.reason_zh).strip()) < 8:
            err.append(f"{w}: give a reason (why it is the project's 核心指标)")
    if C.duplicated(["project_no", "rank"]).any():
        err.append("core_indicators: duplicate rank within a project")
    if C.duplicated(["target_id"]).any():
        err.append("core_indicators: a target is listed twice")
    counts = C.groupby("project_no").size() if len(C) else pd.Series(dtype=int)
    for n in (sorted(pnos) if len(C) else ()):   # a region without a 核心指标 table yet: nothing to count
        if int(counts.get(n, 0)) < MIN_CORE_PER_PROJECT:
            err.append(f"core_indicators: project {n} has {int(counts.get(n, 0))} core indicator(s); "
                       f"the plan asks for at least {MIN_CORE_PER_PROJECT}")
    return err


def load_all(folder: Path | None = None) -> dict[str, pd.DataFrame]:
    return {
        "projects": load_projects(folder),
        "indicators": load_indicators(folder),
        "targets": load_targets(folder),
        "key_tasks": load_key_tasks(folder),
        "exclusions": load_exclusions(folder),
        **({"core_indicators": load_core_indicators(folder)}
           if ((Path(folder) if folder else curated_dir()) / CORE_INDICATORS_CSV).exists() else {}),
    }


def _split_list(cell: str) -> list[str]:
    return [x.strip() for x in str(cell).split(";") if x.strip()]


# --------------------------------------------------------------------------- validation

_REQUIRED = {
    "projects": ["region", "project_no", "name_zh", "short_zh", "name_en", "convenors",
                 "lead_unit", "responsible_units", "quote"],
    "indicators": ["indicator_id", "region", "project_no", "level", "seq", "name_zh", "name_en",
                   "unit", "direction", "measure", "source", "quote"],
    "targets": ["target_id", "region", "project_no", "indicator_id", "metric_zh", "metric_en",
                "section", "start_year", "target_year", "period", "value", "unit", "value_base",
                "base_unit", "comparator", "value_high", "stretch", "firm_target_id",
                "cumulative", "kind", "quote", "note"],
    "key_tasks": ["task_id", "region", "project_no", "seq", "year", "text_zh", "target_ids"],
    "exclusions": ["project_no", "section", "number_text", "reason"],
}


def validate(tables: dict[str, pd.DataFrame] | None = None, text: str | None = None,
             project_count: int | None = None) -> list[str]:
    """Every contract violation of the curated tables, as readable messages (empty = valid).

    Checks types, unique ids, foreign keys (project_no, indicator_id, firm_target_id, key-task
    target ids), units in the vocabulary, ``value_base == to_base(value, unit)``, base units,
    enumerations, periods and years, and that every quote occurs in the plan and contains its
    value.
    """
    t = load_all() if tables is None else tables
    text = plan_text() if text is None else text
    plan_n = normalize(text)
    err: list[str] = []

    def inplan(q: str) -> bool:
        qn = normalize(q)
        return bool(qn) and qn in plan_n

    for name, cols in _REQUIRED.items():
        missing = [c for c in cols if c not in t[name].columns]
        if missing:
            err.append(f"{name}: missing columns {missing}")
    if err:
        return err

    P, I, T, K, X = (t[k] for k in ("projects", "indicators", "targets", "key_tasks", "exclusions"))
    if project_count is None:
        from . import plan as plan_mod
        project_count = plan_mod.get().project_count
    pnos = set(range(1, project_count + 1))

    # projects
    if P["project_no"].isna().any():
        err.append("projects: project_no not an integer")
    if P["project_no"].duplicated().any():
        err.append("projects: duplicate project_no")
    if set(P["project_no"].dropna().astype(int)) != pnos:
        err.append(f"projects: project_no must be exactly 1..{project_count} (the plan description's project_count)")
    for r in P.itertuples():
        if not inplan(r.quote):
            err.append(f"projects {r.project_no}: quote not in plan: {r.quote!r}")
        for u in _split_list(r.responsible_units) + [r.lead_unit]:
            if normalize(u) not in plan_n:
                err.append(f"projects {r.project_no}: unit {u!r} not in plan")
        for c in _split_list(r.convenors):
            if normalize(c) not in plan_n:
                err.append(f"projects {r.project_no}: convenor {c!r} not in plan")

    # indicators
    ids = I["indicator_id"]
    if ids.duplicated().any():
        err.append(f"indicators: duplicate indicator_id {sorted(set(ids[ids.duplicated()]))}")
    for r in I.itertuples():
        w = f"indicators {r.indicator_id}"
        if not re.fullmatch(r"p\d\d_[a-z0-9_]+", r.indicator_id):
            err.append(f"{w}: id must look like p01_slug")
        elif pd.notna(r.project_no) and int(r.indicator_id[1:3]) != int(r.project_no):
            err.append(f"{w}: id prefix does not match project_no {r.project_no}")
        if pd.isna(r.project_no) or int(r.project_no) not in pnos:
            err.append(f"{w}: bad project_no")
        if r.level not in LEVELS:
            err.append(f"{w}: bad level {r.level!r}")
        if r.level == "正文":
            if pd.notna(r.seq):
                err.append(f"{w}: 正文 indicators have no seq")
            if r.source != "body":
                err.append(f"{w}: 正文 indicators have source=body")
        else:
            if pd.isna(r.seq):
                err.append(f"{w}: annex-1 indicator without seq")
            if r.source != "annex1":
                err.append(f"{w}: annex-1 indicators have source=annex1")
        if r.unit and not U.is_known(r.unit):
            err.append(f"{w}: unit {r.unit!r} not in vocabulary")
        if r.direction not in DIRECTIONS:
            err.append(f"{w}: bad direction {r.direction!r}")
        if r.measure not in MEASURES:
            err.append(f"{w}: bad measure {r.measure!r}")
        if not r.name_zh or not r.name_en:
            err.append(f"{w}: name_zh and name_en are required")
        if not inplan(r.quote):
            err.append(f"{w}: quote not in plan: {r.quote!r}")
        elif normalize(r.name_zh) not in normalize(r.quote) and r.level != "正文":
            err.append(f"{w}: quote does not contain the annex-1 name")
    dup = I[I["level"] != "正文"].duplicated(["project_no", "level", "seq"])
    if dup.any():
        err.append("indicators: duplicate (project_no, level, seq) in annex-1 rows")
    ind_ids = set(ids)

    # targets
    tids = T["target_id"]
    if tids.duplicated().any():
        err.append(f"targets: duplicate target_id {sorted(set(tids[tids.duplicated()]))}")
    tid_set = set(tids)
    sections = {k: normalize(v) for k, v in _sections_cached(text).items()}
    by_id = {r["target_id"]: r for r in T.to_dict("records")}
    for r in T.itertuples():
        w = f"targets {r.target_id}"
        if not re.fullmatch(r"p\d\d-(5y|3y|23)-\d\d(-(\d{4}|q1|h1|q3))?", r.target_id):
            err.append(f"{w}: id must look like p01-5y-01, p01-3y-02-2024, p01-23-02-q1")
        if pd.isna(r.project_no) or int(r.project_no) not in pnos:
            err.append(f"{w}: bad project_no")
            continue
        if int(r.target_id[1:3]) != int(r.project_no):
            err.append(f"{w}: id prefix does not match project_no")
        if r.section not in SECTIONS:
            err.append(f"{w}: bad section {r.section!r}")
            continue
        sec_tag = {"five_year": "5y", "three_year": "3y", "annual_2023": "23"}[r.section]
        if r.target_id.split("-")[1] != sec_tag:
            err.append(f"{w}: id section tag does not match section {r.section}")
        if r.indicator_id not in ind_ids:
            err.append(f"{w}: indicator_id {r.indicator_id!r} not in indicators")
        if not r.metric_zh or not r.metric_en:
            err.append(f"{w}: metric_zh and metric_en are required")
        # years and periods
        if pd.isna(r.start_year) or pd.isna(r.target_year):
            err.append(f"{w}: start_year/target_year missing")
            continue
        sy, ty = int(r.start_year), int(r.target_year)
        period = r.period or ""
        span = periods.parse_span(period)
        if period not in periods.CATALOG_TARGET_PERIODS and not (span and period == f"{span[0]}-{span[1]}"):
            err.append(f"{w}: bad period {r.period!r}")
        elif span:
            if span != (sy, ty) or sy >= ty:
                err.append(f"{w}: period {r.period} does not match start/target year {sy}/{ty}")
        elif sy != ty:
            err.append(f"{w}: period {r.period} needs start_year == target_year")
        lo, hi = {"five_year": (2023, 2027), "three_year": (2023, 2025),
                  "annual_2023": (2023, 2023)}[r.section]
        if not (lo <= sy <= ty <= hi):
            err.append(f"{w}: years {sy}-{ty} outside the section's span {lo}-{hi}")
        # values and units
        if pd.isna(r.value):
            err.append(f"{w}: value is not a number")
            continue
        if not U.is_known(r.unit):
            err.append(f"{w}: unit {r.unit!r} not in vocabulary")
        else:
            if U.canonical(r.unit) != r.unit:
                err.append(f"{w}: write the canonical unit {U.canonical(r.unit)!r}")
            exp = U.to_base(r.value, r.unit)
            if pd.isna(r.value_base) or not math.isclose(exp, r.value_base, rel_tol=1e-9):
                err.append(f"{w}: value_base {r.value_base} != to_base({r.value}, {r.unit}) = {exp}")
            if r.base_unit != U.base_unit(r.unit):
                err.append(f"{w}: base_unit {r.base_unit!r} != {U.base_unit(r.unit)!r}")
        if r.comparator not in COMPARATORS:
            err.append(f"{w}: bad comparator {r.comparator!r}")
        if (r.comparator == "range") != pd.notna(r.value_high):
            err.append(f"{w}: value_high is set exactly when comparator is range")
        if r.kind not in KINDS:
            err.append(f"{w}: bad kind {r.kind!r}")
        for c in ("stretch", "cumulative"):
            if getattr(r, c + "_raw") not in ("true", "false"):
                err.append(f"{w}: {c} must be true or false")
        if r.stretch:
            if not r.firm_target_id:
                err.append(f"{w}: stretch row without firm_target_id")
            elif r.firm_target_id not in tid_set:
                err.append(f"{w}: firm_target_id {r.firm_target_id!r} not a target")
            else:
                f = by_id[r.firm_target_id]
                if f["stretch"] or f["indicator_id"] != r.indicator_id or f["period"] != r.period \
                        or f["target_year"] != r.target_year:
                    err.append(f"{w}: firm partner must be a firm row of the same indicator and period")
        elif r.firm_target_id:
            err.append(f"{w}: firm_target_id set on a firm row")
        if r.cumulative and r.kind not in ("cumulative_flow",):
            err.append(f"{w}: cumulative rows are kind cumulative_flow")
        # quotes
        vt = getattr(r, "value_text", "") or ""
        if not inplan(r.quote):
            err.append(f"{w}: quote not in plan: {r.quote!r}")
        elif normalize(r.quote) not in sections.get((int(r.project_no), r.section), ""):
            err.append(f"{w}: quote not in project {r.project_no}'s {r.section} section")
        elif not quote_has_value(r.quote, r.value, vt):
            err.append(f"{w}: quote does not contain the value {U.format_number(r.value)} ({vt!r})")
        if pd.notna(r.value_high) and not quote_has_value(r.quote, r.value_high):
            err.append(f"{w}: quote does not contain value_high")

    # key tasks
    if K["task_id"].duplicated().any():
        err.append("key_tasks: duplicate task_id")
    annex3 = {(r["project_no"], r["seq"]): r["text_zh"] for r in _annex3_cached(text)}
    for r in K.itertuples():
        w = f"key_tasks {r.task_id}"
        if r.task_id != f"p{int(r.project_no):02d}-t{int(r.seq):02d}":
            err.append(f"{w}: task_id must be p{{NN}}-t{{SS}} of project_no and seq")
        if normalize(annex3.get((int(r.project_no), int(r.seq)), "\0")) != normalize(r.text_zh):
            err.append(f"{w}: text_zh is not the annex-3 text of task {r.project_no}/{r.seq}")
        for tid in _split_list(r.target_ids):
            if tid not in tid_set:
                err.append(f"{w}: target {tid!r} not in targets")
            else:
                tr = by_id[tid]
                if tr["section"] != "annual_2023" or int(tr["project_no"]) != int(r.project_no):
                    err.append(f"{w}: target {tid} is not an annual_2023 target of this project")
                elif normalize(tr["quote"]) not in normalize(r.text_zh):
                    err.append(f"{w}: quote of {tid} is not in the task text")
    if set(annex3) != {(int(a), int(b)) for a, b in zip(K["project_no"], K["seq"])}:
        err.append("key_tasks: rows differ from annex 3's tasks")
    # every annual target sits in exactly one task
    from collections import Counter
    listed = Counter(tid for c in K["target_ids"] for tid in _split_list(c))
    for tid in T.loc[T["section"] == "annual_2023", "target_id"]:
        if listed[tid] != 1:
            err.append(f"key_tasks: annual target {tid} listed {listed[tid]} times")

    # exclusions
    for r in X.itertuples():
        w = f"exclusions {r.project_no}/{r.section}/{r.number_text}"
        if r.section not in SECTIONS:
            err.append(f"{w}: bad section")
            continue
        if pd.isna(r.project_no) or int(r.project_no) not in pnos:
            err.append(f"{w}: bad project_no")
            continue
        sec = sections.get((int(r.project_no), r.section), "")
        if normalize(r.number_text) not in sec:
            err.append(f"{w}: number_text does not occur in that section")
        if not re.search(r"\d", r.number_text):
            err.append(f"{w}: number_text holds no number")
        if len(str(r.reason).strip()) < 8:
            err.append(f"{w}: give a reason")
    if X.duplicated(["project_no", "section", "number_text"]).any():
        err.append("exclusions: duplicate rows")
    if "core_indicators" in t:
        err += validate_core_indicators(t["core_indicators"], T, pnos)
    return err


def validate_regions(tables: dict[str, pd.DataFrame] | None = None) -> list[str]:
    """:func:`validate` per region: each region's rows against its own plan text (the plan description's
    ``plan_file``, shiwu_lib/plan.py). Messages carry the region when there is more than one."""
    from . import plan as plan_mod

    t = load_all() if tables is None else tables
    # text columns as plain objects: the checks iterate row by row, which pandas' Arrow-backed
    # strings make ~10× slower; and each table split by region once instead of once per region
    t = {k: df.astype({c: object for c in df.columns if pd.api.types.is_string_dtype(df[c].dtype)
                       and df[c].dtype != object}) for k, df in t.items()}
    regions = sorted({str(r) for df in t.values() if "region" in df.columns for r in df["region"].dropna()} or
                     {plan_mod.default_region()})
    split = {k: dict(tuple(df.groupby(df["region"].astype(str), sort=False))) if "region" in df.columns else None
             for k, df in t.items()}
    out: list[str] = []
    for region in regions:
        sub = {k: (df if split[k] is None else split[k].get(region, df.iloc[0:0])) for k, df in t.items()}
        try:
            p = plan_mod.get(region)
        except plan_mod.PlanError as exc:
            out.append(str(exc))
            continue
        text = plan_text(paths.data_dir() / p.plan_file) if p.plan_file else plan_text()
        errs = validate(sub, text, p.project_count)
        out += [f"{region}: {e}" for e in errs] if len(regions) > 1 else errs
    return out


def check(tables: dict[str, pd.DataFrame] | None = None) -> None:
    """Raise :class:`CatalogError` unless the curated tables are valid."""
    errors = validate(tables)
    if errors:
        raise CatalogError(errors)


# --------------------------------------------------------------------------- coverage

def coverage_report(targets: pd.DataFrame | None = None, exclusions: pd.DataFrame | None = None,
                    text: str | None = None) -> pd.DataFrame:
    """Numbers of the target sections covered by neither a target nor an exclusion.

    For each project and section (五年目标, 三年行动, annex-3 tasks) the normalized text is scanned
    for every Arabic number (with the unit written after it). A number is covered

    - by a target of that project and section whose quote spans it and whose value (or
      value_high) equals it;
    - by an exclusion of that project and section whose ``number_text`` spans it;
    - automatically when it is a year reference ("到2025年"; a date such as "2023年9月" is not).

    Returns one row per uncovered number: ``project_no, section, number_text, context`` (empty
    DataFrame = complete catalog).
    """
    T = load_targets() if targets is None else targets
    X = load_exclusions() if exclusions is None else exclusions
    by_sec_t: dict[tuple[int, str], list[tuple[str, list[float]]]] = {}
    for pno, sec, quote, value, high in zip(T["project_no"], T["section"], T["quote"], T["value"],
                                            T["value_high"]):
        vals = [float(value)] + ([float(high)] if pd.notna(high) and high != "" else [])
        by_sec_t.setdefault((int(pno), sec), []).append((normalize(quote), vals))
    by_sec_x: dict[tuple[int, str], list[str]] = {}
    for pno, sec, nt in zip(X["project_no"], X["section"], X["number_text"]):
        by_sec_x.setdefault((int(pno), sec), []).append(normalize(nt))
    rows = []
    for (pno, sec), raw in sorted(_sections_cached(text if text is not None else plan_text()).items()):
        n = normalize(raw)
        toks = _scan_cached(n)
        covered = [t.is_year for t in toks]
        for q, vals in by_sec_t.get((pno, sec), []):
            for a in _find_all(n, q):
                for k, tok in enumerate(toks):
                    if a <= tok.start < a + len(q) and any(_same_number(tok.number, v) for v in vals):
                        covered[k] = True
        for q in by_sec_x.get((pno, sec), []):
            for a in _find_all(n, q):
                for k, tok in enumerate(toks):
                    if tok.start < a + len(q) and a < tok.end - len(tok.unit):
                        covered[k] = True
        for tok, c in zip(toks, covered):
            if not c:
                rows.append({"project_no": pno, "section": sec, "number_text": tok.text,
                             "context": n[max(0, tok.start - 20): tok.end + 12]})
    return pd.DataFrame(rows, columns=["project_no", "section", "number_text", "context"])


@lru_cache(maxsize=8)
def _sections_cached(text: str) -> dict[tuple[int, str], str]:
    return plan_sections(text)


@lru_cache(maxsize=8)
def _annex3_cached(text: str) -> tuple[dict, ...]:
    return tuple(parse_annex3(text))


@lru_cache(maxsize=256)
def _scan_cached(normalized: str) -> tuple[NumberToken, ...]:
    return tuple(scan_numbers(normalized))


def _find_all(hay: str, needle: str) -> Iterable[int]:
    if not needle:
        return
    i = hay.find(needle)
    while i >= 0:
        yield i
        i = hay.find(needle, i + 1)


# --------------------------------------------------------------------------- summary and CLI

def summary(targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Targets per project × section (with short names), plus a total row and column."""
    T = load_targets() if targets is None else targets
    P = load_projects()
    tab = (T.groupby(["project_no", "section"]).size().unstack(fill_value=0)
           .reindex(index=sorted(P["project_no"].dropna().astype(int).unique()), columns=list(SECTIONS), fill_value=0))
    tab["total"] = tab.sum(axis=1)
    tab.insert(0, "short_zh", P.set_index("project_no")["short_zh"].reindex(tab.index))
    tab.index.name = "project_no"
    total = tab[list(SECTIONS) + ["total"]].sum()
    tab.loc["all"] = ["合计"] + [int(v) for v in total]
    return tab


_EXPORT_COLS = ["target_id", "region", "project_no", "indicator_id", "metric_zh", "metric_en",
                "section", "start_year", "target_year", "period", "value", "unit", "value_base",
                "base_unit", "comparator", "value_high", "stretch", "firm_target_id", "cumulative",
                "kind", "quote", "note"]


def cli_catalog(args) -> int:
    """``shiwu catalog``: print the summary table (default) or export the targets.

    ``args.format`` in {summary, csv, json}; ``args.out`` a path or None (stdout);
    ``args.project`` an int or None (all projects). Returns the exit code.
    """
    fmt = getattr(args, "format", None) or "summary"
    out = getattr(args, "out", None)
    project = getattr(args, "project", None)
    T = load_targets()
    if project is not None:
        known = sorted(load_projects()["project_no"].dropna().astype(int).unique())
        if int(project) not in known:
            print(f"unknown project {project}; use {known[0]}..{known[-1]}", file=sys.stderr)
            return 2
        T = T[T["project_no"] == int(project)]
    if fmt == "summary":
        tab = summary(T)
        if project is not None:
            tab = tab.loc[[int(project), "all"]]
        text = "Targets per project × section (义政办发〔2023〕15号)\n" + tab.to_string() + "\n"
    elif fmt in ("csv", "json"):
        cols = [c for c in _EXPORT_COLS + [c for c in T.columns if c not in _EXPORT_COLS]
                if c in T.columns and not c.endswith("_raw")]
        E = T[cols]
        if fmt == "csv":
            text = E.to_csv(index=False)
        else:
            recs = json.loads(E.to_json(orient="records", force_ascii=False))
            text = json.dumps(recs, ensure_ascii=False, indent=1) + "\n"
    else:
        print(f"unknown format {fmt!r}; use summary, csv or json", file=sys.stderr)
        return 2
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"wrote {out} ({len(T)} targets)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
