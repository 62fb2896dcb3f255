"""Review cases: flagged once per (person, year) by one statement; steps with notes; responses."""
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import case, func, insert, literal, select

from app import audit, clock
from app.annual.models import AnnualResult
from app.annual.services import year_policy
from app.database import insert_missing, lock, max_id, progress, transactional
from app.errors import DomainError
from app.extensions import db
from app.notifications import services as notifications
from app.org.models import Staff
from app.reviews.models import MEASURE_BY_CATEGORY, ReviewCase, ReviewEvent, ReviewResponse

if TYPE_CHECKING:
    from app.auth.models import User

# Which step may follow which, and whether it needs a decision.
TRANSITIONS = {"open": ("under_review",), "under_review": ("decided",), "decided": ()}


FLAG_STEPS = 3  # progress() calls of flag_reviews: cases, first steps, notifications


@transactional
def flag_reviews(year: int) -> int:
    """Open a case for everyone at the lowest level in each of the policy's consecutive years
    ending with `year` (imported levels count; "not classified" breaks a run). Exactly once:
    running it again opens nothing new. Returns the number of new cases."""
    policy = year_policy(year)
    span = policy.consecutive_years
    in_run = (select(AnnualResult.staff_id)
              .where(AnnualResult.year.between(year - span + 1, year),
                     AnnualResult.level == policy.lowest_level)
              .group_by(AnnualResult.staff_id)
              .having(func.count(AnnualResult.id) == span))
    measure = case(MEASURE_BY_CATEGORY, value=Staff.category, else_="cho_thoi_viec")
    lock(f"flag_reviews:{year}")  # a second run waits, then finds every case there
    before = max_id(ReviewCase)
    # The unique (staff, year) index skips the cases already open: exactly once, no anti join.
    created = db.session.execute(insert_missing(ReviewCase, ["staff_id", "year"]).from_select(
        ["staff_id", "unit_id", "year", "previous_year", "status", "proposed_measure", "created_at"],
        select(Staff.id, Staff.unit_id, literal(year), literal(year - 1), literal("open"), measure,
               literal(clock.utcnow()))
        .where(Staff.id.in_(in_run)),
    ).execution_options(preserve_rowcount=True)).rowcount  # type: ignore[attr-defined]  # DML: CursorResult
    progress()
    # The first step of every new case, written in one statement as well.
    note = _("Mở tự động: %(count)d năm liên tiếp ở mức thấp nhất.", count=span)
    db.session.execute(insert(ReviewEvent).from_select(
        ["case_id", "at", "from_status", "to_status", "note"],
        select(ReviewCase.id, literal(clock.utcnow()), literal(None), literal("open"), literal(note))
        .where(ReviewCase.id > before, ReviewCase.year == year)))
    progress()
    if created:
        audit.record("review.flagged", object_type="review_case", object_id=year,
                     after={"year": year, "created": created})
    # The people concerned hear of it (once, however often the check runs).
    notifications.notify_users(
        notifications.staff_users(select(ReviewCase.staff_id).where(ReviewCase.year == year)),
        "review_case", {"year": year, "years": span}, "reports.my_assessment", f"review_case:{year}")
    progress()
    return created


@transactional
def advance(review_case: ReviewCase, to_status: str, note: str, actor: "User",
            decision: str | None = None) -> ReviewCase:
    """Move a case one step (open → under_review → decided) with a written note."""
    if to_status not in TRANSITIONS[review_case.status]:
        raise DomainError(_("Không thể chuyển hồ sơ từ trạng thái này."))
    if to_status == "decided" and decision not in ("dismissal", "reassignment", "cleared"):
        raise DomainError(_("Hãy chọn kết luận."))
    before = {"status": review_case.status}
    db.session.add(ReviewEvent(case_id=review_case.id, actor_id=actor.id,
                               from_status=review_case.status, to_status=to_status, note=note.strip()))
    review_case.status = to_status
    if to_status == "decided":
        review_case.decision = decision
    audit.record("review.advanced", review_case, before=before,
                 after={"status": to_status, "decision": decision, "note": note.strip()})
    return review_case


@transactional
def respond(review_case: ReviewCase, text: str) -> ReviewResponse:
    """The person concerned attaches a response while the case is not yet decided."""
    if review_case.status == "decided":
        raise DomainError(_("Hồ sơ đã có kết luận; không thể bổ sung giải trình."))
    response = ReviewResponse(case_id=review_case.id, text=text.strip())
    db.session.add(response)
    audit.record("review.responded", review_case, after={"length": len(text.strip())})
    return response
