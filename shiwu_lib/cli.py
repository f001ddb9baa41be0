"""`shiwu` command line: thin wrappers over the library.

Every subcommand imports its module lazily so `shiwu --help` stays fast and a broken optional
part cannot take the others down. Exit codes: 0 ok, 1 the command ran and found a problem
(e.g. a rejected workbook, a store that cannot be read, a full disk), 2 usage errors (unknown
subcommand, bad option, a period that is not a quarter, SHIWU_DB naming a folder). Every error is
one line on stderr, never a traceback (``SHIWU_DEBUG=1`` prints the traceback as well).

Writers take turns: ``shiwu build`` runs under the writer lock (``shiwu_lib.locking``) like
``shiwu ingest``, and first removes what killed builds left (``<db>.building-<pid>`` files).
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from importlib import import_module
from pathlib import Path

# name -> (module, function, help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "build": ("shiwu_lib.build", "cli_build", "build data/shiwu.duckdb from data/ (atomic build-and-rename)"),
    "serve": ("shiwu_lib.serve", "cli_serve", "serve the dashboards with Voila (default http://127.0.0.1:8866)"),
    "catalog": ("shiwu_lib.catalog", "cli_catalog", "summarise or export the target catalog"),
    "status": ("shiwu_lib.api", "cli_status", "status light of every target at a report date"),
    "midpoint": ("shiwu_lib.api", "cli_midpoint", "2025 midpoint check (三年行动 targets met? 五年目标 at 60%% of the time?)"),
    "ranking": ("shiwu_lib.api", "cli_ranking", "晾晒 ranking of projects or lead units"),
    "template": ("shiwu_lib.returns.cli", "cli_template", "write the progress workbook a lead unit fills in"),
    "ingest": ("shiwu_lib.returns.cli", "cli_ingest", "validate and load returned workbooks"),
    "missing": ("shiwu_lib.returns.cli", "cli_missing", "催报: which projects have not returned which tables"),
    "pack": ("shiwu_lib.pack", "cli_pack", "quarterly meeting pack: 16:9 deck, chart PNG/SVG, the 晾晒 workbook, the briefing (MD/DOCX)"),
    "publish": ("shiwu_lib.publish", "cli_publish", "static edition of the dashboards (index.html, project-N.html, midpoint.html) that opens without a server or network"),
    "export": ("shiwu_lib.api", "cli_export", "data package for researchers: datapackage.json, CSV (UTF-8 with BOM) and Parquet"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        prog = self.prog
        sys.stderr.write(f"{prog}: error: {message} (see '{prog} --help')\n")
        raise SystemExit(2)


def _when(text: str) -> str:
    """argparse type for report dates and vintages: YYYY-MM-DD or a quarter label (2025Q4 = its last day)."""
    from .errors import InputError, check_date

    try:
        return check_date("date", text, allow_none=False).isoformat()
    except InputError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.expected}") from None


def _project_numbers() -> range:
    """1 … the largest project count of the plan descriptions (data/curated/plans/*.toml); when they
    cannot be read, any number (the command itself then reports the broken description in one line)."""
    try:
        from . import plan

        return range(1, max(p.project_count for p in plan.all_plans().values()) + 1)
    except Exception:   # noqa: BLE001 - a broken description is reported by the command, not the parser
        return range(1, 100)


def _fmt_arg(p: argparse.ArgumentParser, default: str = "table") -> None:
    p.add_argument("--format", choices=["table", "csv", "json"], default=default, help="output format")
    p.add_argument("--out", default=None, help="write to this file instead of stdout")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="shiwu",
        description="义乌“十项重大工程”进度跟踪 — progress tracking for Yiwu's Ten Major Projects.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    ps = {name: sub.add_parser(name, help=help_, description=help_) for name, (_, _, help_) in COMMANDS.items()}

    b = ps["build"]
    b.add_argument("--db", default=None, help="output file (default: $SHIWU_DB or data/shiwu.duckdb)")
    demo = b.add_mutually_exclusive_group()
    demo.add_argument("--demo", dest="demo", action="store_true", default=None, help="load the labelled demo returns (default unless SHIWU_DEMO=0)")
    demo.add_argument("--no-demo", dest="demo", action="store_false", help="do not load demo returns")

    s = ps["serve"]
    s.add_argument("--port", type=int, default=8866)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--no-preheat", action="store_true", help="do not preheat kernels")
    s.add_argument("--token", default=None, help="token viewers must give (?token=…); required and generated "
                   "when --host is not loopback (default: $SHIWU_SERVE_TOKEN)")

    c = ps["catalog"]
    c.add_argument("--format", choices=["summary", "csv", "json"], default="summary")
    c.add_argument("--out", default=None, help="write the export to this file")
    c.add_argument("--project", type=int, choices=_project_numbers(), metavar="N", default=None)

    for name in ("status", "midpoint", "ranking"):
        p = ps[name]
        _fmt_arg(p)
        p.add_argument("--project", type=int, choices=_project_numbers(), metavar="N", default=None)
        p.add_argument("--db", default=None)
    for name in ("status", "ranking"):
        ps[name].add_argument("--as-of", dest="as_of", type=_when, default=None,
                              help="report date YYYY-MM-DD or 2025Q4 (default today)")
        ps[name].add_argument("--known-at", dest="known_at", type=_when, default=None,
                              help="vintage: values reported by this date (default: the newest value in the store)")
    ps["ranking"].add_argument("--by", choices=["project", "lead_unit"], default="project")
    ps["midpoint"].add_argument("--as-of", "--known-at", dest="as_of", type=_when, default=None,
                                help="vintage: data as known on this date (default: the newest value in the store)")

    t = ps["template"]
    t.add_argument("--project", type=int, choices=_project_numbers(), metavar="N", required=True)
    t.add_argument("--period", required=True, help="quarter, e.g. 2025Q2")
    t.add_argument("--out", required=True, help="workbook to write (.xlsx)")
    t.add_argument("--region", default=None, help="region (default: the plan description's default region)")

    i = ps["ingest"]
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--dry-run", action="store_true", help="validate only; change nothing")

    m = ps["missing"]
    m.add_argument("--period", required=True, help="quarter, e.g. 2025Q2")
    _fmt_arg(m)
    k = ps["pack"]
    k.add_argument("--as-of", dest="as_of", type=_when, default=None, help="report date YYYY-MM-DD or 2025Q4 (default: latest quarter end with data)")
    k.add_argument("--known-at", dest="known_at", type=_when, default=None, help="vintage (default: the newest value in the store)")
    k.add_argument("--out", default=None, help="output folder (default test-artifacts/pack-<date>)")
    k.add_argument("--zip", dest="zip", action="store_true", help="also write <out>.zip of the folder's files")
    u = ps["publish"]
    u.add_argument("--as-of", dest="as_of", type=_when, default=None, help="report date YYYY-MM-DD or 2025Q4 (default: the latest quarter with data)")
    u.add_argument("--out", default="site", help="output folder (default: site/)")
    u.add_argument("--db", default=None)
    e = ps["export"]
    e.add_argument("--as-of", dest="as_of", type=_when, default=None,
                   help="report date of the assessment, YYYY-MM-DD or 2025Q4 (default: the latest quarter with data)")
    e.add_argument("--known-at", dest="known_at", type=_when, default=None,
                   help="vintage: values reported by this date (default: the newest value in the store)")
    e.add_argument("--out", required=True, help="folder to write (created; files of the same names replaced)")
    e.add_argument("--db", default=None)
    return parser


# commands that read the store / write it / need the curated data
_READS_DB = {"status", "midpoint", "ranking", "missing", "pack", "serve", "export", "publish"}
_WRITES_DB = {"build", "ingest"}
_NEEDS_DATA = {"build", "ingest", "template", "catalog"}
_DUCKDB_MAGIC = b"DUCK"


class _Refused(Exception):
    """One line for the user and an exit code."""

    def __init__(self, line: str, code: int = 1):
        super().__init__(line)
        self.code = code


def _check_environment(args) -> None:
    """Catch the set-up mistakes before any work: one line each (exit 2 usage, 1 refused)."""
    from . import paths

    name = args.command
    if name in _READS_DB | _WRITES_DB:
        db = Path(args.db) if getattr(args, "db", None) else paths.db_path()
        where = "--db" if getattr(args, "db", None) else ("SHIWU_DB" if os.environ.get("SHIWU_DB") else "the store")
        if db.is_dir():
            raise _Refused(f"shiwu {name}: {where} {db} is a folder (expected the path of a .duckdb file, "
                           f"e.g. {db / 'shiwu.duckdb'})", 2)
        if db.is_file():
            try:
                with open(db, "rb") as fh:
                    head = fh.read(16)
            except OSError as exc:
                raise _Refused(f"shiwu {name}: cannot read {db} ({exc.strerror})") from None
            if len(head) < 12 or head[8:12] != _DUCKDB_MAGIC:
                raise _Refused(f"shiwu {name}: {db} is not a DuckDB file (expected the store built by `shiwu build`; "
                               f"move it away or point SHIWU_DB at another path)")
    if name in _NEEDS_DATA:
        cur = paths.curated_dir()
        if not (cur / "projects.csv").is_file():
            src = "SHIWU_DATA_DIR" if os.environ.get("SHIWU_DATA_DIR") else "the data directory"
            raise _Refused(f"shiwu {name}: {src} {paths.data_dir()} has no curated/projects.csv "
                           f"(expected the repository's data/ folder or a copy of it)")


def _run_build(handler, args) -> int:
    """``shiwu build`` under the writer lock, after removing the leftovers of killed writers."""
    from . import locking, paths

    target = Path(args.db) if getattr(args, "db", None) else paths.db_path()
    target.parent.mkdir(parents=True, exist_ok=True)

    def waiting(line: str) -> None:
        sys.stderr.write(f"shiwu build: {line}\n")
        sys.stderr.flush()

    with locking.writer_lock(target, on_wait=waiting):
        removed = locking.clean_stale_staging(target)
        if not getattr(args, "db", None):
            removed += locking.clean_archive_leftovers()
        if removed:
            sys.stderr.write(f"shiwu build: removed {len(removed)} leftover file(s) of interrupted writers\n")
        return handler(args)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror + (f": {exc.filename}" if exc.filename else "")
    else:
        text = str(exc)
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= 400 else text[:400] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module, func, _ = COMMANDS[args.command]
    name = args.command
    try:
        handler = getattr(import_module(module), func)
    except (ImportError, AttributeError) as exc:  # a part not installed in this build
        sys.stderr.write(f"shiwu {name}: not available ({exc})\n")
        return 2
    try:
        _check_environment(args)
        rc = _run_build(handler, args) if name == "build" else handler(args)
    except _Refused as exc:
        sys.stderr.write(f"{exc}\n")
        return exc.code
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - every error a user can cause is one line
        from .locking import WriterBusy

        try:
            from .returns.cli import UsageError
        except ImportError:  # pragma: no cover
            UsageError = ()  # type: ignore[assignment]  # noqa: N806
        if os.environ.get("SHIWU_DEBUG"):
            traceback.print_exc()
        from .errors import ShiwuError

        if isinstance(exc, ShiwuError):          # a bad input named in one line (shiwu_lib.errors)
            sys.stderr.write(f"shiwu {name}: {exc}\n")
            return 2
        if isinstance(exc, UsageError):
            msg = str(exc)
            sys.stderr.write((msg if msg.startswith("shiwu ") else f"shiwu {name}: {msg}") + "\n")
            return 2
        if isinstance(exc, (FileNotFoundError, WriterBusy)):
            sys.stderr.write(f"shiwu {name}: {_one_line(exc)}\n")
            return 1
        if isinstance(exc, OSError):
            sys.stderr.write(f"shiwu {name}: {_one_line(exc)}\n")
            return 1
        kind = type(exc).__name__
        sys.stderr.write(f"shiwu {name}: failed ({kind}: {_one_line(exc)}); set SHIWU_DEBUG=1 for details\n")
        return 1
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
