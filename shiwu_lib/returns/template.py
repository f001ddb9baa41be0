"""Write the workbook a lead unit (牵头单位) fills in each quarter (annex 2, 4 and 5 of the plan).

Sheets: 填报说明 (instructions), 主要指标进度表 (annex 2), 重点任务进度表 (annex 4),
问题销号进度表 (annex 5) and a hidden ``_meta`` sheet (project, period, region, template
version) that ingest reads back. Only standard features are used (cell styles, list / decimal /
date data validation, sheet protection without password, freeze panes) so that Excel, WPS and
LibreOffice open it alike.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import fmt, store
from . import common, layout
from .common import SHEET_GUIDE, SHEET_IND, SHEET_META, SHEET_PROB, SHEET_TASK, Period, parse_period

FONT_NAME = "宋体"
F_BODY = Font(name=FONT_NAME, size=10)
F_SMALL = Font(name=FONT_NAME, size=8, color="808080")
F_HEAD = Font(name=FONT_NAME, size=10, bold=True)
F_TITLE = Font(name=FONT_NAME, size=14, bold=True)
F_INFO = Font(name=FONT_NAME, size=10, color="1F4E79")
FILL_HEAD = PatternFill("solid", fgColor="D9E1F2")
FILL_GROUP = PatternFill("solid", fgColor="B4C6E7")
FILL_INPUT = PatternFill("solid", fgColor="FFF2CC")
FILL_LOCKED = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)

# Excel serial days of 2023-01-01 and 2035-12-31 (date validation bounds)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
DATE_MIN = (dt.date(2023, 1, 1) - _EXCEL_EPOCH).days
DATE_MAX = (dt.date(2035, 12, 31) - _EXCEL_EPOCH).days

_PERIOD_KEY = {"Q1": "t_q1", "H1": "t_h1", "Q3": "t_q3", "FY": "t_fy"}
_CMP = {">=": "≥", "<=": "≤", "=": "", "range": ""}


def project_label(project_no: int, name_zh: str) -> str:
    return f"{fmt.cn_number(int(project_no))}、{name_zh}"


def suggested_file_name(project_no: int, period_label: str, region: str = common.DEFAULT_REGION) -> str:
    short = common.project_row(project_no, region).get("short_zh") or f"工程{project_no}"
    return f"{short}_{period_label}.xlsx"


# --------------------------------------------------------------------------- targets
def quarter_targets(indicator: dict, year: int, tg) -> dict[str, tuple[float, str]]:
    """{'t_q1'|'t_h1'|'t_q3'|'t_fy': (value in the indicator's unit, comparator)} for ``year``.

    Uses firm (非力争) targets: FY / Q1 / H1 / Q3 rows of that year, and, for 全年, level-like
    targets (level, count, share, ratio) of a span that ends in that year.
    """
    out: dict[str, tuple[float, str]] = {}
    if isinstance(tg, pd.DataFrame):
        if tg.empty:
            return out
        tg = tg[tg["indicator_id"] == indicator["indicator_id"]].to_dict("records")
    rows = [r for r in tg if r["indicator_id"] == indicator["indicator_id"] and str(r.get("stretch")).lower() != "true"]
    unit = indicator.get("unit") or ""
    for r in rows:
        try:
            ty, sy = int(r["target_year"]), int(r["start_year"])
        except ValueError:
            continue
        per = r["period"]
        if per in _PERIOD_KEY and ty == year:
            key = _PERIOD_KEY[per]
        elif "-" in per and ty == year and r["kind"] in ("level", "count", "share", "ratio"):
            key = "t_fy"   # a level to reach by the end of this year
        elif "-" in per and sy <= year <= ty and r["kind"] == "growth_rate":
            key = "t_fy"   # 年均增速: the yearly guide within its span
        else:
            continue
        value = float(r["value"])
        if unit and r["unit"] and r["unit"] != unit:
            try:
                value = common.from_base(common.to_base(value, r["unit"]), unit)
            except KeyError:
                continue
        if key in out and per not in _PERIOD_KEY:
            continue
        out[key] = (value, r["comparator"])
    return out


def _num_format(value: float, comparator: str) -> str:
    prefix = _CMP.get(comparator, "")
    s = common._units().format_number(value) if value == value else "0"
    decimals = len(s.split(".")[1]) if "." in s else 0
    body = "0" if decimals == 0 else "0." + "0" * decimals
    return f'"{prefix}"{body}' if prefix else body


# --------------------------------------------------------------------------- problems to carry over
def open_problems_from_store(project_no: int, period_label: str, region: str) -> list[dict]:
    """Open problems (未销号) of earlier periods from returned workbooks in the built store (never demo rows)."""
    path = common.db_path()
    if not path.exists():
        return []
    try:
        con = store.connect(path, read_only=True)
    except Exception:  # noqa: BLE001 - a locked or half-built store: carry nothing over
        return []
    try:
        df = con.execute(
            """SELECT problem_id, problem_text, due, progress_text, responsible
               FROM problems
               WHERE region = ? AND project_no = ? AND period_label < ? AND source_type = 'return'
               QUALIFY row_number() OVER (PARTITION BY problem_id ORDER BY period_label DESC, reported_at DESC) = 1
                   AND NOT struck_off
               ORDER BY problem_id""",
            [region, int(project_no), period_label],
        ).df()
    except Exception:  # noqa: BLE001
        return []
    finally:
        con.close()
    return df.to_dict("records")


# --------------------------------------------------------------------------- 2022 bases to pre-fill
_SOURCE_ZH = {"published": "统计发布数", "return": "已报送的填报表"}


def bases_from_store(project_no: int, region: str = common.DEFAULT_REGION, db=None) -> dict[str, dict]:
    """{indicator_id: {'value': v (in the indicator's unit), 'source': text}}: the 2022 values the store holds.

    The latest vintage of period '2022' per indicator of the project, from published statistics or
    returned workbooks (never demo rows; a lower bound "突破X" is not a base). Without a store: the
    published values of the curated CSV (:func:`bases_from_published`).
    """
    path = Path(db) if db else common.db_path()
    if not path.exists():
        return bases_from_published(project_no, region)
    try:
        con = store.connect(path, read_only=True)
    except Exception:  # noqa: BLE001 - a locked or half-built store: the published values only
        return bases_from_published(project_no, region)
    try:
        rows = con.execute(
            """SELECT a.indicator_id, a.value_base, a.unit, a.source_type, a.reported_at, a.note,
                      s.title, s.file_name
               FROM actuals a LEFT JOIN submissions s USING (submission_id)
               WHERE a.region = ? AND a.period_label = ? AND a.source_type IN ('published', 'return')
               QUALIFY row_number() OVER (PARTITION BY a.indicator_id
                                          ORDER BY a.reported_at DESC, a.actual_id DESC) = 1""",
            [region, common.BASE_PERIOD]).fetchall()
    except Exception:  # noqa: BLE001
        return {}
    finally:
        con.close()
    inds = common.project_indicators(project_no, region)
    unit_of = dict(zip(inds["indicator_id"], inds["unit"])) if not inds.empty else {}
    out = {}
    for ind, vb, unit, st, at, note, title, file_name in rows:
        if ind not in unit_of or str(note or "").startswith("下限值"):
            continue
        try:
            v = common.from_base(float(vb), unit_of[ind] or unit)
        except KeyError:
            continue
        what = _SOURCE_ZH.get(st, st)
        src = title or file_name or ""
        when = f"{at:%Y-%m-%d}" if at else ""
        flag = "（待核）" if "待核" in str(note or "") else ""
        out[ind] = {"value": v, "source": f"{what}{flag}：{src}（{when}）" if src else f"{what}（{when}）"}
    return out


_PUB_CACHE: dict[tuple, pd.DataFrame] = {}


def published_rows(region: str = common.DEFAULT_REGION) -> pd.DataFrame:
    """Published actuals as the store will hold them, without a store: the curated values
    (``published.to_actuals``) plus the 推算 values derived from them (``derived.derive``), with
    the columns ``title`` (the source document), ``qualifier`` (``>`` / ``~`` or '') and ``verified``.
    Cached by the files' mtimes; do not modify the frame."""
    from . import published

    key = (region, common._file_key(published.CSV_NAME, "derivations.csv"))
    if key in _PUB_CACHE:
        return _PUB_CACHE[key]
    df = published.read()
    if not df.empty:
        df = df[df["region"].replace("", common.DEFAULT_REGION) == region].reset_index(drop=True)
    if df.empty:
        out = pd.DataFrame(columns=["indicator_id", "period_label", "value_base", "unit", "reported_at",
                                    "note", "title", "qualifier", "verified"])
    else:
        acts = published.to_actuals(df)
        subs = published.to_submissions(df)
        acts["qualifier"] = list(df["value_qualifier"])
        acts["verified"] = [str(c).startswith("verified") for c in df["check_status"]]
        frames, titles = [acts], dict(zip(subs["submission_id"], subs["title"]))
        try:
            from . import derived
        except ImportError:  # pragma: no cover - derived values are optional
            derived = None
        if derived is not None:
            d_acts, d_subs = derived.derive(acts, derived.read(), subs, common.indicators_by_id(region))
            if not d_acts.empty:
                frames.append(d_acts.assign(qualifier="", verified=True))
                titles.update(zip(d_subs["submission_id"], d_subs["title"]))
        out = pd.concat(frames, ignore_index=True)
        out["title"] = out["submission_id"].map(titles)
        out = out.sort_values("reported_at", kind="stable").reset_index(drop=True)
    if len(_PUB_CACHE) > 8:
        _PUB_CACHE.clear()
    _PUB_CACHE[key] = out
    return out


def bases_from_published(project_no: int, region: str = common.DEFAULT_REGION) -> dict[str, dict]:
    """The same as :func:`bases_from_store` for published values (and 推算 values derived from them),
    computed from the curated CSVs (no store needed).

    Used when there is no built store yet, and by the demo generator (which must not depend on
    the state of a store). Later vintages win, as in the store.
    """
    rows = published_rows(region)
    inds = common.project_indicators(project_no, region)
    if rows.empty or inds.empty:
        return {}
    unit_of = dict(zip(inds["indicator_id"], inds["unit"]))
    sel = rows[rows["indicator_id"].isin(list(unit_of)) & (rows["period_label"] == common.BASE_PERIOD)
               & (rows["qualifier"].fillna("") == "")]
    out = {}
    for r in sel.to_dict("records"):   # in reported_at order: the latest vintage wins
        try:
            v = common.from_base(float(r["value_base"]), unit_of[r["indicator_id"]] or r["unit"])
        except (KeyError, ValueError):
            continue
        flag = "" if r["verified"] else "（待核）"
        when = f"{pd.Timestamp(r['reported_at']):%Y-%m-%d}"
        out[r["indicator_id"]] = {"value": v, "source": f"{_SOURCE_ZH['published']}{flag}：{r['title']}（{when}）"}
    return out


def _base_comment(source: str) -> Comment:
    c = Comment(f"预填{common.BASE_YEAR}年基期值，来源：{source}。\n如有误请直接改正（改正值作为更正版本保存，原值保留）。",
                "总专班办公室")
    c.width, c.height = 260, 110
    return c


# --------------------------------------------------------------------------- writing helpers
def _sheet_frame(ws, sheet: str, p: Period, info: str) -> list[layout.Col]:
    cols = layout.columns(sheet, p)
    n = len(cols)
    last = get_column_letter(n)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = layout.titles(sheet)
    ws["A1"].font = F_TITLE
    ws["A1"].alignment = CENTER
    ws.row_dimensions[1].height = 26
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = info
    ws["A2"].font = F_INFO
    ws["A2"].alignment = Alignment(vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 30
    # group header row (3): merge runs of equal group names
    start = 0
    for i in range(1, n + 1):
        if i == n or cols[i].group != cols[start].group:
            a, b = get_column_letter(start + 1), get_column_letter(i)
            if a != b:
                ws.merge_cells(f"{a}3:{b}3")
            c = ws[f"{a}3"]
            c.value = cols[start].group
            for j in range(start + 1, i + 1):
                cell = ws.cell(3, j)
                cell.fill, cell.border, cell.font, cell.alignment = FILL_GROUP, BORDER, F_HEAD, CENTER
            start = i
    for j, col in enumerate(cols, start=1):
        c = ws.cell(layout.HEADER_ROW, j, col.header)
        c.font, c.fill, c.border, c.alignment = F_HEAD, FILL_HEAD, BORDER, CENTER
        ws.column_dimensions[get_column_letter(j)].width = col.width
    ws.row_dimensions[layout.HEADER_ROW].height = 44
    return cols


def _named_styles(wb) -> None:
    """Register the three cell styles once: assigning a named style is ~10x faster than per-cell styling."""
    from openpyxl.styles import NamedStyle

    existing = set(wb.named_styles)
    specs = {
        "sw_input": dict(font=F_BODY, fill=FILL_INPUT, protection=UNLOCKED),
        "sw_locked": dict(font=F_BODY, fill=FILL_LOCKED, protection=Protection(locked=True)),
        "sw_id": dict(font=F_SMALL, fill=FILL_LOCKED, protection=Protection(locked=True)),
    }
    for name, kw in specs.items():
        if name not in existing:
            wb.add_named_style(NamedStyle(name=name, border=BORDER, alignment=WRAP, **kw))


def _style_row(ws, r: int, cols: list[layout.Col]) -> None:
    for j, col in enumerate(cols, start=1):
        ws.cell(r, j).style = "sw_input" if col.input else ("sw_id" if col.kind == "id" else "sw_locked")


def _protect(ws) -> None:
    ws.protection.sheet = True
    # let the clerk resize rows and columns; everything else stays locked
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = True
    ws.protection.insertRows = True
    ws.protection.deleteRows = True
    ws.protection.insertColumns = True
    ws.protection.deleteColumns = True


def _dv(ws, **kw) -> DataValidation:
    dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage=True, **kw)
    ws.add_data_validation(dv)
    return dv


def _col_letter(cols: list[layout.Col], key: str) -> str:
    return get_column_letter([c.key for c in cols].index(key) + 1)


# --------------------------------------------------------------------------- sheets
def _write_guide(ws, proj: dict, p: Period, region: str, n_ind: int, n_task: int, n_prob: int) -> None:
    name = project_label(proj["project_no"], proj["name_zh"])
    lines = [
        ("“十项重大工程”季度进度填报表 填报说明", F_TITLE),
        ("", F_BODY),
        (f"工程：{name}", F_HEAD),
        (f"地区：{region}　　报告期：{p.zh}（截至{p.end:%Y年%m月%d日}）　　牵头单位：{proj.get('lead_unit', '')}", F_BODY),
        (f"报送截止：{p.deadline:%Y年%m月%d日}（季度结束后10日内）。联系：{common.CONTACT}。", F_HEAD),
        (f"建议文件名：{proj.get('short_zh', '')}_{p.label}.xlsx（文件名中的报告期须与本表一致）。", F_BODY),
        ("", F_BODY),
        ("一、主要指标进度表（附件2）", F_HEAD),
        (f"1. 共{n_ind}项指标，按省级、金华、义乌、正文（方案正文目标）排列；黄色单元格为填报区，灰色单元格已锁定。", F_BODY),
        (f"2. “进展情况”：流量（投资额、收入、新增数等）和增速填{p.ytd_zh}累计数，存量和占比（装机、家数、开工率等）填{p.end_zh}数；"
         "按“填报口径”列填写。暂无数据的留空（留空表示本期未报告），不要填0或“—”。", F_BODY),
        ("3. 只填数字：不要带单位、不要带“%”号（30%填30）、不要写汉字数字（三十）、不要用公式。", F_BODY),
        ("4. “单位”列默认为指标单位，可从下拉列表改选同类单位（如亿元/万元），系统自动换算；不要改成不同类的单位。", F_BODY),
        ("5. 分季度目标已按方案和年度任务预填（“≥”为下限目标）；没有分季度目标的留空。", F_BODY),
        (f"6. “基期值（{common.BASE_YEAR}年）”：方案以{common.BASE_YEAR}年为基期衡量“达到…”类目标的进度，只需填一次。"
         f"流量填{common.BASE_YEAR}年全年累计数，存量和占比填{common.BASE_YEAR}年末数，单位同“单位”列；"
         f"已有统计发布数或以前报送数的已预填（批注注明来源），核对无误不用改，有误直接改正。增速指标不填。", F_BODY),
        ("7. 异常值确认：增速超过±100%、数值与上期或目标相差上千倍、投资为负等会被系统拦截（基期值同样校验）。"
         "确属实际情况的，请在“确认异常值”选“是”，并在“说明”中写明原因。", F_BODY),
        ("", F_BODY),
        ("二、重点任务进度表（附件4）", F_HEAD),
        (f"1. 共{n_task}项重点任务。{tasks_source_zh(proj['project_no'], p, region)}", F_BODY),
        ("   每项任务按其本年度和完成时限评判：2023年度任务的完成时限为2023年12月31日，到期未完成的请选“滞后”并说明原因，"
         "不要把完成时限改到本年末。", F_BODY),
        (f"   {TASK_LIST_RULE_ZH}", F_BODY),
        ("2. “状态”从下拉列表选择：未启动 / 推进中 / 已完成 / 滞后；“进度（%）”填0-100的数字（不带%）；已完成的进度应为100。", F_BODY),
        ("3. “完成时限”“牵头单位”“配合单位”已预填，如有调整可直接修改。本期未报告的任务整行留空。", F_BODY),
        ("", F_BODY),
        ("三、问题销号进度表（附件5）", F_HEAD),
        (f"1. 上期未销号的问题已预填（{n_prob}个），请更新“进展情况”，解决的在“已销号”选“是”。", F_BODY),
        ("2. 新发现的问题填在下方空行：填写问题清单、销号时限（日期，如2025-09-30）、责任单位；问题编号由系统自动生成。", F_BODY),
        ("3. 销号时限必须是日期格式，不要写成“9月底”之类的文字。", F_BODY),
        ("", F_BODY),
        ("四、注意事项", F_HEAD),
        ("1. 不要改表名、不要增删或改动列、不要合并单元格、不要插入新的工作表；三张表都要随文件一并报送。", F_BODY),
        ("2. 系统校验发现问题时会整份退回，并逐条列出“文件 表名!单元格：问题”，请按提示修改后重新报送。", F_BODY),
        ("3. 同一报告期可重复报送更正版本，系统保留各版本，以最新报送为准。", F_BODY),
    ]
    for i, (text, font) in enumerate(lines, start=1):
        c = ws.cell(i, 1, text)
        c.font = font
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 120
    ws.sheet_view.showGridLines = False
    _protect(ws)


def _write_indicators(ws, proj: dict, p: Period, region: str, bases: dict[str, dict]) -> dict[str, float]:
    """Write the rows; returns {indicator_id: value} of the 2022 bases pre-filled (for _meta)."""
    info = (f"工程：{project_label(proj['project_no'], proj['name_zh'])}　报告期：{p.zh}"
            f"（截至{p.end:%Y年%m月%d日}）　牵头单位：{proj.get('lead_unit', '')}　报送截止：{p.deadline:%Y年%m月%d日}")
    cols = _sheet_frame(ws, SHEET_IND, p, info)
    keys = [c.key for c in cols]
    inds = common.project_indicators(proj["project_no"], region)
    tg_all = common.targets(region)
    tg_by_ind: dict[str, list[dict]] = {}
    if not tg_all.empty:
        for t in tg_all[tg_all["project_no"] == str(proj["project_no"])].to_dict("records"):
            tg_by_ind.setdefault(t["indicator_id"], []).append(t)
    number_dv = _dv(ws, type="decimal", operator="between", formula1="-1000000000000000", formula2="1000000000000000",
                    errorTitle="请填写数字", error="只填数字：不带单位、不带%号、不写汉字、不用公式。",
                    promptTitle="进展情况", prompt="填数字；流量和增速填年初至本期末累计数。")
    by = common.BASE_YEAR
    base_dvs = {
        flow: _dv(ws, type="decimal", operator="between", formula1="-1000000000000000", formula2="1000000000000000",
                  errorTitle="请填写数字", error="只填数字：不带单位、不带%号、不写汉字、不用公式。",
                  promptTitle=f"基期值（{by}年）",
                  prompt=(f"填{by}年全年累计数" if flow else f"填{by}年末数") + "，单位同“单位”列；只需填一次，已预填的请核对。")
        for flow in (True, False)
    }
    prefilled: dict[str, float] = {}
    confirm_dv = _dv(ws, type="list", formula1='"是,否"', errorTitle="请选择", error="请选择“是”或“否”。")
    unit_dvs: dict[str, DataValidation] = {}
    r = layout.FIRST_DATA_ROW
    label = project_label(proj["project_no"], proj["name_zh"])
    for ind in inds.to_dict("records"):
        unit = ind.get("unit") or ""
        measure = ind.get("measure") or ""
        basis = f"{p.ytd_zh}累计" if common.ytd_for(measure) else f"{p.end_zh}数"
        values = {"project": label, "level": ind.get("level", ""), "indicator_id": ind["indicator_id"],
                  "name": ind["name_zh"], "unit": unit, "basis": basis,
                  "responsible": proj.get("lead_unit", "")}
        qt = quarter_targets(ind, p.year, tg_by_ind.get(ind["indicator_id"], []))
        _style_row(ws, r, cols)
        for j, key in enumerate(keys, start=1):
            if key in values:
                ws.cell(r, j, values[key])
        bc = ws.cell(r, keys.index("base") + 1)
        if measure == "rate":
            # growth rates are judged in percentage points against the target rate: no base
            bc.value = layout.BASE_NA_TEXT
            bc.style = "sw_id"
        else:
            base_dvs[measure == "flow"].add(bc.coordinate)
            known = bases.get(ind["indicator_id"])
            if known is not None:
                bc.value = known["value"]
                bc.comment = _base_comment(known["source"])
                prefilled[ind["indicator_id"]] = known["value"]
        for key, (value, cmp_) in qt.items():
            c = ws.cell(r, keys.index(key) + 1, value)
            c.number_format = _num_format(value, cmp_)
        choices = common.compatible_units(unit) if unit else []
        if choices:
            formula = '"' + ",".join(choices) + '"'
            if len(formula) <= 255:
                if formula not in unit_dvs:
                    unit_dvs[formula] = _dv(ws, type="list", formula1=formula, errorTitle="单位",
                                            error="请从下拉列表选择同类单位。")
                unit_dvs[formula].add(f"{_col_letter(cols, 'unit')}{r}")
        r += 1
    last = r - 1
    if last >= layout.FIRST_DATA_ROW:
        number_dv.add(f"{_col_letter(cols, 'actual')}{layout.FIRST_DATA_ROW}:{_col_letter(cols, 'actual')}{last}")
        confirm_dv.add(f"{_col_letter(cols, 'confirm')}{layout.FIRST_DATA_ROW}:{_col_letter(cols, 'confirm')}{last}")
    ws.freeze_panes = f"E{layout.FIRST_DATA_ROW}"
    _protect(ws)
    return prefilled


# Where the key tasks of 2024 and later come from (issue 11): the return reports progress on the
# listed tasks only (ingest refuses a task id that is not in the list: unknown_task); each year's list
# is reviewed by the 总专班 and added to data/curated/key_tasks.csv (year = that year).
TASK_LIST_RULE_ZH = ("各年度重点任务清单由总专班审核后录入系统（data/curated/key_tasks.csv，按年度）；本表只能填报清单内任务的进展，"
                     "不要在本表新增任务行（系统不接收清单以外的任务编号），新增任务请报总专班列入当年清单。")


def period_tasks(project_no: int, p: Period, region: str) -> pd.DataFrame:
    """The key tasks a return for period ``p`` reports on: every listed task of the return's year and
    earlier years (a task of a later year is not yet due), each with its own year."""
    tasks = common.key_tasks(project_no, region)
    if tasks.empty:
        return tasks
    years = pd.to_numeric(tasks["year"], errors="coerce")
    return tasks[years.isna() | (years <= p.year)].reset_index(drop=True)


def task_due_zh(task: dict, p: Period) -> str:
    """A task's own deadline: the end of its year (a 2023 task is due 2023-12-31, not at the end of the return's year)."""
    try:
        return f"{int(task['year'])}年12月31日"
    except (TypeError, ValueError, KeyError):
        return f"{p.year}年12月31日"


def tasks_source_zh(project_no: int, p: Period, region: str) -> str:
    """One sentence of the guide: which years' lists the sheet holds and whether ``p.year``'s list is in yet."""
    tasks = period_tasks(project_no, p, region)
    years = sorted({str(y) for y in tasks["year"]}) if not tasks.empty else []
    src = f"任务来源：{'、'.join(years)}年度重点任务清单（data/curated/key_tasks.csv）" if years else "任务来源：重点任务清单（尚无任务）"
    if str(p.year) not in years:
        src += f"；{p.year}年度清单尚未录入，本表列出以前年度的任务，请填报其完成情况"
    return src + "。"


def _write_tasks(ws, proj: dict, p: Period, region: str) -> int:
    tasks = period_tasks(proj["project_no"], p, region)
    info = (f"工程：{project_label(proj['project_no'], proj['name_zh'])}　报告期：{p.zh}　"
            f"{tasks_source_zh(proj['project_no'], p, region).rstrip('。')}　牵头单位：{proj.get('lead_unit', '')}")
    cols = _sheet_frame(ws, SHEET_TASK, p, info)
    keys = [c.key for c in cols]
    status_dv = _dv(ws, type="list", formula1='"' + ",".join(layout.STATUSES) + '"', errorTitle="状态",
                    error="请从下拉列表选择：未启动/推进中/已完成/滞后。")
    pct_dv = _dv(ws, type="decimal", operator="between", formula1="0", formula2="100", errorTitle="进度",
                 error="进度填0-100之间的数字，不带%号。")
    r = layout.FIRST_DATA_ROW
    for t in tasks.to_dict("records"):
        _style_row(ws, r, cols)
        vals = {"seq": int(t["seq"]), "task_id": t["task_id"], "text": t["text_zh"],
                "due": task_due_zh(t, p), "lead_unit": proj.get("lead_unit", ""), "partner_units": ""}
        for key, v in vals.items():
            ws.cell(r, keys.index(key) + 1, v)
        r += 1
    last = r - 1
    if last >= layout.FIRST_DATA_ROW:
        status_dv.add(f"{_col_letter(cols, 'status')}{layout.FIRST_DATA_ROW}:{_col_letter(cols, 'status')}{last}")
        pct_dv.add(f"{_col_letter(cols, 'progress_pct')}{layout.FIRST_DATA_ROW}:{_col_letter(cols, 'progress_pct')}{last}")
    ws.freeze_panes = f"D{layout.FIRST_DATA_ROW}"
    _protect(ws)
    return len(tasks)


def _as_date(v) -> dt.date | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(ts) else ts.date()


def _write_problems(ws, proj: dict, p: Period, problems: list[dict]) -> int:
    info = (f"工程：{project_label(proj['project_no'], proj['name_zh'])}　报告期：{p.zh}"
            f"　上期未销号问题已预填；新增问题填在下方空行（问题编号自动生成）")
    cols = _sheet_frame(ws, SHEET_PROB, p, info)
    keys = [c.key for c in cols]
    yn_dv = _dv(ws, type="list", formula1='"是,否"', errorTitle="已销号", error="请选择“是”或“否”。")
    date_dv = _dv(ws, type="date", operator="between", formula1=str(DATE_MIN), formula2=str(DATE_MAX),
                  errorTitle="销号时限", error="请填写日期，如 2025-09-30。",
                  promptTitle="销号时限", prompt="填日期，如 2025-09-30")
    r = layout.FIRST_DATA_ROW
    seq = 1
    for pr in problems:
        _style_row(ws, r, cols)
        ws.cell(r, keys.index("seq") + 1, seq)
        ws.cell(r, keys.index("problem_id") + 1, pr["problem_id"])
        ws.cell(r, keys.index("problem_text") + 1, pr.get("problem_text") or "")
        d = _as_date(pr.get("due"))
        if d:
            c = ws.cell(r, keys.index("due") + 1, d)
            c.number_format = "yyyy-mm-dd"
        if pr.get("progress_text"):
            ws.cell(r, keys.index("progress_text") + 1, pr["progress_text"])
        ws.cell(r, keys.index("responsible") + 1, pr.get("responsible") or proj.get("lead_unit", ""))
        r += 1
        seq += 1
    for _ in range(layout.BLANK_PROBLEM_ROWS):
        _style_row(ws, r, cols)
        ws.cell(r, keys.index("seq") + 1, seq)
        ws.cell(r, keys.index("due") + 1).number_format = "yyyy-mm-dd"
        r += 1
        seq += 1
    last = r - 1
    yn_dv.add(f"{_col_letter(cols, 'struck_off')}{layout.FIRST_DATA_ROW}:{_col_letter(cols, 'struck_off')}{last}")
    date_dv.add(f"{_col_letter(cols, 'due')}{layout.FIRST_DATA_ROW}:{_col_letter(cols, 'due')}{last}")
    ws.freeze_panes = f"D{layout.FIRST_DATA_ROW}"
    _protect(ws)
    return len(problems)


def _write_meta(ws, proj: dict, p: Period, region: str, generated_at: dt.datetime,
                prefilled: dict[str, float] | None = None) -> None:
    rows = [
        ("key", "value"),
        ("schema", layout.SCHEMA_NAME),
        ("template_version", layout.TEMPLATE_VERSION),
        ("project_no", int(proj["project_no"])),
        ("project_short", proj.get("short_zh", "")),
        ("period_label", p.label),
        ("region", region),
        ("deadline", p.deadline.isoformat()),
        ("generated_at", generated_at.isoformat(timespec="seconds")),
        # the 2022 bases the template pre-filled: ingest does not store an unchanged one again
        (layout.META_BASE_PREFILL, ";".join(f"{k}={v!r}" for k, v in sorted((prefilled or {}).items()))),
    ]
    for i, (k, v) in enumerate(rows, start=1):
        ws.cell(i, 1, k)
        ws.cell(i, 2, v)
    ws.sheet_state = "hidden"
    _protect(ws)


def build_workbook(project_no: int, period_label: str, region: str = common.DEFAULT_REGION,
                   problems=None, generated_at: dt.datetime | None = None, bases: dict | None = None):
    """The template as an openpyxl Workbook (not saved): :func:`write_template` without the file."""
    p = parse_period(period_label)
    if p.freq != "Q":
        raise ValueError(f"a return is for a quarter, e.g. 2025Q2, not {period_label!r}")
    proj = common.project_row(project_no, region)
    proj["project_no"] = int(proj["project_no"])
    if problems is None:
        problems = open_problems_from_store(project_no, p.label, region)
    elif isinstance(problems, pd.DataFrame):
        problems = problems.to_dict("records")
    problems = list(problems)
    if bases is None:
        bases = bases_from_store(project_no, region)
    stamp = generated_at or dt.datetime.now().replace(microsecond=0)

    wb = Workbook()
    _named_styles(wb)
    ws_guide = wb.active
    ws_guide.title = SHEET_GUIDE
    ws_ind = wb.create_sheet(SHEET_IND)
    ws_task = wb.create_sheet(SHEET_TASK)
    ws_prob = wb.create_sheet(SHEET_PROB)
    ws_meta = wb.create_sheet(SHEET_META)
    prefilled = _write_indicators(ws_ind, proj, p, region, bases)
    n_ind = len(common.project_indicators(proj["project_no"], region))
    n_task = _write_tasks(ws_task, proj, p, region)
    n_prob = _write_problems(ws_prob, proj, p, problems)
    _write_guide(ws_guide, proj, p, region, n_ind, n_task, n_prob)
    _write_meta(ws_meta, proj, p, region, stamp, prefilled)
    for ws in (ws_guide, ws_ind, ws_task, ws_prob):
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.active = 1
    wb.properties.title = f"{proj.get('short_zh', '')} {p.label} 十项重大工程进度填报表"
    wb.properties.subject = f"shiwu-return project={proj['project_no']} period={p.label} region={region}"
    wb.properties.creator = "shiwu"
    wb.properties.keywords = f"{layout.SCHEMA_NAME};v{layout.TEMPLATE_VERSION}"
    wb.properties.created = stamp
    return wb


def write_template(project_no: int, period_label: str, out_path, region: str = common.DEFAULT_REGION,
                   problems=None, generated_at: dt.datetime | None = None, bases: dict | None = None) -> Path:
    """Write the quarterly return workbook of one project and return its path.

    ``problems``: open problems to carry over (dicts or a DataFrame with problem_id, problem_text,
    due, progress_text, responsible); ``None`` reads the open problems of earlier periods from the
    built store (none if there is no store). ``generated_at`` pins the time stamps inside the file
    (the demo generator uses it to make byte-identical workbooks). ``bases``: the 2022 values to
    pre-fill in 基期值（2022年）, ``{indicator_id: {'value': v, 'source': text}}`` (value in the
    indicator's unit); ``None`` reads them from the built store (:func:`bases_from_store`).
    """
    wb = build_workbook(project_no, period_label, region, problems, generated_at, bases)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, out, generated_at)
    return out


def save_workbook(wb, out: Path, stamp: dt.datetime | None = None) -> None:
    """Save; with ``stamp`` the bytes are reproducible (fixed zip and document time stamps)."""
    if stamp is None:
        wb.save(out)
        return
    buf = io.BytesIO()
    wb.save(buf)
    out.write_bytes(reproducible_zip(buf.getvalue(), stamp))


def reproducible_zip(data: bytes, stamp: dt.datetime) -> bytes:
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", lambda m: m.group(1) + iso.encode() + m.group(2), body)
            zi = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)
    return out.getvalue()
