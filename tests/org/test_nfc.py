"""Text in NFC (SPEC §1): names and codes typed or imported in NFD match their NFC twins in every
import; searches ignore accents; the migration normalises the rows that were stored before."""
import importlib.util
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import func, insert, select

from app import clock
from app.annual.models import AnnualResult
from app.evaluation.models import Assessment
from app.extensions import db
from app.org.models import DisciplinaryDecision, Staff, StaffAssignment, Unit
from app.tasks.models import Product, Task
from tests import factories


def nfd(text):
    return unicodedata.normalize("NFD", text)


def _run(runner, tmp_path, args, text):
    path = tmp_path / f"{args[-1]}.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=[*args, str(path)])
    assert result.exit_code == 0, result.output
    return result


def test_nfd_names_and_codes_in_every_import_match_their_nfc_twins(app, runner, tmp_path):
    code, name = "XÃ-ĐÔNG", "Xã Đông Hương"
    assert nfd(code) != code
    _run(runner, tmp_path, ["org", "import-units"],
         f"code,name,parent_code,kind\nTỈNH,Tỉnh,,other\n{nfd(code)},{nfd(name)},{nfd('TỈNH')},commune\n"
         "XÃ-TÂY,Xã Tây,TỈNH,commune\n")
    _run(runner, tmp_path, ["org", "import-staff"],
         "code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n"
         f"{nfd('HƯƠNG01')},{nfd('Nguyễn Thị Hương')},{code},cong_chuc,,0,0,,2020-01-01\n"
         f"LAN02,Trần Thị Lan,{nfd(code)},cong_chuc,,0,0,,2020-01-01\n")
    _run(runner, tmp_path, ["org", "import-discipline"],
         "staff_code,decision_date,form\nHƯƠNG01,2025-05-01,khien_trach\n")
    _run(runner, tmp_path, ["evaluation", "import-results"],
         f"staff_code,period,score\nHƯƠNG01,2025-01,80\n{nfd('HƯƠNG01')},2025-02,81\n")
    _run(runner, tmp_path, ["evaluation", "import-annual"],
         f"staff_code,year,level\n{nfd('HƯƠNG01')},2024,B\n")
    with app.app_context():
        clock.freeze(date(2026, 3, 20))
    _run(runner, tmp_path, ["org", "import-transfers"],
         f"staff_code,unit_code,effective_date\n{nfd('HƯƠNG01')},{nfd('XÃ-TÂY')},2026-04-01\n")
    _run(runner, tmp_path, ["org", "reorganise"],
         "action,old_code,new_code,new_name,effective_date\n"
         f"rename,{nfd('XÃ-TÂY')},,{nfd('Xã Tây Hương')},2026-03-01\n")
    _run(runner, tmp_path, ["tasks", "import-products"],
         f"code,name,unit_code,coefficient,effective_from\nVB-01,{nfd('Văn bản')},{nfd(code)},"
         "1.0,2026-01-01\n")
    _run(runner, tmp_path, ["tasks", "import"],
         "external_ref,staff_code,product_code,coefficient,quantity,assigned_on,due_on,submitted_on,"
         "status,returns,late,exempt_returns,exempt_late\n"
         f"T-0001,{nfd('HƯƠNG01')},VB-01,,1,2026-03-01,2026-03-20,,assigned,0,0,0,0\n")
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        assert unit is not None and unit.name == name and unit.parent.code == "TỈNH"
        assert db.session.scalar(select(func.count(Unit.id))) == 3
        huong = db.session.scalar(select(Staff).where(Staff.code == "HƯƠNG01"))
        assert huong.full_name == "Nguyễn Thị Hương" and huong.unit_id == unit.id
        assert db.session.scalar(select(Staff.unit_id).where(Staff.code == "LAN02")) == unit.id
        assert db.session.scalar(select(DisciplinaryDecision.staff_id)) == huong.id
        assert db.session.scalar(select(func.count(Assessment.id))
                                 .where(Assessment.staff_id == huong.id)) == 2
        assert db.session.scalar(select(AnnualResult.staff_id)) == huong.id
        assert db.session.scalar(select(StaffAssignment.unit_id).where(
            StaffAssignment.staff_id == huong.id, StaffAssignment.start_date == date(2026, 4, 1))
        ) == factories.unit("XÃ-TÂY").id
        assert factories.unit("XÃ-TÂY").name == "Xã Tây Hương"
        product = db.session.scalar(select(Product))
        assert (product.code, product.name, product.unit_id) == ("VB-01", "Văn bản", unit.id)
        assert db.session.scalar(select(Task.staff_id)) == huong.id


