"""The urge log, the body practice log and the parts journal (decision 0016): the client's own
pages, a few taps each. Staff get a denied 404 at the door (capability). A refused form comes
back with what was chosen and typed (400); nothing is stored."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..days import local_today
from ..forms_logs import PartsEntryForm, PracticeForm, UrgeForm
from ..models import Part, PracticeLog, UrgeLog
from ..selectors.logs import parts_entries, urges_on_day
from ..services.logs import LogError, parts_entry_add, practice_log, urge_log

STRONG_URGE = 7  # at or above, the page offers gentle next steps
PARTS_PER_PAGE = 20
PART_LABELS = dict(Part.choices)


def _refused(form, exc: LogError) -> None:
    for key, message in exc.errors.items():
        form.add_error(key if key in form.fields else None, message)


def _logged_id(request) -> int | None:
    value = request.GET.get("logged", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@capability_required(Capability.OWN_PROGRAM)
def urge_new(request):
    """GET: the three taps, and today's last few urges (the one just logged confirmed, with
    gentle next steps when it was strong or acted on). POST: log it at this moment."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = UrgeForm(request.POST)
        if form.is_valid():
            try:
                log = urge_log(client=request.user, now=now, **form.cleaned_data)
            except LogError as exc:
                _refused(form, exc)
            else:
                return redirect(f"{reverse('daily:urge')}?logged={log.pk}")
        status = 400
    else:
        form = UrgeForm()
    recent = urges_on_day(client=request.user, day=local_today(now=now, tz=request.user.timezone))
    logged_id = _logged_id(request) if status == 200 else None
    logged = next((urge for urge in recent if urge.pk == logged_id), None)
    context = {
        "form": form,
        "recent": recent,
        "logged": logged,
        "next_steps": logged is not None
        and (logged.intensity >= STRONG_URGE or logged.did == UrgeLog.Did.ACTED),
    }
    return render(request, "daily/urge.html", context, status=status)


@capability_required(Capability.OWN_PROGRAM)
def practice_new(request):
    """GET: which practice and SUDS before and after (the one just logged confirmed). POST: log
    it at this moment."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    status = 200
    logged = None
    if request.method == "POST":
        form = PracticeForm(request.POST)
        if form.is_valid():
            try:
                log = practice_log(client=request.user, now=timezone.now(), **form.cleaned_data)
            except LogError as exc:
                _refused(form, exc)
            else:
                return redirect(f"{reverse('daily:practice')}?logged={log.pk}")
        status = 400
    else:
        form = PracticeForm()
        logged_id = _logged_id(request)
        if logged_id is not None:
            logged = PracticeLog.objects.filter(client=request.user, pk=logged_id).first()
    context = {"form": form, "logged": logged}
    return render(request, "daily/practice.html", context, status=status)


@capability_required(Capability.OWN_PROGRAM)
def parts_journal(request):
    """GET: the client's entries, newest first, 20 a page, under the form for a new one. POST:
    add an entry dated now."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    status = 200
    if request.method == "POST":
        form = PartsEntryForm(request.POST)
        if form.is_valid():
            try:
                parts_entry_add(client=request.user, now=timezone.now(), **form.cleaned_data)
            except LogError as exc:
                _refused(form, exc)
            else:
                messages.success(request, "Your entry is saved.")
                return redirect("daily:parts")
        status = 400
    else:
        form = PartsEntryForm()
    page = Paginator(parts_entries(client=request.user), PARTS_PER_PAGE).get_page(
        request.GET.get("page") if status == 200 else 1
    )
    entries = [(entry, [PART_LABELS[p] for p in entry.parts if p in PART_LABELS]) for entry in page]
    context = {"form": form, "page": page, "entries": entries}
    return render(request, "daily/parts.html", context, status=status)
