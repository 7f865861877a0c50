"""SQLAlchemy models of the social-insurance registry.

Months are stored as text `YYYYMM` (they sort and compare correctly as text); money as
Numeric with two decimals. Persons are keyed by their ID number: it is the natural key
every sheet carries, and it lets bulk inserts link enrolments without fetching ids.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    """Timezone-naive UTC now, the one clock every timestamp column uses."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of every registry table."""


class Employer(Base):
    __tablename__ = "employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    legal_rep: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(30))
    bank: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    risk_class: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped by every transaction that writes this employer's registry rows (see
    # importer.apply.lock_employer): a batch that sees it unchanged knows nobody else wrote.
    apply_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class EmployerHistory(Base):
    """Old values of an employer's details, kept whenever they change."""

    __tablename__ = "employer_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    old_values: Mapped[dict[str, Any]] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any]] = mapped_column(JSON)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))  # employer | reviewer
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Bumped by 退出: every session cookie issued before stops opening pages.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Person(Base):
    __tablename__ = "persons"
    id_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_type: Mapped[str] = mapped_column(String(20), default="居民身份证")
    name: Mapped[str] = mapped_column(String(60))
    gender: Mapped[str | None] = mapped_column(String(2))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    hukou: Mapped[str | None] = mapped_column(String(4))
    identity: Mapped[str | None] = mapped_column(String(4))  # 工人 | 干部
    phone: Mapped[str | None] = mapped_column(String(30))
    work_start_date: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# 1 for an active enrolment, NULL otherwise: the third part of ux_enrolments_active.
ACTIVE_MARK = text("(CASE WHEN status = 'active' THEN 1 END)")


class Enrolment(Base):
    """One person insured in one insurance at one employer from a start month.

    No foreign keys here, nor on contribution bases and declarations: these tables are
    bulk-loaded by the hundred thousand, and PostgreSQL checks a foreign key with a trigger
    per row, which more than doubled the cost of a load. The importer writes the person
    (and the batch) in the same transaction before these rows, so nothing dangles.
    """

    __tablename__ = "enrolments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(32))
    employer_id: Mapped[int] = mapped_column(Integer)
    insurance: Mapped[str] = mapped_column(String(3))
    start_month: Mapped[str] = mapped_column(String(6))
    end_month: Mapped[str | None] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | stopped
    start_reason: Mapped[str | None] = mapped_column(String(20))
    stop_reason: Mapped[str | None] = mapped_column(String(20))
    employment_form: Mapped[str | None] = mapped_column(String(20))
    batch_id: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_enrolments_employer", "employer_id", "status"),
        # Nobody is active twice in one insurance (here or at two employers): the checks
        # say so, and this index holds even for two employers' batches applied at once.
        # The third part is 1 for an active enrolment and NULL otherwise, and NULLs never
        # collide, so stopped enrolments may repeat. One index, not a partial unique one
        # plus a person index: it also serves every lookup by person, and each index
        # costs the bulk load of hundreds of thousands of rows.
        Index(
            "ux_enrolments_active",
            "person_id",
            "insurance",
            ACTIVE_MARK,
            unique=True,
        ),
    )


class ContributionBase(Base):
    """A monthly contribution base, effective from a month until a later one replaces it."""

    __tablename__ = "contribution_bases"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(32))
    employer_id: Mapped[int] = mapped_column(Integer)
    effective_month: Mapped[str] = mapped_column(String(6))
    declared_wage: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    base: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    clamped: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (Index("ix_bases_person_employer", "person_id", "employer_id"),)


