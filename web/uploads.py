"""Accepting an uploaded sheet: size, format sniffing, row limit, durable storage, queueing.

Nothing is stored when the file is refused here; once stored, the batch is queued and
the clerk is sent to its page. Whatever the worker finds later shows on that page.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from flask import current_app, flash, g
from werkzeug.datastructures import FileStorage

from importer.batches import BatchOptions, create_batch
from importer.errors import FileRejected
from web.db import uow
from web.errors import size_text

log = logging.getLogger(__name__)

_DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]+\d+:?[A-Z]*(\d*)"')
TITLE_AND_HEADER_ROWS = 2


@dataclass(frozen=True)
class Upload:
    """What the form asked for."""

    file: FileStorage
    kind: str | None = None
    dry_run: bool = False
    all_or_nothing: bool = False
    resubmit_of: int | None = None


class UploadRefused(Exception):
    """The file is not stored; the message (Chinese) says why and what to do."""


def clean_file_name(name: str | None) -> str:
    """The bare file name, whatever path an old browser sent along, without control
    characters (a NUL cannot even be stored)."""
    bare = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", bare).strip() or "upload.xlsx"


def estimated_rows(data: bytes) -> int | None:
    """Data rows of the largest sheet of an .xlsx, from its <dimension> tag (None if unknown)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            heads = [
                archive.open(n).read(4096)
                for n in archive.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")
            ]
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    # Reading just the head of each sheet keeps this instant even for 30 MB files.
    last_rows = [int(m.group(1)) for h in heads if (m := _DIMENSION.search(h)) and m.group(1)]
    return max(last_rows) - TITLE_AND_HEADER_ROWS if last_rows else None


def _check(data: bytes, file_name: str) -> None:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit and len(data) > limit:
        raise UploadRefused(
            f"上传的文件太大, 超过了 {size_text(limit)} 的上限。请把数据拆成几个文件分别上传。"
        )
    from importer.reader import sniff

    try:
        sniff(data, file_name)
    except FileRejected as exc:
        raise UploadRefused(exc.message) from None
    max_rows = current_app.config["MAX_ROWS"]
    rows = estimated_rows(data)
    if rows is not None and rows > max_rows:
        raise UploadRefused(
            f"表格约有 {rows:,} 行数据, 超过了每次上传最多 {max_rows:,} 行的限制。"
            "请把数据拆成几个文件分别上传。"
        )


def accept(upload: Upload, employer_id: int) -> int:
    """Check and store the upload as a queued batch, queue it, and return its id."""
    data = upload.file.read()
    file_name = clean_file_name(upload.file.filename)
    _check(data, file_name)
    options = BatchOptions(upload.kind, upload.dry_run, upload.all_or_nothing)
    try:
        batch_id = create_batch(
            uow(), employer_id, file_name, data, options, upload.resubmit_of, g.user.username
        )
    except LookupError:
        raise UploadRefused("要重新提交的原批次不存在。请从批次页面重新操作。") from None
    enqueue_batch(batch_id)
    return batch_id


def enqueue_batch(batch_id: int) -> None:
    """Queue a stored batch; when the queue is down the batch stays queued and the clerk
    is told (nothing is lost: recovery queues it when the queue is back)."""
    try:
        current_app.config["ENQUEUE"](batch_id)
    except Exception:
        # The file is already stored: the batch stays 排队中 and nothing is lost, but the
        # clerk should know it will not move until the queue is back.
        log.exception("could not queue batch %s", batch_id)
        flash(
            "文件已保存, 但处理队列暂时不可用, 批次将在系统恢复后处理。如长时间仍在排队, 请联系社保经办机构。",
            "warning",
        )
