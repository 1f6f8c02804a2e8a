"""Settings for OGP Tracker, read from the environment.

With nothing set, the project runs on embedded defaults: an SQLite file and Celery's
filesystem broker under ``var/``, so a newcomer needs no server. README.md lists every
variable.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the running site writes (SQLite file, uploads, broker folders) lives here.
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name, default=""):
    """A secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", True)

# Only good for development: refused below when DEBUG is off.
INSECURE_SECRET_KEY = "django-insecure-ogptracker-development-only"  # noqa: S105  # nosec B105
SECRET_KEY = env_secret("SECRET_KEY") or INSECURE_SECRET_KEY
if not DEBUG and (SECRET_KEY == INSECURE_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "Refusing to start with DEBUG off and the insecure default SECRET_KEY. "
        "Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

# HTTPS and browser protections, on whenever DEBUG is off (`manage.py check --deploy` is
# clean then). SECURE_SSL_REDIRECT=false behind a proxy that already redirects, or to try the
# production mode over plain http on this machine (make serve).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions in the database (Django's default, said here so it stays): signing in and the
# panel keep working while Redis, the cache, is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Content Security Policy (django-csp): scripts only from this site's own files, never inline.
# Inline styles stay allowed (the admin and Swagger UI set some); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")


def _served_at():
    """The address bin/run and bin/serve serve, from the HOST and PORT they read."""
    host = os.environ.get("HOST") or "127.0.0.1"
    # Served on all interfaces (a comparison, not a binding): links use the local one.
    if host in ("0.0.0.0", "::"):  # noqa: S104  # nosec B104
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT') or '8000'}"


# The public address, for links in emails and Atom ids: SITE_URL when set (production),
# otherwise where `make run` serves (`PORT=8201 make run` links to port 8201).
SITE_URL = (os.environ.get("SITE_URL") or _served_at()).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "accounts.apps.AxesConfig",  # django-axes, under a Spanish name in the admin
    "accounts",
    "states",
    "commitments",
    "public",
    "demo",
    "api",
    "ops",
    "alerts",
    "transparency",
]

