"""Every error a user can cause in the CLI is one line on stderr: exit 2 for usage, 1 for refused input.

The cases of issue 13: a period that is not a quarter, ``--out`` naming a folder, SHIWU_DB naming a
folder or a file that is not DuckDB, an empty data directory, a folder that cannot be written, a
full disk. None may print a traceback or leave a staging / .part file behind.
"""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from returns_helpers import make_data_dir, set_env


@pytest.fixture
def env(tmp_path, monkeypatch):
    data = make_data_dir(tmp_path)
    set_env(monkeypatch, tmp_path, data)
    return tmp_path, data


def run_cli(capsys, *argv) -> tuple[int, list[str], str]:
    from shiwu_lib import cli

    try:
        rc = cli.main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        rc = exc.code
    cap = capsys.readouterr()
    lines = [ln for ln in cap.err.splitlines() if ln.strip()]
    assert "Traceback" not in cap.err + cap.out
    return rc, lines, cap.out


@pytest.mark.parametrize("argv, code, words", [
    (["missing", "--period", "2025-06"], 2, ["'2025-06' is not a quarter", "2025Q2"]),
    (["missing", "--period", "2025Q9"], 2, ["'2025Q9' is not a quarter"]),
    (["missing", "--period", "2025"], 2, ["'2025' is not a quarter"]),
    (["template", "--project", "1", "--period", "2025Q9", "--out", "x.xlsx"], 2, ["'2025Q9' is not a quarter"]),
    (["template", "--project", "1", "--period", "2025Q2", "--out", "{tmp}"], 2, ["is a folder"]),
    (["template", "--project", "1", "--period", "2025Q2", "--out", "{tmp}/no/such/dir/x.xlsx"], 2, ["does not exist"]),
    (["template", "--project", "1", "--period", "2025Q2", "--out", "{tmp}/x.csv"], 2, ["does not end in .xlsx"]),
])
def test_usage_errors_are_one_line_exit_2(env, capsys, argv, code, words):
    tmp, _ = env
    argv = [a.replace("{tmp}", str(tmp)) for a in argv]
    rc, lines, _ = run_cli(capsys, *argv)
    assert rc == code and len(lines) == 1, lines
    for w in words:
        assert w in lines[0], lines


@pytest.mark.parametrize("command", [["build"], ["status"], ["missing", "--period", "2025Q2"], ["ingest", "x.xlsx"]])
def test_shiwu_db_naming_a_folder_is_one_line_exit_2_and_leaves_nothing(env, capsys, monkeypatch, command):
    tmp, _ = env
    folder = tmp / "store_dir"
    folder.mkdir()
    monkeypatch.setenv("SHIWU_DB", str(folder))
    before = sorted(p.name for p in tmp.iterdir())
    rc, lines, _ = run_cli(capsys, *command)
    assert rc == 2 and len(lines) == 1 and "is a folder" in lines[0], lines
    assert sorted(p.name for p in tmp.iterdir()) == before


@pytest.mark.parametrize("command", [["build"], ["missing", "--period", "2025Q2"], ["status"]])
def test_shiwu_db_naming_a_file_that_is_not_duckdb_is_refused_in_one_line(env, capsys, monkeypatch, command):
    tmp, _ = env
    fake = tmp / "notes.duckdb"
    fake.write_text("these are my notes, not a database\n" * 10, encoding="utf-8")
    monkeypatch.setenv("SHIWU_DB", str(fake))
    rc, lines, _ = run_cli(capsys, *command)
    assert rc == 1 and len(lines) == 1 and "is not a DuckDB file" in lines[0], lines
    assert fake.read_text(encoding="utf-8").startswith("these are my notes")
    assert not list(tmp.glob("notes.duckdb.building-*")), "a staging file was left"


def test_empty_data_directory_is_one_line(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("SHIWU_DATA_DIR", str(empty))
    monkeypatch.setenv("SHIWU_DB", str(tmp_path / "s.duckdb"))
    for command in (["build"], ["ingest", "x.xlsx"], ["template", "--project", "1", "--period", "2025Q2",
                                                        "--out", str(tmp_path / "t.xlsx")]):
        rc, lines, _ = run_cli(capsys, *command)
        assert rc == 1 and len(lines) == 1 and "has no curated/projects.csv" in lines[0], (command, lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_store_in_a_folder_that_cannot_be_written_is_one_line(env, capsys, monkeypatch):
    # /proc refuses new files even to root (chmod does not stop root)
    monkeypatch.setenv("SHIWU_DB", "/proc/shiwu-test.duckdb")
    rc, lines, _ = run_cli(capsys, "build")
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("shiwu build: cannot create the writer lock"), lines
    assert "/proc/shiwu-test.duckdb" in lines[0]


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_archive_that_cannot_be_written_full_disk_read_only_is_one_line_and_leaves_no_part(env, capsys, monkeypatch, err):
    from returns_helpers import fill
    from shiwu_lib import paths
    from shiwu_lib.returns import archive
    from shiwu_lib.returns.template import write_template

    tmp, _ = env
    blank = write_template(1, "2025Q2", tmp / "blank.xlsx", problems=[])
    f = fill(blank, tmp / "in" / "扩投资_2025Q2.xlsx", "2025Q2", ind={"p01_fai": {"actual": 250}})
    real = archive._write_durably

    def fail(path, data):
        real(path, data[:100])
        raise OSError(err, os.strerror(err), str(path))

    monkeypatch.setattr(archive, "_write_durably", fail)
    rc, lines, out = run_cli(capsys, "ingest", str(f))
    assert rc == 1 and os.strerror(err) in out and "failed" in out, out
    assert not paths.returns_dir().exists() or not list(paths.returns_dir().iterdir())
    assert not paths.db_path().exists(), "nothing was accepted: no store is created"


def test_an_unexpected_error_is_still_one_line(env, capsys, monkeypatch):
    from shiwu_lib import cli

    def boom(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/data/shiwu.duckdb.building-1")

    monkeypatch.setitem(cli.COMMANDS, "catalog", ("shiwu_lib.returns.cli", "cli_template", "x"))
    monkeypatch.setattr("shiwu_lib.returns.cli.cli_template", boom)
    rc, lines, _ = run_cli(capsys, "catalog")
    assert rc == 1 and lines == ["shiwu catalog: No space left on device: /data/shiwu.duckdb.building-1"], lines

    def bug(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("shiwu_lib.returns.cli.cli_template", bug)
    rc, lines, _ = run_cli(capsys, "catalog")
    assert rc == 1 and len(lines) == 1 and "ZeroDivisionError" in lines[0] and "SHIWU_DEBUG" in lines[0], lines


def test_the_real_process_prints_one_line_too(tmp_path):
    r = subprocess.run([sys.executable, "-m", "shiwu_lib.cli", "missing", "--period", "2025Q9"], capture_output=True,
                       text=True, timeout=60, env={**os.environ, "SHIWU_DB": str(tmp_path / "none.duckdb")})
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert Path(tmp_path).exists()
