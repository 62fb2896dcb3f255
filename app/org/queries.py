"""Reads for the organisation pages: scoped, paginated, a bounded number of queries each."""
import calendar
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select

from app import clock
from app.database import folded_match, lookup, paginate
from app.extensions import db
from app.org.models import DisciplinaryDecision, LeaveRecord, Staff, StaffAssignment, Unit, UnitName
from app.permissions import scope_filter, scope_paths


def top_units(user: Any) -> Pagination:
    """The highest units the user may browse: the roots, or the units of their grants."""
    paths = scope_paths(user, "org.view")
    query = select(Unit).order_by(Unit.name)
    if paths is None:
        query = query.where(Unit.parent_id.is_(None))
    else:
        # Leave out a granted unit that already sits inside another granted unit.
        tops = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
        query = query.where(Unit.path.in_(tops or [""]))
    return paginate(query)


def search_units(user: Any, q: str) -> Pagination:
    """Units within the user's scope whose code or name matches, with or without accents."""
    return paginate(select(Unit).where(scope_filter(user, "org.view", Unit.path),
                                       folded_match(Unit.search, q))
                    .order_by(Unit.retired_on.is_not(None), Unit.name))


def unit_names(unit: Unit) -> Sequence[UnitName]:
    """The names a unit has borne, oldest first (empty when it was never renamed)."""
    return db.session.scalars(select(UnitName).where(UnitName.unit_id == unit.id)
                              .order_by(UnitName.valid_from)).all()


def merged_into(unit: Unit) -> Sequence[Unit]:
    """The units merged into this one."""
    return db.session.scalars(select(Unit).where(Unit.successor_id == unit.id)
                              .order_by(Unit.retired_on, Unit.name)).all()


def child_units(unit: Unit) -> Pagination:
    return paginate(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name))


def unit_staff(unit: Unit) -> Pagination:
    return paginate(select(Staff).where(Staff.unit_id == unit.id, Staff.active.is_(True))
                     .order_by(Staff.is_head.desc(), Staff.full_name))


def ancestors(unit: Unit) -> list[Unit]:
    """The units above `unit`, root first (one query)."""
    ids = unit.ancestor_ids[:-1]
    if not ids:
        return []
    by_id = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def subtree_counts(units: Iterable[Unit]) -> tuple[dict[int, int], dict[int, int]]:
    """Staff and child-unit counts for a page of units (two grouped queries)."""
    ids = [u.id for u in units]
    if not ids:
        return {}, {}
    staff = dict(db.session.execute(
        select(Staff.unit_id, func.count(Staff.id))
        .where(Staff.unit_id.in_(ids), Staff.active.is_(True)).group_by(Staff.unit_id)).tuples().all())
    children = dict(db.session.execute(
        select(Unit.parent_id, func.count(Unit.id)).where(Unit.parent_id.in_(ids))
        .group_by(Unit.parent_id)).tuples().all())
    return staff, children


def search_staff(user: Any, q: str = "", category: str = "", status: str = "active") -> Pagination:
    """Staff within the user's scope matching a name or code."""
    query = (select(Staff).join(Staff.unit).where(scope_filter(user, "org.view", Unit.path))
             .order_by(Staff.full_name, Staff.code))
    if q:
        query = query.where(folded_match(Staff.search, q))
    if category:
        query = query.where(Staff.category == category)
    if status == "active":
        query = query.where(Staff.active.is_(True))
    elif status == "inactive":
        query = query.where(Staff.active.is_(False))
    return paginate(query)


def staff_history(staff: Staff) -> tuple[Sequence[StaffAssignment], Sequence[DisciplinaryDecision],
                                        Sequence[LeaveRecord]]:
    """Assignments, disciplinary decisions and leave of one staff member (three queries)."""
    assignments = db.session.scalars(
        select(StaffAssignment).where(StaffAssignment.staff_id == staff.id)
        .order_by(StaffAssignment.start_date.desc())).all()
    decisions = db.session.scalars(
        select(DisciplinaryDecision).where(DisciplinaryDecision.staff_id == staff.id)
        .order_by(DisciplinaryDecision.decision_date.desc())).all()
    leave = db.session.scalars(
        select(LeaveRecord).where(LeaveRecord.staff_id == staff.id)
        .order_by(LeaveRecord.start_date.desc())).all()
    _names_of_the_time(assignments)
    return assignments, decisions, leave


