"""Plans, through the billing console's form and services; money movements and the event ledger
read-only."""

from django.contrib import admin

from .forms import PlanForm
from .models import (
    BillingAccount,
    BillingStaffAction,
    BillingStateChange,
    CheckoutSession,
    Payment,
    Plan,
    StripeEvent,
)
from .services.plans import TERMS, plan_create, plan_in_use, plan_update


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    """The billing console's plans (/billing/plans/) are where plans are run day to day; here
    they are saved through the same form and services. Once someone has bought a plan its terms
    are fixed: to sell other terms, add a plan and take this one off sale."""

    form = PlanForm
    list_display = ("slug", "track", "kind", "installments", "amount", "currency", "is_active")
    list_filter = ("track", "kind", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # A checkout records the terms it was opened with, so an open one fixes them too.
        if obj is not None and plan_in_use(obj):
            return (*TERMS, "stripe_price_id")
        return ("stripe_price_id",)

    def save_model(self, request, obj, form, change):
        if change:
            saved = plan_update(plan=obj, fields=form.plan_fields, acting_user=request.user)
        else:
            saved = plan_create(fields=form.plan_fields, acting_user=request.user)
        # The admin goes on with the object it was given (its message, its redirect).
        obj.pk, obj.stripe_price_id = saved.pk, saved.stripe_price_id


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
