"""One annual result per person and year, with the numbers and the reason behind it."""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from app import permissions
from app.clock import utcnow
from app.extensions import db
from app.types import Score

REASONS = {
    "score": _l("Theo điểm trung bình các tháng"),
    "insufficient_months": _l("Không đủ số tháng được đánh giá"),
    "disciplined": _l("Bị kỷ luật trong năm"),
    "imported": _l("Nhập từ trước khi có hệ thống"),
}


class AnnualResult(db.Model):
    """A person's level for a year; level is null when not classified."""

    __tablename__ = "annual_result"
    __table_args__ = (
        db.UniqueConstraint("staff_id", "year", name="uq_annual_result_staff_year"),
        db.Index("ix_annual_result_year_unit", "year", "unit_id"),
        db.CheckConstraint(
            "reason IN ('score', 'insufficient_months', 'disciplined', 'imported')", name="reason"),
    )

    id = db.Column(db.Integer, primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    policy_id = db.Column(db.Integer, db.ForeignKey("policy.id"), nullable=False)
    months = db.Column(db.Integer)  # closed months with a score
    maternity_months = db.Column(db.Integer, nullable=False, default=0)
    score_sum = db.Column(Score())
    level = db.Column(db.String(2))
    reason = db.Column(db.String(30), nullable=False)
    imported = db.Column(db.Boolean, nullable=False, default=False)
    demoted_from = db.Column(db.String(2))
    demotion_reason = db.Column(db.Text)
    demoted_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    computed_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    staff = db.relationship("Staff", lazy="joined", innerjoin=True)
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    policy = db.relationship("Policy", lazy="joined", innerjoin=True)

    @property
    def mean_score(self):
        """The exact mean, shown to two decimals; None when not classified or imported."""
        if not self.months or self.score_sum is None or self.level is None:
            return None
        return (self.score_sum / self.months).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def reason_label(self):
        return REASONS.get(self.reason, self.reason)


class AnnualUnitYear(db.Model):
    """A unit's year, finalised: its results are locked until an hr_admin reopens it."""

    __tablename__ = "annual_unit_year"

    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), primary_key=True)
    year = db.Column(db.Integer, primary_key=True)
    finalised_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finalised_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))

    finalised_by = db.relationship("User")


permissions.define({"annual.view": {"unit_head", "hr_admin"}, "annual.finalise": {"unit_head", "hr_admin"},
                    "annual.reopen": {"hr_admin"}}, root=("annual.manage",))
