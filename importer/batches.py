"""Creating batches: the upload is stored durably before anything is queued."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from registry.models import AuditEntry, Batch
from registry.uow import UnitOfWork


@dataclass(frozen=True)
class BatchOptions:
    """What the uploader asked for."""

    kind: str | None = None
    dry_run: bool = False
    all_or_nothing: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON form kept on the batch."""
        return {"kind": self.kind, "dry_run": self.dry_run, "all_or_nothing": self.all_or_nothing}


def create_batch(
    uow: UnitOfWork,
    employer_id: int,
    file_name: str,
    data: bytes,
    options: BatchOptions = BatchOptions(),
    resubmit_of: int | None = None,
    created_by: str | None = None,
) -> int:
    """Store the uploaded bytes as a queued batch and return its id (committed)."""
    with uow:
        if resubmit_of is not None:
            parent = uow.session.get(Batch, resubmit_of)
            if parent is None or parent.employer_id != employer_id:
                raise LookupError(f"批次 {resubmit_of} 不存在")
        batch = Batch(
            employer_id=employer_id,
            kind=options.kind,
            file_name=file_name[:255] or "upload.xlsx",
            sha256=hashlib.sha256(data).hexdigest(),
            file_bytes=data,
            status="queued",
            options=options.to_dict(),
            resubmit_of=resubmit_of,
            created_by=created_by,
        )
        uow.session.add(batch)
        uow.session.flush()
        uow.session.add(
            AuditEntry(
                actor=created_by,
                employer_id=employer_id,
                action="batch_upload",
                detail={"batch": batch.id, "file": batch.file_name, "sha256": batch.sha256},
            )
        )
        uow.commit()
        return batch.id


def submission_chain(uow: UnitOfWork, batch_id: int) -> list[Batch]:
    """Every batch of the same sheet: the first upload, then each re-submission, in order."""
    session = uow.session
    batch = session.get(Batch, batch_id)
    if batch is None:
        return []
    root = batch
    while root.resubmit_of is not None:
        parent = session.get(Batch, root.resubmit_of)
        if parent is None:
            break
        root = parent
    chain, frontier = [root], [root.id]
    while frontier:
        children = list(
            session.scalars(select(Batch).where(Batch.resubmit_of.in_(frontier)).order_by(Batch.id))
        )
        chain.extend(children)
        frontier = [c.id for c in children]
    return chain
