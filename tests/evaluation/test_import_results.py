"""`evaluation import-results`: closed monthly results from before the system, all or nothing."""
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.org.models import Staff

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"


def _load_org(runner):
    for command, name in (("import-units", "units.csv"), ("import-staff", "staff.csv")):
        assert runner.invoke(args=["org", command, str(SAMPLES / name)]).exit_code == 0


def _count(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Assessment.id))),
                db.session.scalar(select(func.count(Period.id))))


def test_sample_results_import_as_closed_months_with_levels(app, runner):
    _load_org(runner)
    result = runner.invoke(args=["evaluation", "import-results", str(SAMPLES / "results.csv")])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 77 kết quả tháng." in result.output
    with app.app_context():
        periods = db.session.scalars(select(Period).order_by(Period.starts_on)).all()
        assert [p.code for p in periods] == [f"2025-{m:02d}" for m in range(1, 13)]
        assert all(p.status == "closed" and p.imported for p in periods)
        rows = dict(db.session.execute(
            select(Period.code, Assessment.score).join(Assessment.period).join(Assessment.staff)
            .where(Staff.code == "NV001")).all())
        assert rows["2025-01"] == Decimal("93.2") and rows["2025-11"] == Decimal("85.9")
        levels = db.session.execute(select(Assessment.score, Assessment.level).join(Assessment.staff)
                                    .where(Staff.code == "NV005")).all()
        assert all(level == "D" for _score, level in levels)
        nv001 = db.session.execute(select(Assessment.score, Assessment.level).join(Assessment.staff)
                                   .where(Staff.code == "NV001")).all()
        assert ("A" in {lvl for _s, lvl in nv001}) and all(
            (lvl == "A") == (score >= 90) for score, lvl in nv001)
        assert db.session.scalar(select(func.count(Assessment.id)).where(
            Assessment.status == "closed", Assessment.imported.is_(True))) == 77


def test_importing_the_same_results_twice_is_refused(app, runner):
    _load_org(runner)
    runner.invoke(args=["evaluation", "import-results", str(SAMPLES / "results.csv")])
    before = _count(app)
    again = runner.invoke(args=["evaluation", "import-results", str(SAMPLES / "results.csv")])
    assert again.exit_code == 1
    assert "results.csv:2: Cán bộ đã có kết quả tháng 2025-01." in again.stderr
    assert _count(app) == before


def test_one_bad_row_imports_nothing(app, runner, tmp_path):
    _load_org(runner)
    path = tmp_path / "results.csv"
    path.write_text("staff_code,period,score\nNV001,2025-01,93.2\nNV002,2025-13,80\n"
                    "NV003,2025-02,100.5\nNV004,2025-02,88.88\nNOBODY,2025-02,50\nNV001,2025-01,90\n"
                    "NV005,2025-03,-1\n", encoding="utf-8")
    result = runner.invoke(args=["evaluation", "import-results", str(path)])
    assert result.exit_code == 1
    err = result.stderr
    assert ":3: Kỳ đánh giá phải có dạng YYYY-MM" in err
    assert ":4: Điểm phải nằm trong khoảng 0–100." in err
    assert ":5: Điểm \"88.88\" phải là số có tối đa 1 chữ số thập phân." in err
    assert ":6: Không có cán bộ mã NOBODY." in err
    assert ":7: Trùng với dòng 2." in err
    assert ":8: Điểm \"-1\" phải là số có tối đa 1 chữ số thập phân." in err
    assert _count(app) == (0, 0)


def test_a_month_without_a_policy_is_reported_once_on_its_first_good_line(app, runner, tmp_path):
    _load_org(runner)
    path = tmp_path / "results.csv"
    path.write_text("staff_code,period,score\nNOBODY,2001-01,50\nNV001,2001-01,50\nNV002,2001-01,60\n"
                    "NV003,2025-01,90\nNV003,2025-01,91\nNV003,2025-01,92\n", encoding="utf-8")
    result = runner.invoke(args=["evaluation", "import-results", str(path)])
    assert result.exit_code == 1
    lines = [line.split(":", 1)[1] for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert lines == ["2: Không có cán bộ mã NOBODY.",
                     "3: Chưa có chính sách đánh giá nào có hiệu lực vào ngày 2001-01-01.",
                     "6: Trùng với dòng 5.", "7: Trùng với dòng 6."]
    assert _count(app) == (0, 0)


def test_each_imported_month_takes_the_levels_of_its_own_policy(app, world):
    """A file spanning two policies: every score, on a band's edge or either side of it, gets the
    level `level_for` gives under the policy in force that month (the bands of both in one CASE)."""
    from datetime import date

    from app.evaluation import services

    with app.app_context():
        services.create_policy(
            [("A", Decimal("85"), "Xuất sắc", "Excellent"), ("B", Decimal("72.5"), "Tốt", "Good"),
             ("C", Decimal("50"), "Đạt", "Pass"), ("D", Decimal("0"), "Không đạt", "Fail")],
            name="Từ tháng 7/2025", effective_from=date(2025, 7, 1), total_max=Decimal("100"),
            open_day=25, self_due_day=3, review_due_day=5, close_day=7, objection_days=5,
            excellent_quota_ratio=Decimal("0.2"), min_months=6, consecutive_years=2,
            discipline_min_form="khien_trach", warning_low_months=3)
        scores = ["0", "49.9", "50", "50.1", "69.9", "70", "72.4", "72.5", "84.9", "85", "89.9", "90", "100"]
        months = ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08"]
        # one line per staff member and month, the scores rotating so that each comes under both
        lines = [f"{code},{month},{scores[(i * 3 + k) % len(scores)]}"
                 for i, month in enumerate(months) for k, code in enumerate(["S1", "H1", "S2"])]
        assert services.import_results("staff_code,period,score\n" + "\n".join(lines) + "\n") == 15
        find = services.policy_finder()
        rows = db.session.execute(select(Period.starts_on, Assessment.score, Assessment.level)
                                  .join(Assessment.period).where(Period.imported.is_(True))).all()
        assert len(rows) == 15 and len({find(start).id for start, _s, _l in rows}) == 2
        for start, score, level in rows:
            assert level == services.level_for(score, find(start)), (start, score)
