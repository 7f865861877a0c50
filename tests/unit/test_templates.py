"""The standard templates and corrections workbooks of `templates_xlsx`, read back with
openpyxl (layout, styles, validations) and python-calamine (what the importer reads)."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from importer.kinds import SPECS as KINDS
from importer.kinds import spec_of, specs
from templates_xlsx import build_template, excel_safe, excel_unescape, write_rows_workbook
from templates_xlsx.__main__ import main as templates_main
from templates_xlsx.build import (
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MARKER_SHEET,
    regenerate,
    template_path,
    template_title,
)
from templates_xlsx.cells import FORMULA_TRIGGERS
from validators.specs import ERROR_NOTE_COLUMN

pytestmark = pytest.mark.unit

ALL_KINDS = pytest.mark.parametrize("kind", list(KINDS))
RED = "FFFF0000"
ID = "330682198001011239"
LANDLINE = "0575-82123456"
FORMULA_LIKE = ["=1+1", "+86138", "@SUM(A1)", "-5", "\t=cmd"]


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rgb(font) -> str | None:
    # openpyxl returns an error text instead of a string for theme colours.
    rgb = getattr(font.color, "rgb", None)
    return rgb if isinstance(rgb, str) else None


def _person_add_row(**cells: str) -> list[str]:
    spec = spec_of("person_add")
    row = list(spec.example)
    for name, value in cells.items():
        row[spec.headers.index(name)] = value
    return row


def _corrections(rows, **kwargs) -> bytes:
    buffer = io.BytesIO()
    write_rows_workbook(buffer, spec_of("person_add"), rows, **kwargs)
    return buffer.getvalue()


@ALL_KINDS
def test_committed_template_equals_what_the_spec_generates(kind):
    path = template_path(spec_of(kind))
    assert path.exists(), f"{path.name} missing: run `python -m templates_xlsx`"
    assert path.read_bytes() == build_template(spec_of(kind)), (
        f"{path.name} differs from its kind module: run `python -m templates_xlsx`"
    )


@ALL_KINDS
def test_two_builds_give_identical_bytes(kind):
    assert build_template(spec_of(kind)) == build_template(spec_of(kind))


@ALL_KINDS
def test_data_sheet_is_first_with_title_headers_and_no_data(kind):
    spec = spec_of(kind)
    wb = _open(build_template(spec_of(kind)))
    sheet = wb.worksheets[0]
    assert wb.sheetnames[:2] == [spec.title, INSTRUCTIONS_SHEET]
    assert (
        sheet["A1"].value == template_title(spec) == f"{spec.title}申报表 (模板版本 {spec.version})"
    )
    last = get_column_letter(len(spec.headers))
    assert [str(r) for r in sheet.merged_cells.ranges] == [f"A1:{last}1"]
    assert [c.value for c in sheet[2]] == spec.headers
    assert sheet.max_row == 2, "the example row belongs on the instructions sheet"
    assert sheet.freeze_panes == "A3"


@ALL_KINDS
def test_required_headers_are_red_bold_and_the_others_black(kind):
    spec = spec_of(kind)
    header = _open(build_template(spec_of(kind))).worksheets[0][2]
    for cell, column in zip(header, spec.columns, strict=True):
        assert cell.font.b, column.name
        assert (_rgb(cell.font) == RED) is column.required, column.name


@ALL_KINDS
def test_header_comments_carry_the_hints(kind):
    spec = spec_of(kind)
    header = _open(build_template(spec_of(kind))).worksheets[0][2]
    for cell, column in zip(header, spec.columns, strict=True):
        assert (cell.comment.text if cell.comment else "") == column.hint, column.name


@ALL_KINDS
def test_hidden_marker_names_kind_and_version(kind):
    wb = _open(build_template(spec_of(kind)))
    marker = wb[MARKER_SHEET]
    assert marker.sheet_state == "hidden"
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert [[c.value for c in row] for row in marker.iter_rows()] == [
        ["kind", kind],
        ["version", spec_of(kind).version],
    ]


def _list_values(wb, formula: str) -> list[str]:
    sheet, first, last = re.fullmatch(r"'(\w+)'!\$([A-Z]+\$\d+):\$([A-Z]+\$\d+)", formula).groups()
    cells = wb[sheet][f"{first.replace('$', '')}:{last.replace('$', '')}"]
    return [row[0].value for row in cells]


@ALL_KINDS
def test_every_coded_column_has_a_drop_down_from_the_lists_sheet(kind):
    spec = spec_of(kind)
    wb = _open(build_template(spec_of(kind)))
    validations = {str(dv.sqref): dv for dv in wb.worksheets[0].data_validations.dataValidation}
    coded = [(i, c) for i, c in enumerate(spec.columns) if c.choices]
    assert len(validations) == len(coded)
    for index, column in coded:
        letter = get_column_letter(index + 1)
        dv = validations[f"{letter}3:{letter}20002"]
        assert dv.type == "list" and dv.showErrorMessage and column.name in dv.error
        assert _list_values(wb, dv.formula1) == list(column.choices)


@ALL_KINDS
def test_columns_are_text_or_date_formatted(kind):
    spec = spec_of(kind)
    sheet = _open(build_template(spec_of(kind))).worksheets[0]
    expected = {t: "@" for t in ("id", "phone", "month", "name", "code", "text", "yesno")}
    expected["date"] = "yyyy-mm-dd"
    for index, column in enumerate(spec.columns):
        dimension = sheet.column_dimensions[get_column_letter(index + 1)]
        if column.type in expected:
            assert dimension.number_format == expected[column.type], column.name
        assert dimension.width == pytest.approx(column.width, abs=1), column.name


@ALL_KINDS
def test_instructions_list_every_header_with_its_example(kind):
    spec = spec_of(kind)
    sheet = _open(build_template(spec_of(kind)))[INSTRUCTIONS_SHEET]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    start = rows.index(("列", "列名", "是否必填", "填写要求", "示例"))
    table = rows[start + 1 :]
    assert [r[1] for r in table] == spec.headers
    assert [r[4] or "" for r in table] == list(spec.example)
    assert [r[2] for r in table] == ["必填" if c.required else "选填" for c in spec.columns]
    text = "\n".join(str(r[0]) for r in rows[:start])
    for needle in ("第 3 行", "列名", "红色", "上传"):
        assert needle in text


def test_instructions_explain_the_formats_person_add_uses():
    sheet = _open(build_template(spec_of("person_add")))[INSTRUCTIONS_SHEET]
    text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    for needle in (
        "YYYYMM",
        "YYYY-MM-DD",
        "文本格式",
        "“是”或“否”",
        "不填时按“居民身份证”",
        "汉族",
    ):
        assert needle in text


def test_rows_come_back_as_text_with_leading_zeros_and_all_digits():
    rows = [_person_add_row(证件号码=ID, 联系电话=LANDLINE, 参保年月="202611")]
    data = _corrections(rows)
    read = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert read[1] == spec_of("person_add").headers
    assert read[2] == rows[0]
    cell = _open(data).worksheets[0]["C3"]
    assert cell.value == ID and cell.data_type == "s" and cell.number_format == "@"


def test_missing_cells_stay_empty_never_nan():
    rows = [["张三", None, ID, float("nan")]]
    sheet = _open(_corrections(rows, bad_cells={(0, 3): "性别必填"})).worksheets[0]
    assert [c.value for c in sheet[3]][:4] == ["张三", None, ID, None]
    assert sheet["D3"].comment.text == "性别必填"


def test_formula_like_values_are_written_as_escaped_text():
    rows = [_person_add_row(姓名=value, 备注=value) for value in FORMULA_LIKE]
    sheet = _open(_corrections(rows)).worksheets[0]
    for row, value in enumerate(FORMULA_LIKE, start=3):
        for cell in (sheet[f"A{row}"], sheet[f"S{row}"]):
            assert cell.data_type == "s"
            assert cell.value == "'" + value
            assert excel_unescape(cell.value) == value


def test_notes_column_follows_the_template_columns():
    rows = [_person_add_row(), _person_add_row(姓名="李四")]
    notes = ["C 证件号码: 校验位错误", ""]
    sheet = _open(_corrections(rows, notes=notes)).worksheets[0]
    width = len(spec_of("person_add").headers)
    assert sheet.cell(2, width + 1).value == ERROR_NOTE_COLUMN
    assert sheet.cell(3, width + 1).value == notes[0]
    assert sheet.cell(3, width + 1).alignment.wrap_text
    assert sheet.cell(4, width + 1).value is None
    assert sheet.column_dimensions[get_column_letter(width + 1)].width >= 40


def test_bad_cells_are_light_red_with_the_message_as_comment():
    rows = [_person_add_row(), _person_add_row(联系电话="")]
    bad = {(0, 2): "证件号码校验位错误, 应为 X", (1, 17): "联系电话必填"}
    sheet = _open(_corrections(rows, bad_cells=bad, sheet_note="更正表: 2 行")).worksheets[0]
    for ref, message in (("C3", bad[0, 2]), ("R4", bad[1, 17])):
        assert sheet[ref].comment.text == message
        assert sheet[ref].fill.fgColor.rgb == "FFFFC7CE"
    assert sheet["C3"].value == rows[0][2] and sheet["C3"].number_format == "@"
    assert sheet["R4"].value is None
    assert sheet["A3"].comment is None and sheet["A3"].fill.fgColor.rgb != "FFFFC7CE"
    assert sheet["A1"].value == template_title(spec_of("person_add"))
    assert "更正表: 2 行" in [c.value for c in sheet[1]]


def test_corrections_workbook_keeps_the_template_layout():
    wb = _open(_corrections([_person_add_row()], notes=["x"]))
    assert wb.sheetnames == ["人员增加", INSTRUCTIONS_SHEET, LISTS_SHEET, MARKER_SHEET]
    assert wb.worksheets[0].data_validations.dataValidation
    assert wb[MARKER_SHEET]["B1"].value == "person_add"


def test_drop_downs_cover_every_row_of_a_long_corrections_workbook():
    rows = [["张三"]] * 20_010
    sheet = _open(_corrections(rows)).worksheets[0]
    assert "D3:D20012" in {str(dv.sqref) for dv in sheet.data_validations.dataValidation}


def test_rows_longer_than_the_template_are_refused():
    with pytest.raises(ValueError, match="20 cells"):
        _corrections([_person_add_row() + ["extra"]])


def test_writes_to_a_path_and_returns_the_row_count(tmp_path):
    target = tmp_path / "corrections.xlsx"
    count = write_rows_workbook(target, spec_of("person_remove"), [["张三", ID, "辞职", "202611"]])
    assert count == 1
    assert _open(target.read_bytes()).worksheets[0]["B3"].value == ID


def test_many_rows_smoke():
    # Not a timing assertion: the 100k-row figure is measured and reported separately.
    rows = [_person_add_row(证件号码=f"3306821980010{i:05d}") for i in range(3_000)]
    data = _corrections(rows, notes=[""] * len(rows), bad_cells={(7, 2): "错"})
    read = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert len(read) == 3_002 and read[-1][2] == "330682198001002999"


@pytest.mark.parametrize("value", FORMULA_LIKE + ["\r1"])
def test_excel_safe_prefixes_formula_triggers(value):
    assert excel_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["张三", ID, "", "1+1", "a=b", "'=1", "0575-82123456"])
def test_excel_safe_leaves_ordinary_text_alone(value):
    assert excel_safe(value) == value


@given(st.text())
def test_escaped_text_never_starts_a_formula_and_unescapes(text):
    safe = excel_safe(text)
    assert not safe.startswith(FORMULA_TRIGGERS)
    if not (text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS)):
        assert excel_unescape(safe) == text


def test_command_regenerates_and_checks(tmp_path, capsys):
    assert templates_main(["--check"]) == 0, "committed templates are stale"
    assert templates_main(["--check", str(tmp_path)]) == 1
    assert "python -m templates_xlsx" in capsys.readouterr().out
    paths = regenerate(specs(), tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{k}.xlsx" for k in KINDS)
    assert templates_main(["--check", str(tmp_path)]) == 0
