"""The overview's data: one row per project (light, headline, the worst targets and why, the 2025
midpoint state, rank and 位次变化, consecutive red quarters), the 牵头单位 view and 催报.

Everything comes from the stored assessment through the public API: ``db.status`` (out_target_status
rows for a quarter end), ``db.ranking`` (out_ranking: rank, rank_change, red_streak),
``db.midpoint_check`` (out_midpoint), ``db.missing_returns``. Nothing here is judged again.

Headline indicator of a card — :func:`choose_headline`
-----------------------------------------------------
The reviewed 核心指标 table (``db.core_indicators()``, data/curated/core_indicators.csv: at least two
per project, each with the reason it was chosen) names the headline: the project's rank-1 core
target; while it has no data at the report date, the next core target (by rank) that has; when none
has, rank 1 (the card then says 暂无数据). The cards, the project page's first chart, the static
edition and the pack use it; no headline is chosen by rule.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from .. import fmt
from .common import (
    GREEN, GREY, LIGHT_SEVERITY, LIGHTS, MID, PLAN, RED, YELLOW, firm_in_play, isnan, light_counts,
    project_label, project_light,
)
from .reads import core_indicators, data_known_at, earliest_data_quarter, late_returns, midpoint_with_demo


def choose_headline(st: pd.DataFrame, report_date: date, core_ids: pd.DataFrame):
    """The headline target of a project (a row of ``st`` with ``core_rank`` and ``core_reason``) from
    the 核心指标 table ``core_ids`` (``db.core_indicators()``: target_id, rank, reason_zh), or None when
    the project has no core indicator (see the module doc). ``report_date`` is kept for callers."""
    if st is None or st.empty:
        return None
    if not isinstance(core_ids, pd.DataFrame):
        raise TypeError("choose_headline needs the 核心指标 table (db.core_indicators()), not "
                        f"{type(core_ids).__name__}")
    return _headline_from_core(st, core_ids)


def _headline_from_core(st: pd.DataFrame, core: pd.DataFrame):
    c = core[core["target_id"].isin(set(st["target_id"]))].sort_values("rank") if len(core) else core
    if not len(c):
        return None
    rows = st.drop_duplicates("target_id").set_index("target_id", drop=False)
    recs = c.to_dict("records")
    pick = next((r for r in recs if rows.loc[r["target_id"], "status"] != GREY
                 and not isnan(rows.loc[r["target_id"]].get("latest_actual"))), recs[0])
    row = rows.loc[pick["target_id"]].copy()
    row["core_rank"] = int(pick["rank"])
    row["core_reason"] = str(pick.get("reason_zh") or "")
    return row


def worst_targets(st: pd.DataFrame, report_date: date, n: int = 3) -> pd.DataFrame:
    """The in-play firm targets behind a project's light, worst first: red, then yellow (most
    behind 序时 first); none when every target is green or grey. Their ``reason`` is the engine's."""
    play = firm_in_play(st, report_date)
    bad = play[play["status"].isin([RED, YELLOW])].copy()
    if bad.empty:
        return bad
    bad["_sev"] = bad["status"].map(LIGHT_SEVERITY)
    bad["_pp"] = pd.to_numeric(bad["ahead_pp"], errors="coerce").fillna(0.0)
    return bad.sort_values(["_sev", "_pp", "target_id"]).head(n).drop(columns=["_sev", "_pp"])


def midpoint_state(mp: pd.DataFrame, known_at: date) -> dict:
    """The 2025 midpoint check of one project (or all): firm 2025 targets met / missed / without data,
    firm 2027 targets on track / behind, and one line of text."""
    t25 = mp[(mp["check"] == "target_2025") & ~mp["stretch"].astype(bool)]
    t27 = mp[(mp["check"] == "span_2027") & ~mp["stretch"].astype(bool)]
    s = {
        "n25": len(t25), "met25": int((t25["met"] == True).sum()), "missed25": int((t25["met"] == False).sum()),  # noqa: E712
        "n27": len(t27), "ok27": int((t27["on_track"] == True).sum()), "behind27": int((t27["on_track"] == False).sum()),  # noqa: E712
        "final": known_at >= PLAN.midpoint_date,
    }
    parts = []
    if s["n25"]:
        parts.append(f"{MID}年目标完成{s['met25']}/{s['n25']}项")
    if s["n27"]:
        parts.append(f"{PLAN.final_year}年目标达到序时{s['ok27']}/{s['n27']}项")
    s["text"] = ("中期评估：" + "，".join(parts)) if parts else "中期评估：无对应目标"
    if not s["final"]:
        s["text"] += f"（{MID}年尚无全年数据）"
    s["state"] = (GREY if not (s["n25"] or s["n27"]) else
                  GREEN if s["missed25"] == 0 and s["behind27"] == 0 else
                  RED if s["missed25"] + s["behind27"] > (s["n25"] + s["n27"]) / 2 else YELLOW)
    return s