def _names_of_the_time(assignments: Sequence[StaffAssignment]) -> None:
    """Each assignment shows its unit under the name it bore at the assignment's end (one query)."""
    names: defaultdict[int, list[tuple[date, str]]] = defaultdict(list)
    for unit_id, valid_from, name in db.session.execute(
            select(UnitName.unit_id, UnitName.valid_from, UnitName.name)
            .where(UnitName.unit_id.in_({a.unit_id for a in assignments}))
            .order_by(UnitName.valid_from)).tuples():
        names[unit_id].append((valid_from, name))
    today = clock.today()
    for assignment in assignments:
        day = min(assignment.end_date or today, today)
        then = [name for valid_from, name in names[assignment.unit_id] if valid_from <= day]
        assignment.name_then = then[-1] if then else None


def unit_on(day: date) -> Any:
    """SQL (correlated with Staff): the unit of a staff member on `day` from the assignment
    history; before the history starts, the current unit. One rule for every batch that files
    something under a unit: a month under the unit of its last day, a year under 31 December."""
    found = (select(StaffAssignment.unit_id)
             .where(StaffAssignment.staff_id == Staff.id, StaffAssignment.start_date <= day,
                    or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= day))
             .order_by(StaffAssignment.start_date.desc()).limit(1)
             .correlate(Staff).scalar_subquery())
    return func.coalesce(found, Staff.unit_id)


def unit_id_in_month(staff_id: int, year: int, month: int) -> int | None:
    """The unit a staff member belonged to in a month: the latest assignment touching it."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return db.session.scalar(
        select(StaffAssignment.unit_id)
        .where(StaffAssignment.staff_id == staff_id, StaffAssignment.start_date <= last,
               or_(StaffAssignment.end_date.is_(None), StaffAssignment.end_date >= first))
        .order_by(StaffAssignment.start_date.desc()).limit(1)
    )


# units_in_months() as one SQL expression, for INSERT … SELECT: the unit of the staff row aliased
# {staff} in the month {first}..{last} (SQL expressions): the latest assignment overlapping it,
# else the current unit.
UNIT_IN_MONTH = ("COALESCE((SELECT a.unit_id FROM staff_assignment a WHERE a.staff_id = {staff}.id"
                 " AND a.start_date <= {last} AND (a.end_date IS NULL OR a.end_date >= {first})"
                 " ORDER BY a.start_date DESC LIMIT 1), {staff}.unit_id)")


def units_in_months(staff_ids: Collection[int], months: Iterable[date]) -> dict[tuple[int, date], int]:
    """{(staff id, first day of month): unit id} from the assignment history (two queries).

    A month with no assignment (before the history starts) falls back to the current unit.
    """
    history: defaultdict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    rows = lookup(select(StaffAssignment.staff_id, StaffAssignment.unit_id,
                         StaffAssignment.start_date, StaffAssignment.end_date)
                  .order_by(StaffAssignment.start_date), StaffAssignment.staff_id, staff_ids)
    for staff_id, unit_id, start, end in rows:
        history[staff_id].append((unit_id, start, end))
    current = dict(lookup(select(Staff.id, Staff.unit_id), Staff.id, staff_ids))
    found: dict[tuple[int, date], int] = {}
    for staff_id in staff_ids:
        for month in months:
            last = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
            unit_id = current[staff_id]
            for assigned, start, end in history[staff_id]:
                if start <= last and (end is None or end >= month):
                    unit_id = assigned
            found[(staff_id, month)] = unit_id
    return found


def find_unit(code: str | None) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == (code or "").strip()))
