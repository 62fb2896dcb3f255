"""The application's clock, in the organisation's time zone; tests can freeze it (in another
process too: CONGVU_FROZEN_CLOCK=2026-03-26T00:10, honoured only with APP_ENV=testing)."""
import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_frozen = None


def now():
    """The current moment (aware, local time zone)."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc).astimezone(ZONE)


def today():
    return now().date()


def freeze(moment):
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
