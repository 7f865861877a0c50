"""审核 (the agency review desk): the queue of declarations across employers, one
declaration with what the reviewer needs beside it, and the decision.

Reviewers only: a clerk asking for these pages gets 404, as for a page that does not
exist. The decisions themselves are `importer.review`'s; this module only reads the
request and shows the outcome.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from importer.kinds import SPECS, get_kind
from importer.kinds.base import Decision
from importer.review import ReviewError, decide
from registry.accounts import employer_by_code
from registry.batch_queries import Page
from registry.employer_info import employer_fields, employer_history
from registry.models import Batch, Employer
from registry.review_queries import (
    REVIEW_STATES,
    DeclarationFilter,
    DeclarationRow,
    declarations_page,
    person_history,
    visible_declaration,
)
from web.auth import login_required
from web.db import is_reviewer, uow
from web.declarations import kind_choices, state_choices
from web.filter_args import FilterArgs
from web.main import page_arg, text_arg
from web.review_forms import DecisionForm

bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 30


@bp.before_request
def reviewers_only():
    """Clerks never see the desk (404, like a page that is not there)."""
    if g.get("user") is not None and not is_reviewer():
        abort(404)


def _queue_filter(session) -> tuple[DeclarationFilter, dict, str]:
    """The queue's filter, the values shown in the form, and the notice of a bad one."""
    args = FilterArgs()
    kind = args.choice("kind", "申报类型", kind_choices())
    state = args.choice("state", "状态", state_choices(REVIEW_STATES)) or "pending_review"
    code = text_arg("employer") or ""
    employer = employer_by_code(session, code) if code else None
    if code and employer is None:
        args.unknown("单位编码", code, "没有这个单位, 单位编码是 8 位数字, 请核对。")
    f = DeclarationFilter(
        kind=kind, state=state, reviewed_only=True,
        employer_id=employer.id if employer else None,
        date_from=args.date("date_from", "提交日期从"), date_to=args.date("date_to", "提交日期到"),
    )  # fmt: skip
    shown = {"kind": kind, "state": state, "employer": code, "date_from": f.date_from,
             "date_to": f.date_to}  # fmt: skip
    return f, shown, args.notice


@bp.route("/")
@login_required
def queue():
    """审核队列: declarations sent to review, pending ones first by default, filtered; a
    filter that is not one of the choices lists nothing and says so (400, as the API)."""
    with uow() as work:
        f, shown, notice = _queue_filter(work.session)
        if notice:
            page: Page[DeclarationRow] = Page([], 0, 1, PER_PAGE)
        else:
            page = declarations_page(work.session, None, f, page_arg(), PER_PAGE)
    html = render_template(
        "review/queue.html", page=page, filters=shown, kinds=SPECS.values(),
        states=REVIEW_STATES, notice=notice,
    )  # fmt: skip
    return html, 400 if notice else 200


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
            "history": person_history(session, d.id_number, d.id) if d.id_number else None,
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
