"""Every list of `registry.queries.LISTS` as a page (`/queries/<name>`) and an 导出Excel
download (`/queries/<name>.xlsx`), both from the list's one column description."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template, request
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from registry.pinyin import refresh_name_keys
from registry.queries import LISTS
from registry.queries.listing import ListQuery, Params
from registry.queries.retire import rate_notice
from registry.queries.roster import roster_counts
from web.auth import login_required
from web.db import uow
from web.exports import xlsx_response, xlsx_table
from web.main import page_arg
from web.queries import bp
from web.queries.params import list_params, month_problems
from web.queries.render import css_class, excel_rows, html_cell
from web.queries.scope import Scope, employer_choices, query_scope

# Extra figures some pages show above the table:
# name → f(session, employer id, params, the page's rows).
EXTRAS: dict[str, Callable[[Session, int, Params, list[dict]], dict[str, Any]]] = {
    "roster": lambda session, employer_id, _params, _rows: roster_counts(session, employer_id),
    "retirees": lambda _session, _employer_id, _params, rows: {"rate_notice": rate_notice(rows)},
}


# Lists with a page of their own (a posted ID number, see web.queries.person).
OWN_PAGES = {"person"}


def endpoint_name(name: str) -> str:
    """roster → roster, reaching-age → reaching_age (an endpoint prefix)."""
    return name.replace("-", "_")


def _page_view(query: ListQuery) -> Callable:
    def view():
        params = list_params(query, request.args, page_arg())
        with uow() as work:
            scope = query_scope(work.session)
            context = _context(work.session, query, scope, params)
        return _render(query, context)

    view.__doc__ = f"{query.title}: the list page."
    return view


def _context(session: Session, query: ListQuery, scope: Scope, params: Params) -> dict:
    context: dict[str, Any] = {"query": query, "scope": scope, "params": params, "page": None}
    context["problems"] = month_problems(request.args) if query.months else []
    if scope.employer_id is None:
        context["employers"] = employer_choices(session)
        return context
    refresh_name_keys(session, scope.employer_id)
    session.commit()
    context["page"] = query.page(session, scope.employer_id, params)
    extra = EXTRAS.get(query.name)
    if extra:
        context.update(extra(session, scope.employer_id, params, context["page"].items))
    return context


def _render(query: ListQuery, context: dict) -> str:
    helpers = {
        "html_cell": html_cell,
        "css_class": css_class,
        "sort": query.sort_key(context["params"]),
    }
    try:
        return render_template(f"queries/{endpoint_name(query.name)}.html", **context, **helpers)
    except TemplateNotFound:
        return render_template("queries/list.html", **context, **helpers)


def _export_view(query: ListQuery) -> Callable:
    def view():
        params = list_params(query, request.args, 1)
        with uow() as work:
            scope = query_scope(work.session)
            if scope.employer_id is None:
                abort(404)
            refresh_name_keys(work.session, scope.employer_id)
            rows = query.rows(work.session, scope.employer_id, params)
            data = xlsx_table(
                query.title, [c.header for c in query.columns], excel_rows(query, rows)
            )
        file_name = f"{query.title}_{scope.code}.xlsx"
        return xlsx_response(data, file_name, f"{endpoint_name(query.name)}_{scope.code}.xlsx")

    view.__doc__ = f"{query.title}: 导出Excel."
    return view


def _register() -> None:
    for name, query in LISTS.items():
        if name in OWN_PAGES:
            continue
        ep = endpoint_name(name)
        bp.add_url_rule(f"/{name}", f"{ep}_page", login_required(_page_view(query)))
        bp.add_url_rule(f"/{name}.xlsx", f"{ep}_export", login_required(_export_view(query)))


_register()
