"""Reads that combine features, each through the feature's own queries: the staff profile, the
unit dashboard, the province ranking and the printable sheets. Every page runs a fixed number of
grouped queries whatever the size of the organisation: figures are grouped per unit path in SQL
and rolled up into ancestors here (a unit's path lists its ancestors' ids)."""
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import select

from app import clock
from app.annual import queries as annual_queries
from app.conduct import queries as conduct_queries
from app.errors import DomainError
from app.evaluation import queries as evaluation_queries
from app.evaluation.models import Period, Policy
from app.evaluation.services import policy_in_force
from app.extensions import db
from app.feedback import queries as feedback_queries
from app.org.models import UNIT_KINDS, Staff, Unit
from app.periods import (
    PERIOD_PATTERN,
    YEAR_PATTERN,
    add_months,
    month_end,
    parse_period,
    parse_year,
    period_code,
)
from app.permissions import can
from app.reports.models import RankingBand, RankingPolicy
from app.reviews import queries as review_queries
from app.tasks import queries as task_queries

if TYPE_CHECKING:
    from app.auth.models import User

HUNDREDTH, TENTH = Decimal("0.01"), Decimal("0.1")


# ---------------------------------------------------------------- the profile


@dataclass
class ProfileRecord:
    """What other features hold about a person, for their profile."""

    annual_results: Sequence[Any]
    findings: Sequence[Any]
    cases: Sequence[Any]
    chart: Sequence[Any] = ()
    policy: Policy | None = None
    feedback: Sequence["MonthIndex"] = ()
    work: Sequence[tuple[str, Any]] = ()


@dataclass
class MonthIndex:
    """A month's satisfaction: counts and the index, never who rated."""

    period: str
    positive: int
    ratings: int

    @property
    def index(self) -> Decimal | None:
        return percent(self.positive, self.ratings)


def profile_record(staff: Staff, user: "User") -> ProfileRecord:
    """Annual results with reasons, conduct record, review cases the user may see, the 24-month
    score chart, the citizen feedback summary and the work results per month (a fixed number of
    queries)."""
    today = clock.today()
    last = today.replace(day=1)
    first = add_months(last, -23)
    chart = evaluation_queries.history(staff.id, 24)
    feedback = [MonthIndex(p, positive, total) for p, positive, total
                in feedback_queries.staff_satisfaction(staff.id, period_code(first), period_code(last))]
    work = sorted(task_queries.staff_months(staff.id, first, last).items(), reverse=True)
    return ProfileRecord(
        annual_results=annual_queries.staff_results(staff.id),
        findings=conduct_queries.findings_of(staff.id),
        cases=[c for c in review_queries.cases_of(staff.id) if can(user, "review.view", c)],
        chart=chart, policy=policy_in_force(today), feedback=feedback, work=work)


def own_cases(staff_id: int) -> Sequence[Any]:
    """A person's own review cases, for their assessment page."""
    return review_queries.cases_of(staff_id)


# ---------------------------------------------------------------- spans of months


@dataclass(frozen=True)
class Span:
    """The months a dashboard covers: one month (`2026-10`) or a year (`2026`)."""

    code: str
    first: date
    last: date

    @property
    def is_year(self) -> bool:
        return len(self.code) == 4

    @property
    def months(self) -> list[str]:
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [period_code(add_months(self.first, i)) for i in range(count)]

    @property
    def end(self) -> date:
        """The last day of the span."""
        return month_end(self.last)

    @property
    def previous(self) -> "Span":
        """The month or year before."""
        if self.is_year:
            return year_span(self.first.year - 1)
        return month_span(add_months(self.first, -1))

    @property
    def label(self) -> str:
        if self.is_year:
            return _("năm %(year)d", year=self.first.year)
        return _("tháng %(month)02d/%(year)d", month=self.first.month, year=self.first.year)


def year_span(year: int) -> Span:
    return Span(str(year), date(year, 1, 1), date(year, 12, 1))


def month_span(first: date) -> Span:
    return Span(period_code(first), first, first)


def parse_span(text: str | None) -> Span:
    """`YYYY` or `YYYY-MM` (this year when empty), or DomainError."""
    text = (text or "").strip()
    if not text:
        return year_span(clock.today().year)
    if YEAR_PATTERN.match(text):
        return year_span(parse_year(text))
    if PERIOD_PATTERN.match(text):
        return month_span(parse_period(text))
    raise DomainError(_("Kỳ báo cáo phải là một năm (YYYY) hoặc một tháng (YYYY-MM)."))


