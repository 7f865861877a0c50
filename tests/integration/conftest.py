"""Fixtures shared by the integration tests of the pipeline and its reports."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from registry.models import PolicyInterest, PolicySetting
from registry.policy import seed_defaults
from registry.uow import UnitOfWork
from tests.integration.test_pipeline_support import Desk


@pytest.fixture
def desk(db_url, employer_id) -> Desk:
    """The employer's upload desk, on SQLite and on PostgreSQL in turn."""
    return Desk(db_url, employer_id)


@pytest.fixture
def policy_restored(db_url):
    """The policy tables back to their defaults afterwards: they outlive a test on the
    session's PostgreSQL database."""
    yield
    with UnitOfWork.for_url(db_url) as uow:
        for table in (PolicySetting, PolicyInterest):
            uow.session.execute(delete(table))
        seed_defaults(uow.session)
        uow.commit()
