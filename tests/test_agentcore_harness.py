"""The AgentCore harness construct: guardrail wiring, memory, limits, endpoint versioning, grants, validation.

Sources:
- cfn-lint schema AWS::BedrockAgentCore::Harness: HarnessName ^[a-zA-Z][a-zA-Z0-9_]{0,39}$ (create-only),
  Version "Incremented on every successful update"; HarnessEndpoint TargetVersion; Truncation.Strategy enum;
  ManagedMemoryConfiguration.EncryptionKeyArn create-only; Memory EncryptionKeyArn create-only.
- Guardrail on model traffic: Model.BedrockModelConfig.AdditionalParams.guardrailConfig{guardrailIdentifier,
  guardrailVersion, trace} (AWS MDAA harness construct; Converse GuardrailConfiguration, botocore bedrock-runtime).
- InvokeHarness needs bedrock-agentcore:InvokeHarness and bedrock-agentcore:InvokeAgentRuntime on the harness
  ARN (AgentCore devguide, harness-security "IAM permissions model").
- AWS::Bedrock::EnforcedGuardrailConfiguration: required GuardrailIdentifier + numeric GuardrailVersion (cfn-lint schema).
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from bedrock_platform.agentcore.harness import HarnessAgent, HarnessLimits
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.guardrails.presets import guardrail_props

INSTRUCTION = "You are the customer-support assistant of Example Corp. Be brief and polite."
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _harness(instruction: str = INSTRUCTION, **kwargs):
    app = App()
    stack = Stack(app, "S", env={"account": "123456789012", "region": "us-east-1"})
    guardrail = Guardrail(stack, "G", name="g", **guardrail_props("baseline"))
    agent = HarnessAgent(stack, "H", name="support", foundation_model=MODEL, instruction=instruction,
                         guardrail=guardrail, **kwargs)  # fmt: skip
    return stack, agent


def _template(stack):
    return Template.from_stack(stack).to_json()


def _of_type(template, type_):
    return [r for r in template["Resources"].values() if r["Type"] == type_]


def test_published_guardrail_version_is_attached_to_model_traffic():
    stack, agent = _harness()
    t = _template(stack)
    harness = _of_type(t, "AWS::BedrockAgentCore::Harness")[0]["Properties"]
    guardrail_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::Bedrock::Guardrail")
    version_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::Bedrock::GuardrailVersion")
    assert harness["Model"]["BedrockModelConfig"] == {
        "ModelId": MODEL,
        "MaxTokens": 1024,
        "AdditionalParams": {"guardrailConfig": {
            "guardrailIdentifier": {"Fn::GetAtt": [guardrail_id, "GuardrailId"]},
            "guardrailVersion": {"Fn::GetAtt": [version_id, "Version"]},  # published, never DRAFT
            "trace": "disabled",
        }},
    }  # fmt: skip


def test_limits_bound_a_turn_with_the_documented_defaults():
    stack, _ = _harness()
    harness = _of_type(_template(stack), "AWS::BedrockAgentCore::Harness")[0]["Properties"]
    assert (harness["MaxIterations"], harness["MaxTokens"], harness["TimeoutSeconds"], harness["Truncation"]) == (
        8, 1024, 120, {"Strategy": "sliding_window"})
    assert harness["Memory"] == {"Disabled": {}}
    assert harness["HarnessName"] == "support"


def test_endpoint_follows_the_harness_version():
    stack, _ = _harness()
    t = _template(stack)
    harness_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::BedrockAgentCore::Harness")
    endpoint = _of_type(t, "AWS::BedrockAgentCore::HarnessEndpoint")[0]["Properties"]
    assert endpoint["TargetVersion"] == {"Fn::GetAtt": [harness_id, "Version"]}
    assert endpoint["HarnessId"] == {"Fn::GetAtt": [harness_id, "HarnessId"]}
    assert endpoint["EndpointName"] == "live"


def test_a_config_change_moves_the_endpoint_and_an_unchanged_resynth_does_not():
    first, again = _template(_harness()[0]), _template(_harness()[0])
    assert first == again  # nothing changes: CloudFormation updates nothing, the version stays
    changed = _template(_harness(INSTRUCTION + " Answer in English.")[0])
    harness = lambda t: _of_type(t, "AWS::BedrockAgentCore::Harness")[0]["Properties"]  # noqa: E731
    endpoint = lambda t: _of_type(t, "AWS::BedrockAgentCore::HarnessEndpoint")[0]["Properties"]  # noqa: E731
    assert harness(changed) != harness(first)  # harness updated -> Version increments -> TargetVersion moves
    assert endpoint(changed)["TargetVersion"] == endpoint(first)["TargetVersion"]  # same GetAtt, new value
    assert endpoint(changed)["Description"] != endpoint(first)["Description"]  # readable: which config it serves
    limits = _template(_harness(limits=HarnessLimits(max_iterations=4))[0])
    assert harness(limits)["MaxIterations"] == 4 and endpoint(limits)["Description"] != endpoint(first)["Description"]


def test_grant_invoke_allows_this_harness_only():
    stack, agent = _harness()
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    agent.grant_invoke(role)
    policy = agent.invoke_policy()
    t = _template(stack)
    harness_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::BedrockAgentCore::Harness")
    expected = {"Action": ["bedrock-agentcore:InvokeHarness", "bedrock-agentcore:InvokeAgentRuntime"], "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [harness_id, "Arn"]}}  # fmt: skip
    # grant_invoke lands in a customer-managed policy attached to the role: no inline AWS::IAM::Policy
    # for the consumer to inherit a cdk-nag IAMNoInlinePolicy finding from (issue 8, section 2).
    assert _of_type(t, "AWS::IAM::Policy") == []
    role_id = stack.get_logical_id(role.node.default_child)
    granted = [r["Properties"] for r in _of_type(t, "AWS::IAM::ManagedPolicy")
               if r["Properties"].get("Roles") == [{"Ref": role_id}]]  # fmt: skip
    assert [g["PolicyDocument"]["Statement"] for g in granted] == [[expected]]
    managed = t["Resources"][stack.get_logical_id(policy.node.default_child)]["Properties"]["PolicyDocument"]["Statement"]
    assert managed == [{**expected, "Sid": "InvokeHarness"}]


def test_grant_invoke_adds_to_a_given_managed_policy():
    stack, agent = _harness()
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    given = iam.ManagedPolicy(stack, "Given")
    agent.grant_invoke(role, policy=given)
    t = _template(stack)
    assert _of_type(t, "AWS::IAM::Policy") == []
    props = t["Resources"][stack.get_logical_id(given.node.default_child)]["Properties"]
    assert props["Roles"] == [{"Ref": stack.get_logical_id(role.node.default_child)}]
    assert [s["Action"] for s in props["PolicyDocument"]["Statement"]] == [
        ["bedrock-agentcore:InvokeHarness", "bedrock-agentcore:InvokeAgentRuntime"]]


def test_a_removed_grant_fails_synth():
    stack, agent = _harness()
    statements = agent.policy.document.to_json()["Statement"]
    agent.policy.node.default_child.policy_document = {
        "Version": "2012-10-17", "Statement": [s for s in statements if s.get("Sid") != "ApplyGuardrail"]}
    errors = [e for c in agent.node.find_all() for e in c.node.validate()]
    assert len(errors) == 1 and errors[0].startswith("Harness role lacks bedrock:ApplyGuardrail on the guardrail ("), errors


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_iterations": 0}, "max_iterations: 0 is not within 1-100"),
        ({"truncation": "drop_all"}, "truncation: 'drop_all'"),
        ({"timeout_seconds": 0}, "timeout_seconds: 0 is not within 1-3600"),
    ],
)
def test_limits_are_validated(kwargs, message):
    with pytest.raises(PlatformValidationError, match=message):
        HarnessLimits(**kwargs)


def test_harness_name_follows_the_service_pattern():
    with pytest.raises(PlatformValidationError, match="name: 'customer-support' is not valid"):
        _harness_named("customer-support")
    with pytest.raises(PlatformValidationError, match="name: 'a{41}' is not valid"):
        _harness_named("a" * 41)


def _harness_named(name):
    stack = Stack(App(), "S")
    HarnessAgent(stack, "H", name=name, foundation_model=MODEL, instruction=INSTRUCTION)


def test_long_instruction_warns_as_classic_does():
    stack, agent = _harness(instruction="word " * 400)
    from aws_cdk.assertions import Annotations, Match

    Annotations.from_stack(stack).has_warning("/S/H", Match.string_like_regexp(".*over the 200-token budget.*"))


def test_default_app_wires_memory_with_the_customer_key_and_the_gateway(platform):
    t = platform.raw("Agents")
    memory_id, memory = next((k, r) for k, r in t["Resources"].items() if r["Type"] == "AWS::BedrockAgentCore::Memory")
    props = memory["Properties"]
    assert props["EventExpiryDuration"] == 30
    assert [list(s) for s in props["MemoryStrategies"]] == [["SummaryMemoryStrategy"]]
    key = props["EncryptionKeyArn"]["Fn::GetAtt"][0]
    assert t["Resources"][key]["Type"] == "AWS::KMS::Key" and t["Resources"][key]["Properties"]["EnableKeyRotation"]
    harness = _of_type(t, "AWS::BedrockAgentCore::Harness")[0]["Properties"]
    assert harness["Memory"] == {"AgentCoreMemoryConfiguration": {"Arn": {"Fn::GetAtt": [memory_id, "MemoryArn"]}}}
    gateway_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::BedrockAgentCore::Gateway")
    assert harness["Tools"] == [{"Type": "agentcore_gateway", "Name": "tools", "Config": {"AgentCoreGateway": {
        "GatewayArn": {"Fn::GetAtt": [gateway_id, "GatewayArn"]}, "OutboundAuth": {"AwsIam": {}}}}}]  # fmt: skip
    assert not _of_type(t, "AWS::Bedrock::Agent")  # the default app no longer needs Bedrock Agents
    assert not _of_type(t, "AWS::Bedrock::EnforcedGuardrailConfiguration")  # opt-in only


def test_prod_memory_is_retained(prod_platform):
    t = prod_platform.raw("Agents")
    memory = _of_type(t, "AWS::BedrockAgentCore::Memory")[0]
    assert memory["DeletionPolicy"] == "Retain" and "EncryptionKeyArn" in memory["Properties"]


def test_classic_config_deploys_the_same_agent_on_bedrock_agents(classic_platform, platform):
    classic = classic_platform.raw("Agents")
    agent = _of_type(classic, "AWS::Bedrock::Agent")[0]["Properties"]
    harness = _of_type(platform.raw("Agents"), "AWS::BedrockAgentCore::Harness")[0]["Properties"]
    assert agent["Instruction"] == harness["SystemPrompt"][0]["Text"]
    assert agent["FoundationModel"] == harness["Model"]["BedrockModelConfig"]["ModelId"]
    assert not _of_type(classic, "AWS::BedrockAgentCore::Harness")


def test_account_guardrail_enforcement_is_opt_in():
    import yaml

    from bedrock_platform.composition.agent_stack import AgentStack
    from bedrock_platform.composition.weak_references import SharedKnowledgeBase
    from bedrock_platform.config.loader import parse_config

    data = yaml.safe_load(open("config/default.yaml"))
    data["agents"]["enforce_account_guardrail"] = "customer-facing"
    config = parse_config(data)
    stack = AgentStack(App(), "Agents", config=config, knowledge_bases={
        "support-docs": SharedKnowledgeBase(knowledge_base_id="KB12345678",
                                            knowledge_base_arn="arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KB12345678")})  # fmt: skip
    t = _template(stack)
    guardrail_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::Bedrock::Guardrail")
    version_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::Bedrock::GuardrailVersion")
    assert [r["Properties"] for r in _of_type(t, "AWS::Bedrock::EnforcedGuardrailConfiguration")] == [{
        "GuardrailIdentifier": {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]},
        "GuardrailVersion": {"Fn::GetAtt": [version_id, "Version"]},
    }]  # fmt: skip
    data["agents"]["enforce_account_guardrail"] = "nope"
    with pytest.raises(Exception, match="enforce_account_guardrail: 'nope' is not a configured guardrail"):
        parse_config(data)


def test_gateway_grant_invoke_lands_in_a_managed_policy():
    # bedrock-agentcore:InvokeGateway: aws-cdk-lib aws-bedrockagentcore/lib/gateway/perms.js INVOKE_PERMS.
    from bedrock_platform.agentcore.gateway import AgentGateway

    app = App()
    stack = Stack(app, "S", env={"account": "123456789012", "region": "us-east-1"})
    gateway = AgentGateway(stack, "Tools", name="platform-support")
    # a gateway without targets has an empty role policy (CDK rejects empty managed policies)
    gateway.policy.add_statements(iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=["arn:aws:lambda:us-east-1:123456789012:function:t"]))
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    gateway.grant_invoke(role)
    given = iam.ManagedPolicy(stack, "Given")
    gateway.grant_invoke(role, policy=given)
    t = _template(stack)
    assert _of_type(t, "AWS::IAM::Policy") == []
    gateway_id = stack.get_logical_id(gateway.gateway.node.default_child)
    expected = {"Action": "bedrock-agentcore:InvokeGateway", "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [gateway_id, "GatewayArn"]}}  # fmt: skip
    role_ref = [{"Ref": stack.get_logical_id(role.node.default_child)}]
    granted = [r["Properties"]["PolicyDocument"]["Statement"] for r in _of_type(t, "AWS::IAM::ManagedPolicy")
               if r["Properties"].get("Roles") == role_ref]  # fmt: skip
    assert granted == [[expected], [expected]]  # one created next to the role, one the given policy
