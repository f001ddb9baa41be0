"""The speed-ups of issue 15 give the same rows as the definitions they replace.

* the status and ranking memory carried forward (and read from the stored quarter) equals the memory
  recomputed from every earlier quarter, on the bundled store, every column, every quarter;
* ``progress.rank`` (positional, on the columns it reads) equals the group-by definition below, on
  hypothesis-generated frames;
* ``published.to_actuals`` (column-wise) equals ``to_actuals_rows`` (row by row) on the curated CSV
  and on hypothesis-generated rows;
* ``store.input_fingerprint`` with its stat cache equals hashing every byte, and a file rewritten
  with the same size and its old mtime is hashed again.
"""
from __future__ import annotations

import hashlib
import math
import os
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shiwu_lib import assessment, plan, progress, store
from shiwu_lib.returns import published

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------------ memory
def _memory_by_recomputation(a: assessment.Assessor, d: date, known: date) -> pd.DataFrame:
    """The status memory as first defined: walk back over every earlier quarter's status_frame."""
    df = a.status_frame(d, known).copy()
    first = plan.get(a.region).first_report_date
    history = [a.status_frame(q, known)
               for q in assessment.quarter_ends_until(assessment.previous_quarter_end(d), first)]
    if history:
        prev = history[-1].set_index("target_id")
        df["prev_status"] = df["target_id"].map(prev["status"])
        df["prev_ahead_pp"] = df["target_id"].map(prev["ahead_pp"])
    streak = (df["status"] == "red").astype(int)
    alive = streak.astype(bool)
    for h in reversed(history):
        alive &= df["target_id"].map(h.set_index("target_id")["status"]).eq("red")
        streak += alive.astype(int)
        if not alive.any():
            break
    df["red_streak"] = streak
    return df


def _ranking_by_recomputation(a: assessment.Assessor, d: date, known: date, by: str) -> pd.DataFrame:
    col = "project_no" if by == "project" else "lead_unit"
    rk = a.ranking_frame(d, known, by).copy()
    first = plan.get(a.region).first_report_date
    history = [a.ranking_frame(q, known, by)
               for q in assessment.quarter_ends_until(assessment.previous_quarter_end(d), first)]
    if history:
        prev = history[-1].set_index(col)
        rk["rank_prev"] = rk[col].map(prev["rank"])
        rk["light_prev"] = rk[col].map(prev["light"])
    else:
        rk["rank_prev"] = None
        rk["light_prev"] = None
    rk["rank_change"] = pd.to_numeric(rk["rank_prev"], errors="coerce") - rk["rank"]
    streak = (rk["light"] == "red").astype(int)
    alive = streak.astype(bool)
    for h in reversed(history):
        alive &= rk[col].map(h.set_index(col)["light"]).eq("red")
        streak += alive.astype(int)
        if not alive.any():
            break
    rk["red_streak"] = streak
    return rk


def test_memory_carried_forward_equals_the_memory_recomputed(db):
    known = db.latest_known_at()
    dates = db.report_dates()
    assert len(dates) >= 12
    ref = assessment.Assessor(db.con, db.region, db.rules, stored_memory=False)
    carried = assessment.Assessor(db.con, db.region, db.rules, stored_memory=False)
    stored = assessment.Assessor(db.con, db.region, db.rules, stored_memory=True)
    # the stored path is really taken for a quarter the build stored (else this test proves little)
    assert stored._stored_rows("out_target_status", dates[-2], known) is not None
    assert stored._stored_rows("out_ranking", dates[-2], known, "project") is not None
    # and never for another vintage
    assert stored._stored_rows("out_target_status", dates[-2], dates[-2]) is None
    mid = date(dates[-1].year, dates[-1].month - 1, 15)     # not a quarter end: computed, memory stored
    for d in list(reversed(dates)) + [mid]:                   # latest first: nothing cached before
        want = _memory_by_recomputation(ref, d, known)
        pd.testing.assert_frame_equal(carried.status(d, known), want, check_exact=True)
        pd.testing.assert_frame_equal(stored.status(d, known), want, check_exact=True)
        for by in ("project", "lead_unit"):
            want = _ranking_by_recomputation(ref, d, known, by)
            pd.testing.assert_frame_equal(carried.ranking(d, known, by), want, check_exact=True)
            pd.testing.assert_frame_equal(stored.ranking(d, known, by), want, check_exact=True)


