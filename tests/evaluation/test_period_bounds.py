"""Periods: only this month, the next, or one within the policy's back-fill window can be opened
(the page, the command and the job alike); opening asks first how many assessments it creates;
closing early asks first how many become not_evaluated; a month opened by mistake is deleted."""
from datetime import date

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.evaluation import services
from app.evaluation.models import Assessment, Period, Policy
from app.extensions import db
from tests.evaluation.conftest import fetch


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_far_months_are_refused_with_the_reason_everywhere(app, client, auth, runner, world):
    auth.login_user(world.users["hr_admin"])  # the clock: 26 March 2026
    for code in ("9999-01", "2020-01", "2026-05", "2025-12"):
        for data in ({"code": code}, {"code": code, "confirm": "1"}):
            response = client.post("/evaluation/periods/open", data=data)
            assert response.status_code == 400, code
            if code == "9999-01":  # no month of that year exists for the system (the period parser)
                assert "Kỳ đánh giá phải có dạng YYYY-MM, ví dụ 2026-03, từ năm 2000 đến" in response.text
            else:
                assert f"Không thể mở kỳ {code}: chỉ mở được kỳ từ 2026-01 đến 2026-04" in response.text
    assert _count(app, Period) == 1
    for code, message in (("9999-01", "từ năm 2000 đến"), ("2020-01", "Không thể mở kỳ 2020-01")):
        result = runner.invoke(args=["evaluation", "open-period", code])
        assert result.exit_code == 1 and message in result.output
    assert _count(app, Period) == 1
    # The window is policy data: 0 months back leaves only this month and the next.
    with app.app_context():
        db.session.execute(db.update(Policy).values(backfill_months=0))
        db.session.commit()
    refused = client.post("/evaluation/periods/open", data={"code": "2026-02"})
    assert refused.status_code == 400 and "tối đa 0 tháng trước" in refused.text
    # The job never opens a missed month outside it either.
    with app.app_context():
        opened = services.open_due_periods(date(2026, 5, 3)) or {}
        assert "2026-04" not in opened and services.get_period("2026-04") is None


def test_the_english_page_says_why_too(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.post("/evaluation/periods/open", data={"code": "9999-01"})
    assert response.status_code == 400 and "The period must be written YYYY-MM" in response.text
    response = client.post("/evaluation/periods/open", data={"code": "2020-01"})
    assert response.status_code == 400 and "Period 2020-01 cannot be opened" in response.text


def test_a_back_filled_month_opens_after_confirmation(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    asked = client.post("/evaluation/periods/open", data={"code": "2026-01"})
    assert "Mở kỳ 2026-01 sẽ tạo 3 phiếu đánh giá." in asked.text
    assert _count(app, Period) == 1  # nothing yet
    client.post("/evaluation/periods/open", data={"code": "2026-01", "confirm": "1"})
    with app.app_context():
        assert services.get_period("2026-01").status == "open"


def test_closing_before_the_close_day_asks_and_counts_not_evaluated(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    asked = client.post("/evaluation/periods/2026-03/close")
    assert asked.status_code == 200
    assert "3 phiếu chưa được đánh giá sẽ thành “Không được đánh giá”" in asked.text
    assert "đóng ngày 10/04/2026" in asked.text or "đóng ngày" in asked.text
    with app.app_context():
        assert services.get_period("2026-03").status == "open"
    client.post("/evaluation/periods/2026-03/close", data={"confirm": "1"})
    with app.app_context():
        assert services.get_period("2026-03").status == "closed"
        assert fetch(app, "S1").status == "not_evaluated"


def test_a_period_opened_by_mistake_is_deleted_until_something_happens(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    client.post("/evaluation/periods/open", data={"code": "2026-04", "confirm": "1"})
    assert "Xóa kỳ mở nhầm" in client.get("/evaluation/periods").text
    response = client.post("/evaluation/periods/2026-04/delete", follow_redirects=True)
    assert "Đã xóa kỳ 2026-04 và 3 phiếu chưa có hoạt động." in response.text
    with app.app_context():
        assert services.get_period("2026-04") is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "period.deleted"))
        assert event.before == {"code": "2026-04", "assessments": 3}
    # March has a submitted self-assessment: it stays.
    with app.app_context():
        assessment = fetch(app, "S1")
        db.session.execute(db.update(Assessment).where(Assessment.id == assessment.id)
                           .values(status="self_submitted"))
        db.session.commit()
    refused = client.post("/evaluation/periods/2026-03/delete")
    assert refused.status_code == 400 and "đã có hoạt động" in refused.text
    assert _count(app, Assessment) == 3
