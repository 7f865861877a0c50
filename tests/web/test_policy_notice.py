"""Missing base limits are the operator's to-do: told to reviewers, never to clerks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from registry.policy import base_limits_notice, set_base_limit
from registry.uow import UnitOfWork

pytestmark = pytest.mark.integration


def test_notice_names_the_missing_year_and_the_command(db_url):
    with UnitOfWork.for_url(db_url) as uow:
        notice = base_limits_notice(uow.session, dt.date(2026, 11, 29))
        assert notice and "2026 年" in notice and "按 2024 年的标准" in notice
        assert "shebao policy base-limit --year 2026" in notice
        # In December next year's figures are wanted too.
        assert "2026、2027 年" in base_limits_notice(uow.session, dt.date(2026, 12, 1))
        set_base_limit(uow.session, 2026, Decimal("5000"), Decimal("25000"))
        uow.session.flush()
        assert base_limits_notice(uow.session, dt.date(2026, 11, 29)) is None


def test_reviewer_home_shows_it_and_the_clerk_home_does_not(reviewer, clerk):
    assert "缴费基数上下限尚未录入" in reviewer.get("/").get_data(as_text=True)
    assert "缴费基数上下限尚未录入" not in clerk.get("/").get_data(as_text=True)