def test_stored_memory_is_not_used_with_other_rules(db):
    from dataclasses import replace

    known = db.latest_known_at()
    d = db.report_dates()[-2]
    other = replace(db.rules, max_lag_months=db.rules.max_lag_months + 5)
    a = assessment.Assessor(db.con, db.region, other, stored_memory=True)
    assert a._stored_rows("out_target_status", d, known) is None


def test_a_changed_status_changes_the_streak_that_follows(db):
    """The carried memory really depends on the previous quarter (a mutation check of the recursion)."""
    known = db.latest_known_at()
    dates = db.report_dates()
    a = assessment.Assessor(db.con, db.region, db.rules, stored_memory=False)
    for d in dates:
        a.status(d, known)
    d1, d2 = dates[-2], dates[-1]
    now = a.status(d2, known)
    red_now = now.loc[now["status"] == "red", "target_id"]
    if red_now.empty:
        pytest.skip("no red target at the last quarter")
    t = red_now.iloc[0]
    key = ("status_mem", d1, known)
    prev = a._cache[key].copy()
    prev.loc[prev["target_id"] == t, "red_streak"] = 41
    a._cache[key] = prev
    a._cache.pop(("status_mem", d2, known))
    assert int(a.status(d2, known).set_index("target_id").at[t, "red_streak"]) == 42


# ------------------------------------------------------------------------------------------ rank
def _rank_reference(assessments: pd.DataFrame, by, include_stretch: bool = False) -> pd.DataFrame:
    """progress.rank as first written: per group with label-based lookups on the whole frame."""
    keys = [by] if isinstance(by, str) else list(by)
    df = assessments.copy()
    if "stretch" in df.columns and not include_stretch:
        df = df[~df["stretch"].fillna(False).astype(bool)]
    status = (df["status"] if "status" in df.columns else pd.Series("grey", index=df.index)).fillna("grey")
    ahead = pd.to_numeric(df["ahead_pp"], errors="coerce")
    score = pd.to_numeric(df["score_pp"], errors="coerce") if "score_pp" in df.columns else ahead
    rows = []
    for key, g in df.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        s = status.loc[g.index]
        ah = ahead.loc[g.index].dropna()
        sc = score.loc[g.index].dropna()
        n_data, n_green = int((s != "grey").sum()), int((s == "green").sum())
        row = dict(zip(keys, key))
        row.update(n_targets=int(len(g)), n_with_data=n_data, n_green=n_green, n_yellow=int((s == "yellow").sum()),
                   n_red=int((s == "red").sum()), n_grey=int((s == "grey").sum()),
                   mean_ahead_pp=float(ah.mean()) if len(ah) else float("nan"),
                   share_green=n_green / n_data if n_data else float("nan"),
                   score_pp=float(sc.mean()) if len(sc) else float("nan"))
        rows.append(row)

    def part(v):
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        return (missing, (0, v) if isinstance(v, (int, float)) and not missing else (1, str(v)))

    rows.sort(key=lambda r: (math.isnan(r["score_pp"]), -r["score_pp"] if not math.isnan(r["score_pp"]) else 0.0,
                             math.isnan(r["share_green"]), -r["share_green"] if not math.isnan(r["share_green"]) else 0.0,
                             r["n_red"], tuple(part(r[k]) for k in keys)))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return pd.DataFrame(rows, columns=keys + progress.RANK_COLUMNS)


_num = st.one_of(st.none(), st.floats(-300, 300, allow_nan=False), st.just(float("nan")))


