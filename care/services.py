"""Writes to care records: care assignments, clinical supervision, the care team's progress
notes, risk flags, and the client's safety plan."""

import logging
from collections.abc import Mapping
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from accounts.models import User
from accounts.roles import Capability, Role, is_client_role, role_can
from audit.models import Action
from audit.services import audit_record
from core.localtime import add_business_hours
from courses.events import WorksheetSubmitted
from courses.models import (
    Enrollment,
    EnrollmentStatus,
    Module,
    PacingAction,
    PacingKind,
    PacingReason,
)
from courses.services.pacing import pacing_hold, pacing_lift_hold
from courses.worksheets import SAFETY_PLAN, SAFETY_PLAN_SECTION_MAX
from daily.events import CheckinUnsafe
from measures.events import RiskAnswered
from notifications.models import Kind
from notifications.services import OutboxItem, outbox_enqueue

from .models import (
    SAFETY_PLAN_SECTIONS,
    CareAssignment,
    Diagnosis,
    ProgressNote,
    RiskFlag,
    SafetyPlan,
    Supervision,
)


@transaction.atomic
def care_assignment_create(*, clinician, client, acting_user) -> CareAssignment:
    """Assign a client to a clinician (idempotent while one is active); audited."""
    if not role_can(clinician.role, Capability.CASELOAD):
        raise ValueError("Only clinicians and supervisors hold a caseload.")
    if not is_client_role(client.role):
        raise ValueError("Only clients and partners can be assigned to a clinician.")
    assignment, created = CareAssignment.objects.get_or_create(
        clinician=clinician, client=client, is_active=True
    )
    if created:
        audit_record(
            action="care.assignment_created",
            actor=acting_user,
            subject=client,
            target=assignment,
        )
    return assignment


