"""Settings for the liaison system, read from the environment (see .env.example).

Without any environment the project runs embedded: SQLite, Celery tasks in-process and a
local-memory cache. Production (DEBUG off) refuses to start without a SECRET_KEY.
"""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable (a long random "
            "string) or run in development mode with DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "districts",
    "liaison.core",
    "liaison.concerns",
    "dutydays",
    # The project layer last: it composes the apps (seed_demo, create_user).
    "liaison.apps.ProjectConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compress pages and JSON (static files come compressed from whitenoise, above, which
    # answers them before this runs): the phone log page goes from ~118 KB to a few KB over
    # a slow village connection. BREACH (Django's docs, GZipMiddleware) needs a secret and
    # attacker-chosen text in the same compressed body, with many requests observed: the CSRF
    # token in forms is masked with a new random salt on every response, the session is a
    # cookie (never in a body), and Django >= 4.2 pads each gzip response with up to 100
    # random bytes ("Heal the BREACH"). The API's tokens are sent by clients, not rendered.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A session left idle ends (PrivacyPolicy.session_idle_minutes, default 30).
    "districts.middleware.SessionIdleTimeoutMiddleware",
    # A one-time password is changed before anything else (after auth: needs the user).
    "districts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login refused for a lockout into the lockout page (or JSON under /api/).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison.urls"
WSGI_APPLICATION = "liaison.wsgi.application"
ASGI_APPLICATION = "liaison.asgi.application"

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
                "districts.context_processors.access",
                "liaison.common.context_processors.menu",
            ],
        },
    },
]

# Database: DATABASE_URL, default an SQLite file next to manage.py.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets pages read while an import writes; IMMEDIATE avoids "database is locked"
    # on lock upgrades; a generous timeout lets short writes wait for a long import.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 60,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: one URL serves as cache and (unless CELERY_BROKER_URL says otherwise) as broker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="liaison"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# No broker: run tasks in-process, in the caller (see liaison/tasks_runner.py).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Nightly jobs (run by `celery -A liaison beat`): coverage as of the day, after midnight.
CELERY_BEAT_SCHEDULE = {
    "coverage-nightly": {
        "task": "liaison.coverage_recompute_task",
        "schedule": crontab(hour=1, minute=15),
    },
    # On the first of each month, last month's duty-day compliance.
    "duty-compliance-monthly": {
        "task": "dutydays.compliance_recompute_task",
        "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
    # Every five minutes: imports and recomputes whose worker died are marked failed.
    "imports-reap": {"task": "districts.jobs_reap_task", "schedule": 5 * 60},
    "coverage-jobs-reap": {"task": "liaison.jobs_reap_task", "schedule": 5 * 60},
    # Hourly: photos kept from duty-day forms that were never sent again (after a day).
    "duty-kept-photos-purge": {"task": "dutydays.kept_photos_purge_task", "schedule": 60 * 60},
    # Every 15 minutes: concerns' reminders, overdue and county supervision (idempotent).
    "concerns-escalate": {"task": "concerns.escalate_task", "schedule": 15 * 60},
    # Nightly: the concern statistics of the last twelve months (call-backs keep arriving).
    "concerns-stats-nightly": {
        "task": "concerns.stats_recompute_task",
        "schedule": crontab(hour=1, minute=45),
    },
    "concerns-stats-jobs-reap": {"task": "concerns.stats_jobs_reap_task", "schedule": 5 * 60},
}
# E-mail (notifications of concerns): sent only when an SMTP server is configured;
# without one, messages stay in the application (the count in the menu). The console
# backend is for development only (check --deploy refuses it).
_EMAIL_HOST = env.str("EMAIL_HOST", default="")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="liaison@localhost")
# Development without a server: the console. Otherwise SMTP (a local relay by default:
# Django's own default); the concerns send only when EMAIL_HOST is set (CONCERN_EMAILS).
MAILERS: dict[str, dict[str, object]] = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if DEBUG and not _EMAIL_HOST
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _EMAIL_HOST or "localhost",
                "port": env.int("EMAIL_PORT", default=25),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            },
        }
    )
}
CONCERN_EMAILS = env.bool("CONCERN_EMAILS", default=bool(_EMAIL_HOST))
# Coverage figures of areas at these levels are counted when a page asks (the snapshot's own
# SQL, restricted to the area: milliseconds for a township); larger areas read the snapshot
# that every change refreshes after commit, and say when it was computed.
COVERAGE_COUNTED_LIVE = env.list("COVERAGE_COUNTED_LIVE", default=["township", "village", "group"])
# Jobs whose worker died (seconds). A running import beats at least every JOB_HEARTBEAT_EVERY
# seconds while it checks rows; its final write (one transaction) is silent but takes well
# under a minute even for the largest file. A coverage recompute is one SQL statement, cut
# off after COVERAGE_JOB_TIME_LIMIT. A running job silent for longer than JOB_STALE_AFTER has
# lost its worker; a job still waiting after JOB_PENDING_STALE_AFTER was never picked up.
JOB_HEARTBEAT_EVERY = env.int("JOB_HEARTBEAT_EVERY", default=10)
COVERAGE_JOB_TIME_LIMIT = env.int("COVERAGE_JOB_TIME_LIMIT", default=10 * 60)
JOB_STALE_AFTER = env.int("JOB_STALE_AFTER", default=15 * 60)
JOB_PENDING_STALE_AFTER = env.int("JOB_PENDING_STALE_AFTER", default=60 * 60)
if max(COVERAGE_JOB_TIME_LIMIT, JOB_HEARTBEAT_EVERY) + 60 > JOB_STALE_AFTER:
    raise ImproperlyConfigured(
        "JOB_STALE_AFTER must exceed COVERAGE_JOB_TIME_LIMIT and JOB_HEARTBEAT_EVERY by at "
        "least a minute, or running jobs would be taken for dead."
    )
