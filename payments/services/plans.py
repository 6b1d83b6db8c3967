"""Plans (prices), as billing staff and administrators run them from the billing console, the
Django admin and `manage.py stripe_sync_plans`: create, edit, put on or take off sale, and send
to Stripe. Each write is audited (the plan's slug and what changed, never a person).

Rules (plan_check, run by the form first and again here under the row lock):
- an amount per payment in whole cents, from 0.01 to 100,000.00 (payments/money.py), in a
  currency the client's pages can show (CURRENCIES);
- pay in full is one payment; monthly installments are 2 to MAX_INSTALLMENTS payments;
- a slug of lower-case letters, digits and hyphens, unique whatever its case;
- once any billing account or checkout refers to the plan, its terms (TERMS) are fixed: the
  billing services read its kind and installments for every later payment, and each checkout
  recorded its amount and currency (docs/decisions/0009-a-payment-grants-what-it-bought.md). To
  sell other terms, add a plan and take this one off sale;
- changing the amount, currency or kind of a plan nobody has bought clears its Stripe price, so
  it has to be sent to Stripe again before /join/ lists it.

Sending to Stripe asks Stripe first, with no row locked, then stores the price id only if the
plan's terms are still the ones sent.
"""

import dataclasses
import re
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import User
from audit.services import audit_record
from core.errors import FieldError
from courses.models import Track
from payments import stripe_client
from payments.models import BillingAccount, CheckoutSession, Plan
from payments.money import MoneyError, money_exact

# The currencies a plan may be priced in: the client's pages show prices in dollars, so a plan
# in any other currency would promise the wrong price.
CURRENCIES = {"usd": "US dollars"}
MAX_INSTALLMENTS = 36
SLUG = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
SLUG_MAX = 64
# What the people who bought a plan agreed to: fixed from the first account or checkout.
TERMS = ("track", "slug", "kind", "installments", "amount", "currency")
# What Stripe's price is made of: a change means the price must be made again.
PRICED = ("amount", "currency", "kind")


class PlanError(FieldError):
    """The plan cannot be stored (or sent) as asked."""


@dataclass(frozen=True)
class PlanFields:
    """What billing staff set on a plan."""

    track: Track
    slug: str
    kind: str
    installments: int
    amount: Decimal
    currency: str
    is_active: bool

    @classmethod
    def of(cls, plan: Plan) -> "PlanFields":
        return cls(**{f.name: getattr(plan, f.name) for f in dataclasses.fields(cls)})


def plan_in_use(plan: Plan) -> bool:
    """Whether anyone has chosen or bought the plan (a billing account or a checkout)."""
    if plan.pk is None:
        return False
    return (
        BillingAccount.objects.filter(plan_id=plan.pk).exists()
        or CheckoutSession.objects.filter(plan_id=plan.pk).exists()
    )


def plan_check(*, fields: PlanFields, plan: Plan | None) -> PlanFields:
    """`fields` made tidy (slug and currency in lower case, the amount in cents), or PlanError
    naming the field, if they cannot be stored on `plan` (None: a new plan). A slug, amount or
    currency a plan already has is kept as it is, so a plan from before these rules can still
    be taken off sale."""
    existing = plan if plan is not None and plan.pk is not None else None
    stored = PlanFields.of(existing) if existing is not None else None
    slug = (fields.slug or "").strip()
    if stored is None or slug != stored.slug:
        slug = slug.lower()
        if not SLUG.match(slug) or len(slug) > SLUG_MAX:
            raise PlanError(
                f"Use lower-case letters, digits and hyphens, at most {SLUG_MAX} characters.",
                field="slug",
            )
        same_slug = Plan.objects.filter(slug__iexact=slug)
        if existing is not None:
            same_slug = same_slug.exclude(pk=existing.pk)
        if same_slug.exists():
            raise PlanError("Another plan already has this slug.", field="slug")
    amount = fields.amount
    if stored is None or amount != stored.amount:
        try:
            amount = money_exact(amount)
        except MoneyError as exc:
            raise PlanError(str(exc), field="amount") from None
    currency = (fields.currency or "").strip().lower()
    if (stored is None or currency != stored.currency) and currency not in CURRENCIES:
        names = ", ".join(f"{code} ({name})" for code, name in CURRENCIES.items())
        raise PlanError(f"Choose a currency the site shows prices in: {names}.", field="currency")
    if fields.kind not in Plan.Kind.values:
        raise PlanError("Choose how the plan is paid.", field="kind")
    installments = fields.installments
    if fields.kind == Plan.Kind.FULL and installments != 1:
        raise PlanError("Pay in full is one payment: set installments to 1.", field="installments")
    if fields.kind == Plan.Kind.INSTALLMENTS and not 2 <= installments <= MAX_INSTALLMENTS:
        raise PlanError(
            f"Monthly installments need from 2 to {MAX_INSTALLMENTS} payments.",
            field="installments",
        )
    tidy = PlanFields(
        track=fields.track, slug=slug, kind=fields.kind, installments=installments,
        amount=amount, currency=currency, is_active=bool(fields.is_active),
    )  # fmt: skip
    if stored is not None and existing is not None and plan_in_use(existing):
        for name in TERMS:
            if getattr(tidy, name) != getattr(stored, name):
                raise PlanError(
                    "Someone has already chosen or bought this plan, so its terms are fixed. "
                    "To sell other terms, add a plan and take this one off sale.",
                    field=name,
                )
    return tidy


