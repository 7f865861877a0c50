"""Every message a user can read about a cell, in plain Chinese: what was found, what is
expected, how to fix it. One template per stable code; fields are filled by the caller.

The templates here are the shared ones: cell and type checks, the ID and in-sheet
duplicate checks, the registry rules several kinds use, the pipeline's notices and the
review desk. A declaration kind's own messages live in its module (`Kind.messages`) and
join these when the kind registry loads (`register`), so adding a kind edits no list here.
"""

from __future__ import annotations

from collections.abc import Mapping

from validators.errors import ValidationSetupError

SHARED: dict[str, str] = {
    # --- one cell ---
    "required": "{column}为必填项, 本行没有填写。请填写后重新上传。",
    "not_in_list": "「{value}」不是{column}的可选值。请从下拉列表中选择: {choices}。",
    "too_long": "{column}最多 {max_len} 个字, 现在有 {length} 个。请精简后重新填写。",
    "person_name": "姓名「{value}」不符合要求: 只能含汉字、字母、空格和间隔号「·」, 长度 2-30 个字。请去掉数字和其他符号。",
    "month_format": "{column}「{value}」不是有效的年月。请填 6 位年月, 例如 202611。",
    "date_format": "{column}「{value}」不是有效的日期。请按 1990-01-31 的格式填写。",
    "money_format": "{column}「{value}」不是有效金额。请填大于 0 的数字, 最多两位小数, 例如 6500 或 6500.50。",
    "money_too_large": "{column}「{value}」元大得不合常理(应少于 {limit} 元)。请核对是否多输了数字、把全年的数填进了按月填写的列, 或把别的内容粘贴到了这一列。",
    "phone_format": "联系电话「{value}」不是有效号码。请填 11 位手机号(例如 13812345678)或带区号的固定电话(例如 0575-82123456)。",
    "id_excel_number": "证件号码被 Excel 转成了数字(显示为「{value}」), 后几位已经丢失, 无法还原。请把该列设为文本后重新填写。",
    "id_format": "证件号码「{value}」应为 18 位: 前 17 位是数字, 最后一位是数字或 X, 现在是 {length} 位。请对照证件重新填写。",
    "id_checksum": "证件号码「{value}」的最后一位(校验位)不对: 按前 17 位计算应为 {expected}。请对照证件逐位核对。",
    "id_birth_date": "证件号码「{value}」第 7-14 位表示的出生日期 {born} 不存在或晚于今天。请对照证件核对。",
    "year_format": "{column}「{value}」不是有效的年度。请填 4 位年份, 例如 2027。",
    "months_format": "{column}「{value}」不是 1-12 之间的整数月数。请填写实际工作的月数, 全年都在本单位的填 12。",
    "too_short": "{column}至少要写 {min_len} 个字, 现在只有 {length} 个。请写清楚后重新上传。",
    "date_in_future": "{column} {value} 晚于今天。请核对后重新填写。",
    # --- across the fields of one row ---
    "month_too_late": "{column} {month} 晚于下月({limit})。请填写不晚于 {limit} 的年月。",
    "month_too_early": "{column} {month} 早于 {limit}, 超过了可补报的 {months} 个月。请填写 {limit} 及以后的年月; 更早的请到社保经办窗口办理。",
    "duplicate_in_sheet": "证件号码 {value} 在本表中出现了 {count} 次(第 {rows} 行)。同一人只能申报一行, 请删除多余的行。",
    # --- against the registry ---
    "name_mismatch": "姓名「{value}」与系统中该证件号码登记的姓名「{expected}」不一致。请核对姓名或证件号码。",
    "not_enrolled_here": "证件号码 {value} 不在本单位的参保人员名册中, 无法办理。请核对证件号码, 或在「单位人员名册」中查询; 新招用的职工请先办理人员增加。",
    "not_active_here": "此人已于 {end} 在本单位停保, 目前不在本单位参保, 无法办理。重新招用的请先办理人员增加。",
    "declared_otherwise": "本行的证件号码和年月已由批次 {batch} 申报并生效, 但本行填写的内容与当时不同({what}), 不会按本行修改。如确需更改, 请先撤销批次 {batch}(撤销本批次)后重新上传, 或到社保经办窗口办理变更。",
    # --- in-sheet duplicates of 人员险种增加 / 人员险种减少 (OnePerPersonAndInsurance) ---
    "duplicate_insurance_in_sheet": "同一证件号码的{value}在本表中出现了 {count} 次(第 {rows} 行)。同一人的同一险种只能申报一行, 请删除多余的行。",
    # --- review desk ---
    "review_rejected": "社保经办机构审核未通过, 审核意见: {reason}。请按审核意见修改本行后重新上传, 修改后的申报会重新送审。",
    # --- warnings (the row is applied) ---
    "id15_upgraded": "15 位老身份证号码 {value} 已自动升级为 18 位 {expected}, 请核对。",
    "base_below_floor": "{column} {value} 低于 {year} 年缴费基数下限 {floor}{note}, 已按下限 {floor} 核定。",
    "base_above_cap": "{column} {value} 高于 {year} 年缴费基数上限 {cap}{note}, 已按上限 {cap} 核定。",
    "base_limits_outdated": "{year} 年的缴费基数上下限尚未公布, 暂按 {used} 年的标准({floor}-{cap})核定。",
    "header_mapped": "表头「{typed}」{how}「{standard}」列读取。如不对, 请把该列表头改为标准名称后重新上传。",
    "derived_from_id": "表中没有「{column}」列, 已按证件号码推算。证件号码有误的行无法推算, 会提示必填。",
    "untouched_prefilled": "表中有 {count} 行只有预填的{prefilled}, {actions}都没有填写, 视为不办理, 已跳过(第 {rows} 行)。如要为其中某人办理, 请填写这些列后重新上传。",
    "repeated_header": "本行与表头相同(多半是几张表拼接时带进来的), 已跳过, 不作申报。",
}

