"""A small, strict reader of .xlsx packages: exactly what the ingest checks use, nothing more.

:func:`load` turns the XML parts of a workbook (already read from the zip by
``ingest._scan_package``, which refuses DOCTYPE / ENTITY declarations, macros, zip bombs and
oversized sheets before anything is parsed) into a :class:`Book` of :class:`Sheet` s whose
cells expose what the checks need:

* ``value`` — with the types openpyxl gives (``load_workbook(data_only=False)``): ``int`` or
  ``float`` for a number cell (openpyxl's rule: an int unless the text has ``.``, ``e`` or ``E``),
  ``str`` for shared, inline and formula-result strings, ``bool``, ``datetime`` /
  ``date`` / ``time`` / ``timedelta`` for a number whose number format is a date or duration
  format (or a ``t="d"`` ISO cell), the error text (``#N/A``) for an error cell, and for a cell
  with a formula the formula as written (``"=SUM(A1:A3)"``; an array formula as
  :class:`ArrayFormula`, a shared formula translated to the cell as openpyxl does);
* ``data_type`` — openpyxl's letters (``n s b d e f``);
* ``number_format`` — the format code of the cell's ``cellXfs`` entry (``styles.xml``: built-in
  id or custom ``numFmts`` code), so a value typed as ``30%`` (stored 0.3, format ``0%``) is seen;
* ``coordinate``, ``row``, ``column``.

A sheet has ``max_row`` / ``max_column`` (over the cells the file holds and the merged ranges,
as openpyxl counts them), ``cell(row, column)``, ``iter_rows``, ``merged_cells.ranges`` (the
cells of a merged range other than its top-left one read as empty, as in Excel), its
``sheet_state`` (``visible`` / ``hidden`` / ``veryHidden``) and ``protected`` (a
``sheetProtection`` element with ``sheet="1"``). The book has ``sheetnames`` in workbook order.

It is a few hundred lines of ``xml.etree.ElementTree`` (the C expat parser of the standard
library) over the parts already in memory; the parts that are only checked (the guide sheet) go
through expat without building a tree; the content types, workbook, relationships and styles,
identical in every return made from one template, are read once and kept by their bytes. The
four sheets the checks read (~550 cells) take ~3–4 ms of CPU, where ``openpyxl.load_workbook``
took ~40–80 ms (it builds every style, data validation and view as objects); building the
element tree is about two thirds of it (lxml builds it faster but walks it slower: measured no
better overall). openpyxl stays the template writer and the reference reader the tests compare
this one with (tests/test_xlsx_reader.py: templates, filled returns, XML of other producers and
the demo workbooks parse to the same rows, or the same rejection lines, both ways).

Anything that does not follow the package format raises :class:`ReadError` (a ``ValueError``),
which ingest reports as ``unreadable``. Comments, data validations, views, fonts, fills and
borders are not read: no check uses them.
"""
from __future__ import annotations

import datetime as dt
import posixpath
import re
from operator import itemgetter
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_ROW = f"{{{NS}}}row"
_C = f"{{{NS}}}c"
_V = f"{{{NS}}}v"
_F = f"{{{NS}}}f"
_IS = f"{{{NS}}}is"
_T = f"{{{NS}}}t"
_R = f"{{{NS}}}r"
_SI = f"{{{NS}}}si"

WORKBOOK_TYPES = (  # the order openpyxl looks for them
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
STYLES_PART = "xl/styles.xml"

# openpyxl.styles.numbers.BUILTIN_FORMATS (the ids Excel does not write into styles.xml)
BUILTIN_FORMATS = {
    0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00',
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: '0%', 10: '0.00%', 11: '0.00E+00', 12: '# ?/?', 13: '# ??/??',
    14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM',
    20: 'h:mm', 21: 'h:mm:ss', 22: 'm/d/yy h:mm',
    37: '#,##0_);(#,##0)', 38: '#,##0_);[Red](#,##0)', 39: '#,##0.00_);(#,##0.00)',
    40: '#,##0.00_);[Red](#,##0.00)',
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0', 48: '##0.0E+0', 49: '@',
}
# the date / duration rules of openpyxl.styles.numbers (is_date_format, is_timedelta_format)
_STRIP_RE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_RE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_RE = re.compile(r'\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?', re.I)
_INVALID_TITLE = re.compile(r'[\\*?:/\[\]]')
_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")

WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)
MAX_COLUMN = 16384          # XFD
MAX_ROW = 1048576
MERGE_WORK = 2_000_000   # cells visited to blank merged ranges (a sheet of overlapping ranges is refused)


