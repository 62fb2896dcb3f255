"""Units, staff members and their history (assignments, discipline, leave)."""
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import false

from app import permissions
from app.clock import today, utcnow
from app.database import in_check
from app.extensions import db
from app.text import fold

UNIT_KINDS = {
    "department": _l("Sở, ban, ngành"),
    "district": _l("Cấp huyện"),
    "commune": _l("Cấp xã"),
    "division": _l("Phòng, ban chuyên môn"),
    "public_service_unit": _l("Đơn vị sự nghiệp"),
    "one_stop_centre": _l("Bộ phận một cửa"),
    "other": _l("Khác"),
}

STAFF_CATEGORIES = {
    "can_bo": _l("Cán bộ"),
    "cong_chuc": _l("Công chức"),
    "vien_chuc": _l("Viên chức"),
    "hop_dong": _l("Hợp đồng lao động"),
}

DISCIPLINE_FORMS = {
    "khien_trach": _l("Khiển trách"),
    "canh_cao": _l("Cảnh cáo"),
    "ha_bac_luong": _l("Hạ bậc lương"),
    "giang_chuc": _l("Giáng chức"),
    "cach_chuc": _l("Cách chức"),
    "buoc_thoi_viec": _l("Buộc thôi việc"),
}

LEAVE_KINDS = {
    "maternity": _l("Nghỉ thai sản"),
    "sick": _l("Nghỉ ốm"),
    "unpaid": _l("Nghỉ không lương"),
    "other": _l("Nghỉ khác"),
}


