"""The edge for input: the base form and the field types every feature shares. CSRF from
Flask-WTF, WTForms' own messages in the user's language; every text field of every form in NFC,
without control characters and with a length limit; scores finite with one decimal (a decimal
comma accepted); periods and years by the one parser; query arguments read through `arg`."""
import secrets
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.signer import Signer
from wtforms import (
    DateTimeField,
    Field,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from app.errors import DomainError
from app.periods import parse_period, parse_year
from app.text import has_control, nfc

TRANSLATIONS_DIR = Path(__file__).parent / "translations"


@lru_cache(maxsize=8)
def _wtforms_translations(locale):
    if locale == "en":
        return NullTranslations()  # WTForms' messages are English already
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="wtforms")


@lru_cache(maxsize=4)
def _csrf_serializer(secret: str) -> tuple[URLSafeTimedSerializer, Signer]:
    serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")  # as generate_csrf makes it
    return serializer, serializer.make_signer()


@lru_cache(maxsize=1024)
def _csrf_payload(secret: str, raw: str) -> bytes:
    return _csrf_serializer(secret)[0].dump_payload(raw)


def csrf_token() -> str:
    """Flask-WTF's generate_csrf, the same token (the session's, signed with the time): its
    serializer, signer and the session token's payload kept instead of made again for every page
    (their key derivation and zlib attempt were most of a page's 40 µs of CSRF). A session
    without its token yet gets a random one like generate_csrf's (a first visit to the login page:
    half of its 30 µs was the serializer built again)."""
    config = current_app.config
    name = config["WTF_CSRF_FIELD_NAME"]
    token = g.get(name)
    if token is None:
        raw = session.get(name)
        secret = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
        if raw is None and isinstance(secret, str) and secret:
            raw = session[name] = secrets.token_hex(20)  # 40 hex digits, as Flask-WTF's
        if not isinstance(raw, str) or not isinstance(secret, str) or not secret:
            return generate_csrf()
        token = _csrf_serializer(secret)[1].sign(_csrf_payload(secret, raw)).decode()
        setattr(g, name, token)
    return token


class _FormCSRF(FlaskForm.Meta.csrf_class):  # type: ignore[name-defined,misc]
    """Flask-WTF's CSRF for forms, the token signed by csrf_token (the form's meta reads the same
    configuration): a form's page pays once for the token its layout shows too."""

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()


# The longest text any field takes when the form names no shorter limit: a line and a long
# free text. Anything longer is a probe, refused before it reaches a service.
LINE_MAX = 1000
TEXT_MAX = 20000


def _nfc(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


def clean_text(form: Any, field: Field) -> None:
    """No control characters (tab and line breaks allowed) and no more than the limit."""
    value = field.data
    if not isinstance(value, str):
        return
    if has_control(value):
        raise StopValidation(_("Nội dung có ký tự điều khiển không hợp lệ."))
    limit = TEXT_MAX if isinstance(field, TextAreaField) else LINE_MAX
    if len(value) > limit:
        raise StopValidation(_("Tối đa %(max)d ký tự.", max=limit))


DATE_YEARS = (1900, 2999)  # a birth date, a deadline or a filter: anything outside is a typo or a probe


def sane_date(form: Any, field: Field) -> None:
    """A date (or time) within DATE_YEARS, so that a day added or a zone applied cannot overflow."""
    if field.data is not None and not DATE_YEARS[0] <= field.data.year <= DATE_YEARS[1]:
        raise StopValidation(_("Ngày phải trong khoảng năm %(min)d đến %(max)d.",
                               min=DATE_YEARS[0], max=DATE_YEARS[1]))


class AppForm(FlaskForm):
    """Every form of the application derives from this one: its text fields are NFC (passwords
    are kept as typed), refuse control characters and take at most LINE_MAX / TEXT_MAX characters;
    its dates lie within DATE_YEARS."""

    class Meta:
        csrf_class = _FormCSRF

        def get_translations(self, form):
            return _wtforms_translations(str(get_locale() or "vi"))

        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                if not isinstance(field, PasswordField):
                    field.filters = (*field.filters, _nfc)
                field.validators = [clean_text, *field.validators]
            elif isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
                field.validators = [*field.validators, sane_date]
            return field


def choices(labels):
    """Select options from a {code: label} mapping."""
    return [SelectChoice(code, label) for code, label in labels.items()]


SCORE_LIMIT = Decimal(1_000_000)  # beyond any maximum a policy can set


class ScoreField(StringField):
    """A score (or a rate) typed by a person: a finite number from `min` to `max` with at most
    `places` digits after the point; "4,5" is read as 4.5. Anything else — `Infinity`, `NaN`,
    `1e309`, too many decimals, out of range — gets one message, and the form shows back what
    was typed. `data` is a Decimal (or None when the field is empty and optional)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, max: Any = None, min: Any = 0,
                 places: int = 1, required: bool = True, message: Any = None, **kwargs: Any) -> None:
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        presence = InputRequired() if required else Optional()
        super().__init__(label, [presence, *(validators or ())], render_kw=render_kw, **kwargs)
        self.min, self.max, self.places = min, max, places
        self.message = message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = None
        if not text:
            return
        self.data = parse_score(text, self.places)
        if self.data is None:
            self.process_errors.append(self._message())

    def _message(self):
        if self.message is not None:
            return self.message
        if self.min is None or self.max is None:
            return _("Phải là một số, tối đa %(places)d chữ số thập phân (ví dụ 4,5).", places=self.places)
        if self.places == 1:
            return _("Điểm phải là một số từ %(min)s đến %(max)s, tối đa một chữ số thập phân "
                     "(ví dụ 4,5).", min=_number(self.min), max=_number(self.max))
        return _("Phải là một số từ %(min)s đến %(max)s, tối đa %(places)d chữ số thập phân.",
                 min=_number(self.min), max=_number(self.max), places=self.places)

    def pre_validate(self, form):
        if self.process_errors or self.data is None:
            return
        low = Decimal(str(self.min)) if self.min is not None else -SCORE_LIMIT
        high = Decimal(str(self.max)) if self.max is not None else SCORE_LIMIT
        if not low <= self.data <= high:
            raise StopValidation(self._message())

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return str(Decimal(str(self.data)).quantize(Decimal(1).scaleb(-self.places)))


def _number(value: Any) -> str:
    """A number as a person writes it here: no trailing zeros ("4.5", "10")."""
    text = format(Decimal(str(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_score(text: str, places: int = 1) -> Decimal | None:
    """The Decimal of "4.5" or "4,5" when finite, within SCORE_LIMIT and with at most `places`
    decimals; else None. The one parser of a typed number (forms, CSV cells, API bodies)."""
    text = text.strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if len(text) > 30:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or abs(value) > SCORE_LIMIT:
        return None
    exponent = value.as_tuple().exponent
    too_fine = isinstance(exponent, int) and exponent < -places
    if too_fine and value != value.quantize(Decimal(1).scaleb(-places)):
        return None
    return value


class VersionField(HiddenField):
    """The version of the object the form was loaded with (optimistic locking). `data` is an int,
    or None when what came back is not a version (the service then answers "changed meanwhile")."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        self.data = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def arg(name: str, default: str = "", max_length: int = 200) -> str:
    """A text query argument (?q=, ?status=, …) as views read it: NFC, at most `max_length`
    characters; one holding a control character counts as absent (it can match nothing)."""
    value = request.args.get(name, default)
    if has_control(value):
        return default
    return nfc(value.strip())[:max_length]


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
