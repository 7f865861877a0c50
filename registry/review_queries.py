"""Read-only queries of the review desk and of 申报及结果查询: declarations across batches,
filtered and paged in the database, and what a reviewer reads beside one declaration.

Every function takes the viewer's employer id; `None` means an agency reviewer (every
employer). A declaration of another employer is looked up exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from registry.batch_queries import Page, _paged
from registry.models import (
    Batch,
    ContributionBase,
    Declaration,
    DeclarationReview,
    Employer,
    Enrolment,
)
from registry.queries.listing import mask_id

# What a reviewer decides on, and what became of it.
REVIEW_STATES = ("pending_review", "approved", "rejected", "withdrawn")
DECLARATION_STATES = (
    "applied", "pending_review", "approved", "rejected", "withdrawn", "unchanged", "valid",
    "undone",
)  # fmt: skip


@dataclass(frozen=True)
class DeclarationFilter:
    """What a list of declarations is narrowed to (None = any)."""

    kind: str | None = None
    employer_id: int | None = None
    state: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # Only declarations that went to a reviewer (the review queue).
    reviewed_only: bool = False


@dataclass(frozen=True)
class DeclarationRow:
    """One declaration with its employer and what the reviewer decided."""

    declaration: Declaration
    employer_code: str
    employer_name: str
    review: DeclarationReview | None


def _statement(scope: int | None, f: DeclarationFilter) -> Select:
    stmt = (
        select(Declaration, Employer.code, Employer.name, DeclarationReview)
        .join(Employer, Employer.id == Declaration.employer_id)
        .outerjoin(DeclarationReview, DeclarationReview.declaration_id == Declaration.id)
    )
    if scope is not None:
        # Through the employer's batches: declarations have no employer index of their
        # own (it slowed bulk loads), and the batch index finds them.
        mine = select(Batch.id).where(Batch.employer_id == scope)
        stmt = stmt.where(Declaration.batch_id.in_(mine), Declaration.employer_id == scope)
    if f.employer_id is not None:
        stmt = stmt.where(Declaration.employer_id == f.employer_id)
    if f.kind:
        stmt = stmt.where(Declaration.kind == f.kind)
    if f.state:
        stmt = stmt.where(Declaration.status == f.state)
    if f.reviewed_only and f.state != "pending_review":
        stmt = stmt.where(
            (Declaration.status == "pending_review") | DeclarationReview.declaration_id.isnot(None)
        )
    if f.date_from:
        stmt = stmt.where(Declaration.created_at >= dt.datetime.combine(f.date_from, dt.time()))
    if f.date_to:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time())
        stmt = stmt.where(Declaration.created_at < end)
    return stmt.order_by(Declaration.batch_id.desc(), Declaration.excel_row.desc())


def _row(found: Any) -> DeclarationRow:
    declaration, code, name, review = found
    return DeclarationRow(declaration, code, name, review)


def declarations_page(
    session: Session, scope: int | None, f: DeclarationFilter, page: int = 1, per_page: int = 50
) -> Page[DeclarationRow]:
    """One page of the viewer's declarations, newest batch first."""
    return _paged_rows(session, _statement(scope, f), page, per_page)


def _paged_rows(session: Session, stmt: Select, page: int, per_page: int) -> Page[DeclarationRow]:
    # batch_queries._paged pages scalars; these rows are tuples, so page the ids there.
    ids = _paged(session, stmt.with_only_columns(Declaration.id), page, per_page)
    if not ids.items:
        return Page([], ids.total, ids.page, per_page)
    rows = session.execute(stmt.where(Declaration.id.in_(ids.items))).all()
    return Page([_row(r) for r in rows], ids.total, ids.page, per_page)


def declarations_slice(
    session: Session, scope: int | None, f: DeclarationFilter, offset: int, limit: int
) -> tuple[list[DeclarationRow], int]:
    """Declarations `offset` .. `offset + limit` of the viewer's list, and how many in all
    (the API pages by offset)."""
    stmt = _statement(scope, f)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(stmt.offset(offset).limit(limit)).all()
    return [_row(r) for r in rows], total or 0


def all_declarations(
    session: Session, scope: int | None, f: DeclarationFilter, limit: int = 50_000
) -> list[DeclarationRow]:
    """The viewer's declarations for an export (bounded)."""
    return [_row(r) for r in session.execute(_statement(scope, f).limit(limit))]


