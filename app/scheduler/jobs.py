"""The jobs of SPEC §7. Each is a thin wrapper around the services the pages and the command line
use; each decides from the policy whether today is its day (so a missed day is caught up), and
each is idempotent: running it twice changes nothing. A job returns its counts, or None when it
had nothing to do."""
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from app.annual import services as annual_services
from app.evaluation import services as evaluation
from app.extensions import db
from app.feedback import services as feedback
from app.notifications import services as notifications
from app.org import services as org
from app.reviews import services as reviews
from app.scheduler.models import JobRun


def org_history(today):
    """Transfers, merges and renames entered in advance take effect on their day: each person's
    current unit and each unit's name follow the history."""
    return org.sync_current_units(today)


def open_period(today):
    """Open this month's period from the policy's opening day (and last month's if it was missed)."""
    return evaluation.open_due_periods(today)


def close_period(today):
    """Close and publish every open period whose closing day has come."""
    return evaluation.close_due_periods(today)


def self_reminders(today):
    """Remind staff who have not submitted their self-assessment."""
    return evaluation.send_self_reminders(today)


def review_reminders(today):
    """Remind heads who still have assessments to review."""
    return evaluation.send_review_reminders(today)


def annual(today):
    """From the configured day of January (ANNUAL_RUN_ON, 8 January): classify last year, open
    its review cases, tell the people concerned. Done once a year (the ledger remembers)."""
    year = today.year - 1
    if today < date(today.year, *current_app.config["ANNUAL_RUN_ON"]):
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
    "org_history": org_history,
    "open_period": open_period,
    "close_period": close_period,
    "self_reminders": self_reminders,
    "review_reminders": review_reminders,
    "annual": annual,
    "satisfaction_rollup": satisfaction_rollup,
    "mail": mail,
}
