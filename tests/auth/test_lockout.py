"""Login that strangers cannot block (issue 16): failed attempts throttle the client that makes
them, the account locks only after a far higher number, a known device or an administrator lifts
that lock, the owner is told; the failure counter loses no increment under parallel attempts;
common and short passwords are refused; hashes follow the argon2 parameters."""
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth import services
from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification
from tests import factories


def _user(app, username="hr"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _stranger(app, address="203.0.113.9"):
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = address
    return stranger


def _fail_from_many_clients(app, count, username="hr", network="198.51.100"):
    """`count` wrong passwords, five per client (each client's own limit), from many addresses."""
    for n in range(count):
        stranger = _stranger(app, f"{network}.{n // 5 + 1}")
        stranger.post("/login", data={"username": username, "password": "wrong-password"})


def test_a_strangers_wrong_passwords_do_not_stop_the_owner(app, client, world):
    stranger = _stranger(app)
    for _ in range(5):
        stranger.post("/login", data={"username": "hr", "password": "wrong-password"})
    again = stranger.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    assert again.status_code == 429  # the stranger is throttled, even with the right password
    owner = client.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    assert owner.status_code == 302 and owner.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert _user(app).locked_until is None


def test_the_admin_account_cannot_be_kept_locked_from_outside(app, client, world):
    for round_ in range(3):  # three rounds of five wrong passwords, as an attacker would repeat
        stranger = _stranger(app, f"203.0.113.{round_ + 1}")
        for _ in range(5):
            stranger.post("/login", data={"username": "admin", "password": "wrong-password"})
    response = client.post("/login", data={"username": "admin", "password": factories.PASSWORD})
    assert response.status_code == 302


def test_successful_logins_never_count_against_the_rate_limit(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        for _ in range(5):
            response = client.post("/login", data={"username": "hr", "password": factories.PASSWORD})
            assert response.status_code == 302
            client.post("/logout")
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "10 per minute"


def test_the_account_locks_after_the_threshold_and_the_owner_is_told(app, client, world):
    app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 12
    try:
        _fail_from_many_clients(app, 12)
    finally:
        app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 50
    user = _user(app)
    assert user.locked_until is not None and user.failed_logins == 0
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
        assert [n.kind for n in notes] == ["account_locked"] and notes[0].email_wanted
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "auth.account_locked")) == "auth.account_locked"
    # From a device the owner never used: refused, even with the right password.
    new_device = _stranger(app, "192.0.2.50")
    refused = new_device.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    assert refused.status_code == 200 and "tạm thời bị khóa" in refused.text
    assert new_device.get("/").status_code == 302


def test_a_login_from_a_known_device_lifts_the_lock(app, client, world):
    assert client.post("/login", data={"username": "hr", "password": factories.PASSWORD}).status_code == 302
    assert client.get_cookie("congvu_known") is not None
    client.post("/logout")
    app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 10
    try:
        _fail_from_many_clients(app, 10)
    finally:
        app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 50
    assert _user(app).locked_until is not None
    response = client.post("/login", data={"username": "hr", "password": factories.PASSWORD})
    assert response.status_code == 302 and client.get("/").status_code == 200
    assert _user(app).locked_until is None
    # A forged "known device" cookie does not count.
    app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 10
    try:
        _fail_from_many_clients(app, 10, network="198.51.101")
    finally:
        app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 50
    forger = _stranger(app, "192.0.2.77")
    forger.set_cookie("congvu_known", f"[{world.users['hr_admin']}].forged")
    assert "tạm thời bị khóa" in forger.post(
        "/login", data={"username": "hr", "password": factories.PASSWORD}).text


def test_an_administrator_lifts_the_lock(app, client, auth, world):
    app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 5
    try:
        _fail_from_many_clients(app, 5)
    finally:
        app.config["LOGIN_ACCOUNT_LOCK_THRESHOLD"] = 50
    assert _user(app).locked_until is not None
    auth.login_user(world.users["sys_admin"])
    page = client.get(f"/admin/users/{world.users['hr_admin']}")
    assert "Gỡ khóa đăng nhập" in page.text
    response = client.post(f"/admin/users/{world.users['hr_admin']}/unlock")
    assert response.status_code == 302
    assert _user(app).locked_until is None
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.after).where(
            AuditEvent.action == "auth.account_unlocked")) == {"by": "admin"}


def test_parallel_wrong_attempts_are_all_counted(app, world):
    """40 attempts that reach the check at once: 40 failures recorded, none lost."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (SQLite serialises writers)")
    barrier = threading.Barrier(40)
    errors = []

    def attempt():
        with app.app_context():
            try:
                barrier.wait()
                services.authenticate("hr", "wrong-password")
            except Exception as exc:  # reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _user(app).failed_logins == 40


@pytest.mark.parametrize("password, message", [
    ("elevenchars", "Mật khẩu phải có từ 12 đến 128 ký tự."),
    ("qwerty123456", "quá phổ biến"),
    ("1qaz2wsx3edc", "quá phổ biến"),
    ("Q1W2E3R4T5Y6", "quá phổ biến"),  # compared without case
])
def test_short_and_common_passwords_are_refused(app, auth, world, password, message):
    auth.login_user(world.users["hr_admin"])
    before = _user(app).password_hash
    response = auth.client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": password, "confirm": password})
    assert response.status_code == 200 and message in response.text
    assert _user(app).password_hash == before


def test_an_administrator_cannot_set_a_common_password_either(app, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = auth.client.post(f"/admin/users/{world.users['target']}/password",
                                data={"password": "qwerty123456"})
    assert response.status_code == 400 and "quá phổ biến" in response.text
    created = auth.client.post("/admin/users/new", data={
        "username": "newbie", "display_name": "X", "password": "newbie-password-1"})
    assert created.status_code == 200 and "chứa tên đăng nhập" in created.text


def test_a_hash_made_with_older_parameters_is_remade_at_login(app, client, world):
    with app.app_context():
        user = db.session.get(User, world.users["hr_admin"])
        user.password_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(
            factories.PASSWORD)
        db.session.commit()
        old = user.password_hash
    assert client.post("/login", data={"username": "hr", "password": factories.PASSWORD}).status_code == 302
    with app.app_context():
        new = db.session.get(User, world.users["hr_admin"]).password_hash
        assert new != old and not services._hasher().check_needs_rehash(new)
