"""Reads for the review case pages."""
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from app.database import paginate
from app.extensions import db
from app.org.models import Staff, Unit
from app.permissions import scope_filter
from app.reviews.models import ReviewCase

if TYPE_CHECKING:
    from app.auth.models import User


def _scoped(user: "User") -> Select[tuple[ReviewCase]]:
    return (select(ReviewCase).join(Unit, Unit.id == ReviewCase.unit_id)
            .join(Staff, Staff.id == ReviewCase.staff_id)
            .where(scope_filter(user, "review.manage", Unit.path))
            .order_by(ReviewCase.year.desc(), Staff.full_name))


def cases_page(user: "User", status: str = "") -> Pagination:
    query = _scoped(user)
    if status:
        query = query.where(ReviewCase.status == status)
    return paginate(query)


EXPORT_HEADER = ("staff_code", "year", "previous_year", "status", "proposed_measure")


def export_rows(user: "User | None" = None) -> list[tuple[Any, ...]]:
    """`staff_code,year,previous_year,status,proposed_measure` for every case (in the user's
    scope when given), for the command line and the downloads (SPEC §9)."""
    query = (select(Staff.code, ReviewCase.year, ReviewCase.previous_year, ReviewCase.status,
                    ReviewCase.proposed_measure).join(Staff, Staff.id == ReviewCase.staff_id)
             .order_by(ReviewCase.year, Staff.code))
    if user is not None:
        query = query.join(Unit, Unit.id == ReviewCase.unit_id).where(
            scope_filter(user, "review.manage", Unit.path))
    return [tuple(row) for row in db.session.execute(query)]


def cases_of(staff_id: int) -> Sequence[ReviewCase]:
    return db.session.scalars(select(ReviewCase).where(ReviewCase.staff_id == staff_id)
                              .order_by(ReviewCase.year.desc())).all()
