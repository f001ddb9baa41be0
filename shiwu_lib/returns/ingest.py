"""Validate a returned workbook and turn it into store rows.

:func:`parse_workbook` either returns a :class:`ParsedReturn` or raises :class:`WorkbookRejected`
listing *every* problem found (not just the first), each a :class:`ReturnError` that prints as::

    扩投资_2025Q2.xlsx 主要指标进度表!K7: '三十' is not a number (expected a percentage, e.g. 30)

Reader choice: a small strict reader of our own, :mod:`shiwu_lib.returns.xlsx` (the standard
library's C expat parser, ``xml.etree.ElementTree``, over the XML parts :func:`_scan_package` has
already unzipped and checked). The checks need formulas as written, merged ranges, number formats
(a value typed as ``30%`` is stored as 0.3 with a percent format), cell types (text vs number vs
date), shared and inline strings and the sheets of the workbook (sheet state and protection are
read too); the reader exposes exactly these, with openpyxl's types and rules
(``load_workbook(data_only=False)``), and nothing else: ~3–4 ms of CPU for the four sheets the
checks read, where openpyxl took 40–80 ms building every style, data validation and view as
objects (ingest of 1,000 returns: 80 s → 14–18 s, ``benchmarks/bench.py ingest``). python-calamine
(faster, in Rust) was not taken: version 0.9 reports neither formulas nor number formats nor which
cells the file holds, so the XML would have to be read a second time for those, and two readers
of one file can disagree. openpyxl stays the template writer and the reference:
``parse_workbook(..., reader="openpyxl")`` runs the same checks on openpyxl's cells, and
tests/test_xlsx_reader.py requires the same rows and the same errors from both.

Kinds of rejection are listed in :data:`ERROR_KINDS` (docs/returns.md explains each to clerks).
"""
from __future__ import annotations

import datetime as dt
import gc
import io
import math
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import fmt, store
from . import common, layout, xlsx
from .common import DATA_SHEETS, SHEET_GUIDE, SHEET_IND, SHEET_META, SHEET_PROB, SHEET_TASK, parse_period

ERROR_KINDS = {
    # file
    "empty_file": "the file is empty",
    "bad_extension": "the file name does not end in .xlsx",
    "too_large": "the file is larger than the size limit",
    "not_xlsx": "the file is not an .xlsx workbook (or is an old .xls / password-protected file)",
    "zip_bomb": "the workbook unpacks to more than the limit",
    "unreadable": "the workbook cannot be read",
    # sheets and metadata
    "missing_sheet": "a sheet of the template is missing (deleted or renamed)",
    "extra_sheet": "a sheet that is not in the template",
    "missing_meta": "the hidden _meta sheet or one of its keys is missing",
    "template_version": "the template version is unknown",
    "bad_period": "the period in _meta is not a quarter label",
    "period_not_open": "the period is in the future or outside the plan years",
    "period_filename_mismatch": "the period in the file name differs from the workbook's",
    "project_filename_mismatch": "the file name names another project",
    "unknown_project": "the project number is not in the catalog",
    "too_many_rows": "a sheet has more rows than the limit",
    "too_many_sheets": "the workbook has more sheets than the limit",
    "too_many_cells": "a sheet has more cells than the limit",
    "macro": "the workbook contains macros (VBA, Excel 4.0 macro sheets, ActiveX) or is an .xlsm",
    "external_content": "the workbook contains embedded objects or links to other files",
    "xml_dtd": "the workbook's XML declares a DOCTYPE or entities (entity expansion / external entities)",
    # layout
    "header_mismatch": "a column header differs from the template (renamed or moved column)",
    "missing_column": "a column of the template is missing",
    "extra_column": "a column that is not in the template",
    "merged_cells": "merged cells in the data area",
    "formula": "a formula instead of a typed value (also text starting with = after spaces)",
    "non_finite": "a number that is not finite (1e999, inf, nan)",
    "project_mismatch": "a row of another project",
    # values
    "not_number": "text where a number is expected",
    "number_with_unit": "a number written together with its unit",
    "pct_text": "a percentage written as '30%' text",
    "pct_formatted": "a number formatted as a percentage (Excel stores 30% as 0.3)",
    "unknown_unit": "a unit that is not in the vocabulary",
    "wrong_unit": "a unit of another kind than the indicator's",
    "unit_missing": "a value without a unit",
    "missing_id": "a filled row without its id",
    "unknown_indicator": "an indicator id that is not in the catalog",
    "foreign_indicator": "an indicator of another project",
    "duplicate_indicator": "the same indicator twice",
    "negative_amount": "a negative amount not confirmed as unusual",
    "implausible_growth": "a growth rate beyond ±100% not confirmed as unusual",
    "implausible_magnitude": "a value 1000× or more off the previous value or target, not confirmed",
    "bad_choice": "a value not in the drop-down list (是/否)",
    "confirm_without_reason": "确认异常值=是 without a reason in 说明",
    "base_not_applicable": "a 2022 base typed for a growth-rate indicator (growth rates need none)",
    # tasks
    "unknown_task": "a task id that is not in the key task list",
    "duplicate_task": "the same task twice",
    "bad_status": "a status not in the list",
    "status_missing": "progress reported without a status",
    "progress_range": "progress % outside 0–100",
    "progress_inconsistent": "status 已完成 with progress below 100",
    # problems
    "duplicate_problem": "the same problem id twice",
    "problem_text_missing": "a problem row without 问题清单",
    "due_missing": "a new problem without 销号时限",
    "date_text": "a date written as text",
    "date_number": "a plain number where a date is expected",
    "text_too_long": "a text cell longer than the limit",
}

MAX_TEXT = 2000
MAGNITUDE_LIMIT = 1000.0        # ≥ 1000× off the reference (catches 万元 vs 亿元 = 10^4)
GROWTH_LIMIT = 100.0            # |growth rate| > 100% needs confirmation


@dataclass
class ReturnError:
    """One problem of a returned workbook; ``str()`` gives the line a clerk reads."""

    file: str
    sheet: str | None
    cell: str | None
    value: Any
    expected: str
    message: str
    kind: str

    def __str__(self) -> str:
        loc = self.file
        if self.sheet:
            loc += f" {self.sheet}" + (f"!{self.cell}" if self.cell else "")
        return f"{loc}: {self.message}"

    def to_dict(self) -> dict:
        return {"file": self.file, "sheet": self.sheet, "cell": self.cell, "value": _jsonable(self.value),
                "expected": self.expected, "kind": self.kind, "message": str(self)}


