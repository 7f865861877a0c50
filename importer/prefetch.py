"""Reading the registry for a sheet on a second thread while the sheet is validated.

The registry checks need set-based reads (the kind's state for the sheet, e.g. every
person with their enrolments, and which natural keys are applied). They depend only on
the normalised cells and keys, not on validation, so they run on their own connection while pandera
works; the database's time no longer adds to the import's.

The employer's write sequence is read first, on the same connection: a batch that
writes after that moment moves the sequence, and the chunk it touches is judged again
before it is applied (see `importer.pipeline`), exactly as when the reads come later.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from importer.apply import write_sequence
from importer.kinds.base import Kind
from importer.registry_checks import RegistryRead, read_registry
from registry.uow import UnitOfWork


class RegistryPrefetch:
    """Starts the registry reads for a sheet and hands them over when asked."""

    def __init__(self, uow: UnitOfWork, employer_id: int, kind: Kind):
        self._uow = uow.sibling()
        self._employer_id = employer_id
        self._kind = kind
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shebao-read")
        self._future: Future[tuple[int, RegistryRead]] | None = None

    def start(self, df: pd.DataFrame, keys: pd.Series) -> None:
        """Begin reading the registry for the rows of `df` and the natural `keys`."""
        # A shallow copy: the sheet gains derived columns on this thread meanwhile, and
        # the reader must see a frame nobody changes (copy-on-write makes it cheap).
        self._future = self._pool.submit(self._read, df.copy(deep=False), keys.tolist())

    def _read(self, df: pd.DataFrame, keys: list[str]) -> tuple[int, RegistryRead]:
        with self._uow as uow:
            seen = write_sequence(uow.session, self._employer_id)
            return seen, read_registry(uow.session, self._kind, df, keys)

    def result(self) -> tuple[int, RegistryRead]:
        """(write sequence seen first, what was read), once `start` has been called."""
        assert self._future is not None, "start() comes first"
        return self._future.result()

    def close(self) -> None:
        """Wait for a read still running and let the thread go."""
        self._pool.shutdown(wait=True)
