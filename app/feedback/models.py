"""QR targets, ratings and complaints. Nothing here identifies a citizen: no raw IP, and a
contact only when the citizen chose to leave one."""
from flask_babel import lazy_gettext as _l

from app import permissions
from app.clock import utcnow
from app.database import in_check
from app.extensions import db

RATINGS = {
    "very_satisfied": _l("Rất hài lòng"),
    "satisfied": _l("Hài lòng"),
    "dissatisfied": _l("Không hài lòng"),
}
POSITIVE = ("very_satisfied", "satisfied")
TIMELINESS = {"on_time": _l("Đúng hẹn"), "late": _l("Trễ hẹn")}
GUIDANCE = {"clear": _l("Hướng dẫn rõ ràng"), "unclear": _l("Hướng dẫn chưa rõ")}
ATTITUDE = {
    "friendly": _l("Thân thiện, nhiệt tình"),
    "unfriendly": _l("Thiếu thân thiện"),
    "harassment": _l("Nhũng nhiễu, gây phiền hà hoặc đòi tiền, quà"),
}
COMPLAINT_STATUSES = {"open": _l("Đang xử lý"), "closed": _l("Đã trả lời")}


class FeedbackTarget(db.Model):
    """What a QR code points at: a front-desk official or a desk. The token is random and opaque."""

    __tablename__ = "feedback_target"
    __table_args__ = (
        db.CheckConstraint("kind IN ('official', 'desk')", name="kind"),
        db.CheckConstraint("kind = 'desk' OR staff_id IS NOT NULL", name="official_staff"),
    )

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(40), nullable=False, unique=True)
    kind = db.Column(db.String(10), nullable=False)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    staff = db.relationship("Staff", lazy="joined")
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)


class KioskDevice(db.Model):
    """A tablet at one desk, registered by hr_admin, with a token of its own (never a QR
    poster's): its ratings are marked as kiosk ratings and capped per day."""

    __tablename__ = "kiosk_device"

    id = db.Column(db.Integer, primary_key=True)
    token = db.Column(db.String(40), nullable=False, unique=True)
    target_id = db.Column(db.Integer, db.ForeignKey("feedback_target.id"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    registered_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    target = db.relationship("FeedbackTarget", lazy="joined", innerjoin=True)
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)


class Rating(db.Model):
    """One citizen's rating. Never deleted; an abusive comment can be hidden (audited)."""

    __tablename__ = "rating"
    __table_args__ = (
        db.CheckConstraint("rating IN ('very_satisfied', 'satisfied', 'dissatisfied')", name="rating"),
        db.CheckConstraint(in_check("timeliness", TIMELINESS, nullable=True), name="timeliness"),
        db.CheckConstraint(in_check("guidance", GUIDANCE, nullable=True), name="guidance"),
        db.CheckConstraint(in_check("attitude", ATTITUDE, nullable=True), name="attitude"),
        db.Index("ix_rating_staff_period", "staff_id", "period"),
        db.Index("ix_rating_unit_period", "unit_id", "period"),
    )

    id = db.Column(db.Integer, primary_key=True)
    target_id = db.Column(db.Integer, db.ForeignKey("feedback_target.id"), nullable=False, index=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"))
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    period = db.Column(db.String(7), nullable=False)  # YYYY-MM in the local time zone
    rating = db.Column(db.String(20), nullable=False)
    timeliness = db.Column(db.String(10))
    guidance = db.Column(db.String(10))
    attitude = db.Column(db.String(12))
    receipt_code = db.Column(db.String(40), unique=True)
    comment = db.Column(db.String(1000), nullable=False, default="")
    comment_hidden = db.Column(db.Boolean, nullable=False, default=False)
    source = db.Column(db.String(10), nullable=False)
    # The kiosk device a rating came from (source "kiosk"); None for the QR form.
    kiosk_id = db.Column(db.Integer, db.ForeignKey("kiosk_device.id"), index=True)
    idempotency_token = db.Column(db.String(64), nullable=False, unique=True)
    # A keyed hash of the client address, kept only to study abuse; never the address itself.
    client_hash = db.Column(db.String(32))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    target = db.relationship("FeedbackTarget", lazy="joined", innerjoin=True)
    staff = db.relationship("Staff", lazy="joined")
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)

    @property
    def rating_label(self):
        return RATINGS.get(self.rating, self.rating)


class Complaint(db.Model):
    """A complaint (phản ánh) for the unit head and the inspection team; the citizen follows it
    with its tracking code."""

    __tablename__ = "complaint"
    __table_args__ = (db.CheckConstraint("status IN ('open', 'closed')", name="status"),)

    id = db.Column(db.Integer, primary_key=True)
    tracking_code = db.Column(db.String(20), nullable=False, unique=True)
    rating_id = db.Column(db.Integer, db.ForeignKey("rating.id"), unique=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    text = db.Column(db.String(2000), nullable=False)
    contact = db.Column(db.String(200))
    status = db.Column(db.String(10), nullable=False, default="open")
    answer = db.Column(db.Text)
    answered_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    closed_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    staff = db.relationship("Staff", lazy="joined")
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    rating = db.relationship("Rating", lazy="joined")
    answered_by = db.relationship("User")

    @property
    def status_label(self):
        return COMPLAINT_STATUSES.get(self.status, self.status)


class SatisfactionMonthly(db.Model):
    """The daily roll-up of the satisfaction index per official and per unit and month."""

    __tablename__ = "satisfaction_monthly"
    __table_args__ = (db.CheckConstraint("scope IN ('staff', 'unit')", name="scope"),
                      # The dashboards and the province ranking read the units' rows of a span.
                      db.Index("ix_satisfaction_monthly_scope_period", "scope", "period"))

    scope = db.Column(db.String(10), primary_key=True)
    key_id = db.Column(db.Integer, primary_key=True)
    period = db.Column(db.String(7), primary_key=True)
    positive = db.Column(db.Integer, nullable=False)
    total = db.Column(db.Integer, nullable=False)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


permissions.define({"feedback.view": {"unit_head", "inspector", "hr_admin"},
                    "feedback.manage": {"unit_head", "hr_admin"},
                    "complaint.answer": {"unit_head", "inspector", "hr_admin"},
                    "feedback.moderate": {"hr_admin"},
                    "feedback.kiosk": {"hr_admin"}})
