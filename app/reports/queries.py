"""Reads that combine features, each through the feature's own queries (bounded queries)."""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.annual import queries as annual_queries
from app.conduct import queries as conduct_queries
from app.permissions import can
from app.reviews import queries as review_queries

if TYPE_CHECKING:
    from app.auth.models import User


@dataclass
class ProfileRecord:
    """What other features hold about a person, for their profile."""

    annual_results: Sequence[Any]
    findings: Sequence[Any]
    cases: Sequence[Any]


def profile_record(staff_id: int, user: "User") -> ProfileRecord:
    """Annual results, conduct record and the review cases the user may see (three queries)."""
    return ProfileRecord(
        annual_results=annual_queries.staff_results(staff_id),
        findings=conduct_queries.findings_of(staff_id),
        cases=[c for c in review_queries.cases_of(staff_id) if can(user, "review.view", c)],
    )


def own_cases(staff_id: int) -> Sequence[Any]:
    """A person's own review cases, for their assessment page."""
    return review_queries.cases_of(staff_id)
