"""The one authorization helper: may this user do this action to this object?

Every view and service asks `can()` (or `require()`); lists are narrowed with `scope_filter()`.
A role grant covers its unit and every descendant, found by the unit's materialised path;
`sys_admin` may do everything.

It knows no feature model. An object is checked through its unit (`target.unit`, an object with
a materialised `path`) and, for one's own things, its `staff_id`. Each feature declares the roles
of its actions with `define()` and registers the rules that are not a plain scope check (who
reviews an assessment, who leads a report) with `@rule(action)`.
"""
from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, false, or_, true
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import ColumnElement

from app.database import for_dialect

# action → the roles that may do it over a unit scope (sys_admin: everything, not listed).
ACTION_ROLES: dict[str, set[str]] = {"user.admin": set(), "audit.view": set()}
# Province-wide actions: an hr_admin granted on a root unit (or sys_admin).
ROOT_ACTIONS: set[str] = set()
# One's own things (target.staff_id is the user's), and nobody else's, not even sys_admin's.
OWN_ACTIONS: set[str] = set()
# action → a rule (user, target or None) answering True/False, or None to fall through to the
# role-over-scope check.
RuleFn = Callable[[Any, Any], bool | None]
RULES: dict[str, RuleFn] = {}


def define(roles: dict[str, set[str]] | None = None, root: tuple[str, ...] = (),
           own: tuple[str, ...] = ()) -> None:
    """Declare a feature's actions: those granted by roles over a scope, the province-wide ones
    and the ones on one's own things."""
    ACTION_ROLES.update(roles or {})
    ROOT_ACTIONS.update(root)
    OWN_ACTIONS.update(own)


def rule(action: str) -> Callable[[RuleFn], RuleFn]:
    """Register the rule of an action that is more than a role over a scope."""
    def register(fn: RuleFn) -> RuleFn:
        RULES[action] = fn
        return fn
    return register


def in_scope(user: Any, roles: set[str], target: Any) -> bool:
    """True when one of the user's grants with one of `roles` covers the target's unit."""
    unit = target.unit
    return any(grant.role in roles and unit.is_within(grant.unit) for grant in user.grants)


def _resolved(user: Any) -> Any:
    """The user behind Flask-Login's `current_user` proxy: each attribute read through the proxy
    looks the user up again, and a check reads several."""
    unwrap = getattr(user, "_get_current_object", None)
    return unwrap() if unwrap is not None else user


def can(user: Any, action: str, target: Any = None) -> bool:
    """True when `user` may do `action`, to `target` when given (else anywhere in their scope)."""
    user = _resolved(user)
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action in OWN_ACTIONS:
        return user.staff_id is not None and (target is None or target.staff_id == user.staff_id)
    if user.is_sys_admin:
        return True
    if action in ROOT_ACTIONS:
        return any(g.role == "hr_admin" and g.unit.parent_id is None for g in user.grants)
    special = RULES.get(action)
    if special is not None:
        verdict = special(user, target)
        if verdict is not None:
            return verdict
    roles = ACTION_ROLES[action]
    if target is None:
        return bool(user.roles & roles)
    return in_scope(user, roles, target)


def scope_paths(user: Any, action: str) -> list[str] | None:
    """Unit paths whose subtrees the user may act on; None means everywhere."""
    user = _resolved(user)
    if user.is_sys_admin:
        return None
    roles = ACTION_ROLES[action]
    return sorted({grant.unit.path for grant in user.grants if grant.role in roles})


def scope_filter(user: Any, action: str,
                 path_column: ColumnElement[str] | QueryableAttribute[str]) -> ColumnElement[bool]:
    """A SQL condition on a unit path column: true for units inside the user's scope."""
    paths = scope_paths(user, action)
    if paths is None:
        return true()
    if not paths:
        return false()
    return or_(*(_within(path_column, path) for path in paths))


def _within(path_column: ColumnElement[str] | QueryableAttribute[str], path: str) -> ColumnElement[bool]:
    """The units under `path`: their path starts with it. On PostgreSQL also as the range of byte
    strings that start so, the pattern operators of the (varchar_pattern_ops) path index: a prepared
    statement's generic plan sees `path LIKE $1 || '%'`, which no index answers, where a plan made
    for the value at hand turns the LIKE into this very range itself."""
    starts = path_column.startswith(path, autoescape=True)
    following = path[:-1] + chr(ord(path[-1]) + 1)  # the first string past every "path…"
    return for_dialect(starts, and_(path_column.op("~>=~", is_comparison=True)(path),
                                    path_column.op("~<~", is_comparison=True)(following), starts))


def require(action: str, target: Any = None, user: Any = None) -> None:
    """Abort with 403 when the role is missing, 404 when the object is outside the scope.

    404 rather than 403 for out-of-scope objects, so that ids cannot be probed.
    """
    user = _resolved(user or current_user)
    if can(user, action, target):
        return
    if target is not None and can(user, action):
        abort(404)
    abort(403)


def get_or_404(model: Any, object_id: int, action: str) -> Any:
    """The object `model` #object_id once the current user may do `action` to it: 404 when it
    does not exist or lies outside the user's scope, 403 when the role is missing."""
    from app.extensions import db

    target = db.get_or_404(model, object_id)
    require(action, target)
    return target
