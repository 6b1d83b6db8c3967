"""The client's DSAP as they read it."""

from accounts.models import User

from ..models import Dsap


def current_dsap(*, client: User) -> Dsap | None:
    """The client's newest version, or None when they have not written one (1 query)."""
    return Dsap.objects.filter(client=client).order_by("-version").first()
