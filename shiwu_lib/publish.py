"""`shiwu publish --as-of DATE --out DIR`: the dashboards as static files for a room with no server.

Writes ``index.html`` (总览), ``project-<N>.html`` (one per project), ``midpoint.html`` (中期评估) and
``plotly.min.js`` (Plotly's JavaScript from the plotly wheel, once) into DIR. The pages open from
``file://`` with no server and no network: every style, number and figure is in the file, and they
come from the same report functions (:mod:`shiwu_lib.report`), the same HTML components
(:mod:`shiwu_lib.dashboards.components`) and the same figures (:mod:`shiwu_lib.charts`) as the live
dashboards, so a number reads the same on the screen, in the file and in the pack.

>>> from shiwu_lib import publish                                  # doctest: +SKIP
>>> publish.publish("2026-09-30", "out/site")                      # doctest: +SKIP
"""
from __future__ import annotations

import json
import shutil
import sys
from datetime import date
from pathlib import Path

from . import charts, fmt
from .dashboards.components import PAGE_CSS, PRINT_FIT_JS, Links, esc, trajectory_caption
from .dashboards.midpoint import TITLE as MIDPOINT_TITLE, midpoint_figure, midpoint_html
from .dashboards.overview import TITLE as OVERVIEW_TITLE, overview_html, ranking_figure
from .dashboards.project import TITLE as PROJECT_TITLE, gap_figure, project_html
from .report import (
    MID, PLAN, default_report_date, latest_due_quarter, midpoint_data, overview_data, project_data, project_label,
    trajectory_data,
)
from .report.common import parse_date

PLOTLY_JS = "plotly.min.js"


class StaticLinks(Links):
    """File names of the static edition."""

    def __init__(self):
        super().__init__("")
        self.overview, self.midpoint, self.project_index = "index.html", "midpoint.html", "project-1.html"

    def project(self, no: int, report_date: date | None = None) -> str:
        return f"project-{int(no)}.html"

    def overview_at(self, report_date: date | None = None) -> str:
        return self.overview


LINKS = StaticLinks()


def plotly_js_path() -> Path:
    """plotly.min.js as shipped in the plotly wheel (offline)."""
    import plotly

    p = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not p.exists():
        raise FileNotFoundError(f"{p}: the plotly wheel has no plotly.min.js")
    return p


class _Figures:
    """Figures of one page, written as divs plus one script that draws them."""

    def __init__(self):
        self.items: list[tuple[str, str]] = []

    def div(self, fig, name: str, caption: str = "", head: str = "") -> str:
        """The chart's block; ``head`` (its heading) inside it, so a printed page never ends with the heading."""
        if fig is None:
            return head
        fid = f"fig{len(self.items) + 1}"
        spec = json.loads(fig.to_json())
        cfg = charts.plot_config(name)
        self.items.append((fid, json.dumps({"data": spec.get("data", []), "layout": spec.get("layout", {}), "config": cfg},
                                           ensure_ascii=False)))
        h = int(fig.layout.height or 450)
        return (f'<div class="shiwu-chart">{head}<div id="{fid}" class="shiwu-static-fig" style="width:100%;min-height:{h}px"></div>'
                f"{caption}</div>")

    def script(self) -> str:
        if not self.items:
            return ""
        specs = ",".join(f'["{fid}",{spec}]' for fid, spec in self.items)
        # before printing, each chart is redrawn at the width it gets on the A4 landscape sheet
        return ("<script>(function(){var figs=[" + specs + "];"
                "figs.forEach(function(f){var s=f[1];Plotly.newPlot(f[0],s.data,s.layout,s.config);});})();"
                + PRINT_FIT_JS + "</script>")


def _nav(projects, report_date: date, current: str) -> str:
    items = [(LINKS.overview, "总览")] + [(LINKS.project(n), project_label(n, s)) for n, s in
                                        zip(projects["project_no"], projects["short_zh"])] + [(LINKS.midpoint, f"{MID}年中期评估")]
    cur = ' data-current="true"'
    links = "".join(f'<a class="shiwu-link" href="{esc(h)}"{cur if h == current else ""}>{esc(t)}</a>' for h, t in items)
    return (f'<div class="shiwu-note shiwu-nav shiwu-noprint" data-static-nav="true">{links}</div>'
            f'<div class="shiwu-note">静态版：{esc(fmt.quarter_zh(report_date))}末，生成于{esc(fmt.date_zh(date.today()))}；'
            "无需服务器和网络，可直接打开或打印。</div>")


