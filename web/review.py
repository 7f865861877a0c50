"""审核 (the agency review desk): the queue of declarations across employers, one
declaration with what the reviewer needs beside it, and the decision.

Reviewers only: a clerk asking for these pages gets 404, as for a page that does not
exist. The decisions themselves are `importer.review`'s; this module only reads the
request and shows the outcome.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from importer.kinds import SPECS, get_kind
from importer.kinds.base import Decision
from importer.review import ReviewError, decide
from registry.accounts import employer_by_code
from registry.employer_info import employer_fields, employer_history
from registry.models import Batch, Employer
from registry.review_queries import (
    REVIEW_STATES,
    DeclarationFilter,
    declarations_page,
    person_history,
    visible_declaration,
)
from web.auth import login_required
from web.db import is_reviewer, uow
from web.main import page_arg
from web.review_forms import DecisionForm

bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 30


@bp.before_request
def reviewers_only():
    """Clerks never see the desk (404, like a page that is not there)."""
    if g.get("user") is not None and not is_reviewer():
        abort(404)


def date_arg(name: str) -> dt.date | None:
    """A `YYYY-MM-DD` query argument; anything else is no filter."""
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _queue_filter(session) -> tuple[DeclarationFilter, dict]:
    kind = request.args.get("kind") if request.args.get("kind") in SPECS else None
    state = request.args.get("state", "pending_review")
    state = state if state in REVIEW_STATES else "pending_review"
    code = (request.args.get("employer") or "").strip()
    employer = employer_by_code(session, code) if code else None
    missing = bool(code) and employer is None
    f = DeclarationFilter(
        kind=kind, state=state, reviewed_only=True,
        # An unknown code matches nothing rather than everything.
        employer_id=-1 if missing else employer.id if employer else None,
        date_from=date_arg("date_from"), date_to=date_arg("date_to"),
    )  # fmt: skip
    shown = {"kind": kind, "state": state, "employer": code, "date_from": f.date_from,
             "date_to": f.date_to}  # fmt: skip
    return f, shown


@bp.route("/")
@login_required
def queue():
    """审核队列: declarations sent to review, pending ones first by default, filtered."""
    with uow() as work:
        f, shown = _queue_filter(work.session)
        page = declarations_page(work.session, None, f, page_arg(), PER_PAGE)
    return render_template(
        "review/queue.html", page=page, filters=shown, kinds=SPECS.values(), states=REVIEW_STATES
    )


@bp.route("/<int:declaration_id>")
@login_required
def show(declaration_id: int):
    """One declaration: its data, its batch, the person's (or employer's) history."""
    return _show(declaration_id, DecisionForm())


def _show(declaration_id: int, form: DecisionForm, status: int = 200):
    with uow() as work:
        session = work.session
        row = visible_declaration(session, declaration_id, None)
        if row is None:
            abort(404)
        d = row.declaration
        employer = session.get(Employer, d.employer_id)
        kind = get_kind(d.kind)
        context = {
            "row": row, "d": d, "kind": kind, "employer": employer,
            "batch": session.get(Batch, d.batch_id),
            # Every declaration about a person (工伤 ones too: whether 工伤保险 was held
            # and the earlier injuries are what the reviewer decides on).
            "history": person_history(session, d.id_number) if d.id_number else None,
            "employer_now": employer_fields(employer) if employer else {},
            "employer_history": employer_history(session, d.employer_id)
            if kind.subject == "employer" else [],
        }  # fmt: skip
    return render_template("review/show.html", form=form, **context), status


@bp.route("/<int:declaration_id>/decide", methods=["POST"])
@login_required
def decide_view(declaration_id: int):
    """Approve or reject; back to the queue with what happened, or the page with why not."""
    form = DecisionForm()
    if not form.validate_on_submit():
        for message in (m for errors in form.errors.values() for m in errors):
            flash(message, "error")
        return _show(declaration_id, form, 400)
    approve = form.decision.data == "approve"
    decision = Decision(
        approve=approve, reviewer=g.user.username, reason=form.reason.data or "",
        outcome=form.outcome.data or None, grade=form.grade.data or None,
        self_care=form.self_care.data or None,
    )  # fmt: skip
    try:
        result = decide(uow(), declaration_id, decision)
    except ReviewError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return _show(declaration_id, form, 409 if exc.status == 409 else 400)
    number = f", 认定编号 {result['injury_no']}" if result.get("injury_no") else ""
    flash(f"申报 {declaration_id} 已{'批准' if approve else '退回'}{number}。", "success")
    return redirect(url_for("review.queue"))
