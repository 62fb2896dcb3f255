"""The pickers' search: units, staff and inspectors matching what was typed (with or without
accents), only within the scope the user has for the action the form is for. JSON for the
progressive-enhancement widget (static/js/picker.js); a form works without it as a plain field."""
from typing import Any

from sqlalchemy import select

from app.auth.queries import inspectors
from app.database import folded_match
from app.extensions import db
from app.org.models import Staff, Unit
from app.permissions import scope_filter

LIMIT = 20
# The actions a picker may be scoped by; anything else is the kind's default.
ACTIONS = {
    "units": ("org.view", "org.edit", "inspection.run", "report.raise", "user.admin", "tasks.products"),
    "staff": ("org.view", "org.edit", "report.raise", "user.admin"),
    "inspectors": ("inspection.run",),
}


def search(user: Any, kind: str, term: str, action: str | None) -> list[dict[str, str]]:
    """[{value, label}] — at most LIMIT, best first (code match, then name order)."""
    action = action if action in ACTIONS[kind] else ACTIONS[kind][0]
    term = (term or "").strip()[:100]
    if not term:
        return []
    if kind == "units":
        units = db.session.scalars(
            select(Unit).where(scope_filter(user, action, Unit.path), folded_match(Unit.search, term))
            .order_by(Unit.code != term.upper(), Unit.name).limit(LIMIT))
        return [{"value": u.code, "label": f"{u.code} — {u.name}"} for u in units]
    if kind == "staff":
        rows = db.session.execute(
            select(Staff.code, Staff.full_name, Unit.name).join(Unit, Unit.id == Staff.unit_id)
            .where(scope_filter(user, action, Unit.path), Staff.active.is_(True),
                   folded_match(Staff.search, term))
            .order_by(Staff.code != term.upper(), Staff.full_name).limit(LIMIT))
        return [{"value": code, "label": f"{code} — {name} ({unit})"} for code, name, unit in rows]
    return [{"value": u.username, "label": f"{u.display_name} ({u.username})"}
            for u in inspectors(user, LIMIT, term)]
