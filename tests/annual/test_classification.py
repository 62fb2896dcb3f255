"""Annual classification drawn from the rules of SPEC §4, and the sample files of SPEC §9."""
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.annual import services
from app.annual.models import AnnualResult
from app.evaluation.models import Policy
from app.extensions import db
from app.org import services as org_services
from app.org.models import Staff
from app.reviews import queries as review_queries
from app.reviews import services as review_services
from tests import factories
from tests.annual.conftest import load_annual, load_results, months, person

SAMPLES = Path(__file__).parent.parent / "fixtures" / "samples"


def result(code, year):
    return db.session.scalar(select(AnnualResult).join(Staff, Staff.id == AnnualResult.staff_id)
                             .where(Staff.code == code, AnnualResult.year == year))


def test_the_sample_files_give_exactly_what_the_spec_prescribes(runner):
    sequence = [
        ["org", "import-units", SAMPLES / "units.csv"], ["org", "import-staff", SAMPLES / "staff.csv"],
        ["org", "import-discipline", SAMPLES / "discipline.csv"],
        ["evaluation", "import-annual", SAMPLES / "annual.csv"],
        ["evaluation", "import-results", SAMPLES / "results.csv"],
        ["evaluation", "classify-year", "2024"], ["evaluation", "classify-year", "2025"],
    ]
    for args in sequence:
        outcome = runner.invoke(args=[str(a) for a in args])
        assert outcome.exit_code == 0, (args, outcome.output)
    first = runner.invoke(args=["evaluation", "flag-reviews", "2025"])
    second = runner.invoke(args=["evaluation", "flag-reviews", "2025"])
    assert "Đã mở 1 hồ sơ xem xét mới." in first.output
    assert "Đã mở 0 hồ sơ xem xét mới." in second.output
    exported = runner.invoke(args=["evaluation", "export-annual", "2025"])
    assert exported.output == (
        "staff_code,year,months,mean_score,level,reason\n"
        "NV001,2025,12,89.97,B,score\n"
        "NV002,2025,12,83.13,B,score\n"
        "NV003,2025,12,76.75,B,score\n"
        "NV004,2025,5,,,insufficient_months\n"
        "NV005,2025,12,37.59,D,score\n"
        "NV006,2025,12,89.45,B,score\n"
        "NV007,2025,12,72.52,D,disciplined\n")
    assert runner.invoke(args=["evaluation", "export-annual", "2024"]).output == (
        "staff_code,year,months,mean_score,level,reason\n"
        "NV003,2024,,,B,imported\nNV005,2024,,,D,imported\nNV007,2024,,,C,imported\n")
    assert runner.invoke(args=["reviews", "export"]).output == (
        "staff_code,year,previous_year,status,proposed_measure\n"
        "NV005,2025,2024,open,cham_dut_hop_dong\n")


@pytest.mark.parametrize("scores, level", [
    (["90.0"] * 12, "A"),                    # sum 1080.0 = 90·12: A
    (["89.9"] + ["90.0"] * 11, "B"),         # 1079.9: B, though the mean rounds to 90.0
    (["70.0"] * 6, "B"), (["69.9"] + ["70.0"] * 5, "C"),
    (["50.0"] * 6, "C"), (["49.9"] + ["50.0"] * 5, "D"),
])
def test_levels_compare_the_exact_sum_with_the_band(app, world, scores, level):
    with app.app_context():
        person("P1")
        load_results(months("P1", 2025, scores))
        services.classify_year(2025)
        assert (result("P1", 2025).level, result("P1", 2025).reason) == (level, "score")


def test_five_months_are_not_enough_six_are(app, world):
    with app.app_context():
        person("P5"), person("P6")
        load_results(months("P5", 2025, ["80"] * 5) + months("P6", 2025, ["80"] * 6))
        services.classify_year(2025)
        assert (result("P5", 2025).level, result("P5", 2025).reason, result("P5", 2025).months) == (
            None, "insufficient_months", 5)
        assert (result("P6", 2025).level, result("P6", 2025).months) == ("B", 6)


def test_maternity_months_count_towards_the_minimum_but_not_the_mean(app, world):
    with app.app_context():
        mother = person("M1")
        load_results(months("M1", 2025, ["95", "91", "93", "92"], start_month=1))
        # Leave from March to August: March and April already have scores and are not counted twice.
        org_services.add_leave(mother, date(2025, 3, 10), date(2025, 8, 20), "maternity")
        services.classify_year(2025)
        row = result("M1", 2025)
        assert (row.months, row.maternity_months, row.level, row.mean_score) == (4, 4, "A", Decimal("92.75"))


def test_sick_leave_does_not_count(app, world):
    with app.app_context():
        staff = person("K1")
        load_results(months("K1", 2025, ["80"] * 4))
        org_services.add_leave(staff, date(2025, 5, 1), date(2025, 8, 31), "sick")
        services.classify_year(2025)
        assert result("K1", 2025).level is None


@pytest.mark.parametrize("day, level, reason", [
    (date(2025, 12, 31), "D", "disciplined"),
    (date(2026, 1, 1), "B", "score"),
    (date(2025, 1, 1), "D", "disciplined"),
    (date(2024, 12, 31), "B", "score"),
])
def test_a_decision_within_the_year_makes_it_d(app, world, day, level, reason):
    with app.app_context():
        staff = person("Q1")
        load_results(months("Q1", 2025, ["85"] * 12))
        org_services.add_discipline(staff, day, "khien_trach")
        services.classify_year(2025)
        assert (result("Q1", 2025).level, result("Q1", 2025).reason) == (level, reason)


