"""The monthly assessment as a Celery task, run by beat on the 1st of each month
(`celery -A worker.app:celery beat`): the month just begun, and every month a declaration
may still reach back to (the `backdate_months` policy figure, 12 by default) again, so a
person added or stopped back-dated, or a base declared late, is booked for those months
too; a re-run books only what changed, as corrections."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from registry.assess import assess_month
from registry.policy import settings
from registry.uow import UnitOfWork
from shebao.settings import load_settings

TASK_NAME = "shebao.assess_month"
# How far back the beat re-runs when the policy table has no figure (its default).
DEFAULT_BACK = 12


def months_to_assess(today: dt.date, back: int = 1) -> list[str]:
    """The `back` months before today's and today's, oldest first, as YYYYMM."""
    now = today.year * 12 + today.month - 1
    return [f"{m // 12}{m % 12 + 1:02d}" for m in range(now - back, now + 1)]


def _back_months(uow: UnitOfWork) -> int:
    """How far back declarations reach (`backdate_months`), at least the previous month."""
    raw = settings(uow.session).get("backdate_months", str(DEFAULT_BACK))
    return max(int(raw), 1) if raw.isdigit() else DEFAULT_BACK


@shared_task(name=TASK_NAME)
def assess_task(month: str | None = None) -> dict[str, dict]:
    """Assess `month` (default: the months declarations may still reach and the current
    one); returns the totals per month."""
    url = load_settings().database_url
    if month:
        months = [month]
    else:
        with UnitOfWork.for_url(url) as uow:
            months = months_to_assess(dt.date.today(), _back_months(uow))
    out = {}
    for m in months:
        with UnitOfWork.for_url(url) as uow:
            out[m] = assess_month(uow.session, m).as_json()
            uow.commit()
    return out
