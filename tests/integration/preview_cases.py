"""The preview stories of every declaration kind (no tests here): one `PreviewCase` per
kind, read by tests/integration/test_preview_confirm.py.

A case prepares the registry (`before`: uploads and reviewer decisions, on the desk it is
given; it returns what the sheets need, e.g. the 认定编号 an approval gave), builds the
sheet to preview from that, and says per Excel row the action the preview must show and
the old → new of every compared column the row changes. `moved` (optional) is a sheet
another batch applies between preview and confirm, and `moved_rows` the rows it moves;
`approval`, for kinds sent to review, what a reviewer decides on their pending rows.
The expected values spell the registry the way each kind's `current` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from importer.kinds import spec_of
from importer.kinds.base import Decision
from importer.review import decide as desk_decide
from tests.builders import xlsx_bytes
from tests.integration.injury_support import (
    appraisal_row,
    approved_injury,
    conclude,
    enrol,
    report,
    report_row,
)
from tests.integration.test_pipeline_support import INSURANCE_COLUMNS, Desk, person

Sheet = tuple[str, bytes]  # (file name, workbook)
FIRST_ROW = 3  # the first data row of a standard template (title, header)
# Excel row → (action, {column: (old, new)} of every change the row must show).
Expected = dict[int, tuple[str, dict[str, tuple[str, str]]]]


@dataclass(frozen=True)
class PreviewCase:
    """One kind's preview story (see the module docstring)."""

    kind: str
    before: Callable[[Desk], Any]
    sheet: Callable[[Any], Sheet]
    expected: Expected
    moved: Callable[[Any], Sheet] | None = None
    moved_rows: set[int] = field(default_factory=set)
    # Kinds sent to review: the reviewer's approval of each pending row.
    approval: Decision | None = None


def uploads(*sheets: Callable[[], Sheet]) -> Callable[[Desk], None]:
    """A `before` that only uploads `sheets` in turn (each applied as a direct upload)."""

    def run(desk: Desk) -> None:
        for make in sheets:
            name, data = make()
            desk.submit(data, name)

    return run


def sheet_of(kind: str, name: str) -> Callable[..., Sheet]:
    """A builder of `kind`'s sheets from rows (file name `name`)."""
    return lambda *rows: (name, xlsx_bytes(kind, list(rows)))


_add = sheet_of("person_add", "人员增加.xlsx")
_remove = sheet_of("person_remove", "人员减少.xlsx")
_ins_add = sheet_of("insurance_add", "人员险种增加.xlsx")
_ins_remove = sheet_of("insurance_remove", "人员险种减少.xlsx")
_base = sheet_of("base_declare", "缴费基数.xlsx")
_employer = sheet_of("employer_change", "单位信息变更.xlsx")
_report = sheet_of("injury_report", "工伤事故申报.xlsx")
_appraisal = sheet_of("injury_appraisal", "工伤鉴定.xlsx")

A, B, C, D = person(1), person(2), person(3), person(4)
STRANGER = person(9)  # never enrolled anywhere


def _stopped(*insurances: str) -> dict[str, tuple[str, str]]:
    return {column: ("是", "否") for column in insurances}


# --- 人员增加: person 1 (stopped in 202603) comes back with a new phone, now with 养老保险
# too; 2 is new; 3's row was
# applied as is; row 4's phone is wrong. Between preview and confirm another batch adds 2.
PERSON_ADD = PreviewCase(
    kind="person_add",
    before=uploads(
        lambda: _add(A.add(参保年月="202601", 联系电话="13800000001", 养老保险="否"), C.add()),
        lambda: _remove(A.remove(停保年月="202603")),
    ),
    sheet=lambda _: _add(
        A.add(参保年月="202611", 联系电话="13900000002"),
        B.add(),
        C.add(),
        D.add(联系电话="1"),
    ),
    expected={
        FIRST_ROW: (
            "change",
            {
                "联系电话": ("13800000001", "13900000002"),
                # Stopped in 202603: no active enrolment here, no base of one to show.
                "参保年月": ("", "202611"),
                "月缴费工资": ("", "6500"),
                **{column: ("否", "是") for column in INSURANCE_COLUMNS},
            },
        ),
        FIRST_ROW + 1: ("add", {}),
        FIRST_ROW + 2: ("unchanged", {}),
        FIRST_ROW + 3: ("rejected", {}),
    },
    moved=lambda _: _add(B.add()),
    moved_rows={FIRST_ROW + 1},
)

