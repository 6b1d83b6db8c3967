"""Demo accounts for the one-command local run. Idempotent; refuses to run in production."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from care.services import care_assignment_create

DEMO_PASSWORD = "calm-harbor-2026"  # noqa: S105 - printed on purpose; never used in production

DEMO_USERS = [
    ("client@example.com", Role.CLIENT, "Sam"),
    ("clinician@example.com", Role.CLINICIAN, "Dr. Rivera"),
    ("admin@example.com", Role.ADMIN, "Admin"),
    ("billing@example.com", Role.BILLING, "Billing"),
]


class Command(BaseCommand):
    help = "Create the demo accounts (and, in later issues, demo program data)."

    def handle(self, *args, **options):
        if getattr(settings, "EHAB_ENV", "") == "production":
            raise CommandError("seed_demo never runs under production settings.")
        with transaction.atomic():
            users = {}
            for email, role, name in DEMO_USERS:
                user = User.objects.filter(email__iexact=email).first()
                if user is None:
                    user = user_create(
                        email=email,
                        password=DEMO_PASSWORD,
                        role=role,
                        preferred_name=name,
                        email_verified=True,
                    )
                else:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                    EmailAddress.objects.filter(user=user).update(verified=True)
                users[role] = user
            care_assignment_create(
                clinician=users[Role.CLINICIAN], client=users[Role.CLIENT], acting_user=None
            )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD})")
        for email, role, _name in DEMO_USERS:
            self.stdout.write(f"  {role:<10} {email}")
        self.stdout.write(
            "Staff accounts set up an authenticator app (TOTP) at their first sign-in."
        )
