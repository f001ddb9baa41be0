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
from pathlib import Path

import pandas as pd

from .. import paths
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


#: from this size on the CSV is parsed by pyarrow (multi-threaded, ~3× pandas' reader on a province)
ARROW_READ_BYTES = 32 * 2**20


def read_csv_strings(path) -> pd.DataFrame:
    """A CSV as strings ('' for empty, nothing parsed): what ``common.read_curated`` returns
    (``pd.read_csv(dtype=str, keep_default_na=False)``), read with pyarrow."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        names = next(csv.reader(fh))
    table = pacsv.read_csv(
        path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                                             quoted_strings_can_be_null=False, null_values=[]))
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=float("nan"))}.get)


def read(curated: bool = True) -> pd.DataFrame:
    """The curated published values (strings), or an empty frame with the columns."""
    f = paths.curated_dir() / CSV_NAME
    df = None
    if f.exists() and f.stat().st_size >= ARROW_READ_BYTES:
        try:
            df = read_csv_strings(f)
        except Exception:  # noqa: BLE001 - anything pyarrow refuses is read (and reported) by pandas
            df = None
    if df is None:
        df = common.read_curated(CSV_NAME)
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    return df


def _bool(s) -> bool:
    return str(s).strip().lower() in ("true", "1", "yes", "是")


_FAST_COLUMNS = ("indicator_id", "region", "period_label", "freq", "year", "period_start", "period_end", "ytd",
                 "value", "value_qualifier", "unit", "source_title", "source_address", "source_kind", "quote",
                 "published_on", "published_on_estimated", "check_status", "note")
_TRUE = ("true", "1", "yes", "是")


def to_actuals(df: pd.DataFrame) -> pd.DataFrame:
    """Rows ready for the ``actuals`` table (without actual_id).

    Column-wise over the frame (a province has millions of rows); :func:`to_actuals_rows` is the
    row-by-row definition it equals (tests/test_published_fast.py), used for frames that are not plain
    curated strings (a missing column or a null cell)."""
    if not len(df) or any(c not in df.columns for c in _FAST_COLUMNS) or df[list(_FAST_COLUMNS)].isna().to_numpy().any():
        return to_actuals_rows(df)
    col = {c: df[c].to_numpy(dtype=object) for c in _FAST_COLUMNS}
    n = len(df)
    value = [float(v) for v in col["value"]]
    unit = col["unit"]
    # per distinct unit: the base factor and base unit (common.to_base / base_unit, same errors)
    factors, bases = {}, {}
    for u in dict.fromkeys(unit):
        stripped = "".join(str(u).split())
        factors[u] = common._units().factor(stripped)
        bases[u] = common.base_unit(u)
    value_base = []
    for v, u in zip(value, unit):
        out = v * factors[u]
        # units.to_base: round away binary noise
        value_base.append(float(f"{out:.12g}") if out != 0 and math.isfinite(out) else out)

    def lower_in(a) -> list[bool]:
        memo = {}
        return [memo[x] if x in memo else memo.setdefault(x, str(x).strip().lower() in _TRUE) for x in a]

    def dates(a, conv):
        memo = {}
        return [memo[x] if x in memo else memo.setdefault(x, conv(pd.Timestamp(x))) for x in a]

    # the note: the same parts in the same order as to_actuals_rows (None = no part)
    quals = [None if not q else QUALIFIERS.get(q, QUALIFIERS[">"]).format(q=q, v=v, u=u)
             for q, v, u in zip(col["value_qualifier"], col["value"], unit)]
    checks = [None if str(c).startswith("verified") else str(c) for c in col["check_status"]]
    third = "第三方转载，官方来源未找到（reported, not verified）"
    thirds = [third if "third-party" in str(k) else None for k in col["source_kind"]]
    est_text = "发布日期为估计值 (published_on estimated)"
    ests = [est_text if e else None for e in lower_in(col["published_on_estimated"])]
    notes_in = [str(x) if x else None for x in col["note"]]
    notes = []
    for parts in zip(quals, checks, thirds, ests, notes_in):
        kept = [p for p in parts if p is not None]
        notes.append("；".join(kept) or None)
    sub_ids = {}
    ids = [sub_ids[k] if k in sub_ids else sub_ids.setdefault(k, submission_id(*k))
           for k in zip(col["source_title"], col["source_address"])]
    same = {c: df[c].reset_index(drop=True) for c in ("indicator_id", "period_label", "freq", "unit", "quote")}
    return pd.DataFrame({
        "region": [r or common.DEFAULT_REGION for r in col["region"]],
        "indicator_id": same["indicator_id"],
        "period_label": same["period_label"],
        "freq": same["freq"],
        "year": [int(y) for y in col["year"]],
        "period_start": dates(col["period_start"], lambda t: t.date()),
        "period_end": dates(col["period_end"], lambda t: t.date()),
        "ytd": lower_in(col["ytd"]),
        "value": value,
        "unit": same["unit"],
        "value_base": value_base,
        "base_unit": [bases[u] for u in unit],
        "source_type": ["published"] * n,
        "submission_id": ids,
        "reported_at": dates(col["published_on"], lambda t: t.to_pydatetime()),
        "quote": same["quote"],
        "note": notes,
    })


def to_actuals_rows(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`to_actuals` row by row: the reference definition."""
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
    """One ``submissions`` row per source document (title + address), in order of first appearance.

    Column-wise (group-by aggregates); :func:`to_submissions_rows` is the per-group definition it equals."""
    need = ("source_title", "source_address", "region", "published_on", "published_on_estimated", "grade")
    if not len(df) or any(c not in df.columns for c in need) or df[list(need)].isna().to_numpy().any():
        return to_submissions_rows(df)
    rank = {g: i for i, g in enumerate(GRADES)}
    est_memo: dict = {}
    frame = pd.DataFrame({
        "title": df["source_title"].to_numpy(dtype=object), "address": df["source_address"].to_numpy(dtype=object),
        "region": df["region"].to_numpy(dtype=object), "published_on": df["published_on"].to_numpy(dtype=object),
        "est": [est_memo[x] if x in est_memo else est_memo.setdefault(x, _bool(x))
                for x in df["published_on_estimated"].to_numpy(dtype=object)],
        "grade": [rank.get(g, -1) for g in df["grade"].to_numpy(dtype=object)],
    }, dtype=object)
    frame["est"] = frame["est"].astype(bool)
    frame["grade"] = frame["grade"].astype("int64")
    g = frame.groupby(["title", "address"], sort=False)
    agg = pd.DataFrame({"region": g["region"].first(), "published_on": g["published_on"].max(),
                        "est": g["est"].any(), "grade": g["grade"].max(), "n": g.size()})
    rows = []
    for (title, address), r in zip(agg.index, agg.itertuples(index=False)):
        rows.append({
            "submission_id": submission_id(title, address),
            "region": (r.region or common.DEFAULT_REGION),
            "source_type": "published",
            "file_name": None,
            "sha256": None,
            "project_no": None,
            "period_label": None,
            "received_at": pd.Timestamp(r.published_on).to_pydatetime(),
            "n_rows": int(r.n),
            "title": title,
            "address": address,
            "note": "published_on estimated (发布日期为估计值)" if r.est else None,
            "grade": GRADES[r.grade] if r.grade >= 0 else None,
        })
    return pd.DataFrame(rows)


