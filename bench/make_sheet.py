"""Generate large sheets for benchmarks: a 人员增加 sheet of valid rows with about 1%
defects of the kinds real sheets have (IDs turned into numbers, bad check digits, missing
names, bad months, wrong codes), the same sheet with every ID turned into a number by
Excel (the worst case of one column wrong on every row), and the 年度缴费基数申报 sheet of
the same persons.

    python -m bench.make_sheet FILE ROWS [person_add|excel_ids|base_declare]
"""

from __future__ import annotations

import random

import xlsxwriter

from importer.kinds import spec_of
from validators.idcard import check_char

PERSON_ADD = spec_of("person_add")
BASE_DECLARE = spec_of("base_declare")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂"


def person_id(n: int) -> tuple[str, str, str]:
    """A valid, unique ID number for row `n`, with its birth date and gender."""
    day, month = 1 + n % 28, 1 + (n // 28) % 12
    year = 1978 + (n // 336) % 26
    rest = n // 8736
    seq = f"{rest % 1000:03d}"
    first17 = f"{330000 + rest // 1000:06d}{year}{month:02d}{day:02d}{seq}"
    gender = "男" if int(seq[2]) % 2 else "女"
    return first17 + check_char(first17), f"{year}-{month:02d}-{day:02d}", gender


def good_row(n: int, month: str) -> list[str]:
    """A valid row for person `n`."""
    pid, born, gender = person_id(n)
    name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n // 7) % len(GIVEN)]
    # Mostly inside the published floor and cap, as real payrolls are; a few outside.
    wage = str(5000 + (n * 37) % 15000) if n % 50 else str(3000 + n % 30000)
    return [name, "居民身份证", pid, gender, born, "汉族", "城镇", "工人", "劳动合同制", "",
            "新参保", month, wage, "是", "是", "是", "是", f"138{n % 100000000:08d}", ""]  # fmt: skip


def spoil(row: list[str], rng: random.Random) -> list[object]:
    """One real-world defect."""
    out: list[object] = list(row)
    defect = rng.randrange(6)
    if defect == 0:
        out[2] = float(row[2][:17] + "0")  # Excel turned the ID into a number
    elif defect == 1:
        out[2] = row[2][:17] + ("0" if row[2][17] != "0" else "1")  # wrong check digit
    elif defect == 2:
        out[0] = ""  # missing name
    elif defect == 3:
        out[11] = "2026-13"  # impossible month
    elif defect == 4:
        out[6] = "城市"  # not in the drop-down list
    else:
        out[12] = "六千"  # wage in words
    return out


def base_row(n: int, year: str = "2027") -> list[object]:
    """The 年度缴费基数申报 row of person `n` (as enrolled by `good_row`): last year's
    total mostly giving an average inside the limits, a few below the floor or above the cap."""
    pid, _, _ = person_id(n)
    name = good_row(n, "202611")[0]
    months = 12 if n % 10 else 1 + n % 12
    total = (5000 + (n * 37) % 15000) * months if n % 50 else 3000 + n % 300000
    return [name, pid, year, f"{total}.{n % 100:02d}", str(months), ""]


def write_sheet(
    path: str,
    rows: int,
    month: str = "202611",
    bad_ratio: float = 0.01,
    seed: int = 7,
    variant: str = "person_add",
) -> int:
    """Write the sheet; returns the number of spoiled rows.

    Written the way Excel saves a workbook (a shared-strings table, not xlsxwriter's
    constant-memory inline strings), since what users upload comes out of Excel; this
    holds the whole sheet in memory, so the benchmark calls it in a process of its own.
    """
    rng = random.Random(seed)
    spoiled = 0
    spec = BASE_DECLARE if variant == "base_declare" else PERSON_ADD
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet(spec.title)
        sheet.write_row(0, 0, [f"{spec.title}申报表"])
        sheet.write_row(1, 0, spec.headers)
        for n in range(rows):
            row = _row(n, month, variant)
            if variant == "person_add" and rng.random() < bad_ratio:
                row, spoiled = spoil(row, rng), spoiled + 1
            elif variant == "excel_ids":
                spoiled += 1
            for c, value in enumerate(row):
                if isinstance(value, float):
                    sheet.write_number(n + 2, c, value)
                else:
                    sheet.write_string(n + 2, c, str(value))
        meta = book.add_worksheet("_shebao")
        meta.write_row(0, 0, ["kind", spec.kind])
        meta.write_row(1, 0, ["version", spec.version])
        meta.hide()
    return spoiled


def _row(n: int, month: str, variant: str) -> list[object]:
    if variant == "base_declare":
        return base_row(n)
    row: list[object] = list(good_row(n, month))
    if variant == "excel_ids":
        # What Excel keeps of an 18-digit ID typed into a General cell: 15 digits.
        row[2] = float(str(row[2])[:15] + "000")
    return row


if __name__ == "__main__":
    import sys

    kind = sys.argv[3] if len(sys.argv) > 3 else "person_add"
    # Last month's sheet sent again with the next month typed in: the same persons.
    month = "202612" if kind == "next_month" else "202611"
    print(write_sheet(sys.argv[1], int(sys.argv[2]), month=month, variant=kind))
