"""Chart data of an indicator's trajectory (what :func:`shiwu_lib.charts.trajectory` draws).

Built from the stored assessment rows (``db.status``: baseline, baseline_period, projected, the
light and its reason) and the actual values (``db.actuals``); the engine is not run again. For an
indicator with a multi-year (span) target:

- **target path** of every span target: from the base at the end of the year before its window
  (``baseline`` of its status row; cumulative flows from 0) to the target at the end of the target
  year; growth-rate targets are a flat line at the target rate;
- **tolerance band** (绿灯区间) under the main firm path: the path less ``-green_min_ahead_pp`` (5)
  percentage points of the distance — where a value still counts as on pace (rules.toml [lights]);
- **2025 marker**: the firm span target due in the midpoint year, else the firm path's 序时 value at
  the midpoint date (labelled as such);
- **projection**: from the last actual to the engine's ``projected`` value at the window's end;
- **actual values** (cumulative since the window start for cumulative flows; year-on-year rates
  computed from amounts for growth targets on amount indicators) and the **report-date line**.

Indicators with single-year targets only show each year's year-to-date values and each year's target.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from .. import fmt, progress, units
from .common import GREY, MID, PLAN, is_count_unit, is_span, isnan, short_label


def chart_indicators(targets: pd.DataFrame, first: str | None = None) -> list[str]:
    """Indicators that get a trajectory chart: those with a span target (五年目标 / 三年行动) or
    with single-year targets in at least two years; span ones first, in catalog order; ``first``
    (the headline's indicator) leads when it is among them."""
    t = targets.dropna(subset=["indicator_id"])
    out = []
    for iid, g in t.groupby("indicator_id", sort=False):
        if any(is_span(p) for p in g["period"]) or g.loc[g["period"].astype(str).str.upper() == "FY", "target_year"].nunique() >= 2:
            out.append(iid)
    pos = {iid: i for i, iid in enumerate(t["indicator_id"])}
    out = sorted(out, key=lambda i: (0 if any(is_span(p) for p in t.loc[t["indicator_id"] == i, "period"]) else 1, pos[i]))
    if first in out:
        out.remove(first)
        out.insert(0, first)
    return out


def _source_text(source_type, source_title) -> str:
    if source_type == "demo":
        return "部门报表示例数据（示例数据）"
    return source_title or {"published": "公开发布", "return": "部门报表"}.get(source_type, source_type or "")


def actual_hover(value, unit, label, source_type, source_title, kind) -> str:
    v = fmt.percent(value) if kind == "growth_rate" else fmt.value(value, unit)
    return f"{fmt.period_label_zh(label)}：{v}<br>来源：{_source_text(source_type, source_title)}"


def _convert(value, from_unit, to_unit):
    """A value in ``from_unit`` expressed in ``to_unit`` (亩 → 万亩); as is when they do not convert."""
    if isnan(value) or not from_unit or not to_unit or from_unit == to_unit:
        return None if isnan(value) else float(value)
    try:
        if units.base_unit(from_unit) == units.base_unit(to_unit):
            return float(value) * units.to_base(1.0, from_unit) / units.to_base(1.0, to_unit)
    except Exception:  # noqa: BLE001 - outside the vocabulary: as written
        pass
    return float(value)


def _actuals(db, acts: pd.DataFrame | None, indicator_id: str, known_at: date) -> pd.DataFrame:
    if acts is None:
        return db.actuals(as_of=known_at, indicator_id=indicator_id)
    return acts[acts["indicator_id"] == indicator_id]


def _series(acts: pd.DataFrame, unit: str, kind: str, period: str, start_year: int, end_year: int) -> pd.DataFrame:
    """Actual points in ``unit``: cumulative since the window start for cumulative flows."""
    if acts.empty:
        return pd.DataFrame(columns=["date", "value", "period_label", "source_type", "source_title"])
    acts = acts.sort_values(["period_end", "reported_at"] if "reported_at" in acts.columns else ["period_end"])
    factor = 1.0 if kind == "growth_rate" else units.to_base(1.0, unit) if unit else 1.0
    rows, full = [], {}
    cumulative = kind == "cumulative_flow" and is_span(period)
    for r in acts.itertuples(index=False):
        if kind == "growth_rate":
            v = float(r.value)
        else:
            vb = float(r.value_base) if not isnan(getattr(r, "value_base", None)) else float(r.value)
            if cumulative:
                if r.year < start_year or r.year > end_year:
                    continue
                if pd.Timestamp(r.period_end).month == 12:
                    full[r.year] = vb
                vb = sum(x for y, x in full.items() if y < r.year) + vb
            v = vb / factor
        rows.append({"date": pd.Timestamp(r.period_end), "value": v, "period_label": r.period_label,
                     "source_type": r.source_type, "source_title": getattr(r, "source_title", "") or ""})
    return pd.DataFrame(rows, columns=["date", "value", "period_label", "source_type", "source_title"])


def derived_rates(acts: pd.DataFrame, rd) -> pd.DataFrame:
    """Year-on-year rates (%) computed from amounts, for growth targets on amount indicators."""
    obs = [progress.Observation(r.period_label, int(r.year), pd.Timestamp(r.period_end).date(), float(r.value), bool(r.ytd), r.source_type)
           for r in acts.itertuples(index=False)]
    rates = progress.growth_from_levels(obs)
    titles = dict(zip(acts["period_label"], acts["source_title"])) if "source_title" in acts.columns else {}
    rows = [{"date": pd.Timestamp(o.period_end), "value": o.value, "period_label": o.period_label,
             "source_type": o.source_type, "source_title": titles.get(o.period_label, "")} for o in rates]
    df = pd.DataFrame(rows, columns=["date", "value", "period_label", "source_type", "source_title"])
    return df[df["date"] <= rd]


def target_path(t, srow, unit: str) -> dict:
    """The path of one span target, in ``unit``: base at the end of the year before the window to
    the target at the end of the target year (see the module doc)."""
    start_year = int(str(t["period"])[:4])
    x0 = pd.Timestamp(start_year, 1, 1) - pd.Timedelta(days=1)
    x1 = pd.Timestamp(int(t["target_year"]), 12, 31)
    v = _convert(t["value"], t["unit"], unit) if t["kind"] != "growth_rate" else float(t["value"])
    base = None
    if t["kind"] == "cumulative_flow":
        base = 0.0
    elif t["kind"] != "growth_rate" and srow is not None and not isnan(srow.get("baseline")):
        base = _convert(srow["baseline"], srow.get("unit") or t["unit"], unit)
    if t["kind"] == "growth_rate":
        xs, ys = [x0 + pd.Timedelta(days=1), x1], [v, v]
    elif base is not None:
        xs, ys = [x0, x1], [base, v]
    else:
        xs, ys = [x1], [v]
    prefix = "力争" if bool(t["stretch"]) else "目标"
    text = fmt.target_text(v, unit, t["comparator"], False) if t["kind"] != "growth_rate" else "年均" + fmt.target_text(v, "%", t["comparator"], False)
    return {"name": f"{prefix}：{text}（{int(t['target_year'])}年）", "x": xs, "y": ys, "stretch": bool(t["stretch"]),
            "target_id": t["target_id"], "base": base, "value": v, "kind": t["kind"]}


def tolerance_band(path: dict, tolerance_pp: float) -> dict | None:
    """The band under a firm path within which a value counts as on pace (green): the path less
    ``tolerance_pp`` percentage points of the distance from the base to the target."""
    if path.get("kind") == "growth_rate" or len(path["x"]) != 2 or tolerance_pp <= 0:
        return None
    base, target = path["y"]
    shift = (target - base) * tolerance_pp / 100.0
    return {"x": list(path["x"]), "upper": list(path["y"]), "lower": [base - shift, target - shift],
            "name": f"绿灯区间（慢于序时进度{fmt.number(tolerance_pp)}个百分点以内）"}


def indicator_chart_data(db, indicator: dict, targets: pd.DataFrame, st: pd.DataFrame, report_date: date,
                         known_at: date, actuals: pd.DataFrame | None = None) -> dict:
    """What :func:`shiwu_lib.charts.trajectory` draws for one indicator (see the module doc).

    ``targets``: the indicator's rows of ``db.targets()``; ``st``: ``db.status(as_of=report_date,
    known_at=known_at)`` rows (at least the indicator's); ``actuals``: ``db.actuals(as_of=known_at)``
    (all indicators or this one; read from ``db`` when None)."""
    iid = indicator.get("indicator_id") or targets["indicator_id"].iloc[0]
    name = indicator.get("name_zh") or targets["metric_zh"].iloc[0]
    spans = targets[[is_span(p) for p in targets["period"]]]
    unit_src = spans if len(spans) else targets
    if len(spans):
        firm_spans = spans[~spans["stretch"].astype(bool)]
        unit_src = (firm_spans if len(firm_spans) else spans).sort_values(["target_year", "target_id"], ascending=[False, True])
    unit = (unit_src["unit"].iloc[0] if len(unit_src) else "") or indicator.get("unit") or ""
    stt = st.drop_duplicates("target_id").set_index("target_id")
    srow_of = lambda tid: stt.loc[tid] if tid in stt.index else None  # noqa: E731
    rd = pd.Timestamp(report_date)
    data: dict = {"title": short_label(name, 40), "unit": unit, "paths": [], "annual": [], "report_date": report_date,
                  "demo": False, "indicator_id": iid}
    acts_all = _actuals(db, actuals, iid, known_at)
    acts_all = acts_all[acts_all["period_end"] <= rd] if len(acts_all) else acts_all
    if len(spans):
        pool = spans[~spans["stretch"].astype(bool)]
        pool = pool if len(pool) else spans
        main = pool.sort_values(["target_year", "target_id"], ascending=[False, True]).iloc[0]
        srow = srow_of(main["target_id"])
        data["target_id"] = main["target_id"]
        for _, t in spans.sort_values(["stretch", "target_year", "target_id"]).iterrows():
            data["paths"].append(target_path(t, srow_of(t["target_id"]), unit))
        main_path = next(p for p in data["paths"] if p["target_id"] == main["target_id"])
        if main_path["base"] is not None and main["kind"] != "cumulative_flow":
            bp = srow.get("baseline_period") if srow is not None else None
            data["baseline"] = {"x": main_path["x"][0], "y": main_path["base"],
                                "label": f"基期值（{fmt.period_label_zh(bp) if not isnan(bp) else str(int(str(main['period'])[:4]) - 1) + '年'}）："
                                         f"{fmt.value(main_path['base'], unit)}"}
        tol = -float(getattr(getattr(db, "rules", None), "green_min_ahead_pp", -5.0))
        if not bool(main["stretch"]):
            data["band"] = tolerance_band(main_path, tol)
        start_year, end_year = int(str(main["period"])[:4]), int(main["target_year"])
        if main["kind"] == "growth_rate" and indicator.get("measure") in ("flow", "stock"):
            act = derived_rates(acts_all, rd) if len(acts_all) else _series(acts_all, unit, "growth_rate", "", 0, 0)
        else:
            act = _series(acts_all, unit, main["kind"], main["period"], start_year, end_year)
            if main["kind"] == "cumulative_flow":
                act = act[act["date"] > main_path["x"][0] - pd.Timedelta(days=1)]
        if len(act):
            act = act.copy()
            act["text"] = [actual_hover(v, unit, lab, s, ti, main["kind"])
                           for v, lab, s, ti in zip(act["value"], act["period_label"], act["source_type"], act["source_title"])]
            data["demo"] = bool((act["source_type"] == "demo").any())
            if main["kind"] in ("level", "count", "share", "ratio") and indicator.get("measure") == "flow":
                # a level of a yearly flow (年开行数) is compared on full-year values; this year's
                # year-to-date values are drawn apart, not joined to the line
                full = (act["date"].dt.month == 12) & (act["date"].dt.day == 31)
                last_full = act.loc[full, "date"].max() if full.any() else pd.Timestamp.min
                partial = act[~full & (act["date"] > last_full)]
                if len(partial):
                    data["partial"] = partial[["date", "value", "text"]].reset_index(drop=True)
                act = act[full]
            data["actual"] = act[["date", "value", "text"]].reset_index(drop=True)
        if len(act) and srow is not None and not isnan(srow.get("projected")) and srow["status"] != GREY:
            last = act.iloc[-1]
            end = pd.Timestamp(end_year, 12, 31)
            proj = _convert(srow["projected"], srow.get("unit") or main["unit"], unit) if main["kind"] != "growth_rate" else float(srow["projected"])
            if end > last["date"]:
                ptxt = fmt.value(proj, unit) if main["kind"] != "growth_rate" else fmt.percent(proj)
                data["projection"] = {"x": [last["date"], end], "y": [float(last["value"]), proj],
                                      "text": f"按当前进度预计{end_year}年：{ptxt}"}
        # the midpoint marker: the firm span target due in the midpoint year, else the firm path's 序时 value there
        mid_x = pd.Timestamp(PLAN.midpoint_date)
        t_mid = [p for p in data["paths"] if not p["stretch"] and int(p["x"][-1].year) == MID]
        if t_mid:
            p = t_mid[0]
            data["midpoint"] = {"x": mid_x, "y": p["value"], "kind": "target", "name": f"{MID}年目标",
                                "text": f"{MID}年目标：{p['name'].split('：', 1)[1]}"}
        elif main["kind"] != "growth_rate" and len(main_path["x"]) == 2 and end_year > MID:
            x0, x1 = main_path["x"]
            frac = (mid_x - x0) / (x1 - x0)
            if 0 < frac < 1:
                v = main_path["y"][0] + (main_path["y"][1] - main_path["y"][0]) * frac
                data["midpoint"] = {"x": mid_x, "y": v, "kind": "pace", "name": f"{MID}年末序时值",
                                    "text": f"{MID}年末序时值（{frac:.0%}）：{fmt.value(v, unit)}"}
        if srow is not None:
            data["subtitle"] = f"{fmt.status_zh(srow['status'])} · {srow['reason']}"
            data["status"] = srow["status"]
            data["reason"] = srow["reason"]
        data["from_zero"] = main["kind"] == "cumulative_flow"
        data["integer_ticks"] = is_count_unit(unit) and main["kind"] != "growth_rate"
    else:
        # single-year targets only: YTD actual values (line broken at each new year) and yearly targets
        pts, prev_year = [], None
        for r in acts_all.sort_values("period_end").itertuples(index=False) if len(acts_all) else []:
            if prev_year is not None and r.year != prev_year:
                pts.append({"date": pd.NaT, "value": float("nan"), "text": ""})
            prev_year = r.year
            v = _convert(r.value, r.unit, unit)
            pts.append({"date": pd.Timestamp(r.period_end), "value": v,
                        "text": actual_hover(v, unit, r.period_label, r.source_type, getattr(r, "source_title", ""), "")})
        if pts:
            data["actual"] = pd.DataFrame(pts)
            data["demo"] = bool((acts_all["source_type"] == "demo").any())
        xs, ys, texts = [], [], []
        for _, t in targets.sort_values(["target_year", "target_id"]).iterrows():
            end = progress.window_end(t["period"] if "-" not in str(t["period"]) else "FY", int(t["target_year"]))
            v = _convert(t["value"], t["unit"], unit) if t["kind"] != "growth_rate" else float(t["value"])
            xs.append(pd.Timestamp(end))
            ys.append(v)
            texts.append(f"{fmt.span_zh(t['period'], int(t['target_year']))}目标：{fmt.target_text(v, unit, t['comparator'], bool(t['stretch']))}")
        data["annual"].append({"name": "年度目标", "x": xs, "y": ys, "text": texts})
        firm = targets[~targets["stretch"].astype(bool)]
        if len(firm):
            yrs = pd.to_numeric(firm["target_year"])
            pick = firm[yrs == report_date.year]
            if pick.empty:
                pick = firm[yrs <= report_date.year].sort_values("target_year").tail(1)
            if pick.empty:
                pick = firm.sort_values("target_year").head(1)
            tid = pick.iloc[-1]["target_id"]
            srow = srow_of(tid)
            if srow is not None:
                data["target_id"] = tid
                data["subtitle"] = f"{fmt.status_zh(srow['status'])} · {srow['metric_zh']}：{srow['reason']}"
                data["status"] = srow["status"]
                data["reason"] = f"{srow['metric_zh']}：{srow['reason']}"
        data["integer_ticks"] = is_count_unit(unit)
    return data
