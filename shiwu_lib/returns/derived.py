"""Derived actuals (推算): plan quantities that are arithmetic on published parts.

``data/curated/derivations.csv`` names, for a plan indicator, a formula over other indicators, e.g.
``p04_imports = p04_import_export - ctx_exports`` (进口额 = 进出口总额 − 出口额) or
``p04_services_share_gdp = ctx_services_va / ctx_gdp * 100``. :func:`derive` is pure: from published
actual rows (as in the ``actuals`` table, or as :func:`published.to_actuals` returns them) it computes
one derived row per source document and period where every part has a value.

The vintage rule — never mix vintages:
  the parts of one derived value come from **one source document** (the same ``submission_id``)
  and the same ``period_label``. A total from one page is never combined with a part from another,
  even when both are "2023": pages differ in vintage (revisions), rounding and, as batch 2 shows,
  even in the series they report (customs trade vs the Jinhua county table). The looser rule
  ("take the latest ``reported_at`` of the parts and recompute for every vintage") was not needed:
  the derivations the plan asks for (进口 2023, 服务业占比 2022/2023) are printed in one document
  each. Its cost is visible in ``d_rd_intensity``: 研发经费 2022 and GDP 2022 come from two pages, so
  no R&D intensity is derived until one document prints both.

A derived value never competes with a direct one: it is dropped when a published value of the
same indicator and period was already known at its ``reported_at`` (a direct value published
later supersedes it through the usual latest-vintage rule).

Each derived row: ``source_type='published'``, value in the target indicator's unit (rounded to
``decimals``), ``derivation`` = the formula with its numbers
(``进出口总额5660.5亿元 − 出口额5005.7亿元 = 654.8亿元（推算）``), a note saying 推算 and naming the
parts' source, ``quote`` NULL, ``reported_at`` = the latest ``reported_at`` of its parts, and a
submission of its own: title ``推算：<description>``, address = the parts' submission ids, grade =
the weakest grade of the parts.
"""
from __future__ import annotations

import ast
import hashlib

import pandas as pd

from . import common
from .published import GRADES, insert_df, weakest_grade

CSV_NAME = "derivations.csv"
COLUMNS = ["derivation_id", "region", "indicator_id", "formula", "parts", "parts_zh", "unit", "decimals",
           "description_zh", "note"]

_OPS = {ast.Add: (" + ", 1), ast.Sub: (" − ", 1), ast.Mult: (" × ", 2), ast.Div: (" ÷ ", 2)}


def read() -> pd.DataFrame:
    """The curated derivations (strings), or an empty frame with the columns."""
    df = common.read_curated(CSV_NAME)
    return pd.DataFrame(columns=COLUMNS) if df.empty else df


# --------------------------------------------------------------------------- formulas
def parse_formula(formula: str) -> ast.expr:
    """The formula's expression tree; only indicator ids, numbers and + − × ÷ are allowed."""
    tree = ast.parse(str(formula).strip(), mode="eval").body

    def check(n):
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            check(n.left)
            check(n.right)
        elif isinstance(n, ast.Name):
            pass
        elif isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            pass
        else:
            raise ValueError(f"formula {formula!r}: only indicator ids, numbers and + - * / are allowed")

    check(tree)
    return tree


def formula_parts(formula: str) -> list[str]:
    """Indicator ids the formula uses, in order of appearance."""
    names = sorted((n.col_offset, n.id) for n in ast.walk(parse_formula(formula)) if isinstance(n, ast.Name))
    out: list[str] = []
    for _, name in names:
        if name not in out:
            out.append(name)
    return out


def evaluate(formula: str, values: dict[str, float]) -> float:
    """Evaluate the formula with ``values`` (one number per indicator id).

    >>> evaluate("p04_import_export - ctx_exports", {"p04_import_export": 5660.5, "ctx_exports": 5005.7})
    654.8000000000002
    """
    def ev(n):
        if isinstance(n, ast.BinOp):
            a, b = ev(n.left), ev(n.right)
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            return a / b
        if isinstance(n, ast.Name):
            return float(values[n.id])
        return float(n.value)

    return ev(parse_formula(formula))


def render(formula: str, labels: dict[str, str]) -> str:
    """The formula with every indicator id replaced by its label (``进出口总额5660.5亿元``)."""
    def rd(n, parent_prec=0, right=False):
        if isinstance(n, ast.BinOp):
            sym, prec = _OPS[type(n.op)]
            s = rd(n.left, prec) + sym + rd(n.right, prec, right=True)
            return f"（{s}）" if prec < parent_prec or (right and prec == parent_prec) else s
        if isinstance(n, ast.Name):
            return labels[n.id]
        from ..units import format_number
        return format_number(n.value)

    return rd(parse_formula(formula))