class ReadError(ValueError):
    """The package does not follow the .xlsx format where the reader needs it."""


def is_date_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    fmt = _STRIP_RE.sub("", fmt.split(";")[0])
    return _DATE_RE.search(fmt) is not None


def is_timedelta_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    return _TIMEDELTA_RE.search(fmt.split(";")[0]) is not None


def from_excel(value, epoch=WINDOWS_EPOCH, timedelta=False):
    """An Excel serial as a datetime (or time / timedelta): openpyxl.utils.datetime.from_excel."""
    if timedelta:
        td = dt.timedelta(days=value)
        if td.microseconds:
            td = dt.timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= value < 1 and diff.days == 0:
        mins, seconds = divmod(diff.seconds, 60)
        hours, mins = divmod(mins, 60)
        return dt.time(hours, mins, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1
    return epoch + dt.timedelta(days=day) + diff


_ISO = re.compile(r'''(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?
(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<microsecond>\.\d{1,3})?)?)?Z?''', re.VERBOSE)
_ISO_DURATION = re.compile(r'PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?')


def from_iso8601(text: str):
    """A ``t="d"`` cell's value: openpyxl.utils.datetime.from_ISO8601."""
    if not text:
        return None
    m = _ISO.match(text)
    if m and any(m.groups()):
        parts = m.groupdict(0)
        for key in ("year", "month", "day", "hour", "minute", "second"):
            if parts[key]:
                parts[key] = int(parts[key])
        if parts["microsecond"]:
            parts["microsecond"] = int(float(parts["microsecond"]) * 1_000_000)
        if not parts["date"]:
            return dt.time(parts["hour"], parts["minute"], parts["second"], parts["microsecond"])
        if not parts["time"]:
            return dt.date(parts["year"], parts["month"], parts["day"])
        return dt.datetime(parts["year"], parts["month"], parts["day"], parts["hour"], parts["minute"],
                           parts["second"], parts["microsecond"])
    m = _ISO_DURATION.match(text)
    if m and any(m.groups()):
        return dt.timedelta(**{k: float(v) for k, v in m.groupdict(0).items()})
    raise ReadError(f"invalid date value {text[:40]!r}")


_LETTERS: dict[int, str] = {}
_COLUMNS: dict[str, int] = {}


def get_column_letter(idx: int) -> str:
    """1 → A, 27 → AA (openpyxl.utils.get_column_letter)."""
    s = _LETTERS.get(idx)
    if s is None:
        if not 1 <= idx <= 18278:
            raise ValueError(f"Invalid column index {idx}")
        n, s = idx, ""
        while n:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        _LETTERS[idx] = s
    return s


def column_index(letters: str) -> int:
    idx = _COLUMNS.get(letters)
    if idx is None:
        idx = 0
        for ch in letters.upper():
            idx = idx * 26 + ord(ch) - 64
        _COLUMNS[letters] = idx
    return idx


class ArrayFormula:
    """An array formula (``<f t="array" ref=…>``), like openpyxl's: ``text`` is the formula."""

    t = "array"

    def __init__(self, ref, text=None):
        self.ref = ref
        self.text = text


class DataTableFormula:
    """A data table (``<f t="dataTable">``); ``text`` is what the cell holds as formula."""

    t = "dataTable"

    def __init__(self, ref, text="="):
        self.ref = ref
        self.text = text


class Cell(tuple):
    """A cell: ``(row, column, value, data_type, style_id, formats)`` with openpyxl's attribute names.

    A tuple so that the reader makes its few hundred cells at C speed; ``formats`` is the book's
    list of style formats (no reference back to the book or sheet: no reference cycles, so a
    workbook's cells are freed as soon as it is done with, without the cyclic garbage collector).
    """

    __slots__ = ()
    row = property(itemgetter(0))
    column = property(itemgetter(1))
    value = property(itemgetter(2))
    data_type = property(itemgetter(3))
    style_id = property(itemgetter(4))

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self[1])}{self[0]}"

    @property
    def number_format(self) -> str:
        return self[5][self[4]][0]

    def __repr__(self):
        return f"<Cell {self.coordinate} {self[2]!r}>"


