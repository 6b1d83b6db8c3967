"""Email through Django's email backend (SMTP in production, console or file locally, locmem in
tests). The sender name is neutral; a List-Unsubscribe header carries the opaque link."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid

from . import Message, PermanentError, TransientError


def send(message: Message) -> str:
    """Send one email; returns its Message-ID. Raises TransientError or PermanentError."""
    message_id = make_msgid(domain=settings.EHAB_EMAIL_DOMAIN)
    headers = {"Message-ID": message_id}
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.EHAB_NOTIFICATION_FROM,
        to=[message.to],
        headers=headers,
    )
    if message.html:  # account emails are plain text only
        email.attach_alternative(message.html, "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError("recipient refused") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentError(f"smtp {exc.smtp_code}") from exc
        raise TransientError(f"smtp {exc.smtp_code}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientError(type(exc).__name__) from exc
    return message_id
