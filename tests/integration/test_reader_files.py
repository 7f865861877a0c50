"""Real-world files through the whole pipeline: odd layouts that must still import, and
every kind of file that must be refused as a whole with one clear Chinese message."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from importer.kinds import spec_of
from registry.models import BatchIssue, Declaration, Enrolment, Person
from templates_xlsx.build import build_template
from tests.builders import csv_bytes, xlsx_bytes
from tests.integration.test_pipeline_support import (
    ADD_HEADERS,
    REMOVE_HEADERS,
    Desk,
    person,
    reorder,
)

pytestmark = pytest.mark.integration
HAS_CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def desk(sqlite_url) -> Desk:
    from registry.accounts import create_employer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(sqlite_url) as uow:
        emp, _ = create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
        return Desk(sqlite_url, emp.id)


@pytest.fixture
def both_desk(db_url, employer_id) -> Desk:
    return Desk(db_url, employer_id)


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("花名册.txt", "张三")
    return buf.getvalue()


def _ole2(payload: bytes) -> bytes:
    """Bytes that start like an OLE2 compound file (an .xls or an encrypted .xlsx)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + payload + b"\x00" * 1024


ENCRYPTED = _ole2(
    "EncryptionInfo".encode("utf-16-le") + b"\x00\x00" + "EncryptedPackage".encode("utf-16-le")
)


def _rows(n: int = 2) -> list[list[object]]:
    return [person(i).add() for i in range(n)]


REJECTIONS = {
    "empty_file": (lambda: b"", "人员增加.xlsx", {}),
    "renamed_file": (lambda: "姓名,证件号码\n张三,1\n".encode(), "人员增加.xlsx", {}),
    "not_a_workbook_docx": (_docx, "人员增加.xlsx", {}),
    "not_a_workbook_zip": (_plain_zip, "人员增加.xlsx", {}),
    "not_a_workbook_png": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "照片.xlsx", {}),
    "encrypted": (lambda: ENCRYPTED, "人员增加.xlsx", {}),
    "unreadable_zip": (lambda: b"PK\x03\x04" + b"\x00\xff" * 300, "人员增加.xlsx", {}),
    "unreadable_xls": (lambda: _ole2(b"\x01\x02" * 300), "人员增加.xls", {}),
    "no_header": (
        lambda: _xlsx({"Sheet1": [["月份", "金额"], ["1", "2"]]}),
        "报表.xlsx",
        {},
    ),
    "wrong_kind": (
        lambda: xlsx_bytes("person_remove", [person(0).remove()]),
        "人员减少.xlsx",
        {"kind": "person_add"},
    ),
    "wrong_kind_no_marker": (
        lambda: xlsx_bytes("person_remove", [person(0).remove()], marker=False),
        "人员减少.xlsx",
        {"kind": "person_add"},
    ),
    "outdated_template": (
        lambda: xlsx_bytes("person_add", _rows(), version=1),
        "人员增加.xlsx",
        {},
    ),
    "missing_columns": (
        lambda: xlsx_bytes(
            "person_add",
            reorder(
                _rows(), ADD_HEADERS, [h for h in ADD_HEADERS if h not in ("证件号码", "参保年月")]
            ),
            headers=[h for h in ADD_HEADERS if h not in ("证件号码", "参保年月")],
        ),
        "人员增加.xlsx",
        {},
    ),
    "duplicate_columns": (
        lambda: xlsx_bytes(
            "person_add",
            [row + [row[0]] for row in _rows()],
            headers=ADD_HEADERS + ["姓名"],
        ),
        "人员增加.xlsx",
        {},
    ),
    "no_data": (lambda: xlsx_bytes("person_add", []), "人员增加.xlsx", {}),
    "no_data_blank_rows": (
        lambda: xlsx_bytes("person_add", [[""] * 19, [None] * 19, ["  "] * 3]),
        "人员增加.xlsx",
        {},
    ),
    "no_data_official_template": (
        lambda: build_template(spec_of("person_add")),
        "person_add.xlsx",
        {},
    ),
    "no_data_csv": (lambda: csv_bytes("person_add", []), "人员增加.csv", {}),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_whole_file_rejections(desk, case):
    make, file_name, options = REJECTIONS[case]
    code = case.split("_official")[0].split("_blank")[0].split("_no_marker")[0]
    code = {
        "not_a_workbook_docx": "not_a_workbook",
        "not_a_workbook_zip": "not_a_workbook",
        "not_a_workbook_png": "not_a_workbook",
        "unreadable_zip": "unreadable",
        "unreadable_xls": "unreadable",
        "no_data_csv": "no_data",
    }.get(code, code)
    batch_id, outcome = desk.submit(make(), file_name, **options)

    assert outcome.rejected_file is not None
    assert outcome.rejected_file.code == code, outcome.rejected_file.message
    assert outcome.status == {}
    batch = desk.batch(batch_id)
    assert (batch.status, batch.error_code) == ("failed", code)
    assert HAS_CHINESE.search(batch.error_message)
    assert batch.error_message == outcome.rejected_file.message
    assert "Traceback" not in batch.error_message and "Error" not in batch.error_message
    assert desk.count(Declaration) == desk.count(BatchIssue) == desk.count(Person) == 0
    assert outcome.rejected_file.to_dict() == {"code": code, "message": batch.error_message}


