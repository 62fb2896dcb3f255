"""Vietnamese by default, English complete: every visible string is in the English catalogue."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages():
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
    options = {"app/templates/**.html": {"extensions": "jinja2.ext.do"}}
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_visible_string_has_an_english_translation():
    with open(ROOT / "app/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    messages = _source_messages()
    assert len(messages) > 200
    missing = sorted(m for m in messages if m not in translated)
    assert not missing, f"untranslated (run `make messages` and translate): {missing}"
    for message in messages:
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(translated[message])), message


def test_switching_to_english_and_back(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text and "Username" in page.text
    client.post("/language", data={"lang": "vi"})
    assert "Tên đăng nhập" in client.get("/login").text


def test_the_language_switch_ignores_unknown_languages_and_foreign_next_urls(client):
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="vi">' in client.get("/login").text


def test_error_pages_speak_both_languages(client, auth, world):
    auth.login_user(world.users["staff"])
    page = client.get("/org/units/424242")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.text
    client.post("/language", data={"lang": "en"})
    page = client.get("/org/units/424242")
    assert page.status_code == 404 and "Page not found" in page.text
    assert client.get("/org/units").status_code == 403
    assert "Access denied" in client.get("/org/units").text


def test_form_validation_messages_follow_the_language(client, auth, world):
    auth.login_user(world.users["hr_admin"])
    vi = client.post("/org/staff/new", data={"code": "", "start_date": "x"})
    assert "Trường này là bắt buộc." in vi.text and "Ngày không hợp lệ." in vi.text
    client.post("/language", data={"lang": "en"})
    en = client.post("/org/staff/new", data={"code": "", "start_date": "x"})
    assert "This field is required." in en.text and "Not a valid date value." in en.text


def test_the_account_remembers_its_language(app, client, auth, world):
    auth.login_user(world.users["staff"])
    client.post("/language", data={"lang": "en"})
    fresh = app.test_client()
    fresh.post("/login", data={"username": "staff1", "password": "correct-horse-battery"})
    assert "My profile" in fresh.get("/").text


def test_templates_find_the_catalogue_once_a_request_and_follow_a_change_of_language(app):
    """The catalogue is kept for the request (app/templating.py), where Flask-Babel's refresh()
    and force_locale() clear it: a language changed within a request shows at once."""
    from flask import render_template_string, session
    from flask_babel import force_locale, refresh

    page = "{{ _('Trang chủ') }}|{{ _('%(total)d dòng', total=3) }}"
    with app.test_request_context("/"):
        assert render_template_string(page) == "Trang chủ|3 dòng"
        with force_locale("en"):
            assert render_template_string(page) == "Home|3 rows"
        assert render_template_string(page) == "Trang chủ|3 dòng"
        session["lang"] = "en"
        refresh()
        assert render_template_string(page) == "Home|3 rows"
