"""The administrators' reports (/ops/reports/): aggregates only, never a name, never an answer.

Every figure is computed once for every group at the same time (the whole program, each track,
each cohort), in a fixed number of queries whatever the number of cohorts, and cached whole
(`report_for`) under a version checked on each visit in one query (`report_marks`): a new
track, enrollment, payment, cohort or attendance, or any audited enrollment, billing, cohort or
attendance change since the report was computed, makes a fresh one, so such changes show at
once; everything else (activity, check-ins, messages, lessons completed) shows within
REPORT_TTL. The view caches each group's rendered
figures under the same version.

Suppression (PRIVACY_AND_SAFETY: no group under 5 can be seen):

- Every people count (and, conservatively, every message count) under 5, zero included, is
  shown as "fewer than 5".
- Figures add up: the program is the sum of its tracks, a track the sum of its cohorts and its
  rolling enrollments (which are never shown on their own), and a row's "Total" the sum of its
  cells. In every such sum, a hidden figure that needs protecting is never the only hidden one
  while the sum is shown: the smallest other shown figure in that sum is hidden too (and then
  protected the same way), and a hidden sum is never shown as the sum of shown parts. The rules
  run until nothing changes (`suppress`).
- The funnel's columns are nested (opened ⊇ started ⊇ finished): each difference between two of
  them is a figure never shown, protected when it is 1 to 4, so no two shown columns say how
  many stopped in between.
- A rate or an amount of money is shown only when the people count it belongs to is shown
  (check-in rate with its active clients, the activity table's own cell; revenue with its
  paying clients, so a cohort with fewer than 5 paying clients shows no revenue; outstanding
  balances with the clients who owe).
- Program hours: the average hours is shown only with its week's clients; the share who reached
  the target says how many did and did not, so both counts go through the rules like any shown
  count (in the tree's sums, and adding up to the week's clients) and the share is shown only
  when the clients, those who reached it and those who did not are all shown (5 or more each).

Counts are of enrollments (one person per track); the activity, check-in and message figures
count each client once, under their newest enrollment, and the hours figures once a week, under
their newest enrollment running that week (meetings/hours.py states who counts and what).

Not covered: comparing reports from different moments (last week's figures against this week's).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Exists, Q, Subquery, Sum

from audit.models import AuditEvent
from care.selectors.caseload import CURRENT_STATUSES, INACTIVE_DAYS
from courses.models import (
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    LessonProgress,
    ModuleRelease,
    Program,
    Track,
    WorksheetResponse,
)
from daily.models import Checkin
from meetings.hours import HOURS_STATUSES, hours_of, in_program, monday_of, weeks_minutes
from meetings.models import Attendance
from notifications.models import Channel, Notification
from notifications.models import Status as Delivery
from payments.models import BillingAccount, BillingState, Payment

SMALL = 5  # a figure counting fewer people than this is never shown
REPORT_TTL = 300  # seconds
CHECKIN_DAYS = 14
MESSAGE_DAYS = 7
MONTHS = 12
HOURS_WEEKS = 8  # the hours table's weeks: this one (so far) and the 7 before it
# Enrollments that count: not a checkout never finished or cancelled.
COUNTED = (
    EnrollmentStatus.ACTIVE,
    EnrollmentStatus.PAUSED,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.WITHDRAWN,
)
OWING_STATES = (
    BillingState.INSTALLMENTS_CURRENT,
    BillingState.PAST_DUE,
    BillingState.CONTENT_PAUSED,
)
ALL = ("all",)

Node = tuple  # ("all",) | ("track", id) | ("cohort", id) | ("rolling", track_id)
Leaf = tuple[int, int | None]  # (track id, cohort id or None for rolling enrollment)


# --- Suppression ---------------------------------------------------------------------------------


def suppress(
    values: dict[Any, int],
    *,
    shown: Iterable[Any],
    sums: Iterable[tuple[Any, list[Any]]],
    none_is_safe: Iterable[Any] = (),
) -> set[Any]:
    """The figures to hide: every shown figure under SMALL, and the complementary ones that stop
    any hidden small figure being worked out from a sum (see the module's docstring). `values`
    holds every figure (shown or never shown); `sums` pairs a figure with the figures it adds up.
    A figure never shown (rolling enrollments) is hidden, and protected only if it is small;
    those in `none_is_safe` (the funnel's differences) are protected from 1 to 4, not at 0."""
    shown = set(shown)
    zero_ok = set(none_is_safe)
    protect = {
        node
        for node, value in values.items()
        if value < SMALL and not (value == 0 and node in zero_ok)
    }
    hidden = protect | (set(values) - shown)
    sums = list(sums)
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            hidden_parts = [p for p in parts if p in hidden]
            visible = sorted((p for p in parts if p not in hidden), key=lambda p: (values[p], p))
            if total not in hidden:
                if len(hidden_parts) == 1 and hidden_parts[0] in protect:
                    extra = visible[0] if visible else total
                    protect.add(extra)
                    hidden.add(extra)
                    changed = True
            elif total in protect and not hidden_parts and visible:
                protect.add(visible[0])
                hidden.add(visible[0])
                changed = True
    return hidden


# --- What the page shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: int | Decimal | str | None  # None: suppressed
    kind: str = "count"  # count, rate (a share 0..1), money (with `currency`), text

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        if self.value is None:
            return "fewer than 5"
        if self.kind == "rate":
            return f"{float(self.value):.0%}"
        if self.kind == "money":
            return f"{self.value:,.2f}"
        return str(self.value)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    caption: str
    columns: list[str]  # the first is the rows' label column
    rows: list[tuple[str, list[Cell]]]


@dataclass(frozen=True)
class Scope:
    """Which group the report is about: the whole program, a track, or a cohort."""

    kind: str  # all, track, cohort
    id: int | None = None

    @property
    def param(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}-{self.id}"

    @property
    def node(self) -> Node:
        return ALL if self.kind == "all" else (self.kind, self.id)


@dataclass
class Group:
    param: str
    label: str
    track_id: int | None = None


@dataclass
class Report:
    """Every table for every group, suppressed; `tables(scope)` picks a group's."""

    groups: list[Group]
    weeks: dict[Node, int]  # how many weeks each group's track(s) run
    figures: dict[str, dict[Node, dict[tuple, Cell]]] = field(default_factory=dict)
    layouts: dict[str, tuple[str, str, list[str], list[tuple[str, str]]]] = field(
        default_factory=dict
    )  # key → (title, caption, columns, rows as (row key, label))
    currencies: list[str] = field(default_factory=list)

    def has(self, scope: Scope) -> bool:
        return scope.node in self.weeks

    def tables(self, scope: Scope) -> list[Table]:
        node = scope.node
        out = []
        for key, (title, caption, columns, rows) in self.layouts.items():
            cells = self.figures[key].get(node, {})
            if key == "funnel":
                rows = rows[: self.weeks.get(node, 0)]
            out.append(
                Table(
                    key=key,
                    title=title,
                    caption=caption,
                    columns=columns,
                    rows=[
                        (label, [cells.get((row, col), Cell(None)) for col in columns[1:]])
                        for row, label in rows
                    ],
                )
            )
        return out

    def table(self, scope: Scope, key: str) -> Table | None:
        return next((t for t in self.tables(scope) if t.key == key), None)


TABLE_KEYS = ("funnel", "activity", "checkins", "hours", "months", "money", "messages")


def parse_scope(value: str) -> Scope | None:
    """`all`, `track-<id>` or `cohort-<id>` (None for anything else)."""
    if value in ("", "all"):
        return Scope("all")
    kind, _, number = value.partition("-")
    if kind in ("track", "cohort") and number.isdigit() and len(number) < 10:
        return Scope(kind, int(number))
    return None


# --- The tree of groups --------------------------------------------------------------------------


class _Tree:
    """The groups: every track and cohort, and each track's rolling enrollments (only for a
    track that has some: a part known to be empty would hide nothing)."""

    def __init__(self, *, rolling: set[int]) -> None:
        self.tracks = list(Track.objects.order_by("title").values_list("pk", "title", "weeks"))
        self.cohorts = list(
            Cohort.objects.order_by("start_date", "name").values_list(
                "pk", "name", "track_id", "start_date"
            )
        )
        self.children: dict[Node, list[Node]] = {ALL: [("track", t) for t, _, _ in self.tracks]}
        for pk, _title, _weeks in self.tracks:
            self.children[("track", pk)] = [("rolling", pk)] if pk in rolling else []
        for pk, _name, track_id, _start in self.cohorts:
            self.children[("track", track_id)].append(("cohort", pk))
        self.shown = (
            {ALL}
            | {("track", t) for t, _, _ in self.tracks}
            | {("cohort", c) for c, *_ in self.cohorts}
        )

    def leaf(self, key: Leaf) -> Node:
        track_id, cohort_id = key
        return ("cohort", cohort_id) if cohort_id is not None else ("rolling", track_id)

    def totals(self, leaves: dict[Leaf, dict[tuple, int]], positions: list[tuple]) -> dict:
        """Every node's value at every position: leaves summed up the tree."""
        values: dict[tuple, int] = {}
        for node in self._all_nodes():
            for pos in positions:
                values[(node, pos)] = 0
        for key, cells in leaves.items():
            leaf = self.leaf(key)
            for pos, n in cells.items():
                for node in (leaf, ("track", key[0]), ALL):
                    if (node, pos) in values:
                        values[(node, pos)] += n
        return values

    def _all_nodes(self) -> list[Node]:
        nodes = [ALL]
        for track_node, kids in self.children.items():
            if track_node != ALL:
                nodes.append(track_node)
                nodes.extend(kids)
        return nodes

    def sums(self, positions: list[tuple]) -> list[tuple[tuple, list[tuple]]]:
        return [
            ((parent, pos), [(kid, pos) for kid in kids])
            for parent, kids in self.children.items()
            for pos in positions
        ]


def _count_table(
    tree: _Tree,
    leaves: dict[Leaf, dict[tuple, int]],
    positions: list[tuple],
    *,
    row_totals: list[tuple[str, list[str]]] | None = None,
    unshown: tuple[str, ...] = (),
) -> tuple[dict[Node, dict[tuple, Cell]], set]:
    """Suppressed cells per shown node, and the hidden set (for figures tied to these counts).
    `row_totals` pairs a total column with the columns it adds up, in every row; `unshown` names
    columns never shown (a difference between two shown ones, protected when small)."""
    values = tree.totals(leaves, positions)
    sums = tree.sums(positions)
    if row_totals:
        rows = {pos[0] for pos in positions}
        for node in tree._all_nodes():
            for row in rows:
                for total, parts in row_totals:
                    sums.append(((node, (row, total)), [(node, (row, c)) for c in parts]))
    shown = {(node, pos) for node in tree.shown for pos in positions if pos[1] not in unshown}
    differences = {key for key in values if key[1][1] in unshown}
    hidden = suppress(values, shown=shown, sums=sums, none_is_safe=differences)
    cells: dict[Node, dict[tuple, Cell]] = defaultdict(dict)
    for node in tree.shown:
        for pos in positions:
            if pos[1] in unshown:
                continue
            key = (node, pos)
            cells[node][pos] = Cell(None if key in hidden else values[key])
    return cells, hidden


# --- The figures ---------------------------------------------------------------------------------


def _enrollment_leaves() -> dict[int, tuple[Leaf, int, str]]:
    """Every counted enrollment: id → ((track, cohort), client id, status)."""
    return {
        pk: ((track_id, cohort_id), client_id, status)
        for pk, track_id, cohort_id, client_id, status in Enrollment.objects.filter(
            status__in=COUNTED
        ).values_list("pk", "track_id", "cohort_id", "client_id", "status")
    }


def _funnel(tree: _Tree, max_weeks: int) -> tuple[dict, list]:
    weeks = range(1, max_weeks + 1)
    leaves: dict[Leaf, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    counted = Q(enrollment__status__in=COUNTED)
    for track_id, cohort_id, week, n in (
        ModuleRelease.objects.filter(counted)
        .values_list("enrollment__track_id", "enrollment__cohort_id", "module__week")
        .annotate(n=Count("enrollment", distinct=True))
    ):
        leaves[(track_id, cohort_id)][(week, "Week opened")] += n
    for track_id, cohort_id, week, n in (
        LessonProgress.objects.filter(counted, started_at__isnull=False)
        .values_list("enrollment__track_id", "enrollment__cohort_id", "lesson__module__week")
        .annotate(n=Count("enrollment", distinct=True))
    ):
        leaves[(track_id, cohort_id)][(week, "Started a lesson")] += n
    required = {
        (track_id, week): n
        for track_id, week, n in Lesson.objects.filter(
            required=True, retired_at__isnull=True, module__retired_at__isnull=True
        )
        .values_list("module__track_id", "module__week")
        .annotate(n=Count("pk"))
    }
    for track_id, cohort_id, week, n in (
        LessonProgress.objects.filter(
            counted,
            completed_at__isnull=False,
            lesson__required=True,
            lesson__retired_at__isnull=True,
            lesson__module__retired_at__isnull=True,
        )
        .values_list(
            "enrollment_id", "enrollment__track_id", "enrollment__cohort_id", "lesson__module__week"
        )
        .annotate(n=Count("lesson", distinct=True))
        .values_list("enrollment__track_id", "enrollment__cohort_id", "lesson__module__week", "n")
    ):
        if n >= required.get((track_id, week), 10**6):
            leaves[(track_id, cohort_id)][(week, "Finished the week")] += 1
    # The funnel's columns are nested: opened = started + opened only, started = finished +
    # started only, opened = finished + not finished. The differences are never shown, and
    # are protected when 1 to 4 (nobody is no one to protect), so "12 opened, 8 started"
    # cannot say that 4 opened without starting.
    for counts in leaves.values():
        for w in weeks:
            opened, started, finished = (
                counts[(w, c)] for c in ("Week opened", "Started a lesson", "Finished the week")
            )
            counts[(w, "opened only")] = opened - started
            counts[(w, "started only")] = started - finished
            counts[(w, "not finished")] = opened - finished
    positions = [
        (w, c)
        for w in weeks
        for c in (
            "Week opened", "Started a lesson", "Finished the week",
            "opened only", "started only", "not finished",
        )
    ]  # fmt: skip
    cells, _ = _count_table(
        tree,
        leaves,
        positions,
        row_totals=[
            ("Week opened", ["Started a lesson", "opened only"]),
            ("Started a lesson", ["Finished the week", "started only"]),
            ("Week opened", ["Finished the week", "not finished"]),
        ],
        unshown=("opened only", "started only", "not finished"),
    )
    return cells, [(w, f"Week {w}") for w in weeks]


def _activity_and_checkins(tree: _Tree, *, now: datetime) -> tuple[dict, dict]:
    """Active and inactive clients (the caseload's rule: quiet INACTIVE_DAYS days or more since
    the last sign-in, lesson or worksheet, or since enrolling), and the check-in rate: the share
    of the active clients' last CHECKIN_DAYS local days with an evening review."""
    cutoff = now - timedelta(days=INACTIVE_DAYS)
    # client → (enrollment, leaf, zone, recent)
    current: dict[int, tuple[int, Leaf, str, bool]] = {}
    for pk, track_id, cohort_id, client_id, zone, last_login, created_at in (
        Enrollment.objects.filter(status__in=CURRENT_STATUSES)
        .order_by("pk")
        .values_list(
            "pk",
            "track_id",
            "cohort_id",
            "client_id",
            "client__timezone",
            "client__last_login",
            "created_at",
        )
    ):
        recent = created_at >= cutoff or (last_login is not None and last_login >= cutoff)
        current[client_id] = (pk, (track_id, cohort_id), zone, recent)
    busy = set(
        LessonProgress.objects.filter(
            Q(started_at__gte=cutoff) | Q(completed_at__gte=cutoff) | Q(deferred_at__gte=cutoff),
            enrollment__status__in=CURRENT_STATUSES,
        )
        .values_list("enrollment__client_id", flat=True)
        .distinct()
    ) | set(
        WorksheetResponse.objects.filter(
            Q(updated_at__gte=cutoff) | Q(submitted_at__gte=cutoff),
            enrollment__status__in=CURRENT_STATUSES,
        )
        .values_list("enrollment__client_id", flat=True)
        .distinct()
    )
    activity: dict[Leaf, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    active_clients: dict[int, Leaf] = {}
    windows: dict[str, tuple[date, date]] = {}
    for client_id, (_pk, leaf, zone, recent) in current.items():
        if recent or client_id in busy:
            activity[leaf][("clients", "Active")] += 1
            active_clients[client_id] = leaf
            if zone not in windows:
                today = now.astimezone(ZoneInfo(zone)).date()
                windows[zone] = (today - timedelta(days=CHECKIN_DAYS - 1), today)
        else:
            activity[leaf][("clients", "Inactive")] += 1
        activity[leaf][("clients", "Total")] += 1
    activity_cells, _ = _count_table(
        tree,
        activity,
        [("clients", c) for c in ("Active", "Inactive", "Total")],
        row_totals=[("Total", ["Active", "Inactive"])],
    )
    # Evening reviews in each active client's own last 14 local days (one window per zone).
    reviews: dict[Leaf, int] = defaultdict(int)
    if windows:
        in_window = Q()
        for zone, (first, last) in windows.items():
            in_window |= Q(client__timezone=zone, day__range=(first, last))
        for client_id, n in (
            Checkin.objects.filter(
                in_window,
                evening_at__isnull=False,
                client__enrollments__status__in=CURRENT_STATUSES,
            )
            .values_list("client_id")
            .annotate(n=Count("pk", distinct=True))
        ):
            if client_id in active_clients:
                reviews[active_clients[client_id]] += n
    # The active clients are the activity table's own cell, hidden with it: shown here while
    # hidden there, they would give its inactive figure away through the total.
    people_cells: dict[Node, dict[tuple, Cell]] = {
        node: {("checkins", "Active clients"): cells[("clients", "Active")]}
        for node, cells in activity_cells.items()
    }
    days: dict[Node, int] = defaultdict(int)
    for leaf, n in reviews.items():
        for node in (tree.leaf(leaf), ("track", leaf[0]), ALL):
            days[node] += n
    for node, cells in people_cells.items():
        active = cells[("checkins", "Active clients")]
        rate = None
        if not active.hidden and active.value:
            rate = Decimal(days[node]) / Decimal(int(active.value) * CHECKIN_DAYS)
        cells[("checkins", "Evening reviews")] = Cell(
            None if active.hidden else days[node], "count"
        )
        cells[("checkins", "Check-in rate")] = Cell(rate, "rate")
    return activity_cells, people_cells


def _hours_mondays(now: datetime) -> list[date]:
    """The hours table's weeks, oldest first: the one holding `now` in UTC and those before it
    (each client's week is the same Monday to Sunday in their own zone)."""
    current = monday_of(now, ZoneInfo("UTC"))
    return [current - timedelta(weeks=n) for n in range(HOURS_WEEKS - 1, -1, -1)]


def _hours(tree: _Tree, *, now: datetime) -> tuple[dict, list]:
    """Per week: the clients counted (each once, under their newest enrollment running that
    week), their average program hours and the share who reached their track's weekly target.
    Three queries whatever the number of clients or weeks (the enrollments, then
    meetings.hours.weeks_minutes)."""
    mondays = _hours_mondays(now)
    # week → client → (leaf, target), the newest enrollment running that week winning
    running: dict[date, dict[int, tuple[Leaf, Decimal]]] = defaultdict(dict)
    zones: dict[int, str] = {}
    for (
        track_id, cohort_id, client_id, zone, cohort_start, own_start, weeks, paused_days, target,
    ) in (
        Enrollment.objects.filter(status__in=HOURS_STATUSES)
        .order_by("pk")
        .values_list(
            "track_id", "cohort_id", "client_id", "client__timezone", "cohort__start_date",
            "start_date", "track__weeks", "paused_days", "track__weekly_hours_target",
        )
    ):  # fmt: skip
        anchor = cohort_start if cohort_id is not None else own_start
        for monday in mondays:
            if in_program(anchor=anchor, weeks=weeks, paused_days=paused_days, monday=monday):
                running[monday][client_id] = ((track_id, cohort_id), target)
                zones[client_id] = zone
    minutes = weeks_minutes(zones=zones, mondays=mondays)
    leaves: dict[Leaf, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[tuple[Node, date], int] = defaultdict(int)
    for monday, in_week in running.items():
        for client_id, (leaf, target) in in_week.items():
            total = minutes[client_id][monday].total
            leaves[leaf][(monday, "Clients")] += 1
            leaves[leaf][(monday, "Reached" if total >= target * 60 else "Not reached")] += 1
            for node in (tree.leaf(leaf), ("track", leaf[0]), ALL):
                totals[(node, monday)] += total
    positions = [(m, c) for m in mondays for c in ("Clients", "Reached", "Not reached")]
    cells, _ = _count_table(
        tree, leaves, positions, row_totals=[("Clients", ["Reached", "Not reached"])]
    )
    for node, node_cells in cells.items():
        for monday in mondays:
            people, reached, missed = (
                node_cells.pop((monday, c)) for c in ("Clients", "Reached", "Not reached")
            )
            average = share = None
            if not people.hidden:
                count = int(people.value or 0)
                average = hours_of(totals[(node, monday)] / count) if count else None
                if not (reached.hidden or missed.hidden) and count:
                    share = Decimal(int(reached.value or 0)) / Decimal(count)
            node_cells[(monday, "Clients")] = people
            node_cells[(monday, "Average hours")] = Cell(average, "hours")
            node_cells[(monday, "Reached the target")] = Cell(share, "rate")
    current = mondays[-1]
    return cells, [
        (m, f"Week of {m:%b} {m.day}, {m.year}" + (" (so far)" if m == current else ""))
        for m in mondays
    ]


def _month_starts(now: datetime) -> list[date]:
    first = now.date().replace(day=1)
    months = []
    for _ in range(MONTHS):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _months(tree: _Tree, enrollments: dict, *, now: datetime) -> tuple[dict, list]:
    """Enrollments made and withdrawals (from the audit trail's status changes) per calendar
    month (UTC), the last MONTHS months."""
    starts = _month_starts(now)
    since = datetime(starts[0].year, starts[0].month, 1, tzinfo=now.tzinfo)
    leaves: dict[Leaf, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for track_id, cohort_id, created in Enrollment.objects.filter(
        status__in=COUNTED, created_at__gte=since
    ).values_list("track_id", "cohort_id", "created_at"):
        leaves[(track_id, cohort_id)][(created.date().replace(day=1), "Enrollments")] += 1
    for target_id, at in AuditEvent.objects.filter(
        action="enrollment.status_changed", metadata__to=EnrollmentStatus.WITHDRAWN,
        occurred_at__gte=since,
    ).values_list("target_id", "occurred_at"):  # fmt: skip
        found = enrollments.get(int(target_id)) if target_id.isdigit() else None
        if found is not None:
            leaves[found[0]][(at.date().replace(day=1), "Withdrawals")] += 1
    positions = [(m, c) for m in starts for c in ("Enrollments", "Withdrawals")]
    cells, _ = _count_table(tree, leaves, positions)
    return cells, [(m, f"{m:%b %Y}") for m in starts]


def _money(tree: _Tree) -> tuple[dict, list[str]]:
    """Net revenue received (payments less refunds) and what clients still owe on their plans,
    per currency; each amount shown only with the count of clients behind it."""
    paying: dict[Leaf, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    revenue: dict[tuple[Leaf, str], Decimal] = defaultdict(Decimal)
    for track_id, cohort_id, currency, net in (
        Payment.objects.values_list(
            "account__enrollment__track_id", "account__enrollment__cohort_id", "currency"
        )
        .annotate(net=Sum("amount") - Sum("refunded_amount"))
        .values_list(
            "account__enrollment__track_id",
            "account__enrollment__cohort_id",
            "currency",
            "net",
        )
    ):
        leaf: Leaf = (track_id, cohort_id)
        revenue[(leaf, currency)] += net
    for track_id, cohort_id, currency, n in Payment.objects.values_list(
        "account__enrollment__track_id", "account__enrollment__cohort_id", "currency"
    ).annotate(n=Count("account", distinct=True)):
        paying[(track_id, cohort_id)][(currency, "Paying clients")] += n
    owing: dict[tuple[Leaf, str], Decimal] = defaultdict(Decimal)
    for track_id, cohort_id, currency, amount, installments, paid in BillingAccount.objects.filter(
        state__in=OWING_STATES
    ).values_list(
        "enrollment__track_id",
        "enrollment__cohort_id",
        "plan__currency",
        "plan__amount",
        "plan__installments",
        "paid_installments",
    ):
        left = max(installments - paid, 0)
        if left:
            leaf = (track_id, cohort_id)
            paying[leaf][(currency, "Clients owing")] += 1
            owing[(leaf, currency)] += amount * left
    currencies = sorted({pos[0] for cells in paying.values() for pos in cells})
    positions = [(c, col) for c in currencies for col in ("Paying clients", "Clients owing")]
    cells, _ = _count_table(tree, paying, positions)
    money: dict[tuple[Node, str], Decimal] = defaultdict(Decimal)
    for table, col in ((revenue, "Revenue"), (owing, "Outstanding")):
        for (leaf, currency), amount in table.items():
            for up in (tree.leaf(leaf), ("track", leaf[0]), ALL):
                money[(up, f"{currency}:{col}")] += amount
    for node, node_cells in cells.items():
        for currency in currencies:
            payers = node_cells[(currency, "Paying clients")]
            owers = node_cells[(currency, "Clients owing")]
            node_cells[(currency, "Revenue")] = Cell(
                None if payers.hidden else money[(node, f"{currency}:Revenue")], "money"
            )
            node_cells[(currency, "Outstanding")] = Cell(
                None if owers.hidden else money[(node, f"{currency}:Outstanding")], "money"
            )
    return cells, currencies


def _messages(tree: _Tree, enrollments: dict, *, now: datetime) -> tuple[dict, list]:
    """Messages to each group's clients in the last MESSAGE_DAYS days, by channel: sent, failed
    (failed or uncertain) and waiting (pending or sending); skipped ones are not counted."""
    newest: dict[int, Leaf] = {}
    for _pk, (leaf, client_id, _status) in sorted(enrollments.items()):
        newest[client_id] = leaf
    columns = {
        Delivery.SENT: "Sent",
        Delivery.FAILED: "Failed",
        Delivery.UNCERTAIN: "Failed",
        Delivery.PENDING: "Waiting",
        Delivery.SENDING: "Waiting",
    }
    leaves: dict[Leaf, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for user_id, channel, status, n in (
        Notification.objects.filter(
            created_at__gte=now - timedelta(days=MESSAGE_DAYS),
            user__isnull=False,
            status__in=list(columns),
        )
        .values_list("user_id", "channel", "status")
        .annotate(n=Count("pk"))
    ):
        leaf = newest.get(user_id)
        if leaf is not None:
            leaves[leaf][(channel, columns[status])] += n
    channels = [c for c in (Channel.EMAIL, Channel.SMS)]
    positions = [(c, col) for c in channels for col in ("Sent", "Failed", "Waiting")]
    cells, _ = _count_table(tree, leaves, positions)
    return cells, [(c.value, c.label) for c in channels]


def report_compute(*, now: datetime) -> Report:
    """Every table for every group (a fixed number of queries, whatever the number of cohorts)."""
    enrollments = _enrollment_leaves()
    rolling = Enrollment.objects.filter(cohort__isnull=True).values_list("track_id", flat=True)
    tree = _Tree(rolling=set(rolling.distinct()))
    track_weeks = {pk: weeks for pk, _title, weeks in tree.tracks}
    weeks: dict[Node, int] = {ALL: max(track_weeks.values(), default=0)}
    groups = [Group("all", "The whole program")]
    for pk, title, n in tree.tracks:
        weeks[("track", pk)] = n
        groups.append(Group(f"track-{pk}", f"Track: {title}", pk))
    for pk, name, track_id, start in tree.cohorts:
        weeks[("cohort", pk)] = track_weeks.get(track_id, 0)
        groups.append(Group(f"cohort-{pk}", f"Cohort: {name} (from {start:%b %-d, %Y})", track_id))
    report = Report(groups=groups, weeks=weeks)
    funnel, week_rows = _funnel(tree, weeks[ALL])
    activity, checkins = _activity_and_checkins(tree, now=now)
    hours, hour_rows = _hours(tree, now=now)
    months, month_rows = _months(tree, enrollments, now=now)
    money, currencies = _money(tree)
    messages, channel_rows = _messages(tree, enrollments, now=now)
    report.currencies = currencies
    report.figures = {
        "funnel": funnel,
        "activity": activity,
        "checkins": checkins,
        "hours": hours,
        "months": months,
        "money": money,
        "messages": messages,
    }
    report.layouts = {
        "funnel": (
            "Weekly completion",
            "Per week: clients with the week open, who started a lesson, who finished every "
            "required lesson.",
            ["Week", "Week opened", "Started a lesson", "Finished the week"],
            week_rows,
        ),
        "activity": (
            "Active and inactive clients",
            f"Current clients (active or paused); inactive means nothing for {INACTIVE_DAYS} "
            "days or more.",
            ["Clients", "Active", "Inactive", "Total"],
            [("clients", "Current clients")],
        ),
        "checkins": (
            "Check-in rate",
            f"Share of the active clients' last {CHECKIN_DAYS} days with an evening review.",
            ["Check-ins", "Active clients", "Evening reviews", "Check-in rate"],
            [("checkins", f"Last {CHECKIN_DAYS} days")],
        ),
        "hours": (
            "Program hours per week",
            f"The last {HOURS_WEEKS} weeks, each Monday to Sunday in the client's own zone: the "
            "clients in their program's weeks, their average hours (group and individual "
            "sessions attended, lessons completed) and the share who reached their track's "
            "weekly target (shown when 5 or more did and 5 or more did not).",
            ["Week", "Clients", "Average hours", "Reached the target"],
            hour_rows,
        ),
        "months": (
            "Enrollments and withdrawals",
            f"Per calendar month (UTC), the last {MONTHS} months.",
            ["Month", "Enrollments", "Withdrawals"],
            month_rows,
        ),
        "money": (
            "Revenue and outstanding balances",
            "Payments received less refunds, and what clients still owe on their plans.",
            ["Currency", "Paying clients", "Revenue", "Clients owing", "Outstanding"],
            [(c, c.upper()) for c in currencies],
        ),
        "messages": (
            "Message delivery",
            f"Messages to these clients in the last {MESSAGE_DAYS} days; failed includes "
            "uncertain.",
            ["Channel", "Sent", "Failed", "Waiting"],
            channel_rows,
        ),
    }
    return report


# --- The cache -----------------------------------------------------------------------------------

META = "ops:report:v2:meta"
# Audited writes that change what the report counts (enrollment.created, .status_changed, moves;
# billing.*; cohort edits; attendance recorded or corrected, for the hours): any action under
# these prefixes since the report was computed.
CHANGES = (
    r"^(enrollment\.|billing\.|payment\.|cohort\."
    r"|meetings\.attendance_(recorded|corrected))"
)


def _newest(model) -> Subquery:
    return Subquery(model.objects.order_by("-pk").values("pk")[:1])


def report_marks(*, since: datetime) -> tuple[tuple, bool]:
    """One query: the newest track, enrollment, payment, cohort and attendance ids (rows made
    without an audited service still show), and whether an audited change (CHANGES) happened
    after `since` (read through the audit trail's time index: only the events since then)."""
    row = (
        Program.objects.order_by()
        .annotate(
            track=_newest(Track),
            enrollment=_newest(Enrollment),
            payment=_newest(Payment),
            cohort=_newest(Cohort),
            attendance=_newest(Attendance),
            changed=Exists(AuditEvent.objects.filter(occurred_at__gt=since, action__regex=CHANGES)),
        )
        .values_list("track", "enrollment", "payment", "cohort", "attendance", "changed")[:1]
    )
    found = list(row)
    if not found:  # no program yet: nothing to count
        return (None, None, None, None, None), False
    *marks, changed = found[0]
    return tuple(marks), bool(changed)


def _refresh(*, now: datetime) -> tuple[str, Report]:
    marks, _ = report_marks(since=now)  # before computing: a change meanwhile shows next time
    report = report_compute(now=now)
    version = uuid.uuid4().hex
    cache.set(f"ops:report:v2:{version}", report, REPORT_TTL)
    cache.set(META, (version, now, marks), REPORT_TTL)
    return version, report


def report_version(*, now: datetime) -> str:
    """The id of a report that is current at `now`: the cached one if nothing it counts has
    changed since it was computed (one query), else a fresh one, computed and cached."""
    meta = cache.get(META)
    if meta is not None:
        version, computed_at, marks = meta
        current, changed = report_marks(since=computed_at)
        if current == marks and not changed:
            return version
    return _refresh(now=now)[0]


def report_key(version: str, *parts: str) -> str:
    return ":".join(("ops:report:v2", version, *parts))


def report_for(*, now: datetime, version: str | None = None) -> Report:
    """The current report, from the cache when nothing it counts has changed (REPORT_TTL at
    most)."""
    version = version or report_version(now=now)
    report = cache.get(report_key(version))
    if report is None:  # evicted meanwhile
        report = _refresh(now=now)[1]
    return report
