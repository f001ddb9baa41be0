"""ipywidgets assemblies the dashboards call. Notebooks stay thin: one call per page.

    from shiwu_lib import views
    views.overview_page()          # notebooks/01_overview.ipynb  总览
    views.project_page()           # notebooks/02_project.ipynb   工程详情 (?project=5&as_of=2025-12-31)
    views.midpoint_page()          # notebooks/03_midpoint.ipynb  中期评估

Pages read the store only after :func:`wait_for_visit` returns, so a preheated Voila kernel shows
the data as it is when the page is opened, not when the kernel started. Each render opens the store
read-only (``sw.open()``) and closes it in ``finally``; a rebuilt store (atomic rename) is picked up
on the next render. Exceptions inside a render or a callback are logged with their traceback to the
kernel's real stderr (Voila's log) and the page shows a short Chinese message instead.

Report date and data vintage
----------------------------
A page shows one *report date* R (a quarter end from ``db.report_dates()``; default: the latest
quarter for which values exist) with the data *as they stand now*: ``db.status(as_of=R,
known_at=K)`` where K is the date of the newest value in the store (``data_known_at``). So the
"2026年三季度" view contains the 1-9月 values reported in October, as the quarterly analysis
meeting sees them. Key tasks and problems are the latest rows for periods up to R.

Targets in play (在推进的目标)
-----------------------------
The project light, the share bar of a card and the 晾晒 ranking use the *firm* targets (力争 / stretch
targets left out) *in play* at R: the target's window has begun by R and its target year is R's year
or later (at 2026-09-30: the 2026 and 2027 targets; at 2025-12-31 also the 2025 targets). Targets
whose window ended in an earlier year are judged in 中期评估 and the project page, not in the light.

Project light (工程总灯) — :func:`project_light`
-----------------------------------------------
A worst-of rule softened by a quorum, over the in-play firm targets that have data:

1. grey (灰) when none of them has data;
2. red (红) when red targets are at least one third (``RED_QUORUM``) of them;
3. yellow (黄) when any target is red, or yellow-or-red targets are at least one third
   (``BEHIND_QUORUM``) — a red target is never hidden behind a green project;
4. green (绿) otherwise.

The ranking (晾晒) is the engine's :func:`shiwu_lib.progress.rank` (mean percentage points ahead of
序时进度, then the share of green, then fewer reds) over the same targets — the rule of
``db.ranking()`` (both call :func:`shiwu_lib.lights.ranking_frame`), with the data as known now.

Headline indicator of a card — :func:`choose_headline`
-----------------------------------------------------
Among the project's firm targets: those with data first, then in play at R, then on a core
indicator (when the catalog flags 核心指标 with a ``core`` column; it does not yet), then five-year
before three-year before annual targets, span targets (2023—2027) before single-year ones, money
amounts (亿元) first, amounts before stock counts before cumulative counts before shares/ratios
before growth rates, then the plan's own order (target id). With the current catalog this picks,
e.g., 五年完成重大项目投资2000亿元 for 一 and 中欧班列年开行数2000列 for 五.
"""
from __future__ import annotations

import html
import logging
import math
import os
import re
import sys
from datetime import date
from typing import Iterable
from urllib.parse import parse_qs, urlencode

import pandas as pd

from . import fmt, plan, progress, units
from .assessment import quarter_end

log = logging.getLogger("shiwu.views")

# The plan's facts (document, years, midpoint) come from its description (shiwu_lib/plan.py).
PLAN = plan.get()
MID, FINAL = PLAN.midpoint_year, PLAN.final_year
MID_SHARE = (MID - PLAN.start_year + 1) / (FINAL - PLAN.start_year + 1)   # 序时 of the midpoint date: 3/5

# The light rules over a status frame live in shiwu_lib/lights.py (shared with the API, the CLI and the pack).
from .lights import (  # noqa: E402,F401 - re-exported: pages, tests and the pack use them from here
    BEHIND_QUORUM, GREEN, GREY, LIGHTS, RED, RED_QUORUM, YELLOW, firm_in_play, in_play_mask, is_span,
    light_counts, project_light, ranking_frame, span_start,
)
STATUS_COLOURS = {GREEN: "#2e9d4c", YELLOW: "#e0a800", RED: "#d63a2f", GREY: "#9aa0a6"}
SECTION_ORDER = {"five_year": 0, "three_year": 1, "annual_2023": 2}
KIND_ORDER = {"cumulative_flow": 0, "level": 0, "count": 1, "share": 2, "ratio": 2, "growth_rate": 3}
TASK_STATUS_COLOURS = {"已完成": GREEN, "推进中": "#1f5fbf", "未启动": GREY, "滞后": RED}
CONTACT = PLAN.office or "总专班办公室"

PROJECT_LIGHT_RULE_ZH = (
    "工程总灯：取报告期内在推进的约束性目标（不含“力争”目标）中有数据的目标——"
    "红灯目标占三分之一及以上为红灯；有红灯目标、或红黄灯目标合计占三分之一及以上为黄灯；"
    "其余为绿灯；均无数据为灰灯。单项目标灯：绿灯为快于序时进度或慢于5个百分点以内（或按当前进度可完成），"
    "黄灯为慢于5—15个百分点，红灯为慢于15个百分点以上或到期未完成；增速类目标按与目标增速的差距判定。"
)


# ----------------------------------------------------------------------------------------------
# kernel plumbing
# ----------------------------------------------------------------------------------------------

def wait_for_visit() -> None:
    """Block a preheated Voila kernel until a visitor opens the page (no-op elsewhere).

    Does what ``voila.utils.wait_for_request`` (voila 0.5) does — connect to Voila's
    ``/voila/query/<kernel id>`` websocket, receive the request info, put it in ``os.environ``
    (``QUERY_STRING`` …) — without importing ``voila.utils``: that import pulls in jupyter_server
    and jupyterlab_server (~6 s of CPU in a kernel), and since a page reaches this call only when
    it is about to wait, every preheated kernel paid it at the same moment after a start and a
    visitor arriving then waited up to ~15 s. Falls back to Voila's own function on an unexpected
    error.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    try:
        info = _voila_request_info()
    except Exception:  # noqa: BLE001 - protocol changed? use Voila's implementation
        log.exception("wait_for_visit: falling back to voila.utils.wait_for_request")
        from voila.utils import wait_for_request

        wait_for_request()
        return
    if info:
        import json

        for k, v in json.loads(info).items():
            os.environ[k] = v


def _voila_request_info(timeout: float = 5.0) -> str | None:
    """The request info Voila sends to a preheated kernel when its page is requested."""
    import asyncio
    import threading

    import websockets

    protocol = os.getenv("VOILA_WS_PROTOCOL", "ws")
    ip = os.getenv("VOILA_APP_IP", "127.0.0.1")
    port = os.getenv("VOILA_APP_PORT", "8866")
    base = os.getenv("VOILA_WS_BASE_URL", os.getenv("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{ip}:{port}{base}voila/query/{os.getenv('VOILA_KERNEL_ID')}"
    result: dict = {}

    async def receive():
        try:
            async with websockets.connect(url, open_timeout=timeout) as ws:
                return await ws.recv()
        except (TimeoutError, ConnectionRefusedError):
            log.warning("wait_for_visit: cannot reach %s; continuing without the request info", url)
            return None

    def run():
        try:
            result["info"] = asyncio.new_event_loop().run_until_complete(receive())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    t = threading.Thread(target=run, name="shiwu-wait-for-visit", daemon=True)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result.get("info")


def query_params() -> dict[str, str]:
    """The page's query string (``?project=5``) as a dict; empty outside Voila."""
    qs = os.environ.get("QUERY_STRING", "")
    return {k: v[-1] for k, v in parse_qs(qs).items()}


def _server_stderr():
    """A stream to the kernel process's real stderr, which Voila writes to its log.

    ipykernel captures file descriptor 2 and forwards it to the page as an stderr output
    (``capture_fd_output``), so ``sys.__stderr__`` would show log lines on the dashboard; the copy
    of the original descriptor it keeps (``_original_stdstream_copy``) does not."""
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(fd, int):
        try:
            return os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace")
        except OSError:
            pass
    return sys.__stderr__ or sys.stderr


def _setup_logging() -> None:
    """Log records and Python warnings go to the kernel's real stderr (Voila's log), never to the
    page: a warning printed in a cell would show up as an stderr block on the dashboard."""
    if not any(getattr(h, "_shiwu", False) for h in log.handlers):
        h = logging.StreamHandler(_server_stderr())
        h._shiwu = True  # type: ignore[attr-defined]
        h.setFormatter(logging.Formatter(f"%(asctime)s %(name)s[{os.environ.get('VOILA_KERNEL_ID', '')[:8]}] %(levelname)s %(message)s"))
        log.addHandler(h)
        log.setLevel(logging.INFO)
        log.propagate = False
        wl = logging.getLogger("py.warnings")
        wl.addHandler(h)
        wl.propagate = False
    logging.captureWarnings(True)


def _open_db():
    """Open the store read-only for one render, with the engine's repeated reads memoized."""
    import shiwu_lib as sw

    return memoize_reads(sw.open())


def memoize_reads(db):
    """Cache ``db.targets(project_no)`` and ``db._observations(as_of)`` on this instance.

    ``Database.trajectory`` reads all targets twice and every indicator's observations on each
    call; a project page draws up to ~20 trajectories, so one render repeats the same reads ~40
    times (~0.15 s each). The store is read-only and a render is short-lived, so the cache is safe;
    it lives as long as the connection (one render)."""
    cache: dict = {}
    targets, observations = db.targets, db._observations

    def cached_targets(project_no=None):
        key = ("targets", None if project_no is None else int(project_no))
        if key not in cache:
            cache[key] = targets(project_no)
        return cache[key]

    def cached_observations(as_of):
        key = ("obs", as_of)
        if key not in cache:
            cache[key] = observations(as_of)
        return cache[key]

    db.targets = cached_targets
    db._observations = cached_observations
    return db


