"""申报及结果查询: every declaration (not only batches) by kind, date range and state,
with the reviewer's reason, paged in the database, an 导出Excel export, and 撤回 of a
declaration still waiting for review. Clerks see their employer's, reviewers all."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from importer.kinds import SPECS
from importer.review import ReviewError, withdraw
from registry.batch_queries import Page
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
from web.filter_args import FilterArgs
from web.formatting import datetime, declaration_status, kind_title, mask_id, review_text
from web.main import page_arg
from web.review_forms import WithdrawForm

bp = Blueprint("declarations", __name__, url_prefix="/declarations")
PER_PAGE = 50
EXPORT_HEADERS = [
    "申报编号", "单位", "申报类型", "姓名/单位", "证件号码", "提交时间", "状态", "审核意见",
    "批次号", "行号",
]  # fmt: skip


def kind_choices() -> dict[str, str]:
    """Kind → its Chinese title, for the kind filter and its notice."""
    return {spec.kind: spec.title for spec in SPECS.values()}


def state_choices(states: tuple[str, ...]) -> dict[str, str]:
    """State → its Chinese name, for the state filter and its notice."""
    return {state: declaration_status(state) for state in states}


def _filters() -> tuple[DeclarationFilter, dict, str]:
    """The list's filter, the values shown in the form, and the notice of a bad one."""
    args = FilterArgs()
    f = DeclarationFilter(
        kind=args.choice("kind", "申报类型", kind_choices()),
        state=args.choice("state", "状态", state_choices(DECLARATION_STATES)),
        date_from=args.date("date_from", "提交日期从"),
        date_to=args.date("date_to", "提交日期到"),
    )
    shown = {"kind": f.kind, "state": f.state, "date_from": f.date_from, "date_to": f.date_to}
    return f, shown, args.notice


@bp.route("/")
@login_required
def list_page():
    """The viewer's declarations, newest batch first, filtered and paged; a filter that
    is not one of the choices lists nothing and says so (400, as the API answers)."""
    f, shown, notice = _filters()
    if notice:
        page: Page[DeclarationRow] = Page([], 0, 1, PER_PAGE)
    else:
        with uow() as work:
            page = declarations_page(work.session, scope_employer_id(), f, page_arg(), PER_PAGE)
    html = render_template(
        "declarations/list.html", page=page, filters=shown, kinds=SPECS.values(),
        states=DECLARATION_STATES, form=WithdrawForm(), notice=notice,
    )  # fmt: skip
    return html, 400 if notice else 200


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
    """导出Excel of the filtered list (ID numbers masked, nothing can start a formula); a
    bad filter goes back to the list, which names it, rather than export everything."""
    f, _, notice = _filters()
    if notice:
        query = request.query_string.decode("ascii", "replace")
        return redirect(f"{url_for('declarations.list_page')}?{query}")
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
