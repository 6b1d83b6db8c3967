"""The billing forms: the agreements a client accepts before paying, the billing staff's actions
(a refund, an offline payment, a waived installment) and plans (the billing console and the
Django admin share PlanForm). Amounts are exact to the cent (payments/money.py); nothing is
rounded."""

import dataclasses
import secrets
from typing import cast

from django import forms

from courses.models import Track

from .agreements import AGREEMENT_VERSION, SLUGS, Agreement
from .models import BillingStaffAction, Payment, Plan
from .money import MoneyError, money_exact
from .services.plans import TERMS, PlanError, PlanFields, plan_check


class AgreementsForm(forms.Form):
    """The agreements accepted on choosing a plan: every box must be ticked."""

    # One checkbox per AgreementAcceptance.Document, named after it.
    telehealth_consent = forms.BooleanField(
        label="I agree to receive care through telehealth, as described in the consent."
    )
    privacy_notice = forms.BooleanField(label="I have read the privacy notice.")
    crisis_disclaimer = forms.BooleanField(
        label="I understand E-Hab is not an emergency service: in a crisis I will call or text "
        "988, or call 911."
    )

    def agreements(self) -> list[tuple[forms.BoundField, Agreement]]:
        """Each checkbox with the document it accepts, at the version the acceptance records."""
        return [
            (self[document], Agreement(document=document, version=AGREEMENT_VERSION))
            for document in SLUGS
        ]


class MoneyField(forms.CharField):
    """An amount typed as text (`150.00`), cleaned to a Decimal in whole cents, at least 0.01
    and at most 100,000.00; anything else is a form error that says what to type."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(error_messages={"required": "Enter an amount like 150.00."}, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return money_exact(text)
        except MoneyError as exc:
            raise forms.ValidationError(str(exc), code="money") from None


class _ActionForm(forms.Form):
    """Each action gives a reason from a fixed list (the code goes into the audit trail) and,
    optionally, a note in the staff member's words (kept on the billing record only); the
    account it acts on is given by the view."""

    kind: BillingStaffAction.Kind
    reason = forms.ChoiceField(
        error_messages={
            "required": "Choose a reason.",
            "invalid_choice": "Choose a reason from the list.",
        }
    )
    note = forms.CharField(
        label="Note (kept on the billing record, never in the audit trail)",
        max_length=200,
        required=False,
        error_messages={
            "max_length": "Keep the note to 200 characters.",
            "null_characters_not_allowed": "The note has a character that cannot be stored.",
        },
    )

    def __init__(self, *args, account, **kwargs):
        self.account = account
        super().__init__(*args, **kwargs)
        codes = BillingStaffAction.REASONS[self.kind]
        reason = cast(forms.ChoiceField, self.fields["reason"])
        reason.choices = [("", "Choose…"), *((c.value, c.label) for c in codes)]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("reason") == BillingStaffAction.Reason.OTHER and not data.get("note"):
            self.add_error("note", "Say what the reason is.")
        return data


class _PaymentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Payment) -> str:
        return f"{obj.paid_at:%b} {obj.paid_at.day}: {obj.amount} {obj.currency.upper()}"


class RefundForm(_ActionForm):
    kind = BillingStaffAction.Kind.REFUND
    payment = _PaymentChoice(
        queryset=Payment.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose a payment to refund.",
            "invalid_choice": "Choose a payment to refund.",
        },
    )
    amount = MoneyField(label="Amount")
    # One key per rendered form, so a double click asks Stripe once (its idempotency key).
    form_key = forms.CharField(max_length=40, widget=forms.HiddenInput)
    field_order = ["payment", "amount", "reason", "note", "form_key"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["payment"]).queryset = self.account.payments.all()
        self.fields["form_key"].initial = secrets.token_urlsafe(12)

    def clean(self):
        data = super().clean()
        payment, amount = data.get("payment"), data.get("amount")
        if payment is not None and amount is not None:
            left = payment.amount - payment.refunded_amount
            if amount > left:
                self.add_error(
                    "amount", f"Refund between 0.01 and {left} {payment.currency.upper()}."
                )
        return data


class OfflinePaymentForm(_ActionForm):
    kind = BillingStaffAction.Kind.OFFLINE
    amount = MoneyField(label="Offline payment amount")
    field_order = ["amount", "reason", "note"]


class WaiveForm(_ActionForm):
    kind = BillingStaffAction.Kind.WAIVE


ACTION_FORMS: dict[str, type[_ActionForm]] = {
    "refund": RefundForm,
    "offline": OfflinePaymentForm,
    "waive": WaiveForm,
}


class PlanForm(forms.ModelForm):
    """A plan, in the billing console and the Django admin alike: the rules are
    payments.services.plans.plan_check's, shown next to the field they are about (never a
    database error). `fixed_terms` shows the terms of a plan someone has bought without letting
    them change (the admin makes them read-only instead). After is_valid, `plan_fields` holds
    what the plan services store."""

    amount = MoneyField(label="Amount per payment", help_text="Exact, like 1050.00.")
    installments = forms.IntegerField(
        label="Number of payments",
        initial=1,
        help_text="1 for pay in full; 2 or more for monthly installments.",
        error_messages={
            "required": "Enter the number of payments.",
            "invalid": "Enter a whole number.",
        },
    )
    currency = forms.CharField(max_length=10, initial="usd", help_text="usd")

    class Meta:
        model = Plan
        fields = ("track", "slug", "kind", "installments", "amount", "currency", "is_active")
        labels = {"is_active": "On sale (listed on the program page once sent to Stripe)"}
        help_texts = {"slug": "Lower-case letters, digits and hyphens; part of the plan's address."}

    plan_fields: PlanFields

    def __init__(self, *args, fixed_terms: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_terms = fixed_terms
        if "track" in self.fields:
            track = cast(forms.ModelChoiceField, self.fields["track"])
            track.queryset = Track.objects.order_by("title")
        if fixed_terms:
            for name in TERMS:
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data  # one message at a time: the field's own first
        values = {
            f.name: data[f.name] if f.name in self.fields else getattr(self.instance, f.name)
            for f in dataclasses.fields(PlanFields)
        }
        try:
            tidy = plan_check(
                fields=PlanFields(**values), plan=self.instance if self.instance.pk else None
            )
        except PlanError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc))
            return data
        for name in self.fields:
            data[name] = getattr(tidy, name)
        self.plan_fields = tidy
        return data
