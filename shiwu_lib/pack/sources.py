"""数据说明: every published source named in Chinese by publisher, document title and date, with its grade.

The store keeps each published document's title as it was recorded when the value was collected,
often with a parenthesised note in English (``标题 (中国新闻网/浙江新闻, 2022-07-28; 记者从义乌市统计局获悉)``).
:func:`source_entries` turns ``db.published_sources()`` into rows of 发布者 / 文献标题 / 发布日期 / 来源等级
(官方统计 / 政府报告 / 新闻媒体 / 转载), with the original publisher of a repost (原载) and the office the
figures are attributed to (数据出处) when the note names them; English notes are never shown.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pandas as pd

from .common import GRADE_ZH, date_zh, isnan

_CJK = re.compile(r"[\u3400-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_DATE = re.compile(r"\b\d{4}(?:-\d{2}){0,2}\b")
# English names in the notes -> how a Chinese reader knows them
_NAMES_ZH = {
    "chinadaily.com.cn": "中国日报网", "chinadaily": "中国日报网", "china daily": "中国日报网",
    "global times": "环球时报", "xinhua": "新华社", "xinhua/italpress": "新华社（意大利Italpress转发）",
    "ezhejiang.gov.cn": "浙江省人民政府外文网站（ezhejiang.gov.cn）",
    "yiwu customs": "义乌海关", "yiwu fabu": "义乌发布", "people's daily": "人民日报", "zhejiang daily": "浙江日报",
    "zhejiang provincial bureau of statistics": "浙江省统计局", "china railway shanghai bureau": "中国铁路上海局集团",
    "yiwu municipal bureau of commerce": "义乌市商务局", "zhejiang provincial postal administration": "浙江省邮政管理局",
    "yiwu fabu / yiwu customs": "义乌发布、义乌海关",
}
# what a grade means, for the 数据说明 legend
GRADE_MEANING_ZH = {
    "official": "政府部门、统计机构发布的统计数据",
    "gov_report": "政府工作报告及其官方摘要",
    "press": "新闻媒体的原创报道（注明所引统计机构）",
    "repost": "第三方网站的转载、摘编，仅在无原始出处时采用",
}


def _host(address) -> str:
    if not isinstance(address, str) or "://" not in address:
        return ""
    h = urlparse(address).netloc.lower()
    return h[4:] if h.startswith("www.") else h


def _zh_name(seg: str) -> str:
    """A publisher / office named in a note, in Chinese when we know it; '' when it is not a name."""
    s = seg.strip().strip("()（）")
    s = re.sub(r"^(?:repost(?:ed)? (?:of|on)|mirror of|from|via|cites?|citing|转自|原载)\s*", "", s, flags=re.I)
    s = _DATE.sub("", s).strip(" :：·-")
    if not s:
        return ""
    if _CJK.search(s):
        # keep the Chinese name, drop a domain or English words after it: 福建头条网 fj8.cc → 福建头条网
        m = re.search(r"[\u3040-\u30ff\u3400-\u9fff][\u3040-\u30ff\u3400-\u9fff·/()（）0-9]*", s)
        name = (m.group(0) if m else s).strip(" :：/·")
        if name.count("(") != name.count(")") or name.count("（") != name.count("）"):
            name = re.split(r"[(（]", name)[0]
        name = re.sub(r"\s*(?:记者|总台记者).*$", "", name)
        return name
    key = s.lower()
    for k in sorted(_NAMES_ZH, key=len, reverse=True):
        if key == k or key.startswith(k + " ") or key.endswith(" " + k) or (k in key and len(k) > 8):
            return _NAMES_ZH[k]
    if re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}(?:/\S*)?", key):
        return key.split("/")[0]
    return ""


def _split(raw: str) -> tuple[str, str]:
    """(title, note) of a recorded title ``标题 (note)``."""
    raw = str(raw or "").strip()
    m = re.match(r"^(.*\S)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$", raw)
    if m and m.group(1):
        return m.group(1).strip(), m.group(2)
    return raw, ""


def _language(title: str) -> str:
    if _KANA.search(title):
        return "日文"
    if not _CJK.search(title):
        return "外文"
    return ""


def parse(raw_title, address=None, grade=None) -> dict:
    """One source as 发布者 / 标题 / 原载 / 数据出处 / 语种 (Chinese; '' when unknown)."""
    raw = str(raw_title or "")
    if raw.startswith("推算："):
        return {"publisher": "本系统推算", "title": raw[3:].strip(), "original": "", "cites": "", "language": "",
                "derived": True}
    title, note = _split(raw)
    # "中国义乌网 2023-10-24 (记者 龚书弘): 前三季度义乌经济数据" — the publisher written before the title
    m = re.match(r"^(\S*[\u3400-\u9fff]\S*)\s+\d{4}-\d{2}-\d{2}\s*(?:\([^)]*\))?\s*[:：]\s*(.+)$", title)
    lead_publisher = ""
    if m:
        lead_publisher, title = m.group(1), m.group(2).strip()
    m = re.match(r"^(.+?)\s+\d{4}-\d{2}-\d{2}\s*[:：]\s*(.+)$", title)
    if m and not lead_publisher:
        lead_publisher, title = _zh_name(m.group(1)) or m.group(1), m.group(2).strip()
    segs = [s.strip() for s in re.split(r"[;；,，]\s*", note) if s.strip()]
    original = cites = ""
    names = []
    for s in segs:
        low = s.lower()
        if re.match(r"^(cites?|citing|from|figures from|据)\b", low) or "cites " in low:
            cites = cites or _zh_name(re.sub(r"^.*?(?:cites?|citing|from|figures from)\s+", "", s, flags=re.I))
            continue
        if re.search(r"(repost of|mirror of|转自|machine-translated repost of)", low):
            original = original or _zh_name(re.sub(r"^.*?(?:repost of|mirror of|转自)\s*", "", s, flags=re.I))
            continue
        n = _zh_name(s)
        if n:
            names.append(n)
    host = _host(address)
    if grade == "repost":
        publisher = host or (names[0] if names else "")
        if not original and names and names[0] != host:
            original = names[0]
    else:
        publisher = lead_publisher or (names[0] if names else "") or host
    if original == publisher:
        original = ""
    return {"publisher": publisher, "title": title, "original": original, "cites": cites,
            "language": _language(title), "derived": False}


def describe_title(raw_title, address=None, grade=None) -> str:
    """A recorded title as a table cell shows it: 《标题》（发布者）."""
    p = parse(raw_title, address, grade)
    if p["derived"]:
        return f"推算：{p['title']}"
    return f"《{p['title']}》" + (f"（{p['publisher']}）" if p["publisher"] else "")


def source_entries(published: pd.DataFrame) -> pd.DataFrame:
    """One row per published document: publisher, title, date (Chinese), grade, grade_zh, original,
    cites, language, address, derived (推算 rows name the documents they are computed from)."""
    cols = ["submission_id", "publisher", "title", "date", "date_zh", "grade", "grade_zh", "original", "cites",
            "language", "address", "derived", "text"]
    if published is None or published.empty:
        return pd.DataFrame(columns=cols)
    by_id = {r.submission_id: r for r in published.itertuples(index=False)}
    rows = []
    for r in published.itertuples(index=False):
        grade = r.grade if isinstance(r.grade, str) else None
        p = parse(r.title, r.address, grade)
        d = pd.Timestamp(r.received_at).date() if not isnan(r.received_at) else None
        address = r.address if isinstance(r.address, str) else ""
        if p["derived"]:
            parent = by_id.get(address)
            if parent is not None:
                pp = parse(parent.title, parent.address, parent.grade)
                p["original"] = f"{pp['publisher']}《{pp['title']}》"
            address = ""
        gz = GRADE_ZH.get(grade or "", "未分级")
        text = _entry_text(p, d, gz, address)
        rows.append({"submission_id": r.submission_id, "publisher": p["publisher"], "title": p["title"], "date": d,
                     "date_zh": date_zh(d) if d else "—", "grade": grade, "grade_zh": gz, "original": p["original"],
                     "cites": p["cites"], "language": p["language"], "address": address, "derived": p["derived"],
                     "text": text})
    return pd.DataFrame(rows, columns=cols)


def _entry_text(p: dict, d, grade_zh: str, address: str) -> str:
    if p["derived"]:
        base = f"本系统推算：{p['title']}" + (f"（依据{p['original']}）" if p["original"] else "")
        return base + (f"，{date_zh(d)}" if d else "")
    lang = f"（{p['language']}）" if p["language"] else ""
    text = f"{p['publisher'] or '发布者不详'}：《{p['title']}》{lang}，{date_zh(d) if d else '日期不详'}，{grade_zh}"
    extra = []
    if p["original"]:
        extra.append(f"原载{p['original']}")
    if p["cites"]:
        extra.append(f"数据出处{p['cites']}")
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
    """The published documents the pack's latest values actually come from (by title), newest first."""
    entries = source_entries(data.published)
    if entries.empty:
        return entries
    titles = set()
    for r in data.st.to_dict("records"):
        if isnan(r.get("latest_period")) or not isinstance(r.get("indicator_id"), str):
            continue
        src = data.sources.get((r["indicator_id"], r["latest_period"]))
        if src is not None and src[0] == "published" and src[1]:
            titles.add(src[1])
    raw = dict(zip(data.published["submission_id"], data.published["title"]))
    used = entries[[raw.get(i) in titles for i in entries["submission_id"]]]
    return used.sort_values("date", ascending=False)
