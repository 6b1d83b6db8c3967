"""Settings shared by every environment. `local`, `test` and `production` only override.

Every value an operator may change is read from the environment here (see README,
"Configuration"); a malformed value stops the process at start.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_money,
    env_pairs,
    env_str,
    env_timezone,
    npi_is_valid,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("EHAB_VAR_DIR", str(BASE_DIR / "var")))

EHAB_ENV = "base"
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: use REMOTE_ADDR.
# With N proxies, the client address is the N-th entry from the right (the leftmost entries can
# be forged by the client).
EHAB_TRUSTED_PROXY_COUNT = env_int("EHAB_TRUSTED_PROXY_COUNT", 0, minimum=0)
# The one setting feeds everything that needs the client's address: core.request_context.client_ip
# computes it for audit rows, and allauth's rate limits ask the same function through the account
# adapter; allauth's own setting is derived so it can never disagree. With it above 0, a request
# id the proxy sends is kept (ehab.middleware.RequestIdMiddleware); otherwise one is generated.
ALLAUTH_TRUSTED_PROXY_COUNT = EHAB_TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "ehab.apps.EhabConfig",
    "ehab.apps.EhabAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "audit",
    "courses",
    "measures",
    "daily",
    "meetings",
    "care",
    "payments",
    "records",
    "ops",
    "notifications",
]

MIDDLEWARE = [
    "ehab.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ehab.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    "accounts.middleware.StaffMfaRequiredMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "ehab.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "ehab.urls"
WSGI_APPLICATION = "ehab.wsgi.application"

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
                "csp.context_processors.nonce",
                "ehab.context_processors.ehab",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ehab.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except Exception as exc:  # dj_database_url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # PostgreSQL plans a query on every run unless it is prepared. Binding parameters on the
    # server lets psycopg prepare a statement after its fifth run on a connection, which takes
    # about 0.2 ms off every page (bench/course.py). Set DATABASE_PREPARED_STATEMENTS=false
    # behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode before
    # 1.21, or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and authentication ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "notifications.account_mail.OutboxAccountAdapter"
# Sign-up and password reset take as long whether or not the address has an account (the
# adapter sends every account email through the outbox: docs/decisions/0008).
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    "reset_password": "notifications.account_mail.ResetPasswordForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Random stored keys: an HMAC key would carry the email-address row id in the link (L-2).
ACCOUNT_EMAIL_CONFIRMATION_HMAC = False
# Confirming signs in only the browser that signed up (allauth keeps the pending sign-in in
# that session; a link opened anywhere else just confirms), and lands where the person was going
# (the adapter's get_login_redirect_url: a plan chosen before signing up).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Never mail an address that has no account (a reset request must not let anyone make us write
# to a stranger); the response looks the same either way.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "E-Hab: "
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("EHAB_REAUTH_SECONDS", 300, minimum=30)
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so a reader sees them; they key on IP and on the account.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "E-Hab"
MFA_RECOVERY_CODE_COUNT = 10
# A code from an authenticator app is accepted once, by the database as well as allauth's cache
# (which fails open when Redis is down: README, "What fails open").
MFA_FORMS = {
    "authenticate": "accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
}

# On-screen messages live in the session, on the server: the default keeps them in a cookie,
# which is readable on the device and sent with every request (templates/account/messages/ also
# keep names and addresses out of them).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Sessions -------------------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
EHAB_SESSION_IDLE_CLIENT = timedelta(minutes=env_int("EHAB_IDLE_MINUTES_CLIENT", 30, minimum=1))
EHAB_SESSION_IDLE_STAFF = timedelta(minutes=env_int("EHAB_IDLE_MINUTES_STAFF", 15, minimum=1))
EHAB_SESSION_ABSOLUTE = timedelta(hours=12)

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The server's own zone: nobody sees it (every person sees their own), and the suite passes
# whatever it is (the clock sweep sets it).
TIME_ZONE = env_timezone("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
EHAB_DEFAULT_TIMEZONE = env_timezone("EHAB_DEFAULT_TIMEZONE", "America/New_York")

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "E-Hab <no-reply@ehab.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

EHAB_SITE_URL = env_str("EHAB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EHAB_NOTIFICATION_FROM = env_str("EHAB_NOTIFICATION_FROM", "E-Hab <no-reply@ehab.example>")
EHAB_EMAIL_DOMAIN = env_str("EHAB_EMAIL_DOMAIN", "ehab.example")

# --- Stripe (off unless configured) ---------------------------------------------------------------
STRIPE_ENABLED = env_bool("STRIPE_ENABLED", False)
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Events must match the key's mode: a test key accepts only test events, a live key only live.
STRIPE_LIVEMODE = STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
if STRIPE_ENABLED and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("STRIPE_ENABLED needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")
# Processed and ignored webhook events are deleted after this many days (payments/ledger.py);
# at least a week, beyond Stripe's three days of retries and reconciliation's look-back.
EHAB_STRIPE_EVENT_RETENTION_DAYS = env_int("EHAB_STRIPE_EVENT_RETENTION_DAYS", 90, minimum=7)

# --- SMS (Twilio; off unless configured) ----------------------------------------------------------
SMS_ENABLED = env_bool("SMS_ENABLED", False)
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
if SMS_ENABLED and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER):
    raise ImproperlyConfigured(
        "SMS_ENABLED needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER."
    )

# --- Celery ---------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    # The filesystem transport needs its folders before the first message is sent or read.
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Above the longest task time limit, so a running task is never redelivered to a second
    # worker while the first still holds it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A broker that is down must cost a web request a moment, never a hang.
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
    }
# Publishing retries briefly; the outbox and beat cover anything that could not be enqueued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# --- Cache (allauth's rate limits live here, so it must be shared by every web process) ----------
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: a Redis outage costs rate limiting for a while, never a sign-in.
            "BACKEND": "ehab.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ehab",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- The practice -------------------------------------------------------------------------------
EHAB_PRACTICE_NAME = env_str("EHAB_PRACTICE_NAME", "the E-Hab care team")
EHAB_PRACTICE_PHONE = env_str("EHAB_PRACTICE_PHONE", "")
EHAB_PRACTICE_EMAIL = env_str("EHAB_PRACTICE_EMAIL", "")
EHAB_PRACTICE_HOURS = env_str("EHAB_PRACTICE_HOURS", "Monday to Friday, 9am to 5pm Eastern")
# The practice's own time zone: its business hours (9 to 5, Monday to Friday) are counted there.
EHAB_PRACTICE_TIMEZONE = env_timezone("EHAB_PRACTICE_TIMEZONE", "America/New_York")
# A risk flag nobody has acknowledged after this many business hours escalates to the
# clinician's supervisors and the administrators marked clinical (S-5).
EHAB_RISK_ESCALATION_BUSINESS_HOURS = env_int("EHAB_RISK_ESCALATION_BUSINESS_HOURS", 4, minimum=1)
# Outcome measures: days between answers unless a clinician sets a client's own interval (7 to
# 56), and how long "not now" puts a due questionnaire aside.
EHAB_MEASURE_INTERVAL_DAYS = env_int("EHAB_MEASURE_INTERVAL_DAYS", 14, minimum=7)
EHAB_MEASURE_SNOOZE_DAYS = env_int("EHAB_MEASURE_SNOOZE_DAYS", 3, minimum=1)
# Each client's records (records app): how long a prepared copy can be downloaded through its
# link, and how long records are kept after an account closes (Florida: at least 7 years for
# psychotherapy records; the statement on the closing page follows this setting).
EHAB_RECORDS_EXPORT_HOURS = env_int("EHAB_RECORDS_EXPORT_HOURS", 24, minimum=1)
EHAB_RECORDS_RETENTION_YEARS = env_int("EHAB_RECORDS_RETENTION_YEARS", 7, minimum=7)

# Superbills for out-of-network claims (records/superbill.py): the practice's address (lines
# separated by ";"), tax id (EIN) and type 2 NPI, the service code billed for each kind of
# session, each kind's fee in dollars, and the diagnosis codes (ICD-10-CM, a public US
# standard) a clinician may enter, `code=description` separated by ";". Until the address, tax
# id, NPI and a fee for every kind are set, clients are told superbills are not available yet.
EHAB_PRACTICE_ADDRESS = env_str("EHAB_PRACTICE_ADDRESS", "")
EHAB_PRACTICE_TAX_ID = env_str("EHAB_PRACTICE_TAX_ID", "")
EHAB_PRACTICE_NPI = env_str("EHAB_PRACTICE_NPI", "")
if EHAB_PRACTICE_NPI and not npi_is_valid(EHAB_PRACTICE_NPI):
    raise ImproperlyConfigured(f"EHAB_PRACTICE_NPI={EHAB_PRACTICE_NPI!r} is not a valid NPI.")
EHAB_SERVICE_CODES = env_pairs("EHAB_SERVICE_CODES", {"group": "90853", "individual": "90837"})
EHAB_SESSION_FEES = env_money("EHAB_SESSION_FEES", {})
EHAB_DIAGNOSIS_CODES = env_pairs(
    "EHAB_DIAGNOSIS_CODES",
    {
        "F52.8": "Other sexual dysfunction not due to a substance or known physiological condition",
        "F63.89": "Other specified impulse disorders",
        "F43.10": "Post-traumatic stress disorder, unspecified",
        "F43.12": "Post-traumatic stress disorder, chronic",
        "F41.1": "Generalized anxiety disorder",
        "F32.A": "Depression, unspecified",
        "Z63.0": "Problems in relationship with spouse or partner",
    },
    separator=";",
)

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env_choice("EHAB_LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request_context.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [req:%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own request logger never sees bodies; keep it at WARNING so 4xx noise
        # stays short and 5xx carry the request id.
        "django.request": {"level": "WARNING", "propagate": True},
        "django.security": {"level": "WARNING", "propagate": True},
    },
}
