"""The access-gate helper every app's `access_<thing>` function is built on.

A gate answers "the object, or 404": a missing object and a forbidden one look the same to the
caller (no existence leak), and every refusal is written to the audit trail.
"""

from typing import NoReturn, TypeVar

from django.db import models
from django.http import Http404

from audit.models import Action, Outcome
from audit.services import audit_record

M = TypeVar("M", bound=models.Model)


def deny(
    *, user, target_type: str, target_id="", subject=None, for_write: bool = False
) -> NoReturn:
    """Record a denied access and raise Http404."""
    audit_record(
        action=Action.ACCESS_DENIED,
        actor=user,
        subject=subject,
        target_type=target_type,
        target_id=target_id,
        outcome=Outcome.DENIED,
        metadata={"write": for_write},
    )
    raise Http404


def gate(visible: models.QuerySet[M], *, user, pk, target_type: str, for_write: bool = False) -> M:
    """The object with primary key `pk` from the user's `visible` queryset, or a denied 404.

    `visible` is the queryset twin of the app's rule (what this user may see); a malformed key is
    treated like a missing one.
    """
    try:
        obj = visible.get(pk=pk)
    except (visible.model.DoesNotExist, ValueError, TypeError):
        deny(user=user, target_type=target_type, target_id=str(pk)[:64], for_write=for_write)
    return obj
