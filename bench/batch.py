"""Benchmark of the batch work at scale: import staff, open and close a month, classify a year,
flag review cases, compute the work results ledger (`tasks results`) over N × 20 tasks. Prints
seconds, SQL statements and peak memory for each step.

    APP_ENV=testing .venv/bin/python bench/batch.py --staff 200000 --units 2000
    APP_ENV=testing .venv/bin/python bench/batch.py --staff 20000 --database postgresql+psycopg://postgres@127.0.0.1:5432/congvu_bench

The database is created from scratch (SQLite: a temporary file; PostgreSQL: the schema is reset).
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=20000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--months", type=int, default=12, help="closed months of history to classify")
    parser.add_argument("--tasks", type=int, default=20, help="ledger tasks per staff member")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["TEST_DATABASE_URL"] = url

    from flask_migrate import upgrade
    from sqlalchemy import event, func, select, text

    from app import clock, create_app
    from app.annual import services as annual
    from app.audit import act_as_system
    from app.evaluation import services as evaluation
    from app.evaluation.models import Assessment
    from app.exports import csv_text
    from app.extensions import db
    from app.org import services as org
    from app.periods import parse_period
    from app.reviews import services as reviews
    from app.tasks import queries as ledger
    from app.tasks.models import Task

    app = create_app("testing")
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        act_as_system("bench")
        statements = [0]
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.__setitem__(0, statements[0] + 1))

        def step(name, fn):
            before = statements[0]
            started = time.perf_counter()
            outcome = fn()
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{name:<34} {seconds:8.2f} s {statements[0] - before:7d} statements"
                  f"   peak RSS {peak:7.0f} MiB   {outcome}")

        units = "code,name,parent_code,kind\nROOT,Tỉnh,,other\n" + "".join(
            f"U{u:05d},Đơn vị {u},ROOT,division\n" for u in range(args.units))
        staff = "code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n" + "".join(
            f"S{n:07d},Cán bộ {n},U{n % args.units:05d},cong_chuc,Chuyên viên,"
            f"{int(n < args.units)},0,,2020-01-01\n"
            for n in range(args.staff))
        step("org import-units", lambda: org.import_units(units))
        step(f"org import-staff ({args.staff})", lambda: org.import_staff(staff))
        for month in range(1, args.months + 1):
            code = f"2025-{month:02d}"
            clock.freeze(date(2025, month, 26))
            if month == 1:
                step(f"evaluation open-period {code}",
                     lambda code=code: evaluation.open_period(code).created)
                # Give every assessment a score set-wise so that closing and classifying have work.
                db.session.execute(text("UPDATE assessment SET status = 'reviewed', "
                                        "score = 800 + (id % 200), level = 'B'"))
                db.session.commit()
                step(f"evaluation close-period {code}",
                     lambda code=code: evaluation.close_period(code).closed)
            else:
                evaluation.open_period(code)
                db.session.execute(text("UPDATE assessment SET status = 'reviewed', "
                                        "score = 300 + (id % 700), level = 'C' WHERE status = 'draft'"))
                db.session.commit()
                evaluation.close_period(code)
        clock.freeze(None)
        print(f"{'(closed assessments)':<34} {db.session.scalar(select(func.count(Assessment.id))):>8}")
        step("evaluation classify-year 2025", lambda: annual.classify_year(2025).classified)
        step("evaluation classify-year 2025 again", lambda: annual.classify_year(2025).classified)
        step("evaluation flag-reviews 2025", lambda: reviews.flag_reviews(2025))

        # The ledger: N × --tasks tasks due in May 2026, written set-wise (one statement).
        db.session.execute(text(
            "WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < :last) "
            "INSERT INTO task (staff_id, unit_id, title, coefficient, quantity, assigned_on, due_on, "
            "status, returns, late, exempt_returns, exempt_late, created_at, updated_at) "
            "SELECT s.id, s.unit_id, 'Việc', 500 + (k.n % 4) * 500, 1 + k.n % 3, :assigned, "
            ":due, CASE k.n % 5 WHEN 0 THEN 'assigned' WHEN 1 THEN 'returned' ELSE 'accepted' END, "
            "k.n % 2, k.n % 3, 0, CASE WHEN k.n % 3 > 0 AND k.n % 7 = 0 THEN 1 ELSE 0 END, "
            ":now, :now FROM staff s CROSS JOIN k").bindparams(
                last=args.tasks - 1, assigned=date(2026, 5, 1), due=date(2026, 5, 20),
                now=clock.utcnow()))
        db.session.commit()
        print(f"{'(ledger tasks)':<34} {db.session.scalar(select(func.count(Task.id))):>8}")

        def results():
            start = parse_period("2026-05")
            maxima = ledger.task_maxima(start)
            rows = (ledger.result_row(r, "2026-05", maxima.get(r.staff_id, {}))
                    for r in ledger.month_results("2026-05"))
            return len(csv_text(ledger.RESULT_COLUMNS, rows, neutralise_cells=False).splitlines()) - 1

        step("tasks results 2026-05", results)


if __name__ == "__main__":
    main()
