"""The front door handler: transport, validation, tiers, turn cap, error answers.

AWS sources: request/response shapes of Converse (bedrock-runtime), Retrieve and InvokeAgent
(bedrock-agent-runtime), InvokeHarness (bedrock-agentcore) are the botocore 1.44 service
models, enforced by Stubber / StreamingFake. Proxy event: see tests/front_door_support.py.
"""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import ANY, Stubber
from front_door_support import (
    AGENT_ID,
    ALIAS_ID,
    GUARDRAIL,
    HARNESS_ARN,
    KB_ID,
    MODEL,
    build,
    chunk,
    config_doc,
    converse_response,
    harness_message,
    harness_usage,
    orchestration_trace,
    proxy_event,
)

from bedrock_platform.lambda_code.front_door import index
from bedrock_platform.lambda_code.front_door.engines import agent_session_id

USER_ARN = "arn:aws:iam::111122223333:user/john.doe"
RETRIEVED = {
    "retrievalResults": [
        {"content": {"text": "Reset your password at https://id.example.com/reset."}, "score": 0.81},
        {"content": {"text": "Passwords expire every 90 days."}, "score": 0.52},
    ]
}


def _direct_stubs(runtime_stub: Stubber, agent_stub: Stubber, text: str, *, max_tokens: int = 800) -> None:
    agent_stub.add_response(
        "retrieve",
        RETRIEVED,
        {
            "knowledgeBaseId": KB_ID,
            "retrievalQuery": {"text": text},
            "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 3}},
        },
    )
    passages = "\n\n".join(f"<passage>{r['content']['text']}</passage>" for r in RETRIEVED["retrievalResults"])
    runtime_stub.add_response(
        "converse",
        converse_response("Use the reset page.", 410, 12),
        {
            "modelId": MODEL,
            "system": ANY,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"guardContent": {"text": {"text": passages, "qualifiers": ["grounding_source"]}}},
                        {"guardContent": {"text": {"text": text, "qualifiers": ["query"]}}},
                    ],
                }
            ],
            "inferenceConfig": {"maxTokens": max_tokens},
            # Converse guardrailConfig{guardrailIdentifier, guardrailVersion} (bedrock-runtime model).
            "guardrailConfig": {"guardrailIdentifier": GUARDRAIL["identifier"], "guardrailVersion": GUARDRAIL["version"]},
        },
    )


def test_proxy_event_direct_route_answer_shape_and_caller_identity():
    front_door, emitted = build()
    text = "How do I reset my password?"
    with Stubber(front_door.clients.runtime) as rt, Stubber(front_door.clients.agent_runtime) as ar:
        _direct_stubs(rt, ar, text)
        result = front_door.handle(proxy_event({"session_id": "sess-1", "text": text, "tenant": "acme"}))
        rt.assert_no_pending_responses()
        ar.assert_no_pending_responses()
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "application/json"
    assert json.loads(result["body"]) == {
        "text": "Use the reset page.",
        "route": "direct",
        "turn_usage": {"input": 410, "output": 12, "cache_read": 0, "cache_write": 0, "model_calls": 1},
        "capped": False,
    }
    (line,) = emitted
    record = json.loads(line)
    # EMF by the platform renderer (bedrock_platform.metering.emf): dimension sets Agent/Route/Tenant
    # and Agent/Route; the caller and session are properties, not dimensions.
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Agent", "Route", "Tenant"], ["Agent", "Route"]]
    assert (record["Agent"], record["Route"], record["Tenant"]) == ("support", "direct", "acme")
    # the direct call's output is the final answer: hidden burn = 422 / 12
    assert record["FinalAnswerTokens"] == 12 and record["HiddenBurn"] == 35.17
    assert record["caller_arn"] == USER_ARN
    assert record["caller"] == "AIDA2CRXO3S2JFSU7S42X"
    assert record["session_id"] == "sess-1"
    assert record["TurnTokens"] == 422 and record["CappedTurns"] == 0