# --- 人员减少: 1 insured in all four stops them all; 2 (without 失业保险) stops the other
# three; 3's stop was applied as is; 9 was never enrolled. Another batch stops 1 meanwhile.
PERSON_REMOVE = PreviewCase(
    kind="person_remove",
    before=uploads(
        lambda: _add(A.add(参保年月="202601"), B.add(参保年月="202601", 失业保险="否")),
        lambda: _add(C.add(参保年月="202601")),
        lambda: _remove(C.remove(停保年月="202605")),
    ),
    sheet=lambda _: _remove(
        A.remove(),
        B.remove(减少原因="解除劳动合同"),
        C.remove(停保年月="202605"),
        STRANGER.remove(),
    ),
    expected={
        FIRST_ROW: (
            "change",
            {"停保年月": ("", "202611"), "减少原因": ("", "辞职"), **_stopped(*INSURANCE_COLUMNS)},
        ),
        FIRST_ROW + 1: (
            "change",
            {
                "停保年月": ("", "202611"),
                "减少原因": ("", "解除劳动合同"),
                **_stopped("养老保险", "医疗保险", "工伤保险"),
            },
        ),
        FIRST_ROW + 2: ("unchanged", {}),
        FIRST_ROW + 3: ("rejected", {}),
    },
    moved=lambda _: _remove(A.remove()),
    moved_rows={FIRST_ROW},
)


def _ins_row(p, insurance: str, month: str = "202611") -> list[object]:
    return [p.name, p.id_number, insurance, month, ""]


def _ins_stop_row(p, insurance: str, month: str = "202611", reason: str = "其他"):
    return [p.name, p.id_number, insurance, month, reason, ""]


# --- 人员险种增加: 1 (enrolled without 养老保险) adds it from 202611; 3's 失业保险 from
# 202605 was applied as is; 9 is not registered. Another batch adds 1's 养老保险 meanwhile.
INSURANCE_ADD = PreviewCase(
    kind="insurance_add",
    before=uploads(
        lambda: _add(
            A.add(参保年月="202601", 养老保险="否"), C.add(参保年月="202601", 失业保险="否")
        ),
        lambda: _ins_add(_ins_row(C, "失业保险", "202605")),
    ),
    sheet=lambda _: _ins_add(
        _ins_row(A, "养老保险"), _ins_row(C, "失业保险", "202605"), _ins_row(STRANGER, "养老保险")
    ),
    expected={
        FIRST_ROW: ("change", {"养老保险": ("否", "是"), "开始年月": ("", "202611")}),
        FIRST_ROW + 1: ("unchanged", {}),
        FIRST_ROW + 2: ("rejected", {}),
    },
    moved=lambda _: _ins_add(_ins_row(A, "养老保险")),
    moved_rows={FIRST_ROW},
)

