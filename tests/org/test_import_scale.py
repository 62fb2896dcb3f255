"""Imports at scale: the statement count does not depend on the file's length, and the quick
e-mail check gives the validator's own answer."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org import services
from app.org.models import Staff
from tests.queries import StatementCounter

HEADER = "code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n"


def _file(count, prefix):
    rows = (f"{prefix}{n:06d},Cán bộ {n},A1,cong_chuc,Chuyên viên,0,{n % 2},"
            f"{'' if n % 3 else f'cb{n}@example.gov.vn'},2020-01-{1 + n % 28:02d}\n" for n in range(count))
    return (HEADER + "".join(rows)).encode()


def test_staff_imports_of_20_and_6000_rows_issue_the_same_statements(app, world):
    counts = []
    for count, prefix in ((20, "P"), (6000, "Q")):
        with app.app_context():
            with StatementCounter(db.engine) as counter:
                assert services.import_staff(_file(count, prefix)) == count
            counts.append(counter.count)
    assert counts[0] == counts[1]
    with app.app_context():
        assert db.session.scalar(select(func.count(Staff.id)).where(Staff.email.is_not(None))) >= 2000


@pytest.mark.parametrize("value", [
    "mot@example.gov.vn", "Nguyen.Van@SoGD.HaNoi.gov.vn", "a..b@x.vn", "a@localhost", "x@y", "a@b.c",
    "user+tag@gmail.com", "Ä@x.vn", "a@xn--d1acufc.xn--p1ai", "a@-x.vn", ".a@x.vn", "a.@x.vn", "a@x.vn.",
    "a@test", '"quoted"@x.vn', "a@" + "b" * 64 + ".vn", "a" * 65 + "@x.vn"])
def test_the_quick_email_check_agrees_with_the_validator(value):
    cells = ["", "", "", "", "", "", "", value, ""]
    assert services._email(cells) == services._valid_email(value)


def test_a_discipline_file_imported_twice_is_refused_on_every_line(app, runner, tmp_path, world):
    path = tmp_path / "d.csv"
    path.write_text("staff_code,decision_date,form\nS1,2025-01-10,khien_trach\nS2,2025-02-11,canh_cao\n",
                    encoding="utf-8")
    assert runner.invoke(args=["org", "import-discipline", str(path)]).exit_code == 0
    again = runner.invoke(args=["org", "import-discipline", str(path)])
    assert again.exit_code == 1
    assert ":2: Quyết định này đã có trong hệ thống." in again.stderr
    assert ":3: Quyết định này đã có trong hệ thống." in again.stderr


def test_an_import_analyzes_only_what_it_changed_materially(app, world):
    """PostgreSQL: the first staff file into a (nearly) empty table refreshes the planner's
    estimates at once; a few rows more into a table it knows well leave them to autovacuum."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (ANALYZE and pg_class estimates)")
    from sqlalchemy import text

    def estimate():
        return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'staff'"))

    with app.app_context():
        assert services.import_staff(_file(300, "M")) == 300
        analysed = estimate()
        assert analysed >= 300  # ANALYZE ran: 300 new rows were the bulk of the table
        assert services.import_staff(_file(20, "N")) == 20
        assert estimate() == analysed  # 20 rows into 300+ is no material change: not analysed


def test_a_code_repeated_in_the_file_is_named_and_nothing_is_written(app, world):
    """The cheap checks leave repeated codes to staff.code's unique index: the INSERT breaks it,
    its savepoint is rolled back and the full checks name the line; no staff member and no
    assignment is kept, and the session imports the good file next."""
    from app.csvimport import ImportRejected
    from app.org.models import StaffAssignment

    with app.app_context():
        before = (db.session.scalar(select(func.count(Staff.id))),
                  db.session.scalar(select(func.count(StaffAssignment.id))))
        body = (HEADER + "D1,Một,A1,cong_chuc,,0,0,,2020-01-01\nD2,Hai,A1,cong_chuc,,0,0,,2020-01-01\n"
                "D1,Ba,A1,cong_chuc,,0,0,,2020-01-01\n")
        with pytest.raises(ImportRejected) as rejected:
            services.import_staff(body.encode())
        assert [(e.line, e.message) for e in rejected.value.errors] == [(4, "Mã cán bộ D1 trùng với dòng 2.")]
        assert (db.session.scalar(select(func.count(Staff.id))),
                db.session.scalar(select(func.count(StaffAssignment.id)))) == before
        assert services.import_staff((HEADER + "D1,Một,A1,cong_chuc,,0,0,,2020-01-01\n").encode()) == 1


@pytest.mark.parametrize("value", ["2020-01-31", "2020-02-29", "2021-02-29", "2020-13-01", "0000-01-01",
                                   "2020-1-01", "01/02/2020", "", "２０２０-０１-０１", "2020-01-01 "])
def test_a_start_date_is_parsed_once_per_value_with_the_row_checkers_answer(app, value):
    with app.app_context():
        days = services._Days()
        expected = None if services._start_date_error(value) else value
        assert days[value] == expected and days[value] == expected and len(days) == 1


def test_the_start_date_cache_stays_bounded(app):
    with app.app_context():
        days = services._Days()
        for n in range((1 << 16) + 10):
            days[f"v{n}"]
        assert len(days) <= 1 << 16 and days["2020-01-01"] == "2020-01-01"
