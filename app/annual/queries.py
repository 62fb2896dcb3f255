"""Reads for the annual pages and exports: per unit counts, results, the early warning list."""
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Integer, Select, Subquery, and_, case, func, select, type_coerce

from app.annual.models import REASONS, AnnualResult, AnnualUnitYear
from app.database import paginate
from app.evaluation.models import Assessment, Period, Policy
from app.exports import Table
from app.extensions import db
from app.org.models import Staff, Unit
from app.permissions import scope_filter

if TYPE_CHECKING:
    from app.auth.models import User

EXPORT_HEADER = ("staff_code", "year", "months", "mean_score", "level", "reason")


def export_rows(year: int, user: "User | None" = None,
                action: str = "annual.view") -> Iterator[tuple[Any, ...]]:
    """`staff_code,year,months,mean_score,level,reason` for every result of the year (SPEC §9)."""
    query = (select(AnnualResult).join(Staff, Staff.id == AnnualResult.staff_id)
             .where(AnnualResult.year == year).order_by(Staff.code))
    if user is not None:
        query = query.join(Unit, Unit.id == AnnualResult.unit_id).where(scope_filter(user, action, Unit.path))
    for result in db.session.scalars(query).yield_per(2000):
        mean = result.mean_score
        yield (result.staff.code, result.year, "" if result.months is None else result.months,
               "" if mean is None else f"{mean:.2f}", result.level or "", result.reason)


def download_header() -> tuple[str, ...]:
    """The headers of the annual downloads, in the reader's language."""
    return (_("Mã cán bộ"), _("Họ và tên"), _("Mã đơn vị"), _("Đơn vị"), _("Năm"), _("Số tháng"),
            _("Điểm trung bình"), _("Mức xếp loại"), _("Lý do"), _("Lý do hạ mức"))


def download_rows(year: int, user: "User | None" = None, unit: Unit | None = None) -> list[tuple[Any, ...]]:
    """The year's results with names, numbers as numbers, reasons in words: in the user's scope,
    or one unit's (the annual sheet). One query."""
    query = (select(Staff.code, Staff.full_name, Unit.code, Unit.name, AnnualResult)
             .join(Staff, Staff.id == AnnualResult.staff_id).join(Unit, Unit.id == AnnualResult.unit_id)
             .where(AnnualResult.year == year).order_by(Unit.code, Staff.full_name, Staff.code))
    if user is not None:
        query = query.where(scope_filter(user, "annual.view", Unit.path))
    if unit is not None:
        query = query.where(AnnualResult.unit_id == unit.id)
    return [(code, name, unit_code, unit_name, r.year, r.months, r.mean_score, r.level,
             str(REASONS.get(r.reason, r.reason)), r.demotion_reason or "")
            for code, name, unit_code, unit_name, r in db.session.execute(query)]


def units_page(user: "User", year: int) -> Pagination:
    """Units with results this year, in scope, with level counts (one grouped query a page)."""
    query = (select(Unit).where(scope_filter(user, "annual.view", Unit.path),
                                Unit.id.in_(select(AnnualResult.unit_id).where(AnnualResult.year == year)))
             .order_by(Unit.name))
    return paginate(query)


