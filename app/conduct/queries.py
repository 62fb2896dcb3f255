"""Reads for the conduct pages: lists in scope, statistics, repeat offenders, a person's record."""
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, Select, extract, func, select

from app.conduct.models import ChecklistTemplate, ConductReport, ConductRule, Finding, Inspection
from app.database import paginate
from app.extensions import db
from app.org.models import Staff, Unit
from app.periods import add_months
from app.permissions import scope_filter

if TYPE_CHECKING:
    from app.auth.models import User
    from app.evaluation.models import Policy


def rules(include_retired: bool = True) -> Sequence[ConductRule]:
    query = select(ConductRule).order_by(ConductRule.code)
    if not include_retired:
        query = query.where(ConductRule.active.is_(True))
    return db.session.scalars(query).all()


def templates() -> Sequence[ChecklistTemplate]:
    return db.session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.name)).all()


def inspections_page(user: "User") -> Pagination:
    return paginate(select(Inspection).join(Unit, Unit.id == Inspection.unit_id)
                     .where(scope_filter(user, "conduct.view", Unit.path))
                     .order_by(Inspection.inspected_at.desc()))


def reports_page(user: "User", status: str = "") -> Pagination:
    query = (select(ConductReport).join(Unit, Unit.id == ConductReport.unit_id)
             .where(scope_filter(user, "conduct.view", Unit.path)).order_by(ConductReport.id.desc()))
    if status:
        query = query.where(ConductReport.status == status)
    return paginate(query)


def findings_of(staff_id: int) -> Sequence[Finding]:
    """A person's conduct record: every finding of a submitted or reviewed report."""
    return db.session.scalars(
        select(Finding).join(ConductReport, ConductReport.id == Finding.report_id)
        .where(Finding.staff_id == staff_id, ConductReport.status != "draft")
        .order_by(Finding.occurred_on.desc())).all()


def _confirmed_in(user: "User", start: date, end: date) -> Select[tuple[Finding]]:
    return (select(Finding).join(Unit, Unit.id == Finding.unit_id)
            .where(scope_filter(user, "conduct.view", Unit.path), Finding.status == "confirmed",
                   Finding.occurred_on.between(start, end)))


def violations_by(user: "User", start: date,
                  end: date) -> tuple[Sequence[Row[Any]], Sequence[Row[Any]]]:
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


def repeat_offenders(user: "User", today: date, policy: "Policy") -> list[tuple[Staff, int]]:
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


def _confirmed_in_subtree(start: date, end: date, path: str | None) -> Select[tuple[Finding]]:
    query = (select(Finding).join(Unit, Unit.id == Finding.unit_id)
             .where(Finding.status == "confirmed", Finding.occurred_on.between(start, end)))
    return query.where(Unit.path.startswith(path, autoescape=True)) if path else query


def confirmed_by_month_rule(start: date, end: date, path: str | None) -> Sequence[Row[Any]]:
    """(year, month, rule code, text vi, text en, count) of the confirmed violations in a subtree,
    per month and rule (one query; the rows are bounded by months × rules)."""
    confirmed = _confirmed_in_subtree(start, end, path).subquery()
    year, month = extract("year", confirmed.c.occurred_on), extract("month", confirmed.c.occurred_on)
    return db.session.execute(
        select(year, month, ConductRule.code, ConductRule.text_vi, ConductRule.text_en, func.count())
        .join(confirmed, confirmed.c.rule_id == ConductRule.id)
        .group_by(year, month, ConductRule.code, ConductRule.text_vi, ConductRule.text_en)).all()


def confirmed_by_unit(start: date, end: date, path: str | None) -> Sequence[Row[Any]]:
    """(unit id, count) of the confirmed violations per unit of a subtree (one query)."""
    confirmed = _confirmed_in_subtree(start, end, path).subquery()
    return db.session.execute(select(confirmed.c.unit_id, func.count())
                              .group_by(confirmed.c.unit_id)).all()
