"""The session cookie and the signed-in user read on every request: re-issued only when it changes
or has aged, never trusted past its lifetime; grants, deactivation and the language change take
effect on the next request of a session that is already open."""
from datetime import timedelta

import itsdangerous.timed
import pytest
from flask import request
from sqlalchemy import select

from app import sessions
from app.auth.models import RoleGrant, User
from app.extensions import db
from tests import factories

COOKIE = "congvu_session"


def _session_cookie(response):
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith(COOKIE + "=")]


def _signed_in(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def test_an_unchanged_session_is_not_signed_again_on_every_page(app, world):
    client = _signed_in(app, "hr")
    assert _session_cookie(client.get("/")) == []
    assert _session_cookie(client.get("/")) == []
    assert client.get("/org/units").status_code == 200


def test_a_session_cookie_older_than_the_refresh_interval_is_re_issued(app, world, monkeypatch):
    client = _signed_in(app, "hr")
    client.get("/")
    monkeypatch.setattr(sessions, "REFRESH_AFTER", timedelta(0))
    cookie = _session_cookie(client.get("/"))
    assert len(cookie) == 1 and "Expires=" in cookie[0] and "HttpOnly" in cookie[0]


def test_a_changed_session_is_always_re_issued(app, world):
    client = _signed_in(app, "hr")
    client.get("/")
    assert _session_cookie(client.post("/language", data={"lang": "en"}))


class _Later:
    """time.time() for itsdangerous, `hours` from now."""

    def __init__(self, hours):
        import time

        self.offset, self._time = hours * 3600, time.time

    def time(self):
        return self._time() + self.offset


@pytest.mark.parametrize("hours, signed_in", [(7.9, True), (8.1, False)])
def test_a_session_idle_for_its_lifetime_ends(app, world, monkeypatch, hours, signed_in):
    client = _signed_in(app, "hr")
    client.get("/")
    monkeypatch.setattr(itsdangerous.timed, "time", _Later(hours))
    assert client.get("/").status_code == (200 if signed_in else 302)


def test_a_revoked_grant_takes_effect_on_the_next_request_of_an_open_session(app, client, auth, world):
    victim = _signed_in(app, "hr")
    assert victim.get("/org/units").status_code == 200
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == world.users["hr_admin"]))
    auth.login_user(world.users["sys_admin"])
    assert client.post(f"/admin/users/{world.users['hr_admin']}/grants/{grant_id}/revoke").status_code == 302
    assert victim.get("/org/units").status_code == 403
    assert 'data-menu="units"' not in victim.get("/").text


def test_a_new_grant_takes_effect_on_the_next_request_of_an_open_session(app, client, auth, world):
    victim = _signed_in(app, "target")
    assert victim.get(f"/org/units/{world.units['A1']}").status_code == 403
    auth.login_user(world.users["sys_admin"])
    response = client.post(f"/admin/users/{world.users['target']}/grants",
                           data={"role": "hr_admin", "unit_code": "A"})
    assert response.status_code == 302
    assert victim.get(f"/org/units/{world.units['A1']}").status_code == 200
    assert victim.get(f"/org/units/{world.units['B']}").status_code == 404  # outside the new scope


def test_the_language_chosen_while_signed_in_is_kept_on_the_account(app, world):
    client = _signed_in(app, "hr")
    client.post("/language", data={"lang": "en"})
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "hr")) == "en"
    assert 'lang="en"' in _signed_in(app, "hr").get("/").text  # a new session, the account's language


def test_the_signed_in_user_is_read_only_and_reads_other_columns_from_the_account(app, world):
    from app.auth.signed_in import SignedIn

    with app.test_request_context():
        rows = db.session.execute(_statement(), {"user_id": world.users["staff"]}).all()
        user = SignedIn.from_rows(rows)
        assert (user.username, user.staff_id, user.roles) == ("staff1", world.staff["S1"], {"staff"})
        assert user.staff.unit.code == "A1" and user.grants[0].unit.code == "A1"
        assert user.password_hash.startswith("$argon2id$")  # not kept: read from the account
        assert user.staff.full_name and user.staff.unit.ancestor_ids  # likewise from their entities
        with pytest.raises(AttributeError):
            user.locale = "en"
        with pytest.raises(AttributeError):
            user.staff.front_desk = True
        assert user == db.session.get(User, world.users["staff"])  # the same account and version


