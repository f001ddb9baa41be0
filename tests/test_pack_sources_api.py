"""Issue 12, second part: the pack reads everything through public API methods, names its sources from
the reviewed register (data/curated/sources.csv), has one public entry point for the overview's
download (write_pack / zip_pack), and reproduces an earlier pack's numbers for the same dates.
"""
from __future__ import annotations

import re
import zipfile
from datetime import date

import pandas as pd
import pytest

from shiwu_lib import paths

AS_OF = "2025-12-31"


# -- the reviewed source register -------------------------------------------------------------------

def test_every_cited_source_has_a_reviewed_register_row(db):
    """Each published document the store holds (so any the pack may cite) has a row in
    data/curated/sources.csv; 推算 rows are exempt (they name the reviewed documents they use)."""
    from shiwu_lib.pack import sources

    pub = db.published_sources()
    reg = db.source_register()
    missing = sources.unreviewed(pub, reg)
    assert not missing, f"add these documents to data/curated/sources.csv: {missing[:3]}"
    cited = set(db.actuals().query("source_type == 'published'")["submission_id"])
    reviewed = set(reg.loc[reg["reviewed"], "submission_id"])
    derived = {s for s in cited if s.startswith("pub:derived:")}
    assert cited - derived <= reviewed
    r = reg[reg["reviewed"]]
    assert (r["register_grade"] == r["grade"]).all(), "the register's grade is the document's"
    csv = pd.read_csv(paths.curated_dir() / "sources.csv", dtype=str, keep_default_na=False)
    assert len(csv) == len(r), "one register row per document, every row matched to a loaded document"
    for col in ("publisher_zh", "document_title", "review_zh", "original_zh", "cites_zh"):
        english = [v for v in csv[col] if v and not re.search(r"[\u3400-\u9fff]", v) and col != "document_title"]
        assert not english, f"{col}: English text {english[:2]}"
    assert (csv["document_title"] != "").all()
    for v in csv["publisher_zh"]:
        assert "(" not in v and ";" not in v and "repost" not in v.lower(), v


def test_a_document_without_a_reviewed_row_is_listed_as_pending_not_guessed(db):
    from shiwu_lib.pack import sources

    pub = db.published_sources()
    reg = db.source_register()
    gone = reg.iloc[0:0]                       # as if the register were empty
    e = sources.source_entries(pub, gone)
    plain = e[~e["derived"]]
    assert len(plain) and plain["publisher"].str.startswith(sources.PENDING).all()
    assert plain["text"].str.contains("来源未经审核").all()
    # the recorded notes in English never reach the text: no "repost on", no "; cites"
    assert not plain["text"].str.contains(r"repost|cites|mirror of|third-party", regex=True).any()
    assert set(sources.unreviewed(pub, gone)) == {t for t in pub["title"] if not t.startswith("推算：")}
    # with the register: a reviewed name, or 发布单位待核 with the site's address where the reviewer left it blank
    e = sources.source_entries(pub, reg)
    by_id = reg.set_index("submission_id")
    for r in e[~e["derived"]].itertuples(index=False):
        name = by_id.loc[r.submission_id, "publisher_zh"]
        if isinstance(name, str) and name:
            assert r.publisher == name and r.text.startswith(name + "：《")
        else:
            assert r.publisher.startswith(sources.PENDING + "（网站") and r.address in r.text


def test_the_build_refuses_a_register_row_that_names_no_document(tmp_path, monkeypatch):
    import shutil

    from shiwu_lib import build

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir() / "curated", data / "curated")
    shutil.copytree(paths.data_dir() / "raw", data / "raw", ignore=shutil.ignore_patterns("returns"))
    (data / "raw" / "returns").mkdir(exist_ok=True)
    f = data / "curated" / "sources.csv"
    df = pd.read_csv(f, dtype=str, keep_default_na=False)
    df.loc[0, "source_address"] = "http://example.invalid/typo"
    df.to_csv(f, index=False)
    monkeypatch.setenv("SHIWU_DATA_DIR", str(data))
    with pytest.raises(build.BuildError, match=r"sources.csv row 2: no published value"):
        build.run(tmp_path / "s.duckdb", demo=False)


# -- the API reads the pack uses ---------------------------------------------------------------------

def test_tasks_and_problems_for_all_projects_equal_the_per_project_reads(db):
    for fn in (db.task_progress, db.problems):
        every = fn(None, "2025Q4")
        parts = pd.concat([fn(n, "2025Q4").assign(project_no=n) for n in range(1, 11)], ignore_index=True)
        assert len(every) == len(parts) > 0
        key = "task_id" if fn == db.task_progress else "problem_id"
        assert sorted(zip(every["project_no"], every[key])) == sorted(zip(parts["project_no"], parts[key]))
        assert list(every["project_no"]) == sorted(every["project_no"])


