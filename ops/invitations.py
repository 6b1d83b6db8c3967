"""Inviting people: reading an uploaded CSV of names and email addresses (validated row by row,
with line numbers), creating an invited person's account (no usable password), and the
invitation email, whose link lets the person choose a password. The CSV invite
(ops.services.enrollments.invite_into_cohort) and adding one person (ops/views/people.py) both
use `invite_account`.

The link is allauth's password-reset-from-key address with a token from allauth's token
generator (the same machinery as "forgot your password"): it stops working once a password is
chosen, or after PASSWORD_RESET_TIMEOUT. Being a secret, it is rendered once here and sealed in
the outbox like allauth's own account emails (docs/decisions/0008), never stored in the clear.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import User
from accounts.roles import is_staff_role
from accounts.services import EMAIL_TAKEN, user_create
from notifications.models import Kind, Notification
from notifications.services import account_mail_enqueue

# A list longer than this is better sent as several files (and keeps one request bounded).
MAX_ROWS = 500
MAX_BYTES = 256 * 1024
NAME_MAX = User._meta.get_field("preferred_name").max_length or 80
BRAND = "E-Hab"


class EmailTaken(ValueError):
    """The address already has an account (perhaps taken a moment ago)."""

    def __init__(self) -> None:
        super().__init__(EMAIL_TAKEN)


@dataclass(frozen=True)
class Invitee:
    line: int
    name: str
    email: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


def read_invite_csv(data: bytes) -> tuple[list[Invitee], list[RowProblem]]:
    """The people in an uploaded CSV (a header row naming `name` and `email` columns, in any
    order and case), and every problem found, each with its line number: a missing name, an
    email that is not an address, the same address twice in the file, an address that already
    has an account. Nothing is written; the caller creates nobody unless the problems are none.
    """
    if len(data) > MAX_BYTES:
        return [], [RowProblem(0, f"The file is larger than {MAX_BYTES // 1024} KB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowProblem(0, "The file is not UTF-8 text. Save it as CSV (UTF-8).")]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    columns = [c.strip().lower() for c in header] if header else []
    if "name" not in columns or "email" not in columns:
        return [], [RowProblem(1, 'The first line must be a header naming "name" and "email".')]
    name_at, email_at = columns.index("name"), columns.index("email")
    rows: list[Invitee] = []
    problems: list[RowProblem] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(rows) >= MAX_ROWS:
            problems.append(RowProblem(line, f"At most {MAX_ROWS} people per file."))
            break
        name = cells[name_at].strip() if name_at < len(cells) else ""
        email = cells[email_at].strip() if email_at < len(cells) else ""
        if not name:
            problems.append(RowProblem(line, "The name is missing."))
        elif len(name) > NAME_MAX:
            problems.append(RowProblem(line, f"The name is longer than {NAME_MAX} characters."))
        try:
            validate_email(email)
        except ValidationError:
            problems.append(RowProblem(line, f"“{email}” is not an email address."))
            continue
        rows.append(Invitee(line, name, email))
    seen: dict[str, int] = {}
    for row in rows:
        key = row.email.lower()
        if key in seen:
            problems.append(
                RowProblem(row.line, f"{row.email} is also on line {seen[key]} of the file.")
            )
        else:
            seen[key] = row.line
    taken = set(
        User.objects.annotate(lower_email=Lower("email"))
        .filter(lower_email__in=list(seen))
        .values_list("lower_email", flat=True)
    )
    for row in rows:
        if row.email.lower() in taken and seen.get(row.email.lower()) == row.line:
            problems.append(RowProblem(row.line, f"{row.email} already has an account."))
    if not rows and not problems:
        problems.append(RowProblem(2, "The file has a header but nobody in it."))
    problems.sort(key=lambda p: p.line)
    return rows, problems


def set_password_url(user: User) -> str:
    """The absolute address where `user` chooses a password (allauth's reset-from-key page)."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return f"{settings.EHAB_SITE_URL}{path}"


def invitation_enqueue(*, user: User, now: datetime) -> Notification:
    """Render the invitation with its set-password link and seal it in the outbox (sent at once
    by the relay, whatever the person's preferences, since they have none yet)."""
    context = {
        "greeting_name": user.preferred_name,
        # A member of staff is invited to work here, not to a place in the program.
        "staff": is_staff_role(user.role),
        "action_url": set_password_url(user),
        "unsubscribe_url": "",
        "brand": BRAND,
    }
    return account_mail_enqueue(
        user=user,
        kind=Kind.INVITATION,
        to=user.email,
        subject=render_to_string("notifications/invitation/subject.txt", context).strip(),
        text=render_to_string("notifications/invitation/body.txt", context),
        html=render_to_string("notifications/invitation/body.html", context),
        now=now,
    )


def invite_account(
    *,
    email: str,
    preferred_name: str,
    role: str,
    timezone: str,
    acting_user: User | None,
    now: datetime,
) -> User:
    """Create the person's account with no usable password (audited by user_create) and put
    their invitation to choose one in the outbox, at `now`. Raises EmailTaken when the address
    has an account already (nothing is then created). Call inside the caller's transaction."""
    try:
        user = user_create(
            email=email,
            password=None,
            role=role,
            preferred_name=preferred_name,
            timezone=timezone,
            acting_user=acting_user,
        )
    except IntegrityError:
        raise EmailTaken from None
    except ValidationError as exc:
        if {"email", NON_FIELD_ERRORS} & set(getattr(exc, "error_dict", {})):
            raise EmailTaken from None
        raise
    invitation_enqueue(user=user, now=now)
    return user
