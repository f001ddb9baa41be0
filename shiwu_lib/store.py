"""The DuckDB store: read-only connections, the curated loader and the atomic build-and-rename.

:func:`build_atomically` writes a *new* file beside the published one and lets the build's steps
(:func:`shiwu_lib.build.run`: curated plan tables, published actuals, archived department returns,
the labelled demo returns, the assessment) fill it, runs ``CHECKPOINT``, closes it and
``os.replace``-s it over the old file. A dashboard that has the old file open keeps reading the old data until it reconnects; it
never sees a half-built database (see shared/stack-notes.md on DuckDB locking).

The build is deterministic: the same inputs give the same rows (the demo generator is seeded,
``build_info`` records input hashes, not clock times).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

import duckdb

from . import locking, metadata, paths, plan

# Per-connection limits: a dashboard kernel must not take 80% of RAM and all cores.
CONNECTION_CONFIG = {"memory_limit": "512MB", "threads": 2}

CURATED_TABLES = ("projects.csv", "indicators.csv", "targets.csv", "key_tasks.csv")


def sql_text(name: str) -> str:
    """The text of ``shiwu_lib/sql/<name>`` (views.sql)."""
    return resources.files("shiwu_lib").joinpath("sql", name).read_text(encoding="utf-8")


def demo_enabled(flag: bool | None = None) -> bool:
    """Demo returns are loaded unless ``flag`` is False or ``SHIWU_DEMO`` is 0/off/false/no."""
    if flag is not None:
        return flag
    return os.environ.get("SHIWU_DEMO", "1").strip().lower() not in {"0", "off", "false", "no"}


def connect(db_path: str | os.PathLike | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store. Read-only by default, so many dashboards can read while nobody writes."""
    path = Path(db_path) if db_path else paths.db_path()
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `shiwu build` first")
    return duckdb.connect(str(path), read_only=read_only, config=dict(CONNECTION_CONFIG))


def load_curated(con: duckdb.DuckDBPyConnection, curated: Path | None = None) -> None:
    """Load the reviewed plan tables (projects, indicators, targets, key tasks) from the curated CSVs
    their description names (metadata.toml ``curated``), each cell cast by its column's type; then
    derive ``units`` (lead and responsible units of each project)."""
    cur = curated or paths.curated_dir()
    region = plan.default_region()
    for t in metadata.tables().values():
        for name in t.curated:
            if (cur / name).exists() or name == t.curated[0]:
                metadata.insert_curated(con, t.name, cur / name, region,
                                        order_by=", ".join(f'"{k}"' for k in t.primary_key) or None)
    con.execute("""
        INSERT INTO units
        SELECT DISTINCT region, unit_name, project_no, role FROM (
            SELECT region, lead_unit AS unit_name, project_no, 'lead' AS role FROM projects
            UNION ALL
            SELECT region, unnest(responsible_units), project_no, 'responsible' FROM projects)
        ORDER BY 1, 2, 3, 4""")
    # 核心指标 rows name a target; their indicator is the target's (one fact, written once)
    con.execute("""UPDATE core_indicators c SET indicator_id = t.indicator_id FROM targets t
                   WHERE t.region = c.region AND t.target_id = c.target_id""")


def input_fingerprint() -> str:
    """sha256 over the curated tables and plan descriptions and the archived returns: what a build
    was made from (``build_info.inputs_sha256``).

    Each file's own sha256 is taken from :func:`file_sha256` (hashed again whenever the file's size,
    mtime, ctime or inode differ from when it was hashed), so the value is the same as hashing every
    byte, and an unchanged province (660 MB of CSVs) is checked by ``stat`` instead of read."""
    h = hashlib.sha256()
    cur = paths.curated_dir()
    files = sorted(cur.glob("*.csv")) + sorted((cur / "plans").glob("*.toml")) + sorted(paths.returns_dir().glob("*"))
    cache = _hash_cache()
    before = dict(cache)
    for f in files:
        h.update(f.name.encode())
        h.update(file_sha256(f, cache))
    if cache != before:
        _save_hash_cache(cache)
    return h.hexdigest()


#: a file changed less than this many seconds before it was hashed is hashed again next time (a write
#: within the file system's timestamp granularity could otherwise keep size and times unchanged)
_RACY_SECONDS = 2.0
_HASHES: dict[str, list] = {}


def _hash_cache_path() -> Path | None:
    """``$SHIWU_HASH_CACHE`` (``off`` / ``0``: no file), else ``$XDG_CACHE_HOME/shiwu/input-hashes.json``."""
    env = os.environ.get("SHIWU_HASH_CACHE", "").strip()
    if env.lower() in ("0", "off", "false", "no"):
        return None
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "shiwu" / "input-hashes.json"


def _hash_cache() -> dict[str, list]:
    p = _hash_cache_path()
    if p is not None and not _HASHES:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                _HASHES.update({k: v for k, v in data.items() if isinstance(v, list) and len(v) == 5})
        except (OSError, ValueError):
            pass
    return _HASHES