SHARED_OWNER = "validators.messages"
# Every message there is: the shared ones and, once `importer.kinds` has loaded, those
# of every registered kind; `render` reads only this.
TEMPLATES: dict[str, str] = dict(SHARED)
# Who brought each code: SHARED_OWNER or the kind that registered it.
OWNERS: dict[str, str] = dict.fromkeys(SHARED, SHARED_OWNER)


def register(owner: str, templates: Mapping[str, str]) -> None:
    """Add `owner`'s (a kind's) own templates to TEMPLATES.

    A code already known must read exactly the same (two kinds may share a message, e.g.
    the 工伤 kinds' decision_not_pending): one code with two texts would make reports
    and tests depend on which kind loaded last, so it is refused before anything is added."""
    clashes = [code for code, text in templates.items() if TEMPLATES.get(code, text) != text]
    if clashes:
        raise ValidationSetupError(
            f"{owner} defines messages differently from their owners: "
            + ", ".join(f"{code} ({OWNERS[code]})" for code in clashes)
        )
    for code, text in templates.items():
        TEMPLATES.setdefault(code, text)
        OWNERS.setdefault(code, owner)


# A value is quoted in its message only this far: a cell of 40,000 characters would make
# the message (and the report, and the page) 40,000 characters long.
MAX_QUOTED = 50


def render(code: str, **fields: object) -> str:
    """The message of `code` with its fields filled in (a long cell value shortened)."""
    try:
        template = TEMPLATES[code]
    except KeyError:
        # A kind's own codes are known once importer.kinds has loaded (it registers them).
        raise ValidationSetupError(f"no message for code {code!r}") from None
    if "value" in fields:
        fields["value"] = shorten(fields["value"])
    return template.format(**fields)


def shorten(value: object) -> object:
    """Text longer than MAX_QUOTED characters cut there, with an ellipsis and its length."""
    if isinstance(value, str) and len(value) > MAX_QUOTED:
        return f"{value[:MAX_QUOTED]}…(共 {len(value):,} 个字)"
    return value
