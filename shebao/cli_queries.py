"""Command-line side of the query modules: retirement age, pension account statement and
opening balances, monthly assessment, bank payments, and every query list as JSON.

Command names and JSON shapes are a contract other tools rely on (issue 8); keep them.
"""

from __future__ import annotations

import json
import re

import click

from shebao.settings import load_settings

BIRTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _uow():
    from registry.uow import UnitOfWork

    return UnitOfWork.for_url(load_settings().database_url)


def _echo_json(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@click.command("retirement")
@click.option("--gender", type=click.Choice(["男", "女"]), required=True)
@click.option("--identity", type=click.Choice(["工人", "干部"]), required=True)
@click.option("--birth", required=True, help="出生年月 YYYY-MM")
@click.option("--json", "as_json", is_flag=True)
def retirement(gender: str, identity: str, birth: str, as_json: bool) -> None:
    """Statutory retirement month (2025 gradual reform) and minimum contribution years."""
    from registry.policy import retirement_rule_objects
    from validators.retirement import statutory_retirement

    match = BIRTH.match(birth.strip())
    if not match:
        raise click.ClickException(f"出生年月「{birth}」格式不对, 应为 YYYY-MM, 如 1965-01。")
    with _uow() as uow:
        rules = retirement_rule_objects(uow.session)
    result = statutory_retirement(gender, identity, int(match[1]), int(match[2]), rules)
    if as_json:
        _echo_json(result.as_json())
        return
    click.echo(
        f"法定退休年月 {result.month[:4]}年{result.month[4:]}月, 退休年龄 {result.age_years}岁"
        f"{result.age_months}个月, 最低缴费年限 {result.min_contribution_years} 年"
    )


def register(group: click.Group) -> None:
    """Attach the query commands to the `shebao` group."""
    group.add_command(retirement)
