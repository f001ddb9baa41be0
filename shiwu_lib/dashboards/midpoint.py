"""中期评估 (notebooks/03_midpoint.ipynb): every midpoint-year target met or missed and every
final-year target's completion at the midpoint date. Layout only (:func:`shiwu_lib.report.midpoint_data`)."""
from __future__ import annotations

from .. import charts, fmt
from ..report import FINAL, MID, MID_SHARE, PLAN, midpoint_data
from .components import demo_banner, empty_state, midpoint_cards, midpoint_tables, print_head
from .page import Page, open_db, start_page

TITLE = f"“{PLAN.programme}” {MID}年中期评估"


def midpoint_html(d: dict) -> dict[str, str]:
    known = d["known_at"]
    head = (print_head(TITLE, None, known, d["any_demo"]) +
            f'<div class="shiwu-note" data-known-at="{known.isoformat()}">评估时点：{fmt.date_zh(PLAN.midpoint_date)}（时间过去{MID_SHARE:.0%}）；'
            f"数据截至{fmt.date_zh(known)}（含{MID + 1}年发布的{MID}年全年数据）。</div>")
    if d["any_demo"]:
        head += demo_banner()
    if known < PLAN.midpoint_date:
        head += empty_state(f"{MID}年尚未结束或尚无{MID}年全年数据：当前数据截至{fmt.date_zh(known)}，以下为截至该日的进度。")
    return {"head": head + midpoint_cards(d["state"]),
            "chart_head": f"<h2>{FINAL}年目标：{MID}年末完成程度</h2>",
            "chart_note": f'<div class="shiwu-note">绿色：{MID}年末完成程度达到序时进度（{PLAN.span_zh}目标为{MID_SHARE:.0%}）；红色：落后。'
                          "增速类目标按是否达到目标增速判断，见下表。</div>",
            "tables": "<h2>逐项评估</h2>" + midpoint_tables(d["midpoint"], with_project=True)}


def midpoint_figure(d: dict):
    if d["completion"].empty:
        return None
    return charts.midpoint_completion(d["completion"], expected=d["expected"], demo=bool(d["completion"]["is_demo"].any()),
                                      title=f"{FINAL}年目标：{MID}年末完成程度与{d['expected']:.0%}序时进度")


def midpoint_body(page: Page) -> list:
    db = open_db()
    try:
        d = midpoint_data(db)
    finally:
        db.close()
    h = midpoint_html(d)
    out = [page.html(h["head"])]
    fig = midpoint_figure(d)
    if fig is None:
        out.append(page.html(h["chart_head"] + empty_state(f"尚无{FINAL}年目标在{MID}年末的数据。")))
    else:
        out += [page.figure(fig, head=h["chart_head"]), page.html(h["chart_note"])]
    out.append(page.html(h["tables"]))
    return out


def midpoint_page():
    """中期评估: the midpoint-year targets met or missed, the final-year targets against 序时."""
    page = start_page("midpoint", TITLE, f"三年行动目标是否完成 · 五年目标是否达到{MID_SHARE:.0%}序时进度")
    page.run(midpoint_body, page)
