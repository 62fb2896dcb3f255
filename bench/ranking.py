"""The province ranking page and the root unit's dashboard at scale (issue 13): a province of N
staff with 24 closed months and an open one (bench/province.py), a satisfaction roll-up for
every unit and month and for every front-desk official and month, and conduct findings for one
staff-month in a hundred (most confirmed); then the pages `/reports/province` and
`/reports/units/<root>/dashboard` as the province's hr_admin sees them — a closed month, a
closed year, the open month and the year that holds it, each rendered whole through the Flask
test client in a process of its own — with their time and the number of SQL statements sent.

    python -m bench ranking --staff 20000 --db postgresql+psycopg://postgres@127.0.0.1:5432/congvu_bench
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text

from bench import province
from bench.province import ROOT

# Closed months are read from their summary; the open month (2026-01, 200,000 assessments, most
# reviewed) is grouped live, alone or within its year.
CASES = {"month": "2025-12", "year": "2025", "open-month": province.OPEN_MONTH, "open-year": "2026"}
PAGES = {"province-ranking": "/reports/province?period={period}",
         "root-dashboard": "/reports/units/{root}/dashboard?period={period}"}


def build(store: province.Store, name: str, folder: Path) -> None:
    province.build_units(store, name, folder)
    province.build_history(store, name, folder)
    engine = store.engine(name)
    with engine.begin() as conn:
        # The nightly roll-up's rows: every unit, every month (the page reads these, not ratings).
        conn.execute(text("""
            INSERT INTO satisfaction_monthly (scope, key_id, period, positive, total, updated_at)
            SELECT 'unit', u.id, p.code, 20 + (u.id * 7 + p.id) % 30, 50, CURRENT_TIMESTAMP
            FROM unit u CROSS JOIN period p"""))
        conn.execute(text("""
            INSERT INTO satisfaction_monthly (scope, key_id, period, positive, total, updated_at)
            SELECT 'staff', s.id, p.code, 3 + (s.id + p.id) % 5, 8, CURRENT_TIMESTAMP
            FROM staff s CROSS JOIN period p WHERE s.front_desk"""))
        # Conduct: one report per unit, and a finding for one staff-month in a hundred, on one of
        # the rules, four in five confirmed (the rest pending or dismissed).
        conn.execute(text("""
            INSERT INTO conduct_report (source, unit_id, status, summary, created_by_id, created_at)
            SELECT 'unit_head', u.id, 'reviewed', '', (SELECT MIN(id) FROM user_account), CURRENT_TIMESTAMP
            FROM unit u"""))
        conn.execute(text("""
            INSERT INTO finding (report_id, staff_id, unit_id, rule_id, occurred_on, note, deduction, status)
            SELECT r.id, a.staff_id, a.unit_id,
                   (SELECT MIN(id) FROM conduct_rule) + (a.staff_id + p.id) % 10,
                   p.starts_on + (a.staff_id % 28), '', 20,
                   CASE (a.staff_id + p.id) % 10 WHEN 0 THEN 'pending' WHEN 1 THEN 'dismissed'
                        ELSE 'confirmed' END
            FROM assessment a JOIN period p ON p.id = a.period_id
            JOIN conduct_report r ON r.unit_id = a.unit_id
            WHERE (a.staff_id * 31 + p.id * 7) % 100 = 0"""))
        # The province's hr_admin: the first account, granted over the root unit.
        conn.execute(text("""
            INSERT INTO role_grant (user_id, role, unit_id, granted_at)
            SELECT MIN(u.id), 'hr_admin', (SELECT id FROM unit WHERE parent_id IS NULL ORDER BY id LIMIT 1),
                   CURRENT_TIMESTAMP FROM user_account u"""))
        province.analyze(conn)
    engine.dispose()
    province.build_opened(store, name)


def child(url: str, page: str, period: str, repeat: int) -> None:
    """Render the page `repeat` times (the first warms the process); print a JSON line."""
    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        user_id = db.session.execute(text("SELECT user_id FROM role_grant WHERE role = 'hr_admin' "
                                          "ORDER BY id LIMIT 1")).scalar_one()
        root = db.session.execute(text("SELECT id FROM unit WHERE parent_id IS NULL "
                                       "ORDER BY id LIMIT 1")).scalar_one()
        engine = db.engine
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}.1"
        session["_fresh"] = True
    statements = [0]

    def count(*_args):
        statements[0] += 1

    path = PAGES[page].format(period=period, root=root)
    times = []
    for _ in range(repeat):
        statements[0] = 0
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    print(json.dumps({"first_s": times[0], "median_s": statistics.median(times[1:] or times),
                      "statements": statements[0], "bytes": len(response.data)}))


def measure(url: str, kind: str, staff: int | str, repeat: int) -> None:
    """Each page at each span, in a process of its own; one line each."""
    for page in PAGES:
        for label, period in CASES.items():
            done = subprocess.run(
                [sys.executable, "-m", "bench", "ranking-child", url, page, period, str(repeat)],
                cwd=ROOT, env=province.app_env(url), capture_output=True, text=True)
            if done.returncode:
                sys.stderr.write(done.stderr[-4000:])
                raise SystemExit(f"{page} {label} failed")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"op={page} span={label} db={kind} staff={staff} "
                  f"first_s={result['first_s']:.3f} median_s={result['median_s']:.3f} "
                  f"statements={result['statements']}", flush=True)


def run(args) -> None:
    with tempfile.TemporaryDirectory(prefix="congvu_bench_") as tmp:
        folder = Path(tmp)
        store = province.Store(args.db, folder)
        shape = province.write_files(args.staff, folder)
        name = store.name("ranking")
        started = time.perf_counter()
        build(store, name, folder)
        print(f"# {store.kind} staff={args.staff} units={shape['units']} "
              f"built_in={time.perf_counter() - started:.1f}s", flush=True)
        try:
            measure(store.url_of(name), store.kind, args.staff, args.repeat)
        finally:
            if not args.keep:
                store.drop(name)


def add_commands(sub) -> None:
    """`ranking` and its child process, registered by bench/__main__.py."""
    ranking = sub.add_parser("ranking", help="the province ranking page at scale (issue 13)")
    ranking.add_argument("--staff", type=int, default=20000)
    ranking.add_argument("--db", required=True)
    ranking.add_argument("--repeat", type=int, default=5)
    ranking.add_argument("--keep", action="store_true", help="keep the database afterwards")
    again = sub.add_parser("ranking-again", help="measure the pages again on a database kept by --keep")
    again.add_argument("url")
    again.add_argument("--repeat", type=int, default=5)
    kid = sub.add_parser("ranking-child")
    kid.add_argument("url")
    kid.add_argument("page", choices=list(PAGES))
    kid.add_argument("period")
    kid.add_argument("repeat", type=int)


def dispatch(args) -> bool:
    if args.command == "ranking":
        run(args)
    elif args.command == "ranking-again":
        kind = "postgresql" if args.url.startswith("postgresql") else "sqlite"
        measure(args.url, kind, "kept", args.repeat)
    elif args.command == "ranking-child":
        child(args.url, args.page, args.period, args.repeat)
    else:
        return False
    return True
