"""The quarterly analysis pack (季分析材料) analysts take to the 季分析 meeting.

>>> from shiwu_lib import pack                                           # doctest: +SKIP
>>> r = pack.build_pack(as_of="2025-12-31")                              # doctest: +SKIP
>>> r.files                                                              # doctest: +SKIP

``shiwu pack --as-of 2025-12-31 [--out DIR]`` writes, into ``DIR`` (default
``test-artifacts/pack-<as_of>/``):

1. chart PNGs (kaleido, one browser for all of them): the 晾晒 ranking, the light shares per
   project, the 2025 midpoint chart (report dates from 2025-12-31 on), and per project the
   gap-to-target chart and the trajectory of its headline target —
   the dashboards' own figure functions (:mod:`shiwu_lib.charts`) on the dashboards' own inputs
   (:mod:`shiwu_lib.views`), stamped 示例数据 when a figure shows demo values;
2. the workbook ``十项重大工程进度晾晒表_<季度>.xlsx`` (晾晒总表, one sheet per project, 中期评估,
   数据说明), formatted for A4 landscape printing;
3. the briefing ``动态简报_<季度>.md`` / ``.txt``: Chinese prose in which every number comes from
   the engine.

Report date and data vintage are those of the dashboards (see :mod:`shiwu_lib.views`): the
report date R (``as_of``, default ``db.latest_report_date()``) with the data as they stand at
``known_at`` (default: the date of the newest value in the store), i.e. ``db.status(as_of=R,
known_at=K)``. So the 2025年四季度 pack contains the 2025 full-year figures published in 2026, as the
meeting sees them, and its 晾晒 ranking and project lights equal those of the 总览 dashboard for the
same quarter: the engine's :func:`shiwu_lib.progress.rank` over the firm targets in play at R
(:func:`shiwu_lib.views.ranking_frame`). Pass ``known_at=as_of`` to reproduce what was known on the
report date itself.
"""
from __future__ import annotations

import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from . import charts, paths, progress, views
from .api import MIDPOINT_DATE, Database, _as_date

try:  # number formatting shared with the dashboards
    from . import fmt
except ImportError:  # pragma: no cover - fmt.py is part of the suite
    fmt = None  # type: ignore[assignment]

log = logging.getLogger("shiwu.pack")

GREEN, YELLOW, RED, GREY = views.GREEN, views.YELLOW, views.RED, views.GREY
LIGHTS = views.LIGHTS
DEMO = charts.DEMO_LABEL
DEMO_NOTE = ("【示例数据】本表部分数值来自演示用的部门报表示例数据（部门报表不公开），并非真实统计，仅供演示；"
             "公开发布的数据在“数据来源”列注明出处。")
DEMO_NOTE_BRIEF = ("【示例数据】本简报部分数值来自演示用的部门报表示例数据（部门报表不公开），并非真实统计，仅供演示；"
                   "公开发布的统计数据均注明出处，详见进度晾晒表“数据说明”页。")
CHART_WIDTH = 1280
CHART_SCALE = 2
MIN_CHART_HEIGHT = 520
MAX_RED_NAMED = 6
RANKING_RULE_ZH = ("排名规则：按报告期在推进的约束性目标（不含“力争”目标）“快于（+）/慢于（−）序时进度”的平均百分点从高到低；"
                   "相同时绿灯占比高者在前、红灯少者在前；无数据的工程列在最后。")
TIME_PROGRESS_RULE_ZH = ("序时进度：目标期已过去的时间占比（一年期目标一季度末为25%；2023—2027年目标2025年末为60%）。"
                         "完成率 = 已完成量 ÷ 目标量（水平类目标按基期值起算）；快于/慢于序时进度 = （完成率 − 序时进度）× 100 个百分点；"
                         "增速类目标按实际增速与目标增速的差距判定，不计完成率。")
MIDPOINT_RULE_ZH = ("中期评估：2025年到期的目标（三年行动及2025年度目标）按是否完成评估；2027年目标按2025年末完成程度"
                    "是否达到序时进度（2023—2027年目标为60%）评估，增速类目标按是否达到目标增速评估。")


# ----------------------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------------------

@dataclass
class ChartFile:
    """One PNG of the pack: its path, what it shows and its pixel size."""

    path: Path
    kind: str                 # ranking | status_share | gap | trajectory
    title: str
    width: int                # expected pixel size (layout size × scale)
    height: int
    demo: bool
    project_no: int | None = None


@dataclass
class PackResult:
    as_of: date
    known_at: date
    quarter_zh: str           # 2025年四季度
    out_dir: Path
    xlsx: Path
    briefing_md: Path
    briefing_txt: Path
    charts: list[ChartFile] = field(default_factory=list)
    demo: bool = False        # demo values contributed to the pack
    sheets: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def files(self) -> list[Path]:
        return [c.path for c in self.charts] + [self.xlsx, self.briefing_md, self.briefing_txt]


# ----------------------------------------------------------------------------------------------
# formatting helpers (fmt when present, else units.format_value)
# ----------------------------------------------------------------------------------------------

def _isnan(v) -> bool:
    return views._isnan(v) or (isinstance(v, float) and v != v)


def _num(v) -> str:
    if fmt is not None:
        return fmt.number(v)
    return "—" if _isnan(v) else f"{float(v):.4g}"


def _value(v, unit) -> str:
    if fmt is not None:
        return fmt.value(v, unit)
    from .units import format_value

    return "—" if _isnan(v) else format_value(float(v), unit)


def _share(r) -> str:
    return fmt.share(r) if fmt is not None else ("—" if _isnan(r) else f"{float(r) * 100:.0f}%")


def _ahead(v) -> str:
    if fmt is not None:
        return fmt.ahead_pp(v)
    if _isnan(v):
        return "—"
    return f"{'快于' if v >= 0 else '慢于'}序时进度{abs(float(v)):.0f}个百分点"


def _quarter_zh(d: date) -> str:
    return fmt.quarter_zh(d) if fmt is not None else f"{d.year}年{'一二三四'[(d.month - 1) // 3]}季度"


