"""The beat's assessment books a person added back-dated in every month since, not only
the previous one, and re-running it books nothing more; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from registry.policy import set_setting
from registry.query_models import Contribution
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person
from worker import assess_task

pytestmark = pytest.mark.integration


class _FirstOfDecember(dt.date):
    @classmethod
    def today(cls):
        return cls(2026, 12, 1)


def test_back_dated_months_are_booked_by_the_beat(
    db_url, employer_id, policy_restored, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setattr(assess_task, "dt", SimpleNamespace(date=_FirstOfDecember))
    with UnitOfWork.for_url(db_url) as uow:
        set_setting(uow.session, "backdate_months", "3")
        # Entered in December with 参保年月 three months back.
        bulk_persons(uow.session, employer_id, [person(id_number(0), "张伟")], start_month="202609")
        uow.commit()
    out = assess_task.assess_task.run()
    assert list(out) == ["202609", "202610", "202611", "202612"]
    assert out["202609"]["assessed"] == 4 and out["202609"]["insurances"]["110"]["persons"] == 1
    again = assess_task.assess_task.run()
    assert all(r["assessed"] == r["corrected"] == 0 for r in again.values())
    with UnitOfWork.for_url(db_url) as uow:
        booked = uow.session.scalars(
            select(Contribution.month).group_by(Contribution.month).order_by(Contribution.month)
        ).all()
        rows = uow.session.scalar(select(func.count()).select_from(Contribution))
    assert booked == ["202609", "202610", "202611", "202612"] and rows == 16