@st.composite
def status_frames(draw):
    n = draw(st.integers(0, 40))
    row = st.fixed_dictionaries({
        "project_no": st.integers(1, 5), "lead_unit": st.sampled_from(["甲局", "乙局", "丙局"]),
        "status": st.sampled_from(["green", "yellow", "red", "grey", None]),
        "ahead_pp": _num, "score_pp": _num, "stretch": st.sampled_from([True, False, None]),
        "other": st.text(max_size=3)})
    df = pd.DataFrame(draw(st.lists(row, min_size=n, max_size=n)),
                      columns=["project_no", "lead_unit", "status", "ahead_pp", "score_pp", "stretch", "other"])
    if draw(st.booleans()):
        df = df.drop(columns="score_pp")
    return df


@SETTINGS
@given(df=status_frames(), by=st.sampled_from(["project_no", "lead_unit", ("project_no", "lead_unit")]),
       include_stretch=st.booleans())
def test_rank_equals_the_group_by_definition(df, by, include_stretch):
    by = list(by) if isinstance(by, tuple) else by
    pd.testing.assert_frame_equal(progress.rank(df, by, include_stretch=include_stretch),
                                  _rank_reference(df, by, include_stretch), check_exact=True)


def _ranking_frame_reference(st_: pd.DataFrame, projects: pd.DataFrame, report_date: date) -> pd.DataFrame:
    """lights.ranking_frame as written before the row path: filters, merge and sort on frames."""
    from shiwu_lib import lights

    starts = pd.Series([lights.span_start(*k) for k in zip(st_["period"], st_["start_year"], st_["target_year"])],
                       index=st_.index, dtype=float)
    firm = ~st_["stretch"].fillna(False).astype(bool)
    play = st_[firm & (starts <= report_date.year) & (pd.to_numeric(st_["target_year"]) >= report_date.year)]
    rk = progress.rank(play, by="project_no") if len(play) else pd.DataFrame(columns=["project_no"] + progress.RANK_COLUMNS)
    missing = [n for n in projects["project_no"] if n not in set(rk["project_no"])]
    if missing:
        extra = pd.DataFrame({"project_no": missing, "n_targets": 0, "n_with_data": 0, "n_green": 0, "n_yellow": 0,
                              "n_red": 0, "n_grey": 0, "mean_ahead_pp": float("nan"), "share_green": float("nan"),
                              "score_pp": float("nan")})
        extra["rank"] = range(len(rk) + 1, len(rk) + 1 + len(extra))
        rk = pd.concat([rk, extra], ignore_index=True) if len(rk) else extra
    rk = rk.merge(projects[["project_no", "short_zh", "name_zh", "lead_unit"]], on="project_no", how="left")
    light = {n: lights.project_light(g["status"]) for n, g in play.groupby("project_no")}
    demo = {n: bool(g["is_demo"].fillna(False).astype(bool).any()) for n, g in play.groupby("project_no")}
    rk["light"] = [light.get(n, "grey") for n in rk["project_no"]]
    rk["any_demo"] = [demo.get(n, False) for n in rk["project_no"]]
    return rk.sort_values("rank").reset_index(drop=True)


@st.composite
def ranking_inputs(draw):
    df = draw(status_frames())
    n = len(df)
    years = st.sampled_from([2023, 2024, 2025, 2026, 2027])
    df["period"] = draw(st.lists(st.sampled_from(["FY", "2023-2027", "2024-2025", "Q3"]), min_size=n, max_size=n))
    df["start_year"] = draw(st.lists(years, min_size=n, max_size=n))
    df["target_year"] = draw(st.lists(years, min_size=n, max_size=n))
    df["is_demo"] = draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n))
    if "score_pp" not in df.columns:
        df["score_pp"] = df["ahead_pp"]
    projects = pd.DataFrame({"project_no": [1, 2, 3, 4, 5, 6], "short_zh": list("一二三四五六"),
                             "name_zh": [f"工程{i}" for i in range(1, 7)], "lead_unit": ["甲局"] * 6})
    return df, projects, date(draw(years), 12, 31)


