"""One description of every table, view and column of the store (``shiwu_lib/sql/metadata.toml``).

It writes, from that one source:

* the store's ``COMMENT ON TABLE / VIEW / COLUMN`` (so ``DESCRIBE`` and ``duckdb_columns()`` explain
  the store by themselves) — :func:`apply_comments`, a build step;
* the DDL of the computed ``out_`` tables — :func:`create_out_table`;
* the data dictionary ``docs/data-dictionary.md`` — ``python -m shiwu_lib.metadata --write``
  (``--check`` fails when the file is out of date; a test runs it).

:func:`check_store` is the build's validation that the store and the description agree: a table,
view or column that is not described, or a described one that is missing, fails the build with one
line naming it.
"""
from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path


class MetadataError(ValueError):
    """The store and its description disagree (one line)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str | None      # DuckDB type (out_ tables only)
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    kind: str             # table | view
    layer: str            # meta | core | out | view
    description: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name} is not described in metadata.toml")


def _parse_column(table: str, name: str, text: str, typed: bool) -> Column:
    if typed:
        if "|" not in text:
            raise MetadataError(f"metadata.toml: {table}.{name} needs 'TYPE | description'")
        t, d = (s.strip() for s in text.split("|", 1))
        return Column(name, t, d)
    return Column(name, None, text.strip())


@lru_cache(maxsize=1)
def tables() -> dict[str, Table]:
    """Every described table and view, by name (views inherit their base table's column texts)."""
    raw = tomllib.loads(resources.files("shiwu_lib").joinpath("sql", "metadata.toml").read_text(encoding="utf-8"))
    out: dict[str, Table] = {}
    for name, body in raw.get("tables", {}).items():
        typed = body.get("layer") == "out"
        cols = tuple(_parse_column(name, c, t, typed) for c, t in body.get("columns", {}).items())
        out[name] = Table(name, "table", body.get("layer", "core"), body["description"], cols)
    for name, body in raw.get("views", {}).items():
        base = out[body["inherits"]].columns if body.get("inherits") else ()
        own = tuple(_parse_column(name, c, t, False) for c, t in body.get("columns", {}).items())
        out[name] = Table(name, "view", "view", body["description"], base + own)
    return out


def out_tables() -> list[Table]:
    return [t for t in tables().values() if t.layer == "out"]


def create_out_table(con, name: str) -> None:
    """CREATE TABLE for a computed out_ table from its description."""
    t = tables()[name]
    cols = ",\n    ".join(f'"{c.name}" {c.type}' for c in t.columns)
    con.execute(f"CREATE TABLE {name} (\n    {cols}\n)")


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def store_objects(con) -> dict[str, tuple[str, list[str]]]:
    """name -> (table | view, [columns]) of the store (the main schema, no internal objects)."""
    out: dict[str, tuple[str, list[str]]] = {}
    rows = con.execute("""SELECT table_name, table_type FROM information_schema.tables
                          WHERE table_schema = 'main' ORDER BY table_name""").fetchall()
    for name, ttype in rows:
        cols = [c for (c,) in con.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position""", [name]).fetchall()]
        out[name] = ("view" if ttype == "VIEW" else "table", cols)
    return out


def check_store(con) -> None:
    """Raise MetadataError (one line) unless every table, view and column is described and vice versa."""
    described = tables()
    present = store_objects(con)
    for name, (kind, cols) in present.items():
        if name not in described:
            raise MetadataError(f"{kind} {name} is in the store but not described in shiwu_lib/sql/metadata.toml")
        want = [c.name for c in described[name].columns]
        extra = [c for c in cols if c not in want]
        if extra:
            raise MetadataError(f"{name}: column(s) {', '.join(extra)} not described in shiwu_lib/sql/metadata.toml")
        gone = [c for c in want if c not in cols]
        if gone:
            raise MetadataError(f"{name}: described column(s) {', '.join(gone)} are not in the store")
    missing = sorted(set(described) - set(present))
    if missing:
        raise MetadataError(f"described but not in the store: {', '.join(missing)}")


def apply_comments(con) -> None:
    """COMMENT ON every table, view and column of the store from the description."""
    for name, (kind, cols) in store_objects(con).items():
        t = tables()[name]
        con.execute(f"COMMENT ON {'VIEW' if kind == 'view' else 'TABLE'} {name} IS {_q(t.description)}")
        for c in cols:
            con.execute(f'COMMENT ON COLUMN {name}."{c}" IS {_q(t.column(c).description)}')


def data_dictionary() -> str:
    """docs/data-dictionary.md, generated (do not edit by hand)."""
    lines = ["# Data dictionary of the store (data/shiwu.duckdb)", "",
             "Generated from `shiwu_lib/sql/metadata.toml` by `python -m shiwu_lib.metadata --write`; the same "
             "text is in the store as `COMMENT ON` (try `SELECT table_name, comment FROM duckdb_tables()` or "
             "`SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'out_target_status'`). "
             "Layers: core (loaded from data/curated and the sources), out (computed by the build: the "
             "assessment), view (readable SQL over the core tables), meta.", ""]
    order = {"core": 0, "view": 1, "out": 2, "meta": 3}
    for t in sorted(tables().values(), key=lambda t: (order.get(t.layer, 9), t.name)):
        lines += [f"## `{t.name}` ({t.kind}, {t.layer})", "", t.description, "",
                  "| column | type | description |", "|---|---|---|"]
        for c in t.columns:
            lines.append(f"| `{c.name}` | {c.type or ''} | {c.description.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def _doc_path() -> Path:
    return Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    text = data_dictionary()
    if args == ["--write"]:
        _doc_path().write_text(text, encoding="utf-8")
        print(f"wrote {_doc_path()}")
        return 0
    if args == ["--check"]:
        current = _doc_path().read_text(encoding="utf-8") if _doc_path().exists() else ""
        if current != text:
            print(f"{_doc_path()} is out of date: run python -m shiwu_lib.metadata --write", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m shiwu_lib.metadata --write | --check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
