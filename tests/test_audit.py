"""The audit trail is append-only, written with the change, and browsable by sys_admin."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.audit import AuditEvent, AuditTrailIsAppendOnly
from app.extensions import db
from app.org.models import Unit
from tests import factories


def test_database_refuses_to_update_or_delete_audit_rows(app, world):
    with app.app_context():
        event_id = db.session.scalar(select(AuditEvent.id).limit(1))
        for statement in (f"UPDATE audit_event SET action = 'x' WHERE id = {event_id}",
                          f"DELETE FROM audit_event WHERE id = {event_id}"):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.get(AuditEvent, event_id).action != "x"


def test_orm_refuses_to_change_an_audit_row(app, world):
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).limit(1))
        event.action = "tampered"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()


def test_audit_row_rolls_back_with_a_failed_change(app, world):
    with app.app_context():
        count = db.session.scalar(select(db.func.count(AuditEvent.id)))
        with pytest.raises(RuntimeError):
            _change_then_fail()
        assert db.session.scalar(select(db.func.count(AuditEvent.id))) == count
        assert factories.unit("GHOST") is None


def _change_then_fail():
    from app.database import transactional

    @transactional
    def change():
        factories.create_unit("GHOST", "ROOT")
        raise RuntimeError("boom")

    change()


def test_unit_edit_records_before_and_after(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    client.post(f"/org/units/{world.units['A1']}/edit",
                data={"code": "A1", "name": "Phòng mới", "kind": "division", "parent_code": "A"})
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "unit.updated"))
        assert event.before["name"] == "Đơn vị A1"
        assert event.after["name"] == "Phòng mới"
        assert event.actor_label == "hr"
        assert db.session.get(Unit, world.units["A1"]).name == "Phòng mới"


def test_audit_page_filters_by_action_and_actor(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.get("/admin/audit?action=role.&actor=system")
    assert response.status_code == 200
    assert "role.granted" in response.text
    assert "unit.created" not in response.text


def test_audit_page_rejects_a_bad_date_with_a_message(client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.get("/admin/audit?date_from=2026-13-45")
    assert response.status_code == 200
    assert "Ngày không hợp lệ." in response.text


def test_audit_page_speaks_human_words_with_links_and_diffs(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    client.post(f"/org/units/{world.units['A1']}/edit",
                data={"code": "A1", "name": "Phòng mới", "kind": "division", "parent_code": "A"})
    auth.login_user(world.users["sys_admin"])
    page = client.get("/admin/audit?action=unit.updated").text
    assert "Sửa đơn vị" in page
    assert f'<a href="/org/units/{world.units["A1"]}">Đơn vị #{world.units["A1"]}</a>' in page
    assert '<span class="field">Tên</span>: Đơn vị A1 → Phòng mới' in page
    assert "{&#34;" not in page and '{"name"' not in page  # no raw JSON
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/admin/audit?action=unit.updated").text
    assert "Edit unit" in page and '<span class="field">Name</span>: Đơn vị A1 → Phòng mới' in page
