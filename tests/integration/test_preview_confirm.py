"""预览 and 确认申报 through the pipeline, per kind: what a preview shows (action, old → new),
that confirming applies exactly what a direct upload applies, and that rows the registry
moved on between preview and confirm are judged again and listed.

Each kind's story is one `PreviewCase` in `CASES` (sheets applied first, the previewed
sheet, the action and changes expected per Excel row, a sheet applied between preview and
confirm and the rows it moves): add a kind by adding its case.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from importer.confirm import ConfirmNotFound, ConfirmRefused, request_confirm
from registry.change_queries import action_counts, flat_changes
from registry.uow import UnitOfWork
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import Desk, person, second_employer
from tests.registry_dump import registry_dump

pytestmark = pytest.mark.integration

Sheet = tuple[str, bytes]  # (file name, workbook)
FIRST_ROW = 3  # the first data row of a standard template (title, header)


@dataclass(frozen=True)
class PreviewCase:
    """One kind's preview story (see the module docstring)."""

    kind: str
    before: Callable[[], list[Sheet]]
    sheet: Callable[[], Sheet]
    # Excel row → (action, {column: (old, new)} of every change the row must show).
    expected: dict[int, tuple[str, dict[str, tuple[str, str]]]]
    moved: Callable[[], Sheet]
    moved_rows: set[int] = field(default_factory=set)


def _add(*rows) -> Sheet:
    return "人员增加.xlsx", xlsx_bytes("person_add", list(rows))


def _remove(*rows) -> Sheet:
    return "人员减少.xlsx", xlsx_bytes("person_remove", list(rows))


# Person 1 comes back with a new phone and 养老保险; 2 is new; 3's row was applied as is;
# row 4's phone is wrong. Between preview and confirm another batch adds person 2.
A, B, C = person(1), person(2), person(3)
PERSON_ADD = PreviewCase(
    kind="person_add",
    before=lambda: [
        _add(A.add(参保年月="202601", 联系电话="13800000001", 养老保险="否"), C.add()),
        _remove(A.remove(停保年月="202603")),
    ],
    sheet=lambda: _add(
        A.add(参保年月="202611", 联系电话="13900000002"),
        B.add(),
        C.add(),
        person(4).add(联系电话="1"),
    ),
    expected={
        FIRST_ROW: (
            "change",
            {"联系电话": ("13800000001", "13900000002"), "养老保险": ("否", "是")},
        ),
        FIRST_ROW + 1: ("add", {}),
        FIRST_ROW + 2: ("unchanged", {}),
        FIRST_ROW + 3: ("rejected", {}),
    },
    moved=lambda: _add(B.add()),
    moved_rows={FIRST_ROW + 1},
)
CASES = [PERSON_ADD]
# Kinds whose confirm must equal their direct upload (no `current` hook needed).
EQUAL_CASES = CASES + [
    PreviewCase(
        kind="person_remove",
        before=lambda: [_add(A.add(), B.add())],
        sheet=lambda: _remove(A.remove(), B.remove(停保年月="202612"), C.remove()),
        expected={},
        moved=lambda: _remove(A.remove()),
    )
]


def _ids(cases):
    return [c.kind for c in cases]


def _preview(desk: Desk, case: PreviewCase) -> int:
    for name, data in case.before():
        desk.submit(data, name)
    name, data = case.sheet()
    batch_id, _ = desk.submit(data, name, dry_run=True)
    return batch_id


def _confirm(desk: Desk, batch_id: int) -> None:
    request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    desk.run(batch_id)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_preview_shows_action_and_old_to_new(desk, case):
    before = registry_dump(desk.url)
    batch_id = _preview(desk, case)
    after_before_sheets = registry_dump(desk.url)
    decls = desk.declarations(batch_id)
    for row, (action, cells) in case.expected.items():
        d = decls[row]
        assert d.action == action, (row, d.action, d.changes)
        shown = {c[0]: (c[1], c[2]) for c in d.changes or []}
        assert {k: shown.get(k) for k in cells} == cells, (row, shown)
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
    for name, data in case.before():
        direct.submit(data, name)
    name, data = case.sheet()
    direct_id, _ = direct.submit(data, name)
    assert registry_dump(desk.url, times=False) == registry_dump(twin_url, times=False)
    confirmed, applied = desk.batch(batch_id), direct.batch(direct_id)
    figures = ("applied", "rejected", "unchanged", "pending_review", "warnings", "status")
    assert [getattr(confirmed, f) for f in figures] == [getattr(applied, f) for f in figures]
    ours, theirs = desk.declarations(batch_id), direct.declarations(direct_id)
    assert {r: (d.status, d.action, d.changes) for r, d in ours.items()} == {
        r: (d.status, d.action, d.changes) for r, d in theirs.items()
    }
    assert not desk.warnings(batch_id) ^ direct.warnings(direct_id)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_confirm_after_the_registry_moved_judges_rows_again(desk, case):
    batch_id = _preview(desk, case)
    shown = {r: d.action for r, d in desk.declarations(batch_id).items()}
    name, data = case.moved()
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
    if any(decls[r].status == "unchanged" for r in case.moved_rows):
        assert registry_dump(desk.url) != moved_state  # the other rows were applied


def test_the_judged_again_message_says_before_and_now(desk):
    batch_id = _preview(desk, PERSON_ADD)
    desk.submit(*reversed(PERSON_ADD.moved()))
    _confirm(desk, batch_id)
    (issue,) = [i for i in desk.issues(batch_id) if i.code == "judged_again"]
    assert issue.message.startswith("预览后登记信息有变化, 本行已按最新信息重新判定")
    assert "预览时为「新增」, 现在为「无变化」" in issue.message


def test_a_crash_mid_confirm_keeps_the_snapshot(desk):
    batch_id = _preview(desk, PERSON_ADD)
    desk.submit(*reversed(PERSON_ADD.moved()))
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
    direct, _ = desk.submit(*reversed(_add(person(9).add())))
    with pytest.raises(ConfirmRefused, match="不是预览批次"):
        request_confirm(desk.uow(), direct, desk.employer_id, "test")
    _confirm(desk, batch_id)
    with pytest.raises(ConfirmRefused, match="已经确认申报过了"):
        request_confirm(desk.uow(), batch_id, desk.employer_id, "test")
    assert desk.batch(batch_id).applied == 2  # 1 变更 + 1 新增


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
