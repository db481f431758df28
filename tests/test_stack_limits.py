"""Synth fails with one clean message (stack, limit, current value, what to change) before
CloudFormation would: the check runs over every synthesized template, whatever created the stack.

Sources of the limits:
- CloudFormation quotas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
  Resources 500, Outputs 200, Parameters 200, Mappings 200 per template; template body size in an
  S3 object 1 MB (1,000,000 bytes; 51,200 bytes only for a body passed directly, the CDK CLI
  uploads templates as assets).
- OpenSearch Serverless CreateAccessPolicy ``policy`` maximum length 20,480
  (botocore data/opensearchserverless/2021-11-01/service-2.json, shape PolicyDocument ``max``).
- Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
  function resource-based policy 20 KB.
- Amazon Bedrock endpoints and quotas, AWS General Reference
  (https://docs.aws.amazon.com/general/latest/gr/bedrock.html#limits_bedrock), defaults "Each supported
  Region": "Knowledge bases per account" 100 (quota code L-60DA3E0D), "(Guardrails) Guardrails per
  account" 100 (L-0E5A840C), "Agents per account" 200 (L-97D79C54; Bedrock Agents "Classic",
  ``AWS::Bedrock::Agent``), "Inference profiles per account" 1,000 (L-40EC9882, adjustable). The same table is mirrored verbatim in cloudscape-design/components'
  simple-table test page (table w102aac14c55c11b7), which is where the values were read.
- Quotas for Amazon Bedrock AgentCore
  (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/bedrock-agentcore-limits.html):
  AgentCore Runtime "Total agents per account" 1,000 (adjustable); "AgentCore harness is a logical
  resource. Each harness you create is backed by a managed AgentCore Runtime", bound by the Runtime
  quotas, so ``AWS::BedrockAgentCore::Runtime`` and ``AWS::BedrockAgentCore::Harness`` count together.
- IAM and AWS STS quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html,
  "Default quotas for IAM entities"): roles in an AWS account 1,000, customer managed policies in
  an AWS account 1,500 (maximum automatic approval 5,000 each), managed policies attached to an
  IAM role 10 (up to 20). IAM is global: one count per account whatever the Region.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from aws_cdk import App, CfnMapping, CfnOutput, CfnParameter, CfnResource, Stack
from aws_cdk import aws_opensearchserverless as aoss
from conftest import DEFAULT_CONFIG, PLATFORM_FIXTURES

import app as platform_app
from bedrock_platform.composition.synth_errors import run_reporting_errors
from bedrock_platform.config.loader import ConfigError, parse_config
from bedrock_platform.core.stack_limits import (
    AccountQuotas,
    StackLimitError,
    _render,
    check_limits,
    synth_within_limits,
)
from stacks.platform import new_app


def _app() -> App:
    """The project's App with aws-cdk-lib's CloudFormation Validate rules off, so these tests see the
    platform's own check (with the rules on, Validate reports some literal breaches first; see below)."""
    return new_app(**{"@aws-cdk/core:validateAgainstDefaultRules": False})


def _handles(stack: Stack, count: int) -> None:
    for i in range(count):
        CfnResource(stack, f"H{i}", type="AWS::CloudFormation::WaitConditionHandle")


def _fails(build, capsys: pytest.CaptureFixture[str], quotas: AccountQuotas | None = None) -> str:
    def main() -> None:
        app = _app()
        build(app)
        synth_within_limits(app, quotas)

    assert run_reporting_errors(main) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and ".js:" not in err and "internal error" not in err, err
    err = err[err.index("error: "):]  # after CDK's own validation warnings
    assert err.startswith("error: Synthesized templates exceed AWS limits (1 problem(s)):\n"), err
    return err.splitlines()[1].strip()


