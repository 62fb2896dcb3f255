"""Conduct: the seeded catalogue, inspections with photos, reports reviewed by the lead, the
person's response, the C2 suggestion, statistics, and uploads that are refused."""
import io
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from app import clock, uploads
from app.conduct import services
from app.conduct.models import ConductReport, ConductRule, Finding, Inspection, Photo
from app.evaluation import services as evaluation_services
from app.extensions import db
from tests import factories
from tests.evaluation.conftest import fetch, input_value

PNG = factories.image_bytes("PNG")
JPEG = factories.image_bytes("JPEG")


def _open_inspection(client, unit_code="A1", template=None):
    with client.application.app_context():
        template_id = template or db.session.scalar(select(services.ChecklistTemplate.id).order_by(
            services.ChecklistTemplate.id.desc()))  # "Kiểm tra kỷ luật, kỷ cương công sở"
    response = client.post("/conduct/inspections/new", data={
        "unit_code": unit_code, "template_id": template_id, "inspected_at": "2026-03-12T09:30"})
    assert response.status_code == 302, response.text
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _rule(code):
    return db.session.scalar(select(ConductRule).where(ConductRule.code == code))


def test_the_catalogue_is_seeded_with_checkable_rules_and_two_templates(app, world):
    with app.app_context():
        rules = {r.code: r for r in db.session.scalars(select(ConductRule))}
        assert len(rules) >= 16
        assert rules["VH07"].severity == "serious" and rules["VH07"].deduction == Decimal("10.0")
        assert "129/2007" in rules["VH01"].legal_source
        assert {r.place for r in rules.values()} == {"workplace", "residential_area", "public_place"}
        names = {t.name for t in db.session.scalars(select(services.ChecklistTemplate))}
        assert names == {"Kiểm tra đột xuất bộ phận một cửa", "Kiểm tra kỷ luật, kỷ cương công sở"}


