"""New versions of the ranking policy: the form (CSRF, validation in words, nothing written on
bad input), the audit row, and each version ranking the periods it governs."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.reports import queries
from app.reports.models import RankingBand, RankingPolicy
from tests.reports.test_reports import _populate, _results

WEIGHT_MESSAGE = "Phải là một số từ 0 đến 1, tối đa 2 chữ số thập phân."
BANDS = [("tot", "85", "Tốt", "Good"), ("kha", "70", "Khá", "Fair"), ("yeu", "0", "Yếu", "Weak")]


def _form(effective="2025-07", weights=("0.50", "0.20", "0.20", "0.10"), bands=BANDS, **extra):
    data = {"name": "Chỉ số 2025 (sửa đổi)", "effective_from": effective, "violation_penalty": "5",
            **dict(zip(("weight_score", "weight_excellent", "weight_satisfaction", "weight_conduct"),
                       weights, strict=True))}
    for i, (code, low, vi, en) in enumerate(bands):
        data.update({f"bands-{i}-code": code, f"bands-{i}-min_index": low,
                     f"bands-{i}-label_vi": vi, f"bands-{i}-label_en": en})
    data.update(extra)
    return data


def _rows(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(RankingPolicy)),
                db.session.scalar(select(func.count()).select_from(RankingBand)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "ranking_policy.created")))


def test_the_form_starts_from_the_latest_version_and_the_first_open_month(app, client, auth, world):
    _populate(app, world)  # 2025-01..06 closed
    auth.login_user(world.users["hr_admin"])
    page = client.get("/reports/ranking-policy/new")
    assert page.status_code == 200
    assert 'name="effective_from" required type="text" value="2025-07"' in page.text
    assert 'name="weight_score" required type="text" value="0.40"' in page.text
    assert 'name="weight_satisfaction" required type="text" value="0.25"' in page.text
    assert 'name="bands-0-code" size="12" type="text" value="tot"' in page.text
    assert 'name="bands-3-code" size="12" type="text" value="yeu"' in page.text
    assert "/reports/ranking-policy/new" in client.get("/reports/ranking-policy").text


def test_a_new_version_is_written_audited_and_listed(app, client, auth, world):
    _populate(app, world)
    auth.login_user(world.users["hr_admin"])
    response = client.post("/reports/ranking-policy/new", data=_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/reports/ranking-policy")
    with app.app_context():
        policy = db.session.scalar(select(RankingPolicy).order_by(RankingPolicy.id.desc()).limit(1))
        assert (policy.name, str(policy.effective_from), policy.weight_score, policy.weight_conduct,
                policy.violation_penalty) == ("Chỉ số 2025 (sửa đổi)", "2025-07-01", Decimal("0.50"),
                                              Decimal("0.10"), Decimal("5.00"))
        assert [(b.code, b.min_index, b.label_en) for b in policy.bands] == [
            ("tot", Decimal("85.00"), "Good"), ("kha", Decimal("70.00"), "Fair"),
            ("yeu", Decimal("0.00"), "Weak")]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ranking_policy.created"))
        assert event.object_id == str(policy.id) and event.actor_id == world.users["hr_admin"]
        assert event.after["weight_score"] == "0.50" and event.after["bands"][0] == ["tot", "85"]
        assert db.session.scalar(select(func.count()).select_from(RankingPolicy)) == 2  # the old one kept
    listing = client.get("/reports/ranking-policy").text
    assert "Chỉ số 2025 (sửa đổi)" in listing and "Chỉ số xếp hạng đơn vị (mặc định)" in listing
    assert "Áp dụng cho các kỳ từ 01/01/2000 đến trước 01/07/2025." in listing


@pytest.mark.parametrize(("form", "message"), [
    (_form(weights=("0.50", "0.20", "0.20", "0.00")), "Tổng các trọng số là 0.90, phải bằng 1.00."),
    (_form(weights=("0.50", "0.30", "0.20", "0.10")), "Tổng các trọng số là 1.10, phải bằng 1.00."),
    (_form(bands=[("tot", "70", "Tốt", "Good"), ("kha", "85", "Khá", "Fair"), ("yeu", "0", "Yếu", "Weak")]),
     "Các xếp nhóm phải theo thứ tự chỉ số giảm dần: Khá (từ 85) phải thấp hơn Tốt (từ 70)."),
    (_form(bands=[("tot", "85", "Tốt", "Good"), ("kha", "85", "Khá", "Fair"), ("yeu", "0", "Yếu", "Weak")]),
     "Các xếp nhóm phải theo thứ tự chỉ số giảm dần"),
    (_form(bands=[("tot", "85", "Tốt", "Good"), ("yeu", "10", "Yếu", "Weak")]),
     "Xếp nhóm thấp nhất phải bắt đầu từ chỉ số 0"),
    (_form(bands=[("tot", "85", "Tốt", "Good"), ("tot", "0", "Yếu", "Weak")]), "Mã xếp nhóm bị trùng."),
    (_form(bands=[("yeu", "0", "Yếu", "Weak")]), "Cần ít nhất hai xếp nhóm."),
    (_form(bands=[*BANDS, ("", "50", "Trung bình", "")]), "Hãy điền đủ mã, chỉ số và hai tên của xếp nhóm"),
    (_form(bands=[("Tốt", "85", "Tốt", "Good"), ("yeu", "0", "Yếu", "Weak")]), "Mã chỉ gồm chữ thường"),
    (_form(effective="2025-06"), "Kỳ 2025-06 đã đóng và xếp hạng đã công bố: phiên bản mới chỉ có hiệu lực "
                                 "từ kỳ 2025-07 trở đi."),
    (_form(effective="2000-01"), "Kỳ 2025-06 đã đóng"),
    (_form(effective="2025-7"), "YYYY-MM"),
    (_form(weights=("NaN", "0.20", "0.20", "0.10")), WEIGHT_MESSAGE),
    (_form(weights=("0.501", "0.20", "0.20", "0.10")), WEIGHT_MESSAGE),
    (_form(violation_penalty="-1"), "Phải là một số từ 0 đến 100"),
    (_form(name=""), "Trường này là bắt buộc."),
])
def test_bad_input_is_refused_in_words_and_writes_nothing(app, client, auth, world, form, message):
    _populate(app, world)
    auth.login_user(world.users["hr_admin"])
    before = _rows(app)
    response = client.post("/reports/ranking-policy/new", data=form)
    assert response.status_code == 400
    assert message in response.text, re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', response.text, re.S)
    assert _rows(app) == before


def test_a_second_version_on_the_same_month_is_refused(app, client, auth, world):
    _populate(app, world)
    auth.login_user(world.users["hr_admin"])
    assert client.post("/reports/ranking-policy/new", data=_form()).status_code == 302
    before = _rows(app)
    response = client.post("/reports/ranking-policy/new", data=_form())
    assert response.status_code == 400
    assert "Đã có phiên bản chính sách xếp hạng có hiệu lực từ kỳ 2025-07." in response.text
    assert _rows(app) == before


def test_the_form_needs_its_csrf_token(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    before = _rows(app)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post("/reports/ranking-policy/new", data=_form(effective="2027-01"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/reports/ranking-policy/new").text).group(1)
        assert _rows(app) == before
        accepted = client.post("/reports/ranking-policy/new",
                               data=_form(effective="2027-01", csrf_token=token))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400 and accepted.status_code == 302
    assert _rows(app)[0] == before[0] + 1


@pytest.mark.parametrize(("persona", "status"), [("unit_head_in", 403), ("inspector", 403), ("staff", 403),
                                                 ("hr_admin", 400)])
def test_only_the_province_hr_admin_writes_a_version(app, client, auth, world, persona, status):
    auth.login_user(world.users[persona])
    before = _rows(app)
    response = client.post("/reports/ranking-policy/new", data=_form(weights=("1", "1", "1", "1")))
    assert response.status_code == status
    assert client.get("/reports/ranking-policy/new").status_code == (200 if status == 400 else status)
    assert _rows(app) == before


def test_each_version_ranks_the_periods_it_governs(app, client, auth, world):
    """From 2025-07 only conduct counts (A and B tie); 2025-06 keeps the default (A first, B
    second), so B moves up one place in July, and the published months keep their places."""
    _populate(app, world)
    auth.login_user(world.users["hr_admin"])
    conduct_only = _form(weights=("0", "0", "0", "1"))
    assert client.post("/reports/ranking-policy/new", data=conduct_only).status_code == 302
    with app.app_context():
        _results(["HU,2025-07,95.0", "S1,2025-07,80.0", "S2,2025-07,40.0"])
        june = queries.province_ranking(queries.parse_span("2025-06"))
        july = queries.province_ranking(queries.parse_span("2025-07"))
        assert june.policy.name == "Chỉ số xếp hạng đơn vị (mặc định)"
        assert july.policy.name == "Chỉ số 2025 (sửa đổi)"
        june_rows = {r.unit.code: (r.rank, r.index) for r in june.rows}
        july_rows = {r.unit.code: (r.rank, r.previous_rank, r.movement, r.index, r.band.code)
                     for r in july.rows}
        assert june_rows["A"][0] == 1 and june_rows["B"][0] == 2
        assert july_rows["A"] == (1, 1, 0, Decimal("100.0"), "tot")
        assert july_rows["B"] == (1, 2, 1, Decimal("100.0"), "tot")
    page = client.get("/reports/province?period=2025-07")
    assert "Chỉ số 2025 (sửa đổi)" in page.text and "▲1" in page.text
