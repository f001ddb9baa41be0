"""`shiwu serve`: Voila serving the dashboards in notebooks/ (loopback by default).

Kernels are preheated (a page shows its first chart ~2x sooner) and the notebooks call
``shiwu_lib.views.wait_for_visit()`` before reading data, so a preheated kernel still shows the
data as it is when the page is opened. Idle kernels are culled: Voila cannot shut a kernel when a
tab closes (voila issue 1458), and each visit leaves a ~150 MB kernel otherwise.

Guards (``python -m shiwu_lib.serve`` wraps Voila's own entry point with them; see
docs/operations.md):

* **Token** whenever the host is not loopback: ``--token`` / ``SHIWU_SERVE_TOKEN``, or one is
  generated and printed with the URL. It reaches Voila through the environment, not the command
  line (``ps`` shows command lines to every user).
* **Origin check**: a page request whose ``Origin`` is another site, or that the browser marks
  ``Sec-Fetch-Site: cross-site`` (an ``<img>`` or ``<iframe>`` of another site), is refused with 403
  before any kernel starts; ``SHIWU_ALLOWED_ORIGINS`` (comma-separated) adds origins, e.g. a portal.
  Pages may not be framed by other sites (``frame-ancestors 'self'``).
* **Preheat pools**: :data:`POOL_SIZES` kernels wait per dashboard (``SHIWU_POOL_SIZES`` overrides;
  Voila's ``kernel_pools_config``, set on the application before it reads the command line because
  a nested dict cannot be given there); a used kernel is replaced :data:`FILL_DELAY_SECONDS` later.
* **Kernel cap**: at most ``SHIWU_MAX_KERNELS`` (default :data:`MAX_KERNELS`) kernels of visits;
  beyond it a visit gets a 503 page 系统繁忙 instead of a new ~180 MB kernel.
* **Only the dashboards** (``notebooks/0*.ipynb``) are listed, preheated and rendered; sources are
  stripped; tracebacks are not sent to viewers.
* **Expired pages**: a page whose kernel was culled (idle 10 min) or is gone shows a banner
  页面已过期，请刷新 (it asks every ``SHIWU_EXPIRE_POLL_SECONDS``, default 20 s) instead of stale content.
"""
from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
import secrets
import sys
from pathlib import Path
from urllib.parse import urlparse

from . import paths

CULL_IDLE_SECONDS = 600
CULL_INTERVAL_SECONDS = 60
FILL_DELAY_SECONDS = 8
# Preheated kernels per dashboard, sized for a meeting burst: five leaders opening the overview at
# once each meet a kernel that has already run the page up to the visit (a visit that finds the
# pool empty waits for a cold kernel: imports, warm-up and render on 2 cores shared with the others).
# Measured 2026-12-01: ~175 MB RSS / ~107 MB USS per idle preheated kernel (test-artifacts/timing.json
# records it per run): the pools hold 8 kernels, ~0.9 GB USS. Other dashboards get one.
POOL_SIZES = {"01_overview.ipynb": 5, "02_project.ipynb": 2}
POOL_SIZES_ENV = "SHIWU_POOL_SIZES"   # e.g. "01_overview.ipynb=3,02_project.ipynb=1" overrides POOL_SIZES
MAX_KERNELS = 6                 # kernels of visits at once (~180 MB each), preheated ones not counted
DASHBOARDS = "0*.ipynb"          # what is served: the dashboards, not research notebooks
TOKEN_ENV = "SHIWU_SERVE_TOKEN"
MAX_KERNELS_ENV = "SHIWU_MAX_KERNELS"
ORIGINS_ENV = "SHIWU_ALLOWED_ORIGINS"
EXPIRE_POLL_ENV = "SHIWU_EXPIRE_POLL_SECONDS"
EXPIRE_POLL_SECONDS = 20         # how often a page asks whether its kernel still lives

BUSY_HTML = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>系统繁忙</title>"
             "<meta http-equiv=\"refresh\" content=\"30\"></head><body style=\"font-family:sans-serif;padding:3em\">"
             "<h2>系统繁忙，请稍后再试</h2><p>同时打开的看板较多，本页将在 30 秒后自动重试。</p></body></html>")
FORBIDDEN_HTML = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>拒绝访问</title></head>"
                  "<body style=\"font-family:sans-serif;padding:3em\"><h2>拒绝访问：请从看板首页打开本页面</h2></body></html>")


# Appended to every dashboard page: when its kernel has been culled (idle) or has gone, the page
# says so instead of silently showing content that no longer updates.
EXPIRED_TEXT = "页面已过期，请刷新"
EXPIRE_JS = """<script>(function(){
var cfg={};try{cfg=JSON.parse(document.getElementById('jupyter-config-data').textContent);}catch(e){}
var id=cfg.kernelId,base=(cfg.baseUrl||'/').replace(/\\/?$/,'/'),ms=%d,shown=false;
if(!id){return;}
function expire(){if(shown){return;}shown=true;var d=document.createElement('div');d.id='shiwu-expired';
d.setAttribute('role','alert');d.textContent='%s';d.title='点击刷新';
d.style.cssText='position:fixed;top:0;left:0;right:0;z-index:100000;padding:12px;background:#b00020;color:#fff;'+
'font-size:18px;text-align:center;cursor:pointer';d.onclick=function(){location.reload();};document.body.appendChild(d);}
function check(){fetch(base+'api/kernels/'+id,{credentials:'same-origin',cache:'no-store'}).then(function(r){
if(r.status===404){expire();}else{setTimeout(check,ms);}}).catch(function(){setTimeout(check,ms);});}
setTimeout(check,ms);})();</script>"""


