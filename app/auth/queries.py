"""Reads about accounts for pages of other packages: who can be on an inspection team."""
from typing import Any

from sqlalchemy import or_, select

from app.auth.models import RoleGrant, User
from app.database import folded_match
from app.extensions import db
from app.org.models import Unit
from app.permissions import scope_paths


def inspectors(user: Any, limit: int = 500, term: str = "") -> list[User]:
    """Active accounts holding the inspector role over a unit inside or above the user's own
    inspection scope: the people who can be on the user's team (matching `term`, if given,
    with or without accents)."""
    paths = scope_paths(user, "inspection.run")
    query = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
             .outerjoin(Unit, Unit.id == RoleGrant.unit_id)
             .where(RoleGrant.role == "inspector", User.active.is_(True))
             .order_by(User.display_name, User.id).distinct().limit(limit))
    if term:
        query = query.where(folded_match(User.search, term))
    if paths is not None:
        if not paths:
            return []
        above = {int(part) for path in paths for part in path.strip("/").split("/") if part.isdigit()}
        query = query.where(or_(RoleGrant.unit_id.is_(None), Unit.id.in_(above),
                                *(Unit.path.startswith(path, autoescape=True) for path in paths)))
    return list(db.session.scalars(query))