def test_501_resources_fail_with_the_stack_count_and_fix(capsys):
    assert _fails(lambda app: _handles(Stack(app, "Big", stack_name="team-big"), 501), capsys) == (
        "stack team-big: 501 resources, over CloudFormation's limit of 500 per stack: "
        "split the stack (e.g. move some knowledge bases or agents to another stack)"
    )


def test_500_resources_pass():
    app = _app()
    _handles(Stack(app, "Full"), 500)
    synth_within_limits(app)


def test_with_cloudformation_validate_on_the_breach_is_still_one_clean_message(capsys):
    """The project's flags keep @aws-cdk/core:validateAgainstDefaultRules: its rule F0007 reports a
    literal resource-count breach during synth, through the same boundary (no traceback)."""

    def main() -> None:
        app = new_app()
        _handles(Stack(app, "Big", stack_name="team-big"), 501)
        synth_within_limits(app)

    assert run_reporting_errors(main) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and ".js:" not in err and "internal error" not in err, err
    assert err.startswith("error: Validation failed: ERROR Template has 501 resources, maximum is 500 (CloudFormation Validate)\n   Big")


def test_cdk_own_resource_check_in_a_plain_app_is_the_same_clean_message(capsys):
    """A consumer App keeps aws-cdk-lib's TooManyResourcesInStack (a jsii error): the boundary translates it."""

    def main() -> None:
        app = App(context={"@aws-cdk/core:validateAgainstDefaultRules": False})
        _handles(Stack(app, "Big"), 501)
        app.synth()

    assert run_reporting_errors(main) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and ".js:" not in err and "internal error" not in err, err
    assert err[err.index("error: "):].splitlines()[1].strip() == (
        "stack Big: 501 resources, over CloudFormation's limit of 500 per stack: "
        "split the stack (e.g. move some knowledge bases or agents to another stack)"
    )


def test_template_over_1_000_000_bytes(capsys):
    def build(app: App) -> None:
        handle = CfnResource(Stack(app, "Heavy", stack_name="heavy"), "H", type="AWS::CloudFormation::WaitConditionHandle")
        handle.add_metadata("Schema", "x" * 1_000_000)

    message = _fails(build, capsys)
    assert message.startswith("stack heavy: template body is 1,000,")
    assert message.endswith(
        "bytes, over CloudFormation's 1,000,000-byte limit: move resources (e.g. some knowledge bases or agents) "
        "to another stack or store large payloads as S3 assets"
    )


def test_201_outputs(capsys):
    def build(app: App) -> None:
        stack = Stack(app, "Outs", stack_name="outs")
        _handles(stack, 1)
        for i in range(201):
            CfnOutput(stack, f"O{i}", value=str(i))

    assert _fails(build, capsys) == "stack outs: 201 outputs, over CloudFormation's limit of 200 per stack: remove outputs or split the stack"


def test_201_parameters(capsys):
    def build(app: App) -> None:
        stack = Stack(app, "Params", stack_name="params")
        _handles(stack, 1)
        for i in range(200):  # + the synthesizer's BootstrapVersion parameter = 201
            CfnParameter(stack, f"P{i}", default="x")

    assert _fails(build, capsys) == (
        "stack params: 201 parameters, over CloudFormation's limit of 200 per stack: share fewer values between stacks or split the stack"
    )


def test_201_mappings(capsys):
    def build(app: App) -> None:
        stack = Stack(app, "Maps", stack_name="maps")
        _handles(stack, 1)
        for i in range(201):
            CfnMapping(stack, f"M{i}", mapping={"k": {"v": "1"}}).find_in_map("k", "v")

    assert _fails(build, capsys) == "stack maps: 201 mappings, over CloudFormation's limit of 200 per stack: merge mappings or split the stack"


def _access_policy(app: App, roles: int) -> None:
    stack = Stack(app, "Vectors", stack_name="vectors")
    principals = [f"arn:aws:iam::123456789012:role/kb-{i:04d}-{'r' * 40}" for i in range(roles)]
    document = [{"Rules": [{"ResourceType": "index", "Resource": ["index/c/*"], "Permission": ["aoss:ReadDocument"]}],
                 "Principal": principals}]  # fmt: skip
    aoss.CfnAccessPolicy(stack, "Access", name="c-access", type="data", policy=json.dumps(document))


