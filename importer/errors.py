"""Errors of the import pipeline.

Hierarchy:
    ImportProblem           base class
    └── FileRejected        the whole file cannot be imported; `code` is stable, `message`
                            is Chinese and says what to do. Stored on the batch, shown as one
                            message; never a stack trace.
"""

from __future__ import annotations


class ImportProblem(Exception):
    """Base of the pipeline's own errors."""


class FileRejected(ImportProblem):
    """The uploaded file as a whole cannot be imported."""

    def __init__(self, code: str, message: str, detail: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        # What a page needs to help beyond the message (the sheet's headers to map ...).
        self.detail = detail or {}

    def to_dict(self) -> dict[str, str]:
        """`{"code", "message"}`, the JSON shape of a whole-file rejection."""
        return {"code": self.code, "message": self.message}
