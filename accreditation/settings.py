"""Settings for every environment, read from environment variables.

Unset variables give the embedded development default: SQLite, Celery tasks run eagerly,
e-mail to the console and to files under var/mail. `accreditation.production` hardens this.
"""
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
# Off unless asked for (`make dev`): debug pages show settings and code to whoever triggers an error.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "accreditation.errors.csrf_failure"

INSTALLED_APPS = [
    # Before the admin: it patches the admin's forms with a field per language.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "guardian",
    "django_htmx",
    "django_countries",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accreditation",
    "facilities",
    "applications",
    "casereview",
    "assessment",
    "invoicing",
    "correspondence",
    # Above the domain apps: the pages and URL confs that compose several of them.
    "portal",
    "api",
    # Composes the apps above (office reports): above them all, imported by none.
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "accreditation.middleware.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in person's stored language outranks the browser's.
    "facilities.middleware.AccountLanguageMiddleware",
    # Before any view reads the body (none of the middleware above does): an oversized request gets 413.
    "accreditation.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: office staff and assessors reach nothing but their account pages until they enrol MFA.
    "accreditation.middleware.SecondFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "accreditation.urls"
WSGI_APPLICATION = "accreditation.wsgi.application"

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
                "facilities.context_processors.portal",
                "invoicing.context_processors.navigation",
                "correspondence.context_processors.unread_messages",
            ],
            # {% enrolment_url %}: the links between an enrolment's pages, in every template that shows one.
            "builtins": ["facilities.templatetags.enrolments"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database serves a small team: WAL lets pages read while a save writes; an immediate
    # transaction takes the write lock at its start, so two saves queue (up to the timeout) instead of one
    # failing with "database is locked" when both read first and then try to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "facilities.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail is the login, and no account signs in before its address is verified.
ACCOUNT_ADAPTER = "facilities.adapter.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IO Accreditation] "
ACCOUNT_FORMS = {
    "signup": "facilities.forms.StaffSignupForm",
    # The password-from-link page doubles as activation for people appointed at registration.
    "reset_password_from_key": "facilities.forms.ActivationForm",
}
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Signing up with a facility code (joining) and registering a facility: a few per address and hour, so
# nobody guesses facility codes or floods the office with registrations. Counted in the cache (Redis in production).
ACCOUNT_RATE_LIMITS = {"signup": "5/h/ip", "register_facility": "5/h/ip"}

# Second factors, for everyone: an authenticator app (TOTP), security keys and passkeys (WebAuthn; browsers
# offer it over HTTPS and on http://localhost), and recovery codes. Office staff, the chairperson and
# assessors must enrol one (accreditation.middleware.SecondFactorRequiredMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "IO Accreditation"
# One 30-second step either way (RFC 6238's advice): a phone clock a little off, or a code typed as it turns.
MFA_TOTP_TOLERANCE = 1

# Cached data every worker must share (allauth's rate limits and login throttling): Redis when CACHE_URL is
# set (production requires it), otherwise memory of this one process.
if os.environ.get("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline. Inline style
# attributes stay allowed (progress bars set their width in markup); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # The authenticator set-up page shows its QR code as a data: image.
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the portal never uses, switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 7

LANGUAGE_CODE = "en"
# A further language is a catalogue (locale/<code>/LC_MESSAGES/django.po, `make messages`) and a line here.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
# locale_allauth: django-allauth's pages and e-mails in the formal German (Sie) the rest of the portal uses.
# Reference data the office edits (programmes, standards, questions, the minimum dataset) has a column per
# language (django-modeltranslation); a language without text shows the English, marked lang="en".
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_allauth"]
TIME_ZONE = "Europe/Vienna"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Files go through django-storages: S3-compatible storage when a bucket is configured, local disk otherwise.
# Credentials and region come from boto3's own variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION);
# AWS_S3_ENDPOINT_URL points at another S3-compatible service (MinIO, moto). Files are streamed through the portal,
# which checks access, so the bucket stays private.
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    _file_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            # Two uploads of "policy.pdf" are two files, as on disk: the second gets a new name.
            "file_overwrite": False,
        },
    }
