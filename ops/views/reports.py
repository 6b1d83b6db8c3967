"""The reports (/ops/reports/), for administrators: each figure of the program, a track or a
cohort as a chart and a table, and each table as CSV. Aggregates only, small groups suppressed
(ops/selectors/reports.py)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record

from ..charts import table_chart
from ..reports_csv import table_csv
from ..selectors.reports import TABLE_KEYS, Report, Scope, parse_scope, report_for

UNKNOWN_GROUP = "That group is not in the list; here is the whole program. Choose one below."


def _scope(request, report: Report) -> Scope | None:
    scope = parse_scope(request.GET.get("group", "all")[:40])
    return scope if scope is not None and report.has(scope) else None


def _label(report: Report, scope: Scope) -> str:
    return next(g.label for g in report.groups if g.param == scope.param)


@capability_required(Capability.ADMIN_CONSOLE)
@require_GET
def reports(request):
    report = report_for(now=timezone.now())
    scope = _scope(request, report)
    status = 200
    if scope is None:  # an unknown group: say so (400) and show the whole program
        scope, status = Scope("all"), 400
    sections = [(table, table_chart(table)) for table in report.tables(scope)]
    return render(
        request,
        "ops/reports/reports.html",
        {
            "groups": report.groups,
            "scope": scope,
            "group_label": _label(report, scope),
            "sections": sections,
            "unknown_group": status == 400,
            "unknown_message": UNKNOWN_GROUP,
        },
        status=status,
    )


@capability_required(Capability.ADMIN_CONSOLE)
@require_GET
def report_csv(request, table: str):
    if table not in TABLE_KEYS:
        raise Http404
    report = report_for(now=timezone.now())
    scope = _scope(request, report)
    if scope is None:
        return HttpResponse(
            UNKNOWN_GROUP + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    found = report.table(scope, table)
    assert found is not None  # every key in TABLE_KEYS is a table of every group
    audit_record(
        action="ops.report_downloaded",
        actor=request.user,
        target_type="report",
        target_id=table,
        metadata={"group": scope.param},
    )
    response = HttpResponse(
        table_csv(found, group=_label(report, scope)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="ehab-{table}-{scope.param}.csv"'
    return response
