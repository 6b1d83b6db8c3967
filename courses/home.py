"""The client's home gathers cards from the apps above courses without importing them: an app
registers a provider in its AppConfig.ready(), and the home asks each provider for its card.
A provider returns None when it has nothing to show (the usual case: it must cost at most a few
queries, since every visit to home asks it)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from accounts.models import User


@dataclass(frozen=True)
class HomePanel:
    """A card on the client's home: the template to include and the context it reads (as
    `panel`)."""

    template: str
    context: dict[str, object] = field(default_factory=dict)


HomePanelProvider = Callable[..., HomePanel | None]

_providers: list[HomePanelProvider] = []


def home_panel_register(provider: HomePanelProvider) -> None:
    """Add `provider(client=..., now=...)` to the home, once (registering twice is harmless)."""
    if provider not in _providers:
        _providers.append(provider)


def home_panels(*, client: User, now: datetime) -> list[HomePanel]:
    """The cards the registered providers have for `client` at `now`, in registration order."""
    panels = []
    for provider in _providers:
        panel = provider(client=client, now=now)
        if panel is not None:
            panels.append(panel)
    return panels
