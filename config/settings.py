"""Giliran settings: one module, driven by environment variables (see README).
No DATABASE_URL: SQLite; no REDIS_URL: tasks in-process, a local cache; DEBUG off."""

import datetime as dt
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

from common import sqlite
from config import region

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# .env is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The development key only works with DEBUG on: precincts.checks refuses it otherwise.
DEVELOPMENT_SECRET_KEY = "django-insecure-giliran-development-key-do-not-deploy"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "precincts",
    "schedules",
    "patrols",
    "notices",
    "api",
    "outbox",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "security.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything looks a code up: PostgreSQL text cannot hold a NUL.
    "security.middleware.RefuseNulMiddleware",
    # A 500 while the database is unreachable becomes a plain 503 (issue 7).
    "common.dbdown.DatabaseDownMiddleware",
    "common.readwrites.ReplicaReadsMiddleware",  # before anything reads the session
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.negotiation.EnglishForProgramsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.SessionLimitsMiddleware",
    # After the session limits: an expired session is logged out, not asked a code.
    "security.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a lockout into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL (psycopg 3) from DATABASE_URL.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Server-side binding; a query run 5 times is prepared (planning cost 2 ms
        # for 0.3 ms of execution on shifts/). Off behind PgBouncer < 1.21.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(sqlite.OPTIONS)
REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])  # docs/scaling.md
DATABASES |= region.replica_databases(REPLICA_URLS, DATABASES["default"], env)
DATABASE_ROUTERS = ["common.replicas.ReplicaRouter"]  # stale-tolerant reads
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=30.0)
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and Django cache. Without it tasks run in-process.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged task comes back after this; past the time limit (no double run).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
CELERY_TIMEZONE = "UTC"
# Queues by plan group (common/plangroups.py); one beat at a time (config/beat.py).
PLAN_GROUPS = env.int("CELERY_PLAN_GROUPS", default=1)
CELERY_TASK_ROUTES = ("common.plangroups.route",)
CELERY_BEAT_SCHEDULER = "config.beat.LockedScheduler"
# Periodic jobs; each one also has a management command calling the same service.
CELERY_BEAT_SCHEDULE: dict = {
    # The night (issue 6): each service decides per plan, in its zone, what is due.
    "roster-reminders": {"task": "notices.send_roster_reminders", "schedule": 300.0},
    "shift-reminders": {"task": "notices.send_shift_reminders", "schedule": 300.0},
    "shift-change-scan": {"task": "notices.scan_shift_changes", "schedule": 300.0},
    "morning-reports": {"task": "patrols.send_morning_reports", "schedule": 300.0},
    # The rotation (issue 3): hourly; each plan moves on at 12:00 in its own zone;
    # requests (issue 14) escalated before their shift, expired at its start.
    "rotation-horizons": {"task": "schedules.extend_horizons", "schedule": 3600.0},
    "request-deadlines": {"task": "schedules.request_deadlines", "schedule": 300.0},
}
# The task outbox (outbox/services.py, outbox/runs.py): the drain sends rows the broker
# did not take and runs whose worker died; `expires` stops drains piling up.
OUTBOX_DRAIN_SECONDS = 30
CELERY_BEAT_SCHEDULE["outbox-drain"] = {
    "task": "outbox.recover_and_drain",
    "schedule": float(OUTBOX_DRAIN_SECONDS),
    "options": {"expires": OUTBOX_DRAIN_SECONDS - 5},
}
OUTBOX_BROKER_TIMEOUT_SECONDS = 1.0
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_DRAIN_BUDGET_SECONDS = 20
OUTBOX_ALERT_AFTER_SECONDS = 600
OUTBOX_KEEP_DAYS = 7
RUN_HEARTBEAT_SECONDS = 5
RUN_STALE_SECONDS = 30
RUN_MAX_RECOVERIES = 3

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Time: instants stored in UTC, shown in the plan's zone (Jakarta by default).
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve from the app and static/ folders too: no collectstatic needed (make run, tests).
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="giliran@localhost")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))
# Notices: absolute links in e-mails; webhook retries (exponential backoff, jitter).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=6)
WEBHOOK_RETRY_BACKOFF_SECONDS = env.int("WEBHOOK_RETRY_BACKOFF_SECONDS", default=30)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Request bodies over 1 MiB are refused (413 from the API, else 400); uploaded files
# are counted apart (spilled to disk) and limited by the import form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    # API keys first: their Bearer challenge makes unauthenticated requests 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.VerifiedSessionAuthentication",  # after its 2nd factor
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ProblemAwareNegotiation",
    # JSON bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are a 413 (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    # Each API key has its own rate (admin); people and anonymous callers these.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_USER_RATE", default="600/min"),
        "anon": env.str("API_ANON_RATE", default="60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Giliran API",
    "DESCRIPTION": "Joint patrol rotations shared by neighbouring police precincts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # as the API
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several API components.
    "ENUM_NAME_OVERRIDES": {
        "ShiftStatusEnum": "schedules.models.ShiftStatus",
        "RequestStatusEnum": "schedules.models.RequestStatus",
        "AssignmentRoleEnum": "schedules.models.AssignmentRole",
        "ReportStatusEnum": "patrols.models.ReportStatus",
        "CheckInKindEnum": "patrols.models.CheckInKind",
        "BlackoutCategoryEnum": "schedules.models.BlackoutCategory",
        "IncidentCategoryEnum": "patrols.models.IncidentCategory",
    },
}

