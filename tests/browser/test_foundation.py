"""In a real browser: each role's menu, the language switch, importing staff through the page."""
import pytest

from tests import factories
from tests.browser.conftest import menu, sign_in, sign_out

pytestmark = pytest.mark.browser

MENUS = {
    "staff1": {"my-assessment", "profile", "my-conduct", "my-tasks", "notifications"},
    "head_in": {"units", "staff", "team", "task-board", "products", "conduct", "rules", "complaints", "qr",
                "annual", "dashboard", "notifications"},
    "inspector": {"units", "staff", "conduct", "rules", "complaints", "dashboard", "notifications"},
    "hr": {"units", "staff", "import", "products", "task-import", "conduct", "rules", "complaints", "qr",
           "annual", "reviews", "periods", "policies", "dashboard", "province", "notifications"},
    "admin": {"units", "staff", "import", "team", "task-board", "products", "task-import", "conduct", "rules",
              "complaints", "qr", "annual", "reviews", "periods", "policies", "users", "audit",
              "jobs", "tokens", "dashboard", "province", "notifications"},
}


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_role_sees_its_own_menu(page, world, username):
    sign_in(page, username, factories.PASSWORD)
    shown = set(page.locator("nav.main-nav [data-menu]").evaluate_all(
        "links => links.map(a => a.dataset.menu)"))
    assert shown == MENUS[username]
    sign_out(page)
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", name="Đăng nhập").is_visible()


def test_switching_the_language(page, world):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Username").fill("hr")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("nav.main-nav [data-menu=import]", has_text="Import data").wait_for(state="attached")
    page.get_by_role("button", name="Tiếng Việt").click()
    page.locator("nav.main-nav [data-menu=import]", has_text="Nhập dữ liệu").wait_for(state="attached")


def test_importing_staff_through_the_upload_page(page, world, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n"
                   "N1,Nguyễn Văn Một,A1,cong_chuc,Chuyên viên,0,0,,2020-01-01\n"
                   "N2,Trần Thị Hai,NOUNIT,cong_chuc,Chuyên viên,0,0,,2020-01-01\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n"
                    "N1,Nguyễn Văn Một,A1,cong_chuc,Chuyên viên,0,0,,2020-01-01\n"
                    "N2,Trần Thị Hai,A1,vien_chuc,Viên chức,0,1,hai@example.gov.vn,2021-02-03\n",
                    encoding="utf-8")
    sign_in(page, "hr", factories.PASSWORD)
    menu(page, "Nhập dữ liệu")
    page.get_by_label("Loại dữ liệu").select_option("staff")
    page.get_by_label("Tệp CSV (UTF-8)").set_input_files(str(bad))
    page.get_by_role("button", name="Nhập").click()
    alert = page.get_by_role("alert").filter(has_text="Tệp bị từ chối")
    alert.wait_for()
    assert "Không có đơn vị mã NOUNIT." in alert.inner_text()
    page.get_by_label("Loại dữ liệu").select_option("staff")
    page.get_by_label("Tệp CSV (UTF-8)").set_input_files(str(good))
    page.get_by_role("button", name="Nhập").click()
    page.get_by_text("Đã nhập 2 dòng.").wait_for()
    page.goto("/org/staff?q=Trần Thị Hai")
    page.get_by_role("link", name="Trần Thị Hai").click()
    page.get_by_role("heading", name="Trần Thị Hai").wait_for()
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