MIDDLEWARE = [
    # First: every line logged while a request runs carries its id.
    "ops.logs.RequestIdMiddleware",
    # Then: a bad Host header is a 400 before anything reads it; NUL characters are refused.
    "ops.request_guard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "commitments.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Marks a browser its account signed in from (accounts.signin).
    "accounts.signin.SignInDeviceMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ogptracker.urls"
WSGI_APPLICATION = "ogptracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user@host:5432/name), or an SQLite file under var/.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles any query its planner costs above jit_above_cost, and the
        # aggregates of 150,000 milestones cost that much: compiling took 0.5 to 0.7 s of the
        # home page's 1 s query at 20 times national data, and the query runs in 0.4 s
        # without it (README, "Public pages"). No query of ours runs long enough to repay it.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # The web server and the Celery worker write to the same file: WAL and
                # immediate transactions turn "database is locked" into a short wait.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Redis: REDIS_URL is the Celery broker, CACHE_REDIS_URL the cache. In production they are
# two instances (README, "Production mode"): the cache's with a memory limit and LRU
# eviction, the broker's keeping its data on disk (AOF), so a cache full of pages can never
# push the queued tasks out. With REDIS_URL alone both share it (CI, a small install).
# Without either, Celery's filesystem broker and a cache on files.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "") or REDIS_URL
CELERY_BROKER_DIR = VAR_DIR / "celery"
if CACHE_REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, degraded to no cache (with a warning) while Redis is away;
            # short socket timeouts so a Redis that does not answer costs milliseconds.
            "BACKEND": "ops.cache.DegradingRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "KEY_PREFIX": "ogptracker",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    # On files, so the web server and the Celery worker share it: the stale job's changes
    # must invalidate the pages the web server cached.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A broker that vanishes without closing the connection (a network cut) is noticed
        # instead of waited for forever; the worker then reconnects (below).
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
        "socket_keepalive": True,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    for folder in ("queue", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder for in and out: the worker reads what the web process writes.
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }

CELERY_TIMEZONE = "America/Mexico_City"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis outages: the worker and the beat wait for the broker, at start and whenever it goes
# away, for as long as it takes (Celery's default gives up after 100 tries), and reconnect
# by themselves. A task running when the connection drops is left to finish (cancelling a
# digest between its claim and its email would lose the email); if Redis kept its message,
# it may run again later, and tasks are idempotent. Tasks the application queues wait in the
# outbox meanwhile (ops.outbox); the beat's own sends during the outage are lost, and its
# next tick catches up.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Seconds between two runs of the stale check (and of the notices of people's changes).
STALE_CHECK_SECONDS = int(os.environ.get("STALE_CHECK_SECONDS", str(15 * 60)))
# The beat proves it runs by writing a heartbeat this often (/healthz/ reports it).
BEAT_HEARTBEAT_SECONDS = 60
CELERY_BEAT_SCHEDULE = {
    "beat-heartbeat": {"task": "ops.beat_heartbeat", "schedule": BEAT_HEARTBEAT_SECONDS},
    # The budgets of anonymous requests and sign-in (ops.budgets) forget their old rows.
    "purge-rate-counters": {"task": "ops.purge_rate_counters", "schedule": 3600},
    "flag-stale-milestones": {
        "task": "commitments.flag_stale_milestones",
        "schedule": STALE_CHECK_SECONDS,
    },
    # The stale job queues this itself; the beat also catches transitions from people's
    # actions (status updates, evidence).
    "notify-transitions": {
        "task": "alerts.process_transitions",
        "schedule": STALE_CHECK_SECONDS,
    },
    "due-reminders": {
        "task": "alerts.scan_due_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    # Every stored light checked against the rules and repaired (commitments.services.audit),
    # at night, Mexico City time; /healthz/ reports the last run.
    "audit-lights": {
        "task": "commitments.audit_lights",
        "schedule": crontab(hour=3, minute=30),
    },
    # The day's figures of every state and institution, for the ranking over time
    # (commitments.services.rankings): after the night's audit, so the lights are right.
    "snapshot-rankings": {
        "task": "commitments.snapshot_rankings",
        "schedule": crontab(hour=4, minute=15),
    },
    # Follows never confirmed are forgotten once their link has expired.
    "purge-unconfirmed-follows": {
        "task": "alerts.purge_unconfirmed_follows",
        "schedule": crontab(hour=4, minute=0),
    },
    # Disputes left unanswered, recalled to the officials who answer for them.
    "dispute-reminders": {
        "task": "alerts.remind_disputes",
        "schedule": crontab(hour=6, minute=45),
    },
    # Links given as evidence re-checked and archived (commitments.services.link_archive):
    # each link once a week, a failing one again after LINK_ARCHIVE_RETRY_HOURS; every night,
    # only those due, in batches.
    "recheck-evidence-links": {
        "task": "commitments.recheck_links",
        "schedule": crontab(hour=2, minute=15),
    },
    # One digest a day per person, in the morning, Mexico City time.
    "daily-digest": {
        "task": "alerts.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}

# Public pages are cached until any data they show changes (commitments.cache); turning it
# off is only useful to measure what the cache buys (bench/public_pages.py).
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", True)
# Each state's share of the national pages' figures, kept under that state's version
# (commitments.cache.per_state): a national page after a write computes the written state's
# share alone. Used with or without the page cache (signed-in visitors skip the page cache).
PUBLIC_FIGURES_CACHE = env_bool("PUBLIC_FIGURES_CACHE", True)

# Public read API (api/): anyone may read, from any origin, within a rate per client address.
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "EXCEPTION_HANDLER": "api.errors.handle",
    # DRF's three, with a JSON parser that refuses deep nesting and lone surrogates.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_LIMIT", "120/minute"),
        "user": os.environ.get("API_TOKEN_RATE_LIMIT", "600/minute"),
    },
    # Client addresses come from REMOTE_ADDR, or from X-Forwarded-For behind this many proxies.
    # 0 means REMOTE_ADDR alone: a client-supplied X-Forwarded-For is never trusted.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OGP Tracker API",
    "DESCRIPTION": (
        "Open data on the Open Government Partnership commitments of Mexican states: action "
        "plans, commitments, milestones with their traffic light, evidence and history. "
        "Licence: CC BY 4.0."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "/favicon.ico",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "api.schema.stable_parameter_names",
        # Last: every description in the schema's language (?lang=, or Accept-Language).
        "api.schema_i18n.translate_descriptions",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MilestoneStatusEnum": "commitments.models.Milestone.Status",
        "SignalEnum": "commitments.models.Light",
        "LightReasonEnum": "commitments.models.LightReason",
        "VerificationStatusEnum": "commitments.models.VerificationStatus",
        "DuePrecisionEnum": "commitments.models.Milestone.DuePrecision",
        "DisputeStateEnum": "commitments.models.Dispute.State",
        "DisputeMessageKindEnum": "commitments.models.DisputeMessage.Kind",
        # Pinned too, so that a new field with the same name elsewhere cannot rename them.
        "ActionPlanStatusEnum": "commitments.models.ActionPlan.Status",
        "EvidenceKindEnum": "commitments.models.Evidence.Kind",
        "OrganisationKindEnum": "states.models.Organisation.Kind",
        "CauseEnum": "commitments.models.Transition.Cause",
        "ResultEnum": "commitments.models.Verification.Result",
        "MemberKindEnum": ["state", "municipality"],
        # What became of each item of a bulk write (panel.bulk.ITEM_STATUS).
        "BulkOutcomeEnum": ["applied", "checked", "conflict", "invalid", "forbidden", "not_found"],
    },
}
CORS_URLS_REGEX = r"^/(api|datos|en/datos)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# Email: files in EMAIL_FILE_PATH when set (tests of a worker process read them), SMTP when
# EMAIL_HOST is set, otherwise printed on the console. EMAIL_DESTINATION says which, for
# `make run` to tell at start (bin/run).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
if EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_DESTINATION = f"written as files to {EMAIL_FILE_PATH}/ (EMAIL_FILE_PATH)"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_DESTINATION = f"sent by SMTP through {EMAIL_HOST}:{EMAIL_PORT} (EMAIL_HOST)"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    EMAIL_DESTINATION = (
        "printed in this terminal by the worker, not sent (console backend; "
        "EMAIL_FILE_PATH=var/mail keeps them as files, EMAIL_HOST sends them)"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OGP Tracker <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How long a citizen's follow confirmation link works, in seconds.
FOLLOW_CONFIRM_MAX_AGE = int(os.environ.get("FOLLOW_CONFIRM_MAX_AGE", str(3 * 24 * 3600)))
# The link to a prefilled report in a due-date reminder (sent 14 days before the date) works
# this long: past the due date and a week more, then the panel is the way.
REPORT_LINK_MAX_AGE = int(os.environ.get("REPORT_LINK_MAX_AGE", str(21 * 24 * 3600)))

# Spanish (Mexico) first, English available under /en/.
LANGUAGE_CODE = "es-mx"
# Each language is named in itself, as language switches do.
LANGUAGES = [("es-mx", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Mexico_City"
USE_TZ = True

STATIC_URL = "static/"
# Uploaded evidence, outside the static root so it is never served as a static file.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
# Anything larger than this is streamed to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Where uploaded evidence is kept: "local" (MEDIA_ROOT on this disk) or "s3", an S3-compatible
# bucket (AWS S3, MinIO, Ceph...) through django-storages. Setting AWS_STORAGE_BUCKET_NAME
# alone means "s3". Either way files are only ever handed out by the evidence download view
# (permissions, nosniff, attachment): objects are private and get no public or signed URLs.
EVIDENCE_STORAGE = (
    os.environ.get("EVIDENCE_STORAGE")
    or ("s3" if os.environ.get("AWS_STORAGE_BUCKET_NAME") else "local")
).lower()
if EVIDENCE_STORAGE == "local":
    EVIDENCE_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif EVIDENCE_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("EVIDENCE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    EVIDENCE_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            # For S3-compatible services, e.g. http://minio.internal:9000; empty for AWS.
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            # "path" for services without virtual-hosted buckets (MinIO's default).
            "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
            # A folder inside the bucket, to share one bucket between sites.
            "location": os.environ.get("AWS_LOCATION", ""),
            # Without keys, boto3's own chain applies (instance or task role, ~/.aws).
            "access_key": env_secret("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_secret("AWS_SECRET_ACCESS_KEY") or None,
            # Private objects. AWS_DEFAULT_ACL= (empty) sends no ACL at all, for buckets with
            # ACLs disabled (AWS's default "bucket owner enforced"), which are private anyway.
            "default_acl": os.environ.get("AWS_DEFAULT_ACL", "private") or None,
            "querystring_auth": False,
            # Evidence names are random and never reused: never overwrite an object.
            "file_overwrite": False,
            # A file read back from the bucket spills to a temporary file past this size.
            "max_memory_size": FILE_UPLOAD_MAX_MEMORY_SIZE,
        },
    }
else:
    raise ImproperlyConfigured(f"EVIDENCE_STORAGE must be local or s3, not {EVIDENCE_STORAGE!r}.")

# In production, hashed and compressed file names (collectstatic), served by WhiteNoise.
STORAGES = {
    "default": EVIDENCE_STORAGE_BACKEND,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site's root by WhiteNoise: /favicon.ico, which browsers and feed
# readers ask for whatever the page says.
WHITENOISE_ROOT = BASE_DIR / "webroot"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "panel:dashboard"
LOGOUT_REDIRECT_URL = "public:home"
# Password-reset links (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# An invitation link works once, for this many days.
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "7"))

# Information requests (transparency/): the legal answer deadline in business days, and days
# off beyond Ley Federal del Trabajo art. 74's (computed), as ISO dates: Holy Thursday and
# Friday, the transparency bodies' published calendars (README, "Information requests").
INFORMATION_REQUEST_DEADLINE_BUSINESS_DAYS = int(
    os.environ.get("INFORMATION_REQUEST_DEADLINE_BUSINESS_DAYS", "15")
)
if INFORMATION_REQUEST_DEADLINE_BUSINESS_DAYS < 1:
    raise ImproperlyConfigured("INFORMATION_REQUEST_DEADLINE_BUSINESS_DAYS must be 1 or more.")
# The business days an extension ("ampliación del plazo") the institution notifies within the
# deadline adds to it.
INFORMATION_REQUEST_EXTENSION_BUSINESS_DAYS = int(
    os.environ.get("INFORMATION_REQUEST_EXTENSION_BUSINESS_DAYS", "10")
)
if INFORMATION_REQUEST_EXTENSION_BUSINESS_DAYS < 0:
    raise ImproperlyConfigured("INFORMATION_REQUEST_EXTENSION_BUSINESS_DAYS must be 0 or more.")


def _iso_dates(name):
    try:
        return sorted({dt.date.fromisoformat(v) for v in env_list(name)})
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be ISO dates (YYYY-MM-DD): {error}") from None


INFORMATION_REQUEST_NON_WORKING_DAYS = _iso_dates("INFORMATION_REQUEST_NON_WORKING_DAYS")

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one user name from one address lock that pair for 30 minutes.
# Locking the pair, not the account alone, keeps a stranger from locking a real official out.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address is the client's behind NUM_PROXIES proxies, as for the API's rate limits.
AXES_CLIENT_IP_CALLABLE = "ops.client_ip.client_ip"

# What an anonymous request may make the site do, counted in the database (ops.budgets):
# scope -> (events, per seconds). Refusals by address are silent (the page never says whether
# an email went out); refusals by client or for the whole site say when to try again.
_HOUR, _DAY = 3600, 86400
BUDGETS = {
    # Follow confirmations: one per address and subject a day, five per address a day (every
    # subject); follow requests per client network, and for the whole site.
    "follow.subject": (1, _DAY),
    "follow.address": (5, _DAY),
    "follow.client": (20, _HOUR),
    "follow.site": (int(os.environ.get("FOLLOW_REQUESTS_PER_HOUR", "300")), _HOUR),
    # Password-reset emails: one per address every 15 minutes, four a day; requests per client
    # network and for the whole site.
    "reset.address": (1, 15 * 60),
    "reset.address_day": (4, _DAY),
    "reset.client": (10, _HOUR),
    "reset.site": (int(os.environ.get("PASSWORD_RESETS_PER_HOUR", "100")), _HOUR),
    # Sign-in attempts per client network (its rows are what a flood of attempts stores), and
    # failures allowed on one trusted device (accounts.signin) before it is trusted no more.
    "signin.client": (60, 10 * 60),
    "signin.device": (5, 30 * 60),
}
# The per-account slow-down of sign-in (accounts.signin): for one user name, from any address,
# SIGNIN_FREE_FAILURES attempts, then a wait before each next one, from a minute doubling up
# to 15 minutes; forgotten a day after the last attempt. A browser the account signed in
# from before is not slowed down, so the owner is never locked out.
SIGNIN_FREE_FAILURES = int(os.environ.get("SIGNIN_FREE_FAILURES", "10"))
SIGNIN_FIRST_WAIT = 60
SIGNIN_LONGEST_WAIT = 15 * 60
SIGNIN_FORGET_AFTER = _DAY
# The cookie that marks a browser the account signed in from (a signed nonce), for a year.
SIGNIN_DEVICE_COOKIE = "ogpt_device"
SIGNIN_DEVICE_COOKIE_AGE = 365 * _DAY

# Evidence files: the largest upload kept, in bytes (25 MB by default).
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_MB", "25")) * 1024 * 1024
# Every upload form takes one file; more in one request is refused before any is stored, so
# one request holds at most one EVIDENCE_MAX_BYTES file (Django's default allows 100).
DATA_UPLOAD_MAX_NUMBER_FILES = 1

# Links given as evidence are fetched by the worker and kept (commitments.services.link_archive,
# through ops.safe_fetch: public addresses only). LINK_ARCHIVE_ENABLED=false stops every fetch
# (an offline install; the test suite, except the tests of the archive).
LINK_ARCHIVE_ENABLED = env_bool("LINK_ARCHIVE_ENABLED", True)
LINK_ARCHIVE_MAX_BYTES = int(os.environ.get("LINK_ARCHIVE_MAX_MB", "20")) * 1024 * 1024
LINK_ARCHIVE_CONNECT_TIMEOUT = float(os.environ.get("LINK_ARCHIVE_CONNECT_TIMEOUT", "10"))
LINK_ARCHIVE_READ_TIMEOUT = float(os.environ.get("LINK_ARCHIVE_READ_TIMEOUT", "20"))
# Seconds for a whole fetch, redirects included, however the server drips its answer.
LINK_ARCHIVE_DEADLINE = float(os.environ.get("LINK_ARCHIVE_DEADLINE", "60"))
LINK_ARCHIVE_MAX_REDIRECTS = 5
LINK_ARCHIVE_RECHECK_DAYS = int(os.environ.get("LINK_ARCHIVE_RECHECK_DAYS", "7"))
LINK_ARCHIVE_RETRY_HOURS = int(os.environ.get("LINK_ARCHIVE_RETRY_HOURS", "24"))
LINK_ARCHIVE_BATCH = int(os.environ.get("LINK_ARCHIVE_BATCH", "20"))
LINK_ARCHIVE_MAX_BATCHES = int(os.environ.get("LINK_ARCHIVE_MAX_BATCHES", "100"))
LINK_ARCHIVE_USER_AGENT = "OGPTracker-archiver/1.0 (evidence archive)"
# Test-only: lets the fetcher reach loopback addresses (a test's own server on 127.0.0.1).
# Never from the environment, so no deployment can turn it on by mistake.
LINK_ARCHIVE_ALLOW_PRIVATE_HOSTS = False

# Logs: one JSON object per line in production (LOG_FORMAT=json, the default with DEBUG off),
# readable lines in development; both carry the request id and are scrubbed of secrets
# (ops.logs). Each request is logged once, by ops.logs.RequestIdMiddleware, so gunicorn's
# access log (raw paths, tokens included) stays off.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "ops.logs.ContextFilter"}},
    "formatters": {
        "plain": {
            "()": "ops.logs.PlainLogFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s",
        },
        "json": {"()": "ops.logs.JsonLogFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs every successful login at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # runserver's own access lines would repeat ogptracker.request's, with raw paths.
        "django.server": {"level": "WARNING"},
    },
}