# ---------------------------------------------------------------- figures


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole in per cent with one decimal, or None when there is nothing to count."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(TENTH, ROUND_HALF_UP)


@dataclass
class Figures:
    """A unit's (or a month's) figures: assessments, scored ones and their levels, the overdue
    reviews, the citizens' ratings and the confirmed violations."""

    assessments: int = 0
    scored: int = 0
    tenths: int = 0
    overdue: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    positive: int = 0
    ratings: int = 0
    violations: int = 0

    def add(self, other: "Figures") -> None:
        for name in ("assessments", "scored", "tenths", "overdue", "positive", "ratings", "violations"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.levels.update(other.levels)

    def add_levels(self, level: str | None, assessments: int, scored: int, tenths: int,
                   overdue: int) -> None:
        self.assessments += assessments
        self.scored += int(scored or 0)
        self.tenths += int(tenths or 0)
        self.overdue += int(overdue or 0)
        if level and scored:
            self.levels[level] += int(scored)

    @property
    def mean(self) -> Decimal | None:
        """The mean score of the scored assessments, to two decimals."""
        if not self.scored:
            return None
        return (Decimal(self.tenths) / 10 / self.scored).quantize(HUNDREDTH, ROUND_HALF_UP)

    def share(self, level: str) -> Decimal | None:
        return percent(self.levels[level], self.scored)

    @property
    def satisfaction(self) -> Decimal | None:
        return percent(self.positive, self.ratings)


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def unit_paths(path: str | None) -> dict[int, str]:
    """{unit id: path} of a subtree (every unit when `path` is None), to roll figures up."""
    query = select(Unit.id, Unit.path)
    if path:
        query = query.where(Unit.path.startswith(path, autoescape=True))
    return dict(db.session.execute(query).tuples().all())


def figures_by_unit(span: Span, path: str | None, targets: Iterable[int],
                    direct_of: int | None = None, live: bool = False) -> dict[int, Figures]:
    """{unit id: figures of its subtree} for the target units, over the span (five grouped
    queries: closed months from the evaluation summary, open ones live; `live` groups every
    month's assessments, the tests' reference). With `direct_of`, key -1 holds what is filed
    directly under that unit."""
    wanted = set(targets)
    found: dict[int, Figures] = {unit_id: Figures() for unit_id in wanted}
    if direct_of is not None:
        found[-1] = Figures()
    paths = unit_paths(path)
    receivers_of: dict[int, list[Figures]] = {}

    def receivers(unit_id: int) -> list[Figures]:
        if unit_id not in receivers_of:
            ids = _ids(paths.get(unit_id, ""))
            out = [found[i] for i in ids if i in wanted]
            if direct_of is not None and unit_id == direct_of:
                out.append(found[-1])
            receivers_of[unit_id] = out
        return receivers_of[unit_id]

    for unit_id, level, assessments, scored, tenths, overdue in evaluation_queries.levels_by_unit(
            span.first, span.last, path, clock.today(), live=live):
        for figures in receivers(unit_id):
            figures.add_levels(level, assessments, scored, tenths, overdue)
    for unit_id, positive, total in feedback_queries.satisfaction_by_unit(
            span.months[0], span.months[-1], path):
        for figures in receivers(unit_id):
            figures.positive += int(positive or 0)
            figures.ratings += int(total or 0)
    for unit_id, count in conduct_queries.confirmed_by_unit(span.first, span.end, path):
        for figures in receivers(unit_id):
            figures.violations += count
    return found


# ---------------------------------------------------------------- the unit dashboard


@dataclass
class MonthFigures:
    period: str
    figures: Figures


@dataclass(frozen=True)
class RuleCount:
    """Confirmed violations of one conduct rule."""

    code: str
    text_vi: str
    text_en: str
    count: int


@dataclass
class Violations:
    """A subtree's confirmed violations over a span: by rule (most first) and per month and rule."""

    by_rule: list[RuleCount]
    months: list[tuple[str, Counter[str]]]

    def chart_series(self, shown: int) -> tuple[list[str], list[tuple[str, Counter[str]]]]:
        """The `shown` most frequent rules as series and the rest added up under "" (the other
        rules), for a readable chart: (series, [(month, {series: count})])."""
        top = [rule.code for rule in self.by_rule[:shown]]
        rest = len(self.by_rule) > shown
        months = []
        for code, counts in self.months:
            grouped: Counter[str] = Counter({rule: counts[rule] for rule in top})
            if rest:
                grouped[""] = sum(n for rule, n in counts.items() if rule not in top)
            months.append((code, grouped))
        return [*top, *([""] if rest else [])], months


def violations(span: Span, path: str | None) -> Violations:
    """Confirmed violations per month and rule of a subtree (one grouped query)."""
    months: dict[str, Counter[str]] = {code: Counter() for code in span.months}
    rules: dict[str, RuleCount] = {}
    for year, month, code, text_vi, text_en, count in conduct_queries.confirmed_by_month_rule(
            span.first, span.end, path):
        months[f"{int(year):04d}-{int(month):02d}"][code] += count
        known = rules.get(code)
        rules[code] = RuleCount(code, text_vi, text_en, count + (known.count if known else 0))
    return Violations(by_rule=sorted(rules.values(), key=lambda r: (-r.count, r.code)),
                      months=list(months.items()))


@dataclass
class Dashboard:
    """Everything the unit dashboard shows, for one unit's subtree and one span."""

    unit: Unit
    span: Span
    levels: list[str]
    months: list[MonthFigures]
    violations: Violations
    children: list[tuple[Unit, Figures]]
    direct: Figures
    total: Figures


def dashboard(unit: Unit, span: Span) -> Dashboard:
    """The unit dashboard: level distribution, mean score, satisfaction and overdue reviews per
    month; confirmed violations per month and rule; the same figures per child unit (a fixed
    number of queries, whatever the size of the subtree)."""
    policy = policy_in_force(span.last)
    months = {code: Figures() for code in span.months}
    for code, level, assessments, scored, tenths, overdue in evaluation_queries.levels_by_month(
            span.first, span.last, unit.path, clock.today()):
        months[code].add_levels(level, assessments, scored, tenths, overdue)
    for code, positive, total in feedback_queries.satisfaction_by_month(
            span.months[0], span.months[-1], unit.path):
        months[code].positive += int(positive or 0)
        months[code].ratings += int(total or 0)
    children = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name)).all()
    by_unit = figures_by_unit(span, unit.path, [unit.id, *(c.id for c in children)], direct_of=unit.id)
    return Dashboard(
        unit=unit, span=span, levels=[band.level for band in policy.bands],
        months=[MonthFigures(code, figures) for code, figures in months.items()],
        violations=violations(span, unit.path),
        children=[(child, by_unit[child.id]) for child in children],
        direct=by_unit[-1], total=by_unit[unit.id])


