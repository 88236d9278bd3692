"""LeadFlow settings, read from the environment.

Local use needs nothing set: SQLite (WAL) under ``var/``, e-mail printed to the console, a
random secret kept in ``var/secret_key``. A deployment sets ``DATABASE_URL`` (PostgreSQL),
``SECRET_KEY``, ``ALLOWED_HOSTS``, ``EMAIL_URL`` and leaves ``DEBUG`` off; then
``leadflow check --deploy`` passes.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

from leadflow.config.env import env_bool, env_int, env_list, parse_email_url, secret_key

VAR_DIR = Path(os.environ.get("LEADFLOW_VAR_DIR", "var")).resolve()
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR, debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address people reach LeadFlow at, for links in e-mails (https://leads.example.com);
# without it those links are paths only.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "leadflow.accounts",
    "leadflow.programs",
    "leadflow.leads",
    "leadflow.intake",
    "leadflow.imports",
    "leadflow.api",
    "leadflow.notifications",
    "leadflow.review",
    "leadflow.delivery",
    "leadflow.guarantees",
    "leadflow.partners",
    "leadflow.nurture",
    "leadflow.sales",
    "leadflow.billing",
    "leadflow.appointments",
    "leadflow.scoring",
    "leadflow.reports",
    "leadflow.demo",
    "leadflow.ops",
    "axes",
    "csp",
    # django-ninja's templates and static files: the API docs' Swagger UI from our own server.
    "ninja",
]

MIDDLEWARE = [
    "leadflow.lib.tracing.RequestIdMiddleware",  # first: every answer timed and logged with its id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "leadflow.lib.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times in the viewer's own zone (the client's for client contacts): issue 17.
    "leadflow.accounts.middleware.ViewerTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An admin who must use two-step sign-in and has not set it up reaches only its page.
    "leadflow.accounts.middleware.TwoStepRequiredMiddleware",
    "leadflow.lib.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leadflow.config.urls"
WSGI_APPLICATION = "leadflow.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent.parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leadflow.accounts.navigation.navigation",
            ],
        },
    },
]

_database_url = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'leadflow.sqlite3'}")
# A PostgreSQL connection is kept a minute and checked before reuse: a new one per request
# doubled the time of an API capture (docs/PERFORMANCE.md, "Load"). SQLite opens in microseconds.
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        conn_max_age=int(
            os.environ.get("CONN_MAX_AGE", "0" if _database_url.startswith("sqlite") else "60")
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the task worker run beside a writer; IMMEDIATE takes the write lock
    # at BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# `leadflow serve`: gunicorn's web processes and the task workers beside them
# (docs/DEPLOYMENT.md).
WEB_PROCESSES = env_int("WEB_PROCESSES", 2)
#: Worker processes per queue.
TASK_WORKERS = env_int("TASK_WORKERS", 1)
#: The task queues by urgency, each served by its own worker processes, with the threads each
#: process runs. Time-critical work (Hot leads, routing, the SLA sweep) is ``urgent`` and never
#: waits behind ``sends`` (e-mail and webhooks, many at once: a send mostly waits on the
#: network) or ``bulk`` (imports, re-qualification).
TASK_QUEUES = {
    "urgent": env_int("TASK_THREADS_URGENT", 2),
    "default": env_int("TASK_THREADS_DEFAULT", 1),
    "sends": env_int("TASK_THREADS_SENDS", 8),
    "bulk": env_int("TASK_THREADS_BULK", 1),
}
#: A running task whose worker has not been heard of for this long is run again (a worker
#: beats every TASK_HEARTBEAT seconds); after TASK_MAX_RUNS starts it is failed instead.
TASK_LEASE = env_int("TASK_LEASE", 60)
TASK_HEARTBEAT = env_int("TASK_HEARTBEAT", 10)
TASK_MAX_RUNS = env_int("TASK_MAX_RUNS", 3)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "leadflow.lib.taskbackend.DatabaseBackend"),
        "QUEUES": list(TASK_QUEUES),
    }
}

# Argon2id at OWASP's minimum (accounts/hashers.py): a sign-in's password check in tens of
# milliseconds, not a second; hashes of the others still check and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "leadflow.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [Path(__file__).resolve().parent.parent / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}

_email = parse_email_url(os.environ.get("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_TLS = _email.use_tls
EMAIL_USE_SSL = _email.use_ssl
if _email.file_path:
    EMAIL_FILE_PATH = _email.file_path
DEFAULT_FROM_EMAIL = _email.default_from or os.environ.get(
    "DEFAULT_FROM_EMAIL", "LeadFlow <leadflow@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
#: Seconds an SMTP connection may take to connect or answer (a hanging server fails the send,
#: which is retried later, instead of holding a sender).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The console backend (EMAIL_URL=console://) prints one line per message; 1 prints it whole.
EMAIL_CONSOLE_FULL = env_bool("EMAIL_CONSOLE_FULL", False)
#: The e-mail provider's tracking webhook (bounces and complaints, ``/webhooks/postmark/
#: tracking/``, django-anymail): the ``user:password`` of its basic auth, set in the provider's
#: webhook URL too. Unset, the webhook answers 404 (an open one would let anyone mark
#: addresses bounced).
ANYMAIL = {"WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET", "")}

# Outbound webhooks (notifications/outbound.py): https:// only unless DEBUG, never to loopback,
# private, link-local or metadata addresses, except the hosts (`host` or `host:port`) listed.
WEBHOOK_REQUIRE_HTTPS = env_bool("WEBHOOK_REQUIRE_HTTPS", not DEBUG)
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", "")
WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "5"))
WEBHOOK_READ_TIMEOUT = float(os.environ.get("WEBHOOK_READ_TIMEOUT", "10"))

# Production hardening: on whenever DEBUG is off. Behind a TLS-terminating proxy, set
# SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in throttling (django-axes, docs/DECISIONS.md "Production"): 10 failed sign-ins for one
# username from one address lock that pair for 15 minutes after the last failure, or until an
# admin lifts it (admin "Access attempts", or `leadflow axes_reset_username NAME`). The same
# account from elsewhere and other accounts from that address still sign in. The address is
# REMOTE_ADDR; behind a proxy set AXES_PROXY_COUNT (1 for one proxy) to read X-Forwarded-For.
AUTHENTICATION_BACKENDS = [
    "leadflow.accounts.signin.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on stderr at every start (the CLI's output stays its own)
# A wrong two-step code counts as a failed sign-in; the code itself is not kept in the record.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
if int(os.environ.get("AXES_PROXY_COUNT", "0")):
    AXES_CLIENT_IP_CALLABLE = "leadflow.accounts.signin.forwarded_client_ip"
    AXES_PROXY_COUNT = int(os.environ["AXES_PROXY_COUNT"])

# Two-step sign-in (accounts, DECISIONS.md "Two-step sign-in"): anyone may turn it on; with
# this on, an admin without it reaches only the page that sets it up (API tokens unaffected).
TWO_FACTOR_REQUIRED_FOR_ADMINS = env_bool("TWO_FACTOR_REQUIRED_FOR_ADMINS", False)

# Sessions end 12 hours after sign-in, closing the browser or not; the cookie is HTTP-only and
# SameSite=Lax (Django's defaults, kept on purpose).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere, no framing. The
# public web form (/forms/<slug>/) is framed by clients' sites and says so per view. The API docs
# are django-ninja's bundled Swagger UI (``ninja`` in INSTALLED_APPS), served from our static
# files under the same policy as every page: no outside host, so they work offline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs (docs/DEPLOYMENT.md "Logs and metrics"): to stderr, one JSON object a line (timestamp,
# level, logger, message, request_id, exc_info) unless LOG_FORMAT=text; text by default with
# DEBUG on. `request_id` is the request's or the task's (leadflow.lib.tracing); every request
# but the probes, /metrics and static files gets one access line (logger leadflow.access).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "leadflow.lib.tracing.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
            # Django's lines about a request carry the request: its repr holds the query string.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# GET /metrics (Prometheus) answers only `Authorization: Bearer <METRICS_TOKEN>`; unset, 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
