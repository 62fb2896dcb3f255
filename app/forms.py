"""The base form: CSRF from Flask-WTF, WTForms' own messages in the user's language."""
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm

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
