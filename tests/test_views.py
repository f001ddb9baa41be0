"""Pure helpers of the dashboards: the project light rule, number formatting, the headline choice,
targets in play, the HTML cards and the figures (no store, no browser)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from shiwu_lib import charts, fmt, report, views
from shiwu_lib.dashboards import components, overview as overview_page
from shiwu_lib.dashboards.page import Page, figure_bundle

R = date(2026, 9, 30)


# -- project light ---------------------------------------------------------------------------

@pytest.mark.parametrize("statuses, expected", [
    ([], "grey"),
    (["grey", "grey"], "grey"),
    (["green", "green", "green"], "green"),
    (["green", "green", "yellow", "grey"], "yellow"),        # 1 of the 3 with data behind: a third
    (["green", "green", "green", "yellow"], "green"),        # a quarter slightly behind
    (["green", "yellow", "yellow"], "yellow"),               # two thirds behind
    (["green"] * 9 + ["red"], "yellow"),                     # a red is never hidden behind green
    (["green", "green", "red"], "red"),                      # a third red
    (["red", "yellow", "green", "green", "green", "green"], "yellow"),
    (["red", "red", "green", "green", "green", "green"], "red"),
    (["red", "grey", "grey"], "red"),                        # grey targets do not count
])
def test_project_light_rule(statuses, expected):
    assert views.project_light(statuses) == expected


def test_project_light_thresholds_are_documented():
    assert views.RED_QUORUM == pytest.approx(1 / 3)
    assert "三分之一" in views.PROJECT_LIGHT_RULE_ZH
    assert "project_light" in views.__doc__ and "worst-of" in views.__doc__


# -- number formatting -----------------------------------------------------------------------

def test_values_as_people_write_them():
    assert fmt.value(2000, "亿元") == "2000亿元"
    assert fmt.value(1.5, "万亩") == "1.5万亩"
    assert fmt.value(15, "%") == "15%"
    assert fmt.pp(3.2) == "3.2个百分点"
    assert fmt.value(2000.0, "亿元") == "2000亿元"          # no trailing .0
    assert fmt.value(1443.27, "亿元") == "1443亿元"         # ≥ 1000: no decimals
    assert fmt.value(132.06, "亿元") == "132.1亿元"         # 100–1000: one decimal
    assert fmt.value(83.27, "岁") == "83.27岁"
    assert fmt.value(1.65, "万亩") == "1.65万亩"
    assert fmt.value(5.7, "个/千人") == "5.7个/千人"
    assert fmt.value(None, "亿元") == fmt.MISSING
    assert fmt.value(float("nan"), "亿元") == fmt.MISSING


def test_shares_points_and_progress_wording():
    assert fmt.share(0.68) == "68%"
    assert fmt.share(1.0) == "100%"
    assert fmt.percent(14.06) == "14.1%"
    assert fmt.ahead_pp(18) == "快于序时进度18个百分点"
    assert fmt.ahead_pp(-3.24) == "慢于序时进度3.2个百分点"
    assert fmt.ahead_pp(0.2) == "与序时进度持平"
    assert fmt.signed_pp(2.5) == "+2.5个百分点"
    assert fmt.signed_pp(-16.6) == "-16.6个百分点"


def test_targets_periods_and_dates():
    assert fmt.target_text(2000, "亿元") == "2000亿元以上"
    assert fmt.target_text(1.72, "倍", "<=") == "1.72倍以内"
    assert fmt.target_text(260, "项", "=") == "260项左右"
    assert fmt.target_text(20, "%", ">=", stretch=True) == "力争20%以上"
    assert fmt.span_zh("2023-2027") == "2023—2027年"
    assert fmt.span_zh("FY", 2023) == "2023年"
    assert fmt.span_zh("H1", 2023) == "2023年上半年"
    assert fmt.quarter_zh(date(2025, 6, 30)) == "2025年二季度"
    assert fmt.quarter_label(date(2025, 12, 31)) == "2025Q4"
    assert fmt.period_label_zh("2025Q2") == "2025年1-6月"
    assert fmt.period_label_zh("2025Q4") == "2025年"
    assert fmt.period_label_zh("2025Q2", ytd=False) == "2025年二季度"
    assert fmt.period_label_zh("2025M05") == "2025年1-5月"
    assert fmt.date_zh(date(2025, 12, 31)) == "2025年12月31日"
    assert [fmt.cn_number(n) for n in (1, 5, 10)] == ["一", "五", "十"]
    assert fmt.status_zh("red") == "红灯" and fmt.status_zh(None) == "灰灯"


# -- targets in play, headline ---------------------------------------------------------------

def _row(target_id, **kw):
    base = dict(project_no=1, target_id=target_id, metric_zh=target_id, section="five_year", kind="level",
                period="2023-2027", start_year=2023, target_year=2027, target_value=100.0, unit="亿元",
                comparator=">=", stretch=False, latest_actual=50.0, latest_period="2026Q3", time_progress=0.75,
                completion=0.5, ahead_pp=-25.0, gap=50.0, status="red", reason="", indicator_id="i_" + target_id,
                is_demo=True, source_types="demo")
    base.update(kw)
    return base


def _frame(*rows):
    return pd.DataFrame(list(rows))


def test_targets_in_play():
    st = _frame(
        _row("span27"),                                                     # 2023–2027: in play
        _row("span25", period="2023-2025", target_year=2025),               # ended before 2026
        _row("fy26", period="FY", start_year=2026, target_year=2026),       # this year
        _row("fy27", period="FY", start_year=2027, target_year=2027),       # not begun
        _row("stretch", stretch=True),                                      # 力争: not firm
    )
    assert list(views.in_play_mask(st, R)) == [True, False, True, False, True]
    assert list(views.firm_in_play(st, R)["target_id"]) == ["span27", "fy26"]
    # at the end of 2025 the 2025 targets are in play
    assert list(views.firm_in_play(st, date(2025, 12, 31))["target_id"]) == ["span27", "span25"]


def test_headline_comes_from_the_core_table_only():
    """The headline is the 核心指标 table's rank 1 (the next with data while it has none); a project
    without core indicators has none, and a caller without the table is told so (no rule picks one)."""
    st = _frame(_row("a_count", kind="count", unit="家"), _row("c_money", kind="cumulative_flow", unit="亿元"),
                _row("b_nodata", status="grey", latest_actual=None))
    core = pd.DataFrame({"target_id": ["b_nodata", "a_count"], "rank": [1, 2], "reason_zh": ["r1", "r2"]})
    head = views.choose_headline(st, R, core)
    assert head["target_id"] == "a_count" and head["core_rank"] == 2 and head["core_reason"] == "r2"
    assert views.choose_headline(st, R, core.iloc[0:0]) is None
    with pytest.raises(TypeError):
        views.choose_headline(st, R, None)


def test_gap_share_and_labels():
    assert views.gap_share(870, 2000) == pytest.approx(43.5)
    assert views.gap_share(-27.45, 350) < 0
    assert views.gap_share(None, 100) is None and views.gap_share(1, 0) is None
    assert views.short_label("一二三四五六七八九十一二三四五六七八", 10) == "一二三四五六七八九…"
    assert views.project_label(5, "陆港交通") == "五 陆港交通"
    r = _row("t", target_value=2000, unit="亿元", latest_actual=1457.8)
    assert views.target_label(r) == "2000亿元以上（2023—2027年）"
    assert views.actual_text(r) == "1458亿元"
    g = _row("g", kind="growth_rate", unit="%", target_value=15, latest_actual=14.06, period="2023-2025", target_year=2025)
    assert views.target_label(g) == "年均15%以上（2023—2025年）" and views.actual_text(g) == "14.1%"


def test_chart_indicators_are_spans_or_repeated_years():
    t = pd.DataFrame([
        dict(target_id="a", indicator_id="i_span", period="2023-2027", target_year=2027),
        dict(target_id="b", indicator_id="i_once", period="FY", target_year=2023),
        dict(target_id="c", indicator_id="i_yearly", period="FY", target_year=2023),
        dict(target_id="d", indicator_id="i_yearly", period="FY", target_year=2024),
        dict(target_id="e", indicator_id="i_quarters", period="Q1", target_year=2023),
        dict(target_id="f", indicator_id="i_quarters", period="H1", target_year=2023),
    ])
    assert views.chart_indicators(t) == ["i_span", "i_yearly"]


# -- HTML and figures ------------------------------------------------------------------------

def _overview_row(light="red", demo=True):
    head = pd.Series(_row("p01-5y-03", metric_zh="五年完成重大项目投资", target_value=2000, latest_actual=1457.8,
                          completion=0.729, status="green", reason="完成73%，慢于序时进度2个百分点", is_demo=demo))
    return {"project_no": 1, "short_zh": "扩投资", "name_zh": "扩投资优结构增动能工程", "light": light,
            "n_in_play": 3, "n_green": 1, "n_yellow": 1, "n_red": 1, "n_grey": 0, "headline": head}


def test_card_exposes_light_headline_link_and_demo_label():
    html = views.card_html(_overview_row(), R)
    assert 'data-project="1"' in html and 'data-status="red"' in html
    assert 'data-headline="p01-5y-03"' in html and "1458亿元" in html and "2000亿元以上" in html
    assert "02_project.ipynb?project=1&amp;as_of=2026-09-30" in html
    assert "示例数据" in html
    assert "慢于序时进度2个百分点" in html and "完成73%，慢于" not in html   # completion shown once
    assert "示例数据" not in views.card_html(_overview_row(demo=False), R)


def test_overview_frame_and_ranking_frame_agree_on_lights():
    st = _frame(
        _row("p1a", project_no=1, status="green", ahead_pp=5.0), _row("p1b", project_no=1, status="red", ahead_pp=-30.0),
        _row("p2a", project_no=2, status="green", ahead_pp=10.0),
    )
    projects = pd.DataFrame({"project_no": [1, 2, 3], "short_zh": ["一", "二", "三"], "name_zh": ["a", "b", "c"],
                             "lead_unit": ["发改局", "经信局", "科技局"]})
    core = pd.DataFrame({"target_id": ["p1a", "p2a"], "rank": [1, 1], "reason_zh": ["", ""]})
    ov = views.overview_frame(st, projects, R, core)
    assert list(ov["light"]) == ["red", "green", "grey"]
    assert [None if h is None else h["target_id"] for h in ov["headline"]] == ["p1a", "p2a", None]
    rk = views.ranking_frame(st, projects, R)
    assert list(rk["project_no"]) == [2, 1, 3]                  # 3 has no in-play target: last
    assert dict(zip(rk["project_no"], rk["light"])) == dict(zip(ov["project_no"], ov["light"]))


def test_figures_carry_the_demo_label_and_cjk_font():
    d = pd.DataFrame({"label": ["一 扩投资", "二 先进制造"], "score": [3.0, -2.0], "status": ["green", "red"],
                      "hover": ["", ""], "gap_pct": [10.0, -5.0], "completion": [0.7, 0.4], "on_track": [True, False]})
    for fig in (charts.ranking_bars(d, demo=True), charts.gap_to_target(d, "差距", demo=True),
                charts.midpoint_completion(d, demo=True)):
        texts = [a.text for a in fig.layout.annotations]
        assert charts.DEMO_LABEL in texts
        assert "Noto Sans CJK SC" in fig.layout.font.family and fig.layout.font.size >= 16
    assert charts.DEMO_LABEL not in [a.text for a in charts.ranking_bars(d).layout.annotations]
    bundle = figure_bundle(charts.ranking_bars(d))
    assert set(bundle) == {"application/vnd.plotly.v1+json"}
    cfg = bundle["application/vnd.plotly.v1+json"]["config"]
    assert cfg["displaylogo"] is False and cfg["modeBarButtons"] == [["toImage"]]    # only the PNG download
    assert cfg["locale"] == "zh-CN" and "下载图片（PNG）" in cfg["locales"]["zh-CN"]["dictionary"].values()


def test_trajectory_figure_layers():
    ts = pd.Timestamp
    data = {
        "title": "重大项目投资（亿元）", "unit": "亿元", "subtitle": "绿灯 · 完成73%",
        "paths": [{"name": "目标：2000亿元以上（2027年）", "x": [ts("2022-12-31"), ts("2027-12-31")], "y": [0, 2000], "stretch": False},
                  {"name": "力争", "x": [ts("2022-12-31"), ts("2027-12-31")], "y": [0, 2200], "stretch": True}],
        "actual": pd.DataFrame({"date": [ts("2025-12-31"), ts("2026-09-30")], "value": [1175.5, 1457.8], "text": ["a", "b"]}),
        "projection": {"x": [ts("2026-09-30"), ts("2027-12-31")], "y": [1457.8, 1943.7], "text": "预计"},
        "midpoint": {"x": ts("2025-12-31"), "y": 1200, "text": "2025年末序时目标"},
        "report_date": date(2026, 9, 30), "demo": True,
    }
    fig = charts.trajectory(data)
    names = [t.name for t in fig.data]
    assert names == ["目标：2000亿元以上（2027年）", "力争", "实际值", "按当前进度预计", "2025年中期目标"]
    assert fig.data[1].line.dash == "dash" and fig.data[3].line.dash == "dot"
    assert any(s.x0 == ts("2026-09-30") for s in fig.layout.shapes)          # the report-date line
    assert charts.DEMO_LABEL in [a.text for a in fig.layout.annotations]
    assert "单位：亿元" in [a.text for a in fig.layout.annotations] and not fig.layout.yaxis.title.text   # unit reads horizontally

    # the tolerance band goes under the path; counts tick at whole numbers
    data.update(band=report.tolerance_band({"x": data["paths"][0]["x"], "y": [0, 6], "kind": "cumulative_flow"}, 5.0),
                unit="个", integer_ticks=True, paths=[dict(data["paths"][0], y=[0, 6])],
                actual=pd.DataFrame({"date": [ts("2025-12-31")], "value": [3.0], "text": ["a"]}), projection=None, midpoint=None)
    fig = charts.trajectory(data)
    assert [t.name for t in fig.data][:2] == [data["band"]["name"] + "（下沿）", data["band"]["name"]]
    assert fig.data[1].fill == "tonexty" and data["band"]["lower"] == pytest.approx([-0.3, 5.7])
    assert fig.layout.yaxis.dtick == 2 and fig.layout.yaxis.tickformat == ",d"
    assert charts.integer_dtick(3) == 1 and charts.integer_dtick(500) is None


def test_empty_and_error_states_are_chinese():
    assert "该日期尚无数据" in views.empty_state("该日期尚无数据：最早的季度数据为2023年一季度")
    assert 'data-error="true"' in views.error_state("页面数据加载出错")


# -- the empty state on a store without values -----------------------------------------------

def test_overview_says_why_when_there_is_no_data(built_db, tmp_path, monkeypatch):
    import shutil

    import duckdb

    empty = tmp_path / "empty.duckdb"
    shutil.copy(built_db, empty)
    con = duckdb.connect(str(empty))
    con.execute("DELETE FROM actuals")
    con.execute("CHECKPOINT")
    con.close()
    monkeypatch.setenv("SHIWU_DB", str(empty))
    page = Page("总览", "")
    widgets = overview_page.overview_body(page, date(2023, 3, 31))
    html = "".join(getattr(w, "value", "") for w in widgets)
    assert "该日期尚无数据" in html and "数据库中尚无实际值" in html
    assert 'data-status="grey"' in html


def test_late_returns_table(built_db, tmp_path):
    import shutil

    import duckdb

    import shiwu_lib as sw

    copy = tmp_path / "late.duckdb"
    shutil.copy(built_db, copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM return_sheets WHERE project_no = 3 AND period_label = '2026Q3'")
    con.execute("DELETE FROM return_sheets WHERE project_no = 8 AND period_label = '2026Q3' AND sheet = '问题销号进度表'")
    con.execute("CHECKPOINT")
    con.close()
    with sw.open(copy) as db:
        late = views.late_returns(db, "2026Q3", today=date(2026, 11, 1))
        on_time = views.late_returns(db, "2026Q3", today=date(2026, 10, 5))
    assert list(late["project_no"]) == [3, 8]
    assert late.iloc[0]["missing"] == "主要指标进度表、重点任务进度表、问题销号进度表"
    assert late.iloc[1]["missing"] == "问题销号进度表"
    assert late["deadline"].iloc[0] == date(2026, 10, 10) and late["overdue"].all()
    assert not on_time["overdue"].any()
    html = components.late_table(late)
    assert "逾期22天" in html and "三 " in html and 'data-table="late-returns"' in html
    assert list(late["days_late"]) == [22, 22] and list(on_time["days_late"]) == [0, 0]


# -- the report layer over the built store ----------------------------------------------------

def test_every_multi_year_chart_has_a_target_path_and_the_headline_comes_first(built_db):
    """Each indicator with a span target draws its firm target path from the base to the target;
    a midpoint-year target is starred; the headline's indicator is the first chart."""
    import shiwu_lib as sw

    with sw.open(built_db) as db:
        rd = report.default_report_date(db, db.report_dates())
        n_charts = 0
        for no in db.projects()["project_no"]:
            d = report.project_data(db, int(no), rd)
            head = d["headline"]
            if head is not None and head["indicator_id"] in d["order"]:
                assert d["order"][0] == head["indicator_id"], f"project {no}: the headline chart is not first"
            for iid in d["order"]:
                cd = report.trajectory_data(db, d, iid)
                tg = d["targets"][d["targets"]["indicator_id"] == iid]
                spans = tg[[report.is_span(p) for p in tg["period"]]]
                if spans.empty:
                    continue
                n_charts += 1
                firm = [p for p in cd["paths"] if not p["stretch"]] or cd["paths"]
                assert all(len(p["x"]) == 2 for p in firm), f"{iid}: a span target drawn without its path"
                if ((spans["target_year"] == report.MID) & ~spans["stretch"].astype(bool)).any():
                    assert cd["midpoint"]["kind"] == "target", f"{iid}: no {report.MID} marker"
                main = firm[0] if len(firm) == 1 else next(p for p in firm if p["target_id"] == cd["target_id"])
                if main["kind"] != "growth_rate" and not main["target_id"].endswith("stretch"):
                    assert cd.get("band") is not None, f"{iid}: no tolerance band"
        assert n_charts >= 90


