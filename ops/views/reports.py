"""The reports (/ops/reports/), for administrators: each figure of the program, a track or a
cohort as a chart and a table, and each table as CSV. Aggregates only, small groups suppressed
(ops/selectors/reports.py).

The page's figures (charts, tables and the list of groups) are rendered once per group and
cached under the report's version, so a warm visit costs one query (is the report current?) and
the base template."""

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.services import audit_record

from ..charts import table_chart
from ..reports_csv import table_csv
from ..selectors.reports import (
    REPORT_TTL,
    TABLE_KEYS,
    Report,
    Scope,
    parse_scope,
    report_for,
    report_key,
    report_version,
)

UNKNOWN_GROUP = "That group is not in the list; here is the whole program. Choose one below."


def _scope(request, report: Report) -> Scope | None:
    scope = parse_scope(request.GET.get("group", "all")[:40])
    return scope if scope is not None and report.has(scope) else None


def _label(report: Report, scope: Scope) -> str:
    return next(g.label for g in report.groups if g.param == scope.param)


def _figures(report: Report, scope: Scope, *, unknown: bool = False) -> str:
    sections = [(table, table_chart(table)) for table in report.tables(scope)]
    return render_to_string(
        "ops/reports/_figures.html",
        {
            "groups": report.groups,
            "scope": scope,
            "group_label": _label(report, scope),
            "sections": sections,
            "unknown_group": unknown,
            "unknown_message": UNKNOWN_GROUP,
        },
    )


@capability_required(Capability.ADMIN_CONSOLE)
@require_GET
def reports(request):
    now = timezone.now()
    version = report_version(now=now)
    asked = parse_scope(request.GET.get("group", "all")[:40])
    key = report_key(version, "html", asked.param) if asked is not None else None
    figures = cache.get(key) if key is not None else None
    status = 200
    if figures is None:
        report = report_for(now=now, version=version)
        if asked is not None and report.has(asked):
            figures = _figures(report, asked)
            cache.set(key, figures, REPORT_TTL)
        else:  # an unknown group: say so (400) and show the whole program
            figures, status = _figures(report, Scope("all"), unknown=True), 400
    return render(
        request,
        "ops/reports/reports.html",
        {"figures": mark_safe(figures)},  # noqa: S308 - rendered by our own template above
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
