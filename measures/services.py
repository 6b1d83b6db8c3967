"""Writes of outcome measures. Time is an input: callers pass `now`."""

from datetime import datetime

from django.db import transaction

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from core.events import publish

from .events import RiskAnswered
from .instruments import InstrumentSpec, reliable_change, score
from .models import Administration, Instrument


def instrument_spec(instrument: Instrument) -> InstrumentSpec:
    """The checked spec an Instrument row was loaded from."""
    return InstrumentSpec.from_data(instrument.definition)


@transaction.atomic
def administration_submit(
    *, client: User, instrument: Instrument, answers: dict[int, int], now: datetime
) -> Administration:
    """Store `client`'s answers to `instrument` as a new administration: scored (total and
    band), compared with the client's first administration of the same instrument (the
    baseline: change and reliable change), audited, and, when a risk item was answered above 0,
    announced as RiskAnswered in the same transaction. Answers that do not fit raise
    AnswersError and store nothing."""
    spec = instrument_spec(instrument)
    scored = score(spec, answers)
    baseline = (
        Administration.objects.filter(client=client, instrument=instrument, baseline=None)
        .order_by("submitted_at", "pk")
        .first()
    )
    change = None
    if baseline is not None:
        change = reliable_change(spec, earlier=baseline.total, later=scored.total)
    administration = Administration.objects.create(
        client=client,
        instrument=instrument,
        content_token=instrument.content_token,
        answers={str(number): value for number, value in sorted(answers.items())},
        total=scored.total,
        band=scored.band.key,
        risk_answered=bool(scored.risk_items),
        baseline=baseline,
        change=change.change if change else None,
        reliable_change_index=change.index if change else None,
        reliable_change=change.direction if change else "",
        submitted_at=now,
    )
    audit_record(
        action=Action.MEASURE_SUBMITTED,
        actor=client,
        subject=client,
        target=administration,
        metadata={"instrument": instrument.key},
    )
    if scored.risk_items:
        publish(
            RiskAnswered(
                administration_id=administration.pk,
                client_id=client.pk,
                instrument_key=instrument.key,
                items=scored.risk_items,
                at=now,
            )
        )
    return administration
