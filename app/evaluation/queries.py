"""Reads for the assessment pages: bounded queries, paginated lists."""
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased, defaultload, joinedload, lazyload

from app import clock
from app.auth.models import User
from app.database import constant, paginate, paginate_rows
from app.evaluation.models import (
    ASSESSMENT_STATUSES,
    Assessment,
    AssessmentCriterion,
    AssessmentSummary,
    Framework,
    Objection,
    Period,
    Policy,
    _localised,
    in_english,
    reviewed_in,
)
from app.extensions import db
from app.org.models import Staff, Unit

# Lists show no criterion: their rows are loaded only if a page ever reads them.
LIST_ONLY = lazyload(Assessment.criteria)
# The statuses and their ranks written into the SQL (database.constant): the team's statements
# stay short and their plans do not depend on parameters that never change.
STATUS_ORDER = case({constant(status): literal_column(str(rank)) for rank, status in
                     enumerate(("self_submitted", "draft", "reviewed", "closed", "not_evaluated"))},
                    value=Assessment.status, else_=literal_column("5"))


WAITING = ("draft", "self_submitted")


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One line of the team page: the period (for `reviewable`) and the columns it shows."""
    period: Any
    id: int
    status: str
    self_total: Any
    score: Any
    level: str | None
    imported: bool
    reopened: bool
    is_head: bool
    full_name: str
    unit_name: str

    @property
    def status_label(self) -> Any:
        return ASSESSMENT_STATUSES.get(self.status, self.status)


SHOWN = 10  # the shown columns of a team row; the unfiltered list adds its counts by status
STATUSES = tuple(ASSESSMENT_STATUSES)


# Waiting for review first, then by name (the id settles equal names: the same order on every page).
TEAM_ORDER = (STATUS_ORDER, Staff.full_name, Assessment.id)


def _heads(user: "User") -> list[int]:
    """The units the user heads."""
    return [g.unit_id for g in user.grants if g.role == "unit_head"]


def _head_params(heads: list[int]) -> dict[str, int]:
    """The units headed as the team statements' parameters head_0, head_1, … : one parameter per
    unit in a statement built per number of units, not an expanding list, which SQLAlchemy writes
    into the statement again on every execution."""
    return {f"head_{number}": unit for number, unit in enumerate(heads)}


def _team_rows(own: bool, status: str, period: Any, heads: int) -> tuple[Select[Any], Select[Any]]:
    """(the page's rows, counts by status) of the month `period` (a parameter or a subquery), for a
    head of `heads` units."""
    units = [bindparam(f"head_{number}", type_=Integer) for number in range(heads)]
    reviewed = reviewed_in(units, bindparam("me") if own else None)
    team = Assessment.period_id == period
    counts = (select(Assessment.status, func.count(Assessment.id))
              .join(Staff, Staff.id == Assessment.staff_id).where(team, reviewed)
              .group_by(Assessment.status))
    # The unit's name by its key for the rows of the page only (PostgreSQL computes it after the
    # LIMIT), not joined for the whole team: a province's 2,000 units were hashed for 25 names.
    unit_name = select(Unit.name).where(Unit.id == Assessment.unit_id).scalar_subquery()
    rows = (select(Assessment.id, Assessment.status, Assessment.self_total, Assessment.score,
                   Assessment.level, Assessment.imported, Assessment.reopened, Assessment.is_head,
                   Staff.full_name, unit_name.label("unit_name"))
            .join(Staff, Staff.id == Assessment.staff_id)
            .where(team, reviewed))
    if status == "overdue":
        rows = rows.where(Assessment.status.in_(WAITING))
    elif status:
        rows = rows.where(Assessment.status == bindparam("status"))
    else:
        rows = rows.add_columns(*(func.count(case((Assessment.status == constant(s), literal_column("1"))))
                                  .over().label(f"n_{s}") for s in STATUSES))
    rows = (rows.order_by(*TEAM_ORDER)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    return rows, counts


@cache
def _team_statements(own: bool, status: str, heads: int) -> tuple[Select[Any], Select[Any]]:
    """(the page's rows, counts by status), built once per shape: whether the head is a staff
    member (their own assessment left out), the status filter ("", "one" or "overdue") and the
    number of units headed.
    Built once, their cache keys are computed once; the values are parameters. The unfiltered
    list carries the whole team's counts by status on each row (window counts, taken before
    LIMIT): the page and its counters in one query."""
    return _team_rows(own, status, bindparam("period"), heads)


@dataclass(frozen=True, slots=True)
class MonthRow:
    """A month as the team page shows it: in the picker, its dates and status."""
    id: int
    code: str
    status: str
    starts_on: date
    review_due_on: date
    closes_on: date


MONTH_COLUMNS = (Period.id, Period.code, Period.status, Period.starts_on, Period.review_due_on,
                 Period.closes_on)


def _shown_month(by_code: bool) -> Any:
    """The id of the month the team page shows: the one asked for (any, imported too), else the
    current one (services.current_period: the latest open month, else the latest)."""
    if by_code:
        return select(Period.id).where(Period.code == bindparam("code")).scalar_subquery()
    return (select(Period.id).where(Period.imported.is_(False))
            .order_by((Period.status == constant("open")).desc(), Period.starts_on.desc()).limit(1)
            .scalar_subquery())


@cache
def _team_month_statement(own: bool, by_code: bool, heads: int) -> Any:
    """The unfiltered team page in one statement, built once per shape: the page of the month's
    team with the team's counts by status ("t"), the month shown ("m") and the picker's months
    ("p": their codes only), as a UNION ALL of rows wide enough for each (kind, position in its
    list, the month's columns, the team row's), the columns a branch does not fill NULLs.

    Written short: psycopg keeps a statement's parsed form only up to 4,096 characters (it parsed
    this one on every request), so the NULLs are plain (typed for SQLAlchemy only: PostgreSQL
    takes each column's type from the branch that fills it, the team's first, as UNION resolves
    them pair by pair) and the team is ordered by its position rather than its order again."""
    shown = _shown_month(by_code)
    rows, _counts = _team_rows(own, "", shown, heads)
    pos = func.row_number().over(order_by=TEAM_ORDER).label("pos")
    team = rows.add_columns(pos).order_by(None).order_by(pos).subquery()
    picker = (select(Period.code, func.row_number().over(order_by=Period.starts_on.desc()).label("pos"))
              .where(Period.imported.is_(False)).order_by(Period.starts_on.desc()).limit(RECENT)
              .subquery())
    month = select(*MONTH_COLUMNS, literal_column("0").label("pos")).where(Period.id == shown).subquery()
    month_types = [(c.key, c.type) for c in MONTH_COLUMNS]
    team_types = [(c.key, c.type) for c in team.c if c.key != "pos"]

    def wide(kind: str, sub: Any, month_keys: Any = (), team_keys: Any = ()) -> Select[Any]:
        def cell(key: str, kind_of: Any, fills: Any) -> Any:
            return sub.c[key] if key in fills else type_coerce(null(), kind_of)
        return select(constant(kind).label("kind"), sub.c.pos,
                      *(cell(k, t, month_keys).label(f"m_{k}") for k, t in month_types),
                      *(cell(k, t, team_keys).label(f"t_{k}") for k, t in team_types))

    return union_all(wide("t", team, team_keys=dict(team_types)),
                     wide("m", month, month_keys=dict(month_types)),
                     wide("p", picker, month_keys=("code",)))


MONTH_WIDTH = len(MONTH_COLUMNS)
CODE = 2 + [c.key for c in MONTH_COLUMNS].index("code")  # in a UNION row, after its kind and position


def team_month(user: "User", code: str | None) -> tuple[list[str], MonthRow | None, Pagination | None,
                                                        Counter[str]]:
    """The unfiltered team page in one query: the picker's months (their codes, as
    recent_period_rows), the month shown (`code`, else the current one; None when there is none
    such), the page of the assessments this head reviews in it (TeamRow) and the team's counts by
    status."""
    heads = _heads(user)
    statement = _team_month_statement(user.staff_id is not None, code is not None, len(heads))
    params = {**_head_params(heads), "me": user.staff_id, "code": code}
    months: list[str] = []
    shown: list[MonthRow] = []
    counts: Counter[str] = Counter()

    def fetch(limit: int, offset: int) -> tuple[list[TeamRow], int]:
        found: dict[str, list[Any]] = {"m": [], "p": [], "t": []}
        # On the session's connection: the ORM's execution hooks are not needed for plain rows.
        rows = db.session.connection().execute(statement, {**params, "limit": limit, "offset": offset})
        for row in rows.all():
            found[row[0]].append(row)
        months.extend(row[CODE] for row in sorted(found["p"], key=lambda r: r[1]))
        shown.extend(MonthRow(*row[2:2 + MONTH_WIDTH]) for row in found["m"])
        team = [row[2 + MONTH_WIDTH:] for row in sorted(found["t"], key=lambda r: r[1])]
        if not shown or not heads:
            return [], 0
        if team:
            counts.update(dict(zip(STATUSES, team[0][SHOWN:], strict=True)))
        elif offset:  # a page beyond the list: the counters still show the whole team
            counts.update(team_counts(user, shown[0]))
        return [TeamRow(shown[0], *row[:SHOWN]) for row in team], sum(counts.values())

    page = paginate_rows(fetch)
    return months, shown[0] if shown else None, page if shown else None, counts


def _team_params(user: "User", period: Any) -> tuple[int, dict[str, Any]]:
    """(how many units the user heads, the team statements' parameters)."""
    heads = _heads(user)
    return len(heads), {**_head_params(heads), "me": user.staff_id, "period": period.id}


def team_counts(user: "User", period: Any) -> Counter[str]:
    """{status: how many} of the assessments this head reviews in a period (one grouped query)."""
    heads, params = _team_params(user, period)
    if not heads:
        return Counter()
    _rows, counts = _team_statements(user.staff_id is not None, "", heads)
    return Counter(dict(db.session.execute(counts, params).tuples().all()))


def team_page(user: "User", period: Any, status: str | None = None) -> tuple[Pagination, Counter[str]]:
    """The assessments this head reviews in a period, those waiting for review first (TeamRow:
    the shown columns), and the team's counts by status. Unfiltered: one query for both;
    filtered by status: the counts first (they give the list's length), then the page."""
    heads, params = _team_params(user, period)
    counts: Counter[str] = Counter()
    shape = "overdue" if status == "overdue" else "one" if status else ""
    rows, _counts = _team_statements(user.staff_id is not None, shape, heads)
    if heads and status:
        counts = team_counts(user, period)

    def fetch(limit: int, offset: int) -> tuple[list[TeamRow], int]:
        if not heads:
            return [], 0
        if status:
            total = sum(counts[s] for s in WAITING) if status == "overdue" else counts[status]
            if not total:
                return [], 0
        found = db.session.execute(rows, {**params, "status": status, "limit": limit,
                                          "offset": offset}).all()
        if not status:
            if found:
                counts.update(dict(zip(STATUSES, found[0][SHOWN:], strict=True)))
            elif offset:  # a page beyond the list: the counters still show the whole team
                counts.update(team_counts(user, period))
            total = sum(counts.values())
        return [TeamRow(period, *row[:SHOWN]) for row in found], total

    return paginate_rows(fetch), counts


def team_counters(user: "User", period: Any, counts: Counter[str] | None = None) -> dict[str, int]:
    """Counts by status for the head's team, and how many are overdue."""
    counts = team_counts(user, period) if counts is None else counts
    waiting = counts["draft"] + counts["self_submitted"]
    overdue = waiting if period.review_due_on and clock.today() > period.review_due_on else 0
    return {
        "total": sum(counts.values()),
        "not_started": counts["draft"],
        "self_submitted": counts["self_submitted"],
        "reviewed": counts["reviewed"] + counts["closed"],
        "not_evaluated": counts["not_evaluated"],
        "overdue": overdue + counts["not_evaluated"],
    }


@cache
def _one_assessment() -> Select[tuple[Assessment]]:
    """An assessment with what its forms and services read: staff, unit, period and policy (joined
    by the relationships), its objection and its criteria (joined here), not the policy's bands
    nor the staff member's own unit (the assessment's unit is the one shown)."""
    return (select(Assessment)
            .options(joinedload(Assessment.objection), joinedload(Assessment.criteria),
                     defaultload(Assessment.period).defaultload(Period.policy).lazyload(Policy.bands),
                     defaultload(Assessment.staff).lazyload(Staff.unit))
            .where(Assessment.id == bindparam("assessment_id")))


def assessment_for_page(assessment_id: int) -> Assessment | None:
    """One assessment for its forms and the services acting on it, in one query (a statement
    built once)."""
    found = db.session.execute(_one_assessment(), {"assessment_id": assessment_id})
    return found.unique().scalar_one_or_none()


# ---- the assessment page as plain values (what it shows and its permission checks read): the
# ORM's work for one assessment joined to its eight criteria (every joined object looked up again
# on each criterion's row) was a fifth of the page.


@dataclass(frozen=True, slots=True)
class ShownPolicy:
    objection_days: int


@dataclass(frozen=True, slots=True)
class ShownPeriod:
    id: int
    code: str
    status: str
    starts_on: date
    self_due_on: date | None
    closed_at: Any
    policy: ShownPolicy


@dataclass(frozen=True, slots=True)
class ShownStaff:
    full_name: str
    code: str
    unit_id: int


@dataclass(frozen=True, slots=True)
class ShownUnit:
    id: int
    name: str
    path: str
    parent_id: int | None

    is_within = Unit.is_within  # the permission check's (app/permissions.py in_scope)


@dataclass(frozen=True, slots=True)
class ShownUser:
    display_name: str


@dataclass(frozen=True, slots=True)
class ShownObjection:
    text: str
    created_at: Any
    answer: str | None
    answered_at: Any
    answered_by: ShownUser | None


@dataclass(frozen=True, slots=True)
class ShownCriterion:
    code: str
    group_code: str
    position: int
    name_vi: str
    name_en: str
    max_score: Any
    self_score: Any
    head_score: Any
    suggested_score: Any
    suggestion_note: str | None
    name: str  # in the request's language


@dataclass(frozen=True, slots=True)
class ShownAssessment:
    """An assessment as its page reads it (the Assessment attributes of the same names)."""
    id: int
    staff_id: int
    unit_id: int
    is_head: bool
    status: str
    self_report: str
    self_total: Any
    reviewed_at: Any
    review_comment: str
    reviewed_without_self: bool
    score: Any
    level: str | None
    imported: bool
    reopened: bool
    version: int
    period: ShownPeriod
    staff: ShownStaff
    unit: ShownUnit
    reviewer: ShownUser | None
    objection: ShownObjection | None
    criteria: list[ShownCriterion]

    @property
    def status_label(self) -> Any:
        return ASSESSMENT_STATUSES.get(self.status, self.status)

    @property
    def reviewer_unit_id(self) -> int | None:
        return _REVIEWER_UNIT(self)  # type: ignore[no-any-return]


# The reviewer rule's Python side (the model's hybrid property), applied to plain values.
_REVIEWER_UNIT = Assessment.__dict__["reviewer_unit_id"].fget


_REVIEWER, _ANSWERER = aliased(User), aliased(User)
_SHOWN = {  # the columns of each part, in the statement's order
    "assessment": (Assessment.id, Assessment.staff_id, Assessment.unit_id, Assessment.is_head,
                   Assessment.status, Assessment.self_report, Assessment.self_total,
                   Assessment.reviewed_at, Assessment.review_comment, Assessment.reviewed_without_self,
                   Assessment.score, Assessment.level, Assessment.imported, Assessment.reopened,
                   Assessment.version),
    "period": (Period.id, Period.code, Period.status, Period.starts_on, Period.self_due_on,
               Period.closed_at, Policy.objection_days),
    "staff": (Staff.full_name, Staff.code, Staff.unit_id),
    "unit": (Unit.id, Unit.name, Unit.path, Unit.parent_id),
    "reviewer": (_REVIEWER.id, _REVIEWER.display_name),
    "objection": (Objection.id, Objection.text, Objection.created_at, Objection.answer,
                  Objection.answered_at, _ANSWERER.id, _ANSWERER.display_name),
    "criterion": (AssessmentCriterion.id, AssessmentCriterion.code, AssessmentCriterion.group_code,
                  AssessmentCriterion.position, AssessmentCriterion.name_vi, AssessmentCriterion.name_en,
                  AssessmentCriterion.max_score, AssessmentCriterion.self_score,
                  AssessmentCriterion.head_score, AssessmentCriterion.suggested_score,
                  AssessmentCriterion.suggestion_note),
}


@cache
def _shown_assessment() -> Select[Any]:
    """The assessment page's one statement, built once: the relationships' joins of
    `_one_assessment` (inner for period, policy, staff and unit), a row per criterion."""
    return (select(*(column for part in _SHOWN.values() for column in part))
            .join(Period, Period.id == Assessment.period_id)
            .join(Policy, Policy.id == Period.policy_id)
            .join(Staff, Staff.id == Assessment.staff_id)
            .join(Unit, Unit.id == Assessment.unit_id)
            .outerjoin(_REVIEWER, _REVIEWER.id == Assessment.reviewer_id)
            .outerjoin(AssessmentCriterion, AssessmentCriterion.assessment_id == Assessment.id)
            .outerjoin(Objection, Objection.assessment_id == Assessment.id)
            .outerjoin(_ANSWERER, _ANSWERER.id == Objection.answered_by_id)
            .where(Assessment.id == bindparam("assessment_id"))
            .order_by(AssessmentCriterion.position))


def _slices(parts: dict[str, tuple[Any, ...]]) -> dict[str, slice]:
    """Where each part's columns are in a row of the statement."""
    found, start = {}, 0
    for name, columns in parts.items():
        found[name] = slice(start, start + len(columns))
        start += len(columns)
    return found


_IN_ROW = _slices(_SHOWN)


def shown_assessment(assessment_id: int) -> ShownAssessment | None:
    """The assessment page's values (ShownAssessment) in one query; None when there is no such
    assessment. Read only: the forms and services acting on an assessment load the model."""
    rows = db.session.connection().execute(_shown_assessment(), {"assessment_id": assessment_id}).all()
    if not rows:
        return None
    first = rows[0]
    *period, objection_days = first[_IN_ROW["period"]]
    reviewer_id, reviewer_name = first[_IN_ROW["reviewer"]]
    objection_id, text, created_at, answer, answered_at, answerer_id, answerer = first[_IN_ROW["objection"]]
    criterion, english = _IN_ROW["criterion"], in_english()
    # Each part from its columns, in its fields' order (mypy cannot count a row's columns).
    parts = (
        ShownPeriod(*period, ShownPolicy(objection_days)),  # type: ignore[call-arg]
        ShownStaff(*first[_IN_ROW["staff"]]),
        ShownUnit(*first[_IN_ROW["unit"]]),
        ShownUser(reviewer_name) if reviewer_id is not None else None,
        ShownObjection(text, created_at, answer, answered_at,
                       ShownUser(answerer) if answerer_id is not None else None)
        if objection_id is not None else None,
        [ShownCriterion(*row[criterion][1:],  # type: ignore[call-arg]
                        _localised(row.name_vi, row.name_en, english))
         for row in rows if row[criterion.start] is not None],
    )
    return ShownAssessment(*first[_IN_ROW["assessment"]], *parts)  # type: ignore[call-arg]


def history(staff_id: int, months: int = 24) -> list[Assessment]:
    """The staff member's latest assessments, oldest first (for the chart)."""
    rows = db.session.scalars(
        select(Assessment).options(LIST_ONLY).join(Period).where(Assessment.staff_id == staff_id)
        .order_by(Period.starts_on.desc()).limit(months)).all()
    return list(reversed(rows))


def history_page(staff_id: int) -> Pagination:
    return paginate(select(Assessment).options(LIST_ONLY).join(Period).where(Assessment.staff_id == staff_id)
                     .order_by(Period.starts_on.desc()))


def current_assessment(staff_id: int, period: Period | None) -> Assessment | None:
    """The person's assessment of a period, for a summary (its criteria load only if read)."""
    if period is None:
        return None
    return db.session.scalar(select(Assessment).options(LIST_ONLY).where(Assessment.staff_id == staff_id,
                                                      Assessment.period_id == period.id))


def _published(unit: Unit, period: Period) -> Select[tuple[Assessment]]:
    return (select(Assessment).options(LIST_ONLY).join(Staff, Staff.id == Assessment.staff_id)
            .where(Assessment.unit_id == unit.id, Assessment.period_id == period.id,
                   Assessment.status == "closed")
            .order_by(Staff.full_name, Staff.code))


def published_list(unit: Unit, period: Period) -> Pagination:
    """Names and levels of the unit's closed assessments in a closed period (SPEC §3.7)."""
    return paginate(_published(unit, period), per_page=100)


def published_all(unit: Unit, period: Period) -> Sequence[Assessment]:
    """The whole published list, for the printable sheet and its downloads (one query)."""
    return db.session.scalars(_published(unit, period)).all()


RECENT = 24


def recent_periods() -> Sequence[Period]:
    """Periods run in the system (not imported), newest first, for period pickers."""
    return db.session.scalars(select(Period).options(lazyload(Period.policy))  # codes only
                              .where(Period.imported.is_(False))
                              .order_by(Period.starts_on.desc()).limit(RECENT)).all()


@cache
def _recent_rows() -> Select[Any]:
    return (select(Period.id, Period.code, Period.status, Period.starts_on, Period.review_due_on,
                   Period.closes_on)
            .where(Period.imported.is_(False)).order_by(Period.starts_on.desc()).limit(RECENT))


def recent_period_rows() -> Sequence[Row[Any]]:
    """recent_periods() as plain rows (id, code, status, starts_on, review_due_on, closes_on):
    for a page that shows the picker and one period's dates, no Period objects to load."""
    return db.session.execute(_recent_rows()).all()


def current_among(periods: Sequence[Any]) -> Any:
    """The current period (services.current_period: the latest open one, else the latest) found
    in recent_periods() without another query; False when the list cannot tell (none of its
    periods is open but older ones may be)."""
    for period in periods:
        if period.status == "open":
            return period
    if len(periods) < RECENT:
        return periods[0] if periods else None
    return False


def closed_periods() -> Sequence[Period]:
    return db.session.scalars(select(Period).where(Period.status == "closed")
                              .order_by(Period.starts_on.desc()).limit(36)).all()


def periods_page() -> Pagination:
    return paginate(select(Period).order_by(Period.starts_on.desc()))


def period_counts(period_ids: Iterable[int]) -> dict[int, Counter[str]]:
    """{period id: {status: count}} for a page of periods (one grouped query)."""
    found: dict[int, Counter[str]] = {pid: Counter() for pid in period_ids}
    for period_id, status, count in db.session.execute(
            select(Assessment.period_id, Assessment.status, func.count(Assessment.id))
            .where(Assessment.period_id.in_(period_ids))
            .group_by(Assessment.period_id, Assessment.status)):
        found[period_id][status] = count
    return found


def policies() -> Sequence[Policy]:
    return db.session.scalars(select(Policy).order_by(Policy.effective_from.desc())).all()


def frameworks() -> Sequence[Framework]:
    return db.session.scalars(select(Framework).order_by(Framework.effective_from.desc(),
                                                         Framework.code)).all()


EXPORT_MONTH_HEADER = ("staff_code", "period", "unit_code", "status", "score", "level")


def export_month_rows(start: date) -> list[tuple[Any, ...]]:
    """`staff_code,period,unit_code,status,score,level`: one row per assessment of the month, with
    the unit it is filed under (SPEC §9)."""
    rows = db.session.execute(
        select(Staff.code, Period.code, Unit.code, Assessment.status, Assessment.score,
               Assessment.level)
        .join(Period, Period.id == Assessment.period_id)
        .join(Staff, Staff.id == Assessment.staff_id).join(Unit, Unit.id == Assessment.unit_id)
        .where(Period.starts_on == start).order_by(Staff.code)).tuples().all()
    return [(staff, period, unit, status, "" if score is None else score, level or "")
            for staff, period, unit, status, score, level in rows]
# ---------------------------------------------------------------- dashboards (app/reports)

SCORED_STATUSES = ("reviewed", "closed")


def _level_figures(today: date) -> tuple[Any, ...]:
    """Columns of the grouped level figures: level, assessments, scored, score tenths, overdue."""
    scored = Assessment.status.in_(SCORED_STATUSES) & Assessment.score.is_not(None)
    waiting = Assessment.status.in_(("draft", "self_submitted"))
    overdue = case((Assessment.status == "not_evaluated", 1),
                   (and_(waiting, Period.review_due_on < today), 1), else_=0)
    return (Assessment.level, func.count(Assessment.id), func.sum(case((scored, 1), else_=0)),
            func.sum(case((scored, type_coerce(Assessment.score, Integer)), else_=0)), func.sum(overdue))


def _in_months(query: Select[Any], first: date, last: date, path: str | None) -> Select[Any]:
    """The live rows of the open months first..last (closed months are read from the summary)."""
    query = (query.select_from(Assessment).join(Period, Period.id == Assessment.period_id)
             .where(Period.starts_on.between(first, last), Period.status != "closed"))
    if path:
        query = query.join(Unit, Unit.id == Assessment.unit_id).where(
            Unit.path.startswith(path, autoescape=True))
    return query


def _summary_figures(today: date) -> tuple[Any, ...]:
    """The same five columns as `_level_figures`, added up from the closed months' summary."""
    waiting_overdue = case((Period.review_due_on < today, AssessmentSummary.waiting), else_=0)
    return (AssessmentSummary.level, func.sum(AssessmentSummary.assessments),
            func.sum(AssessmentSummary.scored), func.sum(AssessmentSummary.score_tenths),
            func.sum(AssessmentSummary.not_evaluated + waiting_overdue))


def _in_closed_months(query: Select[Any], first: date, last: date, path: str | None) -> Select[Any]:
    query = (query.select_from(AssessmentSummary).join(Period, Period.id == AssessmentSummary.period_id)
             .where(Period.starts_on.between(first, last), Period.status == "closed"))
    if path:
        query = query.join(Unit, Unit.id == AssessmentSummary.unit_id).where(
            Unit.path.startswith(path, autoescape=True))
    return query


def levels_by_month(first: date, last: date, path: str | None, today: date,
                    live: bool = False) -> Sequence[Row[Any]]:
    """(period code, level, assessments, scored, score tenths, overdue) for the assessments filed
    under a subtree (every unit when `path` is None) in the months first..last: the open months
    grouped live, the closed ones from their summary (two queries; a (code, level) may come
    twice, the caller adds the rows up). `live` groups every month's rows (the tests' reference)."""
    if live:
        return db.session.execute(_all_months(select(Period.code, *_level_figures(today)), first, last, path)
                                  .group_by(Period.code, Assessment.level)).all()
    open_rows = db.session.execute(_in_months(select(Period.code, *_level_figures(today)), first, last, path)
                                   .group_by(Period.code, Assessment.level)).all()
    closed_rows = db.session.execute(
        _in_closed_months(select(Period.code, *_summary_figures(today)), first, last, path)
        .group_by(Period.code, AssessmentSummary.level)).all()
    return [*open_rows, *closed_rows]


def levels_by_unit(first: date, last: date, path: str | None, today: date,
                   live: bool = False) -> Sequence[Row[Any]]:
    """(unit id, level, assessments, scored, score tenths, overdue) per unit of a subtree in the
    months first..last: the open months grouped live on the (period, unit) index's columns, the
    closed ones from their summary (two queries; a (unit, level) may come twice, the caller adds
    the rows up and rolls units up into their ancestors). `live` groups every month's rows."""
    if live:
        return db.session.execute(_all_months(select(Assessment.unit_id, *_level_figures(today)),
                                              first, last, path)
                                  .group_by(Assessment.unit_id, Assessment.level)).all()
    open_rows = db.session.execute(
        _in_months(select(Assessment.unit_id, *_level_figures(today)), first, last, path)
        .group_by(Assessment.unit_id, Assessment.level)).all()
    closed_rows = db.session.execute(
        _in_closed_months(select(AssessmentSummary.unit_id, *_summary_figures(today)), first, last, path)
        .group_by(AssessmentSummary.unit_id, AssessmentSummary.level)).all()
    return [*open_rows, *closed_rows]


def _all_months(query: Select[Any], first: date, last: date, path: str | None) -> Select[Any]:
    query = (query.select_from(Assessment).join(Period, Period.id == Assessment.period_id)
             .where(Period.starts_on.between(first, last)))
    if path:
        query = query.join(Unit, Unit.id == Assessment.unit_id).where(
            Unit.path.startswith(path, autoescape=True))
    return query
