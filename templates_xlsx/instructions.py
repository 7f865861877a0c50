"""The Chinese text of the 填写说明 sheet: how to fill and upload, and one line per column.

Pure functions from a `KindSpec` to strings, so the wording can be read and tested apart
from the workbook writing in `build.py`.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from validators.codes import YES_NO
from validators.specs import ColumnSpec, KindSpec

TABLE_HEADERS = ("列", "列名", "是否必填", "填写要求", "示例")

_TYPE_TEXT = {
    "text": "文本",
    "name": "姓名",
    "id": "证件号码, 文本格式",
    "code": "从下拉列表中选择",
    "date": "日期, 格式 YYYY-MM-DD",
    "month": "年月, 6 位数字 YYYYMM",
    "money": "金额",
    "phone": "电话号码",
    "yesno": "填“是”或“否”",
    "year": "年度, 4 位数字 YYYY",
    "months": "月数, 1-12 的整数",
}


def heading(spec: KindSpec) -> str:
    """The first line of the instructions sheet."""
    return f"{spec.title}申报表 填写说明 (模板版本 {spec.version})"


def _is_yes_no(column: ColumnSpec) -> bool:
    return column.type == "yesno" or column.choices == tuple(YES_NO)


def _names_of(spec: KindSpec, wanted) -> str:
    return "、".join(c.name for c in spec.columns if wanted(c))


def _format_rules(spec: KindSpec) -> list[str]:
    """Rules for the column types this kind actually has; a rule about absent columns confuses."""
    rules = []
    if any(c.type in ("id", "phone") for c in spec.columns):
        names = _names_of(spec, lambda c: c.type in ("id", "phone"))
        rules.append(
            f"{names} 等列已设为文本格式, 请保持文本格式: 设为数值时 Excel 会把 18 位号码"
            "显示成科学计数法并改掉最后几位。从其他表格复制时请用“选择性粘贴 → 值”。"
        )
    if any(c.type == "month" for c in spec.columns):
        rules.append("年月列填 6 位数字 YYYYMM, 如 202611 (不要写成 2026-11 或 2026年11月)。")
    if any(c.type == "date" for c in spec.columns):
        rules.append("日期列填 YYYY-MM-DD, 如 1990-01-31; 也可以填 Excel 日期。")
    if any(_is_yes_no(c) for c in spec.columns):
        rules.append(f"{_names_of(spec, _is_yes_no)} 列只填“是”或“否”。")
    return rules


def steps(spec: KindSpec) -> list[str]:
    """The numbered how-to lines shown above the column table."""
    lines = [
        f"在工作表“{spec.title}”中从第 3 行开始填写, 每行一条。第 1 行标题和第 2 行列名请勿"
        "修改、删除或调换顺序, 不要插入空行、合并单元格或重命名工作表。",
        "红色列名为必填项, 黑色列名为选填项; 列名上的批注说明该列的要求。",
        *_format_rules(spec),
        "带下拉箭头的列请从下拉列表中选择, 列表以外的内容无法录入。",
        f"填好后保存为 .xlsx 文件, 登录系统后在「{spec.title}」页面或「申报中心」上传。有错误的行"
        "会被退回, 批次页面可下载只含这些行的「待修改数据」: 按“错误说明”列改正后, 在批次页面点"
        "「上传修改后的表格」重新上传即可, 已成功的行不会重复申报。",
        "下表是各列的填写要求和一行示例; 示例只供参考, 请不要把它填进申报表。",
    ]
    return [f"{n}. {line}" for n, line in enumerate(lines, start=1)]


def requirement(column: ColumnSpec) -> str:
    """The 填写要求 cell of one column: type, hint, allowed values, default."""
    parts = [_TYPE_TEXT.get(column.type, "文本")]
    if column.type in ("text", "name"):
        parts.append(f"最多 {column.max_len} 个字")
    if column.hint:
        parts.append(column.hint)
    if column.choices:
        parts.append("可选: " + " / ".join(column.choices))
    if column.default:
        parts.append(f"不填时按“{column.default}”")
    return "; ".join(parts)


def table_rows(spec: KindSpec) -> list[tuple[str, str, str, str, str]]:
    """One (列, 列名, 是否必填, 填写要求, 示例) row per template column."""
    examples = list(spec.example) + [""] * (len(spec.columns) - len(spec.example))
    return [
        (
            xl_col_to_name(index),
            column.name,
            "必填" if column.required else "选填",
            requirement(column),
            example,
        )
        for index, (column, example) in enumerate(zip(spec.columns, examples, strict=False))
    ]
