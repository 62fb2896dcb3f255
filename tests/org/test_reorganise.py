"""Reorganisation (SPEC §1, §9): merges, renames and retirements keep every month of history."""
import io
from datetime import date

from sqlalchemy import func, insert, select

from app import clock
from app.annual import services as annual_services
from app.annual.models import AnnualResult
from app.audit import AuditEvent
from app.auth.models import RoleGrant
from app.csvimport import ImportRejected
from app.errors import DomainError
from app.evaluation import services as evaluation_services
from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.org import services
from app.org.models import Staff, StaffAssignment, Unit
from app.permissions import can
from app.scheduler import jobs
from tests import factories
from tests.queries import StatementCounter

HEADER = "action,old_code,new_code,new_name,effective_date\n"


def _communes():
    """PROV → C1, C2: a head and five staff each; their heads and hr_admin have accounts."""
    factories.create_unit("PROV", kind="other", name="Tỉnh")
    factories.create_unit("C1", "PROV", kind="commune", name="Xã Một")
    factories.create_unit("C2", "PROV", kind="commune", name="Xã Hai")
    for unit in ("C1", "C2"):
        factories.create_staff(f"H{unit}", unit, is_head=True)
        for n in range(1, 6):
            factories.create_staff(f"{unit}P{n}", unit)
    return {"head_c1": factories.create_user([("unit_head", "C1")], staff_code="HC1").id,
            "head_c2": factories.create_user([("unit_head", "C2")]).id,
            "hr": factories.create_user([("hr_admin", "PROV")]).id,
            "p1": factories.create_user([("staff", "C1")], staff_code="C1P1").id}


def _results(months, scores):
    lines = ["staff_code,period,score"] + [f"{code},{m},{score}" for m in months
                                           for code, score in scores.items()]
    evaluation_services.import_results("\n".join(lines) + "\n")


def _scores(top):
    """95 for the staff in `top`, 75 for everyone else of both communes."""
    codes = [f"H{u}" for u in ("C1", "C2")] + [f"{u}P{n}" for u in ("C1", "C2") for n in range(1, 6)]
    return {code: "95" if code in top else "75" for code in codes}


def _filed(period):
    """{unit code: assessments of the period filed under it}."""
    return dict(db.session.execute(
        select(Unit.code, func.count(Assessment.id)).join(Assessment, Assessment.unit_id == Unit.id)
        .join(Period, Period.id == Assessment.period_id).where(Period.code == period)
        .group_by(Unit.code)).tuples().all())


