"""Money typed by billing staff: exact to the cent, never rounded. One rule for the forms and,
again, for the services behind them (defence in depth)."""

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
MINIMUM = CENT
# Far above any program's price, far below what a Payment row holds (10 digits, 2 places).
MAXIMUM = Decimal("100000.00")


class MoneyError(ValueError):
    """Not an amount of money we take: the message says what to type instead."""


def money_exact(value: object) -> Decimal:
    """`value` (text or a number) as a Decimal quantized to cents, if it is exactly one: at
    least 0.01, at most 100,000.00, and no fraction of a cent (0.001 is refused, never rounded).
    Raises MoneyError."""
    if isinstance(value, float):
        raise MoneyError("Enter an amount like 150.00.")  # a float is never exact money
    try:
        amount = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)  # type: ignore[arg-type]  # anything else is refused below
    except (InvalidOperation, TypeError, ValueError):
        raise MoneyError("Enter an amount like 150.00.") from None
    if not amount.is_finite():
        raise MoneyError("Enter an amount like 150.00.")
    if amount > MAXIMUM:
        raise MoneyError(f"Enter at most {MAXIMUM:,}.")
    if amount < -MAXIMUM:
        raise MoneyError(f"Enter at least {MINIMUM}.")
    cents = amount.quantize(CENT)  # in range now, so exact or a visible difference
    if cents != amount:
        raise MoneyError("Enter whole cents: at most two decimal places, like 150.25.")
    if cents < MINIMUM:
        raise MoneyError(f"Enter at least {MINIMUM}.")
    return cents
