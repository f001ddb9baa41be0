"""shiwu_lib — progress tracking for Yiwu's Ten Major Projects (义乌“十项重大工程”).

Researchers start here::

    import shiwu_lib as sw
    db = sw.open()                       # read-only connection to data/shiwu.duckdb
    db.status(as_of="2025-12-31")        # one row per target with its light and reason
    db.midpoint_check()                  # the 2025 midpoint check
    db.ranking(as_of="2025Q4")           # 晾晒 ranking with 位次变化
    db.sql("select * from targets where project_no = 5")
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["open", "Database", "__version__"]


def open(path=None, read_only: bool = True, region: str | None = None, rules=None):  # noqa: A001 - the entry point
    """Open the built store (default ``$SHIWU_DB`` or ``data/shiwu.duckdb``) and return a :class:`Database`
    for ``region`` (default: the plan description marked default, 义乌) judged with ``rules`` (a Rules,
    a rules TOML path, or None for $SHIWU_RULES / the shipped rules.toml)."""
    from .api import Database

    return Database(path, read_only=read_only, region=region, rules=rules)


def __getattr__(name):
    if name == "Database":
        from .api import Database

        return Database
    raise AttributeError(name)