def test_the_signed_in_values_are_the_accounts_for_every_user(app, world):
    """SignedIn.from_rows reads the statement's columns by position: every value is the ORM
    account's, its staff record's and its grants' (with their units), for every user of the world."""
    from app.auth.signed_in import SignedIn
    from app.notifications.services import unread_count

    def unit_values(unit):
        return None if unit is None else (unit.id, unit.code, unit.name, unit.path, unit.parent_id)

    with app.app_context():
        many = factories.create_user([("staff", "A1"), ("unit_head", "A"), ("inspector", "ROOT"),
                                      ("sys_admin", None)], staff_code="H1", username="many").id
        db.session.commit()
    with app.test_request_context():
        for user_id in [*world.users.values(), many]:
            rows = db.session.execute(_statement(), {"user_id": user_id}).all()
            user, account = SignedIn.from_rows(rows), db.session.get(User, user_id)
            assert (user.id, user.username, user.display_name, user.staff_id, user.active, user.locale,
                    user.session_version) == (account.id, account.username, account.display_name,
                                              account.staff_id, account.active, account.locale,
                                              account.session_version)
            assert user.unread_notifications == unread_count(account)
            staff = account.staff
            assert (None if user.staff is None else (
                user.staff.id, user.staff.unit_id, user.staff.front_desk, user.staff.position,
                unit_values(user.staff.unit))) == (None if staff is None else (
                    staff.id, staff.unit_id, staff.front_desk, staff.position, unit_values(staff.unit)))
            grants = sorted(account.grants, key=lambda grant: grant.id)
            assert [(g.id, g.role, g.unit_id, unit_values(g.unit)) for g in user.grants] == \
                [(g.id, g.role, g.unit_id, unit_values(g.unit)) for g in grants]
            assert user.roles == {g.role for g in grants}
            assert user.is_sys_admin == ("sys_admin" in user.roles)


def _statement():
    from app import _user_statement

    return _user_statement()


def _csrf_token(page):
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_login_starts_a_session_with_a_csrf_token_of_its_own(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        before = _csrf_token(client.get("/login").text)
        response = client.post("/login", data={"username": "hr", "password": factories.PASSWORD,
                                                "csrf_token": before})
        assert response.status_code == 302 and _session_cookie(response)
        home = client.get("/")
        assert _session_cookie(home) == []  # the token came with the login's cookie
        after = _csrf_token(home.text)
        # The token of the session before the login no longer passes; the new one does.
        assert client.post("/language", data={"lang": "en", "csrf_token": before}).status_code == 400
        assert client.post("/language", data={"lang": "en", "csrf_token": after}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_cookie_read_again_is_a_fresh_session_each_time(app):
    """The cookie's checked content is kept between requests: what a request changes in its session
    (a flashed message appended to the list) is not seen by the next request with the same cookie,
    and a cookie whose signature is wrong is refused every time."""
    interface = app.session_interface
    value = interface.get_signing_serializer(app).dumps({"_flashes": [["info", "một"]], "n": 1})
    for cookie, expected in ((value, {"_flashes": [["info", "một"]], "n": 1}), (value[:-2] + "xx", {})):
        for _n in range(2):
            with app.test_request_context(headers={"Cookie": f"{COOKIE}={cookie}"}):
                session = interface.open_session(app, request)
                assert dict(session) == expected
                session.setdefault("_flashes", []).append(["info", "hai"])
                session["n"] = 2


def test_a_kept_cookie_is_refused_once_the_secret_key_changes(app, world):
    client = _signed_in(app, "hr")
    assert client.get("/").status_code == 200  # its content kept
    previous = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "another key, long enough for the tests here"
    try:
        assert client.get("/").status_code == 302  # signed with the old key: no session
    finally:
        app.secret_key = app.config["SECRET_KEY"] = previous
