"""Status-light rules and reason wording of the progress engine: one documented, configurable place.

The defaults live in ``shiwu_lib/rules.toml`` (read with :mod:`tomllib`); :class:`Rules` mirrors
them field by field, so ``Rules()`` and ``load_rules()`` on the shipped file are equal (a test checks
it). Which file is read::

    load_rules(path)            # this file
    load_rules()                # $SHIWU_RULES if set, else shiwu_lib/rules.toml

A file may hold only some keys; the others keep their defaults. Unknown sections/keys, thresholds in
the wrong order and templates that do not format with the documented fields are errors
(``ValueError``), so a typo cannot silently change a light.

The lights (see docs/progress-rules.md for worked examples):

* time-proportional targets (cumulative flows, levels, counts, shares, ratios) — with
  ``ahead_pp = (completion − 序时进度) × 100``:
  green if ``ahead_pp >= green_min_ahead_pp`` (default −5) or (``likely_met_is_green`` and the
  target is projected to be met at the observed pace); yellow if ``ahead_pp >= yellow_min_ahead_pp``
  (default −15); red below.  (:meth:`Rules.pace_light`)
* growth-rate targets — with ``gap_pp = target − actual``: green if ``gap_pp <= green_max_gap_pp``
  (default 0), yellow if ``gap_pp <= yellow_max_gap_pp`` (default 2), red above.  (:meth:`Rules.gap_light`)
* '=' (左右) targets are met within ``approx_tolerance`` (relative, default 5 %).
* ESCAP-style classes of observed/required pace: ``on_track`` (ratio >= 1), ``fair`` (>= 0.5),
  ``limited`` (>= 0), ``regressing`` (< 0).  (:meth:`Rules.escap_class`)
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

DEFAULT_PATH = Path(__file__).with_name("rules.toml")
ENV_VAR = "SHIWU_RULES"

GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"

# Boundaries are inclusive; comparisons allow this much floating-point noise (in pp), so that
# 15 % done at 20 % of the time is exactly −5 pp (green) although 0.15 − 0.2 = −0.05000000000000002.
_EPS = 1e-9

# Fallback wording; identical to [templates] in rules.toml (a test checks it).
DEFAULT_TEMPLATES: dict[str, str] = {
    "ahead": "完成{completion:.0%}，快于序时进度{ahead:.0f}个百分点",
    "behind": "完成{completion:.0%}，慢于序时进度{behind:.0f}个百分点",
    "on_pace": "完成{completion:.0%}，与序时进度持平",
    "regressing": "较基期反向变化（完成{completion:.0%}），慢于序时进度{behind:.0f}个百分点",
    "projection": "，按当前进度预计{year}年完成目标的{projected_share:.0%}",
    "met_early": "已提前完成目标（完成{completion:.0%}）",
    "final_met": "目标期已结束，已完成目标（完成{completion:.0%}）",
    "final_not_met": "目标期已结束，未完成（完成{completion:.0%}）",
    "final_outside": "目标期已结束，实际值超出目标允许范围（完成{completion:.0%}）",
    "pending_final": "（目标期已结束，待{year}年全年数据）",
    "growth_above": "{label}{actual:.1f}%，高于目标{over:.1f}个百分点",
    "growth_on": "{label}{actual:.1f}%，达到目标",
    "growth_below": "{label}{actual:.1f}%，低于目标{gap:.1f}个百分点",
    "growth_just_below": "{label}{actual:.2f}%，略低于目标{gap:.2f}个百分点",
    "growth_over_cap": "{label}{actual:.1f}%，高于目标上限{gap:.1f}个百分点",
    "growth_final_met": "目标期已结束，{label}{actual:.1f}%，已完成目标",
    "growth_final_not_met": "目标期已结束，{label}{actual:.1f}%，低于目标{gap:.1f}个百分点",
    "budget_ok": "已用目标上限的{completion:.0%}，按当前进度预计不超上限",
    "budget_watch": "已用目标上限的{completion:.0%}，按当前进度预计将超上限",
    "budget_exceeded": "已超出目标上限（达上限的{completion:.0%}）",
    "no_data": "暂无数据（缺{missing}）",
}

# Sample values every template must format with (the documented fields).
_SAMPLE = dict(completion=0.5, ahead=1.0, behind=1.0, actual=1.0, gap=1.0, over=1.0, label="增速",
               year=2027, projected_share=0.9, missing="2023年以来的实际值")

# TOML (section, key) -> Rules field
_KEYS: dict[tuple[str, str], str] = {
    ("lights", "green_min_ahead_pp"): "green_min_ahead_pp",
    ("lights", "yellow_min_ahead_pp"): "yellow_min_ahead_pp",
    ("lights", "likely_met_is_green"): "likely_met_is_green",
    ("growth", "green_max_gap_pp"): "growth_green_max_gap_pp",
    ("growth", "yellow_max_gap_pp"): "growth_yellow_max_gap_pp",
    ("approximate", "tolerance"): "approx_tolerance",
    ("approximate", "overshoot_ok"): "approx_overshoot_ok",
    ("escap", "on_track_ratio"): "escap_on_track_ratio",
    ("escap", "fair_ratio"): "escap_fair_ratio",
    ("pace", "reference"): "pace_reference",
    ("pace", "on_pace_band_pp"): "on_pace_band_pp",
}


@dataclass(frozen=True)
class Rules:
    """Thresholds and wording; defaults equal the shipped rules.toml."""

    green_min_ahead_pp: float = -5.0
    yellow_min_ahead_pp: float = -15.0
    likely_met_is_green: bool = True
    growth_green_max_gap_pp: float = 0.0
    growth_yellow_max_gap_pp: float = 2.0
    approx_tolerance: float = 0.05
    approx_overshoot_ok: bool = True
    escap_on_track_ratio: float = 1.0
    escap_fair_ratio: float = 0.5
    pace_reference: str = "data"
    on_pace_band_pp: float = 0.5
    templates: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TEMPLATES), compare=True, hash=False)
    source: str = field(default="<defaults>", compare=False)

    def __post_init__(self) -> None:
        self.validate()

    # -- validation ------------------------------------------------------------------------
    def validate(self) -> None:
        if not self.yellow_min_ahead_pp <= self.green_min_ahead_pp:
            raise ValueError(f"rules: yellow_min_ahead_pp ({self.yellow_min_ahead_pp}) must be <= "
                             f"green_min_ahead_pp ({self.green_min_ahead_pp})")
        if not self.growth_green_max_gap_pp <= self.growth_yellow_max_gap_pp:
            raise ValueError("rules: growth green_max_gap_pp must be <= yellow_max_gap_pp")
        if self.approx_tolerance < 0:
            raise ValueError("rules: approximate tolerance must be >= 0")
        if not 0 <= self.escap_fair_ratio <= self.escap_on_track_ratio:
            raise ValueError("rules: escap needs 0 <= fair_ratio <= on_track_ratio")
        if self.pace_reference not in ("data", "as_of"):
            raise ValueError("rules: pace.reference must be 'data' or 'as_of'")
        if self.on_pace_band_pp < 0:
            raise ValueError("rules: on_pace_band_pp must be >= 0")
        unknown = set(self.templates) - set(DEFAULT_TEMPLATES)
        if unknown:
            raise ValueError(f"rules: unknown template(s) {sorted(unknown)}")
        missing = set(DEFAULT_TEMPLATES) - set(self.templates)
        if missing:
            raise ValueError(f"rules: missing template(s) {sorted(missing)}")
        for key, tpl in self.templates.items():
            try:
                tpl.format(**_SAMPLE)
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"rules: template {key!r} does not format: {exc!r}") from exc

    # -- lights ----------------------------------------------------------------------------
    def pace_light(self, ahead_pp: float | None, likely_met: bool | None = None) -> str:
        """Light of a time-proportional target from its percentage points ahead of 序时进度."""
        if ahead_pp is None or ahead_pp != ahead_pp:  # None or NaN
            return GREY
        if ahead_pp >= self.green_min_ahead_pp - _EPS:
            return GREEN
        if self.likely_met_is_green and likely_met:
            return GREEN
        if ahead_pp >= self.yellow_min_ahead_pp - _EPS:
            return YELLOW
        return RED

    def gap_light(self, gap_pp: float | None) -> str:
        """Light of a growth-rate target from its gap in percentage points (target − actual)."""
        if gap_pp is None or gap_pp != gap_pp:
            return GREY
        if gap_pp <= self.growth_green_max_gap_pp + _EPS:
            return GREEN
        if gap_pp <= self.growth_yellow_max_gap_pp + _EPS:
            return YELLOW
        return RED

    def escap_class(self, ratio: float | None) -> str | None:
        """ESCAP-style class of observed pace / required pace."""
        if ratio is None or ratio != ratio:
            return None
        if ratio >= self.escap_on_track_ratio:
            return "on_track"
        if ratio >= self.escap_fair_ratio:
            return "fair"
        if ratio >= 0:
            return "limited"
        return "regressing"

    def within_tolerance(self, actual: float, target: float) -> bool:
        """'=' (左右) targets: |actual − target| <= tolerance × |target|; above the target is also
        met when ``approx_overshoot_ok`` (the plan's 左右 qualifies volumes and capacities)."""
        if self.approx_overshoot_ok and actual >= target:
            return True
        return abs(actual - target) <= self.approx_tolerance * abs(target) + 1e-12

    # -- wording ---------------------------------------------------------------------------
    def text(self, key: str, **values: Any) -> str:
        """Format the reason template ``key`` (see [templates] in rules.toml)."""
        return self.templates[key].format(**values)


def rules_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Rules:
    """Build :class:`Rules` from a parsed TOML mapping; keys left out keep their defaults."""
    kwargs: dict[str, Any] = {}
    templates = dict(DEFAULT_TEMPLATES)
    for section, body in data.items():
        if section == "templates":
            if not isinstance(body, Mapping):
                raise ValueError("rules: [templates] must be a table")
            for k, v in body.items():
                if k not in DEFAULT_TEMPLATES:
                    raise ValueError(f"rules: unknown template {k!r} in {source}")
                if not isinstance(v, str):
                    raise ValueError(f"rules: template {k!r} must be a string")
                templates[k] = v
            continue
        if not isinstance(body, Mapping):
            raise ValueError(f"rules: unknown top-level key {section!r} in {source}")
        for key, value in body.items():
            name = _KEYS.get((section, key))
            if name is None:
                raise ValueError(f"rules: unknown key [{section}] {key} in {source}")
            kwargs[name] = value
    types = {f.name: f.type for f in fields(Rules)}
    for name, value in list(kwargs.items()):
        t = types[name]
        if t == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"rules: {name} must be true/false")
        elif t == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"rules: {name} must be a number")
            kwargs[name] = float(value)
        elif t == "str" and not isinstance(value, str):
            raise ValueError(f"rules: {name} must be a string")
    return Rules(**kwargs, templates=templates, source=source)


_CACHE: dict[tuple[str, int, int], Rules] = {}


def rules_path(path: str | os.PathLike | None = None) -> Path:
    """The file :func:`load_rules` reads: ``path``, else ``$SHIWU_RULES``, else the shipped rules.toml."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def load_rules(path: str | os.PathLike | None = None) -> Rules:
    """Read the rules TOML (``path`` > ``$SHIWU_RULES`` > shipped rules.toml). Cached per file version."""
    p = rules_path(path)
    try:
        stat = p.stat()
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"rules file not found: {p}") from exc
    key = (str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with p.open("rb") as fh:
        data = tomllib.load(fh)
    rules = rules_from_mapping(data, source=str(p))
    _CACHE[key] = rules
    return rules


__all__ = ["Rules", "load_rules", "rules_from_mapping", "rules_path", "DEFAULT_PATH", "ENV_VAR",
           "DEFAULT_TEMPLATES", "GREEN", "YELLOW", "RED", "GREY"]
