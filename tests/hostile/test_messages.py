"""Files that used to end in a stack trace or a misleading message: each now gets one
specific Chinese message (or is read as the clerk meant it)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter

from importer.errors import FileRejected
from importer.layout import locate_table
from importer.reader import read_workbook
from tests.builders import csv_bytes, xlsx_bytes
from tests.hostile.conftest import header_rows, write_package
from tests.integration.test_pipeline_support import ADD_HEADERS, Desk, person

pytestmark = pytest.mark.integration


def _refusal(data: bytes, name: str = "a.xlsx") -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read_workbook(data, name)
    assert "Traceback" not in caught.value.message and "请" in caught.value.message
    return caught.value


# ---------------------------------------------------------------- tracebacks before


def test_a_csv_with_a_stray_quote_is_told_where_the_quote_is():
    data = csv_bytes("person_add", [person(i).add() for i in range(3000)])
    line_2 = data.index(b"\n") + 1
    data = data[:line_2] + b'"' + data[line_2:]  # an opening quote never closed
    refusal = _refusal(data, "a.csv")
    assert refusal.code == "csv_field_too_long" and "引号" in refusal.message


def test_a_csv_field_over_the_csv_module_limit_is_refused_with_a_message():
    data = csv_bytes("person_add", [person(0).add()]) + b'"' + b"x" * 200_000 + b'"\n'
    assert _refusal(data, "a.csv").code == "csv_field_too_long"


def _package(sheet_body: bytes, tmp_path) -> bytes:
    path = write_package(tmp_path / "p.xlsx", [("人员增加", "visible", lambda: [sheet_body])])
    return path.read_bytes()


def test_corrupt_sheet_xml_is_refused_as_damaged(tmp_path):
    data = _package(
        b"<worksheet><sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>x</row>", tmp_path
    )
    assert _refusal(data).code == "unreadable"


def test_a_sheet_declaring_an_external_entity_is_refused_and_the_entity_never_read(tmp_path):
    body = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>'
    )
    try:
        book = read_workbook(_package(body, tmp_path), "a.xlsx")
    except FileRejected as exc:
        assert exc.code == "unreadable"
    else:
        assert "root:" not in str(book.sheets[0].rows)


def test_a_workbook_missing_a_sheet_part_names_the_sheet(tmp_path):
    good = xlsx_bytes("person_add", [person(0).add()])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info))
    refusal = _refusal(out.getvalue())
    assert refusal.code == "unreadable" and "人员增加" in refusal.message


def test_a_bad_crc_is_refused_as_damaged():
    good = bytearray(xlsx_bytes("person_add", [person(i).add() for i in range(50)]))
    with zipfile.ZipFile(io.BytesIO(bytes(good))) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
    # Flip a byte in the middle of the sheet's compressed data.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    good[start + info.compress_size // 2] ^= 0xFF
    assert _refusal(bytes(good)).code == "unreadable"


# ---------------------------------------------------------------- misleading before


def test_excel_unicode_text_is_read():
    """Excel's 「Unicode 文本」: UTF-16 with a BOM, tab-separated."""
    lines = ["\t".join(ADD_HEADERS)] + ["\t".join(map(str, person(i).add())) for i in range(2)]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-16")
    table = locate_table(read_workbook(data, "导出.txt"), None, 10)
    assert table.kind == "person_add" and table.excel_rows == [2, 3]
    assert table.rows[0][ADD_HEADERS.index("姓名")] == person(0).name


def test_a_csv_with_a_nul_byte_is_told_so_and_where():
    data = csv_bytes("person_add", [person(0).add(), person(1).add()])
    data = data.replace(person(1).name.encode(), b"\x00" + person(1).name.encode())
    refusal = _refusal(data, "a.csv")
    assert refusal.code == "csv_nul" and "第 3 行" in refusal.message


def test_formulas_without_computed_values_are_named():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("person_add", [person(0).add()])))
    book["人员增加"]["A3"] = "=VLOOKUP(C3,名册!A:B,2,FALSE)"
    out = io.BytesIO()
    book.save(out)  # openpyxl keeps no computed value
    refusal = _refusal(out.getvalue())
    assert refusal.code == "formula_without_value" and "A3" in refusal.message