_new = tuple.__new__


def _cell(formats, row, column, value=None, data_type="n", style_id=0) -> Cell:
    return _new(Cell, (row, column, value, data_type, style_id, formats))


class CellRange:
    __slots__ = ("min_row", "min_col", "max_row", "max_col")

    def __init__(self, ref: str):
        m = _RANGE.match(ref.strip())
        if not m:
            raise ReadError(f"{ref[:40]!r} is not a cell range")
        c1, r1, c2, r2 = m.groups()
        c1, r1 = column_index(c1), int(r1)
        c2, r2 = (column_index(c2), int(r2)) if c2 else (c1, r1)
        if not (1 <= r1 <= MAX_ROW and 1 <= r2 <= MAX_ROW and 1 <= c1 <= MAX_COLUMN and 1 <= c2 <= MAX_COLUMN):
            raise ReadError(f"{ref[:40]!r} is outside the sheet")
        self.min_row, self.max_row = min(r1, r2), max(r1, r2)
        self.min_col, self.max_col = min(c1, c2), max(c1, c2)

    @property
    def coord(self) -> str:
        a = f"{get_column_letter(self.min_col)}{self.min_row}"
        if (self.min_row, self.min_col) == (self.max_row, self.max_col):
            return a
        return f"{a}:{get_column_letter(self.max_col)}{self.max_row}"

    def _key(self):
        return (self.min_row, self.min_col, self.max_row, self.max_col)

    def __eq__(self, other):
        return isinstance(other, CellRange) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __contains__(self, rc) -> bool:
        r, c = rc
        return self.min_row <= r <= self.max_row and self.min_col <= c <= self.max_col


class MergedCells:
    __slots__ = ("ranges",)

    def __init__(self, ranges):
        self.ranges = list(ranges)


class Sheet:
    def __init__(self, formats, title: str, state: str = "visible"):
        self._formats = formats
        self.title = title
        self.sheet_state = state
        self.protected = False
        self._cells: dict[tuple[int, int], Cell] = {}
        self.merged_cells = MergedCells([])
        self._max_row = self._max_col = 0

    @property
    def max_row(self) -> int:
        return max(self._max_row, 1)

    @property
    def max_column(self) -> int:
        return max(self._max_col, 1)

    def cell(self, row: int, column: int) -> Cell:
        if row < 1 or column < 1:
            raise ValueError("Row or column values must be at least 1")
        c = self._cells.get((row, column))
        return c if c is not None else _cell(self._formats, row, column)

    def row_cells(self, row: int, n: int) -> list[Cell]:
        """``[cell(row, 1), …, cell(row, n)]`` without a call per cell (what ingest reads per form row)."""
        got = self._cells.get
        out = []
        for j in range(1, n + 1):
            c = got((row, j))
            out.append(c if c is not None else self.cell(row, j))
        return out

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, min_col: int = 1, max_col: int | None = None):
        max_row = self.max_row if max_row is None else max_row
        max_col = self.max_column if max_col is None else max_col
        for r in range(min_row, max_row + 1):
            yield tuple(self.cell(r, c) for c in range(min_col, max_col + 1))

    def existing_cells(self) -> list[Cell]:
        """The cells the sheet's XML holds, in row-major order (cheap for a far-away XFD1999)."""
        cells = self._cells
        return [cells[k] for k in sorted(cells)]


