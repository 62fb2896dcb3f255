"""`tasks import` staged in the database: the same messages and lines as the row checks the API
keeps (check_task_row, driven here as the import first did), and the same statements for 20
rows as for several thousand, each task written once with one history row."""
from datetime import date
from decimal import Decimal as D

import pytest
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.csvimport import ImportRejected, RowChecker, read_rows
from app.extensions import db
from app.org.models import Staff, Unit
from app.tasks import services
from app.tasks.models import Product, Task, TaskEvent
from tests.queries import StatementCounter

HEADER = ("external_ref,staff_code,product_code,coefficient,quantity,assigned_on,due_on,"
          "submitted_on,status,returns,late,exempt_returns,exempt_late\n")


def _reference(data, paths):
    """The import's checks as first written: check_task_row row by row, then scope and repeats."""
    rows = read_rows(data, services.TASK_COLUMNS)
    errors, seen = [], {}
    staff = {code: (staff_id, unit_id, path) for code, staff_id, unit_id, path in db.session.execute(
        select(Staff.code, Staff.id, Staff.unit_id, Unit.path).join(Staff.unit))}
    products = {}
    newest_first = select(Product).order_by(Product.effective_from.desc(), Product.id.desc())
    for product in db.session.scalars(newest_first):
        products.setdefault(product.code, []).append(product)
    for line, row in rows:
        check = RowChecker(line, errors)
        record = services.check_task_row(check, row, staff, products)
        if record is None:
            continue
        if paths is not None and not any(staff[row["staff_code"]][2].startswith(p) for p in paths):
            check.error(_("Cán bộ %(code)s nằm ngoài phạm vi bạn được giao.", code=row["staff_code"]))
            continue
        if record["external_ref"] in seen:
            check.error(_("Trùng với dòng %(line)d.", line=seen[record["external_ref"]]))
            continue
        seen[record["external_ref"]] = line
    return [(e.line, e.message) for e in sorted(errors, key=lambda e: e.line)]


@pytest.fixture
def catalogue(app, world):
    with app.app_context():
        a1 = db.session.get(Unit, world.units["A1"])
        services.save_product("VB", "Văn bản", "", "", D("1.5"), None, None, date(2026, 1, 1))
        services.save_product("VB", "Văn bản (mới)", "", "", D("2"), None, None, date(2026, 6, 1))
        services.save_product("A1-ONLY", "Riêng A1", "", "", D("3"), None, a1, date(2026, 1, 1))
    return world


BAD_ROWS = [
    "R1,NOBODY,VB,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R2,S1,NOPE,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R3,S1,vb,,1,2026-09-01,2026-09-10,,finished,0,0,0,0",
    "R4,S1,VB,,1,2026-09-10,2026-09-01,,assigned,0,0,0,0",
    "R5,S1,VB,,0,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R6,S1,VB,0,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R7,S1,VB,,1,2026-09-01,2026-09-10,2026-09-09,accepted,1,0,2,0",
    "R8,S1,VB,,1,2026-02-30,2026-09-10,,assigned,0,0,0,0",
    "R9,S1,VB,,1,2026-09-01,2026-09-10,,assigned,0,1,0,3",
    ",S1,,,x,1/9/2026,,,submitted,12345,-1,a,",
    "R10,S1,,,2,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R11,S1,VB,1.2345,1,2026-09-01,2026-09-10,2026-13-01,submitted,0,0,0,0",
    "R12,S2,A1-ONLY,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R13,S2,A1-ONLY,2.5,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R14,S1,VB,,1,2025-12-01,2026-01-10,,assigned,0,0,0,0",
    "DUP,S1,VB,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "DUP,S2,,1.5,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "DUP,S1,,1.5,0,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "DUP,S1,,1.5,3,2026-09-01,2026-09-10,,assigned,0,0,0,0",
    "R" * 101 + ",S1,VB,,1,2026-09-01,2026-09-10,,assigned,0,0,0,0",
]


@pytest.mark.parametrize("scoped", [False, True])
def test_a_bad_file_gets_the_messages_of_the_row_checks(app, catalogue, scoped):
    data = HEADER + "\n".join(BAD_ROWS) + "\n"
    with app.app_context():
        paths = [db.session.get(Unit, catalogue.units["A"]).path] if scoped else None
        expected = _reference(data, paths)
        with pytest.raises(ImportRejected) as refused:
            services.import_tasks(data, paths)
        assert [(e.line, e.message) for e in refused.value.errors] == expected
        assert {line for line, _m in expected} == set(range(2, 22)) - {17}  # the first DUP is good
        assert db.session.scalar(select(func.count(Task.id))) == 0


def test_a_good_file_is_upserted_with_one_history_row_per_task(app, catalogue):
    first = HEADER + ("T1,S1,VB,,2,2026-09-01,2026-09-10,,assigned,0,0,0,0\n"
                      "T2,S1,,0.5,4,2026-05-01,2026-05-10,2026-05-09,accepted,1,1,1,0\n")
    again = HEADER + ("T1,S1,vb,,3,2026-03-01,2026-03-10,2026-03-12,submitted,0,2,0,1\n"
                      "T3,S1,VB,,1,2026-03-01,2026-03-10,,assigned,0,0,0,0\n")
    with app.app_context():
        assert services.import_tasks(first) == 2
        assert services.import_tasks(again) == 2
        tasks = {t.external_ref: t for t in db.session.scalars(select(Task))}
        assert len(tasks) == 3
        t1, t2 = tasks["T1"], tasks["T2"]
        # T1 was assigned in September under the June version (2.0), then moved to March (1.5).
        assert (t1.title, t1.coefficient, t1.quantity, t1.status) == ("Văn bản", D("1.500"), 3, "submitted")
        assert (t1.submitted_on, t1.late, t1.exempt_late) == (date(2026, 3, 12), 2, 1)
        assert (t2.title, t2.coefficient, t2.product_id, t2.returns) == ("T2", D("0.500"), None, 1)
        assert t1.unit_id == db.session.get(Staff, t1.staff_id).unit_id
        events = db.session.execute(select(TaskEvent.task_id, func.count()).group_by(TaskEvent.task_id)).all()
        assert sorted(n for _id, n in events) == [1, 1, 2]


def _file(count, prefix):
    rows = (f"{prefix}{n},S1,{'VB' if n % 2 else ''},{'' if n % 2 else '1.25'},{1 + n % 3},"
            f"2026-09-01,2026-09-{1 + n % 28:02d},,assigned,{n % 3},0,0,0" for n in range(count))
    return HEADER + "\n".join(rows) + "\n"


def test_task_imports_of_20_and_3000_rows_issue_the_same_statements(app, catalogue):
    counts = []
    for count, prefix in ((20, "P"), (3000, "Q")):
        with app.app_context():
            with StatementCounter(db.engine) as counter:
                assert services.import_tasks(_file(count, prefix)) == count
            counts.append(counter.count)
    assert counts[0] == counts[1]
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id))) == 3020
        assert db.session.scalar(select(func.count(TaskEvent.id))) == 3020
