"""The streaming reader and the staging load: what an import sees of a file, whatever the order
of its columns, its Unicode form or the number of derived columns."""
import unicodedata

from sqlalchemy import Text

from app.csvimport import iter_rows, read_rows, stage
from app.extensions import db
from app.text import fold


def test_columns_in_another_order_come_back_in_the_importers_order_stripped_and_nfc():
    decomposed = unicodedata.normalize("NFD", "Hương")
    body = f"c,a,b\n 3 , 1,2\n\n{decomposed} ,x, y\n"
    errors: list = []
    assert list(iter_rows(body, ["a", "b", "c"], errors)) == [(2, ["1", "2", "3"]), (4, ["x", "y", "Hương"])]
    assert errors == []
    assert read_rows("b,a\n2,1\n", ["a", "b"]) == [(2, {"a": "1", "b": "2"})]


def test_staged_rows_carry_every_derived_column(app):
    """One, two and three derived columns: each row is (line, cells…, derived…) in order."""
    with app.app_context():
        body = "name,code\nĐặng Thị Hương,X1\n,X2\n"
        for count in (1, 2, 3):
            derived = [(f"d{k}", Text(), lambda cells, k=k: f"{k}:{fold(cells[1])}:{cells[0]}")
                       for k in range(count)]
            staged = stage(body, ["code", "name"], derived=derived)
            names = ", ".join(f"d{k}" for k in range(count))
            rows = db.session.execute(staged.sql(
                f"SELECT line, code, name, {names} FROM {{rows}} ORDER BY line")).tuples().all()
            staged.drop()
            assert rows == [(2, "X1", "Đặng Thị Hương", *(f"{k}:dang thi huong:X1" for k in range(count))),
                            (3, "X2", "", *(f"{k}::X2" for k in range(count)))]
        db.session.rollback()


def test_a_staged_file_reports_its_rows_read_as_progress(app):
    from app.database import reporting_progress

    with app.app_context():
        seen: list[int] = []
        body = "a\n" + "".join(f"v{n}\n" for n in range(2500))
        with reporting_progress(seen.append):
            staged = stage(body, ["a"])
        assert staged.rows == 2500 and sum(seen) == 2500 and seen[:2] == [1000, 1000]
        staged.drop()
        db.session.rollback()
