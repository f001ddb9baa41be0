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

* time-proportional targets (cumulative flows, levels, counts, shares, ratios) — the worse of two
  lights: the *position* light from ``ahead_pp = (completion − 序时进度) × 100`` (green if
  ``>= green_min_ahead_pp``, default −5; yellow if ``>= yellow_min_ahead_pp``, default −15; red
  below; :meth:`Rules.pace_light`) and the *projection* light (green only if projected to be met;
  red if the projection reaches less than ``red_below_projected_share`` of the target, default 80 %;
  yellow otherwise or without a projection; :meth:`Rules.projection_light`). So green always means
  "on 序时 *and* projected to be met".
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
    "projection": "，按当前进度预计{year}年达到{projected}，为目标的{projected_share:.0%}",
    "projection_down": "，按当前进度预计{year}年为{projected}（目标{target}以内）",
    "no_base": "仅有{period}一个观测值（{actual}），缺{base_year}年基期值，无法测算完成进度",
    "required_cagr": "；实现目标需年均增长{required_cagr:.1f}%",
    "fell_back": "曾于{met_period}达到目标，现回落至{actual}，未达到目标{target}",
    "base_met": "基期（{period}）已达到目标，现为{actual}",
    "in_band": "实际{actual}，处于目标区间（{low}—{high}）",
    "above_band": "实际{actual}，高于目标区间（{low}—{high}）",
    "stale": "（数据截至{period}，已滞后{months}个月，按报告日序时进度评价）",
    "stale_growth": "（数据截至{period}，已滞后{months}个月）",
    "growth_no_full_year": "尚无完整年度增速，暂不评价（{period}累计增速{actual:.1f}%，仅供参考）",
    "growth_pending": "目标期已结束，待{missing}全年数据",
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
               year=2027, projected_share=0.9, missing="2023年以来的实际值", projected="2050亿元",
               target="2500亿元", period="2024年", base_year=2022, required_cagr=5.0, met_period="2023年",
               low="247项", high="273项", months=12)

# TOML (section, key) -> Rules field
_KEYS: dict[tuple[str, str], str] = {
    ("lights", "green_min_ahead_pp"): "green_min_ahead_pp",
    ("lights", "yellow_min_ahead_pp"): "yellow_min_ahead_pp",
    ("lights", "red_below_projected_share"): "red_below_projected_share",
    ("lights", "projected_met_tolerance"): "projected_met_tolerance",
    ("growth", "green_max_gap_pp"): "growth_green_max_gap_pp",
    ("growth", "yellow_max_gap_pp"): "growth_yellow_max_gap_pp",
    ("approximate", "tolerance"): "approx_tolerance",
    ("approximate", "overshoot_ok"): "approx_overshoot_ok",
    ("escap", "on_track_ratio"): "escap_on_track_ratio",
    ("escap", "fair_ratio"): "escap_fair_ratio",
    ("pace", "reference"): "pace_reference",
    ("pace", "on_pace_band_pp"): "on_pace_band_pp",
    ("pace", "max_lag_months"): "max_lag_months",
    ("ranking", "score_cap_pp"): "score_cap_pp",
    ("sdg", "on_track_ratio"): "sdg_on_track_ratio",
    ("sdg", "acceleration_ratio"): "sdg_acceleration_ratio",
}


@dataclass(frozen=True)
class Rules:
    """Thresholds and wording; defaults equal the shipped rules.toml."""

    green_min_ahead_pp: float = -5.0
    yellow_min_ahead_pp: float = -15.0
    red_below_projected_share: float = 0.8
    projected_met_tolerance: float = 0.0
    growth_green_max_gap_pp: float = 0.0
    growth_yellow_max_gap_pp: float = 2.0
    approx_tolerance: float = 0.05
    approx_overshoot_ok: bool = False
    escap_on_track_ratio: float = 1.0
    escap_fair_ratio: float = 0.5
    pace_reference: str = "data"
    on_pace_band_pp: float = 0.5
    max_lag_months: float = 3.0
    score_cap_pp: float = 50.0
    sdg_on_track_ratio: float = 0.95
    sdg_acceleration_ratio: float = 0.60
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
        if not 0 <= self.red_below_projected_share <= 1:
            raise ValueError("rules: red_below_projected_share must be within 0..1")
        if not 0 <= self.projected_met_tolerance < 1:
            raise ValueError("rules: projected_met_tolerance must be within 0..1 (exclusive)")
        if self.max_lag_months < 0:
            raise ValueError("rules: max_lag_months must be >= 0")
        if self.score_cap_pp <= 0:
            raise ValueError("rules: ranking score_cap_pp must be > 0")
        if not 0 <= self.sdg_acceleration_ratio <= self.sdg_on_track_ratio:
            raise ValueError("rules: sdg needs 0 <= acceleration_ratio <= on_track_ratio")
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
    def pace_light(self, ahead_pp: float | None) -> str:
        """Position light of a time-proportional target from its percentage points ahead of 序时进度."""
        if ahead_pp is None or ahead_pp != ahead_pp:  # None or NaN
            return GREY
        if ahead_pp >= self.green_min_ahead_pp - _EPS:
            return GREEN
        if ahead_pp >= self.yellow_min_ahead_pp - _EPS:
            return YELLOW
        return RED

    def projection_light(self, likely_met: bool | None, projected_share: float | None) -> str:
        """Projection light: green when projected to be met; red when the projection reaches less
        than ``red_below_projected_share`` of the target; yellow otherwise and when there is no
        projection (green needs the evidence of a projection)."""
        if likely_met:
            return GREEN
        if projected_share is not None and projected_share == projected_share \
                and projected_share < self.red_below_projected_share - _EPS:
            return RED
        return YELLOW

    @staticmethod
    def worse(*lights: str) -> str:
        """The worst of some lights (red > yellow > green; grey only when all are grey)."""
        order = {RED: 3, YELLOW: 2, GREEN: 1, GREY: 0}
        return max(lights, key=lambda x: order.get(x, 0))

    def score(self, ahead_pp: float | None) -> float | None:
        """The ranking score of one target: ahead_pp clipped to ±``score_cap_pp`` (one scale for all kinds)."""
        if ahead_pp is None or ahead_pp != ahead_pp:
            return None
        return max(-self.score_cap_pp, min(self.score_cap_pp, float(ahead_pp)))

    def sdg_class(self, ratio: float | None) -> str | None:
        """Open SDG / Statistics Canada class of R = observed CAGR / required CAGR (base → target)."""
        if ratio is None or ratio != ratio:
            return None
        if ratio >= self.sdg_on_track_ratio:
            return "on_track"
        if ratio >= self.sdg_acceleration_ratio:
            return "acceleration_needed"
        if ratio >= 0:
            return "limited"
        return "deterioration"

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
        """'=' (左右) targets: |actual − target| <= tolerance × |target| (the band); above the band is
        also met only when ``approx_overshoot_ok`` (default false: the band applies both ways)."""
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