# --- 人员险种减少: 1 stops 失业保险 from 202611; 3's stop of 失业保险 in 202605 was applied
# as is; 9 is not registered. Another batch stops 1's 失业保险 meanwhile.
INSURANCE_REMOVE = PreviewCase(
    kind="insurance_remove",
    before=uploads(
        lambda: _add(A.add(参保年月="202601"), C.add(参保年月="202601")),
        lambda: _ins_remove(_ins_stop_row(C, "失业保险", "202605")),
    ),
    sheet=lambda _: _ins_remove(
        _ins_stop_row(A, "失业保险"),
        _ins_stop_row(C, "失业保险", "202605"),
        _ins_stop_row(STRANGER, "失业保险"),
    ),
    expected={
        FIRST_ROW: (
            "change",
            {"失业保险": ("是", "否"), "停止年月": ("", "202611"), "减少原因": ("", "其他")},
        ),
        FIRST_ROW + 1: ("unchanged", {}),
        FIRST_ROW + 2: ("rejected", {}),
    },
    moved=lambda _: _ins_remove(_ins_stop_row(A, "失业保险")),
    moved_rows={FIRST_ROW},
)


def _base_row(p, year: str = "2027", total: str = "86400") -> list[object]:
    return [p.name, p.id_number, year, total, "12", ""]


# --- 年度缴费基数申报: 1 (enrolled 202512) declared 2026 at 6,000.00 (from 202601) and now declares 2027 at
# 7,200.00; 3's 2027 declaration was applied as is; 9 is not registered. Another batch
# declares 1's 2027 meanwhile.
BASE_DECLARE = PreviewCase(
    kind="base_declare",
    before=uploads(
        lambda: _add(A.add(参保年月="202512"), C.add(参保年月="202601")),
        lambda: _base(_base_row(A, "2026", "72000"), _base_row(C)),
    ),
    sheet=lambda _: _base(_base_row(A), _base_row(C), _base_row(STRANGER)),
    expected={
        FIRST_ROW: (
            "change",
            {
                "基数起始年月": ("202601", "202701"),
                "月平均工资": ("6000.00", "7200.00"),
                "缴费基数": ("6000.00", "7200.00"),
            },
        ),
        FIRST_ROW + 1: ("unchanged", {}),
        FIRST_ROW + 2: ("rejected", {}),
    },
    moved=lambda _: _base(_base_row(A)),
    moved_rows={FIRST_ROW},
)

EMPLOYER_HEADERS = spec_of("employer_change").headers
OLD_ADDRESS, NEW_ADDRESS = "绍兴市上虞区曹娥街道人民西路1号", "绍兴市上虞区百官街道市民大道88号"


def _change(**cells: str) -> list[str]:
    return [cells.get(h, "") for h in EMPLOYER_HEADERS]


def _employer_before(desk: Desk) -> None:
    """An approved change gave the employer its address and contact."""
    batch_id, _ = desk.submit(*reversed(_employer(_change(单位地址=OLD_ADDRESS, 联系人="王芳"))))
    decision = Decision(approve=True, reviewer="审核员")
    desk_decide(desk.uow(), desk.declarations(batch_id)[FIRST_ROW].id, decision)


# --- 单位基本信息变更 (one change per sheet): a new address and contact, the other fields
# left blank (unchanged). Another batch declares the same change meanwhile.
EMPLOYER_CHANGE = PreviewCase(
    kind="employer_change",
    before=_employer_before,
    sheet=lambda _: _employer(_change(单位地址=NEW_ADDRESS, 联系人="李红")),
    expected={
        FIRST_ROW: ("change", {"单位地址": (OLD_ADDRESS, NEW_ADDRESS), "联系人": ("王芳", "李红")}),
    },
    moved=lambda _: _employer(_change(单位地址=NEW_ADDRESS, 联系人="李红")),
    moved_rows={FIRST_ROW},
    approval=Decision(approve=True, reviewer="审核员"),
)


def _report_before(desk: Desk) -> None:
    """1 and 3 reported an accident of 2026-11-20 (pending); 2 and 4 are insured."""
    enrol(desk, A, B, C, D)
    _, outcome = report(desk, [report_row(A), report_row(C)])
    assert set(outcome.status.values()) == {"pending_review"}, outcome.issues


