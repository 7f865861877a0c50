"""Error pages in Chinese: what happened and what to do next, never a stack trace.

Paths under `/api/` answer JSON `{"error": {"code", "message"}}` instead of a page.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求无法处理", "提交的内容不完整或格式不对。请返回上一页检查后重新提交。"),
    403: ("没有权限", "您的帐号没有访问该页面的权限。请返回首页。"),
    404: ("页面不存在", "您要找的页面或批次不存在, 或不属于本单位。请从左侧菜单重新进入。"),
    405: ("请求方式不正确", "该页面不能这样访问。请从左侧菜单重新进入。"),
    503: ("暂时无法服务", "暂时无法服务, 请稍后再试。数据库暂时无法连接, 您的数据没有丢失。"),
    500: (
        "系统出错了",
        "系统处理时出现意外错误, 已记录下来。请稍后重试; 如果一直出现, 请联系社保经办机构。",
    ),
}


def size_text(limit: int) -> str:
    """A byte count as the clerk reads it: 30 MB, 512 KB."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{max(1, limit // 1024)} KB"


def _too_large_message() -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return (
        f"上传的文件太大, 超过了 {size_text(limit)} 的上限, 没有保存。"
        "请删除表格中的空行、图片和多余的工作表, 或把数据拆成几个文件分别上传。"
    )


def _respond(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        codes = {413: "too_large", 404: "not_found", 503: "service_unavailable"}
        code = codes.get(status, f"http_{status}")
        return jsonify(error={"code": code, "message": message}), status
    return render_template("error.html", title=title, message=message, status=status), status


def handle_http(error: HTTPException):
    """A known HTTP error as a Chinese page."""
    status = error.code or 500
    if status == 413:
        return _respond(413, "文件太大", _too_large_message())
    title, message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    return _respond(status, title, message)


def handle_csrf(_error: CSRFError):
    """A form without a valid token: usually a page left open too long."""
    return _respond(
        400, "页面已过期", "页面已过期或来源无法确认, 提交没有生效。请刷新页面后重新操作。"
    )


def handle_internal(_error: Exception):
    """An unhandled exception (Flask has logged it): a plain apology, no trace."""
    return _respond(500, *MESSAGES[500])


def handle_unavailable(error: Exception):
    """The database cannot be reached (outage, restart): 503, try again later.

    Logged in one line without the statement or its parameters (they can hold ID
    numbers and passwords' names); the cause's class is enough to tell an outage."""
    log.error(
        "database unavailable: %s %s (%s)", request.method, request.path, type(error).__name__
    )
    response = make_response(_respond(503, *MESSAGES[503]))
    response.headers["Retry-After"] = "30"
    return response


def register(app: Flask) -> None:
    """Attach the handlers to `app`."""
    app.register_error_handler(OperationalError, handle_unavailable)
    app.register_error_handler(InterfaceError, handle_unavailable)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    # Unhandled exceptions reach Flask's 500 handling (logged there, propagated in tests).
    app.register_error_handler(500, handle_internal)
