"""What courses announces (core/events.py). A higher app reacts by subscribing in its
AppConfig.ready(); courses never imports it."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class WorksheetSubmitted:
    """A client submitted a new version of a worksheet, inside the transaction that stores it
    (a double submit, or one that changed nothing, announces nothing). `fills` is the lesson's
    marker (curriculum/FORMAT.md), "" for most worksheets; `sections` maps each section a prompt
    fills to its answer. care starts the client's safety plan from here (decision 0014)."""

    response_id: int
    client_id: int
    lesson_id: int
    version: int
    at: datetime  # when it was submitted
    fills: str = ""
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrollmentJoinedCohort:
    """An enrollment was placed in a cohort (made in it, or placed in it on payment), inside the
    transaction that stores it. ops subscribes: the cohort's clinicians follow the client (care
    assignments). `acting_user_id` is None when the system placed it."""

    enrollment_id: int
    client_id: int
    cohort_id: int
    acting_user_id: int | None
