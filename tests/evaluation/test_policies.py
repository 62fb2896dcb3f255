"""Policies and frameworks are data: new versions, the Hà Nội variant, sums that must match."""
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from app import clock
from app.errors import DomainError
from app.evaluation import services
from app.evaluation.models import Framework, Policy
from app.extensions import db
from tests.evaluation.conftest import fetch, scores_form

HANOI = [
    {"code": "K1", "group_code": "general", "name_vi": "Đạo đức, lối sống", "name_en": "Ethics",
     "max_score": D("10"), "auto_source": None, "auto_param": None},
    {"code": "K2", "group_code": "general", "name_vi": "Kỷ luật, kỷ cương", "name_en": "Discipline",
     "max_score": D("10"), "auto_source": "conduct", "auto_param": None},
    {"code": "K3", "group_code": "tasks", "name_vi": "Kết quả nhiệm vụ", "name_en": "Tasks",
     "max_score": D("70"), "auto_source": None, "auto_param": None},
    {"code": "K4", "group_code": "bonus", "name_vi": "Điểm thưởng", "name_en": "Bonus",
     "max_score": D("10"), "auto_source": None, "auto_param": None},
]


def test_seeded_defaults_follow_the_spec(app, world):
    with app.app_context():
        policy = services.policy_in_force(date(2026, 3, 1))
        assert [(b.level, b.min_score) for b in policy.bands] == [
            ("A", D("90.0")), ("B", D("70.0")), ("C", D("50.0")), ("D", D("0.0"))]
        assert (policy.total_max, policy.open_day, policy.self_due_day, policy.review_due_day,
                policy.close_day, policy.min_months, policy.consecutive_years) == (
            D("100.0"), 25, 3, 5, 7, 6, 2)
        assert policy.excellent_quota_ratio == D("0.20")
        frameworks = {f.code: f for f in db.session.scalars(select(Framework))}
        assert {code: (f.total_max, f.enabled) for code, f in frameworks.items()} == {
            "ND335": (D("100.0"), True), "ND335-LD": (D("100.0"), True),
            "HN-1841": (D("100.0"), False), "HN-1841-LD": (D("100.0"), False)}
        assert [c.code for c in frameworks["ND335-LD"].criteria][-1] == "L1"
        assert [c.group_code for c in frameworks["HN-1841"].criteria].count("bonus") == 1


def test_a_hanoi_variant_created_as_data_scores_and_bands_a_month(app, client, auth, world, head_a1):
    with app.app_context():
        services.create_framework("HN-TEST", "Hà Nội 20 + 70 + 10", date(2026, 4, 1), False,
                                  ["can_bo", "cong_chuc", "vien_chuc", "hop_dong"], HANOI)
        clock.freeze(date(2026, 4, 26))
        services.open_period("2026-04")
    s1 = fetch(app, "S1", "2026-04")
    assert [c.code for c in s1.criteria] == ["K1", "K2", "K3", "K4"]
    assert fetch(app, "S1", "2026-03").criteria[0].code == "C1"  # March keeps its own criteria
    auth.login_user(head_a1)
    page = client.get(f"/evaluation/assessments/{s1.id}/review")
    assert "Điểm thưởng" in page.text
    response = client.post(f"/evaluation/assessments/{s1.id}/review", data=scores_form(
        {"K1": "9", "K2": "8", "K3": "63", "K4": "10"}, s1.version))
    assert response.status_code == 302
    s1 = fetch(app, "S1", "2026-04")
    assert (s1.score, s1.level) == (D("90.0"), "A")


def test_a_framework_whose_maximums_do_not_add_up_is_refused(app, world):
    with app.app_context():
        wrong = [dict(c) for c in HANOI]
        wrong[3]["max_score"] = D("9.9")
        with pytest.raises(DomainError, match="99.9"):
            services.create_framework("BAD", "Sai", date(2026, 5, 1), False, ["cong_chuc"], wrong)
        assert db.session.scalar(select(Framework).where(Framework.code == "BAD")) is None


