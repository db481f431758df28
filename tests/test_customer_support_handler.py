"""The customer-support action-group Lambda against moto DynamoDB, with events in Bedrock's format.

Events follow "Lambda input event from Amazon Bedrock" (OpenAPI action groups) in
https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html#agents-lambda-input:
``messageVersion, agent, inputText, sessionId, actionGroup, apiPath, httpMethod, parameters,
requestBody.content[...].properties, sessionAttributes, promptSessionAttributes``, every value a
string. The event carries no per-call id, so refunds are identified by an ``idempotency_token``
in their body. Every response is checked against the exact envelope of "Response format" (same
page): ``{messageVersion, response: {actionGroup, apiPath, httpMethod, httpStatusCode,
responseBody: {"application/json": {body}}}, sessionAttributes, promptSessionAttributes}``.
"""

from __future__ import annotations

import json
import os
import uuid
from decimal import Decimal
from typing import Any
from unittest import mock

import boto3
import pytest
from lambda_loader import load_lambda
from moto import mock_aws

ENV = {
    "POWERTOOLS_SERVICE_NAME": "customer-support",
    "POWERTOOLS_METRICS_NAMESPACE": "BedrockPlatform/ActionGroups",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "ORDERS_TABLE_NAME": "orders",
    "INVENTORY_TABLE_NAME": "inventory",
    "REFUNDS_TABLE_NAME": "refunds",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
}
ACTION_GROUP = "customer-support"
CUSTOMER = "CUST-42"
OTHER_CUSTOMER = "CUST-77"
# What the calling application puts in InvokeAgent sessionState (the customer id is the contract).
SESSION = {"customerId": CUSTOMER, "tier": "gold"}
PROMPT_SESSION = {"channel": "web"}
ORDER_PATH = "/orders/{order_id}"
REFUND_PATH = "/orders/{order_id}/refunds"
INVENTORY_PATH = "/products/{product_id}/inventory"


class FakeContext:
    function_name = "customer-support-actions"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:customer-support-actions"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@pytest.fixture(scope="module")
def handler():
    with mock.patch.dict(os.environ, ENV), mock_aws(), load_lambda("customer_support") as module:
        yield module


@pytest.fixture
def dynamodb(handler):
    """Fresh tables for each test: an order of CUST-42, one of CUST-77, a cancelled one of CUST-42, two products."""
    resource = boto3.resource("dynamodb", region_name="us-east-1")
    keys = {
        "orders": [("order_id", "HASH")],
        "inventory": [("product_id", "HASH")],
        "refunds": [("order_id", "HASH"), ("refund_id", "RANGE")],
        "idempotency": [("id", "HASH")],
    }
    for name, schema in keys.items():
        resource.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": a, "KeyType": k} for a, k in schema],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a, _ in schema],
        )
    resource.Table("orders").put_item(
        Item={
            "order_id": "ORD-1001",
            "customer_id": CUSTOMER,
            "status": "DELIVERED",
            "currency": "USD",
            "total_amount": Decimal("100.00"),
            "placed_at": "2025-01-15T10:00:00+00:00",
            "lines": [
                {"product_id": "SKU-100", "quantity": 2, "unit_price": Decimal("40.00")},
                {"product_id": "SKU-200", "quantity": 1, "unit_price": Decimal("20")},
            ],
        }
    )
    resource.Table("orders").put_item(Item={"order_id": "ORD-2001", "customer_id": OTHER_CUSTOMER, "status": "SHIPPED",
                                            "currency": "USD", "total_amount": Decimal("60"),
                                            "placed_at": "2025-03-01T00:00:00+00:00"})
    resource.Table("orders").put_item(Item={"order_id": "ORD-3001", "customer_id": CUSTOMER, "status": "CANCELLED",
                                            "currency": "USD", "total_amount": Decimal("40"),
                                            "placed_at": "2025-03-02T00:00:00+00:00"})
    resource.Table("inventory").put_item(Item={"product_id": "SKU-100", "name": "Trail shoes", "quantity_available": 7})
    resource.Table("inventory").put_item(Item={"product_id": "SKU-200", "name": "Socks", "quantity_available": 0})
    yield resource
    for name in keys:
        resource.Table(name).delete()


