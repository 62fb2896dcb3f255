"""Effective-dated transfers: the unit of each month comes from the assignment history (SPEC §1)."""
from datetime import date

from sqlalchemy import select

from app import clock
from app.annual import services as annual_services
from app.annual.models import AnnualResult
from app.audit import AuditEvent
from app.errors import DomainError
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment, Period, reviewed_by
from app.extensions import db
from app.org import services
from app.org.models import Staff, StaffAssignment
from app.scheduler import jobs
from tests import factories


def _filed(staff_code, period):
    """The unit code an assessment of `staff_code` in `period` is filed under."""
    return db.session.scalar(
        select(factories.Unit.code).join(Assessment, Assessment.unit_id == factories.Unit.id)
        .join(Period, Period.id == Assessment.period_id).join(Staff, Staff.id == Assessment.staff_id)
        .where(Staff.code == staff_code, Period.code == period))


def _reviewers_of(staff_code, period, users):
    """The users (of `users`) whose team holds the assessment."""
    return sorted(name for name, user_id in users.items() if db.session.scalar(
        select(Assessment.id).join(Period, Period.id == Assessment.period_id)
        .join(Staff, Staff.id == Assessment.staff_id)
        .where(Staff.code == staff_code, Period.code == period,
               reviewed_by(db.session.get(factories.User, user_id)))))


def _heads(world):
    return {"head_a1": factories.create_user([("unit_head", "A1")]).id,
            "head_b": factories.create_user([("unit_head", "B")]).id}


def test_a_month_opened_late_is_filed_under_the_unit_of_that_month(app, world):
    with app.app_context():
        heads = _heads(world)
        clock.freeze(date(2026, 5, 3))
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 5, 1))
        assert factories.staff("S1").unit.code == "B"  # in effect: the current unit follows
        evaluation_services.open_period("2026-04")  # April, opened after the transfer
        assert _filed("S1", "2026-04") == "A1"
        assert _reviewers_of("S1", "2026-04", heads) == ["head_a1"]
        evaluation_services.open_period("2026-05")
        assert _filed("S1", "2026-05") == "B"
        assert _reviewers_of("S1", "2026-05", heads) == ["head_b"]


def test_a_transfer_entered_in_advance_waits_for_its_day_across_the_open_day(app, client, auth, world):
    with app.app_context():
        heads = _heads(world)
        clock.freeze(date(2026, 4, 20))
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 5, 1))
        assert factories.staff("S1").unit.code == "A1"  # nothing changes before the day
        clock.freeze(date(2026, 4, 25))
        assert jobs.org_history(date(2026, 4, 25)) is None
        evaluation_services.open_due_periods(date(2026, 4, 25))
        assert _filed("S1", "2026-04") == "A1"
        assert _reviewers_of("S1", "2026-04", heads) == ["head_a1"]
    auth.login_user(world.users["hr_admin"])
    assert "từ 01/05/2026" in client.get(f"/org/staff/{world.staff['S1']}").text
    with app.app_context():
        clock.freeze(date(2026, 5, 1))
        assert jobs.org_history(date(2026, 5, 1)) == {"staff_moved": 1, "units_renamed": 0,
                                                     "units_merged": 0}
        assert jobs.org_history(date(2026, 5, 1)) is None  # idempotent
        assert factories.staff("S1").unit.code == "B"
        assert _filed("S1", "2026-04") == "A1"  # April stays where it was filed


def test_the_profile_shows_a_waiting_transfer_and_hr_cancels_it(app, client, auth, world):
    with app.app_context():
        clock.freeze(date(2026, 7, 20))
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 8, 1))
    auth.login_user(world.users["hr_admin"])
    clock.freeze(date(2026, 7, 20))
    profile = client.get(f"/org/staff/{world.staff['S1']}")
    assert "từ 01/08/2026" in profile.text
    assert "Hủy điều chuyển này" in profile.text
    response = client.post(f"/org/staff/{world.staff['S1']}/transfer/cancel")
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(StaffAssignment.unit_id, StaffAssignment.end_date)
                                  .where(StaffAssignment.staff_id == world.staff["S1"])).all()
        assert rows == [(world.units["A1"], None)]
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "staff.transfer_cancelled")) is not None
    again = client.post(f"/org/staff/{world.staff['S1']}/transfer/cancel")
    assert again.status_code == 400
    assert "Không có điều chuyển nào chờ hiệu lực" in again.text


def test_a_transfer_that_has_taken_effect_cannot_be_cancelled(app, world):
    with app.app_context():
        clock.freeze(date(2026, 3, 27))
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 3, 27))
        try:
            services.cancel_transfer(factories.staff("S1"))
        except DomainError as exc:
            assert "Không có điều chuyển nào chờ hiệu lực" in exc.message
        else:
            raise AssertionError("cancelled a transfer in effect")


def test_a_transfer_into_an_open_month_refiles_its_pending_assessment(app, world):
    with app.app_context():
        clock.freeze(date(2026, 3, 27))
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 3, 15))
        assert _filed("S1", "2026-03") == "B"
        note = db.session.scalar(select(Assessment.filing_note).where(
            Assessment.id == world.assessments["S1"]))
        assert note == "Điều chuyển đơn vị"


