"""人员缴费信息 across employers and the roster's links to it, on SQLite and PostgreSQL:
a reviewer sees a person's months at every employer, a clerk only those at its own, a
person never enrolled at the viewer's employer answers 404; roster names link to the
person by an enrolment number (never the ID number), the ID masked in the list and full
on the person's page."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from registry.assess import assess_month
from registry.models import Enrolment
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person
from tests.web.conftest import OTHER_LOGIN, OTHER_PASSWORD, login

pytestmark = pytest.mark.integration

MOVER = id_number(7)  # 赵敏: at 12345678 for 202401-202406, at 87654321 from 202407
STAYER = id_number(8)  # 黄强: only ever at 12345678
MASKED = re.compile(r"330682\*{8}\d{3}[0-9X]")


@pytest.fixture
def two_employers(db_url, employer_id, other_employer):
    """赵敏 moved from the first employer (stopped from 202407) to the second; 黄强 stayed;
    January to December 2024 assessed."""
    with UnitOfWork.for_url(db_url) as uow:
        s = uow.session
        bulk_persons(s, employer_id, [person(MOVER, "赵敏"), person(STAYER, "黄强")],
                     start_month="202401", base="6000", insurances=("110",))  # fmt: skip
        s.execute(update(Enrolment).where(Enrolment.person_id == MOVER)
                  .values(status="stopped", end_month="202407", stop_reason="调出"))  # fmt: skip
        s.execute(Enrolment.__table__.insert(), [{"person_id": MOVER, "employer_id": other_employer,
                  "insurance": "110", "start_month": "202407", "status": "active"}])  # fmt: skip
        from registry.models import ContributionBase

        s.add(ContributionBase(person_id=MOVER, employer_id=other_employer, effective_month="202407",
                               declared_wage=7000, base=7000))  # fmt: skip
        for m in range(1, 13):
            assess_month(s, f"2024{m:02d}")
        uow.commit()


def _other(app):
    client = app.test_client()
    login(client, OTHER_LOGIN, OTHER_PASSWORD)
    return client


def _months(html: str) -> set[str]:
    return set(re.findall(r"2024年\d{1,2}月", html))


def test_reviewer_sees_every_employer(reviewer, two_employers):
    html = reviewer.post("/queries/person", data={"id_number": MOVER}).get_data(as_text=True)
    assert "赵敏" in html and MOVER in html  # the full number on the person's own page
    assert "上虞示例制造有限公司" in html and "另一家单位" in html
    assert _months(html) == {f"2024年{m}月" for m in range(1, 13)}
    # 202406 at 6,000 × 16 % = 960.00 at the first employer; 202407 at 7,000 × 16 % = 1,120.00.
    assert "960.00" in html and "1,120.00" in html
    sheet = load_workbook(io.BytesIO(
        reviewer.post("/queries/person.xlsx", data={"id_number": MOVER}).data)).worksheets[0]  # fmt: skip
    employers = {row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]}
    assert employers == {"上虞示例制造有限公司", "另一家单位"}


def test_each_employer_sees_only_its_own_months(app, clerk, two_employers):
    html = clerk.post("/queries/person", data={"id_number": MOVER}).get_data(as_text=True)
    assert _months(html) == {f"2024年{m}月" for m in range(1, 7)}
    assert "另一家单位" not in html and "1,120.00" not in html
    other = _other(app)
    html = other.post("/queries/person", data={"id_number": MOVER}).get_data(as_text=True)
    assert _months(html) == {f"2024年{m}月" for m in range(7, 13)}
    assert "上虞示例制造有限公司" not in html and "960.00" not in html
    # 黄强 was never at the second employer: the page and the export answer 404.
    assert other.post("/queries/person", data={"id_number": STAYER}).status_code == 404
    assert other.post("/queries/person.xlsx", data={"id_number": STAYER}).status_code == 404


def _links(html: str) -> dict[str, str]:
    """Roster name → the link of its row."""
    found = re.findall(r'<a href="(/queries/person\?[^"]+)">([^<]+)</a>', html)
    return {name: href.replace("&amp;", "&") for href, name in found}


def test_roster_links_to_the_person_page(app, clerk, db_url, two_employers):
    html = clerk.get("/queries/roster").get_data(as_text=True)
    links = _links(html)
    assert set(links) == {"赵敏", "黄强"}
    assert MOVER not in html and STAYER not in html and len(MASKED.findall(html)) == 2
    assert all(MOVER not in href and STAYER not in href for href in links.values())
    page = clerk.get(links["黄强"]).get_data(as_text=True)
    assert "黄强" in page and STAYER in page and len(_months(page)) == 12
    page = clerk.get(links["赵敏"]).get_data(as_text=True)
    assert MOVER in page and _months(page) == {f"2024年{m}月" for m in range(1, 7)}
    # Another employer following the first one's link, or guessing numbers: 404.
    other = _other(app)
    assert other.get(links["黄强"]).status_code == 404
    with UnitOfWork.for_url(db_url) as uow:
        theirs = uow.session.scalar(select(Enrolment.id).where(Enrolment.employer_id != 1,
                                                               Enrolment.person_id == MOVER))  # fmt: skip
    assert clerk.get(f"/queries/person?ref={theirs}").status_code == 404
    for bad in ("abc", "99999999999", "-1", ""):
        assert clerk.get(f"/queries/person?ref={bad}").status_code == 404, bad


def test_reviewer_roster_links_keep_the_employer(reviewer, two_employers):
    html = reviewer.get("/queries/roster?employer=12345678").get_data(as_text=True)
    links = _links(html)
    assert set(links) == {"赵敏", "黄强"} and "employer=12345678" in links["赵敏"]
    assert MOVER not in html
    page = reviewer.get(links["赵敏"]).get_data(as_text=True)
    assert MOVER in page and "另一家单位" in page and len(_months(page)) == 12
