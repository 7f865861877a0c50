"""确认申报 through real Celery workers (embedded SQLite stack and PostgreSQL + Redis): a
preview processed by a worker, the registry moved by another batch, the confirmation
queued, its worker SIGKILLed mid-apply, and the next worker finishing it from the kept
snapshot: every row applied once, the moved rows judged again, no snapshot left."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from importer.batches import BatchOptions, create_batch
from importer.confirm import judged_again_rows, request_confirm
from registry.models import Declaration
from registry.uow import UnitOfWork
from tests.builders import csv_bytes
from tests.integration import test_worker
from tests.integration.test_worker_support import registry_counts, roster_rows, wait_for

pytestmark = pytest.mark.integration

# The stack and worker fixtures of the worker tests, bound here so pytest finds them.
stack, workers = test_worker.stack, test_worker.workers
ROWS, CHUNK_ROWS, MOVED = test_worker.KILL_ROWS, test_worker.CHUNK_ROWS, 10


def _snapshot_rows(url: str, batch_id: int) -> int:
    with UnitOfWork.for_url(url) as uow:
        stmt = select(func.count()).where(
            Declaration.batch_id == batch_id, Declaration.status == "previewed"
        )
        return uow.session.scalar(stmt) or 0


def _store_preview(stack, rows: list) -> int:
    """A 预览 upload of `rows` stored as a queued batch (as the web does); its id."""
    return create_batch(
        UnitOfWork.for_url(stack.database_url), stack.employer_id, "roster.csv",
        csv_bytes("person_add", rows), BatchOptions(dry_run=True),
    )  # fmt: skip


def test_a_confirmation_killed_mid_apply_is_finished_by_the_next_worker(stack, workers):
    rows = roster_rows(ROWS)
    uow = UnitOfWork.for_url(stack.database_url)
    preview = _store_preview(stack, rows)
    first = workers(stack, "w1")
    stack.enqueue(preview)
    state = test_worker.wait_finished(stack, preview, first, timeout=600)
    assert (state["status"], state["applied"]) == ("done", 0), state
    # Another batch applies the first rows between the preview and the confirmation.
    moved = stack.upload(csv_bytes("person_add", rows[:MOVED]), "moved.csv")
    stack.enqueue(moved)
    assert test_worker.wait_finished(stack, moved, first, timeout=300)["applied"] == MOVED

    request_confirm(uow, preview, stack.employer_id, "test")
    stack.enqueue(preview)
    at_kill = wait_for(
        lambda: stack.state(preview),
        lambda s: s["status"] in ("done", "failed") or s["done"] >= 3 * CHUNK_ROWS + MOVED,
        300,
        "a few chunks of the confirmation to be committed",
        first.log,
        interval=0.05,
    )
    first.kill()
    assert at_kill["status"] == "running", at_kill
    assert _snapshot_rows(stack.database_url, preview) == ROWS  # kept through the kill

    second = workers(stack, "w2")
    state = test_worker.wait_finished(stack, preview, second, timeout=600)
    assert (state["status"], state["applied"]) == ("done", ROWS - MOVED), state
    counts = registry_counts(stack.database_url, stack.employer_id, preview)
    assert counts["declarations"] == counts["declaration_keys"] == ROWS - MOVED
    assert counts["persons"] == ROWS
    assert _snapshot_rows(stack.database_url, preview) == 0
    with uow:
        again = judged_again_rows(uow.session, preview)
    assert again == list(range(2, 2 + MOVED))  # CSV: row 1 is the header


def test_a_confirmation_queued_while_the_preview_still_holds_the_lease_is_run(stack, workers):
    # The preview's run holds the batch's lease until its workbooks are written; a clerk
    # who confirms at once queues the batch while it is held. That message used to step
    # aside for good (the batch stayed 排队中 until the recovery pass, minutes later).
    from tests.integration.test_worker_support import settings_of
    from worker.app import WorkerTuning
    from worker.leases import lease_for

    uow = UnitOfWork.for_url(stack.database_url)
    preview = _store_preview(stack, roster_rows(20))
    worker = workers(stack, "w1")
    stack.enqueue(preview)
    assert test_worker.wait_finished(stack, preview, worker, timeout=300)["status"] == "done"
    still_writing = lease_for(settings_of(stack.env), WorkerTuning(), preview)
    # Taken as soon as the preview's run lets it go (its workbooks written).
    wait_for(still_writing.acquire, bool, 60, "the preview's lease", worker.log)
    try:
        request_confirm(uow, preview, stack.employer_id, "test")
        stack.enqueue(preview)
        wait_for(lambda: worker.log(), lambda log: "queued again" in log, 60, "a retry", worker.log)
    finally:
        still_writing.release()
    state = test_worker.wait_finished(stack, preview, worker, timeout=120)
    assert state["status"] == "done" and state["applied"] + state["rejected"] == 20, state
    assert state["applied"] > 0, state
