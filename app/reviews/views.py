"""Review case pages: the list for hr_admin, one case with its steps, the person's response."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.errors import DomainError, refused
from app.exports import Table, table_response
from app.forms import arg, posted_year
from app.permissions import can, require
from app.reviews import queries, services
from app.reviews.forms import AdvanceForm, ResponseForm
from app.reviews.models import CASE_STATUSES, ReviewCase

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _case_or_404(case_id, action="review.view"):
    review_case = permissions.get_or_404(ReviewCase, case_id, action)
    return review_case


@bp.get("/")
def cases():
    """Review cases in scope, by status."""
    require("review.manage")
    status = arg("status")
    if status not in CASE_STATUSES:
        status = ""
    return render_template("reviews/cases.html", page=queries.cases_page(current_user, status),
                           status=status, statuses=CASE_STATUSES)


@bp.get("/export.<fmt>")
def export(fmt):
    """The cases in scope as CSV or XLSX."""
    require("review.manage")
    table = Table(_("Hồ sơ xem xét"), queries.download_header(), queries.download_rows(current_user))
    return table_response(table, fmt)


@bp.post("/flag")
def flag():
    """Open the review cases of a year (exactly once per person and year)."""
    require("annual.manage")
    try:
        year = posted_year()
        created = services.flag_reviews(year)
    except DomainError as exc:
        refused(exc)
        return redirect(url_for("annual.overview"))
    flash(_("Đã mở %(count)d hồ sơ xem xét mới.", count=created), "success")
    return redirect(url_for("annual.overview", year=year))


def _render(review_case, status=200, advance_form=None, response_form=None):
    open_case = review_case.status != "decided"
    if not (open_case and can(current_user, "review.manage", review_case)):
        advance_form = None
    elif advance_form is None:
        advance_form = AdvanceForm()
    if not (open_case and can(current_user, "review.respond", review_case)):
        response_form = None
    elif response_form is None:
        response_form = ResponseForm()
    next_status = (services.TRANSITIONS[review_case.status] or (None,))[0]
    return render_template("reviews/case.html", case=review_case, advance_form=advance_form,
                           response_form=response_form, next_status=next_status,
                           statuses=CASE_STATUSES), status


@bp.get("/<int:case_id>")
def case_detail(case_id):
    """One case: the years behind it, its steps with notes, and the person's responses."""
    return _render(_case_or_404(case_id))


@bp.post("/<int:case_id>/advance")
def advance(case_id):
    """Move the case one step with a written note (and the decision at the end)."""
    review_case = _case_or_404(case_id, "review.manage")
    form = AdvanceForm()
    if form.validate_on_submit():
        next_status = (services.TRANSITIONS[review_case.status] or (None,))[0]
        try:
            services.advance(review_case, next_status, form.note.data, current_user,
                             form.decision.data or None)
        except DomainError as exc:
            return _render(review_case, refused(exc), advance_form=form)
        flash(_("Đã cập nhật hồ sơ."), "success")
        return redirect(url_for("reviews.case_detail", case_id=review_case.id))
    return _render(review_case, 400, advance_form=form)


@bp.post("/<int:case_id>/respond")
def respond(case_id):
    """The person concerned attaches a response (giải trình)."""
    review_case = _case_or_404(case_id, "review.respond")
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            services.respond(review_case, form.text.data)
        except DomainError as exc:
            return _render(review_case, refused(exc), response_form=form)
        flash(_("Đã gửi giải trình."), "success")
        return redirect(url_for("reviews.case_detail", case_id=review_case.id))
    return _render(review_case, 400, response_form=form)
