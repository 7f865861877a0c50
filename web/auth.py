"""登录, 退出, 密码修改; the logged-in user on `g`; `login_required` for every other page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import update

from registry.accounts import AccountError, LoginResult, audit_name, authenticate, change_password
from registry.models import AuditEntry, Employer, User
from web.db import uow
from web.forms import LoginForm, PasswordChangeForm

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_logged_in_user() -> None:
    """Put the session's user (and its employer) on `g`, or None."""
    g.user, g.employer = None, None
    user_id = session.get("user_id")
    if user_id is None or request.endpoint == "static" or request.blueprint == "api":
        return
    with uow() as work:
        user = work.session.get(User, user_id)
        if user is None or session.get("password_stamp") != _password_stamp(user):
            # Deleted user, the password changed, or 退出 since this session logged in.
            session.clear()
            return
        g.user = user
        if user.employer_id is not None:
            g.employer = work.session.get(Employer, user.employer_id)


def _password_stamp(user: User) -> str:
    # Changing the password ends every other session of that user; 退出 bumps the
    # generation, so a copy of the cookie kept from before opens nothing any more.
    changed = user.password_changed_at.isoformat() if user.password_changed_at else ""
    return f"{changed}/{user.session_generation or 0}"


def login_required(view: Callable) -> Callable:
    """Send anonymous visitors to the login page, then back where they were going."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def _safe_next(target: str | None) -> str:
    # Only local paths: an absolute URL in ?next= would make the login page an open redirect.
    plain = target is not None and not any(ord(c) < 32 or ord(c) == 127 for c in target)
    if target and plain and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form; counts failures per name and locks the name after too many."""
    if g.user is not None and request.method == "GET":
        return redirect(url_for("main.index"))
    form = LoginForm()
    error, status = None, 200 if request.method == "GET" else 400
    if form.validate_on_submit():
        result = _check_login(form.username.data.strip(), form.password.data)
        if result.user is not None:
            _start_session(result.user)
            return redirect(_safe_next(request.args.get("next")))
        error, status = result.message, 423 if result.locked else 400
    return render_template("auth/login.html", form=form, error=error), status


def _start_session(user: User) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["password_stamp"] = _password_stamp(user)


def _check_login(username: str, password: str) -> LoginResult:
    config = current_app.config
    with uow() as work:
        result = authenticate(
            work.session,
            username,
            password,
            max_failures=config["LOGIN_MAX_FAILURES"],
            lock_minutes=config["LOGIN_LOCK_MINUTES"],
        )
        action = "login" if result.user else "login_failed"
        work.session.add(
            AuditEntry(
                actor=audit_name(username), action=action, detail={"ip": request.remote_addr}
            )
        )
        work.commit()
        return result


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session, on the server too: the user's generation moves on, so no copy
    of this cookie opens a page again (the user's other sessions end with it)."""
    user_id = session.get("user_id")
    if user_id is not None:
        with uow() as work:
            work.session.execute(
                update(User)
                .where(User.id == user_id)
                .values(session_generation=User.session_generation + 1)
            )
            work.commit()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """密码修改: old password, new password twice, strength rule."""
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        error = _change(
            form.old_password.data, form.new_password.data, form.new_password_again.data
        )
        if error is None:
            flash("密码已修改。下次登录请使用新密码。", "success")
            return redirect(url_for("main.index"))
    status = 200 if request.method == "GET" else 400
    return render_template("auth/password.html", form=form, error=error), status


def _change(old: str, new: str, new_again: str) -> str | None:
    with uow() as work:
        user = work.session.get(User, g.user.id)
        if user is None:  # deleted while logged in
            return "帐号不存在, 请重新登录。"
        try:
            change_password(work.session, user, old, new, new_again)
        except AccountError as exc:
            return str(exc)
        work.commit()
        _start_session(user)  # other sessions end; this one carries the new stamp
    return None