def test_direct_invoke_event_is_the_request_and_base64_proxy_body_is_decoded():
    front_door, emitted = build()
    text = "reset my password please"
    with Stubber(front_door.clients.runtime) as rt, Stubber(front_door.clients.agent_runtime) as ar:
        _direct_stubs(rt, ar, text)
        answer = front_door.handle({"session_id": "s1", "text": text})
        _direct_stubs(rt, ar, text)
        encoded = base64.b64encode(json.dumps({"session_id": "s1", "text": text}).encode()).decode()
        proxied = front_door.handle(proxy_event(encoded, isBase64Encoded=True))
    assert answer["route"] == "direct" and answer["text"] == "Use the reset page."
    assert json.loads(emitted[0])["caller_arn"] == "lambda-invoke"
    assert proxied["statusCode"] == 200


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"text": "hi"}, 400, "session_id: required"),
        ({"session_id": "a b", "text": "hi"}, 400, "session_id: 'a b' must be 2..100 characters"),
        ({"session_id": "x" * 101, "text": "hi"}, 400, "session_id:"),
        ({"session_id": "s1"}, 400, "text: required"),
        ({"session_id": "s1", "text": "   "}, 400, "text: must not be empty or blank"),
        ({"session_id": "s1", "text": 5}, 400, "text: must be a string, not int"),
        ({"session_id": "s1", "text": "x" * 4001}, 400, "text: 4001 characters; at most 4000 allowed"),
        ({"session_id": "s1", "text": "hi\x00there"}, 400, "text: contains control characters"),
        ({"session_id": "s1", "text": "hi", "tenant": "-bad"}, 400, "tenant: '-bad' must be 1..64 characters"),
        ({"session_id": "s1", "text": "hi", "model": "x"}, 400, "model: unknown field; allowed: session_id, text, tenant"),
        ([1, 2], 400, "must be a JSON object, not list"),
        ("{not json", 400, "The request body is not JSON"),
        (None, 400, "The request body is empty"),
    ],
)
def test_invalid_requests_answer_400_naming_the_field(body, status, fragment):
    front_door, emitted = build()
    result = front_door.handle(proxy_event(body))
    answer = json.loads(result["body"])
    assert result["statusCode"] == status
    assert answer["error"] in ("invalid_request", "invalid_json")
    assert fragment in answer["message"]
    assert emitted == []  # nothing metered: no turn started


def test_unsigned_proxy_request_is_403_and_get_is_405():
    front_door, _ = build()
    unsigned = proxy_event({"session_id": "s1", "text": "hi"})
    unsigned["requestContext"]["identity"]["userArn"] = None
    assert front_door.handle(unsigned)["statusCode"] == 403
    assert front_door.handle(proxy_event(None, httpMethod="GET"))["statusCode"] == 405


def test_classic_agent_turn_sums_every_model_call_of_the_trace():
    front_door, emitted = build()
    fake = front_door.clients.agent_runtime.invoke_agent
    fake.responses.append(
        [
            orchestration_trace(310, 40, "preProcessingTrace"),
            orchestration_trace(820, 95),
            orchestration_trace(960, 60),
            chunk("Order 4411 shipped "),
            chunk("yesterday."),
            orchestration_trace(200, 20, "postProcessingTrace"),
        ]
    )
    answer = front_door.handle({"session_id": "s1", "text": "Where is order #4411?", "tenant": "acme"})
    assert answer == {
        "text": "Order 4411 shipped yesterday.",
        "route": "agent",
        "turn_usage": {"input": 2290, "output": 215, "cache_read": 0, "cache_write": 0, "model_calls": 4},
        "capped": False,
    }
    (call,) = fake.calls
    assert call == {
        "agentId": AGENT_ID,
        "agentAliasId": ALIAS_ID,
        "sessionId": agent_session_id("lambda-invoke", "acme", "s1"),
        "inputText": "Where is order #4411?",
        "enableTrace": True,
    }
    assert fake.streams[0].closed


def test_classic_agent_stream_is_dropped_when_the_turn_passes_the_cap_and_the_session_ends():
    front_door, emitted = build()
    fake = front_door.clients.agent_runtime.invoke_agent
    fake.responses.append(
        [orchestration_trace(1100, 100), orchestration_trace(1200, 100), orchestration_trace(1300, 90)]
        + [orchestration_trace(1400, 80), chunk("never read")]
    )
    fake.responses.append([])  # the endSession call's stream
    answer = front_door.handle({"session_id": "s1", "text": "I want a refund for order 12"})
    assert answer["capped"] is True
    assert answer["text"] == "please try a simpler question"
    # 1200 + 1300 = 2500 <= 3000; + 1390 = 3890 > 3000 -> stop after the third model call.
    assert answer["turn_usage"] == {"input": 3600, "output": 290, "cache_read": 0, "cache_write": 0, "model_calls": 3}
    stream = fake.streams[0]
    assert stream.read == 3 and stream.closed
    end_call = fake.calls[1]
    assert end_call["endSession"] is True and end_call["sessionId"] == fake.calls[0]["sessionId"]
    assert json.loads(emitted[0])["CappedTurns"] == 1


