"""Counting login attempts per name, atomically, before the password is checked.

Every attempt first takes a slot in its name's `login_attempts` row with one
`UPDATE ... RETURNING` (a row lock on PostgreSQL, the write lock on SQLite), committed at
once; only then is the password checked. Parallel guesses therefore queue on that row:
at most `max_failures` checks happen before the lock, however many arrive together. The
slot that reaches `max_failures` sets the lock; a name that is locked gets no check
(its attempts are still counted).

A correct password gives its slot back by clearing the count, but only when no other
attempt took a slot meanwhile (the count is still the one it took): a right password
sent among many wrong ones in parallel does not lift the lock they earn.

Names are counted whether an account has them or not, so unknown names lock exactly
like known ones. A row whose count has lapsed (no attempt for a lock period, no lock in
force) says nothing the next attempt would not restart anyway: about one attempt in
PURGE_EVERY deletes such rows, so a spray of made-up names cannot fill the table.

A name that is too long or holds control characters (it can belong to no account) is
counted under a digest of itself, so nothing odd is ever stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re

from sqlalchemy import and_, case, delete, or_, update
from sqlalchemy.orm import Session

from registry.models import LoginAttempt

MAX_NAME = 80
ODD = re.compile(r"[\x00-\x1f\x7f]")
PURGE_EVERY = 200


def attempt_key(username: str) -> str:
    """The key `username` is counted under: itself, or a digest when it is odd."""
    name = username.strip()
    if len(name) <= MAX_NAME and not ODD.search(name):
        return name
    return "sha256:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()


def is_plain_name(username: str) -> bool:
    """Whether `username` could be an account's name at all (no control characters)."""
    return not ODD.search(username)


def _insert_ignoring_existing(session: Session, key: str) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(LoginAttempt).values(name=key, failures=0)
    session.execute(stmt.on_conflict_do_nothing())


def reserve(
    session: Session, key: str, now: dt.datetime, max_failures: int, lock_minutes: int
) -> tuple[int, dt.datetime | None]:
    """Count one attempt (committed): its number since the count last started, and when
    the name's lock ends. The attempt may check a password only when its number is at
    most `max_failures`; a higher number means the name is locked."""
    t = LoginAttempt
    period = dt.timedelta(minutes=lock_minutes)
    _insert_ignoring_existing(session, key)
    # A lock that has ended, or failures older than one lock period, start a new count.
    restart = or_(t.locked_until <= now, t.last_attempt_at < now - period)
    count = case((restart, 1), else_=t.failures + 1)
    # Attempts made while locked are counted too: a right password sent among them then
    # sees the count moved on, and leaves the lock in place (see `release`).
    until = case(
        (t.locked_until > now, t.locked_until),
        (count >= max_failures, now + period),
        else_=None,
    )
    stmt = (
        update(t)
        .where(t.name == key)
        .values(failures=count, locked_until=until, last_attempt_at=now)
        .returning(t.failures, t.locked_until)
    )
    taken, locked_until = session.execute(stmt).one()
    if random.randrange(PURGE_EVERY) == 0:
        purge_lapsed(session, now, lock_minutes)
    session.commit()
    return taken, locked_until


def purge_lapsed(session: Session, now: dt.datetime, lock_minutes: int) -> int:
    """Delete the counts that have lapsed (see the module docstring); how many went."""
    t = LoginAttempt
    period = dt.timedelta(minutes=lock_minutes)
    lapsed = and_(
        t.last_attempt_at < now - period, or_(t.locked_until.is_(None), t.locked_until <= now)
    )
    result = session.execute(delete(t).where(lapsed))
    return getattr(result, "rowcount", 0) or 0  # a CursorResult for a DELETE


def release(session: Session, key: str, taken: int) -> None:
    """After a correct password: clear the count and lock, unless another attempt has
    taken a slot since (committed)."""
    t = LoginAttempt
    session.execute(
        update(t)
        .where(and_(t.name == key, t.failures == taken))
        .values(failures=0, locked_until=None)
    )
    session.commit()
