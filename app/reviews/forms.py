"""Forms of the review cases."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.forms import AppForm, choices
from app.reviews.models import DECISIONS


class AdvanceForm(AppForm):
    note = TextAreaField(_l("Ghi chú"), validators=[DataRequired(), Length(min=5, max=5000)])
    decision = SelectField(_l("Kết luận"), validators=[Optional()],
                           choices=[SelectChoice("", _l("— chọn khi kết luận —"))] + choices(DECISIONS))


class ResponseForm(AppForm):
    text = TextAreaField(_l("Nội dung giải trình"), validators=[DataRequired(), Length(min=10, max=10000)])
