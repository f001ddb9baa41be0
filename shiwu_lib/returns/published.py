"""Published statistics: ``data/curated/published_actuals.csv`` → the store.

One row of the CSV is one value read from a public page, with the sentence as published
(``quote``) and the span of it that carries the number (``quote_number``). :func:`check_row`
re-derives the value from that span (Chinese 万/亿/億, English million/billion, Italian
miliardi, decimal commas) and compares it with ``value`` in ``unit`` through the unit
vocabulary, so a value that does not occur in its quote cannot pass unnoticed.

:func:`load` inserts one ``submissions`` row per source document
(``submission_id = 'pub:' + sha256(title + address)``) and one ``actuals`` row per value,
``reported_at`` = ``published_on`` (the vintage: when the value became public).

Every value carries the ``grade`` of its document (:data:`GRADES`, strongest first): ``official``
(a government, statistics-bureau or customs site), ``gov_report`` (a government work report or its
summary), ``press`` (a mainstream outlet), ``repost`` (a third-party copy). The submission row of a
document carries the same grade. ``value_qualifier`` is ``>`` for a lower bound (超过 / 突破 / more
than) and ``~`` for an approximate value (约); both are spelled out in the value's note.
"""
from __future__ import annotations

import hashlib
import math
import re

import pandas as pd

from . import common

CSV_NAME = "published_actuals.csv"

COLUMNS = [
    "indicator_id", "region", "period_label", "freq", "year", "period_start", "period_end", "ytd",
    "value", "value_qualifier", "unit", "indicator_as_published", "raw_period", "quote_number",
    "source_title", "source_address", "source_kind", "grade", "quote", "published_on", "published_on_estimated",
    "check_status", "note", "raw_row", "raw_file",
]

#: source grades of published documents, strongest first (returns and demo rows use 'return' / 'demo')
GRADES = ("official", "gov_report", "press", "repost")
QUALIFIERS = {">": "下限值（{q}{v}{u}，原文：超过/突破）", "~": "约数（约{v}{u}，原文：约）"}


def weakest_grade(grades) -> str | None:
    """The weakest of ``grades`` (a derived value is only as good as its weakest part)."""
    known = [g for g in grades if g in GRADES]
    return max(known, key=GRADES.index) if known else None

_MULTIPLIERS = [
    ("万亿", 1e12), ("萬億", 1e12), ("亿", 1e8), ("億", 1e8), ("万", 1e4), ("萬", 1e4),
    ("trillion", 1e12), ("billion", 1e9), ("miliardi", 1e9), ("miliardo", 1e9),
    ("million", 1e6), ("milioni", 1e6), ("thousand", 1e3),
]
_NUM_RE = re.compile(r"\d+(?:[.,]\d+)*")


def parse_number_span(span: str) -> float:
    """The quantity written in ``span``, with its multiplier word applied.

    >>> parse_number_span("566.05 billion yuan"), parse_number_span("105,8 miliardi")
    (566050000000.0, 105800000000.0)
    >>> parse_number_span("1,580 times"), parse_number_span("12.9万个标箱"), parse_number_span("32,3%")
    (1580.0, 129000.0, 32.3)
    """
    s = str(span)
    m = _NUM_RE.search(s)
    if not m:
        raise ValueError(f"no number in {span!r}")
    tok = m.group(0)
    # a comma followed by exactly three digits groups thousands; any other comma is a decimal comma
    if re.fullmatch(r"\d{1,3}(,\d{3})+", tok):
        num = float(tok.replace(",", ""))
    else:
        num = float(tok.replace(",", "."))
    rest = s[m.end():].lstrip().lower()
    for word, mult in _MULTIPLIERS:
        if rest.startswith(word):
            return num * mult
    return num


def check_row(row: dict) -> tuple[bool, str]:
    """(True, '') when ``quote_number`` occurs in ``quote`` and states ``value`` in ``unit``."""
    quote = common.normalize_text(row.get("quote", ""))
    span = common.normalize_text(row.get("quote_number", ""))
    if not span:
        return False, "quote_number is empty"
    if span not in quote:
        return False, f"quote_number {row.get('quote_number')!r} does not occur in the quote"
    try:
        stated = parse_number_span(row["quote_number"])
    except ValueError as exc:
        return False, str(exc)
    unit = str(row.get("unit", ""))
    try:
        want = common.to_base(float(row["value"]), unit)
        base = common.base_unit(unit)
    except (KeyError, ValueError) as exc:
        return False, f"unit {unit!r}: {exc}"
    if base in ("pct", "pp", "times", "score", "year"):
        want = float(row["value"])
    if not math.isclose(stated, want, rel_tol=1e-9, abs_tol=1e-9):
        return False, (f"the quote states {row['quote_number']!r} = {stated:g}, "
                       f"but {row['value']} {unit} = {want:g}")
    return True, ""


