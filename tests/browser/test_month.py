"""A month end to end in a real browser: open → self-assess → review → close → published list."""
from datetime import date

import pytest

from app import clock
from tests import factories
from tests.browser.conftest import menu, sign_in, sign_out

pytestmark = pytest.mark.browser

# Criterion scores of the default framework adding up to the totals at the band edges.
EDGES = {
    "89.9": {"C1": "5", "C2": "10", "C3": "5", "C4": "5", "C5": "5", "T1": "30", "T2": "20", "T3": "9.9"},
    "90.0": {"C1": "5", "C2": "10", "C3": "5", "C4": "5", "C5": "5", "T1": "30", "T2": "20", "T3": "10"},
    "49.9": {"C1": "5", "C2": "5", "C3": "5", "C4": "5", "C5": "5", "T1": "10", "T2": "9.9", "T3": "5"},
}


def fill_scores(page, scores):
    for code, value in scores.items():
        page.locator(f"#score_{code}").fill(value)


def test_a_month_from_opening_to_publication(app, page, world):
    with app.app_context():
        factories.create_staff("T1", "A1", full_name="Trần Thị Xuất Sắc")
        factories.create_staff("T2", "A1", full_name="Lê Văn Chưa Đạt")
        factories.create_user([("unit_head", "A1"), ("staff", "A1")], staff_code="H1", username="head_a1")
        factories.create_user([("staff", "A1")], staff_code="T1", username="colleague")
    clock.freeze(date(2026, 4, 26))

    sign_in(page, "hr", factories.PASSWORD)
    menu(page, "Kỳ đánh giá")
    page.get_by_label("Kỳ (YYYY-MM)").fill("2026-04")
    page.get_by_role("button", name="Mở kỳ", exact=True).click()
    page.get_by_text("Mở kỳ 2026-04 sẽ tạo 5 phiếu đánh giá.").wait_for()
    page.get_by_role("button", name="Mở kỳ 2026-04").click()
    page.get_by_text("Kỳ 2026-04: đã tạo 5 phiếu đánh giá.").wait_for()
    sign_out(page)

    sign_in(page, "staff1", factories.PASSWORD)
    menu(page, "Đánh giá của tôi")
    page.get_by_role("link", name="Tự đánh giá").click()
    fill_scores(page, EDGES["89.9"])
    page.get_by_label("Báo cáo kết quả công việc trong tháng").fill("Tiếp nhận 120 hồ sơ, đúng hạn 100%.")
    page.get_by_role("button", name="Nộp bản tự đánh giá").click()
    page.get_by_text("Đã nộp bản tự đánh giá.").wait_for()
    sign_out(page)

    sign_in(page, "head_a1", factories.PASSWORD)
    menu(page, "Đánh giá cán bộ")
    page.get_by_text("chờ thủ trưởng đánh giá").wait_for()
    for name, total in (("Nguyễn Văn S1", None), ("Trần Thị Xuất Sắc", "90.0"), ("Lê Văn Chưa Đạt", "49.9")):
        page.get_by_role("row", name=name).get_by_role("link", name="Đánh giá").click()
        if total is None:
            assert page.locator("#score_T3").input_value() == "9.9"  # starts from the self scores
        else:
            fill_scores(page, EDGES[total])
        page.get_by_role("button", name="Duyệt kết quả").click()
        page.get_by_text("Đã duyệt:").wait_for()
    sign_out(page)

    sign_in(page, "hr", factories.PASSWORD)
    menu(page, "Kỳ đánh giá")
    page.get_by_role("row", name="2026-04").get_by_role("button", name="Đóng và công khai").click()
    page.get_by_text("2 phiếu chưa được đánh giá sẽ thành “Không được đánh giá”").wait_for()
    page.get_by_role("button", name="Vẫn đóng và công khai").click()
    page.get_by_text("Đã đóng kỳ 2026-04: 3 phiếu chốt, 2 phiếu không được đánh giá.").wait_for()
    sign_out(page)

    sign_in(page, "colleague", factories.PASSWORD)
    menu(page, "Đánh giá của tôi")
    page.get_by_role("link", name="Kết quả công khai của đơn vị").click()
    page.wait_for_url("**/results")
    page.get_by_role("row", name="Lê Văn Chưa Đạt").wait_for()  # .all() below does not wait for the page
    rows = {row.locator("td").first.inner_text(): row.locator("td").nth(2).inner_text()
            for row in page.locator("main table tbody tr").all()}
    assert rows == {
        "Nguyễn Văn S1": "B Hoàn thành tốt nhiệm vụ",
        "Trần Thị Xuất Sắc": "A Hoàn thành xuất sắc nhiệm vụ",
        "Lê Văn Chưa Đạt": "D Không hoàn thành nhiệm vụ",
    }
    assert "89.9" not in page.content()
