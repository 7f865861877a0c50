"""Command-line side of the query modules: retirement age, pension account statement and
opening balances, monthly assessment, bank payments, and every query list as JSON.

Command names and JSON shapes are a contract other tools rely on (issue 8); keep them.
"""

from __future__ import annotations

import json
import re
import sys

import click

from shebao.cli_errors import Refusal
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
        raise Refusal(f"出生年月「{birth}」格式不对, 应为 YYYY-MM, 如 1965-01。")
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
    for command in (retirement, assess, statement_cmd, account, query, payments):
        group.add_command(command)


# ASCII digits only: \d would take full-width ones, which compare wrong as text.
MONTH = re.compile(r"^[0-9]{4}(0[1-9]|1[0-2])$")


def _month(value: str, what: str) -> str:
    value = value.strip()
    if not MONTH.match(value):
        raise Refusal(f"{what}「{value}」格式不对, 应为 YYYYMM, 如 202611。")
    return value


@click.command("assess")
@click.option("--month", required=True, help="YYYYMM")
@click.option("--json", "as_json", is_flag=True)
def assess(month: str, as_json: bool) -> None:
    """Assess the contributions of MONTH for every active enrolment (re-runs book only changes)."""
    from registry.assess import assess_month

    month = _month(month, "月份")
    with _uow() as uow:
        result = assess_month(uow.session, month)
        uow.commit()
    if as_json:
        _echo_json(result.as_json())
        return
    click.echo(f"{month}: 新核定 {result.assessed} 条, 更正 {result.corrected} 条")
    for ins, t in result.totals.items():
        click.echo(f"  {ins}: {t['persons']} 人, 单位 {t['employer']}, 个人 {t['employee']}")


def _id_number(value: str) -> str:
    return value.strip().upper()


@click.command("statement")
@click.option("--id", "id_number", required=True, help="证件号码")
@click.option("--year", type=int, required=True)
@click.option("--json", "as_json", is_flag=True)
def statement_cmd(id_number: str, year: int, as_json: bool) -> None:
    """养老个人帐户对帐单 of a person for a year."""
    from registry.statement import StatementError, statement

    with _uow() as uow:
        try:
            result = statement(uow.session, _id_number(id_number), year)
        except StatementError as exc:
            raise Refusal(str(exc)) from None
    if as_json:
        _echo_json(result.as_json())
        return
    click.echo(
        f"{year} 年: 期初 {result.opening}, 记入 {result.credits}, 利息 {result.interest} "
        f"(利率 {result.rate}), 期末 {result.closing}"
    )


@click.group("account")
def account() -> None:
    """The pension personal account (opening balances)."""


@account.command("opening")
@click.option("--id", "id_number", required=True, help="证件号码")
@click.option("--year", type=int, required=True)
@click.option("--balance", required=True, help="期初余额(元)")
def account_opening(id_number: str, year: int, balance: str) -> None:
    """Enter the opening balance of a year (before the system's own data start)."""
    from decimal import Decimal, InvalidOperation

    from registry.statement import StatementError, set_opening

    try:
        amount = Decimal(balance)
    except InvalidOperation:
        raise Refusal(f"期初余额「{balance}」不是金额, 应为如 12345.67 的数字。") from None
    with _uow() as uow:
        try:
            set_opening(uow.session, _id_number(id_number), year, amount)
        except StatementError as exc:
            raise Refusal(str(exc)) from None
        uow.commit()
    click.echo(f"已录入 {year} 年期初余额 {amount:.2f} 元")


QUERY_NAMES = [
    "employer",
    "changes",
    "contributions",
    "arrears",
    "roster",
    "person",
    "retirees",
    "reaching-age",
]


def _employer_json(session, emp) -> dict:
    """单位基本信息 as JSON: the fields, and `history` with the page's 变更记录 columns
    (changed_at, field, old, new; newest first)."""
    from registry.employer_info import history_rows

    keys = ("code", "name", "credit_code", "legal_rep", "address", "contact", "phone",
            "bank", "bank_account", "risk_class")  # fmt: skip
    out: dict = {k: getattr(emp, k) for k in keys}
    out["history"] = [
        {**h, "changed_at": h["changed_at"].isoformat(timespec="seconds") + "Z"}
        for h in history_rows(session, emp.id)
    ]
    return out


@click.command("query")
@click.argument("name", type=click.Choice(QUERY_NAMES))
@click.option("--employer", "code", required=True, help="8 位单位编码")
@click.option("--from", "month_from", default=None, help="起始年月 YYYYMM")
@click.option("--to", "month_to", default=None, help="截止年月 YYYYMM")
@click.option("--id", "id_number", default="", help="证件号码 (person)")
@click.option("--within", default="", help="到龄月数 3/6/12/24 (reaching-age)")
@click.option("--json", "as_json", is_flag=True)
def query(name, code, month_from, month_to, id_number, within, as_json) -> None:
    """A query page's rows (same columns as the page; full ID numbers for the operator)."""
    from importer.context import today
    from registry.accounts import employer_by_code
    from registry.pinyin import refresh_name_keys
    from registry.queries import LISTS
    from registry.queries.listing import Params, json_row

    months = [_month(m, "年月") if m else None for m in (month_from, month_to)]
    if months[0] and months[1] and months[0] > months[1]:
        raise Refusal(
            f"--from {months[0]} 晚于 --to {months[1]}, 没有记录能同时满足; 请调换后再查询。"
        )
    with _uow() as uow:
        emp = employer_by_code(uow.session, code)
        if emp is None:
            raise Refusal(f"单位 {code} 不存在")
        if name == "employer":
            _echo_json(_employer_json(uow.session, emp))
            return
        refresh_name_keys(uow.session, emp.id)
        uow.commit()
        q = LISTS[name]
        filters = {"id": id_number.strip().upper(), "within": within}
        params = Params(filters=filters, month_from=months[0], month_to=months[1], today=today())
        rows = [json_row(q, r, mask=False) for r in q.rows(uow.session, emp.id, params)]
    if as_json:
        _echo_json(rows)
        return
    click.echo("\t".join(c.header for c in q.columns))
    for r in rows:
        click.echo("\t".join("" if v is None else str(v) for v in r.values()))


@click.group("payments")
def payments() -> None:
    """Bank receipts of contributions."""


@payments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def payments_import(file: str, as_json: bool) -> None:
    """Import a bank-receipt file (CSV/xlsx: 单位编码, 费款所属期, 金额, 到账日期)."""
    from pathlib import Path

    from registry.payments import import_receipts, read_rows

    path = Path(file)
    try:
        rows = read_rows(path.read_bytes(), path.name)
    except Exception as exc:
        raise Refusal(f"无法读取 {path.name}: 请使用 CSV(UTF-8/GBK)或 .xlsx。({exc})") from None
    with _uow() as uow:
        result = import_receipts(uow.session, rows, path.name)
        uow.commit()
    if as_json:
        _echo_json(result.as_json())
    else:
        click.echo(
            f"已导入 {result.imported} 笔, 已导入过 {result.duplicates} 笔, 未导入 {len(result.errors)} 行"
        )
        for line in result.errors:
            click.echo(line)
    if result.errors:
        sys.exit(1)