def test_opensearch_serverless_access_policy_over_20480_characters(capsys):
    message = _fails(lambda app: _access_policy(app, 300), capsys)
    assert message.startswith("stack vectors: OpenSearch Serverless access policy Access")
    assert "over the 20,480-character policy limit" in message


def test_opensearch_serverless_access_policy_under_the_limit_passes():
    app = _app()
    _access_policy(app, 200)  # 200 x 76 characters < 20,480
    synth_within_limits(app)


def test_deploy_time_values_are_measured_at_real_arn_size():
    """A role ARN is arn:aws:iam::<12 digits>:role/<up to 64 characters> (IAM quotas: role name 64)."""
    rendered = _render({"Fn::Join": ["", ["[", {"Fn::GetAtt": ["Role", "Arn"]}, ",", {"Ref": "AWS::AccountId"}, "]"]]})
    assert rendered == "[arn:aws:iam::123456789012:role/" + "r" * 64 + ",123456789012]"


def _permissions(app: App, count: int) -> None:
    stack = Stack(app, "Tools", stack_name="tools")
    function = CfnResource(stack, "Fn", type="AWS::Lambda::Function")
    for i in range(count):
        CfnResource(stack, f"Allow{i}", type="AWS::Lambda::Permission", properties={
            "Action": "lambda:InvokeFunction", "FunctionName": function.get_att("Arn"),
            "Principal": "bedrock.amazonaws.com", "SourceAccount": {"Ref": "AWS::AccountId"},
            "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:bedrock:${{AWS::Region}}:${{AWS::AccountId}}:agent/AGENT{i:05d}"},
        })  # fmt: skip


def test_lambda_resource_policy_over_20_kb(capsys):
    message = _fails(lambda app: _permissions(app, 60), capsys)
    assert message.startswith("stack tools: the resource-based policy of Lambda function Fn is about ")
    assert "over Lambda's 20,480-byte (20 KB) limit" in message


def test_lambda_resource_policy_under_20_kb_passes():
    app = _app()
    _permissions(app, 40)
    synth_within_limits(app)


_SERVICE_QUOTAS = "in Service Quotas"
# "Adjustable: No" in the Bedrock quota table: Quotas for Amazon Bedrock, "Request an increase": "If a
# quota is marked as No, you can submit a request through the limit increase form".
_LIMIT_FORM = "through AWS Support's limit increase form (not adjustable in Service Quotas)"


