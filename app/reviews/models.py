"""Review cases for two consecutive years rated at the lowest level, their steps and responses."""
from flask_babel import lazy_gettext as _l

from app import permissions
from app.clock import utcnow
from app.extensions import db

CASE_STATUSES = {
    "open": _l("Mới mở"),
    "under_review": _l("Đang xem xét"),
    "decided": _l("Đã quyết định"),
}
DECISIONS = {
    "dismissal": _l("Cho thôi việc / chấm dứt"),
    "reassignment": _l("Bố trí công tác khác"),
    "cleared": _l("Không xử lý"),
}
MEASURES = {
    "cho_thoi_viec": _l("Cho thôi việc"),
    "mien_nhiem": _l("Miễn nhiệm, cho thôi làm nhiệm vụ"),
    "cham_dut_hop_dong": _l("Đơn phương chấm dứt hợp đồng"),
}
# The measure the law proposes for each staff category (SPEC §4).
MEASURE_BY_CATEGORY = {
    "cong_chuc": "cho_thoi_viec",
    "can_bo": "mien_nhiem",
    "vien_chuc": "cham_dut_hop_dong",
    "hop_dong": "cham_dut_hop_dong",
}


class ReviewCase(db.Model):
    """A case opened once for (person, year) after consecutive years at the lowest level."""

    __tablename__ = "review_case"
    __table_args__ = (
        db.UniqueConstraint("staff_id", "year", name="uq_review_case_staff_year"),
        db.CheckConstraint("status IN ('open', 'under_review', 'decided')", name="status"),
        db.CheckConstraint("decision IS NULL OR decision IN ('dismissal', 'reassignment', 'cleared')",
                           name="decision"),
    )

    id = db.Column(db.Integer, primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    year = db.Column(db.Integer, nullable=False)
    previous_year = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(20), nullable=False, default="open")
    proposed_measure = db.Column(db.String(30), nullable=False)
    decision = db.Column(db.String(20))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    staff = db.relationship("Staff", lazy="joined", innerjoin=True)
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    events = db.relationship("ReviewEvent", lazy="select", order_by="ReviewEvent.id")
    responses = db.relationship("ReviewResponse", lazy="select", order_by="ReviewResponse.id")

    @property
    def status_label(self):
        return CASE_STATUSES.get(self.status, self.status)

    @property
    def measure_label(self):
        return MEASURES.get(self.proposed_measure, self.proposed_measure)

    @property
    def decision_label(self):
        return DECISIONS.get(self.decision, self.decision) if self.decision else ""


class ReviewEvent(db.Model):
    """One step of a case: who, when, from which status to which, and the written note."""

    __tablename__ = "review_event"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("review_case.id"), nullable=False, index=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    from_status = db.Column(db.String(20))
    to_status = db.Column(db.String(20), nullable=False)
    note = db.Column(db.Text, nullable=False)

    actor = db.relationship("User", lazy="joined")


class ReviewResponse(db.Model):
    """The person's own response attached to their case (giải trình)."""

    __tablename__ = "review_response"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("review_case.id"), nullable=False, index=True)
    text = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)


# ---------------------------------------------------------------- permissions

permissions.define({"review.view": {"hr_admin"}, "review.manage": {"hr_admin"}}, own=("review.respond",))


@permissions.rule("review.view")
def _own_case(user, target):
    """The person concerned sees their own case; hr_admin those in scope."""
    if target is None:
        return user.staff_id is not None or bool(user.roles & {"unit_head", "hr_admin"})
    return True if target.staff_id == user.staff_id else None
