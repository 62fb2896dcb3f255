"""The one authorization helper: may this user do this action to this object?

Every view and service asks `can()` (or `require()`); lists are narrowed with
`scope_filter()`. A role grant covers its unit and every descendant, found by
the unit's materialised path; `sys_admin` may do everything.
"""
from flask import abort
from flask_login import current_user
from sqlalchemy import false, or_, true

from app.org.models import Staff, Unit

# Which roles allow an action. sys_admin is allowed everything and is not listed.
ACTION_ROLES = {
    "org.view": {"unit_head", "inspector", "hr_admin"},
    "org.edit": {"hr_admin"},
    "org.import": {"hr_admin"},
    "user.admin": set(),
    "audit.view": set(),
}


def _unit_of(target):
    if isinstance(target, Unit):
        return target
    if isinstance(target, Staff):
        return target.unit
    raise TypeError(f"No unit scope is defined for {type(target).__name__}.")


def _is_self(user, action, target):
    # A staff member may always read their own profile.
    return action == "org.view" and isinstance(target, Staff) and target.id == user.staff_id


def can(user, action, target=None):
    """True when `user` may do `action`, to `target` when given (else anywhere in their scope)."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if user.is_sys_admin:
        return True
    if target is not None and _is_self(user, action, target):
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
