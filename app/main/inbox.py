"""The home page's work inbox: what the signed-in user has to do next, by role, each item with
its count, its deadline (dd/mm/yyyy) and a link straight to where it is done.

A fixed number of statements whatever the size of the organisation: one grouped or counted
query per kind of work, each scoped by the same permission rules as the pages it links to."""
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)

from app import clock
from app.annual.models import AnnualResult, AnnualUnitYear
from app.annual.queries import early_warning_count
from app.annual.services import year_policy
from app.conduct.models import ConductReport, Finding, Inspection
from app.database import constant
from app.evaluation.models import Assessment, Objection, Period, reviewed_in
from app.evaluation.services import deadlines, policy_in_force
from app.extensions import db
from app.feedback.models import Complaint
from app.org.models import Unit
from app.periods import period_code
from app.permissions import can, scope_filter
from app.reviews.models import ReviewCase
from app.tasks.models import Task


@dataclass
class Item:
    """One thing to do. Its sentence is the page's (main/index.html, one per kind, translated when
    the template is compiled), with `count`, `month`, `year` or `level` in it."""

    kind: str  # a stable name: picks the sentence; used by the tests and as a CSS hook
    url: str
    due: date | None = None
    overdue: bool = False
    count: int | None = None
    month: str | None = None  # mm/yyyy
    year: int | None = None
    level: str | None = None


def _month(code: str) -> str:
    return f"{code[5:7]}/{code[:4]}"


# Statements built once per user (their values are the user's own: staff id, grants and the
# units' paths) and kept, like the menu: a statement reused is not built, keyed nor compiled again.
# Any change of what they embed is another key.
_KEPT: "OrderedDict[tuple, dict[str, Any]]" = OrderedDict()
_KEPT_SIZE = 1024


def _key(user) -> tuple:
    return (user.id, user.staff_id, user.is_sys_admin, user.active,
            tuple(sorted((g.role, g.unit_id, g.unit.path if g.unit is not None else None)
                         for g in user.grants)))


def _statements(user) -> dict[str, Any]:
    key = _key(user)
    kept = _KEPT.get(key)
    if kept is not None:
        _KEPT.move_to_end(key)
        return kept
    kept = _build(user)
    _KEPT[key] = kept
    if len(_KEPT) > _KEPT_SIZE:
        _KEPT.popitem(last=False)
    return kept


def _part(kind: str, ref: Any = None, code: Any = None, day: Any = None, moment: Any = None,
          number: Any = None) -> Any:
    """One kind of list in the union of the user's lists: (kind, ref, code, day, moment, number)."""
    columns: dict[str, tuple[Any, Any]] = {
        "ref": (ref, Integer), "code": (code, String), "day": (day, Date),
        "moment": (moment, DateTime(timezone=True)), "number": (number, Integer)}
    return select(constant(kind).label("kind"),
                  *((cast(null(), kind_of) if value is None else value).label(name)
                    for name, (value, kind_of) in columns.items()))


def _count(name: str, count: Any, first: Any = None, first_is_ref: bool = False) -> Any:
    """One count the user is shown as a row of the union: (name, number = the count, day or ref =
    the first due day or the first one to open)."""
    if first_is_ref:
        return _part(name, ref=first, number=count)
    return _part(name, day=first, number=count)


def _tally(name: str, rows: Any, counted: Any, due: Any) -> Any:
    """A count and its first due day as a row of the union, from one pass over `rows` (a count and
    a first day as two subqueries read them twice)."""
    tally = rows.with_only_columns(func.count(counted).label("n"), func.min(due).label("first")).subquery()
    return _part(name, day=tally.c.first, number=tally.c.n)


def _reviewed(user) -> Any:
    """`reviewed_by(user)` with the units the user heads as one bound parameter each: a list
    parameter is expanded into the SQL text on every run (8 lists in the inbox, a third of the
    statement's time in SQLAlchemy), these are written once with the kept statement."""
    heads_of = [literal(g.unit_id, Integer) for g in user.grants if g.role == "unit_head"]
    return reviewed_in(heads_of, user.staff_id)


def _shown(user) -> frozenset[str]:
    """The sections of the inbox the user is shown, by their roles and permissions (kept with the
    statement: they follow from the same key)."""
    sections = {"own": bool(user.staff_id), "reviews": "unit_head" in user.roles,
                "accept": can(user, "tasks.assign"), "conduct_reports": "inspector" in user.roles,
                "complaints": can(user, "complaint.answer"), "review_cases": can(user, "review.manage"),
                "province": can(user, "period.manage")}
    return frozenset(name for name, shown in sections.items() if shown)