def default_dashboard_unit(user: "User") -> Unit | None:
    """The unit whose dashboard a user lands on: their widest grant that allows dashboards."""
    grants = [g for g in user.grants if g.role in ("unit_head", "inspector", "hr_admin")]
    if grants:
        return min((g.unit for g in grants), key=lambda u: (len(u.path), u.name))
    if user.is_sys_admin:
        return db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    return None


# ---------------------------------------------------------------- the province ranking


def ranking_policies() -> Sequence[RankingPolicy]:
    """Every version of the ranking policy, the latest first (two queries: versions, bands)."""
    return db.session.scalars(select(RankingPolicy).order_by(RankingPolicy.effective_from.desc())).all()


def version_on(policies: Sequence[RankingPolicy], day: date) -> RankingPolicy | None:
    """The version in force on `day` among `policies` (latest first)."""
    return next((policy for policy in policies if policy.effective_from <= day), None)


@dataclass
class RankRow:
    """One unit of the province ranking."""

    unit: Unit
    figures: Figures
    index: Decimal | None
    band: RankingBand | None
    rank: int | None = None
    previous_rank: int | None = None

    @property
    def movement(self) -> int | None:
        """Places gained (positive) or lost since the previous period; None when new."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass
class Ranking:
    span: Span
    kind: str
    policy: RankingPolicy
    top_level: str
    rows: list[RankRow]


def conduct_component(figures: Figures, policy: RankingPolicy) -> Decimal | None:
    """100 − penalty × confirmed violations per 100 staff a month (never below 0)."""
    if not figures.assessments:  # staff-months: violations per 100 staff a month is
        return None                 # violations × 100 / staff-months
    per_100 = Decimal(figures.violations) * 100 / figures.assessments
    return max(Decimal(0), Decimal(100) - policy.violation_penalty * per_100)


def composite_index(figures: Figures, policy: RankingPolicy, top_level: str) -> Decimal | None:
    """The weighted mean of the components a unit has (a unit without citizens' ratings is
    ranked on the others); None without any scored assessment."""
    if figures.mean is None:
        return None
    parts = [(policy.weight_score, figures.mean), (policy.weight_excellent, figures.share(top_level)),
             (policy.weight_satisfaction, figures.satisfaction),
             (policy.weight_conduct, conduct_component(figures, policy))]
    present = [(Decimal(w), v) for w, v in parts if v is not None and w]
    weights = sum((w for w, _v in present), Decimal(0))
    if not weights:
        return None
    return (sum((w * v for w, v in present), Decimal(0)) / weights).quantize(TENTH, ROUND_HALF_UP)


def ranked_units(kind: str) -> Sequence[Unit]:
    """The units a ranking compares: those of a kind, or else the root's direct children."""
    query = select(Unit).order_by(Unit.name)
    if kind:
        query = query.where(Unit.kind == kind)
    else:
        query = query.where(Unit.parent_id.in_(select(Unit.id).where(Unit.parent_id.is_(None))))
    return db.session.scalars(query).all()


