"""import-annual through the staging table: a second import of the same years is refused line by
line, and the result is filed under the unit the person was in that December."""
from sqlalchemy import select

from app.annual.models import AnnualResult
from app.extensions import db
from app.org.models import Staff


def test_annual_levels_imported_twice_are_refused_and_filed_under_the_unit(app, runner, tmp_path, world):
    path = tmp_path / "annual.csv"
    path.write_text("staff_code,year,level\nS1,2023,B\nS2,2023,C\n", encoding="utf-8")
    result = runner.invoke(args=["evaluation", "import-annual", str(path)])
    assert result.exit_code == 0, result.stderr
    again = runner.invoke(args=["evaluation", "import-annual", str(path)])
    assert again.exit_code == 1
    assert ":2: Cán bộ đã có kết quả năm 2023." in again.stderr
    assert ":3: Cán bộ đã có kết quả năm 2023." in again.stderr
    with app.app_context():
        rows = db.session.execute(select(Staff.code, AnnualResult.level, AnnualResult.unit_id, Staff.unit_id,
                                         AnnualResult.reason)
                                  .join(Staff, Staff.id == AnnualResult.staff_id)
                                  .order_by(Staff.code)).all()
        assert [(code, level, reason) for code, level, _u, _s, reason in rows] == [
            ("S1", "B", "imported"), ("S2", "C", "imported")]
        assert all(unit == current for _c, _l, unit, current, _r in rows)
