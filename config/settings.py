"""Settings for the suggestion tracker, read from the environment (see .env.example)."""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless asked for: `make run` turns it on for development; a deployment never inherits it.
DEBUG = env_bool("DJANGO_DEBUG", False)
# The test suite runs under pytest; it alone signs with a key written in the repository (config/checks.py
# refuses that key, and every other known one, outside the tests).
TESTING = "pytest" in sys.modules
TEST_SECRET_KEY = "test-suite-only-key-never-used-outside-pytest-0123456789abcdef"
SECRET_KEY = env("DJANGO_SECRET_KEY", TEST_SECRET_KEY if TESTING else None)
# Development defaults (plain http, console e-mail, unhashed static files) for `make run` and the tests;
# everything else gets the production defaults.
DEVELOPMENT = DEBUG or TESTING
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

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
    "accounts",
    "delegates",
    "departments",
    "suggestions",
    "notifications",
    "reports",
    "imports",
    "routing",
    *(["devtools"] if env_bool("DJANGO_DEVTOOLS", DEVELOPMENT) else []),
    "django_tasks_db",
]

MIDDLEWARE = [
    "config.middleware.RefuseTraceMiddleware",  # TRACE and CONNECT: 405 on every URL
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.db_router.ReplicaReadsMiddleware",  # reads of the API, dashboards, exports: replica or primary
    "config.locale.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "suggestions.web.context_processors.navigation",
                "config.context_processors.statistics_definitions",  # each statistic's definition
            ],
        },
    },
]

