"""The quarterly analysis pack (shiwu_lib/pack.py): files, PNGs, the workbook against the engine,
LibreOffice → PDF, and the briefing's numbers parsed back and compared with the engine's counts.

The pack is built once (overview charts + the charts of projects 1 and 5) into
test-artifacts/pack/, where the PNGs, the PDF and its first page as PNG stay for a human to look at.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import ARTIFACTS

AS_OF = "2025-12-31"
R = date(2025, 12, 31)
CHART_PROJECTS = [1, 5]
SOFFICE = "/usr/bin/soffice"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def pack(db):
    from shiwu_lib import pack as pk

    out = ARTIFACTS / "pack"
    shutil.rmtree(out, ignore_errors=True)
    return pk.build_pack(as_of=AS_OF, out_dir=out, db=db, projects=CHART_PROJECTS)


@pytest.fixture(scope="module")
def engine(db):
    """The engine's output for the pack's report date, computed here (not read from the pack)."""
    from shiwu_lib import progress, views

    known = views.data_known_at(db)
    st = db.status(as_of=AS_OF, known_at=known)
    play = views.firm_in_play(st, R)
    rank = progress.rank(play, by="project_no").set_index("project_no")
    lights = {int(n): views.project_light(play.loc[play["project_no"] == n, "status"]) for n in rank.index}
    mp = db.midpoint_check(as_of=known)
    return {"known": known, "st": st, "play": play, "rank": rank, "lights": lights, "mp": mp,
            "projects": db.projects().set_index("project_no"), "ranking": db.ranking(as_of=AS_OF, known_at=known),
            "core": views.core_indicators(db)}


@pytest.fixture(scope="module")
def workbook(pack):
    from openpyxl import load_workbook

    return load_workbook(pack.xlsx)


# ----------------------------------------------------------------------------------------------
# files and charts
# ----------------------------------------------------------------------------------------------

def test_pack_files_exist(pack):
    assert pack.as_of == R and pack.quarter_zh == "2025年四季度"
    assert pack.xlsx.name == "十项重大工程进度晾晒表_2025年四季度.xlsx"
    assert pack.briefing_md.name == "动态简报_2025年四季度.md"
    assert pack.briefing_txt.name == "动态简报_2025年四季度.txt"
    for f in pack.files:
        assert f.exists() and f.stat().st_size > 0, f
    kinds = sorted(set((c.kind, c.project_no or 0) for c in pack.charts))
    assert kinds == sorted([("ranking", 0), ("status_share", 0), ("midpoint", 0)]
                           + [(k, n) for n in CHART_PROJECTS for k in ("gap", "trajectory")])
    assert pack.demo, "the test store carries demo data"
    assert pack.deck.name == "季度分析会_2025年四季度.pptx"
    assert pack.briefing_docx.name == "动态简报_2025年四季度.docx"
    for c in pack.charts:  # every chart as PNG and SVG; a split list is numbered _1 … _n
        assert c.svg is not None and c.svg.exists() and c.svg.read_bytes().lstrip()[:200].find(b"<svg") >= 0, c.svg
        assert (c.parts == 1) == (not c.path.stem.endswith(f"_{c.part}")), c.path


def test_pngs_are_pngs_of_the_expected_size_and_not_blank(pack):
    from PIL import Image

    for c in pack.charts:
        assert c.path.read_bytes()[:8] == PNG_MAGIC, c.path
        with Image.open(c.path) as im:
            assert im.format == "PNG"
            assert im.size == (c.width, c.height), (c.path, im.size)
            assert im.size == (2560, 1440), "slide-shaped (16:9) and at least 1920 px wide"
            grey = im.convert("L")
            lo, hi = grey.getextrema()
            assert hi - lo > 100, f"{c.path} looks blank"
            hist = grey.histogram()
            dark = sum(hist[:200]) / (im.size[0] * im.size[1])
            assert dark > 0.01, f"{c.path}: only {dark:.2%} non-white pixels"
            colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
            assert colours is None or len(colours) > 50, f"{c.path}: {len(colours)} colours"
        assert c.demo, f"{c.path}: demo values shown, the 示例数据 label must be stamped"


def test_figures_carry_the_demo_label(db):
    from shiwu_lib import pack as pk

    data = pk.load(db, AS_OF)
    figs = [pk.ranking_figure(data)[0], pk.status_share_figure(data)[0], pk.midpoint_figure(data)[0], pk.gap_figure(data, 1)[0],
            pk.trajectory_figure(db, data, 1)[0]]
    for fig in figs:
        texts = [a.text for a in fig.layout.annotations]
        assert "示例数据" in texts, fig.layout.title.text


# ----------------------------------------------------------------------------------------------
# the workbook against the engine
# ----------------------------------------------------------------------------------------------

def _header_map(ws, row=4) -> dict[str, int]:
    return {str(c.value).replace("\n", ""): c.column for c in ws[row] if c.value}


def test_workbook_summary_equals_engine_ranking(workbook, engine):
    from shiwu_lib import pack as pk
    from shiwu_lib import views

    assert workbook.sheetnames[0] == "晾晒总表"
    assert {"中期评估", "数据说明"} <= set(workbook.sheetnames)
    assert len(workbook.sheetnames) == 15
    assert {"重点任务进度表", "问题销号进度表"} <= set(workbook.sheetnames)
    ws = workbook["晾晒总表"]
    h = _header_map(ws)
    rank, projects = engine["rank"], engine["projects"]
    label_to_no = {pk._project_label(n, p["short_zh"]): int(n) for n, p in projects.iterrows()}
    seen = set()
    for row in ws.iter_rows(min_row=5, max_row=14):
        no = label_to_no[row[h["工程"] - 1].value]
        e = rank.loc[no]
        seen.add(no)
        assert row[h["排名"] - 1].value == int(e["rank"])
        assert row[h["位次变化"] - 1].value == views.rank_change_text(engine["ranking"].set_index("project_no").loc[no, "rank_change"])
        assert row[h["牵头单位"] - 1].value == projects.loc[no, "lead_unit"]
        assert row[h["在推进约束性目标（项）"] - 1].value == int(e["n_targets"])
        for col, key in (("绿灯（项）", "n_green"), ("黄灯（项）", "n_yellow"), ("红灯（项）", "n_red"), ("灰灯（项）", "n_grey")):
            assert row[h[col] - 1].value == int(e[key]), (no, col)
        assert row[h["得分（快于+/慢于−序时进度平均百分点，单项±50封顶）"] - 1].value == pytest.approx(float(e["score_pp"]))
        light = engine["lights"][no]
        cell = row[h["工程总灯"] - 1]
        assert cell.value == {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "灰灯"}[light]
        assert cell.fill.fgColor.rgb.endswith(pk.LIGHT_FILL[light])
    assert seen == set(int(n) for n in projects.index)
    assert "示例数据" in ws["A3"].value


def test_workbook_project_sheet_equals_status(workbook, engine):
    st = engine["st"]
    for no, name in ((1, "一 扩投资"), (5, "五 陆港交通")):
        ws = workbook[name]
        h = _header_map(ws)
        sp = st[st["project_no"] == no].set_index("target_id")
        rows = {r[h["目标编号"] - 1].value: r for r in ws.iter_rows(min_row=5) if r[h["目标编号"] - 1].value in sp.index}
        assert set(rows) == set(sp.index), name
        checked = 0
        for tid, r in rows.items():
            e = sp.loc[tid]
            assert r[h["目标"] - 1].value == e["metric_zh"]
            assert r[h["目标值"] - 1].value == pytest.approx(float(e["target_value"]))
            assert r[h["状态"] - 1].value == {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "灰灯"}[e["status"]]
            assert r[h["原因"] - 1].value == e["reason"]
            if e["status"] != "grey":
                assert r[h["最新实际"] - 1].value == pytest.approx(float(e["latest_actual"]))
                cell = r[h["快于(+)/慢于(−)序时进度（个百分点）"] - 1].value
                if pd.isna(e["ahead_pp"]):   # e.g. a fall below a target already reached: no distance to cover
                    assert cell is None
                else:
                    assert cell == pytest.approx(float(e["ahead_pp"]))
                if e["kind"] != "growth_rate" and not pd.isna(e["completion"]):
                    assert r[h["完成率"] - 1].value == pytest.approx(float(e["completion"]))
                    assert r[h["序时进度"] - 1].value == pytest.approx(float(e["time_progress"]))
                    assert r[h["完成率"] - 1].number_format == "0.0%"
                checked += 1
            src = r[h["数据来源"] - 1].value
            assert src and (e["status"] == "grey" or "示例数据" in src or "公开发布" in src or "部门报表" in src)
        assert checked > 3
        assert "示例数据" in ws["A3"].value


def test_workbook_midpoint_equals_engine(workbook, engine):
    mp = engine["mp"]
    ws = workbook["中期评估"]
    h = _header_map(ws)
    rows = [r for r in ws.iter_rows(min_row=5) if isinstance(r[0].value, int)]
    assert len(rows) == len(mp)
    by_id = {(r[h["目标编号"] - 1].value, r[h["评估类别"] - 1].value): r for r in rows}
    for e in mp.itertuples(index=False):
        r = by_id[(e.target_id, e.check_zh)]
        if e.completion is not None and e.completion == e.completion and e.kind != "growth_rate":
            assert r[h["完成率"] - 1].value == pytest.approx(float(e.completion))
        if e.check == "target_2025" and e.met is not None:
            assert r[h["评估结果"] - 1].value == ("已完成" if e.met else "未完成")


def test_workbook_print_setup(workbook):
    for ws in workbook.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == 9, ws.title
        assert int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$4", (ws.title, ws.print_title_rows)
        assert ws.freeze_panes == "A5"
        assert ws["A5"].font.name == "宋体" and ws["A4"].font.bold
        assert "示例数据" in (ws["A3"].value or ""), f"{ws.title}: demo values, the title rows must say so"


def test_libreoffice_converts_deck_workbook_and_docx_to_pdf(pack):
    """One headless LibreOffice run converts the three documents; pdftoppm renders their first pages
    (kept in test-artifacts/pack/pdf/ for a human to look at)."""
    if not Path(SOFFICE).exists():
        pytest.fail(f"{SOFFICE} missing: run `make test` (it installs LibreOffice calc, impress and writer)")
    out = pack.out_dir / "pdf"
    out.mkdir(exist_ok=True)
    profile = Path(f"/tmp/lo-profile-{os.getpid()}")
    docs = [pack.xlsx, pack.deck, pack.briefing_docx]
    try:
        proc = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), *map(str, docs)],
            capture_output=True, text=True, timeout=240)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [out / (d.stem + ".pdf") for d in docs]
    for pdf in pdfs:
        assert proc.returncode == 0 and pdf.exists(), proc.stdout + proc.stderr
        assert pdf.stat().st_size > 10_000 and pdf.read_bytes()[:5] == b"%PDF-"
    if not shutil.which("pdftoppm"):  # poppler-utils not installed: only the rendering step is skipped
        return
    from PIL import Image

    for pdf, name, landscape in zip(pdfs, ("xlsx", "deck", "docx"), (True, True, False)):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(pdf), str(out / name)],
                       check=True, timeout=120)
        pages = sorted(out.glob(f"{name}-*.png"))
        assert pages, f"pdftoppm rendered nothing for {pdf.name}"
        with Image.open(pages[0]) as im:
            w, h = im.size
            assert (w > h) == landscape, (pdf.name, im.size)
            if name == "deck":
                assert abs(w / h - 16 / 9) < 0.02, "the deck is 16:9"
            lo, hi = im.convert("L").getextrema()
            assert hi - lo > 100, f"{pdf.name}: page 1 is blank"


# ----------------------------------------------------------------------------------------------
# the briefing
# ----------------------------------------------------------------------------------------------

def _ints(m) -> list[int]:
    return [int(x) for x in m.groups()]


def test_briefing_numbers_equal_engine(pack, engine, db):
    from shiwu_lib import fmt, views

    md = pack.briefing_md.read_text(encoding="utf-8")
    st, play, rank = engine["st"], engine["play"], engine["rank"]
    assert md.startswith("# 义乌市“十项重大工程”动态简报（2025年四季度）")

    m = re.search(r"截至2025年四季度，十项重大工程共有量化目标(\d+)项（[^）]*），其中有数据的(\d+)项："
                  r"绿灯(\d+)项、黄灯(\d+)项、红灯(\d+)项，暂无数据(\d+)项", md)
    assert m, md[:800]
    vc = st["status"].value_counts()
    assert _ints(m) == [len(st), int((st["status"] != "grey").sum()), int(vc.get("green", 0)), int(vc.get("yellow", 0)),
                        int(vc.get("red", 0)), int(vc.get("grey", 0))]

    m = re.search(r"报告期在推进的约束性目标(\d+)项：绿灯(\d+)项、黄灯(\d+)项、红灯(\d+)项、暂无数据(\d+)项", md)
    pv = play["status"].value_counts()
    assert m and _ints(m) == [len(play)] + [int(pv.get(k, 0)) for k in ("green", "yellow", "red", "grey")]

    m = re.search(r"排名前三的是(.+?)[；。]", md)
    names = re.findall(r"([^、（]+)（得分", m.group(1))
    expected = [engine["projects"].loc[n, "short_zh"] for n in rank.sort_values("rank").index[:3]]
    assert names == expected

    firm = engine["mp"][~engine["mp"]["stretch"].astype(bool)]
    t25, t27 = firm[firm["check"] == "target_2025"], firm[firm["check"] == "span_2027"]
    m = re.search(r"2025年到期的约束性目标(\d+)项：已完成(\d+)项、未完成(\d+)项、暂无数据(\d+)项；"
                  r"2027年约束性目标(\d+)项中，绿灯（达到序时进度且预计可如期完成）(\d+)项、黄灯或红灯(\d+)项", md)
    met, missed = int((t25["met"] == True).sum()), int((t25["met"] == False).sum())  # noqa: E712
    ok, behind = int((t27["on_track"] == True).sum()), int((t27["on_track"] == False).sum())  # noqa: E712
    assert m and _ints(m) == [len(t25), met, missed, len(t25) - met - missed, len(t27), ok, behind]

    core = views.core_indicators(db)
    paras = re.findall(r"^\*\*（(.)）(.+?)\*\*（牵头单位：(.+?)；工程总灯：(.灯)；(.+)$", md, flags=re.M)
    assert len(paras) == 10
    for cn, name, lead, light, rest in paras:
        no = [n for n in range(1, 11) if fmt.cn_number(n) == cn][0]
        assert name == engine["projects"].loc[no, "name_zh"] and lead == engine["projects"].loc[no, "lead_unit"]
        assert light == fmt.status_zh(engine["lights"][no])
        pp = play[play["project_no"] == no]
        c = pp["status"].value_counts()
        m = re.search(r"在推进的约束性目标(\d+)项：绿灯(\d+)项、黄灯(\d+)项、红灯(\d+)项", rest)
        assert m and _ints(m) == [len(pp), int(c.get("green", 0)), int(c.get("yellow", 0)), int(c.get("red", 0))], cn
        head = views.choose_headline(st[st["project_no"] == no], R, core)
        assert f"核心指标“{head['metric_zh'].replace('“', '‘').replace('”', '’')}”" in rest
        if head["kind"] != "growth_rate" and head["status"] != "grey":
            assert f"完成目标的{fmt.share(head['completion'])}，{fmt.ahead_pp(head['ahead_pp'])}" in rest
        for red in pp[pp["status"] == "red"]["metric_zh"].head(3):
            assert red in rest, (cn, red)

    assert "示例数据" in md and "并非真实统计" in md
    txt = pack.briefing_txt.read_text(encoding="utf-8")
    assert "**" not in txt and "![" not in txt and "共有量化目标" in txt and "示例数据" in txt
    for c in pack.charts:  # the markdown shows the PNGs written beside it
        assert f"]({c.path.name})" in md


def test_cli_pack_prints_the_files(built_db, tmp_path, capsys):
    from shiwu_lib import pack as pk

    out = tmp_path / "cli"
    args = argparse.Namespace(as_of=AS_OF, out=str(out), db=str(built_db), projects=[], zip=True)
    assert pk.cli_pack(args) == 0
    printed = capsys.readouterr().out
    files = [Path(line.strip()) for line in printed.splitlines() if line.startswith("  ")]
    import zipfile

    assert f"压缩包：{out.parent / 'cli.zip'}" in printed
    with zipfile.ZipFile(out.parent / "cli.zip") as z:
        assert sorted(Path(n).name for n in z.namelist()) == sorted(f.name for f in files)
    charts = [f for f in files if f.suffix in (".png", ".svg")]
    # the overview charts (ranking, light shares, the midpoint split over parts) as PNG + SVG;
    # the workbook, the briefing .md/.txt/.docx and the deck
    assert len(charts) >= 6 and len(charts) % 2 == 0 and not any(f.name.startswith("p0") for f in charts)
    assert sorted(f.suffix for f in files if f not in charts) == [".docx", ".md", ".pptx", ".txt", ".xlsx"]
    for f in files:
        assert f.exists() and f.parent == out
    assert "2025年四季度" in printed and "示例数据" in printed


def test_pack_before_the_midpoint_says_in_progress(db, tmp_path):
    """Before 2025-12-31 the 2025 targets are not yet due: 已提前完成 / 推进中, never 未完成."""
    from openpyxl import load_workbook

    from shiwu_lib import pack as pk

    r = pk.build_pack(as_of="2024-06-30", out_dir=tmp_path, db=db, charts_enabled=False)
    md = r.briefing_md.read_text(encoding="utf-8")
    m = re.search(r"距2025年末中期评估还有(\d+)个季度。2025年到期的约束性目标(\d+)项中，已提前完成(\d+)项", md)
    assert m and int(m.group(1)) == 6
    mp = r"2025年到期的约束性目标\d+项：已完成"
    assert not re.search(mp, md)
    ws = load_workbook(r.xlsx)["中期评估"]
    verdicts = {row[12] for row in ws.iter_rows(min_row=5, values_only=True) if isinstance(row[0], int)}
    assert verdicts and verdicts <= {"已提前完成", "推进中", "暂无数据"}
    assert "截至2024年6月30日" in ws["A1"].value


# ----------------------------------------------------------------------------------------------
# the deck, the DOCX, the annex 4/5 sheets, formula injection, 数据说明
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deck(pack):
    from pptx import Presentation

    return Presentation(str(pack.deck))


def _slide_text(slide) -> str:
    parts = []
    for sh in slide.shapes:
        if sh.has_text_frame and sh.text_frame.text:
            parts.append(sh.text_frame.text)
        if getattr(sh, "has_table", False) and sh.has_table:
            parts.extend("\t".join(c.text for c in row.cells) for row in sh.table.rows)
    return "\n".join(parts)


def test_deck_is_16_9_with_every_project_and_pictures(deck, pack, engine):
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.util import Inches

    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    texts = [_slide_text(s) for s in deck.slides]
    n_mid = sum(1 for c in pack.charts if c.kind == "midpoint")
    play = engine["play"]
    n_target_slides = sum(1 for n in engine["projects"].index
                          if play[(play["project_no"] == n) & play["status"].isin(["red", "yellow"])].shape[0])
    n_gap = sum(1 for c in pack.charts if c.kind == "gap")
    # title, overview, ranking table, ranking chart, 10 project slides, one slide per gap chart (part), one
    # per project with red/yellow targets, the midpoint summary and its charts, 数据说明 (+ the sources
    # used); late returns when there are any
    expected = 4 + 10 + n_gap + n_target_slides + 1 + n_mid + 1
    assert expected <= len(deck.slides) <= expected + 2, len(deck.slides)
    assert "2025年四季度" in texts[0] and "2025年12月31日" in texts[0] and "示例数据" in texts[0]
    for no, p in engine["projects"].iterrows():
        assert any(f"（{'一二三四五六七八九十'[no - 1] if no < 10 else '十'}）{p['name_zh']}" in t for t in texts), p["name_zh"]
    pictures = {i: [sh for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE] for i, s in enumerate(deck.slides)}
    assert sum(len(v) for v in pictures.values()) >= len([c for c in pack.charts if c.kind != "gap"])
    for i, pics in pictures.items():  # pictures sized for the slide: inside it, not stretched
        for pic in pics:
            assert pic.left >= 0 and pic.top >= 0, i
            assert pic.left + pic.width <= deck.slide_width and pic.top + pic.height <= deck.slide_height + Inches(0.01), i
            assert abs(pic.width / pic.height - 16 / 9) < 0.02
    for no in CHART_PROJECTS:  # the project slide of a charted project shows its trajectory
        i = next(i for i, t in enumerate(texts) if t.startswith(f"（{'一二三四五六七八九十'[no - 1]}）"))
        assert pictures[i], f"project {no}: no picture"
    for i, pics in pictures.items():  # embedded copies ≤ 1920 px wide, same aspect as the chart PNG
        for pic in pics:
            w, h = pic.image.size
            assert 1280 <= w <= 1920 and abs(w / h - 16 / 9) < 0.01, (i, pic.image.size)
    # native, editable tables (ranking, midpoint, targets)
    assert sum(1 for s in deck.slides for sh in s.shapes if getattr(sh, "has_table", False) and sh.has_table) >= 12


def test_deck_shows_each_gap_chart_after_its_project_slide(deck, pack, engine):
    """Every gap chart (each part of a split one) is a picture on its own slide right after the project's
    headline slide (trajectory), fitted inside the slide, and names the three largest gaps the engine has."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    from shiwu_lib import fmt

    texts = [_slide_text(s) for s in deck.slides]
    for no in CHART_PROJECTS:
        gaps = [c for c in pack.charts if c.kind == "gap" and c.project_no == no]
        assert gaps, f"project {no} has a gap chart"
        short = engine["projects"].loc[no, "short_zh"]
        head = next(i for i, t in enumerate(texts) if t.startswith(f"（{fmt.cn_number(no)}）{engine['projects'].loc[no, 'name_zh']}"))
        for k, c in enumerate(gaps, start=1):
            i = head + k
            title = f"（{fmt.cn_number(no)}）{short}：距目标差距" + (f"（{c.part}/{c.parts}）" if c.parts > 1 else "")
            assert texts[i].startswith(title), (i, texts[i][:60])
            pics = [sh for sh in deck.slides[i].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
            assert len(pics) == 1
            pic = pics[0]
            assert pic.left >= 0 and pic.top >= 0 and pic.left + pic.width <= deck.slide_width
            assert pic.top + pic.height <= deck.slide_height
            assert pic.width >= deck.slide_width * 0.6, "a readable size, not a thumbnail"
            assert abs(pic.width / pic.height - c.width / c.height) < 0.01, "not distorted"
    # the side note's largest gaps are the engine's: (target − actual) ÷ target, largest first
    play = engine["play"]
    for no in CHART_PROJECTS:
        g = play[(play["project_no"] == no) & (play["status"] != "grey") & play["gap"].notna()].copy()
        g["pct"] = g["gap"] / g["target_value"].abs() * 100
        top = g[g["pct"] > 0].sort_values("pct", ascending=False).head(1)
        if len(top):
            t = next(t for t in texts if t.startswith(f"（{fmt.cn_number(no)}）{engine['projects'].loc[no, 'short_zh']}：距目标差距"))
            assert f"还差{top['pct'].iloc[0]:.0f}%" in t


def test_deck_numbers_equal_the_assessment(deck, engine):
    """Three numbers (and the ranking table) on the deck equal db.status / db.ranking for that date."""
    from shiwu_lib import fmt, views

    st, play = engine["st"], engine["play"]
    texts = [_slide_text(s) for s in deck.slides]
    ov = texts[1]
    assert re.search(r"量化目标（项）\n(\d+)", ov).group(1) == str(len(st))
    assert re.search(r"报告期在推进的约束性目标（项）\n(\d+)", ov).group(1) == str(len(play))
    n_red_projects = sum(1 for v in engine["lights"].values() if v == "red")
    assert re.search(r"红灯工程（个）\n(\d+)", ov).group(1) == str(n_red_projects)
    # the ranking table: rank, 位次变化 and score of each project
    rk = engine["ranking"].set_index("project_no")
    rows = [line.split("\t") for line in texts[2].splitlines() if line.count("\t") >= 10][1:]
    assert len(rows) == 10
    for cells in rows:
        no = next(n for n, p in engine["projects"].iterrows() if cells[2] == f"{fmt.cn_number(n)} {p['short_zh']}")
        assert int(cells[0]) == int(rk.loc[no, "rank"])
        assert cells[1] == views.rank_change_text(rk.loc[no, "rank_change"])
        assert cells[4] == fmt.signed_pp(rk.loc[no, "score_pp"]).replace("个百分点", "")
    # project 一's headline: completion and pp against 序时 as the engine has them
    head = views.choose_headline(st[st["project_no"] == 1], R, engine["core"])
    t1 = next(t for t in texts if t.startswith("（一）"))
    assert f"完成目标的{fmt.share(head['completion'])}，{fmt.ahead_pp(head['ahead_pp'])}" in t1


def test_deck_red_and_yellow_targets_carry_reason_and_time_progress(deck, engine):
    from shiwu_lib import fmt

    play = engine["play"]
    texts = [_slide_text(s) for s in deck.slides]
    for no in (1, 5):
        ry = play[(play["project_no"] == no) & play["status"].isin(["red", "yellow"])]
        if ry.empty:
            continue
        short = engine["projects"].loc[no, "short_zh"]
        t = next(t for t in texts if t.startswith(f"（{fmt.cn_number(no)}）{short}：红灯、黄灯目标"))
        rows = [line.split("\t") for line in t.splitlines() if line.count("\t") == 6][1:]
        assert rows
        for cells in rows:
            e = ry[ry["metric_zh"] == cells[0]].iloc[0]
            assert cells[6] == e["reason"], "the reason is the engine's sentence verbatim"
            if e["kind"] != "growth_rate":
                assert cells[4].startswith(f"{fmt.share(e['time_progress'])}（{fmt.date_zh(e['time_progress_date'])}）")


def test_docx_has_the_briefing_text_and_pictures(pack):
    from docx import Document

    from shiwu_lib import pack as pk

    md = pack.briefing_md.read_text(encoding="utf-8")
    doc = Document(str(pack.briefing_docx))
    text = pk.docx_text(pack.briefing_docx)
    expected = [re.sub(r"^(#+ |> |- )", "", line).replace("**", "") for line in md.splitlines()
                if line.strip() and not line.startswith("![")]
    got = [p.text for p in doc.paragraphs if p.text and not p.text.startswith("图：")]
    assert got[: len(expected)] == expected, "the DOCX carries the Markdown's text, paragraph by paragraph"
    assert len(doc.inline_shapes) == len(pack.charts)
    from PIL import Image
    import io

    for shape in doc.inline_shapes:   # downscaled copies: ≤ 1600 px wide, 16:9 like the PNG files
        blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        with Image.open(io.BytesIO(blob)) as im:
            assert im.width <= 1600 and abs(im.width / im.height - 16 / 9) < 0.01, im.size
    for c in pack.charts:             # … while the PNG files beside stay full size
        with Image.open(c.path) as im:
            assert im.width >= 1920
    per_chart = pack.briefing_docx.stat().st_size / max(1, len(pack.charts))
    assert per_chart < 150_000, f"{per_chart:.0f} bytes per chart: full-size PNGs embedded?"
    assert "示例数据" in text and "共有量化目标" in text
    rfonts = doc.styles["Normal"].element.rPr.rFonts
    assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "宋体"


def test_workbook_annex_4_and_5_sheets(workbook, pack, db):
    ws = workbook["重点任务进度表"]
    h = _header_map(ws)
    for col in ("序号", "重点工作", "完成时限", "牵头单位", "配合单位", "进展情况", "完成进度", "状态"):
        assert col in h, col
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    tasks = sum(len(db.task_progress(n, "2025Q4")) for n in range(1, 11)) if hasattr(db, "task_progress") else None
    assert rows and (tasks is None or len(rows) == tasks)
    ws = workbook["问题销号进度表"]
    h = _header_map(ws)
    for col in ("序号", "问题清单", "销号时限", "进展情况", "责任单位", "是否销号"):
        assert col in h, col
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)]
    assert rows and {r[h["是否销号"] - 1] for r in rows} <= {"已销号", "未销号"}