@SETTINGS
@given(case=ranking_inputs())
def test_ranking_frame_equals_the_frame_definition(case):
    """lights.ranking_frame (rows: the build's path) equals the filter / merge / sort definition."""
    from shiwu_lib import lights

    df, projects, d = case
    got = lights.ranking_frame(df, projects, d)
    want = _ranking_frame_reference(df, projects, d)
    pd.testing.assert_frame_equal(got, want[got.columns], check_exact=True, check_dtype=False)
    assert list(got.columns) == lights.RANKING_COLUMNS


def _values(df: pd.DataFrame) -> list[tuple]:
    """Rows as plain values, a missing value (None, NaN) as None: the frames' dtypes differ where the
    stored table's column type decides."""
    def v(x):
        return None if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) else x
    return [tuple(v(x) for x in row) for row in df.itertuples(index=False)]


def test_out_tables_equal_the_assessor_quarter_by_quarter(db):
    """The build's rows (out_tables_from: memory by position and by key) equal what Assessor.status,
    Assessor.ranking and project_status_frame give for each quarter (memory carried by lookups)."""
    known = db.latest_known_at()
    out = assessment.compute_out_tables(db.con, db.region, db.rules)
    a = assessment.Assessor(db.con, db.region, db.rules, stored_memory=False)
    dates = db.report_dates()
    assert len(dates) >= 12
    st_all, rk_all, pj_all = out["out_target_status"], out["out_ranking"], out["out_project_status"]
    assert len(st_all) == len(dates) * len(a.targets())
    n_red_streaks = 0
    for d in dates:
        want = a.status(d, known).assign(region=db.region)
        got = st_all[st_all["report_date"] == d]
        assert list(got.columns) == list(want.columns)
        assert _values(got) == _values(want), d
        n_red_streaks += int((got["red_streak"] > 1).sum())
        for by, col in (("project", "project_no"), ("lead_unit", "lead_unit")):
            rk = a.ranking(d, known, by)
            want = rk.assign(region=db.region, report_date=d, known_at=known, by=by, key=rk[col].astype(str))
            got = rk_all[(rk_all["report_date"] == d) & (rk_all["by"] == by)]
            assert _values(got) == _values(want[got.columns]), (d, by)
        want = assessment.project_status_frame(a.status_frame(d, known), a.ranking(d, known, "project"), d)
        got = pj_all[pj_all["report_date"] == d]
        assert _values(got[want.columns]) == _values(want), d
    assert n_red_streaks > 0            # the streak memory is really exercised


# ------------------------------------------------------------------------------------------ published
def test_to_actuals_equals_the_row_by_row_definition_on_the_curated_csv():
    df = published.read()
    assert len(df) > 50
    pd.testing.assert_frame_equal(published.to_actuals(df), published.to_actuals_rows(df), check_exact=True)


_txt = st.text(alphabet="ab第三方 ,-", max_size=6)


@st.composite
def published_rows(draw):
    n = draw(st.integers(1, 25))
    rows = []
    for _ in range(n):
        year = draw(st.integers(2020, 2027))
        rows.append({
            "indicator_id": draw(st.sampled_from(["I01", "I02"])), "region": draw(st.sampled_from(["", "义乌", "合成县01"])),
            "period_label": str(year), "freq": "A", "year": draw(st.sampled_from([str(year), f" {year}"])),
            "period_start": f"{year}-01-01", "period_end": draw(st.sampled_from([f"{year}-12-31", f"{year}-06-30"])),
            "ytd": draw(st.sampled_from(["true", "false", " TRUE ", "是", "", "0"])),
            "value": repr(draw(st.floats(-1e6, 1e6, allow_nan=False))),
            "value_qualifier": draw(st.sampled_from(["", ">", "~", "?"])),
            "unit": draw(st.sampled_from(["亿元", "万元", "%", "个", "万亩"])),
            "source_title": draw(st.sampled_from(["公报", "报告"])), "source_address": draw(st.sampled_from(["http://a", "http://b"])),
            "source_kind": draw(st.sampled_from(["official", "third-party repost", ""])),
            "quote": draw(_txt), "published_on": draw(st.sampled_from([f"{year + 1}-02-01", f"{year + 1}-03-15 10:00"])),
            "published_on_estimated": draw(st.sampled_from(["true", "false", ""])),
            "check_status": draw(st.sampled_from(["verified", "verified:quote", "unverified", ""])),
            "note": draw(_txt),
        })
    return pd.DataFrame(rows)


