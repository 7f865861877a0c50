"""An employer's details by their template headers, and the history of their changes
(the 单位基本信息 page, `shebao query employer` and `shebao employer show` read these)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Employer, EmployerHistory

# Each field of 单位基本信息变更 and the employers attribute holding it.
EMPLOYER_FIELDS: dict[str, str] = {
    "单位名称": "name",
    "统一社会信用代码": "credit_code",
    "法定代表人": "legal_rep",
    "单位地址": "address",
    "联系人": "contact",
    "联系电话": "phone",
    "开户银行": "bank",
    "银行账号": "bank_account",
    "行业风险类别": "risk_class",
}


def current_values(employer: Employer) -> dict[str, str]:
    """The employer's details as text, by employers attribute."""
    return {
        attr: "" if getattr(employer, attr) is None else str(getattr(employer, attr))
        for attr in EMPLOYER_FIELDS.values()
    }


def employer_fields(employer: Employer) -> dict[str, str]:
    """The employer's details as text, by header (单位名称 ...)."""
    values = current_values(employer)
    return {header: values[attr] for header, attr in EMPLOYER_FIELDS.items()}


def employer_history(session: Session, employer_id: int) -> list[dict[str, Any]]:
    """Every change of the employer's details, newest first: when, and per field the
    value before and after."""
    entries = session.scalars(
        select(EmployerHistory)
        .where(EmployerHistory.employer_id == employer_id)
        .order_by(EmployerHistory.changed_at.desc(), EmployerHistory.id.desc())
    )
    return [
        {
            "changed_at": e.changed_at.isoformat(timespec="seconds") + "Z",
            "changes": [
                {"field": f, "old": (e.old_values or {}).get(f, ""), "new": new}
                for f, new in (e.new_values or {}).items()
            ],
        }
        for e in entries
    ]


# The history keeps fields by header (单位名称); entries written by attribute name show the
# header too.
HEADERS = {attr: header for header, attr in EMPLOYER_FIELDS.items()} | {"code": "单位编码"}


def history_rows(session: Session, employer_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The 单位基本信息 page's 变更记录, newest first: one row per changed field, with when
    (a datetime), the field's header and the values before and after."""
    entries = session.scalars(
        select(EmployerHistory)
        .where(EmployerHistory.employer_id == employer_id)
        .order_by(EmployerHistory.changed_at.desc(), EmployerHistory.id.desc())
        .limit(limit)
    )
    return [
        {"changed_at": e.changed_at, "field": HEADERS.get(key, key),
         "old": (e.old_values or {}).get(key, ""), "new": new}
        for e in entries
        for key, new in (e.new_values or {}).items()
    ]  # fmt: skip
