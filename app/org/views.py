"""Organisation pages: the unit tree, staff search and profiles, edits and imports."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import permissions
from app.csvimport import ImportRejected
from app.errors import DomainError, refused
from app.extensions import db
from app.forms import AppForm, arg
from app.org import queries, services
from app.org.forms import (
    DisciplineForm,
    ImportForm,
    LeaveForm,
    ReorganiseForm,
    StaffCreateForm,
    StaffForm,
    StaffSearchForm,
    TransferForm,
    UnitForm,
    UnitSearchForm,
)
from app.org.models import Staff, Unit
from app.permissions import can, require, scope_paths

bp = Blueprint("org", __name__, url_prefix="/org")

STAFF_EDIT_FIELDS = ("code", "full_name", "category", "position", "is_head", "front_desk", "email",
                     "start_date", "active")


def _unit_or_404(unit_id, action="org.view"):
    unit = permissions.get_or_404(Unit, unit_id, action)
    return unit


def _staff_or_404(staff_id, action="org.view"):
    staff = permissions.get_or_404(Staff, staff_id, action)
    return staff


def _code_taken(model, code, exclude_id=None):
    query = select(model.id).where(model.code == code.strip())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def _parent_for(form, unit=None):
    """The parent named in a unit form, checked against scope; records errors on the form."""
    code = (form.parent_code.data or "").strip()
    if not code:
        if not current_user.is_sys_admin:
            form.parent_code.errors.append(_("Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất."))
        return None
    parent = queries.find_unit(code)
    if parent is None or not can(current_user, "org.edit", parent):
        form.parent_code.errors.append(_("Không có đơn vị này trong phạm vi bạn được giao."))
    elif unit is not None and parent.is_within(unit):
        form.parent_code.errors.append(_("Không thể chuyển đơn vị vào chính nó hoặc đơn vị trực thuộc nó."))
    return parent


@bp.get("/units")
def units():
    """The highest units the user may browse."""
    require("org.view")
    form = UnitSearchForm(request.args)
    q = (form.q.data or "").strip() if form.validate() else ""
    page = queries.search_units(current_user, q) if q else queries.top_units(current_user)
    staff_counts, child_counts = queries.subtree_counts(page.items)
    return render_template("org/units.html", page=page, staff_counts=staff_counts,
                           child_counts=child_counts, form=form, q=q)


@bp.get("/units/<int:unit_id>")
def unit_detail(unit_id):
    """A unit: where it sits, its child units and its staff."""
    unit = _unit_or_404(unit_id)
    children = queries.child_units(unit)
    staff_counts, child_counts = queries.subtree_counts(children.items)
    return render_template("org/unit_detail.html", unit=unit, ancestors=queries.ancestors(unit),
                           children=children, staff=queries.unit_staff(unit),
                           names=queries.unit_names(unit), merged=queries.merged_into(unit),
                           staff_counts=staff_counts, child_counts=child_counts)


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    """Create a unit under a parent in scope."""
    require("org.edit")
    form = UnitForm()
    if request.method == "GET":
        form.parent_code.data = arg("parent", max_length=50)
    if form.validate_on_submit():
        parent = _parent_for(form)
        if _code_taken(Unit, form.code.data):
            form.code.errors.append(_("Mã đơn vị đã tồn tại."))
        if not form.errors:
            unit = services.create_unit(form.code.data, form.name.data, form.kind.data, parent)
            flash(_("Đã tạo đơn vị %(name)s.", name=unit.name), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return render_template("org/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id):
    """Rename or move a unit in scope."""
    unit = _unit_or_404(unit_id, "org.edit")
    form = UnitForm(obj=unit)
    if request.method == "GET":
        form.parent_code.data = unit.parent.code if unit.parent else ""
    if form.validate_on_submit():
        parent = _parent_for(form, unit)
        if form.code.data.strip() != unit.code:
            form.code.errors.append(_("Không thể đổi mã đơn vị."))
        if not form.errors:
            try:
                services.update_unit(unit, form.name.data, form.kind.data, parent)
            except DomainError as exc:
                status = refused(exc)  # flashed before the page is drawn
                return render_template("org/unit_form.html", form=form, unit=unit), status
            flash(_("Đã lưu đơn vị."), "success")
            return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return render_template("org/unit_form.html", form=form, unit=unit)


@bp.get("/staff")
def staff_list():
    """Staff in scope, searchable by name or code."""
    require("org.view")
    form = StaffSearchForm(request.args)
    filters = form.data if form.validate() else {}
    page = queries.search_staff(current_user, (filters.get("q") or "").strip(),
                                filters.get("category") or "", filters.get("status") or "active")
    return render_template("org/staff_list.html", form=form, page=page)


@bp.route("/staff/new", methods=["GET", "POST"])
def staff_new():
    """Add a staff member to a unit in scope."""
    require("org.edit")
    form = StaffCreateForm()
    if form.validate_on_submit():
        unit = queries.find_unit(form.unit_code.data)
        if unit is None or not can(current_user, "org.edit", unit):
            form.unit_code.errors.append(_("Không có đơn vị này trong phạm vi bạn được giao."))
        if _code_taken(Staff, form.code.data):
            form.code.errors.append(_("Mã cán bộ đã tồn tại."))
        if not form.errors:
            fields = {name: getattr(form, name).data for name in STAFF_EDIT_FIELDS}
            fields["email"] = fields["email"] or None
            staff = services.create_staff(unit, **fields)
            flash(_("Đã thêm cán bộ %(name)s.", name=staff.full_name), "success")
            return redirect(url_for("reports.staff_profile", staff_id=staff.id))
    return render_template("org/staff_form.html", form=form, staff=None)


def _render_record(staff, status, **forms):
    """The person's organisation record again, with the refused form kept and open."""
    assignments, decisions, leave = queries.staff_history(staff)
    forms.setdefault("transfer_form", TransferForm())
    forms.setdefault("discipline_form", DisciplineForm())
    forms.setdefault("leave_form", LeaveForm())
    return render_template("org/staff_record.html", staff=staff, assignments=assignments,
                           decisions=decisions, leave=leave, **forms), status


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
def staff_edit(staff_id):
    """Edit a staff member's details."""
    staff = _staff_or_404(staff_id, "org.edit")
    form = StaffForm(obj=staff)
    if form.validate_on_submit():
        if _code_taken(Staff, form.code.data, exclude_id=staff.id):
            form.code.errors.append(_("Mã cán bộ đã tồn tại."))
        if not form.errors:
            fields = {name: getattr(form, name).data for name in STAFF_EDIT_FIELDS}
            fields["email"] = fields["email"] or None
            services.update_staff(staff, **fields)
            flash(_("Đã lưu thông tin cán bộ."), "success")
            return redirect(url_for("reports.staff_profile", staff_id=staff.id))
    return render_template("org/staff_form.html", form=form, staff=staff)


