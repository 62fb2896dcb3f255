"""The one authorization helper: may this user do this action to this object?

Every view and service asks `can()` (or `require()`); lists are narrowed with
`scope_filter()`. A role grant covers its unit and every descendant, found by
the unit's materialised path; `sys_admin` may do everything.
"""
from flask import abort
from flask_login import current_user
from sqlalchemy import and_, false, or_, true

from app.annual.models import AnnualResult
from app.conduct.models import ConductReport, Finding, Inspection, Photo
from app.evaluation.models import Assessment
from app.feedback.models import Complaint, FeedbackTarget, Rating
from app.org.models import Staff, Unit
from app.reviews.models import ReviewCase

# Actions granted by a role over a unit scope. sys_admin is allowed everything and is not listed.
ACTION_ROLES = {
    "org.view": {"unit_head", "inspector", "hr_admin"},
    "org.edit": {"hr_admin"},
    "org.import": {"hr_admin"},
    "assessment.view": {"hr_admin"},
    "assessment.reopen": {"hr_admin"},
    "evaluation.team": {"unit_head"},
    "results.view": {"unit_head", "inspector", "hr_admin"},
    "annual.view": {"unit_head", "hr_admin"},
    "annual.finalise": {"unit_head", "hr_admin"},
    "annual.reopen": {"hr_admin"},
    "review.view": {"hr_admin"},
    "review.manage": {"hr_admin"},
    "feedback.view": {"unit_head", "inspector", "hr_admin"},
    "feedback.manage": {"unit_head", "hr_admin"},
    "complaint.answer": {"unit_head", "inspector", "hr_admin"},
    "feedback.moderate": {"hr_admin"},
    "conduct.view": {"inspector", "hr_admin", "unit_head"},
    "inspection.run": {"inspector"},
    "report.raise": {"inspector", "unit_head"},
    "user.admin": set(),
    "audit.view": set(),
}
# Province-wide actions: an hr_admin granted on a root unit (or sys_admin).
ROOT_ACTIONS = {"period.manage", "policy.manage", "annual.manage", "conduct.rules"}


def _unit_of(target):
    if isinstance(target, Unit):
        return target
    if isinstance(target, (Staff, Assessment, AnnualResult, ReviewCase, FeedbackTarget, Rating,
                           Complaint, Inspection, ConductReport, Finding, Photo)):
        return target.unit
    raise TypeError(f"No unit scope is defined for {type(target).__name__}.")


def reviews(user, assessment):
    """True when the user is the assessment's reviewer: the head of the person's unit, or, for a
    head, the head of the parent unit (SPEC §3.3)."""
    if assessment.staff_id == user.staff_id:
        return False
    for grant in user.grants:
        if grant.role != "unit_head":
            continue
        if assessment.is_head and assessment.unit.parent_id == grant.unit_id:
            return True
        if not assessment.is_head and assessment.unit_id == grant.unit_id:
            return True
    return False


def _leads(user, report):
    """The lead of the inspection behind a report; for other reports, an inspector other than the
    one who raised it."""
    if report.inspection is not None:
        return report.inspection.lead_id == user.id
    return report.created_by_id != user.id


def _personal(user, action, target):
    """Rules about the person rather than a unit scope."""
    if action == "org.view" and isinstance(target, Staff):
        return target.id == user.staff_id  # one's own profile
    if action == "assessment.view" and isinstance(target, Assessment):
        return target.staff_id == user.staff_id or reviews(user, target)
    if action == "review.view" and isinstance(target, ReviewCase):
        return target.staff_id == user.staff_id
    if action == "results.view" and isinstance(target, Unit):
        return user.staff is not None and user.staff.unit_id == target.id  # one's own unit
    return False


def can(user, action, target=None):
    """True when `user` may do `action`, to `target` when given (else anywhere in their scope)."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    # One's own assessment, case and finding, and nobody else's, not even sys_admin's.
    if action in ("assessment.self", "review.respond", "finding.respond"):
        return user.staff_id is not None and (target is None or target.staff_id == user.staff_id)
    if user.is_sys_admin:
        return True
    if action in ROOT_ACTIONS:
        return any(g.role == "hr_admin" and g.unit.parent_id is None for g in user.grants)
    if action in ("assessment.view", "review.view") and target is None:
        return user.staff_id is not None or bool(user.roles & {"unit_head", "hr_admin"})
    if action == "assessment.review":
        return reviews(user, target) if target is not None else "unit_head" in user.roles
    if action == "inspection.record":
        return can(user, "inspection.run", target) and (target is None or user.id in target.member_ids)
    if action == "report.review":
        return can(user, "inspection.run", target) and (target is None or _leads(user, target))
    if target is not None and _personal(user, action, target):
        return True
    roles = ACTION_ROLES[action]
    if target is None:
        return bool(user.roles & roles)
    unit = _unit_of(target)
    return any(grant.role in roles and unit.is_within(grant.unit) for grant in user.grants)


def scope_paths(user, action):
    """Unit paths whose subtrees the user may act on; None means everywhere."""
    if user.is_sys_admin:
        return None
    roles = ACTION_ROLES[action]
    return sorted({grant.unit.path for grant in user.grants if grant.role in roles})


def scope_filter(user, action, path_column=Unit.path):
    """A SQL condition on a unit path column: true for units inside the user's scope."""
    paths = scope_paths(user, action)
    if paths is None:
        return true()
    if not paths:
        return false()
    return or_(*(path_column.startswith(path, autoescape=True) for path in paths))


def reviewer_filter(user, unit_parent_column):
    """A SQL condition on Assessment: the assessments this user reviews."""
    heads_of = [g.unit_id for g in user.grants if g.role == "unit_head"]
    if not heads_of:
        return false()
    condition = or_(
        and_(Assessment.is_head.is_(False), Assessment.unit_id.in_(heads_of)),
        and_(Assessment.is_head.is_(True), unit_parent_column.in_(heads_of)),
    )
    if user.staff_id is not None:
        condition = and_(condition, Assessment.staff_id != user.staff_id)
    return condition


def require(action, target=None, user=None):
    """Abort with 403 when the role is missing, 404 when the object is outside the scope.

    404 rather than 403 for out-of-scope objects, so that ids cannot be probed.
    """
    user = user or current_user
    if can(user, action, target):
        return
    if target is not None and can(user, action):
        abort(404)
    abort(403)
