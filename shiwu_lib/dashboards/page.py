"""The widget frame every live page uses: header, controls, a body redrawn on each change, figure
slots filled after the cell returns, the address bar kept in step with the selectors.

Each render opens the store read-only (``sw.open()``) and closes it in ``finally``; a rebuilt store
(atomic rename) is picked up on the next render. Exceptions inside a render or a callback are logged
with their traceback to Voila's log and the page shows a short Chinese message instead.

First chart first: a render returns only what the page shows down to its first chart; the rest is
handed to :meth:`Page.after_first_chart` as a list of steps (one chart or table each) that run once the
browser says it has drawn that chart (a small script types the render's number into a hidden text
widget) or after :data:`FIRST_CHART_FALLBACK_S` seconds, whichever comes first. Until then the kernel
stays idle, so it answers the widget manager's state request at once (deferred work run right after
the cell used to hold that answer, and with it the first chart, until every chart was built). The
steps run one per turn of the kernel's event loop; a step that fails puts a Chinese line into its
slot, so no slot keeps its 正在加载 note forever.
"""
from __future__ import annotations

import json
import os
import time
from datetime import date
from urllib.parse import urlencode

import pandas as pd

from .. import charts
from ..report import CONTACT, GREEN, PLAN, RED
from .components import PAGE_CSS, PRINT_FIT_JS, error_state, esc
from .kernel import log, setup_logging, wait_for_visit

# Seconds after a render at which its deferred steps start even if the browser never said that it
# drew the first chart (no script run, a closed tab): the slots are filled either way.
FIRST_CHART_FALLBACK_S = 10.0
# The browser side of :meth:`Page.after_first_chart`: wait until the chart marked ``selector`` has an
# SVG (or ``wait_ms`` passed: a page without a chart), then type the render's token into the hidden
# text widget (its ``input`` event syncs the value to the kernel).
BEACON_JS = """(function(){var t0=Date.now(),tok=%s,sel=%s,wait=%d;
function send(){var el=document.querySelector('.shiwu-beacon input');if(!el){return false;}
el.value=tok;el.dispatchEvent(new Event('input',{bubbles:true}));el.dispatchEvent(new Event('change',{bubbles:true}));return true;}
function drawn(){return !!(sel&&document.querySelector(sel+' .js-plotly-plot .main-svg'));}
function tick(){if((drawn()||Date.now()-t0>wait)&&send()){return;}if(Date.now()-t0<120000){setTimeout(tick,40);}}
setTimeout(tick,0);})();"""


def open_db():
    """Open the store read-only for one render."""
    import shiwu_lib as sw

    return sw.open()


def figure_bundle(fig) -> dict:
    """The mime bundle Plotly's ``plotly_mimetype`` renderer would send, built without importing
    ``plotly.io._renderers`` (nbformat → jsonschema: ~3.5 s on the first chart of a fresh kernel),
    with the suite's chart config (Chinese locale, a toolbar with only the PNG download)."""
    from plotly.io._json import to_json

    d = json.loads(to_json(fig, validate=False, remove_uids=False))
    d["config"] = charts.plot_config()
    return {"application/vnd.plotly.v1+json": d}


def warm_up() -> None:
    """Build and serialise one figure of each kind with dummy data, so a preheated kernel has the
    Plotly validators and JSON encoder loaded before the visit."""
    try:
        d = pd.DataFrame({"label": ["一", "二"], "score": [1.0, -1.0], "status": [GREEN, RED], "hover": ["", ""],
                          "gap_pct": [10.0, 20.0], "completion": [0.5, 0.7], "on_track": [False, True]})
        ts = pd.Timestamp
        figs = [charts.ranking_bars(d, demo=True), charts.gap_to_target(d, "t"), charts.midpoint_completion(d),
                charts.trajectory({"title": "t", "unit": "亿元", "paths": [{"name": "p", "x": [ts("2022-12-31"), ts("2027-12-31")], "y": [0.0, 1.0]}],
                                   "band": {"x": [ts("2022-12-31"), ts("2027-12-31")], "upper": [0.0, 1.0], "lower": [0.0, 0.9], "name": "b"},
                                   "annual": [{"name": "a", "x": [ts("2023-12-31")], "y": [1.0]}],
                                   "baseline": {"x": ts("2022-12-31"), "y": 0.0, "label": ""},
                                   "actual": pd.DataFrame({"date": [ts("2023-03-31")], "value": [1.0], "text": [""]}),
                                   "projection": {"x": [ts("2023-03-31"), ts("2027-12-31")], "y": [1.0, 2.0], "text": ""},
                                   "midpoint": {"x": ts("2025-12-31"), "y": 1.0, "text": "", "kind": "target", "name": "m"},
                                   "report_date": PLAN.first_report_date, "demo": True, "integer_ticks": True})]
        for f in figs:
            figure_bundle(f)
    except Exception:  # noqa: BLE001 - warming up is optional
        log.exception("warm-up failed")