def _date_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _status_zh(s) -> str:
    return {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯"}.get(str(s), "灰灯")


def _project_label(no: int, short: str) -> str:
    return views.project_label(int(no), str(short))


def _period_zh(label) -> str:
    return fmt.period_label_zh(label) if fmt is not None else ("—" if _isnan(label) else str(label))


def _span_zh(period, target_year) -> str:
    return fmt.span_zh(period, int(target_year)) if fmt is not None else f"{period}（{target_year}）"


def _bool(v) -> bool:
    return False if _isnan(v) else bool(v)


# ----------------------------------------------------------------------------------------------
# data: one read of the store, shaped like the dashboards'
# ----------------------------------------------------------------------------------------------

@dataclass
class PackData:
    as_of: date
    known_at: date
    st: pd.DataFrame          # db.status(as_of, known_at=...) — every target
    projects: pd.DataFrame
    ranking: pd.DataFrame     # views.ranking_frame: in-play firm targets, with light
    overview: pd.DataFrame    # views.overview_frame: light, counts and headline per project
    midpoint: pd.DataFrame    # progress.midpoint at min(as_of, 2025-12-31) + is_demo
    sources: dict             # (indicator_id, period_label) -> (source_type, title, address, file)
    published: pd.DataFrame   # published submissions (title, address, received_at)
    build_info: dict
    core_ids: set | None

    @property
    def pre_midpoint(self) -> bool:
        """The report date is before the 2025 midpoint: 2025 targets are still in progress."""
        return self.as_of < MIDPOINT_DATE

    @property
    def play(self) -> pd.DataFrame:
        return views.firm_in_play(self.st, self.as_of)

    @property
    def demo(self) -> bool:
        return bool(self.st["is_demo"].fillna(False).astype(bool).any()) or bool(self.midpoint["is_demo"].any())


def load(db: Database, as_of=None, known_at=None) -> PackData:
    """Everything the pack shows, read once."""
    r = _as_date(as_of) if as_of is not None else db.latest_report_date()
    k = _as_date(known_at) if known_at is not None else views.data_known_at(db)
    st = db.status(as_of=r, known_at=k)
    projects = db.projects()
    core = views.core_indicator_ids(db)
    rk = db.ranking(as_of=r, known_at=k)
    ov = views.overview_frame(st, projects, r, core)
    mid_r = min(r, MIDPOINT_DATE)
    st_mid = st if mid_r == r else db.status(as_of=mid_r, known_at=k)
    mp = progress.midpoint(st_mid)
    demo_ids = set(st_mid.loc[st_mid["is_demo"].fillna(False).astype(bool), "target_id"])
    mp["is_demo"] = mp["target_id"].isin(demo_ids)
    mp = mp.merge(st_mid[["target_id", "indicator_id", "source_types", "time_progress", "ahead_pp"]],
                  on="target_id", how="left")
    acts = db.actuals(as_of=k)
    acts = acts[pd.to_datetime(acts["period_end"]) <= pd.Timestamp(r)]
    sources = {(a.indicator_id, a.period_label): (a.source_type, a.source_title, a.source_address, a.source_file)
               for a in acts.itertuples(index=False)}
    published = db.published_sources(known_at=k)
    info = db.build_info()
    return PackData(as_of=r, known_at=k, st=st, projects=projects, ranking=rk, overview=ov, midpoint=mp,
                    sources=sources, published=published, build_info=info, core_ids=core)


def latest_source_type(row, sources: dict) -> str | None:
    """published | return | demo: where the latest compared value of a status row comes from (None: no data)."""
    if _isnan(row.get("latest_period")) or not isinstance(row.get("indicator_id"), str):
        return None
    src = sources.get((row["indicator_id"], row["latest_period"]))
    if src is not None:
        return src[0]
    types = [t for t in str(row.get("source_types") or "").split(";") if t]
    return types[0] if len(types) == 1 else None


def source_text(row, sources: dict) -> tuple[str, bool]:
    """(数据来源 of a status row, whether demo values contributed): the source of the latest period
    compared — 公开发布 with the document's title, 部门报表, or 示例数据 — plus the other kinds used."""
    types = [t for t in str(row.get("source_types") or "").split(";") if t]
    if _isnan(row.get("latest_period")) or not isinstance(row.get("indicator_id"), str):
        return "—", False
    src = sources.get((row["indicator_id"], row["latest_period"]))
    parts: list[str] = []
    main_type = None
    if src is not None:
        main_type, title, _address, file_name = src
        if main_type == "published":
            parts.append(f"公开发布：{title}" if title else "公开发布")
        elif main_type == "return":
            parts.append(f"部门报表：{file_name}" if file_name else "部门报表")
        elif main_type == "demo":
            parts.append(DEMO + "（部门报表演示值）")
        else:
            parts.append(str(main_type))
    others = [t for t in types if t != main_type]
    names = {"published": "公开发布数据", "return": "部门报表", "demo": DEMO}
    if others:
        parts.append("另含" + "、".join(names.get(t, t) for t in others))
    demo = main_type == "demo" or "demo" in types
    return "；".join(parts) if parts else "—", demo


# ----------------------------------------------------------------------------------------------
# figures: the dashboards' functions on the dashboards' inputs
# ----------------------------------------------------------------------------------------------

def ranking_figure(data: PackData):
    rk = data.ranking.copy()
    rk["label"] = [_project_label(n, s) for n, s in zip(rk["project_no"], rk["short_zh"])]
    rk["score"] = rk["score_pp"]
    rk["status"] = rk["light"]
    rk["hover"] = [f"第{int(r.rank)}名（{views.rank_change_text(r.rank_change)}） · {_status_zh(r.light)}"
                   for r in rk.itertuples()]
    demo = bool(rk["any_demo"].any())
    title = f"晾晒排名（{_quarter_zh(data.as_of)}）：平均快慢得分（单项±50个百分点封顶）"
    return charts.ranking_bars(rk, title=title, demo=demo), title, demo


def status_share(df: pd.DataFrame, title: str, demo: bool = False):
    """100 % stacked bars of the target lights per project (first project on top).

    ``df`` columns: ``label``, ``n_green``, ``n_yellow``, ``n_red``, ``n_grey``.
    """
    import plotly.graph_objects as go

    d = df.iloc[::-1]
    total = d[[f"n_{k}" for k in LIGHTS]].sum(axis=1).replace(0, float("nan"))
    fig = go.Figure()
    for k in LIGHTS:
        n = d[f"n_{k}"]
        fig.add_bar(
            x=(n / total * 100).fillna(0.0), y=d["label"], orientation="h", name=_status_zh(k),
            marker_color=charts.STATUS_COLOURS[k], text=[str(int(v)) if v else "" for v in n],
            textposition="inside", insidetextanchor="middle", textfont=dict(color="white"),
            customdata=n, hovertemplate="%{y}：" + _status_zh(k) + "%{customdata}项（%{x:.0f}%）<extra></extra>",
        )
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=1.0, x=1.0, xanchor="right", yanchor="bottom",
                                                   traceorder="normal"))
    fig.update_xaxes(title="占在推进约束性目标的比例（%），条内数字为目标项数", ticksuffix="%", range=[0, 100])
    fig.update_yaxes(automargin=True)
    charts.style(fig, title, height=_share_height(len(d)))
    fig.update_layout(margin=dict(l=20, r=30, t=110))
    return charts.add_demo_label(fig) if demo else fig


