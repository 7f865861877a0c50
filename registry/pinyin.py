"""Pinyin sort keys of person names, so lists sort the way Chinese users expect on SQLite
and PostgreSQL alike (neither has a pinyin collation on both).

A key is each character's pinyin with its tone number, syllables separated by a space
(张伟 → "zhang1 wei3"): a space sorts before every letter, so 李娜 (li3) comes before
廉 (lian2), and the tone orders homophones. Characters without pinyin (letters, the
middle dot) are kept lower-cased. Keys are stored in `person_name_keys` with the name they
were computed from; `refresh_name_keys` fills missing and stale keys set-wise, and
`store_name_keys` lets a bulk writer (the importer's apply) keep them current on write.
"""

from __future__ import annotations

from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from registry.models import Enrolment, Person
from registry.query_models import PersonNameKey

KEY_LENGTH = 240


def sort_key(name: str) -> str:
    """The pinyin sort key of `name` ("zhang1 wei3" for 张伟)."""
    syllables = lazy_pinyin(name or "", style=Style.TONE3, neutral_tone_with_five=True)
    return " ".join(s.strip().lower() for s in syllables if s.strip())[:KEY_LENGTH]


def store_name_keys(session: Session, persons: Iterable[tuple[str, str]]) -> int:
    """Write the keys of (id number, name) pairs, replacing older ones; returns how many."""
    pairs = dict(persons)
    if not pairs:
        return 0
    ids = list(pairs)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        session.execute(delete(PersonNameKey).where(PersonNameKey.person_id.in_(chunk)))
    session.execute(
        insert(PersonNameKey),
        [{"person_id": p, "name": n, "sort_key": sort_key(n)} for p, n in pairs.items()],
    )
    return len(pairs)


def refresh_name_keys(session: Session, employer_id: int | None = None) -> int:
    """Compute the keys that are missing or stale (of one employer's persons, or of all)."""
    stmt = (
        select(Person.id_number, Person.name)
        .outerjoin(PersonNameKey, PersonNameKey.person_id == Person.id_number)
        .where(or_(PersonNameKey.person_id.is_(None), PersonNameKey.name != Person.name))
    )
    if employer_id is not None:
        mine = select(Enrolment.person_id).where(Enrolment.employer_id == employer_id)
        stmt = stmt.where(Person.id_number.in_(mine))
    return store_name_keys(session, [(p, n) for p, n in session.execute(stmt)])
