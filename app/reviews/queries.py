"""Reads for the review case pages."""
from sqlalchemy import select

from app.auth.permissions import scope_filter
from app.database import paginate
from app.extensions import db
from app.org.models import Staff, Unit
from app.reviews.models import ReviewCase


def _scoped(user):
    return (select(ReviewCase).join(Unit, Unit.id == ReviewCase.unit_id)
            .join(Staff, Staff.id == ReviewCase.staff_id)
            .where(scope_filter(user, "review.manage"))
            .order_by(ReviewCase.year.desc(), Staff.full_name))


def cases_page(user, status=""):
    query = _scoped(user)
    if status:
        query = query.where(ReviewCase.status == status)
    return paginate(query)


def all_cases(user):
    """Every case in scope, for exports."""
    return db.session.scalars(_scoped(user)).all()


def cases_of(staff_id):
    return db.session.scalars(select(ReviewCase).where(ReviewCase.staff_id == staff_id)
                              .order_by(ReviewCase.year.desc())).all()
