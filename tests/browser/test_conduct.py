"""An inspection end to end in a real browser: create → record a violation with a photo → submit
→ the lead confirms → the staff member sees it and responds → the head sees the C2 deduction."""
from datetime import date, datetime

import pytest

from app import clock
from tests import factories
from tests.browser.conftest import menu, sign_in, sign_out

pytestmark = pytest.mark.browser

JPEG = factories.image_bytes("JPEG")


def test_an_inspection_from_the_checklist_to_the_c2_suggestion(app, page, browser, live_server, world,
                                                                tmp_path):
    photo = tmp_path / "khong-deo-the.jpg"
    photo.write_bytes(JPEG)
    with app.app_context():
        factories.create_user([("unit_head", "A1")], staff_code="H1", username="head_a1")
    clock.freeze(datetime(2026, 3, 12, 9, 0))

    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                locale="vi-VN", is_mobile=True).new_page()
    sign_in(phone, "inspector", factories.PASSWORD)
    phone.goto("/conduct/inspections")
    phone.get_by_role("link", name="Mở cuộc kiểm tra").click()
    phone.get_by_label("Đơn vị được kiểm tra (gõ mã hoặc tên)").fill("A1")
    phone.get_by_label("Mẫu kiểm tra").select_option(label="Kiểm tra kỷ luật, kỷ cương công sở")
    phone.get_by_label("Thời điểm kiểm tra").fill("2026-03-12T09:30")
    phone.get_by_role("button", name="Mở cuộc kiểm tra").click()
    phone.get_by_role("link", name="Nguyễn Văn S1").click()
    phone.get_by_label("Tất cả quy tắc: Chấp hành").check()
    badge = phone.locator("fieldset.rule-card").filter(has_text="Đeo thẻ cán bộ")
    badge.get_by_label("Vi phạm", exact=True).check()
    badge.get_by_placeholder("Ghi chú").fill("Không đeo thẻ khi tiếp dân")
    badge.locator("input[type=file]").set_input_files(str(photo))
    phone.get_by_role("button", name="Lưu và sang người tiếp theo").click()
    phone.get_by_text("Đã ghi nhận: Nguyễn Văn S1.").wait_for()
    phone.goto(phone.url.split("/people/")[0])
    phone.get_by_role("button", name="Lập biên bản").click()
    phone.get_by_label("Tóm tắt biên bản").fill("Kiểm tra đột xuất sáng 12/3/2026.")
    phone.get_by_role("button", name="Gửi trưởng đoàn kết luận").click()
    phone.get_by_text("Đã gửi biên bản cho trưởng đoàn kết luận.").wait_for()
    # The inspector led the team, so they decide.
    phone.get_by_label("Xác nhận vi phạm").check()
    phone.get_by_placeholder("Lý do").fill("Ảnh chụp tại quầy lúc 9 giờ 40.")
    phone.get_by_role("button", name="Kết luận biên bản").click()
    phone.get_by_text("Đã kết luận biên bản.").wait_for()

    sign_in(page, "staff1", factories.PASSWORD)
    menu(page, "Văn hóa công vụ của tôi")
    page.get_by_text("Không đeo thẻ khi tiếp dân").wait_for()
    assert page.get_by_role("link", name="Ảnh").count() == 1
    page.locator("textarea[name=text]").fill("Hôm đó tôi để quên thẻ trong tủ, đã khắc phục ngay.")
    page.get_by_role("button", name="Gửi giải trình").click()
    page.get_by_text("Đã gửi giải trình.").wait_for()
    sign_out(page)

    with app.app_context():
        from app.evaluation import services as evaluation_services

        clock.freeze(date(2026, 3, 26))
        evaluation_services.open_period("2026-03")
    sign_in(page, "head_a1", factories.PASSWORD)
    menu(page, "Đánh giá cán bộ")
    page.get_by_role("row", name="Nguyễn Văn S1").get_by_role("link", name="Đánh giá").click()
    page.get_by_text("VH01 −2.0").wait_for()
    assert page.locator("#score_C2").input_value() == "8.0"
