"""The head's team page and an assessment page load what they show, in few queries: the user
with their grants and unread count in one, the team rows as the shown columns only (no criteria,
no period object or policy, no report text) with the list's length from the counters' query, the
assessment with its objection in one."""
import re
from datetime import timedelta

from sqlalchemy import event, select

from app import clock
from app.evaluation import services
from app.evaluation.forms import assessment_form
from app.evaluation.models import Period
from app.extensions import db
from tests import factories
from tests.evaluation.conftest import fetch, scores_form


def _statements(app, client, url):
    with app.app_context():
        engine = db.engine
    seen = []

    def remember(conn, cursor, statement, *rest):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert response.status_code == 200
    return response, seen


def test_the_team_page_runs_two_queries_and_its_rows_carry_only_what_is_shown(app, client, auth, world,
                                                                              head_a1):
    auth.login_user(head_a1)
    response, seen = _statements(app, client, "/evaluation/team")
    # The user; the picker's months, the month shown and its page with the team's counts by
    # status (one UNION ALL).
    assert len(seen) == 2, seen
    assert len(_statements(app, client, "/evaluation/team?period=2026-03")[1]) == 2
    for missing in ("2031-01", "2026-13", "x"):  # no such month, no such code: 404
        assert client.get(f"/evaluation/team?period={missing}").status_code == 404
        assert client.get(f"/evaluation/team?period={missing}&status=draft").status_code == 404
    _response, filtered = _statements(app, client, "/evaluation/team?status=draft")
    # filtered: the picker's months, the counts first, then the page
    assert len(filtered) == 4 and filtered[1].startswith("SELECT period.id, period.code")
    # The user, their grants and their unread notifications: one query.
    assert "role_grant" in seen[0] and "notification" in seen[0]
    rows = [s for s in seen if "UNION ALL" in s and "FROM assessment" in s]
    assert len(rows) == 1
    assert not any(word in rows[0] for word in ("self_report", "review_comment", "policy", "criterion"))
    assert "SELECT assessment.id, assessment.status" in filtered[-1]
    assert not [s for s in seen if s.startswith("SELECT role_grant") or "count(*)" in s
                or s.startswith("SELECT assessment.status, count")]
    with app.app_context():
        s1 = fetch(app, "S1")
        assert s1.staff.full_name in response.text
        assert f"/evaluation/assessments/{s1.id}/review" in response.text  # reviewable: the link to score


def _team_of_four(app, client, auth, world):
    """S1 (self-assessed) and T0–T2 (not yet) in A1, reviewed by head_a1."""
    with app.app_context():
        for number in range(3):
            factories.create_staff(f"T{number}", "A1")
        services.open_period("2026-03")
    auth.login_user(world.users["staff"])
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/self",
                data=scores_form({c.code: c.max_score for c in s1.criteria}, s1.version, submit="1"))


def test_the_team_list_filters_and_pages_with_totals_from_the_counters(app, client, auth, world, head_a1):
    _team_of_four(app, client, auth, world)
    auth.login_user(head_a1)
    waiting = client.get("/evaluation/team?status=self_submitted").text
    assert "Nguyễn Văn S1" in waiting and "Nguyễn Văn T0" not in waiting and "1 dòng" in waiting
    drafts = client.get("/evaluation/team?status=draft").text
    assert "Nguyễn Văn S1" not in drafts and "Nguyễn Văn T2" in drafts and "3 dòng" in drafts
    assert "4 dòng" in client.get("/evaluation/team?status=overdue").text
    assert "Không có phiếu nào." in client.get("/evaluation/team?status=reviewed").text
    app.config["PAGE_SIZE"] = 2
    try:
        first = client.get("/evaluation/team").text
        second = client.get("/evaluation/team?page=2").text
    finally:
        app.config["PAGE_SIZE"] = 25
    assert "Trang 1 / 2 · 4 dòng" in first and "Trang 2 / 2 · 4 dòng" in second
    for page in (first, second):  # the counters are the whole team's on every page
        assert "<strong>3</strong> chưa tự đánh giá" in page and "<strong>1</strong> chờ thủ trưởng" in page
    beyond = client.get("/evaluation/team?page=3").text
    assert "Không có phiếu nào." in beyond and "<strong>3</strong> chưa tự đánh giá" in beyond
    # Waiting for review first, then by name.
    assert "Nguyễn Văn S1" in first and "Nguyễn Văn T0" in first and "Nguyễn Văn T1" not in first
    assert "Nguyễn Văn T1" in second and "Nguyễn Văn T2" in second and "Nguyễn Văn S1" not in second