@pytest.mark.parametrize(
    ("resource_type", "field", "default", "quota_name", "how"),
    [
        ("AWS::Bedrock::KnowledgeBase", "knowledge_bases", 100, "Amazon Bedrock 'Knowledge bases per account'", _LIMIT_FORM),
        ("AWS::Bedrock::Guardrail", "guardrails", 100, "Amazon Bedrock 'Guardrails per account'", _LIMIT_FORM),
        ("AWS::Bedrock::Agent", "agents", 200, "Amazon Bedrock 'Agents per account'", _SERVICE_QUOTAS),
        ("AWS::Bedrock::ApplicationInferenceProfile", "inference_profiles", 1000,
         "Amazon Bedrock 'Inference profiles per account' (L-40EC9882)", _SERVICE_QUOTAS),
        ("AWS::IAM::Role", "iam_roles", 1000, "IAM 'Roles in an AWS account' (global)", _SERVICE_QUOTAS),
        ("AWS::IAM::ManagedPolicy", "iam_managed_policies", 1500,
         "IAM 'Customer managed policies in an AWS account' (global)", _SERVICE_QUOTAS),
    ],
)
def test_account_quota_counts_every_stack(resource_type, field, default, quota_name, how, capsys):
    """The quota is per account and Region: resources of all stacks (e.g. one per tenant) add up."""

    def build(app: App) -> None:
        remaining, stack_index = default + 1, 0
        while remaining:  # several stacks, each under 500 resources
            count = min(remaining, default // 2 if default < 800 else 400)
            stack = Stack(app, f"Tenant{stack_index}")
            for i in range(count):
                CfnResource(stack, f"R{i}", type=resource_type)
            remaining, stack_index = remaining - count, stack_index + 1

    assert _fails(build, capsys) == (
        f"account: {default + 1} {resource_type} exceed the {quota_name} quota of {default}: remove some, or request an "
        f"increase {how} and then set quotas.{field} in the config to the approved value"
    )
    app = _app()
    build(app)
    synth_within_limits(app, AccountQuotas(**{field: default + 1}))  # raised quota: passes


def test_account_quota_defaults_are_awss_published_defaults():
    """Each default is AWS's published default (module docstring: General Reference Bedrock table,
    AgentCore quotas page); the config section starts from the same values."""
    assert AccountQuotas() == AccountQuotas(knowledge_bases=100, guardrails=100, agents=200, agentcore_agents=1000)
    assert parse_config({}, "q.yaml").quotas.to_quotas() == AccountQuotas()


def test_agentcore_quota_counts_runtimes_and_harnesses_together(capsys):
    """A harness is backed by a managed AgentCore Runtime: 600 runtimes + 401 harnesses = 1,001 > 1,000
    (three stacks, each under 500 resources); with the quota raised to 1,001 the same app passes."""

    def build(app: App) -> None:
        for name, resource_type, count in (("Runtimes1", "Runtime", 300), ("Runtimes2", "Runtime", 300),
                                           ("Harnesses", "Harness", 401)):
            stack = Stack(app, name)
            for i in range(count):
                CfnResource(stack, f"R{i}", type=f"AWS::BedrockAgentCore::{resource_type}")

    message = _fails(build, capsys)
    assert message.startswith(
        "account: 1001 AWS::BedrockAgentCore::Runtime/AWS::BedrockAgentCore::Harness exceed the "
        "Amazon Bedrock AgentCore 'Total agents per account' quota of 1000: "
    )
    app = _app()
    build(app)
    synth_within_limits(app, AccountQuotas(agentcore_agents=1001))


def test_every_breach_is_listed_at_once():
    app = _app()
    _handles(Stack(app, "A", stack_name="a"), 501)
    _permissions(app, 60)
    with pytest.raises(StackLimitError) as raised:
        synth_within_limits(app)
    assert [p.split(":")[0] for p in raised.value.problems] == ["stack a", "stack tools"]


def test_quotas_config_section_maps_onto_account_quotas():
    config = parse_config({"quotas": {"knowledge_bases": 250}}, "q.yaml")
    assert config.quotas.to_quotas() == AccountQuotas(
        knowledge_bases=250, guardrails=100, agents=200, agentcore_agents=1000, inference_profiles=1000,
        iam_roles=1000, iam_managed_policies=1500,
    )
    assert parse_config({}, "q.yaml").quotas.to_quotas() == AccountQuotas()
    with pytest.raises(ConfigError) as raised:
        parse_config({"quotas": {"guardrails": 0}}, "q.yaml")
    assert "quotas.guardrails" in str(raised.value)


@pytest.mark.parametrize("fixture", sorted(PLATFORM_FIXTURES.values()))
def test_shipped_configs_are_within_every_limit(fixture, request):
    """The fixtures synthesize through synth_within_limits; this states it and guards the margin."""
    platform = request.getfixturevalue(fixture)
    assert check_limits(platform.assembly, platform.config.quotas.to_quotas()) == []


def test_app_run_reports_an_account_quota_from_config(tmp_path: Path, capsys):
    """app.py's run goes through the check: the default config with a lowered quota stops with exit 1."""
    document = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG.read_text()))
    document["quotas"] = {"knowledge_bases": 1}
    path = tmp_path / "quota.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assert platform_app.run(str(path)) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "  account: 2 AWS::Bedrock::KnowledgeBase exceed the Amazon Bedrock 'Knowledge bases per account' quota of 1" in err


