"""Django settings. Every value comes from the environment through ``ipbridge.config.env``."""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from ipbridge.config.env import BASE_DIR, PACKAGE_DIR, env, require

django_stubs_ext.monkeypatch()

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="") if DEBUG else require("SECRET_KEY")
if not SECRET_KEY:
    # Development only: a fixed key keeps sessions valid across restarts of the embedded demo.
    SECRET_KEY = "ipbridge-development-key-not-for-production-use-0123456789"  # noqa: S105

VAR_DIR = Path(env.str("IPBRIDGE_VAR_DIR", default=str(BASE_DIR / "var")))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "ninja",
    "ipbridge.core",
    "ipbridge.accounts",
    "ipbridge.rights",
    "ipbridge.identity",
    "ipbridge.notices",
    "ipbridge.evidence",
    "ipbridge.marketplaces",
    "ipbridge.sharing",
    "ipbridge.screening",
    "ipbridge.web",
]

MIDDLEWARE = [
    "ipbridge.core.middleware.ApiJsonErrorsMiddleware",
    "ipbridge.core.middleware.NulCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ipbridge.core.middleware.RequestContextMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ipbridge.accounts.middleware.UserLanguageMiddleware",
    "ipbridge.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ipbridge.config.urls"
WSGI_APPLICATION = "ipbridge.config.wsgi.application"
ASGI_APPLICATION = "ipbridge.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ipbridge.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ipbridge.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "ipbridge.accounts.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Lockout after repeated failed logins, per account and address.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ipbridge.accounts.views.lockout"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

OTP_TOTP_ISSUER = "IPBridge"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
# How many reverse proxies in front of the application append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
# Audit addresses, login lockouts and API rate limits all read the client address this way.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
NINJA_NUM_PROXIES = NUM_PROXIES
AXES_CLIENT_IP_CALLABLE = "ipbridge.core.middleware.client_ip"
# Requests per organisation key or person on /api/v1.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="1200/min")
# Requests per client address on the public endpoints (register search and verification), signed in or not.
PUBLIC_RATE_LIMIT = env.str("PUBLIC_RATE_LIMIT", default="120/min")
# How long the answer to a POST sent with an Idempotency-Key is kept for its retries; older records are purged.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
NINJA_PAGINATION_MAX_LIMIT = 500
# Largest register file an operator may upload for import (streamed to disk, never held in memory).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=4 * 1024**3)
# Authentication of right holders: identity and ownership documents, the register-contact hold, credentials.
IDENTITY_DOCUMENT_MAX_BYTES = env.int("IDENTITY_DOCUMENT_MAX_BYTES", default=20 * 1024**2)
# A contact-of-record code is refused when the register's contact, owner or representative changed within this
# many days: changing the contact at the office first is how that proof gets hijacked.
CONTACT_CHANGE_HOLD_DAYS = env.int("CONTACT_CHANGE_HOLD_DAYS", default=90)
CREDENTIAL_VALIDITY_DAYS = env.int("CREDENTIAL_VALIDITY_DAYS", default=90)
# Notice and action: the largest notice, the marketplaces' default time to decide, and the days after a
# counter-notice reaches the right holder within which it must show a complaint or lawsuit, or the measures end
# (China E-commerce Law art. 43: 15 days).
NOTICE_MAX_ITEMS = env.int("NOTICE_MAX_ITEMS", default=10_000)
NOTICE_RESPONSE_HOURS = env.int("NOTICE_RESPONSE_HOURS", default=24)
COUNTER_NOTICE_WINDOW_DAYS = env.int("COUNTER_NOTICE_WINDOW_DAYS", default=15)
# How long after a decision its merchant may appeal against it (DSA art. 20: at least six months).
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=183)
# The trusted-flagger lane (DSA art. 22): over the last days, at least so many items decided, a takedown rate at
# least this high and a counter-notice rate at most this high put a sender's new cases first in every inbox.
TRUSTED_FLAGGER_DAYS = env.int("TRUSTED_FLAGGER_DAYS", default=90)
TRUSTED_FLAGGER_MIN_ITEMS = env.int("TRUSTED_FLAGGER_MIN_ITEMS", default=20)
TRUSTED_FLAGGER_TAKEDOWN_RATE = env.float("TRUSTED_FLAGGER_TAKEDOWN_RATE", default=0.90)
TRUSTED_FLAGGER_COUNTER_NOTICE_RATE = env.float("TRUSTED_FLAGGER_COUNTER_NOTICE_RATE", default=0.05)
# Misuse of notices (DSA art. 23): a sender with this many items rejected as manifestly unfounded over the last
# days is warned; warned, and reaching the second count, it is suspended from sending for so many days.
MISUSE_DAYS = env.int("MISUSE_DAYS", default=90)
MISUSE_WARNING_ITEMS = env.int("MISUSE_WARNING_ITEMS", default=5)
MISUSE_SUSPENSION_ITEMS = env.int("MISUSE_SUSPENSION_ITEMS", default=10)
MISUSE_SUSPENSION_DAYS = env.int("MISUSE_SUSPENSION_DAYS", default=30)
# Encrypts the credential signing keys and the webhook secrets kept in the database.
CREDENTIAL_KEY_SECRET = env.str("CREDENTIAL_KEY_SECRET", default="") or SECRET_KEY
# Webhooks: attempts before a delivery is dead; http:// to this machine only, for development and tests.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_ALLOW_HTTP_LOCALHOST = env.bool("WEBHOOK_ALLOW_HTTP_LOCALHOST", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=2 * 1024 * 1024)
# The evidence vault: the largest file, what an archive may unpack to (more is a zip bomb) and hold, how often
# the log's tree head is signed, and an optional RFC 3161 time-stamping authority stamping each tree head.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=2 * 1024**3)
EVIDENCE_ZIP_MAX_BYTES = env.int("EVIDENCE_ZIP_MAX_BYTES", default=4 * 1024**3)
EVIDENCE_ZIP_MAX_ENTRIES = env.int("EVIDENCE_ZIP_MAX_ENTRIES", default=10_000)
EVIDENCE_TSA_URL = env.str("EVIDENCE_TSA_URL", default="")
EVIDENCE_TSA_TIMEOUT = env.float("EVIDENCE_TSA_TIMEOUT", default=10.0)
# Infringer intelligence: how long a recorded seller's keyed hashes are kept, and how many identifiers one
# organisation may have checked a day (matching must not become a way to read the whole list).
INTELLIGENCE_RETENTION_DAYS = env.int("INTELLIGENCE_RETENTION_DAYS", default=730)
INTELLIGENCE_EVALUATIONS_PER_DAY = env.int("INTELLIGENCE_EVALUATIONS_PER_DAY", default=20_000)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "ipbridge_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "files")))
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Evidence files, by SHA-256: a local directory, or S3-compatible object storage (EVIDENCE_STORAGE=s3).
    "evidence": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.str("EVIDENCE_S3_BUCKET", default="ipbridge-evidence"),
                "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("EVIDENCE_S3_REGION", default="") or None,
                "access_key": env.str("EVIDENCE_S3_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("EVIDENCE_S3_SECRET_ACCESS_KEY", default="") or None,
                "file_overwrite": False,
                "default_acl": None,
                "querystring_auth": True,
                # A file read back (checked, downloaded, exported) spills to disk past 8 MiB; the default, 0, holds
                # it whole in memory.
                "max_memory_size": 8 * 1024**2,
            },
        }
        if env.str("EVIDENCE_STORAGE", default="local") == "s3"
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(Path(env.str("EVIDENCE_ROOT", default=str(MEDIA_ROOT / "evidence"))))},
        }
    ),
}
if STORAGES["evidence"]["BACKEND"] == "storages.backends.s3.S3Storage":
    from boto3.s3.transfer import TransferConfig  # type: ignore[import-untyped]

    # Parts sent and fetched one at a time keep memory flat whatever a file's size: parallel threads held several
    # 8 MiB parts of an upload at once, and wrote far into a download's buffer before it spilled to disk.
    STORAGES["evidence"]["OPTIONS"]["transfer_config"] = TransferConfig(use_threads=False)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="IPBridge <no-reply@ipbridge.localhost>")