def _build(user) -> dict[str, Any]:
    """The user's statement: their lists and one row per count they are shown, in one union."""
    built: dict[str, Any] = {"shown": _shown(user)}
    lists: list[Any] = []
    counts = lists
    shown = built["shown"]
    if "own" in shown:
        lists.append(  # own assessments still to fill in
            _part("self", Assessment.id, Period.code, Period.self_due_on)
            .join(Period, Period.id == Assessment.period_id)
            .where(Assessment.staff_id == user.staff_id, Period.status == constant("open"),
                   Assessment.status == constant("draft")))
        lists.append(  # conduct findings to answer
            _part("findings", day=Finding.occurred_on, moment=ConductReport.submitted_at)
            .select_from(Finding).join(ConductReport, ConductReport.id == Finding.report_id)
            .where(Finding.staff_id == user.staff_id, Finding.status == constant("pending"),
                   ConductReport.status == constant("submitted"), Finding.response.is_(None)))
        lists.append(  # review cases about them
            _part("my-case", ReviewCase.id, number=ReviewCase.year)
            .where(ReviewCase.staff_id == user.staff_id, ReviewCase.status != constant("decided")))
        mine = (Task.staff_id == user.staff_id, Task.status.in_((constant("assigned"), constant("returned"))))
        counts.append(_tally("tasks", select(Task.id).where(*mine), Task.id, Task.due_on))
    if "reviews" in shown:
        # Reviews due, counted for each open month (none: 0, left out by `_reviews`): the month a
        # parameter of its count, so PostgreSQL reads the team by its indexes (reviewed_by), not
        # every waiting assessment of the month in the province (a join: 11 ms at 200,000 staff).
        waiting = (select(func.count(Assessment.id))
                   .where(Assessment.period_id == Period.id,
                          Assessment.status.in_((constant("draft"), constant("self_submitted"))),
                          _reviewed(user))
                   .scalar_subquery())
        lists.append(_part("reviews", code=Period.code, day=Period.review_due_on, number=waiting)
                     .where(Period.status == constant("open")))
        # Driven by the few unanswered objections, each one's assessment checked by its key (as a
        # join, SQLite scanned every assessment: there is no index on the unit alone).
        reviewed = select(Assessment.id).where(Assessment.id == Objection.assessment_id, _reviewed(user))
        unanswered = select(Objection.id).where(Objection.answered_at.is_(None), reviewed.exists())
        counts.append(_count(
            "objections", unanswered.with_only_columns(func.count(Objection.id)).scalar_subquery(),
            unanswered.with_only_columns(Objection.assessment_id).order_by(Objection.id).limit(1)
            .scalar_subquery(), first_is_ref=True))
    if "accept" in shown:
        submitted = (select(Task.id).join(Unit, Unit.id == Task.unit_id)
                     .where(scope_filter(user, "tasks.assign", Unit.path),
                            Task.status == constant("submitted"), Task.staff_id != (user.staff_id or 0)))
        counts.append(_tally("accept", submitted, Task.id, Task.due_on))
    if "conduct_reports" in shown:
        counts.append(_count(
            "conduct_reports", select(func.count(ConductReport.id))
            .join(Inspection, Inspection.id == ConductReport.inspection_id)
            .where(Inspection.lead_id == user.id, ConductReport.status == constant("submitted"))
            .scalar_subquery()))
    if "complaints" in shown:
        counts.append(_count(
            "complaints", select(func.count(Complaint.id)).join(Unit, Unit.id == Complaint.unit_id)
            .where(scope_filter(user, "feedback.view", Unit.path), Complaint.status == constant("open"))
            .scalar_subquery()))
    if "review_cases" in shown:
        counts.append(_count(
            "review_cases", select(func.count(ReviewCase.id)).join(Unit, Unit.id == ReviewCase.unit_id)
            .where(scope_filter(user, "review.manage", Unit.path), ReviewCase.status != constant("decided"))
            .scalar_subquery()))
    if lists:
        built["lists"] = union_all(*lists) if len(lists) > 1 else lists[0]
    return built


def _self_assessments(rows, today: date) -> list[Item]:
    return [Item("self", url_for("evaluation.assessment_detail", assessment_id=row.ref),
                 row.day, bool(row.day and today > row.day), month=_month(row.code))
            for row in sorted(rows.get("self", ()), key=lambda row: row.code)]


def _findings_to_answer(rows, today: date) -> list[Item]:
    found = rows.get("findings")
    if not found:
        return []
    days = policy_in_force(today).conduct_response_days
    dues = [clock.local_date(row.moment) + timedelta(days=days) for row in found if row.moment]
    open_dues = [d for d in dues if d >= today]
    if not open_dues:
        return []
    return [Item("findings", url_for("conduct.mine"), min(open_dues), count=len(open_dues))]


class _Counts:
    """The count rows of the union by name: `counts.tasks` is the count, `counts.tasks_due` its first
    due day, `counts.objection_first` the first objection's assessment."""

    def __init__(self, rows: dict[str, list[Any]]):
        self._rows = rows

    def _row(self, name: str) -> Any:
        return self._rows[name][0]

    def __getattr__(self, name: str) -> Any:
        if name.endswith("_due"):
            return self._row(name[:-4]).day
        if name == "objection_first":
            return self._row("objections").ref
        return self._row(name).number


