"""The home page is a work inbox: each role sees what it has to do, with counts and dd/mm/yyyy
deadlines, each item linking straight to where it is done — from a bounded number of queries."""
import re
from datetime import date

from sqlalchemy import event, select

from app import clock
from app.annual import services as annual_services
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment, Objection
from app.extensions import db
from app.feedback import services as feedback_services
from app.org.models import Unit
from app.reviews import services as review_services
from tests import factories
from tests.queries import StatementCounter


def _items(html):
    """{kind: (text, href)} of the inbox."""
    found = {}
    for kind, href, text in re.findall(
            r'data-inbox="([^"]+)">\s*<a href="([^"]+)">([^<]+)</a>', html):
        found.setdefault(kind, []).append((text.strip(), href.replace("&amp;", "&")))
    return found


def test_staff_see_their_self_assessment_with_its_deadline(app, client, auth, world):
    auth.login_user(world.users["staff"])
    page = client.get("/")
    items = _items(page.text)
    assert items["self"] == [("Tự đánh giá tháng 03/2026",
                              f"/evaluation/assessments/{world.assessments['S1']}")]
    assert "hạn 05/04/2026" in page.text or re.search(r"hạn \d\d/04/2026", page.text)
    assert client.get(items["self"][0][1]).status_code == 200
    clock.freeze(date(2026, 4, 20))  # past the deadline: overdue, first
    assert 'class="inbox-item overdue" data-inbox="self"' in client.get("/").text


def test_a_head_sees_reviews_due_and_objections_to_answer(app, client, auth, world):
    auth.login_user(world.users["unit_head_in"])  # head of A: reviews H1, the head of A1
    page = client.get("/")
    items = _items(page.text)
    assert items["reviews"] == [("1 đánh giá cần duyệt (tháng 03/2026)",
                                 "/evaluation/team?period=2026-03")]
    assert client.get(items["reviews"][0][1]).status_code == 200
    assert "objections" not in items
    with app.app_context():
        db.session.add(Objection(assessment_id=world.assessments["H1"], text="Tôi đề nghị xem lại."))
        # Reviewed by the head of A1, not by this head: not counted.
        db.session.add(Objection(assessment_id=world.assessments["S1"], text="Tôi cũng đề nghị xem lại."))
        db.session.commit()
    items = _items(client.get("/").text)
    assert items["objections"] == [("1 kiến nghị cần trả lời",
                                    f"/evaluation/assessments/{world.assessments['H1']}")]


def test_complaints_and_review_cases_reach_those_who_handle_them(app, client, auth, world):
    with app.app_context():
        annual_services.import_annual("staff_code,year,level\nS1,2024,D\nS1,2025,D\n")
        review_services.flag_reviews(2025)
        target = feedback_services.create_target("desk", db.session.get(Unit, world.units["A1"]))
        feedback_services.submit_rating(target, {"rating": "dissatisfied", "idem": "h" * 24,
                                                 "comment": "Chờ lâu quá."}, "127.0.0.1", "qr")
    auth.login_user(world.users["hr_admin"])
    items = _items(client.get("/").text)
    assert items["review-cases"] == [("1 hồ sơ xem xét chưa có kết luận", "/reviews/")]
    assert items["complaints"] == [("1 phản ánh của người dân đang chờ trả lời",
                                    "/feedback/complaints?status=open")]
    assert "Chờ lâu quá." in client.get(items["complaints"][0][1]).text
    auth.login_user(world.users["unit_head_out"])  # head of B: not their unit
    assert "complaints" not in _items(client.get("/").text)
    auth.login_user(world.users["staff"])
    items = _items(client.get("/").text)
    assert items["my-case"][0][0] == "Hồ sơ xem xét năm 2025: bạn có thể gửi giải trình"


