"""Refunds: idempotent, never above what is left to refund on the order.

The refunds table (partition key ``order_id``, sort key ``refund_id``) holds one item per
refund plus a ledger item per order (``refund_id = "#LEDGER"``) with the running
``refunded_amount``. A refund is one DynamoDB transaction: add to the ledger only if the
total stays within the order amount, and write the refund item. Two concurrent refunds
cannot both pass the check.

Retries are idempotent (Powertools idempotency on its own table), keyed on order id and
amount: the agent retrying the same refund gets the first result back, and no second refund
is written.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import orders
import tables
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from failures import InvalidParameter, RefundExceedsRefundable, RefundInProgress
from money import format_amount

tracer = Tracer()

LEDGER_ID = "#LEDGER"
REFUND_STATUS = "INITIATED"
# A retried refund (same order, same amount) within this window returns the first result.
IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60

IDEMPOTENCY_CONFIG = IdempotencyConfig(
    event_key_jmespath="[order_id, amount]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
)


@tracer.capture_method
def refunded_total(order_id: str) -> Decimal:
    """What has been refunded on the order so far (``0`` when nothing)."""
    item = (
        tables.table(tables.REFUNDS_TABLE_ENV)
        .get_item(Key={"order_id": order_id, "refund_id": LEDGER_ID}, ConsistentRead=True)
        .get("Item")
    )
    return Decimal(item["refunded_amount"]) if item else Decimal("0")


@tracer.capture_method
def initiate_refund(order_id: str, amount: Decimal, reason: str) -> dict[str, Any]:
    """Refund ``amount`` on the order; returns the refund (the first one again on a retry)."""
    if amount <= 0:
        raise InvalidParameter(f"amount must be greater than 0.00, got {format_amount(amount)}")
    request = {"order_id": order_id, "amount": format_amount(amount)}
    try:
        return _idempotent_create()(request=request, reason=reason)
    except IdempotencyAlreadyInProgressError:
        raise RefundInProgress(order_id) from None


@cache
def _idempotent_create() -> Any:
    """``_create_refund`` wrapped in Powertools idempotency (built on first use, once per container)."""
    persistence = DynamoDBPersistenceLayer(table_name=tables.table_name(tables.IDEMPOTENCY_TABLE_ENV))
    return idempotent_function(
        _create_refund,
        data_keyword_argument="request",
        persistence_store=persistence,
        config=IDEMPOTENCY_CONFIG,
        key_prefix="refund",
    )


def _create_refund(request: dict[str, str], reason: str) -> dict[str, Any]:
    order_id = request["order_id"]
    amount = Decimal(request["amount"])
    order = orders.get_order(order_id)
    headroom = order.total_amount - amount  # the most that may already be refunded
    if headroom < 0:
        raise RefundExceedsRefundable(
            f"Refund of {format_amount(amount)} {order.currency} is above the order amount of "
            f"{format_amount(order.total_amount)} {order.currency} for order {order_id}."
        )
    refund_id = f"rf-{uuid.uuid4().hex}"
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    refunds_table = tables.table_name(tables.REFUNDS_TABLE_ENV)
    client = tables.client()
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": refunds_table,
                        "Key": {"order_id": order_id, "refund_id": LEDGER_ID},
                        "UpdateExpression": "ADD refunded_amount :amount SET updated_at = :now",
                        "ConditionExpression": "attribute_not_exists(refunded_amount) OR refunded_amount <= :headroom",
                        "ExpressionAttributeValues": {":amount": amount, ":headroom": headroom, ":now": created_at},
                    }
                },
                {
                    "Put": {
                        "TableName": refunds_table,
                        "Item": {
                            "order_id": order_id,
                            "refund_id": refund_id,
                            "amount": amount,
                            "currency": order.currency,
                            "reason": reason,
                            "status": REFUND_STATUS,
                            "created_at": created_at,
                        },
                        "ConditionExpression": "attribute_not_exists(refund_id)",
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons") or []
        if not reasons or reasons[0].get("Code") != "ConditionalCheckFailed":
            raise
        already = refunded_total(order_id)
        left = max(order.total_amount - already, Decimal("0"))
        raise RefundExceedsRefundable(
            f"Refund of {format_amount(amount)} {order.currency} is above what is left to refund on order "
            f"{order_id}: {format_amount(left)} {order.currency} (order amount {format_amount(order.total_amount)}, "
            f"already refunded {format_amount(already)})."
        ) from None
    return {
        "refund_id": refund_id,
        "order_id": order_id,
        "amount": format_amount(amount),
        "currency": order.currency,
        "reason": reason,
        "status": REFUND_STATUS,
        "created_at": created_at,
    }
