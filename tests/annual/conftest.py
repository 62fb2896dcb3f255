"""Helpers for the annual tests: people with closed months, built through the real imports."""
from app.annual import services as annual_services
from app.evaluation import services as evaluation_services
from tests import factories


def months(staff_code, year, scores, start_month=1):
    """CSV lines of closed monthly results for consecutive months."""
    return [f"{staff_code},{year}-{start_month + i:02d},{score}" for i, score in enumerate(scores)]


def load_results(lines):
    evaluation_services.import_results("staff_code,period,score\n" + "\n".join(lines) + "\n")


def load_annual(lines):
    annual_services.import_annual("staff_code,year,level\n" + "\n".join(lines) + "\n")


def person(code, unit="A1", category="cong_chuc", is_head=False):
    return factories.create_staff(code, unit, category=category, is_head=is_head)
