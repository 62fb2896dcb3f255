"""The timed operations: each through the app's service in a fresh app context (the code path of
its `flask --app wsgi …` command), and its floor, the same rows by hand-written SQL (or COPY);
each runs in a child process of its own, and a checksum over the rows it produced must match."""
import calendar
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import event, text

from bench import province
from bench.province import IMPORT_MONTH, OPEN_MONTH, ROOT, TASKS_MONTH, YEAR, Sql

RESULT_HEADER = ["staff_code", "period", "assigned", "quantity_pct", "quality_pct", "progress_pct",
                 "t1", "t2", "t3"]

# op: (starting template, app call, floor call)
OPS = {
    "import-staff": "units",
    "import-results": "base",
    "open-period": "base",
    "close-period": "opened",
    "classify-year": "base",
    "classify-year-rerun": "classified",  # re-run with fresh statistics (ANALYZE after a run)
    "flag-reviews": "classified",
    "tasks-results": "base",  # read-only: the output's digest is compared instead of the rows
}
READ_ONLY = {"tasks-results"}


# ---------------------------------------------------------------- in the child

def _streamed(importer, path: Path) -> int:
    """An import fed the open file, as `flask … import-*` does (the file is never read whole)."""
    with open(path, "rb") as handle:
        return importer(handle)


def _app_call(op: str, folder: Path):
    from app.annual import services as annual
    from app.evaluation import services as evaluation
    from app.org import services as org
    from app.reviews import services as reviews

    if op == "import-staff":
        return lambda: _streamed(org.import_staff, folder / "staff.csv")
    if op == "import-results":
        return lambda: _streamed(evaluation.import_results, folder / "results.csv")
    if op == "open-period":
        return lambda: evaluation.open_period(OPEN_MONTH).created
    if op == "close-period":
        return lambda: evaluation.close_period(OPEN_MONTH).closed
    if op in ("classify-year", "classify-year-rerun"):
        return lambda: annual.classify_year(YEAR).classified
    if op == "flag-reviews":
        return lambda: reviews.flag_reviews(YEAR)
    if op == "tasks-results":
        return app_tasks_results
    raise SystemExit(f"unknown op {op}")


def _digest(lines: list[str]) -> dict:
    return {"rows": len(lines) - 1, "digest": hashlib.sha256("\n".join(lines).encode()).hexdigest()}


def app_tasks_results() -> dict:
    """`flask tasks results TASKS_MONTH`: the CSV of the work results ledger, as the command prints
    it, digested as it streams (the lines are never held; the digest is _digest's)."""
    from app.tasks import queries

    digest, lines, held = hashlib.sha256(), 0, ""
    for piece in queries.month_results_csv(TASKS_MONTH):
        digest.update((held + piece[:-1]).encode())  # the last newline is not part of _digest's text
        held = piece[-1]
        lines += piece.count("\n")
    return {"rows": lines - 1, "digest": digest.hexdigest()}


