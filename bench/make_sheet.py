"""Generate a large 人员增加 sheet for benchmarks: valid rows with about 1% defects of the
kinds real sheets have (IDs turned into numbers, bad check digits, missing names, bad
months, wrong codes, duplicates)."""

from __future__ import annotations

import random

import xlsxwriter

from importer.kinds.person_add import SPEC as PERSON_ADD
from validators.idcard import check_char

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


def write_sheet(
    path: str, rows: int, month: str = "202611", bad_ratio: float = 0.01, seed: int = 7
) -> int:
    """Write the sheet; returns the number of spoiled rows.

    Written the way Excel saves a workbook (a shared-strings table, not xlsxwriter's
    constant-memory inline strings), since what users upload comes out of Excel; this
    holds the whole sheet in memory, so the benchmark calls it in a process of its own.
    """
    rng = random.Random(seed)
    spoiled = 0
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet(PERSON_ADD.title)
        sheet.write_row(0, 0, ["人员增加申报表"])
        sheet.write_row(1, 0, PERSON_ADD.headers)
        for n in range(rows):
            row: list[object] = good_row(n, month)
            if rng.random() < bad_ratio:
                row, spoiled = spoil(row, rng), spoiled + 1  # type: ignore[assignment]
            for c, value in enumerate(row):
                if isinstance(value, float):
                    sheet.write_number(n + 2, c, value)
                else:
                    sheet.write_string(n + 2, c, value)
        meta = book.add_worksheet("_shebao")
        meta.write_row(0, 0, ["kind", "person_add"])
        meta.write_row(1, 0, ["version", PERSON_ADD.version])
        meta.hide()
    return spoiled


if __name__ == "__main__":
    import sys

    print(write_sheet(sys.argv[1], int(sys.argv[2])))
