"""Plotly figures used by the dashboards, the research notebook and the quarterly pack.

Every figure goes through :func:`style` so fonts carry CJK glyphs (Noto Sans CJK SC first makes
the glyph forms deterministic on Debian with fonts-noto-cjk) and text is readable on a projector.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

CJK_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
BASE_FONT_SIZE = 16
STATUS_COLOURS = {"green": "#2e9d4c", "yellow": "#e0a800", "red": "#d63a2f", "grey": "#9aa0a6"}
STATUS_ZH = {"green": "绿", "yellow": "黄", "red": "红", "grey": "灰"}
DEMO_LABEL = "示例数据"


def style(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Apply the suite's layout: CJK font, projector-size text, white background."""
    fig.update_layout(
        font=dict(family=CJK_FONT_FAMILY, size=BASE_FONT_SIZE, color="#222"),
        title=dict(text=title, x=0.01, xanchor="left", font=dict(size=BASE_FONT_SIZE + 6)) if title else None,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=30, t=70 if title else 30, b=60),
        hoverlabel=dict(font=dict(family=CJK_FONT_FAMILY, size=BASE_FONT_SIZE - 2)),
    )
    if height:
        fig.update_layout(height=height)
    fig.update_xaxes(showgrid=False, linecolor="#888")
    fig.update_yaxes(gridcolor="#e5e5e5", linecolor="#888")
    return fig


def add_demo_label(fig: go.Figure) -> go.Figure:
    """Stamp the visible 示例数据 label on a figure that shows demo values."""
    fig.add_annotation(
        text=DEMO_LABEL, xref="paper", yref="paper", x=1.0, y=1.0, xanchor="right", yanchor="bottom",
        showarrow=False, font=dict(size=BASE_FONT_SIZE, color="#b00020"),
        bordercolor="#b00020", borderwidth=1, borderpad=3, bgcolor="#fff5f5",
    )
    return fig


def targets_per_project(counts: pd.DataFrame) -> go.Figure:
    """Stacked bars: number of targets per project and plan section.

    ``counts`` has columns ``project_label, section_zh, n``.
    """
    fig = go.Figure()
    for section, part in counts.groupby("section_zh", sort=False):
        fig.add_bar(x=part["project_label"], y=part["n"], name=section,
                    hovertemplate="%{x}<br>" + section + "：%{y}项<extra></extra>")
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=-0.25))
    fig.update_yaxes(title="目标数（项）")
    return style(fig, "十项重大工程 量化目标数")


def write_png(fig: go.Figure, path, width: int = 1280, height: int = 720, scale: float = 2) -> None:
    """Static PNG through kaleido and the system chromium (BROWSER_PATH overrides where it is)."""
    fig.write_image(str(path), format="png", width=width, height=height, scale=scale)


def write_pngs(items, width: int = 1280, height: int = 720, scale: float = 2) -> None:
    """Many PNGs with one browser: ~0.75 s an image instead of ~2 s (kaleido sync server)."""
    write_images([(fig, path, None) for fig, path in items], width=width, height=height, scale=scale)


def write_images(items, width: int = 1280, height: int | None = 720, scale: float = 2, progress=None) -> None:
    """PNG and SVG files of many figures with one browser (kaleido sync server).

    ``items``: ``(fig, png_path, svg_path_or_None)``; ``height=None`` uses each figure's own layout
    height. ``progress(i, n, path)`` is called before each file.
    """
    import kaleido

    jobs = []
    for fig, png, svg in items:
        h = height or int(fig.layout.height or 500)
        if png is not None:
            jobs.append((fig, png, "png", h))
        if svg is not None:
            jobs.append((fig, svg, "svg", h))
    kaleido.start_sync_server(silence_warnings=True)
    try:
        for i, (fig, path, kind, h) in enumerate(jobs, start=1):
            if progress is not None:
                progress(i, len(jobs), path)
            fig.write_image(str(path), format=kind, width=width, height=h, scale=scale if kind == "png" else 1)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


# ----------------------------------------------------------------------------------------------
# Dashboard figures. Inputs are small, prepared DataFrames / dicts (shiwu_lib.report builds
# them from the stored assessment); every figure goes through style() and carries the 示例数据
# label when any value it shows is demo data.
# ----------------------------------------------------------------------------------------------

