"""The error report and the corrections workbook, read back with openpyxl the way an
employer's Excel would open them, and the fix-and-resubmit loop they exist for."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from importer.report import ReportUnavailable, corrections_workbook, error_report
from registry.models import Enrolment
from tests.builders import csv_bytes, xlsx_bytes
from tests.integration.test_pipeline_support import (
    ADD_HEADERS,
    Desk,
    open_xlsx,
    person,
    reorder,
)
from validators.specs import ERROR_NOTE_COLUMN

pytestmark = pytest.mark.integration

FORMULA_LIKE = ["=1+1", "+8613812345678", "@SUM(A1)", "-cmd|' /C calc'!A0"]


def _rgb(cell) -> str:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return ""
    rgb = fill.fgColor.rgb
    return rgb[-6:].upper() if isinstance(rgb, str) else ""


def is_red(cell) -> bool:
    rgb = _rgb(cell)
    if not rgb:
        return False
    r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
    return r >= 0xE0 and g <= 0xD8 and b <= 0xD8 and r - g >= 0x20


def is_yellow(cell) -> bool:
    rgb = _rgb(cell)
    return bool(rgb) and rgb[:2] == "FF" and int(rgb[2:4], 16) >= 0xE0 and rgb[4:] < "D0"


def col(letter: str) -> int:
    return ord(letter) - ord("A") + 1


def no_formulas(data: bytes) -> None:
    """No cell of any sheet of the xlsx holds a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
    wb = open_xlsx(data)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def text_xlsx(kind: str, rows, **kw) -> bytes:
    """Like `xlsx_bytes`, but a value starting with `=` is a text cell, as when a user
    types it after an apostrophe (openpyxl would otherwise store a formula)."""
    wb = open_xlsx(xlsx_bytes(kind, rows, **kw))
    for row in wb.worksheets[0].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_with_defects():
    """Rows 3..7 of a standard sheet with one extra column 部门 at the end (T)."""
    rows = [
        person(0).add(备注="=1+1"),  # 3 applied, formula-like note
        person(1).add(联系电话="1381234", 备注="@SUM(A1)"),  # 4 bad phone (R)
        person(2).add(月缴费工资="3000"),  # 5 applied with a warning (M)
        person(3).add(性别="女", 月缴费工资="6500.123"),  # 6 two bad cells (D, M)
        person(4).add(证件号码=float(person(4).id_number)),  # 7 ID mangled by Excel (C)
    ]
    return [r + ["生产部"] for r in rows]


def _upload_defects(desk: Desk):
    data = text_xlsx("person_add", _sheet_with_defects(), headers=ADD_HEADERS + ["部门"])
    batch_id, outcome = desk.submit(data)
    assert outcome.status == {
        3: "applied",
        4: "rejected",
        5: "applied",
        6: "rejected",
        7: "rejected",
    }
    return data, batch_id