# ----------------------------------------------------------------------------------------------
# pure helpers (tests/test_views.py)
# ----------------------------------------------------------------------------------------------

def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (v is pd.NA)


COUNT_BASES = ("count", "person", "person_time")


def headline_kind_rank(kind: str, unit: str | None) -> int:
    """Amounts first (cumulative flows and levels of money, area, capacity …), then stock counts
    (高新技术企业累计500家), then cumulative counts (建成2家实验室), shares / ratios, growth rates."""
    from . import units

    try:
        base = units.base_unit(unit) if unit else ""
    except Exception:  # noqa: BLE001 - unknown unit: treat as an amount
        base = ""
    if kind in ("cumulative_flow", "level"):
        return 2 if (kind == "cumulative_flow" and base in COUNT_BASES) else 0
    return {"count": 1, "share": 3, "ratio": 3, "growth_rate": 4}.get(kind, 5)


def _is_money(unit) -> bool:
    from . import units

    try:
        return bool(unit) and units.base_unit(unit) == "yuan"
    except Exception:  # noqa: BLE001
        return False


def choose_headline(st: pd.DataFrame, report_date: date, core_ids: set[str] | None = None):
    """The headline target of a project (a row of ``st``) or None.

    Among the firm targets, the first by: has data; in play at ``report_date``; on a core indicator
    (``core_ids``; None = every indicator); five-year before three-year before annual sections;
    span (2023—2027) before single-year targets; money amounts (亿元) first; amounts before stock
    counts before cumulative counts before shares/ratios before growth rates
    (:func:`headline_kind_rank`); then catalog order (``target_id``: the plan's own order).
    """
    if st is None or st.empty:
        return None
    cands = st[~st["stretch"].fillna(False).astype(bool)]
    if cands.empty:
        return None
    play = in_play_mask(cands, report_date)

    def key(i):
        r = cands.loc[i]
        has_data = r["status"] != GREY and not _isnan(r.get("latest_actual"))
        core = True if core_ids is None else (r["indicator_id"] in core_ids)
        return (
            0 if has_data else 1,
            0 if bool(play.loc[i]) else 1,
            0 if core else 1,
            SECTION_ORDER.get(r["section"], 9),
            0 if is_span(r["period"]) else 1,
            0 if _is_money(r.get("unit")) else 1,
            headline_kind_rank(r["kind"], r.get("unit")),
            str(r["target_id"]),
        )

    best = min(cands.index, key=key)
    return cands.loc[best]


def gap_share(gap, target_value) -> float | None:
    """Remaining gap as % of the target value (<= 0 once reached); None without data."""
    if _isnan(gap) or _isnan(target_value) or float(target_value) == 0:
        return None
    return float(gap) / abs(float(target_value)) * 100.0


def short_label(text: str, n: int = 16) -> str:
    text = str(text or "")
    return text if len(text) <= n else text[: n - 1] + "…"


def project_label(no: int, short_zh: str) -> str:
    """``(1, '扩投资') → '一 扩投资'``."""
    return f"{fmt.cn_number(int(no))} {short_zh}"


def project_option(no: int, short_zh: str) -> str:
    """The project selector's label: ``(7, '土地整治') → '七、土地整治'`` (no spaces: ipywidgets
    writes them as no-break spaces into the <select>)."""
    return f"{fmt.cn_number(int(no))}、{short_zh}"


def actual_text(row) -> str:
    """The compared value of a status row as people write it (growth rates in %)."""
    if _isnan(row.get("latest_actual")):
        return fmt.MISSING
    if row.get("kind") == "growth_rate":
        return fmt.percent(row["latest_actual"])
    return fmt.value(row["latest_actual"], row.get("unit"))


def target_label(row) -> str:
    """``2000亿元以上（2023—2027年）``."""
    unit = row.get("unit")
    txt = fmt.target_text(row["target_value"], unit, row.get("comparator") or ">=", bool(row.get("stretch")),
                          row.get("value_high"))
    if row.get("kind") == "growth_rate" and is_span(row.get("period")):
        txt = "年均" + txt
    return f"{txt}（{fmt.span_zh(row.get('period'), int(row['target_year']))}）"


# ----------------------------------------------------------------------------------------------
# store reads shared by the pages
# ----------------------------------------------------------------------------------------------

def data_known_at(db) -> date:
    """The date of the newest value in the store: pages show the data as they stand on it."""
    return db.latest_known_at()


def earliest_data_quarter(db) -> date | None:
    v = db.earliest_period_end()
    return None if v is None else quarter_end(v)


def default_report_date(db, dates: list[date]) -> date:
    """The latest quarter end for which values of that quarter exist (else the last report date)."""
    v = db.latest_quarter_with_data()
    if v is not None and v in dates:
        return v
    return dates[-1]


def core_indicator_ids(db) -> set[str] | None:
    """Indicators flagged core (核心指标) by the catalog (a ``core``/``is_core`` column of
    ``indicators``), or None when the catalog does not flag them (then every indicator counts)."""
    return db.core_indicator_ids()


def demo_loaded(db) -> bool:
    return db.demo_loaded()


def report_date_options(dates: list[date]) -> list[tuple[str, str]]:
    return [(f"{fmt.quarter_zh(d)}（截至{d.month}月{d.day}日）", d.isoformat()) for d in reversed(dates)]


def _parse_date(s, dates: list[date]) -> date | None:
    try:
        d = date.fromisoformat(str(s)[:10])
    except (TypeError, ValueError):
        return None
    return d if d in dates else None


def late_returns(db, period_label: str, today: date | None = None) -> pd.DataFrame:
    """催报: which projects have not returned which of the three tables for ``period_label``.

    ``shiwu_lib.returns.missing.missing_returns`` (one row per project and table) grouped to one row
    per project; if that module is missing, the same question in SQL over ``return_sheets``.
    Columns: project_no, project, lead_unit, missing (the tables, 、-separated), deadline, overdue.
    Overdue is judged on ``today`` (default: today): a return is due 10 days after the quarter.
    """
    from .returns.common import DATA_SHEETS, DEADLINE_DAYS

    today = today or date.today()
    y, q = int(period_label[:4]), int(period_label[-1])
    deadline = quarter_end(date(y, q * 3, 1)) + pd.Timedelta(days=DEADLINE_DAYS)
    deadline = deadline.date() if hasattr(deadline, "date") else deadline
    projects = db.projects()[["project_no", "short_zh", "lead_unit"]]
    rows = db.missing_returns(period_label, today=today)[["project_no", "sheet"]]
    order = {s: i for i, s in enumerate(DATA_SHEETS)}
    df = (rows.assign(_o=rows["sheet"].map(order)).sort_values(["project_no", "_o"])
          .groupby("project_no", sort=True)["sheet"].agg("、".join).rename("missing").reset_index())
    df = df.merge(projects, on="project_no", how="left")
    df["project"] = [project_label(n, s) for n, s in zip(df["project_no"], df["short_zh"])]
    df["deadline"] = deadline
    df["overdue"] = today > deadline
    return df[["project_no", "project", "lead_unit", "missing", "deadline", "overdue"]]


# ----------------------------------------------------------------------------------------------
# HTML building blocks
# ----------------------------------------------------------------------------------------------

esc = html.escape

PAGE_CSS = """
<style>
.shiwu-page, .shiwu-page * { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.shiwu-page { color: #222; font-size: 17px; line-height: 1.5; box-sizing: border-box; max-width: 100%; padding-right: 12px; }
.shiwu-page *, .shiwu-page *::before, .shiwu-page *::after { box-sizing: border-box; }
.shiwu-page h1 { font-size: 30px; margin: 6px 0 2px 0; font-weight: 700; }
.shiwu-page h2 { font-size: 24px; margin: 22px 0 8px 0; font-weight: 700; border-left: 6px solid #1f5fbf; padding-left: 10px; }
.shiwu-page h3 { font-size: 20px; margin: 14px 0 6px 0; }
.shiwu-sub { color: #555; font-size: 16px; }
.shiwu-note { color: #555; font-size: 16px; margin: 6px 0; }
.shiwu-demo { display: inline-block; color: #b00020; border: 1px solid #b00020; background: #fff5f5; padding: 0 6px;
  border-radius: 3px; font-size: 16px; font-weight: 700; margin-left: 6px; vertical-align: middle; line-height: 1.5; white-space: nowrap; }
.shiwu-banner { border: 1px solid #b00020; background: #fff5f5; color: #7a0016; padding: 8px 12px; border-radius: 6px; margin: 8px 0; font-size: 16px; }
.shiwu-empty { padding: 14px 16px; background: #f4f5f7; border-left: 5px solid #9aa0a6; font-size: 18px; margin: 10px 0; }
.shiwu-error { padding: 14px 16px; background: #fff5f5; border-left: 5px solid #b00020; font-size: 18px; margin: 10px 0; }
.shiwu-cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 14px; margin: 10px 0; }
@media (max-width: 1200px) { .shiwu-cards { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
@media (max-width: 800px) { .shiwu-cards { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.shiwu-card { border: 1px solid #d8dadd; border-top: 7px solid #9aa0a6; border-radius: 8px; padding: 10px 12px; background: #fff;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); display: flex; flex-direction: column; gap: 3px; }
.shiwu-card-head { display: flex; align-items: center; justify-content: space-between; gap: 6px; }
.shiwu-card-title { font-size: 22px; font-weight: 700; }
.shiwu-card-name { font-size: 15px; color: #666; min-height: 2.9em; }
.shiwu-chip { display: inline-block; color: #fff; border-radius: 12px; padding: 1px 10px; font-size: 16px; font-weight: 700; white-space: nowrap; }
.shiwu-metric { font-size: 16px; color: #333; margin-top: 4px; }
.shiwu-big { font-size: 27px; font-weight: 700; line-height: 1.2; }
.shiwu-small { font-size: 15px; color: #555; }
.shiwu-reason { font-size: 16px; color: #333; }
.shiwu-pbar { position: relative; height: 12px; background: #eceef1; border-radius: 6px; margin: 4px 0 2px 0; }
.shiwu-pbar-fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 6px; }
.shiwu-pbar-tick { position: absolute; top: -4px; bottom: -4px; width: 3px; background: #b00020; }
.shiwu-stack { display: flex; height: 14px; border-radius: 4px; overflow: hidden; margin-top: 6px; background: #eceef1; }
.shiwu-stack span { display: block; height: 100%; }
.shiwu-counts { font-size: 15px; color: #444; }
.shiwu-link { font-size: 16px; font-weight: 700; color: #1f5fbf; text-decoration: none; margin-top: 4px; }
.shiwu-link:hover { text-decoration: underline; }
.shiwu-table { border-collapse: collapse; font-size: 16px; margin: 6px 0 10px 0; width: 100%; }
.shiwu-table th { background: #eef2f8; text-align: left; padding: 6px 8px; border-bottom: 2px solid #c9d3e3; white-space: nowrap; }
.shiwu-table td { padding: 5px 8px; border-bottom: 1px solid #e3e5e8; vertical-align: top; }
.shiwu-table td.num { text-align: right; white-space: nowrap; }
.shiwu-table tr.shiwu-overdue td { background: #fff3f3; }
.shiwu-dot { display: inline-block; width: 14px; height: 14px; border-radius: 50%; vertical-align: -1px; margin-right: 4px; }
.shiwu-controls { display: flex; align-items: center; gap: 10px; font-size: 18px; }
.shiwu-select select, .shiwu-select .widget-dropdown select { font-size: 18px !important; height: 36px !important; }
.shiwu-kv { font-size: 16px; margin: 2px 0; }
.shiwu-kv b { color: #444; }
.shiwu-legend span { margin-right: 14px; white-space: nowrap; }
.shiwu-grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
</style>
"""


