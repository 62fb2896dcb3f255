"""Reads for the review case pages."""
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from app import clock
from app.database import paginate
from app.extensions import db
from app.org.models import Staff, Unit
from app.permissions import scope_filter
from app.reviews.models import CASE_STATUSES, DECISIONS, MEASURES, ReviewCase

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


def download_header() -> tuple[str, ...]:
    """The headers of the review case downloads, in the reader's language."""
    return (_("Mã cán bộ"), _("Họ và tên"), _("Mã đơn vị"), _("Đơn vị"), _("Năm"), _("Năm trước"),
            _("Trạng thái"), _("Biện pháp đề xuất"), _("Quyết định"), _("Ngày mở"))


def download_rows(user: "User") -> list[tuple[Any, ...]]:
    """The cases in the user's scope with names and words instead of codes (one query)."""
    query = (select(Staff.code, Staff.full_name, Unit.code, Unit.name, ReviewCase.year,
                    ReviewCase.previous_year, ReviewCase.status, ReviewCase.proposed_measure,
                    ReviewCase.decision, ReviewCase.created_at)
             .join(Staff, Staff.id == ReviewCase.staff_id).join(Unit, Unit.id == ReviewCase.unit_id)
             .where(scope_filter(user, "review.manage", Unit.path))
             .order_by(ReviewCase.year, Staff.full_name, Staff.code))
    return [(code, name, unit_code, unit_name, year, previous, str(CASE_STATUSES.get(status, status)),
             str(MEASURES.get(measure, measure)), str(DECISIONS[decision]) if decision else "",
             clock.local_date(created))
            for code, name, unit_code, unit_name, year, previous, status, measure, decision, created
            in db.session.execute(query)]


def cases_of(staff_id: int) -> Sequence[ReviewCase]:
    return db.session.scalars(select(ReviewCase).where(ReviewCase.staff_id == staff_id)
                              .order_by(ReviewCase.year.desc())).all()
