"""The pack's charts: the dashboards' figure functions (:mod:`shiwu_lib.charts`) on the dashboards'
inputs, laid out for a 16:9 slide (1280 × 720 layout px, PNG at scale 2 = 2560 × 1440, plus SVG).

A long list (the 2027 targets of the midpoint check, a project's gaps) is split over several
charts of at most ``MAX_BARS`` bars, each titled 「（1/4）」…, so no chart is taller than a slide.
"""
from __future__ import annotations

import logging
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import charts
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)
from ..api import MIDPOINT_DATE, Database
from .common import GREY, metric_without_year, project_label, quarter_zh, share, status_zh
from .data import PackData, headline_rows

log = logging.getLogger("shiwu.pack")

CHART_WIDTH = 1280           # layout px: 16:9
CHART_HEIGHT = 720
CHART_SCALE = 2              # PNG 2560 × 1440
MAX_BARS = 14                # bars per chart before the list is split


@dataclass
class ChartFile:
    """One chart of the pack: its PNG (and SVG), what it shows and its pixel size."""

    path: Path                # the PNG
    kind: str                 # ranking | status_share | midpoint | gap | trajectory
    title: str
    width: int                # PNG pixel size (layout size × scale)
    height: int
    demo: bool
    project_no: int | None = None
    svg: Path | None = None
    part: int = 1             # 1-based part of a list split over several charts
    parts: int = 1


def _plain(title: str) -> str:
    return re.sub(r"<[^>]+>", "", str(title or ""))


def _part_title(title: str, i: int, n: int) -> str:
    return title if n == 1 else f"{title}（{i}/{n}）"


def _chunks(df: pd.DataFrame, size: int = MAX_BARS) -> list[pd.DataFrame]:
    """Split ``df`` (already in display order) into nearly equal parts of at most ``size`` rows."""
    if len(df) <= size:
        return [df]
    n = math.ceil(len(df) / size)
    per = math.ceil(len(df) / n)
    return [df.iloc[i:i + per] for i in range(0, len(df), per)]


def _slide(fig):
    fig.update_layout(height=CHART_HEIGHT, width=CHART_WIDTH)
    return fig


def ranking_figure(data: PackData):
    rk = data.ranking.copy()
    rk["label"] = [project_label(n, s) for n, s in zip(rk["project_no"], rk["short_zh"])]
    rk["score"] = rk["score_pp"]
    rk["status"] = rk["light"]
    rk["hover"] = [f"第{int(r.rank)}名（{views.rank_change_text(r.rank_change)}） · {status_zh(r.light)}"
                   for r in rk.itertuples()]
    # 位次变化 beside the name: "一 扩投资 ↑1"
    rk["label"] = [f"{lab}　{views.rank_change_text(c)}" for lab, c in zip(rk["label"], rk["rank_change"])]
    demo = bool(rk["any_demo"].any())
    title = f"晾晒排名（{quarter_zh(data.as_of)}）：平均快慢得分（单项±50个百分点封顶），名称后为位次变化"
    return _slide(charts.ranking_bars(rk, title=title, demo=demo)), title, demo


def status_share_figure(data: PackData):
    rk = data.ranking.sort_values("project_no").copy()
    rk["label"] = [project_label(n, s) for n, s in zip(rk["project_no"], rk["short_zh"])]
    demo = bool(rk["any_demo"].any())
    title = f"各工程目标灯号构成（{quarter_zh(data.as_of)}，在推进的约束性目标）"
    return _slide(charts.status_share(rk, title=title, demo=demo, height=CHART_HEIGHT)), title, demo


def status_share(df: pd.DataFrame, title: str, demo: bool = False):
    """Kept for callers of the old pack module: :func:`shiwu_lib.charts.status_share`."""
    return charts.status_share(df, title, demo)


def midpoint_frame(data: PackData) -> pd.DataFrame:
    """The 2027 targets the midpoint chart shows (firm, not growth rates, with a completion)."""
    mp = data.midpoint
    c = mp[(mp["check"] == "span_2027") & (mp["kind"] != "growth_rate") & mp["completion"].notna()
           & ~mp["stretch"].fillna(False).astype(bool)].copy()
    if c.empty:
        return c
    c["label"] = [f"{project_label(n, s)}·{views.short_label(metric_without_year(m), 16)}"
                  for n, s, m in zip(c["project_no"], c["project_short"], c["metric_zh"])]
    dup = c["label"].duplicated(keep=False)
    c.loc[dup, "label"] = [f"{lab}·{tid}" for lab, tid in zip(c.loc[dup, "label"], c.loc[dup, "target_id"])]
    c["on_track"] = c["on_track"].fillna(False).astype(bool)
    c["hover"] = [f"{r['metric_zh']}：完成{share(r['completion'])}" for _, r in c.iterrows()]
    return c.sort_values(["project_no", "target_id"])


