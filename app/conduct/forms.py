"""Forms of the conduct pages."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from app.conduct.models import CATEGORIES, PLACES, SEVERITIES
from app.forms import AppForm, MultiCheckboxField, ScoreField, choices


class RuleForm(AppForm):
    code = StringField(_l("Mã"), validators=[
        DataRequired(), Length(max=20),
        Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Mã chỉ gồm chữ không dấu, chữ số và . _ -"))])
    text_vi = StringField(_l("Nội dung (tiếng Việt)"), validators=[DataRequired(), Length(max=500)])
    text_en = StringField(_l("Nội dung (tiếng Anh)"), validators=[DataRequired(), Length(max=500)])
    place = SelectField(_l("Nơi áp dụng"), choices=choices(PLACES))
    category = SelectField(_l("Nhóm"), choices=choices(CATEGORIES))
    severity = SelectField(_l("Mức độ"), choices=choices(SEVERITIES))
    deduction = ScoreField(_l("Điểm trừ vào C2"), max=100)
    legal_source = StringField(_l("Căn cứ"), validators=[Optional(), Length(max=300)])
    active = BooleanField(_l("Đang áp dụng"), default=True)


class TemplateForm(AppForm):
    name = StringField(_l("Tên mẫu kiểm tra"), validators=[DataRequired(), Length(max=255)])
    rules = MultiCheckboxField(_l("Quy tắc"), coerce=int,
                               validators=[DataRequired(message=_l("Hãy chọn ít nhất một quy tắc."))])


class InspectionForm(AppForm):
    unit_code = StringField(_l("Đơn vị được kiểm tra (gõ mã hoặc tên)"),
                            validators=[DataRequired(), Length(max=50)],
                            render_kw={"data-picker": "units", "data-picker-for": "inspection.run"})
    template_id = SelectField(_l("Mẫu kiểm tra"), coerce=int)
    inspected_at = DateTimeLocalField(_l("Thời điểm kiểm tra"), format="%Y-%m-%dT%H:%M",
                                      validators=[InputRequired()])
    members = MultiCheckboxField(_l("Thành viên đoàn kiểm tra"), coerce=str, validators=[Optional()],
                                 description=_l("Người lập đợt kiểm tra là trưởng đoàn."))


class SubmitForm(AppForm):
    summary = TextAreaField(_l("Tóm tắt biên bản"), validators=[Optional(), Length(max=5000)])


class RaiseForm(AppForm):
    staff_code = StringField(_l("Cán bộ vi phạm (gõ mã hoặc tên)"),
                             validators=[DataRequired(), Length(max=50)],
                             render_kw={"data-picker": "staff", "data-picker-for": "report.raise"})
    rule_id = SelectField(_l("Quy tắc vi phạm"), coerce=int)
    occurred_on = DateField(_l("Ngày xảy ra"), validators=[InputRequired()])
    note = TextAreaField(_l("Mô tả vi phạm"), validators=[DataRequired(), Length(min=10, max=1000)])


class RespondForm(AppForm):
    text = TextAreaField(_l("Nội dung giải trình"), validators=[DataRequired(), Length(min=10, max=5000)])
