"""The header mappings an employer made by hand, remembered for its next uploads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import AuditEntry, HeaderMapping


def remembered(session: Session, employer_id: int) -> dict[str, dict[str, str]]:
    """kind → {header as typed (cleaned) → standard header} of the employer."""
    found: defaultdict[str, dict[str, str]] = defaultdict(dict)
    stmt = select(HeaderMapping).where(HeaderMapping.employer_id == employer_id)
    for m in session.scalars(stmt):
        found[m.kind][m.source] = m.target
    return dict(found)


def remember(
    session: Session, employer_id: int, kind: str, pairs: Mapping[str, str], actor: str | None
) -> None:
    """Keep `pairs` (cleaned source header → standard header) for the employer's `kind`,
    replacing an earlier mapping of the same source header."""
    existing = {
        m.source: m
        for m in session.scalars(
            select(HeaderMapping).where(
                HeaderMapping.employer_id == employer_id, HeaderMapping.kind == kind
            )
        )
    }
    for source, target in pairs.items():
        row = existing.get(source) or HeaderMapping(
            employer_id=employer_id, kind=kind, source=source
        )
        row.target, row.created_by = target, actor
        session.add(row)
    session.add(
        AuditEntry(
            actor=actor,
            employer_id=employer_id,
            action="header_mapping",
            detail={"kind": kind, "pairs": dict(pairs)},
        )
    )
