"""The customer-support business core: one function per action, shared by both engines' adapters.

``handler.py`` (Bedrock Agents Classic, OpenAPI action group) and ``gateway_handler.py`` (AgentCore
Gateway Lambda target) only translate their event into these calls and the results or
:class:`failures.ActionError` back into their own reply format. Ownership, idempotency, the refund
rules and the metrics live here (and in :mod:`orders`, :mod:`refunds`, :mod:`inventory`), once.

``customer_id`` is always the identity the calling application established (Classic: session
attributes; gateway: a propagated header), never a value the model supplied.
"""

from __future__ import annotations

import inventory
import orders
import refunds
from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from failures import InvalidParameter
from models import Order, OrderLine, Refund, RefundRequest, StockLevel
from money import format_amount, parse_amount

tracer = Tracer()
metrics = Metrics()  # Powertools Metrics share one buffer per process: the adapter's log_metrics flushes it
TRACE_OPTIONS = {"capture_response": False, "capture_error": False}  # results and errors hold personal data


@tracer.capture_method(**TRACE_OPTIONS)
def lookup_order(order_id: str, customer_id: str) -> Order:
    """The customer's order with what is refunded and refundable (403 another's, 404 unknown)."""
    order = orders.get_owned_order(order_id, customer_id)
    refunded = refunds.refunded_total(order_id)
    metrics.add_metric(name="OrderLookups", unit=MetricUnit.Count, value=1)
    return Order(
        order_id=order.order_id,
        status=order.status,
        currency=order.currency,
        total_amount=format_amount(order.total_amount),
        refunded_amount=format_amount(refunded),
        refundable_amount=format_amount(max(order.total_amount - refunded, 0)),
        placed_at=order.placed_at,
        lines=[
            OrderLine(product_id=line.product_id, quantity=line.quantity, unit_price=format_amount(line.unit_price))
            for line in order.lines
        ],
    )


@tracer.capture_method(**TRACE_OPTIONS)
def check_inventory(product_id: str) -> StockLevel:
    """A product's stock level (404 unknown); needs no customer identity."""
    stock = inventory.get_stock(product_id)
    metrics.add_metric(name="InventoryChecks", unit=MetricUnit.Count, value=1)
    return StockLevel(
        product_id=stock.product_id,
        name=stock.name,
        quantity_available=stock.quantity_available,
        in_stock=stock.quantity_available > 0,
    )


@tracer.capture_method(**TRACE_OPTIONS)
def initiate_refund(order_id: str, customer_id: str, request: RefundRequest) -> Refund:
    """Refund part or all of the customer's order; the same idempotency token returns the first refund."""
    order = orders.get_owned_order(order_id, customer_id)
    try:
        amount = parse_amount(request.amount)
    except ValueError as problem:
        raise InvalidParameter(str(problem)) from None
    result = refunds.initiate_refund(order, customer_id, amount, request.reason, request.idempotency_token)
    metrics.add_metric(name="RefundRequests", unit=MetricUnit.Count, value=1)
    return Refund(**result)