else:
    _file_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _file_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "accreditation.mail.ConsoleAndFileBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "office@io-accreditation.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")  # for links in e-mails sent by tasks
OFFICE_EMAIL = os.environ.get("OFFICE_EMAIL", "office@io-accreditation.example")
# Links in e-mails sent without a request (reminders, tasks) start with this.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# Printed on every invoice: who bills, and where to pay.
INVOICE_ISSUER = {
    "name": os.environ.get("INVOICE_ISSUER_NAME", "IO Accreditation Office"),
    "address": os.environ.get("INVOICE_ISSUER_ADDRESS", "Neutorgasse 9\n1010 Vienna\nAustria"),
    "vat_id": os.environ.get("INVOICE_ISSUER_VAT_ID", "ATU00000000"),
    "iban": os.environ.get("INVOICE_ISSUER_IBAN", "AT00 0000 0000 0000 0000"),
    "bic": os.environ.get("INVOICE_ISSUER_BIC", "XXXXATWWXXX"),
}
# Uploaded documents: the largest accepted file, in bytes.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# DOCX and XLSX files are zips: what they may unpack to, and how many parts they may hold.
UPLOAD_MAX_UNPACKED_BYTES = int(os.environ.get("UPLOAD_MAX_UNPACKED_BYTES", str(200 * 1024 * 1024)))
UPLOAD_MAX_ZIP_MEMBERS = int(os.environ.get("UPLOAD_MAX_ZIP_MEMBERS", "2000"))
# A request body larger than this is refused (413) before it is read: the largest upload plus its form.
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 1024 * 1024
# Form fields without files stay small (Django's default); files above 2.5 MB go to a temporary file, not memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Both jobs are idempotent, so running daily catches up after a missed day.
CELERY_BEAT_SCHEDULE = {
    "issue-annual-fee-invoices": {
        "task": "invoicing.tasks.issue_annual_fee_invoices",
        "schedule": crontab(hour=6, minute=0),
    },
    "lapse-expired-awards": {
        "task": "facilities.tasks.lapse_expired_awards",
        "schedule": crontab(hour=0, minute=15),
    },
    "send-due-reminders": {
        "task": "correspondence.tasks.send_due_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "tidy-exports": {
        "task": "accreditation.tasks.tidy_exports",
        "schedule": crontab(minute=40),
    },
}
# Office lists longer than this are exported by the worker (with a progress page) instead of in the request;
# their files are deleted after EXPORT_KEEP_DAYS.
EXPORT_ROWS_IN_REQUEST = int(os.environ.get("EXPORT_ROWS_IN_REQUEST", "5000"))
EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS", "7"))

# The REST API (api/, /api/v1/): office people with a personal token, or signed in for the browsable API
# (with CSRF); every list paged and filtered; requests counted in the cache per person, or per address for
# the public directory. The rates are read on each request (api.throttles), so a deployment may change them.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.IsOffice"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.PersonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "person": os.environ.get("API_RATE_PER_PERSON", "2000/hour"),
        "directory": os.environ.get("API_RATE_DIRECTORY", "60/minute"),
    },
    # Behind the TLS proxy (production.py sets 1) the client is the last X-Forwarded-For entry; otherwise
    # the peer's address (the middleware drops the header from anyone but the proxy).
    "NUM_PROXIES": 0,
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "api.filters.StableOrderingFilter"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IO Accreditation Portal API",
    "DESCRIPTION": (
        "Read the portal's facilities, enrolments, applications with their status history, awards, invoices "
        "and payments, and record payments. Authenticate with a personal token (office staff create theirs "
        "under /office/api-tokens/): `Authorization: Token <token>`. The directory of centres is public."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "facilities.models.Enrolment.Status",
        "ApplicationStatusEnum": "applications.workflow.Status",
        "InvoiceKindEnum": "invoicing.models.Invoice.Kind",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
