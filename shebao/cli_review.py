"""`shebao employer change|show`, `shebao review list|decide`, `shebao declarations`.

The review desk and the employer's details from the command line. Names, options and
JSON shapes are a contract other tools rely on (issue 7): keep them stable. Errors with
`--json` are `{"error": {"code", "message"}}` on standard output, exit 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from shebao.cli_errors import Refusal
from shebao.cli_import import _summary, _usage_error


def register(group: click.Group) -> None:
    """Attach the commands to the `shebao` group (and its `employer` subgroup)."""
    employer = group.commands["employer"]
    assert isinstance(employer, click.Group)
    employer.add_command(employer_change)
    employer.add_command(employer_show)
    group.add_command(review)
    group.add_command(declarations)


def _uow():
    from registry.uow import UnitOfWork
    from shebao.settings import load_settings

    return UnitOfWork.for_url(load_settings().database_url)


def _echo(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def _employer_id(code: str, as_json: bool) -> int:
    from registry.accounts import employer_by_code

    with _uow() as uow:
        found = employer_by_code(uow.session, code)
        if found is None:
            _usage_error(as_json, "unknown_employer", f"单位 {code} 不存在。")
        return found.id


def _fields(pairs: tuple[str, ...], as_json: bool) -> dict[str, str]:
    from importer.kinds.employer_change import FIELDS

    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name.strip() not in FIELDS:
            _usage_error(
                as_json,
                "bad_field",
                f"「{pair}」不是有效的变更项。请写成 名称=新值, 名称可选: {'、'.join(FIELDS)}。",
            )
        values[name.strip()] = value.strip()
    if not values:
        _usage_error(as_json, "bad_field", "请至少用 --field 给出一项要变更的内容。")
    return values


@click.command("change")
@click.option("--code", required=True, help="8-digit employer code")
@click.option("--field", "pairs", multiple=True, help="单位名称=新名称 (repeatable)")
@click.option("--json", "as_json", is_flag=True)
def employer_change(code: str, pairs: tuple[str, ...], as_json: bool) -> None:
    """单位基本信息变更: declare changed fields (they go to review, like the web form)."""
    from sqlalchemy import select

    from importer.batches import BatchOptions, create_batch
    from importer.kinds.employer_change import change_sheet
    from importer.pipeline import run_batch
    from registry.models import Batch, BatchIssue, Declaration

    employer_id = _employer_id(code, as_json)
    sheet = change_sheet(_fields(pairs, as_json))
    uow = _uow()
    options = BatchOptions(kind="employer_change")
    batch_id = create_batch(uow, employer_id, "单位基本信息变更.xlsx", sheet, options, None, "cli")
    run_batch(batch_id, uow)
    with uow:
        batch = uow.session.get(Batch, batch_id)
        issues = uow.session.scalars(
            select(BatchIssue).where(BatchIssue.batch_id == batch_id).order_by(BatchIssue.id)
        ).all()
        declared = uow.session.scalar(select(Declaration).where(Declaration.batch_id == batch_id))
        summary = _summary(batch, issues)
        summary["declaration"] = declared.id if declared else None
        summary["state"] = declared.status if declared else batch.status if batch else None
    if as_json:
        _echo(summary)
        return
    click.echo(f"批次 {batch_id}: {summary['state']}")
    for issue in summary["errors"]:
        click.echo(f"  {issue['column'] or ''}: {issue['message']}")


@click.command("show")
@click.option("--code", required=True, help="8-digit employer code")
@click.option("--json", "as_json", is_flag=True)
def employer_show(code: str, as_json: bool) -> None:
    """单位基本信息: the employer's fields and the history of their changes."""
    from registry.employer_info import employer_fields, employer_history
    from registry.models import Employer

    employer_id = _employer_id(code, as_json)
    with _uow() as uow:
        found = uow.session.get(Employer, employer_id)
        assert found is not None
        out = {
            "code": found.code,
            "fields": employer_fields(found),
            "history": employer_history(uow.session, employer_id),
        }
    if as_json:
        _echo(out)
        return
    for name, value in out["fields"].items():
        click.echo(f"{name}: {value}")
    for entry in out["history"]:
        changes = "; ".join(f"{c['field']} {c['old']} → {c['new']}" for c in entry["changes"])
        click.echo(f"{entry['changed_at']}  {changes}")


def _check_filters(kind: str | None, state: str | None, states: tuple[str, ...], as_json) -> None:
    """An unknown kind or state is an error naming the known ones, not an empty list."""
    from importer.kinds import KINDS

    if kind is not None and kind not in KINDS:
        _usage_error(as_json, "unknown_kind", f"未知的申报类型 {kind}; 可选: {', '.join(KINDS)}")
    if state is not None and state not in states:
        _usage_error(as_json, "unknown_state", f"未知的状态 {state}; 可选: {', '.join(states)}")


