"""Order look-ups in the orders table (partition key ``order_id``; ``customer_id`` names the owner)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import identity
import tables
from aws_lambda_powertools import Tracer
from failures import OrderNotFound

tracer = Tracer()

CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    customer_id: str | None
    status: str
    currency: str
    total_amount: Decimal
    placed_at: str
    lines: tuple[OrderLine, ...]


@tracer.capture_method(capture_response=False, capture_error=False)  # the order is personal data
def get_owned_order(order_id: str, customer_id: str) -> OrderRecord:
    """The order if it belongs to ``customer_id``: :class:`OrderNotFound` (404) or :class:`OrderNotOwned` (403)."""
    order = get_order(order_id)
    identity.check_owner(order_id, order.customer_id, customer_id)
    return order


@tracer.capture_method(capture_response=False, capture_error=False)
def get_order(order_id: str) -> OrderRecord:
    """The order, or :class:`OrderNotFound`; whoever owns it (check with :func:`get_owned_order`)."""
    item = tables.table(tables.ORDERS_TABLE_ENV).get_item(Key={"order_id": order_id}).get("Item")
    if item is None:
        raise OrderNotFound(order_id)
    return OrderRecord(
        order_id=item["order_id"],
        customer_id=item.get("customer_id"),
        status=item["status"],
        currency=item["currency"],
        total_amount=Decimal(item["total_amount"]),
        placed_at=item["placed_at"],
        lines=tuple(
            OrderLine(
                product_id=line["product_id"],
                quantity=int(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
            )
            for line in item.get("lines", [])
        ),
    )
