"""Pages of the monthly assessment: my assessment, my team, review, publication, periods,
policies and frameworks."""
from functools import lru_cache

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import clock, permissions
from app.errors import DomainError, StaleError, refused
from app.evaluation import queries, services, team_table
from app.evaluation.forms import (
    AnswerForm,
    EnableForm,
    FrameworkForm,
    ObjectionForm,
    OpenPeriodForm,
    PolicyForm,
    ReopenForm,
    assessment_form,
    score_field_name,
)
from app.evaluation.models import AUTO_SOURCES, CRITERION_GROUPS, Assessment, Framework
from app.evaluation.suggestions import suggestions_for
from app.extensions import db
from app.forms import arg
from app.org.models import Unit
from app.periods import parse_period
from app.permissions import can, require

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")

# The team page's filters ("" none): the statuses, and those overdue for review.
TEAM_STATUSES = ("", "draft", "self_submitted", "reviewed", "closed", "not_evaluated", "overdue")


def _assessment_or_404(assessment_id, action="assessment.view"):
    # Its objection and criteria come in the same query (the page shows them or their forms).
    assessment = queries.assessment_for_page(assessment_id)
    if assessment is None:
        abort(404)
    require(action, assessment)
    return assessment


def _period_or_404(code):
    try:
        parse_period(code)
    except DomainError:
        abort(404)
    period = services.get_period(code)
    if period is None:
        abort(404)
    return period


def _scores_from(form, criteria):
    return {c.code: getattr(form, score_field_name(c.code)).data for c in criteria}


def _fill(form, assessment, attribute, fallback=None, suggestions=None):
    """Pre-fill score fields from the saved scores (or a fallback) on first display."""
    for criterion in assessment.criteria:
        value = getattr(criterion, attribute)
        if value is None and suggestions:
            suggestion = suggestions.get((assessment.id, criterion.code))
            value = suggestion.score if suggestion else None
        if value is None and fallback:
            value = getattr(criterion, fallback)
        getattr(form, score_field_name(criterion.code)).data = value
    form.version.data = assessment.version


# ---------------------------------------------------------------- staff


def _render_assessment(assessment, self_form=None, status=200):
    user = current_user._get_current_object()  # four checks: the proxy looked up once
    own = can(user, "assessment.self", assessment)
    editable = own and services.self_editable(assessment)
    if editable and self_form is None:
        self_form = assessment_form(assessment.criteria, "self", required=False)()
        _fill(self_form, assessment, "self_score")
        self_form.report.data = assessment.self_report
    is_reviewer = can(user, "assessment.review", assessment)
    return render_template(
        "evaluation/assessment.html", assessment=assessment, self_form=self_form if editable else None,
        can_review=is_reviewer and services.reviewable(assessment),
        objection_form=ObjectionForm() if own and services.objection_allowed(assessment) else None,
        answer_form=AnswerForm() if is_reviewer and assessment.objection
        and not assessment.objection.answer else None,
        reopen_form=ReopenForm() if can(user, "assessment.reopen", assessment)
        and assessment.status in ("closed", "not_evaluated") and not assessment.imported else None,
        objection_deadline=services.objection_deadline(assessment),
    ), status


@bp.get("/assessments/<int:assessment_id>")
def assessment_detail(assessment_id):
    """One assessment: scores, report and comment for those allowed to see them (read as plain
    values: the page and its permission checks read the same attributes as the model's)."""
    assessment = queries.shown_assessment(assessment_id)
    if assessment is None:
        abort(404)
    require("assessment.view", assessment)
    return _render_assessment(assessment)


@bp.post("/assessments/<int:assessment_id>/self")
def self_assess(assessment_id):
    """Save or submit the staff member's own assessment."""
    assessment = _assessment_or_404(assessment_id, "assessment.self")
    submit = "submit" in request.form
    form = assessment_form(assessment.criteria, "self", required=submit)()
    if form.validate_on_submit():
        try:
            services.save_self_assessment(assessment, _scores_from(form, assessment.criteria),
                                          form.report.data, submit, form.version.data)
        except StaleError as exc:
            db.session.expire_all()
            return _render_assessment(db.get_or_404(Assessment, assessment_id), status=refused(exc))
        except DomainError as exc:
            return _render_assessment(assessment, status=refused(exc))
        flash(_("Đã nộp bản tự đánh giá.") if submit else _("Đã lưu nháp."), "success")
        return redirect(url_for("evaluation.assessment_detail", assessment_id=assessment.id))
    return _render_assessment(assessment, self_form=form, status=400)