def _save_hash_cache(cache: dict[str, list]) -> None:
    """Write the cache atomically; a cache that cannot be written only costs a re-hash next time."""
    p = _hash_cache_path()
    if p is None:
        return
    if len(cache) > 5000:       # temporary data folders of tests come and go
        for k in [k for k in cache if not os.path.exists(k)]:
            del cache[k]
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f"{p.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        os.replace(tmp, p)
    except OSError:
        pass


def file_sha256(f: Path, cache: dict[str, list] | None = None) -> bytes:
    """sha256 digest of the file's bytes; reused from ``cache`` only while its stat key is unchanged."""
    st = f.stat()
    key = str(f.resolve())
    stat_key = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    if cache is not None:
        hit = cache.get(key)
        if hit is not None and hit[:4] == stat_key:
            return bytes.fromhex(hit[4])
    h = hashlib.sha256()
    with open(f, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.digest()
    if cache is not None:
        after = f.stat()
        changed_at = max(after.st_mtime_ns, after.st_ctime_ns) / 1e9
        if [after.st_size, after.st_mtime_ns, after.st_ctime_ns, after.st_ino] == stat_key \
                and time.time() - changed_at > _RACY_SECONDS:
            cache[key] = stat_key + [digest.hex()]
        else:
            cache.pop(key, None)
    return digest


_input_fingerprint = input_fingerprint   # the name ingest's crash check used before the build steps


def build_atomically(db_path: str | os.PathLike | None, fill: Callable[[duckdb.DuckDBPyConnection], None]) -> Path:
    """Create a new store beside ``db_path``, let ``fill`` write it, CHECKPOINT, close and rename it over
    ``db_path``. If ``fill`` raises, the staging file is removed and the old store stays byte-identical.
    """
    target = Path(db_path) if db_path else paths.db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with locking.writer_lock(target):          # one writer: re-entrant under ingest and `shiwu build`
        locking.clean_stale_staging(target)    # files of builds that were killed
        # Not "<db>.tmp": that is DuckDB's default temp folder name.
        staging = target.with_name(f"{target.name}.building-{os.getpid()}")
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        con = duckdb.connect(str(staging), config=dict(CONNECTION_CONFIG))
        try:
            fill(con)
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            staging.unlink(missing_ok=True)
            staging.with_name(staging.name + ".wal").unlink(missing_ok=True)
            raise
        con.close()
        try:
            # A leftover WAL beside a replaced file makes later opens fail.
            target.with_name(target.name + ".wal").unlink(missing_ok=True)
            os.replace(staging, target)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
    return target


# --------------------------------------------------------------------------- store vs data (crash check)
@dataclass
class StoreState:
    """``current``: the store was built from the data as it is now."""

    current: bool
    db_path: Path
    reason: str = ""                 # one line when not current
    demo_loaded: bool | None = None  # what the existing store was built with (None: no store)

    def line(self) -> str:
        return f"the store {self.db_path} is up to date" if self.current else self.reason


def read_build_info(db_path: str | os.PathLike | None = None) -> dict[str, str] | None:
    """``build_info`` of the store as a dict, or None when there is no readable store."""
    target = Path(db_path) if db_path else paths.db_path()
    if not target.is_file():
        return None
    try:  # the configuration of connect: a dashboard's open connection can share the file
        con = connect(target, read_only=True)
    except Exception:  # noqa: BLE001 - not a DuckDB file, or locked by a writer of another kind
        return None
    try:
        return dict(con.execute("SELECT key, value FROM build_info").fetchall())
    except Exception:  # noqa: BLE001 - a store without build_info
        return {}
    finally:
        con.close()


def store_state(db_path: str | os.PathLike | None = None, build_info: dict | None = None) -> StoreState:
    """Compare the store's recorded input fingerprint with the data directory now.

    ``build_info``: the store's ``build_info`` as already read through an open connection (e.g.
    ``sw.open().build_info()``) — then the file is not opened again (DuckDB refuses a second
    connection to one file with another configuration in the same process).
    """
    target = Path(db_path) if db_path else paths.db_path()
    info = build_info if build_info is not None else read_build_info(target)
    if info is None:
        return StoreState(False, target, f"the store {target} does not exist or cannot be read: it must be built")
    demo = {"true": True, "false": False}.get(info.get("demo_loaded", ""))
    recorded = info.get("inputs_sha256")
    try:
        now = input_fingerprint()
    except OSError as exc:
        return StoreState(False, target, f"cannot read the data directory ({exc})", demo)
    if recorded != now:
        return StoreState(False, target, f"the store {target.name} was not built from the data as it is now "
                                         f"(an interrupted ingest or build, or changed data): it must be rebuilt", demo)
    return StoreState(True, target, "", demo)
