"""The batch page (the page clerks live on): status and progress, figures, errors per
column, the errors table, per-row results, downloads, re-submission and the chain."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for

from importer.batches import submission_chain
from registry.batch_queries import (
    declaration_status_counts,
    declarations_page,
    held_back_rows,
    issue_counts_by_column,
    issues_page,
    visible_batch,
)
from registry.models import Batch, Declaration, Employer
from web.auth import login_required
from web.causes import likely_cause
from web.db import scope_employer_id, uow
from web.exports import xlsx_response
from web.formatting import batch_status, phase
from web.forms import UploadForm
from web.main import page_arg, text_arg
from web.preview import preview_context
from web.undo import kept_page

bp = Blueprint("batches", __name__, url_prefix="/batches")

ISSUES_PER_PAGE = 50
ROWS_PER_PAGE = 50


def _batch_or_404(session, batch_id: int) -> Batch:
    # Another employer's batch answers exactly like a missing one.
    batch = visible_batch(session, batch_id, scope_employer_id())
    if batch is None:
        abort(404)
    return batch


def _filters() -> dict[str, str | None]:
    severity = request.args.get("severity")
    return {
        "column": text_arg("column"),
        "severity": severity if severity in ("error", "warning") else None,
        "rstatus": text_arg("rstatus"),
    }


@bp.route("/<int:batch_id>")
@login_required
def show(batch_id: int):
    """The batch page."""
    filters = _filters()
    with uow() as work:
        session = work.session
        batch = _batch_or_404(session, batch_id)
        columns = issue_counts_by_column(session, batch_id)
        context = {
            "batch": batch,
            "employer": session.get(Employer, batch.employer_id),
            "columns": columns,
            "cause": likely_cause(columns),
            "held_back": held_back_rows(session, batch_id),
            "chain": submission_chain(work, batch_id),
            "issues": issues_page(
                session, batch_id, filters["column"], filters["severity"],
                page_arg("page"), ISSUES_PER_PAGE,
            ),
            "status_counts": declaration_status_counts(session, batch_id),
            "rows": declarations_page(
                session, batch_id, filters["rstatus"], page_arg("rpage"), ROWS_PER_PAGE
            ),
            "undo_kept": kept_page(batch),
            **preview_context(session, batch),
        }  # fmt: skip
    max_errors = max((c.errors + c.warnings for c in columns), default=0)
    return render_template(
        "batches/show.html", form=UploadForm(), filters=filters, max_errors=max_errors,
        row_note=row_note, **context,
    )  # fmt: skip


def row_note(declaration: Declaration) -> str:
    """The first problem of a row (and how many more), for the per-row results."""
    for entries, noun in ((declaration.errors, "错误"), (declaration.warnings, "提示")):
        if entries:
            first = (
                entries[0].get("message", "") if isinstance(entries[0], dict) else str(entries[0])
            )
            more = f"(另有 {len(entries) - 1} 处{noun}, 见上方列表)" if len(entries) > 1 else ""
            return first + more
    return ""


@bp.route("/<int:batch_id>/progress.json")
@login_required
def progress(batch_id: int):
    """Status and progress for the page's polling script."""
    with uow() as work:
        batch = _batch_or_404(work.session, batch_id)
        done, total = batch.progress_done or 0, batch.progress_total or 0
        return jsonify(
            id=batch.id,
            status=batch.status,
            status_label=batch_status(batch.status),
            phase=batch.phase,
            phase_label=phase(batch.phase),
            done=done,
            total=total,
            percent=round(100 * done / total) if total else 0,
            finished=batch.status in ("done", "failed"),
        )


@bp.route("/<int:batch_id>/report.xlsx")
@login_required
def report(batch_id: int):
    """下载错误报告: the uploaded sheet with every error and warning marked."""
    return _download(batch_id, "report")


@bp.route("/<int:batch_id>/corrections.xlsx")
@login_required
def corrections(batch_id: int):
    """下载待修改数据: the rejected rows in template layout, errors beside them."""
    return _download(batch_id, "corrections")


def _download(batch_id: int, which: str):
    from importer.report import ReportUnavailable, corrections_workbook, error_report

    with uow() as work:
        batch = _batch_or_404(work.session, batch_id)
    if which == "corrections" and not batch.rejected:
        abort(404)  # the button is not shown: nothing to correct
    build, title = (
        (error_report, "错误报告") if which == "report" else (corrections_workbook, "待修改")
    )
    try:
        data = build(uow(), batch_id)
    except ReportUnavailable as exc:
        flash(str(exc), "warning")
        return redirect(url_for("batches.show", batch_id=batch_id))
    name = f"{title}_{batch.id}_{_stem(batch)}.xlsx"
    return xlsx_response(data, name, f"{which}_{batch.id}.xlsx")


def _stem(batch: Batch) -> str:
    return batch.file_name.rsplit(".", 1)[0][:60]


@bp.route("/<int:batch_id>/map-headers", methods=["POST"])
@login_required
def map_headers(batch_id: int):
    """保存对应并重新导入: remember the clerk's header mapping, import the file again."""
    from web.header_mapping import save_and_reimport

    if g.employer is None:
        abort(404)  # reviewers do not act for employers
    with uow() as work:
        batch = _batch_or_404(work.session, batch_id)
        if batch.status != "failed" or batch.error_code != "missing_columns":
            abort(404)
        return save_and_reimport(work, batch)


@bp.route("/<int:batch_id>/resubmit", methods=["POST"])
@login_required
def resubmit(batch_id: int):
    """上传修改后的表格: a new batch linked to this one, of the same kind."""
    from web.declare import handle_upload

    with uow() as work:
        batch = _batch_or_404(work.session, batch_id)
    form = UploadForm()
    if not form.validate_on_submit():
        for message in (m for errors in form.errors.values() for m in errors):
            flash(message, "error")
        return redirect(url_for("batches.show", batch_id=batch_id) + "#resubmit")
    response, error = handle_upload(form, batch.kind, resubmit_of=batch.id)
    if response is not None:
        return response
    flash(error, "error")
    return redirect(url_for("batches.show", batch_id=batch_id) + "#resubmit")