def _act(assessment, form, action, done, invalid):
    """Run a one-form action on an assessment: flash the outcome, or show the page again (400)."""
    if not form.validate_on_submit():
        flash(invalid, "error")
        return _render_assessment(assessment, status=400)
    try:
        action()
    except DomainError as exc:
        return _render_assessment(assessment, status=refused(exc))
    flash(done, "success")
    return redirect(url_for("evaluation.assessment_detail", assessment_id=assessment.id))


@bp.post("/assessments/<int:assessment_id>/objection")
def file_objection(assessment_id):
    """The staff member's written objection to a published result."""
    assessment = _assessment_or_404(assessment_id, "assessment.self")
    form = ObjectionForm()
    return _act(assessment, form, lambda: services.file_objection(assessment, form.text.data),
                _("Đã gửi kiến nghị."), _("Nội dung kiến nghị cần từ 10 đến 5000 ký tự."))


@bp.post("/assessments/<int:assessment_id>/objection/answer")
def answer_objection(assessment_id):
    """The reviewer answers an objection."""
    assessment = _assessment_or_404(assessment_id, "assessment.review")
    if assessment.objection is None:
        abort(404)
    form = AnswerForm()
    return _act(assessment, form,
                lambda: services.answer_objection(assessment.objection, form.answer.data, current_user),
                _("Đã trả lời kiến nghị."), _("Nội dung trả lời cần từ 5 đến 5000 ký tự."))


@bp.post("/assessments/<int:assessment_id>/reopen")
def reopen(assessment_id):
    """hr_admin reopens a closed assessment with a written reason."""
    assessment = _assessment_or_404(assessment_id, "assessment.reopen")
    form = ReopenForm()
    return _act(assessment, form, lambda: services.reopen_assessment(assessment, form.reason.data),
                _("Đã mở lại đánh giá; người đánh giá có thể chấm lại."),
                _("Hãy ghi lý do mở lại (ít nhất 10 ký tự)."))


# ---------------------------------------------------------------- heads


@bp.route("/assessments/<int:assessment_id>/review", methods=["GET", "POST"])
def review(assessment_id):
    """The reviewer scores each criterion beside the self scores and the suggestions."""
    assessment = _assessment_or_404(assessment_id, "assessment.review")
    if not services.reviewable(assessment):
        flash(_("Đánh giá này không còn được sửa."), "error")
        return redirect(url_for("evaluation.assessment_detail", assessment_id=assessment.id))
    suggestions = suggestions_for([assessment])
    form = assessment_form(assessment.criteria, "review")()
    status = 200
    if request.method == "GET":
        _fill(form, assessment, "head_score", fallback="self_score", suggestions=suggestions)
        form.comment.data = assessment.review_comment
    elif form.validate_on_submit():
        try:
            services.review_assessment(assessment, _scores_from(form, assessment.criteria),
                                       form.comment.data, form.version.data, current_user,
                                       suggestions)
        except StaleError as exc:
            refused(exc)
            db.session.expire_all()
            return redirect(url_for("evaluation.review", assessment_id=assessment.id))
        except DomainError as exc:
            status = refused(exc)
        else:
            flash(_("Đã duyệt: %(name)s — %(score)s điểm, mức %(level)s.",
                    name=assessment.staff.full_name, score=assessment.score, level=assessment.level),
                  "success")
            return redirect(url_for("evaluation.team", period=assessment.period.code))
    else:
        status = 400
    return render_template("evaluation/review.html", assessment=assessment, form=form,
                           suggestions=suggestions), status


@bp.get("/team")
def team():
    """The head's team this month: progress counters and everyone they review."""
    user = current_user._get_current_object()  # read several times: the proxy looked up once
    require("evaluation.team", user=user)
    code = request.args.get("period") or None
    status = arg("status")
    if status not in TEAM_STATUSES:
        status = ""
    if code is not None:
        try:
            parse_period(code)
        except DomainError:
            abort(404)
    page = counters = None
    if not status:  # the picker, the month and its page in one query
        periods, period, page, counts = queries.team_month(user, code)
        if code is not None and period is None:
            abort(404)
    else:
        months = queries.recent_period_rows()
        periods = [month.code for month in months]
        if code:
            period = next((p for p in months if p.code == code), None) or _period_or_404(code)
        else:
            period = queries.current_among(months)
            if period is False:
                period = services.current_period()
        if period:
            page, counts = queries.team_page(user, period, status)
    if period:
        counters = queries.team_counters(user, period, counts)
    return render_template("evaluation/team.html", period=period, page=page, counters=counters,
                           status=status, periods=periods,
                           rows=team_table.rows_html(page.items if page else [],
                                                     _id_link("evaluation.review"),
                                                     _id_link("evaluation.assessment_detail")),
                           links=_status_links(period.code) if period else None)