def test_missing_columns_are_named_in_the_message(desk):
    headers = [h for h in ADD_HEADERS if h not in ("证件号码", "参保年月")]
    data = xlsx_bytes("person_add", reorder(_rows(), ADD_HEADERS, headers), headers=headers)
    _, outcome = desk.submit(data)
    assert outcome.rejected_file.code == "missing_columns"
    assert "证件号码" in outcome.rejected_file.message
    assert "参保年月" in outcome.rejected_file.message
    assert "姓名" not in outcome.rejected_file.message


def test_wrong_kind_names_both_templates(desk):
    data = xlsx_bytes("person_remove", [person(0).remove()])
    _, outcome = desk.submit(data, kind="person_add")
    assert "人员减少" in outcome.rejected_file.message
    assert "人员增加" in outcome.rejected_file.message


def test_outdated_template_names_the_versions(desk):
    _, outcome = desk.submit(xlsx_bytes("person_add", _rows(), version=1))
    assert "版本 1" in outcome.rejected_file.message
    assert "版本 2" in outcome.rejected_file.message


def test_too_many_rows(desk):
    data = xlsx_bytes("person_add", _rows(6))
    batch_id, outcome = desk.submit(data, run_kw={"max_rows": 5})
    assert outcome.rejected_file.code == "too_many_rows"
    assert "6" in outcome.rejected_file.message and "5" in outcome.rejected_file.message
    assert desk.batch(batch_id).status == "failed"
    # Exactly at the limit is fine.
    _, outcome = desk.submit(xlsx_bytes("person_add", _rows(5)), run_kw={"max_rows": 5})
    assert outcome.rejected_file is None
    assert set(outcome.status.values()) == {"applied"}


def test_encrypted_real_magic_and_name_variants(desk):
    # Office writes encrypted .xlsx as OLE2; users name them .xlsx or .xls alike.
    for name in ("加密.xlsx", "加密.xls", "noext"):
        _, outcome = desk.submit(ENCRYPTED, name)
        assert outcome.rejected_file.code == "encrypted"
        assert "密码" in outcome.rejected_file.message


# ------------------------------------------------------------------ layouts that import


def test_header_on_row_one_without_title(both_desk):
    rows = _rows(2)
    rows[1] = person(1).add(联系电话="12")
    batch_id, outcome = both_desk.submit(xlsx_bytes("person_add", rows, title=False))
    assert outcome.status == {2: "applied", 3: "rejected"}
    assert both_desk.errors(batch_id) == {(3, "联系电话", "R", "phone_format")}


