"""Enrolling (/join/), for the public and clients: the public program page → a plan → sign up
or in → agreements → Stripe Checkout → a success page that confirms, then welcomes. Cancel
returns to the plans with nothing charged."""

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.session_policy import resume_after_sign_in
from courses.models import Enrollment, EnrollmentStatus
from courses.selectors import course_overview
from payments.agreements import AGREEMENT_VERSION, Agreement, agreement_find
from payments.forms import AgreementsForm
from payments.models import CheckoutSession, Plan
from payments.permissions import access_enrolling, access_own_checkout
from payments.selectors import unfinished_plan_for
from payments.services.checkout import (
    CheckoutError,
    checkout_cancel,
    checkout_confirm,
    checkout_prepare,
    checkout_start,
)


@require_GET
def agreement(request, slug: str, version: str | None = None):
    """An agreement's text, public: the current version, or an earlier one at its own address."""
    found = agreement_find(slug=slug, version=version or AGREEMENT_VERSION)
    if found is None:
        raise Http404("No such document.")
    current = Agreement(document=found.document, version=AGREEMENT_VERSION)
    return render(
        request,
        found.template_name,
        {"agreement": found, "current": current, "is_current": found == current},
    )


@require_GET
def program(request):
    """The program and its plans on sale: each one active and sent to Stripe (a plan without a
    Stripe price could not be paid for)."""
    plans = (
        Plan.objects.filter(is_active=True, track__audience="client")
        .exclude(stripe_price_id="")
        .select_related("track")
        .order_by("track__weeks", "installments")
    )
    return render(request, "payments/join/program.html", {"plans": plans})


@require_http_methods(["GET", "POST"])
# django-csp types its decorators for views that take no URL arguments; this one takes a slug.
@csp_update({"form-action": ["https://checkout.stripe.com"]})  # type: ignore[arg-type]
def choose_plan(request, plan_slug: str):
    plan = get_object_or_404(Plan.objects.select_related("track"), slug=plan_slug, is_active=True)
    if not request.user.is_authenticated:
        # Choosing needs an account. Confirming the email of a new account signs in the
        # browser that signed up and lands here; the session keeps the plan for a sign-in that
        # comes later instead (a link opened in another browser only confirms).
        resume_after_sign_in(request.session, request.path)
        return redirect_to_login(request.get_full_path())
    access_enrolling(user=request.user, plan=plan)
    form = AgreementsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = checkout_prepare(user=request.user, plan=plan, now=timezone.now())
            base = request.build_absolute_uri("/")[:-1]
            url = checkout_start(
                session=session,
                success_url=base + reverse("join:done", args=[session.reference]),
                cancel_url=base + reverse("join:cancelled", args=[session.reference]),
            )
        except CheckoutError as exc:
            messages.error(request, str(exc))
            return redirect("join:plan", plan_slug=plan.slug)
        return redirect(url)
    return render(request, "payments/join/plan.html", {"plan": plan, "form": form})


def continue_enrolling(request):
    """Back to the plan of the client's newest enrollment still waiting for payment, the one
    link home, the program map and the billing page offer; the plans when there is none, or
    when that plan is no longer offered."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    access_enrolling(user=request.user)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    plan = unfinished_plan_for(client=request.user)
    if plan is None:
        return redirect("join:program")
    return redirect("join:plan", plan_slug=plan.slug)


def _welcome(session: CheckoutSession, granted: bool) -> dict:
    """The success page's context: once granted, whether week 1 is open yet or when it opens;
    for a payment that granted nothing (billing staff have it), whether the person is enrolled
    through another payment."""
    unmatched = not granted and session.status == CheckoutSession.Status.UNMATCHED
    context = {"session": session, "granted": granted, "unmatched": unmatched}
    if unmatched:
        context["enrolled"] = Enrollment.objects.filter(
            pk=session.account.enrollment_id, status=EnrollmentStatus.ACTIVE
        ).exists()
    if granted:
        enrollment = Enrollment.objects.select_related("track", "cohort", "client").get(
            pk=session.account.enrollment_id
        )
        overview = course_overview(enrollment=enrollment)
        context["first_open"] = overview.current is not None
        context["first_opens_at"] = overview.next_locked.due_at if overview.next_locked else None
    return context


@login_required
def done(request, reference: str):
    session = access_own_checkout(user=request.user, reference=reference)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    granted = checkout_confirm(session=session, now=timezone.now())
    return render(request, "payments/join/done.html", _welcome(session, granted))


@login_required
def status(request, reference: str):
    """htmx: confirming… until fulfilment has run (here or by the webhook), then the welcome."""
    session = access_own_checkout(user=request.user, reference=reference)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    granted = checkout_confirm(session=session, now=timezone.now())
    return render(request, "payments/join/_status.html", _welcome(session, granted))


@login_required
def cancelled(request, reference: str):
    session = access_own_checkout(user=request.user, reference=reference)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    checkout_cancel(session=session, now=timezone.now())
    messages.info(request, "Nothing was charged. You can choose again whenever you're ready.")
    return redirect("join:program")
