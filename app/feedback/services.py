"""Citizen feedback services: targets, ratings with their anti-abuse rules, complaints,
moderation, and the satisfaction suggestion for C3."""
import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, delete, func, insert, literal, select
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute

from app import audit, clock
from app.database import transactional
from app.errors import DomainError
from app.evaluation.suggestions import Suggestion, source
from app.extensions import db
from app.feedback.models import POSITIVE, Complaint, FeedbackTarget, KioskDevice, Rating, SatisfactionMonthly

if TYPE_CHECKING:
    from app.auth.models import User
    from app.evaluation.models import Assessment, AssessmentCriterion
    from app.org.models import Staff, Unit

TRACKING_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes such as 0/O or 1/I


def client_hash(address: str | None) -> str:
    """A keyed hash of the client address: enough to study abuse, useless to identify anyone."""
    key = hashlib.sha256(("feedback:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]


class KioskLimitReached(DomainError):
    """The kiosk has taken its day's number of ratings."""

    status = 429


def find_kiosk(token: str) -> KioskDevice | None:
    """An active kiosk device by its own token (a QR poster's token is not one)."""
    return db.session.scalar(select(KioskDevice).where(KioskDevice.token == token,
                                                       KioskDevice.active.is_(True)))


@transactional
def register_kiosk(target: FeedbackTarget, name: str, actor: "User") -> KioskDevice:
    """hr_admin registers a tablet for one desk; it gets a token of its own."""
    if target.kind != "desk" or not target.active:
        raise DomainError(_("Chỉ đăng ký được máy kiosk cho quầy của đơn vị (không cho mã QR của cán bộ)."))
    device = KioskDevice(token=secrets.token_urlsafe(18), target_id=target.id, unit_id=target.unit_id,
                         name=name.strip(), registered_by_id=actor.id)
    db.session.add(device)
    audit.record("feedback.kiosk_registered", device, after={"unit": target.unit.code, "name": device.name})
    return device


@transactional
def revoke_kiosk(device: KioskDevice) -> None:
    """The tablet was lost or replaced: its link stops working."""
    if not device.active:
        return
    device.active = False
    audit.record("feedback.kiosk_revoked", device, before={"active": True}, after={"active": False})


def kiosk_ratings_today(device: KioskDevice) -> int:
    start = clock.from_local(datetime.combine(clock.today(), time.min))
    return db.session.scalar(select(func.count(Rating.id)).where(
        Rating.kiosk_id == device.id, Rating.created_at >= start)) or 0


def submit_kiosk_rating(device: KioskDevice, data: dict[str, Any], address: str | None) -> "Submitted | None":
    """A rating from a kiosk, within the device's daily cap (KIOSK_DAILY_CAP)."""
    if kiosk_ratings_today(device) >= current_app.config["KIOSK_DAILY_CAP"]:
        raise KioskLimitReached(_("Máy này đã nhận đủ số lượt đánh giá cho phép trong ngày. "
                                  "Xin cảm ơn; bạn vẫn có thể đánh giá bằng mã QR tại quầy."))
    return submit_rating(device.target, data, address, "kiosk", kiosk_id=device.id)


# Built once (not built, keyed and compiled per citizen); the token is a parameter.
_TARGET = select(FeedbackTarget).where(FeedbackTarget.token == bindparam("token"),
                                       FeedbackTarget.active.is_(True))


def find_target(token: str) -> FeedbackTarget | None:
    """The active target of a token, with its official and unit (the form shows their names)."""
    return db.session.scalar(_TARGET, {"token": token})


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
    db.session.flush()
    # The desk's kiosks keep their own tokens and now rate the replacement.
    db.session.execute(sa_update(KioskDevice).where(KioskDevice.target_id == target.id)
                       .values(target_id=replacement.id))
    audit.record("feedback.target_replaced", target, after={"replacement": "new token"})
    return replacement


@dataclass
class Submitted:
    rating_id: int
    complaint: Complaint | None
    duplicate: bool = False


def submit_rating(target: FeedbackTarget | str, data: dict[str, Any], address: str | None,
                  source_name: str, kiosk_id: int | None = None) -> Submitted | None:
    """Store one rating (and its complaint, when there is one) for `target`, or for the active
    target of a token (the QR form: the insert finds it itself, one statement; None when no
    active target has that token).

    The same idempotency token twice stores one row and answers as the first time did; a
    receipt code already rated is refused with a message.

    The token's earlier use is found by its unique constraint, not looked up first: a submit is
    almost always the first one (the insert and the commit, no lookup); a repeated or raced one
    fails on the constraint, is rolled back, and is answered with the stored row. Called in a
    transaction of its own (its own `@transactional` rolls the failed insert back).
    """
    receipt = (data.get("receipt_code") or "").strip().upper() or None
    if receipt:
        rated = db.session.scalar(select(Rating.idempotency_token).where(Rating.receipt_code == receipt))
        if rated is not None and rated != data["idem"]:  # (this very form again: answered below)
            raise DomainError(_(
                "Hồ sơ có mã biên nhận này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần."))
    try:
        return _store(target, data, receipt, address, source_name, kiosk_id)
    except IntegrityError:
        # The same token again (a resubmitted form, or a double submit racing this one), or a
        # receipt rated meanwhile: answer as the stored one, or refuse the receipt.
        found = _submitted_before(data["idem"])
        if found is None:
            raise DomainError(_(
                "Hồ sơ có mã biên nhận này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.")) from None
        return found


def _submitted_before(token: str) -> Submitted | None:
    """The rating stored with this idempotency token (and its complaint), as the first submit had it."""
    existing = db.session.scalar(select(Rating.id).where(Rating.idempotency_token == token))
    if existing is None:
        return None
    complaint = db.session.scalar(select(Complaint).where(Complaint.rating_id == existing))
    return Submitted(existing, complaint, duplicate=True)


def _insert_rating(by: str) -> Any:
    """The busiest write of the public side as one INSERT … SELECT … RETURNING built once, the
    target's ids read by the insert itself (`by` "token": an active target's token, the QR form's
    only statement; "id": a kiosk's target): no lookup first, no unit of work (its object, flush
    and identity map cost more than the row)."""
    rating, target = Rating.__table__, FeedbackTarget.__table__
    given = ["period", "rating", "timeliness", "guidance", "attitude", "receipt_code", "comment",
             "comment_hidden", "source", "idempotency_token", "client_hash", "kiosk_id", "created_at"]
    found = (target.c.token == bindparam("by")) & target.c.active.is_(True) if by == "token" \
        else target.c.id == bindparam("by")
    rows = select(target.c.id, target.c.staff_id, target.c.unit_id,
                  *(bindparam(name, type_=rating.c[name].type) for name in given)).where(found)
    return insert(rating).from_select(["target_id", "staff_id", "unit_id", *given], rows) \
        .returning(rating.c.id, rating.c.staff_id, rating.c.unit_id)


_INSERT_RATING = {by: _insert_rating(by) for by in ("token", "id")}


@transactional
def _store(target: FeedbackTarget | str, data: dict[str, Any], receipt: str | None, address: str | None,
           source_name: str, kiosk_id: int | None = None) -> Submitted | None:
    comment = (data.get("comment") or "").strip()
    by = "token" if isinstance(target, str) else "id"
    stored = db.session.execute(_INSERT_RATING[by], dict(
        by=target if isinstance(target, str) else target.id,
        period=clock.now().strftime("%Y-%m"), rating=data["rating"],
        timeliness=data.get("timeliness") or None, guidance=data.get("guidance") or None,
        attitude=data.get("attitude") or None, receipt_code=receipt, comment=comment,
        comment_hidden=False, source=source_name, idempotency_token=data["idem"],
        client_hash=client_hash(address), kiosk_id=kiosk_id, created_at=clock.utcnow(),
    )).one_or_none()
    if stored is None:
        return None  # no active target has the token
    complaint = None
    wants_complaint = data.get("is_complaint") or data["rating"] == "dissatisfied" \
        or data.get("attitude") == "harassment"
    if wants_complaint and comment:
        complaint = Complaint(
            tracking_code=_tracking_code(), rating_id=stored.id, staff_id=stored.staff_id,
            unit_id=stored.unit_id, text=comment,
            contact=(data.get("contact") or "").strip() or None if data.get("consent") else None)
        db.session.add(complaint)
    return Submitted(stored.id, complaint)


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
    db.session.execute(delete(SatisfactionMonthly).where(SatisfactionMonthly.period == period)
                       .execution_options(synchronize_session=False))
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


def when_labels(ratings: Iterable[Rating], staff_id: int, period: str) -> dict[int, str]:
    """What the rated official sees of when each rating came: its day when that day had at least
    RATING_DAY_MIN ratings, else its week (Monday–Sunday) — never the minute, which could tell
    which citizen it was."""
    minimum = current_app.config["RATING_DAY_MIN"]
    days: dict[date, int] = {}
    for (moment,) in db.session.execute(select(Rating.created_at).where(
            Rating.staff_id == staff_id, Rating.period == period)):
        day = clock.local_date(moment)
        days[day] = days.get(day, 0) + 1
    labels = {}
    for rating in ratings:
        day = clock.local_date(rating.created_at)
        if days.get(day, 0) >= minimum:
            labels[rating.id] = day.strftime("%d/%m/%Y")
        else:
            monday = day - timedelta(days=day.weekday())
            labels[rating.id] = _("tuần %(start)s–%(end)s", start=monday.strftime("%d/%m"),
                                  end=(monday + timedelta(days=6)).strftime("%d/%m/%Y"))
    return labels
