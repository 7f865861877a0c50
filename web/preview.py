"""预览 and 确认申报 on the batch page: the table of what each row changes (old → new,
paged and filtered by action in SQL) and the 确认申报 button, which queues the previewed
batch to be applied like an upload (`importer.confirm`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from importer.confirm import ConfirmNotFound, ConfirmRefused, is_confirmable, request_confirm
from importer.preview import ACTION_LABELS, ACTIONS
from registry.change_queries import action_counts, changes_page
from registry.models import Batch
from web.auth import login_required
from web.db import uow
from web.main import page_arg
from web.uploads import enqueue_batch

bp = Blueprint("preview", __name__, url_prefix="/batches")

CHANGES_PER_PAGE = 50


def shows_changes(batch: Batch) -> bool:
    """A finished preview, or a batch applied by confirming one, lists its changes."""
    opts = batch.options or {}
    return batch.status == "done" and bool(opts.get("dry_run") or opts.get("preview"))


def preview_context(session, batch: Batch) -> dict[str, Any]:
    """What the batch page's changes table and confirm button need (nothing for others)."""
    if not shows_changes(batch):
        return {"changes": None}
    action = request.args.get("action")
    action = action if action in ACTIONS else None
    return {
        "changes": changes_page(session, batch.id, action, page_arg("cpage"), CHANGES_PER_PAGE),
        "action_counts": action_counts(session, batch.id),
        "action_filter": action,
        "action_labels": ACTION_LABELS,
        "confirmable": is_confirmable(batch) and g.employer is not None,
    }


@bp.route("/<int:batch_id>/confirm", methods=["POST"])
@login_required
def confirm(batch_id: int):
    """确认申报: queue the previewed batch to be applied, every row judged afresh."""
    if g.employer is None:
        abort(404)  # reviewers do not act for employers
    try:
        request_confirm(uow(), batch_id, g.employer.id, g.user.username)
    except ConfirmNotFound:
        abort(404)
    except ConfirmRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("batches.show", batch_id=batch_id))
    flash(
        "已确认申报, 正在按最新的登记信息逐行重新判定并办理。预览后如有行的情况变了, 结果中会有提示。",
        "success",
    )
    enqueue_batch(batch_id)
    return redirect(url_for("batches.show", batch_id=batch_id))
