"""JSON API of the review desk under `/api/v1`: declarations (clerks: their employer's,
with 撤回), the reviewers' queue and decisions. Same tokens, errors and conventions as
`web.api`; described in `web.openapi`. A declaration of another employer answers exactly
like a missing one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from importer.kinds import SPECS
from importer.kinds.base import Decision
from importer.review import ReviewError, decide, withdraw
from registry.accounts import employer_by_code
from registry.review_queries import (
    DECLARATION_STATES,
    REVIEW_STATES,
    DeclarationFilter,
    declaration_json,
    declarations_slice,
    visible_declaration,
)
from web.api_auth import ApiUser, current_user, token_required
from web.api_errors import ApiError, json_response, register_error_handlers
from web.api_params import refuse_unknown_query_parameters
from web.db import uow as unit_of_work

bp = Blueprint("api_review", __name__, url_prefix="/api/v1")
bp.before_request(refuse_unknown_query_parameters)
register_error_handlers(bp)
MAX_PAGE = 1000
DEFAULT_PAGE = 100


def _whole(name: str, default: int, lowest: int, highest: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not lowest <= int(raw) <= highest:
        raise ApiError(400, "bad_option", f"{name} 应为 {lowest} 到 {highest} 之间的整数。")
    return int(raw)


def _date(name: str):
    import datetime as dt

    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_option", f"{name} 应为日期, 格式如 2026-11-29。") from None


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        raise ApiError(400, "bad_option", f"{name} 只能是: {', '.join(allowed)}。")
    return value


def _filter(session, user: ApiUser, reviewed: bool, default_state: str | None) -> DeclarationFilter:
    states = REVIEW_STATES if reviewed else DECLARATION_STATES
    employer_id = None
    code = request.args.get("employer")
    if code and user.is_reviewer:
        found = employer_by_code(session, code)
        employer_id = found.id if found else -1  # an unknown code matches nothing
    return DeclarationFilter(
        kind=_choice("kind", sorted(SPECS)), employer_id=employer_id,
        state=_choice("state", states) or default_state, reviewed_only=reviewed,
        date_from=_date("date_from"), date_to=_date("date_to"),
    )  # fmt: skip


def _listing(reviewed: bool, default_state: str | None) -> Response:
    user = current_user()
    offset = _whole("offset", 0, 0, 10**9)
    limit = _whole("limit", DEFAULT_PAGE, 1, MAX_PAGE)
    scope = None if user.is_reviewer else user.employer_id
    with unit_of_work() as uow:
        f = _filter(uow.session, user, reviewed, default_state)
        rows, total = declarations_slice(uow.session, scope, f, offset, limit)
        items = [declaration_json(r, masked=True) for r in rows]
    return json_response({"declarations": items, "total": total, "offset": offset, "limit": limit})


@bp.get("/declarations")
@token_required
def list_declarations() -> Response:
    """申报及结果查询: the token's employer's declarations (every employer for reviewers)."""
    return _listing(reviewed=False, default_state=None)


def _shown(declaration_id: int, scope: int | None) -> dict[str, Any]:
    with unit_of_work() as uow:
        row = visible_declaration(uow.session, declaration_id, scope)
        if row is None:
            raise _not_found()
        return declaration_json(row)


def _not_found() -> ApiError:
    return ApiError(404, "declaration_not_found", "申报不存在。请检查申报编号是否正确。")


def _failed(exc: ReviewError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


@bp.get("/declarations/<int:declaration_id>")
@token_required
def show_declaration(declaration_id: int) -> Response:
    """One declaration of the token's employer (any employer's for reviewers), its ID
    number in full (lists show it masked)."""
    user = current_user()
    return json_response(_shown(declaration_id, None if user.is_reviewer else user.employer_id))


@bp.post("/declarations/<int:declaration_id>/withdraw")
@token_required
def withdraw_declaration(declaration_id: int) -> Response:
    """撤回 a declaration of the token's employer still waiting for review."""
    user = current_user()
    if user.is_reviewer or user.employer_id is None:
        raise ApiError(403, "forbidden", "只有提交申报的单位可以撤回申报。")
    try:
        withdraw(unit_of_work(), declaration_id, user.employer_id, user.username)
    except ReviewError as exc:
        raise _failed(exc) from None
    return json_response(_shown(declaration_id, user.employer_id))


def _reviewer() -> ApiUser:
    user = current_user()
    if not user.is_reviewer:
        raise ApiError(403, "forbidden", "只有社保经办审核人员可以使用审核接口。")
    return user


@bp.get("/review")
@token_required
def review_queue() -> Response:
    """The reviewers' queue (pending declarations unless `state` says otherwise)."""
    _reviewer()
    return _listing(reviewed=True, default_state="pending_review")


def _decision(user: ApiUser) -> Decision:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("approve"), bool):
        raise ApiError(
            400, "bad_request",
            '请求体应为 JSON, 如 {"approve": false, "reason": "退回原因"}; approve 为 true(批准)或 false(退回)。',
        )  # fmt: skip
    texts = {k: body.get(k) for k in ("reason", "outcome", "grade", "self_care")}
    if any(v is not None and not isinstance(v, str) for v in texts.values()):
        raise ApiError(400, "bad_request", "reason、outcome、grade、self_care 应为文字。")
    return Decision(
        approve=body["approve"], reviewer=user.username, reason=texts["reason"] or "",
        outcome=texts["outcome"], grade=texts["grade"], self_care=texts["self_care"],
    )  # fmt: skip


@bp.post("/review/<int:declaration_id>/decide")
@token_required
def decide_declaration(declaration_id: int) -> Response:
    """Approve or reject a pending declaration; answers it after the decision."""
    decision = _decision(_reviewer())
    try:
        decide(unit_of_work(), declaration_id, decision)
    except ReviewError as exc:
        raise _failed(exc) from None
    return json_response(_shown(declaration_id, None))
