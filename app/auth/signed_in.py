"""The signed-in account as plain values: what every page reads of `current_user`, built from one
row per grant instead of five kinds of ORM objects on every request.

`SignedIn` has the account's columns that pages, permissions and the menu read (id, username,
display_name, staff_id, active, locale, session_version), `roles`, `is_sys_admin`, the unread
count, `staff` (with its unit) and `grants` (each with its unit). Anything else is read from the
ORM entity behind the value (`.account` for the user), loaded on first need — once per request,
through the session's identity map. The values are read-only: a service that changes the account
takes `current_user.account`, so a write can never land on a copy and be lost.
"""
from typing import Any, ClassVar

from flask_login import UserMixin

from app.auth.models import ROLES, RoleGrant, User
from app.extensions import db
from app.org.models import Staff, Unit


class _Values:
    """Plain values read with the user, the ORM entity behind them loaded when something else is
    asked for."""

    __slots__ = ()
    model: ClassVar[Any]
    id: int

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def entity(self) -> Any:
        """The ORM object behind these values (the session's, loaded once per request)."""
        return db.session.get(self.model, self.id)

    def __getattr__(self, name: str) -> Any:
        # Only for names that are not among the values.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.entity, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; change .entity instead")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


class UnitValues(_Values):
    """A unit of the signed-in user's (their staff record's, a grant's)."""

    __slots__ = ("id", "code", "name", "path", "parent_id")
    model = Unit
    path: str

    def is_within(self, other: Any) -> bool:
        """True when this unit is `other` or one of its descendants (as `Unit.is_within`)."""
        return bool(other.path) and self.path.startswith(other.path)


class StaffValues(_Values):
    """The signed-in user's staff record."""

    __slots__ = ("id", "unit_id", "front_desk", "position", "unit")
    model = Staff


class GrantValues(_Values):
    """One of the signed-in user's role grants."""

    __slots__ = ("id", "role", "unit_id", "unit")
    model = RoleGrant
    role: str

    @property
    def role_label(self) -> Any:
        return ROLES.get(self.role, self.role)


class SignedIn(UserMixin, _Values):
    """The signed-in account (Flask-Login's `current_user`)."""

    __slots__ = ("id", "username", "display_name", "staff_id", "active", "locale", "session_version",
                 "unread_notifications", "staff", "grants", "roles", "is_sys_admin")
    model = User
    session_version: int
    active: bool
    grants: tuple[GrantValues, ...]

    @property
    def account(self) -> User:
        """The ORM account, for a service that changes it or reads a column not kept here."""
        return self.entity

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @classmethod
    def from_rows(cls, rows: list[Any]) -> "SignedIn":
        """From the rows of `columns()` (one per grant, or one without a grant), read by position
        in `columns()`' order (a row's lookup by name cost as much as building the values); a unit
        met twice (the staff record's and its grant's) is one value."""
        first = rows[0]
        units: dict[int, UnitValues] = {}

        def unit(unit_id: Any, code: Any, name: Any, path: Any, parent_id: Any) -> UnitValues | None:
            if unit_id is None:
                return None
            found = units.get(unit_id)
            if found is None:
                found = units[unit_id] = UnitValues(id=unit_id, code=code, name=name, path=path,
                                                    parent_id=parent_id)
            return found

        user_id, username, display_name, staff_id, active, locale, session_version = first[:7]
        staff = None
        if staff_id is not None:
            unit_id, front_desk, position = first[7:10]
            staff = StaffValues(id=staff_id, unit_id=unit_id, front_desk=front_desk, position=position,
                                unit=unit(*first[10:15]))
        grants = []
        for row in rows:
            grant_id, role, grant_unit_id = row[15:18]
            if grant_id is not None:
                grants.append(GrantValues(id=grant_id, role=role, unit_id=grant_unit_id,
                                          unit=unit(*row[18:23])))
        roles = frozenset(grant.role for grant in grants)
        return cls(id=user_id, username=username, display_name=display_name, staff_id=staff_id,
                   active=active, locale=locale, session_version=session_version,
                   unread_notifications=first.unread, staff=staff, grants=tuple(grants), roles=roles,
                   is_sys_admin="sys_admin" in roles)


def columns() -> tuple[list[Any], Any]:
    """(the columns `SignedIn.from_rows` reads, in the order it reads them, the FROM clause): the
    account, its staff record and unit, its grants with their units, ordered by grant as
    `User.grants` is."""
    user, staff, grant = User.__table__, Staff.__table__, RoleGrant.__table__
    staff_unit, grant_unit = Unit.__table__.alias("su"), Unit.__table__.alias("gu")
    cols = [user.c.id, user.c.username, user.c.display_name, user.c.staff_id, user.c.active, user.c.locale,
            user.c.session_version,
            staff.c.unit_id.label("s_unit_id"), staff.c.front_desk.label("s_front_desk"),
            staff.c.position.label("s_position"),
            staff_unit.c.id.label("su_id"), staff_unit.c.code.label("su_code"),
            staff_unit.c.name.label("su_name"), staff_unit.c.path.label("su_path"),
            staff_unit.c.parent_id.label("su_parent_id"),
            grant.c.id.label("g_id"), grant.c.role.label("g_role"), grant.c.unit_id.label("g_unit_id"),
            grant_unit.c.id.label("gu_id"), grant_unit.c.code.label("gu_code"),
            grant_unit.c.name.label("gu_name"), grant_unit.c.path.label("gu_path"),
            grant_unit.c.parent_id.label("gu_parent_id")]
    joined = (user.outerjoin(staff, staff.c.id == user.c.staff_id)
              .outerjoin(staff_unit, staff_unit.c.id == staff.c.unit_id)
              .outerjoin(grant, grant.c.user_id == user.c.id)
              .outerjoin(grant_unit, grant_unit.c.id == grant.c.unit_id))
    return cols, joined
