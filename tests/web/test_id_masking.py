"""ID numbers are masked (first 6, last 4) in every message shown in lists and in logs;
the error report keeps what was typed."""

from __future__ import annotations

import io
import logging

import openpyxl
import pytest

from shebao.masking import mask_ids
from tests.web.conftest import batch_id_of, make_id, person_add_row, person_add_sheet, upload
from tests.web.test_api import bearer, token_for

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "证件号码 330682198609309578 在本表中出现了 2 次",
            "证件号码 330682********9578 在本表中出现了 2 次",
        ),
        ("号码33068219860930957X重复", "号码330682********957X重复"),
        ("旧号码 330682860930957", "旧号码 330682*****0957"),
        ("19 位 3306821986093095781 不是证件号码", "19 位 3306821986093095781 不是证件号码"),
        ("工资 6500.00, 第 100000 行", "工资 6500.00, 第 100000 行"),
        (None, ""),
    ],
)
def test_mask_ids(text, masked):
    assert mask_ids(text) == masked


@pytest.fixture
def duplicate_batch(clerk) -> int:
    """A batch whose two rows carry the same ID number."""
    rows = [person_add_row(0), person_add_row(1, 证件号码=make_id(0))]
    return batch_id_of(upload(clerk, person_add_sheet(rows)))


def test_batch_page_never_shows_the_full_id(clerk, duplicate_batch):
    html = clerk.get(f"/batches/{duplicate_batch}").get_data(as_text=True)
    full = make_id(0)
    assert "在本表中出现" in html
    assert full not in html
    assert full[:6] + "********" + full[-4:] in html


def test_api_messages_are_masked(client, duplicate_batch):
    errors = client.get(
        f"/api/v1/batches/{duplicate_batch}/errors", headers=bearer(token_for(client))
    ).get_json()["errors"]
    messages = [e["message"] for e in errors]
    assert any("在本表中出现" in m for m in messages)
    assert not any(make_id(0) in m for m in messages)


def test_error_report_keeps_what_was_typed(clerk, duplicate_batch):
    book = openpyxl.load_workbook(
        io.BytesIO(clerk.get(f"/batches/{duplicate_batch}/report.xlsx").data)
    )
    cells = [
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert any(make_id(0) in c and "出现" in c for c in cells)


def test_logs_are_masked(app, caplog):
    full = make_id(3)
    with caplog.at_level(logging.INFO):
        logging.getLogger("shebao.test").warning("row of %s refused", full)
        try:
            raise ValueError(f"bad {full}")
        except ValueError:
            logging.getLogger("shebao.test").exception("failed")
    text = caplog.text
    assert full not in text and full[:6] + "********" + full[-4:] in text
