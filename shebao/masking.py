"""ID numbers masked in whatever text is shown in a list or written to a log.

A presentation-layer mask: it finds any 18-character resident ID (17 digits and a
digit or X) or old 15-digit one in a message, however the message was produced, and
keeps the first 6 and last 4 characters (330682********9578). The error report and the
corrections workbook do not go through it: they keep what was typed.

`install_log_masking()` masks every log record of the process (message, arguments and
traceback text), so no handler, however configured, writes an ID number in full.
"""

from __future__ import annotations

import logging
import re

# Only digits count as neighbours: an ID glued to letters or Chinese text is still one.
_ID = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_ids(text: object) -> str:
    """`text` with every ID number in it masked; None becomes the empty text."""
    return "" if text is None else _ID.sub(_mask, str(text))


class IdMaskingFilter(logging.Filter):
    """Masks ID numbers in a record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback text) masked; always keep it."""
        record.msg, record.args = mask_ids(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_ids(record.stack_info)
        return True


_FACTORY_MARK = "_shebao_masks_ids"


def install_log_masking() -> None:
    """Mask ID numbers in every log record this process makes from now on (idempotent).

    A record factory rather than a filter on some handlers: handlers are added by the
    server, the tests or an operator's config, and each would need remembering."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _FACTORY_MARK, False):
        return
    masking = IdMaskingFilter()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        masking.filter(record)
        return record

    setattr(factory, _FACTORY_MARK, True)
    logging.setLogRecordFactory(factory)
