"""The attendance screen's form: for each client of the session, a status (radio buttons) and
the minutes attended (a number, blank for present: the whole session)."""

from django import forms

from accounts.models import User
from meetings.attendance_services import Mark
from meetings.models import Attendance, AttendanceStatus


class AttendanceForm(forms.Form):
    """One status and one minutes field per client (`status_<id>`, `minutes_<id>`), filled
    from their attendance when it is marked already."""

    def __init__(
        self,
        *args,
        clients: list[User],
        length: int,
        marked: dict[int, Attendance],
        **kwargs,
    ) -> None:
        initial: dict[str, object] = {}
        for client_id, row in marked.items():
            initial[f"status_{client_id}"] = row.status
            initial[f"minutes_{client_id}"] = row.minutes
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.clients = clients
        self.length = length
        for client in clients:
            self.fields[f"status_{client.pk}"] = forms.ChoiceField(
                label=client.preferred_name or client.email,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how they attended."},
            )
            self.fields[f"minutes_{client.pk}"] = forms.IntegerField(
                label="Minutes attended",
                required=False,
                min_value=0,
                max_value=length,
                error_messages={
                    "min_value": f"Minutes attended are 0 to {length}.",
                    "max_value": f"Minutes attended are 0 to {length}, the session's length.",
                },
            )

    def rows(self) -> list[tuple[User, forms.BoundField, forms.BoundField]]:
        """Each client with their status and minutes fields, in the page's order."""
        return [
            (client, self[f"status_{client.pk}"], self[f"minutes_{client.pk}"])
            for client in self.clients
        ]

    def marks(self) -> list[Mark]:
        """The marks to store (the form is valid)."""
        data = self.cleaned_data
        return [
            Mark(client.pk, data[f"status_{client.pk}"], data.get(f"minutes_{client.pk}"))
            for client in self.clients
        ]

    def add_service_errors(self, errors: dict[int | None, str]) -> None:
        """Show the service's refusals: a client's on their minutes field, the rest on top."""
        for client_id, message in errors.items():
            field = f"minutes_{client_id}" if client_id is not None else None
            self.add_error(field if field in self.fields else None, message)
