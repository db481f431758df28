"""The knowledge-base search Lambda target: Retrieve on the configured knowledge bases only.

Invocations in the documented gateway format (``gateway_events``). Retrieve requests and responses are
stubbed with botocore Stubber against the ``bedrock-agent-runtime`` model: ``knowledgeBaseId``
``[0-9a-zA-Z]{10}``, ``retrievalQuery.text``, ``retrievalConfiguration.vectorSearchConfiguration.numberOfResults``;
results carry ``content.text``, ``location`` (``type`` + e.g. ``s3Location.uri``) and ``score``.
"""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.stub import Stubber
from gateway_events import assert_json, gateway_context, tool_error_body
from lambda_loader import load_lambda

KNOWLEDGE_BASES = {"support": "SUPPORTKB1", "products": "PRODUCTKB2"}
ENV = {
    "POWERTOOLS_SERVICE_NAME": "knowledge-search",
    "POWERTOOLS_METRICS_NAMESPACE": "BedrockPlatform/Tools",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "KNOWLEDGE_BASES": json.dumps(KNOWLEDGE_BASES),
    "DEFAULT_MAX_RESULTS": "4",
}
TARGET = "knowledge-search"


@pytest.fixture(scope="module")
def module():
    with mock.patch.dict(os.environ, ENV), load_lambda("knowledge_search") as handler:
        yield handler


@pytest.fixture
def stub(module, monkeypatch):
    client = boto3.client("bedrock-agent-runtime", region_name="us-east-1")
    monkeypatch.setattr(module.search, "_client", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def call(module, arguments: Any, tool: str = "search_knowledge_base") -> Any:
    reply = module.handler(arguments, gateway_context(tool, target=TARGET))
    assert_json(reply)
    return reply


def retrieved(text: str, score: float, uri: str) -> dict[str, Any]:
    return {"content": {"text": text}, "location": {"type": "S3", "s3Location": {"uri": uri}}, "score": score}


def expect_retrieve(stub: Stubber, knowledge_base_id: str, query: str, count: int, results: list[dict]) -> None:
    stub.add_response("retrieve", {"retrievalResults": results}, {
        "knowledgeBaseId": knowledge_base_id,
        "retrievalQuery": {"text": query},
        "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": count}},
    })


def test_named_knowledge_base_exact_retrieve_request(module, stub):
    expect_retrieve(stub, "SUPPORTKB1", "How do refunds work?", 2, [
        retrieved("Refunds take 5 days.", 0.91, "s3://docs/refunds.md"),
        retrieved("Cancelled orders are not refunded.", 0.72, "s3://docs/cancel.md"),
    ])
    reply = call(module, {"query": "How do refunds work?", "knowledge_base": "support", "max_results": 2})
    assert reply == {"results": [
        {"knowledge_base": "support", "text": "Refunds take 5 days.", "score": 0.91,
         "source": {"type": "S3", "location": "s3://docs/refunds.md"}},
        {"knowledge_base": "support", "text": "Cancelled orders are not refunded.", "score": 0.72,
         "source": {"type": "S3", "location": "s3://docs/cancel.md"}},
    ]}


def test_without_a_name_every_configured_base_is_searched_and_merged_by_score(module, stub):
    # Default count from DEFAULT_MAX_RESULTS (4); knowledge bases in name order: products, support.
    expect_retrieve(stub, "PRODUCTKB2", "trail shoes", 4, [retrieved("Trail shoes run small.", 0.55, "s3://p/a")])
    expect_retrieve(stub, "SUPPORTKB1", "trail shoes", 4, [retrieved("Shoe returns: 30 days.", 0.8, "s3://s/b")])
    reply = call(module, {"query": "trail shoes"})
    assert [(r["knowledge_base"], r["score"]) for r in reply["results"]] == [("support", 0.8), ("products", 0.55)]


def test_web_location_is_reported(module, stub):
    expect_retrieve(stub, "SUPPORTKB1", "q", 4, [
        {"content": {"text": "t"}, "location": {"type": "WEB", "webLocation": {"url": "https://example.com/a"}},
         "score": 0.5}])
    reply = call(module, {"query": "q", "knowledge_base": "support"})
    assert reply["results"][0]["source"] == {"type": "WEB", "location": "https://example.com/a"}


