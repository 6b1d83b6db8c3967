"""One-command local run: SQLite under var/, filesystem broker, mail to the console.

The demo is what people judge, so debugging is off unless DJANGO_DEBUG turns it on: errors show
the site's own pages, never Django's debug page (which lists every URL pattern).
"""

from .base import *  # noqa: F403
from .env import env_bool, env_money, env_str

EHAB_ENV = "local"
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-only-insecure-key-do-not-use-in-production")
# Without DEBUG, runserver serves no static files; whitenoise serves them straight from the
# source folders, so `make run` needs no collectstatic (and picks up edits when debugging).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# The demo practice's superbill details (fictional; a deployment sets its own, see README).
EHAB_PRACTICE_ADDRESS = env_str(
    "EHAB_PRACTICE_ADDRESS", "100 Harbor Way, Suite 200;Fort Lauderdale, FL 33301"
)
EHAB_PRACTICE_TAX_ID = env_str("EHAB_PRACTICE_TAX_ID", "12-3456789")
EHAB_PRACTICE_NPI = env_str("EHAB_PRACTICE_NPI", "1234567893")  # CMS's example NPI
EHAB_SESSION_FEES = env_money("EHAB_SESSION_FEES", {"group": "120.00", "individual": "175.00"})
