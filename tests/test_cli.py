"""`shiwu` command line: help lists the subcommands; usage errors are one line with exit code 2."""
from __future__ import annotations

import subprocess
import sys

from shiwu_lib import cli


def run(*args):
    return subprocess.run([sys.executable, "-m", "shiwu_lib.cli", *args], capture_output=True, text=True, timeout=60)


def test_help_lists_every_subcommand():
    r = run("--help")
    assert r.returncode == 0
    for name in cli.COMMANDS:
        assert name in r.stdout, f"`shiwu --help` does not list {name}"


def test_unknown_subcommand_is_one_line_exit_2():
    r = run("frobnicate")
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "frobnicate" in lines[0], r.stderr


def test_bad_option_is_one_line_exit_2():
    r = run("serve", "--port", "not-a-number")
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--port" in lines[0], r.stderr


def test_missing_subcommand_exit_2():
    r = run()
    assert r.returncode == 2


def test_serve_without_a_store_says_build_first(tmp_path):
    env_db = tmp_path / "none.duckdb"
    r = subprocess.run([sys.executable, "-m", "shiwu_lib.cli", "serve"], capture_output=True, text=True,
                       env={**__import__("os").environ, "SHIWU_DB": str(env_db)}, timeout=60)
    assert r.returncode == 1 and "shiwu build" in r.stderr


def test_serve_argv_culls_idle_kernels_and_binds_loopback():
    from shiwu_lib import serve

    argv = " ".join(serve.voila_argv(port=9999))
    assert "--port=9999" in argv and "--Voila.ip=127.0.0.1" in argv
    assert "cull_idle_timeout=600" in argv and "cull_interval=60" in argv


def test_every_listed_subcommand_has_a_handler():
    from importlib import import_module

    for name, (module, func, _) in cli.COMMANDS.items():
        assert callable(getattr(import_module(module), func, None)), f"`shiwu {name}` lists {module}.{func}, which does not exist"
