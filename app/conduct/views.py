"""Conduct pages: the catalogue, checklist templates, inspections with the phone-friendly
checklist, conduct reports and their review, responses, photos and statistics."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import clock, permissions
from app.auth.queries import inspectors
from app.conduct import queries, services
from app.conduct.forms import InspectionForm, RaiseForm, RespondForm, RuleForm, SubmitForm, TemplateForm
from app.conduct.models import (
    FINDING_STATUSES,
    OUTCOMES,
    PLACES,
    PRESENCE,
    SEVERITIES,
    ChecklistTemplate,
    ConductReport,
    ConductRule,
    Finding,
    Inspection,
    InspectionPerson,
    Photo,
)
from app.errors import DomainError
from app.evaluation.services import policy_in_force
from app.extensions import db
from app.feedback.models import Complaint
from app.forms import arg
from app.org import queries as org_queries
from app.org.models import Staff
from app.periods import month_arg, month_bounds
from app.permissions import can, require

bp = Blueprint("conduct", __name__, url_prefix="/conduct")

RULE_EDIT_FIELDS = ("code", "text_vi", "text_en", "place", "category", "severity", "deduction",
                    "legal_source", "active")


# ---------------------------------------------------------------- catalogue and templates


@bp.get("/rules")
def rules():
    """The rule catalogue (retired rules are shown as such)."""
    return render_template("conduct/rules.html", rules=queries.rules(), templates=queries.templates(),
                           places=PLACES, severities=SEVERITIES)


@bp.route("/rules/new", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
def rule_form(rule_id=None):
    """Add or change a rule; retiring one keeps it in history."""
    require("conduct.rules")
    rule = db.get_or_404(ConductRule, rule_id) if rule_id else None
    form = RuleForm(obj=rule)
    if form.validate_on_submit():
        taken = db.session.scalar(select(ConductRule.id).where(ConductRule.code == form.code.data.strip()))
        if taken and (rule is None or taken != rule.id):
            form.code.errors.append(_("Mã quy tắc đã tồn tại."))
        else:
            services.save_rule(rule, **{name: getattr(form, name).data for name in RULE_EDIT_FIELDS})
            flash(_("Đã lưu quy tắc."), "success")
            return redirect(url_for("conduct.rules"))
    return render_template("conduct/rule_form.html", form=form, rule=rule), \
        400 if request.method == "POST" else 200


@bp.route("/templates/new", methods=["GET", "POST"])
def template_new():
    """A new checklist template from rules of the catalogue."""
    require("conduct.rules")
    form = TemplateForm()
    active = queries.rules(include_retired=False)
    form.rules.choices = [(r.id, f"{r.code} — {r.text}") for r in active]
    if form.validate_on_submit():
        chosen = [r for r in active if r.id in set(form.rules.data)]
        services.create_template(form.name.data, chosen)
        flash(_("Đã tạo mẫu kiểm tra."), "success")
        return redirect(url_for("conduct.rules"))
    return render_template("conduct/template_form.html", form=form), \
        400 if request.method == "POST" else 200


# ---------------------------------------------------------------- inspections


def _inspection_or_404(inspection_id, action="conduct.view"):
    inspection = permissions.get_or_404(Inspection, inspection_id, action)
    return inspection


@bp.get("/inspections")
def inspections():
    require("conduct.view")
    return render_template("conduct/inspections.html", page=queries.inspections_page(current_user))


@bp.route("/inspections/new", methods=["GET", "POST"])
def inspection_new():
    """An inspector opens an inspection of a unit in scope, with a team and a template."""
    require("inspection.run")
    form = InspectionForm()
    form.template_id.choices = [(t.id, t.name) for t in queries.templates() if t.active]
    team = {u.username: u for u in inspectors(current_user) if u.id != current_user.id}
    form.members.choices = [(name, f"{u.display_name} ({name})") for name, u in team.items()]
    if request.method == "GET":
        form.inspected_at.data = clock.now().replace(tzinfo=None, second=0, microsecond=0)
    if form.validate_on_submit():
        unit = org_queries.find_unit(form.unit_code.data)
        if unit is None or not can(current_user, "inspection.run", unit):
            form.unit_code.errors.append(_("Không có đơn vị này trong phạm vi bạn được giao."))
        members = []
        for name in form.members.data or []:
            user = team[name]
            if unit is not None and not can(user, "inspection.run", unit):
                form.members.errors.append(_(
                    "%(name)s không phải thành viên đoàn kiểm tra có phạm vi đơn vị này.", name=name))
            else:
                members.append(user)
        if not form.errors:
            inspection = services.create_inspection(
                unit, db.session.get(ChecklistTemplate, form.template_id.data),
                form.inspected_at.data, current_user._get_current_object(),
                members)
            return redirect(url_for("conduct.inspection_detail", inspection_id=inspection.id))
    return render_template("conduct/inspection_form.html", form=form), \
        400 if request.method == "POST" else 200


@bp.get("/inspections/<int:inspection_id>")
def inspection_detail(inspection_id):
    """The people of the inspected unit, who has been checked, and the report."""
    inspection = _inspection_or_404(inspection_id)
    report = db.session.scalar(select(ConductReport).where(ConductReport.inspection_id == inspection.id))
    return render_template("conduct/inspection.html", inspection=inspection, report=report,
                           counts=services.recorded_counts(inspection), presence=PRESENCE,
                           can_record=can(current_user, "inspection.record", inspection) and report is None)


@bp.route("/inspections/<int:inspection_id>/people/<int:staff_id>", methods=["GET", "POST"])
def inspection_person(inspection_id, staff_id):
    """The checklist for one person: presence, and each rule with a note and an optional photo."""
    inspection = _inspection_or_404(inspection_id, "inspection.record")
    person = db.session.get(InspectionPerson, (inspection.id, staff_id))
    if person is None:
        abort(404)
    rules = inspection.template.rules
    errors = []
    if request.method == "POST":
        presence = request.form.get("presence", "present")
        if presence not in PRESENCE:
            errors.append(_("Tình trạng có mặt không hợp lệ."))
        all_compliant = request.form.get("all_compliant") == "1"
        unanswered = [rule.code for rule in rules if not request.form.get(f"outcome_{rule.id}")]
        if presence == "present" and unanswered and not all_compliant and services.editable(inspection):
            if len(unanswered) == len(rules):
                errors.append(_("Phiếu còn trống: hãy chọn “Tất cả quy tắc: Chấp hành” rồi đánh dấu "
                                "vi phạm, hoặc chọn kết quả cho từng quy tắc."))
            else:
                errors.append(_("Chưa chọn kết quả cho: %(codes)s.", codes=", ".join(unanswered)))
        outcomes = {}
        for rule in rules:
            outcome = request.form.get(f"outcome_{rule.id}") or "compliant"
            if outcome not in OUTCOMES:
                errors.append(_("Kết quả của %(code)s không hợp lệ.", code=rule.code))
            note = request.form.get(f"note_{rule.id}", "")[:1000] if outcome == "violation" else ""
            upload = request.files.get(f"photo_{rule.id}")
            data = upload.read() if upload and upload.filename and outcome == "violation" else None
            outcomes[rule] = (outcome, note, data, upload.mimetype if data and upload else None)
            if outcome == "violation" and len(note.strip()) < 3 and not data:
                errors.append(_("%(code)s: hãy ghi chú hoặc chụp ảnh vi phạm.", code=rule.code))
        if not errors:
            try:
                services.record_person(inspection, person, presence, outcomes, current_user)
            except DomainError as exc:
                errors.append(str(exc))
            else:
                flash(_("Đã ghi nhận: %(name)s.", name=person.staff.full_name), "success")
                return redirect(_next_person(inspection, person))
    people = sorted(inspection.people, key=lambda p: p.staff.full_name)
    counts = services.recorded_counts(inspection)
    done = sum(1 for p in people if p.staff_id in counts or p.presence != "present")
    entries = services.entries_of(inspection, person.staff_id)
    return render_template("conduct/checklist.html", inspection=inspection, person=person,
                           rules=rules, entries=entries, outcomes=OUTCOMES, presence=PRESENCE,
                           errors=errors, form_values=request.form, total=len(people), done=done,
                           position=[p.staff_id for p in people].index(person.staff_id) + 1), \
        400 if errors else 200


def _next_person(inspection, person):
    people = sorted(inspection.people, key=lambda p: p.staff.full_name)
    index = [p.staff_id for p in people].index(person.staff_id)
    if index + 1 < len(people):
        return url_for("conduct.inspection_person", inspection_id=inspection.id,
                       staff_id=people[index + 1].staff_id)
    return url_for("conduct.inspection_detail", inspection_id=inspection.id)


@bp.post("/inspections/<int:inspection_id>/report")
def inspection_report(inspection_id):
    """Draw up the report (biên bản) from the inspection's violations and absences."""
    inspection = _inspection_or_404(inspection_id, "inspection.record")
    try:
        report = services.report_from_inspection(inspection, current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("conduct.inspection_detail", inspection_id=inspection.id))
    return redirect(url_for("conduct.report_detail", report_id=report.id))


