"""A workbook deflated at zlib level 1, for the large files built while a clerk waits.

xlsxwriter deflates a workbook's parts at zlib's default level (6) and has no option for
it. A 100,000-row error report is about 180 MB of sheet XML: level 6 takes three times as
long as level 1 (2.4 s against 0.7 s on the benchmark machine) for a file only a sixth
smaller (11.3 MB against 13.7 MB). Templates, small and kept in the repository, stay at
the default so that they are byte-identical to what is committed.

`QuickWorkbook._store_workbook` (xlsxwriter's internal that zips the parts) swaps the
`ZipFile` that xlsxwriter's workbook module uses for one that defaults to level 1, and
puts the original back; a lock keeps two such stores from interleaving their swaps. A
plain Workbook zipped in another thread at that very moment would come out at level 1:
the same content, another byte sequence. pyproject pins xlsxwriter below 4.
"""

from __future__ import annotations

import threading
import zipfile

import xlsxwriter.workbook

QUICK_LEVEL = 1
_ORIGINAL_ZIPFILE = xlsxwriter.workbook.ZipFile
_SWAP = threading.Lock()


class _QuickZipFile(zipfile.ZipFile):
    """A ZipFile whose deflated members default to level QUICK_LEVEL."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("compresslevel", QUICK_LEVEL)
        super().__init__(*args, **kwargs)


class QuickWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter Workbook whose file is deflated at level QUICK_LEVEL."""

    def _store_workbook(self) -> None:
        with _SWAP:
            xlsxwriter.workbook.ZipFile = _QuickZipFile  # type: ignore[misc]
            try:
                super()._store_workbook()
            finally:
                xlsxwriter.workbook.ZipFile = _ORIGINAL_ZIPFILE  # type: ignore[misc]
