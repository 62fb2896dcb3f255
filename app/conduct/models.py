"""Rules, checklist templates, inspections with their entries and photos, conduct reports and
their findings."""
from flask_babel import lazy_gettext as _l

from app import permissions
from app.clock import utcnow
from app.database import in_check
from app.evaluation.models import _localised
from app.extensions import db
from app.types import Score

PLACES = {
    "workplace": _l("Nơi làm việc"),
    "residential_area": _l("Nơi cư trú"),
    "public_place": _l("Nơi công cộng"),
}
CATEGORIES = {
    "dress": _l("Trang phục"),
    "badge": _l("Thẻ cán bộ"),
    "punctuality": _l("Giờ giấc, kỷ luật lao động"),
    "attitude": _l("Thái độ, ứng xử"),
    "integrity": _l("Liêm chính"),
    "alcohol_smoking": _l("Rượu bia, thuốc lá"),
    "social_media": _l("Mạng xã hội"),
    "other": _l("Khác"),
}
SEVERITIES = {"minor": _l("Nhẹ"), "serious": _l("Nghiêm trọng")}
OUTCOMES = {
    "compliant": _l("Chấp hành"),
    "violation": _l("Vi phạm"),
    "not_applicable": _l("Không áp dụng"),
}
PRESENCE = {
    "present": _l("Có mặt"),
    "absent_unexcused": _l("Vắng không lý do"),
    "on_leave": _l("Nghỉ có phép"),
}
REPORT_SOURCES = {
    "inspection": _l("Kiểm tra công vụ"),
    "complaint": _l("Phản ánh của người dân"),
    "unit_head": _l("Thủ trưởng đơn vị báo cáo"),
}
REPORT_STATUSES = {"draft": _l("Dự thảo"), "submitted": _l("Đã gửi"), "reviewed": _l("Đã kết luận")}
FINDING_STATUSES = {"pending": _l("Chờ kết luận"), "confirmed": _l("Xác nhận vi phạm"),
                    "dismissed": _l("Không vi phạm")}


class ConductRule(db.Model):
    """A checkable rule of conduct. Retired rules stay, so that past findings keep their rule."""

    __tablename__ = "conduct_rule"
    __table_args__ = (
        db.CheckConstraint(in_check("place", PLACES), name="place"),
        db.CheckConstraint(in_check("category", CATEGORIES), name="category"),
        db.CheckConstraint(in_check("severity", SEVERITIES), name="severity"),
    )

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(20), nullable=False, unique=True)
    text_vi = db.Column(db.String(500), nullable=False)
    text_en = db.Column(db.String(500), nullable=False)
    place = db.Column(db.String(20), nullable=False)
    category = db.Column(db.String(20), nullable=False)
    severity = db.Column(db.String(10), nullable=False)
    deduction = db.Column(Score(), nullable=False)
    legal_source = db.Column(db.String(300), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)

    @property
    def text(self):
        return _localised(self.text_vi, self.text_en)


class ChecklistTemplate(db.Model):
    """A named, ordered set of rules (e.g. "One-stop desk spot check")."""

    __tablename__ = "checklist_template"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False, unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)

    items = db.relationship("TemplateRule", lazy="selectin", order_by="TemplateRule.position",
                            cascade="all, delete-orphan")

    @property
    def rules(self):
        return [item.rule for item in self.items]


class TemplateRule(db.Model):
    __tablename__ = "template_rule"

    template_id = db.Column(db.Integer, db.ForeignKey("checklist_template.id"), primary_key=True)
    rule_id = db.Column(db.Integer, db.ForeignKey("conduct_rule.id"), primary_key=True)
    position = db.Column(db.Integer, nullable=False)

    rule = db.relationship("ConductRule", lazy="joined", innerjoin=True)


class Inspection(db.Model):
    """A team inspects a unit at a date and time with a checklist template."""

    __tablename__ = "inspection"

    id = db.Column(db.Integer, primary_key=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    template_id = db.Column(db.Integer, db.ForeignKey("checklist_template.id"), nullable=False)
    inspected_at = db.Column(db.DateTime(timezone=True), nullable=False)
    lead_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    template = db.relationship("ChecklistTemplate", lazy="joined", innerjoin=True)
    lead = db.relationship("User", foreign_keys=[lead_id], lazy="joined")
    members = db.relationship("InspectionMember", lazy="selectin", cascade="all, delete-orphan")
    people = db.relationship("InspectionPerson", lazy="selectin", cascade="all, delete-orphan")

    @property
    def member_ids(self):
        return {m.user_id for m in self.members} | {self.lead_id}


class InspectionMember(db.Model):
    """An inspector of the team (the lead is on the inspection itself)."""

    __tablename__ = "inspection_member"

    inspection_id = db.Column(db.Integer, db.ForeignKey("inspection.id"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), primary_key=True)

    user = db.relationship("User", lazy="joined")


class InspectionPerson(db.Model):
    """A staff member of the inspected unit: present, absent without leave, or on leave."""

    __tablename__ = "inspection_person"
    __table_args__ = (db.CheckConstraint(in_check("presence", PRESENCE), name="presence"),)

    inspection_id = db.Column(db.Integer, db.ForeignKey("inspection.id"), primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), primary_key=True)
    presence = db.Column(db.String(20), nullable=False)

    staff = db.relationship("Staff", lazy="joined", innerjoin=True)