def test_late_returns_equal_the_dashboards_list(db):
    from shiwu_lib import report as views

    # no returns (nor demo rows) for 2026Q4: every project is late once the deadline has passed
    late = db.late_returns("2026Q4", known_at="2027-01-20")
    dash = views.late_returns(db, "2026Q4", today=date(2027, 1, 20))
    pd.testing.assert_frame_equal(late.reset_index(drop=True), dash.reset_index(drop=True), check_dtype=False)
    assert len(late) == 10 and late["overdue"].all() and (late["days_late"] == 10).all()
    early = db.late_returns("2026Q4", known_at="2027-01-05")
    assert not early["overdue"].any() and (early["days_late"] == 0).all()
    assert db.late_returns("2025Q4").empty, "the demo returns cover 2025Q4"


def test_the_deck_lists_late_returns_from_the_api(db, tmp_path):
    """With returns missing, the deck has a 报表报送情况 slide whose rows are db.late_returns'."""
    from shiwu_lib import pack
    from shiwu_lib.pack import deck_texts

    data = pack.load(db, AS_OF)
    data.late = db.late_returns("2026Q4", known_at="2027-01-20")
    texts = deck_texts(pack.write_deck(data, tmp_path / "d.pptx", []))
    slide = next(t for t in texts if t.lstrip().startswith("四、报表报送情况"))
    rows = [line.split("\t") for line in slide.splitlines() if line.count("\t") == 4][1:]
    assert [r[0] for r in rows] == list(data.late["project"]) and all(r[4] == "已逾期" for r in rows)
    assert all(r[2] == m for r, m in zip(rows, data.late["missing"]))


# -- the public entry point for the overview's download --------------------------------------------

def test_write_pack_and_zip_pack_work_without_a_terminal(db, tmp_path, capsys):
    from shiwu_lib import pack

    seen: list[tuple[float, str]] = []
    out = pack.write_pack(db, "2025Q4", tmp_path / "pack", progress=lambda f, m: seen.append((f, m)), charts=False)
    assert out == tmp_path / "pack" and out.is_dir()
    assert capsys.readouterr().err == "", "nothing written to a terminal"
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 <= fractions[0] < 0.1
    names = sorted(f.name for f in out.iterdir())
    assert {"季度分析会_2025年四季度.pptx", "动态简报_2025年四季度.docx", "十项重大工程进度晾晒表_2025年四季度.xlsx",
            "动态简报_2025年四季度.md"} <= set(names)
    z = pack.zip_pack(out)
    assert z == tmp_path / "pack.zip"
    with zipfile.ZipFile(z) as f:
        assert sorted(n.split("/", 1)[1] for n in f.namelist()) == names
        assert f.testzip() is None
    with pytest.raises(pack.PackNoData):
        pack.write_pack(db, "2022Q4", tmp_path / "none")


# -- --as-of reproduces an earlier pack -------------------------------------------------------------

def _numbers(md: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", md)


def test_as_of_and_known_at_reproduce_an_earlier_pack_exactly(db, tmp_path):
    """The 2025Q3 pack as it was on 2025-11-15 (known_at), made twice, says the same in every number; it
    uses only values known on that day (its counts are db.status for that vintage), so values reported
    later do not change it: it differs from the 2025Q3 pack made with today's data."""
    from shiwu_lib import pack

    a = pack.build_pack(as_of="2025Q3", known_at="2025-11-15", out_dir=tmp_path / "a", db=db, charts_enabled=False,
                        deck=False)
    b = pack.build_pack(as_of="2025-09-30", known_at=date(2025, 11, 15), out_dir=tmp_path / "b", db=db,
                        charts_enabled=False, deck=False)
    ma, mb = a.briefing_md.read_text(encoding="utf-8"), b.briefing_md.read_text(encoding="utf-8")
    assert ma == mb and len(_numbers(ma)) > 100
    st = db.status(as_of="2025-09-30", known_at="2025-11-15")
    vc = st["status"].value_counts()
    m = re.search(r"共有量化目标(\d+)项（[^）]*），其中有数据的(\d+)项：绿灯(\d+)项、黄灯(\d+)项、红灯(\d+)项", ma)
    assert m and [int(x) for x in m.groups()] == [len(st), int((st["status"] != "grey").sum()), int(vc.get("green", 0)),
                                                   int(vc.get("yellow", 0)), int(vc.get("red", 0))]
    assert "数据截至：2025年11月15日" in ma
    now = pack.build_pack(as_of="2025Q3", out_dir=tmp_path / "now", db=db, charts_enabled=False, deck=False)
    assert now.briefing_md.read_text(encoding="utf-8") != ma, "later values change the later pack only"
    from openpyxl import load_workbook

    def cells(path):
        wb = load_workbook(path)
        return [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if not (isinstance(c.value, str) and c.value.startswith(("由 shiwu", ))) and c.value is not None
                and not (ws.title == "数据说明" and isinstance(c.value, str) and "由 shiwu 生成" in c.value)]
    assert cells(a.xlsx) == cells(b.xlsx)
