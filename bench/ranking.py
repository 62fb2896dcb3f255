"""The province ranking page at scale (issue 13): a province of N staff with 24 closed months
(bench/province.py) plus a satisfaction roll-up for every unit and month, then the page
`/reports/province` as the province's hr_admin sees it — a month and a year, each rendered
whole through the Flask test client in a process of its own — with its time and the number of
SQL statements it sent.

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

CASES = {"month": "2025-12", "year": "2025"}


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
        # The province's hr_admin: the first account, granted over the root unit.
        conn.execute(text("""
            INSERT INTO role_grant (user_id, role, unit_id, granted_at)
            SELECT MIN(u.id), 'hr_admin', (SELECT id FROM unit WHERE parent_id IS NULL ORDER BY id LIMIT 1),
                   CURRENT_TIMESTAMP FROM user_account u"""))
        province.analyze(conn)
    engine.dispose()


def child(url: str, period: str, repeat: int) -> None:
    """Render the page `repeat` times (the first warms the process); print a JSON line."""
    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        user_id = db.session.execute(text("SELECT user_id FROM role_grant WHERE role = 'hr_admin' "
                                          "ORDER BY id LIMIT 1")).scalar_one()
        engine = db.engine
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}.1"
        session["_fresh"] = True
    statements = [0]

    def count(*_args):
        statements[0] += 1

    times, units = [], None
    for _ in range(repeat):
        statements[0] = 0
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(f"/reports/province?period={period}")
        times.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count)
        if response.status_code != 200:
            raise SystemExit(f"/reports/province answered {response.status_code}")
        units = response.text.count('<td class="num">') // 4
    print(json.dumps({"first_s": times[0], "median_s": statistics.median(times[1:] or times),
                      "statements": statements[0], "units_shown": units, "bytes": len(response.data)}))


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
            for label, period in CASES.items():
                done = subprocess.run(
                    [sys.executable, "-m", "bench", "ranking-child", store.url_of(name), period,
                     str(args.repeat)],
                    cwd=ROOT, env=province.app_env(store.url_of(name)), capture_output=True, text=True)
                if done.returncode:
                    sys.stderr.write(done.stderr[-4000:])
                    raise SystemExit(f"province-ranking {label} failed")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                print(f"op=province-ranking span={label} db={store.kind} staff={args.staff} "
                      f"first_s={result['first_s']:.3f} median_s={result['median_s']:.3f} "
                      f"statements={result['statements']}", flush=True)
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
    kid = sub.add_parser("ranking-child")
    kid.add_argument("url")
    kid.add_argument("period")
    kid.add_argument("repeat", type=int)


def dispatch(args) -> bool:
    if args.command == "ranking":
        run(args)
    elif args.command == "ranking-child":
        child(args.url, args.period, args.repeat)
    else:
        return False
    return True