class Batch(Base):
    """One uploaded file and the state of its processing."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    # Up to 30 MB: deferred, so only the code that reads the sheet (importer, reports)
    # loads it; status polls, lists and pages select every other column.
    file_bytes: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    phase: Mapped[str | None] = mapped_column(String(20))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    pending_review: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    # Runs started and not seen to end: a worker process died during each (worker.tasks).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resubmit_of: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(Text)
    # What the page needs to help with a whole-file rejection beyond the message (for
    # missing columns: the kind, the missing headers and the sheet's unmapped headers).
    error_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # 撤销本批次 (importer.undo): None, "running" (resumed by the worker after a crash) or
    # "done"; by whom, when, and {"reverted": N, "kept": [{"row", "reason"}]}.
    undo_status: Mapped[str | None] = mapped_column(String(10))
    undone_by: Mapped[str | None] = mapped_column(String(40))
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    undo_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The batch's issues counted as [column, letter, severity, code, count], kept with them
    # (registry.batch_queries.tally_issues); None before migration 0010 or while running.
    issue_counts: Mapped[list[list[Any]] | None] = mapped_column(JSON)


# Declarations that hold their natural key: a rejected or withdrawn one releases it.
HELD_KEY = "status IN ('applied', 'pending_review', 'approved')"


class Declaration(Base):
    """One sheet row turned into a declaration, with its outcome.

    Only applied, pending-review or approved declarations hold their natural key uniquely: that
    unique index is what makes a re-run, a resumed batch or a concurrent upload unable to
    apply the same row twice.
    """

    __tablename__ = "declarations"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key (see Enrolment): the batch row is written before its declarations.
    batch_id: Mapped[int] = mapped_column(Integer)
    employer_id: Mapped[int] = mapped_column(Integer)
    excel_row: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    id_number: Mapped[str | None] = mapped_column(String(32))
    natural_key: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    errors: Mapped[list[Any] | None] = mapped_column(JSON)
    warnings: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Preview and undo (issue 11): add | change | unchanged | rejected; the values the row
    # changes, as [column, old, new] in the sheet's own terms; and what the registry held
    # for the row before it was applied (the kind's `current` row; None for a new subject).
    action: Mapped[str | None] = mapped_column(String(10))
    changes: Mapped[list[Any] | None] = mapped_column(JSON)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    __table_args__ = (
        Index("ix_declarations_batch", "batch_id", "excel_row"),
        Index(
            "ux_declarations_applied_key",
            "natural_key",
            unique=True,
            sqlite_where=text(HELD_KEY),
            postgresql_where=text(HELD_KEY),
        ),
        # The reviewers' queue: pending declarations of every employer.
        Index(
            "ix_declarations_pending",
            "created_at",
            sqlite_where=text("status = 'pending_review'"),
            postgresql_where=text("status = 'pending_review'"),
        ),
    )


class HeaderMapping(Base):
    """A header of an employer's own sheets mapped by hand to a standard column once
    (e.g. its payroll export's 实发基数 is the 月缴费工资), remembered for its next uploads."""

    __tablename__ = "header_mappings"
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    kind: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(100))  # the header as typed, cleaned
    target: Mapped[str] = mapped_column(String(40))  # the standard header
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (Index("ux_header_mappings", "employer_id", "kind", "source", unique=True),)


class DeclarationReview(Base):
    """What became of a declaration sent to review: approved or rejected by a reviewer
    (with the reason and what the approval produced, e.g. an 认定编号), or withdrawn by
    the employer. One row per declaration; the audit log keeps the story too."""

    __tablename__ = "declaration_reviews"
    declaration_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))  # approved | rejected | withdrawn
    actor: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


# A batch issue's place in sheet order: its Excel row, 0 (before every row) for an issue of
# the whole file. The same text in the index and in the queries that page by it, so that
# both databases see the index fits (a bound parameter for the 0 would hide it).
ISSUE_SHEET_ORDER = text("coalesce(excel_row, 0)")


class BatchIssue(Base):
    """One error or warning of a batch, flat, so pages can filter and page them."""

    __tablename__ = "batch_issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    excel_row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(40))
    letter: Mapped[str | None] = mapped_column(String(4))
    value: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))
    __table_args__ = (
        # Sheet order, whole-file issues (no row) first, as the issue list pages them: an
        # index in that very order, so a page of a batch's 100,000 issues is read, not sorted.
        Index("ix_issues_batch_order", "batch_id", ISSUE_SHEET_ORDER, "id"),
        Index("ix_issues_batch_column", "batch_id", "column", "severity"),
    )