def expire_script(poll_seconds: float | None = None) -> str:
    sec = poll_seconds if poll_seconds is not None else float(os.environ.get(EXPIRE_POLL_ENV) or EXPIRE_POLL_SECONDS)
    return EXPIRE_JS % (int(sec * 1000), EXPIRED_TEXT)


def is_loopback(host: str) -> bool:
    h = (host or "").strip().strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def dashboards() -> list[Path]:
    return sorted(paths.notebooks_dir().glob(DASHBOARDS))


def is_dashboard(path: str | None) -> bool:
    """A top-level ``notebooks/0*.ipynb`` (not a research notebook, not a file in a sub-folder)."""
    p = (path or "").strip("/")
    return "/" not in p and fnmatch.fnmatch(p, DASHBOARDS)


def _hidden_notebooks() -> list[str]:
    """Entries of notebooks/ that are not dashboards: other notebooks and sub-folders (research/ …)
    are hidden from the tree and never rendered or preheated."""
    nb = paths.notebooks_dir()
    if not nb.is_dir():
        return []
    top = {p.name for p in nb.iterdir()
           if (p.is_dir() and not p.name.startswith(".")) or (p.suffix == ".ipynb" and not is_dashboard(p.name))}
    # notebooks in sub-folders too (research/10_research.ipynb …): Voila preheats by relative path
    nested = {p.relative_to(nb).as_posix() for p in nb.rglob("*.ipynb")
              if ".ipynb_checkpoints" not in p.parts and not is_dashboard(p.relative_to(nb).as_posix())}
    return sorted(top | nested)


def install_front_door() -> None:
    """The server's root is the Chinese landing page (shiwu_lib.dashboards.landing), not Voila's file list."""
    from tornado import web
    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    if getattr(TornadoVoilaTreeHandler.get, "_shiwu_front_door", False):
        return

    @web.authenticated
    async def front_door(self, path=""):
        from .dashboards.landing import landing_page

        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(landing_page())

    front_door._shiwu_front_door = True
    TornadoVoilaTreeHandler.get = front_door


def pool_sizes() -> dict[str, int]:
    """Preheated kernels per dashboard: :data:`POOL_SIZES`, overridden by ``SHIWU_POOL_SIZES``."""
    sizes = dict(POOL_SIZES)
    for item in (os.environ.get(POOL_SIZES_ENV) or "").split(","):
        name, _, n = item.partition("=")
        if name.strip() and n.strip().isdigit():
            sizes[name.strip()] = int(n)
    return sizes


def kernel_pools_config(default_env: dict | None = None) -> dict:
    """Voila's ``VoilaKernelManager.kernel_pools_config``: the per-dashboard pool sizes and a default of 1."""
    env = dict(default_env or {})
    cfg = {"default": {"pool_size": 1, "kernel_env_variables": env}}
    cfg.update({name: {"pool_size": n, "kernel_env_variables": env} for name, n in pool_sizes().items()})
    return cfg


def voila_argv(port: int = 8866, host: str = "127.0.0.1", preheat: bool = True) -> list[str]:
    """The full command line `shiwu serve` runs (also used by the test harness; ``argv[3]`` is the folder)."""
    hidden = _hidden_notebooks()
    argv = [
        sys.executable, "-m", "shiwu_lib.serve", str(paths.notebooks_dir()),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",  # a taken port is an error, not a silent move to another port
        "--classic_tree=True",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=True",
    ]
    # a list option is given once per item (traitlets reads "['a', 'b']" as one string)
    for glob in ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", ".ipynb_checkpoints", *hidden) if hidden else ():
        argv.append(f"--ContentsManager.hide_globs={glob}")
    if preheat:
        # The replacement kernel starts FILL_DELAY_SECONDS after a visit takes the preheated one, so
        # it does not compete for the 2 cores with the page being drawn.
        argv += ["--preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1",
                 f"--VoilaKernelManager.fill_delay={FILL_DELAY_SECONDS}"]
        argv += [f"--VoilaKernelManager.preheat_denylist={re.escape(h)}" for h in hidden if h.endswith(".ipynb")]
        if hidden:  # sub-folders: anything below them
            argv += [f"--VoilaKernelManager.preheat_denylist={re.escape(h)}/.*" for h in hidden if not h.endswith(".ipynb")]
    return argv


# --------------------------------------------------------------------------- guards (in the Voila process)
def origin_allowed(headers, host: str, extra: tuple[str, ...] = ()) -> bool:
    """Same-site page requests only: an ``Origin`` of another host, or ``Sec-Fetch-Site: cross-site``, is refused."""
    if (headers.get("Sec-Fetch-Site") or "").lower() == "cross-site":
        return False
    origin = headers.get("Origin")
    if not origin:
        return True  # typed address, bookmark, same-origin navigation (browsers omit Origin on GET)
    if origin in extra:
        return True
    return urlparse(origin).netloc.lower() == (host or "").lower()


