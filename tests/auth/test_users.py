"""User administration by sys_admin: accounts, role grants with a unit scope, disabling."""
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.models import RoleGrant, User
from app.extensions import db
from tests import factories


def test_sys_admin_creates_an_account_linked_to_a_staff_member(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post("/admin/users/new", data={
        "username": "Chau.PM", "display_name": "Phạm Minh Châu", "email": "chau@example.gov.vn",
        "staff_code": "S2", "password": "mot-mat-khau-dai"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "chau.pm"))
        assert user.staff.code == "S2"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                          AuditEvent.object_id == str(user.id)))


def test_account_creation_refuses_a_taken_username_or_unknown_staff(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post("/admin/users/new", data={
        "username": "admin", "display_name": "X", "staff_code": "NOPE", "password": "mot-mat-khau-dai"})
    assert response.status_code == 200
    assert "Tên đăng nhập đã được sử dụng." in response.text
    assert "Không có cán bộ với mã này." in response.text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.display_name == "X")) is None


def test_granting_a_role_with_a_scope_gives_access_to_that_subtree(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    target = world.users["target"]
    response = client.post(f"/admin/users/{target}/grants", data={"role": "hr_admin", "unit_code": "A"})
    assert response.status_code == 302
    auth.login_user(target)
    assert client.get(f"/org/units/{world.units['A1']}").status_code == 200
    assert client.get(f"/org/units/{world.units['B']}").status_code == 404
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == target,
                                                          RoleGrant.role == "hr_admin"))
        assert grant.unit.code == "A"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role.granted"))


def test_a_scoped_role_needs_a_real_unit(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post(f"/admin/users/{world.users['target']}/grants",
                           data={"role": "unit_head", "unit_code": "NOWHERE"})
    assert response.status_code == 400
    assert "Hãy nhập mã của một đơn vị có trong hệ thống." in response.text
    with app.app_context():
        assert db.session.scalar(select(RoleGrant).where(RoleGrant.role == "unit_head",
                                                         RoleGrant.user_id == world.users["target"])) is None


def test_revoking_a_grant_removes_access_and_is_audited(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).where(
            RoleGrant.user_id == world.users["hr_admin"]))
    response = client.post(f"/admin/users/{world.users['hr_admin']}/grants/{grant_id}/revoke")
    assert response.status_code == 302
    auth.login_user(world.users["hr_admin"])
    assert client.get("/org/units").status_code == 403
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role.revoked"))
        assert event.before["role"] == "hr_admin"


def test_a_grant_of_another_user_cannot_be_revoked_through_this_user(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post(f"/admin/users/{world.users['staff']}/grants/{world.target_grant}/revoke")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(RoleGrant, world.target_grant) is not None


def test_the_last_sys_admin_grant_cannot_be_revoked(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    with app.app_context():
        grant_id = db.session.scalar(select(RoleGrant.id).where(RoleGrant.role == "sys_admin"))
    response = client.post(f"/admin/users/{world.users['sys_admin']}/grants/{grant_id}/revoke",
                           follow_redirects=True)
    assert "quản trị hệ thống cuối cùng" in response.text
    with app.app_context():
        assert db.session.get(RoleGrant, grant_id) is not None


def test_an_admin_cannot_disable_their_own_account(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post(f"/admin/users/{world.users['sys_admin']}/active", data={"active": "0"},
                           follow_redirects=True)
    assert "Bạn không thể tự khóa tài khoản của mình." in response.text
    with app.app_context():
        assert db.session.get(User, world.users["sys_admin"]).active


def test_reset_password_lets_the_user_in_with_the_new_one(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    client.post(f"/admin/users/{world.users['target']}/password", data={"password": "mat-khau-moi-123"})
    client.post("/logout")
    assert auth.login_with_password("target", "mat-khau-moi-123").headers["Location"] == "/"


def test_user_list_is_paginated_and_searchable(app, client, auth, world):
    with app.app_context():
        for number in range(30):
            factories.create_user(username=f"extra{number:02d}")
    auth.login_user(world.users["sys_admin"])
    first = client.get("/admin/users")
    assert "Trang 1 / 2" in first.text
    found = client.get("/admin/users?q=extra07")
    assert "extra07" in found.text and "extra08" not in found.text
