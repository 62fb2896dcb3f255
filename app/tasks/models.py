"""The product catalogue, tasks with their history and evidence files, and integration tokens."""

from decimal import Decimal
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer
from sqlalchemy.types import TypeDecorator

from app import permissions
from app.clock import utcnow
from app.database import in_check
from app.extensions import db

TASK_STATUSES = {
    "assigned": _l("Đã giao"),
    "submitted": _l("Đã báo cáo hoàn thành"),
    "accepted": _l("Đã nghiệm thu"),
    "returned": _l("Bị trả lại"),
    "cancelled": _l("Đã hủy"),
}
EVENT_KINDS = {
    "assigned": _l("Giao nhiệm vụ"),
    "submitted": _l("Báo cáo hoàn thành"),
    "accepted": _l("Nghiệm thu"),
    "returned": _l("Trả lại"),
    "extended": _l("Gia hạn"),
    "exempt_return": _l("Miễn trừ một lần trả lại"),
    "exempt_delay": _l("Miễn trừ một lần trễ hạn"),
    "cancelled": _l("Hủy"),
    "imported": _l("Cập nhật từ phần mềm giao việc"),
}
COEFFICIENT_SCALE = 1000  # a coefficient is stored as a whole number of thousandths


class Thousandths(TypeDecorator):
    """A decimal with up to three digits after the point, stored as whole thousandths, so that sums
    of weights in SQL are exact on SQLite as on PostgreSQL."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * COEFFICIENT_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"At most three digits after the point: {value}")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / COEFFICIENT_SCALE).quantize(Decimal("0.001"))


def _localised(vi, en):
    from flask_babel import get_locale

    return en if str(get_locale() or "vi") == "en" and en else vi


class Product(db.Model):
    """A product or kind of work (sản phẩm/công việc) with its conversion coefficient, in force
    from a date; a unit's entries apply to its subtree, entries without a unit province-wide."""

    __tablename__ = "task_product"
    __table_args__ = (
        db.UniqueConstraint("code", "effective_from", name="uq_task_product_code_from"),
        db.CheckConstraint("coefficient > 0", name="coefficient"),
    )

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(50), nullable=False, index=True)
    name_vi = db.Column(db.String(255), nullable=False)
    name_en = db.Column(db.String(255), nullable=False, default="")
    measure = db.Column(db.String(50), nullable=False, default="")
    coefficient = db.Column(Thousandths(), nullable=False)
    default_days = db.Column(db.Integer)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), index=True)
    effective_from = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    owner_unit = db.relationship("Unit", lazy="joined")

    @property
    def name(self):
        return _localised(self.name_vi, self.name_en)

    @property
    def unit(self):
        return self.owner_unit


class TaskFile(db.Model):
    """An evidence file of a submission, stored outside the web root."""

    __tablename__ = "task_file"

    id = db.Column(db.Integer, primary_key=True)
    filename = db.Column(db.String(80), nullable=False, unique=True)
    original_name = db.Column(db.String(255), nullable=False, default="")
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


