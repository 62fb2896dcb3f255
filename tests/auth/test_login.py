"""Login, lockout, throttling, and sessions that end on logout, password change and disabling."""
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.models import User
from app.extensions import db, limiter
from tests import factories


def _user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_login_page_is_vietnamese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Đăng nhập" in response.text and "Mật khẩu" in response.text


def test_login_with_the_right_password_reaches_the_home_page(app, client, auth, world):
    response = auth.login_with_password("HR", factories.PASSWORD)  # usernames are case-insensitive
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Người dùng hr" in home.text
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login"))
        assert event.actor_label == "hr"


def test_wrong_password_is_refused_with_a_message_and_audited(app, client, auth, world):
    response = auth.login_with_password("hr", "wrong-password")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert client.get("/").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "auth.login_failed" in actions


def test_unknown_user_gets_the_same_message(client, auth, world):
    response = auth.login_with_password("nobody", "whatever-password")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text


def test_login_redirects_to_a_local_next_page_only(client, auth, world):
    ok = client.post("/login?next=/org/units", data={"username": "hr", "password": factories.PASSWORD})
    assert ok.headers["Location"] == "/org/units"
    client.post("/logout")
    evil = client.post("/login?next=https://evil.example/x",
                       data={"username": "hr", "password": factories.PASSWORD})
    assert evil.headers["Location"] == "/"


def test_repeated_failures_from_one_client_throttle_that_client_for_that_account(app, client, auth, world):
    for _ in range(5):  # LOGIN_ACCOUNT_CLIENT_LIMIT
        assert auth.login_with_password("hr", "wrong-password").status_code == 200
    response = auth.login_with_password("hr", factories.PASSWORD)
    assert response.status_code == 429 and "Quá nhiều yêu cầu" in response.text
    assert client.get("/").status_code == 302
    assert _user(app, "hr").locked_until is None  # the account itself is not locked


