"""申报及结果查询: every batch of the employer (all employers for reviewers)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from importer.kinds import SPECS
from registry.batch_queries import all_batches, batches_page, employer_names
from web.auth import login_required
from web.db import is_reviewer, scope_employer_id, uow
from web.exports import xlsx_response, xlsx_table
from web.filter_args import FilterArgs
from web.formatting import batch_status, datetime, kind_title
from web.main import page_arg
from web.queries import bp

BATCH_HEADERS = ["批次号", "申报类型", "文件名", "上传时间", "状态", "行数", "已申报", "未通过", "无变化", "提示"]  # fmt: skip


STATUSES = ("queued", "running", "done", "failed")


def _batch_filters() -> tuple[dict[str, str | None], str]:
    """The list's kind and status, and the notice of a value that is neither (a mistyped
    address must not list every batch under a filter the clerk believes applied)."""
    args = FilterArgs(listed="批次")
    kinds = {name: spec.title for name, spec in SPECS.items()}
    kind = args.choice("kind", "申报类型", kinds)
    status = args.choice("status", "状态", {s: batch_status(s) for s in STATUSES})
    return {"kind": kind, "status": status}, args.notice


@bp.route("/batches")
@login_required
def batches():
    """申报及结果查询: every batch of the employer (all employers for reviewers), paged;
    a filter that is not one of its choices lists nothing and says so (400)."""
    filters, notice = _batch_filters()
    page, names = None, {}
    if not notice:
        with uow() as work:
            page = batches_page(
                work.session, scope_employer_id(), filters["kind"], filters["status"], page_arg()
            )
            if is_reviewer():
                names = employer_names(work.session, {b.employer_id for b in page.items})
    html = render_template(
        "queries/batches.html", batches=page, filters=filters, kinds=SPECS.values(),
        statuses=STATUSES, employer_names=names, notice=notice,
    )  # fmt: skip
    return html, 400 if notice else 200


@bp.route("/batches.xlsx")
@login_required
def batches_export():
    """导出Excel of the batch list, under the list's filters (a bad one: back to the list,
    which says what is wrong)."""
    filters, notice = _batch_filters()
    if notice:
        return redirect(
            f"{url_for('queries.batches')}?{request.query_string.decode('ascii', 'replace')}"
        )
    with uow() as work:
        items = all_batches(work.session, scope_employer_id(), filters["kind"], filters["status"])
    rows = [
        [b.id, kind_title(b.kind), b.file_name, datetime(b.created_at), batch_status(b.status),
         b.rows, b.applied, b.rejected, b.unchanged, b.warnings]
        for b in items
    ]  # fmt: skip
    data = xlsx_table("申报及结果查询", BATCH_HEADERS, rows)
    return xlsx_response(data, "申报及结果查询.xlsx", "batches.xlsx")
