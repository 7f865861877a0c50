"""JSON API `/api/v1`: token auth, batches, errors, reports, templates (OpenAPI documented).

Views are thin: they check the token, parse the request and call the importer or the
registry. Every query is scoped to the token's employer; a batch of another employer
answers exactly like a missing one, so ids reveal nothing. Reviewers read every batch
and upload nothing. Errors are JSON (`web.api_errors`), messages Chinese.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import select

from importer.batches import BatchOptions, create_batch
from importer.errors import FileRejected
from importer.kinds import SPECS
from importer.prefill import prefillable, prefilled_file_name, prefilled_template
from importer.reader import sniff_upload
from importer.report import corrections_workbook, error_report
from registry.batch_queries import MAX_ID, batches_slice, issues_slice, visible_batch
from registry.models import Batch, BatchIssue
from shebao.masking import mask_ids
from templates_xlsx.build import build_template
from web.api_auth import current_user, login, token_required
from web.api_errors import ApiError, json_response, register_error_handlers, size_limit_message
from web.api_params import refuse_unknown_query_parameters
from web.db import uow as unit_of_work
from web.exports import xlsx_response
from web.main import text_arg
from web.openapi import MAX_BATCHES_PAGE, MAX_OFFSET, openapi_spec
from web.uploads import clean_file_name, estimated_rows

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(refuse_unknown_query_parameters)
register_error_handlers(bp)

SEVERITIES = ("error", "warning")
MAX_ERRORS_PAGE = 10_000
DEFAULT_BATCHES_PAGE = 20
_TRUE, _FALSE = ("true", "1"), ("false", "0", "")


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return json_response(openapi_spec())


@bp.post("/token")
def create_token() -> Response:
    """Exchange a user name and password for a bearer token."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("username", "password")
    ):
        raise ApiError(
            400, "bad_request", '请求体应为 JSON: {"username": "登录名", "password": "密码"}。'
        )
    return json_response({"token": login(body["username"], body["password"])})


@bp.post("/batches")
@token_required
def upload_batch() -> Response:
    """Store an uploaded sheet as a new batch, queue it, answer 202 with its URL."""
    user = current_user()
    if user.is_reviewer or user.employer_id is None:
        raise ApiError(403, "forbidden", "审核人员帐号只能查看批次, 不能上传申报文件。")
    file_name, data = _uploaded_file()
    options = BatchOptions(
        kind=_kind_option(),
        # 预览 (`preview`; `dry_run` is its older name).
        dry_run=_bool_option("preview") or _bool_option("dry_run"),
        all_or_nothing=_bool_option("all_or_nothing"),
    )
    resubmit_of = _resubmit_option()
    _check_content(data, file_name)
    try:
        batch_id = create_batch(
            unit_of_work(), user.employer_id, file_name, data, options, resubmit_of, user.username
        )
    except LookupError:
        raise _batch_not_found() from None
    _enqueue(batch_id)
    url = url_for("api.get_batch", batch_id=batch_id, _external=True)
    body = {"id": batch_id, "status": _status_of(batch_id), "url": url}
    return json_response(body, 202, {"Location": url})


@bp.get("/batches")
@token_required
def list_batches() -> Response:
    """The employer's batches (every employer's for reviewers), newest first, paged."""
    offset = _whole_number("offset", 0, MAX_OFFSET) or 0
    limit = _whole_number("limit", 1, MAX_BATCHES_PAGE) or DEFAULT_BATCHES_PAGE
    user = current_user()
    with unit_of_work() as uow:
        scope = None if user.is_reviewer else user.employer_id
        items, total = batches_slice(uow.session, scope, offset, limit)
        batches = [batch_json(b, list_view=True) for b in items]
    return json_response({"batches": batches, "total": total, "offset": offset, "limit": limit})


@bp.get("/batches/<int:batch_id>")
@token_required
def get_batch(batch_id: int) -> Response:
    """Status, progress and counts of one batch."""
    with unit_of_work() as uow:
        return json_response(batch_json(_visible_batch(uow.session, batch_id)))


