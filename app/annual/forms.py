"""Forms of the annual pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import AppForm, choices


class ReasonForm(AppForm):
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(), Length(min=10, max=2000)])


RESULT_IMPORTS = {
    "results": _l("Kết quả tháng trước khi có hệ thống (staff_code,period,score)"),
    "annual": _l("Kết quả năm trước khi có hệ thống (staff_code,year,level)"),
}


class ResultImportForm(AppForm):
    kind = SelectField(_l("Loại dữ liệu"), choices=choices(RESULT_IMPORTS))
    file = FileField(_l("Tệp CSV (UTF-8)"), validators=[
        FileRequired(message=_l("Hãy chọn một tệp.")),
        FileAllowed(["csv"], message=_l("Chỉ nhận tệp .csv.")),
    ])
