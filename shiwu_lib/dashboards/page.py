"""The widget frame every live page uses: header, controls, a body redrawn on each change, figure
slots filled after the cell returns, the address bar kept in step with the selectors.

Each render opens the store read-only (``sw.open()``) and closes it in ``finally``; a rebuilt store
(atomic rename) is picked up on the next render. Exceptions inside a render or a callback are logged
with their traceback to Voila's log and the page shows a short Chinese message instead.
"""
from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pandas as pd

from .. import charts
from ..report import CONTACT, GREEN, PLAN, RED
from .components import PAGE_CSS, error_state, esc
from .kernel import log, setup_logging, wait_for_visit


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

    ``run(render, ...)`` replaces the body; work a render hands to :meth:`defer` (the trajectory
    charts of a project) runs right after the cell or callback has returned, on the kernel's event
    loop, so Voila can send the page and the browser can start drawing meanwhile. A later render
    makes pending deferred work of an earlier one a no-op.
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
        self.root = w.VBox([self.header, self.controls, self.status, self.body, self.script],
                           layout=w.Layout(width="auto", padding="0 12px 0 0"))
        self.root.add_class("shiwu-page")
        self.root.add_class("shiwu-root")
        self.generation = 0

    def html(self, value: str):
        return self.w.HTML('<div class="shiwu-page">' + value + "</div>", layout=self.w.Layout(width="100%", flex="0 0 auto"))

    def figure(self, fig, caption: str = ""):
        """An Output widget holding the figure (set directly, no output capture: safe anywhere)."""
        out = self.slot()
        self.fill(out, fig, caption=caption)
        return out

    def slot(self, height: int = 450, message: str = ""):
        """An Output widget to be filled later by :meth:`fill` (deferred work only *updates* widgets
        created before the cell ended)."""
        out = self.w.Output(layout=self.w.Layout(width="100%", min_height=f"{int(height)}px", flex="0 0 auto"))
        out.add_class("shiwu-chart")
        if message:
            out.outputs = ({"output_type": "display_data", "data": {"text/html": message}, "metadata": {}},)
        return out

    def fill(self, out, fig=None, html_text: str | None = None, caption: str = "") -> None:
        """Put a figure (and a caption under it) or an HTML message into an existing :meth:`slot`."""
        if fig is not None:
            out.layout.min_height = f"{int(fig.layout.height or 450)}px"
            outputs = [{"output_type": "display_data", "data": figure_bundle(fig), "metadata": {}}]
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
              f"window.history.replaceState(null,'',u.toString());document.title={json.dumps(self.title)};}}catch(e){{}}")
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


def start_page(name: str, title: str, subtitle: str) -> Page:
    """Show an empty page, warm the libraries up, then wait for a visitor (preheated kernels).

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


def start_with_store(name: str, title: str, subtitle: str, read):
    """:func:`start_page`, then the page's first read of the store: ``(page, read(db))``; when the
    store cannot be opened or read, the error is logged, the page says so in Chinese and the result
    is ``(page, None)``."""
    page = start_page(name, title, subtitle)
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
