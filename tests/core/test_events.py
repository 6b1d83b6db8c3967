"""Named domain events: explicit subscription, synchronous dispatch in order, and the wiring the
apps declare."""

from dataclasses import dataclass

from accounts.events import TimezoneChanged
from core import events
from courses.services.releases import enrollments_follow_timezone


@dataclass(frozen=True)
class Happened:
    what: str


def test_handlers_run_in_subscription_order_once_each(monkeypatch):
    monkeypatch.setattr(events, "_handlers", events.defaultdict(list))
    seen = []

    def first(event):
        seen.append(("first", event.what))

    def second(event):
        seen.append(("second", event.what))

    events.subscribe(Happened, first)
    events.subscribe(Happened, second)
    events.subscribe(Happened, first)  # a second subscription changes nothing
    events.publish(Happened("x"))
    events.publish(object())  # nobody listens: nothing happens
    assert seen == [("first", "x"), ("second", "x")]


def test_a_new_time_zone_reaches_the_course_schedule():
    assert events.subscribers(TimezoneChanged) == [enrollments_follow_timezone]
