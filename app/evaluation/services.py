"""Evaluation services: policies, frameworks, periods, self-assessment, review, closing,
reopening, objections and the import of results from before the system."""
import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    Date,
    Integer,
    ScalarSelect,
    Select,
    String,
    Subquery,
    Text,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from app import audit, clock
from app.auth.models import RoleGrant
from app.csvimport import (
    ImportRejected,
    RowChecker,
    RowError,
    Source,
    analyze_if_material,
    drop,
    stage,
    staged_values,
    write_unless_repeated,
)
from app.database import analyze, insert_missing, lock, lookup, max_id, progress, transactional
from app.errors import DomainError, StaleError
from app.evaluation.models import (
    SCORE,
    Assessment,
    AssessmentCriterion,
    Framework,
    FrameworkCategory,
    FrameworkCriterion,
    Objection,
    Period,
    Policy,
    PolicyBand,
)
from app.extensions import db
from app.notifications import services as notifications
from app.org import queries as org_queries
from app.org import services as org_services
from app.org.models import STAFF_CATEGORIES, Staff, Unit
from app.periods import add_months, month_end, parse_period, period_code
from app.types import clamp

if TYPE_CHECKING:
    from app.auth.models import User
    from app.evaluation.suggestions import Suggestion

POLICY_FIELDS = ("name", "effective_from", "total_max", "open_day", "self_due_day",
                 "review_due_day", "close_day", "objection_days", "excellent_quota_ratio",
                 "min_months", "consecutive_years", "discipline_min_form", "warning_low_months",
                 "satisfaction_min_ratings", "conduct_response_days", "self_reminder_days",
                 "review_reminder_days", "repeat_offender_min", "repeat_offender_months",
                 "quality_deduction", "progress_deduction", "head_includes_unit",
                 "backfill_months")


def policy_in_force(day: date) -> Policy:
    """The policy version in force on `day`."""
    policy = db.session.scalar(select(Policy).where(Policy.effective_from <= day)
                               .order_by(Policy.effective_from.desc()).limit(1))
    if policy is None:
        raise DomainError(_("Chưa có chính sách đánh giá nào có hiệu lực vào ngày %(day)s.",
                                day=day.isoformat()))
    return policy


def policy_finder() -> Callable[[date], Policy]:
    """policy_in_force for many days at once (an import's months or years): every version is
    read in one query, then each day is answered in Python with the same result or refusal."""
    policies = db.session.scalars(select(Policy).order_by(Policy.effective_from.desc())).all()

    def find(day: date) -> Policy:
        found = next((p for p in policies if p.effective_from <= day), None)
        if found is None:
            raise DomainError(_("Chưa có chính sách đánh giá nào có hiệu lực vào ngày %(day)s.",
                                day=day.isoformat()))
        return found

    return find


