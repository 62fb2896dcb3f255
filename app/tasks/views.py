"""Ledger pages: the head's task board, one's own tasks ("Công việc của tôi"), a task with its
history, the product catalogue, the CSV upload and the integration tokens."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import clock, uploads
from app.csvimport import ImportRejected
from app.errors import DomainError, refused
from app.extensions import db
from app.forms import arg
from app.org.models import Unit
from app.periods import month_arg, parse_period
from app.permissions import can, require, scope_filter, scope_paths
from app.tasks import queries, services
from app.tasks.forms import (
    AssignForm,
    CancelForm,
    ExemptForm,
    ExtendForm,
    ImportForm,
    NoteForm,
    ProductForm,
    SubmitForm,
    TokenForm,
)
from app.tasks.models import TASK_STATUSES, IntegrationToken, Task, TaskEvent, TaskFile, catalogue_of

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _user():
    return current_user._get_current_object()


MAX_ID = 2**31 - 1  # ids beyond the column's range cannot exist (and must not reach the database)


def _get_or_404(model, object_id):
    if object_id > MAX_ID:
        abort(404)
    return db.get_or_404(model, object_id)


def _task_or_404(task_id, action):
    task = _get_or_404(Task, task_id)
    require(action, task)
    return task


def _team_scope():
    return scope_filter(current_user, "tasks.assign", Unit.path)


# ---------------------------------------------------------------- the head's board


def _assign_form(people, products):
    form = AssignForm()
    form.people.choices = [SelectChoice(p.id, f"{p.full_name} ({p.code})") for p in people]
    form.product_id.choices = [SelectChoice(0, _("— Việc phát sinh —"))] + [
        SelectChoice(p.id, f"{p.code} — {p.name} (×{p.coefficient.normalize()})") for p in products
    ]
    return form


def _board_context():
    code = month_arg()
    start = parse_period(code)
    scope = _team_scope()
    people = queries.team_people(scope, current_user.staff_id)
    unit = current_user.staff.unit if current_user.staff is not None else None
    if unit is None:
        grants = [g.unit for g in current_user.grants if g.role == "unit_head"]
        unit = grants[0] if grants else None
    products = queries.products_for(unit, clock.today())
    return code, start, scope, people, products


@bp.get("/board")
def board():
    """The head's task board: the team's tasks due in the month and each person's tally."""
    require("tasks.assign")
    code, start, scope, people, products = _board_context()
    form = _assign_form(people, products)
    form.assigned_on.data = clock.today()
    return _render_board(code, start, scope, form)


def _render_board(code, start, scope, form, status=200):
    state = arg("status")
    if state not in TASK_STATUSES:
        state = ""
    return render_template(
        "tasks/board.html",
        period=code,
        form=form,
        state=state,
        statuses=TASK_STATUSES,
        page=queries.board_page(scope, start, state, current_user.staff_id),
        tally=queries.tally(scope, start, current_user.staff_id),
    ), status


@bp.post("/board")
def assign():
    """Assign a product (or an ad-hoc item) to one or several people of the team."""
    require("tasks.assign")
    code, start, scope, people, products = _board_context()
    form = _assign_form(people, products)
    if form.validate_on_submit():
        chosen = [p for p in people if p.id in set(form.people.data)]
        product = next((p for p in products if p.id == form.product_id.data), None)
        try:
            if product is not None:
                coefficient = (
                    services.parse_coefficient(form.coefficient.data)
                    if form.coefficient.data
                    else product.coefficient
                )
                title = (form.title.data or "").strip() or product.name_vi
            else:
                coefficient = services.parse_coefficient(form.coefficient.data)
                title = form.title.data
            services.assign(
                chosen,
                title=title,
                coefficient=coefficient,
                quantity=form.quantity.data,
                assigned_on=form.assigned_on.data,
                due_on=form.due_on.data,
                actor=_user(),
                product=product,
            )
        except DomainError as exc:
            return _render_board(code, start, scope, form, refused(exc, form.due_on))
        flash(_("Đã giao việc cho %(count)d người.", count=len(chosen)), "success")
        return redirect(url_for("tasks.board", period=code))
    return _render_board(code, start, scope, form, 400)


