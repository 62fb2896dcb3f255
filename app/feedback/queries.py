"""Reads for the staff side of citizen feedback."""
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, func, select

from app.database import paginate
from app.extensions import db
from app.feedback.models import Complaint, FeedbackTarget, KioskDevice, Rating, SatisfactionMonthly
from app.org.models import Staff, Unit
from app.permissions import scope_filter

if TYPE_CHECKING:
    from app.auth.models import User


def ratings_of_staff(staff_id: int, period: str) -> Pagination:
    return paginate(select(Rating).where(Rating.staff_id == staff_id, Rating.period == period)
                     .order_by(Rating.id.desc()))


def ratings_of_unit(unit_id: int, period: str) -> Pagination:
    return paginate(select(Rating).where(Rating.unit_id == unit_id, Rating.period == period)
                     .order_by(Rating.id.desc()))


def unit_officials(unit_id: int) -> Sequence[Staff]:
    """The front-desk staff of a unit (one query)."""
    return db.session.scalars(select(Staff).where(Staff.unit_id == unit_id, Staff.front_desk.is_(True),
                                                  Staff.active.is_(True)).order_by(Staff.full_name)).all()


def complaints_page(user: "User", status: str = "") -> Pagination:
    query = (select(Complaint).join(Unit, Unit.id == Complaint.unit_id)
             .where(scope_filter(user, "feedback.view", Unit.path)).order_by(Complaint.id.desc()))
    if status:
        query = query.where(Complaint.status == status)
    return paginate(query)


def targets_of_unit(unit_id: int) -> dict[int | None, FeedbackTarget]:
    """Active targets of a unit: {staff id or None (the desk): target}."""
    return {t.staff_id: t for t in db.session.scalars(
        select(FeedbackTarget).where(FeedbackTarget.unit_id == unit_id, FeedbackTarget.active.is_(True)))}


def front_desk_units(user: "User") -> Pagination:
    """Units in scope with front-desk staff, or one-stop centres (for the QR page)."""
    has_desk_staff = select(Staff.unit_id).where(Staff.front_desk.is_(True), Staff.active.is_(True))
    return paginate(select(Unit).where(scope_filter(user, "feedback.manage", Unit.path),
                                        (Unit.kind == "one_stop_centre") | Unit.id.in_(has_desk_staff))
                     .order_by(Unit.name))


def _unit_rollup(column: Any, first: str, last: str, path: str | None) -> Sequence[Row[Any]]:
    query = (select(column, func.sum(SatisfactionMonthly.positive), func.sum(SatisfactionMonthly.total))
             .where(SatisfactionMonthly.scope == "unit", SatisfactionMonthly.period.between(first, last)))
    if path:
        query = query.join(Unit, Unit.id == SatisfactionMonthly.key_id).where(
            Unit.path.startswith(path, autoescape=True))
    return db.session.execute(query.group_by(column)).all()


def satisfaction_by_month(first: str, last: str, path: str | None) -> Sequence[Row[Any]]:
    """(period, positive, ratings) of a subtree's desks from the monthly roll-up (one query)."""
    return _unit_rollup(SatisfactionMonthly.period, first, last, path)


def satisfaction_by_unit(first: str, last: str, path: str | None) -> Sequence[Row[Any]]:
    """(unit id, positive, ratings) per unit of a subtree over first..last (one query)."""
    return _unit_rollup(SatisfactionMonthly.key_id, first, last, path)


def staff_satisfaction(staff_id: int, first: str, last: str) -> Sequence[Row[Any]]:
    """(period, positive, ratings) of one official per month, from the roll-up: counts only,
    never who rated (one query)."""
    return db.session.execute(
        select(SatisfactionMonthly.period, SatisfactionMonthly.positive, SatisfactionMonthly.total)
        .where(SatisfactionMonthly.scope == "staff", SatisfactionMonthly.key_id == staff_id,
               SatisfactionMonthly.period.between(first, last))
        .order_by(SatisfactionMonthly.period)).all()


def kiosks_of_units(unit_ids: list[int]) -> dict[int, list[KioskDevice]]:
    """Active kiosk devices of the listed units: {target id: devices} (one query)."""
    found: dict[int, list[KioskDevice]] = {}
    if unit_ids:
        for device in db.session.scalars(select(KioskDevice).where(
                KioskDevice.unit_id.in_(unit_ids), KioskDevice.active.is_(True)).order_by(KioskDevice.id)):
            found.setdefault(device.target_id, []).append(device)
    return found
