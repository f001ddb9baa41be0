"""The plan's facts for a region, read from one description per region (``data/curated/plans/*.toml``).

Nothing else in the code types the document number, the years, the midpoint date, the region's name
or the first report quarter: they come from here. A second county is a second description (with
``region = "<name>"``) plus its rows in the curated tables.

>>> from shiwu_lib import plan
>>> p = plan.get()                       # the default region (义乌)
>>> p.document_no, p.midpoint_date, p.years
('义政办发〔2023〕15号', datetime.date(2025, 12, 31), (2023, 2027))
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from . import paths

_REQUIRED = ("region", "document_no", "title", "programme", "start_year", "midpoint_year", "final_year",
             "first_report_quarter")


class PlanError(ValueError):
    """A plan description is missing, unreadable or inconsistent (one line: file and problem)."""


@dataclass(frozen=True)
class Plan:
    region: str
    document_no: str
    title: str
    programme: str
    start_year: int
    midpoint_year: int
    final_year: int
    first_report_quarter: str
    project_count: int = 10
    default: bool = False
    region_level: str = ""
    issuer: str = ""
    office: str = ""
    plan_file: str = ""
    source: str = ""

    @property
    def years(self) -> tuple[int, int]:
        return self.start_year, self.final_year

    @property
    def midpoint_date(self) -> date:
        """The date of the midpoint check: the end of the midpoint year (2025-12-31)."""
        return date(self.midpoint_year, 12, 31)

    @property
    def first_report_date(self) -> date:
        """The end of the first report quarter (2023Q1 -> 2023-03-31)."""
        y, q = int(self.first_report_quarter[:4]), int(self.first_report_quarter[-1])
        m = 3 * q
        return date(y, m, 31 if m in (3, 12) else 30)

    @property
    def span_zh(self) -> str:
        return f"{self.start_year}—{self.final_year}年"


def plans_dir() -> Path:
    return paths.curated_dir() / "plans"


def _read(path: Path) -> Plan:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlanError(f"{path}: cannot read the plan description ({exc})") from exc
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise PlanError(f"{path}: missing {', '.join(missing)}")
    known = set(Plan.__dataclass_fields__) - {"source"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise PlanError(f"{path}: unknown key(s) {', '.join(unknown)}")
    p = Plan(**data, source=str(path))
    if not p.start_year <= p.midpoint_year <= p.final_year:
        raise PlanError(f"{path}: years must satisfy start_year <= midpoint_year <= final_year")
    q = p.first_report_quarter
    if len(q) != 6 or not q[:4].isdigit() or q[4] != "Q" or q[5] not in "1234":
        raise PlanError(f"{path}: first_report_quarter {q!r} is not like 2023Q1")
    return p


@lru_cache(maxsize=8)
def _load(folder: str) -> dict[str, Plan]:
    files = sorted(Path(folder).glob("*.toml"))
    if not files:
        raise PlanError(f"{folder}: no plan description (*.toml)")
    out: dict[str, Plan] = {}
    for f in files:
        p = _read(f)
        if p.region in out:
            raise PlanError(f"{f}: region {p.region!r} is described twice")
        out[p.region] = p
    return out


def all_plans() -> dict[str, Plan]:
    """Every region's plan, by region name."""
    return dict(_load(str(plans_dir())))


def default_region() -> str:
    """The region marked ``default = true`` (else the only one)."""
    plans = all_plans()
    marked = [r for r, p in plans.items() if p.default]
    if len(marked) == 1:
        return marked[0]
    if len(plans) == 1:
        return next(iter(plans))
    raise PlanError(f"{plans_dir()}: mark exactly one plan description with default = true")


def get(region: str | None = None) -> Plan:
    """The plan of ``region`` (default: the default region)."""
    plans = all_plans()
    r = region or default_region()
    if r not in plans:
        raise PlanError(f"no plan description for region {r!r} in {plans_dir()} (have: {', '.join(plans)})")
    return plans[r]
