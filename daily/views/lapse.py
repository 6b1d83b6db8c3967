"""A lapse and its chain analysis (decision 0016): recording a lapse on its own, and the guided
steps afterwards. The client's own pages: staff get a denied 404 at the door (capability), and a
lapse that is not the client's is a denied 404 (daily.permissions), before any method check."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..days import local_today
from ..forms_logs import LapseChainForm, LapseNewForm
from ..permissions import access_lapse
from ..services.lapses import (
    LAPSE_EDIT_DAYS,
    LapseChainError,
    LapseError,
    lapse_can_edit,
    lapse_chain_save,
    lapse_editable_until,
    lapse_record,
)


@capability_required(Capability.OWN_PROGRAM)
def lapse_new(request):
    """GET: which day it was (today unless the client says otherwise). POST: record the lapse
    and go on to its chain analysis; a refused day comes back (400) and nothing is stored."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    now = timezone.now()
    today = local_today(now=now, tz=request.user.timezone)
    if request.method == "GET":
        return render(request, "daily/lapse_new.html", {"form": LapseNewForm(today=today)})
    form = LapseNewForm(request.POST, today=today)
    if form.is_valid():
        try:
            lapse = lapse_record(client=request.user, day=form.cleaned_data["day"], now=now)
        except LapseError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("daily:lapse", lapse_id=lapse.pk)
    return render(request, "daily/lapse_new.html", {"form": form}, status=400)


def _context(lapse, *, form, now) -> dict:
    return {
        "lapse": lapse,
        "form": form,
        "editable": lapse_can_edit(lapse=lapse, now=now),
        "editable_until": lapse_editable_until(lapse=lapse),
        "edit_days": LAPSE_EDIT_DAYS,
        "saved": lapse.completed_at is not None or lapse.updated_at != lapse.created_at,
    }


@capability_required(Capability.OWN_PROGRAM)
def lapse_chain(request, lapse_id):
    """GET: the chain analysis, every step answered or left (read only once it can no longer be
    changed). POST: save it ("finish" marks it done); a refused step comes back with everything
    typed and what to change (400), and nothing is stored."""
    lapse = access_lapse(user=request.user, lapse_id=lapse_id, for_write=request.method != "GET")
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    now = timezone.now()
    if request.method == "GET":
        form = LapseChainForm(initial=LapseChainForm.initial_from(lapse))
        return render(request, "daily/lapse_chain.html", _context(lapse, form=form, now=now))
    form = LapseChainForm(request.POST)
    if form.is_valid():
        finish = request.POST.get("action") == "finish"
        try:
            lapse_chain_save(lapse=lapse, answers=form.cleaned_data, now=now, complete=finish)
        except LapseChainError as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            if finish:
                messages.success(request, "Thank you for looking at this. It is saved.")
            else:
                messages.success(request, "Saved. You can come back to it and add more.")
            return redirect("daily:lapse", lapse_id=lapse.pk)
    context = _context(lapse, form=form, now=now)
    return render(request, "daily/lapse_chain.html", context, status=400)