@bp.get("/batches/<int:batch_id>/errors")
@token_required
def get_batch_errors(batch_id: int) -> Response:
    """The errors and warnings of a batch by Excel row, optionally filtered and paged
    (`offset`, `limit`; without `limit` every one, as the command line prints them)."""
    severity = request.args.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        raise ApiError(400, "bad_option", "severity 只能是 error(错误)或 warning(提示)。")
    column = text_arg("column")
    offset = _whole_number("offset", 0, MAX_OFFSET) or 0
    limit = _whole_number("limit", 1, MAX_ERRORS_PAGE)
    with unit_of_work() as uow:
        _visible_batch(uow.session, batch_id)
        issues, total = issues_slice(uow.session, batch_id, column, severity, offset, limit)
        errors = [issue_json(i) for i in issues]
    return json_response({"errors": errors, "total": total, "offset": offset, "limit": limit})


def issue_json(issue: BatchIssue) -> dict[str, Any]:
    """The API shape of one error or warning (the command line's JSON shape); ID numbers
    in the message are masked, the value is what was typed."""
    return {
        "row": issue.excel_row, "column": issue.column, "letter": issue.letter,
        "value": issue.value, "code": issue.code, "message": mask_ids(issue.message),
        "severity": issue.severity,
    }  # fmt: skip


def _whole_number(name: str, lowest: int, highest: int) -> int | None:
    """Query parameter `name` as a whole number in [lowest, highest]; None when absent."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, "bad_option", f"参数 {name} 只能出现一次, 收到 {len(values)} 个。")
    raw = values[0].strip() if values else ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not lowest <= int(raw) <= highest:
        raise ApiError(400, "bad_option", f"{name} 应为 {lowest} 到 {highest} 之间的整数。")
    return int(raw)


@bp.get("/batches/<int:batch_id>/report.xlsx")
@token_required
def download_report(batch_id: int) -> Response:
    """The error report workbook of a finished batch."""
    names = (f"批次{batch_id}_错误报告.xlsx", f"batch_{batch_id}_report.xlsx")
    return _download(batch_id, error_report, *names)


@bp.get("/batches/<int:batch_id>/corrections.xlsx")
@token_required
def download_corrections(batch_id: int) -> Response:
    """The corrections workbook (failed rows in template layout) of a finished batch."""
    names = (f"批次{batch_id}_待修改数据.xlsx", f"batch_{batch_id}_corrections.xlsx")
    return _download(batch_id, corrections_workbook, *names)


@bp.get("/templates/<kind>.xlsx")
@token_required
def download_template(kind: str) -> Response:
    """The standard empty template of `kind`; with `prefill=1`, filled with the token's
    employer's active persons (kinds acting on people already here)."""
    if kind not in SPECS:
        raise _unknown_kind(kind, status=404)
    spec = SPECS[kind]
    if not _query_flag("prefill"):
        return xlsx_response(build_template(spec), f"{spec.title}.xlsx", f"{kind}.xlsx")
    user = current_user()
    if user.is_reviewer or user.employer_id is None:
        raise ApiError(403, "forbidden", "审核人员帐号没有本单位人员, 不能下载预填模板。")
    if not prefillable(kind):
        # No such workbook exists for this kind: 404, like an unknown kind's template.
        raise ApiError(
            404,
            "no_prefill",
            f"「{SPECS[kind].title}」没有预填模板, 只有针对本单位已参保人员的申报才有。",
        )
    with unit_of_work() as work:
        data = prefilled_template(work.session, kind, user.employer_id)
    return xlsx_response(data, prefilled_file_name(spec), f"{kind}_prefilled.xlsx")


def _query_flag(name: str) -> bool:
    """A yes/no query parameter: absent is no; given, it must say 1/true or 0/false."""
    if name not in request.args:
        return False
    raw = request.args[name].strip().lower()
    if raw and (raw in _TRUE or raw in _FALSE):
        return raw in _TRUE
    raise ApiError(400, "bad_option", f"{name} 只能是 1/true 或 0/false。")


