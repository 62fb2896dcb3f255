"""The shape of the code: the import contracts of .importlinter hold, the reviewer rule is one
rule in its three forms, refusals are one exception, and policy numbers come from the policy."""
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app import clock
from app.conduct import queries as conduct_queries
from app.conduct import services as conduct_services
from app.conduct.models import ConductRule
from app.csvimport import ImportRejected
from app.errors import DomainError
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment, Policy, is_reviewer, reviewed_by
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.scheduler import jobs
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed (requirements-dev.txt)"
    result = subprocess.run([lint_imports, "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_reviewer_rule_agrees_in_python_and_in_both_sql_forms(app, world):
    with app.app_context():
        # Heads over A (reviews H1, head of its child A1), over A1 (reviews S1), over B (S2).
        heads = [factories.create_user([("unit_head", code)], username=f"head_{code.lower()}x")
                 for code in ("A", "A1", "B", "ROOT")]
        # Head of a unit and of its child at once: the child's people and its head, both.
        heads.append(factories.create_user([("unit_head", "A"), ("unit_head", "A1")], username="head_a_a1x"))
        assessments = db.session.scalars(select(Assessment)).all()
        for head in heads:
            in_python = {a.id for a in assessments if is_reviewer(head, a)}
            by_unit_list = set(db.session.scalars(select(Assessment.id).where(reviewed_by(head))))
            granted = {g.unit_id for g in head.grants}
            by_expression = set(db.session.scalars(
                select(Assessment.id).where(Assessment.reviewer_unit_id.in_(granted))))
            assert in_python == by_unit_list == by_expression, head.username
        reviewed = {h.username: {db.session.get(Assessment, i).staff.code
                                 for i in db.session.scalars(select(Assessment.id).where(reviewed_by(h)))}
                    for h in heads}
        assert reviewed == {"head_ax": {"H1"}, "head_a1x": {"S1"}, "head_bx": {"S2"}, "head_rootx": set(),
                            "head_a_a1x": {"H1", "S1"}}


def test_a_head_never_reviews_their_own_assessment(app, world):
    with app.app_context():
        head = factories.create_user([("unit_head", "A1")], staff_code="H1", username="h1_self")
        own = db.session.scalar(select(Assessment).where(Assessment.staff_id == world.staff["H1"]))
        assert not is_reviewer(head, own)
        assert own.id not in set(db.session.scalars(select(Assessment.id).where(reviewed_by(head))))


def test_every_refusal_is_a_domain_error_with_the_users_message(app, world):
    with app.app_context():
        with pytest.raises(DomainError, match="YYYY-MM"):
            evaluation_services.open_period("2026-13")
        with pytest.raises(DomainError) as refused:
            evaluation_services.import_results(b"staff_code,period,score\nNOBODY,2025-01,50\n")
        assert isinstance(refused.value, ImportRejected) and refused.value.errors


def test_a_refusal_on_the_command_line_is_one_line_on_stderr_and_exit_1(runner, world):
    result = runner.invoke(args=["evaluation", "classify-year", "1999"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["Năm phải có dạng YYYY, từ 2000 đến 2027."]
    assert "Traceback" not in result.output


def test_stored_timestamps_follow_the_frozen_clock(app, world):
    with app.app_context():
        clock.freeze(datetime(2026, 3, 27, 8, 30))
        user = factories.create_user(username="frozen")
        assert clock.aware(user.created_at) == clock.now()
        assert clock.local(user.created_at).strftime("%d/%m/%Y %H:%M") == "27/03/2026 08:30"


def _set_policy(**values):
    db.session.execute(update(Policy).values(**values))
    db.session.commit()


def test_reminder_offsets_come_from_the_policy(app, world):
    with app.app_context():
        assert jobs.self_reminders(date(2026, 3, 31)) is None  # default: from 2 days before (1 April)
        _set_policy(self_reminder_days=4)
        assert jobs.self_reminders(date(2026, 3, 31)) == {"2026-03": 1}
        assert jobs.review_reminders(date(2026, 4, 3)) is None  # default: from the day before (4 April)
        _set_policy(review_reminder_days=3)
        assert jobs.review_reminders(date(2026, 4, 3)) == {"2026-03": 2}  # the heads of A and B


def test_notifications_lead_to_an_endpoint_built_when_shown(app, client, auth, world):
    with app.app_context():
        factories.create_user([("unit_head", "A1")], username="head_link")
        jobs.review_reminders(date(2026, 4, 5))
        note = db.session.scalar(select(Notification).join(Notification.user)
                                 .where(factories.User.username == "head_link"))
        assert (note.endpoint, note.link_args) == ("evaluation.team", {"period": "2026-03"})
        with app.test_request_context():
            assert notifications.link_of(note) == "/evaluation/team?period=2026-03"
        note_id, user_id = note.id, note.user_id
    auth.login_user(user_id)
    response = client.post(f"/notifications/{note_id}/read")
    assert response.headers["Location"].endswith("/evaluation/team?period=2026-03")


def test_the_import_cap_is_the_policy_total(app, world):
    with app.app_context():
        with pytest.raises(ImportRejected) as refused:
            evaluation_services.import_results(b"staff_code,period,score\nS1,2025-01,100.5\n")
        assert "0–100" in refused.value.errors[0].message
        _set_policy(total_max=Decimal("110"))
        assert evaluation_services.import_results(b"staff_code,period,score\nS1,2025-01,100.5\n") == 1


def test_the_repeat_offender_window_comes_from_the_policy(app, world):
    with app.app_context():
        inspector = db.session.get(factories.User, world.users["inspector"])
        staff = db.session.get(factories.Staff, world.staff["S1"])
        rule = db.session.scalar(select(ConductRule).where(ConductRule.code == "VH03"))
        for day in (date(2025, 6, 3), date(2026, 3, 10)):  # nine months apart
            report = conduct_services.raise_report("unit_head", staff, rule, day, "Đi muộn 30 phút",
                                                   inspector)
            conduct_services.submit_report(report, "")
            report.findings[0].status = "confirmed"
        db.session.commit()
        policy = db.session.scalar(select(Policy))
        today = date(2026, 3, 26)
        offenders = conduct_queries.repeat_offenders(inspector, today, policy)
        assert [(person.code, count) for person, count in offenders] == [("S1", 2)]
        policy.repeat_offender_months = 6  # the first one falls out of the window
        assert conduct_queries.repeat_offenders(inspector, today, policy) == []
        policy.repeat_offender_months, policy.repeat_offender_min = 12, 3
        assert conduct_queries.repeat_offenders(inspector, today, policy) == []


def test_the_annual_job_day_comes_from_the_configuration(app, world):
    app.config["ANNUAL_RUN_ON"] = (1, 20)
    try:
        with app.app_context():
            assert jobs.annual(date(2026, 1, 10)) is None
            assert jobs.annual(date(2026, 1, 20))["year"] == 2025
    finally:
        app.config["ANNUAL_RUN_ON"] = (1, 8)

