"""The access-gate helper every app's `access_<thing>` function is built on.

A gate answers "the object, or 404": a missing object and a forbidden one look the same to the
caller (no existence leak), and every refusal is written to the audit trail (counted per user and
minute, see audit.services.audit_denied_access).
"""

from typing import NoReturn, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404
from django.utils import timezone

from audit.services import audit_denied_access

M = TypeVar("M", bound=models.Model)


def deny(
    *, user, target_type: str, target_id="", subject=None, for_write: bool = False
) -> NoReturn:
    """Record a denied access (counted per user and minute) and raise Http404.

    Gates run at the view boundary, so this is where the clock is read.
    """
    audit_denied_access(
        actor=user,
        subject=subject,
        target_type=target_type,
        target_id=target_id,
        metadata={"write": for_write},
        now=timezone.now(),
    )
    raise Http404


def gate(visible: models.QuerySet[M], *, user, pk, target_type: str, for_write: bool = False) -> M:
    """The object with primary key `pk` from the user's `visible` queryset, or a denied 404.

    `visible` is the queryset twin of the app's rule (what this user may see); a malformed key is
    treated like a missing one.
    """
    try:
        obj = visible.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        deny(user=user, target_type=target_type, target_id=str(pk)[:64], for_write=for_write)
    return obj
