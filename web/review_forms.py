"""Forms of the review desk, the declarations list and 单位基本信息变更 (Flask-WTF: each
carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from registry.employer_info import EMPLOYER_FIELDS

INJURY_OUTCOMES = ["", "认定工伤", "视同工伤", "不予认定"]
GRADES = [
    "",
    "一级",
    "二级",
    "三级",
    "四级",
    "五级",
    "六级",
    "七级",
    "八级",
    "九级",
    "十级",
    "未达等级",
]
SELF_CARE = ["", "生活完全不能自理", "生活大部分不能自理", "生活部分不能自理", "未达等级"]


def _choices(values: list[str]) -> list[SelectChoice]:
    return [SelectChoice(v, v or "(不适用)") for v in values]


class DecisionForm(FlaskForm):
    """A reviewer's decision: approve or reject, a reason (required to reject), and what
    work-injury kinds need recorded."""

    decision = RadioField(
        "审核结果",
        choices=[SelectChoice("approve", "批准"), SelectChoice("reject", "退回(不予通过)")],
        validators=[DataRequired("请选择审核结果: 批准或退回。")],
    )
    reason = TextAreaField(
        "审核意见",
        validators=[Length(max=500, message="审核意见最多 500 个字。")],
        description="退回时必填: 写明哪里不对、应当怎样改, 单位会在批次页面和错误报告中看到",
    )
    outcome = SelectField("认定结论", choices=_choices(INJURY_OUTCOMES), validators=[Optional()])
    grade = SelectField("伤残等级", choices=_choices(GRADES), validators=[Optional()])
    self_care = SelectField("生活自理障碍", choices=_choices(SELF_CARE), validators=[Optional()])


class WithdrawForm(FlaskForm):
    """撤回 a pending declaration (the CSRF token is the whole form)."""


def _field(label: str, max_len: int) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=max_len)])


class EmployerChangeForm(FlaskForm):
    """单位基本信息变更: every field optional; blank = unchanged. The values are checked by
    the kind's rules once the form has become the one-row sheet, not here."""

    单位名称 = _field("单位名称", 200)
    统一社会信用代码 = _field("统一社会信用代码", 60)
    法定代表人 = _field("法定代表人", 60)
    单位地址 = _field("单位地址", 200)
    联系人 = _field("联系人", 60)
    联系电话 = _field("联系电话", 60)
    开户银行 = _field("开户银行", 100)
    银行账号 = _field("银行账号", 60)
    行业风险类别 = SelectField(
        "行业风险类别",
        choices=[SelectChoice("", "(不变)")]
        + [SelectChoice(str(n), f"{n} 类") for n in range(1, 9)],
        validators=[Optional()],
    )

    def values(self) -> dict[str, str]:
        """Header → typed value, for the fields filled in."""
        found = {h: (getattr(self, h).data or "").strip() for h in EMPLOYER_FIELDS}
        return {h: v for h, v in found.items() if v}
