"""Message links, one-click unsubscribe, preferences, and the operators' outbox page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import capability_required
from accounts.roles import Capability
from ehab.access import deny

from .forms import PreferencesForm
from .models import Notification, Preference
from .selectors import outbox_status
from .services import default_channel, delivery_settings_for, preference_set, preference_unsubscribe


def follow_link(request, token: str):
    """A link from a message: the token names the message, never a person or a page id."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.path)
    notification = Notification.objects.filter(link_token=token).first()
    if notification is None or request.user.pk != notification.user_id:
        # Someone else's message, or none: the same 404, and an audit row.
        deny(user=request.user, target_type="notifications.link", target_id="token")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return redirect(notification.link_target)


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """One click, no sign-in: GET asks, POST switches that kind of message off."""
    pref = Preference.objects.filter(unsubscribe_token=token).first()
    if pref is None:
        raise Http404
    if request.method == "POST":
        preference_unsubscribe(token=token)
        return render(request, "notifications/unsubscribed.html", {"done": True})
    return render(request, "notifications/unsubscribed.html", {"done": False})


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
