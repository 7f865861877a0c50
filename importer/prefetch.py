"""Reading the registry for a sheet on a second thread while the sheet is validated.

The registry checks need two set-based reads (every person of the sheet with their
enrolments, and which natural keys are applied). They depend only on the normalised ID
numbers and keys, not on validation, so they run on their own connection while pandera
works; the database's time no longer adds to the import's.

The employer's write sequence is read first, on the same connection: a batch that
writes after that moment moves the sequence, and the chunk it touches is judged again
before it is applied (see `importer.pipeline`), exactly as when the reads come later.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from importer.apply import write_sequence
from importer.registry_checks import RegistryRead, read_registry
from registry.uow import UnitOfWork


class RegistryPrefetch:
    """Starts the registry reads for a sheet and hands them over when asked."""

    def __init__(self, uow: UnitOfWork, employer_id: int):
        self._uow = uow.sibling()
        self._employer_id = employer_id
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shebao-read")
        self._future: Future[tuple[int, RegistryRead]] | None = None

    def start(self, df: pd.DataFrame, keys: pd.Series) -> None:
        """Begin reading the registry for the IDs of `df` and the natural `keys`."""
        ids = df["证件号码"].unique().tolist()
        self._future = self._pool.submit(self._read, ids, keys.tolist())

    def _read(self, ids: list[str], keys: list[str]) -> tuple[int, RegistryRead]:
        with self._uow as uow:
            seen = write_sequence(uow.session, self._employer_id)
            return seen, read_registry(uow.session, ids, keys)

    def result(self) -> tuple[int, RegistryRead]:
        """(write sequence seen first, what was read), once `start` has been called."""
        assert self._future is not None, "start() comes first"
        return self._future.result()

    def close(self) -> None:
        """Wait for a read still running and let the thread go."""
        self._pool.shutdown(wait=True)
