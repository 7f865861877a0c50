"""The import pipeline for 人员减少 (stopping enrolments), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from registry.models import Declaration, Enrolment
from tests.builders import xlsx_bytes
from tests.integration.test_pipeline_support import (
    REMOVE_LETTERS,
    Desk,
    make_id,
    person,
    second_employer,
)

pytestmark = pytest.mark.integration


def err(row: int, column: str, code: str) -> tuple:
    return (row, column, REMOVE_LETTERS[column], code)


def enrol(desk: Desk, *people, month: str = "202601", **cells) -> None:
    rows = [p.add(参保年月=month, **cells) for p in people]
    _, outcome = desk.submit(xlsx_bytes("person_add", rows))
    assert set(outcome.status.values()) == {"applied"}


def remove(desk: Desk, rows, **kw):
    return desk.submit(xlsx_bytes("person_remove", rows), file_name="人员减少.xlsx", **kw)


def test_stop_is_applied_to_every_active_enrolment(desk):
    leaver, stayer = person(0), person(1)
    enrol(desk, leaver, stayer)
    batch_id, outcome = remove(desk, [leaver.remove(减少原因="解除劳动合同", 停保年月="202611")])

    assert outcome.status == {3: "applied"}
    batch = desk.batch(batch_id)
    assert (batch.kind, batch.applied, batch.rejected) == ("person_remove", 1, 0)
    stopped = desk.enrolments(leaver.id_number)
    assert len(stopped) == 4
    for e in stopped:
        assert (e.status, e.end_month, e.stop_reason) == ("stopped", "202611", "解除劳动合同")
    assert {e.status for e in desk.enrolments(stayer.id_number)} == {"active"}
    (decl,) = desk.declarations(batch_id).values()
    assert decl.kind == "person_remove" and decl.id_number == leaver.id_number
    assert decl.natural_key.endswith(f"|person_remove|{leaver.id_number}|202611")


def test_only_this_employers_enrolments_are_stopped(desk, db_url):
    other = second_employer(db_url)
    someone = person(0)
    enrol(desk, someone, 养老保险="否", 医疗保险="否")
    Desk(db_url, other).submit(
        xlsx_bytes("person_add", [someone.add(失业保险="否", 工伤保险="否")])
    )
    _, outcome = remove(desk, [someone.remove()])
    assert outcome.status == {3: "applied"}
    elsewhere = desk.enrolments(someone.id_number, employer_id=other)
    assert {e.status for e in elsewhere} == {"active"} and len(elsewhere) == 2
    here = desk.enrolments(someone.id_number, employer_id=desk.employer_id)
    assert {e.status for e in here} == {"stopped"}


def test_removing_an_unknown_person(desk):
    stranger = person(3)
    batch_id, outcome = remove(desk, [stranger.remove()])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "证件号码", "not_enrolled_here")}
    (issue,) = desk.issues(batch_id)
    assert stranger.id_number in issue.message and "名册" in issue.message


def test_removing_a_person_enrolled_only_elsewhere(desk, db_url):
    other = second_employer(db_url)
    someone = person(0)
    Desk(db_url, other).submit(xlsx_bytes("person_add", [someone.add()]))
    batch_id, outcome = remove(desk, [someone.remove()])
    assert desk.errors(batch_id) == {err(3, "证件号码", "not_enrolled_here")}
    assert {e.status for e in desk.enrolments(someone.id_number)} == {"active"}


def test_remove_twice_same_month_is_unchanged_other_month_is_already_stopped(desk):
    someone = person(0)
    enrol(desk, someone)
    data = xlsx_bytes("person_remove", [someone.remove(停保年月="202610")])
    first, _ = remove(desk, [someone.remove(停保年月="202610")])

    again, outcome = desk.submit(data, file_name="人员减少.xlsx")
    assert outcome.status == {3: "unchanged"}
    assert desk.errors(again) == set()
    assert desk.batch(again).unchanged == 1

    later, outcome = remove(desk, [someone.remove(停保年月="202611")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(later) == {err(3, "停保年月", "already_stopped")}
    (issue,) = desk.issues(later)
    assert "2026年10月" in issue.message and "辞职" in issue.message
    assert {e.end_month for e in desk.enrolments(someone.id_number)} == {"202610"}
    with desk.uow() as uow:
        from sqlalchemy import func, select

        applied = uow.session.scalar(
            select(func.count())
            .select_from(Declaration)
            .where(Declaration.kind == "person_remove", Declaration.status == "applied")
        )
    assert applied == 1


def test_stop_month_before_the_start_month(desk):
    someone = person(0)
    enrol(desk, someone, month="202611")
    batch_id, outcome = remove(desk, [someone.remove(停保年月="202610")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "停保年月", "stop_before_start")}
    (issue,) = desk.issues(batch_id)
    assert "2026年10月" in issue.message and "2026年11月" in issue.message
    assert {e.status for e in desk.enrolments()} == {"active"}


def test_stop_month_later_than_next_month(desk):
    someone = person(0)
    enrol(desk, someone)
    batch_id, _ = remove(desk, [someone.remove(停保年月="202701")])
    assert desk.errors(batch_id) == {err(3, "停保年月", "month_too_late")}


def test_retirement_before_the_original_age_is_an_error(desk):
    # A man born 1966-06: 60 in 2026-06; 60 years + 5 months of delay → statutory 2026-11.
    retiree = person(0, birth="19660610")
    enrol(desk, retiree, month="202601")
    batch_id, outcome = remove(desk, [retiree.remove(减少原因="退休", 停保年月="202605")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "减少原因", "retire_too_early")}
    (issue,) = desk.issues(batch_id)
    assert "2026年6月" in issue.message and "2026年11月" in issue.message
    assert {e.status for e in desk.enrolments()} == {"active"}

    batch_id, outcome = remove(desk, [retiree.remove(减少原因="退休", 停保年月="202611")])
    assert outcome.status == {3: "applied"}
    assert desk.warnings(batch_id) == set()
    assert {(e.status, e.stop_reason) for e in desk.enrolments()} == {("stopped", "退休")}


def _flexible_retiree(desk: Desk):
    """A man between his original (2026-06) and statutory (2026-11) age, sent to review."""
    retiree = person(0, birth="19660610")
    enrol(desk, retiree, month="202601")
    batch_id, outcome = remove(desk, [retiree.remove(减少原因="退休", 停保年月="202608")])
    return retiree, batch_id, outcome


def test_flexible_early_retirement_goes_to_review_with_a_warning(desk):
    retiree, batch_id, outcome = _flexible_retiree(desk)
    assert outcome.status == {3: "pending_review"}
    assert desk.errors(batch_id) == set()
    assert desk.warnings(batch_id) == {err(3, "减少原因", "flexible_early_retirement")}
    assert desk.batch(batch_id).pending_review == 1
    (decl,) = desk.declarations(batch_id).values()
    assert decl.status == "pending_review" and decl.payload["停保年月"] == "202608"
    assert [w["code"] for w in decl.warnings] == ["flexible_early_retirement"]
    assert {e.status for e in desk.enrolments()} == {"active"}
    # The same sheet again: already declared (pending), nothing new.
    data = xlsx_bytes("person_remove", [retiree.remove(减少原因="退休", 停保年月="202608")])
    again, outcome = desk.submit(data, file_name="人员减少.xlsx")
    assert outcome.status == {3: "unchanged"}


def test_approving_a_flexible_retirement_stops_the_enrolments(desk):
    from importer.kinds import get_kind
    from importer.kinds.base import Decision, DecisionRefused

    retiree, batch_id, _ = _flexible_retiree(desk)
    (decl,) = desk.declarations(batch_id).values()
    approve = get_kind("person_remove").approve
    assert approve is not None
    with desk.uow() as uow:
        assert approve(uow.session, decl, Decision(approve=False, reviewer="审核员")) == {}
        uow.commit()
    assert {e.status for e in desk.enrolments()} == {"active"}
    with desk.uow() as uow:
        result = approve(uow.session, decl, Decision(approve=True, reviewer="审核员"))
        uow.commit()
    assert result == {"stopped": 4, "end_month": "202608"}
    assert {(e.status, e.end_month, e.stop_reason) for e in desk.enrolments()} == {
        ("stopped", "202608", "退休")
    }
    # Approving again: nothing active is left to stop, said in Chinese.
    with desk.uow() as uow, pytest.raises(DecisionRefused) as refused:
        approve(uow.session, decl, Decision(approve=True, reviewer="审核员"))
    assert "没有在保" in refused.value.message


def test_women_workers_and_cadres_retire_at_different_ages(desk):
    # Women born 1976-03: workers reach age in 2026-03 + delay, cadres years later.
    worker = person(0, birth="19760301", gender="女")
    cadre = person(1, birth="19760301", gender="女")
    enrol(desk, worker)
    enrol(desk, cadre, 个人身份="干部")
    rows = [
        worker.remove(减少原因="退休", 停保年月="202611"),
        cadre.remove(减少原因="退休", 停保年月="202611"),
    ]
    batch_id, outcome = remove(desk, rows)
    assert outcome.status == {3: "applied", 4: "rejected"}
    assert desk.errors(batch_id) == {err(4, "减少原因", "retire_too_early")}


def test_name_mismatch_on_removal(desk):
    someone = person(0)
    enrol(desk, someone)
    batch_id, outcome = remove(desk, [someone.remove(姓名="别人")])
    assert outcome.status == {3: "rejected"}
    assert desk.errors(batch_id) == {err(3, "姓名", "name_mismatch")}
    assert {e.status for e in desk.enrolments()} == {"active"}


def test_mixed_removal_sheet_applies_valid_rows(desk):
    a, b, c = person(0), person(1), person(2)
    enrol(desk, a, b, c)
    rows = [
        a.remove(),  # 3
        b.remove(减少原因="跳槽"),  # 4 not in the list
        c.remove(停保年月="2026-13"),  # 5 no such month
        person(9).remove(),  # 6 unknown
        c.remove(姓名=c.name, 停保年月="202611", 证件号码=c.id_number.lower()),  # 7
    ]
    batch_id, outcome = remove(desk, rows)
    assert desk.errors(batch_id) == {
        err(4, "减少原因", "not_in_list"),
        err(5, "停保年月", "month_format"),
        err(5, "证件号码", "duplicate_in_sheet"),
        err(7, "证件号码", "duplicate_in_sheet"),
        err(6, "证件号码", "not_enrolled_here"),
    }
    assert outcome.status == {
        3: "applied",
        4: "rejected",
        5: "rejected",
        6: "rejected",
        7: "rejected",
    }
    assert {e.person_id for e in desk.enrolments() if e.status == "stopped"} == {a.id_number}


def test_removal_with_15_digit_id_and_id_as_number(desk):
    # 15-digit ID of a man born 1980-01-01: upgraded, then found in the registry.
    upgraded = "330682198001011239"
    from tests.integration.test_pipeline_support import add_row

    _, outcome = desk.submit(
        xlsx_bytes("person_add", [add_row(证件号码=upgraded, 出生日期="1980-01-01")])
    )
    assert outcome.status == {3: "applied"}
    other = person(5)
    enrol(desk, other)
    rows = [
        ["张三", "330682800101123", "辞职", "202611", ""],
        [other.name, float(other.id_number), "辞职", "202611", ""],
    ]
    batch_id, outcome = remove(desk, rows)
    assert outcome.status == {3: "applied", 4: "rejected"}
    assert desk.errors(batch_id) == {err(4, "证件号码", "id_excel_number")}
    assert err(3, "证件号码", "id15_upgraded") in desk.warnings(batch_id)
    assert {e.status for e in desk.enrolments(upgraded)} == {"stopped"}


def test_dry_run_removal_changes_nothing(desk):
    someone = person(0)
    enrol(desk, someone)
    batch_id, outcome = remove(desk, [someone.remove()], dry_run=True)
    assert outcome.status == {3: "valid"}
    assert {e.status for e in desk.enrolments()} == {"active"}
    assert desk.count(Enrolment) == 4


def test_invalid_id_in_removal_sheet(desk):
    bad = make_id()[:17] + "0"
    if bad == make_id():
        bad = make_id()[:17] + "1"
    batch_id, _ = remove(desk, [["张三", bad, "辞职", "202611", ""]])
    assert desk.errors(batch_id) == {err(3, "证件号码", "id_checksum")}


def test_old_sheets_uploaded_again_after_the_registry_moved_on_are_unchanged(desk):
    # 人员增加 in January, 人员减少 in November: uploading the January sheet again must say
    # "already applied" (unchanged), not report the later stop as a conflict; likewise the
    # November stop after the person was enrolled again in December.
    someone = person(0)
    add_sheet = xlsx_bytes("person_add", [someone.add(参保年月="202601")])
    stop_sheet = xlsx_bytes("person_remove", [someone.remove(停保年月="202611")])
    assert set(desk.submit(add_sheet)[1].status.values()) == {"applied"}
    assert set(remove(desk, [someone.remove(停保年月="202611")])[1].status.values()) == {"applied"}

    batch_id, outcome = desk.submit(add_sheet)
    assert outcome.status == {3: "unchanged"}
    assert desk.errors(batch_id) == set()

    enrol(desk, someone, month="202612")
    batch_id, outcome = desk.submit(stop_sheet, file_name="人员减少.xlsx")
    assert outcome.status == {3: "unchanged"}
    assert {e.status for e in desk.enrolments(someone.id_number) if e.start_month == "202612"} == {
        "active"
    }
