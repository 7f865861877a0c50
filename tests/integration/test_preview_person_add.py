"""人员增加 in preview and undo terms: what each row changes (新增 / 变更, old → new), the
before-image its apply records, and the kind's `revert` putting the registry back exactly."""

from __future__ import annotations

import pandas as pd

from importer.apply import Target, write_all
from importer.kinds import get_kind
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import person
from tests.registry_dump import registry_dump


def _decls(desk, batch_id):
    return desk.declarations(batch_id)


def _revert(desk, batch_id: int) -> None:
    """Run the kind's revert over the batch's applied declarations, in one transaction."""
    decls = [d for d in _decls(desk, batch_id).values() if d.status == "applied"]
    rows = pd.DataFrame([d.payload for d in decls], index=[d.excel_row for d in decls])
    rows["_before"] = [d.before for d in decls]
    writes = get_kind("person_add").revert(rows, Target(desk.employer_id, batch_id, frozenset()))
    with UnitOfWork.for_url(desk.url) as uow:
        write_all(uow.session, writes)
        uow.commit()


def test_new_persons_are_added_without_a_before_image(desk):
    a, b = person(1), person(2)
    batch_id, _ = desk.submit(xlsx_bytes("person_add", [a.add(), b.add()]))
    decls = _decls(desk, batch_id)
    assert {d.action for d in decls.values()} == {"add"}
    assert all(d.before is None and d.changes is None for d in decls.values())


def test_a_returning_person_shows_old_and_new(desk):
    a = person(3)
    first, _ = desk.submit(
        xlsx_bytes("person_add", [a.add(参保年月="202601", 联系电话="13800000001")])
    )
    desk.submit(xlsx_bytes("person_remove", [a.remove(停保年月="202603")]), "人员减少.xlsx")
    sheet = xlsx_bytes(
        "person_add", [a.add(参保年月="202611", 联系电话="13900000002", 失业保险="否")]
    )
    preview, _ = desk.submit(sheet, dry_run=True)
    (row,) = _decls(desk, preview).values()
    assert row.status == "valid" and row.action == "change"
    changes = {c[0]: (c[1], c[2]) for c in row.changes}
    assert changes["联系电话"] == ("13800000001", "13900000002")
    assert changes["养老保险"] == ("否", "是")
    assert changes["参保年月"] == ("", "202611")
    assert "失业保险" not in changes  # 否 before, 否 now
    assert "出生日期" not in changes and "性别" not in changes
    applied, _ = desk.submit(sheet)
    (done,) = _decls(desk, applied).values()
    assert done.status == "applied" and done.changes == row.changes
    assert done.before["联系电话"] == "13800000001" and done.before["养老保险"] == "否"
    assert first != applied


def test_revert_restores_the_registry_exactly(desk):
    known, new = person(4), person(5)
    desk.submit(
        xlsx_bytes("person_add", [known.add(参保年月="202601", 民族="", 联系电话="13800000004")])
    )
    desk.submit(xlsx_bytes("person_remove", [known.remove(停保年月="202604")]), "人员减少.xlsx")
    before = registry_dump(desk.url)
    sheet = xlsx_bytes(
        "person_add",
        [
            known.add(参保年月="202611", 民族="汉族", 联系电话="13900000004", 户口性质="农村"),
            new.add(),
        ],
    )
    batch_id, outcome = desk.submit(sheet)
    assert sorted(outcome.status.values()) == ["applied", "applied"]
    assert registry_dump(desk.url) != before
    _revert(desk, batch_id)
    assert registry_dump(desk.url) == before
