"""Reads for the conduct pages: lists in scope, statistics, repeat offenders, a person's record."""
from datetime import date

from sqlalchemy import func, select

from app.conduct.models import ChecklistTemplate, ConductReport, ConductRule, Finding, Inspection
from app.database import paginate
from app.extensions import db
from app.org.models import Staff, Unit
from app.periods import add_months
from app.permissions import scope_filter


def rules(include_retired=True):
    query = select(ConductRule).order_by(ConductRule.code)
    if not include_retired:
        query = query.where(ConductRule.active.is_(True))
    return db.session.scalars(query).all()


def templates():
    return db.session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name)).all()


def inspections_page(user):
    return paginate(select(Inspection).join(Unit, Unit.id == Inspection.unit_id)
                     .where(scope_filter(user, "conduct.view", Unit.path))
                     .order_by(Inspection.inspected_at.desc()))


def reports_page(user, status=""):
    query = (select(ConductReport).join(Unit, Unit.id == ConductReport.unit_id)
             .where(scope_filter(user, "conduct.view", Unit.path)).order_by(ConductReport.id.desc()))
    if status:
        query = query.where(ConductReport.status == status)
    return paginate(query)


def findings_of(staff_id):
    """A person's conduct record: every finding of a submitted or reviewed report."""
    return db.session.scalars(
        select(Finding).join(ConductReport, ConductReport.id == Finding.report_id)
        .where(Finding.staff_id == staff_id, ConductReport.status != "draft")
        .order_by(Finding.occurred_on.desc())).all()


def _confirmed_in(user, start, end):
    return (select(Finding).join(Unit, Unit.id == Finding.unit_id)
            .where(scope_filter(user, "conduct.view", Unit.path), Finding.status == "confirmed",
                   Finding.occurred_on.between(start, end)))


def violations_by(user, start, end):
    """Confirmed violations in scope by rule and by unit for a period (two grouped queries)."""
    confirmed = _confirmed_in(user, start, end).subquery()
    by_rule = db.session.execute(
        select(ConductRule.code, ConductRule.text_vi, ConductRule.text_en, func.count())
        .join(confirmed, confirmed.c.rule_id == ConductRule.id)
        .group_by(ConductRule.code, ConductRule.text_vi, ConductRule.text_en)
        .order_by(func.count().desc())).all()
    by_unit = db.session.execute(
        select(Unit.name, func.count()).join(confirmed, confirmed.c.unit_id == Unit.id)
        .group_by(Unit.name).order_by(func.count().desc()).limit(50)).all()
    return by_rule, by_unit


def repeat_offenders(user, today: date, policy):
    """Staff with at least the policy's number of confirmed violations within its window of
    months up to `today`."""
    since = add_months(today, -policy.repeat_offender_months)
    confirmed = _confirmed_in(user, since, today).subquery()
    counts = db.session.execute(
        select(confirmed.c.staff_id, func.count()).group_by(confirmed.c.staff_id)
        .having(func.count() >= policy.repeat_offender_min).order_by(func.count().desc()).limit(100)).all()
    people = {s.id: s for s in db.session.scalars(
        select(Staff).where(Staff.id.in_([staff_id for staff_id, _n in counts])))}
    return [(people[staff_id], n) for staff_id, n in counts]