# In embedded mode, long jobs (imports) run in a background thread so the page that
# started them can show progress. Tests turn this off to keep runs deterministic.
TASKS_IN_BACKGROUND_THREAD = env.bool("TASKS_IN_BACKGROUND_THREAD", default=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # 等保 2.0: at least 10 characters, not a common password, not like the username.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins (the login page, the admin's and the API's token endpoint alike) are counted
# by django-axes per username and per client address; either reaching LOGIN_FAILURE_LIMIT
# within LOGIN_COOLOFF_MINUTES locks it out for that long (the right password included).
# Administrators lift lockouts on the lockouts page (liaison/core/lockouts.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the failures: a guesser with an account of their own would reset
# their address's count between guesses.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "liaison.common.net.client_ip"
AXES_LOCKOUT_CALLABLE = "liaison.core.lockouts.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Addresses (or networks, "10.0.0.0/8") of the reverse proxies in front of the site. Only a
# request from one of them has its X-Forwarded-For believed; empty: the client is
# REMOTE_ADDR, whatever headers it sends.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# The public side (issue 11): the address printed in the contact cards' QR codes
# ("https://minqing.example.gov.cn"; empty: the address of the request that prints them),
# and the fewest seconds between showing the public form and sending it (faster: a bot).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")
PUBLIC_FORM_MIN_SECONDS = env.float("PUBLIC_FORM_MIN_SECONDS", default=3.0)
# API tokens expire this many days after they were issued (POST /api/v1/auth/token/ again
# gives a new one).
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Import files of 100,000 rows are a few MB; refuse anything absurd early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_FILE_SIZE = env.int("IMPORT_MAX_FILE_SIZE", default=50 * 1024 * 1024)
# An XLSX is zipped XML: refuse one that unpacks to more (a 1.6 MB "zip bomb" held 420 MB),
# and any file of more rows, before parsing (liaison.common.spreadsheets). 500,000 rows of
# households unpack to about 250 MB.
IMPORT_MAX_UNCOMPRESSED_SIZE = env.int("IMPORT_MAX_UNCOMPRESSED_SIZE", default=256 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=500_000)
DUTY_PHOTO_MAX_SIZE = env.int("DUTY_PHOTO_MAX_SIZE", default=5 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "liaison.core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested deeper than any request needs is refused with a 400 (not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "liaison.common.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "liaison.common.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": "20/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liaison system API",
    "DESCRIPTION": "Hierarchy, households and responsibility zones of the liaison system "
    "(干部直接联系群众). Authenticate with `Authorization: Token <token>` from "
    "`POST /api/v1/auth/token/`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # <id:pk> (liaison.common.ids): an integer that fits a 64-bit id column.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "format": "int64"}},
    "ENUM_NAME_OVERRIDES": {
        "ImportKindEnum": "districts.models.ImportJob.Kind",
        "DepartmentKindEnum": "liaison.core.models.DepartmentKind",
        "LockoutKindEnum": "liaison.core.lockouts.KINDS",
        # Recompute jobs (coverage, concern statistics) share their states.
        "JobStatusEnum": "liaison.core.models.CoverageJob.Status",
    },
}

SESSION_COOKIE_HTTPONLY = True
# Sessions end after PrivacyPolicy.session_idle_minutes without a request (set at sign-in,
# kept alive by districts.middleware.SessionIdleTimeoutMiddleware); this is the fallback.
SESSION_COOKIE_AGE = 30 * 60
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# A form refused for its CSRF token: the site's own 403 page (JSON under /api/).
CSRF_FAILURE_VIEW = "liaison.errors.csrf_failure"

# --- Headers and production mode (README, "Security") ---
# Content-Security-Policy, Django's own (django.middleware.csp), in every mode so that the
# browser tests run under it: scripts come only from this site's static files (data reaches
# them by json_script or data- attributes; no inline <script>, no onclick=), nothing is
# framed, no plugin runs, forms post only here. Styles: <style> elements and style sheets
# only from this site (an injected <style> could read attributes such as the CSRF token with
# selectors); style="" attributes are allowed, since the pages set widths and heights with
# them (progress bars of figures computed per page) and an attribute can neither select other
# elements nor load anything from elsewhere (img-src and font-src stay 'self').
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "style-src-elem": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    # data: for the icons inside Bootstrap's and Swagger UI's style sheets.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Behind TLS (SECURE_TLS=1, at the proxy or here): plain HTTP is redirected, browsers are told
# to use HTTPS for a year on this host and its subdomains (HSTS; `preload` makes the host
# eligible for the browsers' built-in list, which still needs a submission), and cookies
# travel only over HTTPS. Off by default: a plain-HTTP deployment would lock itself out.
SECURE_TLS = env.bool("SECURE_TLS", default=False)
SECURE_SSL_REDIRECT = SECURE_TLS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if SECURE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_TLS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_TLS)
if SECURE_TLS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every login and logout at INFO; failures and lockouts are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
