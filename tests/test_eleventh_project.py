"""An 11th project is data, not code (issue 10): a county whose plan has projects 一 … 十一 is a plan
description (project_count = 11) plus its rows; the build, the engine, the ranking, the return
template, ingest and the overview's report data handle project 十一 with no code change."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

import shiwu_lib as sw
from shiwu_lib import build, fmt, report

from returns_helpers import fill

ROOT = Path(__file__).resolve().parents[1]
COUNTY = "示例县"
BLOCK = """（十一）实施示例数字工程

五年目标：到2027年，示例数字场景达到100个以上。

三年行动：到2025年，示例数字场景达到50个以上。

召集人：示例副县长

牵头单位：示例局

责任单位：发改局、经信局

"""


def _county_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "curated", data / "curated")
    shutil.copytree(ROOT / "data" / "raw" / "plan", data / "raw" / "plan")
    plan_txt = next((data / "raw" / "plan").glob("*.txt"))
    text = plan_txt.read_text(encoding="utf-8")
    assert "三、工作机制" in text
    (data / "raw" / "plan" / "county.txt").write_text(text.replace("三、工作机制", BLOCK + "三、工作机制", 1), encoding="utf-8")
    cur = data / "curated"
    desc = (cur / "plans" / "yiwu.toml").read_text(encoding="utf-8")
    desc = (desc.replace('region = "义乌"', f'region = "{COUNTY}"').replace("default = true", "default = false")
                .replace("project_count = 10", "project_count = 11")
                .replace(f'plan_file = "raw/plan/{plan_txt.name}"', 'plan_file = "raw/plan/county.txt"'))
    assert "project_count = 11" in desc and "county.txt" in desc
    (cur / "plans" / "county.toml").write_text(desc, encoding="utf-8")

    def add(name: str, extra: list[dict]) -> None:
        df = pd.read_csv(cur / name, dtype=str, keep_default_na=False)
        county = df[df["region"].isin(["", "义乌"])].assign(region=COUNTY) if "region" in df else df
        parts = [df, county] + ([pd.DataFrame(extra, columns=df.columns, dtype=object).fillna("")] if extra else [])
        pd.concat(parts).to_csv(cur / name, index=False)

    add("projects.csv", [{"region": COUNTY, "project_no": "11", "name_zh": "示例数字工程", "short_zh": "示例数字",
                          "name_en": "Demo digital project", "convenors": "示例副县长", "lead_unit": "示例局",
                          "responsible_units": "发改局;经信局", "quote": "（十一）实施示例数字工程"}])
    add("indicators.csv", [{"indicator_id": "p11_scenes", "region": COUNTY, "project_no": "11", "level": "正文",
                            "seq": "", "name_zh": "示例数字场景", "name_en": "Demo digital scenes", "unit": "个",
                            "direction": "higher", "measure": "stock", "source": "body",
                            "quote": "到2027年，示例数字场景达到100个以上"}])
    common = {"region": COUNTY, "project_no": "11", "indicator_id": "p11_scenes", "metric_zh": "示例数字场景",
              "metric_en": "Demo digital scenes", "unit": "个", "base_unit": "count", "comparator": ">=",
              "stretch": "false", "cumulative": "false", "kind": "count", "start_year": "2023"}
    add("targets.csv", [
        {**common, "target_id": "p11-5y-01", "section": "five_year", "target_year": "2027", "period": "2023-2027",
         "value": "100", "value_base": "100", "quote": "到2027年，示例数字场景达到100个以上"},
        {**common, "target_id": "p11-3y-01", "section": "three_year", "target_year": "2025", "period": "2023-2025",
         "value": "50", "value_base": "50", "quote": "到2025年，示例数字场景达到50个以上"},
    ])
    add("context_indicators.csv", [])
    add("key_tasks.csv", [])
    return data


def test_an_eleventh_project_is_data_only(tmp_path, monkeypatch):
    data = _county_data(tmp_path)
    monkeypatch.setenv("SHIWU_DATA_DIR", str(data))
    monkeypatch.setenv("SHIWU_DB", str(tmp_path / "s.duckdb"))
    monkeypatch.setenv("SHIWU_DEMO", "0")
    db_path = build.run(tmp_path / "s.duckdb", demo=False)
    with sw.open(db_path, region=COUNTY) as county:
        assert county.plan.project_count == 11
        st = county.status(as_of="2025Q4")
        assert set(st.loc[st["project_no"] == 11, "target_id"]) == {"p11-5y-01", "p11-3y-01"}
        assert len(county.ranking(as_of="2025Q4")) == 11

    # the return template and ingest of project 十一
    from shiwu_lib.returns.intake import ingest_files
    from shiwu_lib.returns.template import write_template

    blank = write_template(11, "2025Q2", tmp_path / "blank.xlsx", region=COUNTY, problems=[])
    filled = fill(blank, tmp_path / "in" / "示例数字_2025Q2.xlsx", "2025Q2",
                  ind={"p11_scenes": {"actual": 40, "base": 10}})
    rep = ingest_files([filled], received_at=dt.datetime(2025, 7, 8, 9, 0), today=dt.date(2025, 7, 8))
    assert rep.exit_code == 0, rep.lines()
    with sw.open(region=COUNTY) as county:
        row = county.status(as_of="2025Q2").set_index("target_id").loc["p11-5y-01"]
        assert row["latest_actual"] == 40 and row["baseline"] == 10
        # (40 − 10) / (100 − 10) = 33.3 % of the distance from the 2022 base; 序时 at the data's period
        # end 2025-06-30: 30 of the window's 60 months = 50 %
        assert round(row["completion"], 3) == round(30 / 90, 3) and round(row["time_progress"], 3) == round(30 / 60, 3)
        ov = report.overview_data(county, dt.date(2025, 6, 30), today=dt.date(2025, 7, 8))
        cards = ov["cards"]
        assert 11 in set(cards["project_no"].astype(int))
        assert fmt.cn_number(11) == "十一"