# ---------------------------------------------------------------- one task


@bp.get("/<int:task_id>")
def task_detail(task_id):
    """A task with its history and the steps open to the viewer."""
    task = _task_or_404(task_id, "tasks.view")
    events = db.session.scalars(
        select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id).limit(200)
    ).all()
    return render_template(
        "tasks/task.html",
        task=task,
        events=events,
        manage=can(current_user, "tasks.assign", task),
        mine=can(current_user, "tasks.mine", task),
        submit_form=SubmitForm(),
        note_form=NoteForm(),
        extend_form=ExtendForm(),
        exempt_form=ExemptForm(),
        cancel_form=CancelForm(),
        today=clock.today(),
    )


def _step(task_id, action, form_class, run, done):
    """One step on a task from its page: check the form, run the service, say how it went."""
    task = _task_or_404(task_id, action)
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("tasks.task_detail", task_id=task.id))
    try:
        run(task, form)
    except DomainError as exc:
        refused(exc)
    else:
        flash(done, "success")
    return redirect(url_for("tasks.task_detail", task_id=task.id))


@bp.post("/<int:task_id>/submit")
def submit(task_id):
    """The assignee reports completion (or resubmits) with a note and evidence."""

    def run(task, form):
        upload = form.evidence.data
        data = upload.read() if upload else None
        services.submit(
            task,
            clock.today(),
            form.note.data,
            _user(),
            link=form.link.data,
            file_data=data or None,
            file_name=upload.filename if upload else "",
        )

    return _step(task_id, "tasks.mine", SubmitForm, run, _("Đã báo cáo hoàn thành."))


@bp.post("/<int:task_id>/accept")
def accept(task_id):
    """The assigner accepts the submission."""
    return _step(
        task_id,
        "tasks.assign",
        NoteForm,
        lambda task, form: services.accept(task, form.note.data, _user()),
        _("Đã nghiệm thu."),
    )


@bp.post("/<int:task_id>/return")
def return_task(task_id):
    """The assigner returns the submission with a note; the assignee resubmits."""
    return _step(
        task_id,
        "tasks.assign",
        NoteForm,
        lambda task, form: services.return_task(task, form.note.data, _user()),
        _("Đã trả lại để hoàn thiện."),
    )


@bp.post("/<int:task_id>/extend")
def extend(task_id):
    """The assigner extends the due date before it passes."""
    return _step(
        task_id,
        "tasks.assign",
        ExtendForm,
        lambda task, form: services.extend(task, form.new_due.data, form.note.data, _user()),
        _("Đã gia hạn."),
    )


@bp.post("/<int:task_id>/exempt")
def exempt(task_id):
    """The assigner confirms an objective cause for one return or one delay."""
    return _step(
        task_id,
        "tasks.assign",
        ExemptForm,
        lambda task, form: services.exempt(task, form.kind.data, form.note.data, _user()),
        _("Đã xác nhận nguyên nhân khách quan."),
    )


@bp.post("/<int:task_id>/cancel")
def cancel(task_id):
    """The assigner cancels the task with a reason."""
    return _step(
        task_id,
        "tasks.assign",
        CancelForm,
        lambda task, form: services.cancel(task, form.reason.data, _user()),
        _("Đã hủy nhiệm vụ."),
    )


@bp.get("/files/<int:file_id>")
def evidence(file_id):
    """An evidence file, for the person who submitted it and those who manage the task."""
    stored = _get_or_404(TaskFile, file_id)
    task = db.session.scalar(
        select(Task)
        .join(TaskEvent, TaskEvent.task_id == Task.id)
        .where(TaskEvent.file_id == stored.id)
        .limit(1)
    )
    if task is None:
        abort(404)
    require("tasks.view", task)
    path = services.file_path(stored)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=stored.content_type,
        max_age=0,
        as_attachment=True,
        download_name=f"minh-chung-{stored.id}.{uploads.EXTENSIONS[stored.content_type]}",
    )


# ---------------------------------------------------------------- my tasks


