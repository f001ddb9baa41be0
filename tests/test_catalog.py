"""The curated plan tables: provenance, structure, reading rules.

Checks are written against the raw plan text where possible (own parsing here, independent of
shiwu_lib.catalog) so that a wrong CSV row fails a test.
"""
import hashlib
import json
import re
import shutil
from argparse import Namespace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from shiwu_lib import catalog as C
from shiwu_lib import units as U
from shiwu_lib.paths import curated_dir, plan_path, repo_root

CURATED = curated_dir()
PLAN = plan_path()


def norm(s) -> str:
    return re.sub(r"\s+", "", "" if s is None or (isinstance(s, float) and pd.isna(s)) else str(s))


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(CURATED / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def plan() -> str:
    return PLAN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def T() -> pd.DataFrame:
    return read("targets.csv")


@pytest.fixture(scope="module")
def I() -> pd.DataFrame:
    return read("indicators.csv")


@pytest.fixture(scope="module")
def K() -> pd.DataFrame:
    return read("key_tasks.csv")


# ------------------------------------------------------------------ raw copy and provenance

def test_raw_plan_matches_its_recorded_checksum():
    src = (PLAN.parent / "SOURCE.md").read_text(encoding="utf-8")
    recorded = re.search(r"`([0-9a-f]{64})`", src).group(1)
    assert hashlib.sha256(PLAN.read_bytes()).hexdigest() == recorded
    assert "义政办发〔2023〕15号" in src and "2023-04-26" in src


def test_raw_plan_is_the_plan(plan):
    assert "义政办发〔2023〕15号" in plan
    assert "2023年4月26日" in plan
    assert plan.count("五年目标：") == 10 and plan.count("三年行动：") == 10


# ------------------------------------------------------------------ the validator

def test_curated_tables_validate():
    errors = C.validate()
    assert errors == [], "\n".join(errors)


def _copy_curated(tmp_path: Path) -> Path:
    d = tmp_path / "curated"
    shutil.copytree(CURATED, d)
    return d


@pytest.mark.parametrize("mutate, expect", [
    (lambda t, i: t.__setitem__("value_base", t["value_base"].where(t.index != 0, "1")), "value_base"),
    (lambda t, i: t.__setitem__("unit", t["unit"].where(t.index != 1, "亿美元")), "not in vocabulary"),
    (lambda t, i: t.__setitem__("indicator_id", t["indicator_id"].where(t.index != 2, "p01_nope")), "not in indicators"),
    (lambda t, i: t.__setitem__("quote", t["quote"].where(t.index != 3, "这句话不在方案里")), "quote not in plan"),
    (lambda t, i: t.__setitem__("target_id", t["target_id"].where(t.index != 4, t["target_id"][5])), "duplicate target_id"),
    (lambda t, i: t.__setitem__("value", t["value"].where(t.index != 6, "123457")), "value"),
    (lambda t, i: i.__setitem__("unit", i["unit"].where(i.index != 0, "斤")), "not in vocabulary"),
    (lambda t, i: t.__setitem__("firm_target_id", t["firm_target_id"].where(t["stretch"] != "true", "p01-5y-99")), "firm_target_id"),
    (lambda t, i: t.__setitem__("project_no", t["project_no"].where(t.index != 7, "11")), "project_no"),
])
def test_validator_catches_broken_rows(tmp_path, mutate, expect):
    d = _copy_curated(tmp_path)
    t = pd.read_csv(d / "targets.csv", dtype=str, keep_default_na=False)
    i = pd.read_csv(d / "indicators.csv", dtype=str, keep_default_na=False)
    mutate(t, i)
    t.to_csv(d / "targets.csv", index=False)
    i.to_csv(d / "indicators.csv", index=False)
    errors = C.validate(C.load_all(d))
    assert errors, "validator accepted a broken table"
    assert any(expect in e for e in errors), errors


# ------------------------------------------------------------------ quotes

def _value_written(v: str) -> str:
    f = float(v)
    return str(int(f)) if f == int(f) else v.rstrip("0").rstrip(".")


def test_every_quote_is_in_the_plan_and_contains_its_value(plan, T):
    p = norm(plan)
    bad = []
    for r in T.itertuples():
        q = norm(r.quote)
        if not q or q not in p:
            bad.append((r.target_id, "quote not in plan"))
            continue
        if r.value_text:
            # values written in words (全覆盖 = 100%, 第二 = rank 2) name the word in value_text
            if norm(r.value_text) not in q or re.search(r"\d", r.value_text):
                bad.append((r.target_id, "value_text"))
            continue
        w = _value_written(r.value)
        if not re.search(rf"(?<![\d.]){re.escape(w)}(?![\d])", q):
            bad.append((r.target_id, f"value {w} not in quote"))
        if r.unit == "%" and f"{w}%" not in q:
            bad.append((r.target_id, f"{w}% not in quote"))
    assert not bad, bad


def test_quotes_are_short_clauses(T):
    long = T[T["quote"].map(lambda q: len(norm(q))) > 60]
    assert long.empty, long[["target_id", "quote"]]


def test_value_base_is_value_times_unit_factor(T):
    for r in T.itertuples():
        assert float(r.value_base) == pytest.approx(U.to_base(float(r.value), r.unit), rel=1e-12), r.target_id
        assert r.base_unit == U.base_unit(r.unit), r.target_id


def test_projects_quote_names_convenors_and_units(plan):
    P = read("projects.csv")
    p = norm(plan)
    assert sorted(P["project_no"].astype(int)) == list(range(1, 11))
    assert P["short_zh"].is_unique and P["name_zh"].is_unique
    for r in P.itertuples():
        assert norm(r.quote) in p
        assert norm(r.name_zh) in norm(r.quote)
        assert "等单位" not in r.responsible_units
        for u in r.responsible_units.split(";"):
            assert u and norm(u) in p, u
    # project 十 has two convenors
    assert P.loc[P["project_no"] == "10", "convenors"].item().count(";") == 1


# ------------------------------------------------------------------ annex 1

def _annex1_from_plan(plan: str) -> list[tuple[int, str, str]]:
    """(project_no, level, name) read from the raw annex-1 block, written independently of
    shiwu_lib.catalog: cells in reading order, item numbers "N. " start a name."""
    block = plan.split("附件 1", 1)[1].split("附件 2", 1)[0]
    cn = {c: i + 1 for i, c in enumerate("一二三四五六七八九十")}
    out, proj, level = [], None, None
    for cell in re.split(r"[\t\n]+", block):
        cell = cell.strip()
        if not cell or cell in ("十项重大工程", "主要指标", "“十项重大工程”主要指标体系"):
            continue
        m = re.match(r"([一二三四五六七八九十]+)、", cell)
        if m:
            proj = cn[m.group(1)]
            continue
        if cell in ("省级", "金华", "义乌"):
            level = cell
            continue
        for piece in re.split(r"(?:^|\s+)(?=\d+\.\s)", cell):
            piece = piece.strip()
            if piece:
                mm = re.match(r"(\d+)\.\s*(.+)$", piece)
                assert mm, piece
                out.append((proj, level, int(mm.group(1)), norm(mm.group(2))))
    return out


def test_every_annex1_name_appears_exactly_once_per_level(plan, I):
    parsed = _annex1_from_plan(plan)
    assert len({p[0] for p in parsed}) == 10
    csv_rows = I[I["level"] != "正文"]
    got = sorted((int(r.project_no), r.level, int(r.seq), norm(r.name_zh)) for r in csv_rows.itertuples())
    assert got == sorted(parsed)
    # exactly once per (project, level, name)
    keys = [(p, l, n) for p, l, _, n in got]
    assert len(keys) == len(set(keys))


def test_annex1_misaligned_rows_are_repaired(I):
    a1 = I[I["level"] != "正文"]
    def names(p, lvl):
        s = a1[(a1["project_no"] == str(p)) & (a1["level"] == lvl)].sort_values("seq", key=lambda c: c.astype(int))
        return list(s["name_zh"])
    # several items flattened onto one line
    assert names(5, "义乌") == ["综合性服务站点个数", "新建或提升农村公路公里数"]
    assert names(6, "金华") == ["农林牧渔增加值", "农村集体经济经营性收入增幅"]
    assert names(6, "义乌") == ["未来乡村特色村、样板村", "城乡居民人均可支配收入"]
    # items shifted into another column stay with their level
    assert names(8, "义乌")[-1] == "旅游收入"
    assert names(7, "金华")[-1] == "建成城乡风貌样板区及建成未来社区数量"
    assert "永久基本农田集中连片整治面积" in names(7, "省级")


def test_indicator_ids_and_levels(I):
    assert I["indicator_id"].is_unique
    assert set(I["level"]) == {"省级", "金华", "义乌", "正文"}
    assert (I.loc[I["level"] == "正文", "source"] == "body").all()
    assert (I.loc[I["level"] != "正文", "source"] == "annex1").all()
    for r in I.itertuples():
        assert re.fullmatch(r"p\d\d_[a-z0-9_]+", r.indicator_id)
        assert int(r.indicator_id[1:3]) == int(r.project_no)
        assert r.unit == "" or U.is_known(r.unit), r.unit


# ------------------------------------------------------------------ targets: keys and reading rules

def test_target_ids_unique_and_foreign_keys(T, I, K):
    assert T["target_id"].is_unique
    assert set(T["indicator_id"]) <= set(I["indicator_id"])
    assert set(T["project_no"].astype(int)) <= set(range(1, 11))
    firm = T.loc[T["firm_target_id"] != "", "firm_target_id"]
    assert set(firm) <= set(T["target_id"])
    listed = [x for c in K["target_ids"] for x in c.split(";") if x]
    assert set(listed) <= set(T["target_id"])
    assert K["task_id"].is_unique


def test_stretch_rows_have_a_firm_partner(T):
    st = T[T["stretch"] == "true"]
    assert not st.empty
    by_id = T.set_index("target_id")
    for r in st.itertuples():
        f = by_id.loc[r.firm_target_id]
        assert f["stretch"] == "false"
        assert f["indicator_id"] == r.indicator_id and f["period"] == r.period
        assert float(r.value) > float(f["value"])       # the 力争 figure is the higher one
        assert norm(r.quote).find("力争") >= 0
    # every 力争 figure that sits beside a firm one is a stretch row
    for r in T.itertuples():
        q = norm(r.quote)
        if "力争" in q and re.search(r"\d.*力争\s*\d", q):
            partner = T[(T["quote"] == r.quote) & (T["stretch"] == "true")]
            assert not partner.empty, r.target_id


def test_lookalike_investment_targets_are_distinct_indicators(T):
    """重大项目投资 2000亿元 (2023–2027) vs 固定资产投资 3000亿元 cumulative to 2025 vs 年均增速15%."""
    def row(q):
        m = T[T["quote"].map(norm).str.contains(norm(q), regex=False)]
        assert len(m) >= 1, q
        return m.iloc[0]
    major = row("五年完成重大项目投资2000亿元以上")
    fai = row("到2025年累计完成投资突破3000亿元")
    growth = T[(T["project_no"] == "1") & (T["section"] == "three_year") & (T["value"] == "15")].iloc[0]
    assert len({major["indicator_id"], fai["indicator_id"], growth["indicator_id"]}) == 3
    assert (major["period"], major["cumulative"], major["unit"]) == ("2023-2027", "true", "亿元")
    assert (fai["period"], fai["cumulative"], fai["unit"]) == ("2023-2025", "true", "亿元")
    assert growth["kind"] == "growth_rate" and growth["unit"] == "%"


def test_reading_rules(T):
    for r in T.itertuples():
        q = norm(r.quote)
        w = _value_written(r.value)
        after = q.split(w, 1)[1] if (w in q and not r.value_text) else ""
        tail = after[:8]
        if re.match(r"^[^\d，、；。]*?(以上|不低于)", tail) or re.search(rf"(超过|不低于|突破|不少于){re.escape(w)}", q):
            assert r.comparator == ">=", (r.target_id, q)
        if re.match(r"^[^\d，、；。]*?以内", tail):
            assert r.comparator == "<=", (r.target_id, q)
        if re.match(r"^[^\d，、；。]*?左右", tail):
            assert r.comparator == "=" and "approx" in r.note, (r.target_id, q)
        if re.search(r"(五年|三年)(累计|完成|招引)", q) and r.period != "FY":
            assert r.cumulative == "true", (r.target_id, q)
        if "年均" in q and r.unit == "%":
            assert r.kind == "growth_rate" and "-" in r.period, (r.target_id, q)
        if r.cumulative == "true":
            assert r.kind == "cumulative_flow" and "-" in r.period


def test_section_years(T):
    span = {"five_year": (2023, 2027), "three_year": (2023, 2025), "annual_2023": (2023, 2023)}
    for r in T.itertuples():
        lo, hi = span[r.section]
        sy, ty = int(r.start_year), int(r.target_year)
        assert lo <= sy <= ty <= hi, r.target_id
        if r.period in ("FY", "Q1", "H1", "Q3"):
            assert sy == ty
        else:
            assert r.period == f"{sy}-{ty}"
    # a target sits in the year its sentence names: five-year sentences naming 2025 are to 2025
    sections = C.plan_sections()
    checked = 0
    for r in T[T["section"].isin(["five_year", "three_year"])].itertuples():
        text = norm(sections[(int(r.project_no), r.section)])
        for sentence in text.split("。"):
            if norm(r.quote) in sentence:
                named = set(re.findall(r"(?:到|至)(20\d\d)年", sentence))
                if len(named) == 1:
                    y = int(named.pop())
                    if r.period == "FY":      # 每年… rows: one per year up to the named year
                        assert int(r.target_year) <= y, r.target_id
                    else:
                        assert int(r.target_year) == y, (r.target_id, sentence[:40])
                    checked += 1
    assert checked > 0


def test_every_year_targets_are_expanded(T, plan):
    """每年… → one FY row per year of the section's span."""
    sections = C.plan_sections(plan)
    for (pno, sec), text in sections.items():
        if sec == "annual_2023":
            continue
        years = range(2023, 2028 if sec == "five_year" else 2026)
        rows = T[(T["project_no"] == str(pno)) & (T["section"] == sec) & (T["quote"].map(norm).str.contains("每年"))]
        if "每年" in norm(text) and re.search(r"每年[^。；]*?\d", norm(text)):
            assert not rows.empty, (pno, sec)
        for ind, g in rows.groupby(["indicator_id", "value"]):
            assert sorted(g["target_year"].astype(int)) == list(years), ind
            assert (g["period"] == "FY").all()
            assert all(tid.endswith(f"-{y}") for tid, y in zip(g["target_id"], g["target_year"]))


def test_quarterly_targets(T):
    q = T[T["period"].isin(["Q1", "H1", "Q3"])]
    assert set(q["period"]) == {"Q1", "H1", "Q3"}
    g = q.groupby("indicator_id")
    for ind, rows in g:
        vals = rows.set_index("period")["value"].astype(float)
        assert vals["Q1"] <= vals["H1"] <= vals["Q3"], ind


def test_all_projects_have_targets_in_each_section(T, K):
    have = T.groupby(["project_no", "section"]).size()
    for p in range(1, 11):
        assert have.get((str(p), "five_year"), 0) > 0, p
        assert have.get((str(p), "three_year"), 0) > 0, p
        # annual targets wherever annex 3 writes a quantity (a number that is not a year)
        texts = " ".join(K.loc[K["project_no"] == str(p), "text_zh"])
        if re.search(r"\d+(?:\.\d+)?\s*(?:%|亿|万|个|家|亩|件|场|人|户)", texts):
            assert have.get((str(p), "annual_2023"), 0) > 0, p


def test_key_tasks_are_annex3_verbatim(K, plan):
    block = plan.split("附件 3", 1)[1].split("附件 4", 1)[0]
    lines = [l for l in block.split("\n") if re.match(r"^[^\t]*\t\s*\d+\s*\t", l)]
    assert len(lines) == len(K)
    for line, r in zip(lines, K.itertuples()):
        assert norm(line.split("\t", 2)[2]) == norm(r.text_zh)
        assert "十项重大工程" not in r.text_zh.split("“")[0][:6]    # no page header glued in
    for p, g in K.groupby("project_no"):
        assert list(g["seq"].astype(int)) == list(range(1, len(g) + 1)), p
    T = read("targets.csv")
    for r in K.itertuples():
        for tid in filter(None, r.target_ids.split(";")):
            t = T.set_index("target_id").loc[tid]
            assert t["section"] == "annual_2023" and norm(t["quote"]) in norm(r.text_zh)


def test_duckdb_answers_what_project_5_must_reach_by_2025_and_2027():
    csv = (CURATED / "targets.csv").as_posix()
    rows = duckdb.sql(f"""
        select target_year, metric_zh, comparator, value, unit, quote
        from read_csv('{csv}')
        where project_no = 5 and section in ('five_year', 'three_year')
          and target_year in (2025, 2027)
        order by target_year, target_id""").fetchall()
    years = {r[0] for r in rows}
    assert years == {2025, 2027}
    p5 = C.plan_sections()
    for ty, metric, cmp, value, unit, quote in rows:
        sec = "three_year" if ty == 2025 else "five_year"
        assert norm(quote) in norm(p5[(5, sec)])
    # the plan's own figures: 中欧班列年开行数达2000列以上, 海铁联运 30万标箱以上 (by 2027)
    got = {(ty, v, u) for ty, _, _, v, u, _ in rows}
    assert (2027, 2000.0, "列") in got and (2027, 30.0, "万标箱") in got


# ------------------------------------------------------------------ CLI

def test_cli_catalog_summary_csv_json(tmp_path, capsys):
    assert C.cli_catalog(Namespace(format="summary", out=None, project=None)) == 0
    out = capsys.readouterr().out
    assert "扩投资" in out and "five_year" in out
    p = tmp_path / "t.csv"
    assert C.cli_catalog(Namespace(format="csv", out=str(p), project=5)) == 0
    df = pd.read_csv(p)
    assert set(df["project_no"]) == {5} and "quote" in df.columns
    j = tmp_path / "t.json"
    assert C.cli_catalog(Namespace(format="json", out=str(j), project=None)) == 0
    recs = json.loads(j.read_text(encoding="utf-8"))
    assert len(recs) == len(read("targets.csv"))
    assert C.cli_catalog(Namespace(format="xml", out=None, project=None)) == 2
    assert C.cli_catalog(Namespace(format="summary", out=None, project=11)) == 2


def test_data_dir_env_override(tmp_path, monkeypatch):
    from shiwu_lib import paths
    monkeypatch.setenv("SHIWU_DATA_DIR", str(tmp_path))
    assert paths.data_dir() == tmp_path.resolve()
    assert paths.curated_dir() == tmp_path.resolve() / "curated"
    monkeypatch.delenv("SHIWU_DATA_DIR")
    assert paths.data_dir() == repo_root() / "data"
