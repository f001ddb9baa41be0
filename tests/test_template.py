"""The quarterly return workbook: layout, round trip through ingest into the store, LibreOffice."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from openpyxl import load_workbook

from returns_helpers import build_store, connect, fill, make_data_dir, set_env, soffice

PERIOD = "2025Q2"


@pytest.fixture()
def env(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    return data


def test_template_layout(env, tmp_path):
    from shiwu_lib.returns import layout
    from shiwu_lib.returns.template import write_template

    carried = [{"problem_id": "p01-2025Q1-01", "problem_text": "用地报批进度滞后", "due": "2025-09-30", "responsible": "自规局"}]
    out = write_template(1, "2023Q1", tmp_path / "扩投资_2023Q1.xlsx", problems=carried)
    wb = load_workbook(out)
    assert wb.sheetnames == ["填报说明", "主要指标进度表", "重点任务进度表", "问题销号进度表", "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(min_row=2, values_only=True)}
    assert meta["project_no"] == 1 and meta["period_label"] == "2023Q1" and meta["region"] == "义乌"
    assert meta["template_version"] == layout.TEMPLATE_VERSION
    ws = wb["主要指标进度表"]
    assert ws.protection.sheet and ws.freeze_panes == "E5"
    headers = [c.value for c in ws[layout.HEADER_ROW]]
    assert headers[:10] == ["十项重大工程", "层级", "指标编号", "主要指标", "单位", "基期值（2022年）",
                            "一季度", "上半年", "三季度", "全年"]
    assert ws["F3"].value == "基期" and headers[10] == "填报口径" and "1-3月累计" in headers[11]
    # quarterly targets of 2023 annex 3 (新建项目开工率 30% / 60% / 85%) are pre-filled
    rows = {ws.cell(r, 3).value: r for r in range(5, ws.max_row + 1)}
    start_rate = [i for i in rows if i and "start_rate" in i and ws.cell(rows[i], 7).value == 30]
    assert start_rate, "annex-3 quarterly target 30% not pre-filled"
    r = rows[start_rate[0]]
    assert [ws.cell(r, j).value for j in (7, 8, 9)] == [30, 60, 85]
    # input cells unlocked, locked cells locked; validations present
    assert ws.cell(5, 12).protection.locked is False and ws.cell(5, 4).protection.locked is True
    # 基期值（2022年）: an input for flows, stocks and shares; locked and marked for growth rates
    growth, amount = rows["p01_fai_growth"], rows["p01_fai"]
    assert ws.cell(growth, 6).value == "增速指标不填" and ws.cell(growth, 6).protection.locked is True
    assert ws.cell(amount, 6).value is None and ws.cell(amount, 6).protection.locked is False
    base_dvs = [dv for dv in ws.data_validations.dataValidation if dv.promptTitle == "基期值（2022年）"]
    assert {dv.prompt.split("，")[0] for dv in base_dvs} == {"填2022年全年累计数", "填2022年末数"}
    assert f"F{amount}" in " ".join(str(dv.sqref) for dv in base_dvs)
    assert f"F{growth}" not in " ".join(str(dv.sqref) for dv in base_dvs).split()
    assert meta["base_prefill"] in (None, "")      # nothing known for project 1 without a store
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "list"} <= kinds
    wt = wb["重点任务进度表"]
    assert wt.cell(5, 2).value == "p01-t01"
    assert any(dv.type == "decimal" and dv.formula1 == "0" and dv.formula2 == "100" for dv in wt.data_validations.dataValidation)
    wp = wb["问题销号进度表"]
    assert wp.cell(5, 2).value == "p01-2025Q1-01" and wp.cell(5, 4).value == dt.datetime(2025, 9, 30)
    blank_rows = [r for r in range(5, wp.max_row + 1) if wp.cell(r, 2).value is None]
    assert len(blank_rows) == layout.BLANK_PROBLEM_ROWS
    assert any(dv.type == "date" for dv in wp.data_validations.dataValidation)
    guide = "\n".join(str(c.value) for c in wb["填报说明"]["A"] if c.value)
    assert "2023年04月10日" in guide and "总专班办公室（市发改局）" in guide
    assert "data/curated/key_tasks.csv" in guide and "不要在本表新增任务行" in guide


def test_round_trip_into_store(env, tmp_path):
    from shiwu_lib.returns.intake import ingest_files
    from shiwu_lib.returns.template import write_template

    build_store(demo=False)
    blank = write_template(1, PERIOD, tmp_path / "blank.xlsx", problems=[])
    filled = fill(
        blank, tmp_path / "in" / f"扩投资_{PERIOD}.xlsx", PERIOD,
        ind={"p01_fai_growth": {"actual": 12.5},
             "p01_fai": {"actual": 2500000, "unit": "万元"},          # typed in 万元: stored as 250 亿元
             "p01_major_project_investment": {"actual": 180.25, "remark": "1-6月累计"}},
        tasks={"p01-t01": {"status": "推进中", "progress_pct": 55, "progress_text": "按序时推进"},
               "p01-t02": {"status": "已完成", "progress_pct": 100}},
        new_problems=[{"problem_text": "铁路枢纽项目征迁难度大", "due": dt.date(2025, 12, 31),
                       "responsible": "铁路枢纽指挥部", "progress_text": "已上报召集人协调", "struck_off": "否"}],
    )
    received = dt.datetime(2025, 7, 8, 10, 0, 0)
    report = ingest_files([filled], received_at=received, today=dt.date(2025, 7, 8))
    assert report.exit_code == 0, "\n".join(report.lines())
    assert [r.status for r in report.results] == ["accepted"]
    con = connect()
    try:
        got = dict(con.execute(
            "SELECT indicator_id, value FROM actuals WHERE source_type = 'return' ORDER BY 1").fetchall())
        assert got == {"p01_fai": 250.0, "p01_fai_growth": 12.5, "p01_major_project_investment": 180.25}
        row = con.execute("""SELECT unit, value_base, base_unit, period_label, freq, ytd, period_start, period_end,
                                    reported_at, quote FROM actuals WHERE indicator_id = 'p01_fai'""").fetchone()
        assert row[:6] == ("亿元", 2.5e10, "yuan", PERIOD, "Q", True)
        assert row[6:8] == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
        assert row[8] == received
        assert row[9].startswith(f"扩投资_{PERIOD}.xlsx 主要指标进度表!L")
        tasks = con.execute("SELECT task_id, status, progress_pct FROM task_progress ORDER BY 1").fetchall()
        assert tasks == [("p01-t01", "推进中", 55.0), ("p01-t02", "已完成", 100.0)]
        probs = con.execute("SELECT problem_id, problem_text, due, struck_off FROM problems").fetchall()
        assert probs == [("p01-2025Q2-01", "铁路枢纽项目征迁难度大", dt.date(2025, 12, 31), False)]
        sheets = {r[0] for r in con.execute("SELECT sheet FROM return_sheets WHERE period_label = ?", [PERIOD]).fetchall()}
        assert sheets == {"主要指标进度表", "重点任务进度表", "问题销号进度表"}
        sub = con.execute("SELECT source_type, file_name, n_rows, received_at FROM submissions WHERE source_type = 'return'").fetchone()
        assert sub == ("return", f"扩投资_{PERIOD}.xlsx", 6, received)
    finally:
        con.close()
    # the next quarter's template carries the open problem over, from the store
    nxt = write_template(1, "2025Q3", tmp_path / "next.xlsx")
    wp = load_workbook(nxt)["问题销号进度表"]
    assert wp.cell(5, 2).value == "p01-2025Q2-01" and wp.cell(5, 3).value == "铁路枢纽项目征迁难度大"


def test_libreoffice_converts_template(env, tmp_path):
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check that the template opens in it")
    from shiwu_lib.returns.template import write_template

    out = write_template(10, PERIOD, tmp_path / "七优享_2025Q2.xlsx", problems=[])
    profile = tmp_path / "lo-profile"
    res = subprocess.run(
        [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "七优享_2025Q2.pdf"
    assert res.returncode == 0, res.stderr
    assert pdf.exists() and pdf.stat().st_size > 10_000, (res.stdout, res.stderr)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_libreoffice_round_trip_parses(env, tmp_path):
    """A clerk who fills and saves the workbook in LibreOffice sends a file that ingest reads the same."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot check a LibreOffice-saved workbook")
    from shiwu_lib.returns.ingest import parse_workbook
    from shiwu_lib.returns.template import write_template

    blank = write_template(1, PERIOD, tmp_path / "blank.xlsx",
                           problems=[{"problem_id": "p01-2025Q1-01", "problem_text": "用地报批进度滞后", "due": "2025-09-30"}])
    src = fill(blank, tmp_path / "src" / f"扩投资_{PERIOD}.xlsx", PERIOD,
               ind={"p01_fai_growth": {"actual": 12.5}, "p01_fai": {"actual": 2500000, "unit": "万元"}},
               tasks={"p01-t01": {"status": "推进中", "progress_pct": 50}},
               problems={"p01-2025Q1-01": {"struck_off": "是", "progress_text": "已解决"}},
               new_problems=[{"problem_text": "资金缺口", "due": dt.date(2025, 12, 31), "responsible": "财政局"}])
    outdir = tmp_path / "lo"
    res = subprocess.run(
        [exe, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to", "xlsx",
         "--outdir", str(outdir), str(src)], capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    a = parse_workbook(src, reference={}, today=dt.date(2025, 7, 8))
    b = parse_workbook(outdir / src.name, reference={}, today=dt.date(2025, 7, 8))
    assert a.sha256 != b.sha256
    cols = ["indicator_id", "value", "unit", "value_base"]
    assert a.actuals[cols].to_dict("records") == b.actuals[cols].to_dict("records")
    assert a.task_progress.drop(columns=[]).to_dict("records") == b.task_progress.to_dict("records")
    assert a.problems.to_dict("records") == b.problems.to_dict("records")


def test_later_years_tasks_come_from_the_curated_list_each_with_its_own_deadline(env, tmp_path):
    """Issue 11: a 2023 task in a 2026 return is due 2023-12-31 (not at the end of 2026); a later
    year's list comes in through data/curated/key_tasks.csv (the guide says so; ingest takes no other
    task ids); a task of a year after the return's is not listed yet."""
    import csv

    from shiwu_lib.returns.template import write_template

    kt = env / "curated" / "key_tasks.csv"
    rows = list(csv.DictReader(kt.open(encoding="utf-8")))
    n2023 = sum(1 for r in rows if r["project_no"] == "1")
    extra = [dict(rows[0], task_id="p01-t26-01", seq="1", year="2026", text_zh="2026年度新增重点任务（测试）", target_ids=""),
             dict(rows[0], task_id="p01-t27-01", seq="1", year="2027", text_zh="2027年度重点任务（测试）", target_ids="")]
    with kt.open("a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writerows(extra)

    def tasks_of(period):
        wb = load_workbook(write_template(1, period, tmp_path / f"t_{period}.xlsx"))
        ws = wb["重点任务进度表"]
        heads = [c.value for c in ws[4]]
        ti, di = heads.index("任务编号") + 1, heads.index("完成时限") + 1
        got = {ws.cell(r, ti).value: ws.cell(r, di).value for r in range(5, ws.max_row + 1) if ws.cell(r, ti).value}
        guide = "\n".join(str(c.value) for c in wb["填报说明"]["A"] if c.value)
        return got, guide, str(ws["A2"].value or "") + str(ws["A1"].value or "")

    got, guide, info = tasks_of("2026Q2")
    assert got["p01-t01"] == "2023年12月31日", "a 2023 task keeps its own deadline in a 2026 return"
    assert got["p01-t26-01"] == "2026年12月31日"
    assert "p01-t27-01" not in got, "a 2027 task is not due in 2026"
    assert len(got) == n2023 + 1
    assert "2023、2026年度重点任务清单" in guide and "key_tasks.csv" in guide

    got, guide, _ = tasks_of("2024Q1")       # no 2024 list yet: the guide says so
    assert set(got) == {r["task_id"] for r in rows if r["project_no"] == "1"}
    assert "2024年度清单尚未录入" in guide and all(v == "2023年12月31日" for v in got.values())
