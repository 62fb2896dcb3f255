"""Small helpers shared by several features."""
import re
from urllib.parse import urlsplit

from flask import abort, request

from app import clock

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_arg(name="period"):
    """A `YYYY-MM` query argument (this month when absent); anything else is a 404."""
    value = request.args.get(name) or clock.now().strftime("%Y-%m")
    if not MONTH.match(value):
        abort(404)
    return value


def safe_next_url(target):
    """A same-site relative path, or None (prevents open redirects through ?next=)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
