"""Money amounts: exact decimals with two places, carried as strings in the API.

Bedrock sends every value as a string and DynamoDB stores numbers as ``Decimal``; floats
never appear, so ``19.99`` stays ``19.99``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")
# What the API accepts for an amount: up to 9 integer digits and at most 2 decimals.
AMOUNT_PATTERN = r"^\d{1,9}(\.\d{1,2})?$"


def parse_amount(text: str) -> Decimal:
    """``"25"`` or ``"25.5"`` -> ``Decimal("25.00")``/``Decimal("25.50")``; ``ValueError`` if not a number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal amount") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a decimal amount")
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def format_amount(value: Decimal | int) -> str:
    """Two-decimal string for a stored amount, e.g. ``Decimal("5")`` -> ``"5.00"``."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN))