# ---------------------------------------------------------------- reports


def _report_or_404(report_id, action="conduct.view"):
    report = permissions.get_or_404(ConductReport, report_id, action)
    return report


@bp.get("/reports")
def reports():
    require("conduct.view")
    status = arg("status")
    status = status if status in ("draft", "submitted", "reviewed") else ""
    return render_template("conduct/reports.html", page=queries.reports_page(current_user, status),
                           status=status)


@bp.route("/reports/new", methods=["GET", "POST"])
def report_new():
    """A unit head reports a violation, or an inspector raises one from a citizen complaint."""
    require("report.raise")
    complaint = None
    if request.args.get("complaint"):
        complaint = db.session.get(Complaint, request.args.get("complaint", type=int) or 0)
        if complaint is None or not can(current_user, "inspection.run", complaint.unit):
            abort(404)
    form = RaiseForm()
    form.rule_id.choices = [(r.id, f"{r.code} — {r.text}") for r in queries.rules(include_retired=False)]
    if request.method == "GET" and complaint is not None:
        form.staff_code.data = complaint.staff.code if complaint.staff else ""
        form.note.data = complaint.text
        form.occurred_on.data = clock.local_date(complaint.created_at)
    if form.validate_on_submit():
        staff = db.session.scalar(select(Staff).where(Staff.code == form.staff_code.data.strip()))
        if staff is None or not can(current_user, "report.raise", staff):
            form.staff_code.errors.append(_("Không có cán bộ này trong phạm vi bạn được giao."))
        elif form.occurred_on.data > clock.today():
            form.occurred_on.errors.append(_("Ngày xảy ra không được sau hôm nay."))
        else:
            report = services.raise_report("complaint" if complaint else "unit_head", staff,
                                           db.session.get(ConductRule, form.rule_id.data),
                                           form.occurred_on.data, form.note.data, current_user,
                                           complaint)
            return redirect(url_for("conduct.report_detail", report_id=report.id))
    return render_template("conduct/report_form.html", form=form, complaint=complaint), \
        400 if request.method == "POST" else 200