class Book:
    def __init__(self):
        self.sheets: dict[str, Sheet] = {}
        self.epoch = WINDOWS_EPOCH
        self._style_formats: list[tuple[str, bool, bool]] = [("General", False, False)]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]

    def __contains__(self, name: str) -> bool:
        return name in self.sheets

    def number_format(self, style_id: int) -> str:
        return self._style_formats[style_id][0]


# --------------------------------------------------------------------------- parts
def _xml(parts: dict, name: str, required: bool = True):
    body = parts.get(name)
    if body is None:
        if required:
            raise ReadError(f"{name} is missing")
        return None
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise ReadError(f"{name} is not well-formed XML ({exc})") from None


def _rels(parts: dict, owner: str) -> dict[str, tuple[str, str]]:
    """{Id: (Type, target part name)} of ``owner``'s relationships (targets made absolute)."""
    folder, obj = posixpath.split(owner)
    name = posixpath.join(folder, "_rels", f"{obj}.rels")
    root = _xml(parts, name)
    out = {}
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        rid, target = rel.get("Id"), rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            continue
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rid] = (rel.get("Type") or "", target)
    return out


def _content_types(parts: dict) -> tuple[dict[str, str], set[str]]:
    root = _xml(parts, "[Content_Types].xml")
    overrides = {}
    for o in root.iter(f"{{{CT_NS}}}Override"):
        overrides.setdefault(o.get("ContentType"), (o.get("PartName") or "").lstrip("/"))
    defaults = {d.get("ContentType") for d in root.iter(f"{{{CT_NS}}}Default")}
    return overrides, defaults


def _text_content(node) -> str:
    """openpyxl's Text.content: the ``<t>`` of the string plus the ``<t>`` of each rich-text run."""
    plain, runs = None, []
    for ch in node:
        if ch.tag == _T:
            plain = ch.text
        elif ch.tag == _R:
            t = None
            for x in ch:
                if x.tag == _T:
                    t = x.text
            if t is not None:
                runs.append(t)
    return "".join(([plain] if plain is not None else []) + runs)


def _shared_strings(parts: dict, name: str | None) -> list[str]:
    if not name or name not in parts:
        return []
    root = _xml(parts, name)
    return [_text_content(si).replace("x005F_", "") for si in root.iter(_SI)]


def _styles(parts: dict) -> list[tuple[str, bool, bool]]:
    """[(number format, is a date format, is a duration format)] for each ``cellXfs`` entry."""
    default = [("General", False, False)]
    root = _xml(parts, STYLES_PART, required=False)
    if root is None:
        return default
    custom = {}
    nf = root.find(f"{{{NS}}}numFmts")
    if nf is not None:
        for f in nf:
            custom[int(f.get("numFmtId"))] = f.get("formatCode") or ""
    xfs = root.find(f"{{{NS}}}cellXfs")
    if xfs is None or len(xfs) == 0:
        return default
    out = []
    for xf in xfs:
        fid = int(xf.get("numFmtId") or 0)
        if fid in custom:
            shown = test = custom[fid]
        else:
            shown, test = BUILTIN_FORMATS.get(fid, "General"), BUILTIN_FORMATS.get(fid)
        out.append((shown, is_date_format(test), is_timedelta_format(test)))
    return out


def _unique_title(names, value: str) -> str:
    """openpyxl.workbook.child.avoid_duplicate_name: a second 'X' becomes 'X1' (case-insensitive)."""
    if any(n.lower() == value.lower() for n in names):
        rx = re.compile(f"(?P<title>{re.escape(value)})(?P<count>\\d*),?", re.I)
        matches = rx.findall(",".join(names))
        if matches:
            counts = [int(i) for _, i in matches if i.isdigit()]
            value = f"{value}{(max(counts) if counts else 0) + 1}"
    return value


