"""The 2025 midpoint page's data (中期评估): every midpoint-year target met or missed, every
final-year target's completion at the midpoint date against its 序时 (out_midpoint rows)."""
from __future__ import annotations

import pandas as pd

from .. import fmt
from .common import actual_text, project_label, short_label, target_label
from .overview import midpoint_state
from .reads import data_known_at, midpoint_with_demo


def completion_chart_frame(mp: pd.DataFrame) -> pd.DataFrame:
    """Final-year targets with a completion at the midpoint date, with the columns
    :func:`shiwu_lib.charts.midpoint_completion` draws."""
    c = mp[(mp["check"] == "span_2027") & (mp["kind"] != "growth_rate") & mp["completion"].notna()].copy()
    if c.empty:
        return c
    c["label"] = [short_label(f"{project_label(n, s)}·{m}", 24) for n, s, m in zip(c["project_no"], c["project_short"], c["metric_zh"])]
    c["on_track"] = c["on_track"].fillna(False).astype(bool)
    c["hover"] = [f"{r['metric_zh']}<br>目标：{target_label(r)}<br>中期：{actual_text(r)}（完成{fmt.share(r['completion'])}）"
                  f"<br>{'达到' if r['on_track'] else '落后'}序时进度{fmt.share(r['expected_progress'])}" for _, r in c.iterrows()]
    return c


def midpoint_data(db) -> dict:
    known = data_known_at(db)
    mp = midpoint_with_demo(db, known)
    c = completion_chart_frame(mp)
    return {"known_at": known, "midpoint": mp, "state": midpoint_state(mp, known), "completion": c,
            "expected": float(c["expected_progress"].mode().iloc[0]) if len(c) else 0.6,
            "any_demo": bool(mp["is_demo"].any())}
