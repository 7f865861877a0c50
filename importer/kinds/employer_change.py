"""单位基本信息变更 (`employer_change`): the employer asks to change its own details.

One row (from the one-row template or the web form, which writes the same sheet): each
of the nine fields filled only when it changes; a blank cell means "unchanged". Every
change goes to an agency reviewer; approving it writes the changed fields to the
employer and keeps the old and new values in `employer_history`. 撤销本批次 takes an
approved change back (`importer.kinds.employer_undo`) unless a later one changed its fields.

The natural key holds every field, so the same change uploaded twice is one declaration;
an approved change releases the keys of the employer's earlier approved changes (they
no longer describe it), so changing back to an earlier value is a change again.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pandera.pandas as pa
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from importer.apply import Target, Write
from importer.kinds import employer_undo
from importer.kinds.base import (
    ApprovalUndo,
    Decision,
    DecisionRefused,
    Judgement,
    Kind,
    PendingDeclaration,
    RegistryVerdict,
    always_reviewed,
)
from registry.employer_info import EMPLOYER_FIELDS, current_values
from registry.models import Employer, EmployerHistory
from validators import creditcode, messages
from validators.errors import RowError
from validators.models import SheetModel, model_for
from validators.sheet import SheetRules
from validators.specs import ColumnSpec, KindSpec, code_column

RISK_CLASSES = [str(n) for n in range(1, 9)]
SPEC = KindSpec(
    kind="employer_change",
    title="单位基本信息变更",
    purpose="变更本单位的名称、信用代码、法定代表人、地址、联系方式、开户银行或行业风险类别; 只填要变更的项目, 不变的留空。",
    version=1,
    columns=(
        ColumnSpec("单位名称", "text", False, max_len=100, width=28),
        ColumnSpec("统一社会信用代码", "text", False, max_len=30, width=22,
                   hint="18 位, 数字和大写字母(不含 I、O、S、V、Z), 见营业执照"),
        ColumnSpec("法定代表人", "text", False, max_len=30, width=12),
        ColumnSpec("单位地址", "text", False, max_len=100, width=30),
        ColumnSpec("联系人", "text", False, max_len=30, width=12),
        ColumnSpec("联系电话", "phone", False, width=16,
                   hint="11 位手机号, 或带区号的固定电话如 0575-82123456"),
        ColumnSpec("开户银行", "text", False, max_len=60, width=24),
        ColumnSpec("银行账号", "text", False, max_len=40, width=26,
                   hint="8-30 位数字; 本列为文本格式, 请勿改成数值, 否则 Excel 会改掉后几位"),
        code_column("行业风险类别", RISK_CLASSES, required=False, width=12,
                    hint="1-8 类, 决定工伤保险费率"),
    ),
    example=(
        "上虞示例制造有限公司", "91330604MA2JT1XX0X", "王建国", "绍兴市上虞区曹娥街道示例路 8 号",
        "李红", "0575-82123456", "中国工商银行上虞支行", "1211020109000123456", "3",
    ),
)  # fmt: skip

# The messages of the codes only 单位基本信息变更 reports (the shared ones are in
# validators.messages); the registry merges them there.
MESSAGES: dict[str, str] = {
    "credit_code_format": "统一社会信用代码「{value}」应为 18 位, 由数字和大写字母组成(不用 I、O、S、V、Z), 现在是 {length} 位。请对照营业执照重新填写。",
    "credit_code_checksum": "统一社会信用代码「{value}」的最后一位(校验位)不对: 按前 17 位计算应为 {expected}。请对照营业执照逐位核对。",
    "bank_account_excel_number": "银行账号被 Excel 转成了数字(显示为「{value}」), 后几位已经丢失。请把该列设为文本后重新填写。",
    "bank_account_format": "银行账号「{value}」应为 8-30 位数字。请对照开户许可证或银行回单重新填写, 不要带字母或其他符号。",
    "nothing_to_change": "本行没有填写任何要变更的内容。请只填写要变更的项目, 不变的留空; 至少要填一项。",
    "one_change_per_sheet": "单位基本信息变更每次只申报一行, 本行是多出来的。请把要变更的内容合并到第一行, 删除多余的行。",
    "credit_code_taken": "统一社会信用代码 {value} 已被其他单位登记使用。请核对本单位营业执照上的代码; 确属本单位的, 请到社保经办窗口办理。",
}

FIELDS = EMPLOYER_FIELDS
BANK_ACCOUNT = r"\d{8,30}"
EXCEL_NUMBER = r"\d(?:\.\d+)?[Ee]\+?\d+"


def clean_value(header: str, value: str) -> str:
    """A cell as it is stored: capitals in the credit code, only digits in the account."""
    if header == "统一社会信用代码":
        return value.upper()
    if header == "银行账号":
        return "".join(value.split()).replace("-", "")
    return value


@model_for(SPEC)
class EmployerChangeModel(SheetModel):
    """单位基本信息变更."""

    @pa.dataframe_check(name="credit_code_format")
    def _credit_shape(cls, df: pd.DataFrame) -> pd.Series:
        return creditcode.shape_ok(df["统一社会信用代码"])

    @pa.dataframe_check(name="credit_code_checksum")
    def _credit_check(cls, df: pd.DataFrame) -> pd.Series:
        return creditcode.checksum_ok(df["统一社会信用代码"])

    @pa.dataframe_check(name="bank_account_excel_number")
    def _account_number(cls, df: pd.DataFrame) -> pd.Series:
        return ~df["银行账号"].str.fullmatch(EXCEL_NUMBER)

    @pa.dataframe_check(name="bank_account_format")
    def _account(cls, df: pd.DataFrame) -> pd.Series:
        col = df["银行账号"]
        digits = col.str.replace(r"[\s-]", "", regex=True)
        return col.eq("") | col.str.fullmatch(EXCEL_NUMBER) | digits.str.fullmatch(BANK_ACCOUNT)

    @pa.dataframe_check(name="nothing_to_change")
    def _something(cls, df: pd.DataFrame) -> pd.Series:
        return df[list(FIELDS)].ne("").any(axis=1)

    @pa.dataframe_check(name="one_change_per_sheet")
    def _one_row(cls, df: pd.DataFrame) -> pd.Series:
        # The first row is the declaration; any further row is refused, not guessed at.
        return pd.Series(df.index == df.index.min(), index=df.index)


RULES = SheetRules(
    spec=SPEC,
    model=EmployerChangeModel,
    check_columns={
        "credit_code_format": "统一社会信用代码",
        "credit_code_checksum": "统一社会信用代码",
        "bank_account_excel_number": "银行账号",
        "bank_account_format": "银行账号",
        "nothing_to_change": "单位名称",
        "one_change_per_sheet": "单位名称",
    },
)

_EMPLOYERS = (
    "SELECT id, name, credit_code, legal_rep, address, contact, phone, bank, bank_account, "
    "risk_class FROM employers"
)


def read_state(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    """Every employer's current details (one small table: its own row to compare with,
    the others to keep credit codes unique), as text, indexed by employer id."""
    found = session.execute(text(_EMPLOYERS)).all()
    frame = pd.DataFrame(found, columns=["id", *FIELDS.values()]).set_index("id")
    return frame.astype(object).where(frame.notna(), "").astype(str)


def changes(row: dict[str, Any], current: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Header → (old, new) for the filled cells of `row` that differ from `current`
    (employers attributes as text)."""
    out = {}
    for header, attr in FIELDS.items():
        new = clean_value(header, str(row.get(header) or ""))
        old = current.get(attr) or ""
        if new and new != old:
            out[header] = (old, new)
    return out


