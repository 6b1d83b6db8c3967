"""allauth's account emails through the outbox (docs/decisions/0008): the adapter the site uses
extends the accounts adapter with a send_mail that renders, seals and enqueues instead of sending,
and the password-reset form wakes the relay whether or not it mailed anyone. They live here, above
accounts, because the outbox does."""

from allauth.account import forms as allauth_forms
from allauth.account.utils import filter_users_by_email
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.adapters import AccountAdapter

from .models import Kind
from .services import account_mail_enqueue, relay_wake

# Which outbox kind carries each of allauth's emails (by template prefix); any other (the
# notices of a changed password or address, the MFA notices) is an ACCOUNT_NOTICE.
ACCOUNT_MAIL_KINDS = {
    "account/email/password_reset_key": Kind.ACCOUNT_PASSWORD_RESET,
    "account/email/password_reset_code": Kind.ACCOUNT_PASSWORD_RESET,
    "account/email/email_confirmation": Kind.ACCOUNT_CONFIRM_EMAIL,
    "account/email/email_confirmation_signup": Kind.ACCOUNT_CONFIRM_EMAIL,
    "account/email/account_already_exists": Kind.ACCOUNT_ALREADY_EXISTS,
    "account/email/unknown_account": Kind.ACCOUNT_UNKNOWN,
    "account/email/login_code": Kind.ACCOUNT_SIGN_IN_CODE,
}


class OutboxAccountAdapter(AccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth email goes through the outbox: rendered here from our templates
        (templates/account/email/, mfa/email/), sealed, and sent by the worker, so a request
        costs the same whether or not it mails anyone (docs/decisions/0008)."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        rendered = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                body
                for body, mimetype in getattr(rendered, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        if rendered.content_subtype == "html":  # only an HTML template exists
            text, html = "", rendered.body
        else:
            text = rendered.body
        user = context.get("user")
        if user is None:
            user = next(iter(filter_users_by_email(email, prefer_verified=True)), None)
        account_mail_enqueue(
            user=user,
            kind=ACCOUNT_MAIL_KINDS.get(template_prefix, Kind.ACCOUNT_NOTICE),
            to=email,
            subject=rendered.subject,
            text=text,
            html=html,
            now=timezone.now(),
        )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """allauth's password-reset form, costing the same whether or not the address has an
    account: a known address puts its email in the outbox and wakes the relay after commit
    (account_mail_enqueue); an unknown one, which gets no email, wakes the relay too, so a slow
    or unreachable broker delays both answers alike."""

    def save(self, request: HttpRequest, **kwargs: object) -> str:
        email = super().save(request, **kwargs)
        if not self.users:
            transaction.on_commit(relay_wake)
        return email
