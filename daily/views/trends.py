"""The client's trends page (`/me/trends/`): their own check-ins, mood, urges, parts, practices
and days held over the last 4, 8 or 12 weeks. Only for the client themself: every other role
gets 404 (the capability gate)."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..charts import trends_charts, trends_tables
from ..selectors.trends import WEEK_CHOICES, client_trends, weeks_from


@capability_required(Capability.OWN_PROGRAM)
@require_GET
def trends_page(request):
    """The charts and their tables; `?weeks=` picks the window (4, 8 or 12; anything else is
    4)."""
    weeks = weeks_from(request.GET.get("weeks"))
    trends = client_trends(client=request.user, now=timezone.now(), weeks=weeks)
    return render(
        request,
        "daily/trends.html",
        {
            "trends": trends,
            "charts": trends_charts(trends),
            "tables": trends_tables(trends),
            "week_choices": WEEK_CHOICES,
        },
    )
