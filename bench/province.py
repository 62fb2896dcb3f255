"""A realistic province for N staff: the CSV files, the databases (SQLite files or PostgreSQL
databases named congvu_bench*), and the history built set-wise (INSERT … SELECT).

Timeline: closed months 2024-01 … 2025-12 (24 months), annual results of 2024; the ops import
2023-12 (results from before the system), open and close 2026-01, classify 2025, flag 2025,
and the work results ledger of 2025-12 (three tasks per person).
"""
import calendar
import csv
import os
import random
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app.text import fold  # the floor's search key on SQLite, which cannot fold accents in SQL

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "CongVu@2026-demo"
HISTORY = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(24)]
IMPORT_MONTH, OPEN_MONTH, YEAR = "2023-12", "2026-01", 2025
TASKS_MONTH = "2025-12"  # the work results ledger: 3 tasks per person due that month
DISCIPLINE_FORMS = ["khien_trach", "canh_cao", "ha_bac_luong", "giang_chuc", "cach_chuc",
                    "buoc_thoi_viec"]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thị", "Thu", "Ngọc", "Thanh", "Bích"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Anh",
         "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Thảo"]
HEAD = {"other": ("Chủ tịch UBND tỉnh", "can_bo"), "department": ("Giám đốc Sở", "cong_chuc"),
        "district": ("Chủ tịch UBND huyện", "can_bo"), "commune": ("Chủ tịch UBND xã", "can_bo"),
        "division": ("Trưởng phòng", "cong_chuc"), "one_stop_centre": ("Trưởng bộ phận Một cửa", "cong_chuc"),
        "public_service_unit": ("Giám đốc Trung tâm", "vien_chuc")}
TITLES = [("Chuyên viên", "cong_chuc"), ("Chuyên viên chính", "cong_chuc"), ("Phó trưởng phòng", "cong_chuc"),
          ("Viên chức", "vien_chuc"), ("Viên chức", "vien_chuc"), ("Nhân viên", "hop_dong"),
          ("Phó Chủ tịch", "can_bo")]


# ---------------------------------------------------------------- the files

