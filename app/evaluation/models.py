"""Versioned policies and frameworks; periods, assessments and their criteria; objections."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, any_, case, false, func, not_, or_, select, true
from sqlalchemy.ext.hybrid import hybrid_property

from app import permissions
from app.clock import utcnow
from app.database import for_dialect
from app.extensions import db
from app.org.models import STAFF_CATEGORIES, Unit
from app.types import Score

ASSESSMENT_STATUSES = {
    "draft": _l("Chưa tự đánh giá"),
    "self_submitted": _l("Đã tự đánh giá"),
    "reviewed": _l("Đã được đánh giá"),
    "closed": _l("Đã chốt"),
    "not_evaluated": _l("Không được đánh giá"),
}

CRITERION_GROUPS = {
    "general": _l("Tiêu chí chung"),
    "tasks": _l("Kết quả thực hiện nhiệm vụ"),
    "leadership": _l("Kết quả lãnh đạo, quản lý"),
    "bonus": _l("Điểm thưởng"),
}

AUTO_SOURCES = {
    "conduct": _l("Vi phạm văn hóa công vụ đã được xác nhận"),
    "satisfaction": _l("Mức độ hài lòng của người dân"),
    "tasks": _l("Sổ theo dõi nhiệm vụ"),
    "unit_results": _l("Kết quả của đơn vị do mình lãnh đạo"),
}

SCORE = Score()


def in_english():
    """Whether the request's language is English (else Vietnamese, the default)."""
    return str(get_locale() or "vi") == "en"


def _localised(vi, en, english=None):
    """The English text on an English page when there is one, else the Vietnamese; `english`
    when the caller already knows the language (a list's rows: one look-up, not one per row)."""
    return en if (in_english() if english is None else english) and en else vi


class Policy(db.Model):
    """A version of the assessment rules, in force from `effective_from` (first day of a month)."""

    __tablename__ = "policy"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    effective_from = db.Column(db.Date, nullable=False, unique=True)
    total_max = db.Column(SCORE, nullable=False)
    open_day = db.Column(db.Integer, nullable=False)
    self_due_day = db.Column(db.Integer, nullable=False)
    review_due_day = db.Column(db.Integer, nullable=False)
    close_day = db.Column(db.Integer, nullable=False)
    objection_days = db.Column(db.Integer, nullable=False)
    excellent_quota_ratio = db.Column(db.Numeric(4, 2), nullable=False)
    min_months = db.Column(db.Integer, nullable=False)
    consecutive_years = db.Column(db.Integer, nullable=False)
    # The lightest disciplinary form that makes a classified year the lowest level (SPEC §4.4).
    discipline_min_form = db.Column(db.String(20), nullable=False, server_default="khien_trach")
    # Early warning: this many lowest-level months this year (SPEC §4).
    warning_low_months = db.Column(db.Integer, nullable=False, server_default="3")
    # C3: citizen satisfaction counts only from this many ratings in the month (SPEC §6).
    satisfaction_min_ratings = db.Column(db.Integer, nullable=False, server_default="5")
    # Days a staff member has to respond to a conduct finding (giải trình, SPEC §5).
    conduct_response_days = db.Column(db.Integer, nullable=False, server_default="5")
    # Reminders start this many days before the self-assessment and the review deadlines (SPEC §7).
    self_reminder_days = db.Column(db.Integer, nullable=False, server_default="2")
    review_reminder_days = db.Column(db.Integer, nullable=False, server_default="1")
    # Repeat offenders: this many confirmed violations within this many months (SPEC §5).
    repeat_offender_min = db.Column(db.Integer, nullable=False, server_default="2")
    repeat_offender_months = db.Column(db.Integer, nullable=False, server_default="12")
    # The work results ledger (SPEC §2a): deduction per non-exempt return and per late delivery,
    # and whether a head's T1–T3 include the tasks of the unit they lead.
    quality_deduction = db.Column(db.Numeric(4, 2), nullable=False, server_default="0.25")
    progress_deduction = db.Column(db.Numeric(4, 2), nullable=False, server_default="0.25")
    head_includes_unit = db.Column(db.Boolean, nullable=False, server_default=true())
    # Periods: besides this month and the next, a month at most this many months back can be opened.
    backfill_months = db.Column(db.Integer, nullable=False, server_default="2")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    bands = db.relationship("PolicyBand", lazy="selectin", order_by="PolicyBand.min_score.desc()",
                            cascade="all, delete-orphan")

    @property
    def lowest_level(self):
        return self.bands[-1].level

    @property
    def top_levels(self):
        """The highest level and the one below it (the A/B of the quota)."""
        return self.bands[0].level, self.bands[1].level

    @property
    def pass_score(self):
        """The lowest score above the lowest level (a mean below it is heading for D)."""
        return self.bands[-2].min_score


