"""Account services: passwords, login with an account lock strangers cannot hold, users and role grants."""
import gzip
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from app import audit
from app.auth.models import RoleGrant, User
from app.clock import aware, utcnow
from app.database import transactional
from app.errors import DomainError
from app.extensions import db
from app.org import services as org_services

if TYPE_CHECKING:
    from app.org.models import Staff

USER_FIELDS = ("username", "display_name", "email", "staff_id", "active", "locale")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


COMMON_PASSWORDS_FILE = Path(__file__).parent / "common-passwords.txt.gz"


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (the list Django maintains, from Royce Williams' 2017
    collection of leaked passwords; BSD licence), shipped with the project: no network needed."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().casefold() for line in lines if line.strip())


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why a new password is refused (too short or long, too common, the username), or None."""
    low = current_app.config["PASSWORD_MIN_LENGTH"]
    if not low <= len(password) <= 128:
        return _("Mật khẩu phải có từ %(min)d đến 128 ký tự.", min=low)
    folded = password.casefold()
    name = normalise_username(username)
    if folded in _common_passwords() or (len(name) >= 4 and name in folded):
        return _("Mật khẩu này quá phổ biến hoặc dễ đoán (có trong danh sách mật khẩu bị lộ, hoặc "
                 "chứa tên đăng nhập). Hãy chọn một cụm từ dài, khó đoán hơn.")
    return None


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()


def find_user(username: str | None) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


@dataclass
class LoginResult:
    user: User | None
    error: str | None  # None, "invalid" or "locked"


# Sent (inside the login's transaction) when an account becomes locked; the notifications
# feature tells the owner. Auth is below notifications in the layers, so it only announces.
account_locked = Namespace().signal("account-locked")


def _count_failure(user: User, now: datetime) -> bool:
    """One more failed login, counted in the database itself (no lost increments when many
    attempts arrive at once); True when this failure locked the account."""
    config = current_app.config
    failures = db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins).execution_options(synchronize_session=False)).scalar_one()
    if failures < config["LOGIN_ACCOUNT_LOCK_THRESHOLD"]:
        return False
    until = now + config["LOGIN_LOCKOUT"]
    locked = db.session.execute(
        update(User).where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(locked_until=until, failed_logins=0)
        .returning(User.id).execution_options(synchronize_session=False)).first()
    if locked is None:
        return False  # a concurrent attempt locked it first
    db.session.refresh(user)
    audit.record("auth.account_locked", user, actor=user, after={"failures": failures})
    account_locked.send(user, until=until)
    return True


@transactional
def authenticate(username: str | None, password: str, known_client: bool = False) -> LoginResult:
    """Check a login. A failure is counted on the account; past the threshold the account locks
    for a while. While locked, only the right password from a client the owner already used
    (`known_client`) gets in, and lifts the lock."""
    user = find_user(username)
    now = utcnow()
    if user is None:
        verify_password(_dummy_hash(), password)  # same cost whether or not the user exists
        audit.record("auth.login_failed", object_type="user_account",
                     after={"username": normalise_username(username)[:80]})
        return LoginResult(None, "invalid")
    locked = user.locked_until is not None and aware(user.locked_until) > now
    right = user.active and verify_password(user.password_hash, password)
    if locked and not (right and known_client):
        audit.record("auth.login_locked", user, actor=user)
        return LoginResult(None, "locked")
    if not right:
        locked = _count_failure(user, now)
        audit.record("auth.login_failed", user, actor=user, after={"locked": locked})
        return LoginResult(None, "locked" if locked else "invalid")
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the parameters changed since it was set
    if locked:
        audit.record("auth.account_unlocked", user, actor=user, after={"by": "known_client"})
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("auth.login", user, actor=user)
    return LoginResult(user, None)


@transactional
def unlock(user: User) -> None:
    """An administrator lifts an account lock (and the count of failures)."""
    if user.locked_until is None and not user.failed_logins:
        return
    user.locked_until = None
    user.failed_logins = 0
    audit.record("auth.account_unlocked", user, after={"by": "admin"})


_DUMMY_HASH: dict[Any, str] = {}


def _dummy_hash() -> str:
    key = current_app.config["ARGON2_MEMORY_COST"]
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password")
    return _DUMMY_HASH[key]


@transactional
def end_sessions(user: User, reason: str) -> None:
    """Invalidate every session cookie of the account (logout, password change, disabling)."""
    user.session_version += 1
    audit.record(f"auth.{reason}", user, actor=user if reason == "logout" else None)


@transactional
def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change one's own password; refused when the current password is wrong."""
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_("Mật khẩu hiện tại không đúng."))
    problem = password_problem(new_password, user.username)
    if problem:
        raise DomainError(problem)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    audit.record("auth.password_changed", user, actor=user)


