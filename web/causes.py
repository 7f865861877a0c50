"""The sentence above the errors chart naming the likely cause when one column holds most
errors: a whole column of IDs turned into numbers, dates typed the wrong way, and so on."""

from __future__ import annotations

from registry.batch_queries import ColumnIssues

CAUSES = {
    "id_excel_number": (
        "证件号码列被 Excel 转成了数字, 后几位已经丢失, 无法还原。请在 Excel 中把证件号码列"
        "设为「文本」格式, 重新填写这些号码后再上传。"
    ),
    "id_format": "证件号码的位数不对, 常见原因是复制时少了几位或多了空格。请对照证件逐个核对。",
    "id_checksum": "证件号码的最后一位(校验位)不对, 常见原因是抄错了某一位。请对照证件逐位核对。",
    "date_format": (
        "{column}列的日期格式不对。请按 1990-01-31 的格式填写, 或在 Excel 中把该列设为日期格式。"
    ),
    "month_format": (
        "{column}列的年月格式不对。请填 6 位年月, 例如 202611, 并把该列设为「文本」,"
        "以免 Excel 把它改成日期或数字。"
    ),
    "not_in_list": "{column}列的内容不在可选值中。请用模板里的下拉列表选择, 不要手工输入或从别处粘贴。",
    "required": "{column}列有很多行没有填写。请补全这一列后重新上传。",
    "money_format": "{column}列的金额格式不对。请只填数字(最多两位小数), 不要带「元」、逗号或空格。",
    "phone_format": "联系电话列的号码格式不对。请填 11 位手机号, 或带区号的固定电话如 0575-82123456。",
    "not_enrolled_here": (
        "大部分人员不在本单位的参保名册中。请确认登录的是正确的单位, 以及没有选错申报类型。"
    ),
}


def likely_cause(columns: list[ColumnIssues]) -> str | None:
    """One sentence when a single column holds most of the errors, else None."""
    total = sum(c.errors for c in columns)
    if total < 2 or not columns:
        return None
    top = columns[0]  # sorted: the column with most errors first
    if top.column is None or top.errors * 2 <= total:
        return None
    where = f"{top.letter} {top.column}" if top.letter else top.column
    summary = f"共 {total} 处错误, 其中 {top.errors} 处在「{where}」列。"
    cause = CAUSES.get(_explained_code(top) or "")
    if cause is None:
        return summary + "请先检查这一列, 改好后多数错误会一起消失。"
    return summary + "很可能是因为" + cause.format(column=top.column)


def _explained_code(column: ColumnIssues) -> str | None:
    # One root cause often brings followers (IDs turned into numbers also collide as
    # duplicates): name a known cause when it holds at least half of the column's errors.
    known = sorted(
        ((count, code) for code, count in column.codes.items() if code in CAUSES), reverse=True
    )
    if not known:
        return None
    count, code = known[0]
    # A tie between two known causes names neither: the sentence would be wrong for half.
    if len(known) > 1 and known[1][0] == count:
        return None
    return code if count * 2 >= column.errors else None