def test_the_team_rows_words_and_links_follow_the_language(app, client, auth, world, head_a1):
    # The statuses translated once for the rows, the links built once: each row its own.
    _team_of_four(app, client, auth, world)
    auth.login_user(head_a1)
    s1, t0 = fetch(app, "S1"), fetch(app, "T0")
    words = {"vi": ("Đã tự đánh giá", "Chưa tự đánh giá", "Không được đánh giá"),
             "en": ("Self-assessed", "Not self-assessed", "Not evaluated")}
    for lang, (waiting, draft, _missed) in words.items():
        client.post("/language", data={"lang": lang})
        page = client.get("/evaluation/team").text
        assert f'<span class="status status-self_submitted">{waiting}</span>' in page
        assert f'<span class="status status-draft">{draft}</span>' in page
        for row in (s1, t0):  # open: each row links to its scoring
            assert f'href="/evaluation/assessments/{row.id}/review"' in page
    with app.app_context():
        services.close_period("2026-03")
    for lang, (_waiting, _draft, missed) in words.items():
        client.post("/language", data={"lang": lang})
        page = client.get("/evaluation/team?period=2026-03").text
        assert page.count(f'<span class="status status-not_evaluated">{missed}</span>') == 4
        for row in (s1, t0):  # closed: each row links to its page
            assert f'href="/evaluation/assessments/{row.id}"' in page
        assert "/review" not in page.split("<tbody>")[1]


def _closed_months_after(app, code, count):
    """`count` closed (non-imported) months after `code`, as a month that was run and closed."""
    with app.app_context():
        model = db.session.scalar(select(Period).where(Period.code == code))
        start = model.starts_on
        for number in range(1, count + 1):
            month = (start.month - 1 + number) % 12 + 1
            year = start.year + (start.month - 1 + number) // 12
            day = start.replace(year=year, month=month)
            shift = day - start
            db.session.add(Period(code=f"{year}-{month:02d}", starts_on=day, policy_id=model.policy_id,
                                  status="closed", imported=False, opens_on=model.opens_on + shift,
                                  self_due_on=model.self_due_on + shift,
                                  review_due_on=model.review_due_on + shift,
                                  closes_on=model.closes_on + shift, opened_at=model.opened_at,
                                  closed_at=model.opened_at + timedelta(days=30 * number)))
        db.session.commit()


def test_the_team_page_opens_on_the_open_month_even_behind_the_pickers_list(app, client, auth, world,
                                                                           head_a1):
    # 24 later months closed: the picker's list holds none that is open, so the page asks for
    # the open month (2026-03) rather than showing the latest closed one.
    _closed_months_after(app, "2026-03", 24)
    auth.login_user(head_a1)
    page = client.get("/evaluation/team").text
    assert "Đánh giá cán bộ tháng 2026-03" in page and "Nguyễn Văn S1" in page
    assert '<option value="2028-03" selected>' not in page
    assert "Đánh giá cán bộ tháng 2027-01" in client.get("/evaluation/team?period=2027-01").text
    assert "Đánh giá cán bộ tháng 2026-03" in client.get("/evaluation/team?period=2026-03").text


def test_the_team_page_finds_the_open_month_in_the_pickers_list(app, client, auth, world, head_a1):
    _closed_months_after(app, "2026-03", 23)
    auth.login_user(head_a1)
    response, seen = _statements(app, client, "/evaluation/team")
    assert "Đánh giá cán bộ tháng 2026-03" in response.text and len(seen) == 2
    with app.app_context():
        db.session.execute(Period.__table__.update().where(Period.code == "2026-03").values(status="closed"))
        db.session.commit()
    clock.freeze(clock.today())
    # No month open: the latest one.
    assert "Đánh giá cán bộ tháng 2028-02" in client.get("/evaluation/team").text


def test_an_assessment_page_runs_two_queries(app, client, auth, world):
    s1 = fetch(app, "S1")
    auth.login_user(world.users["staff"])
    response, seen = _statements(app, client, f"/evaluation/assessments/{s1.id}")
    assert len(seen) == 2, seen
    # The assessment with its objection, criteria, period and policy, not the policy's bands.
    assert all(word in seen[1] for word in ("objection", "assessment_criterion", "policy"))
    assert "policy_band" not in seen[1]
    with app.app_context():
        codes = [c.code for c in fetch(app, "S1").criteria]  # in their order
        assert codes == sorted(codes, key=lambda code: response.text.index(f'id="score_{code}"'))


