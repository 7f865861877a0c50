"""How values look on the pages (UI.md conventions): money, dates, months, masked IDs,
statuses in Chinese. Registered as Jinja filters and globals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from flask import Flask

from importer.kinds import SPECS
from shebao.masking import mask_ids
from validators.context import month_label

# Timestamps are stored as naive UTC; China keeps one offset all year (no DST).
CHINA = dt.timezone(dt.timedelta(hours=8))

BATCH_STATUS = {"queued": "排队中", "running": "处理中", "done": "已完成", "failed": "失败"}
DECLARATION_STATUS = {
    "applied": "已申报",
    "rejected": "未通过",
    "unchanged": "无变化",
    "pending_review": "待审核",
    "approved": "已批准",
    "withdrawn": "已撤回",
    "undone": "已撤销",
    "valid": "校验通过",
    "checked": "校验通过",
    "skipped": "未申报",
    "previewed": "预览",
}
SEVERITY = {"error": "错误", "warning": "提示"}
PHASE = {"reading": "读取表格", "validating": "校验数据", "applying": "办理申报", "done": "完成"}


def money(value: object) -> str:
    """12345 → 12,345.00; empty stays empty."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def date(value: object) -> str:
    """A date (or ISO text) as 2026-11-29."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def datetime(value: dt.datetime | None) -> str:
    """A stored UTC timestamp as local time 2026-11-29 14:03."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def month(value: object) -> str:
    """202611 → 2026年11月, 202601 → 2026年1月: the one spelling messages use too
    (`validators.context.month_label`), so a page never shows a month two ways."""
    return month_label("" if value is None else str(value).strip())


def mask_id(value: object) -> str:
    """330604198001011234 → 330604********1234: enough to recognise, not to copy."""
    text = "" if value is None else str(value)
    if not text.isalnum() or not text.isascii():
        return text  # not an ID at all (e.g. 3.3E+17 from Excel): nothing to hide
    if len(text) >= 15:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) > 4:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return text


def kind_title(kind: str | None) -> str:
    """The Chinese title of a declaration kind (未识别 before the importer has read it)."""
    if not kind:
        return "未识别"
    spec = SPECS.get(kind)
    return spec.title if spec else kind


def batch_status(status: str) -> str:
    """排队中 / 处理中 / 已完成 / 失败."""
    return BATCH_STATUS.get(status, status)


def declaration_status(status: str) -> str:
    """已申报 / 未通过 / 无变化 / 待审核 ..."""
    return DECLARATION_STATUS.get(status, status)


def review_result(result: dict | None) -> str:
    """What a reviewer's decision produced, in Chinese (empty when nothing): an injury's
    认定结论 and 认定编号, an appraisal's 伤残等级 and 生活自理障碍, an employer's changed
    fields. The clerk needs the 认定编号 to apply for a 工伤鉴定."""
    r = result or {}
    parts = []
    if r.get("outcome"):
        parts.append(str(r["outcome"]))
    if r.get("injury_no"):
        parts.append(f"工伤认定编号 {r['injury_no']}")
    if r.get("grade"):
        parts.append(f"伤残等级 {r['grade']}")
    if r.get("self_care"):
        parts.append(f"生活自理障碍 {r['self_care']}")
    if r.get("concluded_at"):
        parts.append(f"结论作出日期 {r['concluded_at']}")
    if r.get("changed"):
        parts.append("已变更: " + "、".join(str(c) for c in r["changed"]))
    return ", ".join(parts)


def review_text(review) -> str:
    """The 审核意见 of a list row: what the decision produced, then the reviewer's reason."""
    if review is None:
        return ""
    return "; ".join(p for p in (review_result(review.result), review.reason or "") if p)


def severity(value: str) -> str:
    """错误 / 提示."""
    return SEVERITY.get(value, value)


def phase(value: str | None) -> str:
    """Where a running batch is, in Chinese."""
    return PHASE.get(value or "", "等待处理")


def percent_class(part: int, whole: int) -> str:
    """A CSS width class in steps of 5% (inline styles are barred by the CSP)."""
    if whole <= 0 or part <= 0:
        return "w-0"
    step = max(5, round(100 * part / whole / 5) * 5)
    return f"w-{min(step, 100)}"


FILTERS = {
    "money": money,
    "date": date,
    "datetime": datetime,
    "month": month,
    "mask_id": mask_id,
    "mask_ids": mask_ids,
    "kind_title": kind_title,
    "batch_status": batch_status,
    "declaration_status": declaration_status,
    "severity": severity,
    "phase": phase,
    "review_result": review_result,
    "review_text": review_text,
}


def register(app: Flask) -> None:
    """Make the filters (and `percent_class`) available in templates."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["percent_class"] = percent_class
