"""Whose data a query page shows, decided in one place: a clerk always sees the own
employer; a reviewer chooses one (`?employer=CODE`). An unknown code answers 404."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Employer
from web.db import is_reviewer


@dataclass(frozen=True)
class Scope:
    """The employer a query page shows (None: a reviewer who has not chosen one yet)."""

    employer_id: int | None
    code: str
    name: str
    reviewer: bool

    @property
    def url_args(self) -> dict[str, str]:
        """Query arguments that keep the reviewer's choice on links and exports."""
        return {"employer": self.code} if self.reviewer and self.code else {}


def query_scope(session: Session) -> Scope:
    """The viewer's employer, or the one a reviewer chose; 404 for an unknown code."""
    if not is_reviewer():
        if g.user.employer_id is None:
            abort(403)
        emp = session.get(Employer, g.user.employer_id)
        if emp is None:
            abort(404)
        return Scope(emp.id, emp.code, emp.name, reviewer=False)
    code = (request.args.get("employer") or "").strip()
    if not code:
        return Scope(None, "", "", reviewer=True)
    emp = session.scalar(select(Employer).where(Employer.code == code))
    if emp is None:
        abort(404)
    return Scope(emp.id, emp.code, emp.name, reviewer=True)


def employer_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every employer, for the reviewer's chooser."""
    rows = session.execute(select(Employer.code, Employer.name).order_by(Employer.code))
    return [(code, name) for code, name in rows]
