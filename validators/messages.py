"""Every message a user can read about a cell, in plain Chinese: what was found, what is
expected, how to fix it. One template per stable code; fields are filled by the caller."""

from __future__ import annotations

from validators.errors import ValidationSetupError

TEMPLATES: dict[str, str] = {
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
    "foreign_id_format": "外国人永久居留身份证号码「{value}」应为 3 个字母加 12 位数字, 或 18 位新版号码。请对照证件重新填写。",
    "passport_format": "护照号码「{value}」应为 5-20 位字母或数字。请对照护照重新填写。",
    "year_format": "{column}「{value}」不是有效的年度。请填 4 位年份, 例如 2027。",
    "months_format": "{column}「{value}」不是 1-12 之间的整数月数。请填写实际工作的月数, 全年都在本单位的填 12。",
    "too_short": "{column}至少要写 {min_len} 个字, 现在只有 {length} 个。请写清楚后重新上传。",
    "date_in_future": "{column} {value} 晚于今天。请核对后重新填写。",
    # --- across the fields of one row ---
    "gender_mismatch": "性别填的是「{value}」, 但证件号码第 17 位表示「{expected}」。请核对性别或证件号码。",
    "birth_mismatch": "出生日期 {value} 与证件号码中的出生日期 {expected} 不一致。请核对出生日期或证件号码。",
    "no_insurance": "养老、医疗、失业、工伤四个险种都是「否」, 至少要参加一个险种。请把要参加的险种改为「是」。",
    "too_young": "按出生日期 {born}, 此人在 {month} 时不满 {min_age} 周岁, 不能参保。请核对出生日期或参保年月。",
    "pension_past_retirement": "此人应于 {retire} 达到法定退休年龄, 参保年月 {month} 已到龄, 不能再参加企业职工基本养老保险。请把养老保险改为「否」, 或核对出生日期、个人身份。",
    "month_too_late": "{column} {month} 晚于下月({limit})。请填写不晚于 {limit} 的年月。",
    "month_too_early": "{column} {month} 早于 {limit}, 超过了可补报的 {months} 个月。请填写 {limit} 及以后的年月; 更早的请到社保经办窗口办理。",
    "work_before_birth": "参加工作日期 {value} 早于出生日期。请核对。",
    "duplicate_in_sheet": "证件号码 {value} 在本表中出现了 {count} 次(第 {rows} 行)。同一人只能申报一行, 请删除多余的行。",
    # --- against the registry ---
    "already_active_here": "此人已在本单位参保(参保年月 {start}), 不能重复增加。如需改变参保信息, 请先办理人员减少。",
    "active_elsewhere": "此人的{insurance}正在其他单位({employer})参保, 同一险种不能在两家单位同时参保。请先由原单位办理减少, 或把{columns}改为「否」。",
    "overlaps_history": "此人在本单位上一次参保到 {end} 停保, 参保年月须晚于 {end}。请核对参保年月。",
    "name_mismatch": "姓名「{value}」与系统中该证件号码登记的姓名「{expected}」不一致。请核对姓名或证件号码。",
    "not_enrolled_here": "证件号码 {value} 不在本单位的参保人员名册中, 无法办理减少。请核对证件号码, 或在「单位人员名册」中查询。",
    "already_stopped": "此人已于 {end} 在本单位停保(原因: {reason}), 无需再次减少。",
    "stop_before_start": "停保年月 {month} 早于此人的参保年月 {start}。请填写不早于 {start} 的年月。",
    "retire_too_early": "减少原因为「退休」, 但此人应于 {retire} 才达到法定退休年龄, 停保年月 {month} 时尚未到龄。请核对减少原因或停保年月。",
    # --- 年度缴费基数申报 (base_declare) ---
    "declare_year_window": "申报年度 {value} 不能申报: 只能申报今年({this_year})或明年({next_year})的缴费基数。请改为 {this_year} 或 {next_year}。",
    "base_not_active_here": "此人不是本单位正在参保的职工, 不能为其申报缴费基数。请核对证件号码; 新招用的职工请先办理人员增加。",
    "base_new_hire": "此人 {start} 起在本单位参保, {value} 年度的缴费基数已按参保时申报的月缴费工资核定, 不需要再申报 {value} 年度。请删除本行, 或改为申报下一年度。",
    "base_already_declared": "此人 {year} 年度的缴费基数已核定为 {held} 元(月平均工资 {held_average} 元), 本行算得的月平均工资为 {average} 元, 与之不同。同一年度只能申报一次: 重复上传的请删除本行; 确需更正已核定的基数, 请到社保经办窗口办理基数更正。",
    # --- warnings (the row is applied) ---
    "id15_upgraded": "15 位老身份证号码 {value} 已自动升级为 18 位 {expected}, 请核对。",
    "base_below_floor": "{column} {value} 低于 {year} 年缴费基数下限 {floor}, 已按下限 {floor} 核定。",
    "base_above_cap": "{column} {value} 高于 {year} 年缴费基数上限 {cap}, 已按上限 {cap} 核定。",
    "base_limits_outdated": "{year} 年的缴费基数上下限尚未公布, 暂按 {used} 年的标准({floor}-{cap})核定。",
    "header_mapped": "表头「{typed}」{how}「{standard}」列读取。如不对, 请把该列表头改为标准名称后重新上传。",
    "derived_from_id": "表中没有「{column}」列, 已按证件号码推算。证件号码有误的行无法推算, 会提示必填。",
    "repeated_header": "本行与表头相同(多半是几张表拼接时带进来的), 已跳过, 不作申报。",
}

WARNING_CODES = {
    "id15_upgraded", "base_below_floor", "base_above_cap", "base_limits_outdated",
    "repeated_header", "header_mapped", "derived_from_id",
}  # fmt: skip


# A value is quoted in its message only this far: a cell of 40,000 characters would make
# the message (and the report, and the page) 40,000 characters long.
MAX_QUOTED = 50


def render(code: str, **fields: object) -> str:
    """The message of `code` with its fields filled in (a long cell value shortened)."""
    try:
        template = TEMPLATES[code]
    except KeyError:
        raise ValidationSetupError(f"no message for code {code!r}") from None
    if "value" in fields:
        fields["value"] = shorten(fields["value"])
    return template.format(**fields)


def shorten(value: object) -> object:
    """Text longer than MAX_QUOTED characters cut there, with an ellipsis and its length."""
    if isinstance(value, str) and len(value) > MAX_QUOTED:
        return f"{value[:MAX_QUOTED]}…(共 {len(value):,} 个字)"
    return value


def severity_of(code: str) -> str:
    """`warning` for the codes that still apply the row, else `error`."""
    return "warning" if code in WARNING_CODES else "error"