def judge(judgement: Judgement, v: RegistryVerdict) -> None:
    """Nothing different from the registry = unchanged; a credit code another employer
    holds = error."""
    state: pd.DataFrame = judgement.state
    own = state.loc[judgement.employer_id].to_dict() if judgement.employer_id in state.index else {}
    others = state.drop(index=judgement.employer_id, errors="ignore")
    taken = set(others["credit_code"]) - {""}
    for row, cells in judgement.rows.to_dict("index").items():
        code = clean_value("统一社会信用代码", cells["统一社会信用代码"])
        if code in taken:
            v.errors.append(_error(int(row), "统一社会信用代码", judgement.letters, code))
        elif not changes(cells, own):
            v.unchanged.add(int(row))


def _error(row: int, column: str, letters: dict[str, str], value: str) -> RowError:
    message = messages.render("credit_code_taken", value=value)
    return RowError(row, column, letters.get(column), value, "credit_code_taken", message)


def current(judgement: Judgement) -> pd.DataFrame:
    """The employer's details now, per row and field, for the preview: the registered
    value where the row changes it (an address old → new), and the row's own cell where
    it does not: a blank cell means "unchanged", and a cell equal to the registered value
    once cleaned (a bank account typed with spaces) changes nothing either."""
    rows, state = judgement.rows, judgement.state
    if judgement.employer_id not in state.index:
        return pd.DataFrame(columns=list(FIELDS), index=rows.index[:0])
    own = state.loc[judgement.employer_id]
    out = {}
    for header, attr in FIELDS.items():
        cells = rows[header].astype(str)
        cleaned = cells.map(lambda value, h=header: clean_value(h, value))
        same = cells.eq("") | cleaned.eq(own[attr])
        out[header] = cells.where(same, own[attr])
    return pd.DataFrame(out, index=rows.index, columns=list(FIELDS))


