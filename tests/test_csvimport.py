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


def _reference(body, columns):
    """What the reader yields, worked out line by line (the file has no quoted line breaks)."""
    good, errors = [], []
    lines = body.split("\n")[1:-1]
    for number, line in enumerate(lines, start=2):
        cells = line.split(",")
        if not "".join(cells).strip():
            continue
        if len(cells) != len(columns):
            errors.append((number, "cột"))
        elif any(ord(ch) < 32 and ch != "\t" for ch in line):
            errors.append((number, "điều khiển"))
        elif max(map(len, cells)) > 1000:
            errors.append((number, "dài quá"))
        else:
            good.append((number, [unicodedata.normalize("NFC", cell.strip()) for cell in cells]))
    return good, errors


def test_a_bad_line_among_thousands_of_good_ones_is_reported_alone_with_its_line_number():
    """Each bad line, wherever it falls in a long file, is reported alone with its number; the
    good lines around it come through stripped and NFC, blank lines are skipped."""
    bad = {"cột": "a,b,c,d", "điều khiển": "a,b\x07,c", "dài quá": "a," + "x" * 1001 + ",c"}
    for position in (2, 1000, 1001, 1002, 2001, 2400):
        for kind, text in bad.items():
            name = unicodedata.normalize("NFD", "Hương")
            lines = [f"k{n}, {name} {n},{n}" for n in range(2, 2401)]
            lines[position - 2] = text
            lines[position + 3 - 2 if position + 3 <= 2400 else 5] = " , , "  # a blank line
            body = "a,b,c\n" + "\n".join(lines) + "\n"
            errors: list = []
            rows = list(iter_rows(body, ["a", "b", "c"], errors))
            good, expected = _reference(body, ["a", "b", "c"])
            assert rows == good
            assert [(error.line, kind) for error in errors] == expected == [(position, kind)]
            assert kind in errors[0].message


def test_line_numbers_count_the_lines_inside_quoted_cells():
    body = "a,b\n" + '"x\ny",1\n' + "".join(f"v{n},{n}\n" for n in range(1010)) + "bad\n"
    errors: list = []
    rows = list(iter_rows(body, ["a", "b"], errors))
    assert rows[0] == (3, ["x\ny", "1"]) and rows[1] == (4, ["v0", "0"])
    assert rows[-1] == (1013, ["v1009", "1009"])
    assert [error.line for error in errors] == [1014]


def test_a_csv_syntax_error_ends_the_reading_after_the_errors_before_it():
    """A line the CSV reader cannot read ends the reading: the lines before it are checked (a bad
    one reported first), then the syntax error with its line."""
    body = "a,b\n1,2\n3\n4,5\n" + "6," + "x" * 140_000 + "\n7,8\n"
    errors: list = []
    rows = list(iter_rows(body, ["a", "b"], errors))
    assert rows == [(2, ["1", "2"]), (4, ["4", "5"])]
    assert [(error.line, error.message) for error in errors] == [
        (3, "Có 1 cột, cần 2 cột."), (5, "Dòng CSV không đúng định dạng.")]
