"""Monthly assessment on SQLite and PostgreSQL: amounts from base and dated rates (work
injury by industry class), idempotent re-runs, a late base and a back-dated stop booked
as corrections."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select, update

from registry.assess import assess_month
from registry.models import ContributionBase, Employer, Enrolment
from registry.query_models import Contribution
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person

pytestmark = pytest.mark.integration


def _fen(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def staffed(db_url, employer_id):
    """Two persons from 202601 at base 4812.35 (amounts with halves of a fen), class 3."""
    with UnitOfWork.for_url(db_url) as uow:
        rows = [person(id_number(0), "张伟"), person(id_number(1), "王芳")]
        bulk_persons(uow.session, employer_id, rows, base="4812.35")
        uow.session.execute(update(Employer).values(risk_class=3))
        uow.commit()
    return rows


def _booked(db_url, month: str) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    with UnitOfWork.for_url(db_url) as uow:
        rows = uow.session.execute(
            select(Contribution.person_id, Contribution.insurance,
                   func.sum(Contribution.employer_amount), func.sum(Contribution.employee_amount))
            .where(Contribution.month == month)
            .group_by(Contribution.person_id, Contribution.insurance)
        )  # fmt: skip
        return {(p, i): (_fen(Decimal(str(er))), _fen(Decimal(str(ee)))) for p, i, er, ee in rows}


def test_amounts_from_base_and_rates(db_url, staffed):
    with UnitOfWork.for_url(db_url) as uow:
        result = assess_month(uow.session, "202603")
        uow.commit()
    assert result.assessed == 8 and result.corrected == 0
    base = Decimal("4812.35")
    booked = _booked(db_url, "202603")
    assert booked[(id_number(0), "110")] == (
        _fen(base * Decimal("0.16")),
        _fen(base * Decimal("0.08")),
    )
    # 4812.35 × 0.005 = 24.06175 and × 0.095 = 457.17325: rounded the same on both databases.
    assert booked[(id_number(0), "210")] == (Decimal("24.06"), Decimal("24.06"))
    assert booked[(id_number(0), "310")] == (Decimal("457.17"), _fen(base * Decimal("0.02")))
    assert booked[(id_number(0), "410")] == (_fen(base * Decimal("0.007")), Decimal("0.00"))
    assert result.totals["110"] == {
        "persons": 2,
        "base": "9624.70",
        "employer": "1539.96",
        "employee": "769.98",
    }


def test_half_fen_rounds_up(db_url, employer_id):
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(
            uow.session,
            employer_id,
            [person(id_number(0), "李娜")],
            base="4462.50",
            insurances=("210",),
        )
        uow.commit()
        assess_month(uow.session, "202601")
        uow.commit()
    assert _booked(db_url, "202601")[(id_number(0), "210")] == (
        Decimal("22.31"),
        Decimal("22.31"),
    )  # 22.3125


def test_rerun_is_idempotent_and_corrections_are_rows(db_url, employer_id, staffed):
    with UnitOfWork.for_url(db_url) as uow:
        assess_month(uow.session, "202603")
        uow.commit()
        again = assess_month(uow.session, "202603")
        uow.commit()
        assert (again.assessed, again.corrected) == (0, 0)
        # A base declared late (effective 202603) and a stop entered back-dated (from 202603).
        uow.session.add(ContributionBase(person_id=id_number(0), employer_id=employer_id, effective_month="202603",
                                         declared_wage=Decimal(8000), base=Decimal(8000)))  # fmt: skip
        uow.session.execute(
            update(Enrolment).where(Enrolment.person_id == id_number(1))
            .values(status="stopped", end_month="202603", stop_reason="辞职")
        )  # fmt: skip
        uow.commit()
        fixed = assess_month(uow.session, "202603")
        uow.commit()
        assert (fixed.assessed, fixed.corrected) == (0, 8)
        assert assess_month(uow.session, "202603").corrected == 0
        uow.commit()
        kinds = dict(uow.session.execute(
            select(Contribution.kind, func.count()).group_by(Contribution.kind)).all())  # fmt: skip
    assert kinds == {"assessed": 8, "correction": 8}
    booked = _booked(db_url, "202603")
    assert booked[(id_number(0), "110")] == (Decimal("1280.00"), Decimal("640.00"))
    assert booked[(id_number(1), "110")] == (Decimal("0.00"), Decimal("0.00"))
    # 202602 is untouched by the stop from 202603.
    with UnitOfWork.for_url(db_url) as uow:
        assess_month(uow.session, "202602")
        uow.commit()
    assert _booked(db_url, "202602")[(id_number(1), "110")] == (
        Decimal("769.98"),
        Decimal("384.99"),
    )


def test_dated_rate_change_corrects_only_its_insurance(db_url, staffed):
    """A 110 rate published late from 202603: re-running 202603 corrects 110 for both
    persons and nothing else; 202602 keeps the old rate."""
    from registry.models import PolicyRate

    with UnitOfWork.for_url(db_url) as uow:
        for m in ("202602", "202603"):
            assess_month(uow.session, m)
        uow.commit()
        uow.session.add(PolicyRate(insurance="110", valid_from="202603", industry_class=None,
                                   employer_rate=Decimal("0.15"), employee_rate=Decimal("0.08")))  # fmt: skip
        uow.commit()
        assert assess_month(uow.session, "202602").corrected == 0
        fixed = assess_month(uow.session, "202603")
        uow.commit()
        corrections = uow.session.execute(
            select(Contribution.insurance, Contribution.employer_amount, Contribution.employee_amount)
            .where(Contribution.kind == "correction")
        ).all()  # fmt: skip
    assert (fixed.assessed, fixed.corrected) == (0, 2)
    # 4812.35 × 0.15 = 721.85 (721.8525) against 769.98 booked: −48.13 each, employee side unchanged.
    assert sorted(map(tuple, corrections)) == [("110", Decimal("-48.13"), Decimal("0.00"))] * 2
    assert fixed.totals["110"]["employer"] == "1443.70"
    assert _booked(db_url, "202602")[(id_number(0), "110")] == (
        Decimal("769.98"),
        Decimal("384.99"),
    )


def test_overlapping_enrolment_rows_book_once(db_url, employer_id, staffed):
    """A stopped enrolment whose end month lies after a re-enrolment's start (overlapping
    rows of one insurance) is still one key of the month, booked once."""
    with UnitOfWork.for_url(db_url) as uow:
        uow.session.add(Enrolment(person_id=id_number(0), employer_id=employer_id, insurance="110",
                                  start_month="202512", end_month="202605", status="stopped"))  # fmt: skip
        uow.commit()
        result = assess_month(uow.session, "202603")
        uow.commit()
    assert (result.assessed, result.corrected) == (8, 0)
    assert result.totals["110"]["persons"] == 2
