"""Plans are managed here; money movements and the event ledger are read-only."""

import re

from django import forms
from django.contrib import admin

from .models import (
    BillingAccount,
    BillingStaffAction,
    BillingStateChange,
    CheckoutSession,
    Payment,
    Plan,
    StripeEvent,
)

CURRENCY_CODE = re.compile(r"\A[a-z]{3}\Z")
# What the people who bought a plan agreed to: fixed from the first purchase (the billing
# services read kind and installments for every later payment).
TERMS = ("track", "slug", "kind", "installments", "amount", "currency")


class PlanForm(forms.ModelForm):
    """The plan's rules (the model's constraints) as messages an administrator can act on."""

    class Meta:
        model = Plan
        fields = ("track", "slug", "kind", "installments", "amount", "currency", "is_active")

    def clean_currency(self):
        code = self.cleaned_data["currency"].strip().lower()
        if not CURRENCY_CODE.match(code):
            raise forms.ValidationError("Enter a three-letter currency code, such as usd.")
        return code

    def clean(self):
        super().clean()
        data = self.cleaned_data
        amount = data.get("amount")
        if "amount" in self.fields and amount is not None and amount <= 0:
            self.add_error("amount", "Enter an amount above zero.")
        kind, installments = data.get("kind"), data.get("installments")
        if kind == Plan.Kind.FULL and installments not in (None, 1):
            self.add_error("installments", "Pay in full is one payment: set installments to 1.")
        elif kind == Plan.Kind.INSTALLMENTS and installments is not None and installments < 2:
            self.add_error("installments", "Monthly installments need at least 2 payments.")
        return data


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """Once someone has bought a plan its terms are fixed: to sell other terms, add a plan and
    take this one off sale."""

    form = PlanForm
    list_display = ("slug", "track", "kind", "installments", "amount", "currency", "is_active")
    list_filter = ("track", "kind", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # A checkout records the terms it was opened with, so an open one fixes them too.
        if obj is not None and (obj.accounts.exists() or obj.checkout_sessions.exists()):
            return (*TERMS, "stripe_price_id")
        return ("stripe_price_id",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingAccount)
class BillingAccountAdmin(ReadOnly):
    list_display = ("id", "enrollment", "plan", "state", "paid_installments", "updated_at")
    list_filter = ("state", "plan")
    list_select_related = ("enrollment", "plan")


@admin.register(BillingStateChange)
class BillingStateChangeAdmin(ReadOnly):
    list_display = ("account", "from_state", "to_state", "reason", "created_at")


@admin.register(BillingStaffAction)
class BillingStaffActionAdmin(ReadOnly):
    list_display = ("account", "kind", "reason", "amount", "actor", "created_at")
    list_filter = ("kind", "reason")


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("id", "account", "amount", "currency", "refunded_amount", "status", "paid_at")


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(ReadOnly):
    list_display = (
        "id", "account", "plan", "mode", "amount", "currency", "status", "created_at",
        "fulfilled_at",
    )  # fmt: skip
    list_filter = ("status",)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnly):
    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    exclude = ("payload",)
