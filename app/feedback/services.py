"""Citizen feedback services: targets, ratings with their anti-abuse rules, complaints,
moderation, and the satisfaction suggestion for C3."""
import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute

from app import audit, clock
from app.database import transactional
from app.errors import DomainError
from app.evaluation.suggestions import Suggestion, source
from app.extensions import db
from app.feedback.models import POSITIVE, Complaint, FeedbackTarget, Rating, SatisfactionMonthly

if TYPE_CHECKING:
    from app.auth.models import User
    from app.evaluation.models import Assessment, AssessmentCriterion
    from app.org.models import Staff, Unit

TRACKING_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes such as 0/O or 1/I


def client_hash(address: str | None) -> str:
    """A keyed hash of the client address: enough to study abuse, useless to identify anyone."""
    key = hashlib.sha256(("feedback:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]


def find_target(token: str) -> FeedbackTarget | None:
    return db.session.scalar(select(FeedbackTarget).where(FeedbackTarget.token == token,
                                                          FeedbackTarget.active.is_(True)))


def new_idempotency_token() -> str:
    return secrets.token_urlsafe(24)


def _tracking_code() -> str:
    return "PA-" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))


@transactional
def create_target(kind: str, unit: "Unit", staff: "Staff | None" = None) -> FeedbackTarget:
    """A QR target for a front-desk official or a desk, with a fresh random token."""
    target = FeedbackTarget(kind=kind, unit_id=unit.id, staff_id=staff.id if staff else None,
                            token=secrets.token_urlsafe(16))
    db.session.add(target)
    audit.record("feedback.target_created", target, after={"kind": kind, "unit": unit.code,
                                                          "staff": staff.code if staff else None})
    return target


@transactional
def replace_token(target: FeedbackTarget) -> FeedbackTarget:
    """Retire a token (a poster was misused) and issue a new one; old links stop working."""
    target.active = False
    replacement = FeedbackTarget(kind=target.kind, unit_id=target.unit_id, staff_id=target.staff_id,
                                 token=secrets.token_urlsafe(16))
    db.session.add(replacement)
    audit.record("feedback.target_replaced", target, after={"replacement": "new token"})
    return replacement


@dataclass
class Submitted:
    rating: Rating
    complaint: Complaint | None
    duplicate: bool = False


def submit_rating(target: FeedbackTarget, data: dict[str, Any], address: str | None,
                  source_name: str) -> Submitted:
    """Store one rating (and its complaint, when there is one).

    The same idempotency token twice stores one row and answers as the first time did; a
    receipt code already rated is refused with a message.
    """
    existing = db.session.scalar(select(Rating).where(Rating.idempotency_token == data["idem"]))
    if existing is not None:
        complaint = db.session.scalar(select(Complaint).where(Complaint.rating_id == existing.id))
        return Submitted(existing, complaint, duplicate=True)
    receipt = (data.get("receipt_code") or "").strip().upper() or None
    if receipt and db.session.scalar(select(Rating.id).where(Rating.receipt_code == receipt)):
        raise DomainError(_(
            "Hồ sơ có mã biên nhận này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần."))
    try:
        return _store(target, data, receipt, address, source_name)
    except IntegrityError:
        # A double submit raced us to the same token (or receipt): answer as the stored one.
        existing = db.session.scalar(select(Rating).where(Rating.idempotency_token == data["idem"]))
        if existing is None:
            raise DomainError(_(
                "Hồ sơ có mã biên nhận này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.")) from None
        complaint = db.session.scalar(select(Complaint).where(Complaint.rating_id == existing.id))
        return Submitted(existing, complaint, duplicate=True)


@transactional
def _store(target: FeedbackTarget, data: dict[str, Any], receipt: str | None, address: str | None,
           source_name: str) -> Submitted:
    comment = (data.get("comment") or "").strip()
    rating = Rating(
        target_id=target.id, staff_id=target.staff_id, unit_id=target.unit_id,
        period=clock.now().strftime("%Y-%m"), rating=data["rating"],
        timeliness=data.get("timeliness") or None, guidance=data.get("guidance") or None,
        attitude=data.get("attitude") or None, receipt_code=receipt, comment=comment,
        source=source_name, idempotency_token=data["idem"], client_hash=client_hash(address),
    )
    db.session.add(rating)
    db.session.flush()
    complaint = None
    wants_complaint = data.get("is_complaint") or data["rating"] == "dissatisfied" \
        or data.get("attitude") == "harassment"
    if wants_complaint and comment:
        complaint = Complaint(
            tracking_code=_tracking_code(), rating_id=rating.id, staff_id=target.staff_id,
            unit_id=target.unit_id, text=comment,
            contact=(data.get("contact") or "").strip() or None if data.get("consent") else None)
        db.session.add(complaint)
    return Submitted(rating, complaint)