def figure_bundle(fig) -> dict:
    """The mime bundle Plotly's ``plotly_mimetype`` renderer would send, built without importing
    ``plotly.io._renderers`` (which imports nbformat → jsonschema: ~3.5 s on the first chart of a
    fresh kernel)."""
    import json

    from plotly.io._json import to_json

    from .charts import PLOT_CONFIG

    d = json.loads(to_json(fig, validate=False, remove_uids=False))
    d["config"] = dict(PLOT_CONFIG)
    return {"application/vnd.plotly.v1+json": d}


def warm_up() -> None:
    """Build and serialise one figure of each kind with dummy data, so a preheated kernel has the
    Plotly validators and JSON encoder loaded before the visit (~1–2 s of the first chart)."""
    from . import charts

    try:
        d = pd.DataFrame({"label": ["一", "二"], "score": [1.0, -1.0], "status": [GREEN, RED], "hover": ["", ""],
                          "gap_pct": [10.0, 20.0], "completion": [0.5, 0.7], "on_track": [False, True]})
        figs = [charts.ranking_bars(d, demo=True), charts.gap_to_target(d, "t"), charts.midpoint_completion(d),
                charts.trajectory({"title": "t", "unit": "亿元", "paths": [{"name": "p", "x": [pd.Timestamp("2023-01-01")], "y": [1.0]}],
                                   "annual": [{"name": "a", "x": [pd.Timestamp("2023-12-31")], "y": [1.0]}],
                                   "baseline": {"x": pd.Timestamp("2022-12-31"), "y": 0.0, "label": ""},
                                   "actual": pd.DataFrame({"date": [pd.Timestamp("2023-03-31")], "value": [1.0], "text": [""]}),
                                   "projection": {"x": [pd.Timestamp("2023-03-31"), pd.Timestamp("2027-12-31")], "y": [1.0, 2.0], "text": ""},
                                   "midpoint": {"x": pd.Timestamp("2025-12-31"), "y": 1.0, "text": ""},
                                   "report_date": PLAN.first_report_date, "demo": True})]
        for f in figs:
            figure_bundle(f)
    except Exception:  # noqa: BLE001 - warming up is optional
        log.exception("warm-up failed")


def show_figure(fig) -> None:
    """Display a Plotly figure (rendered by the jupyterlab-plotly extension in Voila and JupyterLab)."""
    from IPython.display import display

    display(figure_bundle(fig), raw=True)


def demo_badge(title: str = "含部门报表示例数据（演示用，非真实统计）") -> str:
    return f'<span class="shiwu-demo" data-demo="true" title="{esc(title)}">示例数据</span>'


def light_dot(status: str) -> str:
    """A coloured dot followed by the light's name, kept on one line."""
    c = STATUS_COLOURS.get(status, STATUS_COLOURS[GREY])
    return f'<span class="shiwu-dot" style="background:{c}"></span>'


def light_cell(status: str) -> str:
    return f'<span style="white-space:nowrap">{light_dot(status)}{fmt.status_zh(status)}</span>'


def light_chip(status: str, attrs: str = "") -> str:
    c = STATUS_COLOURS.get(status, STATUS_COLOURS[GREY])
    return f'<span class="shiwu-chip" style="background:{c}" {attrs}>{fmt.status_zh(status)}</span>'


def empty_state(message: str) -> str:
    return f'<div class="shiwu-empty" data-empty="true">{esc(message)}</div>'


def error_state(message: str) -> str:
    return f'<div class="shiwu-error" data-error="true">{esc(message)}</div>'


def html_table(df: pd.DataFrame, columns: list[tuple], cls: str = "shiwu-table", row_class=None, attrs: str = "") -> str:
    """``columns``: (header, function(row) -> HTML string, numeric?) tuples. Cells are not escaped
    here: the functions escape what they take from the data (:func:`esc`)."""
    head = "".join(f"<th>{esc(h)}</th>" for h, *_ in columns)
    body = []
    for _, r in df.iterrows():
        rc = row_class(r) if row_class else ""
        tds = "".join(f'<td class="{"num" if (len(c) > 2 and c[2]) else ""}">{c[1](r)}</td>' for c in columns)
        body.append(f'<tr class="{rc}">{tds}</tr>')
    return f'<table class="{cls}" {attrs}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def legend_html() -> str:
    items = "".join(f"<span>{light_dot(s)}{fmt.status_zh(s)}：{fmt.STATUS_MEANING_ZH[s]}</span>" for s in LIGHTS)
    return f'<div class="shiwu-note shiwu-legend">{items}</div>'


