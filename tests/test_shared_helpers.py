"""The helpers that the knowledge, agents and observability domains share (one copy each in core/)."""

from __future__ import annotations

import pytest

from bedrock_platform.core.policy_pairs import allowed_pairs, pair_key, show_value


def test_allowed_pairs_keep_only_unconditional_allow_statements():
    # IAM JSON policy reference, "Action", "Resource", "Condition": Action and Resource are a string
    # or a list; a Deny or a conditioned Allow does not prove the grant is always there.
    arn = {"Fn::GetAtt": ["Kb", "KnowledgeBaseArn"]}
    document = {"Statement": [
        {"Effect": "Allow", "Action": ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"], "Resource": arn},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": ["arn:aws:kms:us-east-1:111122223333:key/k"]},
        {"Effect": "Deny", "Action": "bedrock:InvokeModel", "Resource": "*"},
        {"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
    ]}  # fmt: skip
    assert allowed_pairs(document) == {
        ("bedrock:Retrieve", pair_key(arn)),
        ("bedrock:RetrieveAndGenerate", pair_key(arn)),
        ("kms:Decrypt", '"arn:aws:kms:us-east-1:111122223333:key/k"'),
    }
    assert show_value(arn) == '{"Fn::GetAtt": ["Kb", "KnowledgeBaseArn"]}'
    assert show_value("arn:aws:bedrock:us-east-1::foundation-model/x") == "arn:aws:bedrock:us-east-1::foundation-model/x"


def test_agents_and_harness_share_the_one_allowed_pairs_helper():
    from bedrock_platform.agentcore import harness
    from bedrock_platform.agents import agent, agent_grants
    from bedrock_platform.core.policy_pairs import missing_grants

    assert agent_grants.missing_grants is harness.missing_grants is missing_grants
    assert not any(hasattr(module, "_allowed_pairs") for module in (agent, agent_grants, harness))


@pytest.mark.parametrize(
    "module", ["bedrock_platform.core.policy_principal", "bedrock_platform.observability._grants",
               "bedrock_platform.core.metric_props", "bedrock_platform.core.inputs"],
)  # fmt: skip
def test_duplicate_modules_are_gone(module):
    with pytest.raises(ModuleNotFoundError):
        __import__(module)


def test_one_metric_options_type_and_one_input_checks_module():
    from bedrock_platform.agents import agent_base
    from bedrock_platform.core import input_checks, metric_options
    from bedrock_platform.guardrails import guardrail_base

    assert agent_base.MetricOptions is guardrail_base.MetricOptions is metric_options.MetricOptions
    assert input_checks.as_list("filters", ("a", "b"), str) == ["a", "b"]


def test_config_pricing_uses_the_construct_price_table(monkeypatch):
    from bedrock_platform.config.observability import ModelPricing
    from bedrock_platform.observability.model_price import ModelPrice

    pricing = ModelPricing(model_id="anthropic.claude-3-5-haiku-20241022-v1:0", input_price_per_1k_tokens=0.0008,
                           output_price_per_1k_tokens=0.004, cache_read_price_per_1k_tokens=0.00008)
    assert pricing.priced_token_types == {"input": 0.0008, "output": 0.004, "cache_read": 0.00008}
    # One implementation: the config entry answers with its ModelPrice's table.
    monkeypatch.setattr(ModelPrice, "priced_token_types", property(lambda self: {"input": 1.0}))
    assert pricing.priced_token_types == {"input": 1.0}


def test_both_turn_meters_share_one_stream_base():
    from bedrock_platform.metering import HarnessTurnMeter, MeterInputError, TurnMeter
    from bedrock_platform.metering.stream import StreamMeter

    # botocore bedrock-agent-runtime ResponseStream / bedrock-agentcore InvokeHarnessStreamOutput:
    # one key per event; throttlingException and validationException are error members of them.
    for meter, error in ((TurnMeter(), "throttlingException"), (HarnessTurnMeter(), "validationException")):
        assert isinstance(meter, StreamMeter)
        meter.add({error: {"message": "slow down"}})
        assert meter.totals.errors == (error,)
        with pytest.raises(MeterInputError, match=r"^event 2: unknown event type 'bogus'; allowed: "):
            meter.add({"bogus": {}})


def test_missing_grants_names_each_requirement_the_policy_does_not_allow_unconditionally():
    from aws_cdk import App, Stack

    from bedrock_platform.core.policy_pairs import missing_grants

    stack = Stack(App(), "S")
    document = {"Statement": [
        {"Effect": "Allow", "Action": "bedrock:Retrieve", "Resource": "arn:aws:bedrock:us-east-1:1:knowledge-base/A"},
        {"Effect": "Allow", "Action": ["bedrock:ApplyGuardrail"], "Resource": ["arn:g"],
         "Condition": {"StringEquals": {"aws:ResourceAccount": "1"}}},  # conditional: not counted
    ]}  # fmt: skip
    required = [
        ("bedrock:Retrieve", "arn:aws:bedrock:us-east-1:1:knowledge-base/A", "knowledge base A"),
        ("bedrock:Retrieve", "arn:aws:bedrock:us-east-1:1:knowledge-base/B", "knowledge base B"),
        ("bedrock:ApplyGuardrail", "arn:g", "the guardrail"),
    ]
    assert missing_grants(stack, document, required, "Agent role") == [
        "Agent role lacks bedrock:Retrieve on knowledge base B (arn:aws:bedrock:us-east-1:1:knowledge-base/B)",
        "Agent role lacks bedrock:ApplyGuardrail on the guardrail (arn:g)",
    ]