def callback_error_html(what: str = "操作") -> str:
    """The one Chinese line a viewer sees when a widget callback fails."""
    return (f'<div class="shiwu-page">{error_state(f"{what}出错，请刷新页面后重试；如仍出错请联系{CONTACT}。（错误详情已记录在服务日志中）")}'
            '</div>').replace('class="shiwu-page">', 'class="shiwu-page" data-callback-error="true">', 1)


class Page:
    """A page: a header, controls and a body redrawn on every change (errors shown in Chinese).

    ``run(render, ...)`` replaces the body with what the page shows down to its first chart; the
    rest a render hands to :meth:`after_first_chart` (the other trajectory charts of a project, the
    tables) is filled in after the browser has drawn that chart, on the kernel's event loop. A later
    render makes pending deferred work of an earlier one a no-op.
    """

    def __init__(self, title: str, subtitle: str):
        import ipywidgets as w

        self.w = w
        self.title = title
        self.header = w.HTML(PAGE_CSS + f'<div class="shiwu-page"><h1>{esc(title)}</h1><div class="shiwu-sub">{esc(subtitle)}</div></div>')
        self.controls = w.HBox([])
        self.controls.add_class("shiwu-controls")
        self.body = w.VBox([], layout=w.Layout(width="100%"))
        self.status = w.HTML("")
        self.script = w.Output(layout=w.Layout(height="0px", overflow="hidden"))
        # after_first_chart: the browser types the render's number here once its first chart is drawn
        self.beacon = w.Text(value="", layout=w.Layout(display="none"))
        self.beacon.add_class("shiwu-beacon")
        self.beacon.add_class("shiwu-noprint")
        self.beacon_script = w.Output(layout=w.Layout(height="0px", overflow="hidden"))
        self.root = w.VBox([self.header, self.controls, self.status, self.body, self.script, self.beacon, self.beacon_script],
                           layout=w.Layout(width="auto", padding="0 12px 0 0"))
        self.root.add_class("shiwu-page")
        self.root.add_class("shiwu-root")
        self.generation = 0
        self._pending = None          # (generation, start) of the steps waiting for the first chart
        self.beacon.observe(self._on_beacon, names="value")

    def html(self, value: str):
        return self.w.HTML('<div class="shiwu-page">' + value + "</div>", layout=self.w.Layout(width="100%", flex="0 0 auto"))

    def figure(self, fig, caption: str = "", head: str = ""):
        """An Output widget holding the figure (set directly, no output capture: safe anywhere);
        ``head`` (a heading) is part of it, so a printed page never ends with the heading alone."""
        out = self.slot()
        self.fill(out, fig, caption=caption, head=head)
        return out

    def slot(self, height: int = 450, message: str = ""):
        """An Output widget to be filled later by :meth:`fill` (deferred work only *updates* widgets
        created before the cell ended)."""
        out = self.w.Output(layout=self.w.Layout(width="100%", min_height=f"{int(height)}px", flex="0 0 auto"))
        out.add_class("shiwu-chart")
        if message:
            out.outputs = ({"output_type": "display_data", "data": {"text/html": message}, "metadata": {}},)
        return out

    def fill(self, out, fig=None, html_text: str | None = None, caption: str = "", head: str = "") -> None:
        """Put a figure (a heading over it, a caption under it) or an HTML message into an existing :meth:`slot`."""
        if fig is not None:
            out.layout.min_height = f"{int(fig.layout.height or 450)}px"
            outputs = [{"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}}]
            if head:
                outputs.insert(0, {"output_type": "display_data", "data": {"text/html": f'<div class="shiwu-page" data-chart-head="true">{head}</div>'},
                                   "metadata": {}})
            if caption:
                outputs.append({"output_type": "display_data", "data": {"text/html": f'<div class="shiwu-page">{caption}</div>'}, "metadata": {}})
            out.outputs = tuple(outputs)
        else:
            out.outputs = ({"output_type": "display_data", "data": {"text/html": html_text or ""}, "metadata": {}},)

    def dropdown(self, label: str, options, value, width: str = "320px"):
        dd = self.w.Dropdown(options=options, value=value, layout=self.w.Layout(width=width, max_width="100%"))
        dd.add_class("shiwu-select")
        lab = self.w.HTML(f'<span style="font-size:18px;font-weight:700">{esc(label)}</span>')
        return dd, lab

    def set_url(self, params: dict) -> None:
        """Keep the address bar in step with the selectors (``history.replaceState``), so a copied
        link reproduces the view; the page title follows too."""
        qs = urlencode({k: v for k, v in params.items() if v is not None})
        js = (f"try{{var u=new URL(window.location.href);u.search={json.dumps(qs)};"
              f"window.history.replaceState(null,'',u.toString());document.title={json.dumps(self.title)};}}catch(e){{}}"
              + PRINT_FIT_JS)   # charts redrawn at their printed width before printing
        self.script.outputs = ({"output_type": "display_data", "data": {"application/javascript": js}, "metadata": {}},)

    def show_error(self, exc: BaseException):
        if isinstance(exc, FileNotFoundError):
            msg = "数据库尚未生成：请先运行 shiwu build（或 make serve）后刷新本页。"
        else:
            msg = f"页面数据加载出错，请稍后刷新；如仍出错请联系{CONTACT}。（错误详情已记录在服务日志中）"
        self.body.children = [self.html(error_state(msg))]

    def callback(self, fn, what: str = "操作"):
        """``fn`` wrapped for a widget callback (``observe`` / ``on_click``): an exception is logged with
        its traceback to Voila's log and the viewer sees one Chinese line in the status bar (never a
        traceback; ipywidgets would otherwise print it under the widget)."""
        def wrapped(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 - a dashboard never shows a traceback
                log.exception("callback %s failed", getattr(fn, "__name__", fn))
                self.status.value = callback_error_html(what)
                return None

        wrapped.__name__ = getattr(fn, "__name__", "callback")
        return wrapped

    def first_chart(self, out):
        """Mark ``out`` (a :meth:`figure` / :meth:`slot`) as the chart :meth:`after_first_chart` waits for."""
        out.add_class(f"shiwu-first-{self.generation}")
        return out

    def after_first_chart(self, steps, cleanup=None, fallback_s: float | None = None, wait_ms: int = 1500) -> None:
        """Run ``steps`` — ``(fn, on_error)`` pairs; ``on_error`` (or None) fills the step's slot with a
        Chinese line when ``fn`` raises — one per turn of the event loop, once the browser has drawn
        the chart marked by :meth:`first_chart` (or ``wait_ms`` after the page arrived when none is
        marked), at the latest ``fallback_s`` seconds from now. A later render makes the remaining
        steps a no-op. ``cleanup()`` (closing the store a step opened) runs after the last step or
        when the steps are dropped. Outside a kernel (no event loop) they run at once."""
        gen = self.generation
        todo = list(steps)
        t0 = time.perf_counter()
        state = {"started": False}

        def finish():
            if cleanup is not None:
                try:
                    cleanup()
                except Exception:  # noqa: BLE001
                    log.exception("cleanup of render %d failed", gen)

        def step():
            if gen != self.generation or not todo:
                if todo:
                    log.info("steps of render %d dropped: a newer render replaced the body", gen)
                else:
                    log.info("render %d: deferred steps done %.2f s after the render", gen, time.perf_counter() - t0)
                finish()
                return
            fn, on_error = todo.pop(0)
            try:
                fn()
            except Exception:  # noqa: BLE001 - logged; the slot says what failed
                log.exception("deferred step %s failed", getattr(fn, "__name__", fn))
                if on_error is not None:
                    try:
                        on_error()
                    except Exception:  # noqa: BLE001
                        log.exception("deferred step %s: the error message failed too", getattr(fn, "__name__", fn))
            if loop is not None:
                loop.call_soon(step)

        def start(reason: str):
            if state["started"] or gen != self.generation:
                return
            state["started"] = True
            self._pending = None
            log.info("render %d: first chart %s after %.2f s; %d deferred steps", gen, reason, time.perf_counter() - t0, len(todo))
            if loop is None:
                while todo:
                    step()
                finish()
            else:
                loop.call_soon(step)

        loop = _kernel_loop()
        if loop is None:
            start("(no event loop)")
            return
        self._pending = (gen, start)
        sel = f".shiwu-first-{gen}"
        js = BEACON_JS % (json.dumps(str(gen)), json.dumps(sel), int(wait_ms))
        self.beacon_script.outputs = ({"output_type": "display_data", "data": {"application/javascript": js}, "metadata": {}},)
        loop.call_later(FIRST_CHART_FALLBACK_S if fallback_s is None else fallback_s, start, "not reported (fallback)")

    def _on_beacon(self, change):
        try:
            pending = self._pending
            if pending is not None and str(change.get("new")) == str(pending[0]):
                pending[1]("drawn in the browser")
        except Exception:  # noqa: BLE001 - a dashboard never shows a traceback
            log.exception("beacon failed")

    def run(self, render, *args):
        """Call ``render(*args)`` -> list of widgets; on failure log the traceback and show a message."""
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


def _kernel_loop():
    """The running event loop of the IPython kernel this page runs in, or None outside a kernel.

    Outside a kernel the deferred steps run at once. A running loop alone is no kernel: a test
    process that drives a browser (Playwright) has one, and nothing would ever run its callbacks
    for a page function called there."""
    import asyncio

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:  # noqa: BLE001 - no IPython: no kernel
        shell = None
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# What a preheated kernel's warm read produced for the page's default view, handed once to the visit
# when the store file is still the very same one (a build renames a new file over it: another inode
# and mtime) and the day has not changed — the visit then shows exactly what it would have read.
_PREREAD: dict = {}


def store_stamp():
    """Identity of the store file (path, inode, mtime, size), or None when it cannot be read."""
    from .. import paths

    try:
        path = paths.db_path()
        st = os.stat(path)
    except Exception:  # noqa: BLE001 - no stamp: nothing is reused
        return None
    return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def keep_preread(kind: str, key: tuple, value) -> None:
    """Keep the warm read's ``value`` for the visit (see :func:`take_preread`)."""
    stamp = store_stamp()
    if stamp is not None:
        _PREREAD[kind] = ((stamp, date.today(), *key), value)


def take_preread(kind: str, key: tuple):
    """The kept warm-read value for ``key`` if the store file and the day are unchanged (once), else None."""
    got = _PREREAD.pop(kind, None)
    if got is None:
        return None
    stamp = store_stamp()
    if stamp is None or got[0] != (stamp, date.today(), *key):
        return None
    return got[1]


def warm_read(name: str, warm) -> None:
    """In a preheated kernel, before the visit: run ``warm(db)`` — the page's own first read and first
    chart for its default view — once, so the visit meets DuckDB, pandas and Plotly with their code
    paths warm; ``warm`` keeps its result (:func:`keep_preread`) and a visit of that very view uses
    it while the store file is unchanged (:func:`take_preread`), else it reads the store again: a
    page shows the data as they are when it is opened."""
    if warm is None or os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    t0 = time.perf_counter()
    try:
        db = open_db()
        try:
            warm(db)
        finally:
            db.close()
        log.info("%s: warm read in %.2f s", name, time.perf_counter() - t0)
    except Exception:  # noqa: BLE001 - warming up is optional (no store yet: the visit says so)
        log.warning("%s: warm read failed", name, exc_info=True)


def start_page(name: str, title: str, subtitle: str, warm=None) -> Page:
    """Show an empty page, warm the libraries up (and, with ``warm``, the page's first read:
    :func:`warm_read`), then wait for a visitor (preheated kernels).

    Logs ``<name>: waiting for a visit`` / ``<name>: visit`` to Voila's log (the browser tests wait
    for the first line before they open a page)."""
    setup_logging()
    page = Page(title, subtitle)
    from IPython.display import display

    import ipywidgets  # noqa: F401 - imported before the visit
    import plotly.graph_objects  # noqa: F401

    from .. import api  # noqa: F401

    display(page.root)
    warm_up()
    warm_read(name, warm)
    log.info("%s: waiting for a visit", name)
    wait_for_visit()
    log.info("%s: visit", name)
    return page



def pack_zip(report_date, db=None) -> tuple[str, bytes]:
    """Build the quarterly meeting pack (``shiwu_lib.pack.build_pack``, its public entry point) for a
    report date and return ``(file name, zip bytes)`` holding its deck (.pptx), workbook (.xlsx) and
    briefing (.docx, .md, .txt). Imported and run on a click only, never on page load."""
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from .. import pack

    with tempfile.TemporaryDirectory(prefix="shiwu-pack-") as tmp:
        r = pack.build_pack(as_of=report_date, out_dir=tmp, db=db, svg=False)
        files = [f for f in (r.deck, r.xlsx, r.briefing_docx, r.briefing_md, r.briefing_txt) if f is not None]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, Path(f).name)
        return f"季分析材料_{r.quarter_zh}.zip", buf.getvalue()


def download_link_html(name: str, data: bytes, label: str) -> str:
    """A link that saves ``data`` as ``name`` (a data: URL: no file is left on the server)."""
    import base64

    b64 = base64.b64encode(data).decode("ascii")
    return (f'<a class="shiwu-link" data-download="pack" download="{esc(name)}" '
            f'href="data:application/zip;base64,{b64}">⬇ {esc(label)}（{len(data) / 1e6:.1f} MB）</a>')


def start_with_store(name: str, title: str, subtitle: str, read, warm=None):
    """:func:`start_page`, then the page's first read of the store: ``(page, read(db))``; when the
    store cannot be opened or read, the error is logged, the page says so in Chinese and the result
    is ``(page, None)``."""
    page = start_page(name, title, subtitle, warm)
    try:
        db = open_db()
        try:
            return page, read(db)
        finally:
            db.close()
    except Exception as exc:  # noqa: BLE001 - a dashboard never shows a traceback
        log.exception("%s: cannot open the store", name)
        page.show_error(exc)
        return page, None