def _listed(code: str | None, kind: str | None, state: str | None, reviewed: bool, as_json):
    from registry.review_queries import (
        DECLARATION_STATES,
        REVIEW_STATES,
        DeclarationFilter,
        all_declarations,
        declaration_json,
    )

    _check_filters(kind, state, REVIEW_STATES if reviewed else DECLARATION_STATES, as_json)
    employer_id = _employer_id(code, as_json) if code else None
    filters = DeclarationFilter(
        kind=kind, employer_id=employer_id, state=state, reviewed_only=reviewed
    )
    with _uow() as uow:
        return [
            declaration_json(r, masked=True) for r in all_declarations(uow.session, None, filters)
        ]


@click.group()
def review() -> None:
    """The agency review desk: the queue and decisions."""


@review.command("list")
@click.option("--kind", default=None)
@click.option("--employer", "code", default=None, help="8-digit employer code")
# Checked by `_check_filters` (a click.Choice would answer in English, not in JSON).
@click.option("--state", default="pending_review", show_default=True,
              help="pending_review / approved / rejected / withdrawn")  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
def review_list(kind: str | None, code: str | None, state: str, as_json: bool) -> None:
    """Declarations sent to review (pending ones unless --state says otherwise)."""
    rows = _listed(code, kind, state, True, as_json)
    if as_json:
        _echo(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['kind']}\t{r['employer']}\t{r['name']}\t{r['submitted_at']}")


def _fail(as_json: bool, code: str, message: str) -> NoReturn:
    if as_json:
        _echo({"error": {"code": code, "message": message}})
        sys.exit(1)
    raise Refusal(message)


@review.command("decide")
@click.argument("declaration_id", type=int)
# Two flags, not click's --approve/--reject pair: with that pair the last one given wins,
# and `--approve --reject` would quietly reject.
@click.option("--approve", is_flag=True, help="approve (批准)")
@click.option("--reject", is_flag=True, help="reject (退回), with --reason")
@click.option("--reason", default="", help="required to reject")
@click.option("--outcome", default=None, help="work injury: 认定工伤 / 视同工伤 / 不予认定")
@click.option("--grade", default=None, help="appraisal: 一级..十级 / 未达等级")
@click.option("--self-care", "self_care", default=None, help="appraisal: 生活自理障碍")
@click.option("--reviewer", default="cli", show_default=True, help="who decides (audit log)")
@click.option("--json", "as_json", is_flag=True)
def review_decide(declaration_id: int, approve: bool, reject: bool, reason: str,
                  outcome: str | None, grade: str | None, self_care: str | None, reviewer: str,
                  as_json: bool) -> None:  # fmt: skip
    """Approve or reject declaration ID; prints it after the decision."""
    from importer.kinds.base import Decision
    from importer.review import ReviewError, decide

    if approve and reject:
        _fail(as_json, "bad_option",
              "--approve(批准)和 --reject(退回)只能选一个, 请去掉其中一个后再执行。")  # fmt: skip
    if not approve and not reject:
        _fail(as_json, "bad_option", "请用 --approve(批准)或 --reject(退回)说明审核结果。")
    decision = Decision(approve, reviewer, reason, outcome, grade, self_care)
    try:
        decide(_uow(), declaration_id, decision)
    except ReviewError as exc:
        _fail(as_json, exc.code, exc.message)
    shown = _one(declaration_id)
    if as_json:
        _echo(shown)
    else:
        number = f", 工伤认定编号 {shown['injury_no']}" if shown.get("injury_no") else ""
        click.echo(f"申报 {declaration_id}: {shown['state']}{number}")


def _one(declaration_id: int) -> dict[str, Any]:
    from registry.review_queries import declaration_json, visible_declaration

    with _uow() as uow:
        found = visible_declaration(uow.session, declaration_id, None)
        assert found is not None  # just decided
        return declaration_json(found)


@click.command("declarations")
@click.option("--employer", "code", required=True, help="8-digit employer code")
@click.option("--kind", default=None)
@click.option("--state", default=None)
@click.option("--json", "as_json", is_flag=True)
def declarations(code: str, kind: str | None, state: str | None, as_json: bool) -> None:
    """申报及结果查询: the employer's declarations, newest batch first."""
    rows = _listed(code, kind, state, False, as_json)
    if as_json:
        _echo(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['kind']}\t{r['state']}\t{r['name']}\t{r['reason'] or ''}")