def test_a_transfer_back_into_a_closed_month_is_refused_with_a_clear_message(app, client, auth, world):
    with app.app_context():
        clock.freeze(date(2026, 4, 8))
        evaluation_services.close_period("2026-03")
    auth.login_user(world.users["hr_admin"])
    response = client.post(f"/org/staff/{world.staff['S1']}/transfer",
                           data={"unit_code": "B", "effective_date": "2026-03-20"})
    assert response.status_code == 400
    assert "Tháng 03/2026 của cán bộ S1 đã chốt" in response.text
    assert "chưa có chức năng mở lại cả tháng" in response.text
    with app.app_context():
        assert factories.staff("S1").unit.code == "A1"
        assert db.session.scalar(select(db.func.count(StaffAssignment.id)).where(
            StaffAssignment.staff_id == world.staff["S1"])) == 1
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 4, 1))
        assert _filed("S1", "2026-03") == "A1"


def _import_year(year, rows):
    """Closed monthly results for every month of `year`: rows {staff code: score}."""
    lines = ["staff_code,period,score"] + [f"{code},{year}-{m:02d},{score}"
                                           for code, score in rows.items() for m in range(1, 13)]
    evaluation_services.import_results("\n".join(lines) + "\n")


def test_a_january_transfer_leaves_last_year_in_the_unit_of_31_december(app, world):
    with app.app_context():
        _import_year(2025, {"S1": "95", "S2": "75"})
        clock.freeze(date(2026, 1, 5))
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 1, 1))
        assert factories.staff("S1").unit.code == "B"
        clock.freeze(date(2026, 1, 8))
        jobs.annual(date(2026, 1, 8))
        results = dict(db.session.execute(
            select(Staff.code, AnnualResult.unit_id).join(Staff, Staff.id == AnnualResult.staff_id)
            .where(AnnualResult.year == 2025)).tuples().all())
        assert results["S1"] == world.units["A1"]
        # B's A quota counts only its own B result: S1's A stayed with A1.
        quota = annual_services.unit_quota(world.units["B"], 2025)
        assert (quota.top, quota.second) == (0, 1)


def test_import_transfers_is_all_or_nothing_with_line_numbers(app, runner, world, tmp_path):
    with app.app_context():
        clock.freeze(date(2026, 4, 20))
    bad = tmp_path / "bad.csv"
    bad.write_text("staff_code,unit_code,effective_date\nS1,B,2026-05-01\nS2,NOPE,2026-05-01\n"
                   "S9,B,2026-05-01\nH1,A1,2026-05-01\n", encoding="utf-8")
    result = runner.invoke(args=["org", "import-transfers", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: Không có đơn vị mã NOPE." in result.stderr
    assert f"{bad}:4: Không có cán bộ mã S9." in result.stderr
    assert f"{bad}:5: Cán bộ H1 đã thuộc đơn vị này" in result.stderr
    with app.app_context():
        assert db.session.scalar(select(db.func.count(StaffAssignment.id))) == 3
    good = tmp_path / "good.csv"
    good.write_text("staff_code,unit_code,effective_date\nS1,B,2026-05-01\nS2,A1,2026-04-01\n",
                    encoding="utf-8")
    result = runner.invoke(args=["org", "import-transfers", str(good)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 2 điều chuyển." in result.output
    with app.app_context():
        assert factories.staff("S1").unit.code == "A1"  # from 1 May: waits
        assert factories.staff("S2").unit.code == "A1"  # from 1 April: in effect
        history = db.session.execute(select(StaffAssignment.unit_id, StaffAssignment.start_date,
                                            StaffAssignment.end_date)
                                     .where(StaffAssignment.staff_id == world.staff["S1"])
                                     .order_by(StaffAssignment.start_date)).all()
        assert history == [(world.units["A1"], date(2020, 1, 1), date(2026, 4, 30)),
                           (world.units["B"], date(2026, 5, 1), None)]


def test_transfers_upload_on_the_org_import_page(app, client, auth, world):
    import io
    with app.app_context():
        clock.freeze(date(2026, 4, 20))
    auth.login_user(world.users["hr_admin"])
    data = b"staff_code,unit_code,effective_date\nS1,B,2026-05-01\n"
    response = client.post("/org/import", data={"kind": "transfers", "file": (io.BytesIO(data), "t.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(StaffAssignment.start_date).where(
            StaffAssignment.staff_id == world.staff["S1"], StaffAssignment.unit_id == world.units["B"])
        ) == date(2026, 5, 1)


def test_export_month_lists_each_assessment_with_the_unit_it_is_filed_under(app, runner, world):
    with app.app_context():
        clock.freeze(date(2026, 3, 27))
        services.transfer_staff(factories.staff("S2"), factories.unit("A1"), date(2026, 3, 10))
    result = runner.invoke(args=["evaluation", "export-month", "2026-03"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "staff_code,period,unit_code,status,score,level",
        "H1,2026-03,A1,draft,,",
        "S1,2026-03,A1,draft,,",
        "S2,2026-03,A1,draft,,",
    ]
    bad = runner.invoke(args=["evaluation", "export-month", "2026-13"])
    assert bad.exit_code == 1