class BatchReport(Base):
    """A generated report workbook of a batch, kept so downloads are instant."""

    __tablename__ = "batch_reports"
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), primary_key=True)  # report | corrections
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LoginAttempt(Base):
    """Wrong-password count and lock of one login name, whether an account has it or not:
    unknown names count and lock exactly like known ones, so answers reveal nothing."""

    __tablename__ = "login_attempts"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(40))
    employer_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PolicyRate(Base):
    """Contribution rates of one insurance from a month on (work injury: per industry class)."""

    __tablename__ = "policy_rates"
    id: Mapped[int] = mapped_column(primary_key=True)
    insurance: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[str] = mapped_column(String(6))
    industry_class: Mapped[int | None] = mapped_column(Integer)
    employer_rate: Mapped[Decimal] = mapped_column(Numeric(7, 5))
    employee_rate: Mapped[Decimal] = mapped_column(Numeric(7, 5))


class PolicyBaseLimit(Base):
    """Published floor and cap of the monthly contribution base for one year."""

    __tablename__ = "policy_base_limits"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    floor: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    cap: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class PolicyInterest(Base):
    """记账利率 of the pension personal account for one year."""

    __tablename__ = "policy_interest"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 5))


class PolicyRetirement(Base):
    """Statutory retirement rule of one category (2025 gradual reform)."""

    __tablename__ = "policy_retirement"
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    base_age: Mapped[int] = mapped_column(Integer)
    reform_start_year: Mapped[int] = mapped_column(Integer)
    months_per_delay: Mapped[int] = mapped_column(Integer)
    max_delay_months: Mapped[int] = mapped_column(Integer)


class PolicySetting(Base):
    """A single named policy figure (late charge per day, months of back-dating ...)."""

    __tablename__ = "policy_settings"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(200))


# --- 工伤 (work injuries): injury_report / injury_appraisal, see registry/injuries.py ---


class Injury(Base):
    """One reported accident (工伤事故申报) of a person at an employer, and its 认定.

    Written when the report is uploaded (state pending, beside its pending declaration);
    the reviewer's decision sets approved (认定工伤 / 视同工伤, with a 认定编号) or
    rejected (不予认定); a withdrawn report's row is deleted with nothing decided.
    """

    __tablename__ = "injuries"
    id: Mapped[int] = mapped_column(primary_key=True)
    # GS + year + 5-digit sequence, given at approval; NULL until then.
    injury_no: Mapped[str | None] = mapped_column(String(12), unique=True)
    person_id: Mapped[str] = mapped_column(String(32))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    accident_date: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    body_part: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    hospital: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    outcome: Mapped[str | None] = mapped_column(String(10))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewer: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    # The declaration (and the batch row) the report came from.
    declaration_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    batch_id: Mapped[int] = mapped_column(Integer)
    excel_row: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_injuries_person", "person_id", "accident_date"),)


class Appraisal(Base):
    """One 劳动能力鉴定 application for an approved injury, and its conclusion.

    Written at upload (state pending); the reviewer concludes it (伤残等级 and
    生活自理障碍, state concluded) or rejects it; a withdrawn one is deleted.
    """

    __tablename__ = "appraisals"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The injury by its 认定编号 (unique, never reused): what the sheet names it by.
    injury_no: Mapped[str] = mapped_column(ForeignKey("injuries.injury_no"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    category: Mapped[str] = mapped_column(String(10))  # 初次鉴定 | 复查鉴定 | 再次鉴定
    applied_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    grade: Mapped[str | None] = mapped_column(String(8))
    self_care: Mapped[str | None] = mapped_column(String(12))
    concluded_at: Mapped[dt.date | None] = mapped_column(Date)
    reviewer: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    declaration_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    batch_id: Mapped[int] = mapped_column(Integer)
    excel_row: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InjuryCounter(Base):
    """The last 认定编号 sequence number given in a year (one row per year, bumped
    atomically by every approval, so numbers are unique and never given twice)."""

    __tablename__ = "injury_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


# The query modules' tables live beside their code; importing them here keeps one metadata.
from registry import query_models as _query_models  # noqa: E402, F401
