"""The 动态简报 (progress briefing): Chinese prose in which every number is computed here from the
engine's output, written as Markdown (with the chart PNGs), plain text and Word (python-docx).

The DOCX is made from the same Markdown text, paragraph by paragraph, so the three never differ.
"""
from __future__ import annotations

import re
from pathlib import Path

from .. import fmt
from .. import report as views  # the report layer (pure data shaping shared with the dashboards)
from ..api import MIDPOINT_DATE
from .common import (DEMO, DEMO_NOTE_BRIEF, GREEN, GREY, MAX_RED_NAMED, RANKING_RULE_ZH, RED, TIME_PROGRESS_RULE_ZH,
                     YELLOW, ahead as _ahead, as_bool as _bool, date_zh as _date_zh, isnan as _isnan,
                     period_zh as _period_zh, quarter_zh as _quarter_zh, share as _share, span_zh as _span_zh,
                     status_zh as _status_zh)
from .data import PackData, latest_source_type
from .images import ChartFile, embedded_png
from . import sources as _sources

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
    chart_by: dict = {}
    for c in chart_files or []:
        chart_by.setdefault((c.kind, c.project_no), []).append(c)
    md: list[str] = []

    def img(kind, no=None):
        for c in chart_by.get((kind, no), []):
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
        return f"{r.short_zh}（得分{fmt.signed_pp(r.score_pp)}，{views.rank_change_text(r.rank_change)}）"

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
        text = (f"**（{fmt.cn_number(no)}）{p.name_zh}**（牵头单位：{p.lead_unit}；工程总灯：{_status_zh(r['light'])}；{rank}）。"
                + headline_sentence(o["headline"], data.sources)
                + f"在推进的约束性目标{len(pp)}项：绿灯{c[GREEN]}项、黄灯{c[YELLOW]}项、红灯{c[RED]}项、暂无数据{c[GREY]}项。")
        reds = pp[pp["status"] == RED]
        if len(reds):
            named = [f"{r2.metric_zh}（{_span_zh(r2.period, r2.target_year)}）——{r2.reason}"
                     for r2 in reds.head(MAX_RED_NAMED).itertuples()]
            text += f"红灯目标：{'；'.join(named)}" + (f"；等{len(reds)}项" if len(reds) > len(named) else "") + "。"
        else:
            text += "无红灯目标。"
        text += tasks_sentence(data, no)
        md.append(text + "\n")
        img("trajectory", no)
        img("gap", no)

    md.append("## 五、说明\n")
    notes = [TIME_PROGRESS_RULE_ZH, views.PROJECT_LIGHT_RULE_ZH, RANKING_RULE_ZH]
    notes.append("数据来源：" + _sources.grade_summary(_sources.source_entries(data.published, data.register))
                 + "各来源的发布者、标题、日期和等级见进度晾晒表“数据说明”页。")
    used = _sources.used_entries(data)
    if len(used):
        named = [f"{r.publisher}《{r.title}》（{r.date_zh}，{r.grade_zh}）" for r in used.head(8).itertuples()]
        notes.append(f"本期最新实际值引用的公开来源{len(used)}份，包括：" + "；".join(named)
                     + ("等" if len(used) > len(named) else "") + "。")
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




def task_counts(data: PackData, project_no: int) -> dict:
    """Key tasks and problems of a project at the report date: n_tasks, done, overdue, n_problems, open."""
    from .workbook import problem_open, task_overdue

    t = data.tasks[data.tasks["project_no"] == project_no] if len(data.tasks) else data.tasks
    p = data.problems[data.problems["project_no"] == project_no] if len(data.problems) else data.problems
    trs, prs = t.to_dict("records"), p.to_dict("records")
    return {"n_tasks": len(trs), "done": sum(1 for r in trs if r.get("status") == "已完成"),
            "overdue": sum(1 for r in trs if task_overdue(r, data.as_of)),
            "n_problems": len(prs), "open": sum(1 for r in prs if problem_open(r))}


