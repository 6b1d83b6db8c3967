"""The client's safety plan (S-4, decision 0014): their own page to read and print it, and the
form to change it. Open to every client whatever their billing or enrollment; nobody else's:
staff get a denied 404 (it is the client's own), before any method check (A-1)."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..forms import SafetyPlanForm
from ..selectors.safety_plan import current_safety_plan, safety_plan_for
from ..services import SafetyPlanError, safety_plan_save


@capability_required(Capability.OWN_PROGRAM)
def plan_page(request):
    """The plan as a calm page that prints well, or an invitation to write one."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {"safety_plan": safety_plan_for(client=request.user)}
    return render(request, "care/safety_plan/page.html", context)


@capability_required(Capability.OWN_PROGRAM)
def plan_edit(request):
    """GET: the form, filled with the current plan. POST: save it as a new version (an
    unchanged plan stores nothing); a refused form comes back with everything the client
    typed and what to fix (400), and nothing is stored (B-1)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    current = current_safety_plan(client=request.user)
    if request.method == "GET":
        form = SafetyPlanForm(initial=current.sections() if current is not None else None)
        return render(request, "care/safety_plan/edit.html", {"form": form, "current": current})
    form = SafetyPlanForm(request.POST)
    if form.is_valid():
        try:
            saved = safety_plan_save(
                client=request.user, sections=form.cleaned_data, now=timezone.now()
            )
        except SafetyPlanError as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            if saved is not None:
                messages.success(request, "Your plan is saved. Earlier versions are kept.")
            elif current is not None:
                messages.info(request, "Nothing had changed, so your plan is as it was.")
            else:
                messages.info(request, "There was nothing written yet, so nothing was saved.")
            return redirect("safety_plan:page")
    context = {"form": form, "current": current}
    return render(request, "care/safety_plan/edit.html", context, status=400)
