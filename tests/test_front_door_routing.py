"""Two-tier routing decisions, the classifier's metered tokens, and the configuration contract.

Converse request/response shapes: botocore bedrock-runtime model (Stubber validates both).
"""

from __future__ import annotations

import json

import pytest
from botocore.stub import Stubber
from front_door_support import CLASSIFIER_MODEL, MODEL, build, config_doc, converse_response

from bedrock_platform.lambda_code.front_door.metering import PlatformTurnMeter
from bedrock_platform.lambda_code.front_door.routing import decide
from bedrock_platform.lambda_code.front_door.settings import ConfigError, parse_config


def _config(**overrides):
    return parse_config(json.dumps(config_doc(**overrides)))


@pytest.mark.parametrize(
    ("text", "route", "reason"),
    [
        ("How do I reset my password?", "direct", r"always_direct: \breset\b.*\bpassword\b"),
        ("Is the VPN status green?", "direct", r"always_direct: \bvpn\b.*\bstatus\b"),
        # always_direct wins over an agent intent in the same text.
        ("Reset my password, then refund order 12", "direct", r"always_direct: \breset\b.*\bpassword\b"),
        ("agent: summarise my account", "agent", "always_agent: ^agent:"),
        ("Where is ORDER #4411?", "agent", r"agent_intent order_status: \border\s+#?\d+"),
        ("I want my money back", "agent", "agent_intent refund: money back"),
        ("Can I get a REFUND?", "agent", r"agent_intent refund: \brefund\b"),
        # Default: the agent only when a tool's action is needed.
        ("What are your opening hours?", "direct", "default route"),
        ("Tell me about the order process", "direct", "default route"),
    ],
)
def test_rule_routing_table(text, route, reason):
    meter = PlatformTurnMeter()
    decision = decide(_config(), text, runtime=None, meter=meter)  # no model call: runtime unused
    assert (decision.route, decision.reason) == (route, reason)
    assert meter.usage.model_calls == 0


def test_default_route_agent_and_engine_none():
    text = "What are your opening hours?"
    agent_default = _config(routing={"default_route": "agent"})
    assert decide(agent_default, text, runtime=None, meter=PlatformTurnMeter()).route == "agent"
    no_agent = _config(engine="none", classic=None, routing={"always_agent": [".*"]})
    assert decide(no_agent, text, runtime=None, meter=PlatformTurnMeter()).reason == "no agent configured"


CLASSIFIER = {"model_id": CLASSIFIER_MODEL, "max_tokens": 5}


@pytest.mark.parametrize(
    ("answer", "route", "reason"),
    [
        ("AGENT", "agent", "classifier: AGENT"),
        ("direct.", "direct", "classifier: DIRECT"),
        ("hmm", "direct", "classifier answer unclear; default route"),
    ],
)
def test_classifier_routing_table(answer, route, reason):
    config = _config(routing={"agent_intents": {"refund": ["refund"]}, "classifier": CLASSIFIER})
    front_door, _ = build(config_doc(routing={"agent_intents": {"refund": ["refund"]}, "classifier": CLASSIFIER}))
    meter = PlatformTurnMeter()
    text = "Could you check whether my parcel can be redirected?"
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_response(
            "converse",
            converse_response(answer, 61, 2),
            {
                "modelId": CLASSIFIER_MODEL,
                "system": [{"text": config.routing.classifier.instructions.replace("{intents}", "refund")}],
                "messages": [{"role": "user", "content": [{"text": text}]}],
                "inferenceConfig": {"maxTokens": 5, "temperature": 0},
            },
        )
        decision = decide(config, text, runtime=front_door.clients.runtime, meter=meter)
    assert (decision.route, decision.reason) == (route, reason)
    assert meter.usage.as_dict() == {"input": 61, "output": 2, "cache_read": 0, "cache_write": 0, "model_calls": 1}


def test_classifier_failure_falls_back_to_the_default_route():
    front_door, _ = build(config_doc(routing={"classifier": CLASSIFIER}))
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
        decision = decide(front_door.config, "hello there", runtime=front_door.clients.runtime, meter=PlatformTurnMeter())
    assert (decision.route, decision.reason) == ("direct", "classifier failed; default route")


def test_classifier_tokens_are_metered_in_turn_usage():
    """The classifier's own call counts in the turn: 61+2 (classifier) + 390+40 (answer), 2 calls."""
    doc = config_doc(direct={"model_id": MODEL, "max_tokens": 800}, guardrail={}, routing={"classifier": CLASSIFIER})
    front_door, emitted = build(doc)
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_response("converse", converse_response("DIRECT", 61, 2, cacheReadInputTokens=0))
        rt.add_response(
            "converse",
            converse_response("We open at 9.", 390, 40, cacheReadInputTokens=128, cacheWriteInputTokens=16),
            {
                "modelId": MODEL,
                "system": [{"text": "Answer the question using only the passages given. If they do not contain "
                                    "the answer, say so."}],
                "messages": [{"role": "user", "content": [{"text": "When do you open?"}]}],
                # maxTokens = min(direct max_tokens 800, cap 3000 - 63 already spent) = 800.
                "inferenceConfig": {"maxTokens": 800},
            },
        )
        answer = front_door.handle({"session_id": "s1", "text": "When do you open?"})
        rt.assert_no_pending_responses()
    assert answer["turn_usage"] == {"input": 451, "output": 42, "cache_read": 128, "cache_write": 16, "model_calls": 2}
    assert json.loads(emitted[0])["ModelCalls"] == 2


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"engine": "classic", "direct": {"model_id": MODEL}}, "$.classic: required, missing"),
        ({"engine": "rocket", "direct": {"model_id": MODEL}}, "$.engine: 'rocket' is not one of classic, agentcore, none"),
        ({"direct": {}}, "$.direct.model_id: required, missing"),
        ({"direct": {"model_id": MODEL, "knowledge_base_id": "short"}}, "$.direct.knowledge_base_id: 'short' does not match"),
        ({"direct": {"model_id": MODEL}, "routing": {"always_agent": ["("]}}, "$.routing.always_agent[0]: '(' is not a valid regular expression"),
        ({"direct": {"model_id": MODEL}, "routing": {"default_route": "maybe"}}, "$.routing.default_route: 'maybe' is not one of direct, agent"),
        ({"direct": {"model_id": MODEL}, "caps": {"turn_tokens": 10}}, "$.caps.turn_tokens: 10 is outside 100..1000000"),
        ({"direct": {"model_id": MODEL}, "caps": {"session_daily_tokens": 1000}}, "$.caps.session_daily_tokens: 1000 is outside 3000.."),
        ({"direct": {"model_id": MODEL}, "guardrail": {"identifier": "g"}}, "$.guardrail: identifier and version go together"),
        # bedrock-runtime GuardrailConfiguration.guardrailVersion pattern.
        ({"direct": {"model_id": MODEL}, "guardrail": {"identifier": "g", "version": "v1"}}, "$.guardrail.version: 'v1' does not match"),
        ({"engine": "agentcore", "direct": {"model_id": MODEL}, "agentcore": {"harness_arn": "arn:aws:bedrock-agentcore:eu-west-1:111122223333:harness/x"}},
         "$.agentcore.harness_arn: 'arn:aws:bedrock-agentcore:eu-west-1:111122223333:harness/x' does not match"),
    ],
)
def test_bad_configuration_names_path_and_value(doc, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(json.dumps(doc))
    assert message in str(raised.value)
