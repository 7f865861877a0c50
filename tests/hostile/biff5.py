"""A genuine Excel 5.0/95 (BIFF5) workbook with GBK text, built for the reader's tests.

No maintained library writes BIFF5 any more (xlwt writes BIFF8), yet offices still keep
such files from old systems. This writes the smallest one Excel and xlrd open: the
workbook stream (BOF, CODEPAGE 936, one BOUNDSHEET, EOF; the sheet's BOF, LABEL cells,
EOF) inside an OLE2 compound file with one FAT sector and one directory sector.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

SECTOR = 512
ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
MIN_STREAM = 4096  # smaller streams would go to the mini stream


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _bof(sheet_type: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHH", 0x0500, sheet_type, 0x0DBB, 0x07CC))


def book_stream(sheet_name: str, rows: Sequence[Sequence[str]], codepage: int = 936) -> bytes:
    """The BIFF5 workbook stream: one sheet of text cells, in the code page's bytes."""
    encoding = f"cp{codepage}"
    name = sheet_name.encode(encoding)
    cells = b"".join(
        _record(
            0x0204,
            struct.pack("<HHHH", r, c, 0x0F, len(text.encode(encoding))) + text.encode(encoding),
        )
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
    )
    sheet = _bof(0x0010) + cells + _record(0x000A, b"")

    def globals_(offset: int) -> bytes:
        boundsheet = _record(0x0085, struct.pack("<IBB", offset, 0, 0) + bytes([len(name)]) + name)
        return (
            _bof(0x0005)
            + _record(0x0042, struct.pack("<H", codepage))
            + boundsheet
            + _record(0x000A, b"")
        )

    head = globals_(0)
    stream = globals_(len(head)) + sheet
    return stream + b"\x00" * max(0, MIN_STREAM - len(stream))


def compound_file(stream: bytes, stream_name: str = "Book") -> bytes:
    """An OLE2 file holding `stream`: sector 0 the FAT, 1 the directory, then the data."""
    sectors = -(-len(stream) // SECTOR)
    fat = [FATSECT, ENDOFCHAIN] + [3 + i for i in range(sectors - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (SECTOR // 4 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
        # directory sectors, FAT sectors, first directory sector, transaction, mini-stream
        # cutoff, first mini-FAT sector, mini-FAT sectors, first DIFAT sector, DIFAT sectors
        + struct.pack("<9I", 0, 1, 1, 0, MIN_STREAM, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<109I", 0, *[FREESECT] * 108)
    )  # fmt: skip
    directory = (
        _entry("Root Entry", 5, 1, ENDOFCHAIN, 0)
        + _entry(stream_name, 2, NOSTREAM, 2, len(stream))
        + _entry("", 0, NOSTREAM, 0, 0) * 2
    )
    data = stream + b"\x00" * (sectors * SECTOR - len(stream))
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + data


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1 if kind else 0)
        + struct.pack("<III", NOSTREAM, NOSTREAM, child)
        + b"\x00" * 16 + struct.pack("<I", 0) + b"\x00" * 16
        + struct.pack("<III", start, size, 0)
    )  # fmt: skip