def test_an_inspection_end_to_end_feeds_c2(app, client, auth, world):
    clock.freeze(datetime(2026, 3, 12, 9, 0))
    auth.login_user(world.users["inspector"])
    inspection_id = _open_inspection(client)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert {p.staff.code for p in inspection.people} == {"S1", "H1"}
        badge, dress = _rule("VH01"), _rule("VH02")
    s1, h1 = world.staff["S1"], world.staff["H1"]
    response = client.post(f"/conduct/inspections/{inspection_id}/people/{s1}", data={
        "presence": "present", "all_compliant": "1", f"outcome_{badge.id}": "violation",
        f"note_{badge.id}": "Không đeo thẻ",
        f"photo_{badge.id}": (io.BytesIO(JPEG), "the.jpg"),
        f"outcome_{dress.id}": "violation", f"note_{dress.id}": "Mặc áo phông"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    client.post(f"/conduct/inspections/{inspection_id}/people/{h1}", data={"presence": "absent_unexcused"})
    response = client.post(f"/conduct/inspections/{inspection_id}/report")
    report_id = int(response.headers["Location"].split("/")[-1])
    with app.app_context():
        report = db.session.get(ConductReport, report_id)
        findings = sorted((f.staff.code, f.rule.code, f.deduction) for f in report.findings)
        assert findings == [("H1", "VH03", Decimal("2.0")), ("S1", "VH01", Decimal("2.0")),
                            ("S1", "VH02", Decimal("2.0"))]
        photo = db.session.scalar(select(Photo))
        assert photo.content_type == "image/jpeg" and services.photo_path(photo).exists()
        assert "static" not in str(services.photo_path(photo))
    # The report freezes the checklist.
    again = client.post(f"/conduct/inspections/{inspection_id}/people/{s1}", data={"presence": "present"})
    assert again.status_code == 400 and "không thể sửa" in again.text
    client.post(f"/conduct/reports/{report_id}/submit", data={"summary": "Kiểm tra đột xuất sáng 12/3."})
    # The person sees it and responds; the lead decides.
    auth.login_user(world.users["staff"])
    mine = client.get("/conduct/mine")
    assert "Không đeo thẻ" in mine.text and "Chờ kết luận" in mine.text
    with app.app_context():
        finding_id = db.session.scalar(
            select(Finding.id).where(Finding.staff_id == s1, Finding.rule_id == badge.id))
    client.post(f"/conduct/findings/{finding_id}/respond", data={"text": "Tôi để quên thẻ ở nhà hôm đó."})
    assert client.get(f"/conduct/photos/{photo.id}").status_code == 200
    auth.login_user(world.users["inspector"])
    incomplete = client.post(f"/conduct/reports/{report_id}/review",
                             data={f"status_{finding_id}": "confirmed"})
    assert incomplete.status_code == 400 and "kèm lý do" in incomplete.text
    with app.app_context():
        decisions = {f.id: ("dismissed" if f.rule.code == "VH02" else "confirmed") for f in
                     db.session.get(ConductReport, report_id).findings}
    data = {}
    for fid, status in decisions.items():
        data[f"status_{fid}"], data[f"reason_{fid}"] = status, "Đã xác minh tại chỗ."
    assert client.post(f"/conduct/reports/{report_id}/review", data=data).status_code == 302
    # C2 of March for S1: 10 − 2 (the badge; the dress finding was dismissed).
    with app.app_context():
        clock.freeze(date(2026, 3, 26))
        evaluation_services.open_period("2026-03")
        head = factories.create_user([("unit_head", "A1")], staff_code="H1", username="head_a1").id
    auth.login_user(head)
    page = client.get(f"/evaluation/assessments/{fetch(app, 'S1').id}/review")
    assert "VH01 −2.0" in page.text and "VH02" not in page.text
    assert input_value(page.text, "score_C2") == "8.0"
    # Nobody edits a reviewed report.
    auth.login_user(world.users["inspector"])
    assert client.post(f"/conduct/reports/{report_id}/review", data=data).status_code == 400


def test_c2_suggests_full_marks_without_confirmed_findings(app, client, auth, world):
    with app.app_context():
        factories.create_user([("unit_head", "A1")], staff_code="H1", username="head_a1")
    auth.login_with_password("head_a1", factories.PASSWORD)
    page = client.get(f"/evaluation/assessments/{fetch(app, 'S1').id}/review")
    assert "Không có vi phạm văn hóa công vụ được xác nhận trong tháng." in page.text
    assert input_value(page.text, "score_C2") == "10.0"


def test_deductions_are_floored_at_zero(app, world):
    with app.app_context():
        inspector = db.session.get(factories.User, world.users["inspector"])
        staff = db.session.get(factories.Staff, world.staff["S1"])
        for code in ("VH07", "VH04"):  # 10 + 5 points
            report = services.raise_report("unit_head", staff, _rule(code), date(2026, 3, 5),
                                           "Vi phạm nghiêm trọng", inspector)
            services.submit_report(report, "")
            report.findings[0].status = "confirmed"
        db.session.commit()
        assessment = fetch(app, "S1")
        assessment = db.session.merge(assessment)
        from app.evaluation.suggestions import suggestions_for

        suggestion = suggestions_for([assessment])[(assessment.id, "C2")]
        assert suggestion.score == Decimal("0.0") and "trừ 15.0 điểm" in suggestion.explanation


def test_bad_uploads_are_refused_and_store_nothing(app, client, auth, world):
    auth.login_user(world.users["inspector"])
    inspection_id = _open_inspection(client)
    with app.app_context():
        badge = _rule("VH01")
    with app.app_context():
        before = set(uploads.folder("conduct").iterdir())
    cases = [(b"MZ\x90\x00" + b"\0" * 100, "photo.jpg"),       # a renamed executable
             (b"GIF89a" + b"\0" * 100, "photo.gif"),           # wrong type
             (PNG + b"\0" * (5 * 1024 * 1024), "big.png")]     # too large
    for data, name in cases:
        response = client.post(f"/conduct/inspections/{inspection_id}/people/{world.staff['S1']}", data={
            "presence": "present", "all_compliant": "1", f"outcome_{badge.id}": "violation",
            f"note_{badge.id}": "Không đeo thẻ", f"photo_{badge.id}": (io.BytesIO(data), name)},
            content_type="multipart/form-data")
        assert response.status_code in (400, 413)
        assert "JPEG hoặc PNG" in response.text or "quá lớn" in response.text.lower()
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Photo.id))) == 0
        assert db.session.scalar(select(db.func.count(services.InspectionEntry.inspection_id))) == 0
        assert set(uploads.folder("conduct").iterdir()) == before


def test_inspectors_act_only_in_their_scope(app, client, auth, world):
    with app.app_context():
        outsider = factories.create_user([("inspector", "B")], username="insp_b").id
    auth.login_user(outsider)
    response = client.post("/conduct/inspections/new", data={
        "unit_code": "A1", "template_id": 1, "inspected_at": "2026-03-12T09:30"})
    assert response.status_code == 400 and "Không có đơn vị này trong phạm vi" in response.text
    auth.login_user(world.users["inspector"])
    inspection_id = _open_inspection(client)
    auth.login_user(outsider)
    assert client.get(f"/conduct/inspections/{inspection_id}").status_code == 404


def test_a_unit_head_reports_and_an_inspector_raises_from_a_complaint(app, client, auth, world):
    auth.login_user(world.users["unit_head_in"])
    with app.app_context():
        rule_id = _rule("VH09").id
    response = client.post("/conduct/reports/new", data={
        "staff_code": "S1", "rule_id": rule_id, "occurred_on": "2026-03-03",
        "note": "Quát nạt người dân tại quầy."})
    assert response.status_code == 302
    outside = client.post("/conduct/reports/new", data={
        "staff_code": "S2", "rule_id": rule_id, "occurred_on": "2026-03-03", "note": "Không thuộc phạm vi."})
    assert "Không có cán bộ này trong phạm vi" in outside.text
    with app.app_context():
        assert db.session.scalar(select(ConductReport.source)) == "unit_head"
        assert db.session.scalar(select(db.func.count(ConductReport.id))) == 1