# --------------------------------------------------------------------------- derive
def _submission_id(derivation_id: str, region: str, period_label: str, part_subs: list[str]) -> str:
    key = f"{derivation_id}|{region}|{period_label}|{';'.join(sorted(set(part_subs)))}"
    return "pub:derived:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def _indicator_info(indicators) -> dict[str, dict]:
    if indicators is None:
        return common.indicators_by_id()
    if isinstance(indicators, pd.DataFrame):
        return {r["indicator_id"]: r for r in indicators.to_dict("records")}
    return indicators


def derive(actuals: pd.DataFrame, derivations: pd.DataFrame, submissions: pd.DataFrame | None = None,
           indicators=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(derived actual rows, their submission rows) — see the module docstring for the rules.

    ``actuals``: published rows with at least indicator_id, region, period_label, freq, year,
    period_end, ytd, value, unit, value_base, submission_id, reported_at (a ``derivation`` column,
    if present, marks rows that are themselves derived: they are never used as parts).
    ``submissions``: submission_id, title, grade (for the note and the weakest grade), as a frame or
    as {submission_id: {title, grade}}.
    ``indicators``: {indicator_id: row} or a frame with indicator_id, unit, name_zh, measure.
    """
    inds = _indicator_info(indicators)
    subs = {}
    if isinstance(submissions, dict):          # {submission_id: {title, grade}} (load() builds it once)
        subs = submissions
    elif submissions is not None and not submissions.empty:
        subs = {r["submission_id"]: r for r in submissions.to_dict("records")}
    act_cols = ["region", "indicator_id", "period_label", "freq", "year", "period_start", "period_end", "ytd",
                "value", "unit", "value_base", "base_unit", "source_type", "submission_id", "reported_at",
                "quote", "note", "derivation"]
    sub_cols = ["submission_id", "region", "source_type", "file_name", "sha256", "project_no", "period_label",
                "received_at", "n_rows", "title", "address", "note", "grade"]
    if actuals is None or actuals.empty or derivations is None or derivations.empty:
        return pd.DataFrame(columns=act_cols), pd.DataFrame(columns=sub_cols)

    a = actuals.copy()
    if "source_type" in a.columns:
        a = a[a["source_type"] == "published"]
    if "derivation" in a.columns:
        a = a[a["derivation"].isna() | (a["derivation"].astype(str) == "")]
    if "region" not in a.columns:
        a["region"] = common.DEFAULT_REGION
    a["region"] = a["region"].replace("", common.DEFAULT_REGION).fillna(common.DEFAULT_REGION)
    a["reported_at"] = pd.to_datetime(a["reported_at"])
    if "value_base" not in a.columns:
        a["value_base"] = [common.to_base(float(v), u) for v, u in zip(a["value"], a["unit"])]

    out_rows, out_subs = [], []
    for d in derivations.to_dict("records"):
        region = d.get("region") or common.DEFAULT_REGION
        target = d["indicator_id"]
        formula = d["formula"]
        parts = formula_parts(formula)
        listed = [p.strip() for p in str(d.get("parts", "")).split(";") if p.strip()]
        if listed and listed != parts:
            raise ValueError(f"{d['derivation_id']}: parts {listed} do not match the formula's {parts}")
        labels_zh = [p.strip() for p in str(d.get("parts_zh", "")).split(";") if p.strip()]
        zh = dict(zip(parts, labels_zh)) if len(labels_zh) == len(parts) else {
            p: (inds.get(p) or {}).get("name_zh", p) for p in parts}
        unit = d.get("unit") or (inds.get(target) or {}).get("unit")
        tunit = (inds.get(target) or {}).get("unit")
        if tunit and common.base_unit(tunit) != common.base_unit(unit):
            raise ValueError(f"{d['derivation_id']}: unit {unit!r} does not match {target}'s unit {tunit!r}")
        decimals = int(d["decimals"]) if str(d.get("decimals", "")).strip() else None

        mine = a[(a["region"] == region) & a["indicator_id"].isin(parts)]
        direct = a[(a["region"] == region) & (a["indicator_id"] == target)]
        for (sub_id, label), g in mine.groupby(["submission_id", "period_label"], sort=True):
            if set(g["indicator_id"]) != set(parts):
                continue  # a part is missing from this document for this period
            by_part = {}
            for p in parts:
                rows = g[g["indicator_id"] == p]
                if rows["value_base"].nunique() != 1:
                    by_part = None  # one document, two different values of a part: ambiguous
                    break
                by_part[p] = rows.iloc[0]
            if by_part is None:
                continue
            first = by_part[parts[0]]
            if len({(r["freq"], pd.Timestamp(r["period_end"])) for r in by_part.values()}) != 1:
                continue
            reported = max(pd.Timestamp(r["reported_at"]) for r in by_part.values())
            known = direct[(direct["period_label"] == label) & (direct["reported_at"] <= reported)]
            if not known.empty:
                continue  # a published value was already known: it is not replaced by arithmetic
            result_base = evaluate(formula, {p: float(r["value_base"]) for p, r in by_part.items()})
            value = common.from_base(result_base, unit)
            if decimals is not None:
                value = round(value, decimals)
            from ..units import format_number

            labels = {p: f"{zh[p]}{format_number(float(r['value']))}{r['unit']}" for p, r in by_part.items()}
            text = f"{render(formula, labels)} = {format_number(value)}{unit}（推算）"
            part_subs = sorted({str(r["submission_id"]) for r in by_part.values()})
            src_bits = []
            for s in part_subs:
                info = subs.get(s, {})
                title = info.get("title") or s
                grade = info.get("grade")
                names = "、".join(zh[p] for p, r in by_part.items() if str(r["submission_id"]) == s)
                src_bits.append(f"{names}：{title}" + (f"（{grade}）" if grade else ""))
            note = f"推算（非直接公布值）：{text}；各部分来源 — " + "；".join(src_bits)
            if d.get("note"):
                note += f"；{d['note']}"
            ytd = all(bool(r["ytd"]) for r in by_part.values())
            p = common.parse_period(label)
            new_sub = _submission_id(d["derivation_id"], region, label, part_subs)
            out_rows.append({
                "region": region, "indicator_id": target, "period_label": label, "freq": first["freq"],
                "year": int(first["year"]), "period_start": p.start(ytd), "period_end": p.end, "ytd": ytd,
                "value": value, "unit": unit, "value_base": common.to_base(value, unit),
                "base_unit": common.base_unit(unit), "source_type": "published", "submission_id": new_sub,
                "reported_at": reported.to_pydatetime(), "quote": None, "note": note, "derivation": text,
            })
            out_subs.append({
                "submission_id": new_sub, "region": region, "source_type": "published", "file_name": None,
                "sha256": None, "project_no": None, "period_label": label, "received_at": reported.to_pydatetime(),
                "n_rows": 1, "title": f"推算：{d['description_zh']}", "address": "; ".join(part_subs),
                "note": note,
                "grade": weakest_grade([subs.get(s, {}).get("grade") for s in part_subs]),
            })
    return pd.DataFrame(out_rows, columns=act_cols), pd.DataFrame(out_subs, columns=sub_cols)


def load(con) -> int:
    """Derive from the published actuals already in the store; insert the rows; return their number."""
    dv = read()
    if dv.empty:
        return 0
    # derive() reads only the rows of the formulas' parts and of the derived indicators themselves: a
    # province holds millions of other published rows, not worth turning into a frame
    wanted = sorted({p for f in dv["formula"] for p in formula_parts(f)} | set(dv["indicator_id"]))
    acts = con.execute("SELECT * FROM actuals WHERE source_type = 'published' AND derivation IS NULL "
                       "AND list_contains(?, indicator_id) ORDER BY actual_id", [wanted]).df()
    # once for every region (a province has thousands of documents), as plain dicts
    subs = {sid: {"submission_id": sid, "title": title, "grade": grade} for sid, title, grade in con.execute(
        "SELECT submission_id, title, grade FROM submissions WHERE source_type = 'published'").fetchall()}
    inds = con.execute("SELECT indicator_id, region, unit, name_zh, measure FROM indicators").df()
    rows, new_subs = [], []
    acts_by = dict(tuple(acts.groupby("region", sort=False)))       # split once, not filtered per region
    inds_by = dict(tuple(inds.groupby("region", sort=False)))
    for region, dg in dv.assign(region=dv["region"].replace("", common.DEFAULT_REGION)).groupby("region"):
        ig = inds_by.get(region, inds.iloc[0:0])
        r, s = derive(acts_by.get(region, acts.iloc[0:0]), dg, subs, ig)
        rows.append(r)
        new_subs.append(s)
    rows_df = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    subs_df = pd.concat(new_subs, ignore_index=True) if new_subs else pd.DataFrame()
    insert_df(con, "submissions", subs_df)
    insert_df(con, "actuals", rows_df)
    return len(rows_df)


__all__ = ["CSV_NAME", "COLUMNS", "GRADES", "read", "parse_formula", "formula_parts", "evaluate", "render",
           "derive", "load"]