def test_an_assessment_page_reads_no_column_it_left_out(app, client, auth, world):
    """The page loads of the policy, the staff member and the unit only what it shows and what its
    checks read: a draft, a closed month with its objection window and reopen form, seen by its
    owner, its reviewer and hr_admin, each without a further statement."""
    s1 = fetch(app, "S1")
    viewers = {"staff": world.users["staff"], "hr_admin": world.users["hr_admin"]}
    with app.app_context():
        viewers["reviewer"] = factories.create_user([("unit_head", "A1")], staff_code="H1",
                                                    username="head_a1").id
    shown = []
    for when in ("draft", "closed"):
        for name, user in viewers.items():
            auth.login_user(user)
            response, seen = _statements(app, client, f"/evaluation/assessments/{s1.id}")
            assert len(seen) == 2, (when, name, seen[2:])
            shown.append(response.text)
        if when == "draft":  # reviewed (the reviewer's name shown, in the same statement), closed
            with app.app_context():
                from app.auth.models import User

                a = db.session.get(type(s1), s1.id)
                services.review_assessment(a, {c.code: c.max_score for c in a.criteria}, "Tốt.",
                                           a.version, db.session.get(User, viewers["reviewer"]), {})
                services.close_period("2026-03")
                db.session.execute(Period.__table__.update().values(closed_at=clock.utcnow()))
                db.session.commit()
            viewers = {"staff": viewers["staff"], "hr_admin": viewers["hr_admin"]}
    assert "Nguyễn Văn S1 (S1)" in shown[0] and "Đơn vị A1" in shown[2]
    assert "Gửi kiến nghị về kết quả" in shown[3]  # its owner, in the policy's window
    assert "Mở lại đánh giá này" in shown[4]  # hr_admin
    assert "<dt>Người đánh giá</dt><dd>Người dùng head_a1, " in shown[3]


def _inputs(html):
    return re.findall(r'<input[^>]*class="score-input"[^>]*>', html)


def test_the_score_inputs_are_written_as_wtforms_renders_them(app, client, auth, world):
    """The page writes its score inputs out (cheaper than wtforms' widget): the same markup, on
    first display and shown back with errors and the required flag after a refused submission."""
    s1 = fetch(app, "S1")
    auth.login_user(world.users["staff"])
    shown = _inputs(client.get(f"/evaluation/assessments/{s1.id}").text)
    refused = client.post(f"/evaluation/assessments/{s1.id}/self",
                          data=scores_form({"C1": "6", "C2": "4,5"}, s1.version, submit="1"))
    assert refused.status_code == 400
    with app.test_request_context(method="POST", data=scores_form({"C1": "6", "C2": "4,5"}, s1.version,
                                                                  submit="1")):
        a = fetch(app, "S1")
        form = assessment_form(a.criteria, "self", required=True)()
        form.validate()
        fields = [form[f"score_{c.code}"] for c in a.criteria]
        expected = [str(f(type="text", class_="score-input", **(
            {"aria-invalid": "true", "aria-describedby": f.id + "-error"} if f.errors else {})))
            for f in fields]
        blank = assessment_form(a.criteria, "self", required=False)(formdata=None)
        first = [str(blank[f"score_{c.code}"](type="text", class_="score-input")) for c in a.criteria]
    assert _inputs(refused.text) == expected and 'aria-invalid="true"' in expected[0]
    assert " required " in expected[-1] and 'value="4,5"' in expected[1]
    assert shown == first


