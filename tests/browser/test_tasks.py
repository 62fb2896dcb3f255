"""The ledger in a real browser on a phone: a head assigns, the staff member submits with a file, the
head returns it, the staff member resubmits late, the head accepts — and the reviewer sees the
T1–T3 suggestions with their explanation."""

from datetime import date

import pytest

from app import clock
from tests import factories
from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_a_task_from_the_board_to_the_t1_t3_suggestions(app, browser, live_server, world, tmp_path):
    evidence = tmp_path / "bao-cao-quy.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% bao cao quy I\n")
    with app.app_context():
        factories.create_user([("unit_head", "A1")], username="head_a1")
    clock.freeze(date(2026, 3, 20))
    phone = browser.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True
    ).new_page()
    phone.set_default_timeout(10000)

    sign_in(phone, "head_in", factories.PASSWORD)
    phone.goto("/tasks/board")
    phone.get_by_label("Nguyễn Văn S1 (S1)").check()
    phone.get_by_label("Hoặc việc phát sinh: tên việc").fill("Báo cáo quý I")
    phone.get_by_label("Hệ số quy đổi của việc phát sinh").fill("2,5")
    phone.get_by_label("Ngày giao").fill("2026-03-20")
    phone.get_by_label("Hạn hoàn thành").fill("2026-03-24")
    phone.get_by_role("button", name="Giao việc", exact=True).click()
    phone.get_by_text("Đã giao việc cho 1 người.").wait_for()
    sign_out(phone)

    def submit(note):
        sign_in(phone, "staff1", factories.PASSWORD)
        phone.goto("/tasks/mine")
        phone.get_by_role("link", name="Báo cáo quý I").click()
        phone.get_by_label("Kết quả thực hiện").fill(note)
        phone.get_by_label("Tệp minh chứng (ảnh, PDF, DOCX, XLSX)").set_input_files(str(evidence))
        phone.get_by_role("button", name="Gửi", exact=True).click()
        phone.get_by_text("Đã báo cáo hoàn thành.").wait_for()
        sign_out(phone)

    def as_head(button, note, done):
        sign_in(phone, "head_in", factories.PASSWORD)
        phone.goto("/tasks/board?period=2026-03")
        phone.get_by_role("link", name="Báo cáo quý I").click()
        phone.get_by_label("Ghi chú").fill(note)
        phone.get_by_role("button", name=button).click()
        phone.get_by_text(done).wait_for()
        sign_out(phone)

    submit("Đã hoàn thành báo cáo quý I.")
    as_head("Trả lại để hoàn thiện", "Bổ sung số liệu tháng 3.", "Đã trả lại để hoàn thiện.")
    clock.freeze(date(2026, 3, 26))  # after the due date: the resubmission is late
    sign_in(phone, "staff1", factories.PASSWORD)
    phone.goto("/tasks/mine")
    assert phone.get_by_text("Quá hạn").count() == 1
    sign_out(phone)
    submit("Đã bổ sung số liệu.")
    as_head("Nghiệm thu", "Đạt yêu cầu.", "Đã nghiệm thu.")

    sign_in(phone, "head_a1", factories.PASSWORD)
    phone.goto(f"/evaluation/assessments/{world.assessments['S1']}/review")
    phone.get_by_text(
        "2.5 sản phẩm quy đổi được giao, 2.5 đã nghiệm thu, 1 lần bị trả lại, 1 lần trễ hạn"
    ).first.wait_for()
    assert phone.locator("#score_T1").input_value() == "30.0"
    assert phone.locator("#score_T2").input_value() == "15.0"
    assert phone.locator("#score_T3").input_value() == "15.0"