def midpoint_figures(data: PackData) -> list[tuple]:
    """The 中期评估 chart(s): each 2027 target's completion at end-2025 against its 序时进度, in
    project order, at most MAX_BARS targets per chart. [] before 2025-12-31."""
    c = midpoint_frame(data)
    if c.empty or data.as_of < MIDPOINT_DATE:
        return []
    exp = float(c["expected_progress"].mode().iloc[0])
    parts = _chunks(c)
    out = []
    for i, part in enumerate(parts, start=1):
        demo = bool(part["is_demo"].any())
        nos = sorted(set(int(n) for n in part["project_no"]))
        span = project_label(nos[0], "").strip() + ("—" + project_label(nos[-1], "").strip() if len(nos) > 1 else "")
        title = _part_title(f"2027年目标：2025年末完成程度与{share(exp)}序时进度（约束性目标，工程{span}）", i, len(parts))
        # charts.midpoint_completion sorts by completion; keep the project order inside a part
        fig = charts.midpoint_completion(part, expected=exp, title=title, demo=demo)
        fig.update_yaxes(categoryorder="array", categoryarray=list(part["label"])[::-1])
        out.append((_slide(fig), title, demo))
    return out


def midpoint_figure(data: PackData):
    """The first midpoint chart (compatibility: :func:`midpoint_figures` has all parts)."""
    figs = midpoint_figures(data)
    return figs[0] if figs else (None, "", False)


def gap_frame(data: PackData, project_no: int) -> pd.DataFrame:
    play = data.play[data.play["project_no"] == project_no]
    g = play[(play["status"] != GREY) & play["gap"].notna()].copy()
    if g.empty:
        return g
    g["gap_pct"] = [views.gap_share(a, b) for a, b in zip(g["gap"], g["target_value"])]
    g = g[g["gap_pct"].notna()].copy()
    if g.empty:
        return g
    # the year once, outside the cut: "城乡居民收入倍差（2027年）", never "…（202…（2025）"
    g["label"] = [f"{views.short_label(metric_without_year(m), 16)}（{int(y)}年）"
                  for m, y in zip(g["metric_zh"], g["target_year"])]
    dup = g["label"].duplicated(keep=False)
    g.loc[dup, "label"] = [f"{lab}·{tid}" for lab, tid in zip(g.loc[dup, "label"], g.loc[dup, "target_id"])]
    g["hover"] = [f"{r['metric_zh']}<br>{status_zh(r['status'])} · {r['reason']}" for _, r in g.iterrows()]
    return g.sort_values("gap_pct", ascending=False)


def gap_figures(data: PackData, project_no: int) -> list[tuple]:
    """The project page's 距目标差距 chart(s), largest gap first, at most MAX_BARS bars each."""
    g = gap_frame(data, project_no)
    if g.empty:
        return []
    proj = data.projects.set_index("project_no").loc[int(project_no)]
    parts = _chunks(g)
    out = []
    for i, part in enumerate(parts, start=1):
        demo = bool(part["is_demo"].fillna(False).astype(bool).any())
        title = _part_title(f"{project_label(project_no, proj['short_zh'])}：各目标距目标还差多少（占目标值%，"
                            f"{quarter_zh(data.as_of)}）", i, len(parts))
        out.append((_slide(charts.gap_to_target(part, title, demo=demo)), title, demo))
    return out


def gap_figure(data: PackData, project_no: int):
    figs = gap_figures(data, project_no)
    return figs[0] if figs else (None, "", False)


def _indicator(data: PackData, iid: str) -> dict:
    """The indicator as views.indicator_chart_data reads it: db.indicators(), else db.targets()."""
    ind = data.indicators
    if len(ind) and "indicator_id" in ind.columns:
        m = ind[ind["indicator_id"] == iid]
        if len(m):
            return m.iloc[0].to_dict()
    t = data.targets[data.targets["indicator_id"] == iid]
    if t.empty:
        return {"indicator_id": iid}
    r = t.iloc[0]
    return {"indicator_id": iid, "name_zh": r.get("indicator_zh"), "measure": r.get("measure"),
            "unit": r.get("unit"), "direction": r.get("direction")}