def test_extra_unknown_columns_are_ignored_and_letters_follow_the_sheet(both_desk):
    headers = ["工号"] + ADD_HEADERS[:5] + ["部门"] + ADD_HEADERS[5:] + ["入职体检"]
    rows = []
    for i, row in enumerate(_rows(3)):
        if i == 2:
            row = person(2).add(性别="女", 联系电话="abc")
        rows.append([f"E{i:03d}"] + row[:5] + ["车间"] + row[5:] + ["合格"])
    batch_id, outcome = both_desk.submit(xlsx_bytes("person_add", rows, headers=headers))
    assert outcome.status == {3: "applied", 4: "applied", 5: "rejected"}
    # 性别 is column E here (D in the template); 联系电话 moved from R to T.
    assert both_desk.errors(batch_id) == {
        (5, "性别", "E", "gender_mismatch"),
        (5, "联系电话", "T", "phone_format"),
    }
    decl = both_desk.declarations(batch_id)
    assert "工号" not in decl[3].payload and "部门" not in decl[3].payload


def test_columns_in_another_order(both_desk):
    order = list(reversed(ADD_HEADERS))
    rows = _rows(2)
    rows[0] = person(0).add(月缴费工资="六千")
    batch_id, outcome = both_desk.submit(
        xlsx_bytes("person_add", reorder(rows, ADD_HEADERS, order), headers=order)
    )
    assert outcome.status == {3: "rejected", 4: "applied"}
    letter = chr(ord("A") + order.index("月缴费工资"))
    assert both_desk.errors(batch_id) == {(3, "月缴费工资", letter, "money_format")}
    assert letter == "G"
    stored = both_desk.person(person(1).id_number)
    assert stored.name == person(1).name and stored.phone == "13812345678"


def test_blank_rows_in_the_middle_keep_excel_row_numbers(both_desk):
    blank = [None] * len(ADD_HEADERS)
    spaces = ["", " ", "\u3000"] + [None] * (len(ADD_HEADERS) - 3)
    rows = [
        person(0).add(),  # 3
        blank,  # 4
        blank,  # 5
        person(1).add(),  # 6
        spaces,  # 7
        person(2).add(联系电话="1"),  # 8
        blank,  # 9
    ]
    batch_id, outcome = both_desk.submit(xlsx_bytes("person_add", rows))
    assert outcome.status == {3: "applied", 6: "applied", 8: "rejected"}
    assert both_desk.errors(batch_id) == {(8, "联系电话", "R", "phone_format")}
    assert both_desk.batch(batch_id).rows == 3
    assert set(both_desk.declarations(batch_id)) == {3, 6, 8}


def test_optional_columns_may_be_left_out(desk):
    headers = [h for h in ADD_HEADERS if h not in ("证件类型", "民族", "参加工作日期", "备注")]
    rows = reorder(_rows(2), ADD_HEADERS, headers)
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", rows, headers=headers))
    assert set(outcome.status.values()) == {"applied"}, desk.errors(batch_id)
    stored = desk.person(person(0).id_number)
    assert stored.id_type == "居民身份证" and stored.ethnicity is None


def test_decorated_headers_are_recognised(desk):
    headers = [f"*{h}" if i % 3 == 0 else f" {h[:1]} {h[1:]} " for i, h in enumerate(ADD_HEADERS)]
    batch_id, outcome = desk.submit(xlsx_bytes("person_add", _rows(2), headers=headers))
    assert set(outcome.status.values()) == {"applied"}, desk.errors(batch_id)


def test_data_on_a_later_sheet(desk):
    data = _xlsx(
        {
            "说明": [["本表由人事部填写"], ["联系人: 王"]],
            "花名册": [["人员增加申报表"], ADD_HEADERS, *_rows(2)],
        }
    )
    batch_id, outcome = desk.submit(data)
    assert outcome.status == {3: "applied", 4: "applied"}
    assert desk.batch(batch_id).kind == "person_add"


def test_kind_detected_from_headers_without_marker(desk):
    p = person(0)
    desk.submit(xlsx_bytes("person_add", [p.add()], marker=False))
    batch_id, outcome = desk.submit(
        xlsx_bytes("person_remove", [p.remove()], marker=False), "减员.xlsx"
    )
    assert outcome.status == {3: "applied"}
    assert desk.batch(batch_id).kind == "person_remove"


def test_filled_official_template(desk):
    wb = load_workbook(io.BytesIO(build_template(spec_of("person_add"))))
    ws = wb.worksheets[0]
    for r, row in enumerate(_rows(3), start=3):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    batch_id, outcome = desk.submit(buf.getvalue(), "person_add.xlsx", kind="person_add")
    assert outcome.status == {3: "applied", 4: "applied", 5: "applied"}, desk.errors(batch_id)
    assert desk.count(Enrolment) == 12


