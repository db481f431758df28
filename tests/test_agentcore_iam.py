"""Exact IAM of every role the AgentCore agent adds (default app, config/default.yaml).

Sources:
- Harness trust: AgentCore service principal ``bedrock-agentcore.amazonaws.com`` with aws:SourceAccount and
  aws:SourceArn ``arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:*`` (AWS MDAA harness construct: a
  ``harness/...`` pattern fails the service's role validation; shared/reference/agentcore-facts.md).
- InvokeModel on the profile and on the foundation model in every destination region: Bedrock User Guide,
  "Supported Regions and models for inference profiles" (bedrock_platform/models/foundation_model.py).
- bedrock-agentcore:InvokeGateway: aws-cdk-lib aws-bedrockagentcore/lib/gateway/perms.js INVOKE_PERMS.
- Memory actions: botocore bedrock-agentcore operations CreateEvent, GetEvent, ListEvents, GetMemoryRecord,
  ListMemoryRecords, RetrieveMemoryRecords (aws-cdk-lib MemoryPerms STM write + reads).
- Runtime logs under /aws/bedrock-agentcore/runtimes/: AgentCore devguide "IAM Permissions for AgentCore Runtime".
- Gateway Lambda targets with CredentialProviderType GATEWAY_IAM_ROLE are invoked with the gateway role
  (cfn-lint schema AWS::BedrockAgentCore::GatewayTarget; aws-cdk-lib Gateway.addLambdaTarget grants that role).
"""

from __future__ import annotations

import pytest
from template_helpers import one_named

P = {"Ref": "AWS::Partition"}
R = {"Ref": "AWS::Region"}
A = {"Ref": "AWS::AccountId"}
MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"


def _join(*parts):
    return {"Fn::Join": ["", list(parts)]}


@pytest.fixture(scope="module")
def agents(platform):
    return platform.raw("Agents")


def test_harness_role_trusts_agentcore_for_this_account_only(agents):
    _, role = one_named(agents, "AWS::IAM::Role", "HarnessExecutionRole")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": A},
                "ArnLike": {"aws:SourceArn": _join("arn:", P, ":bedrock-agentcore:", R, ":", A, ":*")},
            },
        }
    ]


def test_harness_policy_is_exactly_model_guardrail_gateway_memory_and_logs(agents):
    logical, policy = one_named(agents, "AWS::IAM::ManagedPolicy", "HarnessExecutionRolePolicy")
    model_arns = [
        _join("arn:", P, ":bedrock:", R, ":", A, f":inference-profile/us.{MODEL}"),
        _join("arn:", P, ":bedrock:", R, f"::foundation-model/{MODEL}"),
        *[_join("arn:", P, f":bedrock:{region}::foundation-model/{MODEL}")
          for region in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")],
    ]  # fmt: skip
    log_group = "/aws/bedrock-agentcore/runtimes/*"
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Sid": "InvokeModel", "Effect": "Allow", "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
         "Resource": model_arns},
        {"Sid": "InvokeModelProfile", "Effect": "Allow", "Action": "bedrock:GetInferenceProfile", "Resource": model_arns[0]},
        {"Sid": "ApplyGuardrail", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail",
         "Resource": {"Fn::GetAtt": ["CustomerFacingGuardrail38CDF5A5", "GuardrailArn"]}},
        {"Sid": "InvokeGateway", "Effect": "Allow", "Action": "bedrock-agentcore:InvokeGateway",
         "Resource": {"Fn::GetAtt": [one_named(agents, "AWS::BedrockAgentCore::Gateway", "")[0], "GatewayArn"]}},
        {"Sid": "UseMemory", "Effect": "Allow",
         "Action": ["bedrock-agentcore:CreateEvent", "bedrock-agentcore:GetEvent", "bedrock-agentcore:GetMemoryRecord",
                    "bedrock-agentcore:ListEvents", "bedrock-agentcore:ListMemoryRecords",
                    "bedrock-agentcore:RetrieveMemoryRecords"],
         "Resource": {"Fn::GetAtt": [one_named(agents, "AWS::BedrockAgentCore::Memory", "")[0], "MemoryArn"]}},
        {"Sid": "RuntimeLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
         "Resource": [_join("arn:", P, ":logs:", R, ":", A, f":log-group:{log_group}"),
                      _join("arn:", P, ":logs:", R, ":", A, f":log-group:{log_group}:log-stream:*")]},
        # The token-cap lifecycle hooks (tests/test_turn_cap_hooks_template.py).
        {"Sid": "InvokeHookFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": {"Fn::GetAtt": [one_named(agents, "AWS::Lambda::Function", "TurnCapFunction")[0], "Arn"]}},
    ]  # fmt: skip
    role_logical, _ = one_named(agents, "AWS::IAM::Role", "HarnessExecutionRole")
    assert policy["Properties"]["Roles"] == [{"Ref": role_logical}]
    # "Role validation failed" on create unless the policy is attached first (MDAA harness construct).
    _, harness = one_named(agents, "AWS::BedrockAgentCore::Harness", "")
    assert logical in harness["DependsOn"]


