"""The one edge for input (issue 16): what SPEC §10 says must never be a 500 — non-finite and
huge scores, a NUL byte in a text field, a tampered version, periods and dates beyond any
calendar the system keeps — each gets a clear message in the user's language and a 4xx, with
nothing written; a decimal comma is a decimal point."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.forms import parse_score
from tests.evaluation.conftest import fetch, scores_form

SCORE_MESSAGE = "Điểm phải là một số từ 0 đến 5, tối đa một chữ số thập phân (ví dụ 4,5)."


@pytest.mark.parametrize("typed", ["Infinity", "-Infinity", "NaN", "sNaN", "1e309", "9" * 40, "4.55", "6",
                                   "-1", "abc", "4,5,5", "0x1"])
def test_a_score_that_is_not_a_finite_number_in_range_gets_one_message(app, client, auth, world, typed):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form({"C1": typed}, a.version, save="1"))
    assert response.status_code == 400
    assert SCORE_MESSAGE in response.text
    assert f'value="{typed}"' in response.text  # shown back as typed
    assert fetch(app, "S1").criteria[0].self_score is None


def test_a_decimal_comma_is_read_as_a_point(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form({"C1": "4,5"}, a.version, save="1"))
    assert response.status_code == 302
    c1 = next(c for c in fetch(app, "S1").criteria if c.code == "C1")
    assert c1.self_score == Decimal("4.5")


def test_parse_score_is_the_one_number_parser():
    assert parse_score("4,5") == Decimal("4.5") and parse_score(" 10 ") == Decimal("10")
    assert parse_score("4.50") == Decimal("4.50")  # a trailing zero is still one decimal
    assert parse_score("0.25", places=2) == Decimal("0.25")
    for bad in ("Infinity", "NaN", "sNaN", "1e309", "1e-400", "4.55", "", "1,2.3", "1" * 31):
        assert parse_score(bad) is None, bad


def test_a_nul_byte_in_a_text_field_is_refused_with_a_message(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    response = client.post(f"/evaluation/assessments/{a.id}/self",
                           data=scores_form({"C1": "4"}, a.version, save="1", report="Báo cáo\x00x"))
    assert response.status_code == 400
    assert "Nội dung có ký tự điều khiển không hợp lệ." in response.text
    assert fetch(app, "S1").self_report in ("", None)


def test_text_is_stored_in_nfc(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    decomposed = "Hu\u031bo\u031b\u0300ng"  # "Hường" typed with combining marks
    client.post(f"/evaluation/assessments/{a.id}/self",
                data=scores_form({"C1": "4"}, a.version, save="1", report=decomposed))
    assert fetch(app, "S1").self_report == "Hường"


def test_a_tampered_version_is_a_409_not_a_500(app, client, auth, world):
    auth.login_user(world.users["staff"])
    a = fetch(app, "S1")
    for version in ("abc", "1e309", "-1", "9" * 30):
        response = client.post(f"/evaluation/assessments/{a.id}/self",
                               data=scores_form({"C1": "4"}, version, save="1"))
        assert response.status_code == 409, version
        assert "vừa được người khác cập nhật" in response.text
    assert fetch(app, "S1").criteria[0].self_score is None


def test_the_audit_page_takes_a_date_beyond_any_calendar_with_a_message(app, client, auth, world):
    auth.login_user(world.users["sys_admin"])
    before = _audit_rows(app)
    response = client.get("/admin/audit?date_to=9999-12-31&date_from=0001-01-01")
    assert response.status_code == 200
    assert "Ngày phải trong khoảng năm 1900 đến 2999." in response.text
    assert _audit_rows(app) == before


@pytest.mark.parametrize("url", ["/annual/1999/units/1", "/annual/0/units/1", "/annual/99999/units/1",
                                 "/annual/?year=1999", "/annual/?year=9999",
                                 "/conduct/stats?period=9999-12", "/conduct/stats?period=0000-01",
                                 "/tasks/board?period=9999-12", "/feedback/mine?period=9999-12"])
def test_years_and_periods_outside_the_system_are_404(client, auth, world, url):
    auth.login_user(world.users["sys_admin"])
    assert client.get(url).status_code == 404


def test_a_year_without_a_policy_is_a_clear_refusal(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.get("/annual/?year=2001")
    assert response.status_code == 400
    assert "Chưa có chính sách đánh giá nào có hiệu lực" in response.text


def test_a_period_far_ahead_is_refused_when_opened(app, client, auth, world):
    auth.login_user(world.users["hr_admin"])
    response = client.post("/evaluation/periods/open", data={"code": "9999-12"})
    assert response.status_code in (302, 400)
    with app.app_context():
        from app.evaluation.models import Period

        assert db.session.scalar(select(func.count(Period.id)).where(Period.code == "9999-12")) == 0


def _audit_rows(app):
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def test_query_arguments_are_read_through_one_helper(app):
    from app.forms import arg

    with app.test_request_context("/?q=Hu%CC%9Bo%CC%9B%CC%80ng&status=op%00en&parent=" + "x" * 300):
        assert arg("q") == "Hường"  # NFC
        assert arg("status") == ""  # a control character: as if absent
        assert arg("parent", max_length=50) == "x" * 50
        assert arg("missing", "default") == "default"
