"""Broken workbooks are rejected with precise errors, and a rejection changes nothing.

Each case breaks a correctly filled return in one way and lists the exact errors expected
(sheet, cell, value, message). After every ingest the data directory and the store file are
hashed: they must be byte-for-byte what they were before.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from openpyxl import load_workbook

from returns_helpers import build_store, col, fill, hermetic, row_of, tree_hash

PERIOD = "2025Q2"
TODAY = dt.date(2025, 7, 8)
F = f"扩投资_{PERIOD}.xlsx"
CARRIED = "p01-2025Q1-01"
SHEETS = "填报说明、主要指标进度表、重点任务进度表、问题销号进度表"
NOUNIT: list[str] = []   # an indicator of project 1 whose unit the catalog leaves empty


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A temporary data dir and built store (demo off), a blank template and its row numbers."""
    base = tmp_path_factory.mktemp("rejects")
    with hermetic(base) as data:
        from shiwu_lib import paths
        from shiwu_lib.returns import common, layout
        from shiwu_lib.returns.template import write_template

        build_store(demo=False)
        blank = write_template(1, PERIOD, base / "blank.xlsx", problems=[
            {"problem_id": CARRIED, "problem_text": "用地报批进度滞后", "due": "2025-09-30", "responsible": "自规局"}])
        p = common.parse_period(PERIOD)
        inds = common.project_indicators(1)
        NOUNIT[:] = list(inds[inds["unit"] == ""]["indicator_id"])[:1]
        wb = load_workbook(blank)
        ic, tc, pc = layout.ind_columns(p), layout.task_columns(p), layout.prob_columns(p)
        rows = {
            "fai_growth": row_of(wb["主要指标进度表"], col(ic, "indicator_id"), "p01_fai_growth"),
            "fai": row_of(wb["主要指标进度表"], col(ic, "indicator_id"), "p01_fai"),
            "mpi": row_of(wb["主要指标进度表"], col(ic, "indicator_id"), "p01_major_project_investment"),
            "bond": row_of(wb["主要指标进度表"], col(ic, "indicator_id"), NOUNIT[0]),
            "last_ind": wb["主要指标进度表"].max_row,
            "t01": row_of(wb["重点任务进度表"], col(tc, "task_id"), "p01-t01"),
            "t02": row_of(wb["重点任务进度表"], col(tc, "task_id"), "p01-t02"),
            "carried": row_of(wb["问题销号进度表"], col(pc, "problem_id"), CARRIED),
        }
        yield {"base": base, "data": data, "blank": blank, "rows": rows, "db": paths.db_path(),
               "ic": ic, "tc": tc, "pc": pc}


BASE_IND = {"p01_fai_growth": {"actual": 12.5}, "p01_fai": {"actual": 250},
            "p01_major_project_investment": {"actual": 180}}
BASE_TASKS = {"p01-t01": {"status": "推进中", "progress_pct": 50, "progress_text": "按序时推进"}}
BASE_PROBS = {CARRIED: {"progress_text": "已召开协调会", "struck_off": "否"}}


def L(cols, key):
    from openpyxl.utils import get_column_letter

    return get_column_letter(col(cols, key))


def make(w, tmp, name=F, ind=None, tasks=None, problems=None, new_problems=None, mutate=None):
    i = {k: dict(v) for k, v in BASE_IND.items()}
    for k, v in (ind or {}).items():
        i.setdefault(k, {}).update(v)
    t = {k: dict(v) for k, v in BASE_TASKS.items()}
    for k, v in (tasks or {}).items():
        t.setdefault(k, {}).update(v)
    pr = {k: dict(v) for k, v in BASE_PROBS.items()}
    for k, v in (problems or {}).items():
        pr.setdefault(k, {}).update(v)
    return fill(w["blank"], tmp / name, PERIOD, ind=i, tasks=t, problems=pr, new_problems=new_problems, mutate=mutate)


# --------------------------------------------------------------------------- cases
# each returns (path, [(sheet, cell, value, message), ...])
def c_empty_file(w, tmp):
    p = tmp / F
    p.write_bytes(b"")
    return p, [(None, None, 0, f"{F}: the file is empty (0 bytes) (expected an .xlsx workbook)")]


