"""Unit of work: one session that rolls back unless the use case commits it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from registry.db import session_factory


class UnitOfWork:
    """`with uow:` opens a session; leaving without `uow.commit()` rolls it back.

    Long jobs commit in chunks: calling `commit()` several times inside one `with` is
    allowed and each call ends a transaction.
    """

    def __init__(self, factory: sessionmaker[Session]):
        self._factory = factory
        self.session: Session

    @classmethod
    def for_url(cls, url: str) -> UnitOfWork:
        """A unit of work on the database at `url`."""
        return cls(session_factory(url))

    def sibling(self) -> UnitOfWork:
        """Another unit of work on the same database (for another thread)."""
        return UnitOfWork(self._factory)

    @property
    def engine(self):
        """The engine under the session (bulk paths pick statements by dialect)."""
        return self._factory.kw["bind"]

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed, but detaches objects first, so
        # values read inside the block stay readable after it.
        self.session.close()

    def commit(self) -> None:
        """End the current transaction, keeping its work."""
        self.session.commit()

    def rollback(self) -> None:
        """End the current transaction, dropping its work."""
        self.session.rollback()
