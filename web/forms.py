"""The forms of the web pages (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from registry.lockout import is_plain_name


def _login_name_shape(_form: FlaskForm, field: StringField) -> None:
    value = (field.data or "").strip()
    if not is_plain_name(value):
        # Pasted from elsewhere with invisible characters; no account has such a name.
        raise ValidationError("用户名中含有不可见的控制字符, 请重新手工输入用户名。")
    # Employer logins are 330682 + 8 digits; reviewer logins are free-form names.
    if value.isdigit() and len(value) != 14:
        raise ValidationError(
            f"用户名应为 14 位: 330682 加 8 位单位社保编码, 您输入了 {len(value)} 位。"
        )


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(
        "用户名",
        validators=[
            DataRequired("请输入用户名。"),
            Length(max=40, message="用户名最多 40 个字符, 请检查是否粘贴了多余的内容。"),
            _login_name_shape,
        ],
        description="330682 加 8 位单位社保编码, 共 14 位",
    )
    password = PasswordField("密码", validators=[DataRequired("请输入密码。")])


class PasswordChangeForm(FlaskForm):
    """Old password, new password twice."""

    old_password = PasswordField("原密码", validators=[DataRequired("请输入原密码。")])
    new_password = PasswordField(
        "新密码",
        validators=[DataRequired("请输入新密码。")],
        description="至少 8 位, 包含字母、数字、符号中的至少两类",
    )
    new_password_again = PasswordField(
        "再次输入新密码", validators=[DataRequired("请再次输入新密码。")]
    )


class UploadForm(FlaskForm):
    """A filled template and the two options of an upload."""

    file = FileField("选择填好的表格", validators=[FileRequired("请选择要上传的表格文件。")])
    all_or_nothing = BooleanField(
        "全部正确才申报", description="只要有一行有错, 整个表格都不申报, 改好后整表重新上传"
    )
    dry_run = BooleanField(
        "预览(只校验, 显示将要办理的变更, 不申报)",
        description="先看每行将新增、变更什么, 核对无误后在批次页点「确认申报」",
    )