def c_not_xlsx(w, tmp):
    p = tmp / F
    p.write_text("指标,进展\n固定资产投资增速,12.5\n", encoding="utf-8")
    return p, [(None, None, p.read_bytes()[:8].hex(),
                f"{F}: the file is not an .xlsx workbook (expected the .xlsx workbook made by `shiwu template`)")]


def c_old_xls_or_password(w, tmp):
    p = tmp / F
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    return p, [(None, None, "d0cf11e0a1b11ae1",
                f"{F}: the file is an old-format .xls or a password-protected workbook "
                "(expected an .xlsx workbook without password: save it as .xlsx)")]


def c_bad_extension(w, tmp):
    name = f"扩投资_{PERIOD}.xls"
    p = make(w, tmp, name=name)
    return p, [(None, None, name, f"{name}: the file name does not end in .xlsx (expected the .xlsx workbook made by "
                                  "`shiwu template`; .xls, .et, .csv are not accepted)")]


def c_too_large(w, tmp):
    # the limit (5 MB) is lowered for the test instead of writing a 5 MB file
    p = make(w, tmp)
    size = p.stat().st_size
    return p, [(None, None, size, f"{F}: the file has {size} bytes (expected at most 10000 bytes; a filled return is ~30 KB)")]


def c_missing_sheet(w, tmp):
    p = make(w, tmp, mutate=lambda wb: wb.remove(wb["重点任务进度表"]))
    return p, [("重点任务进度表", None, None,
                f"{F} 重点任务进度表: sheet is missing (expected the sheets {SHEETS}; do not rename or delete sheets)")]


def c_renamed_sheet(w, tmp):
    def ren(wb):
        wb["问题销号进度表"].title = "问题表"
    p = make(w, tmp, mutate=ren)
    return p, [
        ("问题销号进度表", None, None, f"{F} 问题销号进度表: sheet is missing (expected the sheets {SHEETS}; do not rename or delete sheets)"),
        ("问题表", None, "问题表", f"{F} 问题表: unexpected sheet '问题表' (expected only {SHEETS}; do not add or rename sheets)"),
    ]


def c_extra_sheet(w, tmp):
    p = make(w, tmp, mutate=lambda wb: wb.create_sheet("Sheet1"))
    return p, [("Sheet1", None, "Sheet1", f"{F} Sheet1: unexpected sheet 'Sheet1' (expected only {SHEETS}; do not add or rename sheets)")]


def c_missing_meta(w, tmp):
    p = make(w, tmp, mutate=lambda wb: wb.remove(wb["_meta"]))
    return p, [("_meta", None, None, f"{F} _meta: the hidden metadata sheet is missing (expected a workbook made by `shiwu template`)")]


def c_template_version(w, tmp):
    def mut(wb):
        wb["_meta"]["B3"] = "0"
    p = make(w, tmp, mutate=mut)
    return p, [("_meta", "B3", "0", f"{F} _meta!B3: template version '0' is not supported (expected 2: download a new template)")]


def c_bad_period(w, tmp):
    def mut(wb):
        wb["_meta"]["B6"] = "2025Q5"
    p = make(w, tmp, mutate=mut)
    return p, [("_meta", "B6", "2025Q5", f"{F} _meta!B6: '2025Q5' is not a quarter label (expected a quarter such as 2025Q2)")]


def c_future_period(w, tmp):
    from shiwu_lib.returns.template import write_template

    name = "扩投资_2027Q1.xlsx"
    blank = write_template(1, "2027Q1", tmp / "b2027.xlsx", problems=[])
    p = fill(blank, tmp / name, "2027Q1", ind={"p01_fai_growth": {"actual": 10}})
    return p, [("_meta", "B6", "2027Q1", f"{name} _meta!B6: period 2027Q1 has not started yet "
                                         "(expected a finished quarter or the current one, 2025Q3 or earlier)")]


def c_period_filename_mismatch(w, tmp):
    name = "扩投资_2025Q1.xlsx"
    p = make(w, tmp, name=name)
    return p, [("_meta", "B6", "2025Q1", f"{name} _meta!B6: the file name says 2025Q1 but the workbook is for 2025Q2 "
                                         "(expected the file name and the workbook's period to agree: rename the file or use the 2025Q1 template)")]


