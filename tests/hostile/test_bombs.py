"""Workbook and CSV bombs: each is refused with a clear Chinese message in under 5 s, with
the product's peak memory (the process that asked and its reader child) under 300 MB.

Every file is built by the fixtures of this folder and run in a child capped at 3 GB of
address space, so a regression costs the test a refusal by the cap, never the machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.conftest import (
    MAIN_NS,
    Part,
    Repeat,
    header_rows,
    read_capped,
    sheet_xml,
    write_package,
)

pytestmark = pytest.mark.integration
MIB = 1 << 20
SECONDS, PEAK_MB = 5.0, 300


def _rows(*rows: str):
    return lambda: [header_rows(), *(r.encode() for r in rows)]


def _sst(*pieces) -> Part:
    def chunks():
        yield f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}">'.encode()
        yield from pieces
        yield b"</sst>"

    return Part("xl/sharedStrings.xml", chunks)


FAR_VALUE = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def _shared_string_bomb(path: Path) -> Path:
    cells = "".join(f'<row r="{r}"><c r="E{r}" t="s"><v>0</v></c></row>' for r in range(2, 9502))
    sst = _sst(b"<si><t>", Repeat(b"x" * MIB, 20), b"</t></si>")
    return write_package(path, [("人员增加", "visible", sheet_xml(_rows(cells)))], [sst])


def _spaces_bomb(path: Path) -> Path:
    body = lambda: [header_rows(), Repeat(b" " * MIB, 4096)]  # noqa: E731
    return write_package(path, [("人员增加", "visible", sheet_xml(body, "A1:D1"))])


def _rows_bomb(path: Path) -> Path:
    def body():
        yield header_rows()
        for start in range(2, 2_000_002, 100_000):
            yield "".join(
                f'<row r="{r}"><c r="B{r}"><v>1</v></c></row>'
                for r in range(start, start + 100_000)
            ).encode()

    return write_package(path, [("人员增加", "visible", sheet_xml(body, "A1:D2"))])


def _stray(dimension: str | None, quote: str = '"', on_marker: bool = False):
    def build(path: Path) -> Path:
        far = FAR_VALUE.replace('"', quote)
        main = sheet_xml(_rows() if on_marker else _rows(far), dimension)
        sheets = [("人员增加", "visible", main)]
        if on_marker:
            marker = sheet_xml(
                lambda: [
                    b'<row r="1"><c r="A1" t="inlineStr"><is><t>kind</t></is></c></row>',
                    far.encode(),
                ]
            )
            sheets.append(("_shebao", "hidden", marker))
        return write_package(path, sheets)

    return build


def _xlsb(path: Path) -> Path:
    write_package(path, [("人员增加", "visible", sheet_xml(_rows()))])
    import zipfile

    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def _xfd20000(path: Path) -> Path:
    far = '<row r="20000"><c r="XFD20000"><v>1</v></c></row>'
    return write_package(path, [("人员增加", "visible", sheet_xml(_rows(far), "A1:D2"))])


def _giant_cell(path: Path) -> Path:
    body = lambda: [  # noqa: E731
        header_rows(),
        b'<row r="2"><c r="B2" t="inlineStr"><is><t>',
        Repeat(b"a" * MIB, 3072),
        b"</t></is></c></row>",
    ]
    return write_package(path, [("人员增加", "visible", sheet_xml(body))])


def _many_shared_strings(path: Path) -> Path:
    entry = b"<si><t>a</t></si>"
    block = entry * (MIB // len(entry))
    sst = _sst(Repeat(block, 40_000_000 // (MIB // len(entry)) + 1))
    return write_package(path, [("人员增加", "visible", sheet_xml(_rows()))], [sst])


def _merge_bomb(path: Path) -> Path:
    tail = '<mergeCells count="1"><mergeCell ref="S1:XFD40002"/></mergeCells>'
    row = '<row r="2"><c r="B2" t="inlineStr"><is><t>张三</t></is></c></row>'
    return write_package(path, [("人员增加", "visible", sheet_xml(_rows(row), tail=tail))])


def _empty_cells(path: Path) -> Path:
    block = b'<c r="A2" t="inlineStr"></c>' * (MIB // 28)
    body = lambda: [header_rows(), b'<row r="2">', Repeat(block, 3072), b"</row>"]  # noqa: E731
    return write_package(path, [("人员增加", "visible", sheet_xml(body))])


def _csv_wide_header(path: Path) -> Path:
    header = "序号,姓名,证件类型,证件号码" + "," * 3_400_000
    path.write_text(header + "\n1,张三,居民身份证,330682199003150018\n", encoding="utf-8")
    return path


BOMBS = {
    "one 20 MB shared string in 9,500 cells": (_shared_string_bomb, "x.xlsx", "file_too_complex"),
    "4 GiB of spaces in <sheetData>": (_spaces_bomb, "x.xlsx", "file_too_complex"),
    "2 M rows behind a false <dimension>": (_rows_bomb, "x.xlsx", "too_many_rows"),
    "far cell, no <dimension>": (_stray(None), "x.xlsx", "sheet_too_large"),
    "far cell, <dimension> lies small": (_stray("A1"), "x.xlsx", "sheet_too_large"),
    "far cell, single quotes": (_stray("A1", quote="'"), "x.xlsx", "sheet_too_large"),
    "far cell on the hidden marker sheet": (
        _stray(None, on_marker=True),
        "x.xlsx",
        "sheet_too_large",
    ),
    ".xlsb": (_xlsb, "x.xlsb", "xlsb_not_supported"),
    "a cell at XFD20000": (_xfd20000, "x.xlsx", "sheet_too_large"),
    "one 3 GiB cell": (_giant_cell, "x.xlsx", "file_too_complex"),
    "40 M shared strings": (_many_shared_strings, "x.xlsx", "file_too_complex"),
    "mergeCell S1:XFD40002": (_merge_bomb, "x.xlsx", "file_too_complex"),
    "3 GiB of empty cells": (_empty_cells, "x.xlsx", "file_too_complex"),
    "CSV with a 3.4 MB header row": (_csv_wide_header, "x.csv", "sheet_too_large"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_fast_and_small(name, hostile_dir, record_property):
    build, file_name, code = BOMBS[name]
    path = build(hostile_dir / f"{abs(hash(name))}-{file_name}")
    measured = read_capped(path, file_name)
    record_property("figures", f"{name}: {path.stat().st_size} B, {measured}")
    print(
        f"\n{name}: {path.stat().st_size:,} B, {measured.seconds:.2f} s, {measured.peak_mb:.0f} MB"
    )
    assert measured.code == code, measured
    assert measured.seconds < SECONDS and measured.peak_mb < PEAK_MB, measured
    assert "请" in measured.message and "Traceback" not in measured.message


def test_a_harmless_sheet_with_a_huge_dimension_is_read(hostile_dir):
    row = '<row r="2"><c r="B2" t="inlineStr"><is><t>张三</t></is></c></row>'
    path = write_package(
        hostile_dir / "harmless.xlsx",
        [("人员增加", "visible", sheet_xml(_rows(row), "A1:XFD1048576"))],
    )
    measured = read_capped(path)
    assert measured.code is None and measured.rows == 2, measured
    assert measured.peak_mb < PEAK_MB
