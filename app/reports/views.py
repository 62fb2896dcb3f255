"""Pages that gather several features: the staff profile and the signed-in person's own
assessment page. Their addresses are those of the organisation and assessment pages they belong
to for the reader."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from app.evaluation import queries as evaluation_queries
from app.evaluation import services as evaluation_services
from app.extensions import db
from app.org import queries as org_queries
from app.org.forms import DisciplineForm, LeaveForm, TransferForm
from app.org.models import Staff
from app.permissions import require
from app.reports import queries

bp = Blueprint("reports", __name__)


@bp.get("/org/staff/<int:staff_id>")
def staff_profile(staff_id):
    """A staff member's profile: details, history, annual results, conduct record, cases."""
    staff = db.get_or_404(Staff, staff_id)
    require("org.view", staff)
    assignments, decisions, leave = org_queries.staff_history(staff)
    return render_template(
        "reports/staff_profile.html", staff=staff, assignments=assignments, decisions=decisions,
        leave=leave, record=queries.profile_record(staff.id, current_user),
        transfer_form=TransferForm(), discipline_form=DisciplineForm(), leave_form=LeaveForm())


@bp.get("/org/me")
def my_profile():
    """The signed-in user's own staff profile."""
    if current_user.staff_id is None:
        abort(404)
    return redirect(url_for("reports.staff_profile", staff_id=current_user.staff_id))


@bp.get("/evaluation/my")
def my_assessment():
    """The signed-in staff member's assessment this month, their history and review cases."""
    if current_user.staff_id is None:
        abort(404)
    period = evaluation_services.current_period()
    return render_template(
        "evaluation/my.html", period=period,
        assessment=evaluation_queries.current_assessment(current_user.staff_id, period),
        chart=evaluation_queries.history(current_user.staff_id),
        page=evaluation_queries.history_page(current_user.staff_id),
        cases=queries.own_cases(current_user.staff_id))
