"""Automatic suggestions beside criteria: one mechanism, one place where a source plugs in.

A source is a function that receives (assessment, criterion) pairs of one kind and returns
{(assessment id, criterion code): Suggestion}. It must read everything it needs in a bounded
number of queries, whatever the number of pairs. The head sees the suggestion and its
explanation; the head's score is what counts.
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.evaluation.models import Assessment
from app.extensions import db
from app.types import clamp

# auto_source → a function (assessment, criterion) pairs → {(assessment id, code): Suggestion}
SOURCES: dict[str, Callable[[list[tuple[Any, Any]]], dict[tuple[int, str], "Suggestion"]]] = {}


@dataclass(frozen=True)
class Suggestion:
    score: Decimal | None  # None: no score, only the reason (e.g. nothing assigned this month)
    explanation: str


def source(name):
    """Register a suggestion source for criteria whose `auto_source` is `name`."""
    def register(fn):
        SOURCES[name] = fn
        return fn
    return register


def suggestions_for(assessments):
    """Every available suggestion for these assessments: {(assessment id, code): Suggestion}."""
    pairs = defaultdict(list)
    for assessment in assessments:
        for criterion in assessment.criteria:
            if criterion.auto_source in SOURCES:
                pairs[criterion.auto_source].append((assessment, criterion))
    found = {}
    for name, items in pairs.items():
        found.update(SOURCES[name](items))
    return found


@source("unit_results")
def unit_results(pairs):
    """L1 for a head: full marks when every staff member of the unit is rated above the lowest
    level that month, the criterion's parameter when anyone is rated lowest (SPEC §2)."""
    units = {(a.period_id, a.unit_id) for a, _c in pairs}
    period_ids = {p for p, _u in units}
    unit_ids = {u for _p, u in units}
    lowest = {a.period_id: a.period.policy.lowest_level for a, _c in pairs}
    rows = db.session.execute(
        select(Assessment.period_id, Assessment.unit_id, Assessment.level,
               func.count(Assessment.id),
               func.sum(case((Assessment.level.is_(None), 1), else_=0)))
        .where(Assessment.period_id.in_(period_ids), Assessment.unit_id.in_(unit_ids),
               Assessment.is_head.is_(False))
        .group_by(Assessment.period_id, Assessment.unit_id, Assessment.level)
    ).all()
    stats = defaultdict(lambda: {"total": 0, "unrated": 0, "lowest": 0})
    for period_id, unit_id, level, count, unrated in rows:
        entry = stats[(period_id, unit_id)]
        entry["total"] += count
        entry["unrated"] += unrated or 0
        if level == lowest[period_id]:
            entry["lowest"] += count
    found = {}
    for assessment, criterion in pairs:
        entry = stats[(assessment.period_id, assessment.unit_id)]
        rated = entry["total"] - entry["unrated"]
        if entry["lowest"]:
            score = criterion.auto_param if criterion.auto_param is not None else Decimal(0)
            text = _("%(count)d người của đơn vị bị xếp mức thấp nhất trong tháng.",
                     count=entry["lowest"])
        else:
            score = criterion.max_score
            text = _("Không ai của đơn vị bị xếp mức thấp nhất trong tháng.")
        if entry["unrated"]:
            text += " " + _("Mới có %(rated)d/%(total)d người được đánh giá; gợi ý có thể thay đổi.",
                            rated=rated, total=entry["total"])
        found[(assessment.id, criterion.code)] = Suggestion(
            clamp(score, Decimal(0), criterion.max_score), text)
    return found