def visible_declaration(
    session: Session, declaration_id: int, scope: int | None
) -> DeclarationRow | None:
    """One declaration when the viewer may see it, else None."""
    stmt = _statement(scope, DeclarationFilter()).where(Declaration.id == declaration_id)
    found = session.execute(stmt).first()
    return _row(found) if found else None


def person_history(
    session: Session, id_number: str | None, declaration_id: int | None = None
) -> dict[str, list[dict]]:
    """A person's enrolments (every employer), contribution bases and earlier injuries,
    for the reviewer of `declaration_id` (whose own report or appraisal is not listed
    among them)."""
    if not id_number:
        return {"enrolments": [], "bases": [], "injuries": []}
    enrolments = session.execute(
        select(Enrolment, Employer.name)
        .outerjoin(Employer, Employer.id == Enrolment.employer_id)
        .where(Enrolment.person_id == id_number)
        .order_by(Enrolment.start_month, Enrolment.insurance)
    ).all()
    bases = session.scalars(
        select(ContributionBase)
        .where(ContributionBase.person_id == id_number)
        .order_by(ContributionBase.effective_month)
    ).all()
    return {
        "enrolments": [_enrolment(e, name) for e, name in enrolments],
        "bases": [
            {"month": b.effective_month, "wage": str(b.declared_wage), "base": str(b.base)}
            for b in bases
        ],
        "injuries": _injuries(session, id_number, declaration_id),
    }


def _enrolment(e: Enrolment, employer: str | None) -> dict[str, Any]:
    return {
        "employer": employer or "", "insurance": e.insurance, "start": e.start_month,
        "end": e.end_month or "", "status": e.status, "reason": e.stop_reason or "",
    }  # fmt: skip


_INJURY_STATES = {"pending": "审核中", "approved": "已认定", "rejected": "不予认定"}


def _injuries(session: Session, id_number: str, declaration_id: int | None) -> list[dict[str, Any]]:
    """The person's earlier injuries at any employer, as the reviewer reads them (Chinese
    labels, dates as text), each with its appraisals summarised."""
    from registry.injuries import injury_history

    return [
        {
            "认定编号": i["injury_no"] or "", "单位": i["employer"],
            "事故发生日期": str(i["accident_date"]), "事故类别": i["category"],
            "受伤部位": i["body_part"], "状态": _INJURY_STATES.get(i["state"], i["state"]),
            "认定结论": i["outcome"] or "",
            "劳动能力鉴定": "; ".join(_appraisal_text(a) for a in i["appraisals"]),
        }
        for i in injury_history(session, id_number, except_declaration=declaration_id)
    ]  # fmt: skip


def _appraisal_text(appraisal: dict[str, Any]) -> str:
    parts = [str(appraisal.get(k) or "") for k in ("category", "grade", "self_care")]
    return " ".join(p for p in parts if p)


def pending_count(session: Session) -> int:
    """How many declarations wait for a reviewer."""
    stmt = select(func.count()).where(Declaration.status == "pending_review")
    return session.scalar(stmt) or 0


def _stamp(value: dt.datetime | None) -> str | None:
    # Stored as naive UTC; the Z says so to other tools.
    return value.isoformat(timespec="seconds") + "Z" if value else None


def declaration_json(row: DeclarationRow, masked: bool = False) -> dict[str, Any]:
    """The command line's and the API's shape of a declaration (a contract). `masked` for
    lists: the ID number (and the sheet's 证件号码) shows its first 6 and last 4 only; one
    declaration asked for by its id shows it in full."""
    d, review = row.declaration, row.review
    payload = d.payload or {}
    id_number = d.id_number
    if masked and id_number:
        id_number = mask_id(id_number)
        payload = {k: mask_id(v) if k == "证件号码" and v else v for k, v in payload.items()}
    out: dict[str, Any] = {
        "id": d.id,
        "kind": d.kind,
        "employer": row.employer_code,
        "employer_name": row.employer_name,
        "id_number": id_number,
        "name": payload.get("姓名") or payload.get("单位名称") or row.employer_name,
        "state": d.status,
        "submitted_at": _stamp(d.created_at),
        "data": payload,
        "batch": d.batch_id,
        "excel_row": d.excel_row,
        "reason": review.reason if review else None,
        "decided_by": review.actor if review else None,
        "decided_at": _stamp(review.decided_at) if review else None,
    }
    if review and review.result:
        out.update({k: v for k, v in review.result.items() if k not in out})
    return out