def tasks_sentence(data: PackData, project_no: int) -> str:
    c = task_counts(data, project_no)
    if not c["n_tasks"] and not c["n_problems"]:
        return ""
    text = ""
    if c["n_tasks"]:
        text += f"重点任务{c['n_tasks']}项，已完成{c['done']}项" + (f"、逾期未完成{c['overdue']}项" if c["overdue"] else "") + "。"
    if c["n_problems"]:
        text += (f"问题清单{c['n_problems']}项，未销号{c['open']}项。" if c["open"] else
                 f"问题清单{c['n_problems']}项，均已销号。")
    return text


# ----------------------------------------------------------------------------------------------
# Word (python-docx): the same Markdown, paragraph by paragraph
# ----------------------------------------------------------------------------------------------

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
PICTURE_WIDTH_CM = 16.0
DOCX_PICTURE_PX = 1600       # pictures embedded in the DOCX: ≤ 1600 px wide (≈ 254 dpi at 16 cm)


def docx_picture(path: Path, max_width: int = DOCX_PICTURE_PX):
    """A downscaled, optimised copy of a chart PNG for the Word file (:func:`.images.embedded_png`)."""
    return embedded_png(path, max_width)


def _set_font(style_or_run, east_asia: str, size_pt: float | None = None, bold: bool | None = None, colour=None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    font = style_or_run.font
    font.name = LATIN_FONT
    rpr = style_or_run.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for k in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(k), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asia)
    for k in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if rfonts.get(qn(k)) is not None:
            del rfonts.attrib[qn(k)]
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor.from_string(colour or "000000")


def _runs(par, text: str, east_asia: str = BODY_FONT, colour=None, bold_all: bool = False):
    """Add ``text`` to a paragraph, **bold** spans as bold runs."""
    for i, part in enumerate(re.split(r"\*\*", text)):
        if not part:
            continue
        run = par.add_run(part)
        _set_font(run, east_asia, bold=bold_all or (i % 2 == 1), colour=colour)


def write_docx(md_text: str, path: Path, image_dir: Path | None = None, title: str | None = None) -> Path:
    """Write the Markdown briefing as a Word document (A4, 宋体 body, 黑体 headings, charts 16 cm wide,
    embedded as ≤ 1600 px copies: :func:`docx_picture`).

    Understands what :func:`briefing` writes: ``#`` / ``##`` headings, ``> `` notes (red),
    ``- `` items, ``![title](file.png)`` pictures (looked up in ``image_dir``) and ``**bold**``.
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin = sec.bottom_margin = Cm(2.5)
    normal = doc.styles["Normal"]
    _set_font(normal, BODY_FONT, 12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 20), ("Heading 1", 15), ("Caption", 10)):
        st = doc.styles[name]
        _set_font(st, HEADING_FONT if name != "Caption" else BODY_FONT, size, bold=name != "Caption")
    doc.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    image_dir = Path(image_dir) if image_dir else path.parent
    for block in md_text.split("\n"):
        line = block.rstrip()
        if not line:
            continue
        if line.startswith("# "):
            p = doc.add_paragraph(style="Title")
            _runs(p, line[2:], HEADING_FONT, bold_all=True)
        elif line.startswith("## "):
            p = doc.add_paragraph(style="Heading 1")
            _runs(p, line[3:], HEADING_FONT, bold_all=True)
        elif line.startswith("> "):
            p = doc.add_paragraph()
            _runs(p, line[2:], colour="B00020", bold_all=True)
        elif line.startswith("- "):
            p = doc.add_paragraph(style="List Bullet")
            _runs(p, line[2:])
        elif line.startswith("!["):
            m = re.match(r"^!\[(.*)\]\((.+)\)$", line)
            f = image_dir / m.group(2) if m else None
            if f is not None and f.exists():
                doc.add_picture(docx_picture(f), width=Cm(PICTURE_WIDTH_CM))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                cap = doc.add_paragraph(style="Caption")
                cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _runs(cap, "图：" + m.group(1))
        else:
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(24)
            _runs(p, line)
    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _runs(footer, "义乌市“十项重大工程”动态简报　总专班办公室（市发改局）", colour="444444")
    doc.core_properties.title = title or "动态简报"
    doc.core_properties.author = "shiwu"
    doc.save(str(path))
    return path


def docx_text(path: Path) -> str:
    """The paragraphs of a DOCX as text (one line each), for tests and checks."""
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)
