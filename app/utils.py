"""Small web helpers shared by several features."""
from urllib.parse import urlsplit


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