def write_files(staff: int, folder: Path, seed: int = 14) -> dict:
    """units.csv, staff.csv and results.csv (one more month for everyone) in `folder`."""
    rng = random.Random(seed)
    n_units = max(20, staff // 100)
    units = [("P", "Ủy ban nhân dân tỉnh Mẫu", "", "other")]
    level2 = max(4, n_units // 25)
    for i in range(level2):
        kind = "department" if i % 2 == 0 else "district"
        units.append((f"L2-{i:04d}", f"{'Sở' if kind == 'department' else 'Huyện'} số {i}", "P", kind))
    rest = n_units - 1 - level2
    level4 = rest // 8
    communes = []
    for j in range(rest - level4):
        parent = units[1 + j % level2]
        kinds = (["division", "division", "public_service_unit"] if parent[3] == "department"
                 else ["commune", "commune", "division", "one_stop_centre"])
        kind = kinds[(j // level2) % len(kinds)]
        units.append((f"L3-{j:05d}", f"Đơn vị {kind} {j}", parent[0], kind))
        if kind == "commune":
            communes.append(units[-1][0])
    for k in range(level4):
        parent = communes[k % len(communes)]
        units.append((f"L4-{k:05d}", f"Bộ phận Một cửa xã {k}", parent, "one_stop_centre"))
    with open(folder / "units.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "parent_code", "kind"])
        writer.writerows(units)

    weights = [0.3 if u[3] == "other" else rng.uniform(0.4, 1.6) for u in units]
    scale = (staff - 2 * len(units)) / sum(weights)
    sizes = [2 + int(w * scale) for w in weights]
    for i in range(staff - sum(sizes)):  # exactly `staff` rows, the remainder spread evenly
        sizes[i % len(sizes)] += 1
    front = emails = 0
    with open(folder / "staff.csv", "w", newline="", encoding="utf-8") as handle, \
            open(folder / "results.csv", "w", newline="", encoding="utf-8") as results:
        writer, scores = csv.writer(handle), csv.writer(results)
        writer.writerow(["code", "full_name", "unit_code", "category", "position", "is_head",
                         "front_desk", "email", "start_date"])
        scores.writerow(["staff_code", "period", "score"])
        number = 0
        for (code, _name, _parent, kind), size in zip(units, sizes, strict=True):
            for k in range(size):
                number += 1
                staff_code = f"CB{number:07d}"
                title, category = HEAD[kind] if k == 0 else rng.choice(TITLES)
                desk = int(k > 0 and kind == "one_stop_centre" and rng.random() < 0.4)
                mail = f"{staff_code.lower()}@tinhmau.gov.vn" if rng.random() < 0.6 else ""
                front, emails = front + desk, emails + bool(mail)
                started = date.fromordinal(rng.randint(date(1990, 1, 1).toordinal(),
                                                       date(2023, 6, 30).toordinal()))
                name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                writer.writerow([staff_code, name, code, category, title, int(k == 0), desk, mail,
                                 started.isoformat()])
                scores.writerow([staff_code, IMPORT_MONTH, f"{rng.randint(300, 1000) / 10:.1f}"])
    return {"units": len(units), "staff": staff, "front_desk": front, "with_email": emails,
            "largest_unit": max(sizes)}


# ---------------------------------------------------------------- the databases

class Store:
    """Named databases next to the one of `url`: files for SQLite, databases for PostgreSQL."""

    def __init__(self, url: str, workdir: Path):
        self.url = url
        self.kind = "postgresql" if url.startswith("postgresql") else "sqlite"
        parts = urlsplit(url)
        if self.kind == "postgresql":
            self.prefix = parts.path.lstrip("/")
            if not self.prefix.startswith("congvu_bench"):
                raise SystemExit("PostgreSQL database names must start with congvu_bench")
            if parts.hostname not in ("127.0.0.1", "localhost"):
                raise SystemExit("the benchmark runs against 127.0.0.1 only")
            self._admin = urlunsplit(parts._replace(path="/postgres"))
        else:
            self.folder = Path(parts.path[1:]).parent if parts.path not in ("", "/") else workdir
            self.prefix = Path(parts.path).stem if parts.path not in ("", "/") else "congvu_bench"
            self.folder.mkdir(parents=True, exist_ok=True)

    def name(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"

    def url_of(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / (name + '.db')}"
        return urlunsplit(urlsplit(self.url)._replace(path="/" + name))

    def _admin_run(self, sql: str) -> None:
        engine = create_engine(self._admin, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def drop(self, name: str) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.folder / name) + ".db" + suffix).unlink(missing_ok=True)
        else:
            self._admin_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create(self, name: str) -> None:
        self.drop(name)
        if self.kind == "postgresql":
            self._admin_run(f'CREATE DATABASE "{name}"')

    def copy(self, source: str, name: str) -> None:
        self.drop(name)
        if self.kind == "sqlite":
            shutil.copyfile(self.folder / (source + ".db"), self.folder / (name + ".db"))
        else:
            self._admin_run(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')

    def engine(self, name: str):
        return create_engine(self.url_of(name), poolclass=NullPool)


def app_env(url: str, **extra: str) -> dict:
    return {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **extra}


def migrate(url: str) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                          env=app_env(url), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"migration failed: {done.stderr[-3000:]}")


# ---------------------------------------------------------------- SQL shared by history and floors

class Sql:
    """The few spellings that differ between the two databases."""

    def __init__(self, kind: str):
        self.pg = kind == "postgresql"

    def day(self, value) -> str:
        return f"DATE '{value}'" if self.pg else f"'{value}'"

    def cast_date(self, column: str) -> str:
        return f"CAST({column} AS DATE)" if self.pg else column

    def tenths(self, column: str) -> str:
        kind = "NUMERIC" if self.pg else "REAL"
        return f"CAST(ROUND(CAST({column} AS {kind}) * 10) AS INTEGER)"

    def json(self, param: str) -> str:
        return f"CAST({param} AS JSON)" if self.pg else param


def analyze(conn) -> None:
    conn.execute(text("ANALYZE"))


def load_csv(conn, sql: Sql, table: str, columns: list[str], path: Path, extra=None) -> None:
    """A temporary staging table of text columns (with the file's line number) filled from the
    file: COPY on PostgreSQL, executemany on SQLite. `extra` (SQLite): (column, fn(row) → the row
    with that column's value added), computed in the load loop."""
    names = [*columns, extra[0]] if extra else columns
    cols = ", ".join(f"{c} TEXT" for c in names)
    if sql.pg:
        conn.execute(text(f"CREATE TEMPORARY TABLE {table} (line SERIAL, {cols})"))
        cursor = conn.connection.driver_connection.cursor()
        with open(path, "rb") as handle, cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    else:
        conn.execute(text(f"CREATE TEMPORARY TABLE {table} (line INTEGER PRIMARY KEY, {cols})"))
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            marks = ", ".join("?" * len(names))
            conn.connection.driver_connection.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                map(extra[1], reader) if extra else reader)


def insert_units(conn, folder: Path) -> None:
    with open(folder / "units.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = {row["code"]: i for i, row in enumerate(rows, start=1)}
    paths = {}
    for row in rows:  # parents come first in the generated file
        parent = row["parent_code"]
        paths[row["code"]] = (paths[parent] if parent else "/") + f"{ids[row['code']]}/"
    conn.execute(text("INSERT INTO unit (id, code, name, parent_id, kind, path) "
                      "VALUES (:id, :code, :name, :parent_id, :kind, :path)"),
                 [{"id": ids[r["code"]], "code": r["code"], "name": r["name"],
                   "parent_id": ids.get(r["parent_code"]), "kind": r["kind"], "path": paths[r["code"]]}
                  for r in rows])
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT setval(pg_get_serial_sequence('unit', 'id'), (SELECT max(id) FROM unit))"))


STAFF_COLUMNS = ["code", "full_name", "unit_code", "category", "position", "is_head", "front_desk",
                 "email", "start_date"]


def floor_import_staff(conn, sql: Sql, folder: Path) -> None:
    """The staff file into the staff table and their first assignments: one load, two INSERTs.
    The search key (`org.models.search_key`: the code and the name folded) is written too, by the
    app's `fold` once per distinct name (neither database folds accents in plain SQL; PostgreSQL's
    TRANSLATE over the accented letters took 10 s at 200,000): on PostgreSQL the distinct names
    are read back after the COPY and joined from a second table, on SQLite folded in the load loop."""
    if sql.pg:
        load_csv(conn, sql, "staging_staff", STAFF_COLUMNS, folder / "staff.csv")
        names = conn.execute(text("SELECT DISTINCT full_name FROM staging_staff")).scalars().all()
        conn.execute(text("CREATE TEMPORARY TABLE staging_names (name TEXT PRIMARY KEY, folded TEXT)"))
        with conn.connection.driver_connection.cursor().copy(
                "COPY staging_names (name, folded) FROM STDIN") as copy:
            for name in names:
                copy.write_row((name, fold(name)))
        search = "SUBSTR(LOWER(g.code) || ' ' || n.folded, 1, 320)"
        join = "JOIN staging_names n ON n.name = g.full_name"
    else:
        folded: dict[str, str] = {}

        def with_search(row: list[str]) -> list[str]:
            name = row[1]
            key = folded.get(name)
            if key is None:
                key = folded[name] = fold(name)
            return [*row, f"{row[0].lower()} {key}"[:320]]

        load_csv(conn, sql, "staging_staff", STAFF_COLUMNS, folder / "staff.csv",
                 extra=("search", with_search))
        search, join = "g.search", ""
    conn.execute(text(f"""
        INSERT INTO staff (code, full_name, unit_id, category, position, is_head, front_desk, email,
                           start_date, active, search)
        SELECT g.code, g.full_name, u.id, g.category, g.position, g.is_head = '1', g.front_desk = '1',
               NULLIF(g.email, ''), {sql.cast_date('g.start_date')}, TRUE, {search}
        FROM staging_staff g JOIN unit u ON u.code = g.unit_code {join} ORDER BY g.line"""))
    conn.execute(text("INSERT INTO staff_assignment (staff_id, unit_id, start_date) "
                      "SELECT id, unit_id, start_date FROM staff"))


def bands(conn, day: date) -> tuple[dict, list[tuple[str, int]]]:
    policy = conn.execute(text(
        "SELECT id, min_months, consecutive_years, discipline_min_form FROM policy "
        "WHERE effective_from <= :d ORDER BY effective_from DESC LIMIT 1"), {"d": day}).mappings().one()
    rows = conn.execute(text("SELECT level, min_score FROM policy_band WHERE policy_id = :p "
                             "ORDER BY min_score DESC"), {"p": policy["id"]}).all()
    return dict(policy), [(level, int(low)) for level, low in rows]


def level_case(score: str, levels: list[tuple[str, int]], per: str = "1") -> str:
    """CASE giving the level of a score in tenths (or of a sum of `per` months), exactly."""
    whens = " ".join(f"WHEN {score} >= {low} * {per} THEN '{level}'" for level, low in levels[:-1])
    return f"CASE {whens} ELSE '{levels[-1][0]}' END"


def floor_classify(conn, sql: Sql, year: int) -> None:
    """Delete and recompute the year's results: one DELETE, one INSERT … SELECT."""
    policy, levels = bands(conn, date(year, 12, 31))
    start, end = sql.day(date(year, 1, 1)), sql.day(date(year, 12, 31))
    lightest = DISCIPLINE_FORMS.index(policy["discipline_min_form"])
    forms = ", ".join(f"'{f}'" for f in DISCIPLINE_FORMS[lightest:])
    months = " UNION ALL ".join(
        f"SELECT {sql.day(date(year, m, 1))} AS month_start, "
        f"{sql.day(date(year, m, calendar.monthrange(year, m)[1]))} AS month_end"
        for m in range(1, 13))
    conn.execute(text(f"""
        DELETE FROM annual_result WHERE year = {year} AND NOT imported
          AND unit_id NOT IN (SELECT unit_id FROM annual_unit_year WHERE year = {year})"""))
    n, m = "t.n", "t.m"
    classified = f"({n} >= 1 AND {n} + {m} >= {policy['min_months']})"
    # One aggregate per person over the closed months, the maternity months and the discipline,
    # joined to staff once (the plan cannot nest a loop over a one-row guess).
    conn.execute(text(f"""
        WITH months AS ({months}),
        tally AS (
            SELECT staff_id, SUM(n) AS n, SUM(total) AS total, SUM(m) AS m, MAX(d) AS d FROM (
                SELECT a.staff_id, 1 AS n, a.score AS total, 0 AS m, 0 AS d
                FROM assessment a JOIN period p ON p.id = a.period_id
                WHERE p.starts_on BETWEEN {start} AND {end} AND a.status = 'closed' AND a.score IS NOT NULL
                UNION ALL
                SELECT l.staff_id, 0, NULL, COUNT(DISTINCT mm.month_start), 0
                FROM leave_record l
                JOIN months mm ON l.start_date <= mm.month_end AND l.end_date >= mm.month_start
                WHERE l.kind = 'maternity' AND NOT EXISTS (
                    SELECT 1 FROM assessment a JOIN period p ON p.id = a.period_id
                    WHERE a.staff_id = l.staff_id AND p.starts_on = mm.month_start
                      AND a.status = 'closed' AND a.score IS NOT NULL)
                GROUP BY l.staff_id
                UNION ALL
                SELECT staff_id, 0, NULL, 0, 1 FROM disciplinary_decision
                WHERE decision_date BETWEEN {start} AND {end} AND form IN ({forms})) r
            GROUP BY staff_id)
        INSERT INTO annual_result (staff_id, year, unit_id, policy_id, months, maternity_months,
                                   score_sum, level, reason, imported, computed_at)
        SELECT s.id, {year}, s.unit_id, {policy['id']}, {n}, {m}, t.total,
               CASE WHEN NOT {classified} THEN NULL WHEN t.d = 1 THEN '{levels[-1][0]}'
                    ELSE {level_case('t.total', levels, 't.n')} END,
               CASE WHEN NOT {classified} THEN 'insufficient_months'
                    WHEN t.d = 1 THEN 'disciplined' ELSE 'score' END,
               FALSE, CURRENT_TIMESTAMP
        FROM staff s JOIN tally t ON t.staff_id = s.id
        WHERE t.n >= 1 OR t.m >= 1
        ON CONFLICT (staff_id, year) DO NOTHING"""))


def floor_open(conn, sql: Sql, code: str) -> int:
    """The period row, one INSERT … SELECT of assessments, one of their criteria."""
    start = date(int(code[:4]), int(code[5:]), 1)
    policy, _levels = bands(conn, start)
    conn.execute(text(
        "INSERT INTO period (code, starts_on, policy_id, status, imported, opened_at) "
        f"VALUES (:code, {sql.day(start)}, :policy, 'open', FALSE, CURRENT_TIMESTAMP)"),
        {"code": code, "policy": policy["id"]})
    period_id = conn.execute(text("SELECT id FROM period WHERE code = :c"), {"c": code}).scalar_one()
    conn.execute(text(f"""
        INSERT INTO assessment (period_id, staff_id, unit_id, framework_id, is_head, status, self_report,
                                review_comment, reviewed_without_self, imported, reopened, version)
        SELECT {period_id}, s.id, s.unit_id, f.framework_id, s.is_head, 'draft', '', '', FALSE, FALSE,
               FALSE, 1
        FROM staff s JOIN (
            SELECT category, for_heads, framework_id FROM (
                SELECT fc.category, fw.for_heads, fw.id AS framework_id,
                       ROW_NUMBER() OVER (PARTITION BY fc.category, fw.for_heads
                                          ORDER BY fw.effective_from DESC, fw.id DESC) AS rn
                FROM framework fw JOIN framework_category fc ON fc.framework_id = fw.id
                WHERE fw.enabled AND fw.effective_from <= {sql.day(start)}) ranked
            WHERE rn = 1) f ON f.category = s.category AND f.for_heads = s.is_head
        WHERE s.active"""))
    conn.execute(text(f"""
        INSERT INTO assessment_criterion (assessment_id, position, code, group_code, name_vi, name_en,
                                          max_score, auto_source, auto_param)
        SELECT a.id, c.position, c.code, c.group_code, c.name_vi, c.name_en, c.max_score, c.auto_source,
               c.auto_param
        FROM assessment a JOIN framework_criterion c ON c.framework_id = a.framework_id
        WHERE a.period_id = {period_id}"""))
    return period_id


# ---------------------------------------------------------------- the province's history

def build_units(store: Store, name: str, folder: Path) -> None:
    store.create(name)
    migrate(store.url_of(name))
    engine = store.engine(name)
    with engine.begin() as conn:
        insert_units(conn, folder)
        analyze(conn)
    engine.dispose()


def build_history(store: Store, name: str, folder: Path) -> None:
    """Staff, accounts, 24 closed months with runs of D, leave, discipline, 2024's results."""
    from argon2 import PasswordHasher

    sql = Sql(store.kind)
    password_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1).hash(PASSWORD)
    engine = store.engine(name)
    with engine.begin() as conn:
        floor_import_staff(conn, sql, folder)
        conn.execute(text("""
            INSERT INTO user_account (username, display_name, email, password_hash, staff_id, active,
                                      locale, session_version, failed_logins, created_at)
            SELECT LOWER(code), full_name, email, :h, id, TRUE, 'vi', 1, 0, CURRENT_TIMESTAMP FROM staff"""),
            {"h": password_hash})
        conn.execute(text("""
            INSERT INTO role_grant (user_id, role, unit_id, granted_at)
            SELECT u.id, 'staff', s.unit_id, CURRENT_TIMESTAMP
            FROM user_account u JOIN staff s ON s.id = u.staff_id
            UNION ALL
            SELECT u.id, 'unit_head', s.unit_id, CURRENT_TIMESTAMP
            FROM user_account u JOIN staff s ON s.id = u.staff_id WHERE s.is_head"""))
        policy, levels = bands(conn, HISTORY[0])
        conn.execute(text(
            "INSERT INTO period (code, starts_on, policy_id, status, imported, opened_at, closed_at) "
            "VALUES (:code, :starts, :p, 'closed', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            [{"code": m.strftime("%Y-%m"), "starts": m if sql.pg else m.isoformat(), "p": policy["id"]}
             for m in HISTORY])
        fw = dict(conn.execute(text("SELECT for_heads, MIN(id) FROM framework WHERE enabled "
                                    "GROUP BY for_heads")).tuples().all())
        # A staff member's kind of year, by id: 2 % rated D every month (a run of D: review
        # cases), 2 % D in 2025 only, 10 % excellent, 1 % on maternity leave Feb–Sep 2025 (no
        # months then), 1 % on unpaid leave Jan–Jul 2025; 1 month in 41 not evaluated.
        h = "((s.id * 7919 + p.id * 104729) % 1000)"
        score = f"""CASE WHEN {h} % 41 = 0 THEN NULL
            WHEN s.id % 50 = 7 OR (s.id % 50 = 8 AND p.starts_on >= {sql.day('2025-01-01')})
                THEN 200 + {h} % 280
            WHEN s.id % 10 = 1 THEN 880 + {h} % 120
            ELSE 480 + ({h} * 7) % 520 END"""
        conn.execute(text(f"""
            INSERT INTO assessment (period_id, staff_id, unit_id, framework_id, is_head, status, self_report,
                                    review_comment, reviewed_without_self, score, level, imported, reopened,
                                    version)
            SELECT period_id, staff_id, unit_id, framework_id, is_head,
                   CASE WHEN score IS NULL THEN 'not_evaluated' ELSE 'closed' END, '', '', FALSE, score,
                   CASE WHEN score IS NULL THEN NULL ELSE {level_case('score', levels)} END, FALSE, FALSE, 2
            FROM (SELECT p.id AS period_id, s.id AS staff_id, s.unit_id, s.is_head,
                         CASE WHEN s.is_head THEN {fw[True]} ELSE {fw[False]} END
                             AS framework_id,
                         {score} AS score
                  FROM staff s CROSS JOIN period p
                  WHERE p.starts_on BETWEEN {sql.day(HISTORY[0])} AND {sql.day(HISTORY[-1])}
                    AND NOT (s.id % 101 = 3
                             AND p.starts_on BETWEEN {sql.day('2025-02-01')} AND {sql.day('2025-09-01')})
                    AND NOT (s.id % 97 = 5
                             AND p.starts_on BETWEEN {sql.day('2025-01-01')} AND {sql.day('2025-07-01')})
                  ) x"""))
        conn.execute(text(f"""
            INSERT INTO leave_record (staff_id, start_date, end_date, kind)
            SELECT id, {sql.day('2025-02-01')}, {sql.day('2025-09-30')}, 'maternity'
            FROM staff WHERE id % 101 = 3
            UNION ALL
            SELECT id, {sql.day('2025-01-01')}, {sql.day('2025-07-31')}, 'unpaid'
            FROM staff WHERE id % 97 = 5"""))
        conn.execute(text(f"""
            INSERT INTO disciplinary_decision (staff_id, decision_date, form, note, created_at)
            SELECT id, {sql.day('2025-06-15')}, 'canh_cao', '', CURRENT_TIMESTAMP
            FROM staff WHERE id % 211 = 5
            UNION ALL
            SELECT id, {sql.day('2024-03-10')}, 'khien_trach', '', CURRENT_TIMESTAMP
            FROM staff WHERE id % 223 = 9"""))
        # The work results ledger of TASKS_MONTH: three tasks each, most accepted, some returned or
        # late (a few of those exempt), some cancelled or still open; coefficients in thousandths.
        conn.execute(text(f"""
            INSERT INTO task (staff_id, unit_id, title, coefficient, quantity, assigned_on, due_on, status,
                              returns, late, exempt_returns, exempt_late, created_at, updated_at)
            SELECT s.id, s.unit_id, 'Nhiệm vụ ' || CAST(k.n AS VARCHAR(2)), 500 + ((s.id + k.n) % 6) * 250,
                   1 + (s.id * k.n) % 3, {sql.day('2025-11-20')}, {sql.day('2025-12-10')},
                   CASE (s.id * 3 + k.n) % 20 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'assigned'
                        WHEN 2 THEN 'submitted' ELSE 'accepted' END,
                   (s.id + k.n) % 4 / 2, (s.id * k.n) % 5 / 3, (s.id + k.n) % 8 / 7, 0,
                   CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM staff s CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) k"""))
        # The closed months' summary, as closing each month would have left it (migration 0014).
        from app.evaluation.services import SUMMARY_INSERT
        conn.execute(SUMMARY_INSERT, {"period_id": None})
        floor_classify(conn, sql, 2024)
        analyze(conn)
    engine.dispose()


def build_opened(store: Store, name: str) -> None:
    """2026-01 opened, then most of it reviewed set-wise (a few self-submitted, the rest draft)."""
    sql = Sql(store.kind)
    engine = store.engine(name)
    with engine.begin() as conn:
        period_id = floor_open(conn, sql, OPEN_MONTH)
        conn.execute(text(f"""
            UPDATE assessment SET status = 'reviewed', score = 400 + (id * 37) % 600,
                   level = CASE WHEN 400 + (id * 37) % 600 >= 900 THEN 'A' WHEN 400 + (id * 37) % 600 >= 700
                                THEN 'B' WHEN 400 + (id * 37) % 600 >= 500 THEN 'C' ELSE 'D' END,
                   version = version + 1
            WHERE period_id = {period_id} AND id % 10 <> 0"""))
        conn.execute(text(f"UPDATE assessment SET status = 'self_submitted', version = version + 1 "
                          f"WHERE period_id = {period_id} AND id % 20 = 0"))
        analyze(conn)
    engine.dispose()


def build_classified(store: Store, name: str) -> None:
    """2025 classified (by the floor's statement), then ANALYZE as autovacuum would."""
    engine = store.engine(name)
    with engine.begin() as conn:
        floor_classify(conn, Sql(store.kind), YEAR)
        analyze(conn)
    engine.dispose()
