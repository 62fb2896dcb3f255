"""The assessment page reads its assessment as plain values (queries.shown_assessment): the same
values as the model's, and the same page, for the staff member, their reviewer and hr_admin, in
both languages, in every state the page shows differently."""
from dataclasses import fields
from datetime import datetime, timedelta
from decimal import Decimal

import flask_login
import pytest
from flask import session
from flask_babel import refresh

from app import clock
from app.auth.models import User
from app.evaluation import queries, views
from app.evaluation.models import Assessment, Objection
from app.extensions import db
from app.org.models import Unit
from app.permissions import can


def _states(app, world, head_a1):
    """S1: reviewed with a comment and suggestions, its objection answered, in a closed month;
    H1: reopened; S2: imported with no criteria. Returns their ids."""
    with app.app_context():
        s1, h1, s2 = (db.session.get(Assessment, world.assessments[code]) for code in ("S1", "H1", "S2"))
        s1.status, s1.score, s1.level, s1.self_total = "closed", Decimal("91.5"), "A", Decimal("95.0")
        s1.reviewer_id, s1.reviewed_at = head_a1, datetime(2026, 4, 2, 3, 4)
        s1.review_comment = "Tốt <b>&</b>"
        s1.self_report, s1.reviewed_without_self = "Báo cáo <i>tháng</i>", True
        for number, criterion in enumerate(s1.criteria):
            criterion.self_score, criterion.head_score = criterion.max_score, Decimal(number)
            criterion.suggested_score = Decimal("1.5") if number % 2 else None
            criterion.suggestion_note = f"Gợi ý số {number} <auto>"
        s1.period.status, s1.period.closed_at = "closed", clock.utcnow() - timedelta(days=1)
        db.session.add(Objection(assessment_id=s1.id, text="Tôi kiến nghị <script>", answer="Đã xem",
                                 answered_by_id=head_a1, answered_at=datetime(2026, 4, 3, 1, 2),
                                 created_at=datetime(2026, 4, 2, 8, 0)))
        h1.reopened, h1.status = True, "self_submitted"
        s2.imported, s2.criteria = True, []
        db.session.commit()
        return s1.id, h1.id, s2.id


def test_the_values_are_the_models(app, world, head_a1):
    ids = _states(app, world, head_a1)
    with app.test_request_context("/"):
        for assessment_id in ids:
            shown = queries.shown_assessment(assessment_id)
            model = queries.assessment_for_page(assessment_id)
            for field in fields(shown):
                value = getattr(shown, field.name)
                expected = getattr(model, field.name)
                if field.name == "criteria":
                    assert len(value) == len(expected)
                    for mine, theirs in zip(value, expected, strict=True):
                        for f in fields(mine):
                            assert getattr(mine, f.name) == getattr(theirs, f.name), f.name
                        assert mine.name == theirs.name
                elif field.name in ("period", "staff", "unit", "reviewer", "objection"):
                    assert (value is None) == (expected is None), field.name
                    for f in fields(value) if value is not None else ():
                        part = getattr(value, f.name)
                        if f.name in ("policy", "answered_by"):
                            theirs = getattr(expected, f.name)
                            assert (part is None) == (theirs is None)
                            for g in fields(part) if part is not None else ():
                                assert getattr(part, g.name) == getattr(theirs, g.name)
                        else:
                            assert part == getattr(expected, f.name), (field.name, f.name)
                else:
                    assert value == expected, field.name
            assert shown.status_label == model.status_label
            assert shown.reviewer_unit_id == model.reviewer_unit_id
            for unit in db.session.query(Unit):
                assert shown.unit.is_within(unit) == model.unit.is_within(unit)
        assert queries.shown_assessment(10**6) is None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_page_is_the_same_from_plain_values_as_from_the_model(app, world, head_a1, lang):
    ids = _states(app, world, head_a1)
    for user_id in (world.users["staff"], head_a1, world.users["hr_admin"]):
        for assessment_id in (*ids, world.assessments["S1"], world.assessments["H1"]):
            with app.test_request_context(f"/evaluation/assessments/{assessment_id}"):
                session["lang"] = lang
                refresh()
                flask_login.login_user(db.session.get(User, user_id))
                model = queries.assessment_for_page(assessment_id)
                shown = queries.shown_assessment(assessment_id)
                if not can(flask_login.current_user, "assessment.view", model):
                    assert not can(flask_login.current_user, "assessment.view", shown)
                    continue
                assert can(flask_login.current_user, "assessment.view", shown)
                expected, _status = views._render_assessment(model)
                page, _status = views._render_assessment(shown)
                assert page == expected
                assert "Tôi kiến nghị &lt;script&gt;" in page or assessment_id != ids[0]


def test_the_page_runs_one_statement_for_an_answered_objection(app, client, auth, world, head_a1):
    """The objection's answerer comes in the page's statement (the model loaded it on first use)."""
    from sqlalchemy import event

    s1, _h1, _s2 = _states(app, world, head_a1)
    auth.login_user(world.users["staff"])
    with app.app_context():
        engine = db.engine
    seen = []

    def remember(conn, cursor, statement, *rest):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = client.get(f"/evaluation/assessments/{s1}")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert page.status_code == 200 and "Đã xem" in page.text
    assert len(seen) == 2, seen  # the user, the assessment


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_badges_are_written_as_the_macros_write_them(app, client, auth, world, head_a1, lang):
    """assessment.html writes status_badge and level_badge out (evaluation/_macros.html)."""
    s1, h1, _s2 = _states(app, world, head_a1)
    auth.login_user(world.users["hr_admin"])
    client.post("/language", data={"lang": lang})
    for assessment_id in (s1, h1):
        page = client.get(f"/evaluation/assessments/{assessment_id}").text
        with app.test_request_context("/"):
            session["lang"] = lang
            refresh()
            macros = app.jinja_env.get_template("evaluation/_macros.html").make_module({})
            model = queries.assessment_for_page(assessment_id)
            assert f"<dd>{macros.status_badge(model)}</dd>" in page
            if model.score is not None:
                word = "mức" if lang == "vi" else "level"
                assert f"— {word} {macros.level_badge(model.level)}</dd>" in page
