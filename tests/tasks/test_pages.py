"""The ledger pages: a head assigns, a staff member submits with a file, the head returns it, the
staff member resubmits late, the head accepts; the catalogue, the upload page, the tokens."""

import io
from datetime import date
from decimal import Decimal as D

from sqlalchemy import func, select

from app import clock
from app.evaluation.models import Policy
from app.extensions import db
from app.tasks.models import IntegrationToken, Product, Task, TaskFile
from tests.queries import StatementCounter

PDF = b"%PDF-1.4\n% minh chung\n"


def _task(app, **where):
    with app.app_context():
        return db.session.scalar(select(Task).filter_by(**where).order_by(Task.id))


def test_the_whole_loop_through_the_pages(app, client, auth, world):
    clock.freeze(date(2026, 3, 20))
    auth.login_user(world.users["unit_head_in"])
    board = client.get("/tasks/board")
    assert board.status_code == 200 and "Nguyễn Văn S1" in board.text and "Nguyễn Văn H1" in board.text
    response = client.post(
        "/tasks/board?period=2026-03",
        data={
            "people": [world.staff["S1"], world.staff["H1"]],
            "product_id": "0",
            "title": "Báo cáo quý",
            "coefficient": "2,5",
            "quantity": "1",
            "assigned_on": "2026-03-20",
            "due_on": "2026-03-22",
        },
    )
    assert response.status_code == 302
    task = _task(app, staff_id=world.staff["S1"])
    assert (task.coefficient, task.status, task.title) == (D("2.5"), "assigned", "Báo cáo quý")
    assert _task(app, staff_id=world.staff["H1"]) is not None

    auth.login_user(world.users["staff"])
    mine = client.get("/tasks/mine")
    assert "Báo cáo quý" in mine.text and "Đến hạn tuần này" in mine.text
    refused = client.post(
        f"/tasks/{task.id}/submit",
        data={"note": "Xong", "evidence": (io.BytesIO(b"MZ\x90\x00binary"), "bao-cao.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Chỉ nhận ảnh JPEG, PNG hoặc tệp PDF, DOCX, XLSX." in refused.text
    assert _task(app, id=task.id).status == "assigned"
    client.post(
        f"/tasks/{task.id}/submit",
        data={
            "note": "Đã hoàn thành",
            "link": "https://vanban.example/123",
            "evidence": (io.BytesIO(PDF), "bao-cao.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert _task(app, id=task.id).status == "submitted"
    with app.app_context():
        stored = db.session.scalar(select(TaskFile))
        assert stored.content_type == "application/pdf"
    assert client.get(f"/tasks/files/{stored.id}").data == PDF

    auth.login_user(world.users["unit_head_in"])
    detail = client.get(f"/tasks/{task.id}")
    assert "Nghiệm thu" in detail.text and "Tệp minh chứng" in detail.text
    assert client.get(f"/tasks/files/{stored.id}").status_code == 200
    client.post(f"/tasks/{task.id}/return", data={"note": "Bổ sung số liệu quý"})
    assert _task(app, id=task.id).returns == 1

    clock.freeze(date(2026, 3, 26))  # past the due date: the resubmission is late
    auth.login_user(world.users["staff"])
    assert "Quá hạn" in client.get("/tasks/mine").text
    client.post(f"/tasks/{task.id}/submit", data={"note": "Đã bổ sung"}, content_type="multipart/form-data")
    assert (_task(app, id=task.id).status, _task(app, id=task.id).late) == ("submitted", 1)

    auth.login_user(world.users["unit_head_in"])
    client.post(f"/tasks/{task.id}/accept", data={"note": "Đạt"})
    client.post(f"/tasks/{task.id}/exempt", data={"kind": "delay", "note": "Chờ số liệu của Cục Thống kê"})
    done = _task(app, id=task.id)
    assert (done.status, done.returns, done.late, done.exempt_late) == ("accepted", 1, 1, 1)
    board = client.get("/tasks/board?period=2026-03")
    assert "2.5" in board.text

    auth.login("unit_head", "A1")  # the reviewer of S1: one return counted, the delay exempt
    review = client.get(f"/evaluation/assessments/{world.assessments['S1']}/review")
    assert "<strong>30.0</strong>" in review.text and "<strong>15.0</strong>" in review.text
    assert "<strong>20.0</strong>" in review.text
    assert "2.5 sản phẩm quy đổi được giao, 2.5 đã nghiệm thu, 1 lần bị trả lại, 0 lần trễ hạn" in review.text


def test_out_of_scope_heads_and_other_staff_never_reach_a_task(app, client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    client.post(
        "/tasks/board",
        data={
            "people": [world.staff["S1"]],
            "product_id": "0",
            "title": "Việc",
            "coefficient": "1",
            "quantity": "1",
            "assigned_on": "2026-03-20",
            "due_on": "2026-03-31",
        },
    )
    task = _task(app, staff_id=world.staff["S1"])
    auth.login_user(world.users["unit_head_out"])
    assert client.get(f"/tasks/{task.id}").status_code == 404
    assert client.post(f"/tasks/{task.id}/cancel", data={"reason": "Không cần nữa"}).status_code == 404
    # A head cannot assign to someone outside their scope by posting their id.
    response = client.post(
        "/tasks/board",
        data={
            "people": [world.staff["S1"]],
            "product_id": "0",
            "title": "Việc",
            "coefficient": "1",
            "quantity": "1",
            "assigned_on": "2026-03-20",
            "due_on": "2026-03-31",
        },
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id))) == 1


def test_bad_assignments_keep_the_form_with_a_message(app, client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    response = client.post(
        "/tasks/board",
        data={
            "people": [world.staff["S1"]],
            "product_id": "0",
            "title": "",
            "coefficient": "0",
            "quantity": "1",
            "assigned_on": "2026-03-20",
            "due_on": "2026-03-10",
        },
    )
    assert response.status_code == 400
    assert "Hãy chọn một sản phẩm hoặc ghi tên việc phát sinh." in response.text
    response = client.post(
        "/tasks/board",
        data={
            "people": [world.staff["S1"]],
            "product_id": "0",
            "title": "Việc",
            "coefficient": "1",
            "quantity": "1",
            "assigned_on": "2026-03-20",
            "due_on": "2026-03-10",
        },
    )
    assert response.status_code == 400 and "Hạn hoàn thành không được trước ngày giao." in response.text


def test_catalogue_pages_for_the_province_and_for_a_unit(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post(
        "/tasks/products/new",
        data={
            "code": "vb-tm",
            "name_vi": "Văn bản tham mưu",
            "name_en": "Advisory document",
            "measure": "văn bản",
            "coefficient": "1,0",
            "unit_id": "0",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    auth.login_user(world.users["unit_head_in"])
    assert "Văn bản tham mưu" in client.get("/tasks/products").text
    province_wide = client.post(
        "/tasks/products/new",
        data={
            "code": "X",
            "name_vi": "X",
            "coefficient": "1",
            "unit_id": "0",
            "effective_from": "2026-01-01",
        },
    )
    assert province_wide.status_code == 400  # a unit head keeps only their unit's entries
    response = client.post(
        "/tasks/products/new",
        data={
            "code": "HS-A",
            "name_vi": "Hồ sơ",
            "coefficient": "0.1",
            "unit_id": str(world.units["A1"]),
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    again = client.post(
        "/tasks/products/new",
        data={
            "code": "HS-A",
            "name_vi": "Hồ sơ",
            "coefficient": "0.2",
            "unit_id": str(world.units["A1"]),
            "effective_from": "2026-01-01",
        },
    )
    assert again.status_code == 400 and "Đã có phiên bản" in again.text
    with app.app_context():
        assert sorted(db.session.scalars(select(Product.code))) == ["HS-A", "VB-TM"]


def test_the_upload_page_imports_all_or_nothing(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    header = (
        "external_ref,staff_code,product_code,coefficient,quantity,assigned_on,due_on,"
        "submitted_on,status,returns,late,exempt_returns,exempt_late\n"
    )
    bad = (
        header
        + "U-1,S1,,1.0,1,2026-03-01,2026-03-31,,assigned,0,0,0,0\n"
        + "U-2,S9,,1.0,1,2026-03-01,2026-03-31,,assigned,0,0,0,0\n"
    )
    response = client.post(
        "/tasks/import",
        data={"kind": "tasks", "file": (io.BytesIO(bad.encode()), "t.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "S9" in response.text
    good = header + "U-1,S1,,1.0,1,2026-03-01,2026-03-31,,assigned,0,0,0,0\n"
    response = client.post(
        "/tasks/import",
        data={"kind": "tasks", "file": (io.BytesIO(good.encode()), "t.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id))) == 1


def test_tokens_are_shown_once_stored_hashed_and_revocable(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    response = client.post("/tasks/tokens", data={"name": "Phần mềm QLVB tỉnh", "unit_code": "ROOT"})
    assert response.status_code == 200
    secret = response.text.split("<code>")[1].split("</code>")[0]
    assert secret.startswith("cv_") and len(secret) > 30
    assert secret not in client.get("/tasks/tokens").text
    with app.app_context():
        token = db.session.scalar(select(IntegrationToken))
        assert token.token_hash != secret
    client.post(f"/tasks/tokens/{token.id}/revoke", data={})
    with app.app_context():
        assert db.session.get(IntegrationToken, token.id).revoked_at is not None


def test_the_policy_form_edits_the_ledger_numbers(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    form = client.get("/evaluation/policies/new")
    assert 'name="quality_deduction"' in form.text and 'name="head_includes_unit"' in form.text
    data = {
        "name": "Chính sách 2026-05",
        "effective_from": "2026-05",
        "total_max": "100",
        "open_day": "20",
        "self_due_day": "2",
        "review_due_day": "4",
        "close_day": "6",
        "objection_days": "5",
        "excellent_quota_ratio": "0.2",
        "min_months": "6",
        "consecutive_years": "2",
        "discipline_min_form": "khien_trach",
        "warning_low_months": "3",
        "satisfaction_min_ratings": "5",
        "conduct_response_days": "5",
        "self_reminder_days": "2",
        "review_reminder_days": "1",
        "repeat_offender_min": "2",
        "repeat_offender_months": "12",
        "quality_deduction": "0.5",
        "progress_deduction": "0.1",
    }
    for index, (level, low, vi, en) in enumerate(
        [
            ("A", "90", "Xuất sắc", "Excellent"),
            ("B", "70", "Tốt", "Good"),
            ("C", "50", "Đạt", "Pass"),
            ("D", "0", "Không đạt", "Fail"),
        ]
    ):
        data.update(
            {
                f"bands-{index}-level": level,
                f"bands-{index}-min_score": low,
                f"bands-{index}-label_vi": vi,
                f"bands-{index}-label_en": en,
            }
        )
    assert client.post("/evaluation/policies/new", data=data).status_code == 302
    with app.app_context():
        policy = db.session.scalar(select(Policy).order_by(Policy.effective_from.desc()))
        assert (policy.quality_deduction, policy.progress_deduction, policy.head_includes_unit) == (
            D("0.50"),
            D("0.10"),
            False,
        )


def _count(app, client, url):
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_board_and_my_tasks_run_a_bounded_number_of_queries(app, client, auth, world):
    def assign(n):
        auth.login_user(world.users["unit_head_in"])
        for number in range(n):
            client.post(
                "/tasks/board",
                data={
                    "people": [world.staff["S1"], world.staff["H1"]],
                    "product_id": "0",
                    "title": f"Việc {number}",
                    "coefficient": "1",
                    "quantity": "1",
                    "assigned_on": "2026-03-02",
                    "due_on": "2026-03-31",
                },
            )

    assign(2)
    small = (_count(app, client, "/tasks/board?period=2026-03"),)
    auth.login_user(world.users["staff"])
    small += (_count(app, client, "/tasks/mine"),)
    assign(20)
    large = (_count(app, client, "/tasks/board?period=2026-03"),)
    auth.login_user(world.users["staff"])
    large += (_count(app, client, "/tasks/mine"),)
    assert large == small
