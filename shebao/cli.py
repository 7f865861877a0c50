"""The `shebao` command line: schema, employers, templates, imports, roster, policy.

Its command names and JSON shapes are a contract other tools rely on; keep them stable.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from shebao.cli_errors import Refusal
from shebao.masking import install_log_masking
from shebao.settings import settings


def _uow():
    from registry.uow import UnitOfWork

    return UnitOfWork.for_url(settings().database_url)


def _echo_json(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@click.group()
def main() -> None:
    """社保批量申报: batch social-insurance declarations from standard Excel templates."""
    # One invocation is one process's life: read the environment afresh for it (an
    # in-process runner, as the tests use, invokes the command many times).
    settings.cache_clear()
    install_log_masking()  # what the commands log never carries an ID number in full


@main.command("init-db")
def init_db() -> None:
    """Create or upgrade the schema on DATABASE_URL and seed the policy tables."""
    from registry.db import upgrade_schema
    from registry.policy import seed_defaults

    url = settings().database_url
    upgrade_schema(url)
    with _uow() as uow:
        seed_defaults(uow.session)
        uow.commit()
    click.echo("数据库已就绪。")


@main.group()
def employer() -> None:
    """Employers and their clerks' logins."""


@employer.command("create")
@click.option("--code", required=True, help="8-digit social-insurance code")
@click.option("--name", required=True)
@click.option("--password", default=None, help="generated and printed when omitted")
def employer_create(code: str, name: str, password: str | None) -> None:
    """Create an employer and its login user (330682 + code)."""
    from registry.accounts import AccountError, create_employer, login_name

    with _uow() as uow:
        try:
            _, pw = create_employer(uow.session, code, name, password)
        except AccountError as exc:
            raise Refusal(str(exc)) from None
        uow.commit()
    click.echo(
        f"已创建单位 {code} {name}; 登录名 {login_name(code)}"
        + ("" if password else f", 初始密码 {pw}")
    )


@main.command("template")
@click.argument("kind")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
@click.option("--employer", "code", help="单位编号 (8 位), 与 --prefill 一起用")
@click.option("--prefill", is_flag=True, help="预填该单位在职人员的姓名和证件号码")
def template(kind: str, output: str, code: str | None, prefill: bool) -> None:
    """Write the standard template of KIND (person_add, person_remove, ...); with
    --employer CODE --prefill, filled with that employer's active persons."""
    from importer.kinds import KINDS
    from templates_xlsx.build import build_template

    if kind not in KINDS:
        raise Refusal(f"未知的申报类型 {kind}; 可选: {', '.join(KINDS)}")
    if prefill or code:
        data = _prefilled(kind, code, prefill)
    else:
        data = build_template(KINDS[kind].spec)
    Path(output).write_bytes(data)
    click.echo(f"已生成 {output}")


def _prefilled(kind: str, code: str | None, prefill: bool) -> bytes:
    from importer.prefill import prefillable, prefilled_template
    from registry.accounts import employer_by_code

    if not (prefill and code):
        raise Refusal("预填模板需要同时给出 --employer 单位编号 和 --prefill。")
    if not prefillable(kind):
        raise Refusal(f"申报类型 {kind} 没有预填模板(只有针对本单位已参保人员的申报才有)。")
    with _uow() as uow:
        emp = employer_by_code(uow.session, code)
        if emp is None:
            raise Refusal(f"单位 {code} 不存在")
        return prefilled_template(uow.session, kind, emp.id)


@main.command("roster")
@click.option("--employer", "code", required=True)
@click.option("--json", "as_json", is_flag=True)
def roster(code: str, as_json: bool) -> None:
    """The employer's persons, active and stopped."""
    from registry.accounts import employer_by_code
    from registry.queries import roster as roster_query

    with _uow() as uow:
        emp = employer_by_code(uow.session, code)
        if emp is None:
            raise Refusal(f"单位 {code} 不存在")
        rows = roster_query(uow.session, emp.id)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"{r['id_number']}\t{r['name']}\t{r['status']}\t{','.join(r['insurances'])}\t{r['base']}"
        )


@main.group()
def policy() -> None:
    """Show and edit the policy tables (bases, interest, settings)."""


@policy.command("show")
def policy_show() -> None:
    """Print every policy figure (and what the operator must still enter)."""
    from importer.context import today
    from registry import policy as pol

    with _uow() as uow:
        _echo_json(
            {
                "base_limits": {
                    y: [str(f), str(c)] for y, (f, c) in pol.base_limits(uow.session).items()
                },
                "interest": {y: str(r) for y, r in pol.interest_rates(uow.session).items()},
                "retirement": pol.retirement_rules(uow.session),
                "settings": pol.settings(uow.session),
                "notice": pol.base_limits_notice(uow.session, today()),
            }
        )


@policy.command("base-limit")
@click.option("--year", type=int, required=True)
@click.option("--floor", required=True)
@click.option("--cap", required=True)
def policy_base_limit(year: int, floor: str, cap: str) -> None:
    """Enter the published floor and cap of a year."""
    from registry import policy as pol

    try:
        with _uow() as uow:
            pol.set_base_limit(uow.session, year, Decimal(floor), Decimal(cap))
            uow.commit()
    except (InvalidOperation, ValueError) as exc:
        raise Refusal(f"上下限无效: {exc}") from None
    click.echo(f"{year} 年缴费基数: 下限 {floor}, 上限 {cap}")


@policy.command("interest")
@click.option("--year", type=int, required=True)
@click.option("--rate", required=True, help="e.g. 0.0262")
def policy_interest(year: int, rate: str) -> None:
    """Enter the 记账利率 of a year."""
    from registry import policy as pol

    try:
        with _uow() as uow:
            pol.set_interest(uow.session, year, Decimal(rate))
            uow.commit()
    except InvalidOperation:
        raise Refusal(f"记账利率「{rate}」不是数字, 应为如 0.0262 的小数。") from None
    except ValueError as exc:
        raise Refusal(str(exc)) from None
    click.echo(f"{year} 年记账利率 {rate}")


@policy.command("set")
@click.argument("key")
@click.argument("value")
def policy_set(key: str, value: str) -> None:
    """Change a named policy figure (see `policy show`)."""
    from registry import policy as pol

    with _uow() as uow:
        try:
            pol.set_setting(uow.session, key, value)
        except KeyError:
            raise Refusal(f"没有名为 {key} 的政策参数") from None
        except ValueError as exc:
            raise Refusal(str(exc)) from None
        uow.commit()
    click.echo(f"{key} = {value}")


def _register_optional_commands() -> None:
    """Commands that live beside their packages (import, service)."""
    from shebao import cli_confirm, cli_import, cli_queries, cli_review, cli_service, cli_undo

    cli_import.register(main)
    cli_confirm.register(main)
    cli_service.register(main)
    cli_queries.register(main)
    cli_review.register(main)
    cli_undo.register(main)


_register_optional_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