# The chart toolbar: Chinese, one button (download a PNG), no Plotly logo, no cloud share.
PLOTLY_LOCALE_ZH = {
    "moduleType": "locale", "name": "zh-CN",
    "dictionary": {"Download plot as a PNG": "下载图片（PNG）", "Download plot as a png": "下载图片（PNG）", "Download plot": "下载图片",
                   "Double-click to zoom back out": "双击恢复原始大小", "Autoscale": "自动缩放", "Reset axes": "还原坐标轴",
                   "Zoom": "缩放", "Pan": "平移", "Zoom in": "放大", "Zoom out": "缩小", "Click to enter Colorscale title": "",
                   "Click to enter Plot title": "", "Click to enter X axis title": "", "Click to enter Y axis title": ""},
    "format": {"days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
               "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
               "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
               "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
               "date": "%Y-%m-%d", "decimal": ".", "thousands": ","},
}
PLOT_CONFIG = {"displaylogo": False, "locale": "zh-CN", "locales": {"zh-CN": PLOTLY_LOCALE_ZH},
               "modeBarButtons": [["toImage"]], "showEditInChartStudio": False, "showSendToCloud": False,
               "showLink": False, "responsive": True, "displayModeBar": "hover",
               "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "shiwu-chart"}}


def plot_config(filename: str | None = None) -> dict:
    """The config every chart is shown with (dashboards and the static edition)."""
    import copy

    cfg = copy.deepcopy(PLOT_CONFIG)
    if filename:
        cfg["toImageButtonOptions"]["filename"] = filename
    return cfg
PATH_COLOUR = "#1f5fbf"       # the target path
STRETCH_COLOUR = "#7a9cd6"    # 力争 (stretch) target path, dashed
ACTUAL_COLOUR = "#222222"
PROJECTION_COLOUR = "#6b6b6b"
MIDPOINT_COLOUR = "#b8860b"
BAND_COLOUR = "rgba(46,157,76,0.13)"    # the tolerance band (绿灯区间) under the target path
REPORT_LINE_COLOUR = "#b00020"


def _bar_height(n: int, per_bar: int = 40, extra: int = 150, minimum: int = 260) -> int:
    return max(minimum, extra + per_bar * max(n, 1))


def ranking_bars(df: pd.DataFrame, title: str = "晾晒排名：平均快于（+）/慢于（−）序时进度", demo: bool = False) -> go.Figure:
    """Horizontal bars of the 晾晒 score per project, rank 1 on top, coloured by the project light.

    ``df`` columns: ``label`` (e.g. "1 一 扩投资"), ``score`` (percentage points, may be NaN),
    ``status`` (project light), ``hover`` (one line of text).
    """
    d = df.iloc[::-1]  # plotly draws the first category at the bottom
    fig = go.Figure(go.Bar(
        x=d["score"].fillna(0.0), y=d["label"], orientation="h",
        marker_color=[STATUS_COLOURS.get(s, STATUS_COLOURS["grey"]) for s in d["status"]],
        text=[("—" if pd.isna(v) else f"{v:+.1f}") for v in d["score"]], textposition="outside",
        customdata=d["hover"], hovertemplate="%{y}<br>%{customdata}<extra></extra>", cliponaxis=False,
    ))
    fig.add_vline(x=0, line_color="#666", line_width=1)
    fig.update_xaxes(title="个百分点", zeroline=False)
    fig.update_yaxes(automargin=True)
    style(fig, title, height=_bar_height(len(d), 44))
    fig.update_layout(margin=dict(l=20, r=70), showlegend=False)
    return add_demo_label(fig) if demo else fig


BAND_COMPARATORS = ("=", "range")     # 左右 / 区间 targets: a tolerance band around the target value


def gap_label(row) -> str:
    """The text beside one bar of :func:`gap_to_target`, consistent with the light and the reason:
    a 左右 ('=') or range target above its tolerance band is 高于目标区间 (yellow, like the engine's
    reason), one inside it 在目标区间内; any other target 已达到 once its gap is ≤ 0, else the gap."""
    v = float(row["gap_pct"])
    band = str(row.get("comparator") or "") in BAND_COMPARATORS
    met = row.get("met")
    met = bool(met) if met is not None and not pd.isna(met) else None
    if band and (row.get("light_basis") == "band" or (v < 0 and met is not True)):
        return "高于目标区间"
    if band and met is True:
        return "在目标区间内"
    return "已达到" if v <= 0 else f"{v:.0f}%"


def gap_to_target(df: pd.DataFrame, title: str, demo: bool = False) -> go.Figure:
    """Remaining gap per target as % of the target value, largest gap on top, coloured by light.

    ``df`` columns: ``label``, ``gap_pct`` (≤ 0 once reached), ``status``, ``hover``; optional
    ``comparator``, ``met``, ``light_basis`` (:func:`gap_label`). A bar's text stands outside its end;
    a negative bar's (reached, or above a band) stands right of the zero line instead, where its row
    is empty — left of the bar it ran into the axis labels — and the axis keeps room for it there.
    """
    d = df.sort_values("gap_pct", ascending=True)
    rows = [r for _, r in d.iterrows()]
    labels = [gap_label(r) for r in rows]
    neg = [float(v) < 0 for v in d["gap_pct"]]
    fig = go.Figure(go.Bar(
        x=d["gap_pct"], y=d["label"], orientation="h",
        marker_color=[STATUS_COLOURS.get(s, STATUS_COLOURS["grey"]) for s in d["status"]],
        text=["" if n else t for t, n in zip(labels, neg)], textposition="outside",
        customdata=d["hover"], hovertemplate="%{y}<br>%{customdata}<extra></extra>", cliponaxis=False,
    ))
    for y, t, n, s in zip(d["label"], labels, neg, d["status"]):
        if n:
            fig.add_annotation(x=0, y=y, xref="x", yref="y", text=t, showarrow=False, xanchor="left", xshift=6,
                               font=dict(size=BASE_FONT_SIZE, color="#222"))
    fig.add_vline(x=0, line_color="#666", line_width=1)
    lo = min(0.0, float(d["gap_pct"].min())) if len(d) else 0.0
    hi = max(0.0, float(d["gap_pct"].max())) if len(d) else 1.0
    if any(neg):   # room right of zero for the negative bars' text (about 45 % of the axis)
        hi = max(hi, 0.8 * (hi - lo))
    span = (hi - lo) or 1.0
    fig.update_xaxes(title="距目标还差（占目标值的%）", ticksuffix="%", range=[lo - 0.04 * span, hi + 0.04 * span])
    fig.update_yaxes(automargin=True)
    style(fig, title, height=_bar_height(len(d), 40))
    fig.update_layout(margin=dict(l=20, r=110), showlegend=False)
    return add_demo_label(fig) if demo else fig


def midpoint_completion(df: pd.DataFrame, expected: float = 0.6,
                        title: str = "2027年目标：2025年末完成程度与60%序时进度",
                        demo: bool = False) -> go.Figure:
    """Completion at end-2025 of each 2027 target against the 60 % line, coloured on track / behind.

    ``df`` columns: ``label``, ``completion`` (1.0 = 100 %), ``on_track`` (bool), ``hover``.
    """
    d = df.sort_values("completion", ascending=True)
    colours = [STATUS_COLOURS["green"] if ok else STATUS_COLOURS["red"] for ok in d["on_track"]]
    fig = go.Figure(go.Bar(
        x=d["completion"] * 100, y=d["label"], orientation="h", marker_color=colours,
        text=[f"{v * 100:.0f}%" for v in d["completion"]], textposition="outside",
        customdata=d["hover"], hovertemplate="%{y}<br>%{customdata}<extra></extra>", cliponaxis=False,
    ))
    fig.add_vline(x=expected * 100, line_color=REPORT_LINE_COLOUR, line_dash="dash", line_width=2,
                  annotation_text=f"序时进度{expected:.0%}", annotation_position="top",
                  annotation_font=dict(color=REPORT_LINE_COLOUR, size=BASE_FONT_SIZE))
    fig.update_xaxes(title="2025年末完成程度（%）", ticksuffix="%", rangemode="tozero")
    fig.update_yaxes(automargin=True)
    style(fig, title, height=_bar_height(len(d), 34, extra=170))
    fig.update_layout(margin=dict(l=20, r=70), showlegend=False)
    return add_demo_label(fig) if demo else fig


TITLE_LINE_PX = 27       # a line of the trajectory title (20 px type)
SUBTITLE_LINE_PX = 22    # a line of its subtitle (16 px type)
TITLE_TOP_PX = 10        # canvas edge to the title
UNIT_ROW_PX = 36         # the row of the 单位 note (and 报告期, 示例数据) between the title and the plot


def trajectory(data: dict) -> go.Figure:
    """The five-year trajectory of one indicator.

    ``data`` keys (:func:`shiwu_lib.report.indicator_chart_data` builds it):

    - ``title``, ``subtitle`` (one line, e.g. the light and reason), ``unit``;
    - ``paths``: list of dicts ``name, x, y, stretch`` — target paths (firm solid, 力争 dashed);
    - ``annual``: list of dicts ``name, x, y, text`` — single-year targets (bar markers, hover ``text``);
    - ``baseline``: dict ``x, y, label`` or None;
    - ``actual``: DataFrame ``date, value, text`` (hover text: value, unit, period, source), rows
      separated by a row of NaN where the line must break (year-to-date series restart in January);
    - ``partial``: DataFrame like ``actual`` — this year's year-to-date values of a yearly flow whose
      target is a full-year level (drawn as open markers, not joined to the line), or None;
    - ``projection``: dict ``x, y, text`` (two points: the last actual and the window end) or None;
    - ``band``: dict ``x, upper, lower, name`` — the tolerance band under the firm path, or None;
    - ``midpoint``: dict ``x, y, text, kind, name`` (``kind`` target: the midpoint-year target, a
      filled star; pace: the path's 序时 value there, an open star) or None;
    - ``integer_ticks``: whole-number ticks (counts); ``title_width`` / ``title_lines``: how the
      title wraps; ``subtitle_in_chart`` (default True): False when the page writes it under the chart;
    - ``report_date``: the vertical report-date line; ``demo``: stamp 示例数据.
    """
    fig = go.Figure()
    unit = data.get("unit") or ""
    band = data.get("band")
    if band:
        fig.add_scatter(x=band["x"], y=band["lower"], mode="lines", line=dict(width=0), hoverinfo="skip",
                        showlegend=False, name=band["name"] + "（下沿）")
        fig.add_scatter(x=band["x"], y=band["upper"], mode="lines", line=dict(width=0), fill="tonexty",
                        fillcolor=BAND_COLOUR, name=band["name"], hoverinfo="skip")
    for p in data.get("paths", []):
        fig.add_scatter(
            x=p["x"], y=p["y"], mode="lines+markers", name=p["name"],
            line=dict(color=STRETCH_COLOUR if p.get("stretch") else PATH_COLOUR, width=2.5,
                      dash="dash" if p.get("stretch") else "solid"),
            marker=dict(size=7), hovertemplate=p["name"] + "<br>%{x|%Y年%m月}：%{y:,.4~g}" + unit + "<extra></extra>",
        )
    for a in data.get("annual", []):
        fig.add_scatter(
            x=a["x"], y=a["y"], mode="markers", name=a["name"],
            marker=dict(symbol="line-ew-open", size=26, color=PATH_COLOUR, line=dict(width=3, color=PATH_COLOUR)),
            customdata=a.get("text") or [a["name"]] * len(a["x"]), hovertemplate="%{customdata}<extra></extra>",
        )
    b = data.get("baseline")
    if b:
        fig.add_scatter(x=[b["x"]], y=[b["y"]], mode="markers", name="基期值",
                        marker=dict(symbol="square", size=11, color="#888"),
                        hovertemplate=b["label"] + "<extra></extra>")
    act = data.get("actual")
    if act is not None and len(act):
        fig.add_scatter(
            x=act["date"], y=act["value"], mode="lines+markers", name="实际值",
            line=dict(color=ACTUAL_COLOUR, width=2), marker=dict(size=8, color=ACTUAL_COLOUR),
            customdata=act["text"], hovertemplate="%{customdata}<extra></extra>", connectgaps=False,
        )
    part = data.get("partial")
    if part is not None and len(part):
        fig.add_scatter(
            x=part["date"], y=part["value"], mode="markers", name="本年累计（未满一年）",
            marker=dict(size=9, color="white", line=dict(width=2, color=ACTUAL_COLOUR)),
            customdata=part["text"], hovertemplate="%{customdata}<extra></extra>",
        )
    pr = data.get("projection")
    if pr:
        fig.add_scatter(x=pr["x"], y=pr["y"], mode="lines+markers", name="按当前进度预计",
                        line=dict(color=PROJECTION_COLOUR, width=2.5, dash="dot"),
                        marker=dict(size=[0, 9], color=PROJECTION_COLOUR),
                        hovertemplate=pr["text"] + "<extra></extra>")
    m = data.get("midpoint")
    if m:
        pace = m.get("kind") == "pace"
        fig.add_scatter(x=[m["x"]], y=[m["y"]], mode="markers", name=m.get("name") or f"{_midpoint_year()}年中期目标",
                        marker=dict(symbol="star-open" if pace else "star", size=16 if pace else 18, color=MIDPOINT_COLOUR,
                                    line=dict(width=2 if pace else 1, color=MIDPOINT_COLOUR if pace else "#5a4300")),
                        hovertemplate=m["text"] + "<extra></extra>")
    rd = data.get("report_date")
    if rd is not None:
        x = pd.Timestamp(rd)
        fig.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="paper",
                      line=dict(color=REPORT_LINE_COLOUR, width=1.5, dash="dash"))
        fig.add_annotation(x=x, y=1, xref="x", yref="paper", text="报告期", showarrow=False,
                           xanchor="left", yanchor="bottom", font=dict(color=REPORT_LINE_COLOUR, size=BASE_FONT_SIZE))
    title = wrap_zh(data.get("title", ""), data.get("title_width", 30), max_lines=data.get("title_lines", 1))
    n_title = title.count("<br>") + 1
    sub_lines = wrap_zh(data.get("subtitle") or "", 28, max_lines=2).split("<br>") if data.get("subtitle") and data.get("subtitle_in_chart", True) else []
    for line in sub_lines:
        title += f"<br><span style='font-size:{BASE_FONT_SIZE}px;color:#444'>{line}</span>"
    # The title (and subtitle) hang from the top of the canvas and the 单位 note has its own row
    # under them, above the plot: with the title centred in the top margin (Plotly's default) a
    # two-line title or subtitle came down onto the note.
    title_h = TITLE_LINE_PX * n_title + SUBTITLE_LINE_PX * len(sub_lines)
    top = max(86, TITLE_TOP_PX + title_h + UNIT_ROW_PX)
    height = data.get("height", 430) + top - 86
    style(fig, title, height=height)
    fig.update_layout(
        legend=dict(orientation="h", y=-0.16, x=0, font=dict(size=BASE_FONT_SIZE - 2)),
        margin=dict(l=64, r=24, t=top, b=96), hovermode="closest",
    )
    fig.layout.title.font.size = BASE_FONT_SIZE + 4
    # Plotly puts the first line's baseline at ``y`` whatever the anchor of a multi-line title:
    # place that baseline one type height below the top edge
    fig.layout.title.update(yref="container", y=1 - (TITLE_TOP_PX + BASE_FONT_SIZE + 4) / height, yanchor="top")
    start, final = _years(data)
    # bare years, never rotated: "2023年" is cut to "202…" on a phone
    fig.update_xaxes(range=[pd.Timestamp(start - 1, 10, 1), pd.Timestamp(final + 1, 3, 31)], dtick="M12",
                     tickformat="%Y", ticklabelmode="period", tickangle=0)
    # the unit reads horizontally above the axis (a rotated 个 reads as an arrow)
    fig.update_yaxes(title=None, rangemode="tozero" if data.get("from_zero") else "normal")
    if unit:
        fig.add_annotation(text=f"单位：{unit}", xref="paper", yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                           showarrow=False, font=dict(size=BASE_FONT_SIZE - 2, color="#555"), yshift=4)
    if data.get("integer_ticks"):
        dtick = integer_dtick(_max_y(fig))
        if dtick:
            fig.update_yaxes(dtick=dtick, tick0=0, tickformat=",d")
    return add_demo_label(fig) if data.get("demo") else fig


