"""CLI handlers wired by ``shiwu_lib.cli``: ``shiwu template | ingest | missing``.

Every error a user can cause is one line on stderr: exit 2 for a usage error (a period that is not
a quarter, ``--out`` naming a folder), 1 for refused input or a failure (a rejected workbook, a store
that cannot be read, a full disk).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import common


class UsageError(ValueError):
    """A bad option value: ``shiwu_lib.cli`` prints it as one line and exits 2."""


def quarter_arg(text: str, command: str) -> common.Period:
    """The quarter of ``--period`` or a one-line :class:`UsageError`."""
    try:
        p = common.parse_period(text)
    except ValueError:
        p = None
    if p is None or p.freq != "Q":
        raise UsageError(f"shiwu {command}: --period {text!r} is not a quarter (expected e.g. 2025Q2: year, Q, 1-4)")
    return p


def out_file_arg(text: str, command: str, suffix: str | None = None) -> Path:
    """``--out`` as a file path or a one-line :class:`UsageError` (a folder, a missing parent folder)."""
    out = Path(text).expanduser()
    if out.is_dir():
        raise UsageError(f"shiwu {command}: --out {text} is a folder (expected a file name, e.g. {text.rstrip('/')}/"
                         f"扩投资_2025Q2.xlsx)" if suffix else f"shiwu {command}: --out {text} is a folder (expected a file name)")
    if not out.parent.is_dir():
        raise UsageError(f"shiwu {command}: --out {text}: the folder {out.parent} does not exist")
    if suffix and out.suffix.lower() != suffix:
        raise UsageError(f"shiwu {command}: --out {text} does not end in {suffix} (expected e.g. 扩投资_2025Q2{suffix})")
    return out


def cli_template(args) -> int:
    """shiwu template --project N --period 2025Q2 --out FILE [--region 义乌]"""
    from .template import write_template

    region = getattr(args, "region", None) or common.DEFAULT_REGION
    p = quarter_arg(args.period, "template")
    out = out_file_arg(args.out, "template", ".xlsx")
    try:
        out = write_template(int(args.project), p.label, out, region=region)
    except (ValueError, KeyError) as exc:
        sys.stderr.write(f"shiwu template: {str(exc).strip(chr(39))}\n")
        return 1
    print(f"wrote {out} (project {args.project}, {p.label}, {region}; due {p.deadline.isoformat()})")
    return 0


def cli_ingest(args) -> int:
    """shiwu ingest FILE... [--dry-run]: prints every error; exit 1 on any rejection."""
    from .intake import ingest_files

    def waiting(line: str) -> None:
        sys.stderr.write(f"shiwu ingest: {line}\n")
        sys.stderr.flush()

    report = ingest_files([Path(f) for f in args.files], dry_run=bool(getattr(args, "dry_run", False)),
                          on_wait=waiting)
    for line in report.lines():
        print(line)
    n_rej = len(report.rejected)
    failed = f", {len(report.failed)} failed" if report.failed else ""
    print(f"{len(report.results)} file(s): {len(report.accepted)} accepted, {n_rej} rejected{failed}, "
          f"{sum(r.status == 'already ingested' for r in report.results)} already ingested"
          + (" (dry run: nothing changed)" if report.dry_run else ""))
    return report.exit_code


def cli_missing(args) -> int:
    """shiwu missing --period 2025Q2 [--format table|csv|json] [--out FILE]"""
    from .. import store
    from .missing import missing_returns

    p = quarter_arg(args.period, "missing")
    out = getattr(args, "out", None)
    if out:
        out = out_file_arg(out, "missing")
    con = store.connect(getattr(args, "db", None))
    try:
        df = missing_returns(con, p.label, region=getattr(args, "region", None) or common.DEFAULT_REGION)
    finally:
        con.close()
    fmt = getattr(args, "format", "table") or "table"
    if fmt == "csv":
        text = df.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False)),
                          ensure_ascii=False, indent=2) + "\n"
    else:
        if df.empty:
            text = f"{p.label}: all projects have returned all three tables (全部报送)\n"
        else:
            show = df[["project_no", "project", "lead_unit", "sheet", "deadline", "days_overdue", "status"]]
            text = f"{p.label} 未报送 ({len(df)}):\n" + show.to_string(index=False) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