def test_agentcore_turn_bounds_max_tokens_and_meters_harness_usage():
    doc = config_doc(
        engine="agentcore",
        agentcore={"harness_arn": HARNESS_ARN, "qualifier": "prod", "max_tokens": 5000, "max_iterations": 4},
    )
    front_door, _ = build(doc)
    fake = front_door.clients.agentcore.invoke_harness
    fake.responses.append(
        harness_message("Let me look that up.", "tool_use")
        + [harness_usage(900, 30, cache_read=400)]
        + harness_message("Your refund was issued.")
        + [harness_usage(1100, 25)]
    )
    answer = front_door.handle({"session_id": "s1", "text": "refund status?", "tenant": "acme"})
    assert answer == {
        "text": "Your refund was issued.",
        "route": "agent",
        "turn_usage": {"input": 2000, "output": 55, "cache_read": 400, "cache_write": 0, "model_calls": 2},
        "capped": False,
    }
    (call,) = fake.calls
    assert call == {
        "harnessArn": HARNESS_ARN,
        "runtimeSessionId": agent_session_id("lambda-invoke", "acme", "s1"),
        "messages": [{"role": "user", "content": [{"text": "refund status?"}]}],
        "maxTokens": 3000,  # min(harness max_tokens 5000, turn cap 3000)
        "qualifier": "prod",
        "maxIterations": 4,
    }


def test_agentcore_stream_is_dropped_at_the_cap():
    doc = config_doc(engine="agentcore", agentcore={"harness_arn": HARNESS_ARN})
    front_door, _ = build(doc)
    fake = front_door.clients.agentcore.invoke_harness
    fake.responses.append(
        harness_message("step") + [harness_usage(1800, 100)] + harness_message("step") + [harness_usage(1900, 100)]
        + harness_message("unread") + [harness_usage(1, 1)]
    )
    answer = front_door.handle({"session_id": "s1", "text": "please refund me"})
    assert answer["capped"] is True and answer["text"] == "please try a simpler question"
    assert answer["turn_usage"]["model_calls"] == 2 and answer["turn_usage"]["input"] == 3700
    assert fake.streams[0].closed and fake.streams[0].read == 10


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 429, "throttled"),
        ("ValidationException", 400, "bedrock_validation"),
        ("AccessDeniedException", 502, "upstream_access_denied"),
        ("ResourceNotFoundException", 502, "upstream_not_found"),
        ("ModelTimeoutException", 502, "upstream_error"),
        ("ServiceUnavailableException", 502, "upstream_error"),
    ],
)
def test_converse_errors_map_to_clear_answers(code, status, error):
    front_door, emitted = build(config_doc(direct={"model_id": MODEL}))
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_client_error("converse", service_error_code=code, service_message="Too many requests", http_status_code=status)
        result = front_door.handle(proxy_event({"session_id": "s1", "text": "what are your hours?"}))
    body = json.loads(result["body"])
    assert (result["statusCode"], body["error"], body["status"]) == (status, error, status)
    assert "Converse" in body["message"]
    assert json.loads(emitted[0])["error"] == error  # failed turns are metered too


def test_error_event_inside_the_agent_stream_is_an_answer():
    front_door, _ = build()
    fake = front_door.clients.agent_runtime.invoke_agent
    fake.responses.append([orchestration_trace(500, 20), {"throttlingException": {"message": "slow down"}}])
    answer = front_door.handle({"session_id": "s1", "text": "refund please"})
    assert answer["status"] == 429 and answer["error"] == "throttled"
    assert fake.streams[0].closed


def test_transport_timeout_and_unexpected_errors_never_crash(monkeypatch):
    front_door, _ = build(config_doc(direct={"model_id": MODEL}))
    monkeypatch.setattr(
        front_door.clients.runtime, "converse", lambda **_: (_ for _ in ()).throw(ReadTimeoutError(endpoint_url="x"))
    )
    assert front_door.handle({"session_id": "s1", "text": "hours?"})["status"] == 502
    monkeypatch.setattr(front_door.clients.runtime, "converse", lambda **_: 1 / 0)
    answer = front_door.handle({"session_id": "s1", "text": "hours?"})
    assert answer["status"] == 500 and answer["error"] == "internal_error"


def test_misconfigured_environment_answers_500(monkeypatch):
    monkeypatch.setattr(index, "_FRONT_DOOR", None)
    monkeypatch.setenv("FRONT_DOOR_CONFIG", json.dumps({"engine": "classic", "direct": {"model_id": MODEL}}))
    result = index.handler(proxy_event({"session_id": "s1", "text": "hi"}), None)
    assert result["statusCode"] == 500 and json.loads(result["body"])["error"] == "misconfigured"


def test_agent_sessions_are_scoped_to_caller_and_tenant():
    one = agent_session_id(USER_ARN, "acme", "s1")
    assert one != agent_session_id("arn:aws:iam::111122223333:user/mallory", "acme", "s1")
    assert one != agent_session_id(USER_ARN, "other", "s1")
    # InvokeHarness runtimeSessionId: 33..100, [a-zA-Z0-9][a-zA-Z0-9-_]*; InvokeAgent sessionId 2..100.
    assert len(one) == 66 and one.isalnum()