@bp.get("/mine")
def mine():
    """Công việc của tôi: one's tasks by due date; late or due this week stands out."""
    if current_user.staff_id is None:
        abort(404)
    today = clock.today()
    return render_template(
        "tasks/mine.html",
        page=queries.my_tasks_page(current_user.staff_id, request.args.get("all") == "1"),
        today=today,
        week_end=queries.week_end(today),
        form=SubmitForm(),
    )


# ---------------------------------------------------------------- catalogue


@bp.get("/products")
def products():
    """The catalogue: province-wide entries and those of the units in the viewer's scope."""
    require("tasks.products")
    paths = scope_paths(current_user, "tasks.products")
    root_hr = can(current_user, "tasks.products", catalogue_of(None))
    unit_ids = (
        None
        if paths is None or root_hr
        else db.session.scalars(
            select(Unit.id).where(scope_filter(current_user, "tasks.products", Unit.path))
        ).all()
    )
    return render_template("tasks/products.html", page=queries.products_page(unit_ids))


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    """A new catalogue entry (or a new version of one, from a later date)."""
    require("tasks.products")
    form = ProductForm()
    root_hr = can(current_user, "tasks.products", catalogue_of(None))
    units = (
        db.session.scalars(
            select(Unit)
            .where(scope_filter(current_user, "tasks.products", Unit.path))
            .order_by(Unit.path)
            .limit(500)
        ).all()
        if not current_user.is_sys_admin
        else db.session.scalars(select(Unit).order_by(Unit.path).limit(500)).all()
    )
    form.unit_id.choices = ([SelectChoice(0, _("Toàn tỉnh"))] if root_hr else []) + [
        SelectChoice(u.id, f"{u.code} — {u.name}") for u in units
    ]
    if request.method == "GET":
        form.effective_from.data = clock.today()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        if not can(current_user, "tasks.products", catalogue_of(unit)):
            form.unit_id.errors.append(_("Không có đơn vị này trong phạm vi bạn được giao."))
        else:
            try:
                services.save_product(
                    form.code.data,
                    form.name_vi.data,
                    form.name_en.data,
                    form.measure.data,
                    services.parse_coefficient(form.coefficient.data),
                    form.default_days.data,
                    unit,
                    form.effective_from.data,
                )
            except DomainError as exc:
                status = refused(exc, form.code)
                return render_template("tasks/product_form.html", form=form), status
            flash(_("Đã lưu sản phẩm vào danh mục."), "success")
            return redirect(url_for("tasks.products"))
    return render_template("tasks/product_form.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/import", methods=["GET", "POST"])
def import_data():
    """Upload a task or catalogue file; all rows or none, errors by line."""
    require("tasks.import")
    form = ImportForm()
    errors = []
    if form.validate_on_submit() and form.file.data:
        importer = services.import_tasks if form.kind.data == "tasks" else services.import_products
        try:
            count = importer(form.file.data.read(), paths=scope_paths(current_user, "tasks.import"))
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            flash(_("Đã nhập %(count)d dòng.", count=count), "success")
            return redirect(url_for("tasks.import_data"))
    status = 400 if request.method == "POST" else 200
    return render_template("tasks/import.html", form=form, errors=errors), status


# ---------------------------------------------------------------- integration tokens


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    """sys_admin: the task software's connections; a new token is shown once."""
    require("tasks.tokens")
    form = TokenForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        unit = db.session.scalar(select(Unit).where(Unit.code == form.unit_code.data.strip()))
        if unit is None:
            form.unit_code.errors.append(_("Không có đơn vị mã này."))
            status = 400
        else:
            _token, secret = services.create_token(form.name.data, unit, _user())
    elif request.method == "POST":
        status = 400
    return render_template(
        "tasks/tokens.html", form=form, secret=secret, page=queries.tokens_page(), note_form=NoteForm()
    ), status


@bp.post("/tokens/<int:token_id>/revoke")
def token_revoke(token_id):
    """sys_admin revokes a token; its calls are refused from then on."""
    require("tasks.tokens")
    token = _get_or_404(IntegrationToken, token_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.revoke_token(token)
        except DomainError as exc:
            refused(exc)
        else:
            flash(_("Đã thu hồi mã kết nối."), "success")
    return redirect(url_for("tasks.tokens"))
