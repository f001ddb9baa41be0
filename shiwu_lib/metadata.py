"""One description of every table, view and column of the store (``shiwu_lib/sql/metadata.toml``).

It writes, from that one source:

* the store's ``COMMENT ON TABLE / VIEW / COLUMN`` (so ``DESCRIBE`` and ``duckdb_columns()`` explain
  the store by themselves) — :func:`apply_comments`, a build step;
* the DDL of every table — :func:`schema_sql` / :func:`create_schema` (core and meta tables, with
  their keys, defaults and checks) and :func:`create_out_table` (the computed ``out_`` tables);
* the one typed reader of the curated CSVs — :func:`curated_select` (SQL, the build) and
  :func:`read_curated` (pandas, the catalog checks): a cell is cast by its column's type, an empty
  cell of a nullable column is NULL;
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
    type: str | None      # DuckDB type with its constraints (tables); None for a view's own columns
    description: str

    @property
    def base_type(self) -> str:
        """The type without constraints: 'VARCHAR NOT NULL DEFAULT …' -> 'VARCHAR'."""
        return (self.type or "VARCHAR").split()[0]

    @property
    def not_null(self) -> bool:
        return "NOT NULL" in (self.type or "")


@dataclass(frozen=True)
class Table:
    name: str
    kind: str             # table | view
    layer: str            # meta | core | out | view
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()
    curated: tuple[str, ...] = ()     # data/curated files loaded into it (same column names)

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
        cols = tuple(_parse_column(name, c, t, True) for c, t in body.get("columns", {}).items())
        out[name] = Table(name, "table", body.get("layer", "core"), body["description"], cols,
                          tuple(body.get("primary_key", ())), tuple(body.get("sequences", ())),
                          tuple(body.get("curated", ())))
    for name, body in raw.get("views", {}).items():
        base = out[body["inherits"]].columns if body.get("inherits") else ()
        own = tuple(_parse_column(name, c, t, False) for c, t in body.get("columns", {}).items())
        out[name] = Table(name, "view", "view", body["description"], base + own)
    return out


def out_tables() -> list[Table]:
    return [t for t in tables().values() if t.layer == "out"]


def _column_ddl(c: Column, default_region: str) -> str:
    return f'"{c.name}" ' + (c.type or "VARCHAR").replace("{default_region}", _q(default_region))


def table_ddl(name: str, default_region: str) -> str:
    """CREATE TABLE of one described table: its columns, keys, defaults and checks."""
    t = tables()[name]
    parts = [_column_ddl(c, default_region) for c in t.columns]
    if t.primary_key:
        parts.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in t.primary_key) + ")")
    body = ",\n    ".join(parts)
    return f"CREATE TABLE {name} (\n    {body}\n);"


def schema_sql(default_region: str) -> str:
    """The DDL of the store's loaded tables (meta and core layers), generated from the description;
    the out_ tables are created by :func:`create_out_table` when the assessment writes them."""
    stmts: list[str] = []
    for t in tables().values():
        if t.kind != "table" or t.layer == "out":
            continue
        stmts += [f"CREATE SEQUENCE {s} START 1;" for s in t.sequences]
        stmts.append(f"-- {t.name}: {t.description}")
        stmts.append(table_ddl(t.name, default_region))
    return "\n".join(stmts) + "\n"


def create_schema(con, default_region: str) -> None:
    """Create the meta and core tables of an empty store."""
    con.execute(schema_sql(default_region))


def create_out_table(con, name: str) -> None:
    """CREATE TABLE for a computed out_ table from its description."""
    t = tables()[name]
    cols = ",\n    ".join(f'"{c.name}" {c.type}' for c in t.columns)
    con.execute(f"CREATE TABLE {name} (\n    {cols}\n)")


# ----------------------------------------------------------------------------------------------
# the one typed reader of the curated CSVs
# ----------------------------------------------------------------------------------------------

def _csv_header(path: Path) -> list[str]:
    import csv
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh), [])


def _cast_sql(c: Column, default_region: str) -> str:
    """SQL casting the text cell ``c.name`` to the column's type; empty cells of nullable columns -> NULL."""
    col = f'"{c.name}"'
    if c.name == "region":
        return f"coalesce(nullif(trim({col}), ''), {_q(default_region)})"
    t = c.base_type
    if t.endswith("[]"):
        return (f"list_filter(list_transform(string_split(coalesce({col}, ''), ';'), lambda x: trim(x)), "
                f"lambda x: x <> '')")
    if t == "BOOLEAN":
        return f"coalesce(lower(trim({col})) IN ('true', '1', 'yes', 'y', '是'), false)"
    if t == "VARCHAR":
        return col if c.not_null else f"nullif({col}, '')"
    if c.not_null:
        return f"CAST({col} AS {t})"
    return f"TRY_CAST(nullif(trim({col}), '') AS {t})"


