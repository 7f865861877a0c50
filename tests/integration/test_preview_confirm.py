"""预览 and 确认申报 through the pipeline, per kind: what a preview shows (action, old → new),
that confirming applies exactly what a direct upload applies, and that rows the registry
moved on between preview and confirm are judged again and listed.

Each kind's story is one `PreviewCase` in tests/integration/preview_cases.py (the registry
prepared first, the previewed sheet, the action and changes expected per Excel row, a
sheet applied between preview and confirm and the rows it moves): add a kind by adding
its case there.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from importer.confirm import ConfirmNotFound, ConfirmRefused, request_confirm
from importer.kinds import get_kind
from importer.review import decide
from importer.undo import UndoWindow, request_undo, run_undo
from registry.change_queries import action_counts, flat_changes
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.integration.preview_cases import CASES, FIRST_ROW, PERSON_ADD, PreviewCase
from tests.integration.test_pipeline_support import Desk, person, second_employer
from tests.registry_dump import registry_dump

pytestmark = pytest.mark.integration

# Every kind: confirm must apply (or send to review) exactly what a direct upload does.
EQUAL_CASES = CASES
MOVED_CASES = [c for c in CASES if c.moved is not None]


def _ids(cases):
    return [c.kind for c in cases]


def _previewed(desk: Desk, case: PreviewCase) -> tuple[int, Any]:
    """The registry prepared, the sheet previewed: the dry-run batch and what `before` gave."""
    prepared = case.before(desk)
    name, data = case.sheet(prepared)
    batch_id, _ = desk.submit(data, name, dry_run=True)
    return batch_id, prepared


def _preview(desk: Desk, case: PreviewCase) -> int:
    return _previewed(desk, case)[0]


def _confirm(desk: Desk, batch_id: int) -> None:
    request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    desk.run(batch_id)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_preview_shows_action_and_old_to_new(desk, case):
    before = registry_dump(desk.url)
    batch_id = _preview(desk, case)
    after_before_sheets = registry_dump(desk.url)
    decls = desk.declarations(batch_id)
    assert set(decls) == set(case.expected)
    for row, (action, cells) in case.expected.items():
        d = decls[row]
        assert d.action == action, (row, d.action, d.changes)
        # Exactly the columns the row changes, each old → new, nothing more.
        shown = {c[0]: (c[1], c[2]) for c in d.changes or []}
        assert shown == cells, (row, shown)
        assert set(shown) <= set(get_kind(case.kind).compared_columns)
        assert bool(shown) == (action == "change")
    assert desk.batch(batch_id).applied == 0
    # The preview applied nothing: the registry is as the earlier sheets left it.
    assert registry_dump(desk.url) == after_before_sheets != before
    with desk.uow() as uow:
        counts = action_counts(uow.session, batch_id)
        flat = flat_changes(uow.session, batch_id)
    wanted = [a for a, _ in case.expected.values()]
    assert counts == {a: wanted.count(a) for a in set(wanted)}
    changed = [e for e in flat if e["action"] == "change"]
    assert {e["field"] for e in changed} >= set(case.expected[FIRST_ROW][1])
    assert all(e["field"] is None for e in flat if e["action"] != "change")


@pytest.fixture
def twin_url(db_url, tmp_path):
    """A second, empty database of the same engine as `db_url`, with the same employer."""
    from tests.conftest import PG_ADMIN_URL, _migrated

    if db_url.startswith("sqlite"):
        url = _migrated(f"sqlite:///{tmp_path / 'twin.db'}")
        yield _with_employer(url)
        return
    import psycopg

    from registry.db import get_engine

    name = f"shebao_twin_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield _with_employer(_migrated(url))
    finally:
        get_engine(url).dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_employer(url: str) -> str:
    from registry.accounts import create_employer

    with UnitOfWork.for_url(url) as uow:
        create_employer(uow.session, "12345678", "上虞示例制造有限公司", "Passw0rd!")
        uow.commit()
    return url


@pytest.mark.parametrize("case", EQUAL_CASES, ids=_ids(EQUAL_CASES))
def test_confirm_applies_what_a_direct_upload_applies(desk, twin_url, case):
    batch_id = _preview(desk, case)
    _confirm(desk, batch_id)
    direct = Desk(twin_url, 1)
    name, data = case.sheet(case.before(direct))
    direct_id, _ = direct.submit(data, name)
    # Reviewed kinds leave pending rows beside their declarations in both: compared by link.
    assert registry_dump(desk.url, times=False, ids=False) == registry_dump(
        twin_url, times=False, ids=False
    )
    confirmed, applied = desk.batch(batch_id), direct.batch(direct_id)
    figures = ("applied", "rejected", "unchanged", "pending_review", "warnings", "status")
    assert [getattr(confirmed, f) for f in figures] == [getattr(applied, f) for f in figures]
    ours, theirs = _declared(desk, batch_id), _declared(direct, direct_id)
    assert ours == theirs
    assert not desk.warnings(batch_id) ^ direct.warnings(direct_id)
    if case.approval is None:
        assert "pending_review" not in {d[0] for d in ours.values()}
        return
    # What a reviewer approves of the confirmed preview is what they approve of the upload.
    assert "pending_review" in {d[0] for d in ours.values()}
    for one, batch in ((desk, batch_id), (direct, direct_id)):
        for d in one.declarations(batch).values():
            if d.status == "pending_review":
                decide(one.uow(), d.id, case.approval)
    assert registry_dump(desk.url, times=False, ids=False) == registry_dump(
        twin_url, times=False, ids=False
    )
    assert _declared(desk, batch_id) == _declared(direct, direct_id)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_undoing_a_confirmed_preview_restores_the_registry(desk, case):
    """The before-images a confirmation records put the registry back exactly; the rows
    it sent to review are withdrawn."""
    prepared = case.before(desk)
    before = registry_dump(desk.url)
    name, data = case.sheet(prepared)
    batch_id, _ = desk.submit(data, name, dry_run=True)
    _confirm(desk, batch_id)
    assert registry_dump(desk.url) != before or case.approval is not None
    statuses = [d.status for d in desk.declarations(batch_id).values()]
    request_undo(desk.uow(), batch_id, desk.employer_id, "clerk", UndoWindow("always"))
    result = run_undo(desk.uow(), batch_id)
    assert result == {"reverted": statuses.count("applied"), "kept": []}
    assert registry_dump(desk.url) == before
    after = [d.status for d in desk.declarations(batch_id).values()]
    assert after.count("undone") == statuses.count("applied")
    assert after.count("withdrawn") == statuses.count("pending_review")


def _declared(desk: Desk, batch_id: int) -> dict[int, tuple]:
    """Per Excel row, what a batch's declaration says: status, action, changes, the
    before-image undo puts back (but its time stamps), and what review and undo read
    (payload, key, person)."""
    return {
        row: (d.status, d.action, d.changes, _image(d.before), d.payload, d.natural_key,
              d.id_number)
        for row, d in desk.declarations(batch_id).items()
    }  # fmt: skip


def _image(before: dict | None) -> dict | None:
    # Its `_` columns are the registry's own stamps (a person's updated_at): times again.
    return None if before is None else {k: v for k, v in before.items() if not k.startswith("_")}


@pytest.mark.parametrize("case", MOVED_CASES, ids=_ids(MOVED_CASES))
def test_confirm_after_the_registry_moved_judges_rows_again(desk, case):
    assert case.moved is not None
    batch_id, prepared = _previewed(desk, case)
    shown = {r: d.action for r, d in desk.declarations(batch_id).items()}
    name, data = case.moved(prepared)
    desk.submit(data, name)
    moved_state = registry_dump(desk.url)
    _confirm(desk, batch_id)
    again = [i for i in desk.issues(batch_id) if i.code == "judged_again"]
    assert {i.excel_row for i in again} == case.moved_rows
    assert all(i.severity == "warning" and "预览时为「" in i.message for i in again)
    decls = desk.declarations(batch_id)
    assert "previewed" not in {d.status for d in decls.values()}
    for row in case.moved_rows:
        # Judged on the registry as it is now, not as the preview saw it.
        assert decls[row].action != shown[row]
        assert "judged_again" in {w["code"] for w in decls[row].warnings or []}
    # The rows the preview showed going ahead, but for the moved ones, went ahead (applied
    # or sent to review); when there were none, the confirmation changed nothing.
    going = {r for r, a in shown.items() if a in ("add", "change")} - case.moved_rows
    assert {r for r in going if decls[r].status in ("applied", "pending_review")} == going
    assert (registry_dump(desk.url) != moved_state) == bool(going)


def test_the_judged_again_message_says_before_and_now(desk):
    batch_id = _preview(desk, PERSON_ADD)
    desk.submit(*reversed(PERSON_ADD.moved(None)))
    _confirm(desk, batch_id)
    (issue,) = [i for i in desk.issues(batch_id) if i.code == "judged_again"]
    assert issue.message.startswith("预览后登记信息有变化, 本行已按最新信息重新判定")
    assert "预览时为「新增」, 现在为「无变化」" in issue.message


def test_a_crash_mid_confirm_keeps_the_snapshot(desk):
    batch_id = _preview(desk, PERSON_ADD)
    desk.submit(*reversed(PERSON_ADD.moved(None)))
    request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    # A worker killed inside the run: the pipeline's start ran, the run did not finish.
    from importer.pipeline import _start
    from registry.models import Batch

    with desk.uow() as uow:
        _start(uow, uow.session.get(Batch, batch_id))
    assert {d.status for d in desk.declarations(batch_id).values()} == {"previewed"}
    desk.run(batch_id)
    again = {i.excel_row for i in desk.issues(batch_id) if i.code == "judged_again"}
    assert again == PERSON_ADD.moved_rows


def test_only_a_finished_unconfirmed_preview_of_ones_own_can_be_confirmed(desk):
    batch_id = _preview(desk, PERSON_ADD)
    other = second_employer(desk.url)
    with pytest.raises(ConfirmNotFound):
        request_confirm(desk.uow(), batch_id, other, "test")
    queued = desk.upload(xlsx_bytes("person_add", [person(8).add()]), dry_run=True)
    with pytest.raises(ConfirmRefused, match="预览还没有完成"):
        request_confirm(desk.uow(), queued, desk.employer_id, "test")
    direct, _ = desk.submit(xlsx_bytes("person_add", [person(9).add()]))
    with pytest.raises(ConfirmRefused, match="不是预览批次"):
        request_confirm(desk.uow(), direct, desk.employer_id, "test")
    _confirm(desk, batch_id)
    with pytest.raises(ConfirmRefused, match="已经确认申报过了"):
        request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    assert desk.batch(batch_id).applied == 2  # 1 变更 + 1 新增
    # One audit entry, by the confirmation that went through (the refused ones wrote none).
    from sqlalchemy import select

    from registry.models import AuditEntry

    with desk.uow() as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "batch_confirm")
        ).all()
        assert [(e.actor, e.employer_id, e.detail) for e in entries] == [
            ("test", desk.employer_id, {"batch": batch_id})
        ]


def test_an_applied_row_judged_again_carries_the_warning(desk):
    """The warning reaches the declaration of a row the confirmation applied, too (its
    declaration is written before the comparison at the end of the run)."""
    from sqlalchemy import update

    from registry.models import Declaration

    batch_id = _preview(desk, PERSON_ADD)
    request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    # As if the preview had seen another phone on record for row 3.
    with desk.uow() as uow:
        uow.session.execute(
            update(Declaration)
            .where(Declaration.batch_id == batch_id, Declaration.excel_row == FIRST_ROW)
            .values(changes=[["联系电话", "13700000000", "13900000002"]])
        )
        uow.commit()
    desk.run(batch_id)
    row = desk.declarations(batch_id)[FIRST_ROW]
    assert row.status == "applied"
    (warning,) = [w for w in row.warnings or [] if w["code"] == "judged_again"]
    assert "联系电话 13700000000 → 13900000002" in warning["message"]
    assert {i.excel_row for i in desk.issues(batch_id) if i.code == "judged_again"} == {FIRST_ROW}


def test_a_confirmation_resumed_after_some_chunks_compares_them_too(desk, monkeypatch):
    """Killed after its first chunk was committed: the resumed run finds those rows
    applied by itself and compares what their declarations recorded (no false alarms)."""
    from importer import pipeline

    batch_id = _preview(desk, PERSON_ADD)
    request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    real, calls = pipeline._BatchRun._apply_chunk, []

    def dies_on_the_second_chunk(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pipeline._BatchRun, "_apply_chunk", dies_on_the_second_chunk)
    with pytest.raises(SystemExit):
        desk.run(batch_id, chunk_rows=1)
    monkeypatch.setattr(pipeline._BatchRun, "_apply_chunk", real)
    from sqlalchemy import select

    from registry.models import Declaration

    with desk.uow() as uow:
        mid = uow.session.execute(
            select(Declaration.status, Declaration.excel_row).where(
                Declaration.batch_id == batch_id
            )
        ).all()
    # One row applied beside the whole snapshot (the pipeline's start kept both).
    assert sorted(s for s, _ in mid) == ["applied"] + ["previewed"] * 4
    desk.run(batch_id, chunk_rows=1)
    assert not [i for i in desk.issues(batch_id) if i.code == "judged_again"]
    assert desk.batch(batch_id).applied == 2