def _my_tasks(counts, today: date) -> list[Item]:
    count, first_due = counts.tasks, counts.tasks_due
    if not count:
        return []
    return [Item("tasks", url_for("tasks.mine"), first_due, bool(first_due and first_due < today),
                 count=count)]


def _my_cases(rows) -> list[Item]:
    return [Item("my-case", url_for("reviews.case_detail", case_id=row.ref), year=row.number)
            for row in sorted(rows.get("my-case", ()), key=lambda row: row.ref)]


def _reviews(rows, today: date) -> list[Item]:
    return [Item("reviews", url_for("evaluation.team", period=row.code), row.day,
                 bool(row.day and today > row.day), count=row.number, month=_month(row.code))
            for row in sorted(rows.get("reviews", ()), key=lambda row: row.code) if row.number]


def _objections(counts) -> list[Item]:
    if not counts.objections:
        return []
    return [Item("objections", url_for("evaluation.assessment_detail", assessment_id=counts.objection_first),
                 count=counts.objections)]


def _tasks_to_accept(counts, today: date) -> list[Item]:
    count, first_due = counts.accept, counts.accept_due
    if not count:
        return []
    return [Item("task-board",
                 url_for("tasks.board", status="submitted", period=period_code(first_due or today)),
                 first_due, count=count)]


def _conduct_reports(counts) -> list[Item]:
    if not counts.conduct_reports:
        return []
    return [Item("conduct-reports", url_for("conduct.reports", status="submitted"),
                 count=counts.conduct_reports)]


def _complaints(counts) -> list[Item]:
    if not counts.complaints:
        return []
    return [Item("complaints", url_for("feedback.complaints", status="open"), count=counts.complaints)]


def _review_cases(counts) -> list[Item]:
    if not counts.review_cases:
        return []
    return [Item("review-cases", url_for("reviews.cases"), count=counts.review_cases)]


def _province(user, today: date) -> list[Item]:
    """hr_admin: months waiting to open or to close, A-quota breaches, early warnings."""
    items = []
    periods = url_for("evaluation.periods")
    this_month = today.replace(day=1)
    opens_on = deadlines(policy_in_force(this_month), this_month)["opens_on"]
    code = period_code(this_month)
    current = db.session.scalar(select(Period.status).where(Period.code == code))
    if current is None and today >= opens_on:
        items.append(Item("period-open", periods, opens_on, True, month=_month(code)))
    for code, closes_on in db.session.execute(
            select(Period.code, Period.closes_on).where(Period.status == constant("open"),
                                                        Period.closes_on <= today)).all():
        items.append(Item("period-close", periods, closes_on, True, month=_month(code)))
    year = db.session.scalar(select(func.max(AnnualResult.year)))
    if year is not None:
        policy = year_policy(year)
        top, second = policy.top_levels
        counts: dict[int, dict[str, int]] = {}
        for unit_id, level, count in db.session.execute(
                select(AnnualResult.unit_id, AnnualResult.level, func.count(AnnualResult.id))
                .join(Unit, Unit.id == AnnualResult.unit_id)
                .where(AnnualResult.year == year, AnnualResult.level.in_((top, second)),
                       scope_filter(user, "annual.view", Unit.path),
                       AnnualResult.unit_id.not_in(select(AnnualUnitYear.unit_id)
                                                   .where(AnnualUnitYear.year == year)))
                .group_by(AnnualResult.unit_id, AnnualResult.level)):
            counts.setdefault(unit_id, {})[level] = count
        breaches = sum(1 for c in counts.values()
                       if c.get(top, 0) > policy.excellent_quota_ratio * c.get(second, 0))
        if breaches:
            items.append(Item("quota", url_for("annual.overview", year=year), overdue=True,
                              count=breaches, level=top, year=year))
    warning_year = today.year
    warned = early_warning_count(user, warning_year, year_policy(warning_year))
    if warned:
        items.append(Item("early-warning", url_for("annual.early_warning", year=warning_year),
                          count=warned, year=warning_year))
    return items


def inbox(user) -> list[Item]:
    """Everything the user has to do, overdue first, then by deadline: the user's kept statement,
    their lists and every count they are shown in one."""
    today = clock.today()
    statements = _statements(user)
    rows: dict[str, list[Any]] = {}
    for row in db.session.connection().execute(statements["lists"]) if "lists" in statements else ():
        rows.setdefault(row.kind, []).append(row)
    counts = _Counts(rows)
    shown = statements["shown"]
    items: list[Item] = []
    if "own" in shown:
        items += _self_assessments(rows, today) + _findings_to_answer(rows, today)
        items += _my_tasks(counts, today) + _my_cases(rows)
    if "reviews" in shown:
        items += _reviews(rows, today) + _objections(counts)
    if "accept" in shown:
        items += _tasks_to_accept(counts, today)
    if "conduct_reports" in shown:
        items += _conduct_reports(counts)
    if "complaints" in shown:
        items += _complaints(counts)
    if "review_cases" in shown:
        items += _review_cases(counts)
    if "province" in shown:
        items += _province(user, today)
    return sorted(items, key=lambda i: (not i.overdue, i.due or date.max))