def batch_json(batch: Batch, list_view: bool = False) -> dict[str, Any]:
    """The API shape of a batch; in the list (`list_view`) its undo names only the first
    kept rows."""
    from web.api_undo import LIST_KEPT, undo_json  # beside its route (撤销本批次)

    error = None
    if batch.error_code or batch.status == "failed":
        message = mask_ids(batch.error_message)
        error = {"code": batch.error_code or "failed", "message": message}
    return {
        "id": batch.id,
        "kind": batch.kind,
        "status": batch.status,
        "progress": {"done": batch.progress_done, "total": batch.progress_total},
        "rows": batch.rows,
        "applied": batch.applied,
        "rejected": batch.rejected,
        "unchanged": batch.unchanged,
        "pending_review": batch.pending_review,
        "warnings": batch.warnings,
        "resubmit_of": batch.resubmit_of,
        "file_name": batch.file_name,
        # Stored as naive UTC; the Z says so to clients in other time zones.
        "created_at": batch.created_at.isoformat(timespec="seconds") + "Z",
        "error": error,
        "undo": undo_json(batch, LIST_KEPT if list_view else None),
    }


def _visible_batch(session, batch_id: int) -> Batch:
    user = current_user()
    batch = visible_batch(session, batch_id, None if user.is_reviewer else user.employer_id)
    if batch is None:
        raise _batch_not_found()
    return batch


def _batch_not_found() -> ApiError:
    # The same body whether the batch is missing or another employer's.
    return ApiError(404, "batch_not_found", "批次不存在。请检查批次编号是否正确。")


def _status_of(batch_id: int) -> str:
    with unit_of_work() as uow:
        return uow.session.scalar(select(Batch.status).where(Batch.id == batch_id)) or "queued"


def _download(batch_id: int, build, download_name: str, ascii_name: str) -> Response:
    with unit_of_work() as uow:
        batch = _visible_batch(uow.session, batch_id)
        if batch.status != "done":
            raise _not_done(batch)
    return xlsx_response(build(unit_of_work(), batch_id), download_name, ascii_name)


def _not_done(batch: Batch) -> ApiError:
    if batch.status == "failed":
        message = f"批次 {batch.id} 处理失败, 没有可下载的报告: {batch.error_message or ''}"
    else:
        message = f"批次 {batch.id} 还在处理中(状态 {batch.status}), 请处理完成后再下载。"
    return ApiError(409, "batch_not_done", message.rstrip(": "))


def _uploaded_file() -> tuple[str, bytes]:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    upload = request.files.get("file")  # parsing raises 413 past MAX_CONTENT_LENGTH
    if upload is None:
        raise ApiError(400, "missing_file", "请在表单字段 file 中上传 Excel 文件。")
    data = upload.read()
    if limit and len(data) > limit:
        raise ApiError(413, "file_too_large", size_limit_message(limit))
    return clean_file_name(upload.filename), data


def _check_content(data: bytes, file_name: str) -> None:
    try:
        sniff_upload(data, file_name)
    except FileRejected as exc:
        raise ApiError(415, exc.code, exc.message) from None
    max_rows = current_app.config.get("MAX_ROWS")
    rows = estimated_rows(data)
    if max_rows and rows is not None and rows > max_rows:
        message = f"表格约有 {rows:,} 行数据, 超过了每次上传最多 {max_rows:,} 行的限制。请把数据拆成几个文件分别上传。"
        raise ApiError(413, "too_many_rows", message)


def _enqueue(batch_id: int) -> None:
    try:
        current_app.config["ENQUEUE"](batch_id)
    except Exception:
        # The file is stored and the batch stays queued until the queue is back; the
        # client polls the batch URL either way, so the upload itself has succeeded.
        current_app.logger.exception("could not queue batch %s", batch_id)


def _kind_option() -> str | None:
    kind = (request.form.get("kind") or "").strip() or None
    if kind is not None and kind not in SPECS:
        raise _unknown_kind(kind, status=400)
    return kind


def _unknown_kind(kind: str, status: int) -> ApiError:
    known = ", ".join(f"{k}({spec.title})" for k, spec in SPECS.items())
    return ApiError(status, "unknown_kind", f"未知的申报类型「{kind}」。可选: {known}。")


def _bool_option(name: str) -> bool:
    raw = (request.form.get(name) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ApiError(400, "bad_option", f"{name} 只能是 true/false 或 1/0, 收到「{raw}」。")


def _resubmit_option() -> int | None:
    raw = (request.form.get("resubmit_of") or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(400, "bad_option", f"resubmit_of 应为原批次的编号(数字), 收到「{raw}」。")
    if int(raw) > MAX_ID:
        raise _batch_not_found()  # no batch has such a number
    return int(raw)