def level_counts(unit_ids: Iterable[int],
                 year: int) -> tuple[defaultdict[int, defaultdict[str | None, int]], set[int]]:
    """{unit id: {level or None: count}} and the finalised unit ids, for a page of units."""
    counts: defaultdict[int, defaultdict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, level, count in db.session.execute(
            select(AnnualResult.unit_id, AnnualResult.level, func.count(AnnualResult.id))
            .where(AnnualResult.year == year, AnnualResult.unit_id.in_(unit_ids))
            .group_by(AnnualResult.unit_id, AnnualResult.level)):
        counts[unit_id][level] += count
    finalised = set(db.session.scalars(select(AnnualUnitYear.unit_id).where(
        AnnualUnitYear.year == year, AnnualUnitYear.unit_id.in_(unit_ids))))
    return counts, finalised


def unit_results(unit: Unit, year: int) -> Pagination:
    return paginate(select(AnnualResult).join(Staff, Staff.id == AnnualResult.staff_id)
                     .where(AnnualResult.year == year, AnnualResult.unit_id == unit.id)
                     .order_by(Staff.full_name), per_page=100)


def staff_results(staff_id: int) -> Sequence[AnnualResult]:
    return db.session.scalars(select(AnnualResult).where(AnnualResult.staff_id == staff_id)
                              .order_by(AnnualResult.year.desc())).all()


def _this_year(year: int, low_level: str) -> Subquery:
    tenths = type_coerce(Assessment.score, Integer)
    return (select(Assessment.staff_id, func.count(Assessment.id).label("n"),
                   func.sum(tenths).label("total"),
                   func.sum(case((Assessment.level == low_level, 1), else_=0)).label("low_months"))
            .join(Period, Period.id == Assessment.period_id)
            .where(Period.starts_on.between(date(year, 1, 1), date(year, 12, 31)),
                   Assessment.status == "closed", Assessment.score.is_not(None))
            .group_by(Assessment.staff_id).subquery("this_year"))


def _early_warning(user: "User", year: int, policy: Policy) -> tuple[Select[tuple[Staff]], Subquery]:
    low = policy.lowest_level
    this_year = _this_year(year, low)
    pass_tenths = int(policy.pass_score * 10)
    query = (select(Staff)
             .join(AnnualResult, and_(AnnualResult.staff_id == Staff.id,
                                      AnnualResult.year == year - 1, AnnualResult.level == low))
             .join(this_year, this_year.c.staff_id == Staff.id)
             .join(Unit, Unit.id == Staff.unit_id)
             .where(scope_filter(user, "annual.view", Unit.path),
                    (this_year.c.total < pass_tenths * this_year.c.n)
                    | (this_year.c.low_months >= policy.warning_low_months))
             .order_by(Staff.full_name, Staff.code))
    return query, this_year


def _warning_stats(this_year: Subquery, ids: list[int]) -> dict[int, dict[str, Any]]:
    stats: dict[int, dict[str, Any]] = {}
    if ids:
        for staff_id, n, total, low_months in db.session.execute(
                select(this_year).where(this_year.c.staff_id.in_(ids))):
            mean = (Decimal(total) / 10 / n).quantize(Decimal("0.01"), ROUND_HALF_UP)
            stats[staff_id] = {"months": n, "mean": mean, "low_months": low_months}
    return stats


def early_warning_page(user: "User", year: int,
                       policy: Policy) -> tuple[Pagination, dict[int, dict[str, Any]]]:
    """Staff rated lowest last year whose running mean this year is below the pass score, or
    who already have the policy's number of lowest-level months (SPEC §4)."""
    query, this_year = _early_warning(user, year, policy)
    page = paginate(query)
    return page, _warning_stats(this_year, [staff.id for staff in page.items])


def early_warning_count(user: "User", year: int, policy: Policy) -> int:
    """How many people `early_warning_page` lists, without reading them (the home page's item)."""
    query, _this_year = _early_warning(user, year, policy)
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def early_warning_table(user: "User", year: int, policy: Policy) -> Table:
    """The whole early-warning list in the user's scope, for the downloads (two queries)."""
    query, this_year = _early_warning(user, year, policy)
    people = db.session.scalars(query).all()
    stats = _warning_stats(this_year, [staff.id for staff in people])
    return Table(_("Cảnh báo sớm năm %(year)d", year=year),
                 (_("Mã cán bộ"), _("Họ và tên"), _("Mã đơn vị"), _("Đơn vị"), _("Số tháng"),
                  _("Điểm trung bình"), _("Số tháng mức thấp nhất")),
                 [(s.code, s.full_name, s.unit.code, s.unit.name, stats[s.id]["months"],
                   stats[s.id]["mean"], stats[s.id]["low_months"]) for s in people])
