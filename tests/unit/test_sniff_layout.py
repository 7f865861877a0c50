"""Telling what an upload is (`importer.sniff`), reading cells as text (`importer.cells`,
`importer.reader`) and finding the table in it (`importer.layout`), without a database."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.cells import cell_text, column_letter, float_text
from importer.errors import FileRejected
from importer.kinds import spec_of
from importer.layout import locate_table
from importer.reader import (
    RawSheet,
    Workbook,
    clean_header,
    find_header_row,
    header_letters,
    read_workbook,
)
from importer.sniff import sniff
from templates_xlsx.build import build_template, write_rows_workbook
from tests.builders import csv_bytes, xlsx_bytes
from validators.idcard import EXCEL_NUMBER_PATTERN
from validators.specs import ERROR_NOTE_COLUMN

pytestmark = pytest.mark.unit

ADD = spec_of("person_add").headers
REMOVE = spec_of("person_remove").headers
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def rejected(fn, *args) -> FileRejected:
    with pytest.raises(FileRejected) as exc:
        fn(*args)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    return exc.value


# ------------------------------------------------------------------ sniff


@pytest.mark.parametrize(
    "data, name, expected",
    [
        (xlsx_bytes("person_add", []), "a.xlsx", "xlsx"),
        (xlsx_bytes("person_add", []), "no-extension", "xlsx"),
        (xlsx_bytes("person_add", []), "renamed.xls", "xlsx"),
        (_zip({"xl/workbook.bin": ""}), "a.xlsb", "xlsx"),
        (OLE2 + b"\x00" * 600, "a.xls", "xls"),
        ("姓名,证件号码\n张三,1\n".encode(), "a.csv", "csv"),
        ("姓名,证件号码\n张三,1\n".encode("gbk"), "a.CSV", "csv"),
        ("姓名\t证件号码\n".encode(), "a.txt", "csv"),
    ],
)
def test_sniff_accepts(data, name, expected):
    assert sniff(data, name) == expected


@pytest.mark.parametrize(
    "data, name, code",
    [
        (b"", "a.xlsx", "empty_file"),
        (OLE2 + b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le"), "a.xlsx", "encrypted"),
        (_zip({"word/document.xml": "<w/>"}), "a.xlsx", "not_a_workbook"),
        (_zip({"readme.txt": "x"}), "a.xlsx", "not_a_workbook"),
        (b"PK\x03\x04" + b"\xff" * 100, "a.xlsx", "unreadable"),
        ("姓名,证件号码\n".encode(), "a.xlsx", "renamed_file"),
        ("<html><body>表格</body></html>".encode(), "导出.xls", "renamed_file"),
        (b"%PDF-1.7\n\x00\x01\x02\xff", "a.xlsx", "not_a_workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a.xlsx", "not_a_workbook"),
    ],
)
def test_sniff_rejects(data, name, code):
    assert rejected(sniff, data, name).code == code


def test_renamed_file_message_names_the_file():
    assert "花名册.xlsx" in rejected(sniff, b"a,b\n", "花名册.xlsx").message


def test_word_document_is_called_a_word_document():
    assert "Word" in rejected(sniff, _zip({"word/document.xml": ""}), "a.xlsx").message


def test_text_cut_inside_a_multibyte_character_is_still_text():
    # The sniffer looks at the first 64 KiB: a character split at that edge is not binary.
    data = ("a" * 65535 + "中文" * 10).encode()
    assert sniff(data, "big.csv") == "csv"


# ------------------------------------------------------------------ cells


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        ("  张三 ", "  张三 "),
        (True, "TRUE"),
        (6500, "6500"),
        (6500.0, "6500"),
        (6500.5, "6500.5"),
        (202611.0, "202611"),
        (13812345678.0, "13812345678"),
        (330682198001011.0, "330682198001011"),  # 15 digits still fit Excel's precision
        (3.30682199001011e17, "3.30682199001011E+17"),
        (330682199001011234, "330682199001011234"),  # an int (csv, xlrd) is exact
        (1e15, "1E+15"),
        (float("nan"), ""),
        (dt.datetime(1990, 1, 5), "1990-01-05"),
        (dt.datetime(1990, 1, 5, 8, 30), "1990-01-05 08:30:00"),
        (dt.date(1990, 1, 5), "1990-01-05"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


@given(st.integers(min_value=10**17, max_value=10**18 - 1))
def test_big_numbers_look_like_excel_shows_them(n):
    shown = float_text(float(n))
    assert re.fullmatch(EXCEL_NUMBER_PATTERN, shown), shown
    assert len(shown.split("E")[0].replace(".", "")) <= 15


@pytest.mark.parametrize(
    "index, letter", [(0, "A"), (18, "S"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letter(index, letter):
    assert column_letter(index) == letter


@pytest.mark.parametrize(
    "typed, clean",
    [
        ("*姓名", "姓名"),
        ("姓 名", "姓名"),
        ("证件号码\n", "证件号码"),
        ("＊参保年月", "参保年月"),
        ("备注（选填）", "备注(选填)"),
    ],
)
def test_clean_header(typed, clean):
    assert clean_header(typed) == clean


def test_header_letters_take_the_first_occurrence():
    assert header_letters(["工号", "*姓名", "", "姓名", "证件号码"]) == {
        "工号": "A",
        "姓名": "B",
        "证件号码": "E",
    }


def test_find_header_row_only_looks_at_the_first_ten_rows():
    rows = [[""]] * 3 + [ADD] + [["x"]]
    assert find_header_row(rows, set(ADD)) == (3, len(ADD))
    assert find_header_row([[""]] * 10 + [ADD], set(ADD)) == (-1, 0)


# ------------------------------------------------------------------ reading workbooks


def test_read_workbook_keeps_excel_rows_and_reads_the_marker():
    book = read_workbook(xlsx_bytes("person_add", [["张三"]]), "a.xlsx")
    assert book.file_type == "xlsx"
    assert book.marker == {"kind": "person_add", "version": "2"}
    (sheet,) = book.sheets  # the hidden marker sheet is not data
    assert sheet.rows[0][0] == "人员增加申报表"
    assert sheet.rows[1][:3] == ADD[:3] and sheet.rows[2][0] == "张三"


def test_read_template_skips_instructions_and_hidden_sheets():
    book = read_workbook(build_template(spec_of("person_remove")), "t.xlsx")
    assert [s.name for s in book.sheets] == ["人员减少"]
    assert book.marker["kind"] == "person_remove"


def test_read_csv_in_gbk_and_with_bom():
    for encoding in ("gbk", "utf-8-sig", "utf-8"):
        book = read_workbook(
            csv_bytes("person_remove", [["张三", "1", "辞职", "202611", ""]], encoding), "a.csv"
        )
        assert book.sheets[0].rows[0] == REMOVE, encoding
        assert book.sheets[0].rows[1][:3] == ["张三", "1", "辞职"]


def test_read_csv_with_semicolons():
    data = (";".join(REMOVE) + "\n" + "张三;1;辞职;202611;\n").encode()
    rows = read_workbook(data, "a.csv").sheets[0].rows
    assert rows[0] == REMOVE and rows[1][2] == "辞职"


# ------------------------------------------------------------------ locating the table


def book_of(*rows, marker=None, name="Sheet1") -> Workbook:
    return Workbook("xlsx", [RawSheet(name, [list(r) for r in rows])], marker or {})


def remove_row(i=0):
    return ["张三", f"33068219900101{i:03d}1", "辞职", "202611", ""]


def test_locate_with_title_row():
    table = locate_table(book_of(["人员减少申报表"], REMOVE, remove_row(), remove_row(1)), None, 10)
    assert (table.kind, table.header_row, table.excel_rows) == ("person_remove", 2, [3, 4])
    assert table.letters["停保年月"] == "D"


def _sheets(*sheets: tuple[str, list]) -> Workbook:
    return Workbook("xlsx", [RawSheet(name, [list(r) for r in rows]) for name, rows in sheets])


def test_an_empty_copy_of_the_template_beside_the_filled_sheet_is_passed_over():
    book = _sheets(("人员减少", [REMOVE]), ("人员减少 (2)", [REMOVE, remove_row()]))
    assert locate_table(book, None, 10).sheet_name == "人员减少 (2)"


def test_an_empty_copy_numbered_down_its_own_serial_column_is_still_passed_over():
    numbered = [["序号", *REMOVE], *[[str(n), "", "", "", "", ""] for n in range(1, 4)]]
    book = _sheets(("人员减少", numbered), ("人员减少 (2)", [REMOVE, remove_row()]))
    assert locate_table(book, None, 10).sheet_name == "人员减少 (2)"


def test_two_filled_sheets_are_refused_naming_both():
    book = _sheets(("一月", [REMOVE, remove_row()]), ("二月", [REMOVE, remove_row(1)]))
    with pytest.raises(FileRejected) as caught:
        locate_table(book, None, 10)
    assert caught.value.code == "several_sheets"
    assert "「一月」「二月」" in caught.value.message


def test_of_two_filled_sheets_the_one_of_the_kind_being_declared_is_taken():
    add = spec_of("person_add")
    book = _sheets(
        ("增加", [add.headers, [""] * 11 + ["202611"]]), ("减少", [REMOVE, remove_row()])
    )
    assert locate_table(book, "person_remove", 10).sheet_name == "减少"


def test_locate_skips_blank_rows_and_our_own_note_column():
    rows = [
        REMOVE + [ERROR_NOTE_COLUMN],
        remove_row(),
        ["", " ", "", "", "", ""],
        ["", "", "", "", "", "原表第 4 行: 错误"],
        [],
        remove_row(1)[:3],  # short rows are padded
        remove_row(2) + ["note", "beyond the header"],
    ]
    table = locate_table(book_of(*rows), None, 10)
    assert table.excel_rows == [2, 6, 7]
    assert table.rows[1] == remove_row(1)[:3] + ["", "", ""]
    assert len(table.rows[2]) == len(REMOVE) + 1


def test_frame_puts_columns_in_spec_order_and_blanks_absent_ones():
    order = ["停保年月", "姓名", "证件号码", "减少原因"]
    table = locate_table(book_of(order, ["202611", "张三", "X1", "辞职"]), None, 10)
    df = table.frame(spec_of("person_remove"))
    assert df.columns.tolist() == REMOVE
    assert df.loc[2].tolist() == ["张三", "X1", "辞职", "202611", ""]
    assert table.letters == {"停保年月": "A", "姓名": "B", "证件号码": "C", "减少原因": "D"}


def test_kind_from_headers_prefers_the_kind_whose_required_columns_are_all_there():
    assert locate_table(book_of(ADD, ["x"] * len(ADD)), None, 10).kind == "person_add"
    assert locate_table(book_of(REMOVE, remove_row()), None, 10).kind == "person_remove"


def test_expected_kind_is_believed_for_a_sheet_that_lost_columns():
    # A 人员增加 sheet missing most columns, uploaded on the 人员增加 page: tell the user
    # which columns are missing, not that it is a 人员减少 template.
    book = book_of(["姓名", "备注", "性别"], ["张三", "", "男"])
    assert rejected(locate_table, book, "person_add", 10).code == "missing_columns"
    # Unmistakably another kind's template (its required columns all there): wrong kind.
    assert (
        rejected(locate_table, book_of(REMOVE, remove_row()), "person_add", 10).code == "wrong_kind"
    )
    # An unmarked sheet of the expected kind is of course fine.
    assert locate_table(book_of(REMOVE, remove_row()), "person_remove", 10).kind == "person_remove"


def test_marker_kind_wins_over_headers():
    with pytest.raises(FileRejected) as exc:
        locate_table(
            book_of(REMOVE, remove_row(), marker={"kind": "person_add", "version": "2"}), None, 10
        )
    assert exc.value.code == "missing_columns"


@pytest.mark.parametrize(
    "version, ok",
    [("2", True), ("2.0", True), ("3", True), ("1", False), ("", True), ("abc", True)],
)
def test_template_versions(version, ok):
    book = book_of(REMOVE, remove_row(), marker={"kind": "person_remove", "version": version})
    if ok:
        assert locate_table(book, None, 10).kind == "person_remove"
    else:
        assert rejected(locate_table, book, None, 10).code == "outdated_template"


@pytest.mark.parametrize(
    "rows, expected, max_rows, code",
    [
        ([["月份", "金额"], ["1", "2"]], None, 10, "no_header"),
        ([["姓名"], ["张三"]], None, 10, "no_header"),  # one known header is not enough
        ([REMOVE], None, 10, "no_data"),
        ([REMOVE, [""] * 5, [" "] * 5], None, 10, "no_data"),
        ([REMOVE, remove_row()], "person_add", 10, "wrong_kind"),
        ([["姓名", "证件号码", "备注"], ["张三", "1", ""]], None, 10, "missing_columns"),
        ([REMOVE + ["姓名"], remove_row() + ["张三"]], None, 10, "duplicate_columns"),
        ([REMOVE] + [remove_row(i) for i in range(4)], None, 3, "too_many_rows"),
    ],
)
def test_locate_rejections(rows, expected, max_rows, code):
    assert rejected(locate_table, book_of(*rows), expected, max_rows).code == code


def test_missing_columns_are_listed_in_template_order():
    message = rejected(
        locate_table, book_of(["姓名", "备注", "性别"], ["张三", "", "男"]), "person_add", 10
    ).message
    listed = message.split(":", 1)[1]
    for header in ("证件号码", "出生日期", "参保年月", "月缴费工资", "联系电话"):
        assert header in listed
    assert listed.index("证件号码") < listed.index("参保年月") < listed.index("联系电话")
    assert "姓名" not in listed and "备注" not in listed


def test_known_headers_of_other_systems_are_read_as_their_standard_column():
    header = ["姓名", "身份证号码", "减少原因", "停保时间"]
    table = locate_table(
        book_of(header, ["张三", "330682199003150018", "辞职", "202611"]), "person_remove", 10
    )
    assert table.positions()["证件号码"] == 1 and table.positions()["停保年月"] == 3
    assert table.letters["证件号码"] == "B"
    assert [(t, s) for t, s, _ in table.mapping.renamed] == [
        ("身份证号码", "证件号码"),
        ("停保时间", "停保年月"),
    ]


def test_an_ambiguous_header_is_named_for_renaming_never_read_as_the_column():
    header = ["职工姓名", "身份证", "减少原因", "停保日期"]
    problem = rejected(
        locate_table, book_of(header, ["张三", "330682199003150018", "辞职", "202611"]),
        "person_remove", 10,
    )  # fmt: skip
    assert problem.code == "missing_columns"
    assert "「身份证」改为「证件号码」" in problem.message
    assert "「停保日期」改为「停保年月」" in problem.message
    assert problem.detail["missing"] == ["证件号码", "停保年月"]
    assert problem.detail["headers"] == ["身份证", "停保日期"]


def test_no_data_names_the_rows():
    message = rejected(locate_table, book_of(["标题"], REMOVE), None, 10).message
    assert "第 2 行" in message and "第 3 行" in message


def test_corrections_workbook_layout_is_located_and_its_notes_ignored():
    buf = io.BytesIO()
    write_rows_workbook(
        buf,
        spec_of("person_remove"),
        [remove_row()],
        notes=["原表第 9 行: 错了"],
        sheet_note="批次 1",
    )
    table = locate_table(read_workbook(buf.getvalue(), "c.xlsx"), "person_remove", 10)
    assert table.header_row == 2 and table.excel_rows == [3]
    df = table.frame(spec_of("person_remove"))
    assert ERROR_NOTE_COLUMN not in df.columns and df.loc[3, "姓名"] == "张三"


def test_rows_filled_only_outside_the_template_columns_are_not_data():
    header = ["序号", *REMOVE]
    rows = [header, ["1", *remove_row()], ["2", "", "", "", "", ""], ["3", "", "", "", "", ""]]
    table = locate_table(book_of(*rows), None, 10)
    assert table.excel_rows == [2]


def test_a_row_repeating_the_header_is_skipped_and_remembered():
    rows = [REMOVE, remove_row(), [f" {h} " for h in REMOVE], remove_row(1)]
    table = locate_table(book_of(*rows), None, 10)
    assert table.excel_rows == [2, 4] and table.repeated_headers == [3]


def test_a_kind_without_required_columns_is_recognised_by_all_its_headers():
    # 单位基本信息变更 has only optional columns: it must not swallow other kinds' sheets.
    change = spec_of("employer_change").headers
    row = ["", "", "", "", "李红", "", "", "", ""]
    assert locate_table(book_of(change, row), None, 10).kind == "employer_change"
    assert locate_table(book_of(REMOVE, remove_row()), None, 10).kind == "person_remove"
    wrong = rejected(locate_table, book_of(change, row), "person_remove", 10)
    assert wrong.code == "wrong_kind" and "单位基本信息变更" in wrong.message
    short = book_of(["姓名", "备注", "性别"], ["张三", "", "男"])
    assert rejected(locate_table, short, "employer_change", 10).code == "missing_columns"
