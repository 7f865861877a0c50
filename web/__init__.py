"""The Flask application factory: settings, blueprints, CSRF, cookies, headers, errors.

Config keys (each may be overridden by the `config` dict of `create_app`):
    DATABASE_URL, SECRET_KEY        from `shebao.settings.settings()`
    MAX_CONTENT_LENGTH              upload size limit in bytes (settings.max_upload_bytes)
    MAX_ROWS                        row limit of one uploaded sheet (settings.max_rows)
    LOGIN_MAX_FAILURES, LOGIN_LOCK_MINUTES   lockout after repeated wrong passwords
    SESSION_COOKIE_SECURE           settings.secure_cookies
    ENQUEUE                         callable(batch_id) run after an upload is stored;
                                    default: `worker.tasks.enqueue` (imported lazily)
    UNDO_ENQUEUE, UNDO_WINDOW       撤销本批次: who runs a started undo (default the
                                    worker) and the window (default SHEBAO_UNDO_WINDOW)
    TESTING, WTF_CSRF_ENABLED       as in Flask / Flask-WTF
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from registry.batch_queries import MAX_ID
from shebao.masking import install_log_masking
from shebao.settings import settings as current_settings

csrf = CSRFProtect()


class IdConverter(IntegerConverter):
    """`<int:...>` of every route: 0 .. 2^31-1 (ids are 32-bit in the database), so a huge
    id in a URL is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _enqueue_with_worker(batch_id: int) -> None:
    # Imported on first use: the web must start (and tests run) without a broker.
    from worker.tasks import enqueue

    enqueue(batch_id)


def _base_config() -> dict[str, Any]:
    settings = current_settings()
    return {
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.signing_key(),
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes,
        "MAX_ROWS": settings.max_rows,
        "LOGIN_MAX_FAILURES": settings.login_max_failures,
        "LOGIN_LOCK_MINUTES": settings.login_lock_minutes,
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "shebao_session",
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=8),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "ENQUEUE": _enqueue_with_worker,
    }


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the web application; `config` overrides any key of the settings."""
    app = Flask(__name__)
    app.config.update(_base_config())
    app.config.update(config or {})
    app.debug = False  # never the interactive debugger, whatever the environment says
    install_log_masking()  # no log line of this process carries an ID number in full
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = IdConverter  # before any route is added
    csrf.init_app(app)
    _register_blueprints(app)
    from web import errors, formatting, security

    formatting.register(app)
    security.register(app)
    errors.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from web import api, api_undo, auth, batches, declare, main, preview, queries, undo

    # Add /api/v1/queries/<name> and the preview routes to api.bp before it is registered.
    importlib.import_module("web.api_queries")
    importlib.import_module("web.api_preview")

    for module in (auth, main, declare, batches, preview, queries, undo):
        app.register_blueprint(module.bp)
    _register_review_desk(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_undo.bp)
    # The API authenticates with bearer tokens, not cookies: CSRF does not apply.
    csrf.exempt(api.bp)
    csrf.exempt(api_undo.bp)


def _register_review_desk(app: Flask) -> None:
    """The review desk, 申报及结果查询 by declaration, 单位基本信息变更 and their API."""
    from web import api_review, declarations, employer_change, review

    for module in (review, declarations, employer_change):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_review.bp)
    csrf.exempt(api_review.bp)  # bearer tokens, like the rest of the API