def test_error_cells_such_as_na_are_quoted_not_called_blank(desk):
    """A #N/A in a required column is that #N/A, not "本行没有填写"; one in a column of
    the clerk's own is no reason to refuse anything."""
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf) as book:
        sheet = book.add_worksheet("人员增加")
        sheet.write_row(0, 0, [*ADD_HEADERS, "核对"])
        for r in (1, 2):
            sheet.write_row(r, 0, person(r).add())
            sheet.write_formula(r, len(ADD_HEADERS), "=VLOOKUP(C2,名册!A:B,2,0)", None, "#N/A")
        sheet.write_formula(1, ADD_HEADERS.index("姓名"), "=VLOOKUP(C2,名册!A:B,2,0)", None, "#N/A")
    batch_id, outcome = desk.submit(buf.getvalue())
    assert outcome.status == {2: "rejected", 3: "applied"}
    (issue,) = [i for i in desk.issues(batch_id) if i.severity == "error"]
    assert issue.column == "姓名" and issue.code != "required" and "#N/A" in issue.message


def test_a_filled_hidden_sheet_is_named_when_the_visible_one_is_empty():
    book = openpyxl.Workbook()
    book.active.title = "人员增加"
    book.active.append(ADD_HEADERS)
    hidden = book.create_sheet("真正的数据")
    hidden.append(ADD_HEADERS)
    hidden.append(person(0).add())
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FileRejected) as caught:
        locate_table(read_workbook(out.getvalue(), "a.xlsx"), None, 10)
    assert caught.value.code == "no_data" and "「真正的数据」" in caught.value.message


@pytest.fixture
def desk(sqlite_url, employer_id_sqlite) -> Desk:
    return Desk(sqlite_url, employer_id_sqlite)


@pytest.fixture
def employer_id_sqlite(sqlite_url) -> int:
    from registry.accounts import create_employer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(sqlite_url) as uow:
        employer, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
        return employer.id


def test_an_implausible_wage_is_told_it_is_too_large(desk):
    data = xlsx_bytes("person_add", [person(0).add(月缴费工资=1e9)])
    batch_id, _ = desk.submit(data)
    (issue,) = [i for i in desk.issues(batch_id) if i.column == "月缴费工资"]
    assert issue.code == "money_too_large" and "大于 0" not in issue.message


def test_a_huge_value_is_not_repeated_whole_in_its_message(desk):
    """Excel stops at 32,767 characters a cell; other writers do not."""
    data = xlsx_bytes("person_add", [person(0).add(参保年月="PLACEHOLDER")])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = src.read(info).replace(b"PLACEHOLDER", b"2" * 40_000)
            dst.writestr(info, part, zipfile.ZIP_DEFLATED)
    batch_id, _ = desk.submit(out.getvalue())
    issue = next(i for i in desk.issues(batch_id) if i.code == "month_format")
    assert len(issue.message) < 300 and "…" in issue.message and "40,000" in issue.message


def test_a_harmless_row_with_sheet_xml_prefixes_still_reads(tmp_path):
    """The budget's literal searches also see namespace-prefixed parts."""
    body = header_rows().replace(b"<row", b"<x:row").replace(b"</row>", b"</x:row>")
    body = body.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>")
    body = body.replace(b"<is>", b"<x:is>").replace(b"</is>", b"</x:is>")
    body = body.replace(b"<t>", b"<x:t>").replace(b"</t>", b"</x:t>")
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (
        f'<x:worksheet xmlns:x="{main}"><x:sheetData>'.encode()
        + body
        + b"</x:sheetData></x:worksheet>"
    )
    path = write_package(tmp_path / "ns.xlsx", [("人员增加", "visible", lambda: [xml])])
    assert read_workbook(path.read_bytes(), "ns.xlsx").sheets[0].rows[0][:2] == ["序号", "姓名"]


def test_a_gbk_excel_95_workbook_is_read_as_typed():
    """calamine reads BIFF5 text byte by byte (张三 as mojibake); xlrd decodes it by its
    code page."""
    from tests.hostile.biff5 import book_stream, compound_file
    from tests.integration.test_pipeline_support import REMOVE_HEADERS

    row = person(0).remove()
    data = compound_file(book_stream("人员减少", [REMOVE_HEADERS, [str(v) for v in row]]))
    table = locate_table(read_workbook(data, "旧表.xls"), None, 10)
    assert table.kind == "person_remove" and table.sheet_name == "人员减少"
    assert table.rows[0][REMOVE_HEADERS.index("姓名")] == person(0).name