def test_hr_admin_sees_the_province_state(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    clock.freeze(date(2026, 4, 26))  # April due (opens on the 25th); March past its closing day
    items = _items(client.get("/").text)
    assert items["period-open"][0] == ("Kỳ tháng 04/2026 chưa được mở", "/evaluation/periods")
    assert items["period-close"][0] == ("Kỳ tháng 03/2026 đã đến ngày đóng", "/evaluation/periods")
    with app.app_context():  # two A for one B in A1: over the quota
        annual_services.import_annual("staff_code,year,level\nS1,2025,A\nH1,2025,A\n")
    items = _items(client.get("/").text)
    assert items["quota"][0][0].startswith("1 đơn vị vượt tỷ lệ mức A năm 2025")


def test_the_inbox_costs_a_fixed_number_of_statements(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    client.get("/")
    with app.app_context():
        engine = db.engine
    # Each request in an application context of its own, as when served (inside a shared one,
    # Flask-Login would keep the first request's user in `g` and the second would not load it).
    with StatementCounter(engine) as small:
        client.get("/")
    with app.app_context():
        for n in range(30):
            factories.create_staff(f"N{n}", "A1")
        clock.freeze(date(2026, 3, 26))
        evaluation_services.open_period("2026-03")
        assert db.session.scalar(select(db.func.count(Assessment.id))) == 33
    with StatementCounter(engine) as large:
        client.get("/")
    assert large.count == small.count and small.count <= 25


def test_the_menu_is_grouped_and_marks_the_current_section(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    page = client.get("/evaluation/periods").text
    assert page.count('<details name="main-menu"') >= 4  # a few groups, not sixteen links
    current = page.split('class="menu-group current"')[1].split("</details>")[0]
    assert 'data-menu="periods" aria-current="page"' in current
    assert page.count('aria-current="page"') == 1
    assert 'data-menu="rules"' in page  # the rule catalogue and templates are reachable
    detail = client.get(f"/org/units/{world.units['A1']}").text  # under /org/units
    assert 'data-menu="units" aria-current="page"' in detail
    auth.login_user(world.users["staff"])
    page = client.get("/").text
    assert 'data-menu="periods"' not in page and 'data-menu="my-assessment"' in page
    assert 'class="menu-home"><a href="/" aria-current="page"' in page


def test_the_kept_menu_follows_grants_language_and_the_current_page(app, client, auth, world):
    """The menu is built once per kind of user and kept: a new grant, another language or another
    section is another menu, never the one kept for before."""
    from app.auth import services as auth_services
    from app.auth.models import User

    user_id = auth.login_user(world.users["staff"])
    before = client.get("/").text
    assert 'data-menu="team"' not in before and 'data-menu="my-assessment"' in before
    with app.app_context():
        auth_services.grant_role(db.session.get(User, user_id), "unit_head",
                                 db.session.get(Unit, world.units["A1"]))
        db.session.commit()
    after = client.get("/").text
    assert 'data-menu="team"' in after
    assert 'data-menu="team" aria-current="page"' in client.get("/evaluation/team").text
    assert 'class="menu-home"><a href="/" aria-current="page"' in client.get("/").text
    assert client.get("/").text.count('aria-current="page"') == 1
    client.post("/language", data={"lang": "en"})
    english = client.get("/").text
    assert ">Team reviews</a>" in english
    assert "Đánh giá cán bộ</a>" not in english
    with app.app_context():
        user = db.session.get(User, user_id)
        auth_services.revoke_role(next(g for g in user.grants if g.role == "unit_head"))
        db.session.commit()
    assert 'data-menu="team"' not in client.get("/").text


def test_the_unread_badge_comes_with_the_user(app, client, auth, world):
    from app.notifications.models import Notification

    user_id = auth.login_user(world.users["staff"])
    assert 'class="badge"' not in client.get("/").text
    with app.app_context():
        db.session.add_all([Notification(user_id=user_id, kind="test", params={}, dedupe_key=f"t{n}")
                            for n in range(2)])
        db.session.commit()
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        page = client.get("/evaluation/my").text
    assert 'class="badge" aria-label="2 chưa đọc">2</span>' in page
    with StatementCounter(engine) as again:
        client.get("/evaluation/my")
    assert counter.count == again.count


def test_a_heads_inbox_is_two_statements_and_follows_a_new_grant(app, client, auth, world):
    """The user, then their lists (own assessments, findings, review cases, reviews due) and one row
    per count in one union; the statement is kept per user and grants, so a new grant shows at
    once."""
    from app.auth import services as auth_services
    from app.auth.models import User

    with app.app_context():
        head = factories.create_user([("unit_head", "A")], staff_code="H1", username="head_a")
        head_id = head.id
        target = feedback_services.create_target("desk", db.session.get(Unit, world.units["B"]))
        feedback_services.submit_rating(target, {"rating": "dissatisfied", "idem": "b" * 24,
                                                 "comment": "Không ai tiếp."}, "127.0.0.1", "qr")
        engine = db.engine
    auth.login_user(head_id)
    client.get("/")
    with StatementCounter(engine) as counter:
        items = _items(client.get("/").text)
    assert counter.count == 2 and "complaints" not in items and "self" in items
    with app.app_context():
        auth_services.grant_role(db.session.get(User, head_id), "unit_head",
                                 db.session.get(Unit, world.units["B"]))
        db.session.commit()
    items = _items(client.get("/").text)
    assert items["complaints"] == [("1 phản ánh của người dân đang chờ trả lời",
                                    "/feedback/complaints?status=open")]


def test_conduct_findings_to_answer_come_with_their_deadline(app, client, auth, world):
    """A submitted report's findings the person has not answered: one item, due the policy's
    number of days after the report was submitted (read through the inbox's union of lists)."""
    from datetime import datetime, timedelta

    from app.conduct.models import ConductRule
    from app.conduct.services import ChecklistTemplate

    clock.freeze(datetime(2026, 3, 12, 9, 0))
    auth.login_user(world.users["inspector"])
    with app.app_context():
        template_id = db.session.scalar(select(ChecklistTemplate.id).order_by(ChecklistTemplate.id.desc()))
        badge = db.session.scalar(select(ConductRule.id).where(ConductRule.code == "VH01"))
        dress = db.session.scalar(select(ConductRule.id).where(ConductRule.code == "VH02"))
        days = evaluation_services.policy_in_force(date(2026, 3, 12)).conduct_response_days
    opened = client.post("/conduct/inspections/new", data={
        "unit_code": "A1", "template_id": template_id, "inspected_at": "2026-03-12T09:30"})
    inspection_id = int(opened.headers["Location"].rstrip("/").split("/")[-1])
    client.post(f"/conduct/inspections/{inspection_id}/people/{world.staff['S1']}", data={
        "presence": "present", "all_compliant": "1", f"outcome_{badge}": "violation",
        f"note_{badge}": "Không đeo thẻ", f"outcome_{dress}": "violation", f"note_{dress}": "Áo phông"})
    report = client.post(f"/conduct/inspections/{inspection_id}/report")
    report_id = int(report.headers["Location"].split("/")[-1])
    client.post(f"/conduct/reports/{report_id}/submit", data={"summary": "Kiểm tra đột xuất."})
    auth.login_user(world.users["staff"])
    page = client.get("/").text
    assert _items(page)["findings"] == [("2 vi phạm văn hóa công vụ cần giải trình", "/conduct/mine")]
    due = (date(2026, 3, 12) + timedelta(days=days)).strftime("%d/%m/%Y")
    assert f"hạn {due}" in page.split('data-inbox="findings"')[1].split("</li>")[0]


def test_the_inbox_writes_its_statuses_into_its_sql(app, client, auth, world):
    """Statuses are part of the statement, not parameters, so that PostgreSQL's generic plan of the
    prepared statement knows how few rows are open (app.database.constant); the values it still
    sends are the user's own."""
    with app.app_context():
        user_id = factories.create_user([("unit_head", "A1"), ("staff", "A1"), ("hr_admin", "ROOT")],
                                        staff_code="H1", username="head_a1").id
        engine = db.engine
    auth.login_user(user_id)
    client.get("/")
    seen = []
    remember = lambda conn, cursor, statement, parameters, *rest: seen.append((statement, parameters))  # noqa: E731
    event.listen(engine, "before_cursor_execute", remember)
    try:
        client.get("/")
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    [(statement, parameters)] = [(s, p) for s, p in seen if "AS kind" in s]
    values = set(parameters.values() if isinstance(parameters, dict) else parameters)
    assert not values & {"open", "draft", "self_submitted", "submitted", "pending", "assigned", "returned",
                         "decided", "self", "reviews", "tasks"}
    assert "'open'" in statement and "'self_submitted'" in statement


def test_a_month_with_nothing_left_to_review_shows_no_reviews_item(app, client, auth, world):
    """The reviews are counted for each open month; a month counted at 0 is not an item."""
    auth.login_user(world.users["unit_head_in"])  # head of A: reviews H1 only
    assert _items(client.get("/").text)["reviews"][0][0].startswith("1 đánh giá cần duyệt")
    with app.app_context():
        db.session.get(Assessment, world.assessments["H1"]).status = "reviewed"
        db.session.commit()
    assert "reviews" not in _items(client.get("/").text)


def test_a_heads_inbox_statement_expands_no_list_on_each_run(app, client, auth, world):
    """The units a head reviews are bound one parameter each when the statement is built: a list
    parameter would be expanded into the SQL text on every run. The counts stay right."""
    from app.auth.models import User
    from app.main.inbox import _statements

    with app.app_context():
        user_id = factories.create_user([("unit_head", "A1"), ("unit_head", "B"), ("staff", "A1")],
                                        staff_code="H1", username="head_a1_b").id
    auth.login_user(user_id)
    items = _items(client.get("/").text)
    assert items["reviews"][0][0].startswith("2 đánh giá cần duyệt")  # S1 in A1, S2 in B
    with app.test_request_context():
        user = db.session.get(User, user_id)
        compiled = _statements(user)["lists"].compile(dialect=db.engine.dialect)
        assert not [bind for bind in compiled.binds.values() if bind.expanding]
        assert "POSTCOMPILE" not in compiled.string


# Each kind of inbox item with the catalogue sentence main/index.html writes for it and its values.
SENTENCES = {
    "self": ("Tự đánh giá tháng %(month)s", {"month": "03/2026"}),
    "findings": ("%(count)d vi phạm văn hóa công vụ cần giải trình", {"count": 2}),
    "tasks": ("%(count)d nhiệm vụ đang thực hiện", {"count": 3}),
    "my-case": ("Hồ sơ xem xét năm %(year)d: bạn có thể gửi giải trình", {"year": 2025}),
    "reviews": ("%(count)d đánh giá cần duyệt (tháng %(month)s)", {"count": 4, "month": "02/2026"}),
    "objections": ("%(count)d kiến nghị cần trả lời", {"count": 5}),
    "task-board": ("%(count)d nhiệm vụ đã báo cáo hoàn thành, chờ nghiệm thu", {"count": 6}),
    "conduct-reports": ("%(count)d biên bản văn hóa công vụ chờ kết luận", {"count": 7}),
    "complaints": ("%(count)d phản ánh của người dân đang chờ trả lời", {"count": 8}),
    "review-cases": ("%(count)d hồ sơ xem xét chưa có kết luận", {"count": 9}),
    "period-open": ("Kỳ tháng %(month)s chưa được mở", {"month": "04/2026"}),
    "period-close": ("Kỳ tháng %(month)s đã đến ngày đóng", {"month": "01/2026"}),
    "quota": ("%(count)d đơn vị vượt tỷ lệ mức %(level)s năm %(year)d",
              {"count": 1, "level": "A", "year": 2025}),
    "early-warning": ("%(count)d cán bộ trong danh sách cảnh báo sớm năm %(year)d",
                      {"count": 2, "year": 2026}),
}


def test_every_kind_of_item_and_role_reads_as_the_catalogue_has_it_in_both_languages(app):
    """The inbox hands the page each item's kind and values; the page writes the sentence, folded
    into the template when it is compiled (no lookup per item). Every kind the inbox makes has its
    sentence, and the roles' names are those of ROLES, in Vietnamese and in English."""
    from pathlib import Path
    from types import SimpleNamespace

    from flask import render_template
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    from app.auth.models import ROLES
    from app.main import inbox

    made = set(re.findall(r'Item\("([a-z-]+)"', Path(inbox.__file__).read_text(encoding="utf-8")))
    assert made == set(SENTENCES)
    items = [inbox.Item(kind, f"/{kind}", **values) for kind, (_msgid, values) in SENTENCES.items()]
    grants = [SimpleNamespace(role=role, unit=None, role_label="?") for role in ROLES]
    user = SimpleNamespace(display_name="Nguyễn Văn A", staff=None)
    for locale in ("vi", "en"):
        with app.test_request_context("/"), force_locale(locale):
            page = render_template("main/index.html", user=user, grants=grants, items=items)
            expected = {kind: [(str(escape(gettext(msgid, **values))), f"/{kind}")]
                        for kind, (msgid, values) in SENTENCES.items()}
            names = re.findall(r"<li><strong>([^<]*)</strong>", page)
            assert names == [str(escape(str(label))) for label in ROLES.values()]
        assert _items(page) == expected
        assert locale == "vi" or "Self-assessment for 03/2026" in page



def test_hr_admin_sees_how_many_are_on_the_early_warning_list(app, client, auth, world):
    """The item counts the people the early-warning page lists (counted, not read)."""
    from tests.annual.conftest import load_annual, load_results, months, person

    with app.app_context():
        for code in ("W1", "W2", "W3", "W4"):
            person(code)
        load_annual(["W1,2025,D", "W2,2025,D", "W3,2025,D", "W4,2025,B"])
        load_results(months("W1", 2026, ["45", "48"]) + months("W2", 2026, ["40", "45", "30", "95", "95"])
                     + months("W3", 2026, ["60", "49"]) + months("W4", 2026, ["20", "20"]))
    auth.login_user(world.users["hr_admin"])
    assert _items(client.get("/").text)["early-warning"] == [
        ("2 cán bộ trong danh sách cảnh báo sớm năm 2026", "/annual/early-warning?year=2026")]
    listed = client.get("/annual/early-warning?year=2026").text
    assert "Nguyễn Văn W1" in listed and "Nguyễn Văn W2" in listed and "Nguyễn Văn W3" not in listed


def test_a_heads_tasks_to_accept_are_counted_from_the_index_of_submitted_tasks(app, client, auth, world):
    """The count of tasks waiting for acceptance (and the first due day) across the head's units
    reads the partial index of submitted tasks (migration 0017), not every task those units ever
    had: in a province the head's home read ~7,000 tasks for ~340 submitted ones."""
    from app.tasks.models import Task

    with app.app_context():
        def task(staff, unit, status, due):
            db.session.add(Task(staff_id=world.staff[staff], unit_id=world.units[unit], title="Báo cáo",
                                coefficient=1, quantity=1, assigned_on=date(2026, 3, 1), due_on=due,
                                status=status))
        task("S1", "A1", "submitted", date(2026, 3, 20))
        task("H1", "A1", "submitted", date(2026, 3, 10))
        task("S1", "A1", "accepted", date(2026, 3, 5))  # done: not counted
        task("S1", "A1", "assigned", date(2026, 3, 2))  # not delivered yet: not counted
        task("S2", "B", "submitted", date(2026, 3, 1))  # outside the head's units: not counted
        db.session.commit()
        engine = db.engine
    seen = []

    def remember(conn, cursor, statement, parameters, *rest):
        if "UNION ALL" in statement:
            seen.append((statement, parameters))

    auth.login_user(world.users["unit_head_in"])
    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = client.get("/").text
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert _items(page)["task-board"] == [("2 nhiệm vụ đã báo cáo hoàn thành, chờ nghiệm thu",
                                           "/tasks/board?status=submitted&period=2026-03")]
    assert "10/03/2026" in page
    [(statement, parameters)] = seen
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " | ".join(row[-1] for row in rows)
        else:  # a tiny table is read whole when it may be: ask for the indexes, then see which
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            plan = " | ".join(row[0] for row in rows)
    assert "ix_task_submitted_unit" in plan, plan