def to_submissions_rows(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`to_submissions` group by group: the reference definition."""
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
    """Insert the published values into ``submissions`` and ``actuals``; return the number of values.

    Set-based (:func:`load_sql`: DuckDB reads the CSV and builds both tables' rows in SQL, ~10× the
    column-wise path on a province); :func:`load_frames` (:func:`to_submissions` /
    :func:`to_actuals`, which equal the row-by-row definitions) is the reference the SQL path is
    tested against (tests/test_published_sql.py), and is used for whatever the SQL path does not
    take: a file without the expected columns, or a cell DuckDB cannot cast (then the frames raise
    the error they always raised)."""
    import duckdb

    f = paths.curated_dir() / CSV_NAME
    if not f.exists():
        return 0
    if set(_FAST_COLUMNS) | {"grade"} <= set(_header(f)):
        try:
            return load_sql(con, f)
        except duckdb.Error:
            # a cell that does not cast (a bad date, a non-number): the frames report it as before
            con.execute("DELETE FROM actuals WHERE source_type = 'published'")
            con.execute("DELETE FROM submissions WHERE source_type = 'published'")
    return load_frames(con, read())


def load_frames(con, df: pd.DataFrame) -> int:
    """:func:`load` through pandas frames (the reference path)."""
    if df.empty:
        return 0
    subs = to_submissions(df)
    acts = to_actuals(df)
    insert_df(con, "submissions", subs)
    insert_df(con, "actuals", acts)
    return len(acts)


def _header(path) -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_sql(con, path) -> int:
    """:func:`load` as SQL over ``read_csv``: the same rows, values and order as :func:`load_frames`.

    The unit factors and base units come from the unit vocabulary in Python (one row per distinct
    unit, the same errors as :func:`to_actuals`); ``value_base`` is rounded to 12 significant digits
    by ``printf('%.12g')`` as ``units.to_base`` does with ``f"{v:.12g}"`` (both correctly rounded)."""
    src = (f"read_csv({_sql_text(Path(path).as_posix())}, header=true, all_varchar=true, delim=',', quote='\"', "
           "escape='\"', strict_mode=false)")
    need = ", ".join(f'"{c}"' for c in (*_FAST_COLUMNS, "grade"))     # not the raw_… / quote_number columns
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pub AS SELECT {need} FROM {src}")
    try:
        n = con.execute("SELECT count(*) FROM _pub").fetchall()[0][0]
        if not n:
            return 0
        units = [u for (u,) in con.execute("SELECT DISTINCT coalesce(unit, '') FROM _pub").fetchall()]
        rows = [(u, common._units().factor("".join(str(u).split())), common.base_unit(u)) for u in units]
        con.execute("CREATE OR REPLACE TEMP TABLE _pub_units (unit VARCHAR, factor DOUBLE, base_unit VARCHAR)")
        con.executemany("INSERT INTO _pub_units VALUES (?, ?, ?)", rows)
        default = _sql_text(common.DEFAULT_REGION)
        true_set = ", ".join(_sql_text(t) for t in _TRUE)
        q = {k: _sql_text(v) for k, v in {
            "lower": QUALIFIERS[">"], "approx": QUALIFIERS["~"],
            "third": "第三方转载，官方来源未找到（reported, not verified）",
            "est": "发布日期为估计值 (published_on estimated)",
            "sub_est": "published_on estimated (发布日期为估计值)"}.items()}
        lower_pre, lower_post = QUALIFIERS[">"].split("{q}{v}{u}")
        approx_pre, approx_post = QUALIFIERS["~"].split("{v}{u}")
        grade_rank = " ".join(f"WHEN {_sql_text(g)} THEN {i}" for i, g in enumerate(GRADES))
        grade_name = " ".join(f"WHEN {i} THEN {_sql_text(g)}" for i, g in enumerate(GRADES))
        sub_id = "'pub:' || sha256(coalesce(source_title, '') || coalesce(source_address, ''))"
        # one submission per document (title + address), in order of first appearance
        con.execute(f"""
            INSERT INTO submissions (submission_id, region, source_type, file_name, sha256, project_no, period_label,
                                     received_at, n_rows, title, address, note, grade)
            SELECT {sub_id}, coalesce(nullif(arg_min(region, rowid), ''), {default}), 'published', NULL, NULL, NULL,
                   NULL, CAST(max(published_on) AS TIMESTAMP), count(*), coalesce(source_title, ''),
                   coalesce(source_address, ''),
                   CASE WHEN bool_or(lower(trim(coalesce(published_on_estimated, ''))) IN ({true_set}))
                        THEN {q["sub_est"]} END,
                   CASE max(CASE grade {grade_rank} ELSE -1 END) {grade_name} END
            FROM _pub GROUP BY source_title, source_address ORDER BY min(rowid)""")
        v = "coalesce(value, '')"
        qual = "coalesce(value_qualifier, '')"
        u = "coalesce(p.unit, '')"
        note = f"""nullif(concat_ws('；',
                CASE WHEN {qual} = '' THEN NULL
                     WHEN {qual} = '~' THEN {_sql_text(approx_pre)} || {v} || {u} || {_sql_text(approx_post)}
                     ELSE {_sql_text(lower_pre)} || {qual} || {v} || {u} || {_sql_text(lower_post)} END,
                CASE WHEN starts_with(coalesce(check_status, ''), 'verified') THEN NULL ELSE coalesce(check_status, '') END,
                CASE WHEN contains(coalesce(source_kind, ''), 'third-party') THEN {q["third"]} END,
                CASE WHEN lower(trim(coalesce(published_on_estimated, ''))) IN ({true_set}) THEN {q["est"]} END,
                nullif(coalesce(note, ''), '')), '')"""
        raw = "CAST(value AS DOUBLE) * uf.factor"
        con.execute(f"""
            INSERT INTO actuals (region, indicator_id, period_label, freq, year, period_start, period_end, ytd, value,
                                 unit, value_base, base_unit, source_type, submission_id, reported_at, quote, note)
            SELECT coalesce(nullif(region, ''), {default}), coalesce(indicator_id, ''), coalesce(period_label, ''),
                   coalesce(freq, ''), CAST(year AS INTEGER), CAST(period_start AS DATE), CAST(period_end AS DATE),
                   lower(trim(coalesce(ytd, ''))) IN ({true_set}), CAST(value AS DOUBLE), {u},
                   CASE WHEN {raw} = 0 OR NOT isfinite({raw}) THEN {raw}
                        ELSE CAST(printf('%.12g', {raw}) AS DOUBLE) END,
                   uf.base_unit, 'published', {sub_id}, CAST(published_on AS TIMESTAMP), coalesce(quote, ''), {note}
            FROM _pub p JOIN _pub_units uf ON uf.unit = {u}
            ORDER BY p.rowid""")
        return int(n)
    finally:
        con.execute("DROP TABLE IF EXISTS _pub")
        con.execute("DROP TABLE IF EXISTS _pub_units")


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
