"""Settings for the Good Stories portal, read from the environment.

Every variable is listed, with its default, in `.env.example` and in the README. The defaults give the
embedded mode (SQLite, tasks run in-process, local-memory cache, mail printed to the console); the full
stack sets DATABASE_URL, CELERY_BROKER_URL, CACHE_URL and EMAIL_URL.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` (written by `make install` with a random SECRET_KEY) fills in what the environment does
# not set; real environment variables always win.
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Run `make install` (it writes a local .env) "
            "or set SECRET_KEY in the environment."
        )
    SECRET_KEY = "django-insecure-embedded-mode-only"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "coalition.apps.CoalitionAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    "django_filters",
    "auditlog",
    "core",
    "coalition",
    "members",
    "stories",
    "meetings",
    "membership",
    "recommendations",
    "cooperation",
    "registry",
    "opendata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors with no session are answered from the public page cache here, before sessions,
    # users and CSRF; on the way out it stores public pages and makes everything personal `private, no-store`.
    "core.public_cache.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Names the logged-in person as the author of every audit-log entry a request causes.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "coalition.urls"
WSGI_APPLICATION = "coalition.wsgi.application"

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

# Database: SQLite file by default; PostgreSQL (psycopg 3) through DATABASE_URL in the full stack.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.bool("DATABASE_POOL", default=False):
    # psycopg's pool replaces persistent connections; Django refuses both at once.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory by default, Redis in the full stack (shared by every web process, so rate limits
# and cached pages hold across processes).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Same client, but when Redis does not answer (stopped or frozen: one-second timeouts) each process works
    # on its own memory for a while instead of failing (core/cache_backends.py).
    CACHES["default"]["BACKEND"] = "core.cache_backends.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            "RETRY_SECONDS": env.int("CACHE_RETRY_SECONDS", default=5),
        }
    )
# Sessions in the database only: a logout or a password change deletes the session row, and no cached copy
# can bring it back after a cache outage. It costs one query by primary key per request of a logged-in
# person; anonymous visitors have no session.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Anonymous pages, story counts and facets served from the cache (core/public_cache.py).
PUBLIC_CACHE = env.bool("PUBLIC_CACHE", default=True)
# How long proxies, CDNs and browsers may keep an anonymous public page (`Cache-Control: public`), and serve
# it stale while they fetch it again: short, so that a publication shows within a minute.
PUBLIC_MAX_AGE = env.int("PUBLIC_MAX_AGE", default=30)
PUBLIC_STALE_WHILE_REVALIDATE = env.int("PUBLIC_STALE_WHILE_REVALIDATE", default=30)

# Celery: with no broker, tasks run eagerly in-process (the embedded mode).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request never waits long for the broker: if it is down, the task is re-queued later from the database
# (see core/queueing.py and the "redrive" beat task).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# An unacknowledged task (its worker died) is handed to another worker after this many seconds; workers look
# for such tasks every few seconds. 90 s: a killed worker's task runs again within two minutes, and every task
# is far shorter (renditions of the largest photo take about a second) and safe to run twice.
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=90)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,  # a frozen Redis fails a publish in seconds; the redrive queues it again later
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": max(1, min(10, _visibility_timeout // 2)),
    "unacked_restore_throttle": 1 if _visibility_timeout < 60 else 10,
}
CELERY_TIMEZONE = "UTC"
# Work the broker could not take (it was down) is queued again by the "redrive" task, which runs every
# REDRIVE_EVERY_SECONDS for work older than REDRIVE_AFTER_SECONDS (younger work is most likely on its way):
# with both at 30, queued work recovers within a minute of the broker coming back.
REDRIVE_EVERY_SECONDS = env.int("REDRIVE_EVERY_SECONDS", default=30)
REDRIVE_AFTER_SECONDS = env.int("REDRIVE_AFTER_SECONDS", default=30)
# Public pages made stale while the cache was unreachable are made stale once it answers again, by a task
# that runs this often (core/public_cache.py).
PUBLIC_CACHE_CATCH_UP_SECONDS = env.int("PUBLIC_CACHE_CATCH_UP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    # Open-data releases (opendata/): daily, a dated release only if the data changed since the latest one
    # (and at once after a story is withdrawn or a photo taken down: opendata/apps.py).
    "open-data-release": {"task": "opendata.tasks.release_if_changed", "schedule": 24 * 3600.0},
    "publish-due-stories": {"task": "stories.tasks.publish_due_stories", "schedule": 60.0},
    "redrive": {"task": "coalition.tasks.redrive", "schedule": float(REDRIVE_EVERY_SECONDS)},
    "public-cache-catch-up": {
        "task": "core.tasks.public_cache_catch_up",
        "schedule": float(PUBLIC_CACHE_CATCH_UP_SECONDS),
    },
    "queue-meeting-reminders": {"task": "meetings.tasks.queue_due_reminders", "schedule": 15 * 60.0},
    "remove-stale-pending-uploads": {
        "task": "stories.tasks.remove_stale_pending_uploads",
        "schedule": 6 * 3600.0,
    },
    # Consultations on applications to join close at their deadline (silence means consent).
    "close-due-consultations": {"task": "membership.tasks.close_due_consultations", "schedule": 60.0},
    # Replies due to the Special Procedures: 14 and 3 days before, and once overdue.
    "queue-cooperation-reminders": {"task": "cooperation.tasks.queue_due_reminders", "schedule": 15 * 60.0},
    # The month's identity reads, to the head of the secretariat: claimed once per month, so hourly is safe.
    "registry-monthly-report": {"task": "registry.tasks.queue_monthly_report", "schedule": 3600.0},
    # Consent that expired takes its photo down within a minute; a warning 30 days before.
    "expire-consents": {"task": "stories.tasks.expire_consents", "schedule": 60.0},
    "warn-expiring-consents": {"task": "stories.tasks.warn_expiring_consents", "schedule": 24 * 3600.0},
    "remove-stale-pending-letters": {
        "task": "membership.tasks.remove_stale_pending_letters",
        "schedule": 6 * 3600.0,
    },
}

# Mail: printed to the console by default; SMTP through EMAIL_URL (smtp://user:pass@host:port).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Good Stories <noreply@goodstories.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SECRETARIAT_EMAIL = env.str("SECRETARIAT_EMAIL", default="secretariat@goodstories.example")
# Reprisals registry: Fernet keys (comma-separated; the first encrypts, all decrypt), never in the repository.
REGISTRY_KEYS = env.list("REGISTRY_KEYS", default=[])

# Open data: a live filtered CSV holds at most this many rows (the whole dataset is the latest release's
# file), and an anonymous address may ask for this many live CSV files an hour.
OPEN_DATA_CSV_CAP = env.int("OPEN_DATA_CSV_CAP", default=5000)
OPEN_DATA_CSV_LIMIT_PER_HOUR = env.int("OPEN_DATA_CSV_LIMIT_PER_HOUR", default=30)
REGISTRY_REPORT_EMAIL = env.str("REGISTRY_REPORT_EMAIL", default=SECRETARIAT_EMAIL)
REGISTRY_MFA_MAX_AGE = 15 * 60

# Authentication (django-allauth): login by email, accounts by invitation only.
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "coalition:my"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # an accepted invitation proves the address
ACCOUNT_UNIQUE_EMAIL = True
# Password reset must not tell whether an address has an account (and there is no sign-up to offer).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Good Stories] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Good Stories"
# Secretariat accounts must have two-factor authentication before they can use the admin. On whenever DEBUG
# is off; the embedded demo (`make run`) turns it off and says so.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=not DEBUG)
INVITATION_VALIDITY = timedelta(days=env.int("INVITATION_VALIDITY_DAYS", default=7))

# Audit trail (django-auditlog): every create, change and delete of these models, in the admin, a view, a
# service or a task, with who and when; the secretariat reads it in the admin. Passwords, login times and
# keys that make private file names unguessable are never recorded; neither are MFA data or invitations.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "core.OpenDataLicence",
    "members.Member",
    "members.Mission",
    {"model": "members.User", "exclude_fields": ["password", "last_login"]},
    {"model": "stories.Story", "exclude_fields": ["search_vector"]},
    {"model": "stories.StoryImage", "exclude_fields": ["rendition_key", "renditions"]},
    "stories.StoryTranslation",
    "stories.Theme",
    "stories.ThemeTranslation",
    {"model": "stories.ImageConsent", "exclude_fields": ["who"]},
    "meetings.Meeting",
    "meetings.Participant",
    "meetings.AgendaItem",
    "meetings.MeetingTranslation",
    "meetings.AgendaItemTranslation",
    "meetings.Document",
    {"model": "meetings.ParticipantConsent", "exclude_fields": ["who"]},
    "membership.DeclarationVersion",
    "membership.DeclarationText",
    "membership.Endorsement",
    "membership.Criterion",
    {"model": "membership.Application", "exclude_fields": ["access_key"]},
    "membership.CriterionAssessment",
    "membership.Consultation",
    "membership.ConsultationAnswer",
    {"model": "recommendations.Recommendation", "exclude_fields": ["search_vector"]},
    "cooperation.Mandate",
    "cooperation.CooperationRecord",
    "cooperation.VisitRequest",
    "cooperation.FollowUp",
    "cooperation.Communication",
    "recommendations.Citation",
    "recommendations.Inspiration",
    "recommendations.Exchange",
)
# Fixtures and data loaded raw are not changes anyone made.
AUDITLOG_DISABLE_ON_RAW_SAVE = True
# auditlog would take a correlation id from a request header any visitor can set; the trail has none.
AUDITLOG_CID_HEADER = None

# Languages: the six official UN languages, under a URL prefix.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Dates and numbers in each language's conventions where Django's are missing or wrong.
FORMAT_MODULE_PATH = ["coalition.formats"]

# The EU is a member but not a country; the two UN-style names differ from django-countries' short ones.
COUNTRIES_OVERRIDE = {
    "EU": _("European Union"),
    "KR": _("Republic of Korea"),
    "GM": _("The Gambia"),
}

# Static files (whitenoise, compressed and hashed) and media.
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
# Originals of photos and pending uploads live in "private": a place with no public URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    # Media on S3-compatible object storage (django-storages, `pip install .[s3]`); the AWS_* and
    # AWS_S3_ENDPOINT_URL variables are read by django-storages itself. Private files go to a prefix whose
    # objects are never public: they are read by the portal itself, not linked.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "private", "default_acl": "private", "querystring_auth": True},
    }
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True

# Security. Production (DEBUG off) defaults to HTTPS-only cookies, redirects and HSTS.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes from inside the network speak plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts only from this site, never inline; nothing framed; no plugins.
# Inline style attributes stay allowed (the admin uses a few); they cannot run code.
_media_origin = [MEDIA_URL.split("/", 3)[0] + "//" + MEDIA_URL.split("/", 3)[2]] if "://" in MEDIA_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", *_media_origin],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that sets this header itself (it must strip any value a client sent).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The same proxy (deploy/nginx/nginx.conf) replaces X-Forwarded-For with the client's address: without
    # trusting it, every visitor would share the proxy's address in allauth's per-IP rate limits.
    ALLAUTH_TRUSTED_PROXY_COUNT = 1

# Benchmark mode (bench/run.py): a bare reference view and a query-count header. Never on in production.
BENCHMARK = env.bool("BENCHMARK", default=False)
if BENCHMARK:
    MIDDLEWARE.insert(0, "coalition.middleware.QueryCountMiddleware")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"database_outage": {"()": "core.db_outage.DatabaseOutageFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # A database outage is logged once by core.db_outage, not as a traceback per request.
        "django.request": {"level": "ERROR", "filters": ["database_outage"]},
        # In-process tasks would log a line each; workers configure their own logging.
        "celery.app.trace": {"level": "WARNING"},
        # pikepdf says when it loads; only its warnings matter.
        "pikepdf": {"level": "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # The in-memory broker has no host name, which kombu mentions on every task.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
