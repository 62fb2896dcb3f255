"""The application's clock, in the organisation's time zone; tests can freeze it (in another
process too: CONGVU_FROZEN_CLOCK=2026-03-26T00:10, honoured only with APP_ENV=testing).

Every timestamp the application stores or compares comes from here, so that a frozen clock
freezes all of them."""
import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_frozen: datetime | None = None


def now() -> datetime:
    """The current moment (aware, local time zone)."""
    return _frozen if _frozen is not None else datetime.now(UTC).astimezone(ZONE)


def utcnow() -> datetime:
    """The current moment, aware in UTC: the default of every stored timestamp."""
    return now().astimezone(UTC)


def today() -> date:
    return now().date()


def aware(moment: datetime) -> datetime:
    """A stored moment made aware: every timestamp is stored in UTC, and SQLite hands them back
    naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    """A stored moment in the organisation's time zone."""
    return aware(moment).astimezone(ZONE)


def local_date(moment: datetime) -> date:
    """The local calendar day of a stored moment."""
    return local(moment).date()


def from_local(wall_time: datetime) -> datetime:
    """A wall-clock time typed in the organisation's zone, as the UTC moment to store."""
    if wall_time.tzinfo is None:
        wall_time = wall_time.replace(tzinfo=ZONE)
    return wall_time.astimezone(UTC)


def freeze(moment: datetime | date | None) -> None:
    """Fix the clock at `moment` (a datetime or date); None releases it."""
    global _frozen
    if moment is None:
        _frozen = None
        return
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, 9, 0)
    _frozen = moment if moment.tzinfo else moment.replace(tzinfo=ZONE)


if os.environ.get("APP_ENV") == "testing" and os.environ.get("CONGVU_FROZEN_CLOCK"):
    freeze(datetime.fromisoformat(os.environ["CONGVU_FROZEN_CLOCK"]))
