"""数据说明: every published source named in Chinese by publisher, document title and date, with its grade.

Names come from reviewed data only: the source register ``data/curated/sources.csv`` (store table
``source_register``, read through ``db.source_register()``), one row per published document with its
publisher (发布单位), its title and date as published, its grade, who first published a repost (原载)
and the office its figures are attributed to (数据出处). A document without a reviewed row, or whose
publisher the reviewer could not identify, is listed as 发布单位待核 with its web address — never with
a name guessed from the recorded page title. :func:`unreviewed` lists the cited documents that have no
register row (a test fails on any).
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pandas as pd

from .common import GRADE_ZH, date_zh, isnan

PENDING = "发布单位待核"
DERIVED_PUBLISHER = "本系统推算"
# what a grade means, for the 数据说明 legend
GRADE_MEANING_ZH = {
    "official": "政府部门、统计机构发布的统计数据",
    "gov_report": "政府工作报告及其官方摘要",
    "press": "新闻媒体的原创报道（注明所引统计机构）",
    "repost": "第三方网站的转载、摘编，仅在无原始出处时采用",
}
ENTRY_COLUMNS = ["submission_id", "publisher", "reviewed", "title", "title_supplied", "date", "date_zh", "grade",
                 "grade_zh", "original", "cites", "language", "address", "derived", "text"]


def _host(address) -> str:
    if not isinstance(address, str) or "://" not in address:
        return ""
    h = urlparse(address).netloc.lower()
    return h[4:] if h.startswith("www.") else h


def _str(v) -> str:
    return "" if isnan(v) or v is None else str(v).strip()


def _recorded_title(raw: str) -> str:
    """A recorded title without the collector's trailing note ``标题 (note)`` (unreviewed sources only)."""
    raw = str(raw or "").strip()
    m = re.match(r"^(.*\S)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$", raw)
    return m.group(1).strip() if m and m.group(1) else raw


def register_index(register: pd.DataFrame | None) -> dict:
    if register is None or len(register) == 0:
        return {}
    return {r["submission_id"]: r for r in register.to_dict("records")}


def describe(row: dict | None, title: str = "", address: str = "") -> dict:
    """One document as 发布单位 / 标题 / 日期 … from its register row (``db.source_register()``);
    ``row`` None or unreviewed: 发布单位待核 with the recorded title."""
    raw = str(title or (row or {}).get("title") or "")
    address = str(address or (row or {}).get("address") or "")
    if raw.startswith("推算："):
        return {"publisher": DERIVED_PUBLISHER, "reviewed": True, "title": raw[3:].strip(), "title_supplied": False,
                "date": None, "date_estimated": False, "original": "", "cites": "", "language": "", "derived": True}
    if row is None or not bool(row.get("reviewed")):
        return {"publisher": "", "reviewed": False, "title": _recorded_title(raw), "title_supplied": False,
                "date": None, "date_estimated": True, "original": "", "cites": "", "language": "", "derived": False}
    on = row.get("published_on")
    return {"publisher": _str(row.get("publisher_zh")), "reviewed": True,
            "title": _str(row.get("document_title")) or _recorded_title(raw),
            "title_supplied": bool(row.get("title_supplied")) if not isnan(row.get("title_supplied")) else False,
            "date": None if isnan(on) or on is None else pd.Timestamp(on).date(),
            "date_estimated": bool(row.get("date_estimated")) if not isnan(row.get("date_estimated")) else False,
            "original": _str(row.get("original_zh")), "cites": _str(row.get("cites_zh")),
            "language": _str(row.get("language_zh")), "derived": False}


def publisher_text(p: dict, address: str = "") -> str:
    """The 发布单位 cell: the reviewed name, else 发布单位待核（网站 host）."""
    if p["publisher"]:
        return p["publisher"]
    host = _host(address)
    return PENDING + (f"（网站{host}）" if host else "")


