"""Forms of the ledger pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.errors import DomainError
from app.forms import AppForm, MultiCheckboxField, choices


def coefficient_rule(form, field):
    """A conversion coefficient, checked by the one parser of the services."""
    from app.tasks.services import parse_coefficient

    if field.data in (None, ""):
        return
    try:
        parse_coefficient(field.data)
    except DomainError as exc:
        raise ValidationError(exc.message) from None


class ProductForm(AppForm):
    code = StringField(
        _l("Mã"),
        validators=[
            DataRequired(),
            Length(max=50),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Mã chỉ gồm chữ không dấu, chữ số và . _ -")),
        ],
    )
    name_vi = StringField(_l("Tên (tiếng Việt)"), validators=[DataRequired(), Length(max=255)])
    name_en = StringField(_l("Tên (tiếng Anh)"), validators=[Optional(), Length(max=255)])
    measure = StringField(_l("Đơn vị tính"), validators=[Optional(), Length(max=50)])
    coefficient = StringField(
        _l("Hệ số quy đổi"),
        validators=[DataRequired(), coefficient_rule],
        description=_l("1,0 = một sản phẩm chuẩn; ví dụ 0,1 cho một hồ sơ tiếp nhận."),
    )
    default_days = IntegerField(
        _l("Số ngày làm việc mặc định"), validators=[Optional(), NumberRange(min=1, max=365)]
    )
    unit_id = SelectField(_l("Áp dụng cho"), coerce=int)
    effective_from = DateField(_l("Hiệu lực từ ngày"), validators=[InputRequired()])


class AssignForm(AppForm):
    people = MultiCheckboxField(
        _l("Giao cho"), coerce=int, validators=[DataRequired(message=_l("Hãy chọn ít nhất một người."))]
    )
    product_id = SelectField(_l("Sản phẩm trong danh mục"), coerce=int)
    # No Optional() here: it would stop the chain before the checks below that tie them together.
    title = StringField(_l("Hoặc việc phát sinh: tên việc"), validators=[Length(max=500)])
    coefficient = StringField(_l("Hệ số quy đổi của việc phát sinh"), validators=[coefficient_rule])
    quantity = IntegerField(
        _l("Số lượng"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100000)]
    )
    assigned_on = DateField(_l("Ngày giao"), validators=[InputRequired()])
    due_on = DateField(_l("Hạn hoàn thành"), validators=[InputRequired()])

    def validate_title(self, field):
        if not self.product_id.data and not (field.data or "").strip():
            raise ValidationError(_l("Hãy chọn một sản phẩm hoặc ghi tên việc phát sinh."))

    def validate_coefficient(self, field):
        if not self.product_id.data and not field.data:
            raise ValidationError(_l("Việc phát sinh phải có hệ số quy đổi."))


class SubmitForm(AppForm):
    note = TextAreaField(_l("Kết quả thực hiện"), validators=[Optional(), Length(max=2000)])
    link = StringField(
        _l("Đường dẫn minh chứng"),
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Đường dẫn phải bắt đầu bằng http:// hoặc https://.")),
        ],
    )
    evidence = FileField(_l("Tệp minh chứng (ảnh, PDF, DOCX, XLSX)"))


class NoteForm(AppForm):
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])


class ExtendForm(AppForm):
    new_due = DateField(_l("Hạn mới"), validators=[InputRequired()])
    note = TextAreaField(_l("Lý do gia hạn"), validators=[Optional(), Length(max=2000)])


class ExemptForm(AppForm):
    kind = SelectField(
        _l("Miễn trừ"), choices=choices({"return": _l("Một lần bị trả lại"), "delay": _l("Một lần trễ hạn")})
    )
    note = TextAreaField(_l("Nguyên nhân khách quan"), validators=[DataRequired(), Length(min=5, max=2000)])


class CancelForm(AppForm):
    reason = TextAreaField(_l("Lý do hủy"), validators=[DataRequired(), Length(min=5, max=1000)])


class ImportForm(AppForm):
    kind = SelectField(
        _l("Loại tệp"), choices=choices({"tasks": _l("Nhiệm vụ"), "products": _l("Danh mục sản phẩm")})
    )
    file = FileField(_l("Tệp CSV (UTF-8)"))


class TokenForm(AppForm):
    name = StringField(_l("Tên kết nối"), validators=[DataRequired(), Length(max=120)])
    unit_code = StringField(_l("Mã đơn vị (phạm vi)"), validators=[DataRequired(), Length(max=50)],
                            render_kw={"data-picker": "units", "data-picker-for": "user.admin"})
