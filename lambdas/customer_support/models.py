"""The action group's API contract: request and response bodies as the agent sees them.

These models generate the OpenAPI schema (see ``generate_schema.py``); field descriptions
are what the agent reads to decide how to call an operation, so they are written for it.
"""

from __future__ import annotations

from money import AMOUNT_PATTERN
from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
IDEMPOTENCY_TOKEN_PATTERN = r"^[A-Za-z0-9-]{8,64}$"
# Shared by the OpenAPI path parameters (Classic) and the tool arguments (gateway).
ORDER_ID_DESCRIPTION = "Order identifier, e.g. ORD-1001."
PRODUCT_ID_DESCRIPTION = "Product identifier, e.g. SKU-100."


class OrderLine(BaseModel):
    product_id: str = Field(description="Product identifier; use it to check inventory.")
    quantity: int = Field(description="Units ordered.")
    unit_price: str = Field(description="Price of one unit, a decimal string in the order currency.")


class Order(BaseModel):
    order_id: str = Field(description="Order identifier.")
    status: str = Field(description="Order status, e.g. PROCESSING, SHIPPED, DELIVERED, CANCELLED.")
    currency: str = Field(description="ISO 4217 currency code of every amount on the order.")
    total_amount: str = Field(description="Amount the customer paid, a decimal string.")
    refunded_amount: str = Field(description="Amount already refunded, a decimal string.")
    refundable_amount: str = Field(description="Most that can still be refunded, a decimal string.")
    placed_at: str = Field(description="When the order was placed, ISO 8601.")
    lines: list[OrderLine] = Field(description="Products on the order.")


class StockLevel(BaseModel):
    product_id: str = Field(description="Product identifier.")
    name: str = Field(description="Product name.")
    quantity_available: int = Field(description="Units in stock and available to sell now.")
    in_stock: bool = Field(description="True when at least one unit is available.")


class RefundRequest(BaseModel):
    amount: str = Field(
        pattern=AMOUNT_PATTERN,
        description="Amount to refund in the order currency, a decimal string greater than 0 with at most "
        "two decimals, e.g. 25.00. It cannot exceed the order's refundable amount.",
    )
    reason: str = Field(min_length=1, max_length=500, description="Why the customer is refunded, in a sentence.")
    idempotency_token: str = Field(
        pattern=IDEMPOTENCY_TOKEN_PATTERN,
        description="A new unique value, e.g. a UUID, for every refund the customer asks for. Send the same value "
        "again only when retrying this same refund after an error or timeout: the refund is then made at most once. "
        "Two refunds with different values are two refunds, even of the same amount.",
    )


# --- gateway tool arguments: the same fields and rules as the OpenAPI operations, as one flat object ---------
# Strict (no "12" for 12, no true for "true") and closed: an argument the schema does not declare, such as a
# customer id the model made up, is refused rather than ignored.
TOOL_ARGUMENTS = ConfigDict(extra="forbid", strict=True)


class OrderArguments(BaseModel):
    model_config = TOOL_ARGUMENTS

    order_id: str = Field(pattern=ID_PATTERN, min_length=1, max_length=64, description=ORDER_ID_DESCRIPTION)


class InventoryArguments(BaseModel):
    model_config = TOOL_ARGUMENTS

    product_id: str = Field(pattern=ID_PATTERN, min_length=1, max_length=64, description=PRODUCT_ID_DESCRIPTION)


class RefundArguments(RefundRequest, OrderArguments):  # initiateRefund's path parameter and body, one object
    model_config = TOOL_ARGUMENTS


class Refund(BaseModel):
    refund_id: str = Field(description="Refund identifier to give the customer.")
    order_id: str = Field(description="Order the refund is for.")
    amount: str = Field(description="Refunded amount, a decimal string.")
    currency: str = Field(description="ISO 4217 currency code.")
    reason: str = Field(description="Reason recorded with the refund.")
    status: str = Field(description="INITIATED: the refund is recorded and will be paid out.")
    created_at: str = Field(description="When the refund was recorded, ISO 8601.")


class ParameterProblem(BaseModel):
    loc: list[str] = Field(description="Where the bad value is, e.g. ['path', 'order_id'].")
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable kind of problem.")


class ErrorBody(BaseModel):
    """Body of every failed call; ``error`` is stable, ``message`` tells the agent what to do."""

    error: str = Field(description="Error code, e.g. ORDER_NOT_FOUND, INVALID_PARAMETER.")
    message: str = Field(description="What went wrong and what to do next.")
    detail: list[ParameterProblem] = Field(
        default_factory=list, description="For INVALID_PARAMETER: each parameter that is missing or invalid."
    )