def c_project_filename_mismatch(w, tmp):
    name = "先进制造_2025Q2.xlsx"
    p = make(w, tmp, name=name)
    return p, [("_meta", "B4", "先进制造", f"{name} _meta!B4: the file name names project 2 (先进制造) but the workbook is for project 1 "
                                         "(扩投资) (expected the file name and the workbook's project to agree)")]


def c_header_renamed(w, tmp):
    k = L(w["ic"], "actual")
    exp = w["ic"][col(w["ic"], "actual") - 1].header

    def mut(wb):
        wb["主要指标进度表"][f"{k}4"] = "进展"
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"{k}4", "进展", f"{F} 主要指标进度表!{k}4: the header is '进展' (expected {exp!r}: do not rename, insert or move columns)"),
               ("主要指标进度表", None, None, f"{F} 主要指标进度表: column {exp!r} is missing (expected the template's columns "
                + "、".join(c.header for c in w["ic"]) + ")")]


def c_column_deleted(w, tmp):
    def mut(wb):
        ws = wb["问题销号进度表"]
        ws.unmerge_cells("A1:G1")
        ws.unmerge_cells("A2:G2")
        ws.delete_cols(5)  # 进展情况
    p = make(w, tmp, mutate=mut)
    hdr = [c.header for c in w["pc"]]
    return p, [
        ("问题销号进度表", "E4", "责任单位", f"{F} 问题销号进度表!E4: the header is '责任单位' (expected '进展情况': do not rename, insert or move columns)"),
        ("问题销号进度表", "F4", "已销号（是/否）", f"{F} 问题销号进度表!F4: the header is '已销号（是/否）' (expected '责任单位': do not rename, insert or move columns)"),
        ("问题销号进度表", "G4", None, f"{F} 问题销号进度表!G4: the header is empty (expected '已销号（是/否）': do not delete, insert or move columns)"),
        ("问题销号进度表", None, None, f"{F} 问题销号进度表: column '进展情况' is missing (expected the template's columns {'、'.join(hdr)})"),
    ]


def c_extra_column(w, tmp):
    r = w["rows"]["fai"]

    def mut(wb):
        wb["主要指标进度表"][f"P{r}"] = "备注：含土地款"
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"P{r}", "备注：含土地款", f"{F} 主要指标进度表!P{r}: unexpected value '备注：含土地款' right of the template's "
                                                       "last column O (expected no extra columns)")]


def c_merged_cells(w, tmp):
    r = w["rows"]["fai"]
    a, b = L(w["ic"], "remark"), L(w["ic"], "responsible")

    def mut(wb):
        wb["主要指标进度表"].merge_cells(f"{a}{r}:{b}{r}")
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"{a}{r}:{b}{r}", None, f"{F} 主要指标进度表!{a}{r}:{b}{r}: merged cells {a}{r}:{b}{r} in the data area "
                                                     "(expected one value per cell: unmerge them)")]


def c_formula(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["mpi"]
    p = make(w, tmp, ind={"p01_major_project_investment": {"actual": "=90*2"}})
    return p, [("主要指标进度表", f"{k}{r}", "=90*2", f"{F} 主要指标进度表!{k}{r}: '=90*2' is a formula (expected a typed value: copy and paste as values)")]


def c_text_in_number(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["fai_growth"]
    p = make(w, tmp, ind={"p01_fai_growth": {"actual": "三十"}})
    return p, [("主要指标进度表", f"{k}{r}", "三十", f"{F} 主要指标进度表!{k}{r}: '三十' is not a number (expected a percentage, e.g. 30)")]


def c_pct_text(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["fai_growth"]
    p = make(w, tmp, ind={"p01_fai_growth": {"actual": "30%"}})
    return p, [("主要指标进度表", f"{k}{r}", "30%", f"{F} 主要指标进度表!{k}{r}: '30%' is a percentage written as text "
                                               "(expected a percentage, e.g. 30: type 30 without the % sign)")]


def c_pct_formatted(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["fai_growth"]

    def mut(wb):
        wb["主要指标进度表"][f"{k}{r}"].number_format = "0%"
    p = make(w, tmp, ind={"p01_fai_growth": {"actual": 0.3}}, mutate=mut)
    return p, [("主要指标进度表", f"{k}{r}", 0.3, f"{F} 主要指标进度表!{k}{r}: 0.3 is formatted as a percentage (the cell shows 30%) "
                                             "(expected a percentage, e.g. 30: type 30 without the % sign)")]


def c_number_with_unit(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"actual": "250亿元"}})
    return p, [("主要指标进度表", f"{k}{r}", "250亿元", f"{F} 主要指标进度表!{k}{r}: '250亿元' has a unit or text after the number "
                                                  "(expected a number in 亿元: the number only; the unit goes in 单位)")]


def c_unknown_unit(w, tmp):
    e, r = L(w["ic"], "unit"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"unit": "亿"}})
    return p, [("主要指标进度表", f"{e}{r}", "亿", f"{F} 主要指标进度表!{e}{r}: '亿' is not a known unit (expected 亿元、万亿元、万元、元)")]