def _stack_bar(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return '<div class="shiwu-stack"></div>'
    parts = "".join(
        f'<span style="width:{counts[s] / total * 100:.2f}%;background:{STATUS_COLOURS[s]}" title="{fmt.status_zh(s)}{counts[s]}项"></span>'
        for s in LIGHTS if counts[s])
    return f'<div class="shiwu-stack" data-counts="{counts[GREEN]},{counts[YELLOW]},{counts[RED]},{counts[GREY]}">{parts}</div>'


def time_progress_text(r) -> str:
    """The 序时 the light used, with its date: ``序时进度60%（2025年12月31日）``; 数据滞后 when it is the
    report date because the data are old."""
    tp = r.get("time_progress") if hasattr(r, "get") else r["time_progress"]
    when = r.get("time_progress_date") if hasattr(r, "get") else None
    text = f"序时进度{fmt.share(tp)}"
    if when is not None and not _isnan(when):
        text += f"（{fmt.date_zh(when)}）"
    if bool(r.get("stale")) if hasattr(r, "get") else False:
        text += "，数据滞后"
    return text


def rank_change_text(change) -> str:
    """位次变化: ``↑2`` (moved up two places), ``↓1``, ``—`` (unchanged), ``新`` (no previous rank)."""
    if change is None or _isnan(change):
        return "新"
    c = int(change)
    return f"↑{c}" if c > 0 else (f"↓{-c}" if c < 0 else "—")


def _progress_bar(completion, time_progress, status) -> str:
    if _isnan(completion):
        return ""
    w = max(0.0, min(float(completion), 1.0)) * 100
    tick = "" if _isnan(time_progress) else f'<div class="shiwu-pbar-tick" style="left:calc({max(0.0, min(float(time_progress), 1.0)) * 100:.1f}% - 1px)" title="序时进度"></div>'
    return (f'<div class="shiwu-pbar"><div class="shiwu-pbar-fill" style="width:{w:.1f}%;background:{STATUS_COLOURS.get(status, "#999")}"></div>'
            f"{tick}</div>")


def project_link(no: int, report_date: date | None = None) -> str:
    q = {"project": int(no)}
    if report_date is not None:
        q["as_of"] = report_date.isoformat()
    return "02_project.ipynb?" + urlencode(q)


# ----------------------------------------------------------------------------------------------
# 总览 (overview)
# ----------------------------------------------------------------------------------------------

def overview_frame(st: pd.DataFrame, projects: pd.DataFrame, report_date: date,
                   core_ids: set[str] | None = None) -> pd.DataFrame:
    """One row per project: light, counts and the headline target (pure; used by the cards)."""
    rows = []
    for p in projects.itertuples(index=False):
        sp = st[st["project_no"] == p.project_no]
        play = firm_in_play(sp, report_date)
        counts = light_counts(play["status"])
        head = choose_headline(sp, report_date, core_ids)
        rows.append({
            "project_no": int(p.project_no), "short_zh": p.short_zh, "name_zh": p.name_zh, "lead_unit": p.lead_unit,
            "light": project_light(play["status"]), "n_in_play": int(len(play)), **{f"n_{k}": v for k, v in counts.items()},
            "any_demo": bool(play["is_demo"].fillna(False).astype(bool).any()) if len(play) else False,
            "headline": head,
        })
    return pd.DataFrame(rows)


def card_html(r: dict | pd.Series, report_date: date) -> str:
    no, light = int(r["project_no"]), r["light"]
    head = r["headline"]
    counts = {k: int(r[f"n_{k}"]) for k in LIGHTS}
    parts = [
        f'<div class="shiwu-card" data-project="{no}" data-status="{light}" style="border-top-color:{STATUS_COLOURS[light]}">',
        '<div class="shiwu-card-head">'
        f'<span class="shiwu-card-title">{fmt.cn_number(no)} {esc(str(r["short_zh"]))}</span>'
        f'{light_chip(light, f"data-light={light}")}</div>',
        f'<div class="shiwu-card-name">{esc(str(r["name_zh"]))}</div>',
    ]
    if head is not None and not _isnan(head.get("latest_actual")) and head["status"] != GREY:
        demo = demo_badge() if bool(head.get("is_demo")) else ""
        period = fmt.period_label_zh(head.get("latest_period"))
        parts += [
            f'<div class="shiwu-metric">核心指标：{esc(str(head["metric_zh"]))}{demo}</div>',
            f'<div class="shiwu-big" data-headline="{esc(str(head["target_id"]))}">{esc(actual_text(head))}</div>',
            f'<div class="shiwu-small">目标 {esc(target_label(head))}<br>截至{esc(period)}</div>',
        ]
        if head["kind"] != "growth_rate" and not _isnan(head.get("completion")):
            parts.append(f'<div class="shiwu-reason">完成{fmt.share(head["completion"])} · {esc(time_progress_text(head))}</div>')
            parts.append(_progress_bar(head["completion"], head["time_progress"], head["status"]))
        reason = str(head.get("reason") or "")
        if head["kind"] != "growth_rate" and not _isnan(head.get("completion")):
            reason = re.sub(r"^完成-?\d+%，", "", reason)  # the completion is on the line above
        parts.append(f'<div class="shiwu-reason">{esc(reason)}</div>')
    elif head is not None:
        parts += [
            f'<div class="shiwu-metric">核心指标：{esc(str(head["metric_zh"]))}</div>',
            '<div class="shiwu-big" style="color:#888">暂无数据</div>',
            f'<div class="shiwu-small">目标 {esc(target_label(head))}</div>',
        ]
    else:
        parts.append('<div class="shiwu-metric">暂无量化目标</div>')
    n_play = int(r["n_in_play"])
    parts += [
        _stack_bar(counts),
        (f'<div class="shiwu-counts">在推进目标{n_play}项：绿{counts[GREEN]} 黄{counts[YELLOW]} 红{counts[RED]} 灰{counts[GREY]}</div>'
         if n_play else '<div class="shiwu-counts">本报告期无在推进的约束性目标</div>'),
        f'<a class="shiwu-link" href="{esc(project_link(no, report_date))}" data-project-link="{no}">查看工程详情 →</a>',
        "</div>",
    ]
    return "".join(parts)


def _ranking_table(rk: pd.DataFrame) -> str:
    cols = [
        ("名次", lambda r: str(int(r["rank"])), True),
        ("工程", lambda r: f'<a class="shiwu-link" style="font-size:16px" href="{esc(project_link(int(r["project_no"])))}">'
                          f'{esc(project_label(r["project_no"], r["short_zh"]))}</a>'),
        ("总灯", lambda r: light_cell(r["light"])),
        ("得分（平均快慢，百分点）", lambda r: esc(fmt.signed_pp(r["score_pp"])), True),
        ("位次变化", lambda r: esc(rank_change_text(r.get("rank_change"))), True),
        ("绿灯占比", lambda r: esc(fmt.share(r["share_green"])), True),
        ("绿/黄/红/灰", lambda r: f'{int(r["n_green"])} / {int(r["n_yellow"])} / {int(r["n_red"])} / {int(r["n_grey"])}', True),
        ("牵头单位", lambda r: esc(str(r["lead_unit"]))),
    ]
    return html_table(rk, cols, attrs='data-table="ranking"')


def _late_table(late: pd.DataFrame) -> str:
    cols = [
        ("工程", lambda r: esc(r["project"])),
        ("牵头单位", lambda r: esc(str(r["lead_unit"]))),
        ("未报送表单", lambda r: esc(r["missing"])),
        ("报送截止", lambda r: esc(fmt.date_zh(r["deadline"]))),
        ("状态", lambda r: '<b style="color:#b00020">逾期未报</b>' if r["overdue"] else "未到截止日"),
    ]
    return html_table(late, cols, row_class=lambda r: "shiwu-overdue" if r["overdue"] else "", attrs='data-table="late-returns"')


class _Page:
    """A page: a header, controls and a body redrawn on every change (errors shown in Chinese).

    ``run(render, ...)`` replaces the body; work a render hands to :meth:`defer` (the trajectory
    charts of a project) runs right after the cell or callback has returned, on the kernel's event
    loop in the same thread, so Voila can send the page and the browser can start drawing the first
    charts meanwhile. A later render makes pending deferred work of an earlier one a no-op.
    """

    def __init__(self, title: str, subtitle: str):
        import ipywidgets as w

        self.w = w
        self.header = w.HTML(PAGE_CSS + f'<div class="shiwu-page"><h1>{esc(title)}</h1><div class="shiwu-sub">{esc(subtitle)}</div></div>')
        self.controls = w.HBox([])
        self.body = w.VBox([], layout=w.Layout(width="100%"))
        self.status = w.HTML("")
        self.root = w.VBox([self.header, self.controls, self.status, self.body],
                           layout=w.Layout(width="auto", padding="0 18px 0 0"))
        self.root.add_class("shiwu-page")
        self.generation = 0

    def html(self, value: str):
        return self.w.HTML('<div class="shiwu-page">' + value + "</div>", layout=self.w.Layout(width="100%", flex="0 0 auto"))

    def figure(self, fig):
        """An Output widget holding the figure (set directly, no output capture: safe anywhere).
        Fixed height: an Output in a flex column otherwise shrinks to 0 px before Plotly has drawn."""
        out = self.slot()
        self.fill(out, fig)
        return out

    def slot(self, height: int = 450, message: str = ""):
        """An Output widget to be filled later by :meth:`fill` (deferred work only *updates* widgets
        created before the cell ended: a widget created after the page was sent may be unknown to a
        browser that connects meanwhile — "widget model not found")."""
        out = self.w.Output(layout=self.w.Layout(width="100%", min_height=f"{int(height)}px", flex="0 0 auto"))
        if message:
            out.outputs = ({"output_type": "display_data", "data": {"text/html": message}, "metadata": {}},)
        return out

    def fill(self, out, fig=None, html_text: str | None = None) -> None:
        """Put a figure (or an HTML message) into an existing :meth:`slot`."""
        if fig is not None:
            out.layout.min_height = f"{int(fig.layout.height or 450)}px"
            out.outputs = ({"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}},)
        else:
            out.outputs = ({"output_type": "display_data", "data": {"text/html": html_text or ""}, "metadata": {}},)

    def dropdown(self, label: str, options, value, width: str = "320px"):
        dd = self.w.Dropdown(options=options, value=value, layout=self.w.Layout(width=width))
        dd.add_class("shiwu-select")
        lab = self.w.HTML(f'<span style="font-size:18px;font-weight:700">{esc(label)}</span>')
        return dd, lab

    def show_error(self, exc: BaseException):
        if isinstance(exc, FileNotFoundError):
            msg = "数据库尚未生成：请先运行 shiwu build（或 make serve）后刷新本页。"
        else:
            msg = f"页面数据加载出错，请稍后刷新；如仍出错请联系{CONTACT}。（错误详情已记录在服务日志中）"
        self.body.children = [self.html(error_state(msg))]

    def defer(self, fn, *args) -> None:
        """Run ``fn(*args)`` after the current cell / callback (immediately outside a kernel)."""
        import asyncio

        gen = self.generation

        def call():
            if gen != self.generation:
                return  # a newer render replaced the body
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - logged, the placeholder says what failed
                log.exception("deferred %s failed", getattr(fn, "__name__", fn))

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            call()
        else:
            loop.call_later(0.05, call)

    def run(self, render, *args):
        """Call ``render(*args)`` -> list of widgets; on failure log the traceback and show a message."""
        import time

        self.generation += 1
        self.status.value = '<div class="shiwu-note">正在加载…</div>'
        t0 = time.perf_counter()
        try:
            self.body.children = render(*args)
            log.info("%s%s rendered in %.2f s", getattr(render, "__name__", render), args[1:], time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - a dashboard never shows a traceback
            log.exception("render failed: %s%s", getattr(render, "__name__", render), args)
            self.show_error(exc)
        finally:
            self.status.value = ""


def _overview_body(page: _Page, report_date: date) -> list:
    from . import charts

    db = _open_db()
    try:
        known = data_known_at(db)
        st = db.status(as_of=report_date, known_at=known)
        projects = db.projects()
        core = core_indicator_ids(db)
        ov = overview_frame(st, projects, report_date, core)
        rk = db.ranking(as_of=report_date, known_at=known)
        late = late_returns(db, fmt.quarter_label(report_date))
        earliest = earliest_data_quarter(db)
        demo_in_store = demo_loaded(db)
    finally:
        db.close()

    out = []
    play = firm_in_play(st, report_date)
    has_data = bool((play["status"] != GREY).any()) if len(play) else False
    any_demo = bool(play["is_demo"].fillna(False).astype(bool).any()) if len(play) else False
    info = (f'<div class="shiwu-note" data-report-date="{report_date.isoformat()}" data-known-at="{known.isoformat()}">'
            f"报告期：{fmt.quarter_zh(report_date)}末（{fmt.date_zh(report_date)}）；数据截至{fmt.date_zh(known)}。"
            f"灯号按“序时进度”评估：完成程度与时间进度之差。</div>")
    banner = (f'<div class="shiwu-banner">{demo_badge()} 本页部分数值来自演示用的部门报表示例数据，'
              "并非真实统计；公开发布的统计数据标明出处。</div>") if any_demo else ""
    out.append(page.html(info + banner))
    out.append(page.html("<h2>十项重大工程进展</h2>" + legend_html()))
    if not has_data:
        first = f"最早的季度数据为{fmt.quarter_zh(earliest)}" if earliest else "数据库中尚无实际值"
        out.append(page.html(empty_state(f"该日期尚无数据：{first}。请在上方选择其他报告期。")))
    cards = "".join(card_html(r, report_date) for _, r in ov.iterrows())
    out.append(page.html(f'<div class="shiwu-cards" data-cards="projects">{cards}</div>'
                         f'<div class="shiwu-note">{esc(PROJECT_LIGHT_RULE_ZH)}</div>'))

    out.append(page.html("<h2>晾晒排名</h2>" + (demo_badge() if any_demo else "")))
    if has_data:
        rk_plot = rk.copy()
        rk_plot["label"] = [project_label(n, s) for n, s in zip(rk_plot["project_no"], rk_plot["short_zh"])]
        rk_plot["score"] = rk_plot["score_pp"]
        rk_plot["status"] = rk_plot["light"]
        rk_plot["hover"] = [f"第{int(r.rank)}名（{rank_change_text(r.rank_change)}） · {fmt.status_zh(r.light)} · 得分{fmt.signed_pp(r.score_pp)}"
                            f" · 绿{int(r.n_green)} 黄{int(r.n_yellow)} 红{int(r.n_red)} 灰{int(r.n_grey)}" for r in rk.itertuples()]
        fig = charts.ranking_bars(rk_plot, title=f"晾晒排名（{fmt.quarter_zh(report_date)}）：平均快慢得分（单项±50个百分点封顶）", demo=any_demo)
        out.append(page.figure(fig))
    else:
        out.append(page.html(empty_state("该报告期尚无可排名的数据。")))
    out.append(page.html(_ranking_table(rk) + '<div class="shiwu-note">排名规则：按在推进的约束性目标“快于/慢于序时进度”的平均百分点从高到低；'
                                              "相同时绿灯占比高者在前、红灯少者在前；无数据的工程列在最后。</div>"))

    label = fmt.quarter_zh(report_date)
    out.append(page.html(f"<h2>催报：{esc(label)}报表报送情况</h2>" + (demo_badge("报送记录含示例数据") if demo_in_store else "")))
    if late.empty:
        out.append(page.html(f'<div class="shiwu-empty" data-late="0">{esc(label)}三张表单（主要指标、重点任务、问题销号）均已报送。</div>'))
    else:
        n_over = int(late["overdue"].sum())
        out.append(page.html(
            f'<div class="shiwu-note" data-late="{len(late)}">{len(late)}项工程有表单未报送'
            f'{f"，其中{n_over}项已逾期（截止日为季度结束后10天）" if n_over else ""}：</div>' + _late_table(late)))
    return out


def _start_page(name: str, title: str, subtitle: str) -> "_Page":
    """Show an empty page, warm the libraries up, then wait for a visitor (preheated kernels).

    Logs ``<name>: waiting for a visit`` / ``<name>: visit`` to Voila's log (the browser tests wait
    for the first line before they open a page)."""
    _setup_logging()
    page = _Page(title, subtitle)
    from IPython.display import display

    import ipywidgets  # noqa: F401 - imported before the visit
    import plotly.graph_objects  # noqa: F401

    from . import api, charts  # noqa: F401

    display(page.root)
    warm_up()
    log.info("%s: waiting for a visit", name)
    wait_for_visit()
    log.info("%s: visit", name)
    return page


def overview_page():
    """总览: ten project cards, the 晾晒 ranking and 催报 for a report date (default: latest quarter)."""
    page = _start_page("overview", "义乌市“十项重大工程”进展总览", f"{PLAN.document_no} · {PLAN.span_zh} · 季度晾晒")
    try:
        db = _open_db()
        try:
            dates = db.report_dates()
            default = default_report_date(db, dates)
        finally:
            db.close()
    except Exception as exc:  # noqa: BLE001
        log.exception("overview: cannot open the store")
        page.show_error(exc)
        return
    chosen = _parse_date(query_params().get("as_of"), dates) or default
    dd, lab = page.dropdown("报告期", report_date_options(dates), chosen.isoformat())
    page.controls.children = [lab, dd]
    page.controls.add_class("shiwu-controls")

    def on_change(change):
        try:
            page.run(_overview_body, page, date.fromisoformat(change["new"]))
        except Exception:  # noqa: BLE001 - never let a callback print a traceback
            log.exception("overview callback failed")

    dd.observe(on_change, names="value")
    page.run(_overview_body, page, chosen)


# ----------------------------------------------------------------------------------------------
# 工程详情 (project page)
# ----------------------------------------------------------------------------------------------

def _trajectory_actual_text(value, unit, label, source_type, source_title, kind) -> str:
    v = fmt.percent(value) if kind == "growth_rate" else fmt.value(value, unit)
    src = "部门报表示例数据（示例数据）" if source_type == "demo" else (source_title or {"published": "公开发布", "return": "部门报表"}.get(source_type, source_type or ""))
    return f"{fmt.period_label_zh(label)}：{v}<br>来源：{esc(str(src))}"


def indicator_chart_data(db, indicator: dict, targets: pd.DataFrame, st: pd.DataFrame, report_date: date,
                         known_at: date) -> dict:
    """What :func:`shiwu_lib.charts.trajectory` draws for one indicator (see there).

    Span targets (2023—2025, 2023—2027) give the target paths (from ``db.trajectory`` of the main
    target: the firm span target with the latest target year); the actual points and the projection
    come from the same call, as of the data date, cut at the report date, and the projection is the
    engine's ``projected`` value at the report date. Indicators with only single-year targets show
    the year-to-date actual values and each year's target as a bar marker.
    """
    name = indicator.get("name_zh") or targets["metric_zh"].iloc[0]
    spans = targets[[is_span(p) for p in targets["period"]]]
    # values come in the target's unit (万亩 even when the indicator is kept in 亩)
    unit_src = spans if len(spans) else targets
    if len(spans):
        firm_spans = spans[~spans["stretch"].astype(bool)]
        unit_src = (firm_spans if len(firm_spans) else spans).sort_values(["target_year", "target_id"], ascending=[False, True])
    unit = (unit_src["unit"].iloc[0] if len(unit_src) else "") or indicator.get("unit") or ""

    def in_unit(t) -> float:
        """A target's value in the chart's unit (targets of one indicator may be in 亩 and 万亩)."""
        if t["kind"] == "growth_rate" or t["unit"] == unit or _isnan(t.get("value_base")):
            return float(t["value"])
        try:
            return float(t["value_base"]) / units.to_base(1.0, unit)
        except Exception:  # noqa: BLE001 - unit outside the vocabulary: as written
            return float(t["value"])
    stt = st.set_index("target_id")
    data: dict = {"title": f"{short_label(name, 22)}（{unit}）" if unit else short_label(name, 26), "unit": unit, "paths": [], "annual": [],
                  "report_date": report_date, "demo": False}
    rd = pd.Timestamp(report_date)
    if len(spans):
        firm = spans[~spans["stretch"].astype(bool)]
        pool = firm if len(firm) else spans
        main = pool.sort_values(["target_year", "target_id"], ascending=[False, True]).iloc[0]
        tr = db.trajectory(main["target_id"], as_of=known_at)
        base = tr[tr["series"] == "baseline"]
        base_val = float(base["value"].iloc[0]) if len(base) else None
        if len(base):
            data["baseline"] = {"x": base["date"].iloc[0], "y": base_val,
                                "label": f"基期值（{base['period_label'].iloc[0]}年）：{fmt.value(base_val, unit)}"}
        for _, t in spans.sort_values(["stretch", "target_year", "target_id"]).iterrows():
            start = pd.Timestamp(int(str(t["period"])[:4]), 1, 1) - pd.Timedelta(days=1)
            end = pd.Timestamp(int(t["target_year"]), 12, 31)
            v = in_unit(t)
            if t["kind"] == "growth_rate":
                xs, ys = [start + pd.Timedelta(days=1), end], [v, v]
            elif t["kind"] == "cumulative_flow":
                xs, ys = [start, end], [0.0, v]
            elif base_val is not None and int(str(t["period"])[:4]) == int(str(main["period"])[:4]):
                xs, ys = [start, end], [base_val, v]
            else:
                xs, ys = [end], [v]
            prefix = "力争" if t["stretch"] else "目标"
            data["paths"].append({"name": f"{prefix}：{fmt.target_text(v, unit, t['comparator'], False)}（{int(t['target_year'])}年）",
                                  "x": xs, "y": ys, "stretch": bool(t["stretch"])})
        act = tr[(tr["series"] == "actual") & (tr["date"] <= rd)].copy()
        if main["kind"] == "growth_rate" and indicator.get("measure") in ("flow", "stock"):
            act = _derived_rates(db, main["indicator_id"], known_at, rd)
        if len(act):
            act["text"] = [_trajectory_actual_text(v, unit, lab, s, ti, main["kind"])
                           for v, lab, s, ti in zip(act["value"], act["period_label"], act["source_type"], act["source_title"])]
            data["demo"] = bool((act["source_type"] == "demo").any())
            if main["kind"] in ("level", "count", "share", "ratio") and indicator.get("measure") == "flow":
                # a level of a yearly flow (年开行数, 年营业收入) is compared on full-year values; the
                # year-to-date values of the current year are drawn apart, not joined to the line
                full = (act["date"].dt.month == 12) & (act["date"].dt.day == 31)
                last_full = act.loc[full, "date"].max() if full.any() else pd.Timestamp.min
                partial = act[~full & (act["date"] > last_full)]
                if len(partial):
                    data["partial"] = partial[["date", "value", "text"]].reset_index(drop=True)
                act = act[full]
            data["actual"] = act[["date", "value", "text"]].reset_index(drop=True)
        if len(act):
            if main["target_id"] in stt.index:
                srow = stt.loc[main["target_id"]]
                proj = srow["projected"]
                if not _isnan(proj) and srow["status"] != GREY:
                    last = act.iloc[-1]
                    end = pd.Timestamp(int(main["target_year"]), 12, 31)
                    if end > last["date"]:
                        data["projection"] = {"x": [last["date"], end], "y": [last["value"], float(proj)],
                                              "text": f"按当前进度预计{int(main['target_year'])}年：{fmt.value(proj, unit) if main['kind'] != 'growth_rate' else fmt.percent(proj)}"}
        # the 2025 midpoint target: a 2025 span target, else the firm path's value at end-2025
        t25 = spans[(spans["target_year"] == 2025) & ~spans["stretch"].astype(bool)]
        mid_x = pd.Timestamp(PLAN.midpoint_date)
        if len(t25):
            v = in_unit(t25.iloc[0])
            data["midpoint"] = {"x": mid_x, "y": v, "text": f"{MID}年目标：{fmt.target_text(v, unit, t25.iloc[0]['comparator'])}"}
        else:
            p = next((p for p in data["paths"] if not p["stretch"] and len(p["x"]) == 2), None)
            if p is not None and int(main["target_year"]) > 2025 and main["kind"] != "growth_rate":
                x0, x1 = p["x"]
                frac = (mid_x - x0) / (x1 - x0)
                if 0 < frac < 1:
                    v = p["y"][0] + (p["y"][1] - p["y"][0]) * frac
                    data["midpoint"] = {"x": mid_x, "y": v, "text": f"{MID}年末序时目标（{frac:.0%}）：{fmt.value(v, unit)}"}
        srow = stt.loc[main["target_id"]] if main["target_id"] in stt.index else None
        if srow is not None:
            data["subtitle"] = f"{fmt.status_zh(srow['status'])} · {srow['reason']}"
            data["status"] = srow["status"]
        data["from_zero"] = main["kind"] == "cumulative_flow"
    else:
        # single-year targets only: YTD actual values (line broken at each new year) and yearly targets
        acts = db.actuals(as_of=known_at, indicator_id=indicator["indicator_id"])
        if len(acts):
            acts = acts[acts["period_end"] <= rd].sort_values("period_end")
        pts = []
        prev_year = None
        for r in acts.itertuples(index=False):
            if prev_year is not None and r.year != prev_year:
                pts.append({"date": pd.NaT, "value": float("nan"), "text": ""})
            prev_year = r.year
            v = r.value
            if r.unit != unit:
                try:
                    if units.base_unit(unit) == r.base_unit:
                        v = r.value_base / units.to_base(1.0, unit)   # e.g. actuals in 亩, targets in 万亩
                except Exception:  # noqa: BLE001 - keep the value as reported
                    pass
            pts.append({"date": pd.Timestamp(r.period_end), "value": v,
                        "text": _trajectory_actual_text(v, unit, r.period_label, r.source_type, r.source_title, "")})
        if pts:
            data["actual"] = pd.DataFrame(pts)
            data["demo"] = bool((acts["source_type"] == "demo").any())
        xs, ys, texts = [], [], []
        for _, t in targets.sort_values(["target_year", "target_id"]).iterrows():
            end = progress.window_end(t["period"] if "-" not in str(t["period"]) else "FY", int(t["target_year"]))
            v = in_unit(t)
            xs.append(pd.Timestamp(end))
            ys.append(v)
            texts.append(f"{fmt.span_zh(t['period'], int(t['target_year']))}目标：{fmt.target_text(v, unit, t['comparator'], bool(t['stretch']))}")
        data["annual"].append({"name": "年度目标", "x": xs, "y": ys, "text": texts})
        firm = targets[~targets["stretch"].astype(bool)]
        if len(firm):
            yrs = pd.to_numeric(firm["target_year"])
            pick = firm[yrs == report_date.year]
            if pick.empty:
                pick = firm[yrs <= report_date.year].sort_values("target_year").tail(1)
            if pick.empty:
                pick = firm.sort_values("target_year").head(1)
            tid = pick.iloc[-1]["target_id"]
            if tid in stt.index:
                srow = stt.loc[tid]
                data["subtitle"] = f"{fmt.status_zh(srow['status'])} · {srow['metric_zh']}：{srow['reason']}"
                data["status"] = srow["status"]
    return data


def _derived_rates(db, indicator_id: str, known_at: date, rd) -> pd.DataFrame:
    """Year-on-year rates (%) computed from amounts, for growth targets on amount indicators."""
    from . import progress

    acts = db.actuals(as_of=known_at, indicator_id=indicator_id)
    obs = [progress.Observation(r.period_label, int(r.year), pd.Timestamp(r.period_end).date(), float(r.value), bool(r.ytd), r.source_type)
           for r in acts.itertuples(index=False)]
    rates = progress.growth_from_levels(obs)
    titles = dict(zip(acts["period_label"], acts["source_title"]))
    rows = [{"date": pd.Timestamp(o.period_end), "value": o.value, "period_label": o.period_label,
             "source_type": o.source_type, "source_title": titles.get(o.period_label, "")} for o in rates]
    df = pd.DataFrame(rows, columns=["date", "value", "period_label", "source_type", "source_title"])
    return df[df["date"] <= rd]


def chart_indicators(targets: pd.DataFrame) -> list[str]:
    """Indicators that get a five-year trajectory chart, in catalog order: those with a span target
    (五年目标 / 三年行动, e.g. 2023—2027) or with single-year targets in at least two years (每年…).
    Indicators with one year's targets only (most 2023 key tasks) are in the targets table."""
    t = targets.dropna(subset=["indicator_id"])
    out = []
    for iid, g in t.groupby("indicator_id", sort=False):
        if any(is_span(p) for p in g["period"]) or g.loc[g["period"].astype(str).str.upper() == "FY", "target_year"].nunique() >= 2:
            out.append(iid)
    first = {iid: i for i, iid in enumerate(t["indicator_id"])}
    return sorted(out, key=lambda i: (0 if any(is_span(p) for p in t.loc[t["indicator_id"] == i, "period"]) else 1, first[i]))


def tasks_frame(db, project_no: int, report_date: date) -> pd.DataFrame:
    """Key tasks with their latest progress row for periods up to the report date."""
    return db.task_progress(project_no, fmt.quarter_label(report_date))


def problems_frame(db, project_no: int, report_date: date) -> pd.DataFrame:
    """The problem list (问题销号) as it stood at the report date: the latest row per problem."""
    return db.problems(project_no, fmt.quarter_label(report_date))


def source_cell(is_demo, source_types="", derived=False) -> str:
    """来源 column: the red 示例数据 label for demo values, else 公开发布 / 部门报表; 推算 for a value
    computed from published parts (e.g. 进口 = 进出口 − 出口)."""
    if bool(is_demo):
        return demo_badge()
    st = str(source_types or "")
    tail = "（推算）" if derived is True or (not _isnan(derived) and bool(derived)) else ""
    if "return" in st:
        return "部门报表" + tail
    if "published" in st:
        return "公开发布" + tail
    return ""


def _targets_table(st: pd.DataFrame, attr: str = "targets") -> str:
    cols = [
        ("目标", lambda r: esc(str(r["metric_zh"])) + ("" if not r["stretch"] or "力争" in str(r["metric_zh"]) else ' <span class="shiwu-sub">（力争）</span>')),
        ("目标值", lambda r: esc(target_label(r))),
        ("最新实际", lambda r: esc(actual_text(r)) + (f'<br><span class="shiwu-sub">{esc(fmt.period_label_zh(r["latest_period"]))}</span>'
                                                    if not _isnan(r["latest_period"]) else ""), True),
        ("完成", lambda r: esc(fmt.share(r["completion"])) if r["kind"] != "growth_rate" else "—", True),
        ("序时进度", lambda r: esc(time_progress_text(r)) if r["kind"] != "growth_rate" else "—", True),
        ("灯", lambda r: light_cell(r["status"])),
        ("说明", lambda r: esc(str(r["reason"] or ""))),
        ("来源", lambda r: source_cell(r["is_demo"], r.get("source_types"), r.get("derived", False))),
    ]
    return html_table(st, cols, attrs=f'data-table="{attr}"')


def targets_sections(st: pd.DataFrame, report_date: date) -> str:
    """The project's targets: in play at the report date (open), ended and not yet begun (folded)."""
    if st.empty:
        return empty_state("该工程没有量化目标。")
    st = st.assign(_s=st["section"].map(SECTION_ORDER).fillna(9), _span=[0 if is_span(p) else 1 for p in st["period"]])
    st = st.sort_values(["_s", "_span", "target_year", "stretch", "target_id"])
    starts = pd.Series([span_start(p, a, b) for p, a, b in zip(st["period"], st["start_year"], st["target_year"])], index=st.index)
    ended = pd.to_numeric(st["target_year"]) < report_date.year
    future = starts > report_date.year
    play = ~ended & ~future
    parts = []
    if play.any():
        parts.append(f'<h3>在推进的目标（{int(play.sum())}项）</h3>' + _targets_table(st[play], "targets"))
    else:
        parts.append(empty_state("本报告期没有在推进的目标。"))
    if ended.any():
        parts.append(f'<details><summary class="shiwu-note" style="font-size:17px;cursor:pointer">已到期的目标（{int(ended.sum())}项，'
                     f'目标年份早于{report_date.year}年；点击展开）</summary>{_targets_table(st[ended], "targets-ended")}</details>')
    if future.any():
        parts.append(f'<details><summary class="shiwu-note" style="font-size:17px;cursor:pointer">尚未开始的目标（{int(future.sum())}项，'
                     f'点击展开）</summary>{_targets_table(st[future], "targets-future")}</details>')
    return "".join(parts)


def midpoint_with_demo(db, known_at: date, project_no: int | None = None) -> pd.DataFrame:
    """``db.midpoint_check`` with the data as known at ``known_at`` plus an ``is_demo`` column."""
    mp = db.midpoint_check(project_no=project_no, as_of=known_at).copy()
    st = db.status(as_of=min(known_at, PLAN.midpoint_date), project_no=project_no, known_at=known_at)
    demo_ids = set(st.loc[st["is_demo"].fillna(False).astype(bool), "target_id"])
    mp["is_demo"] = mp["target_id"].isin(demo_ids)
    return mp


def _midpoint_rows_table(mp: pd.DataFrame, with_project: bool = False) -> str:
    cols = []
    if with_project:
        cols.append(("工程", lambda r: esc(project_label(r["project_no"], r["project_short"]))))
    cols += [
        ("目标", lambda r: esc(str(r["metric_zh"])) + ("（力争）" if bool(r.get("stretch")) and "力争" not in str(r["metric_zh"]) else "")),
        ("目标值", lambda r: esc(target_label(r))),
        (f"{MID}年末实际", lambda r: esc(actual_text(r)), True),
    ]
    return cols


def _midpoint_tables(mp: pd.DataFrame, with_project: bool = False) -> str:
    if mp.empty:
        return empty_state(f"没有{MID}年目标或{FINAL}年目标。")
    base = _midpoint_rows_table(mp, with_project)
    t25 = mp[mp["check"] == "target_2025"]
    t27 = mp[mp["check"] == "span_2027"]

    def met_cell(r):
        if r["met"] is True or r["met"] == True:  # noqa: E712 - pandas object column
            return '<b style="color:#2e9d4c">✓ 已完成</b>'
        if r["met"] is False or r["met"] == False:  # noqa: E712
            return '<b style="color:#d63a2f">✗ 未完成</b>'
        return '<span style="color:#888">暂无数据</span>'

    def gap_cell(r):
        if _isnan(r["gap"]):
            return "—"
        if float(r["gap"]) <= 0:
            return "已达到"
        return esc(fmt.pp(r["gap"]) if r["kind"] == "growth_rate" else fmt.value(r["gap"], r["unit"]))

    def track_cell(r):
        if r["on_track"] is True or r["on_track"] == True:  # noqa: E712
            return '<b style="color:#2e9d4c">达到序时</b>'
        if r["on_track"] is False or r["on_track"] == False:  # noqa: E712
            return '<b style="color:#d63a2f">落后序时</b>'
        return '<span style="color:#888">暂无数据</span>'

    def demo_cell(r):
        return demo_badge() if bool(r.get("is_demo")) else ""

    parts = []
    if len(t25):
        n_met = int((t25["met"] == True).sum())  # noqa: E712
        n_miss = int((t25["met"] == False).sum())  # noqa: E712
        parts.append(f'<h3>{MID}年目标完成情况（{len(t25)}项：完成{n_met}项，未完成{n_miss}项，'
                     f'暂无数据{len(t25) - n_met - n_miss}项）</h3>')
        parts.append(html_table(t25, base + [("是否完成", met_cell), ("差距", gap_cell, True),
                                             ("说明", lambda r: esc(str(r["reason_zh"] or ""))), ("来源", demo_cell)],
                                attrs='data-table="midpoint-2025"'))
    if len(t27):
        n_ok = int((t27["on_track"] == True).sum())  # noqa: E712
        parts.append(f'<h3>{FINAL}年目标中期进度（{len(t27)}项，{n_ok}项为绿灯：达到序时进度且预计如期完成）</h3>')
        parts.append(html_table(t27, base + [
            (f"{MID}年末完成", lambda r: esc(fmt.share(r["completion"])) if r["kind"] != "growth_rate" else "—", True),
            ("应达到", lambda r: esc(fmt.share(r["expected_progress"])) if r["kind"] != "growth_rate" else "达到目标增速", True),
            ("快(+)/慢(−)", lambda r: esc(fmt.signed_pp(r["midpoint_ahead_pp"])) if r["kind"] != "growth_rate" else gap_cell(r), True),
            ("判断", track_cell), ("说明", lambda r: esc(str(r["reason_zh"] or ""))), ("来源", demo_cell)],
            attrs='data-table="midpoint-2027"'))
    return "".join(parts)


def _tasks_table(tasks: pd.DataFrame) -> str:
    def status_cell(r):
        s = r["status"]
        if _isnan(s):
            return '<span style="color:#888">未报送</span>'
        c = TASK_STATUS_COLOURS.get(s, "#444")
        return f'<b style="color:{c};white-space:nowrap">{esc(str(s))}</b>'

    def pct_cell(r):
        return "—" if _isnan(r["progress_pct"]) else fmt.percent(r["progress_pct"], 0)

    cols = [
        ("序号", lambda r: "" if _isnan(r["seq"]) else f'{int(r["year"])}-{int(r["seq"])}', True),
        ("重点工作", lambda r: esc(str(r["text_zh"])) if not _isnan(r["text_zh"]) else esc(str(r["task_id"]))),
        ("完成时限", lambda r: "" if _isnan(r["due"]) else esc(str(r["due"]))),
        ("状态", status_cell),
        ("进度", pct_cell, True),
        ("进展情况", lambda r: "" if _isnan(r["progress_text"]) else esc(str(r["progress_text"]))),
        ("牵头单位", lambda r: "" if _isnan(r["lead_unit"]) else esc(str(r["lead_unit"]))),
        ("来源", lambda r: source_cell(r["source_type"] == "demo", r["source_type"])),
    ]
    return html_table(tasks, cols, attrs='data-table="tasks"')


def _problems_table(pr: pd.DataFrame, report_date: date) -> str:
    def state(r):
        if bool(r["struck_off"]):
            return '<b style="color:#2e9d4c">已销号</b>'
        due = r["due"]
        if not _isnan(due) and pd.Timestamp(due).date() < report_date:
            return '<b style="color:#d63a2f">逾期未销号</b>'
        return '<b style="color:#e0a800">未销号</b>'

    def overdue(r):
        due = r["due"]
        return "shiwu-overdue" if (not bool(r["struck_off"]) and not _isnan(due) and pd.Timestamp(due).date() < report_date) else ""

    cols = [
        ("问题清单", lambda r: esc(str(r["problem_text"]))),
        ("销号时限", lambda r: "" if _isnan(r["due"]) else esc(fmt.date_zh(pd.Timestamp(r["due"]).date()))),
        ("销号状态", state),
        ("进展情况", lambda r: "" if _isnan(r["progress_text"]) else esc(str(r["progress_text"]))),
        ("责任单位", lambda r: "" if _isnan(r["responsible"]) else esc(str(r["responsible"]))),
        ("来源", lambda r: source_cell(r["source_type"] == "demo", r["source_type"])),
    ]
    return html_table(pr, cols, row_class=overdue, attrs='data-table="problems"')


def _project_body(page: _Page, project_no: int, report_date: date) -> list:
    from . import charts

    db = _open_db()
    try:
        known = data_known_at(db)
        proj = db.projects().set_index("project_no").loc[int(project_no)]
        st = db.status(as_of=report_date, project_no=project_no, known_at=known)
        targets = db.targets(project_no)
        inds = db.indicators(project_no)
        mp = midpoint_with_demo(db, known, project_no)
        eq = earliest_data_quarter(db)
        first_q = fmt.quarter_zh(eq) if eq else ""
        tasks = tasks_frame(db, project_no, report_date)
        problems = problems_frame(db, project_no, report_date)
        order = chart_indicators(targets)
    finally:
        db.close()

    play = firm_in_play(st, report_date)
    light = project_light(play["status"])
    counts = light_counts(play["status"])
    any_demo = bool(st["is_demo"].fillna(False).astype(bool).any())
    name = str(proj["name_zh"])
    convenors = "、".join(list(proj["convenors"])) if proj["convenors"] is not None else ""
    resp = "、".join(list(proj["responsible_units"])) if proj["responsible_units"] is not None else ""
    link = project_link(project_no, report_date)
    out = [page.html(
        f'<div class="shiwu-project" data-project="{int(project_no)}" data-status="{light}" data-name="{esc(name)}" '
        f'data-report-date="{report_date.isoformat()}" data-known-at="{known.isoformat()}">'
        f'<h2 style="border-left-color:{STATUS_COLOURS[light]}">{fmt.cn_number(int(project_no))}、{esc(name)} {light_chip(light)}</h2>'
        f'<div class="shiwu-kv"><b>召集人：</b>{esc(convenors)}　<b>牵头单位：</b>{esc(str(proj["lead_unit"]))}</div>'
        f'<div class="shiwu-kv"><b>责任单位：</b>{esc(resp)}</div>'
        f'<div class="shiwu-note">报告期：{fmt.quarter_zh(report_date)}末；数据截至{fmt.date_zh(known)}。'
        f'在推进的约束性目标{len(play)}项：绿{counts[GREEN]} 黄{counts[YELLOW]} 红{counts[RED]} 灰{counts[GREY]}。'
        f'本页链接：<a href="{esc(link)}" data-permalink="true">{esc(link)}</a></div>'
        + (f'<div class="shiwu-banner">{demo_badge()} 本页部分数值来自演示用的部门报表示例数据，并非真实统计。</div>' if any_demo else "")
        + "</div>")]

    # gap to target
    out.append(page.html("<h2>距目标差距</h2>"))
    g = play[(play["status"] != GREY) & play["gap"].notna()].copy()
    if g.empty:
        out.append(page.html(empty_state(f"该报告期尚无在推进目标的数据：最早的季度数据为{first_q}。" if first_q
                                         else "该报告期尚无在推进目标的数据：数据库中尚无实际值。")))
    else:
        g["gap_pct"] = [gap_share(a, b) for a, b in zip(g["gap"], g["target_value"])]
        g = g[g["gap_pct"].notna()]
        g["label"] = [short_label(m if str(int(y)) in str(m) else f"{m}（{int(y)}）", 20) for m, y in zip(g["metric_zh"], g["target_year"])]
        g["hover"] = [f"{m}<br>目标：{target_label(r)}<br>实际：{actual_text(r)}<br>{fmt.status_zh(r['status'])} · {r['reason']}"
                      for m, (_, r) in zip(g["metric_zh"], g.iterrows())]
        fig = charts.gap_to_target(g, f"{fmt.cn_number(int(project_no))} {proj['short_zh']}：各目标距目标还差多少（占目标值%）",
                                   demo=bool(g["is_demo"].fillna(False).astype(bool).any()))
        out.append(page.figure(fig))

    out.append(page.html(f"<h2>指标走势（{PLAN.span_zh}）</h2>"
                         f'<div class="shiwu-note">实线：目标路径；虚线：“力争”目标；点线：按当前进度预计；星号：{MID}年中期目标；'
                         "红色竖线：报告期。鼠标悬停可查看数值、单位、期别和来源。</div>"))
    if order:
        loading = '<div class="shiwu-page"><div class="shiwu-note" data-loading="trajectory">正在生成走势图…</div></div>'
        slots = [page.slot(message=loading) for _ in order]
        for o in slots:
            o.add_class("shiwu-trajectory")
        grid = page.w.GridBox(slots, layout=page.w.Layout(grid_template_columns="repeat(2, minmax(0, 1fr))", width="100%",
                                                          grid_gap="8px", flex="0 0 auto"))
        out.append(grid)
        page.defer(_fill_trajectories, page, slots, project_no, order, targets, inds, st, report_date, known)
    else:
        out.append(page.html(empty_state("该工程没有关联指标的量化目标。")))

    out.append(page.html("<h2>目标一览</h2>" + legend_html() + targets_sections(st, report_date)))

    out.append(page.html(f"<h2>{MID}年中期评估</h2>" + _midpoint_tables(mp)))

    out.append(page.html("<h2>重点任务进度</h2>" + (_tasks_table(tasks) if len(tasks) else empty_state("尚无重点任务。"))))
    n_open = int((~problems["struck_off"].astype(bool)).sum()) if len(problems) else 0
    out.append(page.html(f"<h2>问题销号（未销号{n_open}项 / 共{len(problems)}项）</h2>"
                         + (_problems_table(problems, report_date) if len(problems) else empty_state("该报告期尚无报送的问题清单。"))))
    return out


def _fill_trajectories(page: _Page, slots: list, project_no: int, order: list[str], targets: pd.DataFrame,
                       inds: pd.DataFrame, st: pd.DataFrame, report_date: date, known: date) -> None:
    """Draw the trajectory charts of a project into the slots made for them (deferred part of the
    project page: it only fills widgets that existed when the page was sent)."""
    import time

    from . import charts

    t0 = time.perf_counter()
    ind_by_id = {r["indicator_id"]: r for r in inds.to_dict("records")}
    db = _open_db()
    try:
        for slot, iid in zip(slots, order):
            tg = targets[targets["indicator_id"] == iid]
            try:
                data = indicator_chart_data(db, ind_by_id.get(iid, {"indicator_id": iid}), tg, st, report_date, known)
                page.fill(slot, charts.trajectory(data))
            except Exception:  # noqa: BLE001 - one chart failing must not take the page down
                log.exception("trajectory of %s failed", iid)
                name = ind_by_id.get(iid, {}).get("name_zh", iid)
                page.fill(slot, html_text='<div class="shiwu-page">' + error_state(f"{name}：走势图生成出错（已记录日志）。") + "</div>")
    finally:
        db.close()
    log.info("trajectories of project %s: %d charts in %.2f s", project_no, len(slots), time.perf_counter() - t0)


def project_page():
    """工程详情: one project (``?project=N``, selector), its targets, charts, tasks and problems."""
    page = _start_page("project", "“十项重大工程” 工程详情", f"五年目标轨迹 · 距目标差距 · {MID}年中期评估 · 重点任务 · 问题销号")
    params = query_params()
    try:
        db = _open_db()
        try:
            projects = db.projects()
            dates = db.report_dates()
            default = default_report_date(db, dates)
        finally:
            db.close()
    except Exception as exc:  # noqa: BLE001
        log.exception("project page: cannot open the store")
        page.show_error(exc)
        return
    nos = [int(n) for n in projects["project_no"]]
    try:
        project_no = int(params.get("project", nos[0]))
    except ValueError:
        project_no = nos[0]
    if project_no not in nos:
        project_no = nos[0]
    chosen = _parse_date(params.get("as_of"), dates) or default
    dd_p, lab_p = page.dropdown("工程", [(project_option(n, s), n)
                                        for n, s in zip(projects["project_no"], projects["short_zh"])], project_no, "260px")
    dd_d, lab_d = page.dropdown("报告期", report_date_options(dates), chosen.isoformat())
    back = page.w.HTML('<a class="shiwu-link" href="01_overview.ipynb">← 返回总览</a>')
    page.controls.children = [lab_p, dd_p, lab_d, dd_d, back]
    page.controls.add_class("shiwu-controls")

    def redraw(_change=None):
        try:
            page.run(_project_body, page, int(dd_p.value), date.fromisoformat(dd_d.value))
        except Exception:  # noqa: BLE001
            log.exception("project callback failed")

    dd_p.observe(redraw, names="value")
    dd_d.observe(redraw, names="value")
    redraw()


# ----------------------------------------------------------------------------------------------
# 中期评估 (midpoint)
# ----------------------------------------------------------------------------------------------

def _midpoint_body(page: _Page) -> list:
    from . import charts

    db = _open_db()
    try:
        known = data_known_at(db)
        mp = midpoint_with_demo(db, known)
    finally:
        db.close()
    any_demo = bool(mp["is_demo"].any())
    out = []
    head = (f'<div class="shiwu-note" data-known-at="{known.isoformat()}">评估时点：{fmt.date_zh(PLAN.midpoint_date)}（时间过去{MID_SHARE:.0%}）；'
            f"数据截至{fmt.date_zh(known)}（含{MID + 1}年发布的{MID}年全年数据）。</div>")
    if any_demo:
        head += f'<div class="shiwu-banner">{demo_badge()} 本页部分数值来自演示用的部门报表示例数据，并非真实统计。</div>'
    out.append(page.html(head))
    if known < PLAN.midpoint_date:
        out.append(page.html(empty_state(f"{MID}年尚未结束或尚无{MID}年全年数据：当前数据截至{fmt.date_zh(known)}，以下为截至该日的进度。")))
    t25 = mp[mp["check"] == "target_2025"]
    t27 = mp[mp["check"] == "span_2027"]
    firm25 = t25[~t25["stretch"].astype(bool)]
    n_met = int((firm25["met"] == True).sum())  # noqa: E712
    n_miss = int((firm25["met"] == False).sum())  # noqa: E712
    firm27 = t27[~t27["stretch"].astype(bool)]
    n_ok = int((firm27["on_track"] == True).sum())  # noqa: E712
    n_behind = int((firm27["on_track"] == False).sum())  # noqa: E712
    out.append(page.html(
        '<div class="shiwu-cards" style="grid-template-columns:repeat(4,minmax(0,1fr))" data-summary="midpoint">'
        f'<div class="shiwu-card" data-kpi="met-2025" style="border-top-color:{STATUS_COLOURS[GREEN]}"><div class="shiwu-metric">{MID}年目标已完成</div><div class="shiwu-big">{n_met}项</div><div class="shiwu-small">约束性目标共{len(firm25)}项</div></div>'
        f'<div class="shiwu-card" data-kpi="missed-2025" style="border-top-color:{STATUS_COLOURS[RED]}"><div class="shiwu-metric">{MID}年目标未完成</div><div class="shiwu-big">{n_miss}项</div><div class="shiwu-small">暂无数据{len(firm25) - n_met - n_miss}项</div></div>'
        f'<div class="shiwu-card" data-kpi="ontrack-2027" style="border-top-color:{STATUS_COLOURS[GREEN]}"><div class="shiwu-metric">{FINAL}年目标绿灯（达到序时且预计如期完成）</div><div class="shiwu-big">{n_ok}项</div><div class="shiwu-small">约束性目标共{len(firm27)}项</div></div>'
        f'<div class="shiwu-card" data-kpi="behind-2027" style="border-top-color:{STATUS_COLOURS[RED]}"><div class="shiwu-metric">2027年目标落后序时</div><div class="shiwu-big">{n_behind}项</div><div class="shiwu-small">暂无数据{len(firm27) - n_ok - n_behind}项</div></div>'
        "</div>"))
    c = t27[(t27["kind"] != "growth_rate") & t27["completion"].notna()].copy()
    out.append(page.html("<h2>2027年目标：2025年末完成程度</h2>"))
    if c.empty:
        out.append(page.html(empty_state("尚无2027年目标在2025年末的数据。")))
    else:
        c["label"] = [short_label(f"{project_label(n, s)}·{m}", 24) for n, s, m in zip(c["project_no"], c["project_short"], c["metric_zh"])]
        c["on_track"] = c["on_track"].astype(bool)
        c["hover"] = [f"{r['metric_zh']}<br>目标：{target_label(r)}<br>2025年末：{actual_text(r)}（完成{fmt.share(r['completion'])}）"
                      f"<br>{'达到' if r['on_track'] else '落后'}序时进度{fmt.share(r['expected_progress'])}" for _, r in c.iterrows()]
        exp = float(c["expected_progress"].mode().iloc[0]) if len(c) else 0.6
        out.append(page.figure(charts.midpoint_completion(c, expected=exp, demo=bool(c["is_demo"].any()))))
        out.append(page.html('<div class="shiwu-note">绿色：2025年末完成程度达到序时进度（2023—2027年目标为60%）；红色：落后。'
                             "增速类目标按是否达到目标增速判断，见下表。</div>"))
    out.append(page.html("<h2>逐项评估</h2>" + _midpoint_tables(mp, with_project=True)))
    return out


def midpoint_page():
    """中期评估: every 2025 target met or missed, every 2027 target's completion at end-2025 vs 60 %."""
    page = _start_page("midpoint", "“十项重大工程” 2025年中期评估", "三年行动目标是否完成 · 五年目标是否达到60%序时进度")
    page.run(_midpoint_body, page)