def test_error_report_marks_bad_cells_where_they_were_uploaded(desk):
    _, batch_id = _upload_defects(desk)
    data = error_report(desk.uow(), batch_id)
    no_formulas(data)
    wb = open_xlsx(data)
    assert wb.sheetnames[:2] == ["错误报告", "问题清单"]
    ws = wb["错误报告"]

    # The header row stays row 2, as uploaded, with 错误说明 after the last column (U).
    assert [ws.cell(2, c).value for c in range(1, 21)] == ADD_HEADERS + ["部门"]
    assert ws.cell(2, 21).value == ERROR_NOTE_COLUMN

    phone = ws.cell(4, col("R"))
    assert phone.value == "1381234" and is_red(phone)
    assert "联系电话" in phone.comment.text and "11 位手机号" in phone.comment.text
    gender, wage = ws.cell(6, col("D")), ws.cell(6, col("M"))
    assert is_red(gender) and is_red(wage)
    assert "第 17 位" in gender.comment.text
    assert wage.value == "6500.123" and "两位小数" in wage.comment.text
    id_cell = ws.cell(7, col("C"))
    assert is_red(id_cell) and "E+17" in id_cell.value and "设为文本" in id_cell.comment.text

    # A warning is marked too, but not red; cells without problems are left alone.
    warned = ws.cell(5, col("M"))
    assert warned.value == "3000" and not is_red(warned) and is_yellow(warned)
    assert "下限" in warned.comment.text
    for r, c in [(3, "A"), (3, "C"), (4, "A"), (4, "C"), (6, "C"), (5, "R")]:
        assert not is_red(ws.cell(r, col(c))) and ws.cell(r, col(c)).comment is None
    assert ws.cell(3, col("C")).value == person(0).id_number
    assert ws.cell(3, col("T")).value == "生产部"

    notes = {r: ws.cell(r, 21).value for r in range(3, 8)}
    assert notes[3] is None
    assert "【R 联系电话】" in notes[4]
    assert "【D 性别】" in notes[6] and "【M 月缴费工资】" in notes[6]
    assert "【C 证件号码】" in notes[7]
    assert "下限" in notes[5]

    # 问题清单: one line per problem, rows and columns as in the upload.
    listing = [list(r) for r in wb["问题清单"].iter_rows(values_only=True)]
    assert listing[0] == ["行号", "列", "填写内容", "问题与修改方法", "类型"]
    lines = {(r[0], r[1], r[4]) for r in listing[1:]}
    assert ("4", "R 联系电话", "错误") in lines
    assert ("6", "D 性别", "错误") in lines and ("6", "M 月缴费工资", "错误") in lines
    assert ("7", "C 证件号码", "错误") in lines
    assert ("5", "M 月缴费工资", "提示") in lines
    # 2026 limits are not entered: the operator is told, the sheet gets no notice for it.
    assert not any(line[0] == "全表" for line in lines)


def test_error_report_of_reordered_csv_follows_the_upload(desk):
    order = list(reversed(ADD_HEADERS))
    rows = [person(0).add(), person(1).add(联系电话="12")]
    data = xlsx_bytes("person_add", reorder(rows, ADD_HEADERS, order), headers=order, title=False)
    batch_id, _ = desk.submit(data)
    ws = open_xlsx(error_report(desk.uow(), batch_id))["错误报告"]
    letter = chr(ord("A") + order.index("联系电话"))
    assert ws.cell(1, col(letter)).value == "联系电话"
    assert is_red(ws.cell(3, col(letter))) and ws.cell(3, col(letter)).value == "12"

    csv_rows = [person(2).add(), person(3).add(出生日期="1999-09-09")]
    batch_id, _ = desk.submit(csv_bytes("person_add", csv_rows, "gbk"), "人员增加.csv")
    ws = open_xlsx(error_report(desk.uow(), batch_id))["错误报告"]
    assert ws.cell(1, col("E")).value == "出生日期"
    assert is_red(ws.cell(3, col("E"))) and not is_red(ws.cell(2, col("E")))


