"""Organisation pages: browsing in scope, edits, moves, transfers with history, discipline, leave."""
import unicodedata
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org import queries
from app.org.models import DisciplinaryDecision, LeaveRecord, Staff, StaffAssignment, Unit
from tests import factories
from tests.queries import StatementCounter


def test_unit_tree_shows_children_and_staff(client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    top = client.get("/org/units")
    assert "Đơn vị A" in top.text and "Đơn vị B" not in top.text
    page = client.get(f"/org/units/{world.units['A']}")
    assert "Đơn vị A1" in page.text
    a1 = client.get(f"/org/units/{world.units['A1']}")
    assert "Nguyễn Văn S1" in a1.text and "Cấp trưởng" in a1.text


def test_staff_search_is_limited_to_the_scope(client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    page = client.get("/org/staff")
    assert "Nguyễn Văn S1" in page.text and "Nguyễn Văn S2" not in page.text
    page = client.get("/org/staff?q=S1")
    assert "Nguyễn Văn S1" in page.text and "Nguyễn Văn H1" not in page.text


@pytest.mark.parametrize("typed", [
    "nguyen van s1", "NGUYỄN VĂN S1", unicodedata.normalize("NFD", "nguyễn văn s1")])
def test_staff_search_ignores_accents_and_case(client, auth, world, typed):
    auth.login_user(world.users["unit_head_in"])
    page = client.get("/org/staff", query_string={"q": typed})
    assert "Nguyễn Văn S1" in page.text


def test_a_search_with_like_wildcards_matches_them_literally(client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    assert "Nguyễn Văn S1" not in client.get("/org/staff?q=%25_").text


def test_a_staff_member_sees_their_own_profile_but_not_a_colleagues(client, auth, world):
    auth.login_user(world.users["staff"])
    assert client.get("/org/me").headers["Location"].endswith(f"/org/staff/{world.staff['S1']}")
    assert client.get(f"/org/staff/{world.staff['S1']}").status_code == 200
    assert client.get(f"/org/staff/{world.staff['H1']}").status_code == 403
    assert client.get(f"/org/staff/{world.staff['S2']}").status_code == 403


def test_an_hr_admin_outside_the_scope_cannot_reach_or_change_by_id(app, client, auth, world):
    with app.app_context():
        scoped = factories.create_user([("hr_admin", "B")], username="hr_b").id
    auth.login_user(scoped)
    s1 = world.staff["S1"]
    assert client.get(f"/org/staff/{s1}").status_code == 404
    assert client.get(f"/org/staff/{s1}/edit").status_code == 404
    assert client.post(f"/org/staff/{s1}/transfer",
                       data={"unit_code": "B", "effective_date": "2026-01-01"}).status_code == 404
    assert client.post(f"/org/staff/{s1}/discipline",
                       data={"decision_date": "2026-01-01", "form": "canh_cao"}).status_code == 404
    # Nor by naming an out-of-scope unit in a form.
    response = client.post("/org/staff/new", data={
        "code": "NEW1", "full_name": "Người Mới", "category": "cong_chuc", "unit_code": "A1",
        "start_date": "2024-01-01"})
    assert "Không có đơn vị này trong phạm vi bạn được giao." in response.text
    with app.app_context():
        assert db.session.get(Staff, s1).unit.code == "A1"
        assert factories.staff("NEW1") is None
        assert db.session.scalar(select(DisciplinaryDecision)) is None


def test_hr_admin_creates_a_staff_member_with_a_first_assignment(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post("/org/staff/new", data={
        "code": "NEW1", "full_name": "Lý Thị Mới", "category": "vien_chuc", "unit_code": "A1",
        "position": "Viên chức", "front_desk": "y", "start_date": "2024-03-01", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        person = factories.staff("NEW1")
        assert (person.category, person.front_desk, person.is_head) == ("vien_chuc", True, False)
        assignment = db.session.scalar(select(StaffAssignment).where(StaffAssignment.staff_id == person.id))
        assert assignment.start_date == date(2024, 3, 1) and assignment.end_date is None


def test_staff_form_errors_are_shown_and_nothing_is_saved(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post("/org/staff/new", data={
        "code": "S1", "full_name": "", "category": "general", "unit_code": "A1", "start_date": "hôm qua"})
    assert response.status_code == 200
    assert "Trường này là bắt buộc." in response.text
    assert "Lựa chọn không hợp lệ." in response.text
    assert "Ngày không hợp lệ." in response.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Staff.id))) == 3


def test_transfer_keeps_the_history_and_the_month_is_known(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    s1 = world.staff["S1"]
    response = client.post(f"/org/staff/{s1}/transfer",
                           data={"unit_code": "B", "effective_date": "2025-04-16"})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(StaffAssignment).where(StaffAssignment.staff_id == s1)
                                  .order_by(StaffAssignment.start_date)).all()
        assert [(r.unit.code, r.start_date, r.end_date) for r in rows] == [
            ("A1", date(2020, 1, 1), date(2025, 4, 15)), ("B", date(2025, 4, 16), None)]
        assert db.session.get(Staff, s1).unit.code == "B"
        assert queries.unit_id_in_month(s1, 2025, 3) == world.units["A1"]
        assert queries.unit_id_in_month(s1, 2025, 4) == world.units["B"]
        assert queries.unit_id_in_month(s1, 2025, 5) == world.units["B"]
        assert queries.unit_id_in_month(s1, 2019, 5) is None
    page = client.get(f"/org/staff/{s1}")
    assert "Quá trình công tác" in page.text and "Đơn vị A1" in page.text


def test_transfer_before_the_current_assignment_is_refused(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post(f"/org/staff/{world.staff['S1']}/transfer",
                           data={"unit_code": "B", "effective_date": "2019-01-01"})
    assert response.status_code == 400
    assert "Ngày điều chuyển phải sau ngày bắt đầu" in response.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(StaffAssignment.id))) == 3


def test_moving_a_unit_moves_its_subtree_and_scopes_follow(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post(f"/org/units/{world.units['A']}/edit",
                           data={"code": "A", "name": "Đơn vị A", "kind": "department", "parent_code": "B"})
    assert response.status_code == 302
    with app.app_context():
        a1 = db.session.get(Unit, world.units["A1"])
        b = db.session.get(Unit, world.units["B"])
        assert a1.is_within(b)
        assert a1.path == f"/{world.units['ROOT']}/{world.units['B']}/{world.units['A']}/{world.units['A1']}/"
    auth.login_user(world.users["unit_head_out"])  # head of B now sees A1
    assert client.get(f"/org/units/{world.units['A1']}").status_code == 200


def test_a_unit_cannot_move_under_its_own_descendant(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post(f"/org/units/{world.units['A']}/edit",
                           data={"code": "A", "name": "Đơn vị A", "kind": "department", "parent_code": "A1"})
    assert "Không thể chuyển đơn vị vào chính nó" in response.text
    with app.app_context():
        assert db.session.get(Unit, world.units["A"]).parent_id == world.units["ROOT"]


def test_only_sys_admin_creates_a_root_unit(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post("/org/units/new", data={"code": "TOP", "name": "Gốc", "kind": "other"})
    assert "Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất." in response.text
    auth.login_user(world.users["sys_admin"])
    assert client.post("/org/units/new",
                       data={"code": "TOP", "name": "Gốc", "kind": "other"}).status_code == 302


def test_discipline_and_leave_are_recorded_and_duplicates_refused(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    s1 = world.staff["S1"]
    data = {"decision_date": "2025-12-31", "form": "khien_trach", "note": "QĐ 12/QĐ-SNV"}
    assert client.post(f"/org/staff/{s1}/discipline", data=data).status_code == 302
    again = client.post(f"/org/staff/{s1}/discipline", data=data)
    assert again.status_code == 400 and "đã được ghi nhận" in again.text
    leave = {"start_date": "2025-03-01", "end_date": "2025-08-31", "kind": "maternity"}
    assert client.post(f"/org/staff/{s1}/leave", data=leave).status_code == 302
    overlap = client.post(f"/org/staff/{s1}/leave",
                          data={"start_date": "2025-08-01", "end_date": "2025-09-01", "kind": "sick"})
    assert "trùng với một lần nghỉ" in overlap.text
    backwards = client.post(f"/org/staff/{s1}/leave",
                            data={"start_date": "2025-10-05", "end_date": "2025-10-01", "kind": "sick"})
    assert "Ngày kết thúc phải sau" in backwards.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(DisciplinaryDecision.id))) == 1
        assert db.session.scalar(select(db.func.count(LeaveRecord.id))) == 1
    page = client.get(f"/org/staff/{s1}")
    assert "Khiển trách" in page.text and "Nghỉ thai sản" in page.text


def test_bad_ids_and_pages_never_give_500(client, auth, world):
    auth.login_user(world.users["sys_admin"])
    assert client.get("/org/units/999999").status_code == 404
    assert client.get("/org/staff/abc").status_code == 404
    assert client.get("/org/staff?page=abc").status_code == 200
    assert client.get("/org/staff?page=-4&category=nope").status_code == 200
    assert client.get("/admin/users/0").status_code == 404




def _queries_for(app, client, url):
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_list_pages_run_a_bounded_number_of_queries(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    urls = ["/org/staff", f"/org/units/{world.units['A1']}", "/org/units"]
    with app.app_context():
        factories.create_unit("C-first", "A1")
    small = [_queries_for(app, client, url) for url in urls]
    with app.app_context():
        for number in range(60):
            factories.create_unit(f"C{number}", "A1")
            factories.create_staff(f"X{number}", "A1")
    large = [_queries_for(app, client, url) for url in urls]
    assert large == small
