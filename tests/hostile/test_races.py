"""Races end in words (issue 16), on PostgreSQL where they really run in parallel: threads that
start together on the same review, period or year. Whatever the interleaving, the data has one
row, and the loser gets the same clear refusal as a single user would (a DomainError / 409),
never an IntegrityError or a StaleDataError."""
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.annual import services as annual_services
from app.audit import AuditEvent
from app.auth.models import User
from app.errors import DomainError, StaleError
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.reviews import services as review_services
from app.reviews.models import ReviewCase


@pytest.fixture(autouse=True)
def postgresql_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite admits one writer at a time")


def race(app, count, action):
    """Run `action()` in `count` threads released together; [(result or exception)]."""
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(action())
            except Exception as exc:  # collected and checked by the test
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _count(app, query):
    with app.app_context():
        return db.session.scalar(query)


def test_two_heads_saving_the_same_review_one_wins_one_is_told(app, world):
    with app.app_context():
        version = db.session.get(Assessment, world.assessments["S1"]).version

    def save():
        assessment = db.session.get(Assessment, world.assessments["S1"])
        reviewer = db.session.get(User, world.users["unit_head_in"])
        scores = {c.code: Decimal("1.0") for c in assessment.criteria}
        evaluation_services.review_assessment(assessment, scores, "Đạt", version, reviewer, {})
        return "saved"

    outcomes = race(app, 2, save)
    assert sorted(map(type, outcomes), key=str) == sorted([str, StaleError], key=str), outcomes
    assert "người khác cập nhật" in str(next(o for o in outcomes if isinstance(o, StaleError)))
    with app.app_context():
        assessment = db.session.get(Assessment, world.assessments["S1"])
        assert assessment.version == version + 1 and assessment.status == "reviewed"
    assert _count(app, select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "assessment.reviewed")) == 1


def test_two_opens_of_the_same_period_make_one_period_and_no_duplicate(app, world):
    outcomes = race(app, 2, lambda: evaluation_services.open_period("2026-04"))
    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)], outcomes
    assert _count(app, select(func.count()).select_from(Period).where(Period.code == "2026-04")) == 1
    with app.app_context():
        period_id = db.session.scalar(select(Period.id).where(Period.code == "2026-04"))
        per_staff = db.session.execute(select(Assessment.staff_id, func.count()).where(
            Assessment.period_id == period_id).group_by(Assessment.staff_id)).all()
    assert per_staff and all(n == 1 for _staff, n in per_staff)
    assert sum(getattr(o, "created", 0) for o in outcomes if not isinstance(o, Exception)) == len(per_staff)


def test_four_simultaneous_closes_write_one_audit_row(app, world):
    outcomes = race(app, 4, lambda: evaluation_services.close_period("2026-03"))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(1 for o in outcomes if not o.already_closed) == 1
    assert _count(app, select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "period.closed")) == 1


def test_two_flags_of_the_same_year_open_each_case_once(app, world):
    with app.app_context():
        annual_services.import_annual("staff_code,year,level\nS1,2024,D\nS1,2025,D\n")
    outcomes = race(app, 2, lambda: review_services.flag_reviews(2025))
    assert sorted(outcomes, key=str) == [0, 1], outcomes
    assert _count(app, select(func.count()).select_from(ReviewCase)) == 1
