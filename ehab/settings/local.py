"""One-command local run: SQLite under var/, filesystem broker, mail to the console."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

EHAB_ENV = "local"
DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-only-insecure-key-do-not-use-in-production")
