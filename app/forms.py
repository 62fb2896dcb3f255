"""The base form and the field helpers every feature shares: CSRF from Flask-WTF, WTForms' own
messages in the user's language, select choices, score and period validators."""
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError
from app.periods import parse_period, parse_year

TRANSLATIONS_DIR = Path(__file__).parent / "translations"


@lru_cache(maxsize=8)
def _wtforms_translations(locale):
    if locale == "en":
        return NullTranslations()  # WTForms' messages are English already
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="wtforms")


class AppForm(FlaskForm):
    """Every form of the application derives from this one."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale() or "vi"))


def choices(labels):
    """Select options from a {code: label} mapping."""
    return [SelectChoice(code, label) for code, label in labels.items()]


def one_decimal(form, field):
    """Scores have at most one digit after the point (they are compared exactly)."""
    if field.data is not None and field.data != field.data.quantize(Decimal("0.1")):
        raise ValidationError(_l("Điểm chỉ có tối đa một chữ số thập phân."))


def period_rule(form, field):
    """A `YYYY-MM` month, checked by the one period parser."""
    try:
        parse_period((field.data or "").strip())
    except DomainError as exc:
        raise ValidationError(exc.message) from None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def year_rule(form, field):
    """A year written YYYY that the system can hold, checked by the one year parser."""
    try:
        parse_year(field.data)
    except DomainError as exc:
        raise ValidationError(exc.message) from None


class YearForm(AppForm):
    """A year to act on (classify, flag the review cases)."""

    year = StringField(_l("Năm"), validators=[DataRequired(), year_rule])


def posted_year() -> int:
    """The year of a posted YearForm, or DomainError."""
    form = YearForm()
    if not form.validate_on_submit():
        raise DomainError(_("Năm phải có dạng YYYY."))
    return parse_year(form.year.data)
