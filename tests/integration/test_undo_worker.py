"""撤销本批次 through real Celery workers (embedded default and Redis + PostgreSQL): the
undo runs in the worker, and a worker SIGKILLed mid-undo leaves the batch undoing with the
chunks it committed; the next worker's recovery finishes it, and the registry is exactly
what it was before the batch."""

from __future__ import annotations

import pytest

from importer.undo import UndoWindow, request_undo
from registry.models import Batch
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.integration.test_worker import stack, wait_finished, workers  # noqa: F401
from tests.integration.test_worker_support import roster_rows, wait_for
from tests.registry_dump import registry_dump
from worker.undo_task import enqueue_undo

pytestmark = pytest.mark.integration

ROWS = 6_000
UNDO_CHUNK = "200"  # 30 transactions: a kill lands between two of them


def undo_state(url: str, batch_id: int) -> dict:
    """The batch's undo fields, read fresh."""
    with UnitOfWork.for_url(url) as uow:
        b = uow.session.get(Batch, batch_id)
        return {"status": b.undo_status, "by": b.undone_by, "result": b.undo_result or {},
                "applied": b.applied}  # fmt: skip


def test_a_worker_killed_mid_undo_is_finished_by_the_next_one(stack, workers):  # noqa: F811
    url = stack.database_url
    before = registry_dump(url)
    first = workers(stack, "first", SHEBAO_CHUNK_ROWS=UNDO_CHUNK)
    batch_id = stack.upload(xlsx_bytes("person_add", roster_rows(ROWS)))
    stack.enqueue(batch_id)
    assert wait_finished(stack, batch_id, first, 600)["applied"] == ROWS
    assert request_undo(UnitOfWork.for_url(url), batch_id, None, "clerk", UndoWindow()) == (
        "running"
    )
    enqueue_undo(batch_id, stack.app)
    at_kill = wait_for(
        lambda: undo_state(url, batch_id),
        lambda s: s["status"] != "running" or s["result"].get("after_row", 0) > 0,
        300,
        "the undo's first chunks",
        first.log,
        interval=0.02,
    )
    first.kill()
    killed = undo_state(url, batch_id)
    assert at_kill["status"] == "running", at_kill
    assert killed["status"] == "running" and 0 < killed["result"]["reverted"] < ROWS, killed
    second = workers(stack, "second", SHEBAO_CHUNK_ROWS=UNDO_CHUNK)
    done = wait_for(
        lambda: undo_state(url, batch_id),
        lambda s: s["status"] != "running",
        300,
        "the undo to be finished by the second worker",
        second.log,
    )
    assert done["status"] == "done", done
    assert done["result"] == {"reverted": ROWS, "kept": [], "withdrawn": 0}
    assert (done["by"], done["applied"]) == ("clerk", 0)
    assert registry_dump(url) == before
    print(f"[{stack.kind}] undo killed after {killed['result']['reverted']} of {ROWS} rows")


def test_recovery_requeues_an_undo_left_running_once(tmp_path, sqlite_url):
    from sqlalchemy import update

    from importer.batches import BatchOptions, create_batch
    from registry.accounts import create_employer
    from shebao.settings import Settings
    from worker.app import WorkerTuning, make_celery
    from worker.leases import FileLease
    from worker.recovery import recover

    settings = Settings(tmp_path / "data", sqlite_url, None, "t")
    app = make_celery(settings, WorkerTuning(stale_queued_minutes=10))
    with UnitOfWork.for_url(sqlite_url) as uow:
        employer, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
    batch_id = create_batch(
        UnitOfWork.for_url(sqlite_url), employer.id, "a.xlsx", b"x", BatchOptions()
    )
    with UnitOfWork.for_url(sqlite_url) as uow:
        done = {"status": "done", "undo_status": "running"}
        uow.session.execute(update(Batch).where(Batch.id == batch_id).values(**done))
        uow.commit()
    holder = FileLease(settings.data_dir / "leases", batch_id)
    assert holder.acquire()
    assert recover(app) == []  # its undo runs in a live worker
    holder.release()
    assert recover(app) == [batch_id]  # that worker is gone: queued again, once
    assert recover(app) == []
    app.close()
