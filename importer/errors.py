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


def too_complex(found: str) -> FileRejected:
    """The refusal of a file that would take more memory or time to read than any real
    declaration sheet: `found` says what was found, in Chinese, without a full stop."""
    return FileRejected(
        "file_too_complex",
        f"{found}。这远超正常的申报表, 系统已拒绝读取。"
        "请在 Excel 中打开文件, 只保留申报数据(删除多余的工作表、行、列和超长的内容), "
        "另存为新的 .xlsx 后重新上传。",
    )


def damaged(found: str = "") -> FileRejected:
    """The refusal of a file whose contents are broken (`found`: what is broken, if known)."""
    what = f"({found})" if found else ""
    return FileRejected(
        "unreadable",
        f"文件已损坏{what}, 无法读取, 可能是下载或复制不完整。"
        "请用 Excel 打开确认内容无误后「另存为」新的 .xlsx 再上传。",
    )
