"""The user: email is the login; the role decides everything else (see accounts/roles.py)."""

from datetime import date, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from .roles import Role, is_admin_role, is_staff_role
from .validators import validate_phone, validate_timezone


def default_timezone() -> str:
    return settings.EHAB_DEFAULT_TIMEZONE


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("role", Role.CLIENT)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields["role"] = Role.ADMIN
        fields["is_superuser"] = True
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    email = models.EmailField("email address", max_length=254, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLIENT)
    preferred_name = models.CharField(
        max_length=80, blank=True, help_text="What we call you on screen."
    )
    timezone = models.CharField(
        max_length=64, default=default_timezone, validators=[validate_timezone]
    )
    phone = models.CharField(max_length=16, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(default=True)
    # An administrator marked clinical (a licensed clinician who runs the practice): receives
    # escalated risk alerts and may open the flags they are about (S-5). Means nothing for
    # other roles.
    # db_default too: code that predates the column (a process still running during a deploy, a
    # migration test's older state) can still write accounts.
    clinical_oversight = models.BooleanField(
        "clinical oversight",
        default=False,
        db_default=False,
        help_text="Administrators only: a clinician who receives escalated safety alerts and "
        "may open them.",
    )
    # The keys to the Django admin, the technical back room (models as tables, the audit trail
    # read-only). Day-to-day administration is the console (/ops/, /billing/); this is for the
    # practice's technical owner, set by `manage.py createsuperuser` or `manage.py superuser`,
    # never from a web page. Means nothing without the administrator role.
    is_superuser = models.BooleanField(
        "superuser",
        default=False,
        db_default=False,
        help_text="An administrator who may also open the Django admin site.",
    )
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="accounts_user_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def local_date(self, now: datetime) -> date:
        """The calendar day it is for this person at `now`, in their own time zone."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def display_name(self) -> str:
        """The name shown on screen: the preferred name, or a neutral fallback."""
        return self.preferred_name or "there"

    @property
    def is_staff(self) -> bool:
        """Django admin access: active administrators who are also superusers."""
        return self.is_active and self.is_superuser and is_admin_role(self.role)

    @property
    def is_staff_role(self) -> bool:
        return is_staff_role(self.role)

    # Django's permission API: a superuser administrator may do anything the admin site allows,
    # nobody else may use it at all.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff


class AgreementAcceptance(models.Model):
    """A person accepted one version of one agreement, at a time (kept for the record)."""

    class Document(models.TextChoices):
        TELEHEALTH_CONSENT = "telehealth_consent", "Telehealth consent"
        PRIVACY_NOTICE = "privacy_notice", "Privacy notice"
        CRISIS_DISCLAIMER = "crisis_disclaimer", "Crisis disclaimer"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="agreements")
    document = models.CharField(max_length=32, choices=Document.choices)
    version = models.CharField(max_length=16)
    accepted_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "document", "version"], name="accounts_one_acceptance_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version}"


class TotpCodeUse(models.Model):
    """An authenticator app's code was accepted for this time step, so no code of that step is
    accepted again (RFC 6238 §5.2). allauth keeps the same record in the cache, which fails open
    when Redis is down or emptied; this one is in the database. Only the step is kept, never the
    code nor a hash of it (six digits hash back in a moment). Rows older than the window are
    deleted as new ones come (accounts.services.totp_code_claim)."""

    authenticator = models.ForeignKey(
        "mfa.Authenticator", on_delete=models.CASCADE, related_name="+"
    )
    step = models.BigIntegerField(help_text="Unix time divided by the TOTP period.")
    used_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authenticator", "step"], name="accounts_totp_code_once_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"TOTP step {self.step}"
