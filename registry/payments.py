"""Bank receipts (what employers paid for a month) and what is still owing.

A receipt file is CSV or .xlsx with the header 单位编码 · 费款所属期 · 金额 · 到账日期. Rows
are checked one by one; a receipt already imported (same employer, month, date and
amount) is recognised and not counted twice. What an employer owes for a month is the
assessed amount (both sides, `contributions`) less the receipts; past the due date (the
`payment_due_day` of the following month) a late charge of `late_charge_daily` per day
runs on what is owing, period by period between partial payments (`late_charge`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Employer
from registry.query_models import Payment

HEADERS = ["单位编码", "费款所属期", "金额", "到账日期"]
# ASCII digits only: \d would take full-width ones, which compare wrong as text.
MONTH = re.compile(r"^[0-9]{4}(0[1-9]|1[0-2])$")
FEN = Decimal("0.01")


@dataclass
class ImportResult:
    """What an import did, with a message per rejected row (Excel row numbers)."""

    imported: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The `shebao payments import --json` shape."""
        return {"imported": self.imported, "duplicates": self.duplicates, "errors": self.errors}


def read_rows(data: bytes, file_name: str) -> list[list[object]]:
    """The rows of a receipt file (header first) from CSV (UTF-8 or GBK) or .xlsx."""
    if file_name.lower().endswith(".xlsx"):
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(
            "文件既不是 UTF-8 也不是 GBK 编码的 CSV, 请另存为「CSV UTF-8」后重新导入。"
        )
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


def _row(values: list[object], codes: dict[str, int]) -> tuple[int, str, Decimal, dt.date]:
    code, month, amount, paid = (("" if v is None else v) for v in (values + [None] * 4)[:4])
    code = str(code).strip()
    if code not in codes:
        raise ValueError(f"A 列(单位编码)「{code}」不是已登记的单位, 请核对 8 位单位编码")
    # An Excel date typed in the month column means its month, as in the templates.
    month = month.strftime("%Y%m") if isinstance(month, dt.date) else str(month).strip()
    month = month.replace("-", "")
    if not MONTH.match(month):
        raise ValueError(f"B 列(费款所属期)「{month}」应为 YYYYMM, 如 202611")
    try:
        money = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"C 列(金额)「{amount}」不是金额, 应为如 12345.67 的数字") from None
    if money <= 0 or money != money.quantize(FEN):
        raise ValueError(f"C 列(金额)「{amount}」应为大于 0、最多两位小数的金额")
    try:
        day = _date(paid)
    except ValueError:
        raise ValueError(f"D 列(到账日期)「{paid}」应为日期, 如 2026-12-10") from None
    return codes[code], month, money, day


def import_receipts(session: Session, rows: list[list[object]], source: str) -> ImportResult:
    """Check and store the receipts of a file's rows (header first)."""
    result = ImportResult()
    header = [str(v or "").strip() for v in (rows[0] if rows else [])][:4]
    if header != HEADERS:
        result.errors.append(
            f"第 1 行表头应为「{' · '.join(HEADERS)}」, 实际为「{' · '.join(header)}」。"
        )
        return result
    codes = {code: eid for code, eid in session.execute(select(Employer.code, Employer.id))}
    for number, values in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        try:
            employer_id, month, amount, day = _row(list(values), codes)
        except ValueError as exc:
            result.errors.append(f"第 {number} 行: {exc}。")
            continue
        key = (
            Payment.employer_id == employer_id,
            Payment.month == month,
            Payment.paid_on == day,
            Payment.amount == amount,
        )
        if session.scalar(select(Payment.id).where(*key)) is not None:
            result.duplicates += 1
            continue
        session.add(
            Payment(
                employer_id=employer_id,
                month=month,
                amount=amount,
                paid_on=day,
                source=source[:255],
            )
        )
        session.flush()
        result.imported += 1
    return result


def due_date(month: str, due_day: int) -> dt.date:
    """The last day to pay for `month`: day `due_day` of the following month."""
    year, mon = int(month[:4]), int(month[4:])
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return dt.date(year, mon, due_day)


def late_charge(
    due: Decimal,
    month: str,
    as_of: dt.date,
    due_day: int,
    daily: Decimal,
    payments: Iterable[tuple[dt.date, Decimal]] = (),
) -> tuple[int, Decimal]:
    """(days late, late charge to the fen) of `month` as of `as_of`.

    `due` is what the month asks for and `payments` its receipts (date, amount). The charge
    runs from the day after the due date on what is still owing: for each period between
    the due date, each later payment and `as_of`, owing × `daily` × days, the payment day
    counted at the amount owing before it. A receipt on or before the due date lowers the
    amount before any charge; one after `as_of` has not been made yet; an overpayment owes
    nothing. The periods are summed exactly and rounded once, half up. Days late run to
    `as_of` while something is owing, else to the payment that cleared the month.
    """
    deadline = due_date(month, due_day)
    owing, late = due, []
    for day, amount in sorted(payments):
        if day <= deadline:
            owing -= amount
        elif day <= as_of:
            late.append((day, amount))
    charge, days, start = Decimal(0), 0, deadline
    for day, amount in [*late, (as_of, Decimal(0))]:
        if owing > 0 and day > start:
            charge += owing * daily * (day - start).days
            days = (day - deadline).days
        start = max(start, day)
        owing -= amount
    return days, charge.quantize(FEN, rounding=ROUND_HALF_UP)


def charges(
    due: Decimal,
    month: str,
    as_of: dt.date,
    figures: Mapping[str, str],
    payments: Iterable[tuple[dt.date, Decimal]] = (),
) -> tuple[dt.date, int, Decimal]:
    """(due date, days late, late charge) of a month with the policy figures
    (`payment_due_day`, `late_charge_daily`)."""
    due_day = int(figures.get("payment_due_day", "15"))
    daily = Decimal(figures.get("late_charge_daily", "0.0005"))
    days, charge = late_charge(due, month, as_of, due_day, daily, payments)
    return due_date(month, due_day), days, charge
