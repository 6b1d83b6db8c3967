"""The sessions tests' cohort, its clinician and a client in it (superbills count sessions)."""

from tests.meetings.conftest import cohort, lead, member  # noqa: F401 - fixtures shared here