def _midpoint_year() -> int:
    from .plan import get

    return get().midpoint_year


def _years(data: dict) -> tuple[int, int]:
    from .plan import get

    p = get()
    return p.start_year, p.final_year


def _max_y(fig: go.Figure) -> float:
    m = 0.0
    for t in fig.data:
        for v in (t.y if t.y is not None else []):
            try:
                if v is not None and v == v:
                    m = max(m, float(v))
            except (TypeError, ValueError):
                pass
    return m


def integer_dtick(ymax: float) -> int | None:
    """A whole-number tick step for counts (个, 家, 项): None when Plotly's own ticks are whole anyway."""
    import math

    if ymax <= 0 or ymax > 40:
        return None
    raw = ymax / 5
    for step in (1, 2, 5, 10):
        if raw <= step:
            return step
    return int(math.ceil(raw))


def wrap_zh(text: str, width: int, max_lines: int = 2) -> str:
    """Wrap Chinese text for a Plotly title: lines of at most ``width`` characters joined by
    ``<br>``, broken after a comma when one is near, the last line ended with … when cut."""
    text = str(text or "")
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines:
        if len(rest) <= width:
            lines.append(rest)
            rest = ""
            break
        cut = max((rest.rfind(ch, 0, width) for ch in "，、；· "), default=-1)
        cut = cut + 1 if cut >= width // 2 else width
        while cut < len(rest) and rest[cut] in "，。、；：）》”":   # never start a line with a comma
            cut += 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and lines:
        lines[-1] = lines[-1][: max(width - 1, 1)] + "…"
    return "<br>".join(lines)


