"""Three weeks of the demo client's daily structure, so `make run` shows the trends page and the
record's Daily section: a DSAP in two versions, evening check-ins on most days (a few missed, one
filled in late), one lapse with its chain analysis, a handful of urges and practices. Written
straight to the tables at instants counted back from `now`, in the client's own days; nothing
is written when the client already has check-ins (seed_demo runs more than once)."""

import random
from datetime import datetime, time, timedelta

from accounts.models import User
from core.localtime import local_instant
from daily.days import local_today
from daily.models import (
    BottomLines,
    Checkin,
    Dsap,
    Lapse,
    Part,
    PracticeLog,
    Safe,
    UrgeLog,
)

DAYS = 21
MISSED = (17, 12, 6)  # days back with no check-in
LATE = 3  # filled in the next evening
LAPSE = 9

PLAN_V1 = {
    "bottom_lines": "No browsing alone after 10 pm.",
    "warning_signs": "Staying up late with my phone.\nSkipping dinner.",
    "anchors": "Walk after work\nLights out by 11",
}
PLAN_V2 = {
    "bottom_lines": "No browsing alone after 10 pm.\nNo dating apps.",
    "warning_signs": (
        "Staying up late with my phone.\nSkipping dinner.\nTelling myself I deserve it."
    ),
    "anchors": "Walk after work\nCall or text a friend\nLights out by 11",
}
INTENTIONS = [
    "Go gently today.",
    "Eat lunch away from my desk.",
    "Call my brother.",
    "Leave the phone in the kitchen tonight.",
    "Notice the Critical Parent and breathe.",
]
HELPED = [
    "A walk around the block.",
    "Texting Dan.",
    "Cooking dinner.",
    "Going to bed early.",
    "The breathing practice.",
    "",
]


def seed_demo_daily(*, client: User, now: datetime) -> None:
    """The demo client's last DAYS local days (see the module docstring)."""
    if Checkin.objects.filter(client=client).exists():
        return
    rng = random.Random(11)
    zone = client.timezone
    today = local_today(now=now, tz=zone)

    def at(days_back: int, hour: int, minute: int = 0) -> datetime:
        return local_instant(today - timedelta(days=days_back), time(hour, minute), zone)

    if not Dsap.objects.filter(client=client).exists():
        Dsap.objects.create(client=client, version=1, created_at=at(DAYS, 19), **PLAN_V1)
        Dsap.objects.create(client=client, version=2, created_at=at(10, 20), **PLAN_V2)
    parts = [Part.CRITICAL_PARENT, Part.INNER_CHILD, Part.TEENAGER, Part.WITNESS,
             Part.LOVING_PARENT]  # fmt: skip
    for back in range(DAYS, 0, -1):
        if back in MISSED:
            continue
        day = today - timedelta(days=back)
        anchors = (PLAN_V1 if back > 10 else PLAN_V2)["anchors"].splitlines()
        lapsed = back == LAPSE
        # Slowly steadier over the three weeks: mood drifts up, urges ease.
        mood = max(1, min(9, 4 + (DAYS - back) // 6 + rng.randint(-1, 1) - (2 if lapsed else 0)))
        urge = max(0, min(10, 7 - (DAYS - back) // 5 + rng.randint(-1, 1) + (2 if lapsed else 0)))
        evening = at(back - 1, 8, 30) if back == LATE else at(back, 21, rng.randint(0, 45))
        checkin = Checkin.objects.create(
            client=client,
            day=day,
            late=back == LATE,
            intention=rng.choice(INTENTIONS) if back != LATE else "",
            morning_at=at(back, 7, rng.randint(0, 50)) if back != LATE else None,
            anchors_offered=anchors,
            anchors_done=[a for a in anchors if rng.random() < 0.7],
            mood=mood,
            urge=urge,
            loudest_part=Part.TEENAGER if lapsed else parts[rng.randint(0, 4)],
            bottom_lines=BottomLines.LAPSED if lapsed else BottomLines.HELD,
            helped="" if lapsed else rng.choice(HELPED),
            safe=Safe.YES,
            evening_at=evening,
            created_at=evening if back == LATE else at(back, 7),
            updated_at=evening,
        )
        if lapsed:
            Lapse.objects.create(
                client=client,
                day=day,
                checkin=checkin,
                situation="Home alone after a long week; plans with a friend fell through.",
                body="Restless, tight in the chest, couldn't sit still.",
                thought="Nobody would know, and I've earned a break.",
                part=Part.TEENAGER,
                stage=Lapse.Stage.ESCAPE,
                needed="Company and rest, not a screen.",
                next_time="Text Dan as soon as plans change, and go for a walk first.",
                created_at=evening,
                updated_at=evening + timedelta(minutes=12),
                completed_at=evening + timedelta(minutes=12),
            )
    for back, hour, intensity, where, did in (
        (19, 22, 8, UrgeLog.Where.CHEST, UrgeLog.Did.WAITED),
        (14, 23, 7, UrgeLog.Where.STOMACH, UrgeLog.Did.BREATHED),
        (LAPSE, 22, 9, UrgeLog.Where.WHOLE, UrgeLog.Did.ACTED),
        (5, 21, 5, UrgeLog.Where.CHEST, UrgeLog.Did.REACHED_OUT),
        (2, 22, 4, UrgeLog.Where.HEAD, UrgeLog.Did.MOVED),
    ):
        UrgeLog.objects.create(
            client=client, at=at(back, hour), day=today - timedelta(days=back),
            intensity=intensity, where=where, did=did,
        )  # fmt: skip
    for back, practice, before, after in (
        (18, PracticeLog.Practice.BREATHING, 7, 5),
        (14, PracticeLog.Practice.BREATHING, 8, 5),
        (11, PracticeLog.Practice.GROUNDING, 6, 4),
        (8, PracticeLog.Practice.LOVING_PARENT, 7, 4),
        (4, PracticeLog.Practice.BREATHING, 6, 3),
        (2, PracticeLog.Practice.MOVEMENT, 5, 2),
    ):
        PracticeLog.objects.create(
            client=client, at=at(back, 20), day=today - timedelta(days=back),
            practice=practice, suds_before=before, suds_after=after,
        )  # fmt: skip