def c_wrong_unit(w, tmp):
    e, r = L(w["ic"], "unit"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"unit": "万亩"}})
    return p, [("主要指标进度表", f"{e}{r}", "万亩", f"{F} 主要指标进度表!{e}{r}: '万亩' is not a unit of this indicator "
                                              "(expected 亿元 or a unit convertible to it: 亿元、万亿元、万元、元)")]


def c_unit_missing(w, tmp):
    e, r = L(w["ic"], "unit"), w["rows"]["bond"]
    p = make(w, tmp, ind={NOUNIT[0]: {"actual": 35}})
    return p, [("主要指标进度表", f"{e}{r}", None, f"{F} 主要指标进度表!{e}{r}: the value has no unit (expected a unit in 单位, e.g. 亿元、个、%)")]


def c_unknown_indicator(w, tmp):
    c, r = L(w["ic"], "indicator_id"), w["rows"]["mpi"]

    def mut(wb):
        wb["主要指标进度表"][f"{c}{r}"] = "p01_major_project_invest"
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"{c}{r}", "p01_major_project_invest", f"{F} 主要指标进度表!{c}{r}: 'p01_major_project_invest' is not an "
                                                                  "indicator of the catalog (expected the template's indicator ids; do not edit 指标编号)")]


def c_foreign_indicator(w, tmp):
    c, r = L(w["ic"], "indicator_id"), w["rows"]["mpi"]

    def mut(wb):
        wb["主要指标进度表"][f"{c}{r}"] = "p02_industrial_va_growth"
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"{c}{r}", "p02_industrial_va_growth", f"{F} 主要指标进度表!{c}{r}: 'p02_industrial_va_growth' belongs to "
                                                                  "project 2 (expected an indicator of project 1)")]


def c_duplicate_indicator(w, tmp):
    c, r1, r2 = L(w["ic"], "indicator_id"), w["rows"]["fai_growth"], w["rows"]["fai_growth"] + 1

    def mut(wb):
        wb["主要指标进度表"][f"{c}{r2}"] = "p01_fai_growth"
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"{c}{r2}", "p01_fai_growth", f"{F} 主要指标进度表!{c}{r2}: 'p01_fai_growth' appears twice, in rows {r1} and {r2} "
                                                        "(expected each indicator once)")]


def c_project_mismatch(w, tmp):
    r = w["rows"]["fai"]

    def mut(wb):
        wb["主要指标进度表"][f"A{r}"] = "二、“415X”先进制造业集群培育工程"
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"A{r}", "二、“415X”先进制造业集群培育工程",
                f"{F} 主要指标进度表!A{r}: '二、“415X”先进制造业集群培育工程' is another project "
                "(expected '一、扩投资优结构增动能工程': report each project in its own workbook)")]


def c_missing_id(w, tmp):
    r = w["rows"]["last_ind"] + 1
    c, k = L(w["ic"], "indicator_id"), L(w["ic"], "actual")

    def mut(wb):
        wb["主要指标进度表"][f"{k}{r}"] = 12
    p = make(w, tmp, mutate=mut)
    return p, [("主要指标进度表", f"{c}{r}", None, f"{F} 主要指标进度表!{c}{r}: the row has values but no 指标编号 "
                                              "(expected an indicator row of the template; do not add rows)")]


