"""The customer-support action-group Lambda: look-ups, refunds, parameters and malformed events.

Helpers, fixtures and the event format (with its AWS sources) are in ``customer_support_events``;
ownership, idempotency, session state and tracing rules are in ``test_customer_support_safety``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from customer_support_events import (
    CUSTOMER,
    INVENTORY_PATH,
    ORDER_PATH,
    REFUND_PATH,
    TOKEN,
    bedrock_event,
    envelope_body,
    invoke,
    loaded_handler,
    refund,
    refund_items,
    seeded_tables,
)


@pytest.fixture(scope="module")
def handler():
    with loaded_handler() as module:
        yield module


@pytest.fixture
def dynamodb(handler):
    yield from seeded_tables()


# --- look up an order ---------------------------------------------------------------------------

def test_lookup_order_found(handler, dynamodb):
    response = invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001"}))
    assert envelope_body(response, api_path=ORDER_PATH, method="GET", status=200) == {
        "order_id": "ORD-1001",
        "status": "DELIVERED",
        "currency": "USD",
        "total_amount": "100.00",
        "refunded_amount": "0.00",
        "refundable_amount": "100.00",
        "placed_at": "2025-01-15T10:00:00+00:00",
        "lines": [
            {"product_id": "SKU-100", "quantity": 2, "unit_price": "40.00"},
            {"product_id": "SKU-200", "quantity": 1, "unit_price": "20.00"},
        ],
    }


def test_lookup_order_not_found_is_404(handler, dynamodb):
    response = invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-9999"}))
    body = envelope_body(response, api_path=ORDER_PATH, method="GET", status=404)
    assert body["error"] == "ORDER_NOT_FOUND"
    assert "ORD-9999" in body["message"]


# --- check inventory ----------------------------------------------------------------------------

def test_inventory_in_stock(handler, dynamodb):
    response = invoke(handler, bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-100"}))
    assert envelope_body(response, api_path=INVENTORY_PATH, method="GET", status=200) == {
        "product_id": "SKU-100", "name": "Trail shoes", "quantity_available": 7, "in_stock": True,
    }


def test_inventory_out_of_stock(handler, dynamodb):
    response = invoke(handler, bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-200"}))
    body = envelope_body(response, api_path=INVENTORY_PATH, method="GET", status=200)
    assert (body["quantity_available"], body["in_stock"]) == (0, False)


def test_inventory_unknown_product_is_404(handler, dynamodb):
    response = invoke(handler, bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-404"}))
    assert envelope_body(response, api_path=INVENTORY_PATH, method="GET", status=404)["error"] == "PRODUCT_NOT_FOUND"


# --- initiate a refund --------------------------------------------------------------------------

def test_refund_success_records_refund_and_updates_refundable(handler, dynamodb):
    body = envelope_body(refund(handler, "ORD-1001", "25.5"), api_path=REFUND_PATH, method="POST", status=200)
    assert body["refund_id"].startswith("rf-")
    assert {k: body[k] for k in ("order_id", "amount", "currency", "reason", "status")} == {
        "order_id": "ORD-1001", "amount": "25.50", "currency": "USD", "reason": "Arrived damaged", "status": "INITIATED",
    }
    [item] = refund_items(dynamodb, "ORD-1001")
    assert (item["refund_id"], item["amount"], item["status"]) == (body["refund_id"], Decimal("25.50"), "INITIATED")
    order = envelope_body(invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001"})),
                          api_path=ORDER_PATH, method="GET", status=200)
    assert (order["refunded_amount"], order["refundable_amount"]) == ("25.50", "74.50")


def test_refund_is_idempotent(handler, dynamodb):
    token = "5b0c3a52-4a5e-4f7e-9a1d-2f1f3e1c9b10"
    first = refund(handler, "ORD-1001", "30.00", token=token)
    second = refund(handler, "ORD-1001", "30", token=token)  # the same amount written differently is the same refund
    assert envelope_body(first, api_path=REFUND_PATH, method="POST", status=200) == envelope_body(
        second, api_path=REFUND_PATH, method="POST", status=200
    )
    assert len(refund_items(dynamodb, "ORD-1001")) == 1
    ledger = dynamodb.Table("refunds").get_item(Key={"order_id": "ORD-1001", "refund_id": "#LEDGER"})["Item"]
    assert ledger["refunded_amount"] == Decimal("30.00")
    [record] = dynamodb.Table("idempotency").scan()["Items"]
    assert record["id"].startswith("refund#") and record["status"] == "COMPLETED"


def test_different_amounts_are_separate_refunds(handler, dynamodb):
    envelope_body(refund(handler, "ORD-1001", "10.00"), api_path=REFUND_PATH, method="POST", status=200)
    envelope_body(refund(handler, "ORD-1001", "20.00"), api_path=REFUND_PATH, method="POST", status=200)
    assert sorted(item["amount"] for item in refund_items(dynamodb, "ORD-1001")) == [Decimal("10.00"), Decimal("20.00")]


def test_refund_above_order_amount_is_refused(handler, dynamodb):
    body = envelope_body(refund(handler, "ORD-1001", "100.01"), api_path=REFUND_PATH, method="POST", status=409)
    assert body["error"] == "REFUND_EXCEEDS_REFUNDABLE_AMOUNT"
    assert "100.01" in body["message"] and "100.00" in body["message"]
    assert refund_items(dynamodb, "ORD-1001") == []
    assert "Item" not in dynamodb.Table("refunds").get_item(Key={"order_id": "ORD-1001", "refund_id": "#LEDGER"})


def test_refunds_together_cannot_exceed_order_amount(handler, dynamodb):
    envelope_body(refund(handler, "ORD-1001", "80.00"), api_path=REFUND_PATH, method="POST", status=200)
    body = envelope_body(refund(handler, "ORD-1001", "20.01"), api_path=REFUND_PATH, method="POST", status=409)
    assert body["error"] == "REFUND_EXCEEDS_REFUNDABLE_AMOUNT"
    assert "20.00 USD" in body["message"]  # what is left to refund
    assert len(refund_items(dynamodb, "ORD-1001")) == 1
    # exactly what is left is still allowed
    envelope_body(refund(handler, "ORD-1001", "20.00"), api_path=REFUND_PATH, method="POST", status=200)


def test_refused_refund_is_not_cached_as_success(handler, dynamodb):
    token = "a1b2c3d4-0000-4000-8000-000000000001"
    envelope_body(refund(handler, "ORD-1002", "10.00", token=token), api_path=REFUND_PATH, method="POST", status=404)
    dynamodb.Table("orders").put_item(Item={"order_id": "ORD-1002", "customer_id": CUSTOMER, "status": "DELIVERED",
                                            "currency": "EUR", "total_amount": Decimal("50"),
                                            "placed_at": "2025-02-01T00:00:00+00:00"})
    body = envelope_body(refund(handler, "ORD-1002", "10.00", token=token), api_path=REFUND_PATH, method="POST",
                         status=200)
    assert (body["amount"], body["currency"]) == ("10.00", "EUR")


def test_refund_of_zero_is_invalid(handler, dynamodb):
    body = envelope_body(refund(handler, "ORD-1001", "0.00"), api_path=REFUND_PATH, method="POST", status=422)
    assert body["error"] == "INVALID_PARAMETER"
    assert "greater than 0.00" in body["message"]
    assert refund_items(dynamodb, "ORD-1001") == []


def test_refund_in_progress_is_409(handler, dynamodb, monkeypatch):
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    def in_progress(**_: Any) -> None:
        raise IdempotencyAlreadyInProgressError("in progress")

    monkeypatch.setattr(handler.refunds, "_idempotent_create", lambda: in_progress)
    body = envelope_body(refund(handler, "ORD-1001", "10.00"), api_path=REFUND_PATH, method="POST", status=409)
    assert body["error"] == "REFUND_IN_PROGRESS"


# --- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("api_path", "method", "parameters", "body", "loc"),
    [
        (ORDER_PATH, "GET", {}, None, ["path", "order_id"]),
        (ORDER_PATH, "GET", {"order_id": "ORD 1001; DROP"}, None, ["path", "order_id"]),
        (INVENTORY_PATH, "GET", {}, None, ["path", "product_id"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, None, ["body"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, {"reason": "late", "idempotency_token": TOKEN},
         ["body", "amount"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, {"amount": "-5", "reason": "late", "idempotency_token": TOKEN},
         ["body", "amount"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, {"amount": "ten", "reason": "late", "idempotency_token": TOKEN},
         ["body", "amount"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"},
         {"amount": "1.999", "reason": "late", "idempotency_token": TOKEN}, ["body", "amount"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, {"amount": "5.00", "reason": "", "idempotency_token": TOKEN},
         ["body", "reason"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, {"amount": "5.00", "reason": "late"},
         ["body", "idempotency_token"]),
        (REFUND_PATH, "POST", {"order_id": "ORD-1001"}, {"amount": "5.00", "reason": "late", "idempotency_token": "x"},
         ["body", "idempotency_token"]),
    ],
    ids=["order-missing", "order-invalid", "product-missing", "body-missing", "amount-missing", "amount-negative",
         "amount-not-a-number", "amount-three-decimals", "reason-empty", "token-missing", "token-too-short"],
)
def test_missing_or_invalid_parameter_is_422(handler, dynamodb, api_path, method, parameters, body, loc):
    response = invoke(handler, bedrock_event(api_path, method, parameters, body))
    error = envelope_body(response, api_path=api_path, method=method, status=422)
    assert error["error"] == "INVALID_PARAMETER"
    assert loc in [problem["loc"] for problem in error["detail"]]
    assert all(problem["msg"] for problem in error["detail"])
    assert refund_items(dynamodb, "ORD-1001") == []


# --- unknown operations, malformed events, unexpected errors ------------------------------------

@pytest.mark.parametrize(("api_path", "method"), [("/customers/{customer_id}", "GET"), (ORDER_PATH, "DELETE")])
def test_unknown_operation_is_404(handler, dynamodb, api_path, method):
    response = invoke(handler, bedrock_event(api_path, method, {"order_id": "ORD-1001"}))
    body = envelope_body(response, api_path=api_path, method=method, status=404)
    assert body["error"] == "UNKNOWN_OPERATION"
    assert f"{method} {api_path}" in body["message"]


def _without(key: str) -> dict[str, Any]:
    event = bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001"})
    del event[key]
    return event


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (_without("apiPath"), "apiPath is missing"),
        (_without("httpMethod"), "httpMethod is missing"),
        (_without("actionGroup"), "actionGroup is missing"),
        (dict(bedrock_event(ORDER_PATH, "GET"), parameters="order_id=ORD-1001"), "parameters is not a list"),
        (dict(bedrock_event(ORDER_PATH, "GET"), parameters=[{"name": "order_id"}]), "parameters[0].value is missing"),
        (dict(bedrock_event(REFUND_PATH, "POST"), requestBody={"properties": []}), "requestBody.content is missing"),
        (dict(bedrock_event(REFUND_PATH, "POST"), requestBody={"content": {"application/json": {}}}),
         "requestBody.content['application/json'].properties is missing"),
    ],
    ids=["no-apiPath", "no-httpMethod", "no-actionGroup", "parameters-not-list", "parameter-without-value",
         "body-without-content", "body-without-properties"],
)
def test_malformed_event_gets_bedrock_error_envelope(handler, dynamodb, event, problem):
    response = invoke(handler, event)
    body = envelope_body(
        response,
        api_path=event.get("apiPath", ""),
        method=event.get("httpMethod", ""),
        action_group=event.get("actionGroup", ""),
        status=400,
    )
    assert body["error"] == "MALFORMED_EVENT"
    assert problem in body["message"]


@pytest.mark.parametrize("event", [[], "GET /orders", None], ids=["list", "string", "null"])
def test_event_that_is_not_an_object_gets_error_envelope(handler, event):
    body = envelope_body(invoke(handler, event), api_path="", method="", action_group="", status=400)
    assert body["error"] == "MALFORMED_EVENT"


def test_unexpected_error_is_500_not_success(handler, dynamodb):
    dynamodb.Table("inventory").delete()
    try:
        response = invoke(handler, bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-100"}))
        body = envelope_body(response, api_path=INVENTORY_PATH, method="GET", status=500)
        assert body["error"] == "INTERNAL_ERROR"
        assert "ResourceNotFound" not in body["message"]  # no internals leak to the agent
    finally:
        dynamodb.create_table(
            TableName="inventory", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "product_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "product_id", "AttributeType": "S"}],
        )