def test_login_burst_gets_429_not_500(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post("/login", data={"username": "x", "password": "y"}).status_code
                    for _ in range(5)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
        limiter.reset()
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    page = client.post("/login", data={"username": "x", "password": "y"})
    assert page.status_code in (200, 429)


def test_429_page_is_friendly(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "1 per minute"
    try:
        client.post("/login", data={"username": "x", "password": "y"})
        response = client.post("/login", data={"username": "x", "password": "y"})
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
    assert response.status_code == 429
    assert "Quá nhiều yêu cầu" in response.text


def test_a_replayed_cookie_fails_after_logout(client, auth, world):
    auth.login_with_password("hr", factories.PASSWORD)
    stolen = client.get_cookie("congvu_session").value
    assert auth.logout().status_code == 302
    client.set_cookie("congvu_session", stolen)
    assert client.get("/").status_code == 302  # back to the login page


def test_a_password_change_ends_other_sessions_but_keeps_this_one(app, auth, world):
    other = app.test_client()
    other.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    auth.login_with_password("hr", factories.PASSWORD)
    response = auth.client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase"})
    assert response.status_code == 302
    assert auth.client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert auth.client.post("/logout").status_code == 302
    assert auth.login_with_password("hr", "a-brand-new-passphrase").headers["Location"] == "/"


def test_password_change_with_a_wrong_current_password_changes_nothing(app, auth, world):
    auth.login_user(world.users["hr_admin"])
    before = _user(app, "hr").password_hash
    response = auth.client.post("/account/password", data={
        "current_password": "not-it-at-all", "new_password": "a-brand-new-passphrase",
        "confirm": "a-brand-new-passphrase"})
    assert response.status_code == 400  # refused, the form shown again
    assert "Mật khẩu hiện tại không đúng." in response.text
    assert _user(app, "hr").password_hash == before


def test_new_password_must_be_long_and_confirmed(auth, world):
    auth.login_user(world.users["hr_admin"])
    response = auth.client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": "short", "confirm": "other"})
    assert "Mật khẩu phải có từ 12 đến 128 ký tự." in response.text
    assert "Hai mật khẩu không khớp." in response.text


def test_disabling_an_account_ends_its_session_at_once(app, client, auth, world):
    victim = app.test_client()
    victim.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    assert victim.get("/").status_code == 200
    auth.login_user(world.users["sys_admin"])
    client.post(f"/admin/users/{world.users['hr_admin']}/active", data={"active": "0"})
    assert victim.get("/").status_code == 302
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in victim.post(
        "/login", data={"username": "hr", "password": factories.PASSWORD}).text


def test_passwords_are_stored_as_argon2id(app, world):
    assert _user(app, "hr").password_hash.startswith("$argon2id$")


def test_csrf_is_enforced_on_forms(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn" in response.text
    assert client.get("/").status_code == 302


def test_login_with_a_csrf_token_works_when_csrf_is_on(app, client, world):
    import re

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
        response = client.post("/login", data={"username": "hr", "password": factories.PASSWORD,
                                                "csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302


def test_the_layout_signs_the_csrf_token_as_flask_wtf_does(app, client, auth, world, monkeypatch):
    """app/forms.py csrf_token keeps Flask-WTF's serializer: the same token for the same second,
    accepted by the CSRF check; a session without a token yet gets one."""
    import re
    import time

    from flask import g, session
    from flask_wtf.csrf import generate_csrf, validate_csrf

    from app.forms import csrf_token

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.5)
    with app.test_request_context("/"):
        first = csrf_token()
        raw = session["csrf_token"]
        validate_csrf(first)
        assert re.fullmatch(r"[0-9a-f]{40}", raw)  # like Flask-WTF's
    for secret in (None, "another-secret"):
        app.config["WTF_CSRF_SECRET_KEY"] = secret or app.secret_key
        try:
            with app.test_request_context("/"):
                session["csrf_token"] = raw
                ours = csrf_token()
                del g.csrf_token
                assert ours == generate_csrf() and ours.split(".")[1] == first.split(".")[1]
                assert (ours == first) == (secret is None)
                validate_csrf(ours)
        finally:
            del app.config["WTF_CSRF_SECRET_KEY"]
    monkeypatch.undo()
    auth.login_user(world.users["staff"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/account/password").text
        tokens = set(re.findall(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page))
        assert len(tokens) == 1  # the language switch, the sign-out form and the page's form
        assert page.count(tokens.copy().pop()) == 3
        response = client.post("/language", data={"lang": "en", "csrf_token": tokens.pop()})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302 and "Sign out" in client.get("/").text


SECURITY_HEADERS = [
    ("Permissions-Policy", "browsing-topics=()"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                "base-uri 'self'; object-src 'none'"),
]
REFERRER_POLICY = ("Referrer-Policy", "same-origin")


def _security_headers(response):
    names = {name for name, _ in SECURITY_HEADERS} | {"Strict-Transport-Security", "Referrer-Policy"}
    return [(name, value) for name, value in response.headers.items() if name in names]


def test_security_headers_are_set(app, client, auth, world):
    """Flask-Talisman's headers as app/__init__.py configures them, in its order, on every kind of
    response; no HSTS over plain HTTP."""
    expected = [*SECURITY_HEADERS, REFERRER_POLICY]
    responses = [client.get("/login"), client.get("/nowhere"), client.post("/login", data={})]
    auth.login_user(world.users["staff"])
    responses += [client.get("/"), client.get("/users"), client.get("/evaluation/team")]
    assert [r.status_code for r in responses] == [200, 404, 200, 200, 404, 403]
    for response in responses:
        assert _security_headers(response) == expected


def test_session_cookie_is_httponly_and_samesite(client, auth, world):
    response = auth.login_with_password("hr", factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _login_form(html):
    start = html.index('<form method="post" action="" class="form"')
    return html[start:html.index("</form>", start) + len("</form>")]


def test_the_login_form_is_written_as_the_form_macro_renders_it(app, client, world):
    """auth/login.html writes LoginForm out instead of calling _forms.html's form(): the same markup,
    byte for byte, with and without CSRF, in both languages, on the page (no form built) and after
    a refused attempt (the name typed shown back escaped, each field's errors)."""
    import re

    from flask_babel import gettext, refresh

    from app.auth.forms import LoginForm

    token = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+')
    typed = {"username": "x" * 90 + '<b>"', "password": ""}
    for lang, word in (("vi", "Đăng nhập"), ("en", "Sign in")):
        client.post("/language", data={"lang": lang})
        for csrf in (True, False):
            app.config["WTF_CSRF_ENABLED"] = csrf
            try:
                page = client.get("/login")
                sent = {**typed, "csrf_token": re.search(r'csrf_token" value="([^"]+)"', page.text)[1]}
                refused = client.post("/login", data=sent)
                assert refused.status_code == 200
                for html, formdata in ((page.text, None), (refused.text, typed)):
                    with app.test_request_context("/login", method="POST" if formdata else "GET",
                                                  data=formdata):
                        from flask import session

                        session["lang"] = lang
                        refresh()
                        form = LoginForm(**({} if formdata else {"formdata": None}))
                        if formdata:
                            form.validate()
                        macros = app.jinja_env.get_template("_forms.html").make_module({})
                        expected = str(macros.form(form, submit=gettext("Đăng nhập"))).strip()
                    assert token.sub(r"\1…", _login_form(html)) == token.sub(r"\1…", expected)
                    assert ('name="csrf_token"' in expected) == csrf and f">{word}</button>" in expected
                    if formdata:
                        assert expected.count('aria-invalid="true"') == 2
                        assert 'value="' + "x" * 90 + '&lt;b&gt;&#34;"' in expected
            finally:
                app.config["WTF_CSRF_ENABLED"] = False


def test_only_a_login_attempt_is_rate_limited(app, client, world):
    """The sign-in page answers past the attempts' limit (and carries no limit headers); the
    attempt is refused with 429."""
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        attempts = [client.post("/login", data={"username": "x", "password": "y"}).status_code
                    for _ in range(3)]
        page = client.get("/login")
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"
        limiter.reset()
    assert attempts == [200, 200, 429]
    assert page.status_code == 200 and "X-RateLimit-Limit" not in page.headers
