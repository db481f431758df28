"""Money amounts: exact decimals with two places, carried as strings in the API.

Bedrock sends every value as a string and DynamoDB stores numbers as ``Decimal``; floats
never appear, so ``19.99`` stays ``19.99``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
# What the API accepts for an amount: up to 9 integer digits and at most 2 decimals, ASCII digits only.
# Not ``\d``: in Python ``re`` and in pydantic's Rust regex ``\d`` matches any Unicode decimal digit
# ("١٢٣", "１２"), and ``Decimal()``/``int()`` accept those too.
AMOUNT_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
_AMOUNT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")


def parse_amount(text: str) -> Decimal:
    """``"25"`` or ``"25.5"`` -> ``Decimal("25.00")``/``Decimal("25.50")``.

    ``ValueError`` (which does not repeat the input) for anything but ASCII digits with an optional
    decimal point and at most two decimals.
    """
    if not isinstance(text, str) or _AMOUNT.fullmatch(text) is None:
        raise ValueError("the amount is not a decimal of ASCII digits with at most two decimals, e.g. 25.00")
    return Decimal(text).quantize(CENT, rounding=ROUND_HALF_EVEN)


def format_amount(value: Decimal | int) -> str:
    """Two-decimal string for a stored amount, e.g. ``Decimal("5")`` -> ``"5.00"``."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN))
