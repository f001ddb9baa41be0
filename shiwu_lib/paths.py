"""Where the repository's data lives.

``SHIWU_DATA_DIR`` overrides the data directory (tests point it at a temporary copy).
"""
from __future__ import annotations

import os
from pathlib import Path

PLAN_FILENAME = "yzbf-2023-15_ten-major-projects_plan.txt"


def repo_root() -> Path:
    """The repository root (the folder holding ``shiwu_lib/``)."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """``data/`` of the repository, or ``$SHIWU_DATA_DIR`` when set."""
    env = os.environ.get("SHIWU_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return repo_root() / "data"


def curated_dir() -> Path:
    return data_dir() / "curated"


def raw_dir() -> Path:
    return data_dir() / "raw"


def plan_path() -> Path:
    """The verbatim text of the plan 义政办发〔2023〕15号 (never edited)."""
    return raw_dir() / "plan" / PLAN_FILENAME


def returns_dir() -> Path:
    """Archive of accepted department workbooks, stored as received under their sha256."""
    return raw_dir() / "returns"


def db_path() -> Path:
    """The built DuckDB file: ``$SHIWU_DB`` or ``<data dir>/shiwu.duckdb``."""
    env = os.environ.get("SHIWU_DB")
    return Path(env).expanduser().resolve() if env else data_dir() / "shiwu.duckdb"


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


def artifacts_dir() -> Path:
    """Test and export artifacts (git-ignored)."""
    return repo_root() / "test-artifacts"
