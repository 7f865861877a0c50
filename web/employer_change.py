"""单位基本信息变更 as a web form: the employer's details now, a form where only what
changes is filled in, and the history of earlier changes.

The form is written as the kind's one-row template and stored as an ordinary batch, so
it is validated, made idempotent and sent to review exactly like an uploaded sheet; the
clerk lands on that batch's page.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for

from importer.batches import BatchOptions, create_batch
from importer.kinds.employer_change import SPEC, change_sheet
from registry.employer_info import employer_fields, employer_history
from registry.models import Employer
from registry.review_queries import DeclarationFilter, declarations_page
from web.auth import login_required
from web.db import is_reviewer, own_employer_id, uow
from web.main import text_arg
from web.review_forms import EmployerChangeForm, WithdrawForm
from web.uploads import enqueue_batch

bp = Blueprint("employer_change", __name__, url_prefix="/employer")
FILE_NAME = "单位基本信息变更(网上填写).xlsx"


def _context(employer_id: int) -> dict:
    with uow() as work:
        session = work.session
        employer = session.get(Employer, employer_id)
        assert employer is not None  # the logged-in clerk's own
        pending = declarations_page(
            session, employer_id,
            DeclarationFilter(kind="employer_change", state="pending_review"), 1, 20,
        )  # fmt: skip
        return {
            "spec": SPEC, "now": employer_fields(employer), "pending": pending,
            "employer_history": employer_history(session, employer_id),
            "withdraw_form": WithdrawForm(),
        }  # fmt: skip


@bp.route("/change", methods=["GET", "POST"])
@login_required
def form_page():
    """GET: the form; POST: the filled fields become a batch, then its page."""
    employer_id = own_employer_id()
    form = EmployerChangeForm()
    error = None
    if form.validate_on_submit():
        values = form.values()
        if values:
            batch_id = create_batch(
                uow(), employer_id, FILE_NAME, change_sheet(values),
                BatchOptions(kind="employer_change"), None, g.user.username,
            )  # fmt: skip
            enqueue_batch(batch_id)
            return redirect(url_for("batches.show", batch_id=batch_id))
        error = "没有填写任何要变更的内容。请只填写要变更的项目, 不变的留空; 至少要填一项。"
    elif form.errors:
        error = " ".join(f"{getattr(form, k).label.text}: {m[0]}" for k, m in form.errors.items())
    page = render_template(
        "review/employer_change.html", form=form, error=error, **_context(employer_id)
    )
    return page, 400 if error else 200


@bp.route("/history")
@login_required
def history():
    """The employer's details and their history: a clerk's own, at the form's history; a
    reviewer (who has no form) the chosen employer's (`?employer=CODE`, else the
    chooser) on 单位基本信息, which lists the same history."""
    if is_reviewer():
        code = text_arg("employer")
        page = "queries.employer_page"
        target = url_for(page, employer=code) if code else url_for(page)
        return redirect(target + "#history")
    return redirect(url_for("employer_change.form_page") + "#history")
