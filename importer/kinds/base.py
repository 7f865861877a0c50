"""What a declaration kind is made of, and the types its parts exchange with the pipeline.

A kind is one `Kind` value in a module of its own (see `importer/kinds/__init__.py`):
- `rules`: its column spec, pandera model and check columns (pure validation);
- `messages`: the templates of the codes only this kind reports (its checks, its
  registry rules, its review decisions), merged into `validators.messages` when the
  registry loads; codes several kinds share keep their template there;
- `key_columns`: the sheet columns that, after employer and kind, make its natural key;
- `read_state(session, rows)`: what it needs from the registry for those rows, read
  set-based (a query for the whole sheet, never one per row);
- `judge(judgement, verdict)`: its rules against that state, column-wise;
- `plan(rows, target)`: the bulk writes that apply valid rows (no database access);
- `review`: which valid rows go to an agency reviewer instead of being applied, and
  `approve(session, declaration, decision)`: what an approval applies (the review desk
  calls it; a kind that sends rows to review must have it);
- `prefill` and `prefilled_columns`: for kinds acting on people already here, the rows
  of the template downloaded "含本单位在职人员", and which of its columns come filled
  (rows where only those are filled are skipped on upload, see `importer.layout`).
- `declare(rows, target)`: what a row going to review writes beside its pending
  declaration (e.g. a pending injury), and `reject` / `withdraw`: what a rejection or
  the employer's withdrawal of a pending declaration changes (the desk calls them).
- Preview and undo (预览 / 撤销本批次): `current(judgement)` is what the registry holds
  now for the rows, in the sheet's own terms, for the kind's `compared_columns`: the
  preview shows old → new from it, and the apply records its row as the declaration's
  before-image. `revert(rows, target)` plans the writes that put a row's before-image
  back (undo); see `Current` and `Reverter` below. `undo_approved` takes back what an
  approval applied, for a kind whose approval records its before-image (单位基本信息变更;
  see `ApprovalUndo`).

The pipeline knows nothing else about a kind: person-keyed kinds, the employer itself
and accident-keyed kinds differ only in these parts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import pandas as pd
from sqlalchemy.orm import Session

from importer.apply import Target, Write
from validators.context import RuleContext
from validators.errors import RowError
from validators.sheet import SheetRules
from validators.specs import KindSpec

Subject = Literal["person", "employer", "accident"]


@dataclass
class RegistryVerdict:
    """What the registry says about the candidate rows of a sheet."""

    errors: list[RowError] = field(default_factory=list)
    # Notices on rows that still go ahead (applied or sent to review), e.g. 弹性提前退休.
    warnings: list[RowError] = field(default_factory=list)
    unchanged: set[int] = field(default_factory=set)
    mine: set[int] = field(default_factory=set)
    # Subjects of the candidates the registry already knows (for a person kind: the ID
    # numbers registered as persons; their rows are updated, the others inserted).
    registered: frozenset[str] = frozenset()
    # The kind's state the verdict was reached on (what its `read_state` read).
    state: Any = None

    def rows_in_error(self) -> set[int]:
        """Excel rows this verdict rejects."""
        return {e.row for e in self.errors if e.row is not None}


@dataclass(frozen=True)
class Judgement:
    """What a kind's `judge` is given: the candidate rows (index = Excel rows), the state
    its `read_state` read for them, and the batch's context."""

    rows: pd.DataFrame
    state: Any
    employer_id: int
    ctx: RuleContext
    letters: dict[str, str]


class Verdictish(Protocol):
    """The part of the pipeline's sheet verdict a kind's `derive` may use and extend."""

    df: pd.DataFrame
    letters: dict[str, str]
    issues: list[RowError]

    def candidates(self) -> pd.Index: ...


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one declaration pending review."""

    approve: bool
    reviewer: str
    reason: str = ""
    # Work injuries: 认定工伤 / 视同工伤 (approve) or 不予认定 (reject).
    outcome: str | None = None
    # Appraisals: 伤残等级 (一级..十级 / 未达等级) and 生活自理障碍.
    grade: str | None = None
    self_care: str | None = None


class PendingDeclaration(Protocol):
    """What `approve` reads of the declaration being decided (registry.models.Declaration)."""

    id: int
    employer_id: int
    batch_id: int
    kind: str
    id_number: str | None
    payload: dict[str, Any]


class DecisionRefused(Exception):
    """A decision the kind cannot accept (a missing 伤残等级 ...); `message` is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


StateReader = Callable[[Session, pd.DataFrame], Any]
Judge = Callable[[Judgement, RegistryVerdict], None]
Planner = Callable[[pd.DataFrame, Target], list[Write]]
Deriver = Callable[[Verdictish, RuleContext], None]
ReviewRule = Callable[[Judgement], pd.Series]
StillCurrent = Callable[[Judgement], pd.Series]
# The rows of a template pre-filled for one employer (in template column order).
Prefill = Callable[[Session, int, RuleContext], list[list[str]]]
# Applies an approved declaration in the session's transaction (raising DecisionRefused
# when the decision lacks what the kind needs); returns what the decision produced for
# the reviewer and the clerk to read (e.g. {"injury_no": "GS202600001"}).
Approver = Callable[[Session, PendingDeclaration, Decision], dict[str, Any]]
# Records a rejection in the kind's own tables (e.g. an injury's 不予认定); returns what it
# recorded, like an Approver.
Rejecter = Callable[[Session, PendingDeclaration, Decision], dict[str, Any]]
# Undoes what `declare` wrote for a declaration the employer withdraws while pending.
Withdrawer = Callable[[Session, PendingDeclaration], None]


