"""A month end to end: open, self-assess, review, levels, close, publish, reopen, objection."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit import AuditEvent
from app.evaluation import services
from app.evaluation.models import Assessment, AssessmentCriterion
from app.extensions import db
from app.org.models import Staff
from tests import factories
from tests.evaluation.conftest import fetch, input_value, scores_form, split


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_opening_creates_one_assessment_per_active_staff_member_with_copied_criteria(app, world):
    with app.app_context():
        rows = db.session.execute(
            select(Staff.code, Assessment.status, func.count(AssessmentCriterion.id))
            .join(Assessment.staff).join(AssessmentCriterion)
            .group_by(Staff.code, Assessment.status)).all()
        period = services.get_period("2026-03")
        assert (period.self_due_on, period.review_due_on, period.closes_on, period.opens_on) == (
            date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 7), date(2026, 3, 25))
    # Non-heads get the 8 criteria of the default framework, the head of A1 the 9 with L1.
    assert sorted(rows) == [("H1", "draft", 9), ("S1", "draft", 8), ("S2", "draft", 8)]


def test_opening_twice_creates_nothing_new_but_adds_new_staff(app, world):
    with app.app_context():
        again = services.open_period("2026-03")
        assert again.created == 0
        factories.create_staff("S9", "B")
        inactive = factories.create_staff("S10", "B")
        inactive.active = False
        db.session.commit()
        third = services.open_period("2026-03")
        assert third.created == 1
    assert _count(app, Assessment) == 4
    assert _count(app, AssessmentCriterion) == 9 + 8 * 3


def test_a_closed_period_cannot_be_opened_again(app, runner, world):
    with app.app_context():
        services.close_period("2026-03")
    result = runner.invoke(args=["evaluation", "open-period", "2026-03"])
    assert result.exit_code == 1 and "đã đóng" in result.stderr


@pytest.mark.parametrize("bad", ["2026-13", "26-03", "2026-3", "march"])
def test_period_codes_are_checked(runner, world, bad):
    result = runner.invoke(args=["evaluation", "open-period", bad])
    assert result.exit_code == 1 and "YYYY-MM" in result.stderr


def test_staff_member_saves_a_draft_then_submits(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    page = client.get(f"/evaluation/assessments/{a.id}")
    assert "Tự chấm điểm từng tiêu chí" in page.text and "Văn hóa công vụ" in page.text
    draft = {"C1": "5", "C2": "9.5"}
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form(draft, a.version, report="Hoàn thành 12 hồ sơ.", save="1"))
    assert response.status_code == 302
    a = fetch(app, "S1")
    assert a.status == "draft" and a.self_total == Decimal("14.5")
    full = {c.code: c.max_score for c in a.criteria}
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form(full, a.version, report="Hoàn thành 12 hồ sơ.", submit="1"))
    assert response.status_code == 302
    a = fetch(app, "S1")
    assert (a.status, a.self_total, a.self_report) == ("self_submitted", Decimal("100.0"),
                                                       "Hoàn thành 12 hồ sơ.")
    # Submitted: no longer editable.
    again = client.post(f"/evaluation/assessments/{a.id}/self",
                        data=scores_form(draft, a.version, save="1"))
    assert again.status_code == 400 and "không thể sửa" in again.text
    assert fetch(app, "S1").self_total == Decimal("100.0")


def test_submitting_needs_every_score_within_its_maximum(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form({"C1": "6", "C2": "4.55"}, a.version, submit="1"))
    assert response.status_code == 400
    # One message for out of range (C1 = 6) and for too many decimals (C2 = 4.55), the typed value kept.
    assert "Điểm phải là một số từ 0 đến 5, tối đa một chữ số thập phân (ví dụ 4,5)." in response.text
    assert "Điểm phải là một số từ 0 đến 10, tối đa một chữ số thập phân (ví dụ 4,5)." in response.text
    assert 'value="4.55"' in response.text and 'value="6"' in response.text
    assert "Trường này là bắt buộc." in response.text  # T1 is missing
    a = fetch(app, "S1")
    assert a.status == "draft" and all(c.self_score is None for c in a.criteria)


def test_self_assessment_closes_at_its_deadline(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    clock.freeze(date(2026, 4, 4))
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form({"C1": "5"}, a.version, save="1"))
    assert response.status_code == 400 and "Đã hết hạn" in response.text
    assert fetch(app, "S1").criteria[0].self_score is None


def test_nobody_sees_or_fills_someone_elses_assessment(app, client, auth, world):
    auth.login_user(world.users["staff"])
    s2 = fetch(app, "S2")
    assert client.get(f"/evaluation/assessments/{s2.id}").status_code == 404
    assert client.post(f"/evaluation/assessments/{s2.id}/self",
                       data=scores_form({"C1": "5"}, s2.version, save="1")).status_code == 404
    assert client.get(f"/evaluation/assessments/{s2.id}/review").status_code == 403


@pytest.mark.parametrize("total, level", [("89.9", "B"), ("90.0", "A"), ("70.0", "B"), ("69.9", "C"),
                                          ("50.0", "C"), ("49.9", "D"), ("0", "D"), ("100", "A")])
def test_review_scores_and_bands_at_the_edges(app, client, auth, world, head_a1, total, level):
    auth.login_user(head_a1)
    a = fetch(app, "S1")
    scores = split(total, a.criteria)
    response = client.post(f"/evaluation/assessments/{a.id}/review",
                           data=scores_form(scores, a.version, comment="Tốt"))
    assert response.status_code == 302
    a = fetch(app, "S1")
    assert (a.status, a.score, a.level) == ("reviewed", Decimal(total).quantize(Decimal("0.1")), level)
    assert a.reviewed_without_self is True


def test_the_head_sees_self_scores_and_reviews_with_an_audit_trail(app, client, auth, world, head_a1):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{a.id}/self",
                data=scores_form({c.code: c.max_score for c in a.criteria}, a.version, submit="1"))
    auth.login_user(head_a1)
    page = client.get(f"/evaluation/assessments/{a.id}/review")
    assert page.status_code == 200 and "Tự chấm" in page.text and "100.0" in page.text
    a = fetch(app, "S1")
    scores = split("85.5", a.criteria)
    client.post(f"/evaluation/assessments/{a.id}/review", data=scores_form(scores, a.version))
    a = fetch(app, "S1")
    assert (a.score, a.level, a.reviewed_without_self) == (Decimal("85.5"), "B", False)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.reviewed"))
        assert event.after["score"] == "85.5" and event.before["score"] is None
        assert event.actor_label == "head_a1"


def test_a_stale_review_form_is_refused_and_nothing_is_overwritten(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    a = fetch(app, "S1")
    stale_version = a.version
    client.post(f"/evaluation/assessments/{a.id}/review",
                data=scores_form(split("80", a.criteria), stale_version))
    response = client.post(f"/evaluation/assessments/{a.id}/review",
                           data=scores_form(split("40", a.criteria), stale_version), follow_redirects=True)
    assert "vừa được người khác cập nhật" in response.text
    assert fetch(app, "S1").score == Decimal("80.0")


def test_l1_suggestion_follows_the_units_levels(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    auth.login_user(world.users["unit_head_in"])  # the head of A reviews H1, the head of A1
    h1 = fetch(app, "H1")
    page = client.get(f"/evaluation/assessments/{h1.id}/review")
    assert "Mới có 0/1 người được đánh giá" in page.text
    auth.login_user(head_a1)
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("45", s1.criteria), s1.version))
    auth.login_user(world.users["unit_head_in"])
    page = client.get(f"/evaluation/assessments/{h1.id}/review")
    assert "1 người của đơn vị bị xếp mức thấp nhất trong tháng." in page.text
    assert input_value(page.text, "score_L1") == "10.0"
    h1 = fetch(app, "H1")
    client.post(f"/evaluation/assessments/{h1.id}/review",
                data=scores_form({c.code: c.max_score for c in h1.criteria}, h1.version))
    with app.app_context():
        l1 = db.session.scalar(select(AssessmentCriterion).where(
            AssessmentCriterion.assessment_id == h1.id, AssessmentCriterion.code == "L1"))
        assert l1.suggested_score == Decimal("10.0") and l1.head_score == Decimal("20.0")


def test_l1_suggests_full_marks_when_nobody_is_rated_lowest(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("75", s1.criteria), s1.version))
    auth.login_user(world.users["unit_head_in"])
    page = client.get(f"/evaluation/assessments/{fetch(app, 'H1').id}/review")
    assert "Không ai của đơn vị bị xếp mức thấp nhất" in page.text
    assert input_value(page.text, "score_L1") == "20.0"


def test_closing_locks_reviewed_and_marks_the_rest_not_evaluated(app, client, auth, runner, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("91", s1.criteria), s1.version))
    result = runner.invoke(args=["evaluation", "close-period", "2026-03"])
    assert result.exit_code == 0, result.output
    assert "1 phiếu chốt, 2 phiếu không được đánh giá" in result.output
    statuses = {code: fetch(app, code).status for code in ("S1", "H1", "S2")}
    assert statuses == {"S1": "closed", "H1": "not_evaluated", "S2": "not_evaluated"}
    again = runner.invoke(args=["evaluation", "close-period", "2026-03"])
    assert "đã đóng trước đó" in again.output
    assert {code: fetch(app, code).status for code in statuses} == statuses
    # Read-only now.
    s1 = fetch(app, "S1")
    response = client.post(f"/evaluation/assessments/{s1.id}/review",
                           data=scores_form(split("10", s1.criteria), s1.version), follow_redirects=True)
    assert "không còn được sửa" in response.text
    assert fetch(app, "S1").score == Decimal("91.0")


def test_closing_an_unknown_period_is_a_clear_error(runner, world):
    result = runner.invoke(args=["evaluation", "close-period", "2030-01"])
    assert result.exit_code == 1 and "chưa được mở" in result.stderr


def test_published_list_shows_names_and_levels_to_colleagues_only(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review", follow_redirects=True,
                data=scores_form(split("77.7", s1.criteria), s1.version, comment="Nhận xét riêng tư"))
    with app.app_context():
        services.close_period("2026-03")
    auth.login_user(world.users["staff"])
    page = client.get(f"/evaluation/units/{world.units['A1']}/results?period=2026-03")
    assert page.status_code == 200
    assert "Nguyễn Văn S1" in page.text and "Hoàn thành tốt nhiệm vụ" in page.text
    assert "77.7" not in page.text and "Nhận xét riêng tư" not in page.text
    assert "Nguyễn Văn H1" not in page.text  # not evaluated: not on the list
    with app.app_context():
        colleague = factories.create_user([("staff", "B")], staff_code="S2", username="s2").id
    auth.login_user(colleague)
    assert client.get(f"/evaluation/units/{world.units['A1']}/results").status_code == 403
    assert client.get(f"/evaluation/units/{world.units['B']}/results?period=2026-03").status_code == 200
    assert client.get(f"/evaluation/units/{world.units['B']}/results?period=2026-13").status_code == 404


def test_reopening_lets_the_reviewer_score_again_and_closes_again(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("60", s1.criteria), s1.version))
    with app.app_context():
        services.close_period("2026-03")
    auth.login_user(world.users["hr_admin"])
    short = client.post(f"/evaluation/assessments/{s1.id}/reopen", data={"reason": "ngắn"})
    assert short.status_code == 400 and fetch(app, "S1").status == "closed"
    client.post(f"/evaluation/assessments/{s1.id}/reopen",
                data={"reason": "Kiến nghị được chấp nhận: bổ sung hồ sơ tháng 3."})
    s1 = fetch(app, "S1")
    assert (s1.status, s1.reopened) == ("draft", True)
    auth.login_user(head_a1)
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("72", s1.criteria), s1.version))
    s1 = fetch(app, "S1")
    assert (s1.status, s1.score, s1.level, s1.reopened) == ("closed", Decimal("72.0"), "B", False)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "assessment")
                                     .order_by(AuditEvent.id)).all()
        assert actions == ["assessment.reviewed", "assessment.reopened", "assessment.reviewed"]
        reopened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.reopened"))
        assert "bổ sung hồ sơ" in reopened.after["reason"] and reopened.before["score"] == "60.0"


def test_objection_within_the_window_and_the_answer(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("65", s1.criteria), s1.version))
    clock.freeze(date(2026, 4, 7))
    with app.app_context():
        services.close_period("2026-03")
    auth.login_user(world.users["staff"])
    clock.freeze(date(2026, 4, 12))
    response = client.post(f"/evaluation/assessments/{s1.id}/objection",
                           data={"text": "Tôi đã hoàn thành thêm 3 hồ sơ chưa được tính."})
    assert response.status_code == 302
    twice = client.post(f"/evaluation/assessments/{s1.id}/objection",
                        data={"text": "Một lần nữa, xin xem lại."})
    assert twice.status_code == 400
    auth.login_user(head_a1)
    client.post(f"/evaluation/assessments/{s1.id}/objection/answer",
                data={"answer": "Đã kiểm tra, đề nghị mở lại."})
    page = client.get(f"/evaluation/assessments/{s1.id}")
    assert "chưa được tính" in page.text and "đề nghị mở lại" in page.text


def test_objection_after_the_window_is_refused(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("65", s1.criteria), s1.version))
    clock.freeze(date(2026, 4, 7))
    with app.app_context():
        services.close_period("2026-03")
    clock.freeze(date(2026, 4, 13))
    auth.login_user(world.users["staff"])
    response = client.post(f"/evaluation/assessments/{s1.id}/objection",
                           data={"text": "Tôi đã hoàn thành thêm 3 hồ sơ chưa được tính."})
    assert response.status_code == 400 and "hết thời hạn kiến nghị" in response.text
    with app.app_context():
        assert db.session.get(Assessment, s1.id).objection is None


def test_team_page_counts_progress(app, client, auth, world, head_a1):
    with app.app_context():
        for number in range(3):
            factories.create_staff(f"T{number}", "A1")
        services.open_period("2026-03")
    auth.login_user(world.users["staff"])
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/self",
                data=scores_form({c.code: c.max_score for c in s1.criteria}, s1.version, submit="1"))
    auth.login_user(head_a1)
    page = client.get("/evaluation/team")
    assert "<strong>3</strong> chưa tự đánh giá" in page.text
    assert "<strong>1</strong> chờ thủ trưởng đánh giá" in page.text
    assert "Nguyễn Văn H1" not in page.text  # a head never reviews themselves
    clock.freeze(date(2026, 4, 6))
    assert "<strong>4</strong> quá hạn" in client.get("/evaluation/team").text


def test_hr_admin_opens_and_closes_periods_through_the_page(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    bad = client.post("/evaluation/periods/open", data={"code": "2026-3"})
    assert bad.status_code == 400 and "YYYY-MM" in bad.text
    asked = client.post("/evaluation/periods/open", data={"code": "2026-04"})
    assert asked.status_code == 200 and "Mở kỳ 2026-04 sẽ tạo 3 phiếu đánh giá." in asked.text
    response = client.post("/evaluation/periods/open", data={"code": "2026-04", "confirm": "1"},
                           follow_redirects=True)
    assert "Kỳ 2026-04: đã tạo 3 phiếu đánh giá." in response.text
    clock.freeze(date(2026, 5, 10))  # after the policy's closing day of April: no question asked
    response = client.post("/evaluation/periods/2026-04/close", follow_redirects=True)
    assert "Đã đóng kỳ 2026-04" in response.text
    assert client.post("/evaluation/periods/2099-99/close").status_code == 404


def test_my_assessment_page_shows_the_history_chart(app, client, auth, world, head_a1):
    auth.login_user(head_a1)
    s1 = fetch(app, "S1")
    client.post(f"/evaluation/assessments/{s1.id}/review",
                data=scores_form(split("88", s1.criteria), s1.version))
    with app.app_context():
        services.close_period("2026-03")
    auth.login_user(world.users["staff"])
    page = client.get("/evaluation/my")
    assert page.status_code == 200 and "<svg" in page.text and "2026-03: 88.0 (B)" in page.text


def test_two_saves_of_the_same_assessment_at_once_end_in_a_clear_refusal(app, world, head_a1):
    from sqlalchemy import update

    from app.errors import StaleError
    from app.evaluation.models import Assessment as A

    with app.app_context():
        assessment = db.session.get(A, world.assessments["S1"])
        scores = split("80", assessment.criteria)
        seen_version = assessment.version
        with db.engine.begin() as other:  # another head's save lands first
            other.execute(update(A).where(A.id == assessment.id).values(version=A.version + 1))
        head = db.session.get(factories.User, head_a1)
        with pytest.raises(StaleError, match="người khác"):
            services.review_assessment(assessment, scores, "", seen_version, head, {})
        db.session.expire_all()
        assert db.session.get(A, world.assessments["S1"]).score is None  # nothing overwritten
