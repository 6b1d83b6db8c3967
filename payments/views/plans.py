"""Plans in the billing console (/billing/plans/), for billing staff and administrators: the
list, a new plan, editing one, taking it on or off sale, and sending it to Stripe. Every change
needs a fresh sign-in and goes through payments.services.plans (audited); anyone else gets a
denied 404, like the rest of the console."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from payments.forms import PlanForm
from payments.models import Plan
from payments.permissions import access_plan
from payments.selectors import plans_for_console
from payments.services.plans import (
    PlanError,
    plan_create,
    plan_in_use,
    plan_send_to_stripe,
    plan_set_active,
    plan_update,
)


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def plan_list(request):
    return render(request, "payments/plans/list.html", {"plans": plans_for_console()})


def _form_page(request, form: PlanForm, *, plan: Plan | None, status: int = 200):
    context = {"form": form, "plan": plan}
    return render(request, "payments/plans/form.html", context, status=status)


def _refused(form: PlanForm, error: PlanError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _create(request):
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            plan = plan_create(fields=form.plan_fields, acting_user=request.user)
        except PlanError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                f"Plan “{plan.slug}” created. The program page lists it once it is on sale "
                "and sent to Stripe.",
            )
            return redirect("billing:plans")
    return _form_page(request, form, plan=None, status=400)


_create_after_fresh_sign_in = reauthentication_required(_create)


@capability_required(Capability.BILLING_CONSOLE)
def plan_new(request):
    """GET: the empty form. POST: the new plan, after a fresh sign-in."""
    if request.method == "POST":
        return _create_after_fresh_sign_in(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _form_page(request, PlanForm(), plan=None)


def _update(request, plan: Plan):
    form = PlanForm(request.POST, instance=plan, fixed_terms=plan_in_use(plan))
    if form.is_valid():
        try:
            saved = plan_update(plan=plan, fields=form.plan_fields, acting_user=request.user)
        except PlanError as error:
            _refused(form, error)
        else:
            if plan.stripe_price_id and not saved.stripe_price_id:
                messages.success(
                    request, "Plan saved. Its price changed: send it to Stripe again to sell it."
                )
            else:
                messages.success(request, "Plan saved.")
            return redirect("billing:plans")
    return _form_page(request, form, plan=plan, status=400)


_update_after_fresh_sign_in = reauthentication_required(_update)


@capability_required(Capability.BILLING_CONSOLE)
def plan_edit(request, plan_id: int):
    """GET: the plan's form (its terms shown but fixed once someone has chosen it). POST: the
    change, after a fresh sign-in."""
    plan = access_plan(user=request.user, plan_id=plan_id, for_write=request.method == "POST")
    if request.method == "POST":
        return _update_after_fresh_sign_in(request, plan)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = PlanForm(instance=plan, fixed_terms=plan_in_use(plan))
    return _form_page(request, form, plan=plan)


def _set_active(request, plan: Plan):
    active = request.POST.get("active") == "1"
    plan_set_active(plan=plan, active=active, acting_user=request.user)
    if active:
        messages.success(request, f"“{plan.slug}” is on sale.")
    else:
        messages.success(request, f"“{plan.slug}” is off sale; everyone already on it keeps it.")
    return redirect("billing:plans")


_set_active_after_fresh_sign_in = reauthentication_required(_set_active)


@capability_required(Capability.BILLING_CONSOLE)
def plan_active(request, plan_id: int):
    """POST (a button): put the plan on sale (active=1) or take it off, after a fresh sign-in."""
    plan = access_plan(user=request.user, plan_id=plan_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _set_active_after_fresh_sign_in(request, plan)


def _send(request, plan: Plan):
    try:
        price_id = plan_send_to_stripe(plan=plan, acting_user=request.user)
    except PlanError as error:
        messages.error(request, f"“{plan.slug}” was not sent: {error}")
    else:
        messages.success(request, f"“{plan.slug}” is at Stripe (price {price_id}).")
    return redirect("billing:plans")


_send_after_fresh_sign_in = reauthentication_required(_send)


@capability_required(Capability.BILLING_CONSOLE)
def plan_stripe(request, plan_id: int):
    """POST (a button): create or update the plan's Stripe product and price, after a fresh
    sign-in; a refusal is a message and nothing changes."""
    plan = access_plan(user=request.user, plan_id=plan_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _send_after_fresh_sign_in(request, plan)
