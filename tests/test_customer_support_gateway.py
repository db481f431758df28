"""The customer-support tools behind AgentCore Gateway: the gateway adapter of the one business core.

Invocations follow the documented Lambda-target format (see ``gateway_events`` for the AWS pages);
every reply, including for malformed invocations, must be a JSON tool result or an ``isError`` tool
error, never an exception (an unhandled error reaches the agent only as a generic "internal error":
"Debugging your gateway", https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-debugging.html).
"""

from __future__ import annotations

import importlib
import json
import os
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError
from customer_support_events import (
    CUSTOMER,
    ENV,
    REFUND_PATH,
    bedrock_event,
    envelope_body,
    invoke,
    ledger,
    refund_items,
    seeded_tables,
)
from gateway_events import CUSTOMER_HEADER, GatewayContext, assert_json, gateway_context, tool_error_body
from lambda_loader import load_lambda
from moto import mock_aws


@pytest.fixture(scope="module")
def adapters():
    """Both adapters, imported from one code directory as the two Lambda functions would be."""
    with mock.patch.dict(os.environ, ENV), mock_aws(), load_lambda("customer_support", "gateway_handler") as gateway:
        yield SimpleNamespace(gateway=gateway, classic=importlib.import_module("handler"),
                              actions=importlib.import_module("actions"))


@pytest.fixture
def dynamodb(adapters):
    yield from seeded_tables()


def call(adapters, tool: str, arguments: Any, *, headers: dict[str, str] | None = CUSTOMER_HEADER,
         context: Any = None) -> Any:
    reply = adapters.gateway.handler(arguments, context or gateway_context(tool, headers=headers))
    assert_json(reply)
    return reply


def refund_arguments(order_id: str = "ORD-1001", amount: str = "25.00", token: str | None = None) -> dict[str, str]:
    return {"order_id": order_id, "amount": amount, "reason": "Arrived damaged",
            "idempotency_token": token or str(uuid.uuid4())}


# --- results --------------------------------------------------------------------------------------

def test_get_order_returns_the_order_as_plain_json(adapters, dynamodb):
    assert call(adapters, "get_order", {"order_id": "ORD-1001"}) == {
        "order_id": "ORD-1001", "status": "DELIVERED", "currency": "USD", "total_amount": "100.00",
        "refunded_amount": "0.00", "refundable_amount": "100.00", "placed_at": "2025-01-15T10:00:00+00:00",
        "lines": [{"product_id": "SKU-100", "quantity": 2, "unit_price": "40.00"},
                  {"product_id": "SKU-200", "quantity": 1, "unit_price": "20.00"}],
    }


def test_inventory_needs_no_customer_identity(adapters, dynamodb):
    assert call(adapters, "get_inventory", {"product_id": "SKU-100"}, headers=None) == {
        "product_id": "SKU-100", "name": "Trail shoes", "quantity_available": 7, "in_stock": True,
    }


@pytest.mark.parametrize("target", ["customer-support-actions", "a", "Support-2-Actions"])
def test_target_prefix_is_stripped_at_the_first_delimiter(adapters, dynamodb, target):
    # gateway-tool-naming.html: ${target_name}___${tool_name}; TargetName is ([0-9a-zA-Z][-]?){1,100}
    # (botocore bedrock-agentcore-control), so the target never contains "_".
    reply = call(adapters, "get_inventory", {"product_id": "SKU-200"},
                 context=gateway_context("get_inventory", target=target))
    assert reply["quantity_available"] == 0


def test_refund_through_the_gateway(adapters, dynamodb):
    token = "5b0c3a52-4a5e-4f7e-9a1d-2f1f3e1c9b10"
    reply = call(adapters, "initiate_refund", refund_arguments(amount="25.5", token=token))
    assert reply["refund_id"] == adapters.gateway.refunds.refund_id_for(CUSTOMER, "ORD-1001", token)
    assert {k: reply[k] for k in ("order_id", "amount", "currency", "status")} == {
        "order_id": "ORD-1001", "amount": "25.50", "currency": "USD", "status": "INITIATED"}
    assert ledger(dynamodb, "ORD-1001") == Decimal("25.50")


# --- one business core ----------------------------------------------------------------------------