@bp.post("/staff/<int:staff_id>/transfer")
def staff_transfer(staff_id):
    """Transfer a staff member to another unit in scope from a given date."""
    staff = _staff_or_404(staff_id, "org.edit")
    form = TransferForm()
    if form.validate_on_submit():
        unit = queries.find_unit(form.unit_code.data)
        if unit is None or not can(current_user, "org.edit", unit):
            form.unit_code.errors.append(_("Không có đơn vị này trong phạm vi bạn được giao."))
        else:
            try:
                services.transfer_staff(staff, unit, form.effective_date.data)
            except DomainError as exc:
                return _render_record(staff, refused(exc, form.effective_date), transfer_form=form)
            flash(_("Đã điều chuyển cán bộ sang %(unit)s.", unit=unit.name), "success")
            return redirect(url_for("reports.staff_profile", staff_id=staff.id))
    return _render_record(staff, 400, transfer_form=form)


@bp.post("/staff/<int:staff_id>/transfer/cancel")
def staff_transfer_cancel(staff_id):
    """Cancel a transfer entered in advance, before its day."""
    staff = _staff_or_404(staff_id, "org.edit")
    form = AppForm()
    if not form.validate_on_submit():
        return _render_record(staff, 400)
    try:
        services.cancel_transfer(staff)
    except DomainError as exc:
        return _render_record(staff, refused(exc))
    flash(_("Đã hủy điều chuyển chờ hiệu lực."), "success")
    return redirect(url_for("reports.staff_profile", staff_id=staff.id))


@bp.post("/staff/<int:staff_id>/discipline")
def staff_discipline(staff_id):
    """Record a disciplinary decision."""
    staff = _staff_or_404(staff_id, "org.edit")
    form = DisciplineForm()
    if form.validate_on_submit():
        try:
            services.add_discipline(staff, form.decision_date.data, form.form.data, form.note.data or "")
        except DomainError as exc:
            return _render_record(staff, refused(exc, form.decision_date), discipline_form=form)
        flash(_("Đã ghi nhận quyết định kỷ luật."), "success")
        return redirect(url_for("reports.staff_profile", staff_id=staff.id))
    return _render_record(staff, 400, discipline_form=form)


@bp.post("/staff/<int:staff_id>/leave")
def staff_leave(staff_id):
    """Record a period of leave."""
    staff = _staff_or_404(staff_id, "org.edit")
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            services.add_leave(staff, form.start_date.data, form.end_date.data, form.kind.data)
        except DomainError as exc:
            return _render_record(staff, refused(exc, form.end_date), leave_form=form)
        flash(_("Đã ghi nhận thời gian nghỉ."), "success")
        return redirect(url_for("reports.staff_profile", staff_id=staff.id))
    return _render_record(staff, 400, leave_form=form)


@bp.route("/import", methods=["GET", "POST"])
def import_data():
    """Upload a CSV file of units, staff or disciplinary decisions; all rows or none."""
    require("org.import")
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        importer = services.IMPORTERS[form.kind.data]
        try:
            count = importer(form.file.data.read(), paths=scope_paths(current_user, "org.import"))
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            flash(_("Đã nhập %(count)d dòng.", count=count), "success")
            return redirect(url_for("org.import_data"))
    status = 400 if errors or form.errors else 200
    return render_template("org/import.html", form=form, errors=errors), status


@bp.route("/reorganise", methods=["GET", "POST"])
def reorganise():
    """Merge, rename or retire units from a CSV file; a dry run first shows what would change."""
    require("org.reorganise")
    form = ReorganiseForm()
    errors, report = [], None
    if form.validate_on_submit():
        try:
            report = services.reorganise(form.file.data.read(), dry_run=form.dry_run.data,
                                         paths=scope_paths(current_user, "org.reorganise"))
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            if not form.dry_run.data:
                flash(_("Đã sắp xếp %(count)d đơn vị.", count=len(report)), "success")
    status = 400 if errors or form.errors else 200
    return render_template("org/reorganise.html", form=form, errors=errors, report=report,
                           dry_run=form.dry_run.data), status
