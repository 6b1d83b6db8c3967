"""Money on the billing console's pages: exact Decimal amounts with thousands separators and
their currency code, never through a float."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """`Decimal("1050")|money:"usd"` → "1,050.00 USD"; an empty string for no amount."""
    if amount is None:
        return ""
    text = f"{Decimal(amount):,.2f}"
    return f"{text} {currency.upper()}" if currency else text