def load(parts: dict[str, bytes], sheets=None) -> Book:
    """The workbook of ``parts`` ({part name: bytes} of the zip package). Raises :class:`ReadError`.

    ``sheets``: the names whose cells are read (default: all); the XML of every other sheet is
    only checked to be well-formed (the C expat parser without building a tree), so a broken
    part is refused all the same.
    """
    book = Book()
    overrides, wb_part, epoch, style_formats, sheet_list = _structure(parts)
    book.epoch, book._style_formats = epoch, style_formats
    strings = _shared_strings(parts, overrides.get(SHARED_STRINGS_TYPE))
    for title, state, typ, target in sheet_list:
        if target not in parts:
            continue  # a sheet whose part is absent is not in the workbook (reported as missing)
        title = _unique_title(list(book.sheets), title)
        ws = Sheet(book._style_formats, title, state)
        book.sheets[title] = ws
        if "chartsheet" in typ:
            continue  # a chart sheet holds no cells
        if sheets is None or title in sheets:
            _read_sheet(book, ws, target, parts, strings)
        else:
            _check_well_formed(parts, target)
    return book


_STRUCTURE: dict[tuple, tuple] = {}


def _structure(parts: dict) -> tuple:
    """(content-type overrides, workbook part, epoch, style formats, [(title, state, type, part)]).

    Every return made from one template has the same content types, workbook, relationships and
    styles parts, so their reading is kept by their bytes (a few kB).
    """
    ct = parts.get("[Content_Types].xml")
    key = ("ct", ct)
    hit = _STRUCTURE.get(key)
    if hit is None:
        overrides, defaults = _content_types(parts)
        wb_part = next((overrides[t] for t in WORKBOOK_TYPES if t in overrides), None)
        if wb_part is None:
            if not defaults & set(WORKBOOK_TYPES):
                raise ReadError("the package has no workbook part")
            wb_part = "xl/workbook.xml"
        hit = _remember(key, (overrides, wb_part))
    overrides, wb_part = hit
    folder, obj = posixpath.split(wb_part)
    key = ("wb", ct, parts.get(wb_part), parts.get(posixpath.join(folder, "_rels", f"{obj}.rels")),
           parts.get(STYLES_PART))
    hit = _STRUCTURE.get(key)
    if hit is None:
        root = _xml(parts, wb_part)
        pr = root.find(f"{{{NS}}}workbookPr")
        epoch = MAC_EPOCH if pr is not None and (pr.get("date1904") or "").lower() in ("1", "true") else WINDOWS_EPOCH
        rels = _rels(parts, wb_part)
        style_formats = _styles(parts)
        sheet_list = []
        sheets_el = root.find(f"{{{NS}}}sheets")
        for sh in (sheets_el if sheets_el is not None else ()):
            rid = sh.get(R_ID)
            if not rid:
                continue  # openpyxl drops a sheet without a relationship (older .xlsm files)
            if rid not in rels:
                raise ReadError(f"sheet {sh.get('name')!r} has no relationship {rid!r}")
            typ, target = rels[rid]
            title = sh.get("name") or ""
            if not title:
                raise ReadError("a sheet has no name")
            bad = _INVALID_TITLE.search(title)
            if bad:
                raise ReadError(f"invalid character {bad.group(0)} in sheet name {title[:40]!r}")
            sheet_list.append((title, sh.get("state") or "visible", typ, target))
        hit = _remember(key, (overrides, wb_part, epoch, style_formats, tuple(sheet_list)))
    return hit


def _remember(key, value):
    if len(_STRUCTURE) > 64:
        _STRUCTURE.clear()
    _STRUCTURE[key] = value
    return value


def _check_well_formed(parts: dict, name: str) -> None:
    p = expat.ParserCreate()
    try:
        p.Parse(parts[name], True)
    except expat.ExpatError as exc:
        raise ReadError(f"{name} is not well-formed XML ({exc})") from None


