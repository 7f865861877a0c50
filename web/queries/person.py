"""单位基本信息 and 人员缴费信息: pages about one employer or person (养老个人帐户对帐单:
`web.queries.account`).

A person is looked up by a posted ID number (CSRF-protected form), or reached from a
roster row by `?ref=` (the number of one of the person's enrolments), never by an ID
number in the URL, so full ID numbers stay out of addresses and access logs. A clerk sees
a person enrolled at its own employer, and only the months there; a reviewer sees any
registered person, with the months at every employer. Anyone else answers 404, like a
missing person.
"""

from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from registry.employer_info import history_rows
from registry.models import Employer, Enrolment, Person
from registry.queries import PERSON
from registry.queries.listing import Params
from web.auth import login_required
from web.db import uow
from web.exports import xlsx_response, xlsx_table
from web.queries import bp
from web.queries.render import css_class, excel_rows, html_cell
from web.queries.scope import Scope, employer_choices, query_scope

EMPLOYER_FIELDS = [
    ("code", "单位编码"), ("name", "单位名称"), ("credit_code", "统一社会信用代码"),
    ("legal_rep", "法定代表人"), ("address", "单位地址"), ("contact", "联系人"),
    ("phone", "联系电话"), ("bank", "开户银行"), ("bank_account", "银行账号"),
    ("risk_class", "行业风险类别"),
]  # fmt: skip


@bp.route("/employer")
@login_required
def employer_page():
    """单位基本信息: the employer's registered details."""
    with uow() as work:
        scope = query_scope(work.session)
        emp = work.session.get(Employer, scope.employer_id) if scope.employer_id else None
        choices = employer_choices(work.session) if emp is None else []
        history = history_rows(work.session, emp.id) if emp is not None else []
    return render_template(
        "queries/employer.html", scope=scope, emp=emp, fields=EMPLOYER_FIELDS, employers=choices,
        history=history,
    )  # fmt: skip


def person_here(session: Session, employer_id: int, id_number: str) -> Person:
    """The person `id_number` if enrolled (ever) at the employer; 404 otherwise."""
    here = exists().where(Enrolment.person_id == id_number, Enrolment.employer_id == employer_id)
    person = session.scalar(select(Person).where(Person.id_number == id_number, here))
    if person is None:
        abort(404)
    return person


def posted_id() -> str:
    """The posted ID number, trimmed and upper-cased (a trailing x is X)."""
    return (request.form.get("id_number") or "").strip().upper()


def _person_seen(session: Session, scope: Scope, id_number: str) -> Person:
    """The person of the 人员缴费信息 page: any registered one for a reviewer, one enrolled
    at the own employer for a clerk; 404 otherwise."""
    if scope.employer_id is not None and not scope.reviewer:
        return person_here(session, scope.employer_id, id_number)
    person = session.get(Person, id_number) if id_number else None
    if person is None:
        abort(404)
    return person


def _referred_id(session: Session, scope: Scope) -> str:
    """The ID number behind `?ref=` (an enrolment number from a roster row): the clerk's
    own enrolments only, any for a reviewer; 404 for anything else."""
    raw = (request.args.get("ref") or "").strip()
    if not raw.isdigit() or int(raw) >= 2**31:  # past PostgreSQL's integer: no such row
        abort(404)
    stmt = select(Enrolment.person_id).where(Enrolment.id == int(raw))
    if not scope.reviewer:
        stmt = stmt.where(Enrolment.employer_id == scope.employer_id)
    person_id = session.scalar(stmt)
    if person_id is None:
        abort(404)
    return person_id


def _months_of(scope: Scope) -> int | None:
    """Whose months the page lists: the clerk's employer, every employer for a reviewer."""
    return None if scope.reviewer else scope.employer_id


@bp.route("/person", methods=["GET", "POST"])
@login_required
def person_page():
    """人员缴费信息: one person's months (full ID on this page), across employers for a
    reviewer."""
    id_number = posted_id() if request.method == "POST" else ""
    with uow() as work:
        scope = query_scope(work.session)
        if request.method == "GET" and "ref" in request.args:
            id_number = _referred_id(work.session, scope)
        context = {
            "scope": scope,
            "query": PERSON,
            "person": None,
            "rows": [],
            "id_number": id_number,
        }
        if id_number:
            context["person"] = _person_seen(work.session, scope, id_number)
            params = Params(filters={"id": id_number})
            context["rows"] = list(PERSON.rows(work.session, _months_of(scope), params))
    return render_template(
        "queries/person.html", **context, html_cell=html_cell, css_class=css_class
    )


@bp.route("/person.xlsx", methods=["POST"])
@login_required
def person_export():
    """导出Excel of one person's months (the same rows as the page)."""
    id_number = posted_id()
    with uow() as work:
        scope = query_scope(work.session)
        _person_seen(work.session, scope, id_number)
        params = Params(filters={"id": id_number})
        rows = PERSON.rows(work.session, _months_of(scope), params)
        data = xlsx_table(
            PERSON.title, [c.header for c in PERSON.columns], excel_rows(PERSON, rows)
        )
    return xlsx_response(data, f"人员缴费信息_{id_number[-4:]}.xlsx", "person.xlsx")
