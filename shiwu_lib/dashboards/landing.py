"""The front door: the HTML page the server returns at its root (``/``) instead of Voila's English
file list — the plan's title, the three dashboards, the report date, the 示例数据 note. Built
without a kernel (a short read-only look at the store), so the root costs no ~180 MB kernel.

Wiring (shiwu_lib/serve.py): a tornado handler for ``/`` that returns :func:`landing_page`.
"""
from __future__ import annotations

from .components import PAGE_CSS, Links, esc, landing_html

TITLE = "看板首页"
LINKS = Links("voila/render/")


def landing_page(db_path=None, links: Links = LINKS) -> str:
    """The whole front page (``<!doctype html>…``); still a page, with no date, if the store is missing."""
    from ..report import PLAN, default_report_date

    rd = known = projects = None
    demo = False
    try:
        import shiwu_lib as sw

        with sw.open(db_path) as db:
            dates = db.report_dates()
            rd = default_report_date(db, dates)
            known = db.latest_known_at()
            demo = db.demo_loaded()
            projects = db.projects()
    except Exception:  # noqa: BLE001 - the front door opens even before the first build
        pass
    body = landing_html(rd, known, demo, links, projects)
    if rd is None:
        body += '<div class="shiwu-page shiwu-root"><div class="shiwu-empty">数据库尚未生成：请先运行 shiwu build。</div></div>'
    title = f"{PLAN.region}市“{PLAN.programme}” · {TITLE}"
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title>{PAGE_CSS}<style>body{{margin:0;padding:14px 16px}}</style></head>"
            f"<body>{body}</body></html>")