def test_a_refund_via_the_gateway_and_via_classic_is_one_refund_in_the_same_tables(adapters, dynamodb):
    """Same customer, order and idempotency token through both engines: one refund, one ledger entry."""
    token = "0f8e4a9c-3a8b-4d5e-9f10-11aa22bb33cc"
    by_gateway = call(adapters, "initiate_refund", refund_arguments(amount="30.00", token=token))
    classic_reply = invoke(adapters.classic, bedrock_event(
        REFUND_PATH, "POST", {"order_id": "ORD-1001"},
        {"amount": "30", "reason": "Arrived damaged", "idempotency_token": token}))
    by_classic = envelope_body(classic_reply, api_path=REFUND_PATH, method="POST", status=200)
    assert by_classic == by_gateway
    assert len(refund_items(dynamodb, "ORD-1001")) == 1
    assert ledger(dynamodb, "ORD-1001") == Decimal("30.00")
    # ... and the refundable amount the rules check is shared: Classic cannot refund past what the gateway took.
    over = invoke(adapters.classic, bedrock_event(
        REFUND_PATH, "POST", {"order_id": "ORD-1001"},
        {"amount": "70.01", "reason": "Rest", "idempotency_token": str(uuid.uuid4())}))
    assert envelope_body(over, api_path=REFUND_PATH, method="POST", status=409)["error"] == \
        "REFUND_EXCEEDS_REFUNDABLE_AMOUNT"


def test_both_adapters_call_the_same_core_functions(adapters, dynamodb, monkeypatch):
    seen: list[tuple[str, str]] = []
    real = adapters.actions.lookup_order

    def spy(order_id: str, customer_id: str) -> Any:
        seen.append((order_id, customer_id))
        return real(order_id, customer_id)

    monkeypatch.setattr(adapters.actions, "lookup_order", spy)
    call(adapters, "get_order", {"order_id": "ORD-1001"})
    invoke(adapters.classic, bedrock_event("/orders/{order_id}", "GET", {"order_id": "ORD-1001"}))
    assert seen == [("ORD-1001", CUSTOMER), ("ORD-1001", CUSTOMER)]


# --- ownership: the customer comes from a propagated header, never from arguments -------------------

@pytest.mark.parametrize(("tool", "arguments"), [("get_order", {"order_id": "ORD-1001"}),
                                                 ("initiate_refund", refund_arguments())])
@pytest.mark.parametrize("headers", [None, {}, {"X-Customer-Id": ""}, {"X-Customer-Id": " CUST-42"},
                                     {"X-Other": "CUST-42"}])
def test_without_a_trusted_customer_orders_are_refused(adapters, dynamodb, tool, arguments, headers):
    body = tool_error_body(call(adapters, tool, arguments, headers=headers))
    assert body["error"] == "CUSTOMER_NOT_IDENTIFIED"
    assert "sign in" in body["message"]
    assert refund_items(dynamodb, "ORD-1001") == []


def test_header_name_is_case_insensitive(adapters, dynamodb):
    assert call(adapters, "get_order", {"order_id": "ORD-1001"}, headers={"x-customer-id": CUSTOMER})["order_id"] \
        == "ORD-1001"


def test_a_customer_id_in_the_arguments_is_refused_not_used(adapters, dynamodb):
    body = tool_error_body(call(adapters, "get_order", {"order_id": "ORD-2001", "customer_id": "CUST-77"}))
    assert body["error"] == "INVALID_PARAMETER"
    assert body["detail"][0]["loc"] == ["customer_id"] and body["detail"][0]["type"] == "extra_forbidden"


def test_another_customers_order_is_not_revealed(adapters, dynamodb):
    body = tool_error_body(call(adapters, "get_order", {"order_id": "ORD-2001"}))
    assert body["error"] == "ORDER_NOT_OWNED"
    assert "SHIPPED" not in body["message"] and "60" not in body["message"]


def test_cancelled_order_is_not_refunded(adapters, dynamodb):
    body = tool_error_body(call(adapters, "initiate_refund", refund_arguments(order_id="ORD-3001", amount="5")))
    assert body["error"] == "ORDER_CANCELLED"
    assert ledger(dynamodb, "ORD-3001") is None


def test_unknown_order_is_a_tool_error(adapters, dynamodb):
    assert tool_error_body(call(adapters, "get_order", {"order_id": "ORD-9999"}))["error"] == "ORDER_NOT_FOUND"


