"""Pages under load: the app under gunicorn (workers = cores) beside a bare Flask app (the floor:
one comparable query or insert per request on the same database), both in the same gunicorn on
one port (the floor under /floor), driven by wrk from a separate process on 127.0.0.1 for a
bounded time, the app's page then the floor's.

The app runs with its production configuration (CSRF on, argon2 at production cost) except:
SECRET_KEY is a random bench key, the rate-limit store is in memory, FORCE_HTTPS=0 (plain HTTP on
loopback) and TRUSTED_PROXIES=1 so that each simulated citizen posting feedback comes from its
own address (X-Forwarded-For, as behind nginx): the per-address limit of 10 a minute stays on.
"""
import html
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import text

from bench import province
from bench.province import ROOT

LUA = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  bad, n = 0, 0
  math.randomseed(os.time() * 100 + tid)
end
request = function()
  n = n + 1
  local headers = {["Cookie"] = COOKIE, ["User-Agent"] = USER_AGENT}
  if METHOD == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", tid, math.random(0, 255), math.random(1, 254))
    local idem = string.format("bench%dx%dx%d", tid, n, math.random(100000000, 999999999))
    return wrk.format("POST", PATH, headers, BODY .. "&idem=" .. idem)
  end
  return wrk.format("GET", PATH, headers)
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "not_200": %d, ' ..
    '"socket_errors": %d}\n', summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), b, e.connect + e.read + e.write + e.timeout))
end
"""


# One browser: the login and wrk's requests send the same User-Agent, as a person's browser does.
# Flask-Login's session protection keys the session on it; a different one marks the session not
# fresh, which changes it, and wrk (which never stores a cookie) would then have every page
# re-sign and re-send the session cookie, as no browser does.
USER_AGENT = "congvu-bench"


# ---------------------------------------------------------------- the floor app

FLOOR_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head><body><h1>{{ title }}</h1>
{% if form %}<form method="post"><input name="username"><input name="password" type="password">
<button>Đăng nhập</button></form>{% endif %}
<table>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
</body></html>"""


def make_both():
    """The app and, under /floor, the bare app, in the same gunicorn (one port, same workers):
    what one page costs against what the floor's page costs, measured one after the other."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from wsgi import app

    _add_layout_page(app)
    return DispatcherMiddleware(app, {"/floor": make_floor()})


LAYOUT_PAGE = """{% extends "base.html" %}{% block title %}Bench{% endblock %}
{% block content %}<h1>Bench</h1>{% endblock %}"""


def _add_layout_page(app):
    """/bench/layout: an empty signed-in page in the app's layout — the session, the signed-in
    user's statement, CSRF, the menu, the translations, no query of its own: what every page of
    the app pays before its own work (op=http-layout, beside the floor's one-query page)."""
    from flask import render_template
    from flask_babel import get_locale

    compiled = {}  # per language, compiled once (in a request: the layout's language is known)

    def layout():
        locale = str(get_locale())
        if locale not in compiled:
            compiled[locale] = app.jinja_env.from_string(LAYOUT_PAGE)
        return render_template(compiled[locale])

    app.add_url_rule("/bench/layout", "bench_layout", layout)


def make_floor():
    """The bare Flask app: each endpoint one query (or insert) and a small template."""
    from flask import Flask, render_template, request
    from sqlalchemy import create_engine

    app = Flask(__name__)
    engine = create_engine(os.environ["BENCH_DB_URL"])
    # Compiled once, as a real app's templates are (render_template_string compiles on every call).
    template = app.jinja_env.from_string(FLOOR_PAGE)

    def page(title, sql=None, form=False, **params):
        rows = []
        if sql is not None:
            with engine.connect() as conn:
                rows = conn.execute(text(sql), params).all()
        return render_template(template, title=title, rows=rows, form=form)

    @app.get("/team")
    def team():  # the head's list: names, status, score of the unit's month
        return page("Team", "SELECT s.full_name, a.status, a.score, a.level FROM assessment a "
                    "JOIN staff s ON s.id = a.staff_id WHERE a.period_id = :p AND a.unit_id = :u "
                    "ORDER BY s.full_name LIMIT 25", p=request.args["period"], u=request.args["unit"])

    @app.get("/assessment/<int:assessment_id>")
    def assessment(assessment_id):  # one assessment with its criteria
        return page("Assessment", "SELECT s.full_name, a.status, c.code, c.name_vi, c.max_score, "
                    "c.self_score, c.head_score FROM assessment a JOIN staff s ON s.id = a.staff_id "
                    "JOIN assessment_criterion c ON c.assessment_id = a.id WHERE a.id = :a "
                    "ORDER BY c.position", a=assessment_id)

    @app.get("/login")
    def login():
        return page("Đăng nhập", form=True)

    @app.get("/")
    def home():  # the user's grants
        return page("Home", "SELECT role, unit_id FROM role_grant WHERE user_id = :u", u=request.args["user"])

    @app.post("/p/<token>")
    def rate(token):  # one rating row, idempotency token from the form
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO rating (target_id, staff_id, unit_id, period, rating, comment, comment_hidden, "
                "source, idempotency_token, created_at) "
                "SELECT id, staff_id, unit_id, '2026-11', :r, '', FALSE, 'qr', :i, CURRENT_TIMESTAMP "
                "FROM feedback_target WHERE token = :t"),
                {"r": request.form["rating"], "i": request.form["idem"], "t": token})
        return page("Cảm ơn")

    return app


