"""Roles and what each may do: the one place that decides it.

Views and templates never test a role by name; they ask `role_can(role, capability)` or use the
helpers below, so a new role or a changed rule is a one-line edit here.
"""

from django.db import models


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    PARTNER = "partner", "Partner"
    CLINICIAN = "clinician", "Clinician"
    SUPERVISOR = "supervisor", "Clinical supervisor"
    BILLING = "billing", "Billing staff"
    ADMIN = "admin", "Administrator"


class Capability(models.TextChoices):
    OWN_PROGRAM = "own_program", "Work through one's own program"
    CASELOAD = "caseload", "Follow assigned clients"
    BILLING_CONSOLE = "billing_console", "Run billing"
    ADMIN_CONSOLE = "admin_console", "Run programs, cohorts and accounts"
    SUPERVISE = "supervise", "Follow the clients of the clinicians one supervises"


CLIENT_ROLES = frozenset({Role.CLIENT, Role.PARTNER})
STAFF_ROLES = frozenset({Role.CLINICIAN, Role.SUPERVISOR, Role.BILLING, Role.ADMIN})

_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CLIENT: frozenset({Capability.OWN_PROGRAM}),
    Role.PARTNER: frozenset({Capability.OWN_PROGRAM}),
    Role.CLINICIAN: frozenset({Capability.CASELOAD}),
    Role.SUPERVISOR: frozenset({Capability.CASELOAD, Capability.SUPERVISE}),
    Role.BILLING: frozenset({Capability.BILLING_CONSOLE}),
    Role.ADMIN: frozenset({Capability.ADMIN_CONSOLE, Capability.BILLING_CONSOLE}),
}

# Where `/` takes each role after sign-in.
_HOME_URL_NAME: dict[str, str] = {
    Role.CLIENT: "courses:dashboard",
    Role.PARTNER: "courses:dashboard",
    Role.CLINICIAN: "care:caseload",
    Role.SUPERVISOR: "care:caseload",
    Role.BILLING: "billing:console",
    Role.ADMIN: "accounts:console",
}


def role_can(role: str, capability: str) -> bool:
    """Whether a role holds a capability. Unknown roles hold nothing."""
    return capability in _CAPABILITIES.get(role, frozenset())


def is_staff_role(role: str) -> bool:
    """Staff roles must use a second factor before reaching any page."""
    return role in STAFF_ROLES


def is_client_role(role: str) -> bool:
    return role in CLIENT_ROLES


def is_admin_role(role: str) -> bool:
    """Administrators run the Django admin (programs, cohorts, accounts)."""
    return role == Role.ADMIN


def has_clinical_oversight(user) -> bool:
    """An active administrator marked clinical: receives escalated risk alerts and may open
    them. Billing staff and other administrators never do."""
    return bool(user.is_active and user.role == Role.ADMIN and user.clinical_oversight)


def home_url_name(role: str) -> str:
    """The URL name of a role's home page."""
    return _HOME_URL_NAME[role]
