"""Registry rows for query tests, written straight into the tables (set-wise), so a test
can hold 50,000 persons without going through sheets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from registry.models import ContributionBase, Enrolment, Person
from validators.idcard import check_char

INSURANCES = ("110", "310", "210", "410")


def id_number(n: int, birth: str = "19900115", male: bool = True) -> str:
    """A valid 18-digit ID number, different for each n (< 500 per birth date)."""
    seq = 2 * (n % 500) + (1 if male else 2)
    first17 = f"330682{birth}{seq:03d}"
    return first17 + check_char(first17)


def bulk_persons(
    session: Session,
    employer_id: int,
    persons: list[dict],
    start_month: str = "202601",
    base: str = "6500",
    insurances: tuple[str, ...] = INSURANCES,
) -> None:
    """Persons (dicts of Person columns) enrolled at the employer in `insurances` from
    `start_month`, with a base from that month."""
    session.execute(Person.__table__.insert(), persons)
    session.execute(
        Enrolment.__table__.insert(),
        [
            {"person_id": p["id_number"], "employer_id": employer_id, "insurance": ins,
             "start_month": start_month, "status": "active"}
            for p in persons for ins in insurances
        ],
    )  # fmt: skip
    session.execute(
        ContributionBase.__table__.insert(),
        [
            {"person_id": p["id_number"], "employer_id": employer_id, "effective_month": start_month,
             "declared_wage": Decimal(base), "base": Decimal(base), "clamped": False}
            for p in persons
        ],
    )  # fmt: skip


def person(
    id_no: str, name: str, gender: str = "男", birth: dt.date | None = None, identity: str = "工人"
) -> dict:
    """A person row."""
    if birth is None:
        birth = dt.date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14]))
    return {"id_number": id_no, "name": name, "gender": gender, "birth_date": birth,
            "identity": identity, "id_type": "居民身份证", "updated_at": dt.datetime(2026, 1, 1)}  # fmt: skip


def many_persons(count: int, name_stem: str = "张", first: int = 0) -> list[dict]:
    """`count` distinct persons numbered from `first` (birth dates spread from 1970 on)."""
    out = []
    for n in range(first, first + count):
        day = dt.date(1970, 1, 1) + dt.timedelta(days=n // 500)
        out.append(
            person(id_number(n, day.strftime("%Y%m%d")), f"{name_stem}{n % 97}号", birth=day)
        )
    return out
