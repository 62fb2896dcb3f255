"""Annual pages: the year by unit with the quota, a unit's results with demotions and
finalisation, exports, imports of past results, and the early warning list."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock, permissions
from app.annual import queries, services
from app.annual.forms import ReasonForm, ResultImportForm
from app.annual.models import AnnualResult
from app.csvimport import ImportRejected
from app.errors import DomainError, refused
from app.evaluation import services as evaluation_services
from app.exports import Table, table_response
from app.forms import YearForm, posted_year
from app.org.models import Unit
from app.periods import parse_year
from app.permissions import can, require

bp = Blueprint("annual", __name__, url_prefix="/annual")

IMPORTERS = {"results": evaluation_services.import_results, "annual": services.import_annual}


def _year_arg(default=None):
    text = request.args.get("year")
    if not text:
        return default if default is not None else clock.today().year - 1
    try:
        return parse_year(text)
    except DomainError:
        abort(404)


def _overview(year, status=200, import_form=None, import_errors=()):
    page = queries.units_page(current_user, year)
    counts, finalised = queries.level_counts([u.id for u in page.items], year)
    policy = services.year_policy(year)
    quotas = {u.id: services.UnitQuota(u.id, counts[u.id][policy.top_levels[0]],
                                       counts[u.id][policy.top_levels[1]],
                                       policy.excellent_quota_ratio) for u in page.items}
    return render_template("annual/overview.html", year=year, page=page, counts=counts,
                           finalised=finalised, quotas=quotas, policy=policy,
                           year_form=YearForm(data={"year": year}),
                           import_form=import_form or ResultImportForm(),
                           import_errors=import_errors), status


@bp.get("/")
def overview():
    """The year by unit: level counts, the A quota, finalisation."""
    require("annual.view")
    return _overview(_year_arg())


@bp.post("/classify")
def classify():
    """Compute or recompute a year (finalised units and imported results are kept)."""
    require("annual.manage")
    try:
        result = services.classify_year(posted_year())
    except DomainError as exc:
        refused(exc)
        return redirect(url_for("annual.overview"))
    flash(_("Năm %(year)d: %(classified)d người được xếp loại, %(missing)d người không đủ số tháng, "
            "%(kept)d kết quả giữ nguyên (đã chốt hoặc nhập).", year=result.year,
            classified=result.classified, missing=result.not_classified, kept=result.kept), "success")
    return redirect(url_for("annual.overview", year=result.year))


@bp.post("/import")
def import_results():
    """Upload monthly or annual results from before the system; all rows or none."""
    require("annual.manage")
    form = ResultImportForm()
    year = clock.today().year - 1
    if form.validate_on_submit():
        try:
            count = IMPORTERS[form.kind.data](form.file.data.read())
        except ImportRejected as rejected:
            return _overview(year, 400, form, rejected.errors)
        flash(_("Đã nhập %(count)d dòng.", count=count), "success")
        return redirect(url_for("annual.overview"))
    return _overview(year, 400, form)


@bp.get("/<year:year>/export.<fmt>")
def export(year, fmt):
    """The year's results in scope as CSV or XLSX."""
    require("annual.view")
    table = Table(_("Xếp loại năm %(year)d", year=year), queries.download_header(),
                  queries.download_rows(year, current_user))
    return table_response(table, fmt)


@bp.get("/<year:year>/units/<int:unit_id>")
def unit_year(year, unit_id):
    """A unit's results for the year, with the quota, demotions and finalisation."""
    unit = permissions.get_or_404(Unit, unit_id, "annual.view")
    return render_template(
        "annual/unit.html", unit=unit, year=year, page=queries.unit_results(unit, year),
        quota=services.unit_quota(unit.id, year), policy=services.year_policy(year),
        finalised=services.is_finalised(unit.id, year), reason_form=ReasonForm(),
        can_finalise=can(current_user, "annual.finalise", unit),
        can_reopen=can(current_user, "annual.reopen", unit))


def _unit_year_action(year, unit_id, action, done, needs_reason=True):
    """Run an action on a unit's year (with a written reason when needed), flash its outcome and
    return to the unit's page."""
    form = ReasonForm()
    if needs_reason and not form.validate_on_submit():
        flash(_("Hãy ghi lý do (ít nhất 10 ký tự)."), "error")
    else:
        try:
            action(form.reason.data)
            flash(done, "success")
        except DomainError as exc:
            refused(exc)
    return redirect(url_for("annual.unit_year", year=year, unit_id=unit_id))


@bp.post("/results/<int:result_id>/demote")
def demote(result_id):
    """Move one top-level result down a level, with a written reason (the A quota)."""
    result = permissions.get_or_404(AnnualResult, result_id, "annual.finalise")
    return _unit_year_action(result.year, result.unit_id,
                             lambda reason: services.demote(result, reason, current_user),
                             _("Đã hạ mức kết quả của %(name)s.", name=result.staff.full_name))


@bp.post("/<year:year>/units/<int:unit_id>/finalise")
def finalise(year, unit_id):
    """Lock the unit's year (refused while the quota is breached)."""
    unit = permissions.get_or_404(Unit, unit_id, "annual.finalise")
    return _unit_year_action(year, unit.id, lambda _reason: services.finalise(unit, year, current_user),
                             _("Đã chốt kết quả năm %(year)d của đơn vị.", year=year),
                             needs_reason=False)


@bp.post("/<year:year>/units/<int:unit_id>/reopen")
def reopen(year, unit_id):
    """hr_admin unlocks a finalised unit year with a written reason."""
    unit = permissions.get_or_404(Unit, unit_id, "annual.reopen")
    return _unit_year_action(year, unit.id, lambda reason: services.reopen_year(unit, year, reason),
                             _("Đã mở lại kết quả năm %(year)d của đơn vị.", year=year))


@bp.get("/early-warning")
def early_warning():
    """Staff at the lowest level last year who are heading the same way this year."""
    require("annual.view")
    year = _year_arg(default=clock.today().year)
    policy = services.year_policy(year)
    page, stats = queries.early_warning_page(current_user, year, policy)
    return render_template("annual/early_warning.html", year=year, page=page, stats=stats,
                           policy=policy)
