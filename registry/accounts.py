"""Employers and their users: creation, password hashing (argon2), login checks (the
lockout counting is `registry.lockout`)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import lockout
from registry.models import AuditEntry, Employer, User, utcnow

LOGIN_PREFIX = "330682"
EMPLOYER_CODE = re.compile(r"^\d{8}$")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    """argon2 with its recommended defaults; `SHEBAO_ARGON2_TIME_COST` and
    `SHEBAO_ARGON2_MEMORY_KIB` lower them for test suites only (hashes stay verifiable
    either way, as the parameters are stored in each hash)."""
    time_cost = int(os.environ.get("SHEBAO_ARGON2_TIME_COST") or 3)
    memory = int(os.environ.get("SHEBAO_ARGON2_MEMORY_KIB") or 65536)
    return PasswordHasher(time_cost=time_cost, memory_cost=memory)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the user name is unknown, so a failed login takes as long
    either way and response times do not reveal which user names exist."""
    return _hasher().hash("not-a-real-password")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


def login_name(employer_code: str) -> str:
    """The 14-character user name of an employer's clerk."""
    return LOGIN_PREFIX + employer_code


def hash_password(password: str) -> str:
    """An argon2 hash of `password`."""
    return _hasher().hash(password)


def password_problem(password: str) -> str | None:
    """Why `password` is too weak, in Chinese, or None when it is acceptable."""
    if len(password) < 8:
        return "新密码至少 8 位。"
    kinds = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if kinds < 2:
        return "新密码须包含字母、数字、符号中的至少两类。"
    return None


def create_employer(
    session: Session, code: str, name: str, password: str | None = None, **details: object
) -> tuple[Employer, str]:
    """A new employer and its clerk's login; returns the employer and the password set."""
    if not EMPLOYER_CODE.match(code):
        raise AccountError(f"单位社保编码应为 8 位数字, 收到「{code}」。")
    if session.scalar(select(Employer).where(Employer.code == code)):
        raise AccountError(f"单位社保编码 {code} 已存在。")
    password = password or secrets.token_urlsafe(9)
    employer = Employer(code=code, name=name, **details)
    session.add(employer)
    session.flush()
    session.add(
        User(
            username=login_name(code),
            password_hash=hash_password(password),
            role="employer",
            employer_id=employer.id,
        )
    )
    session.add(
        AuditEntry(
            actor="cli", employer_id=employer.id, action="employer_create", detail={"code": code}
        )
    )
    return employer, password


def create_reviewer(session: Session, username: str, password: str) -> User:
    """An agency reviewer who sees every employer."""
    if session.scalar(select(User).where(User.username == username)):
        raise AccountError(f"用户名 {username} 已存在。")
    user = User(username=username, password_hash=hash_password(password), role="reviewer")
    session.add(user)
    return user


@dataclass(frozen=True)
class LoginResult:
    """What a login attempt came to: the user, or a Chinese message and whether the
    name is locked (the answer is the same whether an account has the name or not)."""

    user: User | None
    message: str | None = None
    locked: bool = False


def authenticate(
    session: Session, username: str, password: str, max_failures: int = 5, lock_minutes: int = 15
) -> LoginResult:
    """Check a login, counting it against its name first (commits as it goes: the count
    must be visible to parallel attempts before the slow password check)."""
    key, now = lockout.attempt_key(username), utcnow()
    taken, until = lockout.reserve(session, key, now, max_failures, lock_minutes)
    if taken > max_failures:
        return _locked(until, now)
    user = _user_named(session, username)
    if not verify_password(user.password_hash if user else _dummy_hash(), password) or not user:
        if taken >= max_failures:
            message = f"连续输错密码 {max_failures} 次, 帐号已锁定 {lock_minutes} 分钟。"
            return LoginResult(None, message, locked=True)
        left = max_failures - taken
        return LoginResult(None, f"用户名或密码不正确。再错 {left} 次帐号将被锁定。")
    lockout.release(session, key, taken)
    return LoginResult(user)


def audit_name(username: str) -> str:
    """A login name as the audit log keeps it: control characters shown as ?, 40 chars."""
    return lockout.ODD.sub("?", username.strip())[:40]


def _user_named(session: Session, username: str) -> User | None:
    # A name with control characters belongs to nobody (PostgreSQL refuses NUL outright).
    name = username.strip()
    if len(name) > 40 or not lockout.is_plain_name(name):
        return None
    user = session.scalar(select(User).where(User.username == name))
    session.commit()  # end the read: a SQLite writer must not upgrade a stale snapshot
    return user


def _locked(until: dt.datetime | None, now: dt.datetime) -> LoginResult:
    minutes = int(((until or now) - now).total_seconds() // 60) + 1
    return LoginResult(
        None, f"连续输错密码次数过多, 帐号已锁定, 请 {minutes} 分钟后再试。", locked=True
    )


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def change_password(session: Session, user: User, old: str, new: str, new_again: str) -> None:
    """Change a user's password after checking the old one and the strength rule."""
    if not verify_password(user.password_hash, old):
        raise AccountError("原密码不正确。")
    if new != new_again:
        raise AccountError("两次输入的新密码不一致。")
    if new == old:
        raise AccountError("新密码不能与原密码相同。")
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    session.add(
        AuditEntry(
            actor=user.username, employer_id=user.employer_id, action="password_change", detail={}
        )
    )


def employer_by_code(session: Session, code: str) -> Employer | None:
    """The employer with 8-digit `code`."""
    return session.scalar(select(Employer).where(Employer.code == code))
