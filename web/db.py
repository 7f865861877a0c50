"""Database access for views: a unit of work on the app's database, and the viewer's scope."""

from __future__ import annotations

from flask import abort, current_app, g

from registry.uow import UnitOfWork


def uow() -> UnitOfWork:
    """A new unit of work on the app's DATABASE_URL (use it in a `with` block)."""
    return UnitOfWork.for_url(current_app.config["DATABASE_URL"])


def is_reviewer() -> bool:
    """Whether the logged-in user is an agency reviewer (sees every employer)."""
    user = g.get("user")
    return user is not None and user.role == "reviewer"


def scope_employer_id() -> int | None:
    """The employer every query is limited to; None only for reviewers (all employers)."""
    user = g.user
    if user.role == "reviewer":
        return None
    if user.employer_id is None:
        abort(403)  # an employer login without an employer must never see everyone
    return user.employer_id


def own_employer_id() -> int:
    """The logged-in clerk's employer; 404 for a reviewer on an employer-only page."""
    user = g.user
    if user.role == "reviewer" or user.employer_id is None:
        abort(404)
    return user.employer_id
