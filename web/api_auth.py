"""Bearer tokens of the JSON API: issued for a user name and password, checked per request.

A token is an itsdangerous `URLSafeTimedSerializer` payload signed with the app's secret
(salt `api-token`), holding the user id and a fingerprint of the password hash: changing
the password changes the hash, so every token issued before stops working. Tokens expire
after 12 hours. Password checks and lockout go through `registry.accounts.authenticate`,
so API and web login share the same failure counters.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from registry.accounts import audit_name, authenticate
from registry.models import AuditEntry, User
from web.api_errors import ApiError
from web.db import uow as unit_of_work

TOKEN_SALT = "api-token"
TOKEN_MAX_AGE_SECONDS = 12 * 3600
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="shebao-api"'}
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ApiUser:
    """Who a request is from, detached from any database session."""

    id: int
    username: str
    role: str
    employer_id: int | None

    @property
    def is_reviewer(self) -> bool:
        """Reviewers read every employer's batches and upload nothing."""
        return self.role == "reviewer"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def password_marker(password_hash: str) -> str:
    """A short fingerprint of the password hash; it changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def issue_token(user: User) -> str:
    """A signed token for `user`, valid 12 hours or until the password changes."""
    return _serializer().dumps({"uid": user.id, "pw": password_marker(user.password_hash)})


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers=dict(_CHALLENGE))


def login(username: str, password: str) -> str:
    """A token for valid credentials; ApiError 401 (wrong) or 423 (locked) otherwise."""
    with unit_of_work() as uow:
        result = authenticate(
            uow.session,
            username,
            password,
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        action = "api_login" if result.user else "api_login_failed"
        detail = {"ip": request.remote_addr}
        uow.session.add(AuditEntry(actor=audit_name(username), action=action, detail=detail))
        uow.commit()
    if result.user is not None:
        return issue_token(result.user)
    message = result.message or "用户名或密码不正确。"
    if result.locked:
        raise ApiError(423, "account_locked", message)
    raise _unauthorized("bad_credentials", message)


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise _unauthorized(
            "missing_token",
            "缺少访问令牌。请先调用 POST /api/v1/token 获取令牌, 并以 Authorization: Bearer 令牌 发送。",
        )
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("invalid_token", "Authorization 请求头格式应为「Bearer 令牌」。")
    return token.strip()


def user_from_token(token: str) -> ApiUser:
    """The user a token stands for; ApiError 401 when expired, forged or revoked."""
    try:
        payload = _serializer().loads(token, max_age=TOKEN_MAX_AGE_SECONDS)
    except SignatureExpired:
        raise _unauthorized(
            "token_expired", "访问令牌已过期(有效期 12 小时), 请重新获取。"
        ) from None
    except BadSignature:
        raise _unauthorized("invalid_token", "访问令牌无效, 请重新获取。") from None
    with unit_of_work() as uow:
        user = uow.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
        if user is None or payload.get("pw") != password_marker(user.password_hash):
            raise _unauthorized(
                "invalid_token", "访问令牌已失效(密码已修改或帐号已删除), 请重新获取。"
            )
        return ApiUser(user.id, user.username, user.role, user.employer_id)


def token_required(view: F) -> F:
    """Run `view` only for a valid bearer token; the user is then in `g.api_user`."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g.api_user = user_from_token(_bearer_token())
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def current_user() -> ApiUser:
    """The user of the current API request (inside a `token_required` view)."""
    return g.api_user
