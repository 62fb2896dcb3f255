"""Configuration classes, chosen by the APP_ENV environment variable."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _development_secret_key():
    """A random key kept in instance/ so that development sessions survive a restart."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    return key_file.read_text().strip()


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'congvu.db'}"
    )
    # The connection used last is the one handed out next (not the one idle longest): the statements
    # PostgreSQL has prepared and planned live on their connection (app/database.py).
    # No ping on every checkout: app/database.py pings a PostgreSQL connection only when in doubt.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_use_lifo": True}

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    # Upload size limit for the whole request (import files, later photos).
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    PAGE_SIZE = 25
    CONDUCT_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    # An uploaded image is decoded: beyond this many pixels it is refused (a phone photo is 12–50 M;
    # a small file that decodes to billions of pixels is a decompression bomb).
    UPLOAD_MAX_PIXELS = 60_000_000

    SESSION_COOKIE_NAME = "congvu_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_DURATION = timedelta(0)
    FORCE_HTTPS = False

    # Scheduled jobs (SPEC §7): the hour of each daily job (the day comes from the policy), or an
    # interval in minutes. The scheduler runs only in `flask scheduler run`.
    SCHEDULE = {
        "org_history": "00:01", "open_period": "00:05", "self_reminders": "08:00",
        "review_reminders": "08:00",
        "close_period": "23:55", "annual": "02:00", "satisfaction_rollup": "01:00", "mail": 5,
    }
    # The annual classification and review-case check of the previous year runs from this
    # (month, day) of January on.
    ANNUAL_RUN_ON = (1, 8)
    SCHEDULER_LOCK_RETRY_SECONDS = int(os.environ.get("SCHEDULER_LOCK_RETRY_SECONDS", "30"))
    SCHEDULER_MISFIRE_GRACE_SECONDS = 6 * 3600

    # E-mail copies of notifications; none are sent without a server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Cong vu <no-reply@localhost>")
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000")

    # Login throttling: failed attempts per client (see LOGIN_ACCOUNT_* below).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    # Public feedback: per client; a kiosk shares one address all day, so it gets more.
    FEEDBACK_RATE_LIMIT = "10 per minute;100 per day"
    # A kiosk is a registered tablet (its own token): a citizen takes a few seconds per rating,
    # and a desk serves a few hundred people a day at most.
    KIOSK_RATE_LIMIT = "6 per minute"
    KIOSK_DAILY_CAP = 300
    # The rated official sees each rating's day when that day had this many, else its week.
    RATING_DAY_MIN = 5
    TRACK_RATE_LIMIT = "30 per minute"
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (nginx: 1).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # The address printed on QR posters (the public site), when it differs from this one.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    # Login that strangers cannot block (issue 16). Only failed attempts count (a successful login
    # never does): per client, and per (account, client) — a stranger's wrong passwords slow down
    # that stranger, not the owner on their own device. The account itself locks only after a far
    # higher number of failures from anywhere, and a successful login from a client the owner
    # already used (a signed cookie), or an administrator, lifts that lock; the owner is notified.
    LOGIN_ACCOUNT_CLIENT_LIMIT = "5 per 15 minutes"
    LOGIN_ACCOUNT_LOCK_THRESHOLD = 50
    LOGIN_LOCKOUT = timedelta(hours=1)
    KNOWN_CLIENT_DAYS = 365
    PASSWORD_MIN_LENGTH = 12

    # argon2id parameters (OWASP: m=19 MiB, t=2, p=1 as the minimum; these are above it).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 1


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/, a generated secret key."""

    @classmethod
    def validate(cls):
        """Generate the secret key on first use rather than at import."""
        if not cls.SECRET_KEY:
            cls.SECRET_KEY = _development_secret_key()


class TestingConfig(Config):
    """The test suite: its own database, cheap hashing, no CSRF unless a test turns it on."""

    TESTING = True
    SECRET_KEY = "testing-only-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'testing.db'}"
    )
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    MAIL_SERVER = os.environ.get("TEST_MAIL_SERVER")  # never a real server by accident


class ProductionConfig(Config):
    """Production: refuses to start without a real secret key and a shared rate-limit store."""

    SESSION_COOKIE_SECURE = True
    FORCE_HTTPS = os.environ.get("FORCE_HTTPS", "1") == "1"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", os.environ.get("REDIS_URL", ""))

    @classmethod
    def validate(cls):
        """Fail loudly on settings that would make production unsafe."""
        if not cls.SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters.")
        if not cls.RATELIMIT_STORAGE_URI:
            raise RuntimeError("REDIS_URL (or RATELIMIT_STORAGE_URI) must be set in production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name=None):
    """The config class named by APP_ENV (development by default)."""
    name = name or os.environ.get("APP_ENV", "development")
    try:
        config = CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown APP_ENV {name!r}; use one of {', '.join(CONFIGS)}.") from None
    if hasattr(config, "validate"):
        config.validate()
    return config
