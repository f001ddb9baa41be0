"""Kernel plumbing of the Voila pages: wait for the visit (preheated kernels), the query string,
logging to Voila's log instead of the page.

A preheated Voila kernel runs a page up to :func:`wait_for_visit` before anyone visits; the page
reads the store only after it returns, so it shows the data as they are when the page is opened.
"""
from __future__ import annotations

import logging
import os
import sys
from urllib.parse import parse_qs

log = logging.getLogger("shiwu.dashboards")


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
        info = voila_request_info()
    except Exception:  # noqa: BLE001 - protocol changed? use Voila's implementation
        log.exception("wait_for_visit: falling back to voila.utils.wait_for_request")
        from voila.utils import wait_for_request

        wait_for_request()
        return
    if info:
        import json

        for k, v in json.loads(info).items():
            os.environ[k] = v


def voila_request_info(timeout: float = 5.0) -> str | None:
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


def server_stderr():
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


def setup_logging() -> None:
    """Log records and Python warnings go to the kernel's real stderr (Voila's log), never to the
    page: a warning printed in a cell would show up as an stderr block on the dashboard."""
    if not any(getattr(h, "_shiwu", False) for h in log.handlers):
        h = logging.StreamHandler(server_stderr())
        h._shiwu = True  # type: ignore[attr-defined]
        h.setFormatter(logging.Formatter(f"%(asctime)s %(name)s[{os.environ.get('VOILA_KERNEL_ID', '')[:8]}] %(levelname)s %(message)s"))
        log.addHandler(h)
        log.setLevel(logging.INFO)
        log.propagate = False
        wl = logging.getLogger("py.warnings")
        wl.addHandler(h)
        wl.propagate = False
    logging.captureWarnings(True)
