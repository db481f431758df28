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


# --- ownership: the customer comes from the session attributes the application set ---------------
# sessionAttributes are set by the application in InvokeAgent sessionState and passed unchanged to the
# action-group Lambda ("Control agent session context",
# https://docs.aws.amazon.com/bedrock/latest/userguide/agents-session-state.html); parameters and the
# request body are filled in by the model from the conversation, so they never name the customer.

def test_order_of_another_customer_is_403(handler, dynamodb):
    response = invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-2001"}))
    body = envelope_body(response, api_path=ORDER_PATH, method="GET", status=403)
    assert body["error"] == "ORDER_NOT_OWNED"
    assert "SHIPPED" not in body["message"] and OTHER_CUSTOMER not in body["message"]  # nothing about the order leaks
    # the owner sees it
    owner = invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-2001"}, session={"customerId": OTHER_CUSTOMER}))
    assert envelope_body(owner, api_path=ORDER_PATH, method="GET", status=200)["total_amount"] == "60.00"


def test_refund_of_another_customers_order_is_403_and_writes_nothing(handler, dynamodb):
    body = envelope_body(refund(handler, "ORD-2001", "10.00"), api_path=REFUND_PATH, method="POST", status=403)
    assert body["error"] == "ORDER_NOT_OWNED"
    assert refund_items(dynamodb, "ORD-2001") == [] and ledger(dynamodb, "ORD-2001") is None
    assert dynamodb.Table("idempotency").scan()["Items"] == []


@pytest.mark.parametrize("session", [{}, {"customerId": ""}, {"customerId": " CUST-42"}, {"customerid": CUSTOMER}],
                         ids=["absent", "empty", "padded", "wrong-case-key"])
@pytest.mark.parametrize(("api_path", "method", "body"), [
    (ORDER_PATH, "GET", None),
    (REFUND_PATH, "POST", {"amount": "5.00", "reason": "late", "idempotency_token": "0f8e4a9c-3a8b-4d5e"}),
], ids=["lookup", "refund"])
def test_missing_customer_identity_is_401(handler, dynamodb, session, api_path, method, body):
    response = invoke(handler, bedrock_event(api_path, method, {"order_id": "ORD-1001"}, body, session=session))
    assert envelope_body(response, api_path=api_path, method=method, status=401)["error"] == "CUSTOMER_NOT_IDENTIFIED"
    assert refund_items(dynamodb, "ORD-1001") == []


def test_session_attributes_missing_from_the_event_is_401(handler, dynamodb):
    event = bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001"})
    del event["sessionAttributes"]
    response = invoke(handler, event)
    assert envelope_body(response, api_path=ORDER_PATH, method="GET", status=401)["error"] == "CUSTOMER_NOT_IDENTIFIED"
    assert response["sessionAttributes"] == {}


def test_customer_named_by_the_model_is_ignored(handler, dynamodb):
    """A customer id in parameters or the body (the model's words) never replaces the session's."""
    event = bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-2001", "customerId": OTHER_CUSTOMER,
                                              "customer_id": OTHER_CUSTOMER})
    assert envelope_body(invoke(handler, event), api_path=ORDER_PATH, method="GET", status=403)["error"] == "ORDER_NOT_OWNED"
    body = {"amount": "5.00", "reason": "late", "idempotency_token": TOKEN, "customerId": OTHER_CUSTOMER}
    event = bedrock_event(REFUND_PATH, "POST", {"order_id": "ORD-2001"}, body)
    assert envelope_body(invoke(handler, event), api_path=REFUND_PATH, method="POST", status=403)["error"] == "ORDER_NOT_OWNED"
    unsigned = bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001", "customerId": CUSTOMER}, session={})
    assert envelope_body(invoke(handler, unsigned), api_path=ORDER_PATH, method="GET", status=401)
    assert refund_items(dynamodb, "ORD-2001") == []


def test_order_without_owner_belongs_to_no_one(handler, dynamodb):
    dynamodb.Table("orders").put_item(Item={"order_id": "ORD-4001", "status": "DELIVERED", "currency": "USD",
                                            "total_amount": Decimal("10"), "placed_at": "2025-01-01T00:00:00+00:00"})
    response = invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-4001"}))
    assert envelope_body(response, api_path=ORDER_PATH, method="GET", status=403)["error"] == "ORDER_NOT_OWNED"