def test_overview_data_worst_targets_midpoint_rank_and_late_returns(built_db):
    import shiwu_lib as sw

    with sw.open(built_db) as db:
        dates = db.report_dates()
        rd = report.default_report_date(db, dates)
        d = report.overview_data(db, rd, today=date(2026, 11, 1))
        st, rk = d["st"], db.ranking(as_of=rd)
    cards = d["cards"].set_index("project_no")
    for no, c in cards.iterrows():
        w = c["worst"]
        assert len(w) <= 3 and set(w["status"]) <= {"red", "yellow"}
        if c["light"] in ("red", "yellow"):
            assert len(w) >= 1, f"project {no} is {c['light']} but names no target behind it"
        # the reasons are the engine's, verbatim
        for _, r in w.iterrows():
            assert r["reason"] == st.set_index("target_id").loc[r["target_id"], "reason"]
        assert c["rank"] == rk.set_index("project_no").loc[no, "rank"]
        assert c["midpoint"]["text"].startswith("中期评估")
    html = components.card_html(cards.reset_index().iloc[0], rd)
    assert "晾晒第" in html and "位次变化" in html
    assert set(d["units"]["lead_unit"]) == set(d["projects"]["lead_unit"])
    assert report.rank_change_text(2) == "↑2" and report.rank_change_text(-1) == "↓1"
    assert report.red_streak_text(3) == "连续3个季度红灯"