# SQLite is the zero-setup default; PostgreSQL is the real database (DATABASE_URL=postgres://...).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A streaming replica of the primary (DATABASE_REPLICA_URL=postgres://...:5433/tracker, the same database
# name): the API's, the dashboards' and the exports' reads go there, every write and the writer's next
# reads to the primary (config/db_router.py, docs/scaling.md). Nothing migrates it. Under the test suite
# it is a test mirror of "default" and nothing is routed to it (tests/scaling/ start their own servers).
_replica_url = env("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(
        _replica_url, conn_max_age=int(env("DJANGO_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # JIT compilation costs more than it saves on this app's short queries (1.4 s of a 1.8 s aggregate).
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
REPLICA_READS = "replica" in DATABASES and not TESTING
# Safe requests under these paths may read the replica (unless their user is pinned to the primary).
REPLICA_READ_PATHS = env_list("DJANGO_REPLICA_READ_PATHS", "/api/v1/,/dashboard/,/screen/,/reports/")
# After a write, the user's reads stay on the primary this long (read-your-writes across servers).
REPLICA_PIN_SECONDS = int(env("DJANGO_REPLICA_PIN_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The statistics, list totals, filter choices, the reference generation, the API's rate limits and the
# replica pins live in the default cache (suggestions/queries/dataversion.py). Per-process memory by
# default (zero setup); with REDIS_URL (redis://127.0.0.1:6379/0) Django's RedisCache, shared by every
# process and server. DJANGO_CACHE_BACKEND / DJANGO_CACHE_LOCATION name any other backend (the database
# cache: a table created by `manage.py createcachetable`) and win over REDIS_URL. The test suite ignores
# REDIS_URL: its workers run side by side on databases of their own, and it clears the cache per test.
REDIS_URL = env("REDIS_URL", "")
_cache_backend = env(
    "DJANGO_CACHE_BACKEND",
    "django.core.cache.backends.redis.RedisCache"
    if REDIS_URL and not TESTING
    else "django.core.cache.backends.locmem.LocMemCache",
)
CACHES = {
    "default": {
        "BACKEND": _cache_backend,
        "LOCATION": env(
            "DJANGO_CACHE_LOCATION", REDIS_URL if _cache_backend.endswith("RedisCache") else "tracker"
        ),
        # Two deployments (or test runs) sharing one Redis keep apart by prefix.
        "KEY_PREFIX": env("DJANGO_CACHE_KEY_PREFIX", ""),
    }
}
if REPLICA_READS and _cache_backend.rsplit(".", 1)[-1] in {"LocMemCache", "DummyCache"}:
    # The read-your-writes pin must be seen by every worker of every server.
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URL needs a cache shared by every process: set REDIS_URL (or DJANGO_CACHE_BACKEND)."
    )
STATS_CACHE_SECONDS = int(env("DJANGO_STATS_CACHE_SECONDS", "3600"))
# List totals (page counts) cached per query and data version, see suggestions.queries.stats.cached_count.
COUNT_CACHE_SECONDS = int(env("DJANGO_COUNT_CACHE_SECONDS", "600"))
# Filter-form reference lists (sessions, themes, departments), see suggestions/choices.py.
CHOICES_CACHE_SECONDS = int(env("DJANGO_CHOICES_CACHE_SECONDS", "300"))

# The session user is loaded with its roles, unread notifications and the data version in one query.
AUTHENTICATION_BACKENDS = ["accounts.backends.SessionBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# 5 wrong passwords for one username, or 30 from one address (any usernames), in 15 minutes: refused
# until the window has passed (accounts/forms.py). Offices behind one NAT address may raise the second.
LOGIN_LOCKOUT = {
    "max_failures": 5,
    "max_failures_per_address": int(env("DJANGO_LOGIN_MAX_FAILURES_PER_ADDRESS", "30")),
    "window_seconds": 15 * 60,
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
REPLY_PDF_MAX_BYTES = 10 * 1024 * 1024

# Email (Django 6.1 MAILERS): console in development, SMTP from the environment in production.
_email_backend = env(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
_smtp_options = {
    "host": env("DJANGO_EMAIL_HOST", "localhost"),
    "port": int(env("DJANGO_EMAIL_PORT", "25")),
    "username": env("DJANGO_EMAIL_HOST_USER", ""),
    "password": env("DJANGO_EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
}
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": _smtp_options if _email_backend.endswith("smtp.EmailBackend") else {},
    }
}
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")

# Security: production differences are environment variables, not a second settings module.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEVELOPMENT)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEVELOPMENT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "0" if DEVELOPMENT else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEVELOPMENT
SECURE_HSTS_PRELOAD = not DEVELOPMENT
# How many proxies of the deployer's own stand before the app and append to X-Forwarded-For (nginx:
# `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). 0: the client address is REMOTE_ADDR and
# X-Forwarded-For is ignored. The API's rate limits and the login lockout count by it (config/clientip.py).
TRUSTED_PROXY_COUNT = int(env("DJANGO_TRUSTED_PROXY_COUNT", "0"))
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

REST_FRAMEWORK = {
    # Token first: an unauthenticated request gets 401 with `WWW-Authenticate: Token`. Browsers use the
    # session (with CSRF); machine clients a token issued by staff in the admin (认证令牌).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.backends.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reading is scoped per role by each view's get_queryset; the dashboard account never writes.
    "DEFAULT_PERMISSION_CLASSES": ["config.rest.DashboardReadOnly"],
    # Rate limits per client address (anonymous) and per account, from API_THROTTLE_RATES below; a
    # request over the limit gets 429 with Retry-After. Counted in the default cache: per process by
    # default, shared by every server with REDIS_URL.
    "DEFAULT_THROTTLE_CLASSES": ["config.rest.AnonThrottle", "config.rest.UserThrottle"],
    # orjson does the encoding (config/renderers.py): DRF's bytes at a fraction of json.dumps' cost; docs at /api/docs/
    "DEFAULT_RENDERER_CLASSES": ["config.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.rest.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "suggestions.api.views.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.ApiSchema",
    # OPTIONS answers name, renders and parses only: no docstrings, no input fields (config/metadata.py).
    "DEFAULT_METADATA_CLASS": "config.metadata.PublicMetadata",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# "300/min", "10/s" …; set to an empty value for no limit.
API_THROTTLE_RATES = {
    "anon": os.environ.get("DJANGO_API_ANON_RATE", "300/min").strip() or None,
    "user": os.environ.get("DJANGO_API_USER_RATE", "3000/min").strip() or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "代表建议办理 API",
    "DESCRIPTION": (
        "Delegates' suggestions, their handling and the committee's statistics.\n\n"
        "Authentication: the browser session (send the CSRF token in `X-CSRFToken` on writes), or "
        "`Authorization: Token <key>` with a token committee staff issue on /accounts/tokens/ (`make run` "
        "prints one for the demo dashboard account); `GET /api/v1/me/` says who the token is. Every list is "
        "scoped to what the user may see; the dashboard account may only read.\n\n"
        'Errors: `{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}`, the same '
        "for every status (400, 401, 403, 404, 405, 415, 429); `fields` names the inputs as sent."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    # 405, 415, 429 and the 201's Location on every operation (what is served, not only what views declare)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "suggestions.api.schema.document_every_answer",
    ],
    # One schema name per set of choices (several models have a `status` or a `kind`).
    "ENUM_NAME_OVERRIDES": {
        "SuggestionStatusEnum": "suggestions.models.Status",
        "AssignmentStatusEnum": "suggestions.models.AssignmentStatus",
        "RequestStatusEnum": "suggestions.models.RequestStatus",
        "HandlerRoleEnum": "suggestions.models.HandlerRole",
        "ContactMethodEnum": "suggestions.models.ContactMethod",
        "ProgressKindEnum": "suggestions.models.ProgressKind",
        "CategoryEnum": "suggestions.models.Category",
        "PublicationEnum": "suggestions.models.Publication",
        "VerdictEnum": "suggestions.models.Verdict",
        "EventKindEnum": "suggestions.models.EventKind",
        "DelegateKindEnum": "delegates.models.DelegateKind",
        "DepartmentKindEnum": "departments.models.DepartmentKind",
    },
}

# Deadline defaults (DOMAIN.md); a standing committee changes them here.
TRACKER_DEADLINES = {
    "reply_months": 3,
    "extended_reply_max_months": 6,
    "co_opinion_months": 1,
    "acknowledge_workdays": 7,
    "rating_workdays": 15,
    "rehandling_months": 1,
    "publication_workdays": 20,
    "reminder_days": 15,
}
# Background tasks (Django 6 django.tasks) stored in the database and run by `manage.py db_worker`;
# DJANGO_TASKS_BACKEND=django.tasks.backends.immediate.ImmediateBackend runs them in-process instead.
TASKS = {"default": {"BACKEND": env("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# The worker's hourly reminder pass (notifications/schedule.py) and when an e-mail claimed by a worker
# that died is handed out again (notifications/reminders.py).
TRACKER_REMINDER_INTERVAL_SECONDS = int(env("DJANGO_REMINDER_INTERVAL_SECONDS", "3600"))
TRACKER_EMAIL_STUCK_SECONDS = int(env("DJANGO_EMAIL_STUCK_SECONDS", "3600"))
# Reminders and e-mails (notifications app): the address links in e-mails point to, and how long a
# one-click rating link stays valid.
TRACKER_SITE_URL = env("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
RATING_LINK_MAX_AGE_DAYS = int(env("DJANGO_RATING_LINK_DAYS", "30"))

DEMO_PASSWORD = env("DJANGO_DEMO_PASSWORD", "taicang-2023")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}