def submission_id(title: str, address: str) -> str:
    return "pub:" + hashlib.sha256(f"{title}{address}".encode("utf-8")).hexdigest()


def read(curated: bool = True) -> pd.DataFrame:
    """The curated published values (strings), or an empty frame with the columns."""
    df = common.read_curated(CSV_NAME)
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    return df


def _bool(s) -> bool:
    return str(s).strip().lower() in ("true", "1", "yes", "是")


def to_actuals(df: pd.DataFrame) -> pd.DataFrame:
    """Rows ready for the ``actuals`` table (without actual_id)."""
    rows = []
    for r in df.to_dict("records"):
        value = float(r["value"])
        unit = r["unit"]
        note_parts = []
        q = r.get("value_qualifier")
        if q:
            note_parts.append(QUALIFIERS.get(q, QUALIFIERS[">"]).format(q=q, v=r["value"], u=unit))
        if not str(r.get("check_status", "")).startswith("verified"):
            note_parts.append(str(r.get("check_status")))
        if "third-party" in str(r.get("source_kind", "")):
            note_parts.append("第三方转载，官方来源未找到（reported, not verified）")
        if _bool(r.get("published_on_estimated")):
            note_parts.append("发布日期为估计值 (published_on estimated)")
        if r.get("note"):
            note_parts.append(str(r["note"]))
        rows.append({
            "region": r.get("region") or common.DEFAULT_REGION,
            "indicator_id": r["indicator_id"],
            "period_label": r["period_label"],
            "freq": r["freq"],
            "year": int(r["year"]),
            "period_start": pd.Timestamp(r["period_start"]).date(),
            "period_end": pd.Timestamp(r["period_end"]).date(),
            "ytd": _bool(r["ytd"]),
            "value": value,
            "unit": unit,
            "value_base": common.to_base(value, unit),
            "base_unit": common.base_unit(unit),
            "source_type": "published",
            "submission_id": submission_id(r["source_title"], r["source_address"]),
            "reported_at": pd.Timestamp(r["published_on"]).to_pydatetime(),
            "quote": r["quote"],
            "note": "；".join(note_parts) or None,
        })
    return pd.DataFrame(rows)


def to_submissions(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (title, address), g in df.groupby(["source_title", "source_address"], sort=False):
        region = (g["region"].iloc[0] or common.DEFAULT_REGION)
        est = g["published_on_estimated"].map(_bool).any()
        rows.append({
            "submission_id": submission_id(title, address),
            "region": region,
            "source_type": "published",
            "file_name": None,
            "sha256": None,
            "project_no": None,
            "period_label": None,
            # the latest publication date of its values: by then the whole document was public
            "received_at": pd.Timestamp(max(g["published_on"])).to_pydatetime(),
            "n_rows": int(len(g)),
            "title": title,
            "address": address,
            "note": "published_on estimated (发布日期为估计值)" if est else None,
            "grade": weakest_grade(g["grade"]) if "grade" in g else None,
        })
    return pd.DataFrame(rows)


def load(con) -> int:
    """Insert the published values into ``submissions`` and ``actuals``; return the number of values."""
    df = read()
    if df.empty:
        return 0
    subs = to_submissions(df)
    acts = to_actuals(df)
    insert_df(con, "submissions", subs)
    insert_df(con, "actuals", acts)
    return len(acts)


def insert_df(con, table: str, df: pd.DataFrame) -> None:
    """INSERT the frame's columns by name (other columns take their defaults)."""
    if df is None or df.empty:
        return
    cols = list(df.columns)
    con.register("_shiwu_ins", df.assign(_shiwu_ord=range(len(df))))
    try:
        col_sql = ", ".join(cols)
        # ORDER BY keeps actual_id (a sequence default) deterministic
        con.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM _shiwu_ins ORDER BY _shiwu_ord")
    finally:
        con.unregister("_shiwu_ins")