def curated_select(table: str, path: Path, default_region: str, order_by: str | None = None) -> str:
    """``SELECT …`` reading one curated CSV as rows of ``table``: every described column cast by its type
    (columns the file lacks are NULL; columns the table lacks are ignored)."""
    t = tables()[table]
    have = set(_csv_header(path))
    exprs = []
    for c in t.columns:
        if c.name in have:
            exprs.append(f'{_cast_sql(c, default_region)} AS "{c.name}"')
        elif c.name == "region":
            exprs.append(f'{_q(default_region)} AS "region"')
        else:
            exprs.append(f'CAST(NULL AS {c.base_type}) AS "{c.name}"')
    src = f"read_csv({_q(Path(path).as_posix())}, header=true, all_varchar=true, delim=',', quote='\"')"
    order = f" ORDER BY {order_by}" if order_by else ""
    return f"SELECT {', '.join(exprs)} FROM {src}{order}"


def insert_curated(con, table: str, path: Path, default_region: str, order_by: str | None = None) -> None:
    """INSERT one curated CSV into its store table through :func:`curated_select`."""
    con.execute(f"INSERT INTO {table} {curated_select(table, path, default_region, order_by)}")


def read_curated(table: str, path: Path):
    """One curated CSV as a pandas frame typed by its table's description (for the catalog checks):
    INTEGER -> Int64 (a non-number is <NA>, which the checks report), DOUBLE -> float,
    BOOLEAN -> bool ('true'/'false'/empty); text stays text, empty text stays ''. Columns the table
    does not describe are kept as text."""
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    cols = {c.name: c for c in tables()[table].columns}
    for name in df.columns:
        c = cols.get(name)
        if c is None:
            continue
        t = c.base_type
        if t in ("INTEGER", "BIGINT", "SMALLINT"):
            df[name] = pd.to_numeric(df[name].replace("", None), errors="coerce").astype("Int64")
        elif t == "DOUBLE":
            df[name] = pd.to_numeric(df[name].replace("", None), errors="coerce")
        elif t == "BOOLEAN":
            df[name + "_raw"] = df[name]
            df[name] = df[name].map({"true": True, "false": False, "": False})
    return df


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
             "assessment), view (readable SQL over the core tables), meta. The store's DDL is generated from "
             "the same description (`shiwu_lib.metadata.schema_sql`).", ""]
    order = {"core": 0, "view": 1, "out": 2, "meta": 3}
    for t in sorted(tables().values(), key=lambda t: (order.get(t.layer, 9), t.name)):
        lines += [f"## `{t.name}` ({t.kind}, {t.layer})", "", t.description, ""]
        if t.primary_key:
            lines += ["Primary key: " + ", ".join(f"`{k}`" for k in t.primary_key) + ".", ""]
        if t.curated:
            lines += ["Loaded from: " + ", ".join(f"`data/curated/{f}`" for f in t.curated)
                      + " (each cell cast by its column's type; an empty cell of a nullable column is NULL).", ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for c in t.columns:
            typ = (c.type or "").replace("{default_region}", "the plan's default region")
            lines.append(f"| `{c.name}` | {typ} | {c.description.replace('|', '/')} |")
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
