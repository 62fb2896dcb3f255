"""Pages that gather several features: the staff profile, the signed-in person's own assessment
page, the unit dashboard, the province view, the printable sheets and their downloads."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.annual import queries as annual_queries
from app.annual.services import year_policy
from app.errors import DomainError, refused
from app.evaluation import queries as evaluation_queries
from app.evaluation import services as evaluation_services
from app.exports import Table, pdf_response, table_response
from app.org import queries as org_queries
from app.org.forms import DisciplineForm, LeaveForm, TransferForm
from app.org.models import UNIT_KINDS, Staff, Unit
from app.periods import parse_period, period_code
from app.permissions import require
from app.reports import queries, services, sheets, tables
from app.reports.forms import RankingPolicyForm

bp = Blueprint("reports", __name__)

SHEET_FORMATS = ("csv", "xlsx", "pdf")


@bp.get("/org/staff/<int:staff_id>")
def staff_profile(staff_id):
    """A staff member's profile: details, history, score chart, annual results, conduct record,
    citizen feedback, work results, cases."""
    staff = permissions.get_or_404(Staff, staff_id, "org.view")
    assignments, decisions, leave = org_queries.staff_history(staff)
    return render_template(
        "reports/staff_profile.html", staff=staff, assignments=assignments, decisions=decisions,
        leave=leave, record=queries.profile_record(staff, current_user),
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


# ---------------------------------------------------------------- dashboards


def _span():
    """The `?period=` argument (a year or a month); anything malformed is a 404."""
    try:
        return queries.parse_span(request.args.get("period"))
    except DomainError:
        abort(404)


def _unit_in_scope(unit_id, action):
    unit = permissions.get_or_404(Unit, unit_id, action)
    return unit


@bp.get("/reports/dashboard")
def dashboard_home():
    """The dashboard of the widest unit the user may see."""
    require("dashboard.view")
    unit = queries.default_dashboard_unit(current_user)
    if unit is None:
        abort(404)
    return redirect(url_for("reports.dashboard", unit_id=unit.id, **request.args))


@bp.get("/reports/units/<int:unit_id>/dashboard")
def dashboard(unit_id):
    """A unit's dashboard over its subtree: levels, mean score, satisfaction, violations, overdue
    reviews, and the child units to drill down to."""
    unit = _unit_in_scope(unit_id, "dashboard.view")
    span = _span()
    board = queries.dashboard(unit, span)
    return render_template("reports/dashboard.html", board=board, span=span, unit=unit,
                           tables=tables.dashboard_tables(board))


@bp.get("/reports/units/<int:unit_id>/dashboard/<table>.<fmt>")
def dashboard_export(unit_id, table, fmt):
    """One table of the dashboard as CSV or XLSX."""
    unit = _unit_in_scope(unit_id, "dashboard.view")
    found = tables.dashboard_tables(queries.dashboard(unit, _span())).get(table)
    if found is None:
        abort(404)
    return table_response(found, fmt)


# ---------------------------------------------------------------- the province view


def _kind():
    kind = request.args.get("kind", "")
    if kind and kind not in UNIT_KINDS:
        abort(404)
    return kind


def _province_span():
    """The `?period=` argument; without one, the latest published month (else this year)."""
    if not request.args.get("period"):
        latest = queries.latest_closed_period()
        if latest is not None:
            return queries.month_span(latest.starts_on)
    return _span()


@bp.get("/reports/province")
def province():
    """Units ranked by the composite index of the ranking policy, with their movement."""
    require("province.view")
    ranking = queries.province_ranking(_province_span(), _kind())
    return render_template("reports/province.html", ranking=ranking, kinds=UNIT_KINDS,
                           table=tables.province_table(ranking))


@bp.get("/reports/province/export.<fmt>")
def province_export(fmt):
    """The ranking as CSV or XLSX."""
    require("province.view")
    return table_response(tables.province_table(queries.province_ranking(_province_span(), _kind())), fmt)


@bp.get("/reports/ranking-policy")
def ranking_policy():
    """The versions of the ranking policy: weights and bands."""
    require("province.view")
    return render_template("reports/ranking_policy.html", policies=queries.ranking_policies())


@bp.route("/reports/ranking-policy/new", methods=["GET", "POST"])
def ranking_policy_new():
    """A new version of the ranking policy, starting from the latest one."""
    require("ranking.manage")
    form = RankingPolicyForm()
    if request.method == "GET":
        latest = (queries.ranking_policies() or [None])[0]
        if latest is not None:
            form.process(obj=latest)
            form.name.data = ""
        earliest = services.first_open_month()
        form.effective_from.data = period_code(earliest) if earliest else ""
        return render_template("reports/ranking_policy_form.html", form=form)
    if form.validate_on_submit():
        bands = [services.BandRow(band.code.data.strip(), band.min_index.data, band.label_vi.data.strip(),
                                  band.label_en.data.strip()) for band in form.filled_bands()]
        try:
            services.create_ranking_policy(
                form.name.data.strip(), parse_period(form.effective_from.data.strip()),
                {name: getattr(form, name).data for name in services.WEIGHTS},
                form.violation_penalty.data, bands)
        except services.PolicyRefused as exc:
            parts = {"weights": form.weight_score, "bands": form.bands}
            refused(exc, parts.get(exc.part, form.effective_from))
        else:
            flash(_("Đã tạo phiên bản chính sách xếp hạng mới."), "success")
            return redirect(url_for("reports.ranking_policy"))
    return render_template("reports/ranking_policy_form.html", form=form), 400


# ---------------------------------------------------------------- printable sheets


def _sheet_response(sheet, table: Table, fmt):
    if fmt == "pdf":
        return pdf_response(table.name, sheets.pdf_bytes(sheet))
    return table_response(table, fmt)


def _disclosure(unit_id, code):
    unit = _unit_in_scope(unit_id, "results.view")
    period = queries.closed_period(code)
    if period is None:
        abort(404)
    return sheets.disclosure(unit, period)


@bp.get("/reports/units/<int:unit_id>/disclosure/<period:code>")
def disclosure_print(unit_id, code):
    """The monthly disclosure list to print and post (the PDF has the same content)."""
    sheet, _table = _disclosure(unit_id, code)
    return render_template("reports/sheet.html", sheet=sheet, downloads={
        fmt: url_for("reports.disclosure_export", unit_id=unit_id, code=code, fmt=fmt)
        for fmt in SHEET_FORMATS})


@bp.get("/reports/units/<int:unit_id>/disclosure/<period:code>.<fmt>")
def disclosure_export(unit_id, code, fmt):
    """The monthly disclosure list as CSV, XLSX or PDF."""
    sheet, table = _disclosure(unit_id, code)
    return _sheet_response(sheet, table, fmt)


@bp.get("/reports/units/<int:unit_id>/annual/<year:year>")
def annual_print(unit_id, year):
    """The unit's annual classification sheet to print (the PDF has the same content)."""
    sheet, _table = sheets.annual(_unit_in_scope(unit_id, "annual.view"), year)
    return render_template("reports/sheet.html", sheet=sheet, downloads={
        fmt: url_for("reports.annual_export", unit_id=unit_id, year=year, fmt=fmt)
        for fmt in SHEET_FORMATS})


@bp.get("/reports/units/<int:unit_id>/annual/<year:year>.<fmt>")
def annual_export(unit_id, year, fmt):
    """The annual classification sheet as CSV, XLSX or PDF."""
    sheet, table = sheets.annual(_unit_in_scope(unit_id, "annual.view"), year)
    return _sheet_response(sheet, table, fmt)


@bp.get("/reports/early-warning/<year:year>.<fmt>")
def early_warning_export(year, fmt):
    """The early-warning list of a year in the user's scope as CSV or XLSX."""
    require("annual.view")
    return table_response(annual_queries.early_warning_table(current_user, year, year_policy(year)), fmt)
