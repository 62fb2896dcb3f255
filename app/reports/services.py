"""The one write of the reports: a new version of the ranking policy. Versions are never changed
or removed; each governs the periods that start on or after its date until the next one."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.database import transactional
from app.errors import DomainError
from app.evaluation.models import Period
from app.extensions import db
from app.periods import add_months, period_code
from app.reports.models import RankingBand, RankingPolicy

WEIGHTS = ("weight_score", "weight_excellent", "weight_satisfaction", "weight_conduct")
# The weights are shares of the composite index: together they make the whole of it.
WEIGHTS_TOTAL = Decimal("1.00")


class PolicyRefused(DomainError):
    """A refused ranking policy, with the part of the form it is about: `weights`, `bands` or
    `effective_from`."""

    def __init__(self, part: str, message: object) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class BandRow:
    """A band as typed: its code, the lowest index it takes and its names."""

    code: str
    min_index: Decimal
    label_vi: str
    label_en: str


def first_open_month() -> date | None:
    """The first month after the last closed one (None when no month is closed yet): a new
    version may start there at the earliest, so that a published ranking never changes."""
    last = db.session.scalar(select(func.max(Period.starts_on)).where(Period.status == "closed"))
    return None if last is None else add_months(last, 1)


def _check_bands(bands: Sequence[BandRow]) -> None:
    if len(bands) < 2:
        raise PolicyRefused("bands", _("Cần ít nhất hai xếp nhóm."))
    codes = [band.code for band in bands]
    if len(set(codes)) != len(codes):
        raise PolicyRefused("bands", _("Mã xếp nhóm bị trùng."))
    for higher, lower in zip(bands, bands[1:], strict=False):
        if lower.min_index >= higher.min_index:
            raise PolicyRefused("bands", _(
                "Các xếp nhóm phải theo thứ tự chỉ số giảm dần: %(lower)s (từ %(low)s) phải thấp hơn "
                "%(higher)s (từ %(high)s).", lower=lower.label_vi, low=lower.min_index,
                higher=higher.label_vi, high=higher.min_index))
    if bands[-1].min_index != 0:
        raise PolicyRefused("bands", _("Xếp nhóm thấp nhất phải bắt đầu từ chỉ số 0, để đơn vị nào "
                                       "cũng có xếp nhóm."))


@transactional
def create_ranking_policy(name: str, effective_from: date, weights: dict[str, Decimal],
                          violation_penalty: Decimal, bands: Sequence[BandRow]) -> RankingPolicy:
    """A new version of the ranking policy from the first day of a month after the last closed
    one. Refused (nothing written) unless the four weights add up to 1, the bands run from the
    highest index down to 0 with distinct codes and no version starts on the same day."""
    total = sum((weights[name] for name in WEIGHTS), Decimal(0))
    if total != WEIGHTS_TOTAL:
        raise PolicyRefused("weights", _("Tổng các trọng số là %(total)s, phải bằng %(required)s.",
                                         total=total, required=WEIGHTS_TOTAL))
    _check_bands(bands)
    if effective_from.day != 1:
        raise PolicyRefused("effective_from", _("Phiên bản mới phải có hiệu lực từ ngày đầu một tháng."))
    earliest = first_open_month()
    if earliest is not None and effective_from < earliest:
        raise PolicyRefused("effective_from", _(
            "Kỳ %(code)s đã đóng và xếp hạng đã công bố: phiên bản mới chỉ có hiệu lực từ kỳ "
            "%(first)s trở đi.", code=period_code(add_months(earliest, -1)), first=period_code(earliest)))
    if db.session.scalar(select(RankingPolicy.id).where(RankingPolicy.effective_from == effective_from)):
        raise PolicyRefused("effective_from", _("Đã có phiên bản chính sách xếp hạng có hiệu lực từ kỳ "
                                                "%(code)s.", code=period_code(effective_from)))
    policy = RankingPolicy(name=name, effective_from=effective_from, violation_penalty=violation_penalty,
                           **{name: weights[name] for name in WEIGHTS})
    policy.bands = [RankingBand(code=band.code, min_index=band.min_index, label_vi=band.label_vi,
                                label_en=band.label_en) for band in bands]
    db.session.add(policy)
    audit.record("ranking_policy.created", policy, after={
        **audit.snapshot(policy, ("name", "effective_from", *WEIGHTS, "violation_penalty")),
        "bands": [[band.code, str(band.min_index)] for band in bands]})
    return policy
