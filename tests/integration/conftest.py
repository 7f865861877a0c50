"""Fixtures shared by the integration tests of the pipeline and its reports."""

from __future__ import annotations

import pytest

from tests.integration.test_pipeline_support import Desk


@pytest.fixture
def desk(db_url, employer_id) -> Desk:
    """The employer's upload desk, on SQLite and on PostgreSQL in turn."""
    return Desk(db_url, employer_id)
