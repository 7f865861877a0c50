"""Every workbook the web writes is formula-safe: no cell holds a formula, and no text
cell starts with a character that would make Excel (or a CSV round trip) evaluate it."""

from __future__ import annotations

import io

import openpyxl
import pytest

from importer.kinds import SPECS as KINDS
from tests.web.conftest import batch_id_of, person_add_row, person_add_sheet, upload
from tests.web.test_api import bearer, token_for

pytestmark = pytest.mark.integration

HOSTILE_NAMES = ["=HYPERLINK(A1).xlsx", "+1+1.xlsx", "-2+3.xlsx", "@SUM(A1).xlsx"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def assert_formula_safe(data: bytes, where: str) -> int:
    """Every cell of every sheet checked; returns how many text cells were seen."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{where} {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    seen += 1
                    assert not cell.value.startswith(TRIGGERS), (
                        f"{where} {sheet.title}!{cell.coordinate}: {cell.value!r}"
                    )
    return seen


@pytest.fixture
def hostile_batches(clerk) -> list[int]:
    """Batches uploaded under file names that would be formulas, rows with such text."""
    ids = []
    for i, name in enumerate(HOSTILE_NAMES):
        # "+1+2", not "=1+2": openpyxl would store the latter as a formula without a value,
        # which the reader refuses as a whole file (a test of its own).
        rows = [person_add_row(i), person_add_row(i + 10, 姓名="+1+2", 备注="@cmd")]
        ids.append(batch_id_of(upload(clerk, person_add_sheet(rows), name=name)))
    return ids


def test_every_web_workbook_is_formula_safe(clerk, hostile_batches):
    downloads = ["/queries/batches.xlsx", "/queries/roster.xlsx"]
    for batch_id in hostile_batches:
        downloads += [f"/batches/{batch_id}/report.xlsx", f"/batches/{batch_id}/corrections.xlsx"]
    downloads += [f"/declare/{kind}/template.xlsx" for kind in KINDS]
    for path in downloads:
        response = clerk.get(path)
        assert response.status_code == 200, path
        assert assert_formula_safe(response.data, path) > 0


def test_the_batch_list_keeps_the_names_visible_behind_the_quote(clerk, hostile_batches):
    book = openpyxl.load_workbook(io.BytesIO(clerk.get("/queries/batches.xlsx").data))
    names = {row[2] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert {"'" + n for n in HOSTILE_NAMES} <= names, names


def test_every_api_workbook_is_formula_safe(clerk, client, hostile_batches):
    token = token_for(client)
    paths = [f"/api/v1/templates/{kind}.xlsx" for kind in KINDS]
    for batch_id in hostile_batches:
        paths += [f"/api/v1/batches/{batch_id}/report.xlsx",
                  f"/api/v1/batches/{batch_id}/corrections.xlsx"]  # fmt: skip
    for path in paths:
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 200, path
        assert_formula_safe(response.data, path)