def _env_stack(app: App, name: str, account: str, region: str, resource_type: str, count: int) -> None:
    stack = Stack(app, name, env={"account": account, "region": region})
    for i in range(count):
        CfnResource(stack, f"R{i}", type=resource_type)


def test_regional_quotas_add_up_per_account_and_region(capsys):
    """Bedrock quotas are per account and Region: 60 + 60 knowledge bases in two Regions (or two
    accounts) of a pipeline's stages are within 100 each; 101 in one account and Region are not."""
    app = _app()
    _env_stack(app, "A", "111111111111", "us-east-1", "AWS::Bedrock::KnowledgeBase", 60)
    _env_stack(app, "B", "111111111111", "eu-west-1", "AWS::Bedrock::KnowledgeBase", 60)
    _env_stack(app, "C", "222222222222", "us-east-1", "AWS::Bedrock::KnowledgeBase", 60)
    synth_within_limits(app)

    def build(app: App) -> None:
        _env_stack(app, "A", "111111111111", "us-east-1", "AWS::Bedrock::KnowledgeBase", 60)
        _env_stack(app, "B", "111111111111", "us-east-1", "AWS::Bedrock::KnowledgeBase", 41)

    assert _fails(build, capsys).startswith(
        "account 111111111111 (us-east-1): 101 AWS::Bedrock::KnowledgeBase exceed the Amazon Bedrock "
        "'Knowledge bases per account' quota of 100"
    )


def test_iam_quotas_add_up_across_regions_of_one_account(capsys):
    """IAM is global: 600 roles in us-east-1 and 401 in eu-west-1 of one account are 1,001 roles."""

    def build(app: App) -> None:
        _env_stack(app, "A", "111111111111", "us-east-1", "AWS::IAM::Role", 450)
        _env_stack(app, "B", "111111111111", "eu-west-1", "AWS::IAM::Role", 450)
        _env_stack(app, "C", "111111111111", "eu-central-1", "AWS::IAM::Role", 101)
        _env_stack(app, "D", "222222222222", "eu-west-1", "AWS::IAM::Role", 450)  # another account

    assert _fails(build, capsys) == (
        "account 111111111111: 1001 AWS::IAM::Role exceed the IAM 'Roles in an AWS account' (global) quota of 1000: "
        "remove some, or request an increase in Service Quotas and then set quotas.iam_roles in the config to the "
        "approved value"
    )


def _role_with_policies(stack: Stack, inline_arns: int, policies: int) -> None:
    from aws_cdk import aws_iam as iam

    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                    managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(f"P{i}") for i in range(inline_arns)])
    for i in range(policies):
        iam.ManagedPolicy(stack, f"Grant{i}", roles=[role],
                          statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:aws:s3:::b{i}/*"])])


def test_eleven_managed_policies_on_one_role_fail(capsys):
    """IAM quotas: "Managed policies attached to an IAM role" 10: ManagedPolicyArns and
    AWS::IAM::ManagedPolicy.Roles attachments add up."""
    message = _fails(lambda app: _role_with_policies(Stack(app, "S", stack_name="s"), 4, 7), capsys)
    assert message.startswith("stack s: IAM role Role") and message.endswith(
        "has 11 managed policies attached, over IAM's limit of 10 per role: merge grants into fewer managed policies, "
        "or request an increase of 'Managed policies attached to an IAM role' (up to 20)"
    ), message


def test_ten_managed_policies_on_one_role_pass():
    app = _app()
    _role_with_policies(Stack(app, "S"), 4, 6)
    synth_within_limits(app)
