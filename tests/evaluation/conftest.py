"""Helpers for the assessment tests: a head account for A1, scoring through the pages."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.evaluation.models import Assessment
from app.extensions import db
from tests import factories


@pytest.fixture()
def head_a1(app, world):
    """The account of H1, head of A1: reviews S1 (and is reviewed by the head of A)."""
    with app.app_context():
        return factories.create_user([("unit_head", "A1"), ("staff", "A1")], staff_code="H1",
                                     username="head_a1").id


def assessment(app, assessment_id):
    with app.app_context():
        found = db.session.get(Assessment, assessment_id)
        db.session.expunge(found)
        return found


def fetch(app, staff_code, period="2026-03"):
    with app.app_context():
        from app.evaluation.models import Period
        from app.org.models import Staff

        row = db.session.scalar(select(Assessment).join(Assessment.staff).join(Assessment.period)
                                .where(Staff.code == staff_code, Period.code == period))
        return row


def scores_form(criteria_scores, version, **extra):
    data = {f"score_{code}": str(value) for code, value in criteria_scores.items()}
    data["version"] = str(version)
    data.update(extra)
    return data


def split(total, criteria):
    """Criterion scores (code → Decimal) adding up to `total`, each within its maximum."""
    remaining = Decimal(str(total))
    scores = {}
    for criterion in criteria:
        value = min(criterion.max_score, remaining)
        scores[criterion.code] = value
        remaining -= value
    assert remaining == 0
    return scores


def input_value(html, name):
    """The value attribute of the input named `name` in a page."""
    import re

    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    match = re.search(r'value="([^"]*)"', tag)
    return match.group(1) if match else None
