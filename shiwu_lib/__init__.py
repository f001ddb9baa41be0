"""shiwu_lib — progress tracking for Yiwu's Ten Major Projects (义乌“十项重大工程”).

Researchers start here::

    import shiwu_lib as sw
    db = sw.open()                       # read-only connection to data/shiwu.duckdb
    db.status(as_of="2025-12-31")        # one row per target with its light and reason
    db.midpoint_check()                  # the 2025 midpoint check
    db.ranking(as_of="2025-12-31")       # 晾晒 ranking
    db.sql("select * from targets where project_no = 5")
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["open", "Database", "__version__"]


def open(path=None, read_only: bool = True):  # noqa: A001 - the documented entry point
    """Open the built store (default ``$SHIWU_DB`` or ``data/shiwu.duckdb``) and return a :class:`Database`."""
    from .api import Database

    return Database(path, read_only=read_only)


def __getattr__(name):
    if name == "Database":
        from .api import Database

        return Database
    raise AttributeError(name)
