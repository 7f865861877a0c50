"""查询: 单位人员名册 (the employer's roster) and 申报及结果查询 (every batch), each with
an 导出Excel download of the whole list."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, g, render_template, request

from importer.kinds import SPECS
from registry.batch_queries import all_batches, batches_page, employer_names, page_of
from registry.queries import roster
from validators.codes import INSURANCE_SHORT_NAMES
from web.auth import login_required
from web.db import is_reviewer, own_employer_id, scope_employer_id, uow
from web.exports import xlsx_response, xlsx_table
from web.formatting import batch_status, datetime, kind_title, month
from web.main import page_arg

bp = Blueprint("queries", __name__, url_prefix="/queries")

ROSTER_STATUS = {"active": "在保", "stopped": "停保"}
ROSTER_PER_PAGE = 50


def insurance_names(codes: list[str]) -> str:
    """110, 310 → 养老保险、医疗保险."""
    return "、".join(INSURANCE_SHORT_NAMES.get(c, c) for c in codes)


# Sortable roster columns: name A→Z, the newest enrolment first, the highest base first.
ROSTER_SORTS = {
    "name": (lambda e: (e["status"] != "active", e["name"], e["id_number"]), False),
    "start_month": (lambda e: (e["start_month"] or "", e["name"]), True),
    "base": (lambda e: (Decimal(e["base"] or 0), e["name"]), True),
}


def roster_sort() -> str:
    """The roster's sort column from the query string (姓名 by default)."""
    sort = request.args.get("sort", "")
    return sort if sort in ROSTER_SORTS else "name"


def _roster_entries() -> list[dict]:
    with uow() as work:
        entries = roster(work.session, own_employer_id())
    key, reverse = ROSTER_SORTS[roster_sort()]
    return sorted(entries, key=key, reverse=reverse)


def _status_filter(entries: list[dict]) -> list[dict]:
    status = request.args.get("status")
    return [e for e in entries if e["status"] == status] if status in ROSTER_STATUS else entries


@bp.route("/roster")
@login_required
def roster_page():
    """单位人员名册: the employer's persons, IDs masked, paged."""
    entries = _roster_entries()
    page = page_of(_status_filter(entries), page_arg(), ROSTER_PER_PAGE)
    return render_template(
        "queries/roster.html", page=page, statuses=ROSTER_STATUS, total=len(entries), sort=roster_sort(),
        active=sum(1 for e in entries if e["status"] == "active"), insurance_names=insurance_names,
    )  # fmt: skip


@bp.route("/roster.xlsx")
@login_required
def roster_export():
    """导出Excel of the roster (full ID numbers: the employer's own staff list)."""
    headers = ["姓名", "证件号码", "状态", "参保险种", "缴费基数(元)", "参保年月", "停保年月"]
    rows = [
        [e["name"], e["id_number"], ROSTER_STATUS.get(e["status"], e["status"]),
         insurance_names(e["insurances"]), Decimal(e["base"]) if e["base"] else None, month(e["start_month"]),
         month(e["end_month"])]
        for e in _status_filter(_roster_entries())
    ]  # fmt: skip
    code = g.employer.code if g.employer else ""
    data = xlsx_table("单位人员名册", headers, rows)
    return xlsx_response(data, f"单位人员名册_{code}.xlsx", f"roster_{code}.xlsx")


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
    headers = [
        "批次号",
        "申报类型",
        "文件名",
        "上传时间",
        "状态",
        "行数",
        "已申报",
        "未通过",
        "无变化",
        "提示",
    ]
    with uow() as work:
        items = all_batches(work.session, scope_employer_id())
    rows = [
        [b.id, kind_title(b.kind), b.file_name, datetime(b.created_at), batch_status(b.status),
         b.rows, b.applied, b.rejected, b.unchanged, b.warnings]
        for b in items
    ]  # fmt: skip
    data = xlsx_table("申报及结果查询", headers, rows)
    return xlsx_response(data, "申报及结果查询.xlsx", "batches.xlsx")