class Task(db.Model):
    """A task or product assigned to one person (nhiệm vụ được giao), with its counts of returns
    and late deliveries and how many of each are exempt (objective cause)."""

    __tablename__ = "task"
    __table_args__ = (
        db.CheckConstraint(in_check("status", TASK_STATUSES), name="status"),
        db.CheckConstraint("coefficient > 0 AND quantity > 0", name="weight"),
        db.CheckConstraint("due_on >= assigned_on", name="dates"),
        db.CheckConstraint(
            "exempt_returns <= returns AND exempt_late <= late AND exempt_returns >= 0 AND exempt_late >= 0",
            name="counts",
        ),
        db.Index("ix_task_due_staff", "due_on", "staff_id"),
        db.Index("ix_task_staff_due", "staff_id", "due_on"),
        # The tasks waiting for acceptance, by unit, with what the home inbox counts of them (who,
        # due day): its count over a head's units read from this index alone, not from every task
        # those units ever had (7,000 rows for 343 in a province of 200,000; app/main/inbox.py).
        db.Index("ix_task_submitted_unit", "unit_id", "staff_id", "due_on", "id",
                 postgresql_where=db.text("status = 'submitted'"),
                 sqlite_where=db.text("status = 'submitted'")),
    )

    id = db.Column(db.Integer, primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    assigner_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    product_id = db.Column(db.Integer, db.ForeignKey("task_product.id"), index=True)
    title = db.Column(db.String(500), nullable=False)
    coefficient = db.Column(Thousandths(), nullable=False)  # copied when assigned
    quantity = db.Column(db.Integer, nullable=False)
    assigned_on = db.Column(db.Date, nullable=False)
    due_on = db.Column(db.Date, nullable=False)  # after extensions
    external_ref = db.Column(db.String(100), unique=True)
    status = db.Column(db.String(20), nullable=False, default="assigned")
    submitted_on = db.Column(db.Date)  # the last delivery
    returns = db.Column(db.Integer, nullable=False, default=0)
    late = db.Column(db.Integer, nullable=False, default=0)
    exempt_returns = db.Column(db.Integer, nullable=False, default=0)
    exempt_late = db.Column(db.Integer, nullable=False, default=0)
    cancel_reason = db.Column(db.String(1000))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    staff = db.relationship("Staff", lazy="joined", innerjoin=True)
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    product = db.relationship("Product", lazy="joined")
    assigner = db.relationship("User", lazy="select")
    events = db.relationship(
        "TaskEvent",
        lazy="select",
        order_by="TaskEvent.id",
        back_populates="task",
        cascade="all, delete-orphan",
    )

    @property
    def status_label(self):
        return TASK_STATUSES.get(self.status, self.status)

    @property
    def weight(self):
        return self.coefficient * self.quantity


class TaskEvent(db.Model):
    """One step in a task's history (append-only): delivery, acceptance, return, extension,
    exemption, cancellation."""

    __tablename__ = "task_event"
    __table_args__ = (db.CheckConstraint(in_check("kind", EVENT_KINDS), name="kind"),)

    id = db.Column(db.Integer, primary_key=True)
    task_id = db.Column(db.Integer, db.ForeignKey("task.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    actor_label = db.Column(db.String(120), nullable=False, default="")
    on_date = db.Column(db.Date)
    late = db.Column(db.Boolean, nullable=False, default=False)
    note = db.Column(db.String(2000), nullable=False, default="")
    link = db.Column(db.String(500))
    file_id = db.Column(db.Integer, db.ForeignKey("task_file.id"))
    old_due = db.Column(db.Date)
    new_due = db.Column(db.Date)

    task = db.relationship("Task", back_populates="events")
    file = db.relationship("TaskFile", lazy="joined")

    @property
    def kind_label(self):
        return EVENT_KINDS.get(self.kind, self.kind)


class IntegrationToken(db.Model):
    """A token the task-assignment software authenticates with; only its SHA-256 is stored."""

    __tablename__ = "integration_token"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime(timezone=True))
    last_used_at = db.Column(db.DateTime(timezone=True))

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)

    @property
    def active(self):
        return self.revoked_at is None


# ---------------------------------------------------------------- permissions

permissions.define(
    {
        "tasks.assign": {"unit_head"},
        "tasks.view": {"unit_head", "hr_admin"},
        "tasks.products": {"unit_head"},
        "tasks.import": {"hr_admin"},
        "tasks.tokens": set(),
    },
    own=("tasks.mine",),
)


def catalogue_of(unit):
    """The permission target of a catalogue entry of `unit` (None: province-wide)."""
    return SimpleNamespace(unit=unit)


@permissions.rule("tasks.view")
def _own_task(user, task):
    """Everyone sees their own tasks."""
    if task is not None and user.staff_id is not None and task.staff_id == user.staff_id:
        return True
    return None


@permissions.rule("tasks.products")
def _catalogue_keeper(user, product):
    """hr_admin over the root keeps the province-wide entries; a unit head those of their unit."""
    root_hr = any(g.role == "hr_admin" and g.unit.parent_id is None for g in user.grants)
    if product is None:
        return root_hr or "unit_head" in user.roles
    if product.unit is None:
        return root_hr
    return root_hr or permissions.in_scope(user, {"unit_head"}, product)


@permissions.rule("tasks.assign")
def _not_own(user, task):
    """A head never manages their own tasks (their reviewer does)."""
    if task is not None and getattr(task, "staff_id", None) is not None and task.staff_id == user.staff_id:
        return False
    return None
