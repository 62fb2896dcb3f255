"""One rule for time: stored as aware UTC, shown in the organisation's zone by the `datetime`
filter. An inspection opened at 09:30 local time reads 09:30 on every page that shows it, and the
moments stamped by the clock (a report decision, a review-case step, a job run) read the local
wall-clock time at which they happened."""
import re
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.conduct.models import ConductReport, Inspection
from app.extensions import db
from app.reviews.models import ReviewCase
from tests.conduct.test_conduct import _open_inspection
from tests.reviews.test_cases import _case_for_s1

STAMP = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")


def _stamps(response):
    assert response.status_code == 200, response.status_code
    return set(STAMP.findall(response.text))


def test_an_inspection_at_0930_local_reads_0930_on_every_page(app, client, auth, world):
    clock.freeze(datetime(2026, 3, 12, 9, 0))
    auth.login_user(world.users["inspector"])
    inspection_id = _open_inspection(client)  # typed as 2026-03-12T09:30 (local)
    with app.app_context():
        stored = db.session.get(Inspection, inspection_id).inspected_at
        assert clock.aware(stored) == datetime(2026, 3, 12, 2, 30, tzinfo=clock.UTC)
    assert "12/03/2026 09:30" in _stamps(client.get("/conduct/inspections"))
    assert "12/03/2026 09:30" in _stamps(client.get(f"/conduct/inspections/{inspection_id}"))
    response = client.post(f"/conduct/inspections/{inspection_id}/report")
    report_id = int(response.headers["Location"].split("/")[-1])
    client.post(f"/conduct/reports/{report_id}/submit", data={"summary": "Kiểm tra đột xuất."})
    clock.freeze(datetime(2026, 3, 13, 10, 15))
    with app.app_context():
        report = db.session.get(ConductReport, report_id)
        data = {f"status_{f.id}": "dismissed" for f in report.findings}
        data.update({f"reason_{f.id}": "Đã xác minh." for f in report.findings})
    client.post(f"/conduct/reports/{report_id}/review", data=data)
    stamps = _stamps(client.get(f"/conduct/reports/{report_id}"))
    assert "12/03/2026 09:30" in stamps  # the inspection
    assert "13/03/2026 10:15" in stamps  # the decision
    assert not any(s.endswith(("02:30", "16:30", "03:15", "17:15")) for s in stamps)
    # The audit trail shows the moment of the event in the same zone.
    auth.login_user(world.users["sys_admin"])
    assert "12/03/2026 09:00" in _stamps(client.get("/admin/audit"))


def test_clock_stamps_read_local_time_on_reviews_and_the_job_ledger(app, client, auth, world):
    clock.freeze(datetime(2026, 3, 14, 8, 5))
    case_id = _case_for_s1(app)
    auth.login_user(world.users["hr_admin"])
    clock.freeze(datetime(2026, 3, 14, 14, 40))
    client.post(f"/reviews/{case_id}/advance", data={"note": "Thành lập tổ xem xét."})
    stamps = _stamps(client.get(f"/reviews/{case_id}"))
    assert {"14/03/2026 08:05", "14/03/2026 14:40"} <= stamps
    with app.app_context():
        assert db.session.scalar(select(ReviewCase.status)) == "under_review"
    auth.login_user(world.users["sys_admin"])
    clock.freeze(datetime(2026, 3, 14, 21, 50))
    client.post("/admin/jobs/satisfaction_rollup/run")
    assert "14/03/2026 21:50" in _stamps(client.get("/admin/jobs/"))


def test_the_date_filters_write_what_babel_writes(app):
    """app/templating.py writes dd/MM/yyyy and HH:mm itself: the same text as Flask-Babel's
    format_date / format_datetime, in both languages, for days, naive UTC and aware moments
    (around midnight, where the local day differs from UTC's)."""
    from datetime import UTC, date, timedelta, timezone

    from flask import session
    from flask_babel import format_date, format_datetime, refresh

    from app.templating import date_filter, datetime_filter

    days = [date(2026, 1, 5), date(2026, 12, 31), date(999, 3, 4), date(2024, 2, 29)]
    moments = [datetime(2026, 3, 12, 16, 59), datetime(2026, 3, 12, 17, 0), datetime(2026, 12, 31, 23, 5),
               datetime(2026, 6, 1, 0, 0, tzinfo=UTC),
               datetime(2026, 6, 1, 8, 30, tzinfo=timezone(timedelta(hours=-5)))]
    for language in ("vi", "en"):
        with app.test_request_context("/"):
            session["lang"] = language
            refresh()
            for day in days:
                assert date_filter(day) == format_date(day, "dd/MM/yyyy")
            for moment in moments:
                aware = clock.aware(moment)
                assert datetime_filter(moment) == format_datetime(aware, "dd/MM/yyyy HH:mm")
                assert date_filter(aware) == format_date(aware, "dd/MM/yyyy")
            assert date_filter(None) == datetime_filter(None) == ""
            assert datetime_filter(datetime(2026, 3, 12, 17, 0)) == "13/03/2026 00:00"