def _share_height(n: int) -> int:
    return max(MIN_CHART_HEIGHT, 190 + 44 * max(n, 1))


def status_share_figure(data: PackData):
    rk = data.ranking.sort_values("project_no").copy()
    rk["label"] = [_project_label(n, s) for n, s in zip(rk["project_no"], rk["short_zh"])]
    demo = bool(rk["any_demo"].any())
    title = f"各工程目标灯号构成（{_quarter_zh(data.as_of)}，在推进的约束性目标）"
    existing = getattr(charts, "status_share", None)
    if callable(existing):  # the dashboards' own version, when charts.py provides one
        try:
            return existing(rk, title=title, demo=demo), title, demo
        except Exception:  # noqa: BLE001 - another contract: fall back to the pack's own figure
            log.info("charts.status_share did not accept the pack's frame; using the pack's own figure")
    return status_share(rk, title, demo), title, demo


def midpoint_figure(data: PackData):
    """The 中期评估 page's chart: each 2027 target's completion at end-2025 against its 序时进度."""
    mp = data.midpoint
    c = mp[(mp["check"] == "span_2027") & (mp["kind"] != "growth_rate") & mp["completion"].notna()
           & ~mp["stretch"].fillna(False).astype(bool)].copy()
    if c.empty or data.as_of < MIDPOINT_DATE:
        return None, "", False
    c["label"] = [f"{_project_label(n, s)}·{views.short_label(m, 14)}"
                  for n, s, m in zip(c["project_no"], c["project_short"], c["metric_zh"])]
    dup = c["label"].duplicated(keep=False)
    c.loc[dup, "label"] = [f"{lab}·{tid}" for lab, tid in zip(c.loc[dup, "label"], c.loc[dup, "target_id"])]
    c["on_track"] = c["on_track"].fillna(False).astype(bool)
    c["hover"] = [f"{r['metric_zh']}：完成{_share(r['completion'])}" for _, r in c.iterrows()]
    exp = float(c["expected_progress"].mode().iloc[0])
    demo = bool(c["is_demo"].any())
    title = f"2027年目标：2025年末完成程度与{_share(exp)}序时进度（约束性目标）"
    return charts.midpoint_completion(c, expected=exp, title=title, demo=demo), title, demo


def gap_figure(data: PackData, project_no: int):
    """The project page's 距目标差距 chart (same selection, labels and function)."""
    proj = data.projects.set_index("project_no").loc[int(project_no)]
    play = data.play[data.play["project_no"] == project_no]
    g = play[(play["status"] != GREY) & play["gap"].notna()].copy()
    if g.empty:
        return None, "", False
    g["gap_pct"] = [views.gap_share(a, b) for a, b in zip(g["gap"], g["target_value"])]
    g = g[g["gap_pct"].notna()]
    if g.empty:
        return None, "", False
    # the year is kept outside the cut (two targets of one indicator must not share a bar label)
    g["label"] = [f"{views.short_label(m, 16)}（{int(y)}）" for m, y in zip(g["metric_zh"], g["target_year"])]
    dup = g["label"].duplicated(keep=False)
    g.loc[dup, "label"] = [f"{lab}·{tid}" for lab, tid in zip(g.loc[dup, "label"], g.loc[dup, "target_id"])]
    g["hover"] = [f"{r['metric_zh']}<br>{_status_zh(r['status'])} · {r['reason']}" for _, r in g.iterrows()]
    demo = bool(g["is_demo"].fillna(False).astype(bool).any())
    title = f"{_project_label(project_no, proj['short_zh'])}：各目标距目标还差多少（占目标值%，{_quarter_zh(data.as_of)}）"
    return charts.gap_to_target(g, title, demo=demo), title, demo


def trajectory_figure(db: Database, data: PackData, project_no: int):
    """The trajectory chart of the project's headline indicator (the card's 核心指标)."""
    row = data.overview.set_index("project_no").loc[int(project_no)]
    head = row["headline"]
    if head is None or not isinstance(head.get("indicator_id"), str):
        return None, "", False
    iid = head["indicator_id"]
    targets = db.targets(project_no)
    tg = targets[targets["indicator_id"] == iid]
    ind = db.sql("SELECT * FROM indicators WHERE region = ? AND indicator_id = ?", [db.region, iid])
    indicator = ind.iloc[0].to_dict() if len(ind) else {"indicator_id": iid}
    st = data.st[data.st["project_no"] == project_no]
    cd = views.indicator_chart_data(db, indicator, tg, st, data.as_of, data.known_at)
    cd["title"] = f"{_project_label(project_no, row['short_zh'])} 核心指标：{cd.get('title', '')}"
    cd["height"] = max(MIN_CHART_HEIGHT, int(cd.get("height") or 0))
    return charts.trajectory(cd), cd["title"], bool(cd.get("demo"))


def _chart_height(fig) -> int:
    h = fig.layout.height
    return int(h) if h else 500


# ----------------------------------------------------------------------------------------------
# the workbook
# ----------------------------------------------------------------------------------------------

FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
LIGHT_FILL = {GREEN: "2E9D4C", YELLOW: "E0A800", RED: "D63A2F", GREY: "BFC3C7"}
LIGHT_TEXT = {GREEN: "FFFFFF", YELLOW: "000000", RED: "FFFFFF", GREY: "000000"}
HEADER_FILL = "DCE6F1"


LINE_HEIGHT = 13.5  # points per line of 10-point text


def _display_width(text) -> float:
    """Width in Excel column units of 10-point text: CJK and full-width characters about 2, others 1."""
    return sum(2.0 if ord(ch) > 0x2E7F or ch in "“”‘’—…" else 1.0 for ch in str(text))


def _lines(text, width: float) -> int:
    """Lines a wrapped cell of the given column width needs (rounded up, at least one)."""
    if text is None or (isinstance(text, float) and text != text):
        return 1
    usable = max(width - 1.5, 1.0)
    return max(1, sum(max(1, math.ceil(_display_width(part) / usable)) for part in str(text).split("\n")))


