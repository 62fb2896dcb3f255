"""The demo puts November 2026 on the task boards: truongphong reviews with computed T1–T3."""

from sqlalchemy import select

from app.auth.models import User
from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.org.models import Unit


def test_demo_gives_truongphong_computed_suggestions(app, client, auth, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    lines = runner.invoke(args=["tasks", "results", "2026-11"]).stdout.splitlines()
    assert len(lines) > 5 and all(line.count(",") == 8 for line in lines)
    with app.app_context():
        head = db.session.scalar(select(User.id).where(User.username == "truongphong"))
        assessment = db.session.scalar(
            select(Assessment.id)
            .join(Assessment.period)
            .join(Assessment.unit)
            .where(Period.code == "2026-11", Unit.code == "SNV-CCVC", Assessment.is_head.is_(False))
            .order_by(Assessment.id)
        )
    auth.login_user(head)
    page = client.get(f"/evaluation/assessments/{assessment}/review")
    assert page.status_code == 200 and "sản phẩm quy đổi được giao" in page.text
