"""Re-uploads: a row is "already applied" only when it says what the applied row said."""

from __future__ import annotations

import pytest

from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import person

pytestmark = pytest.mark.integration


def test_the_same_sheet_again_is_unchanged(desk):
    rows = [person(i).add() for i in range(3)]
    desk.submit(xlsx_bytes("person_add", rows))
    again, _ = desk.submit(xlsx_bytes("person_add", rows))
    batch = desk.batch(again)
    assert (batch.applied, batch.rejected, batch.unchanged) == (0, 0, 3)


def test_a_row_with_an_applied_key_but_another_name_is_judged(desk):
    desk.submit(xlsx_bytes("person_add", [person(0).add(), person(1).add()]))
    renamed = [person(0).add(姓名="王二小"), person(1).add()]
    again, _ = desk.submit(xlsx_bytes("person_add", renamed))
    batch = desk.batch(again)
    assert (batch.applied, batch.rejected, batch.unchanged) == (0, 1, 1)
    assert ("name_mismatch", 3) in {(i.code, i.excel_row) for i in desk.issues(again)}


def test_only_the_note_may_differ_for_a_row_to_be_unchanged(desk):
    desk.submit(xlsx_bytes("person_add", [person(0).add(备注="第一次")]))
    again, _ = desk.submit(xlsx_bytes("person_add", [person(0).add(备注="重新上传")]))
    assert desk.batch(again).unchanged == 1


def test_a_removal_sheet_sent_again_is_unchanged(desk):
    desk.submit(xlsx_bytes("person_add", [person(i).add(参保年月="202601") for i in range(2)]))
    sheet = xlsx_bytes("person_remove", [person(i).remove(停保年月="202611") for i in range(2)])
    first, _ = desk.submit(sheet, file_name="人员减少.xlsx")
    assert desk.batch(first).applied == 2
    again, _ = desk.submit(sheet, file_name="人员减少.xlsx")
    batch = desk.batch(again)
    assert (batch.applied, batch.rejected, batch.unchanged) == (0, 0, 2), desk.errors(again)
