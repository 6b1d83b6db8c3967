"""Plans are managed here; money movements and the event ledger are read-only."""

from django.contrib import admin

from .models import BillingAccount, BillingStateChange, CheckoutSession, Payment, Plan, StripeEvent


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("slug", "track", "kind", "installments", "amount", "currency", "is_active")
    list_filter = ("track", "kind", "is_active")
    readonly_fields = ("stripe_price_id",)

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("id", "account", "amount", "currency", "refunded_amount", "status", "paid_at")


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(ReadOnly):
    list_display = ("id", "account", "status", "created_at", "fulfilled_at")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnly):
    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    exclude = ("payload",)