def test_a_knowledge_base_not_configured_is_a_tool_error_and_never_called(module, stub):
    body = tool_error_body(call(module, {"query": "q", "knowledge_base": "hr-private"}))
    assert body["error"] == "UNKNOWN_KNOWLEDGE_BASE"
    assert "products, support" in body["message"]


def test_a_knowledge_base_id_in_place_of_a_name_is_refused(module, stub):
    assert tool_error_body(call(module, {"query": "q", "knowledge_base": "PRODUCTKB2"}))["error"] == \
        "UNKNOWN_KNOWLEDGE_BASE"


@pytest.mark.parametrize(("code", "expected"), [
    ("ThrottlingException", "SEARCH_THROTTLED"),
    ("AccessDeniedException", "SEARCH_FAILED"),
    ("ResourceNotFoundException", "SEARCH_FAILED"),
    ("ValidationException", "SEARCH_FAILED"),
])
def test_retrieve_errors_become_tool_errors(module, stub, code, expected):
    stub.add_client_error("retrieve", service_error_code=code, service_message="no", expected_params={
        "knowledgeBaseId": "SUPPORTKB1", "retrievalQuery": {"text": "q"},
        "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 4}}})
    assert tool_error_body(call(module, {"query": "q", "knowledge_base": "support"}))["error"] == expected


@pytest.mark.parametrize(("arguments", "loc", "kind"), [
    ({}, ["query"], "missing"),
    ({"query": ""}, ["query"], "string_too_short"),
    ({"query": "x" * 1001}, ["query"], "string_too_long"),
    ({"query": "q", "max_results": 0}, ["max_results"], "greater_than_equal"),
    ({"query": "q", "max_results": 11}, ["max_results"], "less_than_equal"),
    ({"query": "q", "max_results": "3"}, ["max_results"], "int_type"),
    ({"query": "q", "max_results": True}, ["max_results"], "int_type"),
    ({"query": "q", "knowledge_base_id": "SUPPORTKB1"}, ["knowledge_base_id"], "extra_forbidden"),
])
def test_invalid_arguments(module, stub, arguments, loc, kind):
    body = tool_error_body(call(module, arguments))
    assert body["error"] == "INVALID_PARAMETER"
    assert [(p["loc"], p["type"]) for p in body["detail"]] == [(loc, kind)]


@pytest.mark.parametrize("event", [None, "q", ["q"], 3])
def test_non_object_event(module, stub, event):
    assert tool_error_body(call(module, event))["error"] == "INVALID_PARAMETER"


def test_unknown_tool_and_missing_client_context(module, stub):
    assert tool_error_body(call(module, {"query": "q"}, tool="search_web"))["error"] == "UNKNOWN_TOOL"
    reply = module.handler({"query": "q"}, type(gateway_context("x"))(None, client_context=False))
    assert tool_error_body(reply)["error"] == "MALFORMED_INVOCATION"


@pytest.mark.parametrize(("name", "value"), [
    ("KNOWLEDGE_BASES", "not json"), ("KNOWLEDGE_BASES", "{}"), ("KNOWLEDGE_BASES", '{"support": "short"}'),
    ("KNOWLEDGE_BASES", '["SUPPORTKB1"]'), ("DEFAULT_MAX_RESULTS", "0"), ("DEFAULT_MAX_RESULTS", "11"),
    ("DEFAULT_MAX_RESULTS", "five"),
])
def test_broken_configuration_is_a_tool_error(module, stub, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert tool_error_body(call(module, {"query": "q"}))["error"] == "CONFIGURATION_ERROR"


def test_the_query_is_not_logged(module, stub, caplog):
    stub.add_client_error("retrieve", service_error_code="InternalServerException", service_message="boom")
    call(module, {"query": "my card number is 4111", "knowledge_base": "support"})
    logged = " ".join(str(record.__dict__) for record in caplog.records)
    assert "SEARCH_FAILED" in logged  # the refusal is logged with its code ...
    assert "4111" not in logged  # ... and without the query
