"""Message links, one-click unsubscribe, preferences, and the operators' outbox page."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import deny

from .forms import PreferencesForm
from .models import MANDATORY_KINDS, Notification, Preference
from .selectors import outbox_status
from .services import default_channel, delivery_settings_for, preference_set, preference_unsubscribe

# What new_token makes (token_urlsafe), with room to spare; anything else is no token of ours and
# never reaches the database (a NUL there is an error on PostgreSQL, 10,000 characters a waste).
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
ANCHOR_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def follow_link(request, token: str):
    """A link from a message: the token names the message, never a person or a page id."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.path)
    notification = (
        Notification.objects.filter(link_token=token).first()
        if TOKEN_SHAPE.fullmatch(token)
        else None
    )
    if notification is None or request.user.pk != notification.user_id:
        # Someone else's message, or none: the same 404, and an audit row.
        deny(user=request.user, target_type="notifications.link", target_id="token")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        page = reverse(notification.link_target)
    except NoReverseMatch:  # a page renamed since the message went out: home, not an error
        page = reverse("home")
    anchor = (
        f"#{notification.link_anchor}" if ANCHOR_SHAPE.fullmatch(notification.link_anchor) else ""
    )
    return redirect(page + anchor)


# RFC 8058: the body a mail provider POSTs for a one-click unsubscribe, in either form encoding.
ONE_CLICK_BODY = {"List-Unsubscribe": ["One-Click"]}

UNSUBSCRIBE_PAGE = "notifications/unsubscribed.html"


@csrf_exempt  # for the one-click body only: every other POST is checked (_unsubscribe_csrf_checked)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The List-Unsubscribe link: no sign-in, the opaque token is the only key. GET only asks
    (mail scanners follow links). POST switches that kind of message off: either a mail
    provider's one-click POST (RFC 8058: the body `List-Unsubscribe=One-Click`, sent without
    cookies, so without a CSRF token) or the page's own button, checked for CSRF as usual.
    Messages that cannot be switched off say so; a token that is not ours answers a calm 404
    that names no one."""
    pref = _preference_for(token)
    if pref is None:
        return render(request, UNSUBSCRIBE_PAGE, {"state": "unknown"}, status=404)
    if request.method == "POST" and dict(request.POST.lists()) != ONE_CLICK_BODY:
        return _unsubscribe_csrf_checked(request, pref)
    return _unsubscribe_page(request, pref)


@csrf_protect
def _unsubscribe_csrf_checked(request, pref: Preference):
    """Any other POST, such as the page's button: only with its CSRF token, else Django's 403."""
    return _unsubscribe_page(request, pref)


def _unsubscribe_page(request, pref: Preference):
    if pref.kind in MANDATORY_KINDS:
        return render(request, UNSUBSCRIBE_PAGE, {"state": "mandatory"})
    if request.method == "POST":
        preference_unsubscribe(token=pref.unsubscribe_token)
        return render(request, UNSUBSCRIBE_PAGE, {"state": "done"})
    return render(request, UNSUBSCRIBE_PAGE, {"state": "ask"})


def _preference_for(token: str) -> Preference | None:
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return Preference.objects.filter(unsubscribe_token=token).first()


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    user = request.user
    delivery = delivery_settings_for(user)
    current = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    sms_available = bool(user.phone)
    if request.method == "POST":
        form = PreferencesForm(request.POST, sms_available=sms_available)
        if form.is_valid():
            for kind in form.kinds:
                preference_set(user=user, kind=kind, channel=form.cleaned_data[f"kind_{kind}"])
            for field in ("quiet_start", "quiet_end", "reminder_time"):
                setattr(delivery, field, form.cleaned_data[field])
            delivery.save(update_fields=["quiet_start", "quiet_end", "reminder_time"])
            messages.success(request, "Saved.")
            return redirect("notifications:preferences")
    else:
        initial = {
            "quiet_start": delivery.quiet_start,
            "quiet_end": delivery.quiet_end,
            "reminder_time": delivery.reminder_time,
        }
        form = PreferencesForm(initial=initial, sms_available=sms_available)
        for kind in form.kinds:
            form.initial[f"kind_{kind}"] = current.get(kind, default_channel(kind))
    return render(request, "notifications/preferences.html", {"form": form})


@capability_required(Capability.ADMIN_CONSOLE)
@require_GET
def operations(request):
    return render(
        request, "notifications/operations.html", {"status": outbox_status(now=timezone.now())}
    )
