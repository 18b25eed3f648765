"""Configuration from environment variables: the only module that reads ``os.environ``.

Every setting has a safe development default. In production (``PORTAL_ENV=production``) the
app refuses to start with development secrets; see :func:`check_production`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production"  # noqa: S105
DEV_KEY_MARKER = "dev-insecure"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return int(value) if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain ``postgres://`` URLs (as PaaS hosts hand them out)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load(environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ if environ is None else environ
    mode = env.get("PORTAL_ENV", "development").strip().lower()
    production = mode == "production"
    instance = Path(env.get("INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    )
    redis_url = env.get("REDIS_URL") or None
    public_url = (env.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")

    return {
        "PORTAL_ENV": mode,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": env.get("SECRET_KEY") or DEV_SECRET_KEY,
        # Keyring for data at rest (TOTP secrets, stored files): "id:base64key,id2:...";
        # the first key encrypts, all keys decrypt, so keys can be rotated.
        "ENCRYPTION_KEYS": env.get("ENCRYPTION_KEYS") or "",
        "SQLALCHEMY_DATABASE_URI": database_url,
        # (connections are checked before use in portal.database.tune, in one round trip)
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": redis_url,
        # The task queue's name: portals that share one Redis need one name each.
        "TASK_QUEUE": env.get("TASK_QUEUE") or "portal",
        # Links in e-mails are built from this, never from the request's Host header.
        "PUBLIC_URL": public_url,
        "PREFERRED_URL_SCHEME": "https" if public_url.startswith("https:") else "http",
        # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_FIX": _int(env.get("PROXY_FIX"), 0),
        "MAX_CONTENT_LENGTH": _int(env.get("MAX_CONTENT_LENGTH"), 20 * 1024 * 1024),
        # Sessions: server-side records, revocable; idle and absolute timeouts.
        "SESSION_IDLE_MINUTES": _int(env.get("SESSION_IDLE_MINUTES"), 30),
        "SESSION_MAX_HOURS": _int(env.get("SESSION_MAX_HOURS"), 12),
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "STEP_UP_SECONDS": 300,
        # Passwords (NIST SP 800-63B rev. 4) and argon2id cost (RFC 9106 second profile).
        "PASSWORD_MIN_LENGTH": _int(env.get("PASSWORD_MIN_LENGTH"), 15),
        "PASSWORD_MAX_LENGTH": 256,
        "ARGON2_TIME_COST": _int(env.get("ARGON2_TIME_COST"), 3),
        "ARGON2_MEMORY_COST": _int(env.get("ARGON2_MEMORY_COST"), 65536),
        "ARGON2_PARALLELISM": _int(env.get("ARGON2_PARALLELISM"), 4),
        # Rate limits: storage shared by all workers (REDIS_URL, else the database; the
        # factory derives RATELIMIT_STORAGE_URI from these).
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT") or "20 per minute;200 per hour",
        "SUBSCRIBE_RATE_LIMIT": env.get("SUBSCRIBE_RATE_LIMIT") or "10 per minute;60 per hour",
        "LOGIN_BACKOFF_FREE_ATTEMPTS": 5,
        "LOGIN_BACKOFF_MAX_SECONDS": 15 * 60,
        "INVITATION_DAYS": 7,
        "RESET_TOKEN_SECONDS": 3600,
        # Mail: a local outbox (readable by staff) unless MAIL_SERVER is set.
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env.get("MAIL_PORT"), 25),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL"), False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_TIMEOUT": _int(env.get("MAIL_TIMEOUT"), 15),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER")
        or "Voxio DPA-portaal <dpa-portaal@voxio.nl>",
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ("nl", "en"),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "AUDIT_PAGE_SIZE": 50,
        # Stored files (encrypted) and the embedded PKI's certificates and encrypted keys.
        # (default: folders in INSTANCE_PATH; see portal.create_app)
        "FILES_PATH": env.get("FILES_PATH") or None,
        "PKI_PATH": env.get("PKI_PATH") or None,
        "PKI_ORGANIZATION": env.get("PKI_ORGANIZATION") or "Voxio Internet Services",
        # Voxio's seal: the embedded PKI's seal certificate unless one of these is set.
        "SEAL_PKCS12_PATH": env.get("SEAL_PKCS12_PATH") or None,
        "SEAL_PKCS12_PASSWORD": env.get("SEAL_PKCS12_PASSWORD") or None,
        "SEAL_PKCS11_MODULE": env.get("SEAL_PKCS11_MODULE") or None,
        "SEAL_PKCS11_TOKEN": env.get("SEAL_PKCS11_TOKEN") or None,
        "SEAL_PKCS11_KEY": env.get("SEAL_PKCS11_KEY") or None,
        "SEAL_PKCS11_PIN": env.get("SEAL_PKCS11_PIN") or None,
        "SEAL_CHAIN": env.get("SEAL_CHAIN") or None,  # PEM: CA certificates above the seal
        # Timestamps: the embedded TSA unless an RFC 3161 URL is set (with its trust roots).
        "TSA_URL": env.get("TSA_URL") or None,
        "TSA_TRUST_ROOTS": env.get("TSA_TRUST_ROOTS") or None,  # PEM file
        # Extra trust roots for validation (PEM file): a seal or TSA from another CA.
        "EXTRA_TRUST_ROOTS": env.get("EXTRA_TRUST_ROOTS") or None,
        # Renew archive timestamps this many days after the last one (before its proof ages).
        "TIMESTAMP_RENEW_DAYS": _int(env.get("TIMESTAMP_RENEW_DAYS"), 60),
        # where customers get help: shown on every page
        "SUPPORT_EMAIL": env.get("SUPPORT_EMAIL", "privacy@voxio.nl"),
        # Bijlage 2, periodic check of access: owners confirm who has access this often
        "ACCESS_REVIEW_DAYS": _int(env.get("ACCESS_REVIEW_DAYS"), 182),
        # customers with a date to sign by are reminded this often until they have signed
        "SIGN_REMINDER_DAYS": _int(env.get("SIGN_REMINDER_DAYS"), 7),
        # several signatories: an unfinished round ends after this many days
        "SIGNING_ROUND_DAYS": _int(env.get("SIGNING_ROUND_DAYS"), 14),
        # monitoring (flask monitor check): bursts in 15 minutes, and the task queue's pulse
        "ALERT_FAILED_SIGN_INS": _int(env.get("ALERT_FAILED_SIGN_INS"), 50),
        "ALERT_REFUSED_ACCESS": _int(env.get("ALERT_REFUSED_ACCESS"), 100),
        "ALERT_QUEUE_MINUTES": _int(env.get("ALERT_QUEUE_MINUTES"), 15),
        "VERIFY_MAX_BYTES": _int(env.get("VERIFY_MAX_BYTES"), 10 * 1024 * 1024),
        # Sub-processor changes: minimum notice (art. 5.1); the task queue's SQLite file.
        "SUBPROCESSOR_NOTICE_DAYS": _int(env.get("SUBPROCESSOR_NOTICE_DAYS"), 30),
        "TASKS_DB": env.get("TASKS_DB") or None,
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT") or "30 per minute;300 per hour",
        # The public timestamp server (/pki/tsa), per IP: a signature needs one or two tokens.
        "TSA_RATE_LIMIT": env.get("TSA_RATE_LIMIT") or "30 per minute;300 per day",
    }


def check_production(config: Mapping) -> None:
    """Refuse to run in production with development secrets or missing keys."""
    if config.get("PORTAL_ENV") != "production":
        return
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if DEV_KEY_MARKER in secret or len(secret) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not config.get("ENCRYPTION_KEYS"):
        problems.append("ENCRYPTION_KEYS must be set (see README: key rotation)")
    if not config.get("PUBLIC_URL", "").startswith("https://"):
        problems.append("PUBLIC_URL must be an https:// address")
    if not config.get("MAIL_SERVER"):
        # The development outbox would show password links to staff.
        problems.append("MAIL_SERVER must be set")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
