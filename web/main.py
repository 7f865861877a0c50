"""首页 (the welcome page with the employer's recent batches) and what every page shares:
the menu and links that keep the current filters."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, g, render_template, request, url_for

from importer.context import today
from registry.batch_queries import batches_page
from registry.policy import base_limits_notice
from web.auth import login_required
from web.db import scope_employer_id, uow
from web.errors import size_text
from web.menu import menu_for

bp = Blueprint("main", __name__)


@bp.app_context_processor
def frame_context() -> dict:
    """The menu of the logged-in user and `page_url` for every template."""
    user = g.get("user")
    return {
        "menu": menu_for(user.role) if user else [],
        "page_url": page_url,
        "upload_limit": size_text(current_app.config.get("MAX_CONTENT_LENGTH") or 0),
        "max_rows": current_app.config.get("MAX_ROWS"),
    }


def page_url(**changes: object) -> str:
    """The current page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = str(value)
    return url_for(request.endpoint or "main.index", **{**(request.view_args or {}), **args})


def page_arg(name: str = "page") -> int:
    """A page number from the query string; anything odd means page 1."""
    value = request.args.get(name, "1")
    # isascii: "²" is a digit to Python but not a number to int().
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else 1


def text_arg(name: str) -> str | None:
    """A filter value from the query string without control characters (a NUL reaches no
    header or status, and PostgreSQL refuses it outright); None when empty."""
    return re.sub(r"[\x00-\x1f\x7f]", "", request.args.get(name, "")).strip() or None


@bp.route("/")
@login_required
def index():
    """首页: welcome, the employer's recent batches."""
    with uow() as work:
        recent = batches_page(work.session, scope_employer_id(), per_page=10)
        # The operator's to-do, shown to reviewers (agency staff), never to clerks.
        notice = None if g.employer else base_limits_notice(work.session, today())
    return render_template("main/index.html", recent=recent, policy_notice=notice)