def test_the_latest_due_quarter_is_always_selectable():
    dates = [date(2026, 3, 31), date(2026, 6, 30)]            # the data end at 2026Q2
    assert report.latest_due_quarter(dates, today=date(2026, 11, 28)) == date(2026, 9, 30)
    assert date(2026, 9, 30) in report.due_quarters(dates, today=date(2026, 11, 28))
    assert report.latest_due_quarter(dates, today=date(2026, 10, 5)) == date(2026, 6, 30)   # 2026Q3 not yet due
    assert report.return_deadline(date(2026, 9, 30)) == date(2026, 10, 10)


def test_overview_names_overdue_returns_of_a_quarter_without_any_return(built_db, tmp_path, monkeypatch):
    """No 2026Q3 return at all: 催报 still offers 2026Q3 and lists every project as late, with days."""
    import shutil

    import duckdb

    copy = tmp_path / "noq3.duckdb"
    shutil.copy(built_db, copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM return_sheets WHERE period_label = '2026Q3'")
    con.execute("CHECKPOINT")
    con.close()
    monkeypatch.setenv("SHIWU_DB", str(copy))
    page = Page("总览", "")
    widgets = overview_page.overview_body(page, date(2026, 6, 30), date(2026, 9, 30))
    html = "".join(getattr(w, "value", "") for w in widgets)
    assert 'data-chase-quarter="2026-09-30"' in html and "均已报送" not in html
    assert html.count("data-days-late=") == 10 and 'data-table="lead-units"' in html
    assert "数据截至" in html and "天前" in html