def _value_format(v) -> str:
    """Display format of an amount: integers plain, else 1–2 decimals (the cell keeps the value)."""
    if _isnan(v):
        return "General"
    v = float(v)
    if abs(v - round(v)) < 1e-9:
        return "0"
    if abs(v) >= 100:
        return "0.0"
    if abs(v) >= 0.1:
        return "0.0#"
    return "0.0##"


def _target_format(row) -> str:
    """A number format that shows the comparator around the numeric target: 2000以上, 力争20以上, 年均15以上."""
    base = _value_format(row["target_value"])
    if base == "General":
        return base
    prefix = ("力争" if _bool(row.get("stretch")) else "") + ("年均" if row.get("kind") == "growth_rate" and views.is_span(row.get("period")) else "")
    comp = row.get("comparator")
    suffix = {">=": "以上", "<=": "以内", "=": "左右"}.get(comp, "")
    if comp == "range" and not _isnan(row.get("value_high")):
        suffix = "—" + _num(row["value_high"])
    return (f'"{prefix}"' if prefix else "") + base + (f'"{suffix}"' if suffix else "")


class _Sheet:
    """A worksheet with the pack's print layout: title rows, a header row, data rows."""

    def __init__(self, wb, title: str, heading: str, info: str, demo: bool, columns: list[tuple[str, float]]):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.A, self.B, self.F, self.P, self.S = Alignment, Border, Font, PatternFill, Side
        self.wb = wb
        self.ws = wb.create_sheet(title)
        self.columns = columns
        thin = Side(style="thin", color="808080")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        n = len(columns)
        ws = self.ws
        from openpyxl.utils import get_column_letter

        self.last_col = get_column_letter(n)
        ws.append([heading])
        ws.merge_cells(f"A1:{self.last_col}1")
        ws["A1"].font = Font(name=TITLE_FONT_NAME, size=16, bold=True)
        ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[1].height = 30
        ws.append([info])
        ws.merge_cells(f"A2:{self.last_col}2")
        ws["A2"].font = Font(name=FONT_NAME, size=10)
        ws["A2"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[2].height = 30
        ws.append([DEMO_NOTE if demo else ""])
        ws.merge_cells(f"A3:{self.last_col}3")
        ws["A3"].font = Font(name=FONT_NAME, size=10, bold=True, color="B00020")
        ws["A3"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        ws.row_dimensions[3].height = 30 if demo else 6
        ws.append([c[0] for c in columns])
        self.header_row = 4
        for i, (name, width) in enumerate(columns, start=1):
            cell = ws.cell(row=4, column=i)
            cell.font = Font(name=FONT_NAME, size=10, bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = self.border
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.row_dimensions[4].height = LINE_HEIGHT * max(_lines(n, w) for n, w in columns) + 6
        ws.freeze_panes = "A5"
        ws.print_title_rows = "1:4"
        ps = ws.page_setup
        ps.orientation = "landscape"
        ps.paperSize = ws.PAPERSIZE_A4
        ps.fitToWidth = 1
        ps.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.8
        ws.page_margins.header = ws.page_margins.footer = 0.3
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddFooter.center.font = FONT_NAME
        ws.oddHeader.right.text = "&A"
        ws.oddHeader.right.font = FONT_NAME

    def _style(self, wrap: bool = False, center: bool = False, bold: bool = False, light: str | None = None) -> str:
        """A named style (registered once per workbook): assigning it is far cheaper than fonts per cell."""
        from openpyxl.styles import NamedStyle

        name = f"pack-{'w' if wrap else ''}{'c' if center else ''}{'b' if bold else ''}{light or ''}"
        if name not in self.wb.named_styles:
            st = NamedStyle(name=name)
            st.border = self.border
            if light:
                st.font = self.F(name=FONT_NAME, size=10, bold=True, color=LIGHT_TEXT[light])
                st.fill = self.P("solid", fgColor=LIGHT_FILL[light])
                st.alignment = self.A(horizontal="center", vertical="center")
            else:
                st.font = self.F(name=FONT_NAME, size=10, bold=bold)
                st.alignment = self.A(vertical="center", wrap_text=wrap, horizontal="center" if center else None)
            self.wb.add_named_style(st)
        return name

    def row(self, values: list, formats: dict[int, str] | None = None, wrap: set[int] | None = None,
            center: set[int] | None = None, light: tuple[int, str] | None = None, bold: bool = False) -> int:
        ws = self.ws
        ws.append(values)
        r = ws.max_row
        formats, wrap, center = formats or {}, wrap or set(), center or set()
        for i in range(1, len(self.columns) + 1):
            c = ws.cell(row=r, column=i)
            if light is not None and i == light[0]:
                c.style = self._style(light=light[1] if light[1] in LIGHT_FILL else GREY)
            else:
                c.style = self._style(i in wrap, i in center, bold)
            if i in formats:
                c.number_format = formats[i]
        lines = max([_lines(values[i - 1], self.columns[i - 1][1]) for i in wrap if i <= len(values)] or [1])
        ws.row_dimensions[r].height = LINE_HEIGHT * lines + 4
        return r

    def note(self, text: str) -> None:
        self.ws.append([text])
        r = self.ws.max_row
        self.ws.merge_cells(f"A{r}:{self.last_col}{r}")
        c = self.ws.cell(row=r, column=1)
        c.font = self.F(name=FONT_NAME, size=9, color="444444")
        c.alignment = self.A(wrap_text=True, vertical="top")
        self.ws.row_dimensions[r].height = LINE_HEIGHT * _lines(text, sum(w for _, w in self.columns)) + 4


SUMMARY_SHEET = "晾晒总表"
MIDPOINT_SHEET = "中期评估"
NOTES_SHEET = "数据说明"
SUMMARY_COLUMNS = [("排名", 6), ("工程", 12), ("牵头单位", 11), ("在推进约束性\n目标（项）", 12), ("有数据\n（项）", 8),
                   ("绿灯\n（项）", 7), ("黄灯\n（项）", 7), ("红灯\n（项）", 7), ("灰灯\n（项）", 7),
                   ("得分（快于+/慢于−\n序时进度平均百分点，\n单项±50封顶）", 15), ("绿灯占比", 8), ("工程总灯", 8),
                   ("核心指标", 22), ("核心指标进展", 32)]
PROJECT_COLUMNS = [("序号", 5), ("目标编号", 12), ("目标", 24), ("目标期限", 11), ("目标值", 12), ("单位", 7),
                   ("最新实际", 10), ("期别", 9), ("序时进度", 7), ("完成率", 7), ("快于(+)/\n慢于(−)\n序时进度\n（个百分点）", 10),
                   ("状态", 6), ("原因", 26), ("数据来源", 22), ("计入\n晾晒", 6)]
MIDPOINT_COLUMNS = [("序号", 5), ("工程", 10), ("目标编号", 12), ("目标", 24), ("评估类别", 11), ("目标值", 12), ("单位", 7),
                    ("2025年末\n实际", 10), ("期别", 9), ("完成率", 7), ("应达进度", 7), ("快于(+)/\n慢于(−)\n（个百分点）", 10),
                    ("评估结果", 8), ("状态", 6), ("说明", 30)]
# before the midpoint: progress so far against the time elapsed at the report date
MIDPOINT_COLUMNS_PRE = [(("最新实际", w) if i == 7 else ("序时进度", w) if i == 10 else
                         ("快于(+)/\n慢于(−)序时进度\n（个百分点）", w) if i == 11 else (n, w))
                        for i, (n, w) in enumerate(MIDPOINT_COLUMNS)]


def project_sheet_name(no: int, short: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", _project_label(no, short))
    return name[:31]


def write_workbook(data: PackData, path: Path) -> list[str]:
    """The official 进度晾晒表 workbook. Returns the sheet names."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    q = _quarter_zh(data.as_of)
    info_common = f"报告期：{q}末（{_date_zh(data.as_of)}）　数据截至：{_date_zh(data.known_at)}　依据：义政办发〔2023〕15号"
    rk = data.ranking
    ov = data.overview.set_index("project_no")

    # 晾晒总表 ------------------------------------------------------------------------------
    s = _Sheet(wb, SUMMARY_SHEET, f"义乌市“十项重大工程”进度晾晒表（{q}）", info_common, bool(rk["any_demo"].any()),
               SUMMARY_COLUMNS)
    for r in rk.itertuples(index=False):
        head = ov.loc[int(r.project_no), "headline"]
        head_name = "" if head is None else str(head["metric_zh"])
        head_text = "" if head is None else (str(head.get("reason") or "")
                                             + (f"（{DEMO}）" if latest_source_type(head, data.sources) == "demo" else ""))
        score = None if _isnan(r.score_pp) else float(r.score_pp)
        sg = None if _isnan(r.share_green) else float(r.share_green)
        s.row([int(r.rank), _project_label(r.project_no, r.short_zh), r.lead_unit, int(r.n_targets),
               int(r.n_with_data), int(r.n_green), int(r.n_yellow), int(r.n_red), int(r.n_grey), score, sg,
               _status_zh(r.light), head_name, head_text],
              formats={10: '+0.0;-0.0;0.0', 11: "0%"}, wrap={13, 14}, center={1, 3, 12},
              light=(12, r.light))
    tot = [rk[c].astype(int).sum() for c in ("n_targets", "n_with_data", "n_green", "n_yellow", "n_red", "n_grey")]
    s.row(["", "合计", "", *[int(v) for v in tot], None, None, "", "", ""], center={2}, bold=True)
    s.note(RANKING_RULE_ZH)
    s.note(views.PROJECT_LIGHT_RULE_ZH)

    # one sheet per project -------------------------------------------------------------------
    names = [SUMMARY_SHEET]
    play_ids = set(data.play["target_id"])
    for p in data.projects.itertuples(index=False):
        no = int(p.project_no)
        sp = data.st[data.st["project_no"] == no]
        sp = sp.assign(_s=sp["section"].map(views.SECTION_ORDER), _y=sp["target_year"]).sort_values(
            ["_s", "stretch", "_y", "target_id"])
        rows = [(r, *source_text(r, data.sources)) for _, r in sp.iterrows()]
        demo = any(d for _, _, d in rows)
        rkr = rk.set_index("project_no").loc[no]
        convenors = "、".join(list(p.convenors)) if p.convenors is not None else ""
        info = (f"牵头单位：{p.lead_unit}　召集人：{convenors}　工程总灯：{_status_zh(rkr['light'])}　晾晒排名：第{int(rkr['rank'])}名　"
                + info_common)
        name = project_sheet_name(no, p.short_zh)
        s = _Sheet(wb, name, f"{fmt.cn_number(no)}、{p.name_zh} 主要指标进度（{q}）", info, demo, PROJECT_COLUMNS)
        for i, (r, src, _demo) in enumerate(rows, start=1):
            growth = r["kind"] == "growth_rate"
            actual = None if _isnan(r["latest_actual"]) else float(r["latest_actual"])
            tp = None if growth or _isnan(r["time_progress"]) else float(r["time_progress"])
            comp = None if growth or _isnan(r["completion"]) else float(r["completion"])
            ahead = None if _isnan(r["ahead_pp"]) else float(r["ahead_pp"])
            s.row([i, r["target_id"], r["metric_zh"], _span_zh(r["period"], r["target_year"]), float(r["target_value"]),
                   r["unit"] or "", actual, _period_zh(r["latest_period"]) if actual is not None else "—",
                   tp if tp is not None else "—", comp if comp is not None else "—", ahead,
                   _status_zh(r["status"]), r["reason"] or "", src, "是" if r["target_id"] in play_ids else ""],
                  formats={5: _target_format(r), 7: _value_format(actual), 9: "0%", 10: "0.0%", 11: '+0.0;-0.0;0.0'},
                  wrap={3, 4, 8, 13, 14}, center={1, 6, 8, 9, 10, 15}, light=(12, r["status"]))
        s.note("说明：“计入晾晒”为报告期在推进的约束性目标（不含“力争”目标），工程总灯和晾晒排名按这些目标计算；"
               "增速类目标不计序时进度和完成率，按实际增速与目标增速的差距判定。" + TIME_PROGRESS_RULE_ZH)
        names.append(name)

    # 中期评估 ---------------------------------------------------------------------------------
    mp = data.midpoint
    pre = data.pre_midpoint
    heading = "2025年中期评估" + (f"：中期目标截至{_date_zh(data.as_of)}的进度" if pre else "")
    when = (f"报告期：{_date_zh(data.as_of)}（中期评估时点2025年12月31日）" if pre
            else f"评估时点：{_date_zh(MIDPOINT_DATE)}")
    s = _Sheet(wb, MIDPOINT_SHEET, f"义乌市“十项重大工程”{heading}",
               f"{when}　数据截至：{_date_zh(data.known_at)}　依据：义政办发〔2023〕15号",
               bool(mp["is_demo"].any()), MIDPOINT_COLUMNS_PRE if pre else MIDPOINT_COLUMNS)
    short = dict(zip(data.projects["project_no"], data.projects["short_zh"]))
    for i, r in enumerate(mp.to_dict("records"), start=1):
        growth = r.get("kind") == "growth_rate"
        actual = None if _isnan(r.get("latest_actual")) else float(r["latest_actual"])
        comp = None if growth or _isnan(r.get("completion")) else float(r["completion"])
        exp_key, ahead_key = ("time_progress", "ahead_pp") if pre else ("expected_progress", "midpoint_ahead_pp")
        exp = None if growth or _isnan(r.get(exp_key)) else float(r[exp_key])
        ahead = None if (growth and not pre) or _isnan(r.get(ahead_key)) else float(r[ahead_key])
        s.row([i, _project_label(r["project_no"], short.get(r["project_no"], "")), r["target_id"], r["metric_zh"],
               r["check_zh"], float(r["target_value"]), r.get("unit") or "", actual,
               _period_zh(r.get("latest_period")) if actual is not None else "—", comp if comp is not None else "—",
               exp if exp is not None else "—", ahead, midpoint_verdict(r, pre), _status_zh(r.get("status")),
               (r.get("reason_zh") or "") + (f"（{DEMO}）" if latest_source_type(r, data.sources) == "demo" else "")],
              formats={6: _target_format(r), 8: _value_format(actual), 10: "0.0%", 11: "0%", 12: '+0.0;-0.0;0.0'},
              wrap={2, 4, 5, 9, 15}, center={1, 7, 9, 10, 11, 13}, light=(14, r.get("status")))
    s.note(MIDPOINT_RULE_ZH)
    names.append(MIDPOINT_SHEET)

    # 数据说明 ---------------------------------------------------------------------------------
    demo = data.demo
    s = _Sheet(wb, NOTES_SHEET, "数据说明", info_common, demo, [("项目", 18), ("说明", 110)])
    latest = [latest_source_type(r, data.sources) for r in data.st.to_dict("records")]
    n_pub, n_ret, n_demo = (sum(1 for t in latest if t == k) for k in ("published", "return", "demo"))
    n_none = sum(1 for t in latest if t is None)
    lines = [
        ("报告期", f"{q}末（{_date_zh(data.as_of)}）：只计入此前结束的统计期的数据。"),
        ("数据截至", f"{_date_zh(data.known_at)}：各统计期取截至该日报送或发布的最新数值（含修订）。"),
        ("生成时间", datetime.now().strftime("%Y年%m月%d日 %H:%M") + "，由 shiwu 生成（shiwu pack）。"),
        ("目标来源", f"《义乌市体系化推进“十项重大工程”实施方案》（义政办发〔2023〕15号）的五年目标、三年行动和2023年度重点任务，"
                  f"共量化目标{len(data.st)}项，每项目标均引用方案原文（见目标库 targets.csv）。"),
        ("实际值来源", f"公开发布的统计公报、新闻等（注明标题和网址），以及各牵头单位季度报表。"
                   f"本表{len(latest)}项目标中，最新实际值来自公开发布数据的{n_pub}项、部门报表的{n_ret}项、"
                   f"示例数据的{n_demo}项，暂无数据的{n_none}项。"),
    ]
    if demo:
        lines.append(("示例数据", "部门季度报表不公开。标注“示例数据”的数值由演示数据生成器产生，仅用于演示本工具的功能，"
                               "并非真实统计，不得引用；正式使用时由各牵头单位报送的报表替换。"))
    lines += [
        ("序时进度与完成率", TIME_PROGRESS_RULE_ZH),
        ("目标灯与工程总灯", views.PROJECT_LIGHT_RULE_ZH),
        ("晾晒排名", RANKING_RULE_ZH),
        ("中期评估", MIDPOINT_RULE_ZH),
    ]
    if data.build_info:
        lines.append(("数据库版本", f"输入文件校验值 {str(data.build_info.get('inputs_sha256', ''))[:16]}…；"
                                f"示例数据已载入：{'是' if data.build_info.get('demo_loaded') == 'true' else '否'}"))
    for k, v in lines:
        s.row([k, v], wrap={2})
    pub = data.published
    if len(pub):
        s.row(["公开发布的数据来源", ""], bold=True)
        for r in pub.itertuples(index=False):
            text = f"{r.title}　{r.address or ''}"
            s.row(["", text], wrap={2})
    names.append(NOTES_SHEET)

    wb.properties.title = f"十项重大工程进度晾晒表（{q}）"
    wb.properties.creator = "shiwu"
    wb.save(path)
    return names


def midpoint_verdict(r, pre: bool = False) -> str:
    """评估结果 of a midpoint row: 已完成 / 未完成 (2025 targets), 达到序时 / 落后序时 (2027 targets);
    before the midpoint (``pre``): 已提前完成 / 推进中 / 暂无数据."""
    if pre:
        if r.get("met") == True:  # noqa: E712 - numpy bools and NaN
            return "已提前完成"
        return "暂无数据" if r.get("status") in (None, GREY) else "推进中"
    if r.get("check") == "target_2025":
        return "—" if r.get("met") is None or _isnan(r.get("met")) else ("已完成" if r["met"] else "未完成")
    ot = r.get("on_track")
    if ot is None or _isnan(ot):
        return "暂无数据"
    return "达到序时" if ot else "落后序时"


# ----------------------------------------------------------------------------------------------
# the briefing (动态简报)
# ----------------------------------------------------------------------------------------------

def _quoted(text) -> str:
    """Quotes inside a quoted name become single quotes: 市域“镇镇通高速” → 市域‘镇镇通高速’."""
    return str(text).replace("“", "‘").replace("”", "’")


def _list_zh(items: list[str]) -> str:
    return "、".join(items)


def headline_sentence(head, sources: dict | None = None) -> str:
    """核心指标“X”目标…，截至…，完成目标的68%，快于序时进度18个百分点（绿灯）。"""
    if head is None:
        return "该工程暂无约束性量化目标。"
    target = views.target_label(head)
    name = f"核心指标“{_quoted(head['metric_zh'])}”目标{target}"
    if head["status"] == GREY or _isnan(head.get("latest_actual")):
        return f"{name}，暂无数据。"
    period = _period_zh(head["latest_period"])
    actual = views.actual_text(head)
    kind = latest_source_type(head, sources) if sources is not None else ("demo" if _bool(head.get("is_demo")) else None)
    demo = f"（{DEMO}）" if kind == "demo" else ""
    if head["kind"] == "growth_rate":
        return f"{name}，截至{period}为{actual}{demo}：{head['reason']}（{_status_zh(head['status'])}）。"
    verb = "累计完成" if head["kind"] == "cumulative_flow" and views.is_span(head["period"]) else "达到"
    return (f"{name}，截至{period}{verb}{actual}{demo}，完成目标的{_share(head['completion'])}，"
            f"{_ahead(head['ahead_pp'])}（{_status_zh(head['status'])}）。")


def briefing(data: PackData, chart_files: list[ChartFile] | None = None) -> tuple[str, str]:
    """(markdown, plain text) of the 动态简报; every number is computed here from the engine's output."""
    q = _quarter_zh(data.as_of)
    st, rk, mp = data.st, data.ranking, data.midpoint
    counts = views.light_counts(st["status"])
    n_data = len(st) - counts[GREY]
    play = data.play
    pc = views.light_counts(play["status"])
    lights = views.light_counts(rk["light"])
    chart_by = {(c.kind, c.project_no): c for c in (chart_files or [])}
    md: list[str] = []

    def img(kind, no=None):
        c = chart_by.get((kind, no))
        if c is not None:
            md.append(f"![{c.title}]({c.path.name})\n")

    md.append(f"# 义乌市“十项重大工程”动态简报（{q}）\n")
    md.append(f"报告期：{_date_zh(data.as_of)}　数据截至：{_date_zh(data.known_at)}　依据：义政办发〔2023〕15号\n")
    if data.demo:
        md.append(f"> {DEMO_NOTE_BRIEF}\n")

    md.append("## 一、总体情况\n")
    md.append(
        f"截至{q}，十项重大工程共有量化目标{len(st)}项（含已到期的年度目标和“力争”目标），其中有数据的{n_data}项："
        f"绿灯{counts[GREEN]}项、黄灯{counts[YELLOW]}项、红灯{counts[RED]}项，暂无数据{counts[GREY]}项。"
        f"报告期在推进的约束性目标{len(play)}项：绿灯{pc[GREEN]}项、黄灯{pc[YELLOW]}项、红灯{pc[RED]}项、"
        f"暂无数据{pc[GREY]}项。按工程总灯，绿灯工程{lights[GREEN]}个、黄灯工程{lights[YELLOW]}个、"
        f"红灯工程{lights[RED]}个、暂无数据{lights[GREY]}个。\n")
    img("status_share")

    md.append("## 二、晾晒排名\n")
    scored = rk[rk["score_pp"].notna()]

    def who(r) -> str:
        return f"{r.short_zh}（得分{fmt.signed_pp(r.score_pp) if fmt else r.score_pp}，{views.rank_change_text(r.rank_change)}）"

    top = [who(r) for r in scored.head(3).itertuples()]
    tail = [who(r) for r in scored.iloc[3:].tail(2).itertuples()] if len(scored) > 3 else []
    text = "按在推进的约束性目标快于或慢于序时进度的平均百分点（单项以±50个百分点封顶）排名，" + (f"排名前三的是{_list_zh(top)}" if top else "尚无可排名的数据")
    if tail:
        text += f"；排名靠后的是{_list_zh(tail)}"
    text += "。"
    red_projects = rk[rk["light"] == RED]
    if len(red_projects):
        text += (f"工程总灯为红灯、进度滞后的有{_list_zh([str(s) for s in red_projects['short_zh']])}"
                 f"（{len(red_projects)}项工程），须加快推进。")
    nodata = rk[rk["score_pp"].isna()]
    if len(nodata):
        text += f"暂无数据、未参与排名的有{_list_zh([str(s) for s in nodata['short_zh']])}。"
    md.append(text + "\n")
    img("ranking")

    md.append("## 三、2025年中期目标完成情况\n")
    firm = mp[~mp["stretch"].fillna(False).astype(bool)]
    t25, t27 = firm[firm["check"] == "target_2025"], firm[firm["check"] == "span_2027"]
    met = int((t25["met"] == True).sum())  # noqa: E712
    missed = int((t25["met"] == False).sum())  # noqa: E712
    ok = int((t27["on_track"] == True).sum())  # noqa: E712
    behind = int((t27["on_track"] == False).sum())  # noqa: E712
    if data.pre_midpoint:
        left = (MIDPOINT_DATE.year - data.as_of.year) * 4 + (4 - (data.as_of.month - 1) // 3 - 1)

        def rest(df) -> str:
            c = views.light_counts(df.loc[df["met"] != True, "status"])  # noqa: E712
            return f"绿灯{c[GREEN]}项、黄灯{c[YELLOW]}项、红灯{c[RED]}项、暂无数据{c[GREY]}项"

        met27 = int((t27["met"] == True).sum())  # noqa: E712
        text = (f"距2025年末中期评估还有{left}个季度。2025年到期的约束性目标{len(t25)}项中，已提前完成{met}项，"
                f"其余{len(t25) - met}项在推进中：{rest(t25)}；2027年约束性目标{len(t27)}项中，已提前完成{met27}项，"
                f"其余{len(t27) - met27}项：{rest(t27)}。")
        miss = t25.iloc[0:0]
    else:
        text = (f"2025年末，2025年到期的约束性目标{len(t25)}项：已完成{met}项、未完成{missed}项、暂无数据{len(t25) - met - missed}项；"
                f"2027年约束性目标{len(t27)}项中，绿灯（达到序时进度且预计可如期完成）{ok}项、"
                f"黄灯或红灯{behind}项、暂无数据或缺基期{len(t27) - ok - behind}项"
                f"（按各目标所用的序时进度评价，见各行）。")
        miss = t25[t25["met"] == False]  # noqa: E712
    if len(miss):
        named = [f"{r.project_short}·{r.metric_zh}" for r in miss.head(MAX_RED_NAMED).itertuples()]
        text += f"未完成的2025年目标有{_list_zh(named)}" + (f"等{len(miss)}项" if len(miss) > len(named) else "") + "。"
    md.append(text + "\n")
    img("midpoint")

    md.append("## 四、各工程进展\n")
    ov = data.overview.set_index("project_no")
    rki = rk.set_index("project_no")
    for p in data.projects.itertuples(index=False):
        no = int(p.project_no)
        o, r = ov.loc[no], rki.loc[no]
        pp = play[play["project_no"] == no]
        c = views.light_counts(pp["status"])
        rank = (f"晾晒第{int(r['rank'])}名（位次变化{views.rank_change_text(r['rank_change'])}）"
                if not _isnan(r["score_pp"]) else "暂未参与排名")
        text = (f"**（{fmt.cn_number(no) if fmt else no}）{p.name_zh}**（牵头单位：{p.lead_unit}；工程总灯：{_status_zh(r['light'])}；{rank}）。"
                + headline_sentence(o["headline"], data.sources)
                + f"在推进的约束性目标{len(pp)}项：绿灯{c[GREEN]}项、黄灯{c[YELLOW]}项、红灯{c[RED]}项、暂无数据{c[GREY]}项。")
        reds = pp[pp["status"] == RED]
        if len(reds):
            named = [f"{r2.metric_zh}（{_span_zh(r2.period, r2.target_year)}）——{r2.reason}"
                     for r2 in reds.head(MAX_RED_NAMED).itertuples()]
            text += f"红灯目标：{'；'.join(named)}" + (f"；等{len(reds)}项" if len(reds) > len(named) else "") + "。"
        else:
            text += "无红灯目标。"
        md.append(text + "\n")
        img("trajectory", no)
        img("gap", no)

    md.append("## 五、说明\n")
    notes = [TIME_PROGRESS_RULE_ZH, views.PROJECT_LIGHT_RULE_ZH, RANKING_RULE_ZH]
    if data.demo:
        notes.append(DEMO_NOTE_BRIEF)
    md.append("\n".join(f"- {n}" for n in notes) + "\n")
    md_text = "\n".join(md)
    return md_text, markdown_to_text(md_text)


def markdown_to_text(md: str) -> str:
    """Plain text of the briefing: no image lines, no markdown marks."""
    out = []
    for line in md.splitlines():
        if line.startswith("!["):
            continue
        line = re.sub(r"^#+\s*", "", line)
        line = re.sub(r"^>\s*", "", line)
        line = line.replace("**", "")
        line = re.sub(r"^- ", "· ", line)
        out.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"
    return text


# ----------------------------------------------------------------------------------------------
# the pack
# ----------------------------------------------------------------------------------------------

def build_pack(as_of=None, out_dir=None, db: Database | None = None, *, known_at=None,
               projects: list[int] | None = None, charts_enabled: bool = True) -> PackResult:
    """Write the quarterly analysis pack and return what was written.

    ``as_of``: the report date (default ``db.latest_report_date()``); ``known_at``: the data vintage
    (default: the newest value in the store, as on the dashboards); ``projects``: the projects whose
    gap and trajectory charts are drawn (default all ten; the workbook and the briefing always
    cover all ten); ``charts_enabled=False`` skips the PNGs.
    """
    own = db is None
    db = db or Database()
    try:
        data = load(db, as_of, known_at)
        q = _quarter_zh(data.as_of)
        out = Path(out_dir) if out_dir else paths.artifacts_dir() / f"pack-{data.as_of.isoformat()}"
        out.mkdir(parents=True, exist_ok=True)
        chart_files: list[ChartFile] = []
        if charts_enabled:
            items = []

            def add(fig, name, kind, title, demo, no=None):
                if fig is None:
                    return
                if _chart_height(fig) < MIN_CHART_HEIGHT:
                    fig.update_layout(height=MIN_CHART_HEIGHT)
                h = _chart_height(fig)
                items.append((fig, out / name))
                chart_files.append(ChartFile(out / name, kind, re.sub(r"<[^>]+>", "", title), CHART_WIDTH * CHART_SCALE,
                                             h * CHART_SCALE, demo, no))

            fig, title, demo = ranking_figure(data)
            add(fig, "01_晾晒排名.png", "ranking", title, demo)
            fig, title, demo = status_share_figure(data)
            add(fig, "02_灯号构成.png", "status_share", title, demo)
            fig, title, demo = midpoint_figure(data)
            add(fig, "03_中期评估.png", "midpoint", title, demo)
            nos = [int(n) for n in data.projects["project_no"]]
            for no in (nos if projects is None else [int(n) for n in projects if int(n) in nos]):
                fig, title, demo = trajectory_figure(db, data, no)
                add(fig, f"p{no:02d}_核心指标走势.png", "trajectory", title, demo, no)
                fig, title, demo = gap_figure(data, no)
                add(fig, f"p{no:02d}_距目标差距.png", "gap", title, demo, no)
            with warnings.catch_warnings():  # plotly: "kopts ignored when using a server" (harmless)
                warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                charts.write_pngs(items, width=CHART_WIDTH, height=None, scale=CHART_SCALE)
        xlsx = out / f"十项重大工程进度晾晒表_{q}.xlsx"
        sheets = write_workbook(data, xlsx)
        md_text, txt = briefing(data, chart_files)
        md_path, txt_path = out / f"动态简报_{q}.md", out / f"动态简报_{q}.txt"
        md_path.write_text(md_text, encoding="utf-8")
        txt_path.write_text(txt, encoding="utf-8")
        counts = views.light_counts(data.st["status"])
        return PackResult(
            as_of=data.as_of, known_at=data.known_at, quarter_zh=q, out_dir=out, xlsx=xlsx, briefing_md=md_path,
            briefing_txt=txt_path, charts=chart_files, demo=data.demo, sheets=sheets,
            summary={"n_targets": len(data.st), **{f"n_{k}": v for k, v in counts.items()}},
        )
    finally:
        if own:
            db.close()


def cli_pack(args) -> int:
    """``shiwu pack [--as-of DATE] [--out DIR]``: write the pack and list the files."""
    db = Database(getattr(args, "db", None))
    try:
        r = build_pack(as_of=getattr(args, "as_of", None), out_dir=getattr(args, "out", None), db=db,
                       projects=getattr(args, "projects", None))
    finally:
        db.close()
    print(f"季分析材料（{r.quarter_zh}，报告期{r.as_of.isoformat()}，数据截至{r.known_at.isoformat()}）已写入 {r.out_dir}：")
    for f in r.files:
        print(f"  {f}")
    if r.demo:
        print(f"注意：材料含{DEMO}（演示用的部门报表数值，并非真实统计），已在图表、表格和简报中标注。")
    return 0
