"""The append-only audit trail: who did what to which object, before and after."""
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.extensions import db


class AuditEvent(db.Model):
    """One change or security event. Rows are never updated or deleted."""

    __tablename__ = "audit_event"

    id = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), index=True)
    actor_label = db.Column(db.String(120), nullable=False)
    action = db.Column(db.String(64), nullable=False, index=True)
    object_type = db.Column(db.String(40), index=True)
    object_id = db.Column(db.String(64))
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)

    actor = db.relationship("User", lazy="joined")


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    # The database refuses too (triggers in the migration); this catches it earlier, in Python.
    for obj in chain(session.dirty, session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("The audit trail is append-only.")


def _json_safe(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of obj as a JSON-safe dict, for before/after."""
    return {name: _json_safe(getattr(obj, name)) for name in fields}


def act_as_system(label: str) -> None:
    """Attribute audit rows of this app context to a non-user actor (a command, a job)."""
    g.audit_actor_label = label


def _current_actor() -> tuple[int | None, str]:
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.username
    return None, g.get("audit_actor_label", "system")


def record(action: str, obj: Any = None, *, object_type: str | None = None,
           object_id: int | str | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, actor: Any = None) -> AuditEvent:
    """Add an audit row to the current transaction (it commits or rolls back with the change)."""
    if actor is not None:
        actor_id, actor_label = actor.id, actor.username
    else:
        actor_id, actor_label = _current_actor()
    if obj is not None:
        if obj.id is None:
            db.session.flush()  # a new object needs its id before it can be referred to
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event_row = AuditEvent(
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_json_safe(before),
        after=_json_safe(after),
    )
    db.session.add(event_row)
    return event_row