class PolicyBand(db.Model):
    """A level and the lowest score that reaches it (A ≥ 90, B ≥ 70, …)."""

    __tablename__ = "policy_band"
    __table_args__ = (db.UniqueConstraint("policy_id", "level", name="uq_policy_band_level"),)

    id = db.Column(db.Integer, primary_key=True)
    policy_id = db.Column(db.Integer, db.ForeignKey("policy.id"), nullable=False, index=True)
    level = db.Column(db.String(2), nullable=False)
    min_score = db.Column(SCORE, nullable=False)
    label_vi = db.Column(db.String(120), nullable=False)
    label_en = db.Column(db.String(120), nullable=False)

    @property
    def label(self):
        return _localised(self.label_vi, self.label_en)


class Framework(db.Model):
    """A criteria framework (bộ tiêu chí) for some staff categories, heads or non-heads."""

    __tablename__ = "framework"
    __table_args__ = (db.UniqueConstraint("code", "effective_from", name="uq_framework_code_from"),)

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(50), nullable=False)
    name = db.Column(db.String(255), nullable=False)
    effective_from = db.Column(db.Date, nullable=False)
    for_heads = db.Column(db.Boolean, nullable=False)
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    criteria = db.relationship("FrameworkCriterion", lazy="selectin",
                               order_by="FrameworkCriterion.position", cascade="all, delete-orphan")
    categories = db.relationship("FrameworkCategory", lazy="selectin", cascade="all, delete-orphan")

    @property
    def category_codes(self):
        return sorted(c.category for c in self.categories)

    @property
    def category_names(self):
        """The staff categories by their names (cán bộ, công chức…), in the catalogue's order."""
        codes = set(self.category_codes)
        return [str(name) for code, name in STAFF_CATEGORIES.items() if code in codes]

    @property
    def total_max(self):
        return sum((c.max_score for c in self.criteria), start=0)


class FrameworkCategory(db.Model):
    """A staff category a framework applies to."""

    __tablename__ = "framework_category"

    framework_id = db.Column(db.Integer, db.ForeignKey("framework.id"), primary_key=True)
    category = db.Column(db.String(20), primary_key=True)


class CriterionColumns:
    """What a criterion is: shared by the framework's and the copy in each assessment."""

    position = db.Column(db.Integer, nullable=False)
    code = db.Column(db.String(20), nullable=False)
    group_code = db.Column(db.String(20), nullable=False)
    name_vi = db.Column(db.String(500), nullable=False)
    name_en = db.Column(db.String(500), nullable=False)
    max_score = db.Column(SCORE, nullable=False)
    auto_source = db.Column(db.String(30))
    # A number the source uses, e.g. L1's score when a staff member of the unit is rated lowest.
    auto_param = db.Column(SCORE)

    @property
    def name(self):
        return _localised(self.name_vi, self.name_en)


class FrameworkCriterion(CriterionColumns, db.Model):
    """A criterion of a framework, with its maximum and, optionally, an automatic source."""

    __tablename__ = "framework_criterion"
    __table_args__ = (db.UniqueConstraint("framework_id", "code", name="uq_framework_criterion_code"),)

    id = db.Column(db.Integer, primary_key=True)
    framework_id = db.Column(db.Integer, db.ForeignKey("framework.id"), nullable=False, index=True)


