"""Kiosk devices (issue 16): a tablet registered by hr_admin for one desk with its own token;
the kiosk page refuses a QR poster's token; its ratings are marked; it has its own per-minute
limit and a daily cap; the rated official sees days or weeks, never the minute."""
import re
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.feedback.models import KioskDevice, Rating
from tests.feedback.conftest import count, form


def test_the_kiosk_page_refuses_an_officials_qr_token_and_a_desks(app, client, desk):
    for token in (desk.token, desk.desk_token):
        assert client.get(f"/kiosk/{token}").status_code == 404
        response = client.post(f"/kiosk/{token}", data=form("dissatisfied"))
        assert response.status_code == 404
    assert count(app, Rating) == 0


def test_hr_admin_registers_a_kiosk_for_a_desk_only(app, client, auth, desk):
    auth.login_user(desk.hr)
    page = client.get("/feedback/targets")
    assert "Máy tính bảng quầy 1" in page.text and f"/kiosk/{desk.kiosk_token}" in page.text
    official = client.post(f"/feedback/targets/{desk.target}/kiosks", data={"name": "Quầy cán bộ"})
    assert official.status_code == 303
    assert "Chỉ đăng ký được máy kiosk cho quầy" in client.get("/feedback/targets").text
    created = client.post(f"/feedback/targets/{desk.desk_target}/kiosks", data={"name": "Quầy 2"})
    assert created.status_code == 302
    with app.app_context():
        devices = db.session.scalars(select(KioskDevice).order_by(KioskDevice.id)).all()
        assert [d.name for d in devices] == ["Máy tính bảng quầy 1", "Quầy 2"]
        assert devices[1].token not in (desk.token, desk.desk_token, devices[0].token)


def test_a_unit_head_cannot_register_a_kiosk(app, client, auth, desk):
    auth.login_user(desk.head)
    assert client.post(f"/feedback/targets/{desk.desk_target}/kiosks", data={"name": "X"}).status_code == 403
    assert count(app, KioskDevice) == 1


def test_a_revoked_kiosk_stops_working(app, client, auth, desk):
    auth.login_user(desk.hr)
    assert client.post(f"/feedback/kiosks/{desk.kiosk}/revoke").status_code == 302
    assert app.test_client().get(f"/kiosk/{desk.kiosk_token}").status_code == 404


def test_the_kiosk_has_its_own_limit_per_minute(app, desk):
    tablet = app.test_client()
    statuses = [tablet.post(f"/kiosk/{desk.kiosk_token}", data=form("dissatisfied")).status_code
                for _ in range(8)]
    assert statuses[:6] == [200] * 6 and statuses[6:] == [429, 429]
    assert count(app, Rating) == 6
    with app.app_context():
        assert {(r.source, r.kiosk_id) for r in db.session.scalars(select(Rating))} == {("kiosk", desk.kiosk)}


def test_the_kiosk_stops_at_its_daily_cap(app, desk):
    app.config["KIOSK_DAILY_CAP"] = 3
    app.config["KIOSK_RATE_LIMIT"] = "100 per minute"
    try:
        tablet = app.test_client()
        clock.freeze(datetime(2026, 3, 10, 9, 0))
        statuses = [tablet.post(f"/kiosk/{desk.kiosk_token}", data=form("dissatisfied")).status_code
                    for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        refused = tablet.post(f"/kiosk/{desk.kiosk_token}", data=form("satisfied"))
        assert "đã nhận đủ số lượt đánh giá cho phép trong ngày" in refused.text
        assert count(app, Rating) == 3
        clock.freeze(datetime(2026, 3, 11, 8, 0))  # the next day
        assert tablet.post(f"/kiosk/{desk.kiosk_token}", data=form("satisfied")).status_code == 200
        assert count(app, Rating) == 4
    finally:
        app.config["KIOSK_DAILY_CAP"] = 300
        app.config["KIOSK_RATE_LIMIT"] = "6 per minute"


def test_the_official_sees_days_or_weeks_never_the_minute(app, client, auth, desk):
    citizen = app.test_client()
    clock.freeze(datetime(2026, 3, 10, 9, 17))  # a Tuesday: five ratings, shown by day
    for n in range(5):
        citizen.post(f"/p/{desk.token}", data=form("satisfied", comment=f"Ngày đông {n}"))
    clock.freeze(datetime(2026, 3, 12, 14, 43))  # Thursday: one rating, shown by its week
    citizen.post(f"/p/{desk.token}", data=form("dissatisfied", comment="Một mình"))
    auth.login_user(desk.account)
    page = client.get("/feedback/mine?period=2026-03").text
    assert page.count("10/03/2026") == 5
    assert "tuần 09/03–15/03/2026" in page and "12/03/2026" not in page
    assert not re.search(r"\b\d{2}:\d{2}\b", page.split("<table")[1].split("</table>")[0])
    # The head of the unit still sees the moment (moderation needs it).
    auth.login_user(desk.head)
    assert "10/03/2026 09:17" in client.get(f"/feedback/units/{desk.unit}?period=2026-03").text
