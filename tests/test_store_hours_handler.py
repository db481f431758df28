"""The store-hours function-details action group: failures carry responseState FAILURE or REPROMPT,
and every outcome is logged and counted with Powertools.

Events and responses follow the function-details formats of
https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html ("Lambda input event from
Amazon Bedrock", "Response format"): the response may carry ``sessionAttributes`` and
``promptSessionAttributes`` at its top level, and this handler echoes them on every reply.
"""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

import pytest
from lambda_loader import load_lambda

ACTION_GROUP = "store-hours"
NAMESPACE = "BedrockPlatform/ActionGroups"
SESSION = {"customerId": "CUST-42"}
PROMPT_SESSION = {"channel": "web"}


class FakeContext:
    function_name = "store-hours"
    function_version = "$LATEST"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:store-hours"
    aws_request_id = "5f0f9b0e-0000-4000-8000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


@pytest.fixture(scope="module")
def handler():
    env = {"POWERTOOLS_SERVICE_NAME": "store-hours", "POWERTOOLS_TRACE_DISABLED": "1",
           "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE}
    with mock.patch.dict(os.environ, env), load_lambda("store_hours") as module:
        yield module


def event(function: str, parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """A function-details action-group event exactly as Bedrock Agents sends it (all values strings)."""
    return {
        "messageVersion": "1.0",
        "agent": {"name": "support-agent", "id": "AGENT12345", "alias": "TSTALIASID", "version": "DRAFT"},
        "inputText": "When does the downtown store open on Saturday?",
        "sessionId": "123456789012345",
        "actionGroup": ACTION_GROUP,
        "function": function,
        "parameters": [{"name": k, "type": "string", "value": v} for k, v in (parameters or {}).items()],
        "sessionAttributes": dict(SESSION),
        "promptSessionAttributes": dict(PROMPT_SESSION),
    }


def result(response: dict[str, Any], *, function: str, state: str | None,
           action_group: str = ACTION_GROUP) -> str:
    """Assert the function-details response envelope; return the TEXT body."""
    assert response["messageVersion"] == "1.0"
    inner = response["response"]
    assert set(inner) == {"actionGroup", "function", "functionResponse"}
    assert (inner["actionGroup"], inner["function"]) == (action_group, function)
    function_response = inner["functionResponse"]
    assert function_response.get("responseState") == state
    assert set(function_response) == ({"responseBody"} | ({"responseState"} if state else set()))
    assert set(function_response["responseBody"]) == {"TEXT"}
    return function_response["responseBody"]["TEXT"]["body"]


def test_hours_for_one_day(handler):
    body = result(handler.lambda_handler(event("get_store_hours", {"store_id": "downtown", "day": "Saturday"}),
                                         FakeContext()), function="get_store_hours", state=None)
    assert json.loads(body) == {"store": "Downtown flagship", "day": "saturday", "hours": "10:00-18:00"}


def test_hours_for_the_week_mark_closed_days(handler):
    body = result(handler.lambda_handler(event("get_store_hours", {"store_id": "downtown"}), FakeContext()),
                  function="get_store_hours", state=None)
    assert json.loads(body)["hours"]["sunday"] == "closed"


def test_list_stores(handler):
    body = result(handler.lambda_handler(event("list_stores"), FakeContext()), function="list_stores", state=None)
    assert [s["store_id"] for s in json.loads(body)] == ["downtown", "airport"]


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, "Parameter store_id is required"),
        ({"store_id": "moon-base-alpha"}, "The store_id given is not one of our stores (downtown, airport)"),
        ({"store_id": "airport", "day": "funday-bonanza"}, "The day given is not a day of the week; use one of monday"),
    ],
    ids=["missing-store", "unknown-store", "invalid-day"],
)
def test_bad_input_reprompts_without_repeating_it(handler, caplog, parameters, expected):
    """What the user typed goes neither back into the prompt (the REPROMPT body) nor into the logs."""
    caplog.set_level("INFO")
    body = result(handler.lambda_handler(event("get_store_hours", parameters), FakeContext()),
                  function="get_store_hours", state="REPROMPT")
    assert body.startswith(expected)
    assert not body.startswith('"')  # plain text, not a JSON-quoted string
    logs = " ".join(str(vars(record)) for record in caplog.records)  # message and every extra field
    assert "Tool asks to reprompt" in logs
    for typed in ("moon-base-alpha", "funday-bonanza"):
        assert typed not in body and typed not in logs