@transactional
def create_user(username: str, display_name: str, password: str | None, email: str | None = None,
                staff: "Staff | None" = None, locale: str = "vi", password_hash: str | None = None) -> User:
    """Create an account; the username is stored in lower case.

    `password_hash` lets a bulk caller (the demo) hash one password once for many accounts.
    """
    user = User(
        username=normalise_username(username),
        display_name=display_name.strip(),
        email=(email or "").strip() or None,
        password_hash=password_hash or hash_password(password),  # type: ignore[arg-type]  # None only with a hash
        staff_id=staff.id if staff else None,
        locale=locale,
    )
    db.session.add(user)
    audit.record("user.created", user, after=audit.snapshot(user, USER_FIELDS))
    return user


@transactional
def reset_password(user: User, new_password: str) -> None:
    """Set a new password chosen by an administrator; ends the user's sessions."""
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record("user.password_reset", user)


@transactional
def set_active(user: User, active: bool) -> None:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    if user.active == active:
        return
    before = {"active": user.active}
    user.active = active
    if not active:
        user.session_version += 1
    audit.record("user.enabled" if active else "user.disabled", user, before=before,
                 after={"active": active})


@transactional
def set_locale(user: User, locale: str) -> None:
    user.locale = locale


@transactional
def grant_role(user: User, role: str, unit: Any, granted_by: User | None = None) -> RoleGrant:
    """Grant a role over a unit (and its descendants). Granting twice changes nothing."""
    unit_id = None if role == "sys_admin" else unit.id
    existing = db.session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role,
                                RoleGrant.unit_id.is_(None) if unit_id is None
                                else RoleGrant.unit_id == unit_id)
    )
    if existing is not None:
        return existing
    grant = RoleGrant(user=user, role=role, unit_id=unit_id,
                      granted_by_id=granted_by.id if granted_by else None)
    db.session.add(grant)
    audit.record("role.granted", grant, after={"user": user.username, "role": role,
                                               "unit": unit.code if unit_id else None})
    return grant


@transactional
def revoke_role(grant: RoleGrant) -> None:
    """Remove a role grant."""
    user = grant.user
    audit.record("role.revoked", grant, before={"user": user.username, "role": grant.role,
                                                "unit": grant.unit.code if grant.unit else None})
    user.grants.remove(grant)


def is_last_sys_admin_grant(grant: RoleGrant) -> bool:
    """True for the only sys_admin grant held by an active account (it must not be removed)."""
    if grant.role != "sys_admin":
        return False
    others = db.session.scalar(
        select(func.count(RoleGrant.id)).join(User, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == "sys_admin", User.active.is_(True), RoleGrant.id != grant.id)
    )
    return others == 0


@org_services.history_hook("merge")
def move_grants(old: Any, new: Any, day: Any, note: str) -> dict[str, int]:
    """A merge: the roles granted on the old unit move to the unit that takes it over (a grant
    the user already holds there is not doubled). Two statements, whatever the number."""
    held = aliased(RoleGrant)
    doubled = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        delete(RoleGrant).where(RoleGrant.unit_id == old.id, exists().where(
            held.unit_id == new.id, held.user_id == RoleGrant.user_id, held.role == RoleGrant.role))
        .execution_options(synchronize_session=False)).rowcount
    moved = db.session.execute(  # type: ignore[attr-defined]  # DML: CursorResult
        update(RoleGrant).where(RoleGrant.unit_id == old.id).values(unit_id=new.id)
        .execution_options(synchronize_session=False)).rowcount
    return {"grants": moved + doubled}