# --- 工伤事故申报: 1's report again is unchanged; 2's accident is new; 3's accident told
# otherwise is refused (a report is not amended by a sheet, so this kind never shows
# 变更: its `current` only makes a known accident 无变化); 9 is not insured. Another batch reports 2's accident meanwhile (4's is new and goes ahead).
INJURY_REPORT = PreviewCase(
    kind="injury_report",
    before=_report_before,
    sheet=lambda _: _report(
        report_row(A),
        report_row(B),
        report_row(C, 受伤部位="左手中指"),
        report_row(STRANGER),
        report_row(D),
    ),
    expected={
        FIRST_ROW: ("unchanged", {}),
        FIRST_ROW + 1: ("add", {}),
        FIRST_ROW + 2: ("rejected", {}),
        FIRST_ROW + 3: ("rejected", {}),
        FIRST_ROW + 4: ("add", {}),
    },
    moved=lambda _: _report(report_row(B)),
    moved_rows={FIRST_ROW + 1},
    approval=Decision(approve=True, reviewer="审核员", outcome="认定工伤"),
)


def _appraisal_before(desk: Desk) -> dict[str, str]:
    """Approved injuries of 1, 2 and 3: 1's 初次鉴定 of 2026-03-01 concluded 八级 on
    2026-11-15, 2's 初次鉴定 of 2026-11-25 pending, 3 never appraised. Returns the 认定编号
    by person (what the sheet names)."""
    enrol(desk, A, B, C)
    numbers = {
        p.id_number: approved_injury(desk, p, 事故发生日期=day)
        for p, day in ((A, "2026-02-01"), (B, "2026-02-02"), (C, "2026-02-03"))
    }
    concluded, _ = _submit(
        desk, _appraisal(appraisal_row(A, numbers[A.id_number], 申请日期="2026-03-01"))
    )
    conclude(desk, concluded, on="2026-11-15", grade="八级")
    _submit(desk, _appraisal(appraisal_row(B, numbers[B.id_number])))
    return numbers


def _submit(desk: Desk, sheet: Sheet):
    name, data = sheet
    return desk.submit(data, name)


# --- 工伤鉴定: 1 applies for 再次鉴定 within 15 days of the 八级 conclusion (初次鉴定 →
# 再次鉴定, the grade to be concluded anew); 2's pending application again is unchanged;
# 3's first is new; a number never issued is refused. Another batch applies for 1's
# 再次鉴定 meanwhile.
INJURY_APPRAISAL = PreviewCase(
    kind="injury_appraisal",
    before=_appraisal_before,
    sheet=lambda numbers: _appraisal(
        appraisal_row(A, numbers[A.id_number], 鉴定类别="再次鉴定", 申请日期="2026-11-20"),
        appraisal_row(B, numbers[B.id_number]),
        appraisal_row(C, numbers[C.id_number]),
        appraisal_row(D, "GS202699999"),
    ),
    expected={
        FIRST_ROW: (
            "change",
            {
                "鉴定类别": ("初次鉴定", "再次鉴定"),
                "申请日期": ("2026-03-01", "2026-11-20"),
                "伤残等级": ("八级", ""),
                "生活自理障碍": ("未达等级", ""),
            },
        ),
        FIRST_ROW + 1: ("unchanged", {}),
        FIRST_ROW + 2: ("add", {}),
        FIRST_ROW + 3: ("rejected", {}),
    },
    moved=lambda numbers: _appraisal(
        appraisal_row(A, numbers[A.id_number], 鉴定类别="再次鉴定", 申请日期="2026-11-20")
    ),
    moved_rows={FIRST_ROW},
    approval=Decision(approve=True, reviewer="审核员", grade="九级", self_care="未达等级"),
)

CASES = [
    PERSON_ADD,
    PERSON_REMOVE,
    INSURANCE_ADD,
    INSURANCE_REMOVE,
    BASE_DECLARE,
    EMPLOYER_CHANGE,
    INJURY_REPORT,
    INJURY_APPRAISAL,
]
