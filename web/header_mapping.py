"""The hand mapping of an employer's own headers to standard columns, offered on the page
of a file refused for missing columns: saved for the employer, then the same file is
imported again as a re-submission of the refused batch."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from importer.batches import BatchOptions, create_batch
from importer.kinds import SPECS
from importer.reader import clean_header
from registry.header_maps import remember
from registry.models import Batch
from registry.uow import UnitOfWork
from web.db import uow


def chosen_pairs(batch: Batch) -> tuple[dict[str, str], str | None]:
    """(cleaned sheet header → standard header) the clerk chose, or an error message."""
    detail = batch.error_detail or {}
    kind, missing, headers = (
        detail.get("kind"),
        detail.get("missing", []),
        detail.get("headers", []),
    )
    if kind not in SPECS:
        return {}, "这个批次无法对应表头。请下载标准模板填写后上传。"
    pairs: dict[str, str] = {}
    for column in missing:
        picked = request.form.get(f"map:{column}", "")
        if not picked:
            continue
        if picked not in headers:
            return {}, f"「{picked}」不是表中的列。请从下拉列表中选择。"
        source = clean_header(picked)
        if source in pairs:
            return {}, f"表中的「{picked}」只能对应一个必填列, 请分别选择不同的列。"
        pairs[source] = column
    if not pairs:
        return {}, "没有选择任何对应。请为每个必填列选出表中对应的列。"
    return pairs, None


def save_and_reimport(work: UnitOfWork, batch: Batch):
    """Remember the chosen mapping and queue the same file again, linked to `batch`
    (read in `work`, the caller's unit of work)."""
    from web.uploads import enqueue_batch

    pairs, error = chosen_pairs(batch)
    if error:
        flash(error, "error")
        return redirect(url_for("batches.show", batch_id=batch.id) + "#map-headers")
    kind = (batch.error_detail or {})["kind"]
    remember(work.session, batch.employer_id, kind, pairs, g.user.username)
    work.commit()
    asked = batch.options or {}
    options = BatchOptions(kind, bool(asked.get("dry_run")), bool(asked.get("all_or_nothing")))
    # The stored upload is read only here, where it is needed (pages never load it).
    data = work.session.scalar(select(Batch.file_bytes).where(Batch.id == batch.id)) or b""
    new_id = create_batch(
        uow(), batch.employer_id, batch.file_name, data, options, batch.id, g.user.username
    )
    enqueue_batch(new_id)
    flash("已保存表头对应, 正在重新导入。", "success")
    return redirect(url_for("batches.show", batch_id=new_id))