def describe_title(raw_title, address=None, register: pd.DataFrame | dict | None = None, submission_id=None) -> str:
    """A document as a table cell shows it: 《标题》（发布单位）, from the register."""
    idx = register if isinstance(register, dict) else register_index(register)
    row = idx.get(submission_id) if submission_id else None
    if row is None and idx:
        row = next((r for r in idx.values() if r.get("title") == raw_title and r.get("address") == address), None)
    p = describe(row, raw_title or "", address or "")
    if p["derived"]:
        return f"推算：{p['title']}"
    return f"《{p['title']}》（{publisher_text(p, address or '')}）"


def source_entries(published: pd.DataFrame, register: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published document public at the pack's vintage (``db.published_sources(known_at)``),
    named from the register (``db.source_register()``): publisher, reviewed, title, date (the printed
    publication date, else the date it was counted from), grade, grade_zh, original (原载), cites (数据出处),
    language, address, derived (推算 rows name the documents they are computed from), text."""
    if published is None or published.empty:
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    idx = register_index(register)
    by_id = {r.submission_id: r for r in published.itertuples(index=False)}
    rows = []
    for r in published.itertuples(index=False):
        grade = r.grade if isinstance(r.grade, str) else None
        address = r.address if isinstance(r.address, str) else ""
        p = describe(idx.get(r.submission_id), r.title, address)
        received = pd.Timestamp(r.received_at).date() if not isnan(r.received_at) else None
        if p["derived"]:
            parents = []
            for sid in [x for x in re.split(r"[;；,\s]+", address) if x]:
                parent = by_id.get(sid)
                if parent is not None:
                    pp = describe(idx.get(sid), parent.title, parent.address)
                    parents.append(f"{publisher_text(pp, parent.address)}《{pp['title']}》")
            p["original"] = "、".join(parents)
            address = ""
        d = p["date"]
        if p["derived"] or d is None:
            when = received
            when_zh = (date_zh(received) if p["derived"] else
                       (f"日期不详（按{date_zh(received)}计入）" if received else "日期不详"))
        else:
            when, when_zh = d, date_zh(d)
        gz = GRADE_ZH.get(grade or "", "未分级")
        rows.append({"submission_id": r.submission_id, "publisher": p["publisher"] if p["derived"] else publisher_text(p, address),
                     "reviewed": p["reviewed"], "title": p["title"], "title_supplied": p["title_supplied"],
                     "date": when, "date_zh": when_zh, "grade": grade, "grade_zh": gz, "original": p["original"],
                     "cites": p["cites"], "language": p["language"], "address": address, "derived": p["derived"],
                     "text": _entry_text(p, address, when_zh, gz)})
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)


def unreviewed(published: pd.DataFrame, register: pd.DataFrame | None) -> list[str]:
    """Titles of the published documents (not 推算) that have no reviewed register row."""
    idx = register_index(register)
    return [str(r.title) for r in published.itertuples(index=False)
            if not str(r.title or "").startswith("推算：") and not bool((idx.get(r.submission_id) or {}).get("reviewed"))]


def _entry_text(p: dict, address: str, when_zh: str, grade_zh: str) -> str:
    if p["derived"]:
        base = f"{DERIVED_PUBLISHER}：{p['title']}" + (f"（依据{p['original']}）" if p["original"] else "")
        return base + f"，{when_zh}。"
    lang = f"（{p['language']}）" if p["language"] else ""
    supplied = "（标题为整理者所拟）" if p["title_supplied"] else ""
    text = f"{publisher_text(p, address)}：《{p['title']}》{supplied}{lang}，{when_zh}，{grade_zh}"
    extra = []
    if p["original"]:
        extra.append(f"原载{p['original']}")
    if p["cites"]:
        extra.append(f"数据出处{p['cites']}")
    if not p["reviewed"]:
        extra.append("来源未经审核")
    if extra:
        text += "（" + "；".join(extra) + "）"
    return text + (f"。网址：{address}" if address else "。")


def grade_summary(entries: pd.DataFrame) -> str:
    """公开来源45份：官方统计2份、政府报告2份、新闻媒体14份、转载27份（其中推算…）."""
    if entries.empty:
        return "本期未使用公开发布的数据。"
    c = entries["grade"].value_counts()
    parts = [f"{GRADE_ZH[g]}{int(c.get(g, 0))}份" for g in GRADE_ZH if int(c.get(g, 0))]
    n_der = int(entries["derived"].sum())
    return (f"公开来源{len(entries)}份：" + "、".join(parts)
            + (f"（其中{n_der}项为本系统按公开数据推算）" if n_der else "") + "。")


def notes(data) -> list[tuple[str, str]]:
    """The 数据说明 lines (项目, 说明) of the workbook, the deck and the briefing, in Chinese."""
    from datetime import datetime

    from .. import report as views
    from .common import MIDPOINT_RULE_ZH, RANKING_RULE_ZH, TIME_PROGRESS_RULE_ZH, quarter_zh
    from .data import latest_source_type

    q = quarter_zh(data.as_of)
    latest = [latest_source_type(r, data.sources) for r in data.st.to_dict("records")]
    n_pub, n_ret, n_demo = (sum(1 for t in latest if t == k) for k in ("published", "return", "demo"))
    n_none = sum(1 for t in latest if t is None)
    lines = [
        ("报告期", f"{q}末（{date_zh(data.as_of)}）：只计入此前结束的统计期的数据。"),
        ("数据截至", f"{date_zh(data.known_at)}：各统计期取截至该日报送或发布的最新数值（含修订）。"),
        ("生成时间", datetime.now().strftime("%Y年%m月%d日 %H:%M") + "，由 shiwu 生成（shiwu pack）。"),
        ("目标来源", f"《义乌市体系化推进“十项重大工程”实施方案》（义政办发〔2023〕15号）的五年目标、三年行动和2023年度重点任务，"
                  f"共量化目标{len(data.st)}项，每项目标均引用方案原文（见目标库 targets.csv）。"),
        ("实际值来源", f"公开发布的统计数据和新闻报道（注明发布者、标题和日期），以及各牵头单位季度报表。"
                   f"本期{len(latest)}项目标中，最新实际值来自公开发布数据的{n_pub}项、部门报表的{n_ret}项、"
                   f"示例数据的{n_demo}项，暂无数据的{n_none}项。"),
        ("来源等级", "；".join(f"{GRADE_ZH[g]}：{GRADE_MEANING_ZH[g]}" for g in GRADE_ZH)
         + "。同一数值有多个来源时取等级高者；转载来源仅作线索，正式引用前应核对原始出处。"),
    ]
    if data.demo:
        lines.append(("示例数据", "部门季度报表不公开。标注“示例数据”的数值由演示数据生成器产生，仅用于演示本工具的功能，"
                               "并非真实统计，不得引用；正式使用时由各牵头单位报送的报表替换。"))
    lines += [
        ("序时进度与完成率", TIME_PROGRESS_RULE_ZH),
        ("目标灯与工程总灯", views.PROJECT_LIGHT_RULE_ZH),
        ("晾晒排名", RANKING_RULE_ZH),
        ("中期评估", MIDPOINT_RULE_ZH),
    ]
    if data.build_info:
        lines.append(("数据库版本", f"输入文件校验值 {str(data.build_info.get('inputs_sha256', ''))[:16]}…；"
                                f"示例数据已载入：{'是' if data.build_info.get('demo_loaded') == 'true' else '否'}"))
    return lines


def used_entries(data) -> pd.DataFrame:
    """The published documents the pack's latest values actually come from, newest first."""
    entries = source_entries(data.published, data.register)
    if entries.empty:
        return entries
    keys = set()
    for r in data.st.to_dict("records"):
        if isnan(r.get("latest_period")) or not isinstance(r.get("indicator_id"), str):
            continue
        src = data.sources.get((r["indicator_id"], r["latest_period"]))
        if src is not None and src[0] == "published" and src[1]:
            keys.add((src[1], src[2] if isinstance(src[2], str) else ""))
    key_of = {r.submission_id: (r.title, r.address if isinstance(r.address, str) else "")
              for r in data.published.itertuples(index=False)}
    used = entries[[key_of.get(i) in keys for i in entries["submission_id"]]]
    return used.sort_values("date", ascending=False)