def test_inventory_needs_no_customer_identity(handler, dynamodb):
    response = invoke(handler, bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-100"}, session={}))
    assert envelope_body(response, api_path=INVENTORY_PATH, method="GET", status=200)["quantity_available"] == 7


# --- idempotency: keyed on the request (customer, order, token), never on the amount -------------

def test_two_refunds_of_the_same_amount_are_two_refunds(handler, dynamodb):
    first = envelope_body(refund(handler, "ORD-1001", "10.00"), api_path=REFUND_PATH, method="POST", status=200)
    second = envelope_body(refund(handler, "ORD-1001", "10.00"), api_path=REFUND_PATH, method="POST", status=200)
    assert first["refund_id"] != second["refund_id"]
    assert sorted(item["amount"] for item in refund_items(dynamodb, "ORD-1001")) == [Decimal("10.00")] * 2
    assert ledger(dynamodb, "ORD-1001") == Decimal("20.00")
    assert len(dynamodb.Table("idempotency").scan()["Items"]) == 2


def test_refund_id_is_derived_from_the_request_identity(handler, dynamodb):
    token = "7d9f1c2e-aaaa-4bbb-8ccc-123456789abc"
    body = envelope_body(refund(handler, "ORD-1001", "10.00", token=token), api_path=REFUND_PATH, method="POST",
                         status=200)
    assert body["refund_id"] == handler.refunds.refund_id_for(CUSTOMER, "ORD-1001", token)
    assert body["refund_id"] != handler.refunds.refund_id_for(CUSTOMER, "ORD-1001", token + "x")
    assert body["refund_id"] != handler.refunds.refund_id_for(OTHER_CUSTOMER, "ORD-1001", token)
    [item] = refund_items(dynamodb, "ORD-1001")
    assert (item["refund_id"], item["customer_id"]) == (body["refund_id"], CUSTOMER)


class _CommitThenTimeOut:
    """DynamoDB commits the transaction but the response never arrives (the call raises a read timeout)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions
        self.calls = 0

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ReadTimeoutError

        self.calls += 1
        self._client.transact_write_items(**kwargs)
        if self.calls == 1:
            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return {}


def test_retry_after_the_write_committed_but_the_call_failed_refunds_once(handler, dynamodb, monkeypatch):
    """The first attempt fails after DynamoDB committed: Powertools drops its in-progress record, so only the
    conditional put of the deterministic refund id stops the retry from refunding again."""
    timing_out = _CommitThenTimeOut(handler.refunds.tables.client())
    monkeypatch.setattr(handler.refunds.tables, "client", lambda: timing_out)
    token = "c0ffee00-1111-4222-8333-444455556666"
    failed = refund(handler, "ORD-1001", "25.00", token=token)
    assert envelope_body(failed, api_path=REFUND_PATH, method="POST", status=500)["error"] == "INTERNAL_ERROR"
    assert dynamodb.Table("idempotency").scan()["Items"] == []  # Powertools deleted the record of the failed call

    retried = envelope_body(refund(handler, "ORD-1001", "25.00", token=token), api_path=REFUND_PATH, method="POST",
                            status=200)
    [item] = refund_items(dynamodb, "ORD-1001")
    assert retried["refund_id"] == item["refund_id"] and retried["created_at"] == item["created_at"]
    assert ledger(dynamodb, "ORD-1001") == Decimal("25.00")
    assert timing_out.calls == 2


def test_retry_after_the_idempotency_record_is_gone_refunds_once(handler, dynamodb):
    token = "feedface-1111-4222-8333-444455556666"
    first = envelope_body(refund(handler, "ORD-1001", "40.00", token=token), api_path=REFUND_PATH, method="POST",
                          status=200)
    for record in dynamodb.Table("idempotency").scan()["Items"]:  # expired, or the idempotency table was lost
        dynamodb.Table("idempotency").delete_item(Key={"id": record["id"]})
    again = envelope_body(refund(handler, "ORD-1001", "40.00", reason="Reworded by the model", token=token),
                          api_path=REFUND_PATH, method="POST", status=200)
    assert again == first
    assert len(refund_items(dynamodb, "ORD-1001")) == 1 and ledger(dynamodb, "ORD-1001") == Decimal("40.00")


@pytest.mark.parametrize("record_gone", [False, True], ids=["powertools-record", "conditional-write"])
def test_token_reused_for_another_amount_is_422(handler, dynamodb, record_gone):
    """Reusing an idempotency key with a different payload is 422 in the IETF Idempotency-Key draft
    (draft-ietf-httpapi-idempotency-key-header, "Error Scenarios"); nothing more is refunded."""
    token = "deadbeef-1111-4222-8333-444455556666"
    envelope_body(refund(handler, "ORD-1001", "10.00", token=token), api_path=REFUND_PATH, method="POST", status=200)
    if record_gone:
        for record in dynamodb.Table("idempotency").scan()["Items"]:
            dynamodb.Table("idempotency").delete_item(Key={"id": record["id"]})
    body = envelope_body(refund(handler, "ORD-1001", "20.00", token=token), api_path=REFUND_PATH, method="POST",
                         status=422)
    assert body["error"] == "IDEMPOTENCY_TOKEN_REUSED"
    assert len(refund_items(dynamodb, "ORD-1001")) == 1 and ledger(dynamodb, "ORD-1001") == Decimal("10.00")


# --- cancelled orders ---------------------------------------------------------------------------

def test_refund_on_cancelled_order_is_409(handler, dynamodb):
    body = envelope_body(refund(handler, "ORD-3001", "10.00"), api_path=REFUND_PATH, method="POST", status=409)
    assert body["error"] == "ORDER_CANCELLED"
    assert refund_items(dynamodb, "ORD-3001") == [] and ledger(dynamodb, "ORD-3001") is None


def test_order_cancelled_while_refunding_is_409(handler, dynamodb, monkeypatch):
    """The transaction re-checks the order (ConditionCheck), so a cancellation after the read still wins."""
    build = handler.refunds._transaction

    def cancel_first(*args: Any) -> list[dict[str, Any]]:
        dynamodb.Table("orders").update_item(Key={"order_id": "ORD-1001"}, UpdateExpression="SET #s = :c",
                                             ExpressionAttributeNames={"#s": "status"},
                                             ExpressionAttributeValues={":c": "CANCELLED"})
        return build(*args)

    monkeypatch.setattr(handler.refunds, "_transaction", cancel_first)
    body = envelope_body(refund(handler, "ORD-1001", "10.00"), api_path=REFUND_PATH, method="POST", status=409)
    assert body["error"] == "ORDER_CANCELLED"
    assert refund_items(dynamodb, "ORD-1001") == [] and ledger(dynamodb, "ORD-1001") is None


# --- DynamoDB TransactionConflict: retried once ---------------------------------------------------
# botocore dynamodb model, TransactionCanceledException: CancellationReasons are listed in the order of the
# transaction's items, Code "None" for an item without error and "TransactionConflict" ("Transaction is
# ongoing for the item") when a concurrent transaction writes the same item.

CONFLICT = [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item."},
            {"Code": "None"}]


class _ConflictThenReal:
    """The first ``conflicts`` transactions fail as botocore parses a TransactionConflict; later ones reach moto."""

    def __init__(self, client: Any, conflicts: int) -> None:
        from botocore.stub import Stubber

        self._client = client
        self.exceptions = client.exceptions
        self._stubbed = boto3.resource("dynamodb", region_name="us-east-1").meta.client
        self._stubber = Stubber(self._stubbed)
        for _ in range(conflicts):
            self._stubber.add_client_error(
                "transact_write_items", service_error_code="TransactionCanceledException",
                service_message="Transaction cancelled, please refer cancellation reasons for specific reasons "
                "[None, TransactionConflict, None]", modeled_fields={"CancellationReasons": CONFLICT},
            )
        self._stubber.activate()
        self.conflicts, self.calls = conflicts, []

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if len(self.calls) <= self.conflicts:
            return self._stubbed.transact_write_items(**kwargs)
        return self._client.transact_write_items(**kwargs)


def test_transaction_conflict_is_retried_once(handler, dynamodb, monkeypatch):
    conflicting = _ConflictThenReal(handler.refunds.tables.client(), conflicts=1)
    monkeypatch.setattr(handler.refunds.tables, "client", lambda: conflicting)
    monkeypatch.setattr(handler.refunds, "CONFLICT_RETRY_DELAY_SECONDS", 0)
    body = envelope_body(refund(handler, "ORD-1001", "15.00"), api_path=REFUND_PATH, method="POST", status=200)
    assert len(conflicting.calls) == 2 and conflicting.calls[0] == conflicting.calls[1]  # the same write again
    [item] = refund_items(dynamodb, "ORD-1001")
    assert item["refund_id"] == body["refund_id"] and ledger(dynamodb, "ORD-1001") == Decimal("15.00")


def test_transaction_conflict_twice_is_409_and_nothing_is_refunded(handler, dynamodb, monkeypatch):
    conflicting = _ConflictThenReal(handler.refunds.tables.client(), conflicts=3)
    monkeypatch.setattr(handler.refunds.tables, "client", lambda: conflicting)
    monkeypatch.setattr(handler.refunds, "CONFLICT_RETRY_DELAY_SECONDS", 0)
    body = envelope_body(refund(handler, "ORD-1001", "15.00"), api_path=REFUND_PATH, method="POST", status=409)
    assert body["error"] == "REFUND_CONFLICT"
    assert len(conflicting.calls) == 2  # retried exactly once
    assert refund_items(dynamodb, "ORD-1001") == [] and ledger(dynamodb, "ORD-1001") is None
    assert dynamodb.Table("idempotency").scan()["Items"] == []  # the failure is not cached: a retry may succeed


# --- malformed bodies are 400, never 500 --------------------------------------------------------
# Bedrock sends each body property as {name, type, value} with string name and value
# (agents-lambda.html, "Lambda input event from Amazon Bedrock").

def _body_with(properties: list[Any]) -> dict[str, Any]:
    return dict(bedrock_event(REFUND_PATH, "POST", {"order_id": "ORD-1001"}),
                requestBody={"content": {"application/json": {"properties": properties}}})


@pytest.mark.parametrize(("event", "problem"), [
    (_body_with([{"name": ["amount"], "type": "string", "value": "5"}]), "properties[0].name is not a string"),
    (_body_with([{"name": 7, "type": "string", "value": "5"}]), "properties[0].name is not a string"),
    (_body_with([{"name": "amount", "type": "number", "value": 5}]), "properties[0].value is not a string"),
    (_body_with([{"name": "amount", "type": "string", "value": None}]), "properties[0].value is not a string"),
    (dict(bedrock_event(ORDER_PATH, "GET"), parameters=[{"name": {"x": 1}, "type": "string", "value": "ORD-1001"}]),
     "parameters[0].name is not a string"),
], ids=["name-list", "name-number", "value-number", "value-null", "parameter-name-object"])
def test_malformed_body_is_400_not_500(handler, dynamodb, event, problem):
    body = envelope_body(invoke(handler, event), api_path=event["apiPath"], method=event["httpMethod"], status=400)
    assert body["error"] == "MALFORMED_EVENT"
    assert problem in body["message"]
    assert refund_items(dynamodb, "ORD-1001") == []


# --- amounts: ASCII digits only -----------------------------------------------------------------
# Python's Decimal()/int() and a ``\d`` pattern (Python re and pydantic's Rust regex alike) accept any
# Unicode decimal digit: "١٢٣" (Arabic-Indic) is 123 and "１２" (fullwidth) is 12.

@pytest.mark.parametrize("amount", ["١٢٣", "１２", "12\n", "1٢.00", "５.５０"],
                         ids=["arabic-indic", "fullwidth", "trailing-newline", "mixed", "fullwidth-decimals"])
def test_amount_with_non_ascii_digits_is_422(handler, dynamodb, amount):
    body = envelope_body(refund(handler, "ORD-1001", amount), api_path=REFUND_PATH, method="POST", status=422)
    assert body["error"] == "INVALID_PARAMETER"
    assert ["body", "amount"] in [problem["loc"] for problem in body["detail"]]
    assert refund_items(dynamodb, "ORD-1001") == []


@pytest.mark.parametrize("text", ["١٢٣", "１２", "12\n", " 12", "1e3", "Infinity", "NaN", "1_000", "+5", "1.999"])
def test_parse_amount_rejects_anything_but_ascii_decimals(handler, text):
    with pytest.raises(ValueError) as error:
        handler.parse_amount(text)
    assert text not in str(error.value)  # the input is not echoed
    assert handler.parse_amount("25.5") == Decimal("25.50")


# --- session state echoed on every reply --------------------------------------------------------
# "Response format" (agents-lambda.html#agents-lambda-response): sessionAttributes and
# promptSessionAttributes are optional top-level fields of the Lambda response.

def _malformed() -> dict[str, Any]:
    return dict(bedrock_event(ORDER_PATH, "GET"), parameters="order_id=ORD-1001")


@pytest.mark.parametrize(("event", "status"), [
    (bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001"}), 200),
    (bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-9999"}), 404),
    (bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-2001"}), 403),
    (bedrock_event(ORDER_PATH, "GET", {"order_id": "bad id"}), 422),
    (bedrock_event("/customers/{customer_id}", "GET"), 404),
    (_malformed(), 400),
], ids=["success", "not-found", "forbidden", "invalid", "unknown-operation", "malformed"])
def test_every_reply_echoes_session_state(handler, dynamodb, event, status):
    response = handler.lambda_handler(event, FakeContext())
    assert response["response"]["httpStatusCode"] == status
    assert response["sessionAttributes"] == {"customerId": CUSTOMER, "tier": "gold"}
    assert response["promptSessionAttributes"] == {"channel": "web"}


def test_unexpected_error_echoes_session_state(handler, dynamodb, monkeypatch):
    def broken(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(handler.inventory, "get_stock", broken)
    response = handler.lambda_handler(bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-100"}), FakeContext())
    assert response["response"]["httpStatusCode"] == 500
    assert (response["sessionAttributes"], response["promptSessionAttributes"]) == (SESSION, PROMPT_SESSION)


# --- nothing personal in X-Ray ------------------------------------------------------------------
# Powertools Tracer records a traced function's return value and exception as X-Ray metadata unless
# capture_response / capture_error are off (decorator argument, or POWERTOOLS_TRACER_CAPTURE_RESPONSE /
# POWERTOOLS_TRACER_CAPTURE_ERROR; https://docs.powertools.aws.dev/lambda/python/latest/core/tracer/).
# The handler is loaded here without those variables, so the decorators themselves must turn capture off.

def test_traces_record_no_responses_or_errors(handler, dynamodb, monkeypatch):
    from aws_lambda_powertools import Tracer

    assert "POWERTOOLS_TRACER_CAPTURE_RESPONSE" not in os.environ
    seen: list[tuple[str, str, bool]] = []
    monkeypatch.setattr(Tracer, "_add_response_as_metadata",
                        lambda self, method_name, data, subsegment, capture_response: seen.append(
                            ("response", method_name, capture_response)))
    monkeypatch.setattr(Tracer, "_add_full_exception_as_metadata",
                        lambda self, method_name, error, subsegment, capture_error: seen.append(
                            ("error", method_name, capture_error)))
    invoke(handler, bedrock_event(ORDER_PATH, "GET", {"order_id": "ORD-1001"}))
    refund(handler, "ORD-1001", "5.00", reason="Customer Jane Doe, 12 Main St, says it broke")
    refund(handler, "ORD-1001", "500.00")  # raises RefundExceedsRefundable inside traced functions
    invoke(handler, bedrock_event(INVENTORY_PATH, "GET", {"product_id": "SKU-404"}))
    assert {kind for kind, _, _ in seen} == {"response", "error"}  # the spies saw both kinds of call
    assert [entry for entry in seen if entry[2]] == []
