"""Numbers, dates and periods written the way Chinese readers write them.

Pure (no I/O, no pandas required). Used by the dashboards (:mod:`shiwu_lib.views`), the charts and
the research notebook, so a value reads the same everywhere:

>>> value(2000, "亿元"), value(1.5, "万亩"), value(15, "%"), pp(3.2)
('2000亿元', '1.5万亩', '15%', '3.2个百分点')
>>> share(0.68), ahead_pp(18.0), ahead_pp(-3.24)
('68%', '快于序时进度18个百分点', '慢于序时进度3.2个百分点')
>>> quarter_zh(date(2025, 6, 30)), period_label_zh("2025Q2", ytd=True), span_zh("2023-2027")
('2025年二季度', '2025年1-6月', '2023—2027年')

Rounding (:func:`number`): at least 1000 → no decimals; 100–1000 → one decimal; smaller → two
decimals (three significant digits below 1); trailing zeros dropped. ``2000.0 → 2000``,
``1443.27 → 1443``, ``132.06 → 132.1``, ``83.27 → 83.27``, ``1.65 → 1.65``, ``0.0125 → 0.0125``.
"""
from __future__ import annotations

import math
import re
from datetime import date

from . import periods as _periods
from . import units as _units

DASH = "—"            # the Chinese range dash: 2023—2027年
MISSING = "—"         # shown for a missing value
CN_DIGITS = "〇一二三四五六七八九十"
QUARTER_ZH, YTD_ZH = _periods.QUARTER_ZH, _periods.YTD_ZH
STATUS_ZH = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "grey": "灰灯"}
STATUS_MEANING_ZH = {"green": "正常推进", "yellow": "稍有滞后", "red": "明显滞后", "grey": "暂无数据"}
COMPARATOR_SUFFIX = {">=": "以上", "<=": "以内", "=": "左右"}
SECTION_ZH = {"five_year": "五年目标", "three_year": "三年行动", "annual_2023": "2023年度任务"}
PERIOD_ZH = {"FY": "全年", "Q1": "一季度", "H1": "上半年", "Q2": "上半年", "Q3": "前三季度", "Q4": "全年"}


