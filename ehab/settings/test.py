"""Test settings: the real database named by DATABASE_URL (SQLite when unset), fast hashing."""

from .base import *  # noqa: F403

EHAB_ENV = "test"
DEBUG = False
SECRET_KEY = "test-only-key-" + "x" * 40  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Rate limits are tested on their own (tests/accounts/test_rate_limits.py); the rest of the suite
# signs in many times per minute. Each test process keeps its own counters.
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]  # allauth takes False for none
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = False

# Tasks enqueued by the code under test go to an in-memory broker unless a real Redis is named;
# the worker tests (tests/notifications/test_worker.py) start a real worker on REDIS_URL.
CELERY_BROKER_URL = REDIS_URL or "memory://"  # noqa: F405
if not REDIS_URL:  # noqa: F405 - the memory transport takes no socket options
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
EHAB_SITE_URL = "https://ehab.example"
STRIPE_SECRET_KEY = "sk_test_" + "0" * 24  # noqa: S105 - a test-mode placeholder
STRIPE_WEBHOOK_SECRET = "whsec_test_secret"  # noqa: S105
STRIPE_LIVEMODE = False
