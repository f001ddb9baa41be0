"""Shared helpers for the returns tests (published values, templates, ingest, demo, 催报).

Every test runs against a temporary copy of data/curated + data/raw/plan + data/raw/published
(``SHIWU_DATA_DIR``) and a temporary store (``SHIWU_DB``); the demo is off unless a test turns it on.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def make_data_dir(base: Path) -> Path:
    data = base / "data"
    (data / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "data" / "curated", data / "curated")
    for sub in ("plan", "published"):
        src = ROOT / "data" / "raw" / sub
        if src.exists():
            shutil.copytree(src, data / "raw" / sub)
    return data


def set_env(mp: pytest.MonkeyPatch, base: Path, data: Path, demo: bool = False) -> None:
    mp.setenv("SHIWU_DATA_DIR", str(data))
    mp.setenv("SHIWU_DB", str(base / "shiwu.duckdb"))
    mp.setenv("SHIWU_DEMO", "1" if demo else "0")
    mp.delenv("SHIWU_DEMO_UNTIL", raising=False)


@contextmanager
def hermetic(base: Path, demo: bool = False):
    """Context: a temporary data dir and store path (usable from module-scoped fixtures)."""
    mp = pytest.MonkeyPatch()
    try:
        data = make_data_dir(base)
        set_env(mp, base, data, demo)
        yield data
    finally:
        mp.undo()


def add_published(data: Path, indicator_id: str, period_label: str, value: float, unit: str,
                  title: str = "测试用发布数（假设的统计公报）", published_on: str = "2023-03-15") -> None:
    """Append one verified published value to the test's copy of published_actuals.csv (a full year)."""
    import csv

    f = data / "curated" / "published_actuals.csv"
    with f.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    y = int(period_label)
    num = f"{value:g}{unit}"
    row = {k: "" for k in header}
    row.update({
        "indicator_id": indicator_id, "region": "义乌", "period_label": period_label, "freq": "Y", "year": str(y),
        "period_start": f"{y}-01-01", "period_end": f"{y}-12-31", "ytd": "true", "value": f"{value:g}", "unit": unit,
        "indicator_as_published": indicator_id, "raw_period": period_label, "quote_number": num,
        "source_title": title, "source_address": "https://example.invalid/test", "source_kind": "news",
        "quote": f"{y}年完成{num}。", "published_on": published_on, "published_on_estimated": "false",
        "check_status": "verified",
    })
    if "grade" in row:
        row["grade"] = "press"
    if not f.read_bytes().endswith(b"\n"):
        with f.open("a", encoding="utf-8") as fh:
            fh.write("\n")
    with f.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=header, lineterminator="\n").writerow(row)


def build_store(demo: bool = False) -> Path:
    """The store built by the lead engineer's ``build.run`` (atomic build-and-rename)."""
    from shiwu_lib import build

    return build.run(demo=demo)


def connect(path=None):
    import duckdb

    from shiwu_lib import paths

    return duckdb.connect(str(path or paths.db_path()), read_only=True)


def tree_hash(*roots: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under the roots (a missing root hashes as absent)."""
    out = {}
    for root in roots:
        root = Path(root)
        if root.is_file():
            out[str(root)] = hashlib.sha256(root.read_bytes()).hexdigest()
            continue
        if not root.exists():
            out[str(root)] = "<absent>"
            continue
        for f in sorted(root.rglob("*")):
            if f.is_file():
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


def col(sheet_cols, key: str) -> int:
    return [c.key for c in sheet_cols].index(key) + 1


def row_of(ws, col_index: int, ident: str) -> int:
    from shiwu_lib.returns import layout

    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, col_index).value == ident:
            return r
    raise KeyError(ident)


def cell_ref(sheet: str, period: str, key: str, ident: str | None = None, row: int | None = None) -> str:
    """Coordinate of the ``key`` column in the row of ``ident`` (indicator / task / problem id)."""
    from openpyxl.utils import get_column_letter

    from shiwu_lib.returns import common, layout

    cols = layout.columns(sheet, common.parse_period(period))
    return f"{get_column_letter(col(cols, key))}{row}"


def fill(src: Path, dst: Path, period: str, ind: dict | None = None, tasks: dict | None = None,
         problems: dict | None = None, new_problems: list[dict] | None = None, mutate=None) -> Path:
    """Fill a template like a clerk: values by indicator / task / problem id; ``mutate(wb)`` breaks it."""
    from openpyxl import load_workbook

    from shiwu_lib.returns import common, layout

    p = common.parse_period(period)
    wb = load_workbook(src)
    if ind:
        ws = wb["主要指标进度表"]
        cols = layout.ind_columns(p)
        for ident, vals in ind.items():
            r = row_of(ws, col(cols, "indicator_id"), ident)
            for k, v in vals.items():
                ws.cell(r, col(cols, k), v)
    if tasks:
        ws = wb["重点任务进度表"]
        cols = layout.task_columns(p)
        for ident, vals in tasks.items():
            r = row_of(ws, col(cols, "task_id"), ident)
            for k, v in vals.items():
                ws.cell(r, col(cols, k), v)
    ws = wb["问题销号进度表"]
    cols = layout.prob_columns(p)
    for ident, vals in (problems or {}).items():
        r = row_of(ws, col(cols, "problem_id"), ident)
        for k, v in vals.items():
            ws.cell(r, col(cols, k), v)
    if new_problems:
        r = layout.FIRST_DATA_ROW
        while ws.cell(r, col(cols, "problem_id")).value or ws.cell(r, col(cols, "problem_text")).value:
            r += 1
        for np_ in new_problems:
            for k, v in np_.items():
                c = ws.cell(r, col(cols, k), v)
                if isinstance(v, (dt.date, dt.datetime)):
                    c.number_format = "yyyy-mm-dd"
            r += 1
    if mutate:
        mutate(wb)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def soffice() -> str | None:
    for cand in ("/usr/bin/soffice", shutil.which("soffice") or ""):
        if cand and os.path.exists(cand):
            return cand
    return None
