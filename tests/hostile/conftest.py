"""Hostile files, built here on demand (never committed), and a way to run the product on
them in a child process under a memory cap, measuring time and peak memory.

Packages are written part by part in a streaming way, so building a file that unpacks to
4 GiB needs a few megabytes: a deflate block of 1 MiB of one byte ends with a full flush
(no back-reference crosses it), so the same compressed block repeated is a valid stream.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# The product runs under this cap in the test's child: the machine never runs out.
TEST_CAP_MB = 3072
HEADERS = ["序号", "姓名", "证件类型", "证件号码"]

Chunks = Callable[[], Iterable]


@dataclass
class Repeat:
    """`times` × `block` in a part, compressed once (see the module docstring)."""

    block: bytes
    times: int


def sheet_xml(body: Chunks, dimension: str | None = None, tail: str = "") -> Chunks:
    """A worksheet part whose <sheetData> holds what `body` yields; `tail` after it."""

    def chunks() -> Iterable[bytes | Repeat]:
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        yield (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}">{dim}<sheetData>'
        ).encode()
        yield from body()
        yield f"</sheetData>{tail}</worksheet>".encode()

    return chunks


def header_rows() -> bytes:
    """Row 1: the start of the 人员增加 header, as inline strings."""
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(HEADERS)
    )
    return f'<row r="1">{cells}</row>'.encode()


@dataclass
class Part:
    """One part of a package: its name and a generator of its bytes."""

    name: str
    chunks: Chunks  # yields bytes, or Repeat


def write_package(
    path: Path, sheets: list[tuple[str, str, Chunks]], extra: list[Part] | None = None
) -> Path:
    """An .xlsx at `path`: `sheets` as (name, state, chunks of its XML), plus `extra` parts."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}" r:id="rId{i + 1}"'
        + (f' state="{state}"' if state != "visible" else "")
        + "/>"
        for i, (name, state, _) in enumerate(sheets)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    rels += f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    fixed = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{entries}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{PKG_NS}">{rels}</Relationships>',
    }
    parts = [Part(n, lambda t=t: [t.encode()]) for n, t in fixed.items()]
    parts += [Part(f"xl/worksheets/sheet{i + 1}.xml", s[2]) for i, s in enumerate(sheets)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for part in parts + (extra or []):
            _write_part(package, part)
    return path


def _write_part(package: zipfile.ZipFile, part: Part) -> None:
    info = zipfile.ZipInfo(part.name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with package.open(info, "w", force_zip64=True) as out:
        for chunk in part.chunks():
            if isinstance(chunk, Repeat):
                _write_repeated(out, chunk.block, chunk.times)
            else:
                out.write(chunk)


def _write_repeated(out, block: bytes, times: int) -> None:
    """Append `times` × `block` without compressing it `times` times."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    # Flush what came before to a byte boundary with an empty dictionary, as `packed` is.
    flushed = out._compressor.flush(zlib.Z_FULL_FLUSH)
    out._fileobj.write(flushed)
    out._compress_size += len(flushed)
    crc = out._crc
    for _ in range(times):
        crc = zlib.crc32(block, crc)
        out._fileobj.write(packed)
    out._crc, out._file_size = crc, out._file_size + len(block) * times
    out._compress_size += len(packed) * times


@dataclass
class Measured:
    """What the product did with a file in the capped child."""

    code: str | None
    message: str
    seconds: float
    peak_mb: float  # the larger of the process that asked and its reader child
    rows: int

    @property
    def refused(self) -> bool:
        """Whether the file was refused as a whole."""
        return self.code is not None


_RUNNER = """
import json, resource, sys, time
cap = int(sys.argv[3]) << 20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from importer.errors import FileRejected
from importer.reader import read_workbook
from shebao.settings import load_settings
data = open(sys.argv[1], "rb").read()
limits = load_settings().reader_limits()  # as an entry point reads them
start = time.perf_counter()
try:
    book = read_workbook(data, sys.argv[2], limits=limits)
    code, message, rows = None, "", sum(len(s.rows) for s in book.sheets)
except FileRejected as exc:
    code, message, rows = exc.code, exc.message, 0
seconds = time.perf_counter() - start
# This process's own high-water mark (VmHWM restarts at exec; ru_maxrss would include the
# pytest process it was forked from), and its reader child's (an upper bound: it counts
# this process's pages at the fork).
own = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
peak = max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"code": code, "message": message, "seconds": seconds, "peak_mb": peak / 1024, "rows": rows}))
"""


def read_capped(path: Path, file_name: str | None = None, env: dict | None = None) -> Measured:
    """Run `read_workbook` on the file in a child capped at TEST_CAP_MB of address space."""
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(path), file_name or path.name, str(TEST_CAP_MB)],
        capture_output=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return Measured(**json.loads(done.stdout))


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory) -> Path:
    """A folder for the session's hostile files (built once, deleted with the session)."""
    return tmp_path_factory.mktemp("hostile")