def overview_frame(st: pd.DataFrame, projects: pd.DataFrame, report_date: date, core_ids: pd.DataFrame) -> pd.DataFrame:
    """One row per project: light, counts and the headline target (pure; the cards and the pack)."""
    rows = []
    for p in projects.itertuples(index=False):
        sp = st[st["project_no"] == p.project_no]
        play = firm_in_play(sp, report_date)
        counts = light_counts(play["status"])
        head = choose_headline(sp, report_date, core_ids)
        rows.append({
            "project_no": int(p.project_no), "short_zh": p.short_zh, "name_zh": p.name_zh, "lead_unit": p.lead_unit,
            "light": project_light(play["status"]), "n_in_play": int(len(play)), **{f"n_{k}": v for k, v in counts.items()},
            "any_demo": bool(play["is_demo"].fillna(False).astype(bool).any()) if len(play) else False,
            "headline": head,
        })
    return pd.DataFrame(rows)


def cards_frame(st: pd.DataFrame, projects: pd.DataFrame, rk: pd.DataFrame, mp: pd.DataFrame, report_date: date,
                known_at: date, core_ids: pd.DataFrame) -> pd.DataFrame:
    """:func:`overview_frame` plus what a card says about why and how it moved: ``worst`` (up to
    three status rows behind the light), ``midpoint`` (:func:`midpoint_state`), ``rank``,
    ``rank_change``, ``score_pp``, ``red_streak`` (from ``db.ranking``)."""
    ov = overview_frame(st, projects, report_date, core_ids)
    r = rk.set_index("project_no") if len(rk) else pd.DataFrame()
    ov["worst"] = [worst_targets(st[st["project_no"] == n], report_date) for n in ov["project_no"]]
    ov["midpoint"] = [midpoint_state(mp[mp["project_no"] == n], known_at) for n in ov["project_no"]]
    for c in ("rank", "rank_change", "score_pp", "red_streak"):
        ov[c] = [r.loc[n, c] if (len(r) and n in r.index and c in r.columns) else None for n in ov["project_no"]]
    return ov


def lead_unit_frame(rk_units: pd.DataFrame, projects: pd.DataFrame, late: pd.DataFrame) -> pd.DataFrame:
    """牵头单位 view: one row per lead unit — the projects it leads, its targets' lights (from
    ``db.ranking(by="lead_unit")``), rank and 位次变化, and its late returns for the 催报 quarter."""
    led = projects.groupby("lead_unit", sort=False).apply(
        lambda g: "、".join(project_label(n, s) for n, s in zip(g["project_no"], g["short_zh"])), include_groups=False)
    out = rk_units.copy()
    out["projects"] = out["lead_unit"].map(led).fillna("")
    if len(late):
        lt = late.groupby("lead_unit").agg(late_tables=("n_missing", "sum"), days_late=("days_late", "max"),
                                           late_overdue=("overdue", "any"))
    else:
        lt = pd.DataFrame(columns=["late_tables", "days_late", "late_overdue"])
    out["late_tables"] = out["lead_unit"].map(lt["late_tables"]).fillna(0).astype(int)
    out["days_late"] = out["lead_unit"].map(lt["days_late"]).fillna(0).astype(int)
    out["late_overdue"] = out["lead_unit"].isin(list(lt.index[lt["late_overdue"].astype(bool)]))
    return out


def ranking_chart_frame(rk: pd.DataFrame) -> pd.DataFrame:
    """``rk`` (``db.ranking``) with the columns :func:`shiwu_lib.charts.ranking_bars` draws."""
    from .common import rank_change_text

    d = rk.copy()
    d["label"] = [f"{project_label(n, s)} {rank_change_text(c)}" for n, s, c in zip(d["project_no"], d["short_zh"], d["rank_change"])]
    d["score"] = d["score_pp"]
    d["status"] = d["light"]
    d["hover"] = [f"第{int(r.rank)}名（位次变化{rank_change_text(r.rank_change)}） · {fmt.status_zh(r.light)} · 得分{fmt.signed_pp(r.score_pp)}"
                  f" · 绿{int(r.n_green)} 黄{int(r.n_yellow)} 红{int(r.n_red)} 灰{int(r.n_grey)}" for r in rk.itertuples()]
    return d


def overview_data(db, report_date: date, chase_quarter: date | None = None, today: date | None = None) -> dict:
    """Everything the overview shows for report date R (the live page and the static edition).

    ``chase_quarter`` is the 催报 quarter (default: R); ``today`` the day lateness is judged on."""
    today = today or date.today()
    known = data_known_at(db)
    st = db.status(as_of=report_date, known_at=known)
    projects = db.projects()
    rk = db.ranking(as_of=report_date, known_at=known)
    rk_units = db.ranking(as_of=report_date, by="lead_unit", known_at=known)
    mp = midpoint_with_demo(db, known)
    chase = chase_quarter or report_date
    late = late_returns(db, fmt.quarter_label(chase), today=today)
    cards = cards_frame(st, projects, rk, mp, report_date, known, core_indicators(db))
    play = firm_in_play(st, report_date)
    return {
        "report_date": report_date, "known_at": known, "today": today, "st": st, "projects": projects,
        "cards": cards, "ranking": rk, "units": lead_unit_frame(rk_units, projects, late), "late": late,
        "chase_quarter": chase, "midpoint": mp,
        "has_data": bool((play["status"] != GREY).any()) if len(play) else False,
        "any_demo": bool(play["is_demo"].fillna(False).astype(bool).any()) if len(play) else False,
        "demo_in_store": db.demo_loaded(),
        "earliest": earliest_data_quarter(db),
        "counts": light_counts(cards["light"]) if len(cards) else dict.fromkeys(LIGHTS, 0),
    }