def test_remove_template_filled_and_imported(desk):
    p = person(0)
    desk.submit(xlsx_bytes("person_add", [p.add()]))
    wb = load_workbook(io.BytesIO(build_template(spec_of("person_remove"))))
    ws = wb.worksheets[0]
    for c, value in enumerate(p.remove(), start=1):
        ws.cell(3, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    batch_id, outcome = desk.submit(buf.getvalue(), "person_remove.xlsx", kind="person_remove")
    assert outcome.status == {3: "applied"}
    assert {e.status for e in desk.enrolments()} == {"stopped"}


# ------------------------------------------------------------------ CSV and .xls


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_files(both_desk, encoding):
    rows = _rows(3)
    rows[2] = person(2).add(联系电话="123", 备注="含,逗号的备注")
    data = csv_bytes("person_add", rows, encoding)
    batch_id, outcome = both_desk.submit(data, "人员增加.csv")
    assert outcome.status == {2: "applied", 3: "applied", 4: "rejected"}
    assert both_desk.errors(batch_id) == {(4, "联系电话", "R", "phone_format")}
    stored = both_desk.person(person(0).id_number)
    assert stored.name == person(0).name


def test_csv_remove_in_gbk(desk):
    p = person(0)
    desk.submit(xlsx_bytes("person_add", [p.add()]))
    data = csv_bytes("person_remove", [p.remove(减少原因="终止劳动合同")], "gbk")
    batch_id, outcome = desk.submit(data, "减员.csv")
    assert outcome.status == {2: "applied"}
    assert {e.stop_reason for e in desk.enrolments()} == {"终止劳动合同"}


def test_csv_tab_separated_txt(desk):
    lines = ["\t".join(ADD_HEADERS)] + ["\t".join(map(str, r)) for r in _rows(2)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    batch_id, outcome = desk.submit(data, "导出.txt")
    assert outcome.status == {2: "applied", 3: "applied"}, desk.errors(batch_id)


def test_legacy_xls_is_read():
    """A genuine BIFF8 .xls, written with xlwt (a dev dependency for this test alone);
    reading uses calamine, like .xlsx."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("人员减少")
    for c, h in enumerate(REMOVE_HEADERS):
        sheet.write(0, c, h)
    for c, v in enumerate(person(0).remove()):
        sheet.write(1, c, v)
    buf = io.BytesIO()
    book.save(buf)
    from importer.layout import locate_table
    from importer.reader import read_workbook

    table = locate_table(read_workbook(buf.getvalue(), "x.xls"), None, 10)
    assert table.kind == "person_remove" and table.excel_rows == [2]


def test_formula_cells_import_as_the_values_excel_shows(desk):
    """Clerks fill sheets with formulas (=VLOOKUP, =A3&B3, =月薪*12/12): the value Excel
    computed and saved with the file is what counts."""
    import xlsxwriter

    people = [person(0), person(1)]
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"in_memory": True}) as wb:
        ws = wb.add_worksheet("人员增加")
        ws.write_row(0, 0, ["人员增加申报表"])
        ws.write_row(1, 0, ADD_HEADERS)
        for r, p in enumerate(people, start=2):
            for c, value in enumerate(p.add()):
                ws.write_string(r, c, str(value))
            ws.write_formula(r, 0, f'=LEFT("{p.name}",10)', None, p.name)
            ws.write_formula(r, ADD_HEADERS.index("月缴费工资"), "=3250*2", None, 6500)
            ws.write_formula(r, ADD_HEADERS.index("参保年月"), '="2026"&"11"', None, "202611")
        meta = wb.add_worksheet("_shebao")
        meta.write_row(0, 0, ["kind", "person_add"])
        meta.write_row(1, 0, ["version", 2])
        meta.hide()
    batch_id, outcome = desk.submit(buf.getvalue())
    assert outcome.status == {3: "applied", 4: "applied"}, desk.errors(batch_id)
    assert desk.person(people[0].id_number).name == people[0].name
    assert {str(b.base) for b in desk.bases(people[1].id_number)} == {"6500.00"}
