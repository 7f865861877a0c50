"""申报及结果查询: every batch of the employer (all employers for reviewers)."""

from __future__ import annotations

from flask import render_template, request

from importer.kinds import SPECS
from registry.batch_queries import all_batches, batches_page, employer_names
from web.auth import login_required
from web.db import is_reviewer, scope_employer_id, uow
from web.exports import xlsx_response, xlsx_table
from web.formatting import batch_status, datetime, kind_title
from web.main import page_arg
from web.queries import bp

BATCH_HEADERS = ["批次号", "申报类型", "文件名", "上传时间", "状态", "行数", "已申报", "未通过", "无变化", "提示"]  # fmt: skip


def _batch_filters() -> dict[str, str | None]:
    kind = request.args.get("kind")
    status = request.args.get("status")
    return {
        "kind": kind if kind in SPECS else None,
        "status": status if status in ("queued", "running", "done", "failed") else None,
    }


@bp.route("/batches")
@login_required
def batches():
    """申报及结果查询: every batch of the employer (all employers for reviewers), paged."""
    filters = _batch_filters()
    with uow() as work:
        page = batches_page(
            work.session, scope_employer_id(), filters["kind"], filters["status"], page_arg()
        )
        names = (
            employer_names(work.session, {b.employer_id for b in page.items})
            if is_reviewer()
            else {}
        )
    return render_template(
        "queries/batches.html", batches=page, filters=filters, kinds=SPECS.values(),
        employer_names=names,
    )  # fmt: skip


@bp.route("/batches.xlsx")
@login_required
def batches_export():
    """导出Excel of the batch list."""
    with uow() as work:
        items = all_batches(work.session, scope_employer_id())
    rows = [
        [b.id, kind_title(b.kind), b.file_name, datetime(b.created_at), batch_status(b.status),
         b.rows, b.applied, b.rejected, b.unchanged, b.warnings]
        for b in items
    ]  # fmt: skip
    data = xlsx_table("申报及结果查询", BATCH_HEADERS, rows)
    return xlsx_response(data, "申报及结果查询.xlsx", "batches.xlsx")
