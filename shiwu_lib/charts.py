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
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        for fig, path in items:
            write_png(fig, path, width=width, height=height, scale=scale)
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
