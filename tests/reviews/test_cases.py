"""Review cases: open → under_review → decided with notes; the person responds; exports."""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.annual import services as annual_services
from app.audit import AuditEvent
from app.extensions import db
from app.reviews import services
from app.reviews.models import ReviewCase, ReviewEvent
from tests import factories


def _case_for_s1(app):
    with app.app_context():
        annual_services.import_annual("staff_code,year,level\nS1,2024,D\nS1,2025,D\n")
        services.flag_reviews(2025)
        return db.session.scalar(select(ReviewCase.id))


def test_a_case_moves_step_by_step_with_notes(app, client, auth, world):
    case_id = _case_for_s1(app)
    auth.login_user(world.users["hr_admin"])
    page = client.get(f"/reviews/{case_id}")
    assert "Xếp loại không hoàn thành nhiệm vụ các năm 2024 và 2025" in page.text
    assert "Cho thôi việc" in page.text  # S1 is a công chức
    empty = client.post(f"/reviews/{case_id}/advance", data={"note": ""})
    assert empty.status_code == 400
    client.post(f"/reviews/{case_id}/advance", data={"note": "Thành lập tổ xem xét, mời cán bộ làm việc."})
    no_decision = client.post(f"/reviews/{case_id}/advance", data={"note": "Đã họp tổ xem xét."})
    assert no_decision.status_code == 400 and "Hãy chọn kết luận." in no_decision.text
    client.post(f"/reviews/{case_id}/advance",
                data={"note": "Bố trí sang vị trí phù hợp hơn.", "decision": "reassignment"})
    with app.app_context():
        case = db.session.get(ReviewCase, case_id)
        assert (case.status, case.decision) == ("decided", "reassignment")
        steps = db.session.scalars(select(ReviewEvent).where(ReviewEvent.case_id == case_id)
                                   .order_by(ReviewEvent.id)).all()
        assert [(s.from_status, s.to_status) for s in steps] == [
            (None, "open"), ("open", "under_review"), ("under_review", "decided")]
        assert steps[1].actor.username == "hr" and "tổ xem xét" in steps[1].note
        assert db.session.scalar(select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "review.advanced")) == 2
    after = client.post(f"/reviews/{case_id}/advance", data={"note": "Thêm một bước nữa."})
    assert after.status_code == 400 and "Không thể chuyển hồ sơ" in after.text


def test_the_person_sees_their_case_and_responds(app, client, auth, world):
    case_id = _case_for_s1(app)
    auth.login_user(world.users["staff"])
    page = client.get(f"/reviews/{case_id}")
    assert page.status_code == 200 and "Gửi giải trình" in page.text
    assert client.post(f"/reviews/{case_id}/advance", data={"note": "Tự kết thúc hồ sơ."}).status_code == 403
    short = client.post(f"/reviews/{case_id}/respond", data={"text": "ngắn"})
    assert short.status_code == 400
    client.post(f"/reviews/{case_id}/respond",
                data={"text": "Năm 2025 tôi nghỉ ốm dài ngày, xin được xem xét hoàn cảnh."})
    auth.login_user(world.users["hr_admin"])
    assert "nghỉ ốm dài ngày" in client.get(f"/reviews/{case_id}").text
    profile = client.get(f"/org/staff/{world.staff['S1']}")
    assert "Hồ sơ xem xét năm 2025" in profile.text and "Nhập từ trước khi có hệ thống" in profile.text


def test_nobody_else_reaches_the_case(app, client, auth, world):
    case_id = _case_for_s1(app)
    with app.app_context():
        colleague = factories.create_user([("staff", "A1")], staff_code="H1", username="h1").id
    auth.login_user(colleague)
    assert client.get(f"/reviews/{case_id}").status_code == 404
    assert client.post(f"/reviews/{case_id}/respond",
                       data={"text": "Giải trình giả mạo rất dài."}).status_code == 404
    auth.login_user(world.users["unit_head_in"])
    assert client.get(f"/reviews/{case_id}").status_code == 404
    assert client.get("/reviews/").status_code == 403


def test_case_list_filters_and_exports(app, client, auth, world):
    _case_for_s1(app)
    auth.login_user(world.users["hr_admin"])
    assert "Nguyễn Văn S1" in client.get("/reviews/?status=open").text
    assert "Nguyễn Văn S1" not in client.get("/reviews/?status=decided").text
    assert client.get("/reviews/?status=bogus").status_code == 200
    csv = client.get("/reviews/export.csv").data.decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0] == ("Mã cán bộ,Họ và tên,Mã đơn vị,Đơn vị,Năm,Năm trước,Trạng thái,"
                        "Biện pháp đề xuất,Quyết định,Ngày mở")
    assert lines[1].startswith("S1,Nguyễn Văn S1,A1,") and ",2025,2024,Mới mở,Cho thôi việc,," in lines[1]
    book = load_workbook(io.BytesIO(client.get("/reviews/export.xlsx").data))
    cells = [c.value for c in book.active[2]]
    assert cells[:2] == ["S1", "Nguyễn Văn S1"] and cells[4:8] == [2025, 2024, "Mới mở", "Cho thôi việc"]
    assert book.active.cell(row=2, column=10).is_date


def test_the_person_finds_the_case_on_their_assessment_page(app, client, auth, world):
    _case_for_s1(app)
    auth.login_user(world.users["staff"])
    assert "Hồ sơ xem xét năm 2025" in client.get("/evaluation/my").text