def test_corrections_workbook_holds_only_rejected_rows_in_template_layout(desk):
    _, batch_id = _upload_defects(desk)
    data = corrections_workbook(desk.uow(), batch_id)
    no_formulas(data)
    wb = open_xlsx(data)
    ws = wb.worksheets[0]
    assert ws.title == "人员增加"
    assert "_shebao" in wb.sheetnames and wb["_shebao"].sheet_state == "hidden"
    assert [ws.cell(2, c).value for c in range(1, 20)] == ADD_HEADERS
    assert ws.cell(2, 20).value == ERROR_NOTE_COLUMN
    data_rows = [[ws.cell(r, c).value for c in range(1, 21)] for r in range(3, ws.max_row + 1)]
    data_rows = [r for r in data_rows if any(v not in (None, "") for v in r)]
    assert len(data_rows) == 3
    ids = [r[2] for r in data_rows]
    assert ids[0] == person(1).id_number and ids[1] == person(3).id_number
    assert "E+17" in ids[2]
    for r in range(3, 6):
        cell = ws.cell(r, col("C"))
        assert cell.data_type == "s" and cell.number_format == "@"
    assert all(len(i) == 18 and i[:17].isdigit() for i in ids[:2])
    # Values as typed, 部门 (not a template column) left out, the note says why.
    assert data_rows[0][col("R") - 1] == "1381234"
    assert data_rows[0][col("S") - 1] == "'@SUM(A1)"
    assert data_rows[1][col("M") - 1] == "6500.123"
    assert data_rows[0][19].startswith("原表第 4 行") and "联系电话" in data_rows[0][19]
    assert data_rows[1][19].startswith("原表第 6 行")
    assert "性别" in data_rows[1][19] and "月缴费工资" in data_rows[1][19]
    assert is_red(ws.cell(3, col("R"))) and ws.cell(3, col("R")).comment is not None
    assert is_red(ws.cell(4, col("D"))) and is_red(ws.cell(4, col("M")))
    assert not is_red(ws.cell(3, col("A")))