def test_framework_page_refuses_a_bad_sum_and_keeps_nothing(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    data = {"code": "X1", "name": "Thử", "effective_from": "2026-05", "categories": ["cong_chuc"],
            "enabled": "y", "criteria-0-code": "Q1", "criteria-0-group_code": "general",
            "criteria-0-name_vi": "Một", "criteria-0-max_score": "60", "criteria-0-auto_source": "",
            "criteria-1-code": "Q2", "criteria-1-group_code": "tasks", "criteria-1-name_vi": "Hai",
            "criteria-1-max_score": "30", "criteria-1-auto_source": ""}
    response = client.post("/evaluation/frameworks/new", data=data)
    assert response.status_code == 400
    assert "Tổng điểm tối đa của các tiêu chí là 90, phải bằng 100.0." in response.text
    data["criteria-1-max_score"] = "40"
    response = client.post("/evaluation/frameworks/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        framework = db.session.scalar(select(Framework).where(Framework.code == "X1"))
        assert [(c.code, c.max_score, c.name_en) for c in framework.criteria] == [
            ("Q1", D("60.0"), "Một"), ("Q2", D("40.0"), "Hai")]


def test_framework_can_be_turned_off(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    with app.app_context():
        framework_id = db.session.scalar(select(Framework.id).where(Framework.code == "ND335"))
    client.post(f"/evaluation/frameworks/{framework_id}/enabled", data={"enabled": "0"})
    with app.app_context():
        assert db.session.get(Framework, framework_id).enabled is False
        clock.freeze(date(2026, 4, 26))
        result = services.open_period("2026-04")
        assert (result.created, result.without_framework) == (1, 2)  # only the head H1


def test_a_new_policy_version_changes_bands_and_calendar_from_its_month(app, client, auth, world, head_a1):
    auth.login_user(world.users["hr_admin"])
    form = client.get("/evaluation/policies/new")
    assert form.status_code == 200 and 'value="Hoàn thành xuất sắc nhiệm vụ"' in form.text
    data = {"name": "Chính sách 2026-05", "effective_from": "2026-05", "total_max": "100",
            "open_day": "20", "self_due_day": "2", "review_due_day": "4", "close_day": "6",
            "objection_days": "3", "excellent_quota_ratio": "0.15", "min_months": "6",
            "consecutive_years": "2", "discipline_min_form": "canh_cao", "warning_low_months": "2",
            "satisfaction_min_ratings": "5", "conduct_response_days": "5",
            "self_reminder_days": "2", "review_reminder_days": "1", "repeat_offender_min": "2",
            "repeat_offender_months": "12"}
    for index, (level, low, vi, en) in enumerate([("A", "85", "Xuất sắc", "Excellent"),
                                                  ("B", "70", "Tốt", "Good"),
                                                  ("C", "50", "Đạt", "Pass"),
                                                  ("D", "0", "Không đạt", "Fail")]):
        data.update({f"bands-{index}-level": level, f"bands-{index}-min_score": low,
                     f"bands-{index}-label_vi": vi, f"bands-{index}-label_en": en})
    response = client.post("/evaluation/policies/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        clock.freeze(date(2026, 5, 21))
        period = services.open_period("2026-05").period
        assert (period.opens_on, period.self_due_on, period.closes_on) == (
            date(2026, 5, 20), date(2026, 6, 2), date(2026, 6, 6))
    s1 = fetch(app, "S1", "2026-05")
    auth.login_user(head_a1)
    scores = {"C1": "5", "C2": "10", "C3": "5", "C4": "5", "C5": "5", "T1": "30", "T2": "20", "T3": "5"}
    client.post(f"/evaluation/assessments/{s1.id}/review", data=scores_form(scores, s1.version))
    assert (fetch(app, "S1", "2026-05").score, fetch(app, "S1", "2026-05").level) == (D("85.0"), "A")
    assert fetch(app, "S1", "2026-03").period.policy.name.startswith("Mặc định")
    with app.app_context():
        policy = db.session.scalar(select(Policy).where(Policy.name == "Chính sách 2026-05"))
        assert (policy.discipline_min_form, policy.warning_low_months) == ("canh_cao", 2)


def test_policy_form_errors_change_nothing(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post("/evaluation/policies/new", data={
        "name": "Sai", "effective_from": "2026-5", "total_max": "abc", "open_day": "40",
        "self_due_day": "5", "review_due_day": "3", "close_day": "2", "objection_days": "3",
        "excellent_quota_ratio": "0.2", "min_months": "6", "consecutive_years": "2"})
    assert response.status_code == 400
    assert "YYYY-MM" in response.text
    assert "Điểm phải là một số từ 1 đến 1000, tối đa một chữ số thập phân (ví dụ 4,5)." in response.text
    assert "Hạn đánh giá phải sau hạn tự đánh giá." in response.text
    with app.app_context():
        assert len(db.session.scalars(select(Policy)).all()) == 1