@SETTINGS
@given(df=published_rows())
def test_to_actuals_equals_the_row_by_row_definition_on_generated_rows(df):
    pd.testing.assert_frame_equal(published.to_actuals(df), published.to_actuals_rows(df), check_exact=True)


def test_to_actuals_falls_back_to_rows_for_nulls():
    df = published.read().head(5).copy()
    df.loc[df.index[0], "note"] = None
    pd.testing.assert_frame_equal(published.to_actuals(df), published.to_actuals_rows(df), check_exact=True)


# ------------------------------------------------------------------------------------------ fingerprint
def _full_fingerprint() -> str:
    from shiwu_lib import paths

    h = hashlib.sha256()
    cur = paths.curated_dir()
    for f in sorted(cur.glob("*.csv")) + sorted((cur / "plans").glob("*.toml")) + sorted(paths.returns_dir().glob("*")):
        h.update(f.name.encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def test_fingerprint_cache_equals_hashing_and_sees_a_same_size_rewrite(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "curated" / "plans").mkdir(parents=True)
    (data / "raw" / "returns").mkdir(parents=True)
    f = data / "curated" / "targets.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    (data / "curated" / "plans" / "x.toml").write_text("k = 1\n", encoding="utf-8")
    monkeypatch.setenv("SHIWU_DATA_DIR", str(data))
    monkeypatch.setenv("SHIWU_HASH_CACHE", str(tmp_path / "hashes.json"))
    monkeypatch.setattr(store, "_RACY_SECONDS", -1e9)      # cache even files written just now
    monkeypatch.setattr(store, "_HASHES", {})
    first = store.input_fingerprint()
    assert first == _full_fingerprint()
    assert (tmp_path / "hashes.json").exists()
    monkeypatch.setattr(store, "_HASHES", {})                # a new process: the file cache is read
    assert store.input_fingerprint() == first
    st0 = f.stat()
    f.write_text("a,b\n1,3\n", encoding="utf-8")            # same size ...
    os.utime(f, ns=(st0.st_atime_ns, st0.st_mtime_ns))       # ... and the old mtime: ctime still moves
    assert f.stat().st_size == st0.st_size
    now = store.input_fingerprint()
    assert now == _full_fingerprint() and now != first


def test_fingerprint_does_not_cache_a_file_changed_just_now(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "curated").mkdir(parents=True)
    f = data / "curated" / "targets.csv"
    f.write_text("x\n", encoding="utf-8")
    monkeypatch.setenv("SHIWU_DATA_DIR", str(data))
    monkeypatch.setenv("SHIWU_HASH_CACHE", "off")
    cache: dict = {}
    store.file_sha256(f, cache)
    assert cache == {}                                       # within the racy window: hashed next time too
    monkeypatch.setattr(store, "_RACY_SECONDS", -1e9)
    assert store.file_sha256(f, cache) == hashlib.sha256(b"x\n").digest() and len(cache) == 1


def test_to_submissions_equals_the_per_group_definition_on_the_curated_csv():
    df = published.read()
    pd.testing.assert_frame_equal(published.to_submissions(df), published.to_submissions_rows(df), check_exact=True)


@SETTINGS
@given(df=published_rows(), grades=st.lists(st.sampled_from(list(published.GRADES) + ["return", ""]), min_size=25, max_size=25))
def test_to_submissions_equals_the_per_group_definition_on_generated_rows(df, grades):
    df = df.assign(grade=grades[: len(df)])
    pd.testing.assert_frame_equal(published.to_submissions(df), published.to_submissions_rows(df), check_exact=True)


# ------------------------------------------------------------------------------------------ build workers
def test_a_worker_process_computes_the_same_out_tables(db):
    """The build's worker path: the inputs read here, the frames computed in a spawned process (no
    store connection there), equal the frames computed in this process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    job = assessment.prefetch(db.con, db.region, db.rules)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        remote = pool.submit(assessment.out_tables_from, job).result()
    here = assessment.compute_out_tables(db.con, db.region, db.rules)
    assert set(remote) == set(assessment.OUT_TABLES)
    for name in assessment.OUT_TABLES:
        pd.testing.assert_frame_equal(remote[name], here[name], check_exact=True)
    stored = db.sql("SELECT count(*) AS n FROM out_target_status WHERE region = ?", [db.region])["n"].iloc[0]
    assert len(here["out_target_status"]) == stored


def test_build_workers_setting(monkeypatch):
    from shiwu_lib import build

    monkeypatch.delenv("SHIWU_BUILD_WORKERS", raising=False)
    assert build.build_workers(1) == 1 and build.build_workers(3) == 1
    assert build.build_workers(91) == min(2, os.cpu_count() or 1)
    monkeypatch.setenv("SHIWU_BUILD_WORKERS", "1")
    assert build.build_workers(91) == 1
    monkeypatch.setenv("SHIWU_BUILD_WORKERS", "many")
    with pytest.raises(build.BuildError):
        build.build_workers(91)


def test_the_arrow_csv_reader_reads_what_pandas_reads(tmp_path):
    from shiwu_lib import paths

    f = paths.curated_dir() / published.CSV_NAME
    want = pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8")
    pd.testing.assert_frame_equal(published.read_csv_strings(f), want, check_exact=True)
    odd = tmp_path / "odd.csv"
    odd.write_text('\ufeffa,b,c\n"x, ""y""",,007\n"two\nlines", 3.0 ,\n', encoding="utf-8")
    pd.testing.assert_frame_equal(published.read_csv_strings(odd),
                                  pd.read_csv(odd, dtype=str, keep_default_na=False, encoding="utf-8"), check_exact=True)


def test_observations_in_a_total_order():
    """Two values of one indicator whose periods end on the same day ('2026' and '2026Q4') reach the
    engine in one order however DuckDB scans them: the engine picks between such ties by position
    (a 曾于…达到目标 reason names one of them), so two builds of the same data must word it alike."""
    import datetime as dt

    import duckdb

    from shiwu_lib import assessment, metadata, plan, rules, store

    region = plan.default_region()
    con = duckdb.connect()
    metadata.create_schema(con, region)
    con.execute(store.sql_text("views.sql"))
    rows = [("2026Q4", "Q", dt.date(2026, 10, 1)), ("2026", "Y", dt.date(2026, 1, 1)),
            ("2026Q3", "Q", dt.date(2026, 7, 1))]
    for label, freq, start in rows:
        end = dt.date(2026, 9, 30) if label == "2026Q3" else dt.date(2026, 12, 31)
        con.execute("""INSERT INTO actuals (region, indicator_id, period_label, freq, year, period_start, period_end,
                       ytd, value, unit, value_base, base_unit, source_type, submission_id, reported_at)
                       VALUES (?, 'p01_x', ?, ?, 2026, ?, ?, true, 1.0, '个', 1.0, '个', 'published', 's1',
                       TIMESTAMP '2027-01-20 00:00:00')""", [region, label, freq, start, end])
    obs, _ = assessment.Assessor(con, region, rules.load_rules()).observations(dt.date(2027, 2, 1))
    assert [o.period_label for o in obs["p01_x"]] == ["2026Q3", "2026", "2026Q4"]