def find_complaint(code: str | None) -> Complaint | None:
    return db.session.scalar(select(Complaint).where(Complaint.tracking_code == (code or "").strip().upper()))


@transactional
def answer_complaint(complaint: Complaint, answer: str, actor: "User") -> Complaint:
    """Answer a complaint and close it with the note; the citizen sees the answer by its code."""
    if complaint.status == "closed":
        raise DomainError(_("Phản ánh này đã được trả lời."))
    complaint.answer = answer.strip()
    complaint.answered_by_id = actor.id
    complaint.status = "closed"
    complaint.closed_at = clock.utcnow()
    audit.record("complaint.answered", complaint, before={"status": "open"},
                 after={"status": "closed", "answer": complaint.answer})
    return complaint


@transactional
def hide_comment(rating: Rating, reason: str) -> Rating:
    """hr_admin hides an abusive comment; the rating stays and counts."""
    if rating.comment_hidden:
        return rating
    rating.comment_hidden = True
    audit.record("rating.comment_hidden", rating, before={"comment": rating.comment},
                 after={"hidden": True, "reason": reason.strip()})
    return rating


@transactional
def roll_up(period: str) -> int | None:
    """Recompute the month's satisfaction roll-up per official and per unit (two statements each)."""
    db.session.execute(delete(SatisfactionMonthly).where(SatisfactionMonthly.period == period))
    positive = func.sum(case((Rating.rating.in_(POSITIVE), 1), else_=0))
    for scope, column in (("staff", Rating.staff_id), ("unit", Rating.unit_id)):
        db.session.execute(insert(SatisfactionMonthly).from_select(
            ["scope", "key_id", "period", "positive", "total", "updated_at"],
            select(literal(scope), column, literal(period), positive, func.count(Rating.id),
                   literal(clock.utcnow()))
            .where(Rating.period == period, column.is_not(None)).group_by(column)))
    return db.session.scalar(select(func.count()).select_from(SatisfactionMonthly)
                             .where(SatisfactionMonthly.period == period))


def satisfaction(group_column: QueryableAttribute[int], keys: Collection[int],
                 period: str) -> dict[int, tuple[int, int]]:
    """{key: (positive, total)} for staff or units in a month (one grouped query)."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(group_column, func.sum(case((Rating.rating.in_(POSITIVE), 1), else_=0)),
               func.count(Rating.id))
        .where(group_column.in_(keys), Rating.period == period).group_by(group_column))
    return {key: (int(positive or 0), total) for key, positive, total in rows}


def index(positive: int, total: int) -> Decimal | None:
    """The satisfaction index as a percentage with one decimal, or None without ratings."""
    if not total:
        return None
    return (Decimal(positive) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)


@source("satisfaction")
def satisfaction_suggestion(
        pairs: Iterable[tuple["Assessment", "AssessmentCriterion"]]) -> dict[tuple[int, str], Suggestion]:
    """C3 for a front-desk official: the month's satisfaction index × the criterion's maximum,
    from the policy's minimum number of ratings (SPEC §2, §6)."""
    by_period: dict[str, list[tuple[Assessment, AssessmentCriterion]]] = {}
    for assessment, criterion in pairs:
        if assessment.staff.front_desk:
            by_period.setdefault(assessment.period.code, []).append((assessment, criterion))
    found: dict[tuple[int, str], Suggestion] = {}
    for period, items in by_period.items():
        counts = satisfaction(Rating.staff_id, {a.staff_id for a, _c in items}, period)
        for assessment, criterion in items:
            positive, total = counts.get(assessment.staff_id, (0, 0))
            minimum = assessment.period.policy.satisfaction_min_ratings
            if total < minimum:
                continue
            score = (criterion.max_score * positive / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
            found[(assessment.id, criterion.code)] = Suggestion(score, _(
                "%(positive)d/%(total)d lượt đánh giá hài lòng trong tháng (chỉ số %(index)s%%).",
                positive=positive, total=total, index=index(positive, total)))
    return found
