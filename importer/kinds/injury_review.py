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
from validators import codes, messages

# --- 工伤事故申报 ---


def approve_report(session: Session, declaration: PendingDeclaration, decision: Decision) -> dict:
    """认定工伤 / 视同工伤: the injury gets the next 认定编号 of this year."""
    if decision.outcome not in codes.INJURY_APPROVALS:
        raise DecisionRefused(
            messages.render("decision_injury_outcome", value=decision.outcome or "未选择")
        )
    injury = _decide_report(session, declaration, decision.outcome, decision)
    return {"injury_no": injury.injury_no, "outcome": injury.outcome}


def reject_report(session: Session, declaration: PendingDeclaration, decision: Decision) -> dict:
    """不予认定: the injury is kept, rejected, with the reviewer's reason."""
    if decision.outcome not in (None, "", codes.INJURY_REJECTION):
        raise DecisionRefused(messages.render("decision_rejection_outcome", value=decision.outcome))
    injury = _decide_report(session, declaration, codes.INJURY_REJECTION, decision)
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
    own = injuries.injury_of_declaration(session, declaration.id)
    history = injuries.injury_history(session, declaration.id_number)
    return [h for h in history if h["id"] != own]


# --- 工伤鉴定 ---


def conclude_appraisal(
    session: Session, declaration: PendingDeclaration, decision: Decision
) -> dict:
    """The conclusion: 伤残等级 and 生活自理障碍 from their lists, dated today."""
    for code, value, choices in (
        ("decision_grade", decision.grade, codes.DISABILITY_GRADES),
        ("decision_self_care", decision.self_care, codes.SELF_CARE_LEVELS),
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