# ---------------------------------------------------------------- driving

def _request(url, data=None, cookie=None):
    """(status, body, set-cookie values) without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None,
                                 headers={"User-Agent": USER_AGENT})
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with opener.open(req, timeout=30) as resp:
            status, body, headers = resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as exc:
        status, body, headers = exc.code, exc.read().decode(), exc.headers
    cookies = [c.split(";")[0] for c in headers.get_all("Set-Cookie") or []]
    return status, body, cookies


def _csrf(body):
    return html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1))


def login(base, username):
    """Sign in through the real login form; the session cookie."""
    _status, body, cookies = _request(base + "/login")
    status, _body, cookies = _request(base + "/login", {"csrf_token": _csrf(body), "username": username,
                                                        "password": province.PASSWORD}, "; ".join(cookies))
    if status != 302 or not cookies:
        raise SystemExit(f"login of {username} failed ({status})")
    return "; ".join(cookies)


def wrk(url, seconds, connections, method="GET", path="/", cookie="", body=""):
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(f"METHOD = {json.dumps(method)}\nPATH = {json.dumps(path)}\n"
                      f"COOKIE = {json.dumps(cookie)}\nBODY = {json.dumps(body)}\n"
                      f"USER_AGENT = {json.dumps(USER_AGENT)}\n" + LUA)
    done = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
                           "--timeout", "10s", "-s", str(script), url],
                          capture_output=True, text=True, check=True)
    script.unlink()
    result = json.loads(done.stdout.split("RESULT ", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = result["not_200"] + result["socket_errors"]
    return result


def _serve(target, port, env):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(os.cpu_count() or 2), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", target], cwd=ROOT, env=env)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return process
        except OSError:  # refused, or accepted by the master before a worker is ready
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"{target} did not start on port {port}")


DEMO_TEAM = 30  # the team page at demo size: a head with 30 people in the open month


def grow_team(conn, size: int = DEMO_TEAM) -> None:
    """The demo's teams are a handful of people: the largest one in the open month grows to
    `size`, each newcomer a copy (status, scores, criteria) of one of its members in turn."""
    period = conn.execute(text(
        "SELECT id FROM period WHERE status = 'open' ORDER BY starts_on DESC")).scalar()
    unit, members = conn.execute(text(
        "SELECT a.unit_id, COUNT(*) FROM assessment a WHERE a.period_id = :p "
        "AND a.unit_id IN (SELECT s.unit_id FROM staff s JOIN role_grant g ON g.unit_id = s.unit_id "
        "AND g.role = 'unit_head' WHERE s.is_head) "
        "GROUP BY a.unit_id ORDER BY COUNT(*) DESC, a.unit_id LIMIT 1"), {"p": period}).one()
    missing = size - members
    if missing <= 0:
        return
    conn.execute(text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :k) "
        "INSERT INTO staff (code, full_name, unit_id, category, position, is_head, front_desk, "
        "start_date, active, search) "
        "SELECT 'BENCH-' || i, 'Nguyễn Văn Thử ' || i, :u, 'cong_chuc', 'Chuyên viên', FALSE, FALSE, "
        "'2020-01-01', TRUE, 'bench-' || i || ' nguyen van thu ' || i FROM n"),
        {"k": missing, "u": unit})
    conn.execute(text("INSERT INTO staff_assignment (staff_id, unit_id, start_date) "
                      "SELECT id, unit_id, start_date FROM staff WHERE code LIKE 'BENCH-%'"))
    templates = ("SELECT a.*, ROW_NUMBER() OVER (ORDER BY a.id) - 1 AS r, COUNT(*) OVER () AS k "
                 "FROM assessment a WHERE a.period_id = :p AND a.unit_id = :u AND NOT a.is_head")
    newcomers = "SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS r FROM staff WHERE code LIKE 'BENCH-%'"
    conn.execute(text(
        f"WITH t AS ({templates}), s AS ({newcomers}) "
        "INSERT INTO assessment (period_id, staff_id, unit_id, framework_id, is_head, status, self_report, "
        "self_total, self_submitted_at, reviewer_id, reviewed_at, review_comment, reviewed_without_self, "
        "score, level, imported, reopened, version) "
        "SELECT t.period_id, s.id, t.unit_id, t.framework_id, FALSE, t.status, t.self_report, t.self_total, "
        "t.self_submitted_at, t.reviewer_id, t.reviewed_at, t.review_comment, t.reviewed_without_self, "
        "t.score, t.level, FALSE, FALSE, 1 FROM s JOIN t ON t.r = s.r % t.k"), {"p": period, "u": unit})
    conn.execute(text(
        f"WITH t AS ({templates}), s AS ({newcomers}) "
        "INSERT INTO assessment_criterion (assessment_id, self_score, head_score, suggested_score, "
        "suggestion_note, position, code, group_code, name_vi, name_en, max_score, auto_source, auto_param) "
        "SELECT a.id, c.self_score, c.head_score, c.suggested_score, c.suggestion_note, c.position, c.code, "
        "c.group_code, c.name_vi, c.name_en, c.max_score, c.auto_source, c.auto_param "
        "FROM s JOIN t ON t.r = s.r % t.k JOIN assessment a ON a.staff_id = s.id AND a.period_id = :p "
        "JOIN assessment_criterion c ON c.assessment_id = t.id"), {"p": period, "u": unit})


def prepare(store: province.Store, name: str) -> str:
    url = store.url_of(name)
    store.create(name)
    province.migrate(url)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"], cwd=ROOT,
                          env=province.app_env(url), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"seed-demo failed: {done.stderr[-3000:]}")
    engine = store.engine(name)
    with engine.begin() as conn:
        grow_team(conn)
        province.analyze(conn)
    engine.dispose()
    return url


def prepare_province(store: province.Store, name: str, staff: int, workdir: Path) -> str:
    """A generated province of `staff` people (bench run's builder) with 2026-01 open and mostly
    reviewed: the team page of one unit inside a province of that size."""
    province.write_files(staff, workdir)
    province.build_units(store, name, workdir)
    province.build_history(store, name, workdir)
    province.build_opened(store, name)
    return store.url_of(name)


def main(args) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    workdir = Path(tempfile.mkdtemp(prefix="congvu_bench_http_"))
    store = province.Store(args.db, workdir)
    name = store.name("http")
    started = time.perf_counter()
    url = prepare_province(store, name, args.province, workdir) if args.province else prepare(store, name)
    engine = store.engine(name)
    with engine.connect() as conn:
        period = conn.execute(text(
            "SELECT id FROM period WHERE status = 'open' ORDER BY starts_on DESC")).scalar()
        team = ("(SELECT COUNT(*) FROM assessment a WHERE a.period_id = :p AND a.unit_id = s.unit_id)")
        # The head of the largest team of the demo (grown to DEMO_TEAM), or in a province the team closest to
        # args.team people (an account signed in with its password).
        head = conn.execute(text(
            "SELECT u.id, u.username, s.unit_id FROM user_account u JOIN staff s ON s.id = u.staff_id "
            "JOIN role_grant g ON g.user_id = u.id AND g.role = 'unit_head' AND g.unit_id = s.unit_id "
            f"WHERE s.is_head ORDER BY {f'ABS({team} - :n)' if args.province else f'{team} DESC'}, u.id "
            "LIMIT 1"), {"p": period, "n": args.team}).one()
        own, own_username = conn.execute(text(
            "SELECT a.id, u.username FROM assessment a JOIN user_account u ON u.staff_id = a.staff_id "
            "JOIN staff s ON s.id = a.staff_id "
            "WHERE a.period_id = :p AND (u.username = 'canbo' OR (:province AND s.unit_id = :u "
            "AND NOT s.is_head)) ORDER BY u.id LIMIT 1"),
            {"p": period, "province": bool(args.province), "u": head.unit_id}).one()
        token = conn.execute(text("SELECT token FROM feedback_target WHERE active AND staff_id IS NOT NULL "
                                  "ORDER BY id LIMIT 1")).scalar()
        team_size = conn.execute(text(
            "SELECT COUNT(*) FROM assessment WHERE period_id = :p AND unit_id = :u"),
            {"p": period, "u": head.unit_id}).scalar()
    engine.dispose()
    size = f"province-{args.province}" if args.province else "demo"
    port = args.port
    env = {**province.app_env(url), "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "RATELIMIT_STORAGE_URI": "memory://", "FORCE_HTTPS": "0", "TRUSTED_PROXIES": "1"}
    servers, lines = [], []
    try:
        servers.append(_serve("bench.http:make_both()", port, {**env, "BENCH_DB_URL": url}))
        base = f"http://127.0.0.1:{port}"
        head_cookie = login(base, head.username)
        staff_cookie = login(base, own_username)
        feedback_body, form_cookie = "", []
        if token is not None:
            _s, body, form_cookie = _request(f"{base}/p/{token}")
            feedback_body = f"csrf_token={urllib.parse.quote(_csrf(body))}&rating=satisfied"
        pages = [
            ("team", dict(path="/evaluation/team", cookie=head_cookie),
             dict(path=f"/team?period={period}&unit={head.unit_id}")),
            ("assessment", dict(path=f"/evaluation/assessments/{own}", cookie=staff_cookie),
             dict(path=f"/assessment/{own}")),
            ("feedback-post", dict(method="POST", path=f"/p/{token}", cookie="; ".join(form_cookie),
                                   body=feedback_body),
             dict(method="POST", path=f"/p/{token}", body="rating=satisfied")),
            ("login", dict(path="/login"), dict(path="/login")),
            ("home", dict(path="/", cookie=head_cookie), dict(path=f"/?user={head.id}")),
            ("layout", dict(path="/bench/layout", cookie=head_cookie), dict(path=f"/?user={head.id}")),
        ]
        wanted = set(args.pages.split(",")) if args.pages else {p for p, _a, _f in pages}
        if token is None:
            wanted.discard("feedback-post")
        for page, app_request, floor_request in [p for p in pages if p[0] in wanted]:
            app_run = wrk(base, args.seconds, args.connections, **app_request)
            floor_run = wrk(base, args.seconds, args.connections,
                            **{**floor_request, "path": "/floor" + floor_request["path"]})
            ratio = floor_run["rps"] / app_run["rps"] if app_run["rps"] else None
            print(f"op=http-{page} db={store.kind} size={size} team={team_size} rps={app_run['rps']:.1f} "
                  f"p50_ms={app_run['p50_us'] / 1000:.1f} "
                  f"p95_ms={app_run['p95_us'] / 1000:.1f} errors={app_run['errors']} "
                  f"floor_rps={floor_run['rps']:.1f} ratio={'NA' if ratio is None else f'{ratio:.2f}'}",
                  flush=True)
            lines.append({"page": page, "app": app_run, "floor": floor_run, "ratio": ratio,
                          "floor_errors": floor_run["errors"]})
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        store.drop(name)
        shutil.rmtree(workdir, ignore_errors=True)
    from bench.__main__ import RESULTS

    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = RESULTS / f"http-{store.kind}-{size}-{stamp}.json"
    out.write_text(json.dumps({"db": store.kind, "size": size, "team_size": team_size,
                               "seconds": args.seconds, "connections": args.connections,
                               "workers": os.cpu_count(),
                               "total_s": time.perf_counter() - started, "pages": lines}, indent=1))
    print(f"# wrote {out.relative_to(ROOT)} (team of {team_size}) in {time.perf_counter() - started:.1f}s")
