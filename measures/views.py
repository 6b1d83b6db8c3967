"""The client's questionnaires (`/me/measures/`): what is due, answering one, "not now", and
their own scores in plain words. Only for the client themself: every other role gets 404."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import deny

from .forms import AnswersForm
from .instruments import AnswersError, instrument_spec
from .models import Instrument
from .selectors import active_anchor, client_measures
from .services import administration_submit, measure_skip

own_program = capability_required(Capability.OWN_PROGRAM)


def _instrument(request, key: str, *, for_write: bool) -> Instrument:
    """The instrument `key`, for a client with an active enrollment; else a denied 404."""
    instrument = Instrument.objects.filter(key=key).first()
    if instrument is None or active_anchor(client_id=request.user.pk) is None:
        deny(
            user=request.user, target_type="measures.instrument", target_id=key, for_write=for_write
        )
    return instrument


@own_program
@require_GET
def mine(request):
    """What is due, what was put aside, and every score so far, gently."""
    measures = client_measures(
        client_id=request.user.pk,
        zone=ZoneInfo(request.user.timezone),
        anchor=active_anchor(client_id=request.user.pk),
        now=timezone.now(),
    )
    return render(
        request,
        "measures/mine.html",
        {"schedule": measures.schedule, "histories": measures.histories},
    )


@own_program
def answer(request, key: str):
    """The questionnaire (GET) and its answers (POST). An answer to a risk item above 0 goes
    straight to the support page: crisis lines and the client's own plan, never a "thank you"."""
    instrument = _instrument(request, key, for_write=request.method == "POST")
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    spec = instrument_spec(instrument)
    form = AnswersForm(spec, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            administration = administration_submit(
                client=request.user,
                instrument=instrument,
                answers=form.answers(),
                now=timezone.now(),
            )
        except AnswersError as exc:
            form.add_error(None, "; ".join(exc.errors))
        else:
            if administration.risk_answered:
                return redirect("risk:support")
            messages.success(request, "Thank you. Your answers are saved.")
            return redirect("measures:mine")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "measures/answer.html",
        {"instrument": instrument, "spec": spec, "form": form},
        status=status,
    )


@own_program
def not_now(request, key: str):
    """ "Not now": the questionnaire is put aside for a few days, and that is recorded."""
    instrument = _instrument(request, key, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    measure_skip(client=request.user, instrument=instrument, now=timezone.now())
    messages.info(request, f"That's fine. The {instrument.short_title} will wait for another day.")
    return redirect("courses:dashboard" if request.POST.get("next") == "home" else "measures:mine")
