"""The fast workbook reader (shiwu_lib/returns/xlsx.py) against openpyxl, the reference.

``parse_workbook(path)`` reads cells with the small expat-based reader; ``reader='openpyxl'``
reads them with ``openpyxl.load_workbook(data_only=False)`` as before. Every workbook here is
parsed both ways and must give the same ParsedReturn (metadata and every row, with dtypes) or
the same rejection lines: templates and filled returns (inline and shared strings), dates,
percent formats, formulas (plain, array, shared), merged ranges, hidden sheets, and XML that
openpyxl never writes but Excel, LibreOffice or WPS may (``t="d"``, ``t="e"``, rich text runs,
cells and rows without ``r``, the 1904 date system), then the demo workbooks in data/demo.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest

from returns_helpers import ROOT, fill, hermetic

PERIOD = "2025Q2"
TODAY = dt.date(2025, 7, 8)
F = f"扩投资_{PERIOD}.xlsx"
IND_SHEET = "xl/worksheets/sheet2.xml"     # 主要指标进度表 in the template's order
PROB_SHEET = "xl/worksheets/sheet4.xml"
CARRIED = "p01-2025Q1-01"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("xlsx-reader")
    with hermetic(base) as data:
        from shiwu_lib.returns.template import write_template

        blank = write_template(1, PERIOD, base / "blank.xlsx", bases={}, problems=[
            {"problem_id": CARRIED, "problem_text": "用地报批进度滞后", "due": "2025-09-30", "responsible": "自规局"}])
        good = fill(blank, base / "good" / F, PERIOD,
                    ind={"p01_fai_growth": {"actual": 12.5, "remark": "同比", "confirm": "否"},
                         "p01_fai": {"actual": 250, "unit": "亿元"},
                         "p01_major_project_investment": {"actual": 1800000, "unit": "万元"}},
                    tasks={"p01-t01": {"status": "推进中", "progress_pct": 50, "progress_text": "按序时推进"},
                           "p01-t02": {"status": "已完成", "progress_pct": 100}},
                    problems={CARRIED: {"progress_text": "已召开协调会", "struck_off": "否"}},
                    new_problems=[{"problem_text": "资金缺口", "due": dt.date(2025, 12, 31), "responsible": "财政局"}])
        yield {"base": base, "data": data, "blank": blank, "good": good}


def both(path, file_name=None, **kw):
    """(openpyxl result, xlsx result): each a tuple of metadata and frames, or the rejection lines."""
    from shiwu_lib.returns.ingest import WorkbookRejected, parse_workbook

    kw = {"reference": {}, "today": TODAY, **kw}
    out = []
    for reader in ("openpyxl", "xlsx"):
        try:
            p = parse_workbook(path, file_name=file_name, reader=reader, **kw)
        except WorkbookRejected as exc:
            out.append([(e.kind, e.sheet, e.cell, str(e)) for e in exc.errors])
            continue
        out.append((p.project_no, p.period_label, p.region, p.sha256, p.file_name, p.sheets_present,
                    p.template_version, p.rows, p.actuals, p.task_progress, p.problems))
    return out


def assert_same(path, **kw):
    a, b = both(path, **kw)
    if isinstance(a, list) or isinstance(b, list):
        assert isinstance(a, list) and isinstance(b, list), (a, b)
        assert sorted(a) == sorted(b), f"openpyxl:\n{a}\nxlsx:\n{b}"
        return a
    assert a[:8] == b[:8]
    for x, y in zip(a[8:], b[8:]):
        assert list(x.columns) == list(y.columns) and list(x.dtypes) == list(y.dtypes), (x.dtypes, y.dtypes)
        assert x.equals(y), f"openpyxl:\n{x.to_dict('records')}\nxlsx:\n{y.to_dict('records')}"
    return b


def rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy the package ``src`` to ``dst`` with ``edit(name, text) -> text`` applied to each XML part."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            body = zi.read(info.filename)
            if info.filename.endswith((".xml", ".rels")):
                text = edit(info.filename, body.decode("utf-8"))
                body = text.encode("utf-8")
            zo.writestr(info, body)
    return dst


def _edited(good, tmp_path, name: str, edits) -> Path:
    """``good`` rewritten with every edit of ``edits`` (functions (part name, text) -> text) applied in
    turn, into a folder named after the case."""
    def edit(n, t):
        for e in edits:
            t = e(n, t)
        return t
    return rewrite(good, tmp_path / re.sub(r"\W", "_", name) / F, edit)


def set_cell(part: str, ref: str, xml: str):
    """An edit replacing (or adding) the cell ``ref`` of ``part`` by ``<c r=ref …>``."""
    row = int(re.sub(r"[A-Z]+", "", ref))

    def edit(name, text):
        if name != part:
            return text
        cell = f'<c r="{ref}"{xml}'
        text, n = re.subn(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', lambda m: cell, text, count=1, flags=re.S)
        if n:
            return text
        m = re.search(rf'<row r="{row}"[^>]*>', text)
        assert m, (part, ref)
        end = text.index("</row>", m.end())
        return text[:end] + cell + text[end:]
    return edit


_INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>', re.S)


def to_shared_strings(src: Path, dst: Path) -> Path:
    """The package with every inline string moved into xl/sharedStrings.xml (as Excel saves it).

    Each string becomes a rich-text entry with a phonetic run (not part of the text) every third
    time, and the table holds a string with openpyxl's ``x005F_`` escape quirk.
    """
    table: list[str] = ["<t>x005F_x000D_ 未用</t>"]

    def to_ref(m):
        attrs, rest, inner = m.group(1), m.group(2), m.group(3)
        k = len(table)
        if k % 3 == 0:
            inner = f"{inner}<rPh sb=\"0\" eb=\"1\"><t>pinyin</t></rPh>"
        table.append(inner)
        return f'<c {attrs}t="s"{rest}><v>{k}</v></c>'

    def edit(name, text):
        if name.startswith("xl/worksheets/"):
            return _INLINE.sub(to_ref, text)
        if name == "[Content_Types].xml":
            return text.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                "vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>")
        if name == "xl/_rels/workbook.xml.rels":
            return text.replace("</Relationships>", '<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/'
                                'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        return text

    rewrite(src, dst, edit)
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
           f'spreadsheetml/2006/main" count="{len(table)}" uniqueCount="{len(table)}">'
           + "".join(f"<si>{t}</si>" for t in table) + "</sst>")
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", sst)
    return dst


def refs(sheet_cols, key, row):
    from shiwu_lib.returns.xlsx import get_column_letter

    return f"{get_column_letter([c.key for c in sheet_cols].index(key) + 1)}{row}"


def row_of_id(path, sheet, ident):
    from openpyxl import load_workbook

    ws = load_workbook(path)[sheet]
    for row in ws.iter_rows(min_row=5):
        for c in row:
            if c.value == ident:
                return c.row
    raise KeyError(ident)


# --------------------------------------------------------------------------- templates and filled returns
def test_blank_and_filled_templates_read_the_same(world, tmp_path):
    from shiwu_lib.returns.template import write_template

    assert_same(world["blank"], file_name=F)          # inline strings (the template writer)
    got = assert_same(world["good"])                  # shared strings (saved again by openpyxl)
    assert got[7] == {"actuals": 3, "task_progress": 2, "problems": 2}
    with zipfile.ZipFile(world["good"]) as z:
        assert 'inlineStr' in z.read(IND_SHEET).decode()
    # Excel, LibreOffice and WPS write a shared string table instead
    shared = to_shared_strings(world["good"], tmp_path / "shared" / F)
    with zipfile.ZipFile(shared) as z:
        assert "xl/sharedStrings.xml" in z.namelist() and "<is>" not in z.read(IND_SHEET).decode()
    assert assert_same(shared)[7] == got[7]
    for pn in (2, 5, 10):
        p = write_template(pn, "2024Q4", tmp_path / f"p{pn}.xlsx", bases={}, problems=[])
        assert_same(p)


def test_values_dates_and_formats_match_openpyxl(world, tmp_path):
    """The checks that need cell types and number formats see what openpyxl saw."""
    from openpyxl.worksheet.formula import ArrayFormula

    p = world["good"]
    r_fai = row_of_id(p, "主要指标进度表", "p01_fai")

    def pct(wb):
        ws = wb["主要指标进度表"]
        ws.cell(r_fai, 12).number_format = "0.0%"        # a custom percent format (numFmts)
        ws.cell(r_fai, 12).value = 0.3
        ws.cell(r_fai + 1, 12).number_format = "0%"      # a built-in one (id 9)
        ws.cell(r_fai + 1, 12).value = 0.25
    lines = assert_same(fill(p, tmp_path / "pct" / F, PERIOD, mutate=pct))
    assert [k for k, *_ in lines].count("pct_formatted") == 2

    def date_and_bool(wb):
        ws = wb["主要指标进度表"]
        ws.cell(r_fai, 12).value = dt.datetime(2025, 6, 30)
        ws.cell(r_fai, 12).number_format = "yyyy-mm-dd"
        ws.cell(r_fai + 1, 12).value = True
        ws["A40"] = dt.time(12, 30)
    lines = assert_same(fill(p, tmp_path / "date" / F, PERIOD, mutate=date_and_bool))
    assert any("is a date, not a number" in line for *_, line in lines)

    def formulas(wb):
        ws = wb["主要指标进度表"]
        ws.cell(r_fai, 12).value = "=SUM(G5:J5)"
        ws["N6"] = ArrayFormula("N6:N6", "=SUM(G6:J6*2)")
        wb["重点任务进度表"]["I5"] = "  =1+1"
    lines = assert_same(fill(p, tmp_path / "formula" / F, PERIOD, mutate=formulas))
    assert [k for k, *_ in lines].count("formula") == 3

    def merged(wb):
        wb["主要指标进度表"].merge_cells(f"L{r_fai}:N{r_fai + 1}")
        wb["问题销号进度表"].merge_cells("C6:D6")
    lines = assert_same(fill(p, tmp_path / "merged" / F, PERIOD, mutate=merged))
    assert [k for k, *_ in lines].count("merged_cells") == 2

    def hidden(wb):
        wb["主要指标进度表"].sheet_state = "hidden"
        wb["重点任务进度表"].sheet_state = "veryHidden"
        wb["_meta"].sheet_state = "visible"
        wb["重点任务进度表"].protection.sheet = False
    assert isinstance(assert_same(fill(p, tmp_path / "hidden" / F, PERIOD, mutate=hidden)), tuple)

    def far_cells(wb):
        wb["主要指标进度表"]["AN1999"] = "x"
        wb["问题销号进度表"]["C30"] = "新问题"
        wb["问题销号进度表"]["D30"] = 45900          # a plain number where a date is expected
    assert_same(fill(p, tmp_path / "far" / F, PERIOD, mutate=far_cells))


def test_xml_that_openpyxl_never_writes_reads_the_same(world, tmp_path):
    """Constructs of other producers (Excel, LibreOffice, WPS), made by editing the package."""
    good = world["good"]
    r_fai = row_of_id(good, "主要指标进度表", "p01_fai")
    r_new = row_of_id(good, "问题销号进度表", "资金缺口")
    L, D = f"L{r_fai}", f"D{r_new}"
    cases = {
        # a shared formula: the master and a copy that only refers to it
        "shared formula": [set_cell(IND_SHEET, L, '><f t="shared" ref="L5:L9" si="0">G5*2</f><v>1</v></c>'),
                           set_cell(IND_SHEET, f"L{r_fai + 1}", '><f t="shared" si="0"/><v>2</v></c>')],
        "formula string result": [set_cell(IND_SHEET, L, ' t="str"><f>A1&amp;"x"</f><v>ax</v></c>')],
        "error value": [set_cell(IND_SHEET, L, ' t="e"><v>#N/A</v></c>')],
        "ISO date cell": [set_cell(PROB_SHEET, D, ' t="d"><v>2025-11-30</v></c>')],
        "ISO date in a value cell": [set_cell(IND_SHEET, L, ' t="d"><v>2025-11-30T00:00:00</v></c>')],
        "boolean": [set_cell(IND_SHEET, L, ' t="b"><v>1</v></c>')],
        "rich text runs": [set_cell(IND_SHEET, f"N{r_fai}",
                                    ' t="inlineStr"><is><r><rPr><b/></rPr><t>按</t></r><r><t xml:space="preserve">序时 推进</t></r></is></c>')],
        "number as text": [set_cell(IND_SHEET, L, ' t="inlineStr"><is><t>1,250.5</t></is></c>')],
        "float exponent": [set_cell(IND_SHEET, L, '><v>2.5E2</v></c>')],
        "cell without r": [lambda n, t: t.replace(f'<c r="{L}"', '<c', 1) if n == IND_SHEET else t],
        "1904 dates": [lambda n, t: t.replace("<workbookPr/>", '<workbookPr date1904="1"/>')
                       if n == "xl/workbook.xml" else t],
    }
    for name, edits in cases.items():
        path = _edited(good, tmp_path, name, edits)
        try:
            assert_same(path)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None


def test_broken_packages_are_unreadable_with_either_reader(world, tmp_path):
    from shiwu_lib.returns.ingest import WorkbookRejected, parse_workbook

    good = world["good"]
    cases = {
        "truncated sheet XML": lambda n, t: t[: len(t) // 2] if n == "xl/worksheets/sheet3.xml" else t,
        "truncated guide sheet": lambda n, t: t[: len(t) // 2] if n == "xl/worksheets/sheet1.xml" else t,
        "shared string out of range": set_cell(IND_SHEET, "L5", ' t="s"><v>99999</v></c>'),
        "NaN number": set_cell(IND_SHEET, "L5", '><v>NaN</v></c>'),
        "style out of range": set_cell(IND_SHEET, "L5", ' s="999"><v>1</v></c>'),
    }
    for name, edit in cases.items():
        path = rewrite(good, tmp_path / re.sub(r"\W", "_", name) / F, edit)
        for reader in ("openpyxl", "xlsx"):
            with pytest.raises(WorkbookRejected) as exc:
                parse_workbook(path, reference={}, today=TODAY, reader=reader)
            kinds = [e.kind for e in exc.value.errors]
            assert kinds == ["unreadable"], (name, reader, [str(e) for e in exc.value.errors])
            line = str(exc.value.errors[0])
            assert line.startswith(f"{F}: the workbook cannot be read (") and "\n" not in line, line


def test_the_guide_sheet_is_not_read_cell_by_cell_but_must_be_well_formed(world):
    from shiwu_lib.returns import ingest, xlsx

    with zipfile.ZipFile(world["good"]) as z:
        parts = ingest._scan_package(ingest._Collector(F), z)
    book = xlsx.load(parts, sheets=("主要指标进度表",))
    assert book.sheetnames == ["填报说明", "主要指标进度表", "重点任务进度表", "问题销号进度表", "_meta"]
    assert book["填报说明"].existing_cells() == [] and book["主要指标进度表"].existing_cells()
    assert book["_meta"].sheet_state == "hidden" and book["主要指标进度表"].protected


# --------------------------------------------------------------------------- the helpers openpyxl has too
def test_date_and_format_rules_are_openpyxl_s():
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

    from shiwu_lib.returns import xlsx

    assert xlsx.BUILTIN_FORMATS == BUILTIN_FORMATS
    codes = list(BUILTIN_FORMATS.values()) + ["yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "[$-804]yyyy/m/d", "0.0%", "[h]:mm",
                                              "[Red]0.00", '"d"0', r"\d0", "_d0", "General;[Red]-0", "[mm]:ss.0"]
    for code in codes:
        assert xlsx.is_date_format(code) == is_date_format(code), code
        assert xlsx.is_timedelta_format(code) == is_timedelta_format(code), code
    for serial in (0, 0.5, 1, 59, 60, 61, 45838, 45838.75, 2958465.999, -1, 1e-9):
        for ours, theirs in ((xlsx.WINDOWS_EPOCH, CALENDAR_WINDOWS_1900), (xlsx.MAC_EPOCH, CALENDAR_MAC_1904)):
            for td in (False, True):
                try:
                    want = from_excel(serial, theirs, timedelta=td)
                except (OverflowError, ValueError) as exc:
                    with pytest.raises(type(exc)):
                        xlsx.from_excel(serial, ours, timedelta=td)
                    continue
                assert xlsx.from_excel(serial, ours, timedelta=td) == want, (serial, td)
    for text in ("2025-09-30", "2025-09-30T08:15:00", "2025-09-30T08:15:00.5Z", "08:15", "PT1H30M"):
        assert xlsx.from_iso8601(text) == from_ISO8601(text), text
    assert [xlsx.get_column_letter(i) for i in range(1, 18279)] == [get_column_letter(i) for i in range(1, 18279)]
    assert all(xlsx.column_index(xlsx.get_column_letter(i)) == i for i in (1, 26, 27, 702, 703, 16384))


# --------------------------------------------------------------------------- the demo workbooks
def test_demo_workbooks_read_the_same(world):
    """Every 4th workbook of the newest demo cache (data/demo, git-ignored: skipped when absent)."""
    dirs = sorted((ROOT / "data" / "demo").glob("*/"), key=lambda d: d.stat().st_mtime)
    files = sorted(dirs[-1].glob("*.xlsx")) if dirs else []
    if not files:
        pytest.skip("no demo workbooks cached in data/demo (they are written by `shiwu build`)")
    for f in files[::4]:
        try:
            assert_same(f, strict=False, source_type="demo")
        except AssertionError as exc:
            raise AssertionError(f"{f.name}: {exc}") from None


# --------------------------------------------------------------------------- attributes, rows and cells as others write them
_CELL_XML = re.compile(r'<c r="[A-Z]+\d+"[^>]*?(?:/>|>.*?</c>)', re.S)


def _edit_row(part: str, row: int, change):
    """An edit applying ``change(list of cell XML) -> list`` to the cells of row ``row`` of ``part``."""
    def edit(name, text):
        if name != part:
            return text
        m = re.search(rf'(<row r="{row}"[^>]*>)(.*?)(</row>)', text, flags=re.S)
        assert m, (part, row)
        cells = _CELL_XML.findall(m.group(2))
        assert "".join(cells) == m.group(2), "a row of plain cells"
        return text[:m.start(2)] + "".join(change(cells)) + text[m.end(2):]
    return edit


def test_rows_cells_and_styles_written_in_other_forms_read_the_same(world, tmp_path):
    """Row numbers and style ids not written as plain numbers, cells and rows out of order, empty
    row elements, values outside the layout, inline strings with references: as openpyxl reads them."""
    good = world["good"]
    r_fai = row_of_id(good, "主要指标进度表", "p01_fai")
    L = f"L{r_fai}"

    def swap_rows(n, t):   # row r_fai written after row r_fai + 1
        if n != IND_SHEET:
            return t
        a = re.search(rf'<row r="{r_fai}"[^>]*>.*?</row>', t, flags=re.S)
        b = re.search(rf'<row r="{r_fai + 1}"[^>]*>.*?</row>', t, flags=re.S)
        return t[:a.start()] + b.group(0) + a.group(0) + t[b.end():]

    cases = {
        "row number with a leading zero": [lambda n, t: t.replace(f'<row r="{r_fai}"', f'<row r="0{r_fai}"', 1)
                                           if n == IND_SHEET else t],
        "row number as a float": [lambda n, t: t.replace(f'<row r="{r_fai}"', f'<row r="{r_fai}.0"', 1)
                                  if n == IND_SHEET else t],
        "style id with a leading zero": [lambda n, t: re.sub(rf'(<c r="{L}" s=")(\d+)"', r'\g<1>0\g<2>"', t, count=1)
                                         if n == IND_SHEET else t],
        "cells of a row in reverse order": [_edit_row(IND_SHEET, r_fai, lambda cells: cells[::-1])],
        "rows out of order": [swap_rows],
        "empty row elements": [lambda n, t: t.replace("</sheetData>", '<row r="60"/><row r="61"></row><row/></sheetData>')
                               if n == IND_SHEET else t],
        "rows without r after an empty row": [lambda n, t: t.replace("</sheetData>", '<row/><row><c t="inlineStr">'
                                              '<is><t>x</t></is></c></row></sheetData>') if n == PROB_SHEET else t],
        "a value right of the layout": [set_cell(IND_SHEET, f"P{r_fai}", ' t="inlineStr"><is><t>备注</t></is></c>')],
        "a number right of the layout, far below": [lambda n, t: t.replace(
            "</sheetData>", '<row r="1500"><c r="AA1500"><v>7</v></c></row></sheetData>') if n == IND_SHEET else t],
        "inline string with references": [set_cell(IND_SHEET, f"N{r_fai}",
                                           ' t="inlineStr"><is><t xml:space="preserve"> &#25353;&amp;&lt;序时&gt; </t></is></c>')],
        "inline string that is a formula": [set_cell(IND_SHEET, f"N{r_fai}",
                                            ' t="inlineStr"><is><t>&#32;=SUM(A1:A2)</t></is></c>')],
        "text with = inside": [set_cell(IND_SHEET, f"N{r_fai}", ' t="inlineStr"><is><t>a=b</t></is></c>')],
        "empty inline string": [set_cell(IND_SHEET, f"N{r_fai}", ' t="inlineStr"><is><t/></is></c>')],
    }
    marks = {"row number with a leading zero": f'<row r="0{r_fai}"', "row number as a float": f'<row r="{r_fai}.0"',
             "style id with a leading zero": f'<c r="{L}" s="0', "rows out of order": f'<row r="{r_fai + 1}"'}
    kinds = {}
    for name, edits in cases.items():
        path = _edited(good, tmp_path, name, edits)
        with zipfile.ZipFile(path) as z:
            sheet = z.read(IND_SHEET).decode()
        assert marks.get(name, "") in sheet, name          # the edit was made
        if name == "rows out of order":
            assert sheet.index(f'<row r="{r_fai + 1}"') < sheet.index(f'<row r="{r_fai}"'), name
        try:
            got = assert_same(path)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
        kinds[name] = sorted({k for k, *_ in got}) if isinstance(got, list) else "accepted"
    # the cases do what they say (each is read, and the ones outside the layout are caught)
    assert kinds["a value right of the layout"] == ["extra_column"], kinds
    assert kinds["a number right of the layout, far below"] == ["extra_column"], kinds
    assert kinds["inline string that is a formula"] == ["formula"], kinds
    for name in ("row number with a leading zero", "style id with a leading zero", "cells of a row in reverse order",
                 "rows out of order", "empty row elements", "inline string with references", "text with = inside",
                 "empty inline string"):
        assert kinds[name] == "accepted", (name, kinds[name])


def test_the_garbage_collector_is_resumed_after_each_workbook(world, tmp_path):
    """parse_workbook pauses the cyclic collector while it reads, and restores the state it found."""
    import gc

    from shiwu_lib.returns.ingest import WorkbookRejected, parse_workbook

    broken = rewrite(world["good"], tmp_path / "broken" / F, set_cell(IND_SHEET, "L5", ' t="s"><v>99999</v></c>'))
    assert gc.isenabled()
    parse_workbook(world["good"], reference={}, today=TODAY)
    assert gc.isenabled()
    with pytest.raises(WorkbookRejected):
        parse_workbook(broken, reference={}, today=TODAY)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_workbook(world["good"], reference={}, today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()