def _half_up(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def floor_tasks_results(conn, sql: Sql) -> dict:
    """The same CSV from one hand-written statement: each assignee's sums over the month's tasks,
    a head's with their unit's non-heads (the policy's head_includes_unit), the framework's T1–T3
    maxima; the few formulas of SPEC §2a in integers."""
    start = date(int(TASKS_MONTH[:4]), int(TASKS_MONTH[5:]), 1)
    end = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    policy = conn.execute(text(
        "SELECT quality_deduction, progress_deduction, head_includes_unit FROM policy "
        "WHERE effective_from <= :d ORDER BY effective_from DESC LIMIT 1"), {"d": start}).one()
    quality_m, progress_m = (int(Decimal(str(value)) * 1000) for value in policy[:2])
    weight = "t.coefficient * t.quantity"

    def factor(count: str, m: int) -> str:
        return f"CASE WHEN 1000 - {m} * ({count}) > 0 THEN 1000 - {m} * ({count}) ELSE 0 END"

    include = "o.is_head" if policy[2] else "FALSE"
    rows = conn.execute(text(f"""
        WITH own AS (
            SELECT t.staff_id, s.code, s.unit_id, s.is_head, s.category,
                   SUM(CASE WHEN t.status <> 'cancelled' THEN {weight} ELSE 0 END) AS assigned,
                   SUM(CASE WHEN t.status = 'accepted' THEN {weight} ELSE 0 END) AS accepted,
                   SUM(CASE WHEN t.status = 'accepted'
                            THEN {weight} * {factor('t.returns - t.exempt_returns', quality_m)}
                            ELSE 0 END) AS quality,
                   SUM(CASE WHEN t.status = 'accepted'
                            THEN {weight} * {factor('t.late - t.exempt_late', progress_m)}
                            ELSE 0 END) AS progress
            FROM task t JOIN staff s ON s.id = t.staff_id
            WHERE t.due_on BETWEEN {sql.day(start)} AND {sql.day(end)}
            GROUP BY t.staff_id, s.code, s.unit_id, s.is_head, s.category),
        members AS (
            SELECT unit_id, SUM(assigned) AS assigned, SUM(accepted) AS accepted,
                   SUM(quality) AS quality, SUM(progress) AS progress
            FROM own WHERE NOT is_head GROUP BY unit_id),
        frameworks AS (
            SELECT category, for_heads, framework_id FROM (
                SELECT fc.category, fw.for_heads, fw.id AS framework_id,
                       ROW_NUMBER() OVER (PARTITION BY fc.category, fw.for_heads
                                          ORDER BY fw.effective_from DESC, fw.id DESC) AS rn
                FROM framework fw JOIN framework_category fc ON fc.framework_id = fw.id
                WHERE fw.enabled AND fw.effective_from <= {sql.day(start)}) ranked
            WHERE rn = 1)
        SELECT o.code,
               o.assigned + CASE WHEN {include} THEN COALESCE(m.assigned, 0) ELSE 0 END,
               o.accepted + CASE WHEN {include} THEN COALESCE(m.accepted, 0) ELSE 0 END,
               o.quality + CASE WHEN {include} THEN COALESCE(m.quality, 0) ELSE 0 END,
               o.progress + CASE WHEN {include} THEN COALESCE(m.progress, 0) ELSE 0 END,
               (SELECT c.max_score FROM framework_criterion c WHERE c.framework_id = f.framework_id
                  AND c.code = 'T1' AND c.auto_source = 'tasks'),
               (SELECT c.max_score FROM framework_criterion c WHERE c.framework_id = f.framework_id
                  AND c.code = 'T2' AND c.auto_source = 'tasks'),
               (SELECT c.max_score FROM framework_criterion c WHERE c.framework_id = f.framework_id
                  AND c.code = 'T3' AND c.auto_source = 'tasks')
        FROM own o LEFT JOIN members m ON m.unit_id = o.unit_id
        LEFT JOIN frameworks f ON f.category = o.category AND f.for_heads = o.is_head
        ORDER BY o.code""")).tuples().all()
    lines = [",".join(RESULT_HEADER)]
    for code, assigned, accepted, quality, progress, *maxima in rows:
        assigned, accepted, quality, progress = (int(v or 0) for v in (assigned, accepted, quality, progress))
        if not assigned:
            lines.append(",".join([code, TASKS_MONTH] + [""] * 7))
            continue
        ratios = [(min(max(accepted, 0), assigned), assigned),
                  (min(max(quality, 0), assigned * 1000), assigned * 1000),
                  (min(max(progress, 0), assigned * 1000), assigned * 1000)]
        cells = [code, TASKS_MONTH, f"{Decimal(assigned) / 1000:.2f}"]
        # Whole numbers formatted by hand (as the app does since it stopped building Decimals).
        cells += [f"{pct // 100}.{pct % 100:02d}" for pct in (_half_up(n * 10000, d) for n, d in ratios)]
        cells += ["" if top is None  # max_score is stored in whole tenths
                  else f"{score // 10}.{score % 10}"
                  for (n, d), top in zip(ratios, maxima, strict=True)
                  for score in [_half_up(n * int(top or 0), d)]]
        lines.append(",".join(cells))
    return _digest(lines)


def floor_import_results(conn, sql: Sql, folder: Path) -> None:
    province.load_csv(conn, sql, "staging_results", ["staff_code", "period", "score"], folder / "results.csv")
    start = f"{IMPORT_MONTH}-01"
    policy, levels = province.bands(conn, province.date.fromisoformat(start))
    conn.execute(text(f"INSERT INTO period (code, starts_on, policy_id, status, imported) "
                      f"VALUES ('{IMPORT_MONTH}', {sql.day(start)}, {policy['id']}, 'closed', TRUE)"))
    month_end = sql.day(f"{IMPORT_MONTH}-31")
    conn.execute(text(f"""
        INSERT INTO assessment (period_id, staff_id, unit_id, is_head, status, score, level, imported,
                                self_report, review_comment, reviewed_without_self, reopened, version)
        SELECT p.id, s.id,
               COALESCE((SELECT a.unit_id FROM staff_assignment a WHERE a.staff_id = s.id
                           AND a.start_date <= {month_end}
                           AND (a.end_date IS NULL OR a.end_date >= p.starts_on)
                         ORDER BY a.start_date DESC LIMIT 1), s.unit_id),
               s.is_head, 'closed', {sql.tenths('g.score')},
               {province.level_case(sql.tenths('g.score'), levels)}, TRUE, '', '', FALSE, FALSE, 1
        FROM staging_results g JOIN staff s ON s.code = g.staff_code JOIN period p ON p.code = g.period
        ORDER BY g.line"""))
    # The month's counts per unit and level for the dashboards, as the app keeps them for a
    # closed month (`evaluation.services.summarise`): every imported row is closed with a score.
    conn.execute(text(f"""
        INSERT INTO assessment_summary (period_id, unit_id, level, assessments, scored, score_tenths,
                                        not_evaluated, waiting)
        SELECT a.period_id, a.unit_id, a.level, COUNT(*), COUNT(*), SUM(a.score), 0, 0
        FROM assessment a WHERE a.period_id = (SELECT id FROM period WHERE code = '{IMPORT_MONTH}')
        GROUP BY a.period_id, a.unit_id, a.level"""))


def floor_close(conn, sql: Sql) -> None:
    period_id = conn.execute(text("SELECT id FROM period WHERE code = :c"), {"c": OPEN_MONTH}).scalar_one()
    conn.execute(text(f"UPDATE assessment SET status = 'closed', version = version + 1 "
                      f"WHERE period_id = {period_id} AND status = 'reviewed'"))
    conn.execute(text(f"UPDATE assessment SET status = 'not_evaluated', version = version + 1 "
                      f"WHERE period_id = {period_id} AND status IN ('draft', 'self_submitted')"))
    conn.execute(text(f"UPDATE period SET status = 'closed', closed_at = CURRENT_TIMESTAMP "
                      f"WHERE id = {period_id}"))
    # The month's counts per unit and level, as the app keeps them for a closed month
    # (`evaluation.services.summarise`).
    conn.execute(text(f"""
        INSERT INTO assessment_summary (period_id, unit_id, level, assessments, scored, score_tenths,
                                        not_evaluated, waiting)
        SELECT period_id, unit_id, level, COUNT(*),
               SUM(CASE WHEN status = 'closed' AND score IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'closed' AND score IS NOT NULL THEN score ELSE 0 END),
               SUM(CASE WHEN status = 'not_evaluated' THEN 1 ELSE 0 END), 0
        FROM assessment WHERE period_id = {period_id} GROUP BY period_id, unit_id, level"""))


def floor_flag(conn, sql: Sql) -> None:
    policy, levels = province.bands(conn, province.date(YEAR, 12, 31))
    span = policy["consecutive_years"]
    conn.execute(text(f"""
        INSERT INTO review_case (staff_id, unit_id, year, previous_year, status, proposed_measure, created_at)
        SELECT s.id, s.unit_id, {YEAR}, {YEAR - 1}, 'open',
               CASE s.category WHEN 'cong_chuc' THEN 'cho_thoi_viec' WHEN 'can_bo' THEN 'mien_nhiem'
                    WHEN 'vien_chuc' THEN 'cham_dut_hop_dong' WHEN 'hop_dong' THEN 'cham_dut_hop_dong'
                    ELSE 'cho_thoi_viec' END, CURRENT_TIMESTAMP
        FROM staff s JOIN (SELECT staff_id FROM annual_result
                           WHERE year BETWEEN {YEAR - span + 1} AND {YEAR} AND level = '{levels[-1][0]}'
                           GROUP BY staff_id HAVING COUNT(*) = {span}) r ON r.staff_id = s.id
        WHERE TRUE ON CONFLICT (staff_id, year) DO NOTHING"""))
    conn.execute(text(f"""
        INSERT INTO review_event (case_id, at, from_status, to_status, note)
        SELECT c.id, CURRENT_TIMESTAMP, NULL, 'open', :note FROM review_case c
        WHERE c.year = {YEAR} AND NOT EXISTS (SELECT 1 FROM review_event e WHERE e.case_id = c.id)"""),
        {"note": f"Mở tự động: {span} năm liên tiếp ở mức thấp nhất."})
    key = f"review_case:{YEAR}"
    conn.execute(text(f"""
        INSERT INTO notification (user_id, kind, params, endpoint, link_args, dedupe_key, email_wanted,
                                  created_at)
        SELECT u.id, 'review_case', {sql.json(':params')}, 'reports.my_assessment', {sql.json(':args')},
               CAST(:key AS VARCHAR(120)),
               TRUE, CURRENT_TIMESTAMP
        FROM user_account u
        WHERE u.active AND u.staff_id IN (SELECT staff_id FROM review_case WHERE year = {YEAR})
        ON CONFLICT (user_id, dedupe_key) DO NOTHING"""),
        {"params": json.dumps({"year": YEAR, "years": span}), "args": "{}", "key": key})


def _floor_call(op: str, conn, sql: Sql, folder: Path):
    if op == "import-staff":
        return lambda: province.floor_import_staff(conn, sql, folder)
    if op == "import-results":
        return lambda: floor_import_results(conn, sql, folder)
    if op == "open-period":
        return lambda: province.floor_open(conn, sql, OPEN_MONTH)
    if op == "close-period":
        return lambda: floor_close(conn, sql)
    if op in ("classify-year", "classify-year-rerun"):
        return lambda: province.floor_classify(conn, sql, YEAR)
    if op == "flag-reviews":
        return lambda: floor_flag(conn, sql)
    if op == "tasks-results":
        return lambda: floor_tasks_results(conn, sql)
    raise SystemExit(f"unknown op {op}")


def peak_rss_mb() -> float:
    """This process's own peak RSS. ru_maxrss of a child started by fork+exec also counts the
    parent's peak at the fork (Linux keeps signal->maxrss across exec), so the benchmark reads
    the peak of the process image (VmHWM), which starts afresh at exec; ru_maxrss is kept in
    the JSON beside it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def explain_writes(engine, out: Path) -> None:
    """Run each INSERT/UPDATE/DELETE of the app as EXPLAIN (ANALYZE, BUFFERS) (PostgreSQL: it
    still executes, so later statements see the same state) and append its plan to `out`."""
    def before(conn, cursor, statement, parameters, context, executemany):
        if (not executemany and "RETURNING" not in statement
                and statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")):
            statement = "EXPLAIN (ANALYZE, BUFFERS) " + statement
        return statement, parameters

    def after(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("EXPLAIN"):
            with open(out, "a") as handle:
                handle.write(statement + "\n" + "\n".join(row[0] for row in cursor.fetchall()) + "\n\n")

    event.listen(engine, "before_cursor_execute", before, retval=True)
    event.listen(engine, "after_cursor_execute", after)


def child(side: str, op: str, url: str, folder: str) -> None:
    """Run one op (side "app" or "floor") on the database at `url`; print a JSON line."""
    statements = [0]

    def count(*_args):
        statements[0] += 1

    folder_path = Path(folder)
    if side == "app":
        from app import clock, create_app
        from app.audit import act_as_system
        from app.extensions import db

        app = create_app()
        with app.app_context():
            act_as_system("bench")
            # The province's story is told as of late January after the year it classifies: the
            # month opened is the current one, whatever day the benchmark runs.
            clock.freeze(date(int(OPEN_MONTH[:4]), int(OPEN_MONTH[5:]), 26))
            db.session.execute(text("SELECT 1"))  # connected before the clock starts, as the floor is
            db.session.rollback()
            event.listen(db.engine, "before_cursor_execute", count)
            if os.environ.get("BENCH_EXPLAIN"):
                explain_writes(db.engine, Path(os.environ["BENCH_EXPLAIN"]))
            call = _app_call(op, folder_path)
            started = time.perf_counter()
            outcome = call()
            seconds = time.perf_counter() - started
    else:
        from sqlalchemy import create_engine

        engine = create_engine(url)
        event.listen(engine, "before_cursor_execute", count)
        with engine.connect() as conn:
            call = _floor_call(op, conn, Sql(engine.dialect.name), folder_path)
            started = time.perf_counter()
            with conn.begin():
                outcome = call()
            seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "statements": statements[0], "peak_rss_mb": peak_rss_mb(),
                      "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "outcome": outcome if isinstance(outcome, int) else None,
                      "digest": outcome.get("digest") if isinstance(outcome, dict) else None,
                      "rows": outcome.get("rows") if isinstance(outcome, dict) else None}))


# ---------------------------------------------------------------- in the parent

# A month's rows of assessment_summary (the dashboards' counts of a closed month).
SUMMARY_CHECK = (
    "SELECT COUNT(*), SUM(m.unit_id * m.assessments), SUM(m.scored), SUM(m.score_tenths * m.unit_id),"
    " SUM(m.not_evaluated), SUM(m.waiting),"
    " SUM(CASE m.level WHEN 'A' THEN 1 WHEN 'B' THEN 10 WHEN 'C' THEN 100 WHEN 'D' THEN 1000 ELSE 10000 END"
    " * m.assessments)"
    " FROM assessment_summary m JOIN period p ON p.id = m.period_id WHERE p.code = '{month}'")

CHECKS = {
    "import-staff": [
        "SELECT COUNT(*), SUM(id * unit_id), SUM(CASE WHEN is_head THEN id ELSE 0 END),"
        " SUM(CASE WHEN front_desk THEN id ELSE 0 END), COUNT(email), SUM(LENGTH(full_name) * id),"
        " MIN(start_date), MAX(start_date), SUM(LENGTH(category) * id), SUM(LENGTH(email)),"
        " SUM(LENGTH(code) * id), SUM(LENGTH(position) * id), SUM(LENGTH(search) * id) FROM staff",
        # Every row's text, digested in order (the search key's folding included).
        "DIGEST SELECT id, code, full_name, position, email, search FROM staff ORDER BY id",
        "SELECT COUNT(*), SUM(a.staff_id * a.unit_id) FROM staff_assignment a"
        " JOIN staff s ON s.id = a.staff_id AND s.unit_id = a.unit_id AND s.start_date = a.start_date"
        " AND a.end_date IS NULL"],
    "import-results": [
        "SELECT COUNT(*), SUM(a.staff_id * a.score), SUM(a.unit_id),"
        " SUM(CASE WHEN a.is_head THEN 1 ELSE 0 END),"
        " SUM(CASE a.level WHEN 'A' THEN 1 WHEN 'B' THEN 10 WHEN 'C' THEN 100 WHEN 'D' THEN 1000 END),"
        " MIN(a.status), MAX(a.status), SUM(CASE WHEN a.imported THEN 1 ELSE 0 END), SUM(a.version)"
        f" FROM assessment a JOIN period p ON p.id = a.period_id WHERE p.code = '{IMPORT_MONTH}'",
        f"SELECT status, imported, starts_on, policy_id FROM period WHERE code = '{IMPORT_MONTH}'",
        SUMMARY_CHECK.format(month=IMPORT_MONTH)],
    "open-period": [
        "SELECT COUNT(*), SUM(a.staff_id), SUM(a.unit_id * a.staff_id), SUM(a.framework_id * a.staff_id),"
        " SUM(CASE WHEN a.is_head THEN 1 ELSE 0 END), MIN(a.status), MAX(a.status), SUM(a.version)"
        f" FROM assessment a JOIN period p ON p.id = a.period_id WHERE p.code = '{OPEN_MONTH}'",
        "SELECT COUNT(*), SUM(c.max_score), SUM(c.position * a.staff_id), SUM(LENGTH(c.code) * a.staff_id)"
        " FROM assessment_criterion c JOIN assessment a ON a.id = c.assessment_id"
        f" JOIN period p ON p.id = a.period_id WHERE p.code = '{OPEN_MONTH}'"],
    "close-period": [
        "SELECT a.status, COUNT(*), SUM(a.version), SUM(a.staff_id)"
        f" FROM assessment a JOIN period p ON p.id = a.period_id WHERE p.code = '{OPEN_MONTH}'"
        " GROUP BY a.status ORDER BY a.status",
        f"SELECT status FROM period WHERE code = '{OPEN_MONTH}'",
        SUMMARY_CHECK.format(month=OPEN_MONTH)],
    "classify-year": [
        "SELECT COUNT(*), SUM(months), SUM(maternity_months), SUM(COALESCE(score_sum, 0)),"
        " SUM(staff_id * unit_id),"
        " SUM(CASE level WHEN 'A' THEN 1 WHEN 'B' THEN 10 WHEN 'C' THEN 100 WHEN 'D' THEN 1000"
        " ELSE 10000 END),"
        " SUM(CASE reason WHEN 'score' THEN 1 WHEN 'disciplined' THEN 1000 ELSE 1000000 END),"
        f" SUM(CASE WHEN imported THEN 1 ELSE 0 END) FROM annual_result WHERE year = {YEAR}"],
    "flag-reviews": [
        "SELECT COUNT(*), SUM(staff_id), SUM(unit_id * staff_id), SUM(LENGTH(proposed_measure) * staff_id),"
        f" MIN(status), MIN(previous_year) FROM review_case WHERE year = {YEAR}",
        "SELECT COUNT(*), SUM(e.case_id) FROM review_event e JOIN review_case c ON c.id = e.case_id"
        f" WHERE c.year = {YEAR}",
        f"SELECT COUNT(*), SUM(user_id) FROM notification WHERE dedupe_key = 'review_case:{YEAR}'"],
}
CHECKS["classify-year-rerun"] = CHECKS["classify-year"]


def checksum(engine, op: str) -> list:
    """Each check's rows as text; a check starting "DIGEST " is the sha256 of its rows, streamed."""
    def rows(conn, sql: str) -> list:
        if not sql.startswith("DIGEST "):
            return [list(map(str, row)) for row in conn.execute(text(sql)).all()]
        digest, count = hashlib.sha256(), 0
        for row in conn.execute(text(sql.removeprefix("DIGEST "))).yield_per(5000):
            digest.update("\x1f".join(map(str, row)).encode() + b"\n")
            count += 1
        return [[str(count), digest.hexdigest()]]

    with engine.connect() as conn:
        return [rows(conn, sql) for sql in CHECKS[op]]


def run_child(side: str, op: str, url: str, folder: Path, timeout: float) -> dict:
    env = province.app_env(url)
    try:
        done = subprocess.run([sys.executable, "-m", "bench", "child", side, op, url, str(folder)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": timeout, "statements": None, "peak_rss_mb": None}
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{side} {op} failed (exit {done.returncode})")
    return {"timed_out": False, **json.loads(done.stdout.strip().splitlines()[-1])}


def explain_op(store: province.Store, op: str, folder: Path, out: Path) -> None:
    """The app's op once more on a copy of its starting state, its writes EXPLAINed into `out`."""
    name = store.name("w_explain")
    store.copy(store.name(OPS[op]), name)
    out.write_text(f"# {op} on {store.kind}, EXPLAIN (ANALYZE, BUFFERS) of the app's writes\n\n")
    env = {**province.app_env(store.url_of(name)), "BENCH_EXPLAIN": str(out)}
    command = [sys.executable, "-m", "bench", "child", "app", op, store.url_of(name), str(folder)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    store.drop(name)
    if done.returncode:
        sys.stderr.write(done.stderr[-3000:])


def time_op(store: province.Store, op: str, folder: Path, timeout: float) -> dict:
    """The app's op and its floor, each on its own copy of the same starting state."""
    template = store.name(OPS[op])
    results, sums = {}, {}
    for side in ("floor", "app"):
        name = store.name(f"w_{side}")
        store.copy(template, name)
        results[side] = run_child(side, op, store.url_of(name), folder, timeout)
        if op in READ_ONLY and not results[side]["timed_out"]:
            sums[side] = [[str(results[side]["rows"]), results[side]["digest"]]]
        elif not results[side]["timed_out"]:
            engine = store.engine(name)
            sums[side] = checksum(engine, op)
            engine.dispose()
        store.drop(name)
    if "app" in sums and sums["app"] != sums["floor"]:
        raise SystemExit(f"ROWS DIFFER for {op}:\n app   {sums['app']}\n floor {sums['floor']}")
    return {"op": op, "app": results["app"], "floor": results["floor"], "checksum": sums.get("floor"),
            "rows_match": "app" in sums}