def test_stats_count_confirmed_violations_and_repeat_offenders(app, client, auth, world):
    clock.freeze(datetime(2026, 3, 20, 9, 0))
    with app.app_context():
        inspector = db.session.get(factories.User, world.users["inspector"])
        staff = db.session.get(factories.Staff, world.staff["S1"])
        for day in (3, 10):
            report = services.raise_report("unit_head", staff, _rule("VH03"), date(2026, 3, day),
                                           "Đi muộn 30 phút", inspector)
            services.submit_report(report, "")
            report.findings[0].status = "confirmed"
        db.session.commit()
    auth.login_user(world.users["hr_admin"])
    page = client.get("/conduct/stats?period=2026-03")
    assert "VH03" in page.text and "Nguyễn Văn S1" in page.text
    assert client.get("/conduct/stats?period=03-2026").status_code == 404
    profile = client.get(f"/org/staff/{world.staff['S1']}")
    assert "Có mặt đúng giờ" in profile.text


def test_hr_admin_edits_and_retires_a_rule_and_past_findings_keep_their_points(app, client, auth, world):
    with app.app_context():
        inspector = db.session.get(factories.User, world.users["inspector"])
        staff = db.session.get(factories.Staff, world.staff["S1"])
        services.raise_report("unit_head", staff, _rule("VH05"), date(2026, 3, 3), "Hút thuốc trong phòng",
                              inspector)
        rule_id = _rule("VH05").id
    auth.login_user(world.users["hr_admin"])
    response = client.post(f"/conduct/rules/{rule_id}/edit", data={
        "code": "VH05", "text_vi": "Không hút thuốc lá trong phòng làm việc",
        "text_en": "No smoking in workrooms",
        "place": "workplace", "category": "alcohol_smoking", "severity": "serious", "deduction": "4",
        "legal_source": "Luật PCTH thuốc lá 2012"})
    assert response.status_code == 302
    with app.app_context():
        rule = db.session.get(ConductRule, rule_id)
        assert (rule.deduction, rule.active) == (Decimal("4.0"), False)  # unticked: retired
        assert db.session.scalar(select(Finding.deduction)) == Decimal("2.0")
    assert "Đã bãi bỏ" in client.get("/conduct/rules").text
    bad = client.post("/conduct/rules/new", data={"code": "VH01", "text_vi": "x", "text_en": "x",
                                                  "place": "moon", "category": "other", "severity": "minor",
                                                  "deduction": "2.55"})
    assert bad.status_code == 400 and "Lựa chọn không hợp lệ." in bad.text
    assert "Điểm phải là một số từ 0 đến 100, tối đa một chữ số thập phân (ví dụ 4,5)." in bad.text


def test_a_blank_checklist_is_refused_and_all_compliant_records_every_rule(app, client, auth, world):
    clock.freeze(datetime(2026, 3, 12, 9, 0))
    auth.login_user(world.users["inspector"])
    inspection_id = _open_inspection(client)
    url = f"/conduct/inspections/{inspection_id}/people/{world.staff['S1']}"
    page = client.get(url).text
    assert 'name="all_compliant"' in page and "Người thứ" in page and "<progress" in page
    assert ' checked' not in page.split('name="all_compliant"')[1].split(">")[0]  # not pre-ticked
    blank = client.post(url, data={"presence": "present"})
    assert blank.status_code == 400 and "Phiếu còn trống" in blank.text
    with app.app_context():
        badge, dress = _rule("VH01"), _rule("VH02")
        assert db.session.scalar(select(db.func.count(services.InspectionEntry.inspection_id))) == 0
    partial = client.post(url, data={"presence": "present", f"outcome_{badge.id}": "compliant"})
    assert partial.status_code == 400 and "Chưa chọn kết quả cho:" in partial.text
    assert "VH02" in partial.text
    done = client.post(url, data={"presence": "present", "all_compliant": "1",
                                  f"outcome_{dress.id}": "violation", f"note_{dress.id}": "Áo phông"})
    assert done.status_code == 302
    with app.app_context():
        entries = dict(db.session.execute(
            select(ConductRule.code, services.InspectionEntry.outcome)
            .join(ConductRule, ConductRule.id == services.InspectionEntry.rule_id)).all())
        assert entries["VH02"] == "violation" and entries["VH01"] == "compliant"
        assert set(entries.values()) == {"compliant", "violation"} and len(entries) >= 5
    # Absent people need no answers.
    response = client.post(f"/conduct/inspections/{inspection_id}/people/{world.staff['H1']}",
                           data={"presence": "absent_unexcused"})
    assert response.status_code == 302