def c_negative_amount(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"actual": -5}})
    return p, [("主要指标进度表", f"{k}{r}", -5, f"{F} 主要指标进度表!{k}{r}: -5 is negative (expected an amount ≥ 0; a decrease is reported "
                                            "as a growth rate — if it is really negative, set 确认异常值 to 是 and explain in 说明)")]


def c_implausible_growth(w, tmp):
    k, r = L(w["ic"], "actual"), w["rows"]["fai_growth"]
    p = make(w, tmp, ind={"p01_fai_growth": {"actual": 150}})
    return p, [("主要指标进度表", f"{k}{r}", 150, f"{F} 主要指标进度表!{k}{r}: 150% is a growth rate beyond ±100% (expected between -100 and 100; "
                                             "if it is right, set 确认异常值 to 是 and explain in 说明)")]


def c_implausible_magnitude(w, tmp):
    from shiwu_lib.returns import common

    k, r = L(w["ic"], "actual"), w["rows"]["mpi"]
    tid = next(t["target_id"] for t in common.targets_by_indicator()["p01_major_project_investment"]
               if t["target_year"] == "2025" and float(t["value"]) == 350)
    p = make(w, tmp, ind={"p01_major_project_investment": {"actual": 1800000}})   # 万元 typed as 亿元
    return p, [("主要指标进度表", f"{k}{r}", 1800000, f"{F} 主要指标进度表!{k}{r}: 1800000 亿元 is 5.14e+03 times the target {tid} (350亿元) "
                                                 "(expected the same order of magnitude: check the unit, e.g. 万元 vs 亿元; "
                                                 "if it is right, set 确认异常值 to 是 and explain in 说明)")]


def c_confirm_without_reason(w, tmp):
    m, r = L(w["ic"], "remark"), w["rows"]["fai_growth"]
    p = make(w, tmp, ind={"p01_fai_growth": {"actual": 150, "confirm": "是"}})
    return p, [("主要指标进度表", f"{m}{r}", None, f"{F} 主要指标进度表!{m}{r}: 确认异常值 is 是 but 说明 is empty "
                                              "(expected the reason for the unusual value in 说明)")]


def c_bad_confirm_choice(w, tmp):
    x, r = L(w["ic"], "confirm"), w["rows"]["fai_growth"]
    p = make(w, tmp, ind={"p01_fai_growth": {"confirm": "Y"}})
    return p, [("主要指标进度表", f"{x}{r}", "Y", f"{F} 主要指标进度表!{x}{r}: 'Y' is not a choice of the list (expected one of 是、否)")]


# 基期值（2022年）: validated like 进展情况 (the row's 单位 and 确认异常值 apply to both)
def c_base_text(w, tmp):
    b, r = L(w["ic"], "base"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"base": "八百多"}})
    return p, [("主要指标进度表", f"{b}{r}", "八百多", f"{F} 主要指标进度表!{b}{r}: '八百多' is not a number "
                                                "(expected the 2022 value as a number in 亿元)")]


def _rewrite_number(path, old: str, new: str):
    """Replace a cell's stored number in the sheet XML (openpyxl cannot write 1E999; other producers can)."""
    import zipfile

    src = zipfile.ZipFile(path)
    items = [(i, src.read(i.filename)) for i in src.infolist()]
    src.close()
    hit = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, body in items:
            if info.filename.startswith("xl/worksheets/") and f"<v>{old}</v>".encode() in body:
                body = body.replace(f"<v>{old}</v>".encode(), f"<v>{new}</v>".encode())
                hit += 1
            dst.writestr(info, body)
    assert hit == 1
    return path


def c_base_not_finite(w, tmp):
    b, r = L(w["ic"], "base"), w["rows"]["fai"]
    p = _rewrite_number(make(w, tmp, ind={"p01_fai": {"base": 123456.125}}), "123456.125", "1E999")  # overflows to inf
    return p, [("主要指标进度表", f"{b}{r}", float("inf"), f"{F} 主要指标进度表!{b}{r}: inf is not a finite number "
                                                       "(expected the 2022 value as a number in 亿元)")]


def c_base_negative(w, tmp):
    b, r = L(w["ic"], "base"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"base": -880}})
    return p, [("主要指标进度表", f"{b}{r}", -880, f"{F} 主要指标进度表!{b}{r}: -880 is negative (expected an amount ≥ 0; a decrease is "
                                              "reported as a growth rate — if it is really negative, set 确认异常值 to 是 and explain in 说明)")]


