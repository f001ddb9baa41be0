"""A widget callback that raises, on a page served the way ``shiwu serve`` serves the dashboards:
the traceback goes to Voila's log (the kernel's stderr), the viewer sees one Chinese line."""
from __future__ import annotations

import json
import time

import pytest

from conftest import ARTIFACTS, launch_voila, page_errors, stop_process

pytestmark = pytest.mark.browser

SECRET = "secret-detail-4711"
CELL = f'''from shiwu_lib.dashboards.page import start_page
import ipywidgets as w

page = start_page("callbacktest", "回调出错测试", "测试")
button = w.Button(description="出错的按钮")
button.add_class("shiwu-fail-button")

def boom(_button):
    raise RuntimeError("{SECRET}")

button.on_click(page.callback(boom, "测试操作"))
page.controls.children = [button]
page.body.children = [page.html('<div data-ready="true">就绪</div>')]
'''


def _notebook() -> dict:
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "c0", "metadata": {}, "outputs": [],
                       "source": CELL.splitlines(keepends=True)}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def test_a_failing_callback_is_logged_and_the_viewer_sees_one_chinese_line(built_db, browser, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "01_callback.ipynb").write_text(json.dumps(_notebook(), ensure_ascii=False), encoding="utf-8")
    proc, url = launch_voila(built_db, preheat=False, notebooks=folder)
    log = ARTIFACTS / f"voila-{url.rsplit(':', 1)[1]}.log"
    ctx = browser.new_context(viewport={"width": 1200, "height": 800}, locale="zh-CN")
    try:
        page = ctx.new_page()
        page.goto(url + "/voila/render/01_callback.ipynb", wait_until="domcontentloaded", timeout=90_000)
        page.wait_for_selector("[data-ready]", state="visible", timeout=90_000)
        page.locator(".shiwu-fail-button").click()
        line = page.locator("[data-callback-error]")
        line.wait_for(state="visible", timeout=30_000)
        assert "测试操作出错" in line.inner_text()
        body = page.inner_text("body")
        assert SECRET not in body and "Traceback" not in body and "RuntimeError" not in body
        assert not page_errors(page)
        shots = ARTIFACTS / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "callback-error.png"))
        deadline = time.monotonic() + 15
        text = ""
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            if SECRET in text:
                break
            time.sleep(0.5)
        assert "callback boom failed" in text and "Traceback" in text and SECRET in text, "the traceback is not in Voila's log"
    finally:
        ctx.close()
        stop_process(proc)
