"""Refunds: one refund per request, never above what is left to refund, never on a cancelled order.

The refunds table (partition key ``order_id``, sort key ``refund_id``) holds one item per
refund plus a ledger item per order (``refund_id = "#LEDGER"``) with the running
``refunded_amount``. A refund is one DynamoDB transaction: check that the order still belongs
to the customer and is not cancelled, add to the ledger only if the total stays within the
order amount, and put the refund item only if it does not exist yet. Two concurrent refunds
cannot both pass the check.

A request is identified by the customer, the order and the ``idempotency_token`` the caller
sends with it, never by its amount: two refunds of 10.00 on one order with two tokens are two
refunds; the same token sent again is the same refund. The Bedrock action-group event carries
no per-call id of its own (agents-lambda.html, input event), so the token is part of the API.
Two layers make a retry safe:

* Powertools idempotency (its own table) returns the first result to a retry, and refuses a
  retry that reuses the token with another amount.
* The refund id is derived from the request identity and the refund item is written with
  ``attribute_not_exists(refund_id)``, so even when the Powertools record is gone (the write
  committed but the function then failed, or the record expired) a retry finds the refund
  already written and returns it instead of refunding again.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import orders
import tables
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from failures import (
    IdempotencyTokenReused,
    InvalidParameter,
    OrderCancelled,
    RefundConflict,
    RefundExceedsRefundable,
    RefundInProgress,
)
from money import format_amount
from orders import OrderRecord

logger = Logger()
tracer = Tracer()

LEDGER_ID = "#LEDGER"
REFUND_STATUS = "INITIATED"
# A retried refund (same customer, order and idempotency token) within this window gets the first result
# from the Powertools record; after it, the conditional refund write still prevents a second refund.
IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
# DynamoDB cancels a transaction with reason TransactionConflict when another transaction is writing one of
# its items; it is retried once after this pause, then the caller is told (409 REFUND_CONFLICT).
CONFLICT_RETRY_DELAY_SECONDS = 0.1

IDEMPOTENCY_CONFIG = IdempotencyConfig(
    event_key_jmespath="[customer_id, order_id, idempotency_token]",
    payload_validation_jmespath="amount",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
)

# Order of the items in the refund transaction; DynamoDB lists CancellationReasons in the same order.
_ORDER_CHECK, _LEDGER_UPDATE, _REFUND_PUT = range(3)


@tracer.capture_method(capture_response=False, capture_error=False)
def refunded_total(order_id: str) -> Decimal:
    """What has been refunded on the order so far (``0`` when nothing)."""
    item = (
        tables.table(tables.REFUNDS_TABLE_ENV)
        .get_item(Key={"order_id": order_id, "refund_id": LEDGER_ID}, ConsistentRead=True)
        .get("Item")
    )
    return Decimal(item["refunded_amount"]) if item else Decimal("0")


def refund_id_for(customer_id: str, order_id: str, idempotency_token: str) -> str:
    """The refund id of a request: the same request always gets the same id, another request another id."""
    digest = hashlib.sha256("\n".join((customer_id, order_id, idempotency_token)).encode("utf-8")).hexdigest()
    return f"rf-{digest[:32]}"


@tracer.capture_method(capture_response=False, capture_error=False)
def initiate_refund(
    order: OrderRecord, customer_id: str, amount: Decimal, reason: str, idempotency_token: str
) -> dict[str, Any]:
    """Refund ``amount`` on ``order`` (already checked to be ``customer_id``'s); a retry returns the first refund."""
    if amount <= 0:
        raise InvalidParameter(f"amount must be greater than 0.00, got {format_amount(amount)}")
    if order.status == orders.CANCELLED:
        raise OrderCancelled(order.order_id)
    request = {
        "customer_id": customer_id,
        "order_id": order.order_id,
        "idempotency_token": idempotency_token,
        "amount": format_amount(amount),
    }
    try:
        return _idempotent_create()(request=request, reason=reason, order=order)
    except IdempotencyAlreadyInProgressError:
        raise RefundInProgress(order.order_id) from None
    except IdempotencyValidationError:
        raise IdempotencyTokenReused(order.order_id) from None


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


def _create_refund(request: dict[str, str], reason: str, order: OrderRecord) -> dict[str, Any]:
    customer_id, order_id = request["customer_id"], request["order_id"]
    amount = Decimal(request["amount"])
    headroom = order.total_amount - amount  # the most that may already be refunded
    if headroom < 0:
        raise RefundExceedsRefundable(
            f"Refund of {format_amount(amount)} {order.currency} is above the order amount of "
            f"{format_amount(order.total_amount)} {order.currency} for order {order_id}."
        )
    refund = {
        "order_id": order_id,
        "refund_id": refund_id_for(customer_id, order_id, request["idempotency_token"]),
        "customer_id": customer_id,
        "amount": amount,
        "currency": order.currency,
        "reason": reason,
        "status": REFUND_STATUS,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    client = tables.client()
    for attempt in (1, 2):
        try:
            client.transact_write_items(TransactItems=_transaction(refund, headroom))
            return _result(refund)
        except client.exceptions.TransactionCanceledException as error:
            codes = [item.get("Code") for item in error.response.get("CancellationReasons") or []]
            if len(codes) != 3:
                raise
            if codes[_REFUND_PUT] == "ConditionalCheckFailed":
                return _already_written(refund)
            if "TransactionConflict" in codes:
                if attempt == 1:
                    logger.info("Refund transaction conflicted with another write; retrying once")
                    time.sleep(CONFLICT_RETRY_DELAY_SECONDS)
                    continue
                raise RefundConflict(order_id) from None
            if codes[_ORDER_CHECK] == "ConditionalCheckFailed":
                _raise_order_changed(order_id, customer_id)
            if codes[_LEDGER_UPDATE] == "ConditionalCheckFailed":
                _raise_exceeds(order, amount)
            raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _transaction(refund: dict[str, Any], headroom: Decimal) -> list[dict[str, Any]]:
    refunds_table = tables.table_name(tables.REFUNDS_TABLE_ENV)
    items: list[dict[str, Any]] = [{}, {}, {}]
    items[_ORDER_CHECK] = {
        "ConditionCheck": {
            "TableName": tables.table_name(tables.ORDERS_TABLE_ENV),
            "Key": {"order_id": refund["order_id"]},
            "ConditionExpression": "customer_id = :customer AND #status <> :cancelled",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":customer": refund["customer_id"], ":cancelled": orders.CANCELLED},
        }
    }
    items[_LEDGER_UPDATE] = {
        "Update": {
            "TableName": refunds_table,
            "Key": {"order_id": refund["order_id"], "refund_id": LEDGER_ID},
            "UpdateExpression": "ADD refunded_amount :amount SET updated_at = :now",
            "ConditionExpression": "attribute_not_exists(refunded_amount) OR refunded_amount <= :headroom",
            "ExpressionAttributeValues": {":amount": refund["amount"], ":headroom": headroom,
                                          ":now": refund["created_at"]},
        }
    }
    items[_REFUND_PUT] = {
        "Put": {
            "TableName": refunds_table,
            "Item": refund,
            "ConditionExpression": "attribute_not_exists(refund_id)",
        }
    }
    return items


def _already_written(refund: dict[str, Any]) -> dict[str, Any]:
    """The refund this request wrote on an earlier attempt (the conditional put found it)."""
    stored = (
        tables.table(tables.REFUNDS_TABLE_ENV)
        .get_item(Key={"order_id": refund["order_id"], "refund_id": refund["refund_id"]}, ConsistentRead=True)
        .get("Item")
    )
    if stored is None:  # deleted between the transaction and this read: nothing sensible to return
        raise RefundConflict(refund["order_id"])
    if Decimal(stored["amount"]) != refund["amount"]:
        raise IdempotencyTokenReused(refund["order_id"])
    logger.info("Refund was already written by an earlier attempt of this request", extra={"refund_id": stored["refund_id"]})
    return _result(stored)


def _raise_order_changed(order_id: str, customer_id: str) -> None:
    """The order changed since it was read: it is gone (404), someone else's (403) or cancelled (409)."""
    order = orders.get_owned_order(order_id, customer_id)
    if order.status == orders.CANCELLED:
        raise OrderCancelled(order_id)
    raise RefundConflict(order_id)  # changed back in the meantime: nothing was refunded, a retry is safe


def _raise_exceeds(order: OrderRecord, amount: Decimal) -> None:
    already = refunded_total(order.order_id)
    left = max(order.total_amount - already, Decimal("0"))
    raise RefundExceedsRefundable(
        f"Refund of {format_amount(amount)} {order.currency} is above what is left to refund on order "
        f"{order.order_id}: {format_amount(left)} {order.currency} (order amount "
        f"{format_amount(order.total_amount)}, already refunded {format_amount(already)})."
    )


def _result(refund: dict[str, Any]) -> dict[str, Any]:
    return {
        "refund_id": refund["refund_id"],
        "order_id": refund["order_id"],
        "amount": format_amount(Decimal(refund["amount"])),
        "currency": refund["currency"],
        "reason": refund["reason"],
        "status": refund["status"],
        "created_at": refund["created_at"],
    }
