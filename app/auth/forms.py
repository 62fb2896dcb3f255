"""Forms for login, passwords, accounts and role grants."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from app.auth.models import ROLES
from app.auth.services import password_problem
from app.forms import AppForm


def PASSWORD_RULE(form, field):  # noqa: N802  (used like a validator class)
    """At least PASSWORD_MIN_LENGTH characters and not among the common passwords."""
    username = getattr(getattr(form, "username", None), "data", None)
    problem = password_problem(field.data or "", username)
    if problem:
        raise ValidationError(problem)


class LoginForm(AppForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=128)])


class ChangePasswordForm(AppForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()])
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Hai mật khẩu không khớp."))],
    )


class UserCreateForm(AppForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(), Length(min=3, max=80),
                    Regexp(r"^[A-Za-z0-9._-]+$",
                           message=_l("Chỉ dùng chữ không dấu, chữ số và các ký tự . _ -"))],
    )
    display_name = StringField(_l("Họ và tên hiển thị"), validators=[DataRequired(), Length(max=255)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), Email(), Length(max=255)])
    staff_code = StringField(_l("Mã cán bộ liên kết (không bắt buộc)"),
                             validators=[Optional(), Length(max=50)],
                             render_kw={"data-picker": "staff", "data-picker-for": "user.admin"})
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[DataRequired(), PASSWORD_RULE])


class ResetPasswordForm(AppForm):
    password = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), PASSWORD_RULE])


class GrantForm(AppForm):
    role = SelectField(_l("Vai trò"), choices=[SelectChoice(code, label) for code, label in ROLES.items()])
    unit_code = StringField(
        _l("Mã đơn vị phạm vi"),
        description=_l("Vai trò có hiệu lực với đơn vị này và mọi đơn vị trực thuộc. "
                       "Để trống với vai trò quản trị hệ thống."),
        validators=[Optional(), Length(max=50)],
        render_kw={"data-picker": "units", "data-picker-for": "user.admin"},
    )


class AuditFilterForm(AppForm):
    class Meta:
        csrf = False

    action = StringField(_l("Hành động"), validators=[Optional(), Length(max=64)])
    object_type = StringField(_l("Loại đối tượng"), validators=[Optional(), Length(max=40)])
    actor = StringField(_l("Người thực hiện"), validators=[Optional(), Length(max=80)])
    date_from = DateField(_l("Từ ngày"), validators=[Optional()])
    date_to = DateField(_l("Đến ngày"), validators=[Optional()])