def test_a_merge_of_two_communes_mid_year_keeps_both_years_right(app, client, auth):
    with app.app_context():
        users = _communes()
        _results([f"2024-{m:02d}" for m in range(1, 13)], _scores({"C1P1", "C2P1"}))
        _results([f"2025-{m:02d}" for m in range(1, 7)], _scores({"C1P1", "C2P1", "C2P2"}))
        clock.freeze(date(2025, 7, 26))
        evaluation_services.open_period("2025-07")
        assert _filed("2025-07") == {"C1": 6, "C2": 6}
        clock.freeze(date(2025, 7, 28))
        last_event = db.session.scalar(select(func.max(AuditEvent.id)))
        report = services.reorganise(HEADER + "merge,C1,C3,Xã Ba,2025-07-01\n"
                                              "merge,C2,C3,,2025-07-01\n")
        assert report[0].startswith("Sáp nhập C1 vào C3 (đơn vị mới) từ 01/07/2025: 6 phân công")
        c1, c2, c3 = (factories.unit(code) for code in ("C1", "C2", "C3"))
        assert (c3.name, c3.kind, c3.parent.code) == ("Xã Ba", "commune", "PROV")
        assert (c1.successor_id, c1.retired_on, c2.successor_id) == (c3.id, date(2025, 7, 1), c3.id)
        # Staff follow from the day; the pending July assessments moved with a note; June stays.
        assert db.session.scalar(select(func.count(Staff.id)).where(Staff.unit_id == c3.id)) == 12
        assert _filed("2025-07") == {"C3": 12}
        assert db.session.scalar(select(Assessment.filing_note).join(Period).where(
            Period.code == "2025-07").limit(1)) == "Chuyển từ Xã Một sang Xã Ba do sáp nhập từ 01/07/2025."
        assert _filed("2025-06") == {"C1": 6, "C2": 6}
        # Role grants moved to the successor; the whole operation is one audit event.
        assert db.session.scalar(select(RoleGrant.unit_id).where(
            RoleGrant.user_id == users["head_c1"])) == c3.id
        assert db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.id > last_event)).all() == ["org.reorganised"]
        # The rest of the year, filed by the history under the new commune.
        evaluation_services.close_period("2025-07")
        _results([f"2025-{m:02d}" for m in range(8, 13)], _scores({"C1P1", "C2P1", "C2P2"}))
        assert _filed("2025-12") == {"C3": 12}

        annual_services.classify_year(2024)
        annual_services.classify_year(2025)
        by_unit = dict(db.session.execute(
            select(AnnualResult.year, func.count(func.distinct(AnnualResult.unit_id)))
            .group_by(AnnualResult.year)).tuples().all())
        assert by_unit == {2024: 2, 2025: 1}
        q2024 = annual_services.unit_quota(c1.id, 2024)
        assert (q2024.top, q2024.second, q2024.breached) == (1, 5, False)
        q2025 = annual_services.unit_quota(c3.id, 2025)
        assert (q2025.top, q2025.second, q2025.allowed, q2025.breached) == (3, 9, 1, True)
        head = db.session.get(factories.User, users["head_c1"])
        annual_services.finalise(c1, 2024, head)  # the old commune's year closes as it was
        try:
            annual_services.finalise(c3, 2025, head)
        except DomainError as exc:
            assert "hãy hạ 2 kết quả" in exc.message
        else:
            raise AssertionError("finalised a breached quota")
        # The old communes stay readable for whoever's scope covers the successor.
        head_c2 = db.session.get(factories.User, users["head_c2"])
        assert can(head_c2, "org.view", c1) and can(head_c2, "results.view", c1)
    auth.login_user(users["head_c2"])
    page = client.get(f"/org/units/{c1.id}")
    assert page.status_code == 200 and "Đã sáp nhập vào" in page.text and "Xã Ba" in page.text
    listing = client.get(f"/evaluation/units/{c1.id}/results?period=2025-06")
    assert listing.status_code == 200 and "Nguyễn Văn C1P3" in listing.text
    auth.login_user(users["p1"])
    own = client.get(f"/evaluation/units/{c1.id}/results?period=2025-06")
    assert own.status_code == 200 and "Nguyễn Văn C1P3" in own.text


