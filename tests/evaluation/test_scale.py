"""Batch work is set-based: statement counts do not depend on the number of staff; pages are bounded."""
from datetime import date

from sqlalchemy import event, insert, select

from app import clock
from app.evaluation import services
from app.evaluation.models import Assessment
from app.extensions import db
from app.org.models import Staff
from tests import factories
from tests.evaluation.conftest import fetch, scores_form, split
from tests.queries import StatementCounter


def _add_staff(count, unit_id, prefix):
    db.session.execute(insert(Staff), [
        {"code": f"{prefix}{n:06d}", "full_name": f"Cán bộ {n}", "unit_id": unit_id,
         "category": "cong_chuc", "position": "", "is_head": False, "front_desk": False,
         "start_date": date(2020, 1, 1), "active": True} for n in range(count)])
    db.session.commit()


def _statements(app, fn):
    with app.app_context():
        with StatementCounter(db.engine) as counter:
            fn()
        return counter.count


def test_open_and_close_issue_the_same_statements_for_20_and_20000_staff(app):
    with app.app_context():
        factories.create_unit("U", kind="other")
        unit_id = factories.unit("U").id
        _add_staff(20, unit_id, "S")
    clock.freeze(date(2026, 3, 26))
    small_open = _statements(app, lambda: services.open_period("2026-03"))
    small_close = _statements(app, lambda: services.close_period("2026-03"))
    with app.app_context():
        _add_staff(20000 - 20, unit_id, "L")
    large_open = _statements(app, lambda: services.open_period("2026-04"))
    large_close = _statements(app, lambda: services.close_period("2026-04"))
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Assessment.id)).join(Assessment.period)
                                 .where(Assessment.status == "not_evaluated")) == 20020
    assert (large_open, large_close) == (small_open, small_close)


def _queries(app, client, url):
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_team_and_history_pages_run_a_bounded_number_of_queries(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("80", s1.criteria), s1.version))
    team_small = _queries(app, client, "/evaluation/team")
    auth.login_user(world.users["staff"])
    history_small = _queries(app, client, "/evaluation/my")
    with app.app_context():
        for number in range(30):
            factories.create_staff(f"X{number}", "A1")
        for month in range(4, 13):
            clock.freeze(date(2026, month, 26))
            services.open_period(f"2026-{month:02d}")
            services.close_period(f"2026-{month:02d}")
        services.open_period("2026-03")
    auth.login_user(head_a1)
    assert _queries(app, client, "/evaluation/team?period=2026-03") == team_small
    auth.login_user(world.users["staff"])
    assert _queries(app, client, "/evaluation/my") == history_small


def test_lists_of_assessments_never_load_their_criteria(app, client, auth, world, head_a1):
    seen = []
    with app.app_context():
        engine = db.engine

    def remember(conn, cursor, statement, *rest):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        auth.login_user(head_a1)
        assert client.get("/evaluation/team").status_code == 200
        auth.login_user(world.users["staff"])
        assert client.get("/evaluation/my").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert seen and not [s for s in seen if "assessment_criterion" in s]
