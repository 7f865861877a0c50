"""JSON API of 预览 and 确认申报: `GET /api/v1/batches/{id}/changes` (what each row of a
batch changes, paged in SQL) and `POST /api/v1/batches/{id}/confirm` (apply a previewed
batch; queued like an upload, 202). Another employer's batch answers 404 like a missing
one; a batch that is not a finished, unconfirmed preview is refused with 409."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from importer.confirm import ConfirmNotFound, ConfirmRefused, judged_again_rows, request_confirm
from importer.preview import ACTION_LABELS, ACTIONS
from registry.change_queries import action_counts, changes_slice
from registry.models import Declaration
from web.api import (
    MAX_ERRORS_PAGE,
    _batch_not_found,
    _enqueue,
    _status_of,
    _visible_batch,
    _whole_number,
    bp,
)
from web.api_auth import current_user, token_required
from web.api_errors import ApiError, json_response
from web.db import uow as unit_of_work
from web.formatting import mask_id, mask_ids
from web.openapi import MAX_OFFSET

DEFAULT_CHANGES_PAGE = 1000


@bp.get("/batches/<int:batch_id>/changes")
@token_required
def get_batch_changes(batch_id: int) -> Response:
    """Per row of a batch its action and the cells it changes old → new, filtered by
    `action` or Excel `row`, paged (`offset`, `limit`), with the counts per action."""
    action = request.args.get("action") or None
    if action is not None and action not in ACTIONS:
        raise ApiError(400, "bad_option", f"action 只能是 {'、'.join(ACTIONS)} 之一。")
    row = _whole_number("row", 1, 2**31 - 1)
    offset = _whole_number("offset", 0, MAX_OFFSET) or 0
    limit = _whole_number("limit", 1, MAX_ERRORS_PAGE) or DEFAULT_CHANGES_PAGE
    with unit_of_work() as uow:
        session = uow.session
        _visible_batch(session, batch_id)
        items, total = changes_slice(session, batch_id, action, row, offset, limit)
        body = {
            "changes": [change_json(d) for d in items],
            "total": total, "offset": offset, "limit": limit,
            "counts": action_counts(session, batch_id),
            "judged_again": judged_again_rows(session, batch_id),
        }  # fmt: skip
    return json_response(body)


def change_json(declaration: Declaration) -> dict[str, Any]:
    """The API shape of one row's changes (ID numbers masked, as in every list)."""
    action = declaration.action
    return {
        "row": declaration.excel_row,
        "action": action,
        "label": ACTION_LABELS.get(action or "", ""),
        "name": (declaration.payload or {}).get("姓名") or "",
        "id_number": mask_id(declaration.id_number) if declaration.id_number else None,
        "fields": [
            {"field": c, "old": mask_ids(old), "new": mask_ids(new)}
            for c, old, new in declaration.changes or []
        ],
    }


@bp.post("/batches/<int:batch_id>/confirm")
@token_required
def confirm_batch(batch_id: int) -> Response:
    """确认申报: apply a finished preview from its stored file, every row judged afresh;
    queued like an upload (202, the batch URL to poll)."""
    user = current_user()
    if user.is_reviewer or user.employer_id is None:
        raise ApiError(403, "forbidden", "审核人员帐号只能查看批次, 不能确认申报。")
    try:
        request_confirm(unit_of_work(), batch_id, user.employer_id, user.username)
    except ConfirmNotFound:
        raise _batch_not_found() from None
    except ConfirmRefused as exc:
        raise ApiError(409, "not_confirmable", str(exc)) from None
    _enqueue(batch_id)
    url = url_for("api.get_batch", batch_id=batch_id, _external=True)
    body = {"id": batch_id, "status": _status_of(batch_id), "url": url}
    return json_response(body, 202, {"Location": url})