def _fix_and_save(data: bytes, fixes: dict[tuple[int, str], object]) -> bytes:
    wb = open_xlsx(data)
    ws = wb.worksheets[0]
    for (row, header), value in fixes.items():
        ws.cell(row, ADD_HEADERS.index(header) + 1).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_fixed_corrections_resubmitted_are_all_applied(desk):
    original, batch_id = _upload_defects(desk)
    fixed = _fix_and_save(
        corrections_workbook(desk.uow(), batch_id),
        {
            (3, "联系电话"): "0575-82123456",
            (4, "性别"): "男",
            (4, "月缴费工资"): "6500.12",
            (5, "证件号码"): person(4).id_number,
        },
    )
    again, outcome = desk.submit(fixed, "更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "applied", 4: "applied", 5: "applied"}, desk.errors(again)
    batch = desk.batch(again)
    assert (batch.resubmit_of, batch.applied, batch.rejected) == (batch_id, 3, 0)
    assert desk.count(Enrolment) == 20
    # The formula-like note typed by the user came through as text, unescaped.
    assert desk.declarations(again)[3].payload["备注"] == "@SUM(A1)"
    assert desk.person(person(1).id_number).phone == "0575-82123456"

    # Sending the corrected file again, or the original sheet again, changes nothing.
    _, outcome = desk.submit(fixed, "更正.xlsx", resubmit_of=batch_id)
    assert set(outcome.status.values()) == {"unchanged"}
    _, outcome = desk.submit(original)
    assert outcome.status[3] == "unchanged" and outcome.status[5] == "unchanged"
    assert desk.count(Enrolment) == 20


def test_corrections_still_wrong_come_back_again(desk):
    _, batch_id = _upload_defects(desk)
    fixed = _fix_and_save(
        corrections_workbook(desk.uow(), batch_id), {(3, "联系电话"): "13900000000"}
    )
    again, outcome = desk.submit(fixed, "更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "applied", 4: "rejected", 5: "rejected"}
    second = open_xlsx(corrections_workbook(desk.uow(), again)).worksheets[0]
    assert second.cell(3, col("D")).value == "女" and second.cell(5, 1).value is None
    assert second.cell(3, 20).value.startswith("原表第 4 行")


def test_edited_error_report_can_be_uploaded_again(desk):
    """Users fix the error report itself, not the corrections workbook: it must import."""
    _, batch_id = _upload_defects(desk)
    wb = open_xlsx(error_report(desk.uow(), batch_id))
    ws = wb["错误报告"]
    ws.cell(4, col("R")).value = "13900000000"
    ws.cell(6, col("D")).value = "男"
    ws.cell(6, col("M")).value = "6500"
    ws.cell(7, col("C")).value = person(4).id_number
    buf = io.BytesIO()
    wb.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "错误报告.xlsx", kind="person_add")
    assert outcome.status == {
        3: "unchanged",
        4: "applied",
        5: "unchanged",
        6: "applied",
        7: "applied",
    }, desk.errors(again)


def test_formula_like_values_are_never_formulas(desk):
    rows = [person(i).add(备注=text) for i, text in enumerate(FORMULA_LIKE)]
    rows.append(person(9).add(姓名='=HYPERLINK("http://x")', 备注="=1+1"))
    batch_id, outcome = desk.submit(text_xlsx("person_add", rows))
    assert outcome.status[7] == "rejected"
    assert [outcome.status[r] for r in range(3, 7)] == ["applied"] * 4
    decl = desk.declarations(batch_id)
    assert [decl[r].payload["备注"] for r in range(3, 7)] == FORMULA_LIKE

    report = error_report(desk.uow(), batch_id)
    no_formulas(report)
    ws = open_xlsx(report)["错误报告"]
    for r, text in enumerate(FORMULA_LIKE, start=3):
        cell = ws.cell(r, col("S"))
        assert cell.data_type == "s" and cell.value == "'" + text
    assert ws.cell(7, col("A")).value.startswith("'=")
    listing = open_xlsx(report)["问题清单"]
    for row in listing.iter_rows(min_row=2, values_only=True):
        assert not str(row[2] or "").startswith(("=", "+", "@"))

    corrections = corrections_workbook(desk.uow(), batch_id)
    no_formulas(corrections)
    cws = open_xlsx(corrections).worksheets[0]
    assert cws.cell(3, col("A")).value.startswith("'=")
    assert cws.cell(3, col("S")).value == "'=1+1"


def test_formula_like_values_survive_the_round_trip(desk):
    row = person(0).add(联系电话="12", 备注="=1+1")
    batch_id, _ = desk.submit(text_xlsx("person_add", [row]))
    fixed = _fix_and_save(
        corrections_workbook(desk.uow(), batch_id), {(3, "联系电话"): "13900000000"}
    )
    again, outcome = desk.submit(fixed, resubmit_of=batch_id)
    assert outcome.status == {3: "applied"}
    assert desk.declarations(again)[3].payload["备注"] == "=1+1"


def test_report_of_a_clean_batch_and_of_a_rejected_file(desk):
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(0).add()]))
    ws = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert all(ws.cell(r, 1).value in (None, "") for r in range(3, 10))
    assert open_xlsx(error_report(desk.uow(), batch_id))["错误报告"].cell(3, 1).value

    failed, outcome = desk.submit(b"", "空.xlsx")
    assert outcome.rejected_file.code == "empty_file"
    with pytest.raises(ReportUnavailable) as exc:
        error_report(desk.uow(), failed)
    assert re.search(r"[\u4e00-\u9fff]", str(exc.value))
    queued = desk.upload(xlsx_bytes("person_add", [person(1).add()]))
    with pytest.raises(ReportUnavailable):
        corrections_workbook(desk.uow(), queued)


def test_corrections_of_a_remove_sheet(desk):
    p = person(0)
    desk.submit(xlsx_bytes("person_add", [p.add()]))
    rows = [p.remove(停保年月="202613"), person(5).remove()]
    batch_id, outcome = desk.submit(xlsx_bytes("person_remove", rows), "减员.xlsx")
    assert outcome.status == {3: "rejected", 4: "rejected"}
    ws = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert ws.title == "人员减少"
    assert ws.cell(2, 6).value == ERROR_NOTE_COLUMN
    assert [ws.cell(3, c).value for c in range(1, 5)] == [p.name, p.id_number, "辞职", "202613"]
    ws.cell(3, 4).value = "202611"
    buf = io.BytesIO()
    ws.parent.save(buf)
    again, outcome = desk.submit(buf.getvalue(), "减员更正.xlsx", resubmit_of=batch_id)
    assert outcome.status == {3: "applied", 4: "rejected"}
    assert desk.errors(again) == {(4, "证件号码", "B", "not_enrolled_here")}