@pytest.mark.parametrize("typed", ["huong", "HƯƠNG", nfd("Hương"), "xa dong"])
def test_unit_and_staff_and_account_searches_ignore_accents(app, client, auth, typed):
    with app.app_context():
        factories.create_unit("ROOT", kind="other", name="Tỉnh")
        factories.create_unit("XD", "ROOT", kind="commune", name="Xã Đông Hương")
        factories.create_unit("XT", "ROOT", kind="commune", name="Xã Tây")
        factories.create_staff("NV1", "XD", full_name="Nguyễn Thị Hương")
        factories.create_staff("NV2", "XT", full_name="Trần Văn Nam")
        factories.create_user([("staff", "XD")], staff_code="NV1", username="nv1")
        hr = factories.create_user([("hr_admin", "ROOT")]).id
        admin = factories.create_user([("sys_admin", None)]).id
    auth.login_user(hr)
    units = client.get("/org/units", query_string={"q": typed})
    assert "Xã Đông Hương" in units.text and "Xã Tây" not in units.text
    if typed != "xa dong":
        staff = client.get("/org/staff", query_string={"q": typed})
        assert "Nguyễn Thị Hương" in staff.text and "Trần Văn Nam" not in staff.text
        auth.login_user(admin)
        accounts = client.get("/admin/users", query_string={"q": typed})
        assert "nv1" in accounts.text


def test_account_search_finds_a_display_name_typed_without_accents(app, client, auth):
    with app.app_context():
        factories.create_user((), username="hg")
        user = db.session.scalar(select(factories.User).where(factories.User.username == "hg"))
        user.display_name = "Đặng Thu Hà"
        db.session.commit()
        admin = factories.create_user([("sys_admin", None)]).id
    auth.login_user(admin)
    assert ">hg<" in client.get("/admin/users", query_string={"q": "dang thu ha"}).text
    assert ">hg<" not in client.get("/admin/users", query_string={"q": "nam"}).text


def test_the_migration_normalises_existing_text_to_nfc(app):
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0010_org_history.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        # Rows stored before the edge normalised anything (Core inserts bypass the models).
        db.session.execute(insert(Unit), [{"code": nfd("XÃ"), "name": nfd("Xã Hương"), "kind": "commune",
                                           "path": "/1/", "search": "xa huong"}])
        unit_id = db.session.scalar(select(Unit.id))
        db.session.execute(insert(Staff), [{
            "code": "NV1", "full_name": nfd("Nguyễn Thị Hương"), "unit_id": unit_id,
            "category": "cong_chuc", "position": nfd("Chuyên viên"), "is_head": False,
            "front_desk": False, "start_date": date(2020, 1, 1), "active": True, "search": ""}])
        db.session.commit()
        with db.engine.begin() as connection:
            context = MigrationContext.configure(connection)
            with Operations.context(context):
                migration.normalise_text()
        db.session.expire_all()
        assert db.session.execute(select(Unit.code, Unit.name)).one() == ("XÃ", "Xã Hương")
        assert db.session.execute(select(Staff.full_name, Staff.position)).one() == (
            "Nguyễn Thị Hương", "Chuyên viên")