def trajectory_figure(db: Database, data: PackData, project_no: int):
    """The trajectory chart of the project's headline indicator (the card's 核心指标)."""
    head = headline_rows(data).get(int(project_no))
    if head is None or not isinstance(head.get("indicator_id"), str):
        return None, "", False
    short = data.projects.set_index("project_no").loc[int(project_no), "short_zh"]
    iid = head["indicator_id"]
    tg = data.targets[(data.targets["project_no"] == project_no) & (data.targets["indicator_id"] == iid)]
    st = data.st[data.st["project_no"] == project_no]
    cd = views.indicator_chart_data(db, _indicator(data, iid), tg, st, data.as_of, data.known_at)
    cd["title"] = f"{project_label(project_no, short)} 核心指标：{cd.get('title', '')}"
    fig = _slide(charts.trajectory(cd))
    # the title and its two-line subtitle sit at the top of the canvas, clear of the 单位 note above the plot
    fig.update_layout(margin_t=max(int(fig.layout.margin.t or 0), 150),
                      title=dict(y=0.95, yanchor="top", yref="container"))
    return fig, cd["title"], bool(cd.get("demo"))


def figures(db: Database, data: PackData, projects: list[int] | None = None) -> list[tuple]:
    """Every chart of the pack in order: (fig, file stem, kind, title, demo, project_no, part, parts)."""
    out = []

    def add(items, stem, kind, no=None):
        items = [x for x in items if x[0] is not None]
        for i, (fig, title, demo) in enumerate(items, start=1):
            name = stem if len(items) == 1 else f"{stem}_{i}"
            out.append((fig, name, kind, title, demo, no, i, len(items)))

    add([ranking_figure(data)], "01_晾晒排名", "ranking")
    add([status_share_figure(data)], "02_灯号构成", "status_share")
    add(midpoint_figures(data), "03_中期评估", "midpoint")
    nos = [int(n) for n in data.projects["project_no"]]
    for no in (nos if projects is None else [int(n) for n in projects if int(n) in nos]):
        add([trajectory_figure(db, data, no)], f"p{no:02d}_核心指标走势", "trajectory", no)
        add(gap_figures(data, no), f"p{no:02d}_距目标差距", "gap", no)
    return out


EMBED_WIDTHS = (1920, 1600)      # the deck's and the DOCX's embedded copies, made from one decode
_embedded: dict = {}


def embedded_png(path: Path, max_width: int):
    """A downscaled, optimised copy of a chart PNG to embed in the deck or the Word file (the PNG file
    beside them stays full size): at most ``max_width`` px wide, aspect kept, reduced to an adaptive
    256-colour palette without dithering (the charts are flat colours and anti-aliased text).
    The copies for :data:`EMBED_WIDTHS` are made together from one decode and kept for the file as it
    is (path, size, mtime), so the deck and the DOCX decode each chart once. Returns a BytesIO."""
    import io

    from PIL import Image

    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if (key, max_width) not in _embedded:
        if len(_embedded) > 400:          # one pack holds ~30 charts × 2 widths
            _embedded.clear()
        with Image.open(path) as im:
            im = im.convert("RGB")
            small = im
            for w in sorted(set(EMBED_WIDTHS) | {max_width}, reverse=True):   # each from the one before
                if small.width > w:
                    small = small.resize((w, round(small.height * w / small.width)), Image.LANCZOS)
                pal = small.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
                buf = io.BytesIO()
                pal.save(buf, format="PNG")
                _embedded[(key, w)] = buf.getvalue()
    return io.BytesIO(_embedded[(key, max_width)])


def write_charts(db: Database, data: PackData, out: Path, projects: list[int] | None = None, svg: bool = True,
                 progress=None) -> list[ChartFile]:
    """Render every chart as PNG (2560 × 1440) and SVG into ``out`` with one browser."""
    files, items = [], []
    for fig, name, kind, title, demo, no, part, parts in figures(db, data, projects):
        png, sv = out / f"{name}.png", (out / f"{name}.svg" if svg else None)
        items.append((fig, png, sv))
        files.append(ChartFile(png, kind, _plain(title), CHART_WIDTH * CHART_SCALE, CHART_HEIGHT * CHART_SCALE, demo,
                               no, sv, part, parts))
    with warnings.catch_warnings():  # plotly: "kopts ignored when using a server" (harmless)
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        charts.write_images(items, width=CHART_WIDTH, height=CHART_HEIGHT, scale=CHART_SCALE, progress=progress)
    return files
