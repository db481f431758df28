"""Shared by the customer-support handler tests: the Lambda on moto DynamoDB, and events in Bedrock's format.

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
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import ModuleType
from typing import Any
from unittest import mock

import boto3
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
TOKEN = "0f8e4a9c-3a8b-4d5e-9f10-11aa22bb33cc"
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


@contextmanager
def loaded_handler() -> Iterator[ModuleType]:
    """The handler module, imported as Lambda does, with its environment and moto DynamoDB (a module fixture)."""
    with mock.patch.dict(os.environ, ENV), mock_aws(), load_lambda("customer_support") as module:
        yield module


def seeded_tables() -> Iterator[Any]:
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