def test_error_report_keeps_rows_of_a_sheet_with_a_long_preamble(desk):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["上虞示例制造有限公司 2026 年 11 月新增人员"])
    ws.append(["制表人: 王芳", None, "日期: 2026-11-28"])
    ws.append([])
    ws.append(ADD_HEADERS)  # row 4
    ws.append(person(0).add())  # row 5
    ws.append([])  # row 6
    ws.append(person(1).add(联系电话="0575"))  # row 7
    buf = io.BytesIO()
    wb.save(buf)
    batch_id, outcome = desk.submit(buf.getvalue())
    assert outcome.status == {5: "applied", 7: "rejected"}
    assert desk.errors(batch_id) == {(7, "联系电话", "R", "phone_format")}
    report = open_xlsx(error_report(desk.uow(), batch_id))["错误报告"]
    assert report.cell(4, 1).value == "姓名" and report.cell(4, 20).value == ERROR_NOTE_COLUMN
    assert report.cell(5, 1).value == person(0).name
    assert report.cell(7, col("R")).value == "0575" and is_red(report.cell(7, col("R")))
    assert report.cell(6, 1).value is None
    corrections = open_xlsx(corrections_workbook(desk.uow(), batch_id)).worksheets[0]
    assert corrections.cell(3, 1).value == person(1).name
    assert corrections.cell(3, 20).value.startswith("原表第 7 行")


def test_a_workbook_stored_meanwhile_by_someone_else_is_kept_not_an_error(desk, monkeypatch):
    """The worker and a first download can build the same workbook at once."""
    import importer.report as report

    batch_id, _ = desk.submit(xlsx_bytes("person_add", [person(0).add(证件号码="1")]))
    first = error_report(desk.uow(), batch_id)  # stored now
    uow = desk.uow()
    with uow:
        real_get = uow.session.get
        # As if the other builder had not stored it yet when this one looked.
        monkeypatch.setattr(uow.session, "get", lambda *a, **k: None)
        report._keep(uow, batch_id, "report", b"a second build")
        monkeypatch.setattr(uow.session, "get", real_get)
    assert error_report(desk.uow(), batch_id) == first


def test_a_repeated_header_row_is_back_in_the_report_with_its_notice(desk):
    from importer.kinds.person_add import SPEC as PERSON_ADD

    rows = [person(0).add(), list(PERSON_ADD.headers), person(1).add(证件号码="1")]
    batch_id, _ = desk.submit(xlsx_bytes("person_add", rows))
    sheet = open_xlsx(error_report(desk.uow(), batch_id))["错误报告"]
    assert [sheet.cell(r, 1).value for r in (3, 4, 5)] == [person(0).name, "姓名", person(1).name]
    note_col = len(PERSON_ADD.headers) + 1
    assert "与表头相同" in sheet.cell(4, note_col).value


def test_error_report_reads_like_the_template_it_came_from(desk):
    rows = [
        person(0).add(月缴费工资="6500.5"),
        person(1).add(联系电话="1"),
        person(2).add(月缴费工资="1000"),  # below the floor: a warning only
    ]
    batch_id, _ = desk.submit(xlsx_bytes("person_add", rows))
    sheet = open_xlsx(error_report(desk.uow(), batch_id)).worksheets[0]
    assert "人员增加申报表" in str(sheet["A1"].value)  # the title row is back
    assert sheet.column_dimensions["C"].width >= 22  # room for 18 digits
    wage = sheet.cell(3, col("M"))
    assert wage.value == 6500.5 and wage.number_format == "#,##0.00"
    note_col = len(ADD_HEADERS) + 1
    error_note, warning_note = sheet.cell(4, note_col), sheet.cell(5, note_col)
    assert error_note.font.color.rgb[-6:] != warning_note.font.color.rgb[-6:]
    assert sheet.row_dimensions[4].height and sheet.row_dimensions[4].height >= 15
