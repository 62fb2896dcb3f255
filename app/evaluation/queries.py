"""Reads for the assessment pages: bounded queries, paginated lists."""
from collections import Counter

from sqlalchemy import case, func, select

from app import clock
from app.database import paginate
from app.evaluation.models import Assessment, Framework, Period, Policy, reviewed_by
from app.extensions import db
from app.org.models import Staff

STATUS_ORDER = case({"self_submitted": 0, "draft": 1, "reviewed": 2, "closed": 3, "not_evaluated": 4},
                    value=Assessment.status, else_=5)


def _team_query(user, period):
    return (select(Assessment)
            .join(Staff, Staff.id == Assessment.staff_id)
            .where(Assessment.period_id == period.id, reviewed_by(user)))


def team_page(user, period, status=None):
    """The assessments this head reviews in a period, those waiting for review first."""
    query = _team_query(user, period)
    if status == "overdue":
        query = query.where(Assessment.status.in_(("draft", "self_submitted")))
    elif status:
        query = query.where(Assessment.status == status)
    return paginate(query.order_by(STATUS_ORDER, Staff.full_name))


def team_counters(user, period):
    """Counts by status for the head's team, and how many are overdue."""
    rows = db.session.execute(
        _team_query(user, period).with_only_columns(Assessment.status, func.count(Assessment.id))
        .group_by(Assessment.status)).all()
    counts = Counter(dict(rows))
    waiting = counts["draft"] + counts["self_submitted"]
    overdue = waiting if period.review_due_on and clock.today() > period.review_due_on else 0
    return {
        "total": sum(counts.values()),
        "not_started": counts["draft"],
        "self_submitted": counts["self_submitted"],
        "reviewed": counts["reviewed"] + counts["closed"],
        "not_evaluated": counts["not_evaluated"],
        "overdue": overdue + counts["not_evaluated"],
    }


def history(staff_id, months=24):
    """The staff member's latest assessments, oldest first (for the chart)."""
    rows = db.session.scalars(
        select(Assessment).join(Period).where(Assessment.staff_id == staff_id)
        .order_by(Period.starts_on.desc()).limit(months)).all()
    return list(reversed(rows))


def history_page(staff_id):
    return paginate(select(Assessment).join(Period).where(Assessment.staff_id == staff_id)
                     .order_by(Period.starts_on.desc()))


def current_assessment(staff_id, period):
    if period is None:
        return None
    return db.session.scalar(select(Assessment).where(Assessment.staff_id == staff_id,
                                                      Assessment.period_id == period.id))


def published_list(unit, period):
    """Names and levels of the unit's closed assessments in a closed period (SPEC §3.7)."""
    return paginate(
        select(Assessment).join(Staff, Staff.id == Assessment.staff_id)
        .where(Assessment.unit_id == unit.id, Assessment.period_id == period.id,
               Assessment.status == "closed")
        .order_by(Staff.full_name), per_page=100)


def recent_periods():
    """Periods run in the system (not imported), newest first, for period pickers."""
    return db.session.scalars(select(Period).where(Period.imported.is_(False))
                              .order_by(Period.starts_on.desc()).limit(24)).all()


def closed_periods():
    return db.session.scalars(select(Period).where(Period.status == "closed")
                              .order_by(Period.starts_on.desc()).limit(36)).all()


def periods_page():
    return paginate(select(Period).order_by(Period.starts_on.desc()))


def period_counts(period_ids):
    """{period id: {status: count}} for a page of periods (one grouped query)."""
    found = {pid: Counter() for pid in period_ids}
    for period_id, status, count in db.session.execute(
            select(Assessment.period_id, Assessment.status, func.count(Assessment.id))
            .where(Assessment.period_id.in_(period_ids))
            .group_by(Assessment.period_id, Assessment.status)):
        found[period_id][status] = count
    return found


def policies():
    return db.session.scalars(select(Policy).order_by(Policy.effective_from.desc())).all()


def frameworks():
    return db.session.scalars(select(Framework).order_by(Framework.effective_from.desc(),
                                                         Framework.code)).all()