def _squeezed(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def _self_form_parts(html):
    """The self form's hidden inputs, its report field and its buttons, as the page shows them."""
    start = html.index('action="/evaluation/assessments/')
    form = html[start:html.index("</form>", start)]
    hidden = re.findall(r'<input[^>]*type="hidden"[^>]*>', form)
    report = re.search(r'<div class="field[^"]*">\s*<label for="report">.*?</div>', form, re.S).group(0)
    buttons = re.findall(r'<input[^>]*type="submit"[^>]*>', form)
    return hidden, _squeezed(report), buttons


def test_the_self_forms_other_fields_are_written_as_wtforms_renders_them(app, client, auth, world):
    """hidden_tag(), field(report) and the buttons written out: the same markup as wtforms and the
    `field` macro give, with the CSRF token, in both languages, and with errors after a refused save."""
    s1 = fetch(app, "S1")
    auth.login_user(world.users["staff"])
    long_report = "Báo cáo <b>dài</b> " * 300  # past the 5,000 characters: refused, shown back
    data = scores_form({"C1": "1"}, s1.version, report=long_report, save="1")
    for lang, save_word in (("vi", "Lưu nháp"), ("en", "Save draft")):
        client.post("/language", data={"lang": lang})
        app.config["WTF_CSRF_ENABLED"] = True
        try:
            page = client.get(f"/evaluation/assessments/{s1.id}").text
        finally:
            app.config["WTF_CSRF_ENABLED"] = False
        refused = client.post(f"/evaluation/assessments/{s1.id}/self", data=data)
        assert refused.status_code == 400
        assert lang == "en" or "Không được dài quá 5000 ký tự." in refused.text
        for html, formdata, csrf in ((page, None, True), (refused.text, data, False)):
            hidden, report, buttons = _self_form_parts(html)
            app.config["WTF_CSRF_ENABLED"] = csrf
            try:
                with app.test_request_context(method="POST" if formdata else "GET", data=formdata):
                    from flask import session
                    from flask_babel import refresh

                    session["lang"] = lang
                    refresh()
                    a = fetch(app, "S1")
                    form = assessment_form(a.criteria, "self", required=False)(
                        **({} if formdata else {"formdata": None}))
                    if formdata:
                        form.validate()
                    else:
                        form.version.data = a.version
                    macros = app.jinja_env.get_template("_forms.html").make_module({})
                    expected_hidden = str(form.hidden_tag()).split("\n")
                    expected_report = _squeezed(macros.field(form.report))
                    expected_buttons = [str(form.save(class_="button secondary")),
                                        str(form.submit(class_="button"))]
            finally:
                app.config["WTF_CSRF_ENABLED"] = False
            token = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+')
            assert [token.sub(r"\1…", h) for h in hidden] == [token.sub(r"\1…", h) for h in expected_hidden]
            assert len(hidden) == (2 if csrf else 1)
            assert report == expected_report and buttons == expected_buttons
            assert save_word in buttons[0]
            if formdata:
                assert 'aria-invalid="true"' in report and "has-error" in report
                assert "&lt;b&gt;dài&lt;/b&gt;" in report  # the text shown back, escaped


def test_the_team_list_reads_only_the_teams_units_of_the_month(app, client, auth, world, head_a1):
    """reviewed_in's condition (app/database.py for_dialect) is written as the condition it is, not
    `(…) = 1` on SQLite, which hid the team's units from the planner: the list read every
    assessment of the month through (period, unit) instead of the team's units."""
    with app.app_context():
        engine = db.engine
    seen = []

    def remember(conn, cursor, statement, parameters, *rest):
        if "UNION ALL" in statement:
            seen.append((statement, parameters))

    auth.login_user(head_a1)
    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert client.get("/evaluation/team").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    [(statement, parameters)] = seen
    assert not re.search(r"\)\s*=\s*(1|true)\b", statement)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            plan = " | ".join(row[-1] for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
        assert "ix_assessment_period_unit (period_id=? AND unit_id=?)" in plan, plan


def test_a_head_of_two_units_sees_both_teams(app, client, auth, world):
    """The team statements take one parameter per unit headed (built per number of units)."""
    with app.app_context():
        both = factories.create_user([("unit_head", "A"), ("unit_head", "A1")], username="head_a_a1").id
        one = factories.create_user([("unit_head", "A")], username="head_a").id
    for user, names in ((both, ("Nguyễn Văn S1", "Nguyễn Văn H1")), (one, ("Nguyễn Văn H1",))):
        auth.login_user(user)
        for url in ("/evaluation/team", "/evaluation/team?status=draft", "/evaluation/team?period=2026-03"):
            page = client.get(url).text
            assert all(name in page for name in names), (user, url)
            assert f"{len(names)} dòng" in page
        assert ("Nguyễn Văn S1" in page) == (user == both)


def test_the_team_statement_stays_short_enough_for_psycopg_to_keep_it_parsed(app):
    """psycopg parses a statement's placeholders again on every execution when its text is longer
    than 4,096 characters (psycopg._queries.MAX_CACHED_STATEMENT_LENGTH): the team page's one
    statement is written short (plain NULLs, constant statuses) for heads of up to four units."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects.postgresql import psycopg

    from app.evaluation import queries

    dialect = psycopg.dialect()
    for heads in range(1, 5):
        for by_code in (False, True):
            text = str(queries._team_month_statement(True, by_code, heads).compile(dialect=dialect))
            assert len(text) <= MAX_CACHED_STATEMENT_LENGTH, (heads, by_code, len(text))
            assert "CAST(NULL" not in text and "'self_submitted'" in text
