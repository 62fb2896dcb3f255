"""The jobs with a controllable clock: each does its work once when run twice, catches up what
was missed, writes the ledger; reminders reach a real local SMTP server, in Vietnamese."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit import AuditEvent
from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.feedback.models import SatisfactionMonthly
from app.notifications.models import Notification
from app.scheduler import jobs, services
from app.scheduler.models import JobRun
from tests import factories
from tests.evaluation.conftest import fetch, scores_form


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_open_period_waits_for_its_day_and_opens_once(app, world):
    with app.app_context():
        assert jobs.open_period(date(2026, 4, 24)) is None
        assert jobs.open_period(date(2026, 4, 25)) == {"2026-04": 3}
        assert jobs.open_period(date(2026, 4, 25)) == {"2026-04": 0}
        assert _count(Assessment, Assessment.period.has(Period.code == "2026-04")) == 3


def test_a_missed_opening_is_caught_up_early_next_month(app, world):
    with app.app_context():
        assert jobs.open_period(date(2026, 5, 2)) == {"2026-04": 3}
        assert jobs.open_period(date(2026, 5, 9)) is None  # past April's closing day: too late


def test_close_period_closes_on_its_day_once(app, world):
    with app.app_context():
        assert jobs.close_period(date(2026, 4, 6)) is None
        assert jobs.close_period(date(2026, 4, 7)) == {"2026-03": {"closed": 0, "not_evaluated": 3}}
        assert jobs.close_period(date(2026, 4, 7)) is None
        assert _count(AuditEvent, AuditEvent.action == "period.closed") == 1


def test_self_reminders_go_to_those_who_have_not_submitted_once_per_round(app, client, auth, world):
    auth.login_user(world.users["staff"])
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/self",
                data=scores_form({c.code: c.max_score for c in s1.criteria}, s1.version, submit="1"))
    with app.app_context():
        factories.create_user([("staff", "A1")], staff_code="H1", username="h1")
        factories.create_user([("staff", "B")], staff_code="S2", username="s2")
        assert jobs.self_reminders(date(2026, 3, 31)) is None
        assert jobs.self_reminders(date(2026, 4, 1)) == {"2026-03": 2}
        assert jobs.self_reminders(date(2026, 4, 2)) == {"2026-03": 0}  # the same round: nothing new
        assert jobs.self_reminders(date(2026, 4, 3)) == {"2026-03": 2}  # the last-day round
        names = db.session.scalars(select(Notification.dedupe_key).join(Notification.user)
                                   .where(factories.User.username == "staff1")).all()
        assert names == []


def test_review_reminders_go_to_the_heads_with_pending_reviews(app, world):
    with app.app_context():
        factories.create_user([("unit_head", "A1")], staff_code="H1", username="head_a1")
        result = jobs.review_reminders(date(2026, 4, 4))
        assert result == {"2026-03": 3}  # head_a1 (S1), head of A (H1), sys? no: head_out (S2 in B)
        users = set(db.session.scalars(select(factories.User.username).join(
            Notification, Notification.user_id == factories.User.id)))
        assert users == {"head_a1", "head_in", "head_out"}
        assert jobs.review_reminders(date(2026, 4, 4)) == {"2026-03": 0}


def test_annual_runs_once_a_year_from_8_january(app, world):
    with app.app_context():
        from app.annual import services as annual_services

        annual_services.import_annual("staff_code,year,level\nS1,2025,D\n")
        from tests.annual.conftest import load_results, months

        load_results(months("S1", 2026, ["40"] * 12, start_month=1)[3:])  # April–December
        assert services.run_job("annual", today=date(2027, 1, 7)).outcome == "skipped"
        first = services.run_job("annual", today=date(2027, 1, 8))
        assert (first.outcome, first.counts["year"], first.counts["new_cases"]) == ("success", 2026, 1)
        assert services.run_job("annual", today=date(2027, 1, 9)).outcome == "skipped"
        assert _count(Notification, Notification.kind == "review_case") == 1


def test_satisfaction_rollup_counts_the_month(app, client, world):
    with app.app_context():
        from app.feedback import services as feedback_services

        factories.create_unit("MC", "A", kind="one_stop_centre")
        official = factories.create_staff("F1", "MC", front_desk=True)
        token = feedback_services.create_target("official", factories.unit("MC"), official).token
        official_id = official.id
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    for rating in ("very_satisfied", "satisfied", "dissatisfied"):
        client.post(f"/p/{token}", data={"rating": rating, "idem": rating * 3})
    with app.app_context():
        assert jobs.satisfaction_rollup(date(2026, 3, 11))["2026-03"] == 2
        jobs.satisfaction_rollup(date(2026, 3, 11))
        row = db.session.get(SatisfactionMonthly, ("staff", official_id, "2026-03"))
        assert (row.positive, row.total) == (2, 3)


def test_catch_up_runs_every_job_once_and_fills_the_ledger(app, world):
    clock.freeze(datetime(2026, 4, 7, 23, 56))
    with app.app_context():
        runs = services.catch_up()
        assert [r.job for r in runs] == list(jobs.JOBS)
        rows = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        assert [(r.job, r.trigger) for r in rows] == [(name, "catch_up") for name in jobs.JOBS]
        by_job = {r.job: r for r in rows}
        assert by_job["close_period"].outcome == "success"
        assert by_job["annual"].outcome == "success" or by_job["annual"].outcome == "skipped"
        assert all(r.finished_at is not None for r in rows)
        assert db.session.scalar(select(Period.status).where(Period.code == "2026-03")) == "closed"


def test_a_failing_job_is_recorded_and_changes_nothing(app, world, monkeypatch):
    def broken(today):
        db.session.execute(db.update(Period).values(status="closed"))
        raise RuntimeError("mất kết nối")

    monkeypatch.setitem(jobs.JOBS, "close_period", broken)
    with app.app_context():
        run = services.run_job("close_period")
        assert run.outcome == "failed" and "mất kết nối" in run.error
        assert db.session.scalar(select(Period.status).where(Period.code == "2026-03")) == "open"


def test_ledger_page_and_run_now(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post("/admin/jobs/satisfaction_rollup/run", follow_redirects=True)
    assert "Đã chạy Tổng hợp mức độ hài lòng: Thành công." in response.text
    ledger = client.get("/admin/jobs/").text
    assert "<td>Tổng hợp mức độ hài lòng</td><td>Chạy tay</td>" in ledger
    assert "satisfaction_rollup</td>" not in ledger and "{&#34;" not in ledger
    assert client.post("/admin/jobs/nope/run").status_code == 404


def test_the_notification_centre(app, client, auth, world):
    with app.app_context():
        jobs.self_reminders(date(2026, 4, 1))
    auth.login_user(world.users["staff"])
    home = client.get("/")
    assert 'class="badge"' in home.text and ">1</span>" in home.text
    page = client.get("/notifications/")
    assert "Nhắc tự đánh giá tháng 2026-03" in page.text and "Hạn nộp: 2026-04-03" in page.text
    with app.app_context():
        notification_id = db.session.scalar(select(Notification.id))
    assert client.post(f"/notifications/{notification_id}/read").headers["Location"] == "/evaluation/my"
    assert 'class="badge"' not in client.get("/").text


@pytest.fixture()
def smtp_server():
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def test_reminders_reach_a_real_smtp_server_in_vietnamese_and_english(app, world, smtp_server):
    port, received = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        with app.app_context():
            for code, name, locale in (("S2", "s2", "en"), ("H1", "h1", "vi")):
                user = factories.create_user([("staff", "B")], staff_code=code, username=name)
                user.email, user.locale = f"{name}@example.gov.vn", locale
            db.session.commit()
            jobs.self_reminders(date(2026, 4, 1))
            assert services.run_job("mail").counts == {"sent": 2}
            assert services.run_job("mail").outcome == "skipped"  # nothing sent twice
    finally:
        app.config.update(MAIL_SERVER=None)
    from email.header import decode_header, make_header

    subjects = {m["To"]: str(make_header(decode_header(m["Subject"]))) for m in received}
    assert subjects["h1@example.gov.vn"] == "Nhắc tự đánh giá tháng 2026-03"
    assert subjects["s2@example.gov.vn"] == "Self-assessment reminder for 2026-03"
    body = next(m for m in received if m["To"] == "h1@example.gov.vn").get_payload(decode=True).decode()
    assert "Bạn chưa nộp bản tự đánh giá tháng 2026-03" in body