def _may_submit(report):
    """Whoever drew the report up, or a member of the inspection's team."""
    return report.created_by_id == current_user.id or (
        report.inspection is not None and can(current_user, "inspection.record", report.inspection))


def _render_report(report, status=200, errors=()):
    return render_template(
        "conduct/report.html", report=report, statuses=FINDING_STATUSES, errors=errors,
        submit_form=SubmitForm(data={"summary": report.summary}),
        can_submit=report.status == "draft" and _may_submit(report),
        can_review=report.status == "submitted" and can(current_user, "report.review", report)), status


@bp.get("/reports/<int:report_id>")
def report_detail(report_id):
    """The report with its findings; printable."""
    return _render_report(_report_or_404(report_id))


@bp.post("/reports/<int:report_id>/submit")
def report_submit(report_id):
    report = _report_or_404(report_id)
    if not _may_submit(report):
        abort(403)
    form = SubmitForm()
    if form.validate_on_submit():
        try:
            services.submit_report(report, form.summary.data)
        except DomainError as exc:
            return _render_report(report, 400, [str(exc)])
        flash(_("Đã gửi biên bản cho trưởng đoàn kết luận."), "success")
    return redirect(url_for("conduct.report_detail", report_id=report.id))


@bp.post("/reports/<int:report_id>/review")
def report_review(report_id):
    """The team lead confirms or dismisses each finding with a reason."""
    report = _report_or_404(report_id, "report.review")
    decisions = {f.id: (request.form.get(f"status_{f.id}"), request.form.get(f"reason_{f.id}", "")[:1000])
                 for f in report.findings}
    try:
        services.review_report(report, decisions, current_user)
    except DomainError as exc:
        return _render_report(report, 400, [str(exc)])
    flash(_("Đã kết luận biên bản."), "success")
    return redirect(url_for("conduct.report_detail", report_id=report.id))


# ---------------------------------------------------------------- the person concerned


@bp.get("/mine")
def mine():
    """The signed-in person's conduct record, with the right to respond."""
    if current_user.staff_id is None:
        abort(404)
    findings = queries.findings_of(current_user.staff_id)
    return render_template("conduct/mine.html", findings=findings, form=RespondForm(),
                           can_respond=services.can_respond, deadline=services.response_deadline)


@bp.post("/findings/<int:finding_id>/respond")
def respond(finding_id):
    finding = permissions.get_or_404(Finding, finding_id, "finding.respond")
    if finding.report.status == "draft":
        abort(404)
    form = RespondForm()
    if form.validate_on_submit():
        try:
            services.respond(finding, form.text.data)
            flash(_("Đã gửi giải trình."), "success")
        except DomainError as exc:
            flash(str(exc), "error")
    else:
        flash(_("Nội dung giải trình cần từ 10 đến 5000 ký tự."), "error")
    return redirect(url_for("conduct.mine"))


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    """An evidence photo, for the inspection side in scope and the person it concerns."""
    picture = db.get_or_404(Photo, photo_id)
    concerned = current_user.staff_id is not None and db.session.scalar(select(Finding.id).where(
        Finding.photo_id == picture.id, Finding.staff_id == current_user.staff_id))
    if not concerned:
        require("conduct.view", picture)
    path = services.photo_path(picture)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=picture.content_type, max_age=0)


@bp.get("/stats")
def stats():
    """Violations by rule and unit for a month, and repeat offenders over twelve months."""
    require("conduct.view")
    code = month_arg()
    start, end = month_bounds(code)
    by_rule, by_unit = queries.violations_by(current_user, start, end)
    policy = policy_in_force(clock.today())
    return render_template("conduct/stats.html", period=code, by_rule=by_rule, by_unit=by_unit,
                           policy=policy,
                           offenders=queries.repeat_offenders(current_user, clock.today(), policy))