def light_timeline(df: pd.DataFrame, title: str = "工程总灯逐季变化") -> go.Figure:
    """Lights over report dates: ``df`` columns ``quarter`` (label), ``project`` (label), ``status``."""
    fig = go.Figure()
    for status, part in df.groupby("status", sort=False):
        fig.add_scatter(
            x=part["quarter"], y=part["project"], mode="markers", name=STATUS_ZH.get(status, status) + "灯",
            marker=dict(symbol="square", size=26, color=STATUS_COLOURS.get(status, STATUS_COLOURS["grey"])),
            hovertemplate="%{y} %{x}：" + STATUS_ZH.get(status, status) + "灯<extra></extra>",
        )
    quarters = list(dict.fromkeys(df["quarter"]))
    projects = list(dict.fromkeys(df["project"]))
    fig.update_xaxes(categoryorder="array", categoryarray=quarters, tickangle=-45)
    fig.update_yaxes(categoryorder="array", categoryarray=projects[::-1])
    style(fig, title, height=_bar_height(len(projects), 44, extra=200))
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig


def pace_bars(df: pd.DataFrame, unit: str, title: str, demo: bool = False) -> go.Figure:
    """ESCAP-style pace comparison: ``df`` columns ``label`` and ``value`` (per year), e.g. the
    observed pace and the pace still required to reach a target."""
    fig = go.Figure(go.Bar(
        x=df["label"], y=df["value"], marker_color=[PATH_COLOUR, STATUS_COLOURS["red"], STRETCH_COLOUR][: len(df)],
        text=[f"{v:.1f}" for v in df["value"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}：%{y:.1f}" + unit + "<extra></extra>",
    ))
    fig.update_yaxes(title=unit, rangemode="tozero")
    style(fig, title, height=420)
    return add_demo_label(fig) if demo else fig


def status_share(df: pd.DataFrame, title: str, demo: bool = False, height: int | None = None) -> go.Figure:
    """100 % stacked bars of the target lights per project (first row on top).

    ``df`` columns: ``label``, ``n_green``, ``n_yellow``, ``n_red``, ``n_grey``. The count of targets
    is written inside each bar.
    """
    d = df.iloc[::-1]
    keys = ["green", "yellow", "red", "grey"]
    total = d[[f"n_{k}" for k in keys]].sum(axis=1).replace(0, float("nan"))
    fig = go.Figure()
    for k in keys:
        n = d[f"n_{k}"]
        name = STATUS_ZH[k] + "灯"
        fig.add_bar(
            x=(n / total * 100).fillna(0.0), y=d["label"], orientation="h", name=name,
            marker_color=STATUS_COLOURS[k], text=[str(int(v)) if v else "" for v in n],
            textposition="inside", insidetextanchor="middle", textfont=dict(color="white"),
            customdata=n, hovertemplate="%{y}：" + name + "%{customdata}项（%{x:.0f}%）<extra></extra>",
        )
    # the legend stops short of the top-right corner, where the 示例数据 stamp goes
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=1.0, x=0.86 if demo else 1.0, xanchor="right",
                                                   yanchor="bottom", traceorder="normal"))
    fig.update_xaxes(title="占在推进约束性目标的比例（%），条内数字为目标项数", ticksuffix="%", range=[0, 100])
    fig.update_yaxes(automargin=True)
    style(fig, title, height=height or _bar_height(len(d), 44, extra=190, minimum=520))
    fig.update_layout(margin=dict(l=20, r=30, t=110))
    return add_demo_label(fig) if demo else fig
