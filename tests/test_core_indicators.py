"""核心指标 (issue 11): the reviewed curated table data/curated/core_indicators.csv, its catalog
checks, the store table and ``db.core_indicators()``, and the cards' headline chosen from it.
Also the report layer's key tasks (judged against their own year) and a failing widget callback."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import shiwu_lib as sw
from shiwu_lib import catalog, metadata, report

R = date(2026, 9, 30)


def test_the_curated_table_names_at_least_two_firm_targets_per_project_with_reasons():
    t = catalog.load_all()
    assert "core_indicators" in t
    c, targets = t["core_indicators"], t["targets"].set_index("target_id")
    assert catalog.validate_core_indicators(c, t["targets"], set(range(1, 11))) == []
    per = c.groupby("project_no").size()
    assert set(per.index) == set(range(1, 11)) and (per >= 2).all()
    for r in c.itertuples():
        tg = targets.loc[r.target_id]
        assert int(tg["project_no"]) == r.project_no and not bool(tg["stretch"])
        assert len(r.reason_zh) >= 20, r.target_id
    assert (c.groupby("project_no")["rank"].min() == 1).all()


@pytest.mark.parametrize("change, expect", [
    (lambda c: c.assign(target_id=c["target_id"].where(c.index != 0, "p01-9y-99")), "unknown target_id 'p01-9y-99'"),
    (lambda c: c.assign(project_no=c["project_no"].where(c.index != 0, 2)), "belongs to project 1, not 2"),
    (lambda c: c[c["project_no"] != 5], "project 5 has 0 core indicator(s)"),
    (lambda c: c.assign(reason_zh=c["reason_zh"].where(c.index != 0, "")), "give a reason"),
])
def test_a_broken_row_is_one_line_naming_it(change, expect):
    t = catalog.load_all()
    t["core_indicators"] = change(t["core_indicators"].copy()).reset_index(drop=True)
    errors = catalog.validate(t)
    hits = [e for e in errors if expect in e]
    assert hits, errors
    assert all("\n" not in e for e in errors)
    assert [e for e in errors if "core_indicators" not in e] == []   # nothing else is blamed


def test_the_store_holds_it_described_and_the_api_reads_it(built_db):
    assert "core_indicators" in metadata.tables()
    with sw.open(built_db) as db:
        ci = db.core_indicators()
        csv = catalog.load_core_indicators()
        assert list(ci.columns) == ["project_no", "rank", "target_id", "indicator_id", "metric_zh", "reason_zh"]
        assert sorted(ci["target_id"]) == sorted(csv["target_id"])
        tg = db.targets().set_index("target_id")
        assert (ci["indicator_id"] == tg.loc[ci["target_id"], "indicator_id"].to_numpy()).all()
        assert ci["metric_zh"].notna().all()
        assert list(db.core_indicators(3)["project_no"].unique()) == [3]
        comment = db.sql("SELECT comment FROM duckdb_tables() WHERE table_name = 'core_indicators'")["comment"].iloc[0]
        assert "核心指标" in comment


def test_the_cards_headline_is_the_first_core_indicator_with_data(built_db):
    with sw.open(built_db) as db:
        d = report.overview_data(db, R)
        ci = db.core_indicators()
        st = d["st"]
    for _, card in d["cards"].iterrows():
        mine = ci[ci["project_no"] == card["project_no"]].sort_values("rank")
        sp = st[st["project_no"] == card["project_no"]].set_index("target_id")
        with_data = [t for t in mine["target_id"] if t in sp.index and sp.loc[t, "status"] != report.GREY
                     and not report.isnan(sp.loc[t, "latest_actual"])]
        want = with_data[0] if with_data else mine["target_id"].iloc[0]
        head = card["headline"]
        assert head["target_id"] == want, card["project_no"]
        assert head["core_reason"] == mine.set_index("target_id").loc[want, "reason_zh"]


def test_without_data_the_next_core_indicator_stands_in():
    st = pd.DataFrame({"target_id": ["a", "b", "c"], "status": [report.GREY, report.RED, report.GREEN],
                       "latest_actual": [float("nan"), 1.0, 2.0], "stretch": [False] * 3})
    core = pd.DataFrame({"target_id": ["a", "c", "b"], "rank": [1, 2, 3], "reason_zh": ["ra", "rc", "rb"]})
    h = report.choose_headline(st, R, core)
    assert h["target_id"] == "c" and h["core_rank"] == 2 and h["core_reason"] == "rc"
    st2 = st.assign(status=report.GREY, latest_actual=float("nan"))
    assert report.choose_headline(st2, R, core)["target_id"] == "a"      # none has data: rank 1
    assert report.choose_headline(st, R, core.iloc[0:0]) is None


def test_project_page_draws_the_headline_core_indicator_first(built_db):
    with sw.open(built_db) as db:
        d = report.project_data(db, 2, R)
        ci = db.core_indicators(2)
    assert d["headline"]["target_id"] in set(ci["target_id"])
    assert d["order"][0] == d["headline"]["indicator_id"]


def test_key_tasks_are_judged_against_their_own_year(built_db):
    with sw.open(built_db) as db:
        t23 = report.tasks_frame(db, 1, date(2023, 9, 30))
        t26 = report.tasks_frame(db, 1, R)
    assert len(t26) and (t26["year"] <= 2026).all()
    assert set(t26["own_due"]) == {date(int(y), 12, 31) for y in t26["year"]}
    y23 = t26[t26["year"] == 2023]
    assert (y23["overdue"] == (y23["status"] != "已完成")).all()         # due 2023-12-31, judged in 2026
    assert not t23["overdue"].any()                                      # not yet due in 2023Q3
    # the demo returns are written from the template: their 完成时限 is the task's own year end
    assert set(y23["due"].dropna()) <= {"2023年12月31日"}


def test_a_failing_widget_callback_is_logged_and_shows_one_chinese_line(caplog):
    from shiwu_lib.dashboards.page import Page

    page = Page("t", "s")

    def boom(_change=None):
        raise ZeroDivisionError("secret detail")

    with caplog.at_level("ERROR", logger="shiwu.dashboards"):
        assert page.callback(boom, "切换报告期")({"new": 1}) is None
    shown = page.status.value
    assert 'data-callback-error="true"' in shown and "切换报告期出错" in shown
    assert "Traceback" not in shown and "ZeroDivisionError" not in shown and "secret" not in shown
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


def test_the_pack_counts_overdue_tasks_as_the_dashboard_does(built_db):
    """逾期 has one rule (report.task_overdue): the pack's 附件4 rows, judged by the pack, give each
    project the same overdue count as the project page's 重点任务 table."""
    from shiwu_lib import fmt
    from shiwu_lib.pack.workbook import task_overdue

    with sw.open(built_db) as db:
        rows = db.task_progress(None, fmt.quarter_label(R))
        counts = {}
        for no in db.projects()["project_no"]:
            page = report.tasks_frame(db, int(no), R)
            mine = rows[(rows["project_no"] == no) & (pd.to_numeric(rows["year"], errors="coerce") <= R.year)]
            counts[int(no)] = (sum(task_overdue(r, R) for r in mine.to_dict("records")), int(page["overdue"].sum()))
    assert all(a == b for a, b in counts.values()), counts
    assert sum(b for _, b in counts.values()) > 0, "no overdue task to compare"