def _day_of(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def deadlines(policy: Policy, start: date) -> dict[str, date]:
    """Opening, self-assessment, review and closing dates of the period starting on `start`."""
    following = start + timedelta(days=32)
    return {
        "opens_on": _day_of(start.year, start.month, policy.open_day),
        "self_due_on": _day_of(following.year, following.month, policy.self_due_day),
        "review_due_on": _day_of(following.year, following.month, policy.review_due_day),
        "closes_on": _day_of(following.year, following.month, policy.close_day),
    }


def get_period(code: str) -> Period | None:
    """The period `YYYY-MM` as the database holds it now (not as this session last saw it)."""
    return db.session.scalar(select(Period).where(Period.code == code)
                             .execution_options(populate_existing=True))


def level_for(score: Decimal, policy: Policy) -> str:
    """The level of a score under the policy's bands, compared exactly."""
    for band in policy.bands:
        if score >= band.min_score:
            return band.level
    return policy.lowest_level


def total(criteria: Iterable[AssessmentCriterion], attribute: str, total_max: Decimal) -> Decimal:
    """The sum of the criterion scores, each clamped to 0..max, the sum clamped to 0..total."""
    points = sum((clamp(getattr(c, attribute) or Decimal(0), Decimal(0), c.max_score)
                  for c in criteria), start=Decimal(0))
    return clamp(points, Decimal(0), total_max)


# ---------------------------------------------------------------- periods

@dataclass
class OpenResult:
    period: Period
    created: int
    without_framework: int


def framework_for_staff(start: date) -> ScalarSelect[Any]:
    """A correlated subquery: the framework in force for a staff row (category and head flag)."""
    return (
        select(Framework.id)
        .join(FrameworkCategory, FrameworkCategory.framework_id == Framework.id)
        .where(FrameworkCategory.category == Staff.category, Framework.for_heads == Staff.is_head,
               Framework.enabled.is_(True), Framework.effective_from <= start)
        .order_by(Framework.effective_from.desc(), Framework.id.desc())
        .limit(1).correlate(Staff).scalar_subquery()
    )


def frameworks_in_force(start: date) -> Subquery:
    """framework_for_staff set-wise: (category, for_heads, framework_id) of the framework in force
    on `start` for each category and head flag (one row each), to join instead of a subquery
    per person."""
    ranked = (
        select(FrameworkCategory.category, Framework.for_heads, Framework.id.label("framework_id"),
               func.row_number().over(
                   partition_by=(FrameworkCategory.category, Framework.for_heads),
                   order_by=(Framework.effective_from.desc(), Framework.id.desc())).label("rank"))
        .join(FrameworkCategory, FrameworkCategory.framework_id == Framework.id)
        .where(Framework.enabled.is_(True), Framework.effective_from <= start)
        .subquery("ranked")
    )
    return (select(ranked.c.category, ranked.c.for_heads, ranked.c.framework_id)
            .where(ranked.c.rank == 1).subquery("in_force"))


def openable_window(today: date) -> tuple[date, date]:
    """The first and last month that may be opened on `today`: back to the policy's back-fill
    window, up to next month (the same rule for the page, the command and the job)."""
    this_month = today.replace(day=1)
    policy = policy_in_force(this_month)
    return add_months(this_month, -policy.backfill_months), add_months(this_month, 1)


def check_openable(start: date, today: date | None = None) -> None:
    """DomainError, saying why, unless the month starting on `start` may be opened now."""
    today = today or clock.today()
    earliest, latest = openable_window(today)
    if not earliest <= start <= latest:
        raise DomainError(_(
            "Không thể mở kỳ %(code)s: chỉ mở được kỳ từ %(earliest)s đến %(latest)s (tháng này, "
            "tháng sau và tối đa %(months)d tháng trước theo chính sách đang áp dụng).",
            code=period_code(start), earliest=period_code(earliest), latest=period_code(latest),
            months=policy_in_force(today.replace(day=1)).backfill_months))


def to_create(code: str) -> int:
    """How many assessments opening the month `code` would create now (the confirmation step)."""
    start = parse_period(code)
    period = get_period(code)
    with_framework = (select(func.count(Staff.id))
                      .where(Staff.active.is_(True), framework_for_staff(start).is_not(None)))
    if period is not None:
        with_framework = with_framework.where(~select(Assessment.id).where(
            Assessment.staff_id == Staff.id, Assessment.period_id == period.id).exists())
    return db.session.scalar(with_framework) or 0


def to_not_evaluate(period: Period) -> int:
    """How many assessments closing `period` now would mark not_evaluated."""
    return db.session.scalar(select(func.count(Assessment.id)).where(
        Assessment.period_id == period.id,
        Assessment.status.in_(("draft", "self_submitted")))) or 0


def closes_early(period: Period, today: date | None = None) -> bool:
    """Closing before the policy's closing day (the page asks for a confirmation)."""
    return period.closes_on is not None and (today or clock.today()) < period.closes_on


def has_activity(period: Period) -> bool:
    """Anything done in the period: an assessment past its first draft, or edited."""
    return db.session.scalar(select(Assessment.id).where(
        Assessment.period_id == period.id,
        (Assessment.status != "draft") | (Assessment.version > 1) | Assessment.imported
        | (Assessment.self_report != "")).limit(1)) is not None


@transactional
def delete_period(code: str) -> int:
    """Delete a month opened by mistake, with its untouched assessments (audited). Refused once
    anything has been done in it or once it is closed. Returns the assessments removed."""
    lock(f"period:{code}")
    period = get_period(code)
    if period is None:
        raise DomainError(_("Kỳ %(code)s chưa được mở.", code=code))
    if period.status != "open" or period.imported or has_activity(period):
        raise DomainError(_("Không thể xóa kỳ %(code)s: kỳ đã có hoạt động (tự đánh giá, đánh giá "
                            "hoặc đã đóng).", code=code))
    ids = select(Assessment.id).where(Assessment.period_id == period.id)
    db.session.execute(AssessmentCriterion.__table__.delete().where(
        AssessmentCriterion.assessment_id.in_(ids)))
    removed = db.session.execute(Assessment.__table__.delete().where(  # type: ignore[attr-defined]
        Assessment.period_id == period.id)).rowcount
    audit.record("period.deleted", period, before={"code": code, "assessments": removed})
    db.session.delete(period)
    db.session.flush()
    return removed


OPEN_STEPS = 3  # progress() calls of open_period: assessments, criteria, counts


@transactional
def open_period(code: str) -> OpenResult:
    """Open a month: one assessment per active staff member, with a copy of its criteria.

    Opening again creates only what is missing (new staff); it never duplicates. A fixed number
    of statements, whatever the number of staff.
    """
    start = parse_period(code)
    lock(f"period:{code}")  # a second open of the same month waits, then finds it open
    period = get_period(code)
    if period is not None and period.status == "closed":
        raise DomainError(_("Kỳ %(code)s đã đóng; không thể mở lại.", code=code))
    if period is None:
        check_openable(start)
        policy = policy_in_force(start)
        period = Period(code=code, starts_on=start, policy_id=policy.id, status="open",
                        opened_at=clock.utcnow(), **deadlines(policy, start))
        db.session.add(period)
        db.session.flush()
    # Every active staff member with a framework; the unique (staff, period) index skips those who
    # already have their assessment, so no anti join reads the table being written.
    # Filed under the unit of the month's last day (SPEC §1): a transfer from the 1st of next
    # month leaves this month where it was, however late the month is opened.
    candidates = (select(Staff.id.label("staff_id"),
                         org_queries.unit_on(month_end(start)).label("unit_id"),
                         Staff.is_head,
                         framework_for_staff(start).label("framework_id"))
                  .where(Staff.active.is_(True)).subquery())
    before = max_id(Assessment)
    # preserve_rowcount: SQLAlchemy reports an INSERT's row count only when asked to.
    created = db.session.execute(insert_missing(Assessment, ["staff_id", "period_id"]).from_select(
        ["period_id", "staff_id", "unit_id", "framework_id", "is_head", "status", "self_report",
         "review_comment", "reviewed_without_self", "imported", "reopened", "version"],
        select(literal(period.id), candidates.c.staff_id, candidates.c.unit_id,
               candidates.c.framework_id, candidates.c.is_head, literal("draft"), literal(""),
               literal(""), literal(False), literal(False), literal(False), literal(1))
        .where(candidates.c.framework_id.is_not(None)),
    ).execution_options(preserve_rowcount=True)).rowcount  # type: ignore[attr-defined]  # DML: CursorResult
    progress()
    # The criteria of the new assessments only: an id range on the primary key.
    db.session.execute(insert(AssessmentCriterion).from_select(
        ["assessment_id", "position", "code", "group_code", "name_vi", "name_en", "max_score",
         "auto_source", "auto_param"],
        select(Assessment.id, FrameworkCriterion.position, FrameworkCriterion.code,
               FrameworkCriterion.group_code, FrameworkCriterion.name_vi, FrameworkCriterion.name_en,
               FrameworkCriterion.max_score, FrameworkCriterion.auto_source,
               FrameworkCriterion.auto_param)
        .join(FrameworkCriterion, FrameworkCriterion.framework_id == Assessment.framework_id)
        .where(Assessment.id > before, Assessment.period_id == period.id),
    ))
    progress()
    # Who has none (no framework fits them): two counts, no anti join.
    active = db.session.scalar(select(func.count(Staff.id)).where(Staff.active.is_(True))) or 0
    covered = db.session.scalar(
        select(func.count(Assessment.id)).join(Staff, Staff.id == Assessment.staff_id)
        .where(Assessment.period_id == period.id, Staff.active.is_(True))) or 0
    without = active - covered
    progress()
    if created:
        analyze("assessment", "assessment_criterion")
        audit.record("period.opened", period, after={"code": code, "created": created,
                                                     "without_framework": without})
    return OpenResult(period, created, without)


@dataclass
class CloseResult:
    period: Period
    closed: int
    not_evaluated: int
    already_closed: bool = False


CLOSE_STEPS = 2  # progress() calls of close_period: closed, not evaluated


@transactional
def close_period(code: str) -> CloseResult:
    """Close a month: reviewed → closed, the rest → not_evaluated; publish. Idempotent."""
    parse_period(code)
    lock(f"period:{code}")  # a second close waits, then finds it closed (and records nothing)
    period = get_period(code)
    if period is None:
        raise DomainError(_("Kỳ %(code)s chưa được mở.", code=code))
    if period.status == "closed":
        return CloseResult(period, 0, 0, already_closed=True)
    in_period = Assessment.period_id == period.id
    closed = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(Assessment).where(in_period, Assessment.status == "reviewed")
        .values(status="closed", version=Assessment.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    progress()
    not_evaluated = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(Assessment).where(in_period, Assessment.status.in_(("draft", "self_submitted")))
        .values(status="not_evaluated", version=Assessment.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    progress()
    period.status = "closed"
    period.closed_at = clock.utcnow()
    audit.record("period.closed", period, after={"code": code, "closed": closed,
                                                 "not_evaluated": not_evaluated})
    db.session.flush()
    summarise(period)
    db.session.expire_all()
    return CloseResult(period, closed, not_evaluated)


# ---------------------------------------------------------------- the closed months' summary

# One grouped statement per refresh, on the (period, unit) index: the closed month :period_id,
# or every closed month when it is NULL. The migration 0014 holds the same text.
SUMMARY_INSERT = text("""
    INSERT INTO assessment_summary (period_id, unit_id, level, assessments, scored, score_tenths,
                                    not_evaluated, waiting)
    SELECT a.period_id, a.unit_id, a.level, COUNT(a.id),
           SUM(CASE WHEN a.status IN ('reviewed', 'closed') AND a.score IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.status IN ('reviewed', 'closed') AND a.score IS NOT NULL
                    THEN a.score ELSE 0 END),
           SUM(CASE WHEN a.status = 'not_evaluated' THEN 1 ELSE 0 END),
           SUM(CASE WHEN a.status IN ('draft', 'self_submitted') THEN 1 ELSE 0 END)
    FROM assessment a
    WHERE a.period_id IN (SELECT p.id FROM period p WHERE p.status = 'closed'
                          AND (CAST(:period_id AS INTEGER) IS NULL OR p.id = CAST(:period_id AS INTEGER)))
    GROUP BY a.period_id, a.unit_id, a.level""")


def summarise(period: Period) -> None:
    """Count a closed month's assessments again into `assessment_summary` (delete, then one
    INSERT … SELECT … GROUP BY); an open month's rows are removed (its pages read live rows)."""
    db.session.flush()
    db.session.execute(text("DELETE FROM assessment_summary WHERE period_id = :period_id"),
                       {"period_id": period.id})
    if period.status == "closed":
        db.session.execute(SUMMARY_INSERT, {"period_id": period.id})


@transactional
def summarise_all(code: str | None = None) -> int:
    """Rebuild the summary of every closed month (or of the closed month `code`). Returns the
    months summarised."""
    if code is not None:
        parse_period(code)
        period = get_period(code)
        if period is None or period.status != "closed":
            raise DomainError(_("Kỳ %(code)s chưa đóng.", code=code))
        summarise(period)
        return 1
    db.session.execute(text("DELETE FROM assessment_summary"))
    db.session.execute(SUMMARY_INSERT, {"period_id": None})
    analyze("assessment_summary")
    return db.session.scalar(select(func.count(Period.id)).where(Period.status == "closed")) or 0


def open_due_periods(today: date) -> dict[str, int] | None:
    """Open this month's period from the policy's opening day, and last month's if it was
    missed and is not yet closed (the scheduler's job). {code: assessments created}."""
    opened = {}
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    for start in (last_month, this_month):
        due = deadlines(policy_in_force(start), start)
        if not due["opens_on"] <= today <= due["closes_on"]:
            continue
        period = get_period(period_code(start))
        earliest, latest = openable_window(today)
        if period is None and not earliest <= start <= latest:
            continue  # outside the policy's back-fill window: left to hr_admin
        if period is None or period.status == "open":
            opened[period_code(start)] = open_period(period_code(start)).created
    return opened or None


def close_due_periods(today: date) -> dict[str, dict[str, int]] | None:
    """Close and publish every open period whose closing day has come (the scheduler's job)."""
    due = db.session.scalars(select(Period).where(Period.status == "open", Period.closes_on <= today)
                             .order_by(Period.starts_on)).all()
    closed = {}
    for period in due:
        result = close_period(period.code)
        closed[period.code] = {"closed": result.closed, "not_evaluated": result.not_evaluated}
    return closed or None


def current_period() -> Period | None:
    """The open period of the latest month, else the latest period."""
    return db.session.scalar(select(Period).where(Period.imported.is_(False))
                             .order_by((Period.status == "open").desc(), Period.starts_on.desc())
                             .limit(1))


# ---------------------------------------------------------------- the unit of the month

PENDING = ("draft", "self_submitted", "reviewed")  # not yet closed: may still follow its unit


@org_services.history_hook("closed_months")
def closed_months(staff_ids: Iterable[int]) -> dict[int, date]:
    """{staff id: first day of the latest month with a closed assessment of theirs}."""
    return dict(lookup(select(Assessment.staff_id, func.max(Period.starts_on))
                       .join(Period, Period.id == Assessment.period_id)
                       .where(Assessment.status.in_(("closed", "not_evaluated")))
                       .group_by(Assessment.staff_id), Assessment.staff_id, staff_ids))


@org_services.history_hook("refile")
def refile_pending(staff_ids: Select[Any], note: str) -> int:
    """File the open months' pending assessments of these staff under the unit of their month
    again, after the history changed (one statement per open period)."""
    moved = 0
    for period in db.session.scalars(select(Period).where(Period.status == "open")):
        unit_then = (select(org_queries.unit_on(month_end(period.starts_on)))
                     .where(Staff.id == Assessment.staff_id).correlate(Assessment).scalar_subquery())
        moved += db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
            update(Assessment)
            .where(Assessment.period_id == period.id, Assessment.status.in_(PENDING),
                   Assessment.staff_id.in_(staff_ids), Assessment.unit_id != unit_then)
            .values(unit_id=unit_then, filing_note=note[:500], version=Assessment.version + 1)
            .execution_options(synchronize_session=False)).rowcount
    return moved


@org_services.history_hook("merge")
def merge_pending(old: Unit, new: Unit, day: date, note: str) -> dict[str, int]:
    """A merge: the pending assessments of the open months filed under the old unit move to the
    new one with a note; closed ones stay filed where they were."""
    moved = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(Assessment)
        .where(Assessment.unit_id == old.id, Assessment.status.in_(PENDING),
               Assessment.period_id.in_(select(Period.id).where(Period.status == "open")))
        .values(unit_id=new.id, filing_note=note[:500], version=Assessment.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    return {"assessments": moved}


# ---------------------------------------------------------------- self-assessment and review

def self_editable(assessment: Assessment, today: date | None = None) -> bool:
    """The staff member may still edit: a draft, in an open period, not past the self deadline."""
    period = assessment.period
    today = today or clock.today()
    return (assessment.status == "draft" and not assessment.imported
            and (period.status == "open" and today <= period.self_due_on or assessment.reopened))


def reviewable(assessment: Assessment) -> bool:
    """The reviewer may (re)score: open period and not closed, or reopened after closing."""
    if assessment.imported:
        return False
    if assessment.reopened:
        return assessment.status in ("draft", "self_submitted")
    return assessment.period.status == "open" and assessment.status in ("draft", "self_submitted",
                                                                         "reviewed")


def _check_version(assessment: Assessment, expected_version: int | str | None) -> None:
    if expected_version is None or int(expected_version) != assessment.version:
        raise StaleError(_("Đánh giá này vừa được người khác cập nhật. Trang đã được tải lại với "
                          "dữ liệu mới nhất; hãy kiểm tra và lưu lại."))


def _scores(assessment: Assessment, attribute: str) -> dict[str, str | None]:
    return {c.code: None if getattr(c, attribute) is None else str(getattr(c, attribute))
            for c in assessment.criteria}


@transactional
def save_self_assessment(assessment: Assessment, scores: dict[str, Decimal | None], report: str | None,
                         submit: bool, expected_version: int | str | None) -> Assessment:
    """Save the staff member's own scores and report; `submit` hands them to the reviewer."""
    _check_version(assessment, expected_version)
    if not self_editable(assessment):
        raise DomainError(_("Đã hết hạn hoặc đã nộp; không thể sửa bản tự đánh giá."))
    before = {"self_scores": _scores(assessment, "self_score"), "status": assessment.status}
    for criterion in assessment.criteria:
        value = scores.get(criterion.code)
        criterion.self_score = None if value is None else clamp(value, Decimal(0), criterion.max_score)
    assessment.self_report = (report or "").strip()
    assessment.self_total = total(assessment.criteria, "self_score", assessment.period.policy.total_max)
    if submit:
        assessment.status = "self_submitted"
        assessment.self_submitted_at = clock.utcnow()
    audit.record("assessment.self_submitted" if submit else "assessment.self_saved", assessment,
                 before=before, after={"self_scores": _scores(assessment, "self_score"),
                                       "self_total": assessment.self_total,
                                       "status": assessment.status})
    return assessment


@transactional
def review_assessment(assessment: Assessment, scores: dict[str, Decimal], comment: str | None,
                      expected_version: int | str | None, reviewer: "User",
                      suggestions: dict[tuple[int, str], "Suggestion"]) -> Assessment:
    """The reviewer's scores, comment and approval; computes the score and the level."""
    _check_version(assessment, expected_version)
    if not reviewable(assessment):
        raise DomainError(_("Đánh giá này không còn được sửa."))
    before = {"head_scores": _scores(assessment, "head_score"), "score": assessment.score,
              "level": assessment.level, "status": assessment.status}
    for criterion in assessment.criteria:
        value = scores[criterion.code]
        criterion.head_score = clamp(value, Decimal(0), criterion.max_score)
        suggestion = suggestions.get((assessment.id, criterion.code))
        criterion.suggested_score = suggestion.score if suggestion else None
        criterion.suggestion_note = suggestion.explanation[:1000] if suggestion else None
    policy = assessment.period.policy
    assessment.score = total(assessment.criteria, "head_score", policy.total_max)
    assessment.level = level_for(assessment.score, policy)
    if assessment.status == "draft":
        assessment.reviewed_without_self = True
    assessment.status = "closed" if assessment.period.status == "closed" else "reviewed"
    assessment.reopened = False
    assessment.reviewer_id = reviewer.id
    assessment.reviewed_at = clock.utcnow()
    assessment.review_comment = (comment or "").strip()
    audit.record("assessment.reviewed", assessment, before=before, after={
        "head_scores": _scores(assessment, "head_score"), "score": assessment.score,
        "level": assessment.level, "status": assessment.status})
    if assessment.period.status == "closed":
        summarise(assessment.period)
    return assessment


@transactional
def reopen_assessment(assessment: Assessment, reason: str) -> Assessment:
    """hr_admin reopens one closed assessment with a written reason; the reviewer scores again."""
    if assessment.status not in ("closed", "not_evaluated") or assessment.imported:
        raise DomainError(_("Chỉ mở lại được đánh giá đã chốt hoặc không được đánh giá."))
    before = {"status": assessment.status, "score": assessment.score, "level": assessment.level}
    assessment.status = "self_submitted" if assessment.self_submitted_at else "draft"
    assessment.reopened = True
    audit.record("assessment.reopened", assessment, before=before,
                 after={"status": assessment.status, "reason": reason.strip()})
    summarise(assessment.period)
    return assessment


# ---------------------------------------------------------------- reminders

def _reminder_round(today: date, due: date, days_before: int) -> str | None:
    """"first" from `days_before` days before a deadline, "last" on the day, else None."""
    if due - timedelta(days=days_before) <= today < due:
        return "first"
    if today == due:
        return "last"
    return None


@transactional
def send_self_reminders(today: date) -> dict[str, int] | None:
    """Remind staff who have not submitted their self-assessment, from the policy's number of
    days before the deadline and on the day; each round reaches each person once."""
    sent = {}
    for period in db.session.scalars(select(Period).where(Period.status == "open")):
        round_ = _reminder_round(today, period.self_due_on, period.policy.self_reminder_days)
        if round_ is None:
            continue
        waiting = select(Assessment.staff_id).where(Assessment.period_id == period.id,
                                                    Assessment.status == "draft")
        sent[period.code] = notifications.notify_users(
            notifications.staff_users(waiting), "self_reminder",
            {"period": period.code, "due": period.self_due_on.isoformat()},
            "reports.my_assessment", f"self:{period.code}:{round_}")
    return sent or None


@transactional
def send_review_reminders(today: date) -> dict[str, int] | None:
    """Remind the heads who still have assessments to review (the reviewer rule decides who),
    from the policy's number of days before the deadline and on the day."""
    sent = {}
    for period in db.session.scalars(select(Period).where(Period.status == "open")):
        round_ = _reminder_round(today, period.review_due_on, period.policy.review_reminder_days)
        if round_ is None:
            continue
        waiting_units = select(Assessment.reviewer_unit_id).where(
            Assessment.period_id == period.id, Assessment.status.in_(("draft", "self_submitted")))
        heads = (select(RoleGrant.user_id.label("id")).distinct()
                 .where(RoleGrant.role == "unit_head", RoleGrant.unit_id.in_(waiting_units)).subquery())
        sent[period.code] = notifications.notify_users(
            heads, "review_reminder", {"period": period.code, "due": period.review_due_on.isoformat()},
            "evaluation.team", f"review:{period.code}:{round_}", {"period": period.code})
    return sent or None


# ---------------------------------------------------------------- objections

def objection_deadline(assessment: Assessment) -> date | None:
    period = assessment.period
    if period.closed_at is None:
        return None
    closed_on = clock.local_date(period.closed_at)
    return closed_on + timedelta(days=period.policy.objection_days)


def objection_allowed(assessment: Assessment, today: date | None = None) -> bool:
    deadline = objection_deadline(assessment)
    return (assessment.status == "closed" and not assessment.imported and deadline is not None
            and (today or clock.today()) <= deadline and assessment.objection is None)


@transactional
def file_objection(assessment: Assessment, text: str) -> Objection:
    """The staff member objects in writing within the policy's window after publication."""
    if not objection_allowed(assessment):
        raise DomainError(_("Đã hết thời hạn kiến nghị hoặc đã gửi kiến nghị."))
    objection = Objection(assessment_id=assessment.id, text=text.strip())
    db.session.add(objection)
    audit.record("objection.filed", objection, after={"assessment": assessment.id})
    return objection


@transactional
def answer_objection(objection: Objection, text: str, actor: "User") -> Objection:
    """The reviewer answers; a changed score then goes through reopening."""
    if objection.answer:
        raise DomainError(_("Kiến nghị này đã được trả lời."))
    objection.answer = text.strip()
    objection.answered_by_id = actor.id
    objection.answered_at = clock.utcnow()
    audit.record("objection.answered", objection, after={"answer": objection.answer})
    return objection


# ---------------------------------------------------------------- policies and frameworks

@transactional
def create_policy(bands: Sequence[tuple[str, Decimal, str, str]], **fields: Any) -> Policy:
    """A new policy version; `bands` is [(level, min_score, label_vi, label_en), …]."""
    if db.session.scalar(select(Policy.id).where(Policy.effective_from == fields["effective_from"])):
        raise DomainError(_("Đã có chính sách có hiệu lực từ ngày này."))
    policy = Policy(**fields)
    policy.bands = [PolicyBand(level=level, min_score=low, label_vi=vi, label_en=en)
                    for level, low, vi, en in bands]
    db.session.add(policy)
    audit.record("policy.created", policy, after={
        **audit.snapshot(policy, POLICY_FIELDS),
        "bands": [[level, str(low)] for level, low, _vi, _en in bands]})
    return policy


@transactional
def create_framework(code: str, name: str, effective_from: date, for_heads: bool, categories: Iterable[str],
                     criteria: Sequence[dict[str, Any]], enabled: bool = True) -> Framework:
    """A new framework version. `criteria`: dicts with code, group_code, name_vi, name_en,
    max_score, auto_source, auto_param. Refused unless the maximums add up to the policy total."""
    policy = policy_in_force(effective_from)
    points = sum((c["max_score"] for c in criteria), start=Decimal(0))
    if points != policy.total_max:
        raise DomainError(_("Tổng điểm tối đa của các tiêu chí là %(sum)s, phải bằng %(total)s.",
                                sum=points, total=policy.total_max))
    unknown = set(categories) - set(STAFF_CATEGORIES)
    if unknown or not categories:
        raise DomainError(_("Hãy chọn ít nhất một loại cán bộ hợp lệ."))
    codes = [c["code"] for c in criteria]
    if len(set(codes)) != len(codes):
        raise DomainError(_("Mã tiêu chí bị trùng."))
    framework = Framework(code=code, name=name, effective_from=effective_from, for_heads=for_heads,
                          enabled=enabled)
    framework.categories = [FrameworkCategory(category=c) for c in sorted(set(categories))]
    framework.criteria = [FrameworkCriterion(position=i, **c) for i, c in enumerate(criteria, start=1)]
    db.session.add(framework)
    audit.record("framework.created", framework, after={
        "code": code, "effective_from": effective_from, "for_heads": for_heads,
        "categories": sorted(categories), "enabled": enabled,
        "criteria": [[c["code"], str(c["max_score"])] for c in criteria]})
    return framework


@transactional
def set_framework_enabled(framework: Framework, enabled: bool) -> None:
    if framework.enabled != enabled:
        audit.record("framework.enabled" if enabled else "framework.disabled", framework,
                     before={"enabled": framework.enabled}, after={"enabled": enabled})
        framework.enabled = enabled


# ---------------------------------------------------------------- import of past results

RESULT_COLUMNS = ("staff_code", "period", "score")


def _level_of_score(policies: Iterable[Policy], policy: str, score: str, lowest: str
                    ) -> tuple[str, dict[str, str]]:
    """SQL for the level of `score` (whole tenths) under the policy `policy`, one of `policies`:
    the highest band it reaches, else `lowest` — a CASE over their bands (a correlated subquery
    sorting policy_band for every row cost a third of the import's INSERT at 200,000 rows)."""
    whens, params = [], {}
    for i, found in enumerate({p.id: p for p in policies}.values()):
        bands = []
        for j, band in enumerate(found.bands):  # highest first
            params[f"level_{i}_{j}"] = band.level
            bands.append(f"WHEN {score} >= {int(band.min_score * 10)} THEN :level_{i}_{j}")
        whens.append(f"WHEN {int(found.id)} THEN CASE {' '.join(bands)} ELSE {lowest} END")
    return (f"CASE {policy} {' '.join(whens)} ELSE {lowest} END" if whens else lowest), params


@transactional
def import_results(data: Source) -> int:
    """Import closed monthly results from before the system: `staff_code,period,score`.

    All or nothing. Each month's level follows the bands of the policy in force that month. The
    file streams into a temporary table and is checked there with set-based SQL: the statement
    count and the memory used do not depend on the number of rows.
    """
    staged = stage(data, RESULT_COLUMNS)
    find_policy = policy_finder()
    in_force: dict[str, Policy] = {}
    unpolicied: list[str] = []  # the file's months without a policy in force

    def month(value: str) -> dict[str, Any]:
        start = parse_period(value)
        try:
            found: Policy | None = find_policy(start)
            policy_error = None
        except DomainError as exc:
            found, policy_error = None, exc.message
            unpolicied.append(value)
        if found is not None:
            in_force[period_code(start)] = found
        return {"starts_on": start, "ends_on": month_end(start), "code": period_code(start),
                "policy_id": found.id if found else None,
                "total_max": found.total_max if found else None,
                "lowest": found.lowest_level if found else None, "policy_error": policy_error}

    def score(value: str) -> dict[str, Any]:
        errors: list[RowError] = []
        parsed = RowChecker(0, errors).decimal(value, _l("Điểm"), Decimal(0), Decimal(999))
        if errors:
            raise DomainError(errors[0].message)
        return {"parsed": parsed}

    months = staged_values(staged, "period", month, [
        Column("starts_on", Date), Column("ends_on", Date), Column("code", String(7)),
        Column("policy_id", Integer), Column("total_max", SCORE), Column("lowest", String(2)),
        Column("policy_error", Text)])
    scores = staged_values(staged, "score", score, [Column("parsed", SCORE)])
    tables = {"months": months.name, "scores": scores.name}
    # The rows whose staff, month and score are each valid ("good"), as the later checks need.
    good = ("FROM {rows} g JOIN staff s ON s.code = g.staff_code"
            " JOIN {months} m ON m.value = g.period AND m.error IS NULL"
            " JOIN {scores} v ON v.value = g.score AND v.error IS NULL").format(rows="{rows}", **tables)
    # Every problem in one pass; a month without a policy is reported once, on its first good line.
    # Repeats and first lines come from grouping (hashed), the ordering window only runs over the
    # few repeated rows.
    def problems(thorough: bool) -> list[RowError]:
        # Without `thorough`, no repeats and no "already has a result": the INSERT's unique
        # index (staff, period) finds those (`write_unless_repeated`), and only then is the file
        # grouped to name them.
        existing = ("""CASE WHEN p.id IS NOT NULL THEN (SELECT a.id FROM assessment a
                                                    WHERE a.period_id = p.id AND a.staff_id = s.id) END"""
                    if thorough else "CAST(NULL AS INTEGER)")
        repeated = ("""SELECT c.line,
                   LAG(c.line) OVER (PARTITION BY c.staff_code, c.starts_on ORDER BY c.line) AS previous
            FROM checked c JOIN (
                SELECT staff_code, starts_on FROM checked WHERE staff_id IS NOT NULL AND month_error IS NULL
                GROUP BY staff_code, starts_on HAVING COUNT(*) > 1) d
              ON d.staff_code = c.staff_code AND d.starts_on = c.starts_on"""
                    if thorough else "SELECT 0 AS line, 0 AS previous WHERE FALSE")
        # Only a month without a policy needs its first good line (`checked` is then read once).
        firsts = ("""SELECT starts_on, MIN(line) AS first_good FROM checked
                WHERE staff_id IS NOT NULL AND month_error IS NULL AND score_error IS NULL
                  AND policy_error IS NOT NULL
                GROUP BY starts_on""" if unpolicied
                  else "SELECT CAST(NULL AS DATE) AS starts_on, 0 AS first_good WHERE FALSE")
        return staged.problems(f"""
            WITH checked AS (
                SELECT g.line, g.staff_code, s.id AS staff_id, m.error AS month_error, v.error AS score_error,
                       m.code, m.starts_on, m.policy_error, v.parsed > m.total_max AS too_high,
                       -- one index probe per row of a month already in the system, none otherwise
                       {existing} AS existing
                FROM {{rows}} g
                LEFT JOIN staff s ON s.code = g.staff_code
                JOIN {months.name} m ON m.value = g.period
                JOIN {scores.name} v ON v.value = g.score
                LEFT JOIN period p ON p.starts_on = m.starts_on AND s.id IS NOT NULL AND m.error IS NULL
                                      AND v.error IS NULL),
            repeated AS ({repeated}),
            firsts AS ({firsts})
            SELECT c.*, r.previous, f.first_good
            FROM checked c LEFT JOIN repeated r ON r.line = c.line
            LEFT JOIN firsts f ON f.starts_on = c.starts_on
            WHERE c.staff_id IS NULL OR c.month_error IS NOT NULL OR c.score_error IS NOT NULL
               OR r.previous IS NOT NULL OR c.existing IS NOT NULL OR f.first_good = c.line
               OR (c.staff_id IS NOT NULL AND c.month_error IS NULL AND c.score_error IS NULL AND c.too_high)
            """, [  # nosec B608  # only the temporary tables' names
            lambda row: (_("Không có cán bộ mã %(code)s.", code=row.staff_code)
                         if row.staff_id is None else None),
            lambda row: row.month_error,
            lambda row: row.score_error,
            lambda row: (_("Trùng với dòng %(line)d.", line=row.previous)
                         if row.previous is not None else None),
            lambda row: (_("Cán bộ đã có kết quả tháng %(period)s.", period=row.code)
                         if row.existing is not None else None),
            lambda row: row.policy_error if row.line == row.first_good else None,
            lambda row: (_("%(field)s phải nằm trong khoảng %(low)s–%(high)s.", field=_("Điểm"), low=0,
                           high=in_force[row.code].total_max)
                         if row.too_high and row.staff_id is not None and row.month_error is None
                         and row.score_error is None else None),
        ])

    errors = problems(thorough=False)
    if errors:
        errors = problems(thorough=True)
        drop(staged, months, scores)
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    codes = [code for (code,) in db.session.execute(
        text(f"SELECT DISTINCT code FROM {months.name} WHERE error IS NULL ORDER BY code")).tuples()]  # nosec B608
    db.session.execute(text(f"""
        INSERT INTO period (code, starts_on, policy_id, status, imported)
        SELECT DISTINCT m.code, m.starts_on, m.policy_id, 'closed', TRUE FROM {months.name} m
        WHERE m.error IS NULL AND NOT EXISTS (SELECT 1 FROM period p WHERE p.starts_on = m.starts_on)"""))  # nosec B608
    unit = org_queries.UNIT_IN_MONTH.format(staff="s", first="m.starts_on", last="m.ends_on")
    level, levels = _level_of_score(in_force.values(), "m.policy_id", "v.parsed", "m.lowest")
    insert = staged.sql(f"""
        INSERT INTO assessment (period_id, staff_id, unit_id, is_head, status, score, level, imported,
                                self_report, review_comment, reviewed_without_self, reopened, version)
        SELECT p.id, s.id, {unit},
               s.is_head, 'closed', v.parsed, {level},
               TRUE, '', '', FALSE, FALSE, 1
        {good} JOIN period p ON p.starts_on = m.starts_on
        ORDER BY g.line""")  # nosec B608
    created = write_unless_repeated(
        lambda: db.session.execute(insert, levels).rowcount,  # type: ignore[attr-defined]  # DML
        lambda: sorted(problems(thorough=True), key=lambda e: e.line), staged, months, scores)
    drop(staged, months, scores)
    for period in db.session.scalars(select(Period).where(Period.code.in_(codes))):
        summarise(period)
    analyze_if_material(created, "assessment")
    analyze("assessment_summary")
    audit.record("evaluation.import_results", object_type="assessment",
                 after={"created": created, "months": codes})
    return created
