"""Annual classification (SPEC §4): set-based SQL over the closed months, the discipline
override, the A quota with demotions, finalisation, and the import of past annual levels."""
import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import (
    Column,
    Date,
    Integer,
    Select,
    Subquery,
    and_,
    case,
    delete,
    distinct,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from app import audit, clock
from app.annual.models import AnnualResult, AnnualUnitYear
from app.csvimport import ImportRejected, Source, drop, stage, staged_values
from app.database import analyze, insert_missing, lock, progress, transactional
from app.errors import DomainError
from app.evaluation.models import Assessment, Period, Policy
from app.evaluation.services import policy_finder, policy_in_force
from app.extensions import db
from app.org import queries as org_queries
from app.org.models import DISCIPLINE_FORMS, DisciplinaryDecision, LeaveRecord, Staff, Unit
from app.periods import parse_year

if TYPE_CHECKING:
    from app.auth.models import User


def year_policy(year: int) -> Policy:
    """The policy in force on 31 December of the year (SPEC §4)."""
    return policy_in_force(date(year, 12, 31))


def counted_forms(policy: Policy) -> list[str]:
    """The disciplinary forms at least as heavy as the policy's threshold, in order of weight."""
    forms = list(DISCIPLINE_FORMS)
    return forms[forms.index(policy.discipline_min_form):]


def _months_of(year: int) -> Subquery:
    """The twelve months of a year as a derived table (UNION ALL: SQLite has no VALUES aliases)."""
    rows = [select(literal(date(year, m, 1), Date).label("month_start"),
                   literal(date(year, m, calendar.monthrange(year, m)[1]), Date).label("month_end"))
            for m in range(1, 13)]
    return union_all(*rows).subquery("months")


def _finalised_units(year: int) -> Select[tuple[int]]:
    return select(AnnualUnitYear.unit_id).where(AnnualUnitYear.year == year)


@dataclass
class ClassifyResult:
    year: int
    classified: int
    not_classified: int
    kept: int


CLASSIFY_STEPS = 3  # progress() calls of classify_year: cleared, written, counted


@transactional
def classify_year(year: int) -> ClassifyResult:
    """Compute (or recompute) the year's results; finalised units and imported rows are kept.

    One statement computes every person: months closed with a score, maternity months that
    count towards the minimum, the discipline override, and the level compared exactly
    (A iff the sum of the months ≥ 90·n, with scores in whole tenths).
    """
    policy = year_policy(year)
    start, end = date(year, 1, 1), date(year, 12, 31)
    lock(f"annual:{year}")
    # synchronize_session=False: otherwise the ORM fetches every deleted id (RETURNING) to
    # update a session that holds none of them — 200,000 ids in memory on a re-run.
    db.session.execute(delete(AnnualResult).where(
        AnnualResult.year == year, AnnualResult.imported.is_(False),
        AnnualResult.unit_id.not_in(_finalised_units(year)))
        .execution_options(synchronize_session=False))
    progress()

    tenths = type_coerce(Assessment.score, Integer)
    closed = and_(Assessment.status == "closed", Assessment.score.is_not(None))
    none = literal(None, Integer)
    scored = (select(Assessment.staff_id, literal(1).label("n"), tenths.label("total"),
                     literal(0).label("m"), literal(0).label("d"))
              .join(Period, Period.id == Assessment.period_id)
              .where(Period.starts_on.between(start, end), closed))
    months = _months_of(year)
    scored_that_month = (
        exists().where(Assessment.staff_id == LeaveRecord.staff_id, Assessment.period_id == Period.id,
                       Period.starts_on == months.c.month_start, closed))
    maternity = (select(LeaveRecord.staff_id, literal(0), none, func.count(distinct(months.c.month_start)),
                        literal(0))
                 .join(months, and_(LeaveRecord.start_date <= months.c.month_end,
                                    LeaveRecord.end_date >= months.c.month_start))
                 .where(LeaveRecord.kind == "maternity", ~scored_that_month)
                 .group_by(LeaveRecord.staff_id))
    disciplined = (select(DisciplinaryDecision.staff_id, literal(0), none, literal(0), literal(1))
                   .where(DisciplinaryDecision.decision_date.between(start, end),
                          DisciplinaryDecision.form.in_(counted_forms(policy))))
    # The closed months, the maternity months and the discipline in one aggregate, joined to
    # staff once. As separate subqueries, the maternity one (an anti join) is estimated at one
    # row and the planner nested-looped it for every person: 394 million comparisons at 200,000
    # staff. One join on the person cannot go that way (tests/evaluation/test_plans.py).
    rows = union_all(scored, maternity, disciplined).subquery("rows")
    tally = (select(rows.c.staff_id, func.sum(rows.c.n).label("n"), func.sum(rows.c.total).label("total"),
                    func.sum(rows.c.m).label("m"), func.max(rows.c.d).label("d"))
             .group_by(rows.c.staff_id).subquery("tally"))

    n, maternity_months = tally.c.n, tally.c.m
    classified = and_(n >= 1, n + maternity_months >= policy.min_months)
    is_disciplined = tally.c.d == 1
    by_score = case(*[(tally.c.total >= int(band.min_score * 10) * n, band.level)
                      for band in policy.bands], else_=policy.lowest_level)
    level = case((~classified, null()), (is_disciplined, policy.lowest_level), else_=by_score)
    reason = case((~classified, "insufficient_months"), (is_disciplined, "disciplined"), else_="score")
    # Kept results (imported, finalised units) stay: the unique (staff, year) index skips them,
    # so no anti join reads the table being written.
    db.session.execute(insert_missing(AnnualResult, ["staff_id", "year"]).from_select(
        ["staff_id", "year", "unit_id", "policy_id", "months", "maternity_months", "score_sum",
         "level", "reason", "imported", "computed_at"],
        # Filed under the unit of 31 December, not the unit on the day the job runs (SPEC §1).
        select(Staff.id, literal(year), org_queries.unit_on(end), literal(policy.id), n,
               maternity_months, tally.c.total, level, reason, literal(False), literal(clock.utcnow()))
        .select_from(Staff).join(tally, tally.c.staff_id == Staff.id)
        .where(or_(n >= 1, maternity_months >= 1)),
    ))
    progress()
    analyze("annual_result")
    counts = dict(db.session.execute(
        select(AnnualResult.level.is_not(None), func.count(AnnualResult.id))
        .where(AnnualResult.year == year, AnnualResult.imported.is_(False))
        .group_by(AnnualResult.level.is_not(None))).tuples().all())
    kept = db.session.scalar(select(func.count(AnnualResult.id)).where(
        AnnualResult.year == year, or_(AnnualResult.imported.is_(True),
                                       AnnualResult.unit_id.in_(_finalised_units(year))))) or 0
    result = ClassifyResult(year, counts.get(True, 0), counts.get(False, 0), kept)
    progress()
    audit.record("annual.classified", object_type="annual_result", object_id=year,
                 after={"year": year, "classified": result.classified,
                        "not_classified": result.not_classified, "kept": kept})
    return result


# ---------------------------------------------------------------- quota and finalisation

@dataclass
class UnitQuota:
    unit_id: int
    top: int
    second: int
    ratio: Decimal

    @property
    def allowed(self) -> int:
        """How many results may have the top level: ⌊ratio × second⌋."""
        return int(self.ratio * self.second)

    @property
    def breached(self) -> bool:
        return self.top > self.ratio * self.second

    @property
    def excess(self) -> int:
        return max(0, self.top - self.allowed)


def unit_quota(unit_id: int, year: int) -> UnitQuota:
    policy = year_policy(year)
    top, second = policy.top_levels
    counts = dict(db.session.execute(
        select(AnnualResult.level, func.count(AnnualResult.id))
        .where(AnnualResult.year == year, AnnualResult.unit_id == unit_id,
               AnnualResult.level.in_((top, second)))
        .group_by(AnnualResult.level)).tuples().all())
    return UnitQuota(unit_id, counts.get(top, 0), counts.get(second, 0), policy.excellent_quota_ratio)


def is_finalised(unit_id: int, year: int) -> bool:
    return db.session.get(AnnualUnitYear, (unit_id, year)) is not None


@transactional
def demote(result: AnnualResult, reason: str, actor: "User") -> AnnualResult:
    """A head moves one top-level result down to the next level, with a written reason."""
    policy = year_policy(result.year)
    top, second = policy.top_levels
    if result.level != top or result.imported:
        raise DomainError(_("Chỉ hạ được kết quả mức %(level)s.", level=top))
    if is_finalised(result.unit_id, result.year):
        raise DomainError(_("Kết quả năm của đơn vị đã được chốt."))
    before = {"level": result.level}
    result.level = second
    result.demoted_from = top
    result.demotion_reason = reason.strip()
    result.demoted_by_id = actor.id
    audit.record("annual.demoted", result, before=before,
                 after={"level": second, "reason": result.demotion_reason})
    return result


@transactional
def finalise(unit: Unit, year: int, actor: "User") -> None:
    """Lock a unit's year; refused while the A quota is breached."""
    if is_finalised(unit.id, year):
        raise DomainError(_("Kết quả năm của đơn vị đã được chốt."))
    quota = unit_quota(unit.id, year)
    if quota.breached:
        raise DomainError(_(
            "Số kết quả mức cao nhất (%(top)d) vượt quá %(allowed)d được phép; hãy hạ %(excess)d "
            "kết quả kèm lý do trước khi chốt.", top=quota.top, allowed=quota.allowed,
            excess=quota.excess))
    db.session.add(AnnualUnitYear(unit_id=unit.id, year=year, finalised_by_id=actor.id))
    audit.record("annual.finalised", unit, after={"year": year})


@transactional
def reopen_year(unit: Unit, year: int, reason: str) -> None:
    """hr_admin unlocks a finalised unit year with a written reason."""
    row = db.session.get(AnnualUnitYear, (unit.id, year))
    if row is None:
        raise DomainError(_("Kết quả năm của đơn vị chưa được chốt."))
    db.session.delete(row)
    audit.record("annual.reopened", unit, after={"year": year, "reason": reason.strip()})


# ---------------------------------------------------------------- import of past years

ANNUAL_COLUMNS = ("staff_code", "year", "level")


@transactional
def import_annual(data: Source) -> int:
    """Import annual levels of years before the system: `staff_code,year,level`. All or nothing.

    The file streams into a temporary table, is checked there with set-based SQL and written with
    one INSERT … SELECT: the statement count and the memory do not grow with the file.
    """
    staged = stage(data, ANNUAL_COLUMNS)
    find_policy = policy_finder()
    levels: dict[int, list[str]] = {}

    def year(value: str) -> dict[str, Any]:
        parsed = parse_year(value)
        policy = find_policy(date(parsed, 12, 31))  # year_policy(), for every year at once
        levels[parsed] = [band.level for band in policy.bands]
        return {"parsed": parsed, "policy_id": policy.id, "december": date(parsed, 12, 1),
                "year_end": date(parsed, 12, 31)}

    years = staged_values(staged, "year", year, [
        Column("parsed", Integer), Column("policy_id", Integer), Column("december", Date),
        Column("year_end", Date)])
    valid = (f"FROM {{rows}} g JOIN staff s ON s.code = g.staff_code"
             f" JOIN {years.name} y ON y.value = g.year AND y.error IS NULL")
    errors = [
        *staged.errors("SELECT g.line, g.staff_code FROM {rows} g LEFT JOIN staff s ON s.code = g.staff_code"
                       " WHERE s.id IS NULL",
                       lambda code: _("Không có cán bộ mã %(code)s.", code=code)),
        *staged.errors(f"SELECT g.line, y.error FROM {{rows}} g JOIN {years.name} y ON y.value = g.year"
                       " WHERE y.error IS NOT NULL", lambda message: message),  # nosec B608
        *staged.errors(f"SELECT g.line, g.level, y.parsed FROM {{rows}} g JOIN {years.name} y"
                       " ON y.value = g.year AND y.error IS NULL WHERE NOT EXISTS"
                       " (SELECT 1 FROM policy_band b WHERE b.policy_id = y.policy_id AND b.level = g.level)",  # nosec B608
                       lambda value, year: _("Mức \"%(value)s\" không hợp lệ; dùng một trong: %(levels)s.",
                                             value=value, levels=", ".join(levels[year]))),
        *staged.errors(f"SELECT line, previous FROM (SELECT g.line, LAG(g.line) OVER"
                       f" (PARTITION BY g.staff_code, y.parsed ORDER BY g.line) AS previous {valid}) d"
                       " WHERE previous IS NOT NULL",  # nosec B608
                       lambda previous: _("Trùng với dòng %(line)d.", line=previous)),
        *staged.errors(f"SELECT g.line, y.parsed {valid}"
                       " JOIN annual_result r ON r.staff_id = s.id AND r.year = y.parsed",
                       lambda year: _("Cán bộ đã có kết quả năm %(year)d.", year=year)),
    ]
    if errors:
        drop(staged, years)
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    unit = org_queries.UNIT_IN_MONTH.format(staff="s", first="y.december", last="y.year_end")
    created = db.session.execute(staged.sql(f"""
        INSERT INTO annual_result (staff_id, year, unit_id, policy_id, months, maternity_months, score_sum,
                                   level, reason, imported, computed_at)
        SELECT s.id, y.parsed, {unit}, y.policy_id, NULL, 0, NULL, g.level, 'imported', TRUE, :now
        {valid} ORDER BY g.line"""), {"now": clock.utcnow()}).rowcount  # type: ignore[attr-defined]
    drop(staged, years)
    analyze("annual_result")
    audit.record("annual.import", object_type="annual_result", after={"created": created})
    return created