def _audit(action: str, plan: Plan, acting_user: User | None, **metadata: object) -> None:
    audit_record(
        action=action, actor=acting_user, target=plan, metadata={"slug": plan.slug, **metadata}
    )


def plan_create(*, fields: PlanFields, acting_user: User | None) -> Plan:
    """A new plan, not yet sent to Stripe (so not on /join/ until it is). Raises PlanError."""
    tidy = plan_check(fields=fields, plan=None)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(**asdict(tidy))
            _audit(
                "billing.plan_created", plan, acting_user,
                kind=plan.kind, installments=plan.installments, amount=str(plan.amount),
                currency=plan.currency, active=plan.is_active,
            )  # fmt: skip
    except IntegrityError:  # the same slug, saved a moment ago by someone else
        raise PlanError("Another plan already has this slug.", field="slug") from None
    return plan


def plan_update(*, plan: Plan, fields: PlanFields, acting_user: User | None) -> Plan:
    """Store `fields` on `plan`, under its row lock, by the rules above; a changed amount,
    currency or kind clears the Stripe price. Returns the stored plan; raises PlanError."""
    try:
        with transaction.atomic():
            current = Plan.objects.select_for_update().get(pk=plan.pk)
            tidy = plan_check(fields=fields, plan=current)
            before = PlanFields.of(current)
            changed = [
                f.name
                for f in dataclasses.fields(PlanFields)
                if getattr(tidy, f.name) != getattr(before, f.name)
            ]
            if not changed:
                return current
            for name in changed:
                setattr(current, name, getattr(tidy, name))
            update = list(changed)
            unsynced = any(name in PRICED for name in changed) and current.stripe_price_id
            if unsynced:
                current.stripe_price_id = ""
                update.append("stripe_price_id")
            current.save(update_fields=update)
            _audit(
                "billing.plan_updated", current, acting_user,
                changed=",".join(changed), amount=str(current.amount),
                active=current.is_active, price_cleared=bool(unsynced),
            )  # fmt: skip
    except IntegrityError:
        raise PlanError("Another plan already has this slug.", field="slug") from None
    return current


@transaction.atomic
def plan_set_active(*, plan: Plan, active: bool, acting_user: User | None) -> Plan:
    """Put the plan on sale or take it off (/join/ lists a plan on sale once it has a Stripe
    price). Anyone already on it keeps it. Idempotent."""
    current = Plan.objects.select_for_update().get(pk=plan.pk)
    if current.is_active != active:
        current.is_active = active
        current.save(update_fields=["is_active"])
        _audit(
            "billing.plan_activated" if active else "billing.plan_deactivated", current, acting_user
        )
    return current


def plan_send_to_stripe(*, plan: Plan, acting_user: User | None) -> str:
    """Create or update the plan's Stripe product and price (idempotent: Stripe finds the price
    by the plan's lookup key) and store the price id. Stripe is asked before any row is locked;
    the id is stored only if the plan's terms are still those sent. Returns the price id; raises
    PlanError (StripeDisabled's message as it is) with nothing changed."""
    sent = Plan.objects.get(pk=plan.pk)
    try:
        price_id = stripe_client.plan_sync(
            lookup_key=f"ehab-{sent.slug}",
            amount=sent.amount,
            currency=sent.currency,
            interval=None if sent.kind == Plan.Kind.FULL else "month",
        )
    except stripe_client.StripeDisabled as exc:
        raise PlanError(str(exc)) from None
    except stripe_client.StripeUnavailable as exc:
        raise PlanError(
            f"Stripe did not accept the plan ({exc}); nothing changed. Try again later."
        ) from None
    with transaction.atomic():
        current = Plan.objects.select_for_update().get(pk=plan.pk)
        if any(getattr(current, name) != getattr(sent, name) for name in ("slug", *PRICED)):
            raise PlanError("The plan changed while it was being sent; send it again.")
        if current.stripe_price_id != price_id:
            current.stripe_price_id = price_id
            current.save(update_fields=["stripe_price_id"])
            _audit("billing.plan_sent_to_stripe", current, acting_user, price=price_id)
    return price_id
