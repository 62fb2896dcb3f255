"""The closed months' summary (assessment_summary): always what a live GROUP BY of the month's
assessments gives, after closing, importing into a past month, reopening and the CLI rebuild."""
from collections import Counter
from datetime import date

from sqlalchemy import Integer, case, delete, func, select, type_coerce

from app import clock
from app.evaluation import queries, services
from app.evaluation.models import Assessment, AssessmentSummary, Period
from app.extensions import db
from tests import factories
from tests.evaluation.conftest import fetch, scores_form, split


def _summary():
    return sorted(db.session.execute(
        select(AssessmentSummary.period_id, AssessmentSummary.unit_id, AssessmentSummary.level,
               AssessmentSummary.assessments, AssessmentSummary.scored, AssessmentSummary.score_tenths,
               AssessmentSummary.not_evaluated, AssessmentSummary.waiting)).tuples().all(),
        key=repr)


def _live():
    """The closed months' assessments grouped live, written independently of the service."""
    scored = Assessment.status.in_(("reviewed", "closed")) & Assessment.score.is_not(None)
    rows = db.session.execute(
        select(Assessment.period_id, Assessment.unit_id, Assessment.level, func.count(),
               func.sum(case((scored, 1), else_=0)),
               func.sum(case((scored, type_coerce(Assessment.score, Integer)), else_=0)),
               func.sum(case((Assessment.status == "not_evaluated", 1), else_=0)),
               func.sum(case((Assessment.status.in_(("draft", "self_submitted")), 1), else_=0)))
        .join(Period, Period.id == Assessment.period_id).where(Period.status == "closed")
        .group_by(Assessment.period_id, Assessment.unit_id, Assessment.level)).tuples().all()
    return sorted((tuple(int(v) if isinstance(v, int) else v for v in row) for row in rows), key=repr)


def _totals(rows):
    """{key: [assessments, scored, tenths, overdue]} added up from levels_by_* rows."""
    found = {}
    for key, level, *numbers in rows:
        sums = found.setdefault((key, level), Counter())
        for i, value in enumerate(numbers):
            sums[i] += int(value or 0)
    return {k: v for k, v in found.items() if any(v.values())}


def _review(app, client, auth, head_a1, code, total):
    auth.login_user(head_a1)
    found = fetch(app, code)
    client.post(f"/evaluation/assessments/{found.id}/review",
                data=scores_form(split(total, found.criteria), found.version))


def _same_reads(first, last, path=None):
    today = clock.today()
    assert _totals(queries.levels_by_unit(first, last, path, today)) == _totals(
        queries.levels_by_unit(first, last, path, today, live=True))
    assert _totals(queries.levels_by_month(first, last, path, today)) == _totals(
        queries.levels_by_month(first, last, path, today, live=True))


def test_closing_fills_the_summary_as_a_live_group_by(app, client, auth, world, head_a1):
    _review(app, client, auth, head_a1, "S1", "77.7")
    with app.app_context():
        assert _summary() == []  # an open month is never summarised
        services.close_period("2026-03")
        db.session.commit()
        summary = _summary()
        assert summary and summary == _live()
        assert sum(row[3] for row in summary) == 3 and sum(row[4] for row in summary) == 1
        assert sum(row[5] for row in summary) == 777 and sum(row[6] for row in summary) == 2
        _same_reads(date(2026, 1, 1), date(2026, 12, 1))
        _same_reads(date(2026, 3, 1), date(2026, 3, 1), db.session.get(factories.Unit, world.units["A"]).path)


def test_an_import_into_a_past_month_refreshes_its_summary(app, world):
    with app.app_context():
        services.close_period("2026-03")
        db.session.commit()
        before = _summary()
        factories.create_staff("S9", "B")
        db.session.commit()
        services.import_results("staff_code,period,score\nS9,2026-03,91.0\nS9,2025-12,55.5\n")
        db.session.commit()
        after = _summary()
        assert after != before and after == _live()
        assert {row[0] for row in after} == set(db.session.scalars(
            select(Period.id).where(Period.code.in_(("2026-03", "2025-12")))))
        _same_reads(date(2025, 1, 1), date(2026, 12, 1))


def test_reopening_and_reviewing_again_in_a_closed_month_refresh_the_summary(
        app, client, auth, world, head_a1):
    _review(app, client, auth, head_a1, "S1", "60")
    with app.app_context():
        services.close_period("2026-03")
        db.session.commit()
    clock.freeze(date(2026, 4, 20))  # after the review deadline: a reopened assessment is overdue
    auth.login_user(world.users["hr_admin"])
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/reopen",
                data={"reason": "Kiến nghị được chấp nhận: bổ sung hồ sơ tháng 3."})
    with app.app_context():
        assert _summary() == _live()
        assert sum(row[7] for row in _summary()) == 1
        _same_reads(date(2026, 3, 1), date(2026, 3, 1))
    _review(app, client, auth, head_a1, "S1", "72")
    with app.app_context():
        assert _summary() == _live() and sum(row[5] for row in _summary()) == 720
        _same_reads(date(2026, 3, 1), date(2026, 3, 1))


def test_the_cli_rebuilds_the_summary_that_the_reads_use(app, runner, world):
    with app.app_context():
        services.close_period("2026-03")
        services.import_results("staff_code,period,score\nS1,2025-11,88.0\nS2,2025-12,66.0\n")
        db.session.commit()
        expected = _summary()
        db.session.execute(delete(AssessmentSummary))
        db.session.commit()
        # Without the summary the closed months count nothing: the reads do use it.
        assert _totals(queries.levels_by_unit(date(2025, 1, 1), date(2026, 12, 1), None, clock.today())) == {}
    result = runner.invoke(args=["evaluation", "summarise"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _summary() == expected == _live()
        db.session.execute(delete(AssessmentSummary))
        db.session.commit()
    assert runner.invoke(args=["evaluation", "summarise", "2025-11"]).exit_code == 0
    with app.app_context():
        assert {row[0] for row in _summary()} == {db.session.scalar(
            select(Period.id).where(Period.code == "2025-11"))}
    bad = runner.invoke(args=["evaluation", "summarise", "2027-01"])
    assert bad.exit_code == 1


def test_the_migration_fills_the_months_closed_before_it(app, world):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0014_assessment_summary.py"
    spec = importlib.util.spec_from_file_location("migration_0014", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        services.close_period("2026-03")
        services.import_results("staff_code,period,score\nS1,2025-11,88.0\nS2,2025-12,66.0\n")
        db.session.commit()
        expected = _summary()
        db.session.execute(delete(AssessmentSummary))
        db.session.commit()
        with db.engine.begin() as connection:
            with Operations.context(MigrationContext.configure(connection)):
                migration.op.execute(migration.FILL)
        db.session.expire_all()
        assert _summary() == expected == _live() and len({row[0] for row in expected}) == 3