def test_texts_from_returns_never_act_as_formulas(db, tmp_path):
    from openpyxl import load_workbook

    from shiwu_lib import pack as pk

    evil = ["=HYPERLINK(\"http://x\",\"y\")", " =1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "\u3000=1"]
    tasks = pd.DataFrame([{"project_no": 1, "task_id": f"t{i}", "seq": i, "year": 2025, "text_zh": e,
                           "period_label": "2025Q4", "status": "推进中", "progress_pct": 50.0, "progress_text": e,
                           "due": "2025年12月31日", "lead_unit": e, "partner_units": e, "source_type": "return"}
                          for i, e in enumerate(evil)])
    problems = pd.DataFrame([{"project_no": 2, "problem_id": f"q{i}", "period_label": "2025Q4", "problem_text": e,
                              "due": None, "progress_text": e, "responsible": e, "struck_off": False,
                              "source_type": "return"} for i, e in enumerate(evil)])
    data = pk.load(db, AS_OF, tasks=tasks, problems=problems)
    path = tmp_path / "evil.xlsx"
    pk.write_workbook(data, path)
    wb = load_workbook(path)
    for name in ("重点任务进度表", "问题销号进度表"):
        cells = [c for row in wb[name].iter_rows(min_row=5) for c in row]
        assert all(c.data_type != "f" for c in cells), name
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [t for t in texts if re.match(r"^[\s\u3000]*[=+\-@\t\r]", t)], name
        assert sum(1 for t in texts if t.startswith("'")) >= len(evil) * 3


def test_data_notes_name_sources_in_chinese(workbook, engine, db):
    ws = workbook["数据说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows(min_row=5) for c in row if c.value)
    for leak in ("repost on", "mirror of", "inferred", "machine-translated", "third-party", "cites ", "excerpt"):
        assert leak not in text, leak
    assert "义乌是哪个省的城市 (" not in text
    for grade in ("官方统计", "政府报告", "新闻媒体", "转载"):
        assert grade in text
    pub = db.published_sources(known_at=engine["known"])
    lines = [c.value for c in ws["B"] if isinstance(c.value, str) and ("：《" in c.value or c.value.startswith("本系统推算"))]
    assert len(lines) == len(pub)
    # each reviewed document is named as the register (data/curated/sources.csv) has it, nothing guessed
    reg = db.source_register()
    reg = reg[reg["reviewed"] & reg["submission_id"].isin(pub["submission_id"])]
    assert len(reg) > 10
    for r in reg.itertuples(index=False):
        who = r.publisher_zh if isinstance(r.publisher_zh, str) and r.publisher_zh else "发布单位待核"
        line = next((x for x in lines if x.startswith(f"{who}") and f"：《{r.document_title}》" in x), None)
        assert line is not None, (who, r.document_title)
        if pd.notna(r.published_on):
            assert fmt_date(r.published_on) in line
        if who == "发布单位待核":
            assert r.address in line, "an unidentified publisher is listed with its address"


def fmt_date(d) -> str:
    from shiwu_lib import fmt

    return fmt.date_zh(pd.Timestamp(d).date())


def test_chart_labels_do_not_double_the_year(db):
    from shiwu_lib import pack as pk
    from shiwu_lib.pack import images

    data = pk.load(db, AS_OF)
    for no in range(1, 11):
        g = images.gap_frame(data, no)
        for lab in g.get("label", []):
            assert len(re.findall(r"（[^（）]*\d{4}", lab)) <= 1, lab
            assert "…（" not in lab or re.search(r"…（\d{4}年）", lab), lab
    assert len(images.midpoint_figures(data)) >= 2, "the 2027 targets are split over several charts"


def test_pack_for_a_date_without_data_says_so_in_one_line(built_db, capsys):
    from shiwu_lib import pack as pk

    args = argparse.Namespace(as_of="2022-12-31", out=None, db=str(built_db), projects=[])
    assert pk.cli_pack(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "没有数据" in err
