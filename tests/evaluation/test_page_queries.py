"""The head's team page and an assessment page load what they show, in few queries: the user
with their grants in one, the team rows by explicit joins (no criteria, no second period or
policy, no report text), the assessment with its objection in one."""
from sqlalchemy import event

from app.extensions import db
from tests.evaluation.conftest import fetch


def _statements(app, client, url):
    with app.app_context():
        engine = db.engine
    seen = []

    def remember(conn, cursor, statement, *rest):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert response.status_code == 200
    return response, seen


def test_the_team_page_runs_eight_queries_and_its_rows_carry_only_what_is_shown(app, client, auth, world,
                                                                                head_a1):
    auth.login_user(head_a1)
    response, seen = _statements(app, client, "/evaluation/team")
    assert len(seen) == 8, seen
    assert "role_grant" in seen[0]  # the user and their grants: one query
    rows = [s for s in seen if s.startswith("SELECT staff.id, staff.full_name, unit.id")]
    assert len(rows) == 1
    assert not any(word in rows[0] for word in ("self_report", "review_comment", "policy", "criterion"))
    assert not [s for s in seen if s.startswith("SELECT role_grant")]
    with app.app_context():
        s1 = fetch(app, "S1")
        assert s1.staff.full_name in response.text


def test_an_assessment_page_runs_five_queries(app, client, auth, world):
    s1 = fetch(app, "S1")
    auth.login_user(world.users["staff"])
    response, seen = _statements(app, client, f"/evaluation/assessments/{s1.id}")
    assert len(seen) == 5, seen
    assert "objection" in seen[1]  # loaded with the assessment
