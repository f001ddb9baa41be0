"""CLI handlers wired by ``shiwu_lib.cli``: ``shiwu template | ingest | missing``."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import common


def cli_template(args) -> int:
    """shiwu template --project N --period 2025Q2 --out FILE [--region 义乌]"""
    from .template import write_template

    region = getattr(args, "region", None) or common.DEFAULT_REGION
    try:
        out = write_template(int(args.project), args.period, Path(args.out), region=region)
    except (ValueError, KeyError) as exc:
        sys.stderr.write(f"shiwu template: {exc}\n")
        return 1
    p = common.parse_period(args.period)
    print(f"wrote {out} (project {args.project}, {args.period}, {region}; due {p.deadline.isoformat()})")
    return 0


def cli_ingest(args) -> int:
    """shiwu ingest FILE... [--dry-run]: prints every error; exit 1 on any rejection."""
    from .archive import ingest_files

    report = ingest_files([Path(f) for f in args.files], dry_run=bool(getattr(args, "dry_run", False)))
    for line in report.lines():
        print(line)
    n_rej = len(report.rejected)
    print(f"{len(report.results)} file(s): {len(report.accepted)} accepted, {n_rej} rejected, "
          f"{sum(r.status == 'already ingested' for r in report.results)} already ingested"
          + (" (dry run: nothing changed)" if report.dry_run else ""))
    return report.exit_code


def cli_missing(args) -> int:
    """shiwu missing --period 2025Q2 [--format table|csv|json] [--out FILE]"""
    from .. import store
    from .missing import missing_returns

    con = store.connect(getattr(args, "db", None))
    try:
        df = missing_returns(con, args.period, region=getattr(args, "region", None) or common.DEFAULT_REGION)
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
            text = f"{args.period}: all projects have returned all three tables (全部报送)\n"
        else:
            show = df[["project_no", "project", "lead_unit", "sheet", "deadline", "days_overdue", "status"]]
            text = f"{args.period} 未报送 ({len(df)}):\n" + show.to_string(index=False) + "\n"
    out = getattr(args, "out", None)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
