"""`shiwu` command line: thin wrappers over the library.

Every subcommand imports its module lazily so `shiwu --help` stays fast and a broken optional
part cannot take the others down. Exit codes: 0 ok, 1 the command ran and found a problem
(e.g. a rejected workbook), 2 usage errors (unknown subcommand, bad option) with a one-line message.
"""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

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
    "pack": ("shiwu_lib.pack", "cli_pack", "quarterly pack: chart PNGs, the 晾晒 Excel workbook and the briefing text"),
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        prog = self.prog
        sys.stderr.write(f"{prog}: error: {message} (see '{prog} --help')\n")
        raise SystemExit(2)


def _date(text: str) -> str:
    """argparse type for report dates: YYYY-MM-DD."""
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


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

    c = ps["catalog"]
    c.add_argument("--format", choices=["summary", "csv", "json"], default="summary")
    c.add_argument("--out", default=None, help="write the export to this file")
    c.add_argument("--project", type=int, choices=range(1, 11), metavar="N", default=None)

    for name in ("status", "midpoint", "ranking"):
        p = ps[name]
        _fmt_arg(p)
        p.add_argument("--project", type=int, choices=range(1, 11), metavar="N", default=None)
        p.add_argument("--db", default=None)
    ps["status"].add_argument("--as-of", dest="as_of", type=_date, default=None, help="report date YYYY-MM-DD (default today)")
    ps["ranking"].add_argument("--as-of", dest="as_of", type=_date, default=None, help="report date YYYY-MM-DD (default today)")
    ps["ranking"].add_argument("--by", choices=["project", "lead_unit"], default="project")
    ps["midpoint"].add_argument("--as-of", dest="as_of", type=_date, default=None, help="data as known on this date (default today)")

    t = ps["template"]
    t.add_argument("--project", type=int, choices=range(1, 11), metavar="N", required=True)
    t.add_argument("--period", required=True, help="quarter, e.g. 2025Q2")
    t.add_argument("--out", required=True, help="workbook to write (.xlsx)")
    t.add_argument("--region", default="义乌")

    i = ps["ingest"]
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--dry-run", action="store_true", help="validate only; change nothing")

    m = ps["missing"]
    m.add_argument("--period", required=True, help="quarter, e.g. 2025Q2")
    _fmt_arg(m)
    k = ps["pack"]
    k.add_argument("--as-of", dest="as_of", type=_date, default=None, help="report date (default: latest quarter end with data)")
    k.add_argument("--out", default=None, help="output folder (default test-artifacts/pack-<date>)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module, func, _ = COMMANDS[args.command]
    try:
        handler = getattr(import_module(module), func)
    except (ImportError, AttributeError) as exc:  # a part not installed in this build
        sys.stderr.write(f"shiwu {args.command}: not available ({exc})\n")
        return 2
    try:
        rc = handler(args)
    except FileNotFoundError as exc:
        sys.stderr.write(f"shiwu {args.command}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