class Period(db.Model):
    """A month of assessment, `YYYY-MM`, with the deadlines of the policy it opened under."""

    __tablename__ = "period"
    __table_args__ = (
        db.CheckConstraint("status IN ('open', 'closed')", name="status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(7), nullable=False, unique=True)
    starts_on = db.Column(db.Date, nullable=False)
    policy_id = db.Column(db.Integer, db.ForeignKey("policy.id"), nullable=False)
    status = db.Column(db.String(10), nullable=False)
    imported = db.Column(db.Boolean, nullable=False, default=False)
    opens_on = db.Column(db.Date)
    self_due_on = db.Column(db.Date)
    review_due_on = db.Column(db.Date)
    closes_on = db.Column(db.Date)
    opened_at = db.Column(db.DateTime(timezone=True))
    closed_at = db.Column(db.DateTime(timezone=True))

    policy = db.relationship("Policy", lazy="joined", innerjoin=True)

    @property
    def year(self):
        return self.starts_on.year

    @property
    def month(self):
        return self.starts_on.month


class Assessment(db.Model):
    """One staff member's assessment for one month (never two: unique on staff and period)."""

    __tablename__ = "assessment"
    __table_args__ = (
        db.UniqueConstraint("staff_id", "period_id", name="uq_assessment_staff_period"),
        db.Index("ix_assessment_period_unit", "period_id", "unit_id"),
        # The heads' assessments: a child unit's head found without reading its people (reviewed_in).
        db.Index("ix_assessment_period_unit_head", "period_id", "unit_id",
                 postgresql_where=db.text("is_head"), sqlite_where=db.text("is_head")),
        db.Index("ix_assessment_period_status", "period_id", "status"),
        db.CheckConstraint(
            "status IN ('draft', 'self_submitted', 'reviewed', 'closed', 'not_evaluated')",
            name="status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False)
    staff_id = db.Column(db.Integer, db.ForeignKey("staff.id"), nullable=False, index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    framework_id = db.Column(db.Integer, db.ForeignKey("framework.id"))
    is_head = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(20), nullable=False, default="draft")
    self_report = db.Column(db.Text, nullable=False, default="")
    self_total = db.Column(SCORE)
    self_submitted_at = db.Column(db.DateTime(timezone=True))
    reviewer_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    reviewed_at = db.Column(db.DateTime(timezone=True))
    review_comment = db.Column(db.Text, nullable=False, default="")
    reviewed_without_self = db.Column(db.Boolean, nullable=False, default=False)
    score = db.Column(SCORE)
    level = db.Column(db.String(2))
    imported = db.Column(db.Boolean, nullable=False, default=False)
    reopened = db.Column(db.Boolean, nullable=False, default=False)
    version = db.Column(db.Integer, nullable=False, default=1)
    # Why the assessment is filed under another unit than when it opened (a merge moved it).
    filing_note = db.Column(db.String(500))

    period = db.relationship("Period", lazy="joined", innerjoin=True)
    staff = db.relationship("Staff", lazy="joined", innerjoin=True)
    unit = db.relationship("Unit", lazy="joined", innerjoin=True)
    reviewer = db.relationship("User", lazy="select")
    criteria = db.relationship("AssessmentCriterion", lazy="selectin",
                               order_by="AssessmentCriterion.position", cascade="all, delete-orphan")
    objection = db.relationship("Objection", lazy="select", uselist=False,
                                back_populates="assessment")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self):
        return ASSESSMENT_STATUSES.get(self.status, self.status)

    # The reviewer rule (SPEC §3.3), once: the head of the person's unit reviews them; a head is
    # reviewed by the head of the parent unit. `reviewer_unit_id` is the unit whose head reviews,
    # in Python and as one SQL expression; `reviewed_by()` below is the same rule written for an
    # index on (period, unit). tests/evaluation/test_reviewer_rule.py checks that all agree.
    @hybrid_property
    def reviewer_unit_id(self):
        return self.unit.parent_id if self.is_head else self.unit_id

    @reviewer_unit_id.inplace.expression
    @classmethod
    def _reviewer_unit_id_expression(cls):
        parent = select(Unit.parent_id).where(Unit.id == cls.unit_id).scalar_subquery()
        return case((cls.is_head.is_(True), parent), else_=cls.unit_id)


class AssessmentSummary(db.Model):
    """A closed month's assessments counted per unit and level, for the dashboards and the
    province ranking (SPEC §3.7 figures without grouping 200,000 rows on every page). Filled
    set-based by `services.summarise` whenever a closed month's assessments change: closing,
    importing past results, reopening or reviewing again in a closed month. Open months are
    never summarised; their pages group the live rows."""

    __tablename__ = "assessment_summary"
    __table_args__ = (db.Index("ix_assessment_summary_period_unit", "period_id", "unit_id"),)

    id = db.Column(db.Integer, primary_key=True)
    period_id = db.Column(db.Integer, db.ForeignKey("period.id"), nullable=False)
    unit_id = db.Column(db.Integer, db.ForeignKey("unit.id"), nullable=False)
    level = db.Column(db.String(2))
    assessments = db.Column(db.Integer, nullable=False)
    # Reviewed or closed with a score; their score in tenths (the Score type's integer).
    scored = db.Column(db.Integer, nullable=False)
    score_tenths = db.Column(db.BigInteger, nullable=False)
    not_evaluated = db.Column(db.Integer, nullable=False)
    # Draft or self-submitted (a reopened assessment): overdue once the review deadline passed,
    # which the read decides on the day it runs.
    waiting = db.Column(db.Integer, nullable=False)


class AssessmentCriterion(CriterionColumns, db.Model):
    """A criterion copied from the framework when the assessment was created, with its scores."""

    __tablename__ = "assessment_criterion"
    __table_args__ = (db.UniqueConstraint("assessment_id", "code", name="uq_assessment_criterion_code"),)

    id = db.Column(db.Integer, primary_key=True)
    assessment_id = db.Column(db.Integer, db.ForeignKey("assessment.id"), nullable=False, index=True)
    self_score = db.Column(SCORE)
    head_score = db.Column(SCORE)
    suggested_score = db.Column(SCORE)
    suggestion_note = db.Column(db.String(1000))


class Objection(db.Model):
    """A staff member's written objection (kiến nghị) to a published result, and its answer."""

    __tablename__ = "objection"

    id = db.Column(db.Integer, primary_key=True)
    assessment_id = db.Column(db.Integer, db.ForeignKey("assessment.id"), nullable=False, unique=True)
    text = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    answer = db.Column(db.Text)
    answered_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    answered_at = db.Column(db.DateTime(timezone=True))

    assessment = db.relationship("Assessment", back_populates="objection")
    answered_by = db.relationship("User")


def reviewed_by(user):
    """SQL condition on Assessment: the assessments `user` reviews (never their own), as unit
    lists that the (period, unit) index answers."""
    heads_of = [g.unit_id for g in user.grants if g.role == "unit_head"]
    if not heads_of:
        return false()
    return reviewed_in(heads_of, user.staff_id)


def reviewed_in(heads_of, staff_id):
    """`reviewed_by` for the heads of the units `heads_of` who are staff member `staff_id` (None:
    no staff record); either may be a bound parameter (a statement built once, app/evaluation/queries.py)."""
    child_units = select(Unit.id).where(Unit.parent_id.in_(heads_of))
    # SQLite: one unit list first, for the (period, unit) index; then who in those units is reviewed.
    units = select(Unit.id).where(or_(Unit.id.in_(heads_of), Unit.parent_id.in_(heads_of)))
    condition = for_dialect(
        and_(Assessment.unit_id.in_(units), or_(
            and_(Assessment.is_head.is_(False), Assessment.unit_id.in_(heads_of)),
            and_(Assessment.is_head.is_(True), Assessment.unit_id.in_(child_units)))),
        # PostgreSQL: both halves from an index at once (a bitmap OR), the people of the units
        # headed by (period, unit), the heads of their child units by the partial index of heads
        # (the child units as one array) — not every person of every child unit read to find its
        # head, as the unit list did: 2,300 rows for a team of 120 in a province.
        or_(and_(not_(Assessment.is_head), Assessment.unit_id.in_(heads_of)),
            and_(Assessment.is_head, Assessment.unit_id == any_(func.array(child_units.scalar_subquery())))))
    if staff_id is not None:
        condition = and_(condition, Assessment.staff_id != staff_id)
    return condition


def is_reviewer(user, assessment):
    """True when the user reviews this assessment (the Python twin of `reviewed_by`)."""
    if assessment.staff_id == user.staff_id:
        return False
    return any(g.role == "unit_head" and g.unit_id == assessment.reviewer_unit_id for g in user.grants)


# ---------------------------------------------------------------- permissions

permissions.define({"assessment.view": {"hr_admin"}, "assessment.reopen": {"hr_admin"},
                    "evaluation.team": {"unit_head"}, "results.view": {"unit_head", "inspector", "hr_admin"}},
                   root=("period.manage", "policy.manage"), own=("assessment.self",))


@permissions.rule("assessment.view")
def _own_or_reviewed(user, assessment):
    """One's own assessment and those one reviews; hr_admin those in scope."""
    if assessment is None:
        return user.staff_id is not None or bool(user.roles & {"unit_head", "hr_admin"})
    return True if assessment.staff_id == user.staff_id or is_reviewer(user, assessment) else None


@permissions.rule("assessment.review")
def _reviewer(user, assessment):
    return is_reviewer(user, assessment) if assessment is not None else "unit_head" in user.roles


@permissions.rule("results.view")
def _own_unit(user, unit):
    """Every staff member sees the published list of their own unit, and of the units merged
    into it (their past lists stay readable after a reorganisation)."""
    if unit is None or user.staff is None:
        return None
    return True if user.staff.unit_id in (unit.id, unit.successor_id) else None
