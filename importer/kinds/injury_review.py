"""What a reviewer's decision (and an employer's withdrawal) changes for the two 工伤
kinds, and the reviewer's history view: the hooks `injury_report` and `injury_appraisal`
give their `Kind` (approve / reject / withdraw), built on `registry.injuries`.

Decisions are dated by the service's today (`SHEBAO_TODAY` when set); an injury's
认定编号 takes the year of its approval.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from importer.context import today
from importer.kinds.base import Decision, DecisionRefused, PendingDeclaration
from registry import injuries
from registry.models import Appraisal, Injury
from validators import messages

# A reviewer's decision on a reported accident (工伤保险条例 art. 14-15).
INJURY_APPROVALS = ["认定工伤", "视同工伤"]
INJURY_REJECTION = "不予认定"
# A reviewer's conclusion on an appraisal (伤残等级, 生活自理障碍).
DISABILITY_GRADES = [
    "一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级", "未达等级",
]  # fmt: skip
SELF_CARE_LEVELS = ["生活完全不能自理", "生活大部分不能自理", "生活部分不能自理", "未达等级"]

# The messages of the reviewers' decisions on 工伤 (DecisionRefused): each 工伤 kind
# adds those of its decisions to its own `MESSAGES`.
REPORT_MESSAGES: dict[str, str] = {
    "decision_injury_outcome": "批准工伤认定须选择认定结论「认定工伤」或「视同工伤」, 现在是「{value}」。不予认定的, 请选择退回并写明理由。",
    "decision_rejection_outcome": "退回的工伤认定结论只能是「不予认定」, 现在是「{value}」。要认定为工伤的, 请选择批准。",
    "decision_numbers_exhausted": "{year} 年的工伤认定编号已用完(每年最多 99999 个), 无法再编号。请联系系统管理员。",
    "decision_not_pending": "这份{title}申报没有待审核的记录(可能已经审核或已被撤回), 不能再作决定。请刷新审核列表。",
}
APPRAISAL_MESSAGES: dict[str, str] = {
    "decision_grade": "鉴定结论须选择伤残等级({choices}), 现在是「{value}」。",
    "decision_self_care": "鉴定结论须选择生活自理障碍等级({choices}), 现在是「{value}」。",
    "decision_not_pending": "这份{title}申报没有待审核的记录(可能已经审核或已被撤回), 不能再作决定。请刷新审核列表。",
}

# --- 工伤事故申报 ---


def approve_report(session: Session, declaration: PendingDeclaration, decision: Decision) -> dict:
    """认定工伤 / 视同工伤: the injury gets the next 认定编号 of this year."""
    if decision.outcome not in INJURY_APPROVALS:
        raise DecisionRefused(
            messages.render("decision_injury_outcome", value=decision.outcome or "未选择")
        )
    injury = _decide_report(session, declaration, decision.outcome, decision)
    return {"injury_no": injury.injury_no, "outcome": injury.outcome}


def reject_report(session: Session, declaration: PendingDeclaration, decision: Decision) -> dict:
    """不予认定: the injury is kept, rejected, with the reviewer's reason."""
    if decision.outcome not in (None, "", INJURY_REJECTION):
        raise DecisionRefused(messages.render("decision_rejection_outcome", value=decision.outcome))
    injury = _decide_report(session, declaration, INJURY_REJECTION, decision)
    return {"outcome": injury.outcome}


def _decide_report(
    session: Session, declaration: PendingDeclaration, outcome: str, decision: Decision
):
    year = today().year
    try:
        return injuries.decide_injury(
            session, declaration.id, outcome, decision.reviewer, decision.reason, year
        )
    except LookupError:
        raise DecisionRefused(
            messages.render("decision_not_pending", title="工伤事故申报")
        ) from None
    except injuries.SequenceExhausted:
        raise DecisionRefused(messages.render("decision_numbers_exhausted", year=year)) from None


def withdraw_report(session: Session, declaration: PendingDeclaration) -> None:
    """The employer withdrew the report: its pending injury goes (nothing was decided)."""
    injuries.withdraw_pending(session, Injury, declaration.id)


def earlier_injuries(session: Session, declaration: PendingDeclaration) -> list[dict[str, Any]]:
    """The reviewer's history view: the person's other injuries at any employer, newest
    first, each with its appraisals (see `registry.injuries.injury_history`)."""
    if not declaration.id_number:
        return []
    return injuries.injury_history(
        session, declaration.id_number, except_declaration=declaration.id
    )


# --- 工伤鉴定 ---


def conclude_appraisal(
    session: Session, declaration: PendingDeclaration, decision: Decision
) -> dict:
    """The conclusion: 伤残等级 and 生活自理障碍 from their lists, dated today."""
    for code, value, choices in (
        ("decision_grade", decision.grade, DISABILITY_GRADES),
        ("decision_self_care", decision.self_care, SELF_CARE_LEVELS),
    ):
        if value not in choices:
            raise DecisionRefused(
                messages.render(code, value=value or "未选择", choices="、".join(choices))
            )
    assert decision.grade is not None and decision.self_care is not None
    found = _conclude_appraisal(
        session, declaration, (decision.grade, decision.self_care), decision
    )
    return {
        "grade": found.grade,
        "self_care": found.self_care,
        "concluded_at": found.concluded_at.isoformat() if found.concluded_at else None,
    }


def reject_appraisal(session: Session, declaration: PendingDeclaration, decision: Decision) -> dict:
    """The application is rejected (no conclusion): a new one may be filed."""
    found = _conclude_appraisal(session, declaration, None, decision)
    return {"state": found.state}


def _conclude_appraisal(session, declaration, verdict, decision: Decision) -> Appraisal:
    try:
        return injuries.conclude_appraisal(
            session, declaration.id, verdict, decision.reviewer, decision.reason, today()
        )
    except LookupError:
        raise DecisionRefused(messages.render("decision_not_pending", title="工伤鉴定")) from None


def withdraw_appraisal(session: Session, declaration: PendingDeclaration) -> None:
    """The employer withdrew the application: its pending appraisal goes."""
    injuries.withdraw_pending(session, Appraisal, declaration.id)