def c_base_magnitude(w, tmp):
    b, r = L(w["ic"], "base"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"base": 9459000}})     # 945.9 亿元 typed in 万元: 9459000 / 3000 = 3153
    return p, [("主要指标进度表", f"{b}{r}", 9459000, f"{F} 主要指标进度表!{b}{r}: 9459000 亿元 is 3.15e+03 times the target p01-3y-03 "
                                                 "(3000亿元) (expected the same order of magnitude: check the unit, e.g. 万元 vs 亿元; "
                                                 "if it is right, set 确认异常值 to 是 and explain in 说明)")]


def c_base_for_growth_rate(w, tmp):
    b, r = L(w["ic"], "base"), w["rows"]["fai_growth"]
    p = make(w, tmp, ind={"p01_fai_growth": {"base": 9.1}})
    return p, [("主要指标进度表", f"{b}{r}", 9.1, f"{F} 主要指标进度表!{b}{r}: 9.1 is a 2022 base for a growth-rate indicator "
                                             "(expected '增速指标不填' as the template wrote it: growth rates are compared with "
                                             "their target rate and need no base)")]


def c_base_wrong_unit(w, tmp):
    e, r = L(w["ic"], "unit"), w["rows"]["mpi"]
    # only a base is typed in the row: the unit is checked all the same
    p = make(w, tmp, ind={"p01_major_project_investment": {"actual": None, "base": 330, "unit": "万亩"}})
    return p, [("主要指标进度表", f"{e}{r}", "万亩", f"{F} 主要指标进度表!{e}{r}: '万亩' is not a unit of this indicator "
                                              "(expected 亿元 or a unit convertible to it: 亿元、万亿元、万元、元)")]


def c_bad_status(w, tmp):
    g, r = L(w["tc"], "status"), w["rows"]["t01"]
    p = make(w, tmp, tasks={"p01-t01": {"status": "进行中"}})
    return p, [("重点任务进度表", f"{g}{r}", "进行中", f"{F} 重点任务进度表!{g}{r}: '进行中' is not a status of the list "
                                                "(expected one of 未启动、推进中、已完成、滞后)")]


def c_status_missing(w, tmp):
    g, r = L(w["tc"], "status"), w["rows"]["t02"]
    p = make(w, tmp, tasks={"p01-t02": {"progress_pct": 40}})
    return p, [("重点任务进度表", f"{g}{r}", None, f"{F} 重点任务进度表!{g}{r}: progress is reported but 状态 is empty "
                                              "(expected one of 未启动、推进中、已完成、滞后)")]


def c_progress_range(w, tmp):
    h, r = L(w["tc"], "progress_pct"), w["rows"]["t01"]
    p = make(w, tmp, tasks={"p01-t01": {"progress_pct": 120}})
    return p, [("重点任务进度表", f"{h}{r}", 120, f"{F} 重点任务进度表!{h}{r}: 120 is outside 0–100 (expected a progress percentage between 0 and 100)")]


def c_progress_inconsistent(w, tmp):
    h, r = L(w["tc"], "progress_pct"), w["rows"]["t01"]
    p = make(w, tmp, tasks={"p01-t01": {"status": "已完成", "progress_pct": 80}})
    return p, [("重点任务进度表", f"{h}{r}", 80, f"{F} 重点任务进度表!{h}{r}: 80 is below 100 for a task whose 状态 is 已完成 "
                                            "(expected 100, or another 状态)")]


def c_unknown_task(w, tmp):
    b, r = L(w["tc"], "task_id"), w["rows"]["t01"]

    def mut(wb):
        wb["重点任务进度表"][f"{b}{r}"] = "p01-t99"
    p = make(w, tmp, mutate=mut)
    return p, [("重点任务进度表", f"{b}{r}", "p01-t99", f"{F} 重点任务进度表!{b}{r}: 'p01-t99' is not a key task of project 1 "
                                                 "(expected the template's task ids; do not edit 任务编号)")]


