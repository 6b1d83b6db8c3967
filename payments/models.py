"""Billing: plans, checkout sessions, the webhook event ledger, and each enrollment's billing
state with its log. Money is Decimal plus a currency; minor units exist only at the Stripe
boundary (payments/stripe_client.py)."""

import secrets

from django.db import models
from django.utils import timezone


def new_reference() -> str:
    """An opaque reference for Stripe's client_reference_id (L-5): no ids, no names."""
    return "ehab_" + secrets.token_urlsafe(18)


class Plan(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", "Pay in full"
        INSTALLMENTS = "installments", "Monthly installments"

    track = models.ForeignKey("courses.Track", on_delete=models.PROTECT, related_name="plans")
    slug = models.SlugField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    installments = models.PositiveSmallIntegerField(default=1)
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per payment.")
    currency = models.CharField(max_length=3, default="usd")
    stripe_price_id = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_plan_amount"),
            models.CheckConstraint(
                condition=models.Q(kind="full", installments=1)
                | models.Q(kind="installments", installments__gt=1),
                name="payments_plan_installments",
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def total(self):
        """What the whole plan costs: the amount per payment times the payments (exact)."""
        return self.amount * self.installments


class BillingState(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PAID_IN_FULL = "paid_in_full", "Paid in full"
    INSTALLMENTS_CURRENT = "installments_current", "Installments current"
    PAST_DUE = "past_due", "Past due (grace period)"
    CONTENT_PAUSED = "content_paused", "New content paused"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    DISPUTED = "disputed", "Disputed"


class BillingAccount(models.Model):
    """One per enrollment: its plan, Stripe references and billing state."""

    enrollment = models.OneToOneField(
        "courses.Enrollment", on_delete=models.PROTECT, related_name="billing"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="accounts")
    state = models.CharField(
        max_length=24, choices=BillingState.choices, default=BillingState.AWAITING_PAYMENT
    )
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    paid_installments = models.PositiveSmallIntegerField(default=0)
    past_due_since = models.DateTimeField(null=True, blank=True)
    subscription_end_pending = models.BooleanField(
        default=False, help_text="The last installment is paid; the subscription must end."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "past_due_since"])]

    def __str__(self) -> str:
        return f"Billing #{self.pk}"

    @property
    def new_content_paused(self) -> bool:
        return self.state == BillingState.CONTENT_PAUSED


class BillingStateChange(models.Model):
    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="changes")
    from_state = models.CharField(max_length=24, choices=BillingState.choices)
    to_state = models.CharField(max_length=24, choices=BillingState.choices)
    reason = models.CharField(max_length=64)
    stripe_event_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class CheckoutSession(models.Model):
    """One attempt to pay, and what it is for: the plan, the mode and the amount due at checkout
    are recorded when the session is created and never change, so fulfilment grants what this
    session bought, whatever the account has been pointed at since
    (docs/decisions/0009-a-payment-grants-what-it-bought.md)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Payment failed"
        EXPIRED = "expired", "Expired"
        UNMATCHED = "unmatched", "Paid, nothing granted (billing staff decide)"

    class Mode(models.TextChoices):
        PAYMENT = "payment", "One payment"
        SUBSCRIPTION = "subscription", "Monthly subscription"

    account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="checkout_sessions"
    )
    reference = models.CharField(max_length=40, unique=True, default=new_reference)
    stripe_session_id = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="checkout_sessions")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, help_text="Due at checkout: the plan's per-payment amount."
    )
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payments_checkout_amount"
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=["payment", "subscription"]),
                name="payments_checkout_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"Checkout #{self.pk}"

    def save(self, *args, **kwargs):
        # A session created without its terms (fixtures, the benchmark's seed) is for the plan
        # its account is on at that moment; the terms are never filled in or changed later.
        if self._state.adding and self.plan_id is None and self.account_id is not None:
            for name, value in self.terms_of(self.account.plan).items():
                setattr(self, name, value)
        super().save(*args, **kwargs)

    @staticmethod
    def terms_of(plan: Plan) -> dict:
        """What a checkout for `plan` is for, as recorded on the session."""
        mode = "payment" if plan.kind == Plan.Kind.FULL else "subscription"
        return {
            "plan": plan,
            "mode": mode,
            "amount": plan.amount,
            "currency": plan.currency.lower(),
        }


class StripeEvent(models.Model):
    """The webhook ledger: each Stripe event stored once, by its id, then processed once; its
    payload minimised and the row kept for a retention period (payments/ledger.py)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (no effect)"
        FAILED = "failed", "Failed (will retry)"

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    api_version = models.CharField(max_length=40, blank=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField(
        help_text="Only what processing reads, nothing personal (payments/ledger.py)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Payment(models.Model):
    """Money received: a one-time payment or one paid installment invoice."""

    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Disputed"

    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="payments")
    checkout = models.ForeignKey(
        CheckoutSession,
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        help_text="The checkout this money paid for (none for an offline payment).",
    )
    stripe_invoice_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="usd")
    refunded_amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PAID)
    paid_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["paid_at", "id"]

    def __str__(self) -> str:
        return f"Payment #{self.pk}"


class BillingStaffAction(models.Model):
    """What billing staff did by hand (a refund asked of Stripe, a waived installment, an
    offline payment), with their reason code and their own words. The words stay here, on the
    billing record, where billing staff read them; the append-only audit trail gets only the
    code and this row's id (no content in the audit trail)."""

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund requested"
        WAIVE = "waive", "Installment waived"
        OFFLINE = "offline", "Offline payment recorded"

    class Reason(models.TextChoices):
        DUPLICATE = "duplicate", "Charged twice"
        ERROR = "error", "Charged in error"
        LEFT_PROGRAM = "left_program", "Left the program"
        HARDSHIP = "hardship", "Financial hardship"
        GOODWILL = "goodwill", "Goodwill"
        CHECK = "check", "Paid by check"
        BANK_TRANSFER = "bank_transfer", "Paid by bank transfer"
        OTHER = "other", "Other (say what in the note)"

    # The reasons each action offers, in the order the form lists them.
    REASONS = {
        Kind.REFUND: (
            Reason.DUPLICATE, Reason.ERROR, Reason.LEFT_PROGRAM, Reason.HARDSHIP,
            Reason.GOODWILL, Reason.OTHER,
        ),
        Kind.WAIVE: (Reason.HARDSHIP, Reason.GOODWILL, Reason.ERROR, Reason.OTHER),
        Kind.OFFLINE: (Reason.CHECK, Reason.BANK_TRANSFER, Reason.OTHER),
    }  # fmt: skip

    account = models.ForeignKey(
        BillingAccount, on_delete=models.PROTECT, related_name="staff_actions"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="staff_actions", null=True, blank=True
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(
        max_length=200, blank=True, help_text="The staff member's words; never in the audit trail."
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.reason})"
