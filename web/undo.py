"""撤销本批次 on the pages: the confirmation step (what the undo will do: rows reverted,
rows kept because they changed since, declarations withdrawn) and the POST that starts it.
A batch that cannot be undone now (a preview, still running, outside the window) is not
offered the step: the batch page shows why instead. A batch whose every row would be
kept gets the step with the rows and reasons, the refusal, and no button.

Employers undo their own batches; reviewers any (from the batch page the review desk
links to). The undo runs in the worker (`worker.undo_task`), or whatever callable the
`UNDO_ENQUEUE` config key holds (tests run it inline); the window is `UNDO_WINDOW` (text,
as `SHEBAO_UNDO_WINDOW`), default the operator's setting. Another employer's batch is a
404, like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for

from importer.undo import (
    NothingToUndo,
    UndoPreview,
    UndoRefused,
    UndoWindow,
    check_undo,
    preview_undo,
    request_undo,
)
from registry.batch_queries import Page, page_of
from registry.models import Batch, utcnow
from shebao.settings import settings
from web.auth import login_required
from web.db import scope_employer_id, uow
from web.main import page_arg

bp = Blueprint("undo", __name__, url_prefix="/batches")

# Above this many rows the confirmation page gives the count without judging each row
# (a preview of 100,000 rows costs as much as the undo's own reading).
PREVIEW_LIMIT = 20_000
KEPT_SHOWN = 200
KEPT_PER_PAGE = 100


def kept_page(batch: Batch) -> Page[dict[str, Any]] | None:
    """The page of an undone batch's kept rows the batch page shows (`kpage`): an undo
    can keep every row of a 100,000-row batch, a page of 18 MB listed whole."""
    if batch.undo_status != "done":
        return None
    kept = (batch.undo_result or {}).get("kept") or []
    return page_of(kept, page_arg("kpage"), KEPT_PER_PAGE)


def undo_window() -> UndoWindow:
    """The window of this app: its `UNDO_WINDOW` config, else the operator's setting."""
    configured = current_app.config.get("UNDO_WINDOW")
    return UndoWindow.parse(configured) if configured else settings().undo_window()


def start_undo(batch_id: int, scope: int | None, actor: str) -> str:
    """Check and mark the undo, then hand it to the worker; returns the undo status
    ("running", or "done" for a batch undone already). Raises `UndoRefused`."""
    status = request_undo(uow(), batch_id, scope, actor, undo_window())
    if status == "running":
        try:
            _runner()(batch_id)
        except Exception:
            # Marked running: the worker's recovery pass queues it when the broker is back.
            current_app.logger.exception("could not queue the undo of batch %s", batch_id)
    return status


def _runner() -> Callable[[int], None]:
    configured = current_app.config.get("UNDO_ENQUEUE")
    if configured is not None:
        return configured
    from worker.undo_task import enqueue_undo  # imported on use: no broker at start-up

    return enqueue_undo


def _visible(batch_id: int) -> Batch:
    from registry.batch_queries import visible_batch

    with uow() as work:
        batch = visible_batch(work.session, batch_id, scope_employer_id())
    if batch is None:
        abort(404)
    return batch


def _refusal(batch: Batch) -> UndoRefused | None:
    """Why `batch` cannot be undone now, or None."""
    with uow() as work:
        found = work.session.get(Batch, batch.id)
        assert found is not None  # _visible found it
        try:
            check_undo(work.session, found, undo_window(), utcnow())
        except UndoRefused as exc:
            return exc
    return None


@bp.get("/<int:batch_id>/undo")
@login_required
def confirm(batch_id: int):
    """The confirmation step: what undoing the batch now would do."""
    batch = _visible(batch_id)
    if batch.undo_status is not None and batch.undo_status != "failed":
        return redirect(url_for("batches.show", batch_id=batch_id) + "#undo")
    refusal = _refusal(batch)
    held = batch.applied + batch.pending_review
    if isinstance(refusal, NothingToUndo):
        # Every row would be kept: the step lists them with the reasons, and no button.
        nothing = UndoPreview(kept=refusal.kept)
        return render_template(
            "batches/undo_confirm.html", batch=batch, preview=nothing, held=held,
            kept_shown=KEPT_SHOWN, refusal=refusal.message,
        )  # fmt: skip
    if refusal is not None:
        # Say it now, not after the clerk confirmed (a preview, a batch still running,
        # outside the window): the page would otherwise offer an undo that is refused.
        flash(refusal.message, "error")
        return redirect(url_for("batches.show", batch_id=batch_id) + "#undo")
    preview: Any = preview_undo(uow(), batch_id) if held <= PREVIEW_LIMIT else None
    return render_template(
        "batches/undo_confirm.html", batch=batch, preview=preview, held=held,
        kept_shown=KEPT_SHOWN, refusal=None,
    )  # fmt: skip


@bp.post("/<int:batch_id>/undo")
@login_required
def undo(batch_id: int):
    """撤销本批次 (CSRF-checked form): start the undo, back to the batch page."""
    _visible(batch_id)
    try:
        status = start_undo(batch_id, scope_employer_id(), g.user.username)
    except UndoRefused as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("batches.show", batch_id=batch_id) + "#undo")
    if status == "done":
        flash("本批次已经撤销过, 没有再做改动。", "info")
    else:
        flash("已开始撤销本批次, 完成后本页会显示恢复和保留的行。", "success")
    return redirect(url_for("batches.show", batch_id=batch_id) + "#undo")
