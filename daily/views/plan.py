"""The client's DSAP (decision 0016): their own page to read it, and the form to change it.
Open to every client whatever their billing or enrollment; nobody else's: staff get a denied 404
before any method check (A-1)."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..forms import DsapForm
from ..models import MAX_ANCHORS
from ..selectors.plan import current_dsap
from ..services.plan import DsapError, dsap_save


@capability_required(Capability.OWN_PROGRAM)
def plan_page(request):
    """The plan (bottom lines, warning signs, anchors as a list), or an invitation to write one
    (1 query beyond the session's)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    dsap = current_dsap(client=request.user)
    anchors = dsap.anchor_list() if dsap is not None else []
    context = {
        "dsap": dsap,
        "anchors": anchors,
        "more_anchors": dsap is not None and len(dsap.anchors.splitlines()) > MAX_ANCHORS,
        "max_anchors": MAX_ANCHORS,
    }
    return render(request, "daily/plan.html", context)


@capability_required(Capability.OWN_PROGRAM)
def plan_edit(request):
    """GET: the form, filled with the current plan. POST: save it as a new version (an
    unchanged plan stores nothing); a refused form comes back with everything typed and what to
    fix (400), and nothing is stored."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    current = current_dsap(client=request.user)
    if request.method == "GET":
        form = DsapForm(initial=current.sections() if current is not None else None)
        return render(request, "daily/plan_edit.html", {"form": form, "current": current})
    form = DsapForm(request.POST)
    if form.is_valid():
        try:
            saved = dsap_save(client=request.user, sections=form.cleaned_data, now=timezone.now())
        except DsapError as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            if saved is not None:
                messages.success(request, "Your plan is saved. Earlier versions are kept.")
            elif current is not None:
                messages.info(request, "Nothing had changed, so your plan is as it was.")
            else:
                messages.info(request, "There was nothing written yet, so nothing was saved.")
            return redirect("daily:plan")
    context = {"form": form, "current": current}
    return render(request, "daily/plan_edit.html", context, status=400)