# Dates a request names lie within this many days of today; generation reaches at
# most this many nights past tonight (common/dates.py, schedules.services.inputs).
REQUEST_DATE_RANGE_DAYS = env.int("REQUEST_DATE_RANGE_DAYS", default=730)
GENERATION_HORIZON_DAYS = env.int("GENERATION_HORIZON_DAYS", default=730)
# The officer import's limits (imports/files.py); past the inline size, by a task.
OFFICER_IMPORT_MAX_ROWS = 5000
OFFICER_IMPORT_MAX_BYTES = 5 * 1024 * 1024
OFFICER_IMPORT_MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
OFFICER_IMPORT_INLINE_BYTES = 32 * 1024

# Officers import/export in admin: a file with any bad row imports nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_FORMATS = [CSV, XLSX]
# Exports never run a formula (cells starting = + - @ tab CR/LF get a ').
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Hardening (issue 7): headers, lockout, passwords, sessions, audit trail ------
INSTALLED_APPS += ["csp", "axes", "security", "audit"]

# HTTPS by default (plain HTTP redirected, Secure cookies) unless DEBUG; plain HTTP is
# the explicit SECURE_COOKIES=false. /healthz stays reachable over HTTP for probes.
SECURE_SSL_REDIRECT = env.bool(
    "SECURE_SSL_REDIRECT", default=env.bool("SECURE_COOKIES", default=not DEBUG)
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

# CSP: scripts and styles only from our files; style="" attributes (precinct colours)
# allowed, <style> elements and inline scripts refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sessions live in the database, so a Redis outage logs nobody out. They end after
# 30 minutes idle or 12 hours after login (security.middleware.SessionLimitsMiddleware).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_COOKIE_SAMESITE = "Lax"

# Passwords: 12-128 characters, not known, not the user's or force's words, not mostly
# a pattern. No composition rules (ASVS 5.0), so not "not all digits".
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "security.validators.MaximumLengthValidator"},
    {"NAME": "security.validators.ContextWordsValidator"},
    {"NAME": "security.validators.PatternValidator"},
]

# Login lockout (django-axes): 5 failures lock a username for 30 minutes; an address
# with LOGIN_IP_FAILURE_LIMIT failures, whatever the usernames, is locked as well.
AUTHENTICATION_BACKENDS = [
    "security.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "security.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCK_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "security.lockout.lockout_response"
AXES_VERBOSE = False
# The audit trail records logins and failures; axes' own logs would repeat them.
AXES_DISABLE_ACCESS_LOG = True
# Behind a reverse proxy, the number of proxies that append to X-Forwarded-For.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "common.clientip.client_ip"
# Never copy a submitted one-time code into axes' record of a failed attempt.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor login (django-otp): TOTP and single-use recovery codes. With MFA_REQUIRED
# administrators and commanders must enrol; anyone enrolled is asked at every login.
# Before "security", whose admin module withdraws django-otp's device admin pages.
_at = INSTALLED_APPS.index("security")
INSTALLED_APPS[_at:_at] = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "Giliran"
# A wrong code makes the device wait 1, 2, 4, 8… seconds before it tries another.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
MFA_RECOVERY_CODES = 10
