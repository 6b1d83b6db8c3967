"""The caseload: the clinician's clients (and a supervisor's supervisees' clients), ranked for the
morning's triage, with filters, a search by name and a sort that stays put."""

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.models import Action
from audit.services import audit_record

from ..selectors.caseload import CaseloadFilters, Sort, caseload_rows

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
        {"caseload": result, "form": form, "sorts": Sort.choices, "now": now},
    )
