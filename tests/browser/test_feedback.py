"""Citizen feedback in a real browser: the QR link, a complaint with a tracking code, what the
official and the head see, bursts, double submits and receipt codes."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db, limiter
from app.feedback import services
from app.feedback.models import Rating
from tests import factories
from tests.browser.conftest import menu, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_citizen_rates_an_official_and_follows_the_complaint(app, page, browser, live_server, world):
    with app.app_context():
        factories.create_unit("MC", "A", kind="one_stop_centre")
        official = factories.create_staff("F1", "MC", front_desk=True, full_name="Đỗ Thị Một Cửa")
        token = services.create_target("official", factories.unit("MC"), official).token
        factories.create_user([("staff", "MC")], staff_code="F1", username="f1")
        factories.create_user([("unit_head", "MC")], username="head_mc")
    clock.freeze(datetime(2026, 3, 10, 9, 0))
    limiter.reset()

    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                locale="vi-VN", is_mobile=True).new_page()
    phone.goto(f"/p/{token}")
    phone.get_by_text("Không hài lòng").click()
    phone.get_by_text("Thêm chi tiết (không bắt buộc)").click()
    phone.get_by_label("Nhũng nhiễu, gây phiền hà hoặc đòi tiền, quà").check()
    phone.get_by_label("Mã số biên nhận hồ sơ (nếu có)").fill("HS-2026-0310-01")
    phone.get_by_label("Góp ý của bạn").fill("Cán bộ gợi ý nộp thêm phí ngoài quy định.")
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.get_by_role("heading", name="Cảm ơn bạn đã đánh giá!").wait_for()
    code = re.search(r"PA-[A-Z0-9]{8}", phone.content()).group(0)

    # Back and submit the very same form again: still one row.
    phone.go_back()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_load_state()
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Rating.id))) == 1

    # Another citizen with the same receipt code is refused, clearly.
    phone.goto(f"/p/{token}")
    phone.get_by_text("Hài lòng", exact=True).click()
    phone.get_by_text("Thêm chi tiết (không bắt buộc)").click()
    phone.get_by_label("Mã số biên nhận hồ sơ (nếu có)").fill("HS-2026-0310-01")
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.get_by_text("Hồ sơ có mã biên nhận này đã được đánh giá.").wait_for()

    phone.goto(f"/track?code={code}")
    phone.get_by_text("Đang xử lý").wait_for()

    sign_in(page, "f1", factories.PASSWORD)
    menu(page, "Người dân đánh giá tôi")
    page.get_by_text("Cán bộ gợi ý nộp thêm phí ngoài quy định.").wait_for()
    assert "HS-2026-0310-01" not in page.content()
    sign_out(page)

    sign_in(page, "head_mc", factories.PASSWORD)
    menu(page, "Phản ánh")
    page.get_by_role("link", name=code).click()
    page.get_by_label("Trả lời phản ánh").fill("Đã làm việc với cán bộ; hoàn trả khoản thu sai.")
    page.get_by_role("button", name="Trả lời và đóng").click()
    page.get_by_text("Đã trả lời phản ánh.").wait_for()

    phone.goto(f"/track?code={code}")
    phone.get_by_text("hoàn trả khoản thu sai").wait_for()

    # A burst from one client: 429 with a friendly page, never 500.
    limiter.reset()
    statuses = []
    for _ in range(12):
        phone.goto(f"/p/{token}")
        phone.get_by_text("Rất hài lòng").click()
        with phone.expect_navigation() as navigation:
            phone.get_by_role("button", name="Gửi đánh giá").click()
        statuses.append(navigation.value.status)
    limiter.reset()
    assert 429 in statuses and 500 not in statuses
    assert "Quá nhiều yêu cầu" in phone.content()
