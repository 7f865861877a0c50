"""JSON error bodies for `/api/v1`: every failure answers `{"error": {"code", "message"}}`.

Hierarchy:
    ApiError        raised by API views and helpers; carries the HTTP status, a stable
                    English `code` for programs and a Chinese `message` for people.

HTML error pages never reach an API client: HTTP errors raised inside API views, routing
failures under the API prefix (unknown path, wrong method) and unexpected exceptions are
all turned into the same JSON shape here.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

# Chinese messages for HTTP errors raised by Flask or Werkzeug rather than by our views.
HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "请先获取访问令牌, 并以 Authorization: Bearer 令牌 发送。"),
    403: ("forbidden", "没有权限执行此操作。"),
    404: ("not_found", "请求的地址不存在。"),
    405: ("method_not_allowed", "该地址不支持此请求方法。"),
    413: ("file_too_large", "上传的文件太大。"),
    415: ("unsupported_media_type", "不支持的请求内容类型。"),
    429: ("too_many_requests", "请求过于频繁, 请稍后再试。"),
    503: ("service_unavailable", "暂时无法服务, 请稍后再试(数据库暂时无法连接)。"),
    500: ("internal_error", "服务器内部错误, 请稍后再试; 如持续出现请联系经办机构。"),
}


class ApiError(Exception):
    """An API failure with its HTTP status, stable code and Chinese message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response with Chinese kept readable (UTF-8, not \\u escapes)."""
    text = json.dumps(body, ensure_ascii=False, default=str)
    return current_app.response_class(
        text, status=status, headers=headers, mimetype="application/json"
    )


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The one JSON error shape of the API."""
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def size_limit_message(limit_bytes: int | None) -> str:
    """Chinese message for an upload over the size limit, naming the limit when known."""
    if not limit_bytes:
        return HTTP_MESSAGES[413][1]
    return f"上传的文件超过 {limit_bytes / 1024 / 1024:g} MB 的上限, 请拆分成几个文件分别上传。"


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code, message = HTTP_MESSAGES.get(status, (f"http_{status}", exc.description or ""))
    if status == 413:
        message = size_limit_message(current_app.config.get("MAX_CONTENT_LENGTH"))
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return error_response(status, code, message, headers)


def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


def _unexpected(exc: Exception) -> Response:
    # Logged with its traceback for operators; the client only learns that it failed.
    current_app.logger.exception("API request failed: %s %s", request.method, request.path)
    code, message = HTTP_MESSAGES[500]
    return error_response(500, code, message)


def _unavailable(exc: Exception) -> Response:
    # One line, no statement or parameters: an outage needs no traceback to be understood.
    current_app.logger.error(
        "API database unavailable: %s %s (%s)", request.method, request.path, type(exc).__name__
    )
    code, message = HTTP_MESSAGES[503]
    return error_response(503, code, message, {"Retry-After": "30"})


def register_error_handlers(bp: Blueprint) -> None:
    """Make every error of `bp`, and every routing failure under its prefix, JSON."""
    bp.register_error_handler(ApiError, _api_error)
    # Before the catch-all below: Flask looks up a blueprint's handlers before the app's.
    bp.register_error_handler(OperationalError, _unavailable)
    bp.register_error_handler(InterfaceError, _unavailable)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(Exception, _unexpected)
    prefix = bp.url_prefix or ""

    # A URL that matches no route has no blueprint, so blueprint error handlers never see
    # its 404/405; app-wide before-request hooks do run first, and can answer for our prefix.
    @bp.before_app_request
    def _json_routing_errors() -> Response | None:
        exc = request.routing_exception
        if not isinstance(exc, NotFound | MethodNotAllowed):
            return None
        if request.path != prefix and not request.path.startswith(prefix + "/"):
            return None
        return _http_error(exc)
