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
    "unemployment_past_retirement": "此人应于 {retire} 达到法定退休年龄, 参保年月 {month} 已到龄, 不能再参加失业保险。请把失业保险改为「否」(到龄后可以只参加工伤保险、医疗保险), 或核对出生日期、个人身份。",
    "month_too_late": "{column} {month} 晚于下月({limit})。请填写不晚于 {limit} 的年月。",
    "month_too_early": "{column} {month} 早于 {limit}, 超过了可补报的 {months} 个月。请填写 {limit} 及以后的年月; 更早的请到社保经办窗口办理。",
    "work_before_birth": "参加工作日期 {value} 早于出生日期。请核对。",
    "duplicate_in_sheet": "证件号码 {value} 在本表中出现了 {count} 次(第 {rows} 行)。同一人只能申报一行, 请删除多余的行。",
    # --- against the registry ---
    "already_active_here": "此人已在本单位参保(参保年月 {start}), 不能重复增加。如需改变参保信息, 请先办理人员减少。",
    "active_elsewhere": "此人的{insurance}正在其他单位({employer})参保, 同一险种不能在两家单位同时参保。请先由原单位办理减少, 或把{columns}改为「否」。",
    "overlaps_history": "此人在本单位上一次参保到 {end} 停保, 参保年月须晚于 {end}。请核对参保年月。",
    "name_mismatch": "姓名「{value}」与系统中该证件号码登记的姓名「{expected}」不一致。请核对姓名或证件号码。",
    "not_enrolled_here": "证件号码 {value} 不在本单位的参保人员名册中, 无法办理。请核对证件号码, 或在「单位人员名册」中查询; 新招用的职工请先办理人员增加。",
    "already_stopped": "此人已于 {end} 在本单位停保(原因: {reason}), 无需再次减少。",
    "stop_before_start": "停保年月 {month} 早于此人的参保年月 {start}。请填写不早于 {start} 的年月。",
    "retire_too_early": "减少原因为「退休」, 但此人 {month} 时尚未达到原退休年龄(最早可于 {original} 起申请弹性提前退休, 法定退休年龄在 {retire})。请核对减少原因或停保年月。",
    "not_active_here": "此人已于 {end} 在本单位停保, 目前不在本单位参保, 无法办理。重新招用的请先办理人员增加。",
    # --- 人员险种增加 (insurance_add) / 人员险种减少 (insurance_remove) ---
    "duplicate_insurance_in_sheet": "同一证件号码的{value}在本表中出现了 {count} 次(第 {rows} 行)。同一人的同一险种只能申报一行, 请删除多余的行。",
    "insurance_already_active": "此人的{insurance}已在本单位参保(开始年月 {start}), 不能重复增加。如需改变开始年月, 请先办理人员险种减少。",
    "insurance_active_elsewhere": "此人的{insurance}正在其他单位({employer})参保, 同一险种不能在两家单位同时参保。请先由原单位办理该险种的减少。",
    "insurance_overlaps_history": "此人的{insurance}在本单位上一次于 {end} 停止, 开始年月 {month} 须晚于 {end}。请核对开始年月。",
    "insurance_before_employment": "开始年月 {month} 早于此人在本单位的参保年月 {start}。请填写不早于 {start} 的年月。",
    "insurance_past_retirement": "此人应于 {retire} 达到法定退休年龄, 开始年月 {month} 已到龄, 不能再参加{insurance}(到龄后可以只参加工伤保险、医疗保险)。请删除本行, 或核对出生日期、个人身份。",
    "insurance_not_held_here": "此人在本单位没有参加{insurance}, 无法减少。请核对险种, 或在「单位人员名册」中查询此人的在保险种。",
    "insurance_already_stopped": "此人的{insurance}已于 {end} 在本单位停止(原因: {reason}), 无需再次减少。",
    "insurance_stop_before_start": "停止年月 {month} 早于此人{insurance}的开始年月 {start}。请填写不早于 {start} 的年月。",
    "insurance_last_one": "停止{insurance}后, 此人在本单位已没有在保的险种, 但仍在单位人员名册中。如此人已离职或退休, 请办理人员减少。",
    # --- 人员减少 (person_remove): 弹性提前退休 ---
    "flexible_early_retirement": "此人 {month} 已达到原退休年龄({original}), 但法定退休年龄在 {retire}: 按弹性提前退休(人社部发〔2024〕94号)办理, 需社保经办机构审核, 审核通过后才停保。请确认本人已书面申请且缴费年限已满最低年限。",
    # --- 工伤事故申报 (injury_report) ---
    "duplicate_accident": "证件号码 {value} 的同一起事故(事故发生日期相同)在本表中出现了不止一次。每起事故只填一行, 请删除重复的行。",
    "injury_not_insured": "此人在事故发生的 {month} 没有在本单位参加工伤保险({held})。只有事故发生时在本单位参加工伤保险的职工才能在此申报; 请核对证件号码和事故发生日期, 未参保期间发生的事故请到社保经办窗口咨询。",
    "injury_already_reported": "此人 {value} 的事故已经申报过, 正在审核, 本行与原申报的内容不同。如需修改, 请先撤回原申报, 再重新申报。",
    "injury_already_decided": "此人 {value} 的事故已于 {decided} 认定为「{outcome}」(工伤认定编号 {number}), 本行与原申报的内容不同, 不能再次申报。认定信息有误的, 请到社保经办窗口办理更正。",
    # --- 工伤鉴定 (injury_appraisal) ---
    "injury_no_format": "工伤认定编号「{value}」格式不对: 应为 GS 加 4 位年份和 5 位顺序号, 例如 GS202600001。请对照工伤认定决定书填写。",
    "duplicate_injury_no": "工伤认定编号 {value} 在本表中出现了不止一次。同一工伤一次只能申请一项鉴定, 请删除多余的行, 待上一项鉴定有结论后再申请下一项。",
    "injury_unknown": "工伤认定编号 {value} 不是本单位已认定的工伤。请对照工伤认定决定书核对编号; 工伤事故申报尚在审核的, 请等认定后再申请鉴定。",
    "injury_other_person": "工伤认定编号 {value} 登记的受伤职工不是本行证件号码的这个人。请核对证件号码或工伤认定编号。",
    "first_appraisal_exists": "此工伤已于 {date} 申请过初次鉴定({state}), 初次鉴定只能申请一次。伤残情况有变化的, 请在结论作出一年后申请复查鉴定; 对结论不服的, 请在 15 日内申请再次鉴定。",
    "appraisal_pending": "此工伤 {date} 申请的{category}正在审核, 审核结束前不能再申请鉴定。请等有结论后再申请。",
    "no_conclusion": "此工伤还没有劳动能力鉴定结论, 不能申请{category}。请先申请初次鉴定。",
    "review_too_early": "此工伤最近一次鉴定结论作出于 {concluded}, 复查鉴定须在结论作出一年后申请, 即 {earliest} 及以后(《工伤保险条例》第二十八条)。申请日期 {value} 太早, 请核对。",
    "reappraisal_too_late": "此工伤最近一次鉴定结论作出于 {concluded}, 再次鉴定须在 15 日内申请, 即最晚 {latest}(《工伤保险条例》第二十六条)。申请日期 {value} 已超过期限; 伤残情况有变化的, 可在结论作出一年后申请复查鉴定。",
    "reappraisal_before_conclusion": "申请日期 {value} 早于此工伤最近一次鉴定结论的作出日期 {concluded}。再次鉴定是对已作出的结论申请的, 请核对申请日期。",
    "reappraisal_final": "此工伤最近一次鉴定是再次鉴定({concluded} 作出), 其结论为最终结论, 不能再申请再次鉴定(《工伤保险条例》第二十六条)。伤残情况有变化的, 可在结论作出一年后申请复查鉴定。",
    # --- reviewers' decisions on 工伤 (DecisionRefused) ---
    "decision_injury_outcome": "批准工伤认定须选择认定结论「认定工伤」或「视同工伤」, 现在是「{value}」。不予认定的, 请选择驳回并写明理由。",
    "decision_rejection_outcome": "驳回的工伤认定结论只能是「不予认定」, 现在是「{value}」。要认定为工伤的, 请选择批准。",
    "decision_grade": "鉴定结论须选择伤残等级({choices}), 现在是「{value}」。",
    "decision_self_care": "鉴定结论须选择生活自理障碍等级({choices}), 现在是「{value}」。",
    "decision_not_pending": "这份{title}申报没有待审核的记录(可能已经审核或已被撤回), 不能再作决定。请刷新审核列表。",
    "decision_numbers_exhausted": "{year} 年的工伤认定编号已用完(每年最多 99999 个), 无法再编号。请联系系统管理员。",
    # --- employer_change (单位基本信息变更) ---
    "credit_code_format": "统一社会信用代码「{value}」应为 18 位, 由数字和大写字母组成(不用 I、O、S、V、Z), 现在是 {length} 位。请对照营业执照重新填写。",
    "credit_code_checksum": "统一社会信用代码「{value}」的最后一位(校验位)不对: 按前 17 位计算应为 {expected}。请对照营业执照逐位核对。",
    "bank_account_excel_number": "银行账号被 Excel 转成了数字(显示为「{value}」), 后几位已经丢失。请把该列设为文本后重新填写。",
    "bank_account_format": "银行账号「{value}」应为 8-30 位数字。请对照开户许可证或银行回单重新填写, 不要带字母或其他符号。",
    "nothing_to_change": "本行没有填写任何要变更的内容。请只填写要变更的项目, 不变的留空; 至少要填一项。",
    "one_change_per_sheet": "单位基本信息变更每次只申报一行, 本行是多出来的。请把要变更的内容合并到第一行, 删除多余的行。",
    "credit_code_taken": "统一社会信用代码 {value} 已被其他单位登记使用。请核对本单位营业执照上的代码; 确属本单位的, 请到社保经办窗口办理。",
    # --- review desk ---
    "review_rejected": "社保经办机构审核未通过, 审核意见: {reason}。请按审核意见修改本行后重新上传, 修改后的申报会重新送审。",
    # --- 年度缴费基数申报 (base_declare) ---
    "declare_year_window": "申报年度 {value} 不能申报: 只能申报今年({this_year})或明年({next_year})的缴费基数。请改为 {this_year} 或 {next_year}。",
    "base_not_active_here": "此人不是本单位正在参保的职工, 不能为其申报缴费基数。请核对证件号码; 新招用的职工请先办理人员增加。",
    "base_new_hire": "此人 {start} 起在本单位参保, {value} 年度的缴费基数已按参保时申报的月缴费工资核定, 不需要再申报 {value} 年度。请删除本行, 或改为申报下一年度。",
    "base_already_declared": "此人 {year} 年度的缴费基数已核定为 {held} 元(月平均工资 {held_average} 元), 本行算得的月平均工资为 {average} 元, 与之不同。同一年度只能申报一次: 重复上传的请删除本行; 确需更正已核定的基数, 请到社保经办窗口办理基数更正。",
    # --- warnings (the row is applied) ---
    "injury_reported_late": "事故发生于 {date}, 到申报之日 {today} 已过 {days} 天, 超过了 30 天的申报时限。本行照常申报; 但按《工伤保险条例》第十七条, 逾期期间发生的符合规定的工伤待遇等有关费用由本单位负担。",
    "id15_upgraded": "15 位老身份证号码 {value} 已自动升级为 18 位 {expected}, 请核对。",
    "base_below_floor": "{column} {value} 低于 {year} 年缴费基数下限 {floor}, 已按下限 {floor} 核定。",
    "base_above_cap": "{column} {value} 高于 {year} 年缴费基数上限 {cap}, 已按上限 {cap} 核定。",
    "base_limits_outdated": "{year} 年的缴费基数上下限尚未公布, 暂按 {used} 年的标准({floor}-{cap})核定。",
    "header_mapped": "表头「{typed}」{how}「{standard}」列读取。如不对, 请把该列表头改为标准名称后重新上传。",
    "derived_from_id": "表中没有「{column}」列, 已按证件号码推算。证件号码有误的行无法推算, 会提示必填。",
    "untouched_prefilled": "表中有 {count} 行只有预填的{prefilled}, {actions}都没有填写, 视为不办理, 已跳过(第 {rows} 行)。如要为其中某人办理, 请填写这些列后重新上传。",
    "repeated_header": "本行与表头相同(多半是几张表拼接时带进来的), 已跳过, 不作申报。",
}

WARNING_CODES = {
    "id15_upgraded", "base_below_floor", "base_above_cap", "base_limits_outdated",
    "repeated_header", "header_mapped", "derived_from_id", "flexible_early_retirement",
    "untouched_prefilled", "insurance_last_one",
    "injury_reported_late",
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
