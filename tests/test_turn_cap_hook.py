"""The token-cap lifecycle hook Lambda (bedrock_platform/lambda_code/turn_cap_hook): running totals,
deny at the cap, malformed events, DynamoDB failures, concurrency.

AWS behaviour encoded:
- AgentCore devguide "Lifecycle hooks" (harness-lifecycle-hooks): events ``before_invocation``
  (deny stops the invocation, ``stopReason: hook_stopped``), ``before_tool_call`` (deny skips the
  tool), ``after_tool_call``, ``after_invocation`` (context: stop reason and the input and output
  token counts; deny only reported). No invocation/turn id is documented, hence a per-session total.
- AgentCore API reference ``HarnessHookEvent``: ``decision`` allow | deny, ``reason`` 0-1024
  characters; ``type`` before_tool_call | after_tool_call | before_invocation | after_invocation.
- The Lambda event's field names (session id, token counts) are NOT in the devguide: the events
  below use the API's own spellings (``runtimeSessionId`` from InvokeHarness; ``inputTokens`` /
  ``outputTokens`` as in Converse ``TokenUsage``) and the handler accepts the usual variants.
- AgentCore control API ``HarnessHookLambdaTarget.failureMode``: "The behavior when the Lambda function
  times out, returns an error, or returns an invalid response. The default is DENY."
- DynamoDB: UpdateItem ``ADD`` and condition expressions are atomic per item; TTL deletes expired
  items lazily (DynamoDB Developer Guide, "Time to Live": typically within a few days), so the
  handler ignores an expired item itself. Backend: moto 5 (mock_aws).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import boto3
import pytest
from botocore.stub import Stubber
from lambda_loader import load_lambda
from moto import mock_aws

REGION = "us-east-1"
TABLE = "turn-cap"
CAP = 3000
ENV = {"TABLE_NAME": TABLE, "TOKEN_CAP": str(CAP), "WINDOW_SECONDS": "3600", "LEASE_SECONDS": "180",
       "AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # fmt: skip
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def hook():
    with mock.patch.dict(os.environ, ENV), load_lambda("turn_cap_hook") as module:
        yield module


@pytest.fixture
def client():
    with mock.patch.dict(os.environ, ENV), mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")  # fmt: skip
        yield ddb


def before(session="s-1", kind="before_invocation"):
    return {"hookEventType": kind, "runtimeSessionId": session, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}


def after(session="s-1", input_tokens=0, output_tokens=0):
    return {"hookEventType": "after_invocation", "runtimeSessionId": session, "stopReason": "end_turn",
            "inputTokens": input_tokens, "outputTokens": output_tokens}  # fmt: skip


def call(hook, client, event, now=NOW):
    with mock.patch.dict(os.environ, ENV):
        return hook.handler(event, None, client=client, now=now)


def item(client, session="s-1"):
    raw = client.get_item(TableName=TABLE, Key={"pk": {"S": session}}).get("Item", {})
    return {k: int(v["N"]) for k, v in raw.items() if "N" in v}


def test_turns_add_up_per_session_with_a_ttl(hook, client):
    assert call(hook, client, before()) == {"decision": "allow", "reason": ""}
    assert call(hook, client, after(input_tokens=900, output_tokens=100)) == {"decision": "allow", "reason": ""}
    assert call(hook, client, before(), now=NOW + 10)["decision"] == "allow"
    call(hook, client, after(input_tokens=1200, output_tokens=300), now=NOW + 20)
    # the window (TTL attribute, epoch seconds) starts at the session's first turn and does not move
    assert item(client) == {"spent": 2500, "expires_at": NOW + 3600}
    assert item(client, "s-2") == {}


def test_deny_at_the_cap_with_the_simpler_question_message(hook, client):
    call(hook, client, before())
    call(hook, client, after(input_tokens=2600, output_tokens=400))  # exactly the cap
    answer = call(hook, client, before(), now=NOW + 5)
    assert answer == {"decision": "deny", "reason": hook.DEFAULT_MESSAGE}
    assert "please try a simpler question" in answer["reason"]
    assert call(hook, client, before(kind="before_tool_call"), now=NOW + 5) == answer
    # another session is untouched
    assert call(hook, client, before("s-2"), now=NOW + 5)["decision"] == "allow"


def test_under_the_cap_tool_calls_are_allowed_and_after_tool_call_counts_nothing(hook, client):
    call(hook, client, before())
    assert call(hook, client, before(kind="before_tool_call"))["decision"] == "allow"
    assert call(hook, client, {"hookEventType": "after_tool_call", "runtimeSessionId": "s-1", "toolUseId": "t1"})["decision"] == "allow"
    assert "spent" not in item(client)


def test_window_end_resets_the_total_even_before_ttl_deletes_the_item(hook, client):
    call(hook, client, before())
    call(hook, client, after(input_tokens=5000))
    assert call(hook, client, before(), now=NOW + 3599)["decision"] == "deny"
    assert call(hook, client, before(), now=NOW + 3600)["decision"] == "allow"
    assert item(client)["spent"] == 0 and item(client)["expires_at"] == NOW + 7200


def test_a_running_turn_holds_the_session_until_after_invocation_or_lease_expiry(hook, client):
    assert call(hook, client, before())["decision"] == "allow"
    second = call(hook, client, before(), now=NOW + 1)
    assert second["decision"] == "deny" and "still running" in second["reason"]
    assert call(hook, client, before(), now=NOW + 181)["decision"] == "allow"  # lease (180 s) expired


def test_an_after_invocation_without_tokens_does_not_release_a_running_turn(hook, client):
    call(hook, client, before())
    assert call(hook, client, before(), now=NOW + 1)["decision"] == "deny"
    call(hook, client, after(), now=NOW + 1)  # e.g. reported for the denied invocation: no tokens
    assert call(hook, client, before(), now=NOW + 2)["decision"] == "deny"
    call(hook, client, after(input_tokens=10), now=NOW + 3)
    assert call(hook, client, before(), now=NOW + 4)["decision"] == "allow"


@pytest.mark.parametrize("event", [None, "text", [], {}, {"hookEventType": "on_lunch", "runtimeSessionId": "s"},
                                   {"runtimeSessionId": "s-1"}, {"hookEventType": "before_invocation"},
                                   {"hookEventType": "before_tool_call", "runtimeSessionId": ""}])  # fmt: skip
def test_malformed_events_get_a_well_formed_deny(hook, client, event):
    answer = call(hook, client, event)
    assert answer["decision"] == "deny" and 0 < len(answer["reason"]) <= 1024  # HarnessHookEvent.reason


def test_after_events_without_a_session_are_allowed(hook, client):
    assert call(hook, client, {"hookEventType": "after_invocation", "inputTokens": 5}) == {"decision": "allow", "reason": ""}


@pytest.mark.parametrize("event", [
    {"eventType": "BeforeInvocation", "sessionId": "s-9"},
    {"type": "beforeInvocation", "context": {"runtimeSessionId": "s-9"}},
    {"detail": {"hook_event_type": "before_invocation", "session_id": "s-9"}},
])  # fmt: skip
def test_event_field_spellings_are_tolerated(hook, client, event):
    assert hook.event_type(event) == "before_invocation" and hook.session_id(event) == "s-9"


def test_token_counts_are_read_from_usage_and_include_cache(hook):
    event = {"usage": {"inputTokens": 10, "outputTokens": 5, "cacheReadInputTokens": 100, "cacheWriteInputTokens": 1}}
    assert hook.tokens(event) == 116
    assert hook.tokens({"input_tokens": 3, "output_tokens": 4}) == 7
    assert hook.tokens({"inputTokens": "many", "outputTokens": -1}) == 0


def test_ledger_errors_fail_closed_before_and_are_logged_after(hook, capsys):
    ddb = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ddb) as stub:
        stub.add_client_error("update_item", "ProvisionedThroughputExceededException")
        stub.add_client_error("get_item", "InternalServerError")
        stub.add_client_error("update_item", "ResourceNotFoundException")
        denied = call(hook, ddb, before())
        assert denied["decision"] == "deny" and "could not be checked" in denied["reason"]
        assert call(hook, ddb, before(kind="before_tool_call"))["decision"] == "deny"
        assert call(hook, ddb, after(input_tokens=70, output_tokens=7)) == {"decision": "allow", "reason": ""}
    logged = capsys.readouterr().out
    assert '"message": "usage_not_recorded"' in logged and '"tokens": 77' in logged


class _Serialized:
    """moto takes no lock per item; DynamoDB serializes writes to one item. One request at a time
    (turns still interleave between requests, the race that matters)."""

    def __init__(self, client) -> None:
        self._client, self._lock = client, threading.Lock()

    def __getattr__(self, name: str) -> object:
        method = getattr(self._client, name)

        def locked(**kwargs):
            with self._lock:
                return method(**kwargs)

        return locked


def test_many_concurrent_turns_of_one_session_pass_the_cap_by_at_most_one_turn(hook, client):
    serialized = _Serialized(client)
    per_turn = 700  # each admitted turn spends this; the cap (3000) is not a multiple of it
    admitted = []
    lock = threading.Lock()

    def turn(i):
        now = NOW + i // 10
        answer = call(hook, serialized, before(), now=now)
        if answer["decision"] == "allow":
            with lock:
                admitted.append(i)
            call(hook, serialized, after(input_tokens=per_turn - 50, output_tokens=50), now=now)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(turn, range(200)))
    spent = item(client)["spent"]
    assert spent == per_turn * len(admitted)
    assert CAP <= spent < CAP + per_turn  # over the cap by less than one turn
    assert len(admitted) == 5


def test_cold_start_creates_one_client(hook, monkeypatch):
    monkeypatch.setattr(hook, "_client", None)
    with mock.patch.dict(os.environ, ENV):
        assert hook._dynamodb() is hook._dynamodb()


def test_conditional_failure_other_than_condition_propagates_to_fail_closed(hook):
    ddb = boto3.client("dynamodb", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ddb) as stub:
        stub.add_client_error("update_item", "ValidationException")
        assert call(hook, ddb, before())["decision"] == "deny"
