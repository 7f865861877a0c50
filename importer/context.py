"""Building the rule context of a batch from the registry's policy tables."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy.orm import Session

from registry import policy
from validators.context import RetirementRule, RuleContext


def today() -> dt.date:
    """Today, or `SHEBAO_TODAY` (YYYY-MM-DD) when set, for replays and reproducible tests."""
    fixed = os.environ.get("SHEBAO_TODAY", "").strip()
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def rule_context(session: Session, employer_code: str, on: dt.date | None = None) -> RuleContext:
    """The policy figures in force, as validators want them."""
    figures = policy.settings(session)
    rules = {k: RetirementRule(*v) for k, v in policy.retirement_rules(session).items()}
    return RuleContext(
        today=on or today(),
        employer_code=employer_code,
        backdate_months=int(figures.get("backdate_months", 12)),
        min_age=int(figures.get("min_age", 16)),
        injury_report_days=int(figures.get("injury_report_days", 30)),
        base_limits=policy.base_limits(session),
        retirement=rules or RuleContext(today=dt.date.today()).retirement,
    )