def _page(title: str, subtitle: str, body: str, figs: _Figures) -> str:
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title>{PAGE_CSS}"
            "<style>body{margin:0;padding:12px 14px;background:#fff}.shiwu-nav a{display:inline-block;margin:2px 14px 2px 0}"
            ".shiwu-grid2{display:grid}</style>"
            f'<script src="{PLOTLY_JS}"></script></head><body>'
            f'<div class="shiwu-page shiwu-root"><h1>{esc(title)}</h1><div class="shiwu-sub">{esc(subtitle)}</div>{body}</div>'
            f"{figs.script()}</body></html>")


def publish(as_of=None, out_dir="site", db=None, today: date | None = None) -> list[Path]:
    """Write the static edition for report date ``as_of`` (a quarter end; default: the latest quarter
    with data) into ``out_dir``; returns the files written."""
    import shiwu_lib as sw

    from .assessment import as_date

    own = db is None
    db = db or sw.open()
    out = Path(out_dir)
    try:
        dates = db.report_dates()
        rd = parse_date(as_date(as_of).isoformat(), dates) if as_of is not None else default_report_date(db, dates)
        if rd is None:
            raise ValueError(f"--as-of {as_of}: not a report quarter end (have {dates[0]} … {dates[-1]})")
        today = today or date.today()
        out.mkdir(parents=True, exist_ok=True)
        written = []
        shutil.copyfile(plotly_js_path(), out / PLOTLY_JS)
        written.append(out / PLOTLY_JS)

        d = overview_data(db, rd, chase_quarter=latest_due_quarter(dates, today), today=today)
        projects = d["projects"]
        figs = _Figures()
        h = overview_html(d, LINKS)
        body = (_nav(projects, rd, LINKS.overview) + h["info"] + h["cards"]
                + figs.div(ranking_figure(d), "晾晒排名", head=h["ranking_head"]) + h["ranking"] + h["units"] + h["late"])
        (out / "index.html").write_text(_page(OVERVIEW_TITLE, f"{PLAN.document_no} · {PLAN.span_zh} · 季度晾晒", body, figs), encoding="utf-8")
        written.append(out / "index.html")

        for no in [int(n) for n in projects["project_no"]]:
            pdata = project_data(db, no, rd)
            figs = _Figures()
            h = project_html(pdata, LINKS, permalink=LINKS.project(no))
            charts_html = []
            for iid in pdata["order"]:
                cd = trajectory_data(db, pdata, iid)
                cd.update(title_width=16, title_lines=2, subtitle_in_chart=False)
                charts_html.append(f'<div class="shiwu-trajectory">{figs.div(charts.trajectory(cd), iid, trajectory_caption(cd))}</div>')
            traj = (f'<div class="shiwu-grid2">{"".join(charts_html)}</div>' if charts_html else "")
            gap = gap_figure(pdata)
            body = (_nav(projects, rd, LINKS.project(no)) + h["head"] + h["trajectory_head"] + traj
                    + (figs.div(gap, "距目标差距", head=h["gap_head"]) if gap is not None else h["gap_head"] + h["gap_empty"])
                    + h["targets"] + h["midpoint"] + h["tasks"] + h["problems"])
            f = out / LINKS.project(no)
            f.write_text(_page(PROJECT_TITLE, f"{project_label(no, pdata['project']['short_zh'])}", body, figs), encoding="utf-8")
            written.append(f)

        md = midpoint_data(db)
        figs = _Figures()
        h = midpoint_html(md)
        fig = midpoint_figure(md)
        body = (_nav(projects, rd, LINKS.midpoint) + h["head"]
                + (figs.div(fig, "中期评估", head=h["chart_head"]) + h["chart_note"] if fig is not None else h["chart_head"])
                + h["tables"])
        (out / LINKS.midpoint).write_text(_page(MIDPOINT_TITLE, "三年行动目标是否完成 · 五年目标是否达到序时进度", body, figs),
                                          encoding="utf-8")
        written.append(out / LINKS.midpoint)
        return written
    finally:
        if own:
            db.close()


def cli_publish(args) -> int:
    """``shiwu publish [--as-of DATE] [--out DIR] [--db PATH]``."""
    import shiwu_lib as sw

    try:
        with sw.open(getattr(args, "db", None)) as db:
            files = publish(getattr(args, "as_of", None), getattr(args, "out", None) or "site", db=db)
    except (ValueError, FileNotFoundError) as exc:
        sys.stderr.write(f"shiwu publish: {exc}\n")
        return 1
    print(f"shiwu publish: {len(files)} files in {Path(files[0]).parent} (open index.html)")
    return 0
