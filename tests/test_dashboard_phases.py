"""First chart first (issue 11): the live pages read what they show down to their first chart, then
the rest after the browser has drawn it. The two halves together must be exactly what the static
edition and the pack read (``report.project_data`` / ``report.overview_data``), and the deferred half
must fill every slot it left with 正在加载 — with the content, or with a Chinese line when a step fails.

No browser: the page functions run outside a kernel, where :meth:`Page.after_first_chart` runs its
steps at once."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from shiwu_lib import report
from shiwu_lib.dashboards import overview, page as page_mod, project


def _same(a, b, where):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), obj=where)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k}]")
    else:
        assert a == b, where


@pytest.fixture(scope="module")
def rd(db):
    return report.default_report_date(db, db.report_dates())


@pytest.mark.parametrize("no", [1, 5, 7])
def test_project_head_and_rest_are_project_data(db, rd, no):
    whole = report.project_data(db, no, rd)
    head = project.project_head_data(db, no, rd)
    # the first chart from the head's own actuals is the chart drawn from all of them
    if whole["order"]:
        a = project.trajectory_figure(db, head, head["order"][0])[0].to_json()
        b = project.trajectory_figure(db, whole, whole["order"][0])[0].to_json()
        assert json.loads(a) == json.loads(b)
    parts = project.project_rest_data(db, head)
    assert parts.keys() == whole.keys()
    for k in whole:
        if k == "cards":
            continue
        a, b = parts[k], whole[k]
        if k == "headline":
            pd.testing.assert_series_equal(a, b)
        elif isinstance(b, dict) and k == "sections":
            for s in b:
                _same(a[s], b[s], f"sections[{s}]")
        else:
            _same(a, b, k)
    assert project.project_html(parts) == project.project_html(whole)


def test_overview_head_and_rest_are_overview_data(db, rd):
    dates = db.report_dates()
    chase = report.latest_due_quarter(dates)
    whole = report.overview_data(db, rd, chase)
    parts = overview.overview_rest_data(db, overview.overview_head_data(db, rd, chase, today=whole["today"]))
    assert parts.keys() == whole.keys()
    for k in whole:
        if k == "cards":
            continue
        _same(parts[k], whole[k], k)
    assert overview.overview_html(parts) == overview.overview_html(whole)


def _outputs_html(out) -> str:
    return " ".join(str(o.get("data", {}).get("text/html", "")) for o in out.outputs)


def _texts(widgets) -> str:
    """Every HTML value and Output HTML under ``widgets`` (a widget tree)."""
    parts = []
    for w in widgets:
        if hasattr(w, "children"):
            parts.append(_texts(w.children))
        elif hasattr(w, "outputs"):
            parts.append(_outputs_html(w))
        elif hasattr(w, "value"):
            parts.append(str(w.value))
    return " ".join(parts)


def _plots(widgets) -> int:
    n = 0
    for w in widgets:
        if hasattr(w, "children"):
            n += _plots(w.children)
        elif hasattr(w, "outputs"):
            n += sum("application/vnd.plotly.v1+json" in o.get("data", {}) for o in w.outputs)
    return n


def test_project_body_fills_every_slot(built_db, rd):
    pg = page_mod.Page("t", "s")
    body = project.project_body(pg, 1, rd)
    text = _texts(body)
    assert "data-loading" not in text, "a slot still says 正在加载 after the deferred steps ran"
    for table in ('data-table="targets"', 'data-table="tasks"'):
        assert table in text
    with report_db(built_db) as db:
        d = report.project_data(db, 1, rd)
    assert _plots(body) == len(d["order"]) + (0 if d["gap"].empty else 1)


def test_overview_body_fills_every_slot(built_db, rd):
    pg = page_mod.Page("t", "s")
    body = overview.overview_body(pg, rd, rd)
    text = _texts(body)
    assert "data-loading" not in text
    for table in ('data-table="ranking"', 'data-table="lead-units"'):
        assert table in text
    assert _plots(body) == 1


def test_a_failing_step_says_so_in_its_slot(built_db, rd, monkeypatch):
    """One chart failing, then the rest of the data failing: each slot gets a Chinese line, none stays
    正在加载, no traceback text reaches the page."""
    pg = page_mod.Page("t", "s")
    real = project.trajectory_figure
    calls = {"n": 0}

    def flaky(db, d, iid):
        calls["n"] += 1
        if calls["n"] == 2:     # the second chart: the first deferred one
            raise RuntimeError("boom-4711")
        return real(db, d, iid)

    monkeypatch.setattr(project, "trajectory_figure", flaky)
    monkeypatch.setattr(project, "midpoint_with_demo", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom-4712")))
    body = project.project_body(pg, 1, rd)
    text = _texts(body)
    assert "data-loading" not in text
    assert "走势图生成出错" in text and "距目标差距图生成出错" in text and "目标一览加载出错" in text
    assert "boom-471" not in text and "Traceback" not in text


def report_db(path):
    import shiwu_lib as sw

    return sw.open(path)


def test_gap_labels_follow_the_light_and_negative_labels_stay_off_the_axis():
    """A 左右 ('=') target above its band says 高于目标区间 (the engine's yellow above_band), one inside
    it 在目标区间内, a ≥ target past its value 已达到; a negative bar's text stands right of zero."""
    from shiwu_lib import charts

    df = pd.DataFrame({
        "label": ["高于区间", "区间内", "已超", "差距"],
        "gap_pct": [-9.2, 2.0, -10.0, 27.1],
        "status": ["yellow", "green", "green", "yellow"],
        "hover": [""] * 4,
        "comparator": ["=", "=", ">=", ">="],
        "met": [False, True, True, False],
        "light_basis": ["band", "met", "met", "projection"],
    })
    assert [charts.gap_label(r) for _, r in df.iterrows()] == ["高于目标区间", "在目标区间内", "已达到", "27%"]
    fig = charts.gap_to_target(df, "t")
    shown = dict(zip(fig.data[0].y, fig.data[0].text))
    assert shown["差距"] == "27%" and shown["区间内"] == "在目标区间内"
    assert shown["高于区间"] == "" and shown["已超"] == ""          # drawn as annotations instead
    notes = {a.y: a for a in fig.layout.annotations}
    for y, text in (("高于区间", "高于目标区间"), ("已超", "已达到")):
        assert notes[y].text == text and notes[y].x == 0 and notes[y].xanchor == "left"
    lo, hi = fig.layout.xaxis.range
    assert hi >= 0.4 * (hi - lo), "no room right of zero for the negative bars' text"
    # a frame without the optional columns (the pack's) still works
    charts.gap_to_target(df[["label", "gap_pct", "status", "hover"]], "t")


def test_trajectory_unit_note_has_its_own_row_under_a_two_line_title_and_subtitle():
    from shiwu_lib import charts

    ts = pd.Timestamp
    base = {"title": "五年累计完成重大项目投资额与年度计划执行情况", "unit": "亿元", "paths": [], "annual": [],
            "report_date": ts("2025-12-31").date(), "title_width": 16, "title_lines": 2,
            "subtitle": "黄 · 实际284项，高于目标区间（247项—273项），按当前进度预计2026年达到284项，为目标的109%"}
    for sub in (True, False):
        fig = charts.trajectory({**base, "subtitle_in_chart": sub})
        lines = fig.layout.title.text.count("<br>") + 1
        n_sub = 2 if sub else 0
        top = fig.layout.margin.t
        title_bottom = charts.TITLE_TOP_PX + charts.TITLE_LINE_PX * (lines - n_sub) + charts.SUBTITLE_LINE_PX * n_sub
        assert top - title_bottom >= charts.UNIT_ROW_PX - 1, (top, title_bottom)
        assert fig.layout.title.yanchor == "top" and fig.layout.title.yref == "container"
        unit = next(a for a in fig.layout.annotations if str(a.text).startswith("单位"))
        assert unit.y == 1.0 and unit.yanchor == "bottom"
    assert "，<br>" in charts.wrap_zh(base["subtitle"], 28) or "<br>，" not in charts.wrap_zh(base["subtitle"], 28)


def test_a_warm_read_is_reused_only_for_the_same_store_file(tmp_path, monkeypatch):
    import os

    f = tmp_path / "shiwu.duckdb"
    f.write_bytes(b"x")
    monkeypatch.setenv("SHIWU_DB", str(f))
    page_mod.keep_preread("overview", (1, 2), "kept")
    assert page_mod.take_preread("overview", (1, 3)) is None          # another view: read again
    page_mod.keep_preread("overview", (1, 2), "kept")
    assert page_mod.take_preread("overview", (1, 2)) == "kept"
    assert page_mod.take_preread("overview", (1, 2)) is None          # once only
    page_mod.keep_preread("overview", (1, 2), "kept")
    g = tmp_path / "new.duckdb"                                        # a build renames a new file over it
    g.write_bytes(b"yy")
    os.replace(g, f)
    assert page_mod.take_preread("overview", (1, 2)) is None
