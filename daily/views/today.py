"""The Kitchen Table check-in (decision 0016): today's, or a recent day's (yesterday, or a
missed day filled in later). The client's own page whatever their billing or enrollment (it
carries the safety question); staff get a denied 404 before any method check (A-1)."""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..days import can_edit, can_fill, local_today
from ..forms import CheckinEveningForm, CheckinMorningForm
from ..models import BottomLines, Checkin, Lapse
from ..selectors.days import WEEK, held_figures, week_checkins, week_marks
from ..selectors.plan import current_dsap
from ..services.checkins import CheckinError, CheckinResult, checkin_save

MORNING, EVENING = "morning", "evening"


@capability_required(Capability.OWN_PROGRAM)
def today(request):
    """Today's check-in, in the client's own zone."""
    now = timezone.now()
    return _checkin_page(request, day=local_today(now=now, tz=request.user.timezone), now=now)


@capability_required(Capability.OWN_PROGRAM)
def checkin_day(request, day: date):
    """One day's check-in: a recent day to fill in later or change, or a closed one to read.
    A day that has not come yet is not a page."""
    now = timezone.now()
    if day > local_today(now=now, tz=request.user.timezone):
        raise Http404
    return _checkin_page(request, day=day, now=now)


def _evening_initial(checkin: Checkin | None) -> dict[str, object] | None:
    if checkin is None or checkin.evening_at is None:
        return None
    return {
        "anchors_done": checkin.anchors_done,
        "mood": "" if checkin.mood is None else str(checkin.mood),
        "urge": "" if checkin.urge is None else str(checkin.urge),
        "loudest_part": checkin.loudest_part,
        "bottom_lines": checkin.bottom_lines,
        "helped": checkin.helped,
        "safe": checkin.safe,
    }


def _checkin_page(request, *, day: date, now: datetime):
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    client = request.user
    tz = client.timezone
    today_ = local_today(now=now, tz=tz)
    checkins = week_checkins(client=client, now=now)
    if (today_ - day).days < WEEK:
        checkin = checkins.get(day)
    else:  # a day before the week's marks: one more query
        checkin = Checkin.objects.filter(client=client, day=day).first()
    if checkin is None:
        open_ = can_fill(day=day, now=now, tz=tz)
    else:
        filled_on = local_today(now=checkin.created_at, tz=tz)
        open_ = can_edit(day=day, filled_on=filled_on, now=now, tz=tz)
    dsap = current_dsap(client=client)
    if checkin is not None and checkin.evening_at is not None:
        anchors = list(checkin.anchors_offered)
    else:
        anchors = dsap.anchor_list() if dsap is not None else []
    morning = CheckinMorningForm(
        initial={"intention": checkin.intention} if checkin is not None else None
    )
    evening = CheckinEveningForm(initial=_evening_initial(checkin), anchors=anchors)
    page_url = (
        reverse("daily:today")
        if day == today_
        else reverse("daily:checkin_day", kwargs={"day": day})
    )
    status = 200
    closed_error = ""
    if request.method == "POST":
        part = request.POST.get("part")
        form: CheckinMorningForm | CheckinEveningForm | None = None
        if part == MORNING:
            form = morning = CheckinMorningForm(request.POST)
        elif part == EVENING:
            form = evening = CheckinEveningForm(request.POST, anchors=anchors)
        status = 400
        if form is None:
            closed_error = "Please use one of the two Save buttons on this page."
        elif form.is_valid():
            try:
                if part == MORNING:
                    result = checkin_save(
                        client=client,
                        day=day,
                        now=now,
                        intention=form.cleaned_data["intention"],
                    )
                else:
                    result = checkin_save(
                        client=client, day=day, now=now, evening=form.cleaned_data
                    )
            except CheckinError as exc:
                for key, message in exc.errors.items():
                    if key in form.fields:
                        form.add_error(key, message)
                    else:
                        closed_error = message
            else:
                return _after_save(request, result=result, page_url=page_url, now=now)
    lapse = None
    if checkin is not None and checkin.bottom_lines == BottomLines.LAPSED:
        lapse = Lapse.objects.filter(checkin=checkin).first()
    held, run = held_figures(client=client, now=now)
    context = {
        "day": day,
        "is_today": day == today_,
        "is_yesterday": (today_ - day).days == 1,
        "checkin": checkin,
        "open": open_,
        "late": checkin.late if checkin is not None else day < today_,
        "dsap": dsap,
        "morning_form": morning,
        "evening_form": evening,
        "page_url": page_url,
        "closed_error": closed_error,
        "lapse": lapse,
        "days_held": held,
        "run": run,
        "marks": week_marks(client=client, now=now, checkins=checkins),
    }
    return render(request, "daily/today.html", context, status=status)


def _after_save(request, *, result: CheckinResult, page_url: str, now: datetime):
    if result.became_unsafe:
        messages.info(
            request,
            "Thank you for answering honestly. Your check-in is saved. Here is help for tonight.",
        )
        return redirect("risk:support")
    if result.lapse is not None and result.became_lapsed:
        messages.info(
            request,
            "Thank you for noting it honestly. A lapse is information, not a verdict: your days "
            "held are still yours. When you're ready, the next page helps you look at what led "
            "up to it, gently and one step at a time.",
        )
        return redirect("daily:lapse", lapse_id=result.lapse.pk)
    checkin = result.checkin
    tz = request.user.timezone
    last = max(checkin.day + timedelta(days=1), local_today(now=checkin.created_at, tz=tz))
    until = "today" if last == local_today(now=now, tz=tz) else "tomorrow"
    messages.success(request, f"Saved. You can change it until the end of {until}.")
    return redirect(page_url)
