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


def in_play_mask(st: pd.DataFrame, report_date: date) -> pd.Series:
    """Targets whose window has begun by ``report_date`` and whose target year is its year or later."""
    if st.empty:
        return pd.Series([], dtype=bool)
    # one span_start per distinct (period, start_year, target_year): a status frame repeats few of them
    memo: dict = {}
    starts = [memo[k] if k in memo else memo.setdefault(k, span_start(*k))
              for k in zip(st["period"], st["start_year"], st["target_year"])]
    starts = pd.Series(starts, index=st.index)
    return (starts <= report_date.year) & (pd.to_numeric(st["target_year"]) >= report_date.year)


def firm_in_play(st: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """The firm (not 力争) targets in play at ``report_date``: what the light and the ranking use."""
    if st.empty:
        return st
    firm = ~st["stretch"].fillna(False).astype(bool)
    return st[firm & in_play_mask(st, report_date)]


#: the columns the lights and the ranking read from a status frame (a status frame has ~60)
RANKING_INPUT = ("project_no", "lead_unit", "status", "ahead_pp", "score_pp", "stretch", "is_demo", "period",
                 "start_year", "target_year")


def firm_in_play_for_ranking(st: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """:func:`firm_in_play` of only the :data:`RANKING_INPUT` columns (filtering 10 columns, not 60)."""
    return firm_in_play(st[[c for c in RANKING_INPUT if c in st.columns]], report_date)


def ranking_frame(st: pd.DataFrame, projects: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """The 晾晒 ranking (progress.rank) over the in-play firm targets; projects without any in-play
    target are appended at the end. Adds short_zh, lead_unit, light."""
    play = firm_in_play_for_ranking(st, report_date)
    rk = progress.rank(play, by="project_no") if len(play) else pd.DataFrame(columns=["project_no"] + progress.RANK_COLUMNS)
    missing = [n for n in projects["project_no"] if n not in set(rk["project_no"])]
    if missing:
        extra = pd.DataFrame({"project_no": missing, "n_targets": 0, "n_with_data": 0, "n_green": 0, "n_yellow": 0,
                              "n_red": 0, "n_grey": 0, "mean_ahead_pp": float("nan"), "share_green": float("nan"),
                              "score_pp": float("nan")})
        extra["rank"] = range(len(rk) + 1, len(rk) + 1 + len(extra))
        rk = pd.concat([rk, extra], ignore_index=True) if len(rk) else extra
    rk = rk.merge(projects[["project_no", "short_zh", "name_zh", "lead_unit"]], on="project_no", how="left")
    statuses = group_values(play["project_no"], play["status"])
    demo = group_values(play["project_no"], play["is_demo"].fillna(False).astype(bool))
    rk["light"] = [project_light(statuses.get(n, ())) for n in rk["project_no"]]
    rk["any_demo"] = [any(demo.get(n, ())) for n in rk["project_no"]]
    return rk.sort_values("rank").reset_index(drop=True)


def group_values(keys: pd.Series, values: pd.Series) -> dict:
    """{key: [value, …]} in row order: one pass instead of one boolean filter per key."""
    out: dict = {}
    for k, v in zip(keys.tolist(), values.tolist()):
        out.setdefault(k, []).append(v)
    return out