def _status_links(code):
    """{status: url_for("evaluation.team", period=code, status=status)} for the counters, each
    built once per application root and month by the layout's address cache (a route build with
    query arguments is ~10 µs, and the team page had seven)."""
    addresses = current_app.jinja_env
    return {status: addresses.constant_url("evaluation.team", (("period", code), ("status", status)))
            for status in TEAM_STATUSES if status}


def _id_link(endpoint):
    """url_for(endpoint, assessment_id=…) as a format string, `{}` for the id: built once for a
    list's rows instead of a route build per row (and once per application root)."""
    return _id_link_at(request.script_root, endpoint)


@lru_cache(maxsize=16)
def _id_link_at(_root, endpoint):
    marker = str(2**31 - 1)  # an id the route accepts (app/periods.IdConverter's largest)
    parts = url_for(endpoint, assessment_id=marker).rsplit(marker, 1)
    return "{}".join(part.replace("{", "{{").replace("}", "}}") for part in parts)


# ---------------------------------------------------------------- publication


@bp.get("/units/<int:unit_id>/results")
def published(unit_id):
    """The unit's published monthly list: names and levels only (SPEC §3.7)."""
    unit = permissions.get_or_404(Unit, unit_id, "results.view")
    periods = queries.closed_periods()
    code = request.args.get("period") or (periods[0].code if periods else None)
    period = _period_or_404(code) if code else None
    if period is not None and period.status != "closed":
        abort(404)
    page = queries.published_list(unit, period) if period else None
    bands = {band.level: band.label for band in period.policy.bands} if period else {}
    return render_template("evaluation/published.html", unit=unit, period=period, periods=periods,
                           page=page, bands=bands)


# ---------------------------------------------------------------- periods


def _periods_page(form=None, status=200, **confirm):
    page = queries.periods_page()
    today = clock.today()
    earliest, latest = services.openable_window(today)
    return render_template("evaluation/periods.html", page=page, form=form or OpenPeriodForm(),
                           counts=queries.period_counts([p.id for p in page.items]),
                           today=today, earliest=earliest, latest=latest,
                           deletable={p.id for p in page.items if p.status == "open"
                                      and not p.imported and not services.has_activity(p)},
                           **confirm), status


@bp.get("/periods")
def periods():
    """Periods with their progress; open a new one, close or delete an open one."""
    require("period.manage")
    return _periods_page()


@bp.post("/periods/open")
def period_open():
    """Open a month in two steps: first how many assessments it will create, then, confirmed,
    open it (creates what is missing; opening twice creates nothing new)."""
    require("period.manage")
    form = OpenPeriodForm()
    if form.validate_on_submit():
        code = form.code.data
        try:
            if request.form.get("confirm") != "1":
                period = services.get_period(code)
                if period is None:
                    services.check_openable(parse_period(code))
                elif period.status == "closed":
                    raise DomainError(_("Kỳ %(code)s đã đóng; không thể mở lại.", code=code))
                return _periods_page(form, confirm_open=code, to_create=services.to_create(code))
            result = services.open_period(code)
        except DomainError as exc:
            refused(exc, form.code)
        else:
            flash(_("Kỳ %(code)s: đã tạo %(created)d phiếu đánh giá.", code=result.period.code,
                    created=result.created), "success")
            if result.without_framework:
                flash(_("%(count)d cán bộ chưa có bộ tiêu chí phù hợp nên chưa có phiếu.",
                        count=result.without_framework), "error")
            return redirect(url_for("evaluation.periods"))
    return _periods_page(form, 400)


@bp.post("/periods/<period:code>/close")
def period_close(code):
    """Close and publish a month; before the policy's closing day, only once confirmed."""
    require("period.manage")
    period = _period_or_404(code)
    if period.status == "open" and services.closes_early(period) and request.form.get("confirm") != "1":
        return _periods_page(confirm_close=period, to_not_evaluate=services.to_not_evaluate(period))
    result = services.close_period(period.code)
    if result.already_closed:
        flash(_("Kỳ %(code)s đã đóng trước đó.", code=code), "info")
    else:
        flash(_("Đã đóng kỳ %(code)s: %(closed)d phiếu chốt, %(missing)d phiếu không được đánh giá.",
                code=code, closed=result.closed, missing=result.not_evaluated), "success")
    return redirect(url_for("evaluation.periods"))