def plan(rows: pd.DataFrame, target: Target) -> list[Write]:
    """Nothing is applied from the sheet: every change waits for a reviewer."""
    return []


def approve(session: Session, declaration: PendingDeclaration, decision: Decision) -> dict:
    """Write the changed fields to the employer, keep old and new in its history, and
    the old values on the declaration (what 撤销本批次 puts back)."""
    employer = session.get(Employer, declaration.employer_id)
    if employer is None:
        raise DecisionRefused("该单位已不存在, 无法变更。")
    found = changes(declaration.payload, current_values(employer))
    code = found.get("统一社会信用代码", ("", ""))[1]
    if code and session.scalar(
        select(Employer.id).where(Employer.credit_code == code, Employer.id != employer.id)
    ):
        raise DecisionRefused(
            f"统一社会信用代码 {code} 已被其他单位登记使用, 不能批准。请核实后退回本申报并说明原因。"
        )
    for header, (_, new) in found.items():
        attr = FIELDS[header]
        setattr(employer, attr, int(new) if attr == "risk_class" else new)
    old_values = {h: old for h, (old, _) in found.items()}
    entry = None
    if found:
        entry = EmployerHistory(
            employer_id=employer.id,
            old_values=old_values,
            new_values={h: new for h, (_, new) in found.items()},
        )
        session.add(entry)
        session.flush()  # its id: the undo of the batch removes this entry
    employer_undo.record_before(
        session, declaration.id, old_values, entry.id if entry is not None else None
    )
    _release_earlier_keys(session, declaration)
    return {"changed": list(found)}


def _release_earlier_keys(session: Session, declaration: PendingDeclaration) -> None:
    # An earlier approved change no longer describes the employer: its key is set apart
    # so the same values can be declared again as a new change.
    session.execute(
        text(
            "UPDATE declarations SET natural_key = natural_key || '#' || CAST(id AS TEXT) "
            "WHERE employer_id = :e AND kind = 'employer_change' AND status = 'approved' "
            "AND id <> :d AND natural_key NOT LIKE '%#%'"
        ),
        {"e": declaration.employer_id, "d": declaration.id},
    )


KIND = Kind(
    rules=RULES,
    messages=MESSAGES,
    key_columns=tuple(FIELDS),
    read_state=read_state,
    judge=judge,
    plan=plan,
    subject="employer",
    review=always_reviewed,
    approve=approve,
    id_column=None,
    # Every row goes to review: no `revert`. Undo withdraws a pending change and takes an
    # approved one back (see importer.kinds.employer_undo).
    compared_columns=tuple(FIELDS),
    current=current,
    undo_approved=ApprovalUndo(kept=employer_undo.kept, revert=employer_undo.revert),
)


def change_sheet(values: dict[str, str]) -> bytes:
    """The one-row template holding `values` (header → new value; others blank): what
    the web form and `shebao employer change` upload, so they go through the pipeline
    like a filled template."""
    from templates_xlsx.build import build_template

    unknown = set(values) - set(FIELDS)
    if unknown:
        raise KeyError(f"unknown fields: {', '.join(sorted(unknown))}")
    return build_template(SPEC, [[values.get(h, "") for h in SPEC.headers]])
