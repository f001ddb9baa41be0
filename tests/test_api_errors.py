"""Bad inputs to the public API fail at once with shiwu's own ValueError subclass and one line naming the input."""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

import shiwu_lib as sw
from shiwu_lib.errors import InputError, ShiwuError, UnknownRegionError, UnknownTargetError, check_date


BAD = [
    # (id, call, the input named, words of the expectation)
    ("trajectory-unknown", lambda db: db.trajectory("nope"), "target_id", "no such target"),
    ("trajectory-not-str", lambda db: db.trajectory(5), "target_id", "target id"),
    ("status-quarter-9", lambda db: db.status(as_of="2025Q9"), "as_of", "quarter"),
    ("status-bad-month", lambda db: db.status(as_of="2025-13-01"), "as_of", "calendar date"),
    ("status-project-11", lambda db: db.status(project_no=11), "project_no", "1–10"),
    ("midpoint-project-0", lambda db: db.midpoint_check(project_no=0), "project_no", "1–10"),
    ("targets-project-text", lambda db: db.targets(project_no="one"), "project_no", "1–10"),
    ("ranking-by-unit", lambda db: db.ranking(by="unit"), "by", "'project' or 'lead_unit'"),
    ("known_at-dmy", lambda db: db.status(known_at="31/12/2025"), "known_at", "YYYY-MM-DD"),
    ("known_at-number", lambda db: db.ranking(known_at=20251231), "known_at", "YYYY-MM-DD"),
    ("project_status-as_of", lambda db: db.project_status(as_of="last quarter"), "as_of", "2025Q4"),
    ("task_progress-period", lambda db: db.task_progress(1, "2025-06"), "period_label", "2025Q2"),
    ("actuals-as_of", lambda db: db.actuals(as_of="yesterday"), "as_of", "YYYY-MM-DD"),
    ("published-known_at", lambda db: db.published_sources(known_at="2025Q0"), "known_at", "quarter"),
    ("plot-unknown", lambda db: db.plot_trajectory("p99-5y-01"), "target_id", "no such target"),
    ("rules-missing-file", lambda db: db.set_rules("/nonexistent/rules.toml"), "rules", "no such file"),
]


@pytest.mark.parametrize("call,name,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_it(db, call, name, words):
    with pytest.raises(InputError) as e:
        call(db)
    msg = str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, ShiwuError)
    assert msg.startswith(f"{name}="), msg
    assert words in msg, msg
    assert "\n" not in msg and len(msg) < 200, msg
    assert e.value.argument == name


def test_unknown_region_before_anything_opens(built_db):
    with pytest.raises(UnknownRegionError) as e:
        sw.open(built_db, region="金华")
    assert str(e.value).startswith("region='金华': expected one of 义乌")


def test_unknown_target_is_also_a_key_error(db):
    """Code written against the first wave caught KeyError; it still can, and the text is not re-quoted."""
    with pytest.raises(KeyError) as e:
        db.trajectory("nope")
    assert isinstance(e.value, UnknownTargetError)
    assert str(e.value).startswith("target_id='nope': no such target in region 义乌")


def test_the_traceback_is_short(db):
    """The error is raised at the top of the method: no pandas frames in between."""
    import traceback

    try:
        db.trajectory("nope")
    except InputError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
    assert len(frames) <= 4, [f.name for f in frames]
    assert not any("pandas" in f.filename for f in frames)


@pytest.mark.parametrize("value,want", [
    ("2025Q4", date(2025, 12, 31)), ("2025q2", date(2025, 6, 30)), ("2025-12-31", date(2025, 12, 31)),
    ("2025-12-31T08:00:00", date(2025, 12, 31)), ("20251231", date(2025, 12, 31)),
    (date(2025, 9, 30), date(2025, 9, 30)), (datetime(2025, 9, 30, 12), date(2025, 9, 30)),
    (pd.Timestamp("2025-03-31"), date(2025, 3, 31)), (np.datetime64("2025-03-31"), date(2025, 3, 31)),
    (None, None),
])
def test_good_dates_still_accepted(value, want):
    assert check_date("as_of", value) == want


def test_good_inputs_still_work(db):
    st = db.status(as_of="2025Q4", project_no="3")
    assert len(st) and set(st["project_no"]) == {3}
    assert len(db.ranking(as_of=date(2025, 12, 31), by="lead_unit"))
    assert len(db.trajectory("p01-5y-03", as_of="2025Q4"))


def test_docs_research_error_table_is_what_the_api_says(built_db):
    """docs/research.md lists bad calls with their messages: each message is the real one."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "research.md").read_text(encoding="utf-8")
    table = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", table, re.M)
    assert len(rows) >= 5
    with sw.open(built_db) as db:
        for call, message in rows:
            with pytest.raises(InputError) as e:
                eval(call, {"db": db, "sw": sw})   # noqa: S307 - our own docs
            assert str(e.value) == message, call