def c_duplicate_task(w, tmp):
    b, r1, r2 = L(w["tc"], "task_id"), w["rows"]["t01"], w["rows"]["t02"]

    def mut(wb):
        wb["重点任务进度表"][f"{b}{r2}"] = "p01-t01"
    p = make(w, tmp, tasks={"p01-t02": {"status": "推进中"}}, mutate=mut)
    return p, [("重点任务进度表", f"{b}{r2}", "p01-t01", f"{F} 重点任务进度表!{b}{r2}: 'p01-t01' appears twice, in rows {r1} and {r2} "
                                                  "(expected each task once)")]


def c_duplicate_problem(w, tmp):
    b, r1 = L(w["pc"], "problem_id"), w["rows"]["carried"]
    r2 = r1 + 1
    p = make(w, tmp, new_problems=[{"problem_id": CARRIED, "problem_text": "重复", "due": dt.date(2025, 9, 30)}])
    return p, [("问题销号进度表", f"{b}{r2}", CARRIED, f"{F} 问题销号进度表!{b}{r2}: '{CARRIED}' appears twice, in rows {r1} and {r2} "
                                                 "(expected each problem once)")]


def c_problem_text_missing(w, tmp):
    c, r = L(w["pc"], "problem_text"), w["rows"]["carried"] + 1
    p = make(w, tmp, new_problems=[{"due": dt.date(2025, 9, 30), "progress_text": "协调中"}])
    return p, [("问题销号进度表", f"{c}{r}", None, f"{F} 问题销号进度表!{c}{r}: the row has values but 问题清单 is empty "
                                              "(expected the problem's description)")]


def c_due_missing(w, tmp):
    d, r = L(w["pc"], "due"), w["rows"]["carried"] + 1
    p = make(w, tmp, new_problems=[{"problem_text": "资金缺口"}])
    return p, [("问题销号进度表", f"{d}{r}", None, f"{F} 问题销号进度表!{d}{r}: a new problem has no 销号时限 (expected a date such as 2025-09-30)")]


def c_date_text(w, tmp):
    d, r = L(w["pc"], "due"), w["rows"]["carried"] + 1
    p = make(w, tmp, new_problems=[{"problem_text": "资金缺口", "due": "9月底"}])
    return p, [("问题销号进度表", f"{d}{r}", "9月底", f"{F} 问题销号进度表!{d}{r}: '9月底' is text, not a date "
                                                "(expected a date such as 2025-09-30 typed into the cell, not text)")]


def c_date_number(w, tmp):
    d, r = L(w["pc"], "due"), w["rows"]["carried"] + 1

    def mut(wb):
        wb["问题销号进度表"][f"{d}{r}"].number_format = "General"
    p = make(w, tmp, new_problems=[{"problem_text": "资金缺口", "due": 45930}], mutate=mut)
    return p, [("问题销号进度表", f"{d}{r}", 45930, f"{F} 问题销号进度表!{d}{r}: 45930 is a number, not a date "
                                                "(expected a date such as 2025-09-30; set the cell format to 日期)")]


def c_struck_off_choice(w, tmp):
    g, r = L(w["pc"], "struck_off"), w["rows"]["carried"]
    p = make(w, tmp, problems={CARRIED: {"struck_off": "已解决"}})
    return p, [("问题销号进度表", f"{g}{r}", "已解决", f"{F} 问题销号进度表!{g}{r}: '已解决' is not a choice of the list (expected one of 是、否)")]


def c_too_many_rows(w, tmp):
    def mut(wb):
        wb["问题销号进度表"]["A2500"] = "x"
    p = make(w, tmp, mutate=mut)
    return p, [("问题销号进度表", None, 2500, f"{F} 问题销号进度表: the sheet has 2500 rows (expected at most 2000 rows)")]


def c_text_too_long(w, tmp):
    m, r = L(w["ic"], "remark"), w["rows"]["fai"]
    p = make(w, tmp, ind={"p01_fai": {"remark": "长" * 2500}})
    return p, [("主要指标进度表", f"{m}{r}", "长" * 40 + "…", f"{F} 主要指标进度表!{m}{r}: text of 2500 characters is too long "
                                                        "(expected at most 2000 characters)")]


CASES = {name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("c_")}


def _ingest(path):
    from shiwu_lib.returns.intake import ingest_files

    return ingest_files([path], received_at=dt.datetime(2025, 7, 8, 9, 0), today=TODAY)


