"""Vietnamese by default, English complete: every visible string is in the English catalogue."""
import re
from pathlib import Path

import pytest
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


FOLDED = """{{ _("Đăng xuất") }}|{{ gettext("Đăng xuất") }}|{{ _("%(count)d chưa đọc", count=n) }}|\
{{ _("Chất lượng %%") }}|{{ _("Xem trên hệ thống Công vụ: %(link)s", link=who) }}|\
{% trans %}Đăng xuất{% endtrans %}|{% trans link=who %}Xem trên hệ thống Công vụ: {{ link }}{% endtrans %}|\
{{ _("a %% b") }}|{{ _(word) }}|{{ _("Báo cáo kết quả công việc trong tháng") }}|\
{{ _("Chỉ số hài lòng của đơn vị: %(index)s%% (%(positive)d/%(total)d lượt)", index=50, positive=1,
   total=2) }}|\
{% set label = _("Đăng xuất") %}<a title="{{ label }}">{{ label|length }}</a>"""
EXPECTED_FOLDED = {
    "vi": "Đăng xuất|Đăng xuất|3 chưa đọc|Chất lượng %|Xem trên hệ thống Công vụ: {who}|Đăng xuất|"
          "Xem trên hệ thống Công vụ: {who}|a % b|Trang chủ|Báo cáo kết quả công việc trong tháng|"
          "Chỉ số hài lòng của đơn vị: 50% (1/2 lượt)|<a title=\"Đăng xuất\">9</a>",
    "en": "Sign out|Sign out|3 unread|Quality %|See it in Công vụ: {who}|Sign out|See it in Công vụ: {who}|"
          "a % b|Home|Report of the month's work|The unit's satisfaction index: 50% (1 of 2 ratings)|"
          "<a title=\"Sign out\">8</a>",
}


@pytest.fixture()
def test_templates(app, monkeypatch):
    """FOLDED under a name, as an HTML page and as a text file (no autoescaping)."""
    from jinja2 import ChoiceLoader, DictLoader

    templates = DictLoader({"folded.html": FOLDED, "folded.txt": FOLDED,
                            "unread.html": "{{ _('%(count)d chưa đọc') }}",
                            "own.html": "{% macro show(_) %}{{ _('Đăng xuất') }}{% endmacro %}"
                                        "{{ show(shout) }}"})
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([templates, app.jinja_env.loader]))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_templates_compiled_per_language_show_what_gettext_shows_at_run_time(app, test_templates, language):
    """Loaded templates have their constant strings translated when compiled (app/templating.py
    LocalizedEnvironment); a template from a string keeps Flask-Babel's gettext calls: both give
    the same text, escaped the same way, in each language and with or without autoescaping."""
    from flask import render_template, render_template_string, session
    from flask_babel import refresh

    values = {"n": 3, "who": "<b>A & B</b>", "word": "Trang chủ"}
    with app.test_request_context("/"):
        session["lang"] = language
        refresh()
        html, text = render_template("folded.html", **values), render_template("folded.txt", **values)
        assert html == render_template_string(FOLDED, **values)
        assert html == EXPECTED_FOLDED[language].format(who="&lt;b&gt;A &amp; B&lt;/b&gt;")
        plain = app.jinja_env.from_string("{% autoescape false %}" + FOLDED + "{% endautoescape %}")
        # A text template does not escape.
        assert text == plain.render(**values) == EXPECTED_FOLDED[language].format(who="<b>A & B</b>")
        # Translated when compiled: the code holds the translation, not a call.
        code = app.jinja_env.compile(FOLDED, "folded.html", raw=True)
        assert ("Sign out" in code) == (language == "en") and "gettext" not in code
        with pytest.raises(KeyError):  # a placeholder without its value fails as it would at run time
            render_template("unread.html")
        assert render_template("own.html", shout=str.upper) == "ĐĂNG XUẤT"  # a `_` of its own


def test_a_template_follows_force_locale_and_a_change_of_language(app, test_templates):
    """Each language has its own compiled template: force_locale (e-mails in the recipient's
    language) and a switch of language within a request get theirs."""
    from flask import render_template, session
    from flask_babel import force_locale, refresh

    values = {"n": 1, "who": "x", "word": "Trang chủ"}
    with app.test_request_context("/"):
        assert render_template("folded.html", **values).startswith("Đăng xuất|")
        with force_locale("en"):
            assert render_template("folded.html", **values).startswith("Sign out|")
        assert render_template("folded.html", **values).startswith("Đăng xuất|")
        session["lang"] = "en"
        refresh()
        assert render_template("folded.html", **values).startswith("Sign out|")


def test_pages_alternate_between_languages(client, auth, world):
    """The layout and the key pages in Vietnamese, English, then Vietnamese again: one language's
    compiled templates never serve the other."""
    assessment = world.assessments["S1"]
    pages = [("/login", None, "Tên đăng nhập", "Username"),
             ("/", "staff", "Trang chủ", "Home"),
             (f"/evaluation/assessments/{assessment}", "staff", "<title>Phiếu đánh giá 2026-03",
              "<title>Assessment 2026-03"),
             ("/evaluation/team", "unit_head_in", "Đánh giá cán bộ tháng 2026-03",
              "Team reviews for 2026-03")]
    for path, persona, vietnamese, english in pages:
        if persona:
            auth.login_user(world.users[persona])
        for language, shown, hidden in [("vi", vietnamese, english), ("en", english, vietnamese),
                                        ("vi", vietnamese, english)]:
            client.post("/language", data={"lang": language})
            page = client.get(path)
            assert page.status_code == 200, path
            assert shown in page.text and hidden not in page.text, (path, language)
            if persona:
                assert ("Sign out" in page.text) == (language == "en")
                assert ("Đăng xuất" in page.text) == (language == "vi")


def test_constant_addresses_follow_the_application_root(client, auth, world):
    """The layout's addresses are built once per application root (app/templating.py
    constant_url): mounted under a prefix the page links there, and the same process still links
    the root's own pages without it."""
    auth.login_user(world.users["staff"])
    mounted = client.get("/", base_url="http://localhost/congvu").text
    plain = client.get("/").text
    assert 'href="/congvu/static/css/app.css"' in mounted and 'action="/congvu/language"' in mounted
    assert 'href="/static/css/app.css"' in plain and 'action="/language"' in plain
    assert mounted.replace("/congvu/", "/") == plain
