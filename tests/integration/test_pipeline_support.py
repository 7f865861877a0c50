"""Helpers shared by the pipeline, reader, report and CLI integration tests.

This module holds no tests (its name only keeps it among the files these tests own). It
builds realistic 人员增加 / 人员减少 rows with valid 18-digit IDs, runs uploads through
`create_batch` + `run_batch` with a fixed "today", and reads back what the registry holds.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import load_workbook
from sqlalchemy import func, select

from importer.batches import BatchOptions, create_batch
from importer.kinds import spec_of
from importer.pipeline import Outcome, run_batch
from registry.models import (
    Batch,
    BatchIssue,
    ContributionBase,
    Declaration,
    Enrolment,
    Person,
)
from registry.uow import UnitOfWork
from validators.idcard import check_char

TODAY = dt.date(2026, 11, 29)
TODAY_TEXT = TODAY.isoformat()
ADD_HEADERS = spec_of("person_add").headers
REMOVE_HEADERS = spec_of("person_remove").headers
INSURANCE_COLUMNS = ["养老保险", "医疗保险", "失业保险", "工伤保险"]
# The column letter of every 人员增加 header in the standard layout.
ADD_LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(ADD_HEADERS)}
REMOVE_LETTERS = {h: chr(ord("A") + i) for i, h in enumerate(REMOVE_HEADERS)}
NAMES = [
    "王建国", "李秀英", "张伟", "刘芳", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞",
    "徐明", "孙丽", "马超", "朱琳", "胡斌", "郭燕", "何涛", "高洁", "林峰", "罗娟",
]  # fmt: skip


def make_id(birth: str = "19900101", seq: str = "123", area: str = "330682") -> str:
    """A valid 18-character ID: area code, birth YYYYMMDD, 3-digit sequence, check char."""
    first17 = area + birth + seq
    return first17 + check_char(first17)


def id_ending_in_x(birth: str = "19850312", male: bool = True) -> str:
    """A valid ID whose check character is X (to test the lowercase x)."""
    for n in range(1, 1000, 2) if male else range(0, 1000, 2):
        candidate = make_id(birth, f"{n:03d}")
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no sequence gives X")  # pragma: no cover


@dataclass(frozen=True)
class P:
    """A fictitious person: name, ID, gender and birth date that agree with each other."""

    name: str
    id_number: str
    gender: str
    birth: str  # YYYY-MM-DD

    def add(self, **cells: object) -> list[object]:
        """A 人员增加 row of this person (any cell overridable by its header)."""
        own = {"姓名": self.name, "证件号码": self.id_number, "性别": self.gender}
        return add_row(**{**own, "出生日期": self.birth, **cells})

    def remove(self, **cells: object) -> list[object]:
        """A 人员减少 row of this person."""
        return remove_row(**{"姓名": self.name, "证件号码": self.id_number, **cells})


def person(i: int, birth: str = "19900101", gender: str = "男") -> P:
    """The i-th fictitious person (distinct IDs for distinct i)."""
    born = dt.date.fromisoformat(f"{birth[:4]}-{birth[4:6]}-{birth[6:]}") + dt.timedelta(days=i)
    parity = 1 if gender == "男" else 0
    seq = f"{(2 * i + parity) % 1000:03d}"
    name = NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else "乙")
    return P(name, make_id(born.strftime("%Y%m%d"), seq), gender, born.isoformat())


def add_row(**cells: object) -> list[object]:
    """A valid 人员增加 row (a man born 1990-01-01, enrolled 202611 in all four insurances)."""
    values: dict[str, object] = {
        "姓名": "张三",
        "证件类型": "居民身份证",
        "证件号码": make_id(),
        "性别": "男",
        "出生日期": "1990-01-01",
        "民族": "汉族",
        "户口性质": "城镇",
        "个人身份": "工人",
        "用工形式": "劳动合同制",
        "参加工作日期": "2012-07-01",
        "增加原因": "新参保",
        "参保年月": "202611",
        "月缴费工资": "6500",
        "养老保险": "是",
        "医疗保险": "是",
        "失业保险": "是",
        "工伤保险": "是",
        "联系电话": "13812345678",
        "备注": "",
    }
    unknown = set(cells) - set(values)
    assert not unknown, f"not a 人员增加 column: {unknown}"
    values.update(cells)
    return [values[h] for h in ADD_HEADERS]


def remove_row(**cells: object) -> list[object]:
    """A 人员减少 row (辞职 from 202611)."""
    values: dict[str, object] = {
        "姓名": "张三",
        "证件号码": make_id(),
        "减少原因": "辞职",
        "停保年月": "202611",
        "备注": "",
    }
    unknown = set(cells) - set(values)
    assert not unknown, f"not a 人员减少 column: {unknown}"
    values.update(cells)
    return [values[h] for h in REMOVE_HEADERS]


def reorder(rows: Sequence[Sequence[object]], headers: Sequence[str], order: Sequence[str]):
    """`rows` (in `headers` order) rearranged into the column `order`."""
    index = [list(headers).index(h) for h in order]
    return [[row[i] for i in index] for row in rows]


def open_xlsx(data: bytes, **kw):
    """An openpyxl workbook of xlsx bytes."""
    return load_workbook(io.BytesIO(data), **kw)


def sheet_rows(data: bytes, sheet: int | str = 0) -> list[list[object]]:
    """The cell values of one sheet of xlsx bytes, as lists (row 1 first)."""
    wb = open_xlsx(data)
    ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


class Desk:
    """One employer's upload desk on one database: upload, run, and look at the result."""

    def __init__(self, url: str, employer_id: int):
        self.url = url
        self.employer_id = employer_id

    def uow(self) -> UnitOfWork:
        return UnitOfWork.for_url(self.url)

    def upload(
        self,
        data: bytes,
        file_name: str = "人员增加.xlsx",
        kind: str | None = None,
        dry_run: bool = False,
        all_or_nothing: bool = False,
        resubmit_of: int | None = None,
    ) -> int:
        options = BatchOptions(kind=kind, dry_run=dry_run, all_or_nothing=all_or_nothing)
        return create_batch(
            self.uow(), self.employer_id, file_name, data, options, resubmit_of, "test"
        )

    def run(self, batch_id: int, **kw) -> Outcome:
        kw.setdefault("today", TODAY)
        return run_batch(batch_id, self.uow(), **kw)

    def submit(self, data: bytes, file_name: str = "人员增加.xlsx", run_kw=None, **kw):
        """Upload and process: (batch id, outcome)."""
        batch_id = self.upload(data, file_name, **kw)
        return batch_id, self.run(batch_id, **(run_kw or {}))

    # ------------------------------------------------------------------ reading back

    def batch(self, batch_id: int) -> Batch:
        with self.uow() as uow:
            return uow.session.get(Batch, batch_id)

    def declarations(self, batch_id: int) -> dict[int, Declaration]:
        with self.uow() as uow:
            rows = uow.session.scalars(select(Declaration).where(Declaration.batch_id == batch_id))
            found = list(rows)
        by_row = {d.excel_row: d for d in found}
        assert len(by_row) == len(found), "two declarations for one Excel row"
        return by_row

    def issues(self, batch_id: int) -> list[BatchIssue]:
        with self.uow() as uow:
            return list(
                uow.session.scalars(
                    select(BatchIssue)
                    .where(BatchIssue.batch_id == batch_id)
                    .order_by(BatchIssue.excel_row, BatchIssue.id)
                )
            )

    def errors(self, batch_id: int) -> set[tuple]:
        """(row, column, letter, code) of every error of a batch."""
        return {
            (i.excel_row, i.column, i.letter, i.code)
            for i in self.issues(batch_id)
            if i.severity == "error"
        }

    def warnings(self, batch_id: int) -> set[tuple]:
        """(row, column, letter, code) of every warning of a batch."""
        return {
            (i.excel_row, i.column, i.letter, i.code)
            for i in self.issues(batch_id)
            if i.severity == "warning"
        }

    def enrolments(self, id_number: str | None = None, employer_id: int | None = None):
        with self.uow() as uow:
            query = select(Enrolment).order_by(Enrolment.person_id, Enrolment.insurance)
            if id_number is not None:
                query = query.where(Enrolment.person_id == id_number)
            if employer_id is not None:
                query = query.where(Enrolment.employer_id == employer_id)
            return list(uow.session.scalars(query))

    def person(self, id_number: str) -> Person | None:
        with self.uow() as uow:
            return uow.session.get(Person, id_number)

    def bases(self, id_number: str) -> list[ContributionBase]:
        with self.uow() as uow:
            return list(
                uow.session.scalars(
                    select(ContributionBase).where(ContributionBase.person_id == id_number)
                )
            )

    def count(self, model) -> int:
        with self.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(model))


def second_employer(url: str, code: str = "87654321", name: str = "绍兴另一家纺织有限公司") -> int:
    """Another employer on the same database; returns its id."""
    from registry.accounts import create_employer

    with UnitOfWork.for_url(url) as uow:
        emp, _ = create_employer(uow.session, code, name, "0therPass!")
        uow.commit()
        return emp.id