def _finite(v) -> bool:
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十."""
    n = int(n)
    if 0 <= n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + CN_DIGITS[n - 10]
    if n < 100:
        tens, ones = divmod(n, 10)
        return CN_DIGITS[tens] + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def cn_value(text: str) -> int:
    """Chinese numerals back to a number (the inverse of :func:`cn_number`): 一 → 1, 十 → 10, 十一 → 11,
    二十三 → 23; ValueError for anything else."""
    t = str(text).strip()
    digits = {c: i for i, c in enumerate(CN_DIGITS) if i}
    if t and all(c in digits for c in t) and len(t) == 1:
        return digits[t]
    m = re.fullmatch(r"([二三四五六七八九])?十([一二三四五六七八九])?", t)
    if m:
        return (digits[m.group(1)] if m.group(1) else 1) * 10 + (digits[m.group(2)] if m.group(2) else 0)
    raise ValueError(f"not a Chinese number 一 … 九十九: {text!r}")


def number(v, digits: int | None = None) -> str:
    """A number without thousands separators and without trailing zeros (see the module doc)."""
    if not _finite(v):
        return MISSING
    v = float(v)
    if digits is None:
        a = abs(v)
        if a >= 1000:
            digits = 0
        elif a >= 100:
            digits = 1
        elif a >= 1 or a == 0:
            digits = 2
        else:
            digits = max(2, 2 - int(math.floor(math.log10(a))))
    s = f"{round(v, digits):.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return s


def value(v, unit: str | None, digits: int | None = None) -> str:
    """``value(2000, '亿元') == '2000亿元'``; unknown or empty units are appended as written."""
    if not _finite(v):
        return MISSING
    u = unit or ""
    try:
        u = _units.canonical(u) if u else ""
    except Exception:  # noqa: BLE001 - display only: show the unit as stored
        pass
    return f"{number(v, digits)}{u}"


def share(ratio, digits: int = 0) -> str:
    """A ratio (1.0 = 100 %) as a percentage: ``share(0.68) == '68%'``."""
    if not _finite(ratio):
        return MISSING
    return f"{number(float(ratio) * 100, digits)}%"


def percent(v, digits: int = 1) -> str:
    """A value already in percent: ``percent(15) == '15%'``, ``percent(14.06) == '14.1%'``."""
    if not _finite(v):
        return MISSING
    return f"{number(v, digits)}%"


def pp(v, digits: int = 1) -> str:
    """Percentage points: ``pp(3.2) == '3.2个百分点'`` (the sign is kept: ``pp(-2) == '-2个百分点'``)."""
    if not _finite(v):
        return MISSING
    return f"{number(v, digits)}个百分点"


def ahead_pp(v, digits: int | None = None) -> str:
    """``18 → 快于序时进度18个百分点``; ``-3.24 → 慢于序时进度3.2个百分点``; ``|v| < 0.5 → 与序时进度持平``."""
    if not _finite(v):
        return MISSING
    v = float(v)
    if abs(v) < 0.5:
        return "与序时进度持平"
    d = digits if digits is not None else (0 if abs(v) >= 10 else 1)
    return f"{'快于' if v > 0 else '慢于'}序时进度{pp(abs(v), d)}"


def signed_pp(v, digits: int = 1) -> str:
    """``+3.2个百分点`` / ``-3.2个百分点`` (tables of the 晾晒 score)."""
    if not _finite(v):
        return MISSING
    v = float(v)
    return ("+" if v > 0 else "") + pp(v, digits)


def target_text(v, unit: str, comparator: str = ">=", stretch: bool = False, value_high=None) -> str:
    """``2000亿元以上``, ``1.72倍以内``, ``260项左右``, ``力争20%以上``, ``80—90%``."""
    if comparator == "range" and _finite(value_high):
        body = f"{number(v)}{DASH}{value(value_high, unit)}"
    else:
        body = value(v, unit) + COMPARATOR_SUFFIX.get(comparator, "")
    return ("力争" if stretch else "") + body


def span_zh(period: str, target_year: int | None = None) -> str:
    """A target's period: ``'2023-2027' → '2023—2027年'``, ``'FY'`` (2023) ``→ '2023年'``,
    ``'Q1' → '2023年一季度'``, ``'H1' → '2023年上半年'``."""
    p = str(period or "").strip().upper()
    span = _periods.parse_span(p)
    if span:
        return f"{span[0]}{DASH}{span[1]}年"
    y = f"{target_year}年" if target_year else ""
    if p in ("FY", "Q4"):
        return y or "全年"
    return y + PERIOD_ZH.get(p, p)


def quarter_zh(d: date) -> str:
    """``date(2025, 6, 30) → '2025年二季度'``."""
    return _periods.quarter_zh(d)


def quarter_label(d: date) -> str:
    """``date(2025, 6, 30) → '2025Q2'`` (the period label of returns)."""
    return _periods.quarter_label(d)


def date_zh(d) -> str:
    """``2025-12-31 → '2025年12月31日'``."""
    if d is None:
        return MISSING
    if not isinstance(d, date):
        try:
            d = date.fromisoformat(str(d)[:10])
        except ValueError:
            return str(d)
    return f"{d.year}年{d.month}月{d.day}日"


def period_label_zh(label, ytd: bool = True) -> str:
    """Actual period labels: ``'2025' → '2025年'``, ``'2025Q2'`` → ``'2025年1-6月'`` (YTD) or
    ``'2025年二季度'``, ``'2025Q4'`` YTD → ``'2025年'``, ``'2025M05'`` YTD → ``'2025年1-5月'``."""
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return MISSING
    return _periods.label_zh(label, ytd)


def status_zh(status: str | None) -> str:
    """``'red' → '红灯'``; unknown → 灰灯."""
    return STATUS_ZH.get(str(status or "grey"), STATUS_ZH["grey"])
