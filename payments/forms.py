"""The billing forms: the agreements a client accepts before paying, and the billing staff's
actions (a refund, an offline payment, a waived installment). Amounts are exact to the cent
(payments/money.py); nothing is rounded."""

import secrets
from typing import cast

from django import forms

from .agreements import AGREEMENT_VERSION, SLUGS, Agreement
from .models import BillingStaffAction, Payment
from .money import MoneyError, money_exact


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