def test_unexpected_error_is_failure_not_an_error_string(handler, monkeypatch):
    monkeypatch.setattr(handler, "STORES", None)  # any bug inside the tool
    body = result(handler.lambda_handler(event("get_store_hours", {"store_id": "downtown"}), FakeContext()),
                  function="get_store_hours", state="FAILURE")
    assert "failed" in body and "Error:" not in body


def test_unknown_function_is_failure(handler):
    body = result(handler.lambda_handler(event("delete_store"), FakeContext()), function="delete_store",
                  state="FAILURE")
    assert "no function 'delete_store'" in body


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {k: v for k, v in event("list_stores").items() if k != "function"},
        {k: v for k, v in event("list_stores").items() if k != "actionGroup"},
        dict(event("get_store_hours"), parameters=[{"name": "store_id"}]),
        dict(event("get_store_hours"), parameters="store_id=downtown"),
        dict(event("get_store_hours"), parameters=[{"name": "store_id", "value": "downtown"}]),
        dict(event("get_store_hours"), parameters=[{"name": None, "type": "string", "value": "downtown"}]),
    ],
    ids=["not-an-object", "no-function", "no-actionGroup", "parameter-without-value", "parameters-not-list",
         "parameter-without-type", "parameter-name-not-a-string"],
)
def test_malformed_event_is_failure(handler, bad):
    response = handler.lambda_handler(bad, FakeContext())
    state = response["response"]["functionResponse"]["responseState"]
    assert state == "FAILURE"
    assert "malformed" in response["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]


def test_function_schema_matches_the_registered_tools(handler):
    assert [f["name"] for f in handler.FUNCTIONS] == ["list_stores", "get_store_hours"]
    get_hours = handler.FUNCTIONS[1]
    assert get_hours["parameters"] == {
        "store_id": {"type": "string", "description": "Store id, e.g. downtown; list_stores gives them all.",
                     "required": True},
        "day": {"type": "string", "description": "Day of the week in English, e.g. monday. Leave out for the whole "
                "week.", "required": False},
    }
    assert all(0 < len(f["description"]) <= 1200 for f in handler.FUNCTIONS)


def emitted_metrics(output: str) -> dict[str, float]:
    """Metric name -> value of the EMF records the invocation printed."""
    found: dict[str, float] = {}
    for line in output.splitlines():
        if '"_aws"' not in line:
            continue
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == NAMESPACE
            for metric in directive["Metrics"]:
                value = record[metric["Name"]]
                found[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return found


@pytest.mark.parametrize(
    ("bad_event", "metric"),
    [
        (event("get_store_hours", {"store_id": "moon"}), "ToolReprompts"),
        (event("delete_store"), "UnknownFunctions"),
        (dict(event("get_store_hours"), parameters="store_id=downtown"), "MalformedEvents"),
    ],
    ids=["reprompt", "unknown-function", "malformed"],
)
def test_outcomes_are_counted_with_powertools_metrics(handler, capsys, bad_event, metric):
    capsys.readouterr()
    handler.lambda_handler(bad_event, FakeContext())
    assert emitted_metrics(capsys.readouterr().out)[metric] == 1


def test_tool_failure_is_counted(handler, capsys, monkeypatch):
    monkeypatch.setattr(handler, "STORES", None)
    capsys.readouterr()
    handler.lambda_handler(event("get_store_hours", {"store_id": "downtown"}), FakeContext())
    assert emitted_metrics(capsys.readouterr().out)["ToolFailures"] == 1


def test_successful_calls_are_counted(handler, capsys):
    capsys.readouterr()
    handler.lambda_handler(event("list_stores"), FakeContext())
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["ToolCalls"] == 1 and "ToolFailures" not in metrics and "ToolReprompts" not in metrics


def test_parameters_are_checked_as_bedrock_sent_them(handler):
    """Powertools would turn boolean 'maybe' into False and keep integer 'ten' as a string."""
    from aws_lambda_powertools.event_handler import BedrockAgentFunctionResolver

    app = BedrockAgentFunctionResolver(serializer=handler.text)
    declared = {"count": handler.Param("integer", "How many."), "open_now": handler.Param("boolean", "Open now?")}
    schema = list(handler.FUNCTIONS)
    try:
        @handler.register(app, "probe", "Echo the checked parameters.", declared)
        def probe(count: int | None = None, open_now: bool | None = None) -> dict:
            return {"count": count, "open_now": open_now}

        def call(params: list[dict]) -> dict:
            return app.resolve(dict(event("probe"), parameters=params), FakeContext())["response"]["functionResponse"]

        ok = call([{"name": "count", "type": "integer", "value": "3"}, {"name": "open_now", "type": "boolean", "value": "TRUE"}])
        assert "responseState" not in ok and json.loads(ok["responseBody"]["TEXT"]["body"]) == {"count": 3, "open_now": True}
        for bad in ({"name": "open_now", "type": "boolean", "value": "maybe"}, {"name": "count", "type": "integer", "value": "ten"}):
            response = call([bad])
            assert response["responseState"] == "REPROMPT", bad
            message = response["responseBody"]["TEXT"]["body"]
            assert message.startswith(f"Parameter {bad['name']} is not a valid {bad['type']}: ")
            assert bad["value"] not in message  # the value typed is not echoed
    finally:
        handler.FUNCTIONS[:] = schema  # the handler's own function schema stays as registered


# --- session state echoed on every reply, failures included -------------------------------------

@pytest.mark.parametrize(
    "incoming",
    [
        event("get_store_hours", {"store_id": "downtown"}),
        event("get_store_hours", {"store_id": "moon"}),
        event("delete_store"),
        dict(event("get_store_hours"), parameters="store_id=downtown"),
    ],
    ids=["success", "reprompt", "unknown-function", "malformed"],
)
def test_every_reply_echoes_session_state(handler, incoming):
    response = handler.lambda_handler(incoming, FakeContext())
    assert set(response) == {"messageVersion", "response", "sessionAttributes", "promptSessionAttributes"}
    assert (response["sessionAttributes"], response["promptSessionAttributes"]) == (SESSION, PROMPT_SESSION)


def test_tool_failure_echoes_session_state(handler, monkeypatch):
    monkeypatch.setattr(handler, "STORES", None)
    response = handler.lambda_handler(event("get_store_hours", {"store_id": "downtown"}), FakeContext())
    assert response["response"]["functionResponse"]["responseState"] == "FAILURE"
    assert (response["sessionAttributes"], response["promptSessionAttributes"]) == (SESSION, PROMPT_SESSION)


def test_event_that_is_not_an_object_gets_empty_session_state(handler):
    response = handler.lambda_handler([], FakeContext())
    assert (response["sessionAttributes"], response["promptSessionAttributes"]) == ({}, {})


def test_trace_records_neither_response_nor_error(handler, monkeypatch):
    """The reply carries the session attributes (the customer id): Tracer must not copy it into X-Ray
    (https://docs.powertools.aws.dev/lambda/python/latest/core/tracer/, capture_response / capture_error)."""
    from aws_lambda_powertools import Tracer

    seen: list[bool] = []
    monkeypatch.setattr(Tracer, "_add_response_as_metadata",
                        lambda self, method_name, data, subsegment, capture_response: seen.append(capture_response))
    handler.lambda_handler(event("list_stores"), FakeContext())
    assert seen == [False]