class Unit(db.Model):
    """A unit of the organisation tree; `path` holds the ids from the root, e.g. /1/4/9/."""

    __tablename__ = "unit"
    __table_args__ = (
        db.CheckConstraint(in_check("kind", UNIT_KINDS), name="kind"),
        # Pattern ops so that PostgreSQL answers "path LIKE '/1/4/%'" from the index.
        db.Index("ix_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(50), nullable=False, unique=True)
    name = db.Column(db.String(255), nullable=False)
    parent_id = db.Column(db.Integer, db.ForeignKey("unit.id"), index=True)
    kind = db.Column(db.String(30), nullable=False)
    # Materialised path so that "this unit and all its descendants" is one indexed LIKE.
    path = db.Column(db.String(1000), nullable=False, default="")
    # fold(code + " " + name): what accent-insensitive search compares with (search_key()).
    search = db.Column(db.String(320), nullable=False, default="", server_default="")
    # A merged unit points at the unit that took it over; a merged or retired unit stays in the
    # history (read-only) from `retired_on`.
    successor_id = db.Column(db.Integer, db.ForeignKey("unit.id"), index=True)
    retired_on = db.Column(db.Date)
    # True once a merged unit's role grants and pending assessments went to its successor (on
    # the merge's day: at once for a past day, by the daily job for a future one).
    handed_over = db.Column(db.Boolean, nullable=False, default=False, server_default=false())

    parent = db.relationship("Unit", remote_side=[id], foreign_keys=[parent_id],
                             backref=db.backref("children", lazy="dynamic"))
    successor = db.relationship("Unit", remote_side=[id], foreign_keys=[successor_id], lazy="select")

    @property
    def kind_label(self):
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def unit(self):
        """A unit is its own scope (the permission helper asks every object for its unit)."""
        return self

    @property
    def ancestor_ids(self):
        """Ids from the root down to this unit, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other):
        """True when this unit is `other` or one of its descendants."""
        return bool(other.path) and self.path.startswith(other.path)

    def __repr__(self):
        return f"<Unit {self.code}>"


class Staff(db.Model):
    """A staff member (cán bộ, công chức, viên chức or contract worker)."""

    __tablename__ = "staff"
    __table_args__ = (db.CheckConstraint(in_check("category", STAFF_CATEGORIES), name="category"),)

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(50), nullable=False, unique=True)
    full_name = db.Column(db.String(255), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    category = db.Column(db.String(20), nullable=False)
    position = db.Column(db.String(255), nullable=False, default="")
    is_head = db.Column(db.Boolean, nullable=False, default=False)
    front_desk = db.Column(db.Boolean, nullable=False, default=False)
    email = db.Column(db.String(255))
    start_date = db.Column(db.Date, nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True, index=True)
    # fold(code + " " + full_name): what accent-insensitive search compares with (search_key()).
    search = db.Column(db.String(320), nullable=False, default="", server_default="")

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)

    @property
    def category_label(self):
        return STAFF_CATEGORIES.get(self.category, self.category)

    def __repr__(self):
        return f"<Staff {self.code}>"


def search_key(code: str, name: str) -> str:
    """The folded text a unit or staff member is found by ("huong" finds "Hương")."""
    # fold(f"{code} {name}") (fold goes word by word): the codes stay out of the words' cache
    return f"{code.lower() if code.isascii() else fold(code)} {_folded_name(name)}"[:320]


@lru_cache(maxsize=1 << 16)
def _folded_name(name: str) -> str:
    """fold(name), once per distinct name: a province's 200,000 staff share far fewer names."""
    return fold(name)


@db.event.listens_for(Unit, "before_insert")
@db.event.listens_for(Unit, "before_update")
def _unit_search(_mapper, _connection, unit):
    unit.search = search_key(unit.code, unit.name)


@db.event.listens_for(Staff, "before_insert")
@db.event.listens_for(Staff, "before_update")
def _staff_search(_mapper, _connection, staff):
    staff.search = search_key(staff.code, staff.full_name)


class UnitName(db.Model):
    """A name a unit bears from `valid_from` (renames are effective-dated; the unit's `name` is the
    name of today, kept by the daily job)."""

    __tablename__ = "unit_name"
    __table_args__ = (db.UniqueConstraint("unit_id", "valid_from", name="uq_unit_name_unit_from"),)

    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    name = db.Column(db.String(255), nullable=False)
    valid_from = db.Column(db.Date, nullable=False)


class StaffAssignment(db.Model):
    """The unit a staff member belonged to from start_date until end_date (open when null)."""

    __tablename__ = "staff_assignment"
    __table_args__ = (
        db.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        db.Index("ix_staff_assignment_staff_start", "staff_id", "start_date"),
    )

    id = db.Column(db.Integer, primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date)

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    name_then = None  # set by the history query: the name the unit bore at the time

    @property
    def pending(self):
        """A transfer entered in advance: it changes nothing until its day."""
        return self.start_date > today()


class DisciplinaryDecision(db.Model):
    """A disciplinary decision (quyết định kỷ luật)."""

    __tablename__ = "disciplinary_decision"
    __table_args__ = (
        db.CheckConstraint(in_check("form", DISCIPLINE_FORMS), name="form"),
        db.UniqueConstraint("staff_id", "decision_date", "form", name="uq_discipline_staff_date_form"),
    )

    id = db.Column(db.Integer, primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False, index=True)
    decision_date = db.Column(db.Date, nullable=False)
    form = db.Column(db.String(20), nullable=False)
    note = db.Column(db.String(500), nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    @property
    def form_label(self):
        return DISCIPLINE_FORMS.get(self.form, self.form)


class LeaveRecord(db.Model):
    """A period of leave; maternity months count as evaluated months (SPEC §4.2)."""

    __tablename__ = "leave_record"
    __table_args__ = (
        db.CheckConstraint(in_check("kind", LEAVE_KINDS), name="kind"),
        db.CheckConstraint("end_date >= start_date", name="dates"),
    )

    id = db.Column(db.Integer, primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False, index=True)
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date, nullable=False)
    kind = db.Column(db.String(20), nullable=False)

    @property
    def kind_label(self):
        return LEAVE_KINDS.get(self.kind, self.kind)


# ---------------------------------------------------------------- permissions

permissions.define({"org.view": {"unit_head", "inspector", "hr_admin"}, "org.edit": {"hr_admin"},
                    "org.import": {"hr_admin"}, "org.reorganise": {"hr_admin"}})


@permissions.rule("org.view")
def _own_profile(user, target):
    """Everyone sees their own staff profile."""
    return True if isinstance(target, Staff) and target.id == user.staff_id else None