def _visit_kernels(km) -> int:
    """Kernels started for visits: all live kernels less those waiting in the preheat pools."""
    n = len(list(km.list_kernel_ids()))
    pools = getattr(km, "_pools", None) or {}
    pooled = sum(len(v) for v in pools.values()) if isinstance(pools, dict) else 0
    return max(0, n - pooled)


def install_guards(max_kernels: int | None = None, extra_origins: tuple[str, ...] | None = None) -> None:
    """Wrap Voila's page handler: origin check, dashboards only, kernel cap (before a kernel starts)."""
    import tornado.web
    from voila.tornado.handler import TornadoVoilaHandler

    cap = max_kernels if max_kernels is not None else int(os.environ.get(MAX_KERNELS_ENV) or MAX_KERNELS)
    extra = extra_origins if extra_origins is not None else tuple(
        o.strip() for o in (os.environ.get(ORIGINS_ENV) or "").split(",") if o.strip())
    original = TornadoVoilaHandler.get
    if getattr(original, "_shiwu_guarded", False):
        return
    script = expire_script()

    async def guarded_get(self, path=None):
        if not origin_allowed(self.request.headers, self.request.host, extra):
            self.log.warning("shiwu: refused a cross-site page request for %s (Origin %r)", path,
                             self.request.headers.get("Origin"))
            self.set_status(403)
            self.finish(FORBIDDEN_HTML)
            return
        if not is_dashboard(self.notebook_path or path):
            raise tornado.web.HTTPError(404)
        if self.current_user and _visit_kernels(self.kernel_manager) >= cap:
            self.log.warning("shiwu: %d kernels live (cap %d): 系统繁忙 page for %s",
                             _visit_kernels(self.kernel_manager), cap, path)
            self.set_status(503)
            self.set_header("Retry-After", "30")
            self.finish(BUSY_HTML)
            return
        write = self.write

        def write_with_expiry(chunk):
            if isinstance(chunk, str) and "</body>" in chunk:
                chunk = chunk.replace("</body>", script + "</body>", 1)
            return write(chunk)

        self.write = write_with_expiry
        return await original(self, path)

    guarded_get._shiwu_guarded = True  # type: ignore[attr-defined]
    TornadoVoilaHandler.get = guarded_get

    from voila.tornado.treehandler import TornadoVoilaTreeHandler

    tree_get = TornadoVoilaTreeHandler.get

    async def top_level_tree_only(self, path=""):
        if (path or "").strip("/"):
            raise tornado.web.HTTPError(404)  # the dashboards are at the top; sub-folders are not served
        return await tree_get(self, path)

    TornadoVoilaTreeHandler.get = top_level_tree_only

    from voila.tornado.contentshandler import VoilaContentsHandler

    contents_get = VoilaContentsHandler.get

    async def top_level_contents_only(self, path=""):
        if (path or "").strip("/"):
            raise tornado.web.HTTPError(404)
        return await contents_get(self, path)

    VoilaContentsHandler.get = top_level_contents_only


def run_voila(argv: list[str]) -> None:
    """``python -m shiwu_lib.serve NOTEBOOKS …``: Voila with the guards, the token from the environment."""
    from voila.app import Voila

    install_guards()
    install_front_door()
    token = os.environ.pop(TOKEN_ENV, None)
    app = Voila.instance()
    if "--preheat_kernel=True" in argv:   # merged with the command line's config by initialize()
        app.config.VoilaKernelManager.kernel_pools_config = kernel_pools_config()
    app.initialize(argv)
    if token:
        app.token = token
    ts = dict(app.tornado_settings or {})
    headers = dict(ts.get("headers") or {})
    headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    ts["headers"] = headers
    app.tornado_settings = ts
    app.start()


# --------------------------------------------------------------------------- the command
def cli_serve(args) -> int:
    db = paths.db_path()
    if not db.exists():
        sys.stderr.write(f"shiwu serve: {db} does not exist; run `shiwu build` first\n")
        return 1
    host = args.host
    token = getattr(args, "token", None) or os.environ.get(TOKEN_ENV) or None
    generated = False
    if not token and not is_loopback(host):
        token, generated = secrets.token_urlsafe(24), True
    argv = voila_argv(args.port, host, preheat=not args.no_preheat)
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"shiwu: dashboards at {url}  (Ctrl-C stops)", flush=True)
    if generated:
        print("shiwu: the host is not loopback, so a token is required; this one was generated for this run "
              f"(set --token or {TOKEN_ENV} to choose one; docs/operations.md)", flush=True)
    env = dict(os.environ)
    env.setdefault("SHIWU_DB", str(db))
    if token:
        env[TOKEN_ENV] = token
    os.execve(argv[0], argv, env)  # same PID: a supervisor can stop Voila by the PID it started
    return 0  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover - exercised by tests/test_serve*.py
    run_voila(sys.argv[1:])