def _ranks(rows: list[RankRow]) -> None:
    """Rank by index (then mean score), equal indexes sharing a rank; units without one unranked."""
    rows.sort(key=lambda r: (r.index is None, -(r.index or 0), -(r.figures.mean or 0), r.unit.name))
    previous: Decimal | None = None
    for position, row in enumerate(rows, start=1):
        if row.index is None:
            continue
        row.rank = rows[position - 2].rank if position > 1 and row.index == previous else position
        previous = row.index


def _ranked(units: Sequence[Unit], span: Span, policy: RankingPolicy, top_level: str) -> list[RankRow]:
    figures = figures_by_unit(span, None, [u.id for u in units])
    rows = [RankRow(u, figures[u.id], index, policy.band_for(index)) for u in units
            for index in [composite_index(figures[u.id], policy, top_level)]]
    _ranks(rows)
    return rows


def province_ranking(span: Span, kind: str = "") -> Ranking:
    """Units ranked by the composite index, with the movement since the previous period (a fixed
    number of queries: the units, the policies, four grouped queries per period). Each period
    is ranked by the version of the ranking policy in force on its first day, so a published
    ranking keeps its places when a new version comes."""
    if kind and kind not in UNIT_KINDS:
        raise DomainError(_("Loại đơn vị không hợp lệ."))
    policies = ranking_policies()
    policy = version_on(policies, span.first)
    if policy is None:
        raise DomainError(_("Chưa có chính sách xếp hạng đơn vị nào có hiệu lực."))
    top_level = policy_in_force(span.last).top_levels[0]
    units = ranked_units(kind)
    rows = _ranked(units, span, policy, top_level)
    before_policy = version_on(policies, span.previous.first)
    if before_policy is not None:
        before = {row.unit.id: row.rank for row in _ranked(units, span.previous, before_policy, top_level)}
        for row in rows:
            row.previous_rank = before.get(row.unit.id)
    return Ranking(span, kind, policy, top_level, rows)


# ---------------------------------------------------------------- printable sheets


def disclosure_rows(unit: Unit, period: Period) -> list[tuple[Any, ...]]:
    """The unit's published monthly list, whole (names and levels only, SPEC §3.7)."""
    bands = {band.level: band.label for band in period.policy.bands}
    return [(a.staff.code, a.staff.full_name, a.staff.position, a.level, bands.get(a.level, ""))
            for a in evaluation_queries.published_all(unit, period)]


def closed_period(code: str) -> Period | None:
    """The period `YYYY-MM` when it is closed (published), else None."""
    return db.session.scalar(select(Period).where(Period.code == code, Period.status == "closed"))


def latest_closed_period() -> Period | None:
    return db.session.scalar(select(Period).where(Period.status == "closed")
                             .order_by(Period.starts_on.desc()).limit(1))
