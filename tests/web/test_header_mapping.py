"""The hand mapping step on the page of a file refused for missing columns."""

from __future__ import annotations

import pytest

from tests.builders import xlsx_bytes
from tests.web.conftest import batch_id_of, person_add_row, upload

pytestmark = pytest.mark.integration


def _own_sheet() -> bytes:
    from importer.kinds import spec_of

    headers = ["实发基数" if h == "月缴费工资" else h for h in spec_of("person_add").headers]
    return xlsx_bytes("person_add", [person_add_row(0)], headers=headers)


def test_clerk_maps_an_unknown_header_once_and_it_is_remembered(clerk):
    failed = batch_id_of(upload(clerk, _own_sheet()))
    html = clerk.get(f"/batches/{failed}").get_data(as_text=True)
    assert 'id="map-headers"' in html and '<option value="实发基数">' in html
    response = clerk.post(f"/batches/{failed}/map-headers", data={"map:月缴费工资": "实发基数"})
    again = batch_id_of(response)
    page = clerk.get(f"/batches/{again}").get_data(as_text=True)
    assert "按本单位上次的对应" in page
    # The next upload of such a sheet needs no mapping.
    later = batch_id_of(upload(clerk, _own_sheet()))
    assert "map-headers" not in clerk.get(f"/batches/{later}").get_data(as_text=True)


def test_a_choice_not_in_the_sheet_is_refused(clerk):
    failed = batch_id_of(upload(clerk, _own_sheet()))
    response = clerk.post(f"/batches/{failed}/map-headers", data={"map:月缴费工资": "别的列"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#map-headers")


def test_reviewer_sees_no_mapping_form_and_cannot_post_it(clerk, reviewer):
    failed = batch_id_of(upload(clerk, _own_sheet()))
    assert 'id="map-headers"' not in reviewer.get(f"/batches/{failed}").get_data(as_text=True)
    assert reviewer.post(f"/batches/{failed}/map-headers", data={}).status_code == 404
