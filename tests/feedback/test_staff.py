"""The staff side: the official sees ratings (never who), heads see the unit's, complaints are
answered, posters carry a QR code, hr_admin hides abusive comments, C3 is suggested."""
import re
from datetime import date, datetime

from sqlalchemy import select

from app import clock
from app.audit import AuditEvent
from app.evaluation import services as evaluation_services
from app.extensions import db
from app.feedback.models import Complaint, FeedbackTarget, Rating
from tests.evaluation.conftest import fetch, input_value
from tests.feedback.conftest import form


def _rate(client, token, ratings):
    for rating, comment in ratings:
        client.post(f"/p/{token}", data=form(rating, comment=comment))


def test_the_official_sees_ratings_and_comments_but_not_who_sent_them(app, client, auth, desk):
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    citizen = app.test_client()
    citizen.post(f"/p/{desk.token}", data=form("dissatisfied", comment="Chờ quá lâu.", consent="y",
                                               contact="0988 777 666", receipt_code="HS-1"))
    _rate(citizen, desk.token, [("very_satisfied", "Rất tốt"), ("satisfied", "")])
    auth.login_user(desk.account)
    page = client.get("/feedback/mine?period=2026-03")
    assert "Chờ quá lâu." in page.text and "Rất tốt" in page.text
    assert "66.7%" in page.text and "(2/3 lượt)" in page.text
    assert "0988 777 666" not in page.text and "HS-1" not in page.text
    assert client.get("/feedback/mine?period=2026-13").status_code == 404


def test_the_head_sees_the_units_index_and_answers_a_complaint(app, client, auth, desk):
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    citizen = app.test_client()
    response = citizen.post(f"/p/{desk.token}", data=form("dissatisfied", comment="Không hướng dẫn gì cả."))
    code = re.search(r"PA-[A-Z0-9]{8}", response.text).group(0)
    _rate(citizen, desk.desk_token, [("satisfied", "")])
    auth.login_user(desk.head)
    page = client.get(f"/feedback/units/{desk.unit}?period=2026-03")
    assert "Chỉ số hài lòng của đơn vị: 50.0%" in page.text and "Đỗ Thị Một Cửa" in page.text
    listing = client.get("/feedback/complaints?status=open")
    assert code in listing.text
    with app.app_context():
        complaint_id = db.session.scalar(select(Complaint.id))
    client.post(f"/feedback/complaints/{complaint_id}/answer",
                data={"answer": "Đã nhắc nhở cán bộ và bố trí hướng dẫn viên tại quầy."})
    track = citizen.get(f"/track?code={code}")
    assert "Đã trả lời" in track.text and "bố trí hướng dẫn viên" in track.text
    again = client.post(f"/feedback/complaints/{complaint_id}/answer", data={"answer": "Trả lời lần hai."})
    assert again.status_code == 400


def test_staff_outside_the_unit_reach_nothing(app, client, auth, desk, world):
    citizen = app.test_client()
    citizen.post(f"/p/{desk.token}", data=form("dissatisfied", comment="Thái độ không tốt."))
    with app.app_context():
        complaint_id = db.session.scalar(select(Complaint.id))
        rating_id = db.session.scalar(select(Rating.id))
    auth.login_user(world.users["unit_head_out"])
    assert client.get(f"/feedback/units/{desk.unit}").status_code == 404
    assert client.get(f"/feedback/complaints/{complaint_id}").status_code == 404
    assert client.post(f"/feedback/complaints/{complaint_id}/answer",
                       data={"answer": "Không phải việc của tôi."}).status_code == 404
    assert "PA-" not in client.get("/feedback/complaints").text
    auth.login_user(desk.account)  # the official themself cannot answer or hide
    assert client.get(f"/feedback/complaints/{complaint_id}").status_code == 403
    assert client.post(f"/feedback/ratings/{rating_id}/hide",
                       data={"reason": "Tôi không thích"}).status_code == 403


