"""ipywidgets assemblies the dashboards call. Notebooks stay thin: one call per page.

Pages read the store only after :func:`wait_for_visit` returns, so a preheated Voila kernel shows
the data as it is when the page is opened, not when the kernel started.
"""
from __future__ import annotations

import os
from urllib.parse import parse_qs



def wait_for_visit() -> None:
    """Block a preheated Voila kernel until a visitor opens the page (no-op elsewhere)."""
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import wait_for_request

        wait_for_request()


def query_params() -> dict[str, str]:
    """The page's query string (``?project=5``) as a dict; empty outside Voila."""
    qs = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(qs).items()}


def starter_page():
    """The starter dashboard: the ten projects as the plan names them, and their target counts."""
    import ipywidgets as w
    from IPython.display import display

    import shiwu_lib as sw
    from . import charts

    wait_for_visit()
    with sw.open() as db:
        projects = db.projects()
        counts = db.sql("""
            SELECT p.project_no, p.short_zh, t.section, count(*) AS n
            FROM targets t JOIN projects p USING (region, project_no)
            GROUP BY ALL ORDER BY p.project_no, t.section""")
    section_zh = {"five_year": "五年目标", "three_year": "三年行动", "annual_2023": "2023年度任务"}
    counts["section_zh"] = counts["section"].map(section_zh)
    counts["project_label"] = counts["project_no"].astype(str) + " " + counts["short_zh"]
    rows = "".join(
        f"<tr><td>{r.project_no}</td><td>{r.name_zh}</td><td>{r.lead_unit}</td><td>{'、'.join(r.convenors)}</td></tr>"
        for r in projects.itertuples()
    )
    header = w.HTML("<h1 style='font-size:28px'>义乌市“十项重大工程”进度跟踪</h1>")
    table = w.HTML(
        "<table class='shiwu-table' style='font-size:16px;border-collapse:collapse'>"
        "<thead><tr><th>序号</th><th>工程</th><th>牵头单位</th><th>召集人</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    display(header, table)
    charts.targets_per_project(counts).show(config={"displaylogo": False})