@bp.post("/periods/<period:code>/delete")
def period_delete(code):
    """Delete a month opened by mistake, while nothing has been done in it."""
    require("period.manage")
    _period_or_404(code)
    try:
        removed = services.delete_period(code)
    except DomainError as exc:
        flash(str(exc), "error")
        return _periods_page(status=400)
    flash(_("Đã xóa kỳ %(code)s và %(count)d phiếu chưa có hoạt động.", code=code, count=removed),
          "success")
    return redirect(url_for("evaluation.periods"))


# ---------------------------------------------------------------- policies and frameworks


@bp.get("/policies")
def policies():
    """Policy versions and criteria frameworks."""
    require("policy.manage")
    return render_template("evaluation/policies.html", policies=queries.policies(),
                           frameworks=queries.frameworks(), enable_form=EnableForm())


@bp.route("/policies/new", methods=["GET", "POST"])
def policy_new():
    """A new policy version, starting from the latest one."""
    require("policy.manage")
    latest = (queries.policies() or [None])[0]
    form = PolicyForm()
    if request.method == "GET" and latest is not None:
        form.process(obj=latest)
        form.effective_from.data = ""
        for entry, band in zip(form.bands.entries, latest.bands, strict=False):
            entry.form.process(obj=band)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in services.POLICY_FIELDS}
        fields["effective_from"] = parse_period(form.effective_from.data)
        bands = [(e.form.level.data.strip(), e.form.min_score.data, e.form.label_vi.data.strip(),
                  e.form.label_en.data.strip()) for e in form.bands.entries]
        try:
            services.create_policy(bands, **fields)
        except DomainError as exc:
            refused(exc, form.effective_from)
        else:
            flash(_("Đã tạo phiên bản chính sách mới."), "success")
            return redirect(url_for("evaluation.policies"))
    return render_template("evaluation/policy_form.html", form=form), 200 if request.method == "GET" else 400


@bp.get("/frameworks/<int:framework_id>")
def framework_detail(framework_id):
    """A framework's criteria."""
    require("policy.manage")
    return render_template("evaluation/framework.html",
                           framework=db.get_or_404(Framework, framework_id),
                           groups=CRITERION_GROUPS, sources=AUTO_SOURCES)


@bp.route("/frameworks/new", methods=["GET", "POST"])
def framework_new():
    """A new framework version (optionally copied from an existing one)."""
    require("policy.manage")
    form = FrameworkForm()
    source = db.session.get(Framework, request.args.get("from", type=int) or 0)
    if request.method == "GET" and source is not None:
        form.code.data, form.name.data, form.for_heads.data = source.code, source.name, source.for_heads
        form.categories.data = source.category_codes
        for entry, criterion in zip(form.criteria.entries, source.criteria, strict=False):
            entry.form.process(obj=criterion)
            entry.form.auto_source.data = criterion.auto_source or ""
    if form.validate_on_submit():
        criteria = [{
            "code": row.code.data.strip(), "group_code": row.group_code.data,
            "name_vi": row.name_vi.data.strip(), "name_en": (row.name_en.data or row.name_vi.data).strip(),
            "max_score": row.max_score.data, "auto_source": row.auto_source.data or None,
            "auto_param": row.auto_param.data,
        } for row in (e.form for e in form.criteria.entries) if not row.is_blank]
        try:
            framework = services.create_framework(
                form.code.data.strip(), form.name.data.strip(),
                parse_period(form.effective_from.data), form.for_heads.data,
                form.categories.data, criteria, enabled=form.enabled.data)
        except DomainError as exc:
            form.criteria.errors.append(exc.message)
        else:
            flash(_("Đã tạo bộ tiêu chí %(code)s.", code=framework.code), "success")
            return redirect(url_for("evaluation.framework_detail", framework_id=framework.id))
    status = 200 if request.method == "GET" else 400
    return render_template("evaluation/framework_form.html", form=form), status


@bp.post("/frameworks/<int:framework_id>/enabled")
def framework_enable(framework_id):
    """Turn a framework on or off for periods opened from now on."""
    require("policy.manage")
    framework = db.get_or_404(Framework, framework_id)
    services.set_framework_enabled(framework, request.form.get("enabled") == "1")
    flash(_("Đã cập nhật bộ tiêu chí."), "success")
    return redirect(url_for("evaluation.policies"))

