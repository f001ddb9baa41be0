"""`shiwu serve` guards: token off loopback, origin check, dashboards only, a cap on kernels (系统繁忙)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port

FIGURES: dict = {}


def test_loopback_and_origin_rules():
    from shiwu_lib import serve

    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("localhost") and serve.is_loopback("::1")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.168.1.20") and not serve.is_loopback("shiwu.example")
    ok = serve.origin_allowed
    assert ok({}, "127.0.0.1:8866")
    assert ok({"Origin": "http://127.0.0.1:8866"}, "127.0.0.1:8866")
    assert not ok({"Origin": "http://evil.example"}, "127.0.0.1:8866")
    assert not ok({"Sec-Fetch-Site": "cross-site"}, "127.0.0.1:8866")
    assert ok({"Origin": "https://portal.example"}, "shiwu.example", ("https://portal.example",))


def test_only_dashboards_are_listed_and_preheated():
    from shiwu_lib import paths, serve

    argv = serve.voila_argv(port=9999)
    assert argv[1:4] == ["-m", "shiwu_lib.serve", str(paths.notebooks_dir())]
    others = [p.name for p in paths.notebooks_dir().iterdir()
              if (p.suffix == ".ipynb" and not p.name.startswith("0")) or (p.is_dir() and not p.name.startswith("."))]
    for name in others:
        assert f"--ContentsManager.hide_globs={name}" in argv
    assert serve.is_dashboard("01_overview.ipynb") and serve.is_dashboard("/02_project.ipynb")
    assert not serve.is_dashboard("research/10_research.ipynb") and not serve.is_dashboard("research/01_x.ipynb")
    assert not serve.is_dashboard("10_research.ipynb") and not serve.is_dashboard("")
    assert "--VoilaConfiguration.strip_sources=True" in argv and "--VoilaConfiguration.show_tracebacks=False" in argv


def test_a_host_that_is_not_loopback_gets_a_token_not_on_the_command_line(built_db, monkeypatch, capsys):
    import argparse

    from shiwu_lib import serve

    seen = {}

    def fake_exec(path, argv, env):
        seen.update(argv=argv, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", fake_exec)
    monkeypatch.delenv(serve.TOKEN_ENV, raising=False)
    with pytest.raises(SystemExit):
        serve.cli_serve(argparse.Namespace(host="0.0.0.0", port=8866, no_preheat=True, token=None))
    token = seen["env"][serve.TOKEN_ENV]
    assert len(token) >= 24 and not any(token in a for a in seen["argv"])
    out = capsys.readouterr().out
    assert f"?token={token}" in out and "token is required" in out
    seen.clear()
    with pytest.raises(SystemExit):
        serve.cli_serve(argparse.Namespace(host="127.0.0.1", port=8866, no_preheat=True, token=None))
    assert serve.TOKEN_ENV not in seen["env"]


def kernels_of(pid: int) -> int:
    n = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"ipykernel" in (d / "cmdline").read_bytes():
                n += 1
        except (OSError, ValueError, IndexError):
            continue
    return n


def get(url: str, headers: dict | None = None, timeout: float = 90):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace"), r.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), url


def test_token_origin_dashboards_only_and_kernel_cap_on_a_running_server(built_db, tmp_path):
    from shiwu_lib import serve

    token = "test-token-0123456789abcdef"
    cap = 2
    for _ in range(5):
        port = free_port()
        argv = serve.voila_argv(port=port, host="127.0.0.1", preheat=False)
        log = open(tmp_path / "voila.log", "wb")
        env = {**os.environ, "SHIWU_DB": str(built_db), serve.TOKEN_ENV: token, serve.MAX_KERNELS_ENV: str(cap)}
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(base + "/login", timeout=3)
                up = True
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.3)
        if up:
            break
    assert up, (tmp_path / "voila.log").read_text(errors="replace")[-2000:]
    assert token not in " ".join(proc.args)
    try:
        # anonymous: no page, no kernel
        for _ in range(15):
            status, body, url = get(base + "/voila/render/01_overview.ipynb")
            assert status in (200, 403) and ("/login" in url or status == 403), (status, url)
        assert kernels_of(proc.pid) == 0
        anonymous_kernels = kernels_of(proc.pid)
        status, body, _ = get(f"{base}/?token={token}")
        assert status == 200 and "01_overview.ipynb" in body and "10_research" not in body and "research" not in body
        for hidden in ("research/10_research.ipynb", "10_research.ipynb"):
            status, body, _ = get(f"{base}/voila/render/{hidden}?token={token}")
            assert status == 404, hidden
        status, body, _ = get(f"{base}/voila/tree/research?token={token}")
        assert "10_research" not in body
        status, body, _ = get(f"{base}/voila/render/01_overview.ipynb?token={token}", {"Origin": "http://evil.example"})
        assert status == 403 and "拒绝访问" in body and kernels_of(proc.pid) == 0
        # 15 page opens with the token: `cap` get a kernel, the others the 系统繁忙 page at once
        codes = []
        for i in range(15):
            t = time.monotonic()
            status, body, _ = get(f"{base}/voila/render/0{1 + i % 3}_{['overview', 'project', 'midpoint'][i % 3]}.ipynb?token={token}")
            codes.append(status)
            if status == 503:
                assert "系统繁忙" in body and time.monotonic() - t < 5
            else:
                assert status == 200 and "Traceback" not in body, body[-500:]
        alive = kernels_of(proc.pid)
        FIGURES["serve"] = {"anonymous_opens": 15, "kernels_after_anonymous": anonymous_kernels,
                            "token_opens": 15, "rendered": codes.count(200), "busy": codes.count(503),
                            "kernels_alive": alive, "cap": cap}
        print(f"\nserve: 15 anonymous opens -> {anonymous_kernels} kernels; 15 opens with token -> "
              f"{codes.count(200)} rendered, {codes.count(503)} 系统繁忙, {alive} kernels alive (cap {cap})")
        assert codes.count(200) == cap and codes.count(503) == 15 - cap and alive == cap
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.mark.browser
def test_a_page_whose_kernel_was_culled_says_it_expired(built_db, browser, tmp_path):
    """Cull after 4 s idle (instead of 600 s): the open page must show 页面已过期，请刷新, not stay silent."""
    from shiwu_lib import serve

    port = free_port()
    argv = [a.replace(f"cull_idle_timeout={serve.CULL_IDLE_SECONDS}", "cull_idle_timeout=4")
             .replace(f"cull_interval={serve.CULL_INTERVAL_SECONDS}", "cull_interval=1")
            for a in serve.voila_argv(port=port, host="127.0.0.1", preheat=False)]
    env = {**os.environ, "SHIWU_DB": str(built_db), serve.EXPIRE_POLL_ENV: "1"}
    log = open(tmp_path / "voila.log", "wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/", timeout=3)
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.3)
        ctx = browser.new_context(locale="zh-CN")
        page = ctx.new_page()
        page.goto(base + "/voila/render/01_overview.ipynb", wait_until="domcontentloaded", timeout=90_000)
        page.wait_for_selector(".js-plotly-plot", state="visible", timeout=90_000)
        assert page.query_selector("#shiwu-expired") is None
        t = time.monotonic()
        page.wait_for_selector("#shiwu-expired", state="visible", timeout=45_000)
        assert page.inner_text("#shiwu-expired") == serve.EXPIRED_TEXT
        FIGURES["expired_banner_after_s"] = round(time.monotonic() - t, 1)
        ctx.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    assert "Culling 'idle' kernel" in (tmp_path / "voila.log").read_text(errors="replace")
