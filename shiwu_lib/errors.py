"""shiwu's own errors: one line that names the input and says what was expected.

Every error a researcher can cause with a bad argument to the public API (``shiwu_lib.open``,
:class:`shiwu_lib.api.Database`) is an :class:`InputError` — a ``ValueError``, so existing
``except ValueError`` code keeps working — raised *before* any work, so the message is the whole
story (no 13-frame pandas traceback)::

    >>> db.status(as_of="2025Q9")                                          # doctest: +SKIP
    shiwu_lib.errors.InputError: as_of='2025Q9': expected a date YYYY-MM-DD or a quarter like 2025Q4

The checks (:func:`check_date`, :func:`check_project_no`, :func:`check_choice`, …) return the
parsed value so a method can validate and convert in one line.
"""
from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from . import periods

__all__ = ["ShiwuError", "InputError", "UnknownTargetError", "UnknownRegionError",
           "check_date", "check_project_no", "check_choice", "check_period_label", "check_text"]


class ShiwuError(ValueError):
    """Base class of shiwu's own errors (a ValueError with a one-line message)."""


class InputError(ShiwuError):
    """A bad argument to the public API: ``<name>=<value>: expected …`` (one line).

    ``argument``, ``value`` and ``expected`` hold the parts, for code that wants them."""

    def __init__(self, argument: str, value, expected: str):
        self.argument, self.value, self.expected = argument, value, expected
        super().__init__(f"{argument}={_show(value)}: {expected}")


class UnknownTargetError(InputError, KeyError):
    """A target id that is not in the region's catalog (also a KeyError, as lookups raised before)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0] if self.args else ""


class UnknownRegionError(InputError):
    """A region without a plan description (data/curated/plans/*.toml)."""


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


DATE_EXPECTED = "expected a date YYYY-MM-DD or a quarter like 2025Q4"


def check_date(name: str, value, allow_none: bool = True) -> date | None:
    """``value`` as a date (YYYY-MM-DD, a quarter label such as 2025Q4 = its last day, a date,
    datetime or Timestamp), None passed through when ``allow_none``; else :class:`InputError`."""
    if value is None:
        if allow_none:
            return None
        raise InputError(name, value, DATE_EXPECTED)
    if isinstance(value, bool):
        raise InputError(name, value, DATE_EXPECTED)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            raise InputError(name, value, DATE_EXPECTED)
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InputError(name, value, DATE_EXPECTED)
    s = value.strip()
    if periods.is_quarter_label(s):
        try:
            return periods.quarter_label_end(s)
        except ValueError:
            raise InputError(name, value, "expected a quarter 2025Q1 … 2025Q4 (or a date YYYY-MM-DD)") from None
    # YYYY-MM-DD, optionally followed by a time (2025-12-31T00:00, 2025-12-31 08:00:00)
    if len(s) >= 10 and s[4] == "-" and s[7] == "-" and (len(s) == 10 or s[10] in "T "):
        try:
            return date.fromisoformat(s[:10])
        except ValueError:
            raise InputError(name, value, "expected a real calendar date YYYY-MM-DD "
                             "(month 01–12, a day the month has)") from None
    if len(s) == 8 and s.isdigit():                       # 20251231, as date.fromisoformat reads it
        try:
            return date.fromisoformat(s)
        except ValueError:
            pass
    raise InputError(name, value, DATE_EXPECTED)


def check_project_no(value, count: int = 10, name: str = "project_no", allow_none: bool = True) -> int | None:
    """A project number 1..``count`` (ints, or digit strings such as "3"); None passed through."""
    if value is None and allow_none:
        return None
    expected = f"expected a project number 1–{count} (or None for all projects)"
    if isinstance(value, bool):
        raise InputError(name, value, expected)
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InputError(name, value, expected) from None
    if isinstance(value, float) and value != n:
        raise InputError(name, value, expected)
    if not 1 <= n <= count:
        raise InputError(name, value, expected)
    return n


def check_choice(name: str, value, choices) -> str:
    """One of ``choices`` (exact strings)."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        hint = ""
        if isinstance(value, str):
            close = [c for c in choices if value.lower() in c.lower() or c.lower() in value.lower()]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(name, value, "expected " + " or ".join(repr(c) for c in choices) + hint)
    return value


def check_period_label(value, name: str = "period_label") -> str:
    """A reporting quarter label such as 2025Q2."""
    s = str(value).strip() if isinstance(value, str) else ""
    if periods.is_quarter_label(s):
        try:
            return periods.quarter_label(periods.quarter_label_end(s))
        except ValueError:
            pass
    raise InputError(name, value, "expected a quarter label like 2025Q2")


def check_text(name: str, value, allow_none: bool = True, what: str = "a non-empty string") -> str | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(name, value, f"expected {what}")
    return value
