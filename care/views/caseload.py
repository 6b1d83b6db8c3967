"""The caseload: the clinician's clients (and a supervisor's supervisees' clients), ranked for the
morning's triage, with filters, a search by name and a sort that stays put."""

from datetime import datetime
from html import escape

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.models import Action
from audit.services import audit_record

from ..selectors.caseload import Caseload, CaseloadFilters, CaseloadRow, Sort, caseload_rows

# The sort the clinician chose last, kept in their session so the list keeps its order when they
# come back to it (from a record, a message link or the menu).
SORT_SESSION_KEY = "care.caseload.sort"


class CaseloadFilterForm(forms.Form):
    """The caseload's filters, search and sort, read from the query string. A value that does
    not fit is reported on the form and ignored; the others still apply."""

    q = forms.CharField(label="Search by name or email", required=False, max_length=100, strip=True)
    needs_review = forms.BooleanField(label="Worksheets to review", required=False)
    inactive = forms.BooleanField(label="Quiet for 7 days or more", required=False)
    on_hold = forms.BooleanField(label="On hold or paused", required=False)
    sort = forms.ChoiceField(label="Sort by", choices=Sort.choices, required=False)

    def filters(self) -> CaseloadFilters:
        """The filters from every field that is valid (the form is validated first)."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        return CaseloadFilters(
            needs_review=bool(data.get("needs_review")),
            inactive=bool(data.get("inactive")),
            on_hold=bool(data.get("on_hold")),
            search=data.get("q") or "",
            sort=data.get("sort") or Sort.URGENCY,
        )


def _remembered_sort(request) -> str:
    """The sort asked for now (remembered when valid), else the one remembered, else urgency."""
    asked = request.GET.get("sort")
    if asked in Sort.values:
        if request.session.get(SORT_SESSION_KEY) != asked:
            request.session[SORT_SESSION_KEY] = asked
        return asked
    remembered = request.session.get(SORT_SESSION_KEY)
    return remembered if remembered in Sort.values else Sort.URGENCY


# A stand-in id, reversed once per page and split around: the record's link is the same for
# every row but for the id (a {% url %} per row costs more than the rest of the row).
_STAND_IN_ID = 987654321987654321
_DASH = "&ndash;"


def _date_names() -> tuple[list[str], list[str]]:
    """The weekdays' and months' short names in the active language, read once per page."""
    return (
        [str(WEEKDAYS_ABBR[day]) for day in range(7)],
        [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)],
    )


def _shown(moment: datetime, names: tuple[list[str], list[str]]) -> str:
    """`moment` as the `date` filter writes "D j M, H:i T" (e.g. "Sun 15 Nov, 19:30 PST"), without
    its per-call format parsing; like it, no zone name for an hour a clock change makes
    ambiguous."""
    zone = moment.tzinfo
    name = ""
    if zone is not None and zone.utcoffset(moment.replace(fold=not moment.fold)) == zone.utcoffset(
        moment
    ):
        name = str(zone.tzname(moment))
    return (
        f"{names[0][moment.weekday()]} {moment.day} {names[1][moment.month]},"
        f" {moment.hour:02d}:{moment.minute:02d} {name}"
    )


def _name(person) -> str:
    return escape(person.preferred_name or person.email)


def _row_html(
    row: CaseloadRow,
    *,
    link: tuple[str, str, str],
    shows_clinicians: bool,
    names: tuple[list[str], list[str]],
) -> str:
    """One row of the table, as the template once wrote it; every value from the database is
    escaped here (html.escape), the rest is fixed markup."""
    parts = [
        f'<tr id="{escape(row.anchor)}" class="caseload-row">'
        f'<th scope="row" data-label="Client"><a href="{link[0]}{row.client.pk}{link[1]}">'
        f"{_name(row.client)}</a></th>"
    ]
    if shows_clinicians:
        clinicians = ", ".join(_name(person) for person in row.clinicians)
        parts.append(f'<td data-label="Clinician">{clinicians}</td>')
    if row.reasons:
        chips = "".join(
            f'<li class="caseload-chip caseload-chip--{escape(reason.key)}">'
            f"{escape(reason.label)}</li>"
            for reason in row.reasons
        )
        why = (
            f'<span class="caseload-score">Score {row.urgency}</span>'
            f'<ul class="caseload-chips">{chips}</ul>'
        )
    else:
        why = '<span class="muted">Nothing pressing</span>'
    parts.append(f'<td data-label="Why here">{why}</td>')
    if row.week:
        week = f"Week {row.week} of {row.weeks_total}"
    elif row.enrollment:
        week = f"Not open yet ({row.weeks_total} weeks)"
    else:
        week = "No current enrollment"
    if row.status == "completed":
        week += '<br><span class="muted">Finished</span>'
    parts.append(f'<td data-label="Week">{week}</td>')
    this_week = f"{row.lessons_done} of {row.lessons_total} lessons" if row.week else _DASH
    parts.append(f'<td data-label="This week">{this_week}</td>')
    if row.last_activity:
        moment = row.last_activity
        last = (
            f"{escape(row.last_activity_ago)}<br>"
            f'<time class="muted" datetime="{escape(moment.isoformat())}">'
            f"{escape(_shown(moment, names))}</time>"
        )
    else:
        last = '<span class="muted">No activity yet</span>'
    parts.append(f'<td data-label="Last activity">{last}</td>')
    suds = row.suds
    points = suds.points
    spark = ""
    if points:
        readings = ", ".join(str(value) for value in suds.readings)
        spark = (
            f'<svg class="sparkline" viewBox="0 0 60 20" width="60" height="20" role="img"'
            f' aria-labelledby="suds-{escape(row.slug)}">'
            f'<title id="suds-{escape(row.slug)}">SUDS readings, oldest to newest: '
            f"{escape(readings)}</title>"
            f'<polyline class="sparkline__line" points="{escape(points)}"/></svg> '
        )
    parts.append(
        f'<td data-label="SUDS">{spark}<span class="caseload-suds caseload-suds--'
        f'{escape(suds.trend)}">{escape(suds.label)}</span></td>'
    )
    review = f"{row.to_review} waiting" if row.to_review else "None"
    parts.append(f'<td data-label="To review">{review}</td>')
    holds = ""
    if row.paused:
        holds = "Paused, " if row.holds else "Paused"
    if row.holds:
        holds += f"{row.holds} week{'' if row.holds == 1 else 's'} on hold"
    elif not row.paused:
        holds = "None"
    parts.append(f'<td data-label="Holds">{holds}</td>')
    billing = "Needs attention" if row.billing_attention else _DASH
    parts.append(f'<td data-label="Billing">{billing}</td>')
    risk = f'<a class="caseload-risk" href="{link[2]}">{row.risk} open</a>' if row.risk else "None"
    parts.append(f'<td data-label="Risk">{risk}</td>')
    parts.append(f'<td data-label="Measures">{_measures_html(row)}</td>')
    parts.append(f'<td data-label="Check-ins">{_checkins_html(row)}</td></tr>')
    return "".join(parts)


def _checkins_html(row: CaseloadRow) -> str:
    """The last 14 days: "9 of 14 days" and, beneath, the lapses recorded ("1 lapse")."""
    counts = row.checkins
    if counts is None:
        return _DASH
    lapses = (
        f"{counts.lapses} lapse{'' if counts.lapses == 1 else 's'}"
        if counts.lapses
        else "No lapses"
    )
    return f'{counts.checkins} of {counts.days} days<br><span class="muted">{lapses}</span>'


def _measures_html(row: CaseloadRow) -> str:
    """The latest answer to each questionnaire: "PHQ-9 16 (moderately severe), worse"."""
    if not row.measures:
        return '<span class="muted">None yet</span>'
    lines = []
    for score in row.measures:
        change = ""
        if score.worsened:
            change = ', <span class="caseload-measure--worse">worse</span>'
        elif score.improved:
            change = ", better"
        lines.append(
            f"{escape(score.short_title)} {score.total} ({escape(score.band_label.lower())})"
            f"{change}"
        )
    return "<br>".join(lines)


def _rows_html(result: Caseload) -> SafeString:
    """The table's body, built once in Python (escaped above) rather than cell by cell in the
    template."""
    url = reverse("care:client_detail", args=[_STAND_IN_ID])
    before, after = url.split(str(_STAND_IN_ID), 1)
    link = (escape(before), escape(after), escape(reverse("care:flags")))
    names = _date_names()
    return mark_safe(  # noqa: S308 - every value is escaped in _row_html
        "\n".join(
            _row_html(row, link=link, shows_clinicians=result.shows_clinicians, names=names)
            for row in result.rows
        )
    )


@capability_required(Capability.CASELOAD)
@require_GET
def caseload(request):
    """The ranked list. Reading it shows several clients' activity and measures at once, so the
    read is audited once per visit (U-1)."""
    now = timezone.now()
    data = request.GET.copy()
    data["sort"] = _remembered_sort(request)
    form = CaseloadFilterForm(data)
    result = caseload_rows(viewer=request.user, now=now, filters=form.filters())
    audit_record(
        action=Action.CASELOAD_VIEWED,
        actor=request.user,
        target_type="care.caseload",
        metadata={"clients": result.total, "shown": len(result.rows)},
    )
    return render(
        request,
        "care/caseload.html",
        {
            "caseload": result,
            "rows_html": _rows_html(result),
            "form": form,
            "sorts": Sort.choices,
            "now": now,
        },
    )