_REFS: dict[str, tuple[int, int]] = {}   # "L5" → (5, 12): the same few hundred references in every return


def _ref_tuple(ref: str, part: str) -> tuple[int, int]:
    m = _COORD.match(ref)
    if not m:
        raise ReadError(f"{part}: {ref[:40]!r} is not a cell reference")
    row, col = int(m.group(2)), column_index(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COLUMN):
        raise ReadError(f"{part}: {ref[:40]!r} is outside the sheet")
    if len(_REFS) < 100_000:
        _REFS[ref] = (row, col)
    return row, col


_ROW_NUMBERS = {str(i): i for i in range(1, 4001)}   # the row numbers a return has, as written
_STYLE_IDS: dict[int, dict] = {}


def _style_ids(n_styles: int) -> dict:
    """{'0': 0, …, str(n_styles - 1): n_styles - 1, None: 0, '': 0}: the ``s`` attributes that need no checks.

    Anything else (' 7', '07', '-1', '999', 'x') takes the reader's own rules: ``int(s)`` and the range check.
    """
    ids = _STYLE_IDS.get(n_styles)
    if ids is None:
        ids = {str(i): i for i in range(n_styles)}
        if n_styles:
            ids[None] = ids[""] = 0
        if len(_STYLE_IDS) > 64:
            _STYLE_IDS.clear()
        _STYLE_IDS[n_styles] = ids
    return ids


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        try:
            val = float(text)
        except ValueError:
            val = 0.5
        if not val.is_integer():
            raise ReadError(f"{text[:40]!r} is not a valid row number") from None
        return int(val)


