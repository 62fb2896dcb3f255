"""The pickers' search: accent-insensitive, scoped by the action the form is for, JSON; the
inspection team is a choice of the inspectors in scope; the forms still take a typed code."""
from sqlalchemy import select

from app.conduct.models import Inspection
from app.extensions import db
from tests import factories


def test_units_are_found_without_accents_within_scope(app, client, auth, world):
    with app.app_context():
        factories.create_unit("HUONG", "A", name="Phòng Văn hóa Hương Trà")
        factories.create_unit("HUONG-B", "B", name="Tổ Hương Sơn")
    auth.login_user(world.users["unit_head_in"])  # head of A
    found = client.get("/search/units?q=huong").get_json()
    assert found == [{"value": "HUONG", "label": "HUONG — Phòng Văn hóa Hương Trà"}]
    auth.login_user(world.users["hr_admin"])
    assert {u["value"] for u in client.get("/search/units?q=HƯƠNG&for=org.edit").get_json()} == \
        {"HUONG", "HUONG-B"}
    auth.login_user(world.users["staff"])  # no org.view: nothing
    assert client.get("/search/units?q=huong").get_json() == []
    assert client.get("/search/nothing?q=x").status_code == 404


def test_staff_are_found_by_name_or_code_in_scope(app, client, auth, world):
    with app.app_context():
        factories.create_staff("Q1", "A1", full_name="Trần Thị Quỳnh")
        factories.create_staff("Q2", "B", full_name="Lê Quỳnh Anh")
    auth.login_user(world.users["unit_head_in"])
    found = client.get("/search/staff?q=quynh&for=report.raise").get_json()
    assert [s["value"] for s in found] == ["Q1"]
    assert found[0]["label"].startswith("Q1 — Trần Thị Quỳnh")


def test_the_anonymous_get_nothing(client, world):
    assert client.get("/search/units?q=a").status_code == 302


def test_the_inspection_team_is_chosen_among_inspectors_in_scope(app, client, auth, world):
    with app.app_context():
        colleague = factories.create_user([("inspector", "A")], username="tt_a").id
        factories.create_user([("inspector", "B")], username="tt_b")
        factories.create_user([("unit_head", "A")], username="not_inspector")
        from app.conduct.models import ChecklistTemplate

        template_id = db.session.scalar(select(ChecklistTemplate.id).order_by(ChecklistTemplate.id))
    auth.login_user(world.users["inspector"])  # over ROOT: everyone below
    form = client.get("/conduct/inspections/new").text
    assert 'value="tt_a"' in form and 'value="tt_b"' in form and 'value="not_inspector"' not in form
    assert 'data-picker="units"' in form and 'data-picker-for="inspection.run"' in form
    response = client.post("/conduct/inspections/new", data={
        "unit_code": "A1", "template_id": template_id, "inspected_at": "2026-03-12T09:30",
        "members": ["tt_a"]})
    assert response.status_code == 302
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        assert inspection.member_ids >= {colleague}
    refused = client.post("/conduct/inspections/new", data={
        "unit_code": "A1", "template_id": template_id, "inspected_at": "2026-03-12T09:30",
        "members": ["tt_b"]})  # over B only: not for A1
    assert refused.status_code == 400 and "tt_b không phải thành viên đoàn kiểm tra" in refused.text
    auth.login_user(colleague)  # over A: the root inspector is above, tt_b is elsewhere
    form = client.get("/conduct/inspections/new").text
    assert 'value="inspector"' in form and 'value="tt_b"' not in form


def test_inspectors_are_found_without_accents_within_scope(app, client, auth, world):
    with app.app_context():
        factories.create_user([("inspector", "A")], username="tt_hương")
        factories.create_user([("unit_head", "A")], username="head_hương")
    auth.login_user(world.users["inspector"])
    found = client.get("/search/inspectors?q=HUONG").get_json()
    assert found == [{"value": "tt_hương", "label": "Người dùng tt_hương (tt_hương)"}]
