"""The record's worksheets section, and the page of one submitted version.

Worksheets: every submitted version, newest first, grouped by worksheet, with the changes from
the version before and the care team's replies. Drafts are the client's own and are never read
here: every query starts from `WorksheetResponse.objects.submitted()`, or (the section's own
read, hand-written in care/queries/record.py) asks for the submitted status itself.

A version is "waiting for review" while no one has reviewed it (courses.WorksheetReview, written
when a member of the care team opens the version's page or replies to it; only the client's care
team can reach those pages, so any review is the care team's).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from accounts.models import User
from courses.models import (
    Enrollment,
    Lesson,
    Module,
    WorksheetFeedback,
    WorksheetResponse,
)
from courses.worksheets import FieldDiff, answers_diff

from ..formhtml import escape
from ..queries.record import submitted_worksheets


@dataclass(frozen=True)
class VersionRow:
    """One submitted version as the care team sees it."""

    response: WorksheetResponse
    previous_version: int | None  # the version it is compared with (None: the first)
    fields: list[FieldDiff]
    replies: list[WorksheetFeedback]
    waiting: bool  # no one on the care team has reviewed it yet


@dataclass(frozen=True)
class WorksheetGroup:
    """One worksheet (a lesson, in one enrollment) and its versions, newest first."""

    anchor: str
    lesson: Lesson
    module: Module
    versions: list[VersionRow]

    @property
    def waiting(self) -> int:
        return sum(1 for row in self.versions if row.waiting)


def worksheet_groups(*, client: User) -> list[WorksheetGroup]:
    """Every submitted version of every worksheet of `client` (across their enrollments),
    grouped by worksheet: the most recently submitted worksheet first, versions newest first.
    Two queries however long the history (the versions with their review mark, their replies:
    hand-written, care/queries/record.py)."""
    responses = submitted_worksheets(client_id=client.pk)
    # Annotated rows carrying `reviewed` and the prefetched `replies`.
    chains: dict[tuple[int, int], list[Any]] = {}
    for response in responses:
        chains.setdefault((response.enrollment_id, response.lesson_id), []).append(response)
    groups = []
    for (enrollment_id, lesson_id), chain in chains.items():
        rows = []
        previous: Any = None
        for response in chain:
            rows.append(
                VersionRow(
                    response=response,
                    previous_version=previous.version if previous else None,
                    fields=answers_diff(
                        response.lesson.prompts,
                        previous.answers if previous else None,
                        response.answers,
                    ),
                    replies=response.replies,
                    waiting=not response.reviewed,
                )
            )
            previous = response
        rows.reverse()
        lesson = chain[0].lesson
        groups.append(
            WorksheetGroup(
                anchor=f"worksheet-{enrollment_id}-{lesson_id}",
                lesson=lesson,
                module=lesson.module,
                versions=rows,
            )
        )
    groups.sort(key=lambda g: (g.versions[0].response.submitted_at, g.anchor), reverse=True)
    return groups


_MACHINE = r"Y-m-d\TH:i:sO"  # a <time> element's datetime, as |date:'Y-m-d\TH:i:sO' writes it


def _when(instant: datetime | None, shown: str) -> str:
    """A <time> element for `instant` in the active time zone (the viewer's), as the |date
    filter writes it; nothing for no instant, as the filter gives."""
    if instant is None:
        return '<time datetime=""></time>'
    local = localtime(instant)
    return (
        f'<time datetime="{dateformat.format(local, _MACHINE)}">'
        f"{dateformat.format(local, shown)}</time>"
    )


def fields_html(fields: list[FieldDiff], *, compare: object) -> str:
    """templates/care/worksheets/_fields.html, written here (the record shows every version's
    answers: a template include per version was most of the section's cost). Escaped."""
    out = ['<dl class="ws-fields">']
    for f in fields:
        unchanged = ' <span class="muted">(unchanged)</span>' if compare and not f.changed else ""
        segments = []
        for kind, text in f.segments:
            if kind == "inserted":
                segments.append(
                    f'<ins><span class="ws-sr">added: </span>{escape(text)}'
                    '<span class="ws-sr"> (end of addition)</span></ins>'
                )
            elif kind == "deleted":
                segments.append(
                    f'<del><span class="ws-sr">removed: </span>{escape(text)}'
                    '<span class="ws-sr"> (end of removal)</span></del>'
                )
            else:
                segments.append(escape(text))
        answer = "".join(segments) if f.segments else '<span class="muted">No answer</span>'
        out.append(
            f"\n    <dt>{escape(f.label)}{unchanged}</dt>"
            f'\n    <dd class="ws-text">{answer}</dd>\n  '
        )
    out.append("\n</dl>")
    return "".join(out)


def replies_html(replies: list[WorksheetFeedback]) -> str:
    """templates/care/worksheets/_replies.html, written here. Escaped."""
    out = ['<ul class="ws-replies">']
    for reply in replies:
        author = reply.author.preferred_name if reply.author else ""
        name = author or "A member of the care team"
        out.append(
            '\n    <li class="ws-reply">\n'
            f'      <p class="ws-reply__meta muted">{escape(name)} · '
            f"{_when(reply.created_at, 'M j, Y, g:i A')}</p>\n"
            f'      <p class="ws-text">{escape(reply.text)}</p>\n'
            "    </li>\n  "
        )
    out.append("\n</ul>")
    return "".join(out)


def groups_html(groups: list[WorksheetGroup], *, client: User) -> SafeString:
    """The section's worksheets, one <article> each with its versions, written here rather
    than by template loops and includes; every text is escaped."""
    out = []
    for group in groups:
        versions = []
        for row in group.versions:
            response = row.response
            url = reverse("care:worksheet_version", args=[client.pk, response.pk])
            waiting = '<p class="ws-waiting">Waiting for review</p>' if row.waiting else ""
            if row.previous_version:
                summary = f"Changes since version {row.previous_version}"
            else:
                summary = "Answers (first version)"
            replies = ""
            if row.replies:
                replies = (
                    '<p class="ws-replies-title">Replies</p>\n                '
                    f"{replies_html(row.replies)}"
                )
            versions.append(
                '<li class="ws-version">\n'
                '              <h4 class="ws-version__title">\n'
                f'                <a href="{escape(url)}">Version {response.version}</a>\n'
                '                <span class="muted">· submitted '
                f"{_when(response.submitted_at, 'M j, Y, g:i A')}</span>\n"
                "              </h4>\n"
                f"              {waiting}\n"
                '              <details class="ws-details">\n'
                f"                <summary>{summary}</summary>\n"
                f"                {fields_html(row.fields, compare=row.previous_version)}\n"
                "              </details>\n"
                f"              {replies}\n"
                "            </li>"
            )
        anchor = escape(group.anchor)
        out.append(
            f'<article class="ws-group" id="{anchor}" aria-labelledby="{anchor}-title">\n'
            f'        <h3 id="{anchor}-title">Week {group.module.week}: '
            f"{escape(group.lesson.title)}</h3>\n"
            '        <ol class="ws-versions" reversed>\n'
            "            " + "\n            ".join(versions) + "\n        </ol>\n"
            "      </article>"
        )
    return mark_safe("\n      ".join(out))  # noqa: S308 (every value above is escaped or ours)


def worksheets_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/worksheets.html: the groups, and how many versions
    there are and how many wait for review. Every enrollment's worksheets are shown (a finished
    client's work stays readable), so `enrollment` is not used to narrow them."""
    groups = worksheet_groups(client=client)
    return {
        "groups": groups,
        "html": groups_html(groups, client=client),
        "versions": sum(len(g.versions) for g in groups),
        "waiting": sum(g.waiting for g in groups),
    }


def worksheet_version_context(*, version: WorksheetResponse) -> dict[str, object]:
    """The context of templates/care/worksheet_version.html for one submitted version (from
    care.permissions.access_worksheet_version): its answers, the changes from the version before,
    a newer version if there is one, and the replies (three queries)."""
    siblings = WorksheetResponse.objects.submitted().filter(
        enrollment_id=version.enrollment_id, lesson_id=version.lesson_id
    )
    previous = siblings.filter(version__lt=version.version).order_by("-version").first()
    newest = (
        siblings.filter(version__gt=version.version)
        .order_by("-version")
        .values("pk", "version")
        .first()
    )
    replies = list(
        WorksheetFeedback.objects.filter(response=version)
        .select_related("author")
        .order_by("created_at", "id")
    )
    prompts = version.lesson.prompts
    return {
        "version": version,
        "lesson": version.lesson,
        "module": version.lesson.module,
        "answers": answers_diff(prompts, None, version.answers),
        "previous": previous,
        "changes": answers_diff(prompts, previous.answers, version.answers) if previous else [],
        "newest": newest,
        "replies": replies,
    }
