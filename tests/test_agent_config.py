"""The agents section of the platform config (errors reported by file and field path) and the
AgentStack it builds: guardrail, reference action group, agent, alias, model access, outputs."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aws_cdk.assertions import Match, Template
from conftest import ROOT
from nag_helpers import add_nag_packs, nag_findings
from template_helpers import ASSET_BUCKET, schema_object_key

from bedrock_platform.composition.agent_stack import AgentStack
from bedrock_platform.config.loader import ConfigError, load_config, parse_config
from bedrock_platform.core.validation import PlatformValidationError
from stacks.customer_support_actions import SCHEMA_FILE
from stacks.platform import new_app

# These tests cover the Classic agent layer: the Classic variant of the default app (issue 9 moved
# config/default.yaml to AgentCore; tests/test_agentcore_*.py cover that engine).
DEFAULT_CONFIG = ROOT / "config" / "classic.yaml"
RAW_DEFAULT = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))


@dataclass
class FakeKnowledgeBase:
    knowledge_base_id: str
    knowledge_base_arn: str


FAKE_KBS = {
    "support-docs": FakeKnowledgeBase("SUPPORTKB1", "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/SUPPORTKB1"),
    "product-manuals": FakeKnowledgeBase("MANUALSKB1", "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/MANUALSKB1"),
}


def with_agents(**changes) -> dict:
    data = copy.deepcopy(RAW_DEFAULT)
    data["agents"].update(changes)
    return data


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_config(data, "platform.yaml")
    return error.value.problems


# -- config ----------------------------------------------------------------------------------


def test_default_config_describes_the_reference_agent():
    config = load_config(DEFAULT_CONFIG)
    section = config.agents
    assert [g.preset for g in section.guardrails] == ["customer-facing-strict"]
    agent = section.agents[0]
    assert agent.name == "customer-support" and agent.model().is_inference_profile and agent.model().geography == "us"
    assert [kb.name for kb in agent.knowledge_bases] == ["support-docs"]
    assert agent.guardrail == "customer-facing" and agent.action_groups == ["customer-support"]
    assert section.model_access.guardrail == "customer-facing"
    section.check_knowledge_base_references([kb.name for kb in config.knowledge.knowledge_bases])


def test_empty_agents_section_is_valid_and_disabled():
    section = parse_config({}, "x.yaml").agents
    assert section.agents == [] and not section.enabled
    assert load_config(DEFAULT_CONFIG).agents.enabled


def guardrail(**fields) -> list[dict]:
    return [{"name": "customer-facing", "preset": "customer-facing-strict", **fields}]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"guardrails": guardrail(preset="lenient")},
         "agents.guardrails[0].preset: 'lenient' is not one of: baseline, customer-facing-strict, regulated-data"),
        ({"guardrails": guardrail(content_filters=[{"type": "PROMPT_ATTACK", "input_strength": "HIGH", "output_strength": "LOW"}])},
         "agents.guardrails[0].content_filters[0].output_strength: 'LOW' is not allowed for PROMPT_ATTACK: it must be NONE"),
        ({"guardrails": guardrail(pii_entities=[{"type": "EMAIL", "input_action": "NONE", "output_action": "NONE"}])},
         "agents.guardrails[0].pii_entities[0].output_action: 'NONE' leaves the entity unchecked"),
        ({"guardrails": guardrail(denied_topics=[{"name": "t", "definition": "d" * 201}])},
         "agents.guardrails[0].denied_topics[0].definition: 'ddd"),
        ({"guardrails": guardrail(grounding_threshold=1.5)}, "agents.guardrails[0].grounding_threshold: 1.5 is not within 0-0.99"),
        ({"guardrails": guardrail(kms_key_arn="alias/mine")}, "agents.guardrails[0].kms_key_arn: 'alias/mine' is not valid: a KMS key ARN"),
        ({"guardrails": guardrail(name="n" * 26)}, "agents.guardrails[0].name: 'nnn"),
        ({"guardrails": [{"name": "custom"}]}, "agents.guardrails[0].policies: [] is empty: add at least one content filter"),
        ({"guardrails": guardrail(filters=[])}, "agents.guardrails[0].filters: is not a known setting (check the spelling)"),
        ({"guardrails": guardrail(content_filters=[{"type": "HATE", "input_strength": "LOW", "output_strength": "LOW"},
                                                   {"type": "HATE", "input_strength": "HIGH", "output_strength": "HIGH"}])},
         "agents.guardrails[0].content_filters[1].type: 'HATE' appears more than once (also at index 0); names must be unique"),
        ({"guardrails": guardrail(pii_entities=[{"type": "EMAIL", "input_action": "BLOCK", "output_action": "BLOCK"}] * 2)},
         "agents.guardrails[0].pii_entities[1].type: 'EMAIL' appears more than once"),
        ({"guardrails": guardrail(regexes=[{"name": "acct", "pattern": "A\\d+", "input_action": "BLOCK", "output_action": "BLOCK"}] * 2)},
         "agents.guardrails[0].regexes[1].name: 'acct' appears more than once"),
        ({"guardrails": guardrail(denied_topics=[{"name": "Pricing", "definition": "Prices."}] * 2)},
         "agents.guardrails[0].denied_topics[1].name: 'Pricing' appears more than once"),
        ({"action_groups": [{"name": "billing"}]}, "agents.action_groups[0].name: 'billing' is not one of: customer-support"),
        ({"action_groups": [{"name": "customer-support", "memory_mb": 64}]}, "agents.action_groups[0].memory_mb: 64 is not within 128-10240"),
        ({"model_access": {"models": ["gpt-4"], "guardrail": "customer-facing"}}, "agents.model_access.models[0]: 'gpt-4' is not valid"),
        ({"model_access": {"models": ["amazon.nova-pro-v1:0"], "guardrail": "strict"}},
         "agents.model_access.guardrail: 'strict' is not a configured guardrail (configured: customer-facing)"),
    ],
)  # fmt: skip
def test_section_errors_name_the_field_path(changes, expected):
    found = problems(with_agents(**changes))
    assert any(p.startswith(expected) for p in found), found


def agent(**fields) -> list[dict]:
    base = copy.deepcopy(RAW_DEFAULT["agents"]["agents"][0])
    base.update(fields)
    return [base]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"instruction": "Be nice."}, "agents.agents[0].instruction: 'Be nice.' has 8 characters, allowed 40-20000"),
        ({"foundation_model": "claude"}, "agents.agents[0].foundation_model: 'claude' is not valid: a Bedrock model id"),
        ({"idle_session_ttl_seconds": 7200}, "agents.agents[0].idle_session_ttl_seconds: 7200 is not within 60-5400"),
        ({"name": "customer support"}, "agents.agents[0].name: 'customer support' is not valid"),
        ({"name": "a" * 77}, "agents.agents[0].name: 'aaa"),
        ({"guardrail": "strict"}, "agents.agents[0].guardrail: 'strict' is not a configured guardrail (configured: customer-facing)"),
        ({"action_groups": ["billing"]},
         "agents.agents[0].action_groups[0]: 'billing' is not a configured action group (configured: customer-support)"),
        ({"memory": {"storage_days": 400}}, "agents.agents[0].memory.storage_days: 400 is not within 1-365"),
        ({"knowledge_bases": [{"name": "support-docs", "description": ""}]},
         "agents.agents[0].knowledge_bases[0].description: '' has 0 characters, allowed 1-200"),
    ],
)  # fmt: skip
def test_agent_errors_name_the_field_path(fields, expected):
    found = problems(with_agents(agents=agent(**fields)))
    assert any(p.startswith(expected) for p in found), found


def test_longest_agent_name_fits_the_bedrock_name_with_the_longest_platform_name():
    data = with_agents(agents=agent(name="a" * 76))
    data["name"] = "p" * 24
    config = parse_config(data, "x.yaml")
    app = new_app()
    stack = AgentStack(app, "Agents", config=config, knowledge_bases=FAKE_KBS)
    name = stack.agents["a" * 76].agent_name
    assert name == "p" * 24 + "-" + "a" * 76 and re.fullmatch(r"([0-9a-zA-Z][_-]?){1,100}", name)
    found = problems(with_agents(agents=agent(name="a" * 77)))
    assert any(p.startswith("agents.agents[0].name: 'aaa") and p.endswith(
        "is not valid: 1-76 letters or digits, each optionally followed by one '_' or '-' (the platform name takes the rest)")
        for p in found), found


def test_duplicate_agent_names_are_rejected():
    found = problems(with_agents(agents=agent() + agent()))
    assert "agents.agents[1].name: 'customer-support' appears more than once (also at index 0); names must be unique" in found


def test_unknown_knowledge_base_reference_fails_at_load():
    found = problems(with_agents(agents=agent(knowledge_bases=[{"name": "faq", "description": "FAQ"}])))
    assert (
        "agents.agents[0].knowledge_bases[0].name: 'faq' is not a configured knowledge base "
        "(configured: support-docs, product-manuals)"
    ) in found


def test_preset_overrides_from_config_merge_into_the_preset():
    config = parse_config(
        with_agents(guardrails=guardrail(
            content_filters=[{"type": "INSULTS", "input_strength": "MEDIUM", "output_strength": "MEDIUM"}],
            denied_topics=[{"name": "Competitors", "definition": "Comparisons with other retailers."}],
            grounding_threshold=0.8,
        )),
        "x.yaml",
    )  # fmt: skip
    props = config.agents.guardrails[0].guardrail_props()
    assert {f.type: f.input_strength for f in props["content_filters"]}["INSULTS"] == "MEDIUM"
    assert len(props["content_filters"]) == 6
    assert [t.name for t in props["denied_topics"]][-1] == "Competitors"
    assert props["grounding_threshold"] == 0.8 and props["managed_profanity"] is True


# -- the stack -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent_stack():
    config = load_config(DEFAULT_CONFIG)
    app = new_app()
    stack = AgentStack(app, "Agents", config=config, knowledge_bases=FAKE_KBS)
    add_nag_packs(app)
    assembly = app.synth()
    return stack, assembly, Template.from_json(assembly.get_stack_artifact(stack.artifact_id).template)


def test_stack_builds_guardrail_agent_alias_and_action_group(agent_stack):
    stack, assembly, template = agent_stack
    template.resource_count_is("AWS::Bedrock::Guardrail", 1)
    template.resource_count_is("AWS::Bedrock::GuardrailVersion", 1)
    template.resource_count_is("AWS::Bedrock::Agent", 1)
    template.resource_count_is("AWS::Bedrock::AgentAlias", 1)
    template.has_resource_properties("AWS::Bedrock::Guardrail", {"Name": "bedrock-platform-customer-facing"})
    function_id = stack.resolve(stack.customer_support_actions.function.function_arn)["Fn::GetAtt"][0]
    template.has_resource_properties(
        "AWS::Bedrock::Agent",
        {
            "AgentName": "bedrock-platform-customer-support",
            "FoundationModel": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            "AutoPrepare": True,
            "KnowledgeBases": [Match.object_like({"KnowledgeBaseId": "SUPPORTKB1"})],
            "ActionGroups": [
                Match.object_like({
                    "ActionGroupName": "customer-support",
                    "ActionGroupExecutor": {"Lambda": {"Fn::GetAtt": [function_id, "Arn"]}},
                })
            ],
        },
    )  # fmt: skip
    agent = next(iter(template.find_resources("AWS::Bedrock::Agent").values()))
    # The schema is stored once as an S3 asset (AWS::Bedrock::Agent APISchema.S3, cfn-lint schema
    # aws-bedrock-agent.json S3Identifier), not inlined: the staged asset is the committed file, verbatim.
    schema_text = SCHEMA_FILE.read_text(encoding="utf-8")
    assert agent["Properties"]["ActionGroups"][0]["ApiSchema"] == {
        "S3": {"S3BucketName": ASSET_BUCKET, "S3ObjectKey": schema_object_key(schema_text)}
    }
    payload = (Path(assembly.directory) / f"asset.{schema_object_key(schema_text)}").read_text(encoding="utf-8")
    assert payload == schema_text
    operations = {op["operationId"]: op for item in json.loads(payload)["paths"].values() for op in item.values()}
    assert {op_id: op.get("x-requireConfirmation") for op_id, op in operations.items()} == {
        "getOrder": None, "getInventory": None, "initiateRefund": "ENABLED",
    }
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"FunctionName": {"Fn::GetAtt": [function_id, "Arn"]}, "Principal": "bedrock.amazonaws.com",
         "SourceArn": {"Fn::GetAtt": [Match.string_like_regexp("^CustomerSupportAgent"), "AgentArn"]}},
    )  # fmt: skip


def test_stack_outputs(agent_stack):
    _, _, template = agent_stack
    outputs = template.find_outputs("*")
    for name in ("CustomerSupportAgentId", "CustomerSupportAgentAliasId", "CustomerSupportAgentAliasArn",
                 "CustomerFacingGuardrailId", "CustomerFacingGuardrailVersion", "ModelAccessPolicyArn"):  # fmt: skip
        assert name in outputs, sorted(outputs)
    assert outputs["CustomerSupportAgentAliasId"]["Value"]["Fn::GetAtt"][1] == "AgentAliasId"
    assert outputs["CustomerFacingGuardrailVersion"]["Value"]["Fn::GetAtt"][1] == "Version"


def test_stack_model_access_policy_enforces_the_guardrail(agent_stack):
    _, _, template = agent_stack
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"PolicyDocument": {"Statement": Match.array_with([
            Match.object_like({"Sid": "InvokeListedModelsWithGuardrail", "Condition": {"ArnLike": {"bedrock:GuardrailIdentifier": Match.any_value()}}}),
            Match.object_like({"Sid": "DenyInvokeWithoutGuardrail", "Effect": "Deny"}),
        ])}},
    )  # fmt: skip


def test_stack_has_zero_nag_findings_and_passes_cfn_lint(agent_stack):
    from cfnlint.api import ManualArgs, lint

    stack, assembly, _ = agent_stack
    assert nag_findings(assembly) == []
    template = assembly.get_stack_artifact(stack.artifact_id).template
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    assert [f"{m.rule.id} {m.message} {m.path}" for m in matches] == []


def test_stack_rejects_an_agent_whose_knowledge_base_is_missing():
    config = load_config(DEFAULT_CONFIG)
    with pytest.raises(PlatformValidationError, match=r"agents.agents\[0\].knowledge_bases\[0\].name: 'support-docs' is not a configured knowledge base"):
        AgentStack(new_app(), "Agents", config=config, knowledge_bases={"product-manuals": FAKE_KBS["product-manuals"]})


def test_platform_alias_follows_knowledge_base_ids_read_from_ssm(classic_platform):
    """In the Classic app the knowledge base id reaches the agent stack through an SSM parameter at
    deploy: the alias description references it, so a replaced knowledge base moves the alias."""
    platform = classic_platform
    template = platform.raw("Agents")
    [agent] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Bedrock::Agent"]
    [alias] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Bedrock::AgentAlias"]
    kb_id = agent["Properties"]["KnowledgeBases"][0]["KnowledgeBaseId"]
    assert template["Parameters"][kb_id["Ref"]] == {
        "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/bedrock-platform/knowledge-bases/support-docs/id",
    }
    version = agent["Properties"]["GuardrailConfiguration"]["GuardrailVersion"]
    parts = alias["Properties"]["Description"]["Fn::Join"][1]
    assert parts[1:] == [version, " kb ", kb_id]
    assert re.fullmatch(r"Latest version of agent configuration sha256:[0-9a-f]{16} guardrail ", parts[0])
