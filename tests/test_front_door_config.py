"""``front_door:`` in the platform config: mapped onto the FrontDoor construct in the agent stack."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from bedrock_platform.config.loader import ConfigError, parse_config

ROOT = Path(__file__).resolve().parent.parent


def _default() -> dict:
    return yaml.safe_load((ROOT / "config" / "default.yaml").read_text())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"agent": "nope"}, "front_door.agent: 'nope' is not one of ['customer-support']"),
        ({"knowledge_base": "nope"}, "front_door.knowledge_base: 'nope'"),
        ({"direct_model": None}, "direct_model"),
        ({"caps": {"turn_tokens": 50}}, "caps.turn_tokens: 50 must be 100..1000000"),
        ({"routing": {"default_route": "agentic"}}, "routing.default_route"),
        ({"integration_timeout_seconds": 301}, "integration_timeout_seconds"),
        ({"alarms": {"cap_hit_percent": 0}}, "cap_hit_percent"),
    ],
)
def test_bad_front_door_settings_name_the_field(change, expected):
    data = copy.deepcopy(_default())
    data["front_door"].update(change)
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "default.yaml")
    assert expected in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_defaults_match_the_field_guide():
    section = parse_config({"front_door": {"enabled": False}}).front_door
    assert section.caps.turn_tokens == 3000 and section.caps.capped_message == "please try a simpler question"
    assert section.integration_timeout_seconds == 29 and section.enabled is False


def test_default_platform_front_door_fronts_the_harness_with_kb_and_guardrail(platform):
    agents = platform.template("Agents")
    functions = {k: v for k, v in agents.find_resources("AWS::Lambda::Function").items() if k.startswith("FrontDoor")}
    (function,) = functions.values()
    doc = function["Properties"]["Environment"]["Variables"]["FRONT_DOOR_CONFIG"]
    rendered = json.dumps(doc)
    # tokens (harness ARN, KB id via SSM, guardrail id/version) make it an Fn::Join
    assert '\\"engine\\":\\"agentcore\\"' in rendered and '\\"turn_tokens\\":3000' in rendered
    assert '\\"agent_name\\":\\"customer-support\\"' in rendered and "harness_arn" in rendered
    assert '\\"session_daily_tokens\\":60000' in rendered and "knowledge_base_id" in rendered
    (method,) = agents.find_resources("AWS::ApiGateway::Method").values()
    assert method["Properties"]["AuthorizationType"] == "AWS_IAM"
    policy = next(v for k, v in agents.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("FrontDoorPolicy"))
    sids = {s.get("Sid") for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert {"InvokeHarness", "ApplyGuardrail", "RetrieveFromKnowledgeBase", "UpdateBudgetLedger"} <= sids
