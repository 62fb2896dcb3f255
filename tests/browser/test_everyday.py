"""Everyday use in a real browser, on a desktop and on a 390 px phone, as every demo account:
the home page lists that role's due work and each item opens the page where it is done; the
grouped menu fits one phone screen; a unit is picked by typing part of its name without accents;
axe-core finds no serious or critical violation on the pages people use most."""
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.conduct.models import InspectionPerson
from app.demo import DEMO_PASSWORD, seed_demo
from app.extensions import db, limiter
from app.feedback import services as feedback_services
from app.feedback.models import FeedbackTarget
from tests import factories
from tests.browser.axe import serious_violations
from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# What each demo account must find on its home page (the demo's November 2026).
DUE = {
    "admin": {"quota", "complaints", "review-cases", "early-warning"},
    "nhansu": {"self", "tasks", "quota", "complaints", "review-cases", "early-warning"},
    "truongphong": {"self", "reviews"},
    "chutichxa": {"self", "reviews", "complaints"},
    "thanhtra": {"self", "conduct-reports", "complaints"},
    "canbo": {"self", "tasks"},
    "motcua": {"self", "tasks", "findings"},
}


@pytest.fixture()
def demo(app):
    with app.app_context():
        seed_demo()
        return db.session.scalar(select(FeedbackTarget.token).where(FeedbackTarget.kind == "official"))


def _context(browser, live_server, device):
    return browser.new_context(base_url=live_server, locale="vi-VN", bypass_csp=True, **device)


def _menu_fits_the_screen(page):
    """Every group of the menu, opened in turn, ends inside the first screen."""
    height = page.viewport_size["height"]
    groups = page.locator("nav.main-nav details")
    nav_box = page.locator("nav.main-nav").bounding_box()
    assert nav_box["y"] + nav_box["height"] <= height * 0.35, nav_box  # closed, it stays small
    for index in range(groups.count()):
        group = groups.nth(index)
        group.locator("> summary").click()
        panel = group.locator("> ul").bounding_box()
        assert panel["y"] + panel["height"] <= height, (index, panel)
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= page.viewport_size["width"] + 1
        group.locator("> summary").click()
        assert not group.locator("> ul").is_visible()


def test_every_demo_role_finds_its_work_on_the_home_page(app, browser, live_server, demo):
    clock.freeze(datetime(2026, 11, 22, 10, 0))
    for device in (DESKTOP, PHONE):
        context = _context(browser, live_server, device)
        page = context.new_page()
        page.set_default_timeout(10000)
        for username, kinds in DUE.items():
            limiter.reset()  # fourteen sign-ins from one address within a minute
            sign_in(page, username, DEMO_PASSWORD)
            items = page.locator("[data-inbox]")
            found = {items.nth(i).get_attribute("data-inbox"): items.nth(i).locator("a").get_attribute("href")
                     for i in range(items.count())}
            assert kinds <= set(found), (username, found)
            assert page.locator(".inbox-item .due").first.inner_text()[-10:].count("/") == 2 \
                if page.locator(".inbox-item .due").count() else True
            for kind, href in found.items():
                response = page.goto(href)
                assert response.status == 200, (username, kind, href)
                assert page.locator("main h1").count() == 1, (username, kind)
            page.goto("/")
            if device is PHONE:
                _menu_fits_the_screen(page)
            assert not serious_violations(page), (username, serious_violations(page))
            sign_out(page)
        context.close()


def test_the_pages_used_most_have_no_serious_accessibility_violation(app, browser, live_server, demo):
    clock.freeze(datetime(2026, 11, 22, 10, 0))
    context = _context(browser, live_server, PHONE)
    page = context.new_page()
    page.set_default_timeout(10000)
    problems = {}

    def check(name, url, allow=()):
        assert page.goto(url).status == 200, url
        found = serious_violations(page, allow)
        if found:
            problems[name] = found

    check("citizen", f"/p/{demo}")
    with app.app_context():  # a kiosk is a tablet hr_admin registers for a desk
        desk = db.session.scalar(select(FeedbackTarget).where(FeedbackTarget.kind == "desk"))
        hr = db.session.scalar(select(User).where(User.username == "nhansu"))
        kiosk = feedback_services.register_kiosk(desk, "Quầy 1", hr).token
    # The kiosk resets itself on purpose (meta refresh) so that the next citizen starts afresh.
    check("kiosk", f"/kiosk/{kiosk}", allow=("meta-refresh",))
    sign_in(page, "truongphong", DEMO_PASSWORD)
    check("home", "/")
    check("team", "/evaluation/team")
    review = page.locator("main table").get_by_role("link", name="Đánh giá").first.get_attribute("href")
    check("review", review)
    check("task board", "/tasks/board")
    sign_out(page)
    sign_in(page, "thanhtra", DEMO_PASSWORD)
    with app.app_context():
        inspection_id, staff_id = db.session.execute(
            select(InspectionPerson.inspection_id, InspectionPerson.staff_id).limit(1)).one()
    check("inspection", f"/conduct/inspections/{inspection_id}")
    check("checklist", f"/conduct/inspections/{inspection_id}/people/{staff_id}")
    check("rules", "/conduct/rules")
    sign_out(page)
    sign_in(page, "nhansu", DEMO_PASSWORD)
    check("dashboard", "/reports/dashboard")
    check("province", "/reports/province")
    context.close()
    assert not problems, problems


def test_a_unit_is_picked_by_typing_part_of_its_name_without_accents(app, browser, live_server, world):
    with app.app_context():
        factories.create_unit("HTRA", "A", name="Phòng Văn hóa Hương Trà")
        factories.create_staff("HT1", "HTRA")
    clock.freeze(datetime(2026, 3, 12, 9, 0))
    for device in (DESKTOP, PHONE):
        context = _context(browser, live_server, device)
        page = context.new_page()
        page.set_default_timeout(10000)
        sign_in(page, "inspector", factories.PASSWORD)
        page.goto("/conduct/inspections/new")
        unit = page.get_by_role("combobox", name="Đơn vị được kiểm tra (gõ mã hoặc tên)")
        unit.press_sequentially("huong tra", delay=20)
        option = page.get_by_role("option", name="HTRA — Phòng Văn hóa Hương Trà")
        option.wait_for()
        assert unit.get_attribute("aria-expanded") == "true"
        unit.press("ArrowDown")
        unit.press("Enter")
        assert unit.input_value() == "HTRA"
        page.get_by_role("button", name="Mở cuộc kiểm tra").click()
        page.get_by_role("heading", name="Kiểm tra Phòng Văn hóa Hương Trà").wait_for()
        assert not serious_violations(page)
        context.close()
