"""The quarterly analysis pack (季分析材料) analysts take to the 季分析 meeting.

The public entry point (the CLI, the overview dashboard's download button, a notebook):

>>> from shiwu_lib import pack                                           # doctest: +SKIP
>>> folder = pack.write_pack(db, "2025Q4", "/tmp/pack", progress=lambda f, msg: print(f"{f:.0%} {msg}"))
>>> zip_file = pack.zip_pack(folder)                                     # /tmp/pack.zip   # doctest: +SKIP

:func:`write_pack` needs no terminal (``progress(fraction, message)`` is optional) and returns the
folder; :func:`zip_pack` puts the folder's files into one zip for a download. :func:`build_pack` is
the same with every option and returns a :class:`PackResult` (the files, counts, seconds).

``shiwu pack --as-of 2025-12-31 [--out DIR]`` writes, into ``DIR`` (default
``test-artifacts/pack-<as_of>/``):

1. the 16:9 deck ``季度分析会_<季度>.pptx`` (:mod:`.deck`): native text and tables, charts as pictures;
2. every chart as PNG (2560 × 1440) and SVG, slide-shaped, long lists split (:mod:`.images`);
3. the workbook ``十项重大工程进度晾晒表_<季度>.xlsx`` (:mod:`.workbook`): 晾晒总表 with 位次变化, one
   主要指标进度表 per project (附件2), 重点任务进度表 (附件4), 问题销号进度表 (附件5), 中期评估, 数据说明;
4. the briefing ``动态简报_<季度>.md`` / ``.txt`` / ``.docx`` (:mod:`.briefing`);

all from one read of the store (:func:`load`, :mod:`.data`: the public API only, no SQL). Report
date and data vintage are those of the dashboards: ``db.status(as_of=R, known_at=K)``.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import paths
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)
from ..api import Database
from .briefing import briefing, docx_text, headline_sentence, markdown_to_text, write_docx
from .common import (DEMO, DEMO_NOTE, DEMO_NOTE_BRIEF, GREEN, GREY, LIGHTS, MIDPOINT_RULE_ZH, RANKING_RULE_ZH, RED,
                     TIME_PROGRESS_RULE_ZH, YELLOW, neutralise, project_label as _project_label,
                     quarter_zh as _quarter_zh)
from .data import PackData, PackNoData, latest_source_type, load, source_text
from .deck import deck_texts, write_deck
from .images import (CHART_HEIGHT, CHART_SCALE, CHART_WIDTH, ChartFile, gap_figure, gap_figures, midpoint_figure,
                     midpoint_figures, ranking_figure, status_share, status_share_figure, trajectory_figure,
                     write_charts)
from .sources import source_entries
from .workbook import LIGHT_FILL, midpoint_verdict, project_sheet_name, write_workbook

__all__ = [
    "write_pack", "zip_pack", "build_pack", "cli_pack", "load", "PackData", "PackResult", "PackNoData", "ChartFile", "write_workbook",
    "write_deck", "write_docx", "briefing", "markdown_to_text", "headline_sentence", "midpoint_verdict",
    "ranking_figure", "status_share_figure", "midpoint_figure", "midpoint_figures", "gap_figure", "gap_figures",
    "trajectory_figure", "source_entries", "neutralise", "LIGHT_FILL", "DEMO",
]


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
    deck: Path | None = None
    briefing_docx: Path | None = None
    seconds: float = 0.0

    @property
    def files(self) -> list[Path]:
        out = [c.path for c in self.charts] + [c.svg for c in self.charts if c.svg is not None]
        out += [self.xlsx, self.briefing_md, self.briefing_txt]
        return out + [f for f in (self.briefing_docx, self.deck) if f is not None]


class _Progress:
    """A one-line progress bar on stderr (only when it is a terminal, else one line per step)."""

    def __init__(self, enabled: bool = True, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, step: str, i: int | None = None, n: int | None = None) -> None:
        if not self.enabled:
            return
        if i is not None and n:
            bar = "█" * int(24 * i / n) + "░" * (24 - int(24 * i / n))
            line = f"  {bar} {i}/{n} {step}"
            if self.tty:
                self.stream.write("\r" + line[:100].ljust(100))
                if i == n:
                    self.stream.write("\n")
            elif i == 1 or i == n or i % 10 == 0:
                self.stream.write(line + "\n")
        elif self.tty:
            self.stream.write(f"… {step}\n")
        else:
            return
        self.stream.flush()


def build_pack(as_of=None, out_dir=None, db: Database | None = None, *, known_at=None,
               projects: list[int] | None = None, charts_enabled: bool = True, svg: bool = True,
               deck: bool = True, docx: bool = True, tasks=None, problems=None, progress=None) -> PackResult:
    """Write the quarterly analysis pack and return what was written.

    ``as_of``: the report date (default ``db.latest_report_date()``); ``known_at``: the data vintage
    (default: the newest value in the store, as on the dashboards); ``projects``: the projects whose
    gap and trajectory charts are drawn (default all ten; the workbook, the deck and the briefing
    always cover all ten); ``charts_enabled=False`` skips the images; ``svg=False`` the SVGs;
    ``tasks`` / ``problems``: 附件4/5 rows instead of the store's; ``progress(step, i, n)``: a callback.
    Raises :class:`PackNoData` for a report date without data.
    """
    t0 = time.perf_counter()
    say = progress or (lambda *a, **k: None)
    own = db is None
    db = db or Database()
    try:
        say("读取数据")
        data = load(db, as_of, known_at, tasks=tasks, problems=problems)
        q = _quarter_zh(data.as_of)
        out = Path(out_dir) if out_dir else paths.artifacts_dir() / f"pack-{data.as_of.isoformat()}"
        out.mkdir(parents=True, exist_ok=True)
        chart_files: list[ChartFile] = []
        if charts_enabled:
            say("绘制图表")
            chart_files = write_charts(db, data, out, projects, svg=svg,
                                       progress=lambda i, n, p: say(f"图表 {Path(p).name}", i, n))
        say("进度晾晒表")
        xlsx = out / f"十项重大工程进度晾晒表_{q}.xlsx"
        sheets = write_workbook(data, xlsx)
        say("动态简报")
        md_text, txt = briefing(data, chart_files)
        md_path, txt_path = out / f"动态简报_{q}.md", out / f"动态简报_{q}.txt"
        md_path.write_text(md_text, encoding="utf-8")
        txt_path.write_text(txt, encoding="utf-8")
        docx_path = write_docx(md_text, out / f"动态简报_{q}.docx", out, title=f"义乌市“十项重大工程”动态简报（{q}）") \
            if docx else None
        deck_path = None
        if deck:
            say("分析会演示文稿")
            deck_path = write_deck(data, out / f"季度分析会_{q}.pptx", chart_files)
        counts = views.light_counts(data.st["status"])
        return PackResult(
            as_of=data.as_of, known_at=data.known_at, quarter_zh=q, out_dir=out, xlsx=xlsx, briefing_md=md_path,
            briefing_txt=txt_path, charts=chart_files, demo=data.demo, sheets=sheets,
            summary={"n_targets": len(data.st), **{f"n_{k}": v for k, v in counts.items()}},
            deck=deck_path, briefing_docx=docx_path, seconds=time.perf_counter() - t0,
        )
    finally:
        if own:
            db.close()


# Where the progress of each step of build_pack lands on a 0..1 scale (charts take most of the time).
_STEP_FRACTION = {"读取数据": 0.02, "绘制图表": 0.05, "进度晾晒表": 0.78, "动态简报": 0.85, "分析会演示文稿": 0.92}


def write_pack(db: Database | None, as_of, out_dir, progress=None, *, known_at=None, charts: bool = True) -> Path:
    """Write the whole quarterly pack for report date ``as_of`` (a date, "2025-12-31" or "2025Q4") into
    ``out_dir`` and return that folder: the deck, every chart as PNG and SVG, the workbook, the briefing
    (.md / .txt / .docx). The public entry point for the CLI and the overview's download button.

    ``db``: an open :class:`~shiwu_lib.api.Database` (None: the default store, opened and closed here);
    ``known_at``: the data vintage (default: the newest value in the store, as on the dashboards);
    ``progress(fraction, message)``: optional, called with 0 … 1 and a Chinese step name (no terminal
    needed); ``charts=False`` skips the images (seconds instead of about half a minute).
    Raises :class:`PackNoData` (one line) for a report date without data.
    """
    report = progress or (lambda fraction, message: None)

    def say(step: str, i: int | None = None, n: int | None = None) -> None:
        if i is not None and n:
            report(0.05 + 0.70 * i / n, f"绘制图表 {i}/{n}")
        else:
            report(_STEP_FRACTION.get(step, 0.0), step)

    r = build_pack(as_of=as_of, out_dir=out_dir, db=db, known_at=known_at, charts_enabled=charts, progress=say)
    report(1.0, "完成")
    return r.out_dir


def zip_pack(folder, zip_path=None) -> Path:
    """The files of a pack folder (not its sub-folders) in one zip, under the folder's name; returns the
    zip (default ``<folder>.zip`` beside the folder). For the overview's download button."""
    import zipfile

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such pack folder")
    out = Path(zip_path) if zip_path else folder.parent / f"{folder.name}.zip"
    files = sorted(f for f in folder.iterdir() if f.is_file())
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, arcname=f"{folder.name}/{f.name}")
    return out


def cli_pack(args) -> int:
    """``shiwu pack [--as-of DATE] [--known-at DATE] [--out DIR] [--zip]``: write the pack and list the files."""
    db = Database(getattr(args, "db", None))
    try:
        r = build_pack(as_of=getattr(args, "as_of", None), out_dir=getattr(args, "out", None), db=db,
                       projects=getattr(args, "projects", None), known_at=getattr(args, "known_at", None),
                       progress=_Progress(enabled=not getattr(args, "quiet", False)))
    except PackNoData as exc:
        sys.stderr.write(f"shiwu pack: {exc}\n")
        return 1
    finally:
        db.close()
    print(f"季分析材料（{r.quarter_zh}，报告期{r.as_of.isoformat()}，数据截至{r.known_at.isoformat()}）已写入 {r.out_dir}"
          f"（用时{r.seconds:.0f}秒）：")
    for f in r.files:
        print(f"  {f}")
    if getattr(args, "zip", False):
        print(f"压缩包：{zip_pack(r.out_dir)}")
    if r.demo:
        print(f"注意：材料含{DEMO}（演示用的部门报表数值，并非真实统计），已在图表、表格和简报中标注。")
    return 0