def test_gateway_role_trusts_agentcore_for_its_gateway_and_invokes_exactly_its_targets(agents):
    role_logical, role = one_named(agents, "AWS::IAM::Role", "GatewayRole")
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock-agentcore.amazonaws.com"},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": A},
                "ArnLike": {"aws:SourceArn": _join(
                    "arn:", P, ":bedrock-agentcore:", R, ":", A, ":gateway/bedrock-platform-customer-support*")},
            },
        }
    ]  # fmt: skip
    assert "Policies" not in role["Properties"]  # no inline policy: the L2's grant is not used
    _, policy = one_named(agents, "AWS::IAM::ManagedPolicy", "GatewayPolicy")
    assert policy["Properties"]["Roles"] == [{"Ref": role_logical}]
    gateway_fn = one_named(agents, "AWS::Lambda::Function", "GatewayHandlerFunction")[0]
    search_fn = one_named(agents, "AWS::Lambda::Function", "KnowledgeSearchFunction")[0]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Sid": "InvokeTarget1", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": [gateway_fn, "Arn"]}},
        {"Sid": "InvokeTarget2", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": [search_fn, "Arn"]}},
    ]  # fmt: skip
    # No resource-based permission opens the tool functions to the service principal at large.
    permissions = [r for r in agents["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    tools = [{"Fn::GetAtt": [gateway_fn, "Arn"]}, {"Fn::GetAtt": [search_fn, "Arn"]}]
    assert all(p["Properties"]["Principal"] != "bedrock-agentcore.amazonaws.com" for p in permissions
               if p["Properties"]["FunctionName"] in tools)  # fmt: skip


def test_gateway_uses_iam_inbound_auth_and_one_lambda_target_per_tool_set(agents):
    _, gateway = one_named(agents, "AWS::BedrockAgentCore::Gateway", "")
    assert gateway["Properties"]["AuthorizerType"] == "AWS_IAM"
    targets = {v["Properties"]["Name"]: v["Properties"] for v in agents["Resources"].values()
               if v["Type"] == "AWS::BedrockAgentCore::GatewayTarget"}  # fmt: skip
    assert set(targets) == {"customer-support", "knowledge-search"}
    for target in targets.values():
        assert target["CredentialProviderConfigurations"] == [{"CredentialProviderType": "GATEWAY_IAM_ROLE"}]
    names = [t["Name"] for t in targets["customer-support"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]["InlinePayload"]]
    assert names == ["get_order", "get_inventory", "initiate_refund"]  # lambdas/customer_support/tool_schemas.json


def test_knowledge_search_retrieves_from_exactly_the_agents_knowledge_bases(agents):
    logical, fn = one_named(agents, "AWS::Lambda::Function", "KnowledgeSearchFunction")
    assert fn["Properties"]["Handler"] == "handler.handler"
    env = fn["Properties"]["Environment"]["Variables"]
    assert env["DEFAULT_MAX_RESULTS"] == "5"
    assert "support-docs" in str(env["KNOWLEDGE_BASES"]) and "product-manuals" not in str(env["KNOWLEDGE_BASES"])
    assert "KmsKeyArn" in fn["Properties"] and fn["Properties"]["TracingConfig"] == {"Mode": "Active"}
    _, policy = one_named(agents, "AWS::IAM::ManagedPolicy", "KnowledgeSearchFunctionExecutionPolicy")
    retrieve = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "RetrieveFromAgentKnowledgeBases"]
    assert len(retrieve) == 1 and retrieve[0]["Action"] == "bedrock:Retrieve"
    assert retrieve[0]["Resource"] == {"Ref": next(p for p in agents["Parameters"] if "supportdocsarn" in p.lower())}


def test_gateway_handler_shares_the_classic_functions_data_grants(agents):
    _, fn = one_named(agents, "AWS::Lambda::Function", "GatewayHandlerFunction")
    assert fn["Properties"]["Handler"] == "gateway_handler.handler"
    _, policy = one_named(agents, "AWS::IAM::ManagedPolicy", "GatewayHandlerExecutionPolicy")
    sids = [s["Sid"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert sids == ["WriteLogs", "DecryptEnvironment", "WriteTraces", "ReadOrdersAndInventory", "CheckOrderInRefund",
                    "WriteRefunds", "UseIdempotencyRecords", "UseTableKeyThroughDynamoDB"]  # fmt: skip