def test_hr_admin_hides_an_abusive_comment_and_the_rating_still_counts(app, client, auth, desk, world):
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    app.test_client().post(f"/p/{desk.token}", data=form("dissatisfied", comment="Lời lẽ thô tục ở đây"))
    with app.app_context():
        rating_id = db.session.scalar(select(Rating.id))
    auth.login_user(world.users["hr_admin"])
    client.post(f"/feedback/ratings/{rating_id}/hide", data={"reason": "Ngôn từ xúc phạm"})
    auth.login_user(desk.account)
    page = client.get("/feedback/mine?period=2026-03")
    assert "Lời lẽ thô tục" not in page.text
    assert "[Nội dung đã được ẩn]" in page.text and "(0/1 lượt)" in page.text
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.comment_hidden"))
        assert event.before["comment"] == "Lời lẽ thô tục ở đây" and event.actor_label == "hr"


def test_posters_carry_a_qr_code_and_tokens_can_be_replaced(app, client, auth, desk):
    auth.login_user(desk.head)
    page = client.get(f"/feedback/targets/{desk.target}/poster")
    assert page.status_code == 200 and "<svg" in page.text and f"/p/{desk.token}" in page.text
    targets = client.get("/feedback/targets")
    assert "In áp phích" in targets.text
    client.post(f"/feedback/targets/{desk.target}/replace")
    assert client.get(f"/p/{desk.token}").status_code == 404
    with app.app_context():
        new = db.session.scalar(select(FeedbackTarget).where(FeedbackTarget.staff_id == desk.official,
                                                             FeedbackTarget.active.is_(True)))
    assert client.get(f"/p/{new.token}").status_code == 200
    assert client.get(f"/feedback/targets/{desk.target}/poster").status_code == 404


def test_a_target_can_only_be_made_for_a_front_desk_official_in_scope(app, client, auth, desk, world):
    auth.login_user(desk.head)
    bad = client.post("/feedback/targets", data={"kind": "official", "unit_id": desk.unit,
                                                 "staff_id": world.staff["S1"]})
    assert bad.status_code == 400
    auth.login_user(world.users["unit_head_out"])
    assert client.post("/feedback/targets", data={"kind": "desk", "unit_id": desk.unit}).status_code == 404


def test_c3_is_suggested_from_five_ratings_in_the_month(app, client, auth, desk, world):
    with app.app_context():
        clock.freeze(date(2026, 4, 26))
        evaluation_services.open_period("2026-04")
    clock.freeze(datetime(2026, 4, 27, 10, 0))
    citizen = app.test_client()
    _rate(citizen, desk.token, [("very_satisfied", "")] * 3 + [("dissatisfied", "")])
    with app.app_context():
        from tests import factories

        head = factories.create_user([("unit_head", "MC")], username="head_mc2").id
    auth.login_user(head)
    f1 = fetch(app, "F1", "2026-04")
    page = client.get(f"/evaluation/assessments/{f1.id}/review")
    assert "lượt đánh giá hài lòng" not in page.text  # only 4 ratings so far
    _rate(citizen, desk.token, [("satisfied", "")])
    page = client.get(f"/evaluation/assessments/{f1.id}/review")
    assert "4/5 lượt đánh giá hài lòng trong tháng (chỉ số 80.0%)." in page.text
    assert input_value(page.text, "score_C3") == "4.0"
    # Another month's ratings do not count.
    clock.freeze(datetime(2026, 5, 2, 10, 0))
    _rate(citizen, desk.token, [("dissatisfied", "")] * 5)
    page = client.get(f"/evaluation/assessments/{f1.id}/review")
    assert input_value(page.text, "score_C3") == "4.0"


def test_the_complaint_page_shows_what_the_citizen_answered(app, client, auth, desk):
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    app.test_client().post(f"/p/{desk.token}", data=form(
        "dissatisfied", comment="Cán bộ gợi ý phải có quà mới làm nhanh.", timeliness="late",
        guidance="unclear", attitude="harassment", receipt_code="HS-2026-0042"))
    with app.app_context():
        complaint_id = db.session.scalar(select(Complaint.id))
    auth.login_user(desk.head)
    page = client.get(f"/feedback/complaints/{complaint_id}").text
    assert "Nhũng nhiễu, gây phiền hà hoặc đòi tiền, quà" in page
    assert '<strong class="badge warning">Nhũng nhiễu' in page
    assert "Trễ hẹn" in page and "Hướng dẫn chưa rõ" in page and "HS-2026-0042" in page