class InspectionEntry(db.Model):
    """One rule checked for one person during an inspection."""

    __tablename__ = "inspection_entry"
    __table_args__ = (db.CheckConstraint(in_check("outcome", OUTCOMES), name="outcome"),)

    inspection_id = db.Column(db.Integer, db.ForeignKey("inspection.id"), primary_key=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), primary_key=True)
    rule_id = db.Column(db.Integer, db.ForeignKey("conduct_rule.id"), primary_key=True)
    outcome = db.Column(db.String(20), nullable=False)
    note = db.Column(db.String(1000), nullable=False, default="")
    photo_id = db.Column(db.Integer, db.ForeignKey("photo.id"))


class Photo(db.Model):
    """An evidence photo, stored outside the web root and served only to those allowed."""

    __tablename__ = "photo"

    id = db.Column(db.Integer, primary_key=True)
    filename = db.Column(db.String(80), nullable=False, unique=True)
    content_type = db.Column(db.String(20), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)


class ConductReport(db.Model):
    """A conduct report (biên bản): draft → submitted → reviewed by the team lead."""

    __tablename__ = "conduct_report"
    __table_args__ = (
        db.CheckConstraint(in_check("source", REPORT_SOURCES), name="source"),
        db.CheckConstraint(in_check("status", REPORT_STATUSES), name="status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    source = db.Column(db.String(20), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False, index=True)
    inspection_id = db.Column(db.Integer, db.ForeignKey("inspection.id"), unique=True)
    complaint_id = db.Column(db.Integer, db.ForeignKey("complaint.id"))
    status = db.Column(db.String(20), nullable=False, default="draft")
    summary = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    submitted_at = db.Column(db.DateTime(timezone=True))
    reviewed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    reviewed_at = db.Column(db.DateTime(timezone=True))

    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    inspection = db.relationship("Inspection", lazy="joined")
    created_by = db.relationship("User", foreign_keys=[created_by_id], lazy="joined")
    reviewed_by = db.relationship("User", foreign_keys=[reviewed_by_id])
    findings = db.relationship("Finding", lazy="selectin", order_by="Finding.id",
                               cascade="all, delete-orphan", back_populates="report")

    @property
    def status_label(self):
        return REPORT_STATUSES.get(self.status, self.status)

    @property
    def source_label(self):
        return REPORT_SOURCES.get(self.source, self.source)


class Finding(db.Model):
    """One possible violation by one person; confirmed ones deduct from C2 of their month."""

    __tablename__ = "finding"
    __table_args__ = (
        db.CheckConstraint(in_check("status", FINDING_STATUSES), name="status"),
        db.Index("ix_finding_staff_occurred", "staff_id", "occurred_on"),
        # The dashboards and the province ranking count a span's confirmed violations.
        db.Index("ix_finding_status_occurred", "status", "occurred_on"),
    )

    id = db.Column(db.Integer, primary_key=True)
    report_id = db.Column(db.Integer, db.ForeignKey("conduct_report.id"), nullable=False, index=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    rule_id = db.Column(db.Integer, db.ForeignKey("conduct_rule.id"), nullable=False, index=True)
    occurred_on = db.Column(db.Date, nullable=False)
    note = db.Column(db.String(1000), nullable=False, default="")
    photo_id = db.Column(db.Integer, db.ForeignKey("photo.id"))
    deduction = db.Column(Score(), nullable=False)  # copied from the rule when found
    status = db.Column(db.String(20), nullable=False, default="pending")
    decision_reason = db.Column(db.String(1000))
    response = db.Column(db.Text)
    responded_at = db.Column(db.DateTime(timezone=True))

    report = db.relationship("ConductReport", back_populates="findings")
    staff = db.relationship("Staff", lazy="joined", innerjoin=True)
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    rule = db.relationship("ConductRule", lazy="joined", innerjoin=True)
    photo = db.relationship("Photo", lazy="joined")

    @property
    def status_label(self):
        return FINDING_STATUSES.get(self.status, self.status)


# ---------------------------------------------------------------- permissions

permissions.define({"conduct.view": {"inspector", "hr_admin", "unit_head"}, "inspection.run": {"inspector"},
                    "report.raise": {"inspector", "unit_head"}},
                   root=("conduct.rules",), own=("finding.respond",))


@permissions.rule("inspection.record")
def _team_member(user, inspection):
    """A member of the inspection's team (in scope) records the checklist."""
    return permissions.can(user, "inspection.run", inspection) and (
        inspection is None or user.id in inspection.member_ids)


@permissions.rule("report.review")
def _team_lead(user, report):
    """The lead of the inspection behind a report; for other reports, an inspector other than the
    one who raised it."""
    if not permissions.can(user, "inspection.run", report):
        return False
    if report is None:
        return True
    if report.inspection is not None:
        return report.inspection.lead_id == user.id
    return report.created_by_id != user.id
