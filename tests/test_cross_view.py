"""The same target on the same report date shows the same numbers everywhere (issue 10): the live
project dashboard, the static edition, the meeting pack's 主要指标进度表 and `shiwu status`.

Three targets are picked from the stored assessment (a red, a yellow and a green one in play at the
report date, from one project) and read back from each output as a user sees it: the light, the
completion, the 序时进度 and the latest actual value."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date

import pytest

import shiwu_lib as sw
from shiwu_lib import fmt, publish, report

pytestmark = pytest.mark.browser

REPORT_DATE = date(2025, 12, 31)
PROJECT_PAGE = "/voila/render/02_project.ipynb"
TABLE_ROWS_JS = ("rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")


def _pct(text: str) -> int:
    """The first percentage in a cell: '73%' -> 73, '序时进度75%（2025年12月31日）' -> 75."""
    m = re.search(r"(-?\d+(?:\.\d+)?)%", text)
    assert m, f"no percentage in {text!r}"
    return round(float(m.group(1)))


def _pick(st):
    """(project_no, [three target rows]): one red, one yellow, one green firm in-play target with a
    completion (not a growth rate), whose name is unique within its project."""
    play = report.firm_in_play(st, REPORT_DATE)
    play = play[(play["kind"] != "growth_rate") & play["completion"].notna()]
    for no in sorted(play["project_no"].unique()):
        names = st.loc[st["project_no"] == no, "metric_zh"].value_counts()
        pp = play[(play["project_no"] == no) & play["metric_zh"].map(lambda n: names.get(n, 0) == 1)]
        pick = [pp[pp["status"] == s].sort_values("target_id").head(1) for s in ("red", "yellow", "green")]
        if all(len(p) for p in pick):
            return int(no), [p.iloc[0] for p in pick]
    pytest.fail("no project has a red, a yellow and a green in-play target to compare")


def _table_rows(page) -> dict[str, list[str]]:
    rows = page.eval_on_selector_all('table[data-table="targets"] tbody tr', TABLE_ROWS_JS)
    return {r[0]: r for r in rows}


def _check_html_row(where: str, cells: list[str], r) -> dict:
    # columns of the targets table: 目标, 目标值, 最新实际, 完成, 序时进度, 灯, 说明, 来源
    seen = {"light": cells[5], "completion": _pct(cells[3]), "time_progress": _pct(cells[4]),
            "actual": cells[2].splitlines()[0].strip()}
    want = {"light": fmt.status_zh(r["status"]), "completion": round(r["completion"] * 100),
            "time_progress": round(r["time_progress"] * 100), "actual": report.actual_text(r)}
    assert seen == want, f"{where}: {r['target_id']} shows {seen}, the stored assessment has {want}"
    assert cells[6] == str(r["reason"]), f"{where}: {r['target_id']}: the reason differs"
    return seen


def test_three_targets_read_the_same_in_every_view(built_db, open_dashboard, browser, tmp_path):
    from openpyxl import load_workbook

    from shiwu_lib.pack import build_pack

    with sw.open(built_db) as db:
        st = db.status(as_of=REPORT_DATE)
        no, rows = _pick(st)
        ids = [r["target_id"] for r in rows]
        site = tmp_path / "site"
        publish.publish(REPORT_DATE, site, db=db)
        pack = build_pack(REPORT_DATE, tmp_path / "pack", db=db, charts_enabled=False, deck=False, docx=False)
    seen: dict[str, dict[str, dict]] = {tid: {} for tid in ids}

    # 1. shiwu status (the CLI a researcher or clerk runs)
    out = subprocess.run([sys.executable, "-m", "shiwu_lib.cli", "status", "--db", str(built_db), "--as-of", "2025Q4",
                          "--project", str(no), "--format", "json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    cli = {r["target_id"]: r for r in json.loads(out.stdout)}
    for r in rows:
        c = cli[r["target_id"]]
        seen[r["target_id"]]["cli"] = {"light": fmt.status_zh(c["status"]), "completion": round(c["completion"] * 100),
                                       "time_progress": round(c["time_progress"] * 100)}
        assert c["latest_actual"] == pytest.approx(r["latest_actual"]) and c["reason"] == r["reason"]

    # 2. the pack's 主要指标进度表 of the project (附件2 layout: target id in column B)
    wb = load_workbook(pack.xlsx, read_only=True)
    sheet = next(ws for ws in wb.worksheets if ws.title.startswith(fmt.cn_number(no)))
    by_id = {row[1]: row for row in sheet.iter_rows(values_only=True) if row and row[1] in ids}
    for r in rows:
        x = by_id[r["target_id"]]
        # 序号, 编号, 目标, 期限, 目标值, 单位, 最新实际, 期别, 序时进度, 完成率, 快于/慢于, 状态, 说明, 来源, 计入晾晒
        seen[r["target_id"]]["pack"] = {"light": x[11], "completion": round(x[9] * 100), "time_progress": round(x[8] * 100)}
        assert x[6] == pytest.approx(r["latest_actual"]) and x[12] == r["reason"]
    wb.close()

    # 3. the static edition, opened from file:// in chromium
    ctx = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="zh-CN")
    try:
        page = ctx.new_page()
        page.goto((site / f"project-{no}.html").as_uri())
        page.wait_for_selector('table[data-table="targets"]', timeout=30_000)
        table = _table_rows(page)
        for r in rows:
            s = _check_html_row("static edition", table[r["metric_zh"]], r)
            seen[r["target_id"]]["static"] = {k: s[k] for k in ("light", "completion", "time_progress")}
    finally:
        ctx.close()

    # 4. the live project dashboard for the same project and report date (deep link)
    d = open_dashboard(f"{PROJECT_PAGE}?project={no}&as_of={REPORT_DATE.isoformat()}", f"cross-view-project-{no}",
                       wait_selector='table[data-table="targets"]', viewport=(1440, 2400))
    el = d.page.locator("[data-report-date]").first
    assert el.get_attribute("data-report-date") == REPORT_DATE.isoformat()
    table = _table_rows(d.page)
    for r in rows:
        s = _check_html_row("live dashboard", table[r["metric_zh"]], r)
        seen[r["target_id"]]["dashboard"] = {k: s[k] for k in ("light", "completion", "time_progress")}

    # one reading per target, whatever the view
    for tid, views in seen.items():
        assert set(views) == {"cli", "pack", "static", "dashboard"}
        first = next(iter(views.values()))
        assert all(v == first for v in views.values()), f"{tid}: the views disagree: {views}"
