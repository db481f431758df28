"""The rules that make the reference action group safe to copy (issue 7, item 7).

Ownership from the session attributes the application sets, refunds keyed on the request's
idempotency token (and safe to retry after a partial failure), cancelled orders refused, one retry
of a DynamoDB TransactionConflict, malformed bodies as 400, ASCII-only amounts, session state
echoed on every reply, and no responses or errors in X-Ray. Event format and sources: see
``customer_support_events``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import boto3
import pytest
from customer_support_events import (
    CUSTOMER,
    INVENTORY_PATH,
    ORDER_PATH,
    OTHER_CUSTOMER,
    PROMPT_SESSION,
    REFUND_PATH,
    SESSION,
    TOKEN,
    FakeContext,
    bedrock_event,
    envelope_body,
    invoke,
    ledger,
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


@pytest.mark.parametrize("amount", ["40.00", "100.00"], ids=["partial", "full-refund"])
def test_retry_after_the_idempotency_record_is_gone_refunds_once(handler, dynamodb, amount):
    """For a full refund the retry's ledger condition fails too (DynamoDB reports a reason per item): the
    refund already written still wins, so the retry gets the refund, not 'exceeds refundable'."""
    token = "feedface-1111-4222-8333-444455556666"
    first = envelope_body(refund(handler, "ORD-1001", amount, token=token), api_path=REFUND_PATH, method="POST",
                          status=200)
    for record in dynamodb.Table("idempotency").scan()["Items"]:  # expired, or the idempotency table was lost
        dynamodb.Table("idempotency").delete_item(Key={"id": record["id"]})
    again = envelope_body(refund(handler, "ORD-1001", amount, reason="Reworded by the model", token=token),
                          api_path=REFUND_PATH, method="POST", status=200)
    assert again == first
    assert len(refund_items(dynamodb, "ORD-1001")) == 1 and ledger(dynamodb, "ORD-1001") == Decimal(amount)


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
