"""Forms for units, staff, transfers, discipline, leave and file imports."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from app.forms import AppForm, choices
from app.org.models import DISCIPLINE_FORMS, LEAVE_KINDS, STAFF_CATEGORIES, UNIT_KINDS

CODE_RULES = [DataRequired(), Length(max=50),
              Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Mã chỉ gồm chữ không dấu, chữ số và . _ -"))]


class UnitForm(AppForm):
    code = StringField(_l("Mã đơn vị"), validators=CODE_RULES)
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Loại đơn vị"), choices=choices(UNIT_KINDS))
    parent_code = StringField(_l("Mã đơn vị cấp trên"), validators=[Optional(), Length(max=50)],
                              render_kw={"data-picker": "units", "data-picker-for": "org.edit"},
                              description=_l("Để trống nếu là đơn vị cấp cao nhất."))


class StaffForm(AppForm):
    code = StringField(_l("Mã cán bộ"), validators=CODE_RULES)
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=255)])
    category = SelectField(_l("Loại"), choices=choices(STAFF_CATEGORIES))
    position = StringField(_l("Chức vụ, chức danh"), validators=[Optional(), Length(max=255)])
    is_head = BooleanField(_l("Là cấp trưởng của đơn vị"))
    front_desk = BooleanField(_l("Làm việc tại bộ phận một cửa"))
    email = StringField(_l("Thư điện tử"), validators=[Optional(), Email(), Length(max=255)])
    start_date = DateField(_l("Ngày bắt đầu công tác"), validators=[InputRequired()])
    active = BooleanField(_l("Đang công tác"), default=True)


class StaffCreateForm(StaffForm):
    unit_code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=50)],
                            render_kw={"data-picker": "units", "data-picker-for": "org.edit"})


class TransferForm(AppForm):
    unit_code = StringField(_l("Mã đơn vị mới"), validators=[DataRequired(), Length(max=50)],
                            render_kw={"data-picker": "units", "data-picker-for": "org.edit"})
    effective_date = DateField(_l("Ngày có hiệu lực"), validators=[InputRequired()])


class DisciplineForm(AppForm):
    decision_date = DateField(_l("Ngày quyết định"), validators=[InputRequired()])
    form = SelectField(_l("Hình thức kỷ luật"), choices=choices(DISCIPLINE_FORMS))
    note = TextAreaField(_l("Số quyết định, ghi chú"), validators=[Optional(), Length(max=500)])


class LeaveForm(AppForm):
    start_date = DateField(_l("Từ ngày"), validators=[InputRequired()])
    end_date = DateField(_l("Đến ngày"), validators=[InputRequired()])
    kind = SelectField(_l("Loại nghỉ"), choices=choices(LEAVE_KINDS))


IMPORT_KINDS = {
    "units": _l("Đơn vị (code,name,parent_code,kind)"),
    "staff": _l("Cán bộ (code,full_name,unit_code,category,position,is_head,front_desk,email,start_date)"),
    "discipline": _l("Quyết định kỷ luật (staff_code,decision_date,form)"),
    "transfers": _l("Điều chuyển có ngày hiệu lực (staff_code,unit_code,effective_date)"),
}


class ImportForm(AppForm):
    kind = SelectField(_l("Loại dữ liệu"), choices=choices(IMPORT_KINDS))
    file = FileField(_l("Tệp CSV (UTF-8)"), validators=[
        FileRequired(message=_l("Hãy chọn một tệp.")),
        FileAllowed(["csv"], message=_l("Chỉ nhận tệp .csv.")),
    ])


class StaffSearchForm(AppForm):
    class Meta:
        csrf = False

    q = StringField(_l("Tên hoặc mã"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Loại"), choices=[SelectChoice("", _l("Tất cả"))] + choices(STAFF_CATEGORIES),
                           validators=[Optional()])
    status = SelectField(_l("Trạng thái"), choices=choices({"active": _l("Đang công tác"),
                                                     "inactive": _l("Đã nghỉ"), "all": _l("Tất cả")}),
                         validators=[Optional()])


class ReorganiseForm(AppForm):
    file = FileField(_l("Tệp CSV (action,old_code,new_code,new_name,effective_date)"), validators=[
        FileRequired(message=_l("Hãy chọn một tệp.")),
        FileAllowed(["csv"], message=_l("Chỉ nhận tệp .csv.")),
    ])
    dry_run = BooleanField(_l("Chạy thử: chỉ xem những gì sẽ thay đổi, không ghi gì"), default=True)


class UnitSearchForm(AppForm):
    class Meta:
        csrf = False

    q = StringField(_l("Tên hoặc mã đơn vị"), validators=[Optional(), Length(max=100)])