@transaction.atomic
def care_assignment_end(
    *, assignment: CareAssignment, acting_user, now: datetime
) -> CareAssignment:
    """End an active assignment at `now` (the clinician no longer follows the client); audited.
    Locks the row; ending an assignment that has already ended changes nothing. An ended
    assignment is history and is never reopened: assign the pair again instead."""
    locked = CareAssignment.objects.select_for_update().get(pk=assignment.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.ended_at = now
    locked.save(update_fields=["is_active", "ended_at"])
    audit_record(
        action="care.assignment_ended",
        actor=acting_user,
        subject=locked.client,
        target=locked,
    )
    return locked


# --- Clinical supervision: while active, the supervisor follows the clinician's caseload
# (care.selectors.supervisions_of). Ended supervisions are kept, inactive with their end time.

NOT_A_SUPERVISOR = "Choose an active clinical supervisor."
NOT_SUPERVISABLE = "Only an active clinician or clinical supervisor can be supervised."
SELF_SUPERVISION = "Nobody supervises themselves: choose someone else."
ALREADY_SUPERVISED = "This supervisor already supervises this person."


class SupervisionError(ValueError):
    """The supervision cannot start: the wrong people, or it exists already."""


@transaction.atomic
def supervision_start(
    *, supervisor: User, clinician: User, acting_user: User | None, now: datetime
) -> Supervision:
    """`supervisor` (an active person who may supervise) starts overseeing `clinician` (an
    active person holding a caseload) at `now`; audited. Raises SupervisionError for oneself,
    the wrong roles, or a pair already active (also when two start it at once)."""
    if supervisor.pk == clinician.pk:
        raise SupervisionError(SELF_SUPERVISION)
    if not (supervisor.is_active and role_can(supervisor.role, Capability.SUPERVISE)):
        raise SupervisionError(NOT_A_SUPERVISOR)
    if not (clinician.is_active and role_can(clinician.role, Capability.CASELOAD)):
        raise SupervisionError(NOT_SUPERVISABLE)
    try:
        with transaction.atomic():
            supervision = Supervision.objects.create(
                supervisor=supervisor, clinician=clinician, started_at=now
            )
    except IntegrityError:  # care_one_active_supervision_per_pair
        raise SupervisionError(ALREADY_SUPERVISED) from None
    audit_record(
        action=Action.SUPERVISION_STARTED,
        actor=acting_user,
        subject=clinician,
        target=supervision,
        metadata={"supervisor": supervisor.pk},
    )
    return supervision


@transaction.atomic
def supervision_end(
    *, supervision: Supervision, acting_user: User | None, now: datetime
) -> Supervision:
    """End an active supervision at `now` (the row kept, inactive); audited. Locks the row;
    ending one already ended changes nothing."""
    locked = Supervision.objects.select_for_update().get(pk=supervision.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.ended_at = now
    locked.save(update_fields=["is_active", "ended_at"])
    audit_record(
        action=Action.SUPERVISION_ENDED,
        actor=acting_user,
        subject=locked.clinician,
        target=locked,
        metadata={"supervisor": locked.supervisor_id},
    )
    return locked


# --- Progress notes (S-6): a draft until its author signs it; a signed note never changes, and an
# amendment is a new draft linked to it. The audit trail records who did what to which note, never
# the note's text (U-1).

MAX_NOTE_TEXT = 20_000
SIGNED_NOTE = "A signed note is never changed. Amend it instead."


class NoteError(ValueError):
    """The note change is not allowed: a signed note, someone else's draft, or bad content."""


def _checked(*, author: User, note_date: date, kind: str, text: str, now: datetime) -> str:
    """The note's text, stripped, once its date, kind and text are acceptable."""
    if kind not in ProgressNote.Kind.values:
        raise NoteError("Choose a kind of note.")
    if not isinstance(note_date, date) or isinstance(note_date, datetime):
        raise NoteError("Give the note a date.")
    if note_date > author.local_date(now):
        raise NoteError("A note cannot be dated in the future.")
    text = (text or "").strip()
    if not text:
        raise NoteError("Write the note before saving it.")
    if len(text) > MAX_NOTE_TEXT:
        raise NoteError(f"Keep the note under {MAX_NOTE_TEXT:,} characters.")
    if "\x00" in text:
        raise NoteError("The note has a character that cannot be stored.")
    return text


def _own_draft(note: ProgressNote, *, author: User) -> ProgressNote:
    """Lock the note and check that it is `author`'s own draft."""
    locked = ProgressNote.objects.select_for_update().select_related("client").get(pk=note.pk)
    if locked.status == ProgressNote.Status.SIGNED:
        raise NoteError(SIGNED_NOTE)
    if locked.author_id != author.pk:
        raise NoteError("Only the author of a draft can change or sign it.")
    return locked


def _audit_note(action: str, note: ProgressNote, *, author: User) -> None:
    audit_record(
        action=action,
        actor=author,
        subject=note.client,
        target=note,
        metadata={"kind": note.kind, "amends": note.amends_id},
    )


@transaction.atomic
def note_create(
    *, client: User, author: User, note_date: date, kind: str, text: str, now: datetime
) -> ProgressNote:
    """Start a progress note about `client` as a draft by `author`; audited without its text.
    Raises NoteError for a missing or future date, an unknown kind, or an empty or oversized
    text. The caller has checked that `author` is on the client's care team."""
    text = _checked(author=author, note_date=note_date, kind=kind, text=text, now=now)
    note = ProgressNote.objects.create(
        client=client,
        author=author,
        note_date=note_date,
        kind=kind,
        text=text,
        created_at=now,
        updated_at=now,
    )
    _audit_note(Action.NOTE_CREATED, note, author=author)
    return note


@transaction.atomic
def note_update_draft(
    *, note: ProgressNote, author: User, note_date: date, kind: str, text: str, now: datetime
) -> ProgressNote:
    """Change the date, kind and text of `author`'s own draft; audited without its text. Locks
    the note; raises NoteError for a signed note, someone else's draft, or bad content."""
    locked = _own_draft(note, author=author)
    text = _checked(author=author, note_date=note_date, kind=kind, text=text, now=now)
    locked.note_date, locked.kind, locked.text, locked.updated_at = note_date, kind, text, now
    locked.save(update_fields=["note_date", "kind", "text", "updated_at"])
    _audit_note(Action.NOTE_UPDATED, locked, author=author)
    return locked


@transaction.atomic
def note_sign(*, note: ProgressNote, author: User, now: datetime) -> ProgressNote:
    """Sign `author`'s own draft at `now`: from then on it is never edited or deleted. Locks the
    note; raises NoteError for a note already signed or someone else's draft; audited."""
    locked = _own_draft(note, author=author)
    locked.status, locked.signed_at, locked.updated_at = ProgressNote.Status.SIGNED, now, now
    locked.save(update_fields=["status", "signed_at", "updated_at"])
    _audit_note(Action.NOTE_SIGNED, locked, author=author)
    return locked


@transaction.atomic
def note_amend(*, note: ProgressNote, author: User, now: datetime) -> ProgressNote:
    """Start an amendment of a signed note: a new draft by `author`, linked to it, beginning
    as a copy of its date, kind and text for the author to correct and sign. The signed note
    itself never changes. Raises NoteError for a note that is not signed yet; audited."""
    original = ProgressNote.objects.select_related("client").get(pk=note.pk)
    if original.status != ProgressNote.Status.SIGNED:
        raise NoteError("Only a signed note is amended. A draft can still be edited.")
    amendment = ProgressNote.objects.create(
        client=original.client,
        author=author,
        note_date=original.note_date,
        kind=original.kind,
        text=original.text,
        amends=original,
        created_at=now,
        updated_at=now,
    )
    _audit_note(Action.NOTE_AMENDED, amendment, author=author)
    return amendment


# --- Risk flags (S-2, S-5): raised by a risk answer, the client's own "I'm not safe right now",
# the check-in's safety question or a clinician; the care team is alerted at once whatever the
# hour, weeks marked trauma-intense wait until the flag is resolved, and a flag nobody
# acknowledges in time escalates once. The trail records who did what, never anyone's words.

MAX_FLAG_NOTE = 2000
_FLAG_SLUG_SALT = "care.risk_flag"


class FlagError(ValueError):
    """The flag change is not allowed (a resolved flag, a missing reason, bad content)."""


def risk_flag_anchor(*, flag_id: int) -> str:
    """The element id of a flag on the flags page, for a message's link_anchor: an HMAC of the
    flag's id, so a link never carries an id (L-2)."""
    slug = salted_hmac(_FLAG_SLUG_SALT, str(flag_id), algorithm="sha256").hexdigest()[:16]
    return f"flag-{slug}"


def care_team_of(*, client: User) -> list[User]:
    """The clinicians with an active care assignment to `client`, active accounts only."""
    return [
        assignment.clinician
        for assignment in CareAssignment.objects.filter(
            client=client, is_active=True, clinician__is_active=True
        )
        .select_related("clinician")
        .order_by("pk")
    ]


def escalation_recipients(
    *, client: User, exclude: frozenset[int] | set[int] = frozenset()
) -> list[User]:
    """Who an unacknowledged flag escalates to: the active supervisors of the client's
    clinicians, then the active administrators marked for clinical oversight; each once, and
    never those in `exclude` (who had the first alert)."""
    clinicians = [c.pk for c in care_team_of(client=client)]
    supervisors = User.objects.filter(
        is_active=True,
        supervisions__clinician_id__in=clinicians,
        supervisions__is_active=True,
    )
    overseers = User.objects.filter(is_active=True, role=Role.ADMIN, clinical_oversight=True)
    found: dict[int, User] = {}
    for person in [*supervisors.order_by("pk"), *overseers.order_by("pk")]:
        if person.pk not in exclude:
            found.setdefault(person.pk, person)
    return list(found.values())


def _alert_items(flag: RiskFlag, people: list[User], kind: str) -> list[OutboxItem]:
    return [
        OutboxItem(
            person,
            kind,
            f"{kind}:{flag.pk}:{person.pk}",
            link_target="care:flags",
            link_anchor=risk_flag_anchor(flag_id=flag.pk),
        )
        for person in people
    ]


def _hold_trauma_weeks(*, client: User, now: datetime) -> int:
    """Hold every week marked trauma-intense that has not opened yet on the client's current
    programs (reason safety_review, placed by E-Hab itself); weeks already open stay open.
    Returns how many holds were placed."""
    placed = 0
    for enrollment in Enrollment.objects.filter(
        client=client, status__in=(EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED)
    ):
        released = set(enrollment.releases.values_list("module_id", flat=True))
        held = set(
            PacingAction.objects.filter(
                enrollment=enrollment, kind=PacingKind.HOLD, lifted_at__isnull=True
            ).values_list("module_id", flat=True)
        )
        for module in Module.objects.filter(
            track_id=enrollment.track_id, trauma_intense=True, retired_at__isnull=True
        ).order_by("week"):
            if module.pk in released or module.pk in held:
                continue
            pacing_hold(
                enrollment=enrollment,
                module=module,
                reason_code=PacingReason.SAFETY_REVIEW,
                author=None,
                now=now,
            )
            placed += 1
    return placed


def _lift_safety_holds(*, client: User, by: User, now: datetime) -> int:
    """Lift the safety-review holds on the client's programs (the weeks then open as their
    schedule says). Returns how many were lifted."""
    holds = PacingAction.objects.filter(
        enrollment__client=client,
        kind=PacingKind.HOLD,
        reason_code=PacingReason.SAFETY_REVIEW,
        lifted_at__isnull=True,
    ).select_related("enrollment", "module")
    lifted = 0
    for hold in holds:
        assert hold.module is not None  # a hold is always on a week
        pacing_lift_hold(
            enrollment=hold.enrollment,
            module=hold.module,
            reason_code=PacingReason.SAFETY_REVIEW,
            author=by,
            now=now,
        )
        lifted += 1
    return lifted


@transaction.atomic
def risk_flag_raise(
    *,
    client: User,
    source: str,
    now: datetime,
    raised_by: User | None = None,
    source_ref: str = "",
    note: str = "",
) -> RiskFlag:
    """Raise a risk flag about `client` at `now`, in one transaction: the flag, an urgent alert
    to each of the client's clinicians (at once, whatever the hour; straight to the escalation
    list when nobody is assigned), holds on the weeks marked trauma-intense that have not opened
    yet, and the audit row. The client's own "I'm not safe" raises one flag while it is open: a
    second tap returns that flag."""
    if source not in RiskFlag.Source.values:
        raise FlagError("Unknown source.")
    if not is_client_role(client.role):
        raise FlagError("Only a client can be the subject of a risk flag.")
    note = note.strip()
    if len(note) > MAX_FLAG_NOTE:
        raise FlagError(f"Keep the note under {MAX_FLAG_NOTE:,} characters.")
    if "\x00" in note:
        raise FlagError("The note has a character that cannot be stored.")
    User.objects.select_for_update().filter(pk=client.pk).first()  # one flag at a time per client
    if source == RiskFlag.Source.CLIENT:
        open_flag = (
            RiskFlag.objects.filter(client=client, source=source)
            .exclude(status=RiskFlag.Status.RESOLVED)
            .first()
        )
        if open_flag is not None:
            return open_flag
    escalate_at = add_business_hours(
        now,
        settings.EHAB_RISK_ESCALATION_BUSINESS_HOURS,
        tz=settings.EHAB_PRACTICE_TIMEZONE,
    )
    flag = RiskFlag.objects.create(
        client=client,
        source=source,
        source_ref=source_ref,
        raised_by=raised_by,
        note=note,
        raised_at=now,
        escalate_at=escalate_at,
    )
    audit_record(
        action=Action.RISK_FLAG_RAISED,
        actor=raised_by or client,
        subject=client,
        target=flag,
        metadata={"source": source},
    )
    team = care_team_of(client=client)
    if team:
        items = _alert_items(flag, team, Kind.RISK_ALERT)
    else:
        # Nobody to alert first: it escalates at once.
        flag.escalated_at = now
        flag.save(update_fields=["escalated_at"])
        items = _alert_items(flag, escalation_recipients(client=client), Kind.RISK_ESCALATION)
    outbox_enqueue(items, now=now)
    _hold_trauma_weeks(client=client, now=now)
    return flag


def risk_flag_from_answer(event: RiskAnswered) -> None:
    """measures announced a risk answer (PHQ-9 item 9 above 0): raise the flag in the same
    transaction (subscribed in CareConfig.ready())."""
    client = User.objects.get(pk=event.client_id)
    risk_flag_raise(
        client=client,
        source=RiskFlag.Source.MEASURE,
        source_ref=f"administration:{event.administration_id}",
        now=event.at,
    )


def risk_flag_from_checkin(event: CheckinUnsafe) -> None:
    """daily announced a "no" to the check-in's "Are you safe tonight?": raise the flag in the
    same transaction (subscribed in CareConfig.ready()). One open flag per check-in: a check-in
    whose flag is still open raises no second one."""
    source_ref = f"checkin:{event.checkin_id}"
    open_flag = (
        RiskFlag.objects.filter(source=RiskFlag.Source.CHECKIN, source_ref=source_ref)
        .exclude(status=RiskFlag.Status.RESOLVED)
        .exists()
    )
    if open_flag:
        return
    client = User.objects.get(pk=event.client_id)
    risk_flag_raise(
        client=client, source=RiskFlag.Source.CHECKIN, source_ref=source_ref, now=event.at
    )


def _locked_flag(flag: RiskFlag) -> RiskFlag:
    return RiskFlag.objects.select_for_update().select_related("client").get(pk=flag.pk)


@transaction.atomic
def risk_flag_acknowledge(*, flag: RiskFlag, by: User, now: datetime) -> RiskFlag:
    """`by` (a member of the care team) has seen the flag: it stops escalating. Acknowledging
    again changes nothing."""
    locked = _locked_flag(flag)
    if locked.status != RiskFlag.Status.RAISED:
        return locked
    locked.status = RiskFlag.Status.ACKNOWLEDGED
    locked.acknowledged_at, locked.acknowledged_by = now, by
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    audit_record(
        action=Action.RISK_FLAG_ACKNOWLEDGED, actor=by, subject=locked.client, target=locked
    )
    return locked


@transaction.atomic
def risk_flag_resolve(
    *, flag: RiskFlag, by: User, action: str, note: str, now: datetime
) -> RiskFlag:
    """Close the flag with the action taken (and, for "no action", the reason in `note`); it is
    acknowledged too if it was not. When the client has no other open flag, the safety-review
    holds are lifted and the weeks they kept closed open as their schedule says."""
    if action not in RiskFlag.ActionTaken.values:
        raise FlagError("Choose the action you took.")
    note = note.strip()
    if action == RiskFlag.ActionTaken.NO_ACTION and not note:
        raise FlagError("Say why no action was needed.")
    if len(note) > MAX_FLAG_NOTE:
        raise FlagError(f"Keep the note under {MAX_FLAG_NOTE:,} characters.")
    if "\x00" in note:
        raise FlagError("The note has a character that cannot be stored.")
    locked = _locked_flag(flag)
    if locked.status == RiskFlag.Status.RESOLVED:
        raise FlagError("This flag is already resolved.")
    if locked.acknowledged_at is None:
        locked.acknowledged_at, locked.acknowledged_by = now, by
    locked.status = RiskFlag.Status.RESOLVED
    locked.resolved_at, locked.resolved_by = now, by
    locked.action_taken, locked.action_note = action, note
    locked.save()
    audit_record(
        action=Action.RISK_FLAG_RESOLVED,
        actor=by,
        subject=locked.client,
        target=locked,
        metadata={"action": action},
    )
    still_open = (
        RiskFlag.objects.filter(client=locked.client)
        .exclude(status=RiskFlag.Status.RESOLVED)
        .exists()
    )
    if not still_open:
        _lift_safety_holds(client=locked.client, by=by, now=now)
    return locked


def risk_flags_escalate_due(*, now: datetime) -> int:
    """Escalate, once each, the flags nobody acknowledged by their deadline: an alert to the
    escalation list (supervisors, then administrators marked clinical). Returns how many flags
    escalated."""
    with transaction.atomic():
        due = list(
            RiskFlag.objects.select_for_update(skip_locked=True)
            .filter(status=RiskFlag.Status.RAISED, escalated_at__isnull=True, escalate_at__lte=now)
            .select_related("client")
            .order_by("escalate_at", "pk")
        )
        items: list[OutboxItem] = []
        for flag in due:
            flag.escalated_at = now
            flag.save(update_fields=["escalated_at"])
            audit_record(
                action=Action.RISK_FLAG_ESCALATED, actor=None, subject=flag.client, target=flag
            )
            first = {person.pk for person in care_team_of(client=flag.client)}
            items += _alert_items(
                flag,
                escalation_recipients(client=flag.client, exclude=first),
                Kind.RISK_ESCALATION,
            )
        outbox_enqueue(items, now=now)
    return len(due)


# --- The client's safety plan (S-4, decision 0014): written by the client, each save a new
# version (nothing they wrote is ever lost), the newest is the plan. Started from week 1's
# worksheet when they have none. The trail records who saved which version, never the words.

SAFETY_PLAN_KEYS = tuple(section.key for section in SAFETY_PLAN_SECTIONS)
_log = logging.getLogger(__name__)


class SafetyPlanError(ValueError):
    """The plan cannot be stored as given; `errors` maps each refused section to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def safety_plan_clean(sections: Mapping[str, object]) -> dict[str, str]:
    """Every section's text as it will be stored (surrounding spaces and blank lines trimmed,
    otherwise as typed; a missing section is empty), or SafetyPlanError naming every section
    refused: not text, too long, or holding a character that cannot be stored. Unknown keys
    are ignored."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key in SAFETY_PLAN_KEYS:
        value = sections.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = "Please type this part as text."
            continue
        if "\x00" in value:
            errors[key] = "This part has a character that cannot be stored."
            continue
        value = value.strip()
        if len(value) > SAFETY_PLAN_SECTION_MAX:
            errors[key] = (
                f"This part is {len(value):,} characters; the limit is "
                f"{SAFETY_PLAN_SECTION_MAX:,}. Nothing was lost: shorten it a little."
            )
            continue
        cleaned[key] = value
    if errors:
        raise SafetyPlanError(errors)
    return cleaned


@transaction.atomic
def safety_plan_save(
    *,
    client: User,
    sections: Mapping[str, object],
    now: datetime,
    source: str = SafetyPlan.Source.PAGE,
) -> SafetyPlan | None:
    """Save `client`'s safety plan as its next version at `now` and return it; audited (the
    version number, never the text). Saving the same text as the current version stores
    nothing and returns None. Raises SafetyPlanError, storing nothing, when a section is refused
    (see safety_plan_clean), or for someone who is not a client. Locks the client's row, so two
    saves at once make two versions, one after the other."""
    if not is_client_role(client.role):
        raise SafetyPlanError({"__all__": "Only a client has a safety plan."})
    if source not in SafetyPlan.Source.values:
        raise SafetyPlanError({"__all__": "Unknown source."})
    cleaned = safety_plan_clean(sections)
    User.objects.select_for_update().filter(pk=client.pk).first()  # one save at a time
    current = SafetyPlan.objects.filter(client=client).order_by("-version").first()
    if current is not None and current.sections() == cleaned:
        return None
    if current is None and not any(cleaned.values()):
        return None  # an empty plan is no plan: nothing to keep yet
    plan = SafetyPlan.objects.create(
        client=client,
        version=(current.version if current is not None else 0) + 1,
        source=source,
        created_at=now,
        **cleaned,
    )
    audit_record(
        action=Action.SAFETY_PLAN_SAVED,
        actor=client,
        subject=client,
        target=plan,
        metadata={"version": plan.version, "source": source},
    )
    return plan


def safety_plan_from_worksheet(event: WorksheetSubmitted) -> None:
    """courses announced a submitted worksheet: when it is one that starts the safety plan and
    the client has no plan yet, its answers become the plan's first version, in the same
    transaction (subscribed in CareConfig.ready()). A plan the client already wrote is never
    overwritten. A refused answer (possible only for content loaded before the plan's limits)
    leaves the worksheet stored and the plan unwritten, for the client to write on its page."""
    if event.fills != SAFETY_PLAN:
        return
    client = User.objects.select_for_update().get(pk=event.client_id)
    if SafetyPlan.objects.filter(client=client).exists():
        return
    try:
        with transaction.atomic():
            safety_plan_save(
                client=client,
                sections=event.sections,
                now=event.at,
                source=SafetyPlan.Source.WORKSHEET,
            )
    except SafetyPlanError as exc:
        _log.warning(
            "safety plan not started from worksheet %s: sections refused (%s)",
            event.response_id,
            ", ".join(sorted(exc.errors)),
        )


class DiagnosisError(ValueError):
    """The code is not one the practice configured."""


UNKNOWN_DIAGNOSIS = "Choose one of the practice's diagnosis codes."


def diagnosis_enter(*, client: User, code: str, by: User, now: datetime) -> Diagnosis:
    """Record the diagnosis code for `client`'s superbills, in force from `now` (a new row; the
    earlier ones stay as history). Audited without the code (U-1). DiagnosisError for a code
    the practice has not configured."""
    if code not in settings.EHAB_DIAGNOSIS_CODES:
        raise DiagnosisError(UNKNOWN_DIAGNOSIS)
    with transaction.atomic():
        diagnosis = Diagnosis.objects.create(
            client=client, code=code, entered_by=by, entered_at=now
        )
        audit_record(action=Action.DIAGNOSIS_ENTERED, actor=by, subject=client, target=diagnosis)
    return diagnosis