# Jobs: without a broker, Celery runs each job in-process when it is enqueued (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, jobs run in a background thread of the web process (off: in the request that queued them).
JOBS_IN_BACKGROUND_THREAD = env.bool("JOBS_IN_BACKGROUND_THREAD", default=not CELERY_BROKER_URL)
# A job failing in-process is logged; it never turns the request that enqueued it into an error.
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_ACKS_LATE = True
# Deadlines: every few minutes, lift the measures of cases whose counter-notice window closed without a complaint.
CELERY_BEAT_SCHEDULE = {
    # Every hour, forget the idempotency records older than IDEMPOTENCY_KEY_HOURS.
    "core-idempotency-purge": {
        "task": "ipbridge.core.idempotency_records_purge",
        "schedule": env.int("IDEMPOTENCY_PURGE_SECONDS", default=3600),
    },
    "notices-lift-due": {
        "task": "ipbridge.notices.cases_lift_due",
        "schedule": env.int("DEADLINE_CHECK_SECONDS", default=300),
    },
    "notices-overdue-alert": {
        "task": "ipbridge.notices.cases_overdue_alert",
        "schedule": env.int("DEADLINE_CHECK_SECONDS", default=300),
    },
    # Sign the evidence log's tree head when leaves were added since the last one.
    "evidence-tree-head": {
        "task": "ipbridge.evidence.tree_head_sign",
        "schedule": env.int("EVIDENCE_TREE_HEAD_SECONDS", default=300),
    },
    # Check the whole evidence log (rows, leaves, nodes, signed heads and files) for tampering, daily.
    "evidence-log-check": {
        "task": "ipbridge.evidence.log_check",
        "schedule": env.int("EVIDENCE_LOG_CHECK_SECONDS", default=86400),
    },
    # Delete infringer records past their retention, daily.
    "sharing-intelligence-purge": {
        "task": "ipbridge.sharing.intelligence_purge",
        "schedule": env.int("INTELLIGENCE_PURGE_SECONDS", default=86400),
    },
    "notices-webhooks-deliver": {
        "task": "ipbridge.notices.webhooks_deliver_due",
        "schedule": env.int("WEBHOOK_CHECK_SECONDS", default=30),
    },
    # Recompute the directory's measured figures of the marketplaces on IPBridge from their cases, daily.
    "marketplaces-figures": {
        "task": "ipbridge.marketplaces.figures_refresh",
        "schedule": 86400,
    },
    # Write the early warnings of the marketplaces whose alerts of a brand or category spiked, daily.
    "screening-early-warnings": {
        "task": "ipbridge.screening.early_warnings_check",
        "schedule": 86400,
    },
}
# Task modules beside the apps' tasks.py, which Celery finds by itself.
CELERY_IMPORTS = ["ipbridge.screening.tasks_monitoring"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://ipbridge"),
}

# How the live-stream WebSocket connections hear that their session ended over the API: within each process by
# default; with several processes or machines, through Redis (CHANNEL_LAYER_URL=redis://...), like the broker.
CHANNEL_LAYER_URL = env.str("CHANNEL_LAYER_URL", default="")
# How often a process asks the database whether a marketplace's screening catalogue changed: a change (a new
# right held, a keyword edited) reaches screening within this many seconds.
SCREENING_RECHECK_SECONDS = env.float("SCREENING_RECHECK_SECONDS", default=1.0)
CHANNEL_LAYERS = {
    "default": (
        {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [CHANNEL_LAYER_URL]}}
        if CHANNEL_LAYER_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "django": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING"), "propagate": False},
    },
}

# Demo-only fixed TOTP secrets are accepted only while this is on; it is off unless the demo is loaded.
IPBRIDGE_DEMO = env.bool("IPBRIDGE_DEMO", default=DEBUG)
