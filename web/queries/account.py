"""养老个人帐户对帐单: a person's pension account for a year, printable on A4 and as an
Excel sheet, for a person enrolled at the page's employer (`web.queries.person` finds
them the same way).

An employer must not see another employer's wages: a clerk's statement shows the bases
and credits of the months credited at the own employer and, for those credited elsewhere,
one line 在其他单位期间记账 with their sum (no base, no employer); the balance and the
interest are the whole account's. A reviewer (like the CLI) sees every month. A year
without an entered 记账利率 is said in Chinese on the page, for the export too; the
reviewer is told the command that enters it, a clerk that the agency enters it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import abort, render_template, request
from sqlalchemy.orm import Session

from importer.context import today
from registry.statement import (
    MissingRate,
    MonthCredit,
    Statement,
    StatementError,
    employer_view,
    statement,
)
from web.auth import login_required
from web.db import uow
from web.exports import xlsx_response, xlsx_table
from web.queries import bp
from web.queries.person import person_here, posted_id
from web.queries.scope import Scope, employer_choices, query_scope

ELSEWHERE = "在其他单位期间记账"


def _year() -> int:
    raw = (request.form.get("year") or "").strip()
    return int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else today().year - 1


def _problem(exc: StatementError, scope: Scope) -> str:
    """What the page says of a statement it cannot compute, in Chinese."""
    if isinstance(exc, MissingRate) and not scope.reviewer:
        return (
            f"{exc.year} 年的记账利率尚未录入, 暂无法计算 {exc.year} 年及以后年度的利息和余额。"
            "记账利率由社保经办机构公布后录入, 请录入后再查询。"
        )
    return str(exc)


@dataclass(frozen=True)
class Shown:
    """A statement as the viewer sees it: the month lines it may see and the sum
    credited elsewhere (None when no month is hidden)."""

    statement: Statement
    months: list[MonthCredit]
    elsewhere: Decimal | None


def _shown(session: Session, scope: Scope, s: Statement) -> Shown:
    if scope.reviewer or scope.employer_id is None:
        return Shown(s, s.months, None)
    view = employer_view(session, s, scope.employer_id)
    return Shown(s, view.months, view.elsewhere or None)


def _statement_context(session: Session, scope: Scope, id_number: str, year: int) -> dict:
    context: dict[str, object] = {"scope": scope, "person": None, "id_number": id_number,
                                  "year": year, "error": None, "shown": None,
                                  "elsewhere_label": ELSEWHERE}  # fmt: skip
    if scope.employer_id is None:
        context["employers"] = employer_choices(session)
    elif id_number:
        context["person"] = person_here(session, scope.employer_id, id_number)
        try:
            context["shown"] = _shown(session, scope, statement(session, id_number, year))
        except StatementError as exc:
            context["error"] = _problem(exc, scope)
    return context


@bp.route("/statement", methods=["GET", "POST"])
@login_required
def statement_page():
    """养老个人帐户对帐单 of a person and year, printable on A4."""
    id_number = posted_id() if request.method == "POST" else ""
    with uow() as work:
        scope = query_scope(work.session)
        context = _statement_context(work.session, scope, id_number, _year())
    return render_template("queries/statement.html", **context)


@bp.route("/statement.xlsx", methods=["POST"])
@login_required
def statement_export():
    """The statement as an Excel sheet (one row per month, then the totals); the page
    with the reason when it cannot be computed."""
    id_number, year = posted_id(), _year()
    with uow() as work:
        scope = query_scope(work.session)
        if scope.employer_id is None or not id_number:
            abort(404)
        context = _statement_context(work.session, scope, id_number, year)
    shown = context["shown"]
    if not isinstance(shown, Shown):
        return render_template("queries/statement.html", **context)
    title = f"{getattr(context['person'], 'name', '')} {year}年养老个人帐户对帐单"
    data = xlsx_table(title, ["项目", "缴费基数(元)", "金额(元)"], _sheet_rows(shown))
    return xlsx_response(data, f"养老个人帐户对帐单_{year}.xlsx", f"statement_{year}.xlsx")


def _sheet_rows(shown: Shown) -> list[list[object]]:
    s = shown.statement
    rows: list[list[object]] = [["期初余额", "", s.opening]]
    rows += [[f"{m.month[:4]}年{m.month[4:]}月", m.base, m.credit] for m in shown.months]
    if shown.elsewhere is not None:
        rows.append([ELSEWHERE, "", shown.elsewhere])
    return rows + [
        ["本年记入", "", s.credits],
        [f"本年利息(利率 {s.rate * 100:.2f}%)", "", s.interest],
        ["期末余额", "", s.closing],
    ]
