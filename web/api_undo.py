"""撤销本批次 in the JSON API: `POST /api/v1/batches/{id}/undo` (described in
`web.openapi_undo`).

Runs through the worker, like an upload: the request checks the batch may be undone
(its employer's token, or a reviewer's; the operator's window) and marks it undoing,
then answers 202 with the batch's undo state and URL; the client polls
`GET /api/v1/batches/{id}` until `undo.status` is `done`, when `undo` holds `reverted`
and `kept` ([{"row", "reason"}], every one; the batch list gives the first
`LIST_KEPT` with `kept_count` and `kept_truncated`). A batch undone already answers 200 with that result.
Another employer's batch is a 404, like a missing one; outside the window, or a batch
whose every row would be kept (`nothing_to_undo`), 409 with the Chinese message.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for

from importer.undo import UndoRefused
from registry.batch_queries import visible_batch
from registry.models import Batch
from web.api_auth import current_user, token_required
from web.api_errors import ApiError, json_response, register_error_handlers
from web.api_params import refuse_unknown_query_parameters
from web.db import uow as unit_of_work
from web.undo import start_undo

# Kept rows a batch's `undo` lists in `GET /api/v1/batches` (the batch's own URL: all).
LIST_KEPT = 100

bp = Blueprint("api_undo", __name__, url_prefix="/api/v1")
bp.before_request(refuse_unknown_query_parameters)
register_error_handlers(bp)


def undo_json(batch: Batch, kept_shown: int | None = None) -> dict[str, Any] | None:
    """The `undo` object of a batch in the API (None: never undone): every kept row, or
    the first `kept_shown` (the batch list: one undo may keep 100,000 rows, and every
    list answer would carry them all), with `kept_count` and `kept_truncated`."""
    if batch.undo_status is None:
        return None
    stored = batch.undo_result or {}
    kept = stored.get("kept", [])
    shown = kept if kept_shown is None else kept[:kept_shown]
    at = batch.undone_at.isoformat(timespec="seconds") + "Z" if batch.undone_at else None
    return {
        "status": batch.undo_status, "by": batch.undone_by, "at": at,
        "reverted": stored.get("reverted", 0), "kept": shown, "kept_count": len(kept),
        "kept_truncated": len(shown) < len(kept), "withdrawn": stored.get("withdrawn", 0),
    }  # fmt: skip


@bp.post("/batches/<int:batch_id>/undo")
@token_required
def undo_batch(batch_id: int) -> Response:
    """撤销本批次: start the undo (202), or the result of the one done already (200)."""
    user = current_user()
    scope = None if user.is_reviewer else user.employer_id
    try:
        status = start_undo(batch_id, scope, user.username)
    except UndoRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    with unit_of_work() as uow:
        batch = visible_batch(uow.session, batch_id, scope)
        assert batch is not None  # request_undo found it
        body = {"id": batch_id, "undo": undo_json(batch),
                "url": url_for("api.get_batch", batch_id=batch_id, _external=True)}  # fmt: skip
    return json_response(body, 200 if status == "done" else 202)