def test_a_person_not_classified_stays_not_classified_despite_discipline(app, world):
    with app.app_context():
        staff = person("Q2")
        load_results(months("Q2", 2025, ["85"] * 3))
        org_services.add_discipline(staff, date(2025, 6, 1), "canh_cao")
        services.classify_year(2025)
        assert (result("Q2", 2025).level, result("Q2", 2025).reason) == (None, "insufficient_months")


def test_the_discipline_threshold_is_policy_data(app, world):
    with app.app_context():
        staff = person("Q3")
        load_results(months("Q3", 2025, ["85"] * 12))
        org_services.add_discipline(staff, date(2025, 6, 1), "khien_trach")
        policy = db.session.scalar(select(Policy))
        policy.discipline_min_form = "canh_cao"
        db.session.commit()
        services.classify_year(2025)
        assert result("Q3", 2025).level == "B"


def test_recomputing_replaces_unfinalised_results_only(app, world):
    with app.app_context():
        person("R1"), person("R2", unit="B")
        load_results(months("R1", 2025, ["95"] * 12) + months("R2", 2025, ["95"] * 12))
        services.classify_year(2025)
        admin = db.session.get(factories.User, world.users["sys_admin"])
        services.demote(result("R2", 2025), "Vượt tỷ lệ xuất sắc của đơn vị.", admin)
        services.finalise(factories.unit("B"), 2025, admin)
        load_results(months("R1", 2024, ["40"] * 6))  # unrelated year
        services.classify_year(2025)
        assert result("R2", 2025).level == "B" and result("R2", 2025).demoted_from == "A"
        assert result("R1", 2025).level == "A"


def test_an_imported_year_is_never_recomputed(app, world):
    with app.app_context():
        person("I1")
        load_annual(["I1,2025,C"])
        load_results(months("I1", 2025, ["95"] * 12))
        services.classify_year(2025)
        assert (result("I1", 2025).level, result("I1", 2025).reason) == ("C", "imported")


def test_import_annual_with_one_bad_row_imports_nothing(app, runner, tmp_path, world):
    path = tmp_path / "annual.csv"
    path.write_text("staff_code,year,level\nS1,2024,D\nS2,2024,E\nNOBODY,2024,B\nS1,2024,C\nH1,24,B\n"
                    "H1,1999,B\n", encoding="utf-8")
    outcome = runner.invoke(args=["evaluation", "import-annual", str(path)])
    assert outcome.exit_code == 1
    assert ":3: Mức \"E\" không hợp lệ" in outcome.stderr
    assert ":4: Không có cán bộ mã NOBODY." in outcome.stderr
    assert ":5: Trùng với dòng 2." in outcome.stderr
    assert ":6: Năm phải có dạng YYYY" in outcome.stderr and ":7: Năm phải có dạng YYYY" in outcome.stderr
    with app.app_context():
        assert db.session.scalar(select(db.func.count(AnnualResult.id))) == 0


def test_bad_years_on_the_command_line(runner, world):
    for command in ("classify-year", "flag-reviews", "export-annual"):
        outcome = runner.invoke(args=["evaluation", command, "20x5"])
        assert outcome.exit_code == 1 and "YYYY" in outcome.stderr


# ---------------------------------------------------------------- review cases

def cases():
    return [tuple(row) for row in review_queries.export_rows()]


def test_an_imported_d_followed_by_a_computed_d_opens_one_case(app, world):
    with app.app_context():
        person("D1", category="can_bo"), person("D2", category="vien_chuc")
        load_annual(["D1,2024,D", "D2,2024,D"])
        load_results(months("D1", 2025, ["40"] * 12) + months("D2", 2025, ["60"] * 12))
        services.classify_year(2025)
        assert review_services.flag_reviews(2025) == 1
        assert review_services.flag_reviews(2025) == 0
        assert cases() == [("D1", 2025, 2024, "open", "mien_nhiem")]


def test_not_classified_breaks_a_run(app, world):
    with app.app_context():
        person("N1")
        load_annual(["N1,2023,D"])
        load_results(months("N1", 2024, ["30"] * 3) + months("N1", 2025, ["30"] * 12))
        services.classify_year(2024)
        services.classify_year(2025)
        assert result("N1", 2024).level is None
        assert review_services.flag_reviews(2025) == 0
        assert review_services.flag_reviews(2024) == 0


def test_disciplined_years_count_as_d_for_the_run(app, world):
    with app.app_context():
        staff = person("N2", category="hop_dong")
        load_annual(["N2,2024,D"])
        load_results(months("N2", 2025, ["88"] * 12))
        org_services.add_discipline(staff, date(2025, 3, 3), "canh_cao")
        services.classify_year(2025)
        assert review_services.flag_reviews(2025) == 1
        assert cases() == [("N2", 2025, 2024, "open", "cham_dut_hop_dong")]


def test_the_policy_in_force_on_31_december_decides_the_year(app, world):
    from app.evaluation import services as evaluation_services

    with app.app_context():
        person("Y1")
        load_results(months("Y1", 2025, ["86"] * 12))
        services.classify_year(2025)
        assert result("Y1", 2025).level == "B"
        evaluation_services.create_policy(
            [("A", Decimal("85"), "Xuất sắc", "Excellent"), ("B", Decimal("70"), "Tốt", "Good"),
             ("C", Decimal("50"), "Đạt", "Pass"), ("D", Decimal("0"), "Không đạt", "Fail")],
            name="Từ tháng 7/2025", effective_from=date(2025, 7, 1), total_max=Decimal("100"),
            open_day=25, self_due_day=3, review_due_day=5, close_day=7, objection_days=5,
            excellent_quota_ratio=Decimal("0.2"), min_months=6, consecutive_years=2,
            discipline_min_form="khien_trach", warning_low_months=3)
        services.classify_year(2025)
        assert result("Y1", 2025).level == "A"
