"""Telling what an upload really is from its bytes, not its name.

A renamed file (a Word document or a text file called .xlsx), an encrypted workbook, an
empty file: each is refused at once with one clear Chinese message.
"""

from __future__ import annotations

import io
import zipfile

from importer.errors import FileRejected

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted .xlsx is an OLE2 container holding this stream (UTF-16 name).
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_TEXT_EXTENSIONS = (".csv", ".txt")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A few NUL bytes in a text file are damage, to be named by the CSV reader; many mean a
# binary file.
_MAX_NUL_SHARE = 0.01


def sniff(data: bytes, file_name: str = "") -> str:
    """`xlsx`, `xls` or `csv` for a readable upload; FileRejected for anything else."""
    if not data:
        raise FileRejected("empty_file", "上传的文件是空的(0 字节)。请检查后重新上传。")
    if data.startswith(ZIP_MAGIC):
        return _zip_kind(data)
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTION_STREAM in data:
            raise _encrypted()
        return "xls"
    if data.startswith(UTF16_BOMS) and file_name.lower().endswith(_TEXT_EXTENSIONS):
        return "csv"  # Excel's 「Unicode 文本」: tab-separated UTF-16
    if _looks_like_text(data):
        if file_name.lower().endswith(_TEXT_EXTENSIONS):
            return "csv"
        raise FileRejected(
            "renamed_file",
            f"文件「{file_name}」的扩展名像 Excel 文件, 但内容是纯文本, 可能是改了扩展名。"
            "请用 Excel 打开后「另存为」.xlsx 工作簿, 或直接上传 .csv 文件。",
        )
    raise _not_a_workbook(file_name)


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise FileRejected(
            "unreadable", "文件已损坏, 无法打开。请用 Excel 打开确认后重新保存再上传。"
        ) from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "word/document.xml" in names:
        raise FileRejected(
            "not_a_workbook",
            "上传的是 Word 文档, 不是 Excel 表格。请下载标准模板, 在 Excel 中填写后上传。",
        )
    raise _not_a_workbook("")


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    nuls = head.count(b"\x00")
    if nuls > len(head) * _MAX_NUL_SHARE:
        return False
    head = head.replace(b"\x00", b"")
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is still text.
            if exc.start >= len(head) - 4:
                return True
    return False


def _encrypted() -> FileRejected:
    return FileRejected(
        "encrypted",
        "文件设置了打开密码, 系统无法读取。请在 Excel 中取消密码(文件 → 信息 → 保护工作簿 → 用密码进行加密, 清空密码)后重新上传。",
    )


def _not_a_workbook(file_name: str) -> FileRejected:
    named = f"「{file_name}」" if file_name else ""
    return FileRejected(
        "not_a_workbook",
        f"上传的文件{named}不是 Excel 表格(.xlsx / .xls)或 CSV 文件。请下载标准模板, 填写后上传。",
    )