def test_dry_run_prints_what_would_change_and_changes_nothing(app, runner, tmp_path):
    with app.app_context():
        _communes()
        clock.freeze(date(2025, 7, 28))
        before = db.session.scalar(select(func.count(Unit.id)))
    path = tmp_path / "reorg.csv"
    path.write_text(HEADER + "merge,C1,C2,,2025-07-01\nrename,C2,,Xã Hai Mới,2025-07-01\n",
                    encoding="utf-8")
    result = runner.invoke(args=["org", "reorganise", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Sáp nhập C1 vào C2 từ 01/07/2025: 6 phân công" in result.output
    assert 'Đổi tên C2 thành "Xã Hai Mới" từ 01/07/2025.' in result.output
    assert "Chạy thử: không có thay đổi nào được ghi." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Unit.id))) == before
        assert factories.unit("C1").retired_on is None
        assert factories.unit("C2").name == "Xã Hai"
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "org.reorganised")) == 0
    result = runner.invoke(args=["org", "reorganise", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert factories.unit("C2").name == "Xã Hai Mới"
        assert factories.staff("C1P1").unit.code == "C2"


def test_a_bad_reorganisation_file_changes_nothing_and_names_its_lines(app, runner, tmp_path):
    with app.app_context():
        _communes()
        factories.create_unit("EMPTY", "PROV", kind="commune")
        clock.freeze(date(2025, 7, 28))
    path = tmp_path / "reorg.csv"
    path.write_text(HEADER + "retire,EMPTY,,,2025-07-01\nmerge,C1,C9,,2025-07-01\n"
                    "retire,C2,,,2025-07-01\nsplit,C2,,,2025-07-01\nmerge,NOPE,C2,,2025-07-01\n",
                    encoding="utf-8")
    result = runner.invoke(args=["org", "reorganise", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: Đơn vị C9 chưa có: cần tên đơn vị mới." in result.stderr
    assert f"{path}:4: Đơn vị C2 còn 6 cán bộ và 0 đơn vị trực thuộc" in result.stderr
    assert f"{path}:5:" in result.stderr and f"{path}:6: Không có đơn vị mã NOPE." in result.stderr
    with app.app_context():
        assert factories.unit("EMPTY").retired_on is None  # all or nothing
        services.reorganise(HEADER + "retire,EMPTY,,,2025-07-01\n")
        assert factories.unit("EMPTY").retired_on == date(2025, 7, 1)
        try:
            services.reorganise(HEADER + "retire,EMPTY,,,2025-08-01\n")
        except ImportRejected as rejected:
            assert "đã sáp nhập hoặc giải thể" in rejected.errors[0].message
        else:
            raise AssertionError("retired twice")


def test_a_rename_takes_effect_on_its_day_and_history_keeps_the_name_of_the_time(app, client, auth,
                                                                                  world):
    with app.app_context():
        clock.freeze(date(2026, 3, 26))
        services.reorganise(HEADER + "rename,A1,,Phòng Tiếp Dân,2026-04-01\n")
        assert factories.unit("A1").name == "Đơn vị A1"  # not before its day
        services.transfer_staff(factories.staff("S1"), factories.unit("B"), date(2026, 3, 26))
        clock.freeze(date(2026, 4, 1))
        assert jobs.org_history(date(2026, 4, 1)) == {"staff_moved": 0, "units_renamed": 1,
                                                     "units_merged": 0}
        assert factories.unit("A1").name == "Phòng Tiếp Dân"
    auth.login_user(world.users["hr_admin"])
    profile = client.get(f"/org/staff/{world.staff['S1']}")
    assert "<td>Đơn vị A1</td>" in profile.text  # S1 left A1 before the rename
    head = client.get(f"/org/staff/{world.staff['H1']}")
    assert "<td>Phòng Tiếp Dân</td>" in head.text
    found = client.get("/org/units", query_string={"q": "phong tiep dan"})
    assert "Phòng Tiếp Dân" in found.text
    unit_page = client.get(f"/org/units/{world.units['A1']}")
    assert "Tên qua các thời kỳ" in unit_page.text and "01/04/2026" in unit_page.text


def test_the_reorganise_page_runs_a_dry_run_then_the_change(app, client, auth, world):
    with app.app_context():
        clock.freeze(date(2026, 3, 26))
    auth.login_user(world.users["hr_admin"])
    assert client.get("/org/reorganise").status_code == 200
    data = (HEADER + "merge,A1,B,,2026-04-01\n").encode()
    dry = client.post("/org/reorganise", data={"file": (io.BytesIO(data), "r.csv"), "dry_run": "y"},
                      content_type="multipart/form-data")
    assert dry.status_code == 200 and "Sáp nhập A1 vào B từ 01/04/2026" in dry.text
    with app.app_context():
        assert factories.unit("A1").retired_on is None
    done = client.post("/org/reorganise", data={"file": (io.BytesIO(data), "r.csv")},
                       content_type="multipart/form-data")
    assert done.status_code == 200 and "Đã thay đổi" in done.text
    with app.app_context():
        assert factories.unit("A1").retired_on == date(2026, 4, 1)
        # From 1 April: until then A1's people, grants and March assessments stay where they are.
        assert factories.staff("S1").unit.code == "A1"
        assert db.session.scalar(select(RoleGrant.unit_id).where(
            RoleGrant.user_id == world.users["staff"])) == world.units["A1"]
        assert _filed("2026-03") == {"A1": 2, "B": 1}
        assert jobs.org_history(date(2026, 4, 1)) == {"staff_moved": 2, "units_renamed": 0,
                                                      "units_merged": 1}
        assert jobs.org_history(date(2026, 4, 1)) is None
        assert factories.staff("S1").unit.code == "B"
        assert db.session.scalar(select(RoleGrant.unit_id).where(
            RoleGrant.user_id == world.users["staff"])) == world.units["B"]
        assert _filed("2026-03") == {"B": 3}  # March is still open: its pending work follows
    bad = client.post("/org/reorganise", data={"file": (io.BytesIO(data), "r.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "đã sáp nhập hoặc giải thể" in bad.text
    auth.login_user(world.users["unit_head_in"])
    assert client.get("/org/reorganise").status_code == 403


def _two_units_with(count):
    """OLD1, OLD2 under ROOT with `count` staff between them, each with a past transfer."""
    factories.create_unit("ROOT", kind="other")
    factories.create_unit("OLD1", "ROOT", kind="commune")
    factories.create_unit("OLD2", "ROOT", kind="commune")
    ids = [factories.unit("OLD1").id, factories.unit("OLD2").id]
    db.session.execute(insert(Staff), [
        {"code": f"M{n:06d}", "full_name": f"Cán bộ {n}", "unit_id": ids[n % 2],
         "category": "cong_chuc", "position": "", "is_head": False, "front_desk": False,
         "start_date": date(2020, 1, 1), "active": True, "search": f"m{n:06d}"}
        for n in range(count)])
    staff_ids = db.session.scalars(select(Staff.id).order_by(Staff.id)).all()
    db.session.execute(insert(StaffAssignment), [
        row for n, staff_id in enumerate(staff_ids) for row in (
            {"staff_id": staff_id, "unit_id": ids[(n + 1) % 2], "start_date": date(2020, 1, 1),
             "end_date": date(2023, 12, 31)},
            {"staff_id": staff_id, "unit_id": ids[n % 2], "start_date": date(2024, 1, 1),
             "end_date": None})])
    db.session.commit()


def test_a_merge_of_two_units_runs_the_same_statements_for_20_and_2000_staff(app):
    counts = []
    for size in (20, 2000):
        with app.app_context():
            for table in ("staff_assignment", "role_grant", "assessment_criterion", "assessment"):
                db.session.execute(db.text(f"DELETE FROM {table}"))
            db.session.execute(db.text("DELETE FROM staff"))
            db.session.execute(db.text("DELETE FROM unit_name"))
            db.session.execute(db.text("UPDATE unit SET successor_id = NULL, parent_id = NULL"))
            db.session.execute(db.text("DELETE FROM unit"))
            db.session.commit()
            _two_units_with(size)
            clock.freeze(date(2026, 3, 26))
            evaluation_services.open_period("2026-03")
            with StatementCounter(db.engine) as counter:
                services.reorganise(HEADER + "merge,OLD1,NEW,Xã Mới,2026-03-01\n"
                                             "merge,OLD2,NEW,,2026-03-01\n")
            counts.append(counter.count)
            new = factories.unit("NEW")
            assert db.session.scalar(select(func.count(Staff.id)).where(Staff.unit_id == new.id)) == size
            assert _filed("2026-03") == {"NEW": size}
    assert counts[0] == counts[1], counts


def test_a_merged_unit_is_read_only(app, client, auth, world):
    with app.app_context():
        clock.freeze(date(2026, 3, 26))
        services.reorganise(HEADER + "merge,A1,B,,2026-03-01\n")
    auth.login_user(world.users["hr_admin"])
    response = client.post(f"/org/units/{world.units['A1']}/edit",
                           data={"code": "A1", "name": "Tên khác", "kind": "division", "parent_code": "B"})
    assert response.status_code == 400 and "chỉ còn trong lịch sử" in response.text
    with app.app_context():
        assert factories.unit("A1").name == "Đơn vị A1"
