"""The reader's child process: whatever kills it becomes a file-level refusal, and what
it sends back is the workbook as read in-process."""

from __future__ import annotations

import pickle

import pytest

from importer.reader import read_here, read_workbook
from importer.sandbox import _DataOnly, _load
from tests.builders import xlsx_bytes
from tests.hostile.conftest import header_rows, read_capped, sheet_xml, write_package

pytestmark = pytest.mark.integration
FAR = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def test_a_far_cell_out_of_row_order_passes_the_budget_and_the_memory_limit_refuses_it(tmp_path):
    """The budget assumes rows in order, as the format requires; calamine does not, and
    builds a grid of 17 billion cells. The child dies, the caller gets a refusal."""
    path = write_package(
        tmp_path / "unordered.xlsx",
        [("人员增加", "visible", sheet_xml(lambda: [FAR, header_rows()]))],
    )
    measured = read_capped(path, env={"SHEBAO_READER_MEMORY_MB": "700"})
    assert measured.code == "file_too_complex" and "700 MB" in measured.message, measured
    assert measured.peak_mb < 300


def test_a_read_over_the_cpu_limit_is_refused(tmp_path):
    def body():
        yield header_rows()
        for start in range(2, 240_002, 10_000):
            yield "".join(
                f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>张三{r}</t></is></c>'
                f'<c r="D{r}" t="inlineStr"><is><t>3306821990{r:08d}</t></is></c></row>'
                for r in range(start, start + 10_000)
            ).encode()

    path = write_package(tmp_path / "slow.xlsx", [("人员增加", "visible", sheet_xml(body))])
    measured = read_capped(path, env={"SHEBAO_READER_CPU_SECONDS": "1"})
    assert measured.code == "file_too_complex" and "1 秒" in measured.message, measured
    assert read_capped(path).code is None  # within the default limit it is read


def test_the_child_sends_back_what_an_in_process_read_gives():
    data = xlsx_bytes("person_add", [["张三", "居民身份证", "330682199003150018"]] * 3)
    here, there = read_here(data, "a.xlsx", 100), read_workbook(data, "a.xlsx")
    assert [(s.name, s.rows) for s in there.sheets] == [(s.name, s.rows) for s in here.sheets]
    assert there.marker == here.marker and there.marker["kind"] == "person_add"


def test_the_parent_unpickles_data_and_nothing_else():
    assert _load(pickle.dumps(("ok", [["a"]], {"k": "v"}), protocol=5))[1] == [["a"]]
    with pytest.raises(pickle.UnpicklingError):
        _load(pickle.dumps(_DataOnly))
