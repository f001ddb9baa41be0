"""Project lights and the 晾晒 ranking over a status frame (one row per target, from ``db.status``).

Pure functions shared by the API (``db.ranking``), the CLI, the dashboards and the quarterly pack,
so a leader sees the same order on the screen, on paper and in ``shiwu ranking``.

Targets in play (在推进的目标): the *firm* targets (力争 / stretch left out) whose window has begun by
the report date R and whose target year is R's year or later (at 2026-09-30: the 2026 and 2027
targets; at 2025-12-31 also the 2025 targets). Targets whose window ended in an earlier year are
judged in the 2025 midpoint check and on the project page, not in the light or the ranking.

Project light (工程总灯), over the in-play firm targets that have data:
1. grey when none has data; 2. red when red targets are at least one third (``RED_QUORUM``);
3. yellow when any is red, or yellow-or-red are at least one third (``BEHIND_QUORUM``) — a red
target is never hidden behind a green project; 4. green otherwise.

Ranking: :func:`shiwu_lib.progress.rank` (mean score: percentage points ahead of 序时进度 clipped to
±[ranking] score_cap_pp, one scale for every kind; then the share of
green, then fewer reds) over the same targets; projects without in-play targets come last.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Iterable

import pandas as pd

from . import progress

GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
LIGHTS = (GREEN, YELLOW, RED, GREY)
RED_QUORUM = 1 / 3
BEHIND_QUORUM = 1 / 3


def project_light(statuses: Iterable[str]) -> str:
    """The project light from the lights of its in-play firm targets (see the module doc).

    >>> project_light(["green", "green", "red"]), project_light(["green"] * 9 + ["red"])
    ('red', 'yellow')
    >>> project_light(["green", "green", "yellow", "grey"]), project_light(["grey"]), project_light([])
    ('green', 'grey', 'grey')
    """
    s = [x for x in statuses if x in (GREEN, YELLOW, RED)]
    if not s:
        return GREY
    n, red, yellow = len(s), s.count(RED), s.count(YELLOW)
    if red / n >= RED_QUORUM - 1e-12:
        return RED
    if red > 0 or (red + yellow) / n >= BEHIND_QUORUM - 1e-12:
        return YELLOW
    return GREEN


def light_counts(statuses: Iterable[str]) -> dict[str, int]:
    s = list(statuses)
    return {k: sum(1 for x in s if x == k) for k in LIGHTS}


def span_start(period, start_year, target_year) -> int:
    """First year of a target window ('2023-2027' → 2023; FY targets: start_year)."""
    p = str(period or "")
    if len(p) >= 9 and p[:4].isdigit() and p[-4:].isdigit():
        return int(p[:4])
    if not (start_year is None or (isinstance(start_year, float) and math.isnan(start_year))):
        return int(start_year)
    return int(target_year)


def is_span(period) -> bool:
    p = str(period or "")
    return len(p) >= 9 and p[:4].isdigit() and p[-4:].isdigit()


def _year_number(v) -> float:
    """``pd.to_numeric`` of one target_year value (int, float, numeric text; anything else → NaN)."""
    if isinstance(v, (int, float)):
        return v
    try:
        return float(pd.to_numeric(v))
    except (TypeError, ValueError):
        return math.nan


def in_play_flags(period, start_year, target_year, report_date: date) -> list[bool]:
    """Per target (three parallel sequences): its window has begun by ``report_date`` and its target
    year is that year or later. The one rule :func:`in_play_mask` and :func:`firm_in_play_rows` apply."""
    year = report_date.year
    # one span_start per distinct (period, start_year, target_year): a status frame repeats few of them
    memo: dict = {}
    out = []
    for k in zip(period, start_year, target_year):
        start = memo[k] if k in memo else memo.setdefault(k, span_start(*k))
        out.append(start <= year and _year_number(k[2]) >= year)
    return out


def in_play_mask(st: pd.DataFrame, report_date: date) -> pd.Series:
    """Targets whose window has begun by ``report_date`` and whose target year is its year or later."""
    if st.empty:
        return pd.Series([], dtype=bool)
    return pd.Series(in_play_flags(st["period"], st["start_year"], st["target_year"], report_date),
                     index=st.index, dtype=bool)


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _is_firm(stretch) -> bool:
    """Not a 力争 target: ``~stretch.fillna(False).astype(bool)`` of one value."""
    return _missing(stretch) or not bool(stretch)


def firm_in_play(st: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """The firm (not 力争) targets in play at ``report_date``: what the light and the ranking use."""
    if st.empty:
        return st
    firm = [_is_firm(v) for v in st["stretch"].tolist()]
    return st[pd.Series(firm, index=st.index, dtype=bool) & in_play_mask(st, report_date)]


#: the columns the lights and the ranking read from a status frame (a status frame has ~60)
RANKING_INPUT = ("project_no", "lead_unit", "status", "ahead_pp", "score_pp", "stretch", "is_demo", "period",
                 "start_year", "target_year")
_P, _LU, _ST, _AH, _SC, _STRETCH, _DEMO, _PER, _SY, _TY = range(len(RANKING_INPUT))
#: the columns of :func:`ranking_frame`
RANKING_COLUMNS = ["project_no"] + progress.RANK_COLUMNS + ["short_zh", "name_zh", "lead_unit", "light", "any_demo"]
#: the columns of a lead-unit ranking frame (:func:`lead_unit_ranking_rows`)
LEAD_UNIT_RANKING_COLUMNS = ["lead_unit"] + progress.RANK_COLUMNS + ["light"]


def ranking_input_rows(st: pd.DataFrame) -> list[tuple]:
    """The :data:`RANKING_INPUT` values of a status frame as tuples (a column it lacks: None)."""
    n = len(st)
    return list(zip(*(st[c].tolist() if c in st.columns else [None] * n for c in RANKING_INPUT)))


def firm_in_play_rows(rows: list[tuple], report_date: date) -> list[tuple]:
    """:func:`firm_in_play` of :data:`RANKING_INPUT` tuples (the same rule, no frame)."""
    if not rows:
        return []
    flags = in_play_flags([r[_PER] for r in rows], [r[_SY] for r in rows], [r[_TY] for r in rows], report_date)
    return [r for r, f in zip(rows, flags) if f and _is_firm(r[_STRETCH])]


def _nan(v) -> float:
    """``pd.to_numeric(…, errors='coerce')`` of one ahead_pp / score_pp value."""
    if v is None or v is pd.NA:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _rank_play(play: list[tuple], key: int, name: str) -> list[dict]:
    """progress.rank of in-play firm targets grouped by the element ``key`` of each tuple."""
    status = [GREY if _missing(s) else s for s in (r[_ST] for r in play)]
    return progress.rank_rows([(r[key],) for r in play], status, [_nan(r[_AH]) for r in play],
                              [_nan(r[_SC]) for r in play], [name])


def ranking_rows(play: list[tuple], projects: list[tuple]) -> list[dict]:
    """The rows of :func:`ranking_frame` from the in-play firm targets (:func:`firm_in_play_rows`)
    and the projects as (project_no, short_zh, name_zh, lead_unit) tuples, in rank order."""
    rk = _rank_play(play, _P, "project_no")
    ranked = {r["project_no"] for r in rk}
    nan = math.nan
    for n, *_ in projects:
        if n not in ranked:
            rk.append({"project_no": n, "n_targets": 0, "n_with_data": 0, "n_green": 0, "n_yellow": 0, "n_red": 0,
                       "n_grey": 0, "mean_ahead_pp": nan, "share_green": nan, "score_pp": nan, "rank": len(rk) + 1})
    names = {p[0]: p[1:] for p in projects}
    statuses: dict = {}
    demo: dict = {}
    for r in play:
        statuses.setdefault(r[_P], []).append(r[_ST])
        d = r[_DEMO]
        demo.setdefault(r[_P], []).append(False if _missing(d) else bool(d))
    for r in rk:
        r["short_zh"], r["name_zh"], r["lead_unit"] = names.get(r["project_no"], (nan, nan, nan))
        r["light"] = project_light(statuses.get(r["project_no"], ()))
        r["any_demo"] = any(demo.get(r["project_no"], ()))
    return rk


def ranking_frame(st: pd.DataFrame, projects: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """The 晾晒 ranking (progress.rank) over the in-play firm targets; projects without any in-play
    target are appended at the end. Adds short_zh, lead_unit, light."""
    play = firm_in_play_rows(ranking_input_rows(st), report_date)
    projects_rows = list(zip(*(projects[c].tolist() for c in ("project_no", "short_zh", "name_zh", "lead_unit"))))
    return pd.DataFrame(ranking_rows(play, projects_rows), columns=RANKING_COLUMNS)


def lead_unit_ranking_rows(play: list[tuple]) -> list[dict]:
    """The 晾晒 ranking of the lead units (牵头单位) over the in-play firm targets, with each unit's light."""
    rk = _rank_play(play, _LU, "lead_unit")
    statuses: dict = {}
    for r in play:
        statuses.setdefault(r[_LU], []).append(r[_ST])
    for r in rk:
        r["light"] = project_light(statuses.get(r["lead_unit"], ()))
    return rk
