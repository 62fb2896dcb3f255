"""Ledger reads: the set-based T1–T3 computation of SPEC §2a (one aggregate statement for a
whole month), the task board, one's own tasks, the catalogue and the tokens."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from app.database import paginate
from app.evaluation.models import FrameworkCriterion, Policy
from app.evaluation.services import framework_for_staff, frameworks_in_force, policy_in_force
from app.extensions import db
from app.org.models import Staff, Unit
from app.periods import month_end, parse_period
from app.tasks.models import COEFFICIENT_SCALE, IntegrationToken, Product, Task

RATIO_OF = {"T1": "quantity", "T2": "quality", "T3": "progress"}
HUNDREDTH, TENTH = Decimal("0.01"), Decimal("0.1")
RESULT_COLUMNS = [
    "staff_code",
    "period",
    "assigned",
    "quantity_pct",
    "quality_pct",
    "progress_pct",
    "t1",
    "t2",
    "t3",
]


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up to a whole number, in integers (exact, and fast
    enough for 200,000 people)."""
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def _number(value: Decimal) -> str:
    """A converted quantity for a sentence: one decimal at least, more only when needed."""
    text = format(value.normalize(), "f")
    return text if "." in text and len(text.split(".")[1]) >= 1 else f"{value:.1f}"


@dataclass
class LedgerResult:
    """One person's sums for a month, in whole thousandths (weights) and millionths (weights ×
    deduction factors): exact on every database."""

    staff_id: int
    staff_code: str
    unit_id: int
    is_head: bool
    assigned_m: int = 0
    accepted_m: int = 0
    quality_u: int = 0
    progress_u: int = 0
    returns: int = 0
    late: int = 0
    tasks: int = 0

    def add(self, other: "LedgerResult") -> None:
        for name in ("assigned_m", "accepted_m", "quality_u", "progress_u", "returns", "late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def assigned(self) -> Decimal:
        return Decimal(self.assigned_m) / COEFFICIENT_SCALE

    @property
    def accepted(self) -> Decimal:
        return Decimal(self.accepted_m) / COEFFICIENT_SCALE

    def ratio(self, kind: str) -> tuple[int, int]:
        """quantity, quality or progress as (numerator, denominator), clamped to 0..1."""
        if kind == "quantity":
            numerator, denominator = self.accepted_m, self.assigned_m
        else:
            numerator = self.quality_u if kind == "quality" else self.progress_u
            denominator = self.assigned_m * COEFFICIENT_SCALE
        return max(0, min(numerator, denominator)), denominator

    def pct(self, kind: str) -> Decimal:
        """The ratio in per cent, rounded half up to two decimals."""
        numerator, denominator = self.ratio(kind)
        return (Decimal(_half_up(numerator * 10000, denominator)) / 100).quantize(HUNDREDTH)

    def suggestion(self, code: str, max_score: Decimal) -> Decimal:
        """The suggested score of T1, T2 or T3: ratio × maximum, rounded half up to a tenth."""
        numerator, denominator = self.ratio(RATIO_OF[code])
        tenths = int(max_score * 10)
        return (Decimal(_half_up(numerator * tenths, denominator)) / 10).quantize(TENTH)

    def explanation(self) -> str:
        return _(
            "%(assigned)s sản phẩm quy đổi được giao, %(accepted)s đã nghiệm thu, "
            "%(returns)d lần bị trả lại, %(late)d lần trễ hạn (không kể các lần được miễn trừ).",
            assigned=_number(self.assigned),
            accepted=_number(self.accepted),
            returns=self.returns,
            late=self.late,
        )


def _factor(count: ColumnElement[Any], deduction_m: int) -> ColumnElement[Any]:
    """max(0, 1 − deduction × count), in thousandths, as SQL."""
    value = literal(COEFFICIENT_SCALE) - literal(deduction_m) * count
    return case((value > 0, value), else_=0)


def _ledger_select(start: date, policy: Policy, end: date | None = None) -> Select[Any]:
    """The month's sums per assignee, one row per person with any task due in the month (or in
    start..end)."""
    end = end or month_end(start)
    weight = type_coerce(Task.coefficient, Integer) * Task.quantity
    counted = Task.status != "cancelled"
    accepted = Task.status == "accepted"
    returns = Task.returns - Task.exempt_returns
    late = Task.late - Task.exempt_late
    quality_m = int(Decimal(policy.quality_deduction) * COEFFICIENT_SCALE)
    progress_m = int(Decimal(policy.progress_deduction) * COEFFICIENT_SCALE)
    return (
        select(
            Task.staff_id,
            Staff.code,
            Staff.unit_id,
            Staff.is_head,
            func.sum(case((counted, weight), else_=0)).label("assigned_m"),
            func.sum(case((accepted, weight), else_=0)).label("accepted_m"),
            func.sum(case((accepted, weight * _factor(returns, quality_m)), else_=0)).label("quality_u"),
            func.sum(case((accepted, weight * _factor(late, progress_m)), else_=0)).label("progress_u"),
            func.sum(case((counted, returns), else_=0)),
            func.sum(case((counted, late), else_=0)),
            func.count(Task.id),
        )
        .join(Staff, Staff.id == Task.staff_id)
        .where(Task.due_on >= start, Task.due_on <= end)
        .group_by(Task.staff_id, Staff.code, Staff.unit_id, Staff.is_head)
    )


def _results(rows: Iterable[Row[Any]]) -> dict[int, LedgerResult]:
    return {
        row[0]: LedgerResult(row[0], row[1], row[2], bool(row[3]), *(int(value or 0) for value in row[4:]))
        for row in rows
    }


def _with_units(own: dict[int, LedgerResult], heads: dict[int, int]) -> dict[int, LedgerResult]:
    """Each head's result plus the tasks of the non-heads of the unit they lead (SPEC §2a)."""
    by_unit: dict[int, list[LedgerResult]] = {}
    for result in own.values():
        if not result.is_head:
            by_unit.setdefault(result.unit_id, []).append(result)
    combined = dict(own)
    for staff_id, unit_id in heads.items():
        members = by_unit.get(unit_id, [])
        if not members:
            continue
        base = own.get(staff_id)
        total = LedgerResult(
            staff_id, base.staff_code if base else "", unit_id, True, tasks=base.tasks if base else 0
        )
        if base is not None:
            total.add(base)
        for member in members:
            if member.staff_id != staff_id:
                total.add(member)
        combined[staff_id] = total
    return combined


def results_for_people(
    start: date,
    staff_ids: set[int],
    head_unit_ids: set[int],
    policy: Policy,
    heads: dict[int, int] | None = None,
) -> dict[int, LedgerResult]:
    """The month's results of some people (heads with their units when the policy says so), in
    one statement."""
    include_units = bool(policy.head_includes_unit and head_unit_ids)
    condition = Task.staff_id.in_(staff_ids)
    if include_units:
        condition = or_(condition, and_(Staff.unit_id.in_(head_unit_ids), Staff.is_head.is_(False)))
    own = _results(db.session.execute(_ledger_select(start, policy).where(condition)))
    if not include_units:
        return {k: v for k, v in own.items() if k in staff_ids}
    combined = _with_units(own, heads or {})
    return {k: v for k, v in combined.items() if k in staff_ids}


RESULT_SUMS = ("assigned_m", "accepted_m", "quality_u", "progress_u")
RESULT_CHUNK = 2000  # lines of `tasks results` per piece of text handed to the output


def month_results_csv(code: str) -> Iterator[str]:
    """`tasks results` for the month: the header, then the lines in pieces of RESULT_CHUNK,
    streamed from one statement (a head's sums with their unit's non-heads, when the policy
    says so, and the T1–T3 maxima of each person's framework, all computed by the database):
    memory does not grow with the number of people."""
    start = parse_period(code)
    policy = policy_in_force(start)
    own = _ledger_select(start, policy).subquery("own")
    members = (select(own.c.unit_id, *(func.sum(own.c[name]).label(name) for name in RESULT_SUMS))
               .where(own.c.is_head.is_(False)).group_by(own.c.unit_id).subquery("members"))
    with_unit = own.c.is_head if policy.head_includes_unit else false()
    in_force = frameworks_in_force(start)
    tops = (
        select(FrameworkCriterion.framework_id,
               # in whole tenths, as stored: formatted below without Decimal objects
               *(type_coerce(func.max(case((FrameworkCriterion.code == criterion,
                                            FrameworkCriterion.max_score))), Integer)
                 .label(criterion) for criterion in RATIO_OF))
        .where(FrameworkCriterion.code.in_(RATIO_OF), FrameworkCriterion.auto_source == "tasks")
        .group_by(FrameworkCriterion.framework_id).subquery("tops")
    )
    query = (
        select(own.c.staff_id, own.c.code, own.c.unit_id, own.c.is_head,
               *((own.c[name] + case((with_unit, func.coalesce(members.c[name], 0)), else_=0)).label(name)
                 for name in RESULT_SUMS),
               *(tops.c[criterion] for criterion in RATIO_OF))
        .join(Staff, Staff.id == own.c.staff_id)
        .outerjoin(members, members.c.unit_id == own.c.unit_id)
        .outerjoin(in_force, and_(in_force.c.category == Staff.category,
                                  in_force.c.for_heads == Staff.is_head))
        .outerjoin(tops, tops.c.framework_id == in_force.c.framework_id)
        .order_by(own.c.code)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    # Core rows on the session's connection (no ORM row processing): 200,000 lines per month.
    rows = db.session.connection().execution_options(yield_per=RESULT_CHUNK).execute(query)
    for chunk in rows.partitions():
        writer.writerows(_result_line(code, *row) for row in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()  # the header of a month without tasks


def _hundredths(value: int, scale: int) -> str:
    """f"{Decimal(value) / scale:.2f}" (half even, as Decimal formats) for value ≥ 0 and scale a
    multiple of 100, in integers."""
    quotient, remainder = divmod(value, scale // 100)
    twice = 2 * remainder
    if twice > scale // 100 or (twice == scale // 100 and quotient % 2):
        quotient += 1
    return f"{quotient // 100}.{quotient % 100:02d}"


def _result_line(code: str, staff_id: int, staff_code: str, unit_id: int, is_head: Any,
                 assigned: int | None, accepted: int | None, quality: int | None, progress: int | None,
                 t1: int | None, t2: int | None, t3: int | None) -> list[str]:
    """result_row of one row of month_results_csv's statement (sums in thousandths and
    millionths, maxima in tenths), in integers: the same text as result_row's Decimals (tested),
    which is kept for what the integer path does not cover (a negative sum or maximum)."""
    assigned_m = int(assigned or 0)
    if not assigned_m:
        return [staff_code, code, "", "", "", "", "", "", ""]
    if assigned_m < 0 or min(t1 or 0, t2 or 0, t3 or 0) < 0:
        result = LedgerResult(staff_id, staff_code, unit_id, bool(is_head), assigned_m, int(accepted or 0),
                              int(quality or 0), int(progress or 0))
        maxima = {criterion: (Decimal(top) / 10).quantize(TENTH)
                  for criterion, top in zip(RATIO_OF, (t1, t2, t3), strict=True) if top is not None}
        return result_row(result, code, maxima)
    whole = assigned_m * COEFFICIENT_SCALE
    line = [staff_code, code, _hundredths(assigned_m, COEFFICIENT_SCALE)]
    tenths = []
    for numerator, denominator, top in ((max(0, min(int(accepted or 0), assigned_m)), assigned_m, t1),
                                        (max(0, min(int(quality or 0), whole)), whole, t2),
                                        (max(0, min(int(progress or 0), whole)), whole, t3)):
        pct, remainder = divmod(numerator * 10000, denominator)  # _half_up, inline
        pct += 2 * remainder >= denominator
        line.append(f"{pct // 100}.{pct % 100:02d}")
        if top is None:
            tenths.append("")
        else:
            score, remainder = divmod(numerator * top, denominator)
            score += 2 * remainder >= denominator
            tenths.append(f"{score // 10}.{score % 10}")
    line += tenths
    return line


def staff_months(staff_id: int, first: date, last: date) -> dict[str, LedgerResult]:
    """{YYYY-MM: the person's own sums} for the months first..last by the month of the due date
    (one grouped statement; the deductions of the policy in force in the last month)."""
    year, month = func.extract("year", Task.due_on), func.extract("month", Task.due_on)
    query = (_ledger_select(first, policy_in_force(last), month_end(last))
             .where(Task.staff_id == staff_id).add_columns(year, month).group_by(year, month))
    found: dict[str, LedgerResult] = {}
    for row in db.session.execute(query):
        result = LedgerResult(row[0], row[1], row[2], bool(row[3]), *(int(v or 0) for v in row[4:-2]))
        found[f"{int(row[-2]):04d}-{int(row[-1]):02d}"] = result
    return found


def result_row(result: LedgerResult, code: str, maxima: dict[str, Decimal]) -> list[str]:
    """One line of `tasks results` (SPEC §9): empty numbers when nothing was assigned."""
    if not result.assigned_m:
        return [result.staff_code, code] + [""] * 7
    return [
        result.staff_code,
        code,
        f"{result.assigned:.2f}",
        *(f"{result.pct(kind)}" for kind in ("quantity", "quality", "progress")),
        *(f"{result.suggestion(c, maxima[c])}" if c in maxima else "" for c in RATIO_OF),
    ]


def person_result(staff: Staff, code: str) -> tuple[LedgerResult | None, dict[str, Decimal]]:
    """One person's result for a month (the API): the same computation as the whole month's."""
    start = parse_period(code)
    policy = policy_in_force(start)
    heads = {staff.id: staff.unit_id} if staff.is_head else {}
    results = results_for_people(start, {staff.id}, set(heads.values()), policy, heads=heads)
    maxima = db.session.execute(
        select(FrameworkCriterion.code, FrameworkCriterion.max_score)
        .select_from(Staff)
        .join(FrameworkCriterion, FrameworkCriterion.framework_id == framework_for_staff(start))
        .where(
            Staff.id == staff.id,
            FrameworkCriterion.code.in_(RATIO_OF),
            FrameworkCriterion.auto_source == "tasks",
        )
    ).tuples().all()
    return results.get(staff.id), dict(maxima)


# ---------------------------------------------------------------- pages


def board_page(
    scope: ColumnElement[bool], start: date, status: str = "", own_staff_id: int | None = None
) -> Pagination:
    """The team's tasks due in the month (units within `scope`, a condition on Unit.path), by due
    date, paginated; a head's own tasks are not on their board."""
    end = month_end(start)
    query = (
        select(Task)
        .join(Unit, Unit.id == Task.unit_id)
        .where(scope, Task.due_on >= start, Task.due_on <= end)
        .order_by(Task.due_on, Task.id)
    )
    if status:
        query = query.where(Task.status == status)
    if own_staff_id is not None:
        query = query.where(Task.staff_id != own_staff_id)
    return paginate(query)


def tally(
    scope: ColumnElement[bool], start: date, own_staff_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The month's running tally per person with tasks on the board: assigned / accepted /
    returned / late, converted (one grouped statement, bounded)."""
    end = month_end(start)
    weight = type_coerce(Task.coefficient, Integer) * Task.quantity
    counted = Task.status != "cancelled"
    query = (
        select(
            Staff.id,
            Staff.code,
            Staff.full_name,
            func.sum(case((counted, weight), else_=0)),
            func.sum(case((Task.status == "accepted", weight), else_=0)),
            func.sum(case((counted, Task.returns - Task.exempt_returns), else_=0)),
            func.sum(case((counted, Task.late - Task.exempt_late), else_=0)),
        )
        .join(Task, Task.staff_id == Staff.id)
        .join(Unit, Unit.id == Task.unit_id)
        .where(scope, Task.due_on >= start, Task.due_on <= end)
        .group_by(Staff.id, Staff.code, Staff.full_name)
        .order_by(Staff.full_name)
        .limit(limit)
    )
    if own_staff_id is not None:
        query = query.where(Staff.id != own_staff_id)
    return [
        {
            "id": r[0],
            "code": r[1],
            "name": r[2],
            "assigned": Decimal(int(r[3] or 0)) / COEFFICIENT_SCALE,
            "accepted": Decimal(int(r[4] or 0)) / COEFFICIENT_SCALE,
            "returns": int(r[5] or 0),
            "late": int(r[6] or 0),
        }
        for r in db.session.execute(query)
    ]


def team_people(
    scope: ColumnElement[bool], exclude_staff_id: int | None, limit: int = 300
) -> Sequence[Staff]:
    """The people a head may assign to (active staff of the units in scope), bounded."""
    query = (
        select(Staff)
        .join(Unit, Unit.id == Staff.unit_id)
        .where(scope, Staff.active.is_(True))
        .order_by(Staff.full_name)
        .limit(limit)
    )
    if exclude_staff_id is not None:
        query = query.where(Staff.id != exclude_staff_id)
    return db.session.scalars(query).all()


def my_tasks_page(staff_id: int, show_done: bool = False) -> Pagination:
    """One's own tasks by due date; finished ones only on request."""
    query = select(Task).where(Task.staff_id == staff_id).order_by(Task.due_on, Task.id)
    if not show_done:
        query = query.where(Task.status.in_(("assigned", "submitted", "returned")))
    return paginate(query)


def week_end(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def products_page(unit_ids: list[int] | None, include_province: bool = True) -> Pagination:
    """Catalogue entries (every version), by code and date; unit_ids None = all."""
    query = select(Product).order_by(Product.code, Product.effective_from.desc())
    if unit_ids is not None:
        condition = Product.unit_id.in_(unit_ids)
        if include_province:
            condition = or_(condition, Product.unit_id.is_(None))
        query = query.where(condition)
    return paginate(query)


def products_for(unit: Unit | None, day: date) -> list[Product]:
    """The catalogue in force on `day` for a unit: each code's latest version among the entries of
    the unit, its ancestors and the province (one statement); None: the province's only."""
    ancestors = unit.ancestor_ids if unit is not None else []
    rows = db.session.scalars(
        select(Product)
        .where(or_(Product.unit_id.is_(None), Product.unit_id.in_(ancestors)), Product.effective_from <= day)
        .order_by(Product.code, Product.effective_from.desc())
        .limit(2000)
    ).all()
    latest: dict[str, Product] = {}
    for product in rows:
        latest.setdefault(product.code, product)
    return list(latest.values())


def tokens_page() -> Pagination:
    return paginate(
        select(IntegrationToken).order_by(IntegrationToken.created_at.desc(), IntegrationToken.id.desc())
    )