class WorkbookRejected(Exception):
    """Raised by :func:`parse_workbook` with all problems found."""

    def __init__(self, errors: list[ReturnError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


ACTUAL_COLUMNS = ["region", "indicator_id", "period_label", "freq", "year", "period_start", "period_end", "ytd",
                  "value", "unit", "value_base", "base_unit", "source_type", "quote", "note"]
TASK_COLUMNS = ["region", "project_no", "task_id", "period_label", "status", "progress_pct", "progress_text",
                "due", "lead_unit", "partner_units"]
PROBLEM_COLUMNS = ["region", "project_no", "problem_id", "period_label", "problem_text", "due", "progress_text",
                   "responsible", "struck_off"]


class _Rows:
    """A DataFrame attribute given as a DataFrame or as the parser's list of row dicts.

    The frame is built on first use: ingest itself only counts the rows (archive, report), so a
    batch of returns never pays pandas' construction (~1 ms a frame); the build and the tests get
    exactly the frame ``pd.DataFrame(rows, columns=...)`` gives.
    """

    def __init__(self, columns: list[str]):
        self.columns = columns

    def __set_name__(self, owner, name):
        self.key = "_" + name

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        v = obj.__dict__[self.key]
        if not isinstance(v, pd.DataFrame):
            v = obj.__dict__[self.key] = pd.DataFrame(v, columns=self.columns)
        return v

    def __set__(self, obj, value):
        obj.__dict__[self.key] = value

    def count(self, obj) -> int:
        return len(obj.__dict__[self.key])


@dataclass
class ParsedReturn:
    project_no: int
    period_label: str
    region: str
    sha256: str
    file_name: str
    actuals: pd.DataFrame          # a DataFrame (or the row dicts it is built from on first use)
    task_progress: pd.DataFrame
    problems: pd.DataFrame
    sheets_present: list[str] = field(default_factory=list)
    template_version: str = layout.TEMPLATE_VERSION

    @property
    def rows(self) -> dict[str, int]:
        """{table: number of rows}, without building the frames."""
        return {k: type(self).__dict__[k].count(self) for k in ("actuals", "task_progress", "problems")}

    @property
    def n_rows(self) -> int:
        return sum(self.rows.values())


# descriptors set after the dataclass is made, so that its __init__ assigns through them
for _name, _cols in (("actuals", ACTUAL_COLUMNS), ("task_progress", TASK_COLUMNS), ("problems", PROBLEM_COLUMNS)):
    _d = _Rows(_cols)
    _d.__set_name__(ParsedReturn, _name)
    setattr(ParsedReturn, _name, _d)
del _name, _cols, _d


def _jsonable(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


SHOW_MAX = 60   # characters of a cell value quoted in an error line


def _show(v) -> str:
    if isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    if isinstance(v, str):
        if len(v) > SHOW_MAX:
            v = v[:SHOW_MAX] + "…"
        return repr(v)
    text = str(v)
    return text if len(text) <= SHOW_MAX else text[:SHOW_MAX] + "…"


# A text that a spreadsheet or CSV reader would run as a formula or command when it starts
# (after any whitespace) with one of these: = + - @, or a tab / carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Safe text for Excel, CSV and HTML exports: trimmed, and a leading formula trigger
    (``= + - @``, after whitespace too) made inert by a leading apostrophe (the OWASP CSV-injection
    rule); tabs / carriage returns at the start are removed by the trim. HTML escaping is done
    where HTML is written (``html.escape``): the stored text keeps ``<`` and ``&`` as typed."""
    s = str(text).strip()
    if s and s[0] in FORMULA_TRIGGERS:
        return "'" + s
    return s


def looks_like_formula(v) -> bool:
    """A string that Excel would take for a formula, also after leading spaces / tabs / line breaks."""
    return isinstance(v, str) and v.lstrip().startswith("=") and len(v.strip()) > 1


_PCT_TEXT = re.compile(r"^[+-]?\d+(?:\.\d+)?\s*[%％]$")
_NUM_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_NUM_UNIT = re.compile(r"^[+-]?\d+(?:\.\d+)?\s*(\S+)$")
_FILE_PERIOD = [
    re.compile(r"(20\d{2})\s*[-_ ]?\s*[Qq]\s*([1-4])"),
    re.compile(r"(20\d{2})\s*年?\s*第?\s*([一二三四1-4])\s*季"),
]
_CN_Q = {"一": 1, "二": 2, "三": 3, "四": 4}


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.errors: list[ReturnError] = []
        self.non_finite: list[tuple] = []   # (sheet, cell, value) found by the layout check

    def add(self, kind, sheet, cell, value, expected, message):
        self.errors.append(ReturnError(self.file, sheet, cell, value, expected, message, kind))

    def reported(self, sheet, cell) -> bool:
        return any(e.sheet == sheet and e.cell == cell for e in self.errors)

    def report_non_finite(self) -> None:
        """Non-finite numbers no reader has reported with a more precise expectation (1e999 anywhere)."""
        for sheet, ref, v in self.non_finite:
            if not self.reported(sheet, ref):
                self.add("non_finite", sheet, ref, v, "a finite number",
                         f"{_show(v)} is not a finite number (expected a number such as 30 or 250.5, or an empty cell)")
        self.non_finite = []


# --------------------------------------------------------------------------- value readers
def _read_number(c: _Collector, sheet: str, ref: str, cell, expected: str):
    """A cell's number, or None after recording why it is not one."""
    v = cell.value
    if isinstance(v, bool):
        c.add("not_number", sheet, ref, v, expected, f"{_show(v)} is not a number (expected {expected})")
        return None
    if isinstance(v, (int, float)):
        if "%" in (cell.number_format or ""):
            shown = common._units().format_number(v * 100)
            c.add("pct_formatted", sheet, ref, v, expected,
                  f"{_show(v)} is formatted as a percentage (the cell shows {shown}%) "
                  f"(expected {expected}: type {shown} without the % sign)")
            return None
        if not math.isfinite(float(v)):
            c.add("not_number", sheet, ref, v, expected, f"{_show(v)} is not a finite number (expected {expected})")
            return None
        return float(v)
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        c.add("not_number", sheet, ref, v, expected, f"{_show(v)} is a date, not a number (expected {expected})")
        return None
    s = str(v).strip()
    if s.startswith("="):
        return None  # a formula: reported once by the layout check
    if _PCT_TEXT.match(s):
        num = s.rstrip("%％").strip()
        c.add("pct_text", sheet, ref, v, expected,
              f"{_show(v)} is a percentage written as text (expected {expected}: type {num} without the % sign)")
        return None
    if _NUM_TEXT.match(s):
        return float(s.replace(",", ""))  # a number typed into a text cell: accepted as it is unambiguous
    m = _NUM_UNIT.match(s)
    if m:
        c.add("number_with_unit", sheet, ref, v, expected,
              f"{_show(v)} has a unit or text after the number (expected {expected}: the number only; the unit goes in 单位)")
        return None
    c.add("not_number", sheet, ref, v, expected, f"{_show(v)} is not a number (expected {expected})")
    return None


def _read_choice(c, sheet, ref, v, choices, what) -> str | None:
    if _blank(v):
        return None
    s = str(v).strip()
    if s not in choices:
        exp = "、".join(choices)
        c.add("bad_choice" if what != "status" else "bad_status", sheet, ref, v, f"one of {exp}",
              f"{_show(v)} is not {'a status' if what == 'status' else 'a choice'} of the list (expected one of {exp})")
        return None
    return s


def _read_text(c, sheet, ref, v) -> str | None:
    if _blank(v):
        return None
    s = str(v).strip() if not isinstance(v, (dt.date, dt.datetime)) else v.isoformat()
    if isinstance(v, float):
        s = _show(v)
    if len(s) > MAX_TEXT:
        c.add("text_too_long", sheet, ref, s[:40] + "…", f"at most {MAX_TEXT} characters",
              f"text of {len(s)} characters is too long (expected at most {MAX_TEXT} characters)")
        return neutralise(s[:MAX_TEXT])
    return neutralise(s)


def _read_date(c, sheet, ref, v) -> dt.date | None:
    if _blank(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        c.add("date_number", sheet, ref, v, "a date such as 2025-09-30",
              f"{_show(v)} is a number, not a date (expected a date such as 2025-09-30; set the cell format to 日期)")
        return None
    c.add("date_text", sheet, ref, v, "a date such as 2025-09-30",
          f"{_show(v)} is text, not a date (expected a date such as 2025-09-30 typed into the cell, not text)")
    return None


# --------------------------------------------------------------------------- plausibility references
def reference_from_store(region: str = common.DEFAULT_REGION, db=None) -> dict[str, list[tuple[str, float]]]:
    """{indicator_id: [(period_label, value_base), ...]}: latest published / returned vintages in the store."""
    path = Path(db) if db else common.db_path()
    if not path.exists():
        return {}
    try:
        con = store.connect(path, read_only=True)
    except Exception:  # noqa: BLE001 - locked or half-built store: no history check
        return {}
    try:
        # real values only (published and returned): a department's figure is never judged by demo data
        rows = con.execute(
            """SELECT indicator_id, period_label, value_base FROM actuals
               WHERE region = ? AND source_type IN ('published', 'return')
               QUALIFY row_number() OVER (PARTITION BY indicator_id, period_label
                                          ORDER BY reported_at DESC, actual_id DESC) = 1
               ORDER BY indicator_id, period_label""",
            [region]).fetchall()
    except Exception:  # noqa: BLE001
        return {}
    finally:
        con.close()
    out: dict[str, list[tuple[str, float]]] = {}
    for ind, per, vb in rows:
        out.setdefault(ind, []).append((per, float(vb)))
    return out


def _reference_value(ind_id: str, period: str, reference: dict, tg: dict, year: int):
    """(value_base, description) to compare a new value against, or None."""
    hist = [(p, v) for p, v in reference.get(ind_id, []) if v]
    same = [v for p, v in hist if p == period]
    if same:
        return same[-1], f"the previous vintage of {period}"
    earlier = [(p, v) for p, v in hist if p < period and p[:4].isdigit()]
    if earlier:
        p, v = max(earlier)
        return v, f"the value of {p}"
    def dist(r):
        try:
            return abs(int(r["target_year"]) - year)
        except ValueError:
            return 99

    for r in sorted(tg.get(ind_id, []), key=dist):
        try:
            vb = float(r["value_base"])
        except ValueError:
            continue
        if vb:
            return vb, f"the target {r['target_id']} ({r['value']}{r['unit']})"
    return None


# --------------------------------------------------------------------------- main entry
def parse_workbook(path, *, file_name: str | None = None, reference: dict | None = None,
                   today: dt.date | None = None, strict: bool = True,
                   source_type: str = "return", reader: str = "xlsx", data: bytes | None = None) -> ParsedReturn:
    """Validate a returned workbook; return its rows or raise :class:`WorkbookRejected` with all errors.

    ``strict=False`` (used when re-loading the archive) skips the checks that depend on the date
    of ingest or on the store's history (period still open, plausibility against earlier values):
    the workbook passed them when it was accepted. ``reader='openpyxl'`` reads the cells with
    ``openpyxl.load_workbook`` instead of :mod:`shiwu_lib.returns.xlsx`: the reference the tests
    compare the fast reader with (same checks, same rows, same errors). ``data``: the file's bytes
    when the caller has read them already (ingest validates exactly the bytes it archives).

    The cyclic garbage collector is paused while one workbook is validated: the reader's element
    trees and cells (a few thousand objects, freed by reference counting, no cycles) otherwise set
    off collections that walk the process's objects — about a quarter of the reader's CPU time
    measured on the province workbooks. It is resumed (if it was on) before returning.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _parse_workbook(path, file_name=file_name, reference=reference, today=today, strict=strict,
                               source_type=source_type, reader=reader, data=data)
    finally:
        if paused:
            gc.enable()


def _parse_workbook(path, *, file_name, reference, today, strict, source_type, reader, data) -> ParsedReturn:
    path = Path(path)
    fname = file_name or path.name
    c = _Collector(fname)
    today = today or dt.date.today()

    # ---- file level -------------------------------------------------------------------------
    try:
        size = path.stat().st_size if data is None else len(data)
    except OSError as exc:
        c.add("unreadable", None, None, str(path), "a readable file", f"cannot read the file ({exc})")
        raise WorkbookRejected(c.errors) from None
    if not fname.lower().endswith(".xlsx"):
        c.add("bad_extension", None, None, fname, "an .xlsx file",
              f"the file name does not end in .xlsx (expected the .xlsx workbook made by `shiwu template`; "
              f".xls, .et, .csv are not accepted)")
    if size == 0:
        c.add("empty_file", None, None, 0, "an .xlsx workbook", "the file is empty (0 bytes) (expected an .xlsx workbook)")
        raise WorkbookRejected(c.errors)
    if size > layout.MAX_FILE_BYTES:
        c.add("too_large", None, None, size, f"at most {layout.MAX_FILE_BYTES} bytes",
              f"the file has {size} bytes (expected at most {layout.MAX_FILE_BYTES} bytes; a filled return is ~30 KB)")
        raise WorkbookRejected(c.errors)
    if data is None:
        data = path.read_bytes()
    sha = common.sha256_bytes(data)
    if not zipfile.is_zipfile(io.BytesIO(data)):   # the bytes that are checked are the bytes archived
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            msg = ("the file is an old-format .xls or a password-protected workbook "
                   "(expected an .xlsx workbook without password: save it as .xlsx)")
        else:
            msg = "the file is not an .xlsx workbook (expected the .xlsx workbook made by `shiwu template`)"
        c.add("not_xlsx", None, None, data[:8].hex(), "an .xlsx (zip) workbook", msg)
        raise WorkbookRejected(c.errors)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(i.file_size for i in z.infolist())
        names = set(z.namelist())
    except zipfile.BadZipFile as exc:
        c.add("not_xlsx", None, None, None, "an .xlsx (zip) workbook", f"the file is a broken zip package ({exc}) (expected an .xlsx workbook)")
        raise WorkbookRejected(c.errors) from None
    if unpacked > layout.MAX_UNZIPPED_BYTES:
        c.add("zip_bomb", None, None, unpacked, f"at most {layout.MAX_UNZIPPED_BYTES} bytes unpacked",
              f"the workbook unpacks to {unpacked} bytes (expected at most {layout.MAX_UNZIPPED_BYTES})")
        raise WorkbookRejected(c.errors)
    if "xl/workbook.xml" not in names:
        c.add("not_xlsx", None, None, None, "an .xlsx workbook",
              "the file is a zip package but not an .xlsx workbook (expected the .xlsx workbook made by `shiwu template`)")
        raise WorkbookRejected(c.errors)
    with z:
        parts = _scan_package(c, z)
    if c.errors:
        raise WorkbookRejected(c.errors)
    try:
        if reader == "openpyxl":   # the reference reader (tests compare the two)
            from openpyxl import load_workbook

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # from bytes: openpyxl judges by the file name's extension otherwise
                wb = load_workbook(io.BytesIO(data), data_only=False, read_only=False)
        else:
            wb = xlsx.load(parts, sheets=(*DATA_SHEETS, SHEET_META))   # the guide: well-formed only
    except Exception as exc:  # noqa: BLE001 - any parser failure is a rejection
        why = " ".join(str(exc).split())[:200]
        c.add("unreadable", None, None, None, "an .xlsx workbook", f"the workbook cannot be read ({type(exc).__name__}: {why})")
        raise WorkbookRejected(c.errors) from None

    # ---- sheets -----------------------------------------------------------------------------
    expected_sheets = [SHEET_GUIDE, *DATA_SHEETS, SHEET_META]
    present = list(wb.sheetnames)
    for s in expected_sheets:
        if s not in present:
            if s == SHEET_META:
                c.add("missing_meta", SHEET_META, None, None, "the hidden _meta sheet",
                      "the hidden metadata sheet is missing (expected a workbook made by `shiwu template`)")
            else:
                c.add("missing_sheet", s, None, None, "sheet " + s,
                      f"sheet is missing (expected the sheets {'、'.join(expected_sheets[:-1])}; do not rename or delete sheets)")
    for s in present:
        if s not in expected_sheets:
            c.add("extra_sheet", s, None, s, "only the template's sheets",
                  f"unexpected sheet {s!r} (expected only {'、'.join(expected_sheets[:-1])}; do not add or rename sheets)")

    # ---- metadata ---------------------------------------------------------------------------
    meta, meta_cells = {}, {}
    if SHEET_META in present:
        ws = wb[SHEET_META]
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 50), max_col=2):
            k, v = row[0].value, row[1].value
            if isinstance(k, str):
                meta[k.strip()] = v
                meta_cells[k.strip()] = row[1].coordinate
    project_no = period = None
    region = common.DEFAULT_REGION
    version = None
    if SHEET_META in present:
        for key in ("template_version", "project_no", "period_label", "region"):
            if key not in meta or _blank(meta[key]):
                c.add("missing_meta", SHEET_META, None, key, f"key {key}", f"metadata key {key!r} is missing (expected a workbook made by `shiwu template`)")
        version = _version(meta.get("template_version"))
        if version is not None and version not in layout.SUPPORTED_VERSIONS:
            c.add("template_version", SHEET_META, meta_cells.get("template_version"), meta.get("template_version"),
                  f"template version {layout.TEMPLATE_VERSION}",
                  f"template version {_show(meta.get('template_version'))} is not supported (expected {layout.TEMPLATE_VERSION}: download a new template)")
        if not _blank(meta.get("region")):
            region = str(meta["region"]).strip()
        pn = meta.get("project_no")
        if not _blank(pn):
            try:
                project_no = int(float(pn))
                common.project_row(project_no, region)
            except (ValueError, TypeError, KeyError, OverflowError):
                n = common.project_count(region)
                c.add("unknown_project", SHEET_META, meta_cells.get("project_no"), pn, f"a project number 1–{n}",
                      f"{_show(pn)} is not a project of {region} (expected a project number 1–{n})")
                project_no = None
        pl = meta.get("period_label")
        if not _blank(pl):
            try:
                period = parse_period(str(pl).strip())
                if period.freq != "Q":
                    raise ValueError
            except ValueError:
                c.add("bad_period", SHEET_META, meta_cells.get("period_label"), pl, "a quarter such as 2025Q2",
                      f"{_show(pl)} is not a quarter label (expected a quarter such as 2025Q2)")
                period = None
    if period is not None:
        ref = meta_cells.get("period_label")
        if not (common.PLAN_FIRST_YEAR <= period.year <= common.PLAN_LAST_YEAR):
            c.add("period_not_open", SHEET_META, ref, period.label,
                  f"a quarter of {common.PLAN_FIRST_YEAR}–{common.PLAN_LAST_YEAR}",
                  f"period {period.label} is outside the plan years (expected a quarter of {common.PLAN_FIRST_YEAR}–{common.PLAN_LAST_YEAR})")
        elif strict and period.own_start > today:
            cur = common.quarter_of(today)
            c.add("period_not_open", SHEET_META, ref, period.label, f"a finished quarter or the current one ({cur})",
                  f"period {period.label} has not started yet (expected a finished quarter or the current one, {cur} or earlier)")
    # file name vs metadata
    stem = Path(fname).stem
    for rx in _FILE_PERIOD:
        m = rx.search(stem)
        if m:
            q = m.group(2)
            fp = f"{m.group(1)}Q{_CN_Q.get(q, q)}"
            if period is not None and fp != period.label:
                c.add("period_filename_mismatch", SHEET_META, meta_cells.get("period_label"), fp, period.label,
                      f"the file name says {fp} but the workbook is for {period.label} "
                      f"(expected the file name and the workbook's period to agree: rename the file or use the {fp} template)")
            break
    if project_no is not None:
        own = str(common.project_row(project_no, region).get("short_zh", ""))
        for s, other in common.project_shorts(region):
            if s in stem:
                if s != own and own not in stem:
                    c.add("project_filename_mismatch", SHEET_META, meta_cells.get("project_no"), s, own,
                          f"the file name names project {other} ({s}) but the workbook is for project {project_no} ({own}) "
                          f"(expected the file name and the workbook's project to agree)")
                break

    # ---- data sheets: layout ----------------------------------------------------------------
    hdr_period = period or parse_period("2023Q1")
    if version not in layout.SUPPORTED_VERSIONS:
        version = layout.TEMPLATE_VERSION  # unknown (reported above): check against the current layout
    sheet_ok = {}
    for s in DATA_SHEETS:
        if s not in present:
            continue
        ws = wb[s]
        sheet_ok[s] = _check_layout(c, ws, s, hdr_period, period is not None, version)

    if project_no is None or period is None:
        c.report_non_finite()
        raise WorkbookRejected(c.errors)

    proj = common.project_row(project_no, region)
    label = f"{fmt.cn_number(project_no)}、{proj['name_zh']}"
    tg = common.targets_by_indicator(region)
    if strict and reference is None:
        reference = reference_from_store(region)
    reference = reference or {}

    prefill = _prefilled_bases(meta.get(layout.META_BASE_PREFILL))
    actuals = _parse_indicators(c, wb[SHEET_IND], project_no, period, region, label, tg, reference, strict, fname,
                                source_type, version, prefill) if sheet_ok.get(SHEET_IND) else []
    tasks = _parse_tasks(c, wb[SHEET_TASK], project_no, period, region) if sheet_ok.get(SHEET_TASK) else []
    probs = _parse_problems(c, wb[SHEET_PROB], project_no, period, region) if sheet_ok.get(SHEET_PROB) else []

    c.report_non_finite()
    if c.errors:
        raise WorkbookRejected(c.errors)
    sheets_present = []
    if any(a["period_label"] == period.label for a in actuals):   # a 2022 base alone is not this period's return
        sheets_present.append(SHEET_IND)
    if tasks:
        sheets_present.append(SHEET_TASK)
    sheets_present.append(SHEET_PROB)  # an empty problem list means 无问题: the table counts as returned
    return ParsedReturn(
        project_no=project_no, period_label=period.label, region=region, sha256=sha, file_name=fname,
        actuals=actuals, task_progress=tasks, problems=probs,   # frames built on first use
        sheets_present=sheets_present,
        template_version=version,
    )


def _version(v) -> str | None:
    """The template version as written in _meta ('2'; a number typed as 2 or 2.0 reads the same)."""
    if _blank(v):
        return None
    return _show(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v).strip()


def _prefilled_bases(v) -> dict[str, float]:
    """{indicator_id: value} of the _meta key base_prefill ('id=value;id=value'); {} if absent or unreadable."""
    out: dict[str, float] = {}
    if _blank(v):
        return out
    for part in str(v).split(";"):
        k, sep, num = part.partition("=")
        try:
            if sep and math.isfinite(float(num)):
                out[k.strip()] = float(num)
        except ValueError:
            continue
    return out


def _check_layout(c: _Collector, ws, sheet: str, p, period_known: bool, version: str = layout.TEMPLATE_VERSION) -> bool:
    """Row limits, headers, merged cells in the data area, formulas anywhere. True if rows can be read."""
    from .xlsx import get_column_letter

    cols = layout.columns(sheet, p, version)
    ok = True
    if ws.max_row > layout.MAX_ROWS:
        c.add("too_many_rows", sheet, None, ws.max_row, f"at most {layout.MAX_ROWS} rows",
              f"the sheet has {ws.max_row} rows (expected at most {layout.MAX_ROWS} rows)")
        return False
    used = _existing_cells(ws)   # only the cells the file holds: never walk an inflated used range
    headers = [ws.cell(layout.HEADER_ROW, j).value
               for j in range(1, min(max(ws.max_column, len(cols)), layout.MAX_COLS) + 1)]
    found = [h.strip() if isinstance(h, str) else h for h in headers]
    expected = [col.header for col in cols]
    for j, col in enumerate(cols, start=1):
        got = found[j - 1] if j - 1 < len(found) else None
        exp = col.header
        if not period_known and col.key == "actual" and isinstance(got, str) and got.startswith("进展情况"):
            continue
        if got != exp:
            ok = False
            ref = f"{get_column_letter(j)}{layout.HEADER_ROW}"
            if got is None or got == "":
                msg = f"the header is empty (expected {exp!r}: do not delete, insert or move columns)"
            else:
                msg = f"the header is {_show(got)} (expected {exp!r}: do not rename, insert or move columns)"
            c.add("header_mismatch", sheet, ref, got, exp, msg)
    for exp in expected:
        if exp not in found and not (not period_known and exp.startswith("进展情况")):
            ok = False
            c.add("missing_column", sheet, None, None, exp, f"column {exp!r} is missing (expected the template's columns {'、'.join(expected)})")
    # anything to the right of the template's columns (header or data)
    n = len(cols)
    extra_cols = set()
    for cell in used:
        if cell.column > n and cell.row >= layout.HEADER_ROW and not _blank(cell.value) and cell.column not in extra_cols:
            if len(extra_cols) >= 20:
                break  # enough to show what is wrong
            extra_cols.add(cell.column)
            ok = False
            c.add("extra_column", sheet, cell.coordinate, cell.value, f"no column after {get_column_letter(n)}",
                  f"unexpected value {_show(cell.value)} right of the template's last column {get_column_letter(n)} "
                  f"(expected no extra columns)")
    for rng in ws.merged_cells.ranges:
        if rng.max_row >= layout.FIRST_DATA_ROW:
            # reported, but the rows are still read (the top-left cell holds the value) so that
            # the other problems of the sheet are reported too
            c.add("merged_cells", sheet, rng.coord, None, "one value per cell",
                  f"merged cells {rng.coord} in the data area (expected one value per cell: unmerge them)")
    for cell in used:
        v = cell.value
        if v is None:
            continue   # an empty cell (most of a template): a formula always has its text
        if type(v) is str and "=" not in v and cell.data_type != "f":
            continue   # plain text (most of the rest): neither a formula nor a number
        if cell.data_type == "f" or looks_like_formula(v) or type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
            text = v if isinstance(v, str) else getattr(v, "text", str(v))
            c.add("formula", sheet, cell.coordinate, text, "a typed value",
                  f"{_show(text)} is a formula (expected a typed value: copy and paste as values)")
        elif isinstance(v, float) and not math.isfinite(v):
            c.non_finite.append((sheet, cell.coordinate, v))   # reported after the rows are read
    return ok


def _existing_cells(ws) -> list:
    """The cells the worksheet holds, in row-major order (openpyxl keeps them in ``_cells``).

    A used range inflated by one value far away (``XFD1999``) costs one cell here, not 16,384 × 1,999.
    """
    cells = getattr(ws, "_cells", None)
    if cells is None:  # pragma: no cover - another openpyxl worksheet type
        return [cell for row in ws.iter_rows() for cell in row]
    return [cells[k] for k in sorted(cells)]


_DTD_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity")
                     for enc in ("ascii", "utf-16-le", "utf-16-be"))
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_SHEET_PART = re.compile(r"^xl/(?:worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.I)


def _scan_package(c: _Collector, z: zipfile.ZipFile) -> dict[str, bytes]:
    """Limits and hostile content, checked on the zip package before any XML is parsed.

    Macros (vbaProject, Excel 4.0 macro sheets, ActiveX, a macro-enabled content type: an .xlsm
    renamed .xlsx), embedded objects and external workbook links, XML that declares a DOCTYPE or
    entities (billion laughs, external entities: Excel never writes them; checked in UTF-8 and
    UTF-16), more sheets than the template can have, more cells in a sheet than its layout allows.
    Returns {part name: bytes} of the XML parts it read (the reader parses those, unzipped once).
    """
    parts: dict[str, bytes] = {}
    infos = [i for i in z.infolist() if not i.is_dir()]
    names = [i.filename for i in infos]
    lower = [n.lower() for n in names]
    macro = [n for n, lo in zip(names, lower) if "vbaproject" in lo or lo.startswith(("xl/macrosheets/", "xl/activex/"))
             or lo.startswith("xl/dialogsheets/")]
    ct_name = next((n for n in names if n.lower() == "[content_types].xml"), None)
    if ct_name and not macro:
        with z.open(ct_name) as fh:
            ct = fh.read(layout.MAX_UNZIPPED_BYTES).lower()
        if b"macroenabled" in ct or b"vbaproject" in ct:
            macro = [ct_name]
    if macro:
        c.add("macro", None, None, macro[0], "an .xlsx workbook without macros",
              f"the workbook contains macros ({macro[0]}) (expected an .xlsx workbook without macros: "
              f"save it as “Excel 工作簿 (*.xlsx)”; .xlsm files are not accepted)")
    external = [n for n, lo in zip(names, lower) if lo.startswith(("xl/embeddings/", "xl/externallinks/"))
                or "oleobject" in lo.rsplit("/", 1)[-1]]
    if external:
        c.add("external_content", None, None, external[0], "values typed into the template's cells",
              f"the workbook contains an embedded object or a link to another file ({external[0]}) "
              f"(expected only values typed into the template: remove objects and external links)")
    sheets = [n for n in names if _SHEET_PART.match(n)]
    if len(sheets) > layout.MAX_SHEETS:
        c.add("too_many_sheets", None, None, len(sheets), f"at most {layout.MAX_SHEETS} sheets",
              f"the workbook has {len(sheets)} sheets (expected the template's sheets, at most {layout.MAX_SHEETS})")
    budget = layout.MAX_UNZIPPED_BYTES   # what the parts really unpack to, whatever their headers say
    for info, lo in zip(infos, lower):
        if not lo.endswith((".xml", ".rels", ".vml")):
            continue
        with z.open(info) as fh:
            body = fh.read(budget + 1)
        budget -= len(body)
        if budget < 0:
            c.add("zip_bomb", None, None, info.filename, f"at most {layout.MAX_UNZIPPED_BYTES} bytes unpacked",
                  f"the workbook unpacks to more than {layout.MAX_UNZIPPED_BYTES} bytes "
                  f"(expected at most {layout.MAX_UNZIPPED_BYTES})")
            return parts
        parts[info.filename] = body
        # every marker starts with "<!" (in UTF-8 / ASCII or UTF-16): look further only then
        if (b"<!" in body or b"<\x00!\x00" in body or b"\x00<\x00!" in body) and any(m in body for m in _DTD_MARKERS):
            c.add("xml_dtd", None, None, info.filename, "XML without DOCTYPE or ENTITY declarations",
                  f"{info.filename} declares a DOCTYPE or an ENTITY, which Excel never writes "
                  f"(expected the .xlsx workbook made by `shiwu template`; entity expansion and external entities are refused)")
            continue
        # a cell is a tag: a part with fewer tags than the limit cannot hold too many cells
        if _SHEET_PART.match(info.filename) and body.count(b"<") > layout.MAX_CELLS:
            n_cells = len(_CELL_TAG.findall(body))
            if n_cells > layout.MAX_CELLS:
                c.add("too_many_cells", None, None, n_cells, f"at most {layout.MAX_CELLS} cells a sheet",
                      f"{info.filename} holds {n_cells} cells (expected at most {layout.MAX_CELLS}: "
                      f"{layout.MAX_ROWS} rows × {layout.MAX_COLS} columns)")
    return parts


def _cells(ws, cols, r):
    """{column key: cell} of row ``r`` (our reader's cells straight from its dict, the same cells ws.cell gives)."""
    cell = ws.cell
    if type(ws) is xlsx.Sheet:
        return {col.key: c for col, c in zip(cols, ws.row_cells(r, len(cols)))}
    return {col.key: cell(r, j) for j, col in enumerate(cols, start=1)}


def _ref(cells, key):
    return cells[key].coordinate


def _parse_indicators(c, ws, project_no, p, region, label, tg, reference, strict, fname, source_type,
                      version=layout.TEMPLATE_VERSION, prefill=None) -> list[dict]:
    """Rows of 主要指标进度表: this period's values, and 2022 bases (period '2022', freq Y) where typed."""
    sheet = SHEET_IND
    cols = layout.ind_columns(p, version)
    has_base = any(col.key == "base" for col in cols)
    prefill = prefill or {}
    base_p = parse_period(common.BASE_PERIOD)
    cat_by_id = common.indicators_by_id(region)
    proj_lead = common.project_row(project_no, region).get("lead_unit", "")
    seen: dict[str, int] = {}
    out = []
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        cells = _cells(ws, cols, r)
        vals = {k: cells[k].value for k in cells}
        if all(_blank(v) for v in vals.values()):
            continue
        ind_id = vals["indicator_id"]
        if _blank(ind_id):
            typed = ("actual", "confirm", "remark") + (("base",) if has_base else ())
            if any(not _blank(vals[k]) for k in typed):
                c.add("missing_id", sheet, _ref(cells, "indicator_id"), None, "the indicator id of the row",
                      "the row has values but no 指标编号 (expected an indicator row of the template; do not add rows)")
            continue
        ind_id = str(ind_id).strip()
        if not _blank(vals["project"]) and str(vals["project"]).strip() != label:
            c.add("project_mismatch", sheet, _ref(cells, "project"), vals["project"], label,
                  f"{_show(vals['project'])} is another project (expected {label!r}: report each project in its own workbook)")
        ind = cat_by_id.get(ind_id)
        if ind is None:
            c.add("unknown_indicator", sheet, _ref(cells, "indicator_id"), ind_id, "an indicator id of the template",
                  f"{ind_id!r} is not an indicator of the catalog (expected the template's indicator ids; do not edit 指标编号)")
            continue
        if str(ind.get("project_no", "")) != str(project_no):
            c.add("foreign_indicator", sheet, _ref(cells, "indicator_id"), ind_id, f"an indicator of project {project_no}",
                  f"{ind_id!r} belongs to project {ind.get('project_no') or '—'} (expected an indicator of project {project_no})")
            continue
        if ind_id in seen:
            c.add("duplicate_indicator", sheet, _ref(cells, "indicator_id"), ind_id, "each indicator once",
                  f"{ind_id!r} appears twice, in rows {seen[ind_id]} and {r} (expected each indicator once)")
            continue
        seen[ind_id] = r
        confirm = _read_choice(c, sheet, _ref(cells, "confirm"), vals["confirm"], layout.YES_NO, "confirm")
        remark = _read_text(c, sheet, _ref(cells, "remark"), vals["remark"])
        responsible = _read_text(c, sheet, _ref(cells, "responsible"), vals["responsible"])
        measure = ind.get("measure") or ""
        has_actual = not _blank(vals["actual"])
        base_given = has_base and _base_typed(vals["base"], measure, prefill.get(ind_id))
        if has_base and base_given and measure == "rate":
            c.add("base_not_applicable", sheet, _ref(cells, "base"), vals["base"], "the cell as the template wrote it",
                  f"{_show(vals['base'])} is a {common.BASE_YEAR} base for a growth-rate indicator "
                  f"(expected {layout.BASE_NA_TEXT!r} as the template wrote it: growth rates are compared with "
                  f"their target rate and need no base)")
            base_given = False
        if not has_actual and not base_given:
            continue  # not reported this period
        cat_unit = ind.get("unit") or ""
        unit_cell = vals["unit"]
        expected_num = "a percentage, e.g. 30" if cat_unit in ("%", "％") else (f"a number in {cat_unit}" if cat_unit else "a number")
        value = _read_number(c, sheet, _ref(cells, "actual"), cells["actual"], expected_num) if has_actual else None
        base_value = None
        if base_given:
            base_value = _read_number(c, sheet, _ref(cells, "base"), cells["base"],
                                      f"the {common.BASE_YEAR} value as {expected_num}")
        unit = None
        if _blank(unit_cell):
            if cat_unit:
                unit = cat_unit
            else:
                c.add("unit_missing", sheet, _ref(cells, "unit"), None, "a unit", "the value has no unit (expected a unit in 单位, e.g. 亿元、个、%)")
        else:
            us = str(unit_cell).strip()
            if not common.is_known_unit(us):
                opts = "、".join(common.compatible_units(cat_unit)) if cat_unit else "a unit of the vocabulary"
                c.add("unknown_unit", sheet, _ref(cells, "unit"), unit_cell, opts,
                      f"{_show(unit_cell)} is not a known unit (expected {opts})")
            elif cat_unit and common.base_unit(us) != common.base_unit(cat_unit):
                opts = "、".join(common.compatible_units(cat_unit))
                c.add("wrong_unit", sheet, _ref(cells, "unit"), unit_cell, opts,
                      f"{_show(unit_cell)} is not a unit of this indicator (expected {cat_unit} or a unit convertible to it: {opts})")
            else:
                unit = common.canonical_unit(us)
        if unit is None or (value is None and base_value is None):
            continue
        confirmed = confirm == "是"
        if confirmed and not remark:
            c.add("confirm_without_reason", sheet, _ref(cells, "remark"), None, "a reason in 说明",
                  "确认异常值 is 是 but 说明 is empty (expected the reason for the unusual value in 说明)")
        store_unit = cat_unit or unit
        note = []
        if confirmed:
            note.append("确认异常值")
        if remark:
            note.append(remark)
        if responsible and responsible != proj_lead:
            note.append(f"责任单位：{responsible}")
        ytd = common.ytd_for(measure)
        for per, v, key in ((p, value, "actual"), (base_p, base_value, "base")):
            if v is None:
                continue
            vref = _ref(cells, key)
            _check_value(c, sheet, vref, vals[key], v, unit, store_unit, ind, per, tg, reference, strict, confirmed)
            value_base = common.to_base(v, unit)
            value_store = common.from_base(value_base, store_unit) if unit != store_unit else v
            n = [f"填报值 {common._units().format_number(v)}{unit}"] if unit != store_unit else []
            if key == "base":
                n.insert(0, f"基期值（{common.BASE_YEAR}年），随{p.label}填报表报送")
            out.append({
                "region": region, "indicator_id": ind_id, "period_label": per.label, "freq": per.freq, "year": per.year,
                "period_start": per.start(ytd), "period_end": per.end, "ytd": ytd,
                "value": value_store, "unit": store_unit, "value_base": value_base, "base_unit": common.base_unit(store_unit),
                "source_type": source_type, "quote": f"{fname} {sheet}!{vref}", "note": "；".join(n + note) or None,
            })
    return out


def _base_typed(v, measure: str, prefilled: float | None) -> bool:
    """Whether the base cell holds something the clerk typed (not blank, not the template's own content).

    The growth-rate marker and a pre-filled value left unchanged are the template's content: the
    value is already in the store with its own source, so it is not stored again.
    """
    if _blank(v):
        return False
    if measure == "rate" and isinstance(v, str) and v.strip() == layout.BASE_NA_TEXT:
        return False
    if prefilled is not None and isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) == prefilled:
        return False
    return True


def _check_value(c, sheet, vref, raw, value, unit, store_unit, ind, per, tg, reference, strict, confirmed) -> None:
    """The plausibility checks of a value (this period's or the 2022 base); waived by 确认异常值."""
    measure = ind.get("measure") or ""
    value_base = common.to_base(value, unit)
    value_store = common.from_base(value_base, store_unit) if unit != store_unit else value
    base = common.base_unit(store_unit)
    if value < 0 and measure in ("flow", "stock", "share") and not confirmed:
        c.add("negative_amount", sheet, vref, raw, "an amount ≥ 0",
              f"{_show(value)} is negative (expected an amount ≥ 0; a decrease is reported as a growth rate — "
              f"if it is really negative, set 确认异常值 to 是 and explain in 说明)")
    if strict and not confirmed:
        if (measure == "rate" or base == "pct" and "增" in str(ind.get("name_zh", ""))) and abs(value_store) > GROWTH_LIMIT:
            c.add("implausible_growth", sheet, vref, raw, "a growth rate between -100 and 100",
                  f"{_show(value)}% is a growth rate beyond ±100% (expected between -100 and 100; "
                  f"if it is right, set 确认异常值 to 是 and explain in 说明)")
        elif measure != "rate" and value_base != 0:
            refv = _reference_value(ind["indicator_id"], per.label, reference, tg, per.year)
            if refv is not None:
                rv, desc = refv
                ratio = abs(value_base / rv)
                if ratio >= MAGNITUDE_LIMIT or ratio <= 1 / MAGNITUDE_LIMIT:
                    c.add("implausible_magnitude", sheet, vref, raw, f"the order of magnitude of {desc}",
                          f"{_show(value)} {unit} is {ratio:.3g} times {desc} (expected the same order of magnitude: "
                          f"check the unit, e.g. 万元 vs 亿元; if it is right, set 确认异常值 to 是 and explain in 说明)")


def _parse_tasks(c, ws, project_no, p, region) -> list[dict]:
    sheet = SHEET_TASK
    cols = layout.task_columns(p)
    known = common.key_task_ids(project_no, region)
    seen: dict[str, int] = {}
    out = []
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        cells = _cells(ws, cols, r)
        vals = {k: cells[k].value for k in cells}
        if all(_blank(vals[k]) for k in ("status", "progress_pct", "progress_text")):
            continue
        tid = vals["task_id"]
        if _blank(tid):
            c.add("missing_id", sheet, _ref(cells, "task_id"), None, "the task id of the row",
                  "the row has values but no 任务编号 (expected a task row of the template; do not add rows)")
            continue
        tid = str(tid).strip()
        if tid not in known:
            c.add("unknown_task", sheet, _ref(cells, "task_id"), tid, f"a key task of project {project_no}",
                  f"{tid!r} is not a key task of project {project_no} (expected the template's task ids; do not edit 任务编号)")
            continue
        if tid in seen:
            c.add("duplicate_task", sheet, _ref(cells, "task_id"), tid, "each task once",
                  f"{tid!r} appears twice, in rows {seen[tid]} and {r} (expected each task once)")
            continue
        seen[tid] = r
        status = _read_choice(c, sheet, _ref(cells, "status"), vals["status"], layout.STATUSES, "status")
        if _blank(vals["status"]):
            c.add("status_missing", sheet, _ref(cells, "status"), None, "one of " + "、".join(layout.STATUSES),
                  f"progress is reported but 状态 is empty (expected one of {'、'.join(layout.STATUSES)})")
        pct = None
        if not _blank(vals["progress_pct"]):
            pct = _read_number(c, sheet, _ref(cells, "progress_pct"), cells["progress_pct"], "a progress percentage 0–100")
            if pct is not None and not (0 <= pct <= 100):
                c.add("progress_range", sheet, _ref(cells, "progress_pct"), pct, "a number between 0 and 100",
                      f"{_show(pct)} is outside 0–100 (expected a progress percentage between 0 and 100)")
                pct = None
        if status == "已完成" and pct is not None and pct < 100:
            c.add("progress_inconsistent", sheet, _ref(cells, "progress_pct"), pct, "100 for a finished task",
                  f"{_show(pct)} is below 100 for a task whose 状态 is 已完成 (expected 100, or another 状态)")
        text = _read_text(c, sheet, _ref(cells, "progress_text"), vals["progress_text"])
        due = _read_text(c, sheet, _ref(cells, "due"), vals["due"])
        lead = _read_text(c, sheet, _ref(cells, "lead_unit"), vals["lead_unit"])
        partners = _read_text(c, sheet, _ref(cells, "partner_units"), vals["partner_units"])
        if status is None:
            continue
        out.append({"region": region, "project_no": project_no, "task_id": tid, "period_label": p.label,
                    "status": status, "progress_pct": pct, "progress_text": text, "due": due,
                    "lead_unit": lead, "partner_units": partners})
    return out


def _parse_problems(c, ws, project_no, p, region) -> list[dict]:
    sheet = SHEET_PROB
    cols = layout.prob_columns(p)
    seen: dict[str, int] = {}
    out = []
    k_new = 0
    for r in range(layout.FIRST_DATA_ROW, ws.max_row + 1):
        cells = _cells(ws, cols, r)
        vals = {k: cells[k].value for k in cells}
        pid = None if _blank(vals["problem_id"]) else neutralise(vals["problem_id"])
        keys = ("problem_text", "due", "progress_text", "struck_off") if pid is None else \
            ("problem_text", "due", "progress_text", "responsible", "struck_off")
        if all(_blank(vals[k]) for k in keys):
            continue
        if pid is None:
            k_new += 1
            pid = f"p{project_no:02d}-{p.label}-{k_new:02d}"
        elif pid in seen:
            c.add("duplicate_problem", sheet, _ref(cells, "problem_id"), pid, "each problem once",
                  f"{pid!r} appears twice, in rows {seen[pid]} and {r} (expected each problem once)")
            continue
        seen[pid] = r
        text = _read_text(c, sheet, _ref(cells, "problem_text"), vals["problem_text"])
        if not text:
            c.add("problem_text_missing", sheet, _ref(cells, "problem_text"), None, "the problem's description",
                  "the row has values but 问题清单 is empty (expected the problem's description)")
        due = _read_date(c, sheet, _ref(cells, "due"), vals["due"])
        if _blank(vals["due"]) and _blank(vals["problem_id"]):
            c.add("due_missing", sheet, _ref(cells, "due"), None, "a date such as 2025-09-30",
                  "a new problem has no 销号时限 (expected a date such as 2025-09-30)")
        struck = _read_choice(c, sheet, _ref(cells, "struck_off"), vals["struck_off"], layout.YES_NO, "struck")
        progress = _read_text(c, sheet, _ref(cells, "progress_text"), vals["progress_text"])
        responsible = _read_text(c, sheet, _ref(cells, "responsible"), vals["responsible"])
        out.append({"region": region, "project_no": project_no, "problem_id": pid, "period_label": p.label,
                    "problem_text": text or "", "due": due, "progress_text": progress,
                    "responsible": responsible, "struck_off": struck == "是"})
    return out
