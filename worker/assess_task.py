"""The monthly assessment as a Celery task, run by beat on the 1st of each month
(`celery -A worker.app:celery beat`): the month just begun, and the month before again so
late declarations of that month are booked as corrections."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from registry.assess import assess_month
from registry.uow import UnitOfWork
from shebao.settings import load_settings

TASK_NAME = "shebao.assess_month"


def months_to_assess(today: dt.date) -> list[str]:
    """The previous month and the current one, as YYYYMM."""
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return [previous.strftime("%Y%m"), today.strftime("%Y%m")]


@shared_task(name=TASK_NAME)
def assess_task(month: str | None = None) -> dict[str, dict]:
    """Assess `month` (default: the previous and the current month); returns the totals."""
    url = load_settings().database_url
    out = {}
    for m in [month] if month else months_to_assess(dt.date.today()):
        with UnitOfWork.for_url(url) as uow:
            out[m] = assess_month(uow.session, m).as_json()
            uow.commit()
    return out
