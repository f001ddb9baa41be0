"""The project page's data (工程详情): the project, its in-play light, the gap chart's rows, the
trajectory charts (headline first), the target sections, the midpoint rows, key tasks, problems."""
from __future__ import annotations

from datetime import date

import pandas as pd

from .. import fmt
from .common import (
    GREY, SECTION_ORDER, actual_text, firm_in_play, gap_share, is_span, light_counts, project_light,
    short_label, span_start, target_label,
)
from .overview import choose_headline
from .reads import (
    core_indicators, data_known_at, earliest_data_quarter, midpoint_with_demo, problems_frame, tasks_frame,
)
from .trajectory import chart_indicators, indicator_chart_data


def gap_chart_frame(play: pd.DataFrame) -> pd.DataFrame:
    """In-play firm targets with data, with the columns :func:`shiwu_lib.charts.gap_to_target` draws."""
    g = play[(play["status"] != GREY) & play["gap"].notna()].copy()
    if g.empty:
        return g
    g["gap_pct"] = [gap_share(a, b) for a, b in zip(g["gap"], g["target_value"])]
    g = g[g["gap_pct"].notna()].copy()
    g["label"] = [short_label(m if str(int(y)) in str(m) else f"{m}（{int(y)}）", 20) for m, y in zip(g["metric_zh"], g["target_year"])]
    g["hover"] = [f"{r['metric_zh']}<br>目标：{target_label(r)}<br>实际：{actual_text(r)}<br>{fmt.status_zh(r['status'])} · {r['reason']}"
                  for _, r in g.iterrows()]
    return g


def target_sections(st: pd.DataFrame, report_date: date) -> dict[str, pd.DataFrame]:
    """The project's targets split as the page shows them: ``play`` (in play at R), ``ended``
    (target year before R's year), ``future`` (window not begun), each in the plan's order."""
    if st.empty:
        return {"play": st, "ended": st, "future": st}
    st = st.assign(_s=st["section"].map(SECTION_ORDER).fillna(9), _span=[0 if is_span(p) else 1 for p in st["period"]])
    st = st.sort_values(["_s", "_span", "target_year", "stretch", "target_id"])
    starts = pd.Series([span_start(p, a, b) for p, a, b in zip(st["period"], st["start_year"], st["target_year"])], index=st.index)
    ended = pd.to_numeric(st["target_year"]) < report_date.year
    future = starts > report_date.year
    play = ~ended & ~future
    return {"play": st[play], "ended": st[ended], "future": st[future]}


def project_data(db, project_no: int, report_date: date) -> dict:
    """Everything the project page shows except the trajectory figures themselves (their inputs are
    here: ``order``, ``targets``, ``indicators``, ``actuals``; :func:`trajectory_data` builds one)."""
    known = data_known_at(db)
    proj = db.projects().set_index("project_no").loc[int(project_no)]
    st = db.status(as_of=report_date, project_no=project_no, known_at=known)
    targets = db.targets(project_no)
    inds = db.indicators(project_no)
    eq = earliest_data_quarter(db)
    play = firm_in_play(st, report_date)
    head = choose_headline(st, report_date, core_indicators(db))
    first = head["indicator_id"] if head is not None and isinstance(head.get("indicator_id"), str) else None
    order = chart_indicators(targets, first=first)
    acts = db.actuals(as_of=known)
    acts = acts[acts["indicator_id"].isin(order)]
    return {
        "project_no": int(project_no), "report_date": report_date, "known_at": known, "project": proj,
        "st": st, "play": play, "light": project_light(play["status"]), "counts": light_counts(play["status"]),
        "any_demo": bool(st["is_demo"].fillna(False).astype(bool).any()), "headline": head,
        "targets": targets, "indicators": inds, "actuals": acts, "order": order,
        "gap": gap_chart_frame(play), "sections": target_sections(st, report_date),
        "midpoint": midpoint_with_demo(db, known, project_no),
        "tasks": tasks_frame(db, project_no, report_date), "problems": problems_frame(db, project_no, report_date),
        "first_quarter": fmt.quarter_zh(eq) if eq else "",
    }


def trajectory_data(db, pd_: dict, indicator_id: str) -> dict:
    """The chart data of one indicator of a :func:`project_data` result."""
    ind = pd_["indicators"]
    m = ind[ind["indicator_id"] == indicator_id] if len(ind) else ind
    indicator = m.iloc[0].to_dict() if len(m) else {"indicator_id": indicator_id}
    tg = pd_["targets"][pd_["targets"]["indicator_id"] == indicator_id]
    return indicator_chart_data(db, indicator, tg, pd_["st"], pd_["report_date"], pd_["known_at"], actuals=pd_["actuals"])
