"""The jobs of SPEC §7. Each is a thin wrapper around the services the pages and the command line
use; each decides from the policy whether today is its day (so a missed day is caught up), and
each is idempotent: running it twice changes nothing. A job returns its counts, or None when it
had nothing to do."""
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from app.annual import services as annual_services
from app.auth.models import RoleGrant
from app.evaluation import services as evaluation
from app.evaluation.models import Assessment, Period
from app.extensions import db
from app.feedback import services as feedback
from app.notifications import services as notifications
from app.org.models import Unit
from app.reviews import services as reviews
from app.scheduler.models import JobRun


def open_period(today):
    """Open this month's period from the policy's opening day (and last month's if it was missed)."""
    opened = {}
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for start in (last_month, this_month):
        policy = evaluation.policy_in_force(start)
        due = evaluation.deadlines(policy, start)
        if today < due["opens_on"] or today > due["closes_on"]:
            continue
        period = evaluation.get_period(evaluation.period_code(start))
        if period is not None and period.status == "closed":
            continue
        opened[evaluation.period_code(start)] = evaluation.open_period(evaluation.period_code(start)).created
    return opened or None


def close_period(today):
    """Close and publish every open period whose closing day has come."""
    due = db.session.scalars(select(Period).where(Period.status == "open", Period.closes_on <= today)
                             .order_by(Period.starts_on)).all()
    closed = {}
    for period in due:
        result = evaluation.close_period(period.code)
        closed[period.code] = {"closed": result.closed, "not_evaluated": result.not_evaluated}
    return closed or None


def _reminder_round(today, first_day, due_day):
    if first_day <= today < due_day:
        return "first"
    if today == due_day:
        return "last"
    return None


def self_reminders(today):
    """Remind staff who have not submitted their self-assessment (two days before and on the day)."""
    sent = {}
    for period in db.session.scalars(select(Period).where(Period.status == "open")):
        round_ = _reminder_round(today, period.self_due_on - timedelta(days=2), period.self_due_on)
        if round_ is None:
            continue
        waiting = select(Assessment.staff_id).where(Assessment.period_id == period.id,
                                                    Assessment.status == "draft")
        sent[period.code] = notifications.notify_users(
            notifications.staff_users(waiting), "self_reminder",
            {"period": period.code, "due": period.self_due_on.isoformat()}, "/evaluation/my",
            f"self:{period.code}:{round_}")
    db.session.commit()
    return sent or None


def review_reminders(today):
    """Remind heads who still have assessments to review (the day before and on the day)."""
    sent = {}
    for period in db.session.scalars(select(Period).where(Period.status == "open")):
        round_ = _reminder_round(today, period.review_due_on - timedelta(days=1), period.review_due_on)
        if round_ is None:
            continue
        unit = aliased(Unit)
        pending = (select(RoleGrant.user_id.label("id")).distinct()
                   .select_from(Assessment)
                   .join(unit, unit.id == Assessment.unit_id)
                   .join(RoleGrant, or_(
                       and_(Assessment.is_head.is_(False), Assessment.unit_id == RoleGrant.unit_id),
                       and_(Assessment.is_head.is_(True), unit.parent_id == RoleGrant.unit_id)))
                   .where(RoleGrant.role == "unit_head", Assessment.period_id == period.id,
                          Assessment.status.in_(("draft", "self_submitted"))).subquery())
        sent[period.code] = notifications.notify_users(
            pending, "review_reminder", {"period": period.code, "due": period.review_due_on.isoformat()},
            f"/evaluation/team?period={period.code}", f"review:{period.code}:{round_}")
    db.session.commit()
    return sent or None


def annual(today, run_on=(1, 8)):
    """From 8 January: classify last year, open its review cases, tell the people concerned.
    Done once a year (the ledger remembers)."""
    year = today.year - 1
    if today < date(today.year, *run_on):
        return None
    done = db.session.scalars(select(JobRun.counts).where(JobRun.job == "annual",
                                                          JobRun.outcome == "success")).all()
    if any(counts and counts.get("year") == year for counts in done):
        return None
    classified = annual_services.classify_year(year)
    created = reviews.flag_reviews(year)  # it notifies the people concerned
    return {"year": year, "classified": classified.classified, "new_cases": created}


def satisfaction_rollup(today):
    """Refresh the satisfaction roll-up of this month and the last."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return {f"{m:%Y-%m}": feedback.roll_up(f"{m:%Y-%m}") for m in (last_month, this_month)}


def mail(today):
    """Send the e-mail copies of notifications (when SMTP is configured)."""
    sent = notifications.send_pending_emails()
    return {"sent": sent} if sent else None


# id → (function, when): a daily time from config, or an interval in minutes.
JOBS = {
    "open_period": open_period,
    "close_period": close_period,
    "self_reminders": self_reminders,
    "review_reminders": review_reminders,
    "annual": annual,
    "satisfaction_rollup": satisfaction_rollup,
    "mail": mail,
}