# Preview and undo. `current(judgement)`: a frame indexed by the rows of `judgement.rows`
# whose subject the registry already holds (a row missing from it is new: 新增), with one
# column per `compared_columns` header holding the registry's value now, written as the
# sheet writes it (codes as their Chinese labels, months as 202611, money as 6500.00, ""
# for nothing held). The preview compares each valid row's cells with it (a differing
# cell is a change old → new); the apply stores its row as the declaration's `before`.
# Columns named with a leading `_` (e.g. `_updated_at`) are kept in the before-image for
# `revert` but never compared or shown.
Current = Callable[[Judgement], pd.DataFrame]
# `revert(rows, target)`: the writes that undo applied rows of one batch. `rows` is indexed
# by Excel row and holds the declarations' payload columns plus `_before` (the stored
# before-image: a dict of `compared_columns`, or None when the row created its subject);
# `target.batch_id` is the batch being undone. No database access, like `plan`.
Reverter = Callable[[pd.DataFrame, Target], list[Write]]
# `kept(session, employer_id, rows)`: Excel row → why an approved row is kept (see
# `ApprovalUndo`); `rows` as for a `Reverter`, plus `_declaration` (the declaration's id).
ApprovalKept = Callable[[Session, int, pd.DataFrame], dict[int, str]]


@dataclass(frozen=True)
class ApprovalUndo:
    """How undo takes back rows a reviewer approved, for a kind whose `approve` writes the
    registry and records on the declaration what it replaced (its `before`: the compared
    columns the approval changed, and `_`-named keys of its own). `kept` says which rows
    stay because a later decision changed what they set (putting the old value back would
    undo that one); `revert` plans putting the others back, like a kind's `revert`."""

    kept: ApprovalKept
    revert: Reverter


def never_reviewed(judgement: Judgement) -> pd.Series:
    """No row of the kind needs a reviewer."""
    return pd.Series(False, index=judgement.rows.index)


def always_reviewed(judgement: Judgement) -> pd.Series:
    """Every valid row of the kind goes to a reviewer."""
    return pd.Series(True, index=judgement.rows.index)


def no_derived_columns(verdict: Verdictish, ctx: RuleContext) -> None:
    """A kind that computes nothing beyond its cells."""


def nothing_declared(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Rows going to review write only their pending declaration."""
    return []


@dataclass(frozen=True)
class Kind:
    """One declaration kind: everything the pipeline, templates, web, API and CLI need."""

    rules: SheetRules
    key_columns: tuple[str, ...]
    read_state: StateReader
    judge: Judge
    plan: Planner
    # Code → message template of the codes this kind alone reports (see the docstring).
    messages: Mapping[str, str] = field(default_factory=dict)
    subject: Subject = "person"
    review: ReviewRule = never_reviewed
    approve: Approver | None = None
    derive: Deriver = no_derived_columns
    # Writes of valid rows going to review, planned after their pending declarations in
    # the same transaction; `reject` / `withdraw` settle them (see the module docstring).
    declare: Planner = nothing_declared
    reject: Rejecter | None = None
    withdraw: Withdrawer | None = None
    # Rows whose declaration another batch applied are "unchanged" even when the registry
    # moved on since, except those this says still hold now: they are judged on substance.
    still_current: StillCurrent | None = None
    # The column stored as the declaration's person (masked in lists); None when the
    # subject is not a person.
    id_column: str | None = "证件号码"
    # Kinds acting on people already here can be downloaded pre-filled with them
    # ("含本单位在职人员"): `prefill(session, employer_id, ctx)` gives the rows.
    prefill: Prefill | None = None
    # The columns such a template comes filled in. An uploaded row whose other required
    # columns (the action: 减少原因, 停保年月 ...) are all blank is a pre-filled row nobody
    # touched: it is skipped, not declared, and one sheet-level 提示 counts those rows.
    # A row with some but not all of them filled is judged as usual ("required" errors).
    prefilled_columns: tuple[str, ...] = ()
    # Preview and undo (see `Current` and `Reverter`): the sheet columns whose registry
    # value a row can change, what the registry holds for them now, and how an applied
    # row is put back. A kind whose every row goes to review needs no `revert`: undoing
    # its batch withdraws the pending declarations and keeps the decided ones.
    compared_columns: tuple[str, ...] = ()
    current: Current | None = None
    revert: Reverter | None = None
    # Approved rows: kept by an undo unless the kind can take its approvals back. An
    # injury's 认定 or 鉴定 is a legal decision the employer's undo does not take back.
    undo_approved: ApprovalUndo | None = None

    @property
    def name(self) -> str:
        """The kind's code, e.g. `person_add`."""
        return self.rules.spec.kind

    @property
    def action_columns(self) -> tuple[str, ...]:
        """The required columns a pre-filled template leaves for the clerk to fill."""
        if not self.prefilled_columns:
            return ()
        return tuple(h for h in self.spec.required if h not in self.prefilled_columns)

    @property
    def spec(self) -> KindSpec:
        """Its column spec (template layout)."""
        return self.rules.spec

    @property
    def title(self) -> str:
        """Its Chinese title, e.g. 人员增加."""
        return self.rules.spec.title
