"""import-results at scale: the same statements for 20 rows and for 6,000 (past the old 5,000-key
lookup threshold); levels follow the month's bands."""
from sqlalchemy import func, select

from app.evaluation import services
from app.evaluation.models import Assessment
from app.extensions import db
from app.org import services as org
from tests.queries import StatementCounter

STAFF = "code,full_name,unit_code,category,position,is_head,front_desk,email,start_date\n"


def test_result_imports_of_20_and_6000_rows_issue_the_same_statements(app, world):
    with app.app_context():
        org.import_staff((STAFF + "".join(f"R{n:05d},Cán bộ {n},A1,cong_chuc,,0,0,,2020-01-01\n"
                                          for n in range(6000))).encode())
    counts = []
    for month, count in (("2025-01", 20), ("2025-02", 6000)):
        data = "staff_code,period,score\n" + "".join(
            f"R{n:05d},{month},{50 + n % 50}.{n % 10}\n" for n in range(count))
        with app.app_context():
            with StatementCounter(db.engine) as counter:
                assert services.import_results(data.encode()) == count
            counts.append(counter.count)
    assert counts[0] == counts[1]
    with app.app_context():
        levels = dict(db.session.execute(select(Assessment.level, func.count(Assessment.id))
                                         .where(Assessment.imported.is_(True))
                                         .group_by(Assessment.level)).tuples().all())
        top = sum(1 for count in (20, 6000) for n in range(count) if 50 + n % 50 >= 90)
        assert sum(levels.values()) == 6020 and levels["A"] == top  # A from 90 (the default bands)


def test_repeats_left_to_the_unique_index_are_named_and_nothing_is_written(app, world):
    """A file whose only faults are a repeated person and month and a result already in the
    system: the cheap checks pass them, the INSERT breaks the (staff, period) index, its savepoint
    is rolled back and the full checks name each line; no period, no assessment is kept, and the
    session imports the good file next."""
    import pytest

    from app.csvimport import ImportRejected
    from app.evaluation.models import Period

    with app.app_context():
        assert services.import_results(b"staff_code,period,score\nS1,2025-03,80\n") == 1
        before = (db.session.scalar(select(func.count(Assessment.id))),
                  db.session.scalar(select(func.count(Period.id))))
        body = "staff_code,period,score\nS2,2025-04,70\nS1,2025-03,81\nH1,2025-04,75\nS2,2025-04,71\n"
        with pytest.raises(ImportRejected) as rejected:
            services.import_results(body.encode())
        assert [(e.line, e.message) for e in rejected.value.errors] == [
            (3, "Cán bộ đã có kết quả tháng 2025-03."), (5, "Trùng với dòng 2.")]
        assert (db.session.scalar(select(func.count(Assessment.id))),
                db.session.scalar(select(func.count(Period.id)))) == before
        assert services.import_results(b"staff_code,period,score\nS2,2025-04,70\nH1,2025-04,75\n") == 2