# --- malformed invocations ------------------------------------------------------------------------

def test_unknown_tool(adapters, dynamodb):
    body = tool_error_body(call(adapters, "delete_order", {"order_id": "ORD-1001"}))
    assert body["error"] == "UNKNOWN_TOOL"
    assert "get_inventory, get_order, initiate_refund" in body["message"]


@pytest.mark.parametrize("context", [
    GatewayContext(None, client_context=False),  # invoked directly, no client context
    GatewayContext(None),  # a client context without custom
    GatewayContext({"bedrockAgentCoreGatewayId": "g"}),  # no tool name
    GatewayContext({"bedrockAgentCoreToolName": 42}),
    GatewayContext({"bedrockAgentCoreToolName": ""}),
])
def test_missing_client_context(adapters, dynamodb, context):
    assert tool_error_body(call(adapters, "get_order", {"order_id": "ORD-1001"}, context=context))["error"] == \
        "MALFORMED_INVOCATION"


@pytest.mark.parametrize("event", [None, [], "ORD-1001", 7, ["order_id", "ORD-1001"]])
def test_non_object_event(adapters, dynamodb, event):
    body = tool_error_body(call(adapters, "get_order", event))
    assert body["error"] == "INVALID_PARAMETER" and "not an object" in body["message"]


@pytest.mark.parametrize(("arguments", "loc", "kind"), [
    ({}, ["order_id"], "missing"),
    ({"order_id": 1001}, ["order_id"], "string_type"),  # strict: the schema says string
    ({"order_id": "ORD 1001"}, ["order_id"], "string_pattern_mismatch"),  # pattern dropped from the schema
    ({"order_id": "O" * 65}, ["order_id"], "string_too_long"),
    ({"order_id": "ORD-1001", "note": "x"}, ["note"], "extra_forbidden"),
])
def test_invalid_arguments_name_the_field(adapters, dynamodb, arguments, loc, kind):
    body = tool_error_body(call(adapters, "get_order", arguments))
    assert body["error"] == "INVALID_PARAMETER"
    assert [(p["loc"], p["type"]) for p in body["detail"]] == [(loc, kind)]


@pytest.mark.parametrize(("field", "value", "kind"), [
    ("amount", "١٢.00", "string_pattern_mismatch"),  # Arabic-Indic digits: ASCII only
    ("amount", "12.345", "string_pattern_mismatch"),
    ("amount", 12.5, "string_type"),
    ("idempotency_token", "short", "string_pattern_mismatch"),
    ("reason", "", "string_too_short"),
    ("reason", "personal detail " * 10_000, "string_too_long"),  # oversized: refused, never echoed
])
def test_invalid_refund_arguments_refund_nothing_and_echo_nothing(adapters, dynamodb, field, value, kind):
    reply = call(adapters, "initiate_refund", {**refund_arguments(), field: value})
    body = tool_error_body(reply)
    assert body["error"] == "INVALID_PARAMETER"
    assert [(p["loc"], p["type"]) for p in body["detail"]] == [([field], kind)]
    assert "personal detail" not in json.dumps(reply) and "١٢" not in json.dumps(reply)
    assert refund_items(dynamodb, "ORD-1001") == []


def test_zero_amount_is_refused_by_the_core(adapters, dynamodb):
    body = tool_error_body(call(adapters, "initiate_refund", refund_arguments(amount="0.00")))
    assert body["error"] == "INVALID_PARAMETER" and "greater than 0.00" in body["message"]


def test_dynamodb_failure_is_a_tool_error(adapters, dynamodb, monkeypatch):
    def broken(product_id: str) -> Any:
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                          "GetItem")

    monkeypatch.setattr(adapters.gateway.actions.inventory, "get_stock", broken)
    body = tool_error_body(call(adapters, "get_inventory", {"product_id": "SKU-100"}))
    assert body["error"] == "INTERNAL_ERROR" and "Do not assume it succeeded" in body["message"]


def test_missing_table_configuration_is_a_tool_error(adapters, dynamodb, monkeypatch):
    monkeypatch.delenv("ORDERS_TABLE_NAME")
    assert tool_error_body(call(adapters, "get_order", {"order_id": "ORD-1001"}))["error"] == "INTERNAL_ERROR"