def _read_sheet(book: Book, ws: Sheet, part: str, parts: dict, strings: list[str]) -> None:
    root = _xml(parts, part)
    styles = fmts = book._style_formats
    n_styles = len(styles)
    epoch = book.epoch
    cells = ws._cells
    shared_formulae: dict = {}
    max_r = max_c = 0
    prot = root.find(f"{{{NS}}}sheetProtection")
    ws.protected = prot is not None and (prot.get("sheet") or "").lower() in ("1", "true")
    sheet_data = root.find(f"{{{NS}}}sheetData")
    row_counter = 0
    row_numbers = _ROW_NUMBERS
    refs = _REFS
    style_ids = _style_ids(n_styles)   # {'12': 12} for the styles styles.xml has (and no s: 0)
    for row_el in (sheet_data if sheet_data is not None else ()):
        if row_el.tag != _ROW:
            continue
        r_attr = row_el.get("r")
        if r_attr is None:
            row_counter += 1
        else:
            row_counter = row_numbers.get(r_attr) or _row_number(r_attr)
        col_counter = 0
        for c in row_el:     # as openpyxl: every child of <row> is a cell
            get = c.get
            t = get("t", "n")
            s = get("s")
            style_id = style_ids.get(s)
            if style_id is None:
                style_id = int(s) if s else 0
                if not 0 <= style_id < n_styles:
                    raise ReadError(f"{ws.title}!{get('r')}: style {s} is not in styles.xml")
            ref = get("r")
            if ref:
                rc = refs.get(ref)
                if rc is None:
                    rc = _ref_tuple(ref, part)
                row, col = rc
                col_counter = col
            else:
                col_counter += 1
                row, col = row_counter, col_counter
            if not len(c):    # an empty (styled) cell, most of a template
                cells[(row, col)] = _new(Cell, (row, col, None, t, style_id, fmts))
                if row > max_r:
                    max_r = row
                if col > max_c:
                    max_c = col
                continue
            v_text = f_el = is_el = None
            for ch in c:
                tag = ch.tag
                if tag == _V:
                    v_text = ch.text
                elif tag == _F:
                    f_el = ch
                elif tag == _IS:
                    is_el = ch
            value = None if t == "inlineStr" else (v_text or None)
            data_type = t
            if f_el is not None:
                data_type = "f"
                value = _formula(f_el, f"{get_column_letter(col)}{row}", shared_formulae)
            elif value is not None:
                if t == "n":
                    try:   # openpyxl's rule: an int unless the text has '.', 'e' or 'E' ('NaN' is refused)
                        value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                    except ValueError:
                        raise ReadError(f"{ws.title}!{get_column_letter(col)}{row}: {value[:40]!r} is not a number") from None
                    fmt = styles[style_id]
                    if fmt[1]:
                        data_type = "d"
                        try:
                            value = from_excel(value, epoch, timedelta=fmt[2])
                        except (OverflowError, ValueError):
                            data_type, value = "e", "#VALUE!"
                elif t == "s":
                    try:
                        idx = int(value)
                    except ValueError:
                        raise ReadError(f"{ws.title}!{get_column_letter(col)}{row}: shared string index "
                                        f"{value[:40]!r} is not a number") from None
                    if not 0 <= idx < len(strings):
                        raise ReadError(f"{ws.title}!{get_column_letter(col)}{row}: shared string {idx} "
                                        f"is not in the string table")
                    value = strings[idx]
                elif t == "b":
                    try:
                        value = bool(int(value))
                    except ValueError:
                        raise ReadError(f"{ws.title}!{get_column_letter(col)}{row}: {value[:40]!r} is not a boolean") from None
                elif t == "str":
                    data_type = "s"
                elif t == "d":
                    value = from_iso8601(value)
            elif t == "inlineStr" and is_el is not None:
                data_type = "s"
                if len(is_el) == 1 and is_el[0].tag == _T:
                    value = is_el[0].text or ""
                else:
                    value = _text_content(is_el)
            cells[(row, col)] = _new(Cell, (row, col, value, data_type, style_id, fmts))
            if row > max_r:
                max_r = row
            if col > max_c:
                max_c = col
    merged = root.find(f"{{{NS}}}mergeCells")
    ranges: list[CellRange] = []
    if merged is not None:
        seen = set()
        budget = MERGE_WORK
        for mc in merged:
            rng = CellRange(mc.get("ref") or "")
            if rng in seen:
                continue
            seen.add(rng)
            ranges.append(rng)
            # as Excel (and openpyxl) show it: only the top-left cell of a merged range holds a value
            top_left = (rng.min_row, rng.min_col)
            if top_left not in cells:
                cells[top_left] = _cell(fmts, rng.min_row, rng.min_col)
            area = (rng.max_row - rng.min_row + 1) * (rng.max_col - rng.min_col + 1)
            budget -= min(area, len(cells))
            if budget < 0:
                raise ReadError(f"{part} has more merged cells than a return can hold ({len(ranges)} ranges)")
            if area <= len(cells):
                covered = [(r, c) for r in range(rng.min_row, rng.max_row + 1)
                           for c in range(rng.min_col, rng.max_col + 1) if (r, c) in cells]
            else:
                covered = [k for k in cells if k in rng]
            for key in covered:
                if key != top_left:
                    cells[key] = _cell(fmts, key[0], key[1])
            max_r, max_c = max(max_r, rng.max_row), max(max_c, rng.max_col)
    ws.merged_cells = MergedCells(ranges)
    ws._max_row, ws._max_col = max_r, max_c


def _formula(f_el, coordinate: str, shared: dict):
    """The formula as openpyxl's reader gives it (data_only=False)."""
    value = "=" + (f_el.text or "")
    kind = f_el.get("t")
    if kind == "array":
        return ArrayFormula(ref=f_el.get("ref"), text=value)
    if kind == "shared":
        idx = f_el.get("si")
        if idx in shared:
            src, origin = shared[idx]
            try:
                from openpyxl.formula.translate import Translator   # rare: a shared formula's copies
                return Translator(src, origin).translate_formula(coordinate)
            except Exception:  # noqa: BLE001 - it is a formula either way; show the source
                return src
        if value != "=":
            shared[idx] = (value, coordinate)
        return value
    if kind == "dataTable":
        return DataTableFormula(ref=f_el.get("ref"), text=value)
    return value
