"""PostgreSQL plans at scale: open-period, classify-year and flag-reviews run twice with fresh
statistics in between, and no statement they send plans an anti join over the table it writes
(the plans that turned quadratic once the statistics caught up: SPEC §10, issue 14)."""
import re
import time
from datetime import date

import pytest
from sqlalchemy import event, text

from app import clock
from app.annual import services as annual
from app.evaluation import services as evaluation
from app.extensions import db
from app.reviews import services as reviews
from tests import factories

STAFF = 20_000


@pytest.fixture()
def on_postgresql(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (its planner is what this checks)")


def _province(staff):
    """`staff` people in one unit, with 2024 at D and twelve closed months of 2025 (set-based)."""
    factories.create_unit("P", kind="other")
    unit_id = factories.unit("P").id
    db.session.execute(text(
        "INSERT INTO staff (code, full_name, unit_id, category, position, is_head, front_desk, "
        "start_date, active) SELECT 'P' || n, 'Cán bộ ' || n, :unit, 'cong_chuc', '', false, false, "
        "DATE '2020-01-01', true FROM generate_series(1, :staff) AS n"), {"unit": unit_id, "staff": staff})
    db.session.execute(text(
        "INSERT INTO staff_assignment (staff_id, unit_id, start_date) "
        "SELECT id, unit_id, start_date FROM staff WHERE unit_id = :unit"), {"unit": unit_id})
    policy = db.session.execute(text("SELECT id FROM policy ORDER BY effective_from LIMIT 1")).scalar()
    db.session.execute(text(
        "INSERT INTO period (code, starts_on, policy_id, status, imported) "
        "SELECT to_char(d, 'YYYY-MM'), d, :policy, 'closed', true "
        "FROM generate_series(DATE '2025-01-01', DATE '2025-12-01', INTERVAL '1 month') AS d"),
        {"policy": policy})
    # A score in tenths: one person in ten below 50 every month (D for the year).
    db.session.execute(text(
        "INSERT INTO assessment (period_id, staff_id, unit_id, is_head, status, self_report, "
        "review_comment, reviewed_without_self, score, level, imported, reopened, version) "
        "SELECT p.id, s.id, s.unit_id, false, 'closed', '', '', false, "
        "CASE WHEN s.id % 10 = 0 THEN 300 ELSE 800 END, CASE WHEN s.id % 10 = 0 THEN 'D' ELSE 'B' END, "
        "true, false, 1 FROM staff s CROSS JOIN period p WHERE s.unit_id = :unit AND p.imported"),
        {"unit": unit_id})
    db.session.execute(text(
        "INSERT INTO annual_result (staff_id, year, unit_id, policy_id, maternity_months, level, "
        "reason, imported, computed_at) SELECT id, 2024, unit_id, :policy, 0, 'D', 'imported', true, now() "
        "FROM staff WHERE id % 10 = 0 AND unit_id = :unit"), {"policy": policy, "unit": unit_id})
    # One person in a hundred on maternity leave over the summer (their months still closed):
    # a maternity subquery the planner estimates at one row must not be nested-looped per person.
    db.session.execute(text(
        "INSERT INTO leave_record (staff_id, start_date, end_date, kind) "
        "SELECT id, DATE '2025-06-01', DATE '2025-10-31', 'maternity' FROM staff "
        "WHERE id % 100 = 1 AND unit_id = :unit"), {"unit": unit_id})
    db.session.commit()
    db.session.execute(text("ANALYZE"))


def _plans_of(app, fn, settings=()):
    """Run `fn`, then EXPLAIN (without executing) every statement it sent, after the planner
    `settings` (e.g. "enable_hashjoin = off"); returns the plans."""
    sent = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if not executemany and verb in ("INSERT", "UPDATE", "DELETE", "SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        started = time.perf_counter()
        fn()
        seconds = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    plans = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
        for statement, parameters in sent:
            if "pg_advisory" in statement:
                continue
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append((statement, "\n".join(row[0] for row in cursor.fetchall())))
        raw.rollback()
    finally:
        raw.close()
    return seconds, plans


def _written_table(statement):
    match = re.match(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", statement, re.I)
    return match.group(1) if match else None


def _anti_joins(plans):
    """Anti joins whose subtree scans the table the statement writes (the quadratic shape)."""
    found = []
    for statement, plan in plans:
        table = _written_table(statement)
        lines = plan.splitlines()
        for index, line in enumerate(lines):
            if "Anti Join" not in line:
                continue
            depth = len(line) - len(line.lstrip())
            subtree = []
            for below in lines[index + 1:]:
                if below.strip() and len(below) - len(below.lstrip()) <= depth:
                    break
                subtree.append(below)
            if table and any(re.search(rf" on {table}\b", row) for row in subtree):
                found.append((statement[:120], plan))
    return found


def _column_nested_loops(plans):
    """Nested loops joining on an equality of two columns (`Join Filter: (a.x = b.y)`): a hash
    join the planner passed over because it guessed one row on a side — quadratic when wrong."""
    found = []
    for statement, plan in plans:
        lines = plan.splitlines()
        for index, line in enumerate(lines):
            if "Nested Loop" not in line:
                continue
            for below in lines[index + 1:]:
                if "->" in below:
                    break
                if re.search(r"Join Filter: \(\w+\.\w+ = \w+\.\w+\)$", below.strip()):
                    found.append((statement[:120], plan))
    return found


def test_batch_plans_stay_linear_with_fresh_statistics(app, world, on_postgresql):
    with app.app_context():
        _province(STAFF)
        clock.freeze(date(2026, 1, 26))
        for _attempt in range(2):  # the second run plans with the statistics of the first
            seconds, plans = _plans_of(app, lambda: evaluation.open_period("2026-01"))
            assert not _anti_joins(plans), _anti_joins(plans)
            assert seconds < 60, f"open-period took {seconds:.1f} s at {STAFF} staff"
            seconds, plans = _plans_of(app, lambda: annual.classify_year(2025))
            assert not _anti_joins(plans), _anti_joins(plans)
            assert not _column_nested_loops(plans), _column_nested_loops(plans)
            assert seconds < 60, f"classify-year took {seconds:.1f} s at {STAFF} staff"
            seconds, plans = _plans_of(app, lambda: reviews.flag_reviews(2025))
            assert not _anti_joins(plans), _anti_joins(plans)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        counts = db.session.execute(text(
            "SELECT (SELECT count(*) FROM assessment a JOIN period p ON p.id = a.period_id "
            "        WHERE p.code = '2026-01'), "
            "       (SELECT count(*) FROM annual_result WHERE year = 2025 AND level = 'D'), "
            "       (SELECT count(*) FROM review_case WHERE year = 2025)")).one()
        # The world's three staff too; a tenth of the province was D both years.
        assert tuple(counts) == (STAFF + 3, STAFF // 10, STAFF // 10)


def test_classify_has_no_join_a_wrong_estimate_can_turn_quadratic(app, world, on_postgresql):
    """At 200,000 staff the planner guessed one row for the maternity months and nested-looped
    them for every person (394 million comparisons, 40 s). Made to use nested loops, every join
    of classify-year must still be driven by an index, never by a filter over both sides."""
    with app.app_context():
        _province(2_000)
        clock.freeze(date(2026, 1, 26))
        _seconds, plans = _plans_of(app, lambda: annual.classify_year(2025),
                                    settings=("enable_hashjoin = off", "enable_mergejoin = off"))
        assert any(s.lstrip().startswith("INSERT INTO annual_result") for s, _plan in plans)
        assert not _column_nested_loops(plans), _column_nested_loops(plans)
        maternity = db.session.execute(text(
            "SELECT count(*), sum(maternity_months) FROM annual_result WHERE year = 2025 "
            "AND staff_id IN (SELECT staff_id FROM leave_record)")).one()
        assert tuple(maternity) == (20, 0)  # on leave, but every month closed with a score
