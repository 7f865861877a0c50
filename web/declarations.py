"""申报及结果查询: every declaration (not only batches) by kind, date range and state,
with the reviewer's reason, paged in the database, an 导出Excel export, and 撤回 of a
declaration still waiting for review. Clerks see their employer's, reviewers all."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from importer.kinds import SPECS
from importer.review import ReviewError, withdraw
from registry.review_queries import (
    DECLARATION_STATES,
    DeclarationFilter,
    DeclarationRow,
    all_declarations,
    declarations_page,
)
from templates_xlsx.cells import excel_safe
from web.auth import login_required
from web.db import own_employer_id, scope_employer_id, uow
from web.exports import xlsx_response, xlsx_table
from web.formatting import datetime, declaration_status, kind_title, mask_id, review_text
from web.main import page_arg
from web.review import date_arg
from web.review_forms import WithdrawForm

bp = Blueprint("declarations", __name__, url_prefix="/declarations")
PER_PAGE = 50
EXPORT_HEADERS = [
    "申报编号", "单位", "申报类型", "姓名/单位", "证件号码", "提交时间", "状态", "审核意见",
    "批次号", "行号",
]  # fmt: skip


def _filters() -> tuple[DeclarationFilter, dict]:
    kind = request.args.get("kind") if request.args.get("kind") in SPECS else None
    state = request.args.get("state") if request.args.get("state") in DECLARATION_STATES else None
    f = DeclarationFilter(
        kind=kind, state=state, date_from=date_arg("date_from"), date_to=date_arg("date_to")
    )
    return f, {"kind": kind, "state": state, "date_from": f.date_from, "date_to": f.date_to}


@bp.route("/")
@login_required
def list_page():
    """The viewer's declarations, newest batch first, filtered and paged."""
    f, shown = _filters()
    with uow() as work:
        page = declarations_page(work.session, scope_employer_id(), f, page_arg(), PER_PAGE)
    return render_template(
        "declarations/list.html", page=page, filters=shown, kinds=SPECS.values(),
        states=DECLARATION_STATES, form=WithdrawForm(),
    )  # fmt: skip


def subject_of(row: DeclarationRow) -> str:
    """The person's name, or the employer for a kind about the employer itself."""
    return (row.declaration.payload or {}).get("姓名") or row.employer_name


def _export_row(r: DeclarationRow) -> list[object]:
    d = r.declaration
    reason = review_text(r.review)
    return [
        d.id, excel_safe(f"{r.employer_name}({r.employer_code})"), kind_title(d.kind),
        excel_safe(subject_of(r)), mask_id(d.id_number), datetime(d.created_at),
        declaration_status(d.status), excel_safe(reason), d.batch_id, d.excel_row,
    ]  # fmt: skip


@bp.route("/export.xlsx")
@login_required
def export():
    """导出Excel of the filtered list (ID numbers masked, nothing can start a formula)."""
    f, _ = _filters()
    with uow() as work:
        rows = [_export_row(r) for r in all_declarations(work.session, scope_employer_id(), f)]
    data = xlsx_table("申报及结果查询", EXPORT_HEADERS, rows)
    return xlsx_response(data, "申报及结果查询.xlsx", "declarations.xlsx")


@bp.route("/<int:declaration_id>/withdraw", methods=["POST"])
@login_required
def withdraw_view(declaration_id: int):
    """撤回: the clerk takes back a declaration still waiting for review."""
    employer_id = own_employer_id()
    if not WithdrawForm().validate_on_submit():
        abort(400)
    try:
        withdraw(uow(), declaration_id, employer_id, g.user.username)
    except ReviewError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
    else:
        flash(f"申报 {declaration_id} 已撤回, 不会再送审。如需变更, 请修改后重新申报。", "success")
    return redirect(url_for("declarations.list_page"))
