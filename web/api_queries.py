"""JSON API of the query lists: `GET /api/v1/queries/<name>` with the page's filters,
sorting and paging, the same columns as the page (ID numbers masked). A clerk's token
sees its own employer; a reviewer's names one with `employer=CODE`."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import select

from registry.models import Employer
from registry.pinyin import refresh_name_keys
from registry.queries import LISTS
from registry.queries.listing import json_row
from web.api import bp
from web.api_auth import current_user, token_required
from web.api_errors import ApiError, json_response
from web.db import uow
from web.queries.params import MONTH, list_params

MAX_PER_PAGE = 1000


def _employer_id(session) -> int:
    user = current_user()
    if not user.is_reviewer:
        if user.employer_id is None:
            raise ApiError(403, "forbidden", "该帐号没有所属单位。")
        return user.employer_id
    code = (request.args.get("employer") or "").strip()
    if not code:
        raise ApiError(400, "missing_employer", "审核人员请用参数 employer 指定单位编码(8 位)。")
    emp_id = session.scalar(select(Employer.id).where(Employer.code == code))
    if emp_id is None:
        raise ApiError(404, "employer_not_found", f"单位编码 {code} 不存在。")
    return emp_id


def _int_arg(name: str, default: int, highest: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise ApiError(400, "bad_option", f"{name} 应为 1 到 {highest} 之间的整数。")
    return int(raw)


def _months_or_400() -> None:
    """from / to, when given, are YYYYMM months, from not after to (the page forgives
    other spellings with a notice; the API says so instead, as its document does)."""
    for name in ("from", "to"):
        if name in request.args and not MONTH.fullmatch(request.args[name]):
            raise ApiError(400, "bad_option", f"{name} 应为 6 位年月 YYYYMM, 例如 202611。")
    start, end = request.args.get("from"), request.args.get("to")
    if start and end and start > end:
        raise ApiError(400, "bad_option", f"from({start})晚于 to({end}), 请调换后再查询。")


@bp.get("/queries/<name>")
@token_required
def query_list(name: str) -> Response:
    """One page of the list `name` (roster, changes, contributions ...)."""
    query = LISTS.get(name)
    if query is None:
        known = "、".join(LISTS)
        raise ApiError(404, "unknown_query", f"没有名为 {name} 的查询。可选: {known}。")
    page_no = _int_arg("page", 1, 10**6)
    per_page = _int_arg("per_page", 50, MAX_PER_PAGE)
    _months_or_400()
    params = list_params(query, request.args, page_no, per_page)
    with uow() as work:
        employer_id = _employer_id(work.session)
        refresh_name_keys(work.session, employer_id)
        work.session.commit()
        page = query.page(work.session, employer_id, params)
    return json_response(
        {
            "query": name,
            "title": query.title,
            "columns": [
                {"key": c.key, "header": c.header, "format": c.format, "hint": c.hint}
                for c in query.columns
            ],
            "rows": [json_row(query, r) for r in page.items],
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
        }
    )
