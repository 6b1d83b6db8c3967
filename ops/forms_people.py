"""The console's people forms: find people, add one by invitation, change an account, add a
clinician to a client's care team, add a supervisor. Name, time zone and phone are checked as
on the person's own profile page (accounts.forms.ProfileForm); the rules that need the person
making the change are the service's (ops.services.people), put back on their field."""

from typing import cast

from django import forms

from accounts.forms import ProfileForm
from accounts.models import User
from accounts.roles import Role
from accounts.services import EMAIL_TAKEN
from care.models import CareAssignment, Supervision
from care.services import ALREADY_SUPERVISED

from .forms import person_label
from .selectors.people import care_team_choices, supervisor_choices
from .services.people import OVERSIGHT_ADMINS_ONLY, AccountFields, PersonError

ACTIVE_CHOICES = [("", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")]
ALREADY_ON_TEAM = "This clinician is already on this client's care team."


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person_label(obj)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Email or name contains", max_length=254, required=False)
    role = forms.ChoiceField(
        label="Role", choices=[("", "Every role"), *Role.choices], required=False
    )
    active = forms.ChoiceField(label="Access", choices=ACTIVE_CHOICES, required=False)

    def filters(self) -> dict:
        data = self.cleaned_data
        active = {"active": True, "inactive": False}.get(data["active"])
        return {"query": data["q"].strip(), "role": data["role"], "active": active}


class _AccountLabels(ProfileForm):
    """The profile form's checks, with labels for an administrator rather than the person."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_name"].label = "Preferred name"
        self.fields["preferred_name"].help_text = "What the site calls them on screen."
        self.fields["timezone"].label = "Time zone"
        self.fields["timezone"].help_text = "Their weeks open and reminders arrive in this zone."
        if "phone" in self.fields:
            self.fields["phone"].label = "Mobile number (optional)"

    def refused(self, error: PersonError) -> None:
        """Put the service's refusal on the field it is about."""
        self.add_error(error.field if error.field in self.fields else None, str(error))


class PersonNewForm(_AccountLabels):
    field_order = ["email", "preferred_name", "role", "timezone"]

    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.CLIENT)
    phone = None  # type: ignore[assignment]  # removes the field: theirs to give

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_name"].required = True

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email


class PersonForm(_AccountLabels):
    field_order = ["role", "preferred_name", "timezone", "phone", "is_active"]

    role = forms.ChoiceField(label="Role", choices=Role.choices)
    is_active = forms.BooleanField(
        label="Active: can sign in",
        required=False,
        help_text="Untick to end their access: every session of theirs stops. Records are kept.",
    )
    clinical_oversight = forms.BooleanField(
        label="Clinical oversight",
        required=False,
        help_text=cast(str, User._meta.get_field("clinical_oversight").help_text),
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("clinical_oversight") and data.get("role") != Role.ADMIN:
            self.add_error("clinical_oversight", OVERSIGHT_ADMINS_ONLY)
        return data

    def fields_to_store(self) -> AccountFields:
        data = self.cleaned_data
        return AccountFields(
            role=data["role"],
            preferred_name=data["preferred_name"],
            timezone=data["timezone"],
            phone=data["phone"],
            is_active=data["is_active"],
            clinical_oversight=data["clinical_oversight"],
        )


def person_initial(person: User) -> dict:
    return {
        "role": person.role,
        "preferred_name": person.preferred_name,
        "timezone": person.timezone,
        "phone": person.phone,
        "is_active": person.is_active,
        "clinical_oversight": person.clinical_oversight,
    }


class CareTeamAddForm(forms.Form):
    clinician = PersonChoiceField(
        label="Clinician",
        queryset=User.objects.none(),
        error_messages={"invalid_choice": "Choose an active clinician or clinical supervisor."},
    )

    def __init__(self, *args, client: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        cast(PersonChoiceField, self.fields["clinician"]).queryset = care_team_choices()

    def clean_clinician(self) -> User:
        clinician = self.cleaned_data["clinician"]
        if CareAssignment.objects.filter(
            clinician=clinician, client=self.client, is_active=True
        ).exists():
            raise forms.ValidationError(ALREADY_ON_TEAM)
        return clinician


class SupervisorAddForm(forms.Form):
    supervisor = PersonChoiceField(
        label="Supervisor",
        queryset=User.objects.none(),
        error_messages={"invalid_choice": "Choose an active clinical supervisor."},
    )

    def __init__(self, *args, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        cast(PersonChoiceField, self.fields["supervisor"]).queryset = supervisor_choices(
            person=person
        )

    def clean_supervisor(self) -> User:
        supervisor = self.cleaned_data["supervisor"]
        if Supervision.objects.filter(
            supervisor=supervisor, clinician=self.person, is_active=True
        ).exists():
            raise forms.ValidationError(ALREADY_SUPERVISED)
        return supervisor
