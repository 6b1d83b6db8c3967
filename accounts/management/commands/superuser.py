"""`manage.py superuser EMAIL [--revoke]`: give an existing administrator the Django admin, or
take it away (audited). `createsuperuser` makes a new account that has it from the start."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import user_set_superuser


class Command(BaseCommand):
    help = "Give an administrator the Django admin site (or, with --revoke, take it away)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--revoke", action="store_true", help="Take the Django admin away.")

    def handle(self, *args, email: str, revoke: bool, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account uses {email}.")
        try:
            user_set_superuser(user=user, value=not revoke, acting_user=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if revoke:
            self.stdout.write(f"{user.email} no longer opens the Django admin.")
        else:
            self.stdout.write(f"{user.email} may now open the Django admin (/admin/).")
