"""Templates that start from the registry ("含本单位在职人员"), round-tripped: download the
pre-filled template, fill two rows, upload: only those two are declarations, the rows
nobody touched are skipped with one sheet-level 提示."""

from __future__ import annotations

import io

import pytest

from importer.prefill import prefillable, prefilled_template
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import Desk, open_xlsx, person, second_employer

pytestmark = pytest.mark.integration

PEOPLE = [person(i) for i in range(5)]


def staff(desk: Desk, db_url: str) -> None:
    """Five persons active here (no 失业保险), one stopped, one active elsewhere only."""
    rows = [p.add(参保年月="202601", 失业保险="否") for p in PEOPLE]
    rows.append(person(7).add(参保年月="202601"))
    _, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"applied"}
    gone = person(7).remove(停保年月="202605")
    assert desk.submit(xlsx_bytes("person_remove", [gone]))[1].status == {3: "applied"}
    Desk(db_url, second_employer(db_url)).submit(xlsx_bytes("person_add", [person(8).add()]))


def download(desk: Desk, kind: str) -> bytes:
    with desk.uow() as uow:
        return prefilled_template(uow.session, kind, desk.employer_id)


def fill(data: bytes, cells: dict[tuple[int, str], str]) -> bytes:
    """The workbook with `cells` ((Excel row, header) → value) typed in, saved again."""
    wb = open_xlsx(data)
    ws = wb.worksheets[0]
    headers = [c.value.strip(" *") if c.value else "" for c in ws[2]]
    for (row, header), value in cells.items():
        ws.cell(row, headers.index(header) + 1).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ordered() -> list:
    return sorted(PEOPLE, key=lambda p: p.id_number)


def listed(data: bytes) -> list[tuple[str, str]]:
    ws = open_xlsx(data).worksheets[0]
    return [(r[0], r[1]) for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]


def test_which_kinds_offer_a_prefilled_template():
    assert prefillable("person_remove") and prefillable("insurance_add")
    assert prefillable("insurance_remove")
    assert not prefillable("person_add") and not prefillable("no_such_kind")


def test_the_template_lists_the_active_persons_here_only(desk, db_url):
    staff(desk, db_url)
    data = download(desk, "person_remove")
    # Ordered by ID number; the stopped person and the one insured elsewhere are absent.
    assert listed(data) == [(p.name, p.id_number) for p in _ordered()]
    wb = open_xlsx(data)
    assert wb.worksheets[0].title == "人员减少" and "_shebao" in wb.sheetnames
    ws = wb.worksheets[0]
    assert ws.cell(3, 2).number_format == "@"  # the ID column stays text
    assert all(v in (None, "") for v in [c.value for c in ws[3]][2:])


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("person_remove", {"减少原因": "辞职", "停保年月": "202611"}),
        ("insurance_add", {"险种": "失业保险", "开始年月": "202611"}),
        ("insurance_remove", {"险种": "工伤保险", "停止年月": "202611", "减少原因": "其他"}),
    ],
)
def test_fill_two_rows_upload_only_those_two_are_declared(desk, db_url, kind, action):
    staff(desk, db_url)
    cells = {(row, h): v for row in (4, 6) for h, v in action.items()}
    batch_id, outcome = desk.submit(fill(download(desk, kind), cells), file_name=f"{kind}.xlsx")
    assert outcome.status == {4: "applied", 6: "applied"}
    assert set(desk.declarations(batch_id)) == {4, 6}
    batch = desk.batch(batch_id)
    assert (batch.kind, batch.rows, batch.applied, batch.rejected) == (kind, 2, 2, 0)
    (notice,) = [i for i in desk.issues(batch_id) if i.code == "untouched_prefilled"]
    assert notice.excel_row is None and notice.severity == "warning"
    assert "3 行" in notice.message and "第 3、5、7 行" in notice.message
    assert desk.errors(batch_id) == set()
    people = _ordered()
    touched = {people[1].id_number, people[3].id_number}
    changed = {
        e.person_id
        for e in desk.enrolments(employer_id=desk.employer_id)
        if e.batch_id == batch_id or e.end_month == "202611"
    }
    assert changed == touched


def test_a_row_filled_in_part_is_judged_not_skipped(desk, db_url):
    staff(desk, db_url)
    data = fill(download(desk, "person_remove"), {(3, "减少原因"): "辞职"})
    batch_id, outcome = desk.submit(data, file_name="人员减少.xlsx")
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {(3, "停保年月", "D", "required")}


def test_a_prefilled_template_nobody_filled_is_refused(desk, db_url):
    staff(desk, db_url)
    batch_id, outcome = desk.submit(download(desk, "insurance_remove"), file_name="险种减少.xlsx")
    assert outcome.rejected_file is not None
    assert outcome.rejected_file.code == "nothing_filled"
    assert "5 行" in outcome.rejected_file.message and "险种" in outcome.rejected_file.message


def test_an_employer_without_active_persons_gets_the_empty_template(desk):
    assert listed(download(desk, "person_remove")) == []