def bedrock_event(api_path: str, method: str, parameters: dict[str, str] | None = None,
                  body: dict[str, str] | None = None, session: dict[str, str] | None = None) -> dict[str, Any]:
    """An OpenAPI action-group event exactly as Bedrock Agents sends it (all values strings).

    ``sessionAttributes`` are what the calling application set (by default customer CUST-42).
    """
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": {"name": "support-agent", "id": "AGENT12345", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "Where is my order ORD-1001?",
        "sessionId": "123456789012345",
        "actionGroup": ACTION_GROUP,
        "apiPath": api_path,
        "httpMethod": method,
        "parameters": [{"name": k, "type": "string", "value": v} for k, v in (parameters or {}).items()],
        "sessionAttributes": dict(SESSION if session is None else session),
        "promptSessionAttributes": dict(PROMPT_SESSION),
    }
    if body is not None:
        event["requestBody"] = {
            "content": {
                "application/json": {
                    "properties": [{"name": k, "type": "string", "value": v} for k, v in body.items()]
                }
            }
        }
    return event


def invoke(handler, event: Any) -> dict[str, Any]:
    """Call the handler; every reply echoes the event's session and prompt session attributes."""
    response = handler.lambda_handler(event, FakeContext())
    if isinstance(event, dict) and isinstance(event.get("sessionAttributes"), dict):
        assert response["sessionAttributes"] == event["sessionAttributes"]
        assert response["promptSessionAttributes"] == event["promptSessionAttributes"]
    return response


def envelope_body(response: dict[str, Any], *, api_path: str, method: str, status: int,
                  action_group: str = ACTION_GROUP) -> Any:
    """Assert the exact Bedrock response envelope and return the decoded body."""
    assert set(response) == {"messageVersion", "response", "sessionAttributes", "promptSessionAttributes"}
    assert response["messageVersion"] == "1.0"
    inner = response["response"]
    assert set(inner) == {"actionGroup", "apiPath", "httpMethod", "httpStatusCode", "responseBody"}
    assert inner["actionGroup"] == action_group
    assert inner["apiPath"] == api_path
    assert inner["httpMethod"] == method
    assert inner["httpStatusCode"] == status
    assert type(inner["httpStatusCode"]) is int
    assert set(inner["responseBody"]) == {"application/json"}
    assert set(inner["responseBody"]["application/json"]) == {"body"}
    body = inner["responseBody"]["application/json"]["body"]
    assert isinstance(body, str)
    return json.loads(body)


def refund(handler, order_id: str, amount: str, reason: str = "Arrived damaged", token: str | None = None,
           session: dict[str, str] | None = None) -> dict[str, Any]:
    """A refund request; without ``token`` a new one, as the agent sends for each refund the customer asks for."""
    body = {"amount": amount, "reason": reason, "idempotency_token": token or str(uuid.uuid4())}
    return invoke(handler, bedrock_event(REFUND_PATH, "POST", {"order_id": order_id}, body, session=session))


def ledger(dynamodb, order_id: str) -> Decimal | None:
    item = dynamodb.Table("refunds").get_item(Key={"order_id": order_id, "refund_id": "#LEDGER"}).get("Item")
    return item["refunded_amount"] if item else None


def refund_items(dynamodb, order_id: str) -> list[dict[str, Any]]:
    items = dynamodb.Table("refunds").query(
        KeyConditionExpression=boto3.dynamodb.conditions.Key("order_id").eq(order_id)
    )["Items"]
    return [item for item in items if item["refund_id"] != "#LEDGER"]


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

TOKEN = "0f8e4a9c-3a8b-4d5e-9f10-11aa22bb33cc"

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
