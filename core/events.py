"""Named domain events, dispatched explicitly.

A lower app announces what happened by publishing a small frozen dataclass it defines (for
example `accounts.events.TimezoneChanged`); a higher app that must react subscribes a handler to
that class by name, in one visible line of its `AppConfig.ready()`. The lower app never imports
the higher one. Dispatch is synchronous, in the publisher's transaction, in subscription order;
a handler that raises rolls the publisher's change back with it.
"""

from collections import defaultdict
from collections.abc import Callable

_handlers: dict[type, list[Callable]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable) -> None:
    """Call `handler(event)` for every published event of `event_type` (once per handler)."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event: object) -> None:
    """Hand `event` to every handler subscribed to its class, in order."""
    for handler in list(_handlers[type(event)]):
        handler(event)


def subscribers(event_type: type) -> list[Callable]:
    """The handlers subscribed to `event_type` (for tests and for reading the wiring)."""
    return list(_handlers[event_type])


def unsubscribe(event_type: type, handler: Callable) -> None:
    """Stop calling `handler` for `event_type` (a no-op if it was not subscribed)."""
    if handler in _handlers[event_type]:
        _handlers[event_type].remove(handler)
