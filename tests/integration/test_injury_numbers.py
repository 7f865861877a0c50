"""认定编号 under concurrency, on SQLite and on PostgreSQL: sessions on threads of their own
draw numbers and approve reports at the same moment; every issued number is unique, a
rolled-back one is never issued, and one declaration is approved once. Also the 0005
migration: its tables match the models, and it goes down and up again."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from importer.kinds import get_kind
from importer.kinds.base import Decision, DecisionRefused
from registry.db import get_engine
from registry.injuries import next_injury_no
from registry.models import Base
from registry.uow import UnitOfWork
from tests.integration.injury_support import enrol, injuries, report, report_row
from tests.integration.test_migrations import _config, fresh_url  # noqa: F401  (fixture)
from tests.integration.test_pipeline_support import TODAY_TEXT, person

pytestmark = pytest.mark.integration
THREADS = 6
KIND = get_kind("injury_report")
INJURY_TABLES = {"injuries", "appraisals", "injury_counters"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("SHEBAO_TODAY", TODAY_TEXT)


def _together(work, count: int) -> list:
    """`work(i)` on `count` threads released at the same moment; their results."""
    start = threading.Barrier(count)

    def run(i: int):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_numbers_drawn_at_once_are_unique_and_rollbacks_issue_none(db_url):
    def draw(i: int) -> list[str]:
        kept = []
        for n in range(5):
            with UnitOfWork.for_url(db_url) as uow:
                number = next_injury_no(uow.session, 2026)
                if (i + n) % 3 == 0:
                    uow.rollback()  # an approval that failed later: its number goes back
                else:
                    uow.commit()
                    kept.append(number)
        return kept

    issued = [n for batch in _together(draw, THREADS) for n in batch]
    assert len(issued) == len(set(issued))
    # Rolled-back draws were undone with their transaction, so the issued ones are 1..N.
    assert sorted(issued) == [f"GS2026{k:05d}" for k in range(1, len(issued) + 1)]
    with UnitOfWork.for_url(db_url) as uow:
        assert next_injury_no(uow.session, 2027) == "GS202700001"
        assert next_injury_no(uow.session, 2026) == f"GS2026{len(issued) + 1:05d}"


def test_concurrent_approvals_get_distinct_numbers_and_one_declaration_is_approved_once(desk):
    people = [person(i) for i in range(THREADS)]
    enrol(desk, *people)
    batch_id, outcome = report(desk, [report_row(p) for p in people])
    assert set(outcome.status.values()) == {"pending_review"}
    declarations = list(desk.declarations(batch_id).values())

    def approve(i: int) -> str:
        with desk.uow() as uow:
            result = KIND.approve(
                uow.session, declarations[i], Decision(True, f"reviewer{i}", outcome="认定工伤")
            )
            uow.commit()
            return result["injury_no"]

    numbers = _together(approve, THREADS)
    assert sorted(numbers) == [f"GS2026{k:05d}" for k in range(1, THREADS + 1)]
    assert {i.injury_no for i in injuries(desk)} == set(numbers)

    more = [person(10), person(11)]
    enrol(desk, *more)
    batch_id, _ = report(desk, [report_row(p) for p in more])
    target = desk.declarations(batch_id)[3]

    def same(i: int) -> str:
        try:
            with desk.uow() as uow:
                result = KIND.approve(uow.session, target, Decision(True, "r", outcome="视同工伤"))
                uow.commit()
                return result["injury_no"]
        except DecisionRefused as refused:
            return refused.message

    first, second = sorted(_together(same, 2))
    assert first == f"GS2026{THREADS + 1:05d}" and "没有待审核的记录" in second
    approved = [i for i in injuries(desk) if i.declaration_id == target.id]
    assert [(i.state, i.injury_no) for i in approved] == [("approved", first)]


def test_models_match_the_migration(db_url):
    engine = get_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Only our tables' differences: other branches' migrations are not ours to judge.
    ours = [d for d in diff if any(f"'{t}'" in repr(d) for t in INJURY_TABLES)]
    assert ours == []


def test_migration_0006_injuries_goes_down_and_up(fresh_url):  # noqa: F811
    cfg = _config(fresh_url)
    command.upgrade(cfg, "head")
    engine = create_engine(fresh_url)
    assert INJURY_TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()
    command.downgrade(cfg, "0005")  # the revision the injuries migration follows
    engine = create_engine(fresh_url)
    assert not INJURY_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()
    command.upgrade(cfg, "head")
