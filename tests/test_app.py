"""Configuration, the factory, the health check and the demo data."""
import pytest
from sqlalchemy import func, select

from app.auth.models import RoleGrant, User
from app.extensions import db
from app.org.models import Staff, Unit
from config import ProductionConfig, get_config


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        get_config("production")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        get_config("production")


def test_production_needs_a_shared_rate_limit_store(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "")
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        get_config("production")


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.PERMANENT_SESSION_LIFETIME.total_seconds() == 8 * 3600


def test_an_unknown_environment_is_a_clear_error():
    with pytest.raises(RuntimeError, match="APP_ENV"):
        get_config("staging-ish")


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_seed_demo_builds_a_realistic_organisation_once(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Staff.id))) >= 60
        deepest = max(len(u.ancestor_ids) for u in db.session.scalars(select(Unit)))
        assert deepest >= 3
        roles = set(db.session.scalars(select(RoleGrant.role)))
        assert roles == {"staff", "unit_head", "inspector", "hr_admin", "sys_admin"}
        assert any("ơ" in name or "ư" in name or "ă" in name
                   for name in db.session.scalars(select(Staff.full_name)))
        users = db.session.scalar(select(func.count(User.id)))
    again = runner.invoke(args=["seed-demo"])
    assert "không nạp dữ liệu mẫu" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == users


def test_every_demo_account_in_the_readme_signs_in(app, runner):
    from app.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    runner.invoke(args=["seed-demo"])
    for username, *_rest in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.headers.get("Location") == "/", username


def test_create_admin_command(app, runner):
    result = runner.invoke(args=["create-admin", "root", "--password", "a-long-enough-pass"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "root"))
        assert user.is_sys_admin
    again = runner.invoke(args=["create-admin", "root", "--password", "a-long-enough-pass"])
    assert again.exit_code == 1 and "đã được sử dụng" in again.stderr
    short = runner.invoke(args=["create-admin", "other", "--password", "short"])
    assert short.exit_code == 1 and "12 đến 128" in short.stderr


def test_an_unexpected_error_gets_the_friendly_500_page(app, client, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "main.health", broken)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.text and "boom" not in response.text


def test_lookup_gives_the_same_rows_for_few_and_many_keys(app, world):
    from app.database import lookup
    from app.org.models import Staff

    with app.app_context():
        query = select(Staff.code, Staff.id)
        few = sorted(tuple(r) for r in lookup(query, Staff.code, {"S1", "S2", "nobody"}))
        many = sorted(tuple(r) for r in lookup(query, Staff.code, {"S1", "S2", "nobody"}, limit=1))
        assert few == many and [code for code, _id in few] == ["S1", "S2"]
        assert lookup(query, Staff.code, set()) == []
