"""The job ledger for sys_admin, with a button to run a job now."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.audit_words import describe
from app.database import paginate
from app.permissions import require
from app.scheduler import services
from app.scheduler.jobs import JOBS
from app.scheduler.models import JOB_NAMES, OUTCOMES, TRIGGERS, JobRun

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")


@bp.get("/")
def ledger():
    """Every job run: when, outcome, counts, error."""
    require("audit.view")
    page = paginate(select(JobRun).order_by(JobRun.id.desc()), per_page=50)
    return render_template("scheduler/ledger.html", page=page, jobs=list(JOBS), names=JOB_NAMES,
                           triggers=TRIGGERS, outcomes=OUTCOMES, describe=describe)


@bp.post("/<name>/run")
def run_now(name):
    """Run a job now, from the page (the ledger records it as manual)."""
    require("audit.view")
    if name not in JOBS:
        abort(404)
    run = services.run_job(name, "manual")
    flash(_("Đã chạy %(job)s: %(outcome)s.", job=JOB_NAMES.get(name, name),
            outcome=OUTCOMES.get(run.outcome, run.outcome)),
          "error" if run.outcome == "failed" else "success")
    return redirect(url_for("scheduler.ledger"))