def test_at_least_twenty_kinds():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", sorted(CASES))
def test_rejected_precisely_and_nothing_changes(world, tmp_path, case, monkeypatch):
    from shiwu_lib.returns import layout
    from shiwu_lib.returns.ingest import ERROR_KINDS

    if case == "too_large":
        monkeypatch.setattr(layout, "MAX_FILE_BYTES", 10_000)
    path, expected = CASES[case](world, tmp_path)
    before = tree_hash(world["data"], world["db"])
    report = _ingest(path)
    after = tree_hash(world["data"], world["db"])
    assert after == before, "a rejected workbook changed the data dir or the store"
    assert report.exit_code == 1
    (res,) = report.results
    assert res.status == "rejected"
    got = [(e.sheet, e.cell, e.value, str(e)) for e in res.errors]
    assert got == expected
    for e in res.errors:
        assert e.file == path.name and e.expected and e.kind in ERROR_KINDS


def test_several_problems_are_all_reported(world, tmp_path):
    k, g, d = L(world["ic"], "actual"), L(world["tc"], "status"), L(world["pc"], "due")
    rf, rt, rp = world["rows"]["fai_growth"], world["rows"]["t01"], world["rows"]["carried"] + 1
    a, b = L(world["ic"], "remark"), L(world["ic"], "responsible")
    rm = world["rows"]["fai"]

    def mut(wb):
        wb["主要指标进度表"].merge_cells(f"{a}{rm}:{b}{rm}")
    path = make(world, tmp_path, ind={"p01_fai_growth": {"actual": "三十"}}, tasks={"p01-t01": {"status": "进行中"}},
                new_problems=[{"problem_text": "资金缺口", "due": "9月底"}], mutate=mut)
    before = tree_hash(world["data"], world["db"])
    report = _ingest(path)
    assert tree_hash(world["data"], world["db"]) == before
    msgs = [str(e) for e in report.results[0].errors]
    assert msgs == [
        f"{F} 主要指标进度表!{a}{rm}:{b}{rm}: merged cells {a}{rm}:{b}{rm} in the data area (expected one value per cell: unmerge them)",
        f"{F} 主要指标进度表!{k}{rf}: '三十' is not a number (expected a percentage, e.g. 30)",
        f"{F} 重点任务进度表!{g}{rt}: '进行中' is not a status of the list (expected one of 未启动、推进中、已完成、滞后)",
        f"{F} 问题销号进度表!{d}{rp}: '9月底' is text, not a date (expected a date such as 2025-09-30 typed into the cell, not text)",
    ]


def test_several_value_errors_in_one_sheet(world, tmp_path):
    k = L(world["ic"], "actual")
    rows = world["rows"]
    path = make(world, tmp_path, ind={"p01_fai_growth": {"actual": "三十"}, "p01_fai": {"actual": -5},
                                      "p01_major_project_investment": {"actual": "30%"}})
    report = _ingest(path)
    cells = [e.cell for e in report.results[0].errors]
    assert cells == [f"{k}{rows['fai_growth']}", f"{k}{rows['fai']}", f"{k}{rows['mpi']}"]


def test_confirmed_unusual_value_is_accepted(world, tmp_path):
    path = make(world, tmp_path, ind={"p01_fai_growth": {"actual": 150, "confirm": "是", "remark": "基数低，重大项目集中开工"}})
    from shiwu_lib.returns.intake import ingest_files

    report = ingest_files([path], dry_run=True, today=TODAY)
    assert report.exit_code == 0 and report.results[0].status == "valid (dry run)"


def test_cli_ingest_prints_every_error_and_exits_1(world, tmp_path, capsys):
    import argparse

    from shiwu_lib.returns.cli import cli_ingest

    path, expected = c_text_in_number(world, tmp_path)
    bad2 = tmp_path / "other" / F
    bad2.parent.mkdir()
    bad2.write_bytes(b"")
    before = tree_hash(world["data"], world["db"])
    rc = cli_ingest(argparse.Namespace(files=[str(path), str(bad2)], dry_run=False))
    out = capsys.readouterr().out
    assert rc == 1 and tree_hash(world["data"], world["db"]) == before
    assert expected[0][3] in out and f"{F}: the file is empty (0 bytes)" in out
    assert "2 file(s): 0 accepted, 2 rejected" in out
