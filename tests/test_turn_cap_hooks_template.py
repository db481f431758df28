"""TurnCapHooks wiring: harness ``Hooks``, the hook Lambda, its ledger table and exact IAM.

Sources:
- cfn-lint schema AWS::BedrockAgentCore::Harness: ``Hooks`` (maxItems 20, uniqueItems) of
  ``HarnessHook`` (oneOf BeforeInvocation | AfterInvocation | BeforeToolCall | AfterToolCall, each
  ``{Name ^[a-zA-Z0-9_-]+$ 1-64, Target}``); ``HarnessHookTarget`` oneOf Lambda | Sns | EventBridge;
  ``HarnessHookLambdaTarget{Arn, FailureMode allow|deny (default deny), TimeoutSeconds 1-900}``.
- AgentCore devguide "Lifecycle hooks" (harness-lifecycle-hooks): up to 20 hooks, unique names, not
  overridable at InvokeHarness; events before_invocation / before_tool_call / after_tool_call / after_invocation.
- How the harness invokes a hook Lambda (execution role or service principal) is not documented: both
  are granted on the one function (see bedrock_platform/agentcore/turn_cap_hooks.py).
- DynamoDB: TTL attribute ``expires_at`` (Number, epoch seconds), PITR, SSE with a customer key
  (cfn-lint schema AWS::DynamoDB::Table ``TimeToLiveSpecification``, ``PointInTimeRecoverySpecification``,
  ``SSESpecification{SSEEnabled, SSEType KMS, KMSMasterKeyId}``).
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_bedrockagentcore as agentcore
from template_helpers import one_named

from bedrock_platform.agentcore.harness import HarnessAgent
from bedrock_platform.agentcore.turn_cap_hooks import TurnCapHooks
from bedrock_platform.config.agents import AgentCoreConfig
from bedrock_platform.core.validation import PlatformValidationError

P = {"Ref": "AWS::Partition"}
R = {"Ref": "AWS::Region"}
A = {"Ref": "AWS::AccountId"}
MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
INSTRUCTION = "You help customers of Example Corp with their orders and returns, politely and briefly."


@pytest.fixture(scope="module")
def agents(platform):
    return platform.raw("Agents")


def test_harness_has_three_lambda_hooks_that_fail_closed(agents):
    fn, _ = one_named(agents, "AWS::Lambda::Function", "TurnCapFunction")
    _, harness = one_named(agents, "AWS::BedrockAgentCore::Harness", "")
    target = {"Lambda": {"Arn": {"Fn::GetAtt": [fn, "Arn"]}, "FailureMode": "deny", "TimeoutSeconds": 10}}
    assert harness["Properties"]["Hooks"] == [
        {"BeforeInvocation": {"Name": "token_cap_before_invocation", "Target": target}},
        {"BeforeToolCall": {"Name": "token_cap_before_tool_call", "Target": target}},
        {"AfterInvocation": {"Name": "token_cap_after_invocation", "Target": target}},
    ]


def test_hook_function_has_the_cap_and_answers_within_the_hook_timeout(agents):
    _, fn = one_named(agents, "AWS::Lambda::Function", "TurnCapFunction")
    props = fn["Properties"]
    table, _ = one_named(agents, "AWS::DynamoDB::Table", "TurnCapLedger")
    env = props["Environment"]["Variables"]
    assert env == {"TABLE_NAME": {"Ref": table}, "TOKEN_CAP": "3000", "WINDOW_SECONDS": "3600",
                   "LEASE_SECONDS": "180",  # harness TimeoutSeconds 120 + 60
                   "DENY_MESSAGE": "This conversation has used its token budget: please try a simpler question, "
                                   "or start a new conversation."}  # fmt: skip
    assert props["Timeout"] == 8 < 10  # answers before the harness gives up on it (TimeoutSeconds 10)
    assert props["Handler"] == "handler.handler" and "Layers" not in props
    assert props["TracingConfig"] == {"Mode": "Active"} and "KmsKeyArn" in props


def test_ledger_table_is_on_demand_pitr_kms_ttl(agents, platform):
    _, table = one_named(agents, "AWS::DynamoDB::Table", "TurnCapLedger")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
    key, _ = one_named(agents, "AWS::KMS::Key", "AgentKey")
    assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}


def test_hook_function_policy_is_exactly_its_logs_key_traces_and_table(agents):
    table, _ = one_named(agents, "AWS::DynamoDB::Table", "TurnCapLedger")
    key, _ = one_named(agents, "AWS::KMS::Key", "AgentKey")
    log_group, _ = one_named(agents, "AWS::Logs::LogGroup", "TurnCapFunctionLogGroup")
    _, policy = one_named(agents, "AWS::IAM::ManagedPolicy", "TurnCapFunctionExecutionPolicy")
    key_arn = {"Fn::GetAtt": [key, "Arn"]}
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": {"Fn::GetAtt": [log_group, "Arn"]}},
        {"Sid": "DecryptEnvironment", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn},
        {"Sid": "WriteTraces", "Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
         "Resource": "*"},
        {"Sid": "KeepRunningTotals", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
         "Resource": {"Fn::GetAtt": [table, "Arn"]}},
        {"Sid": "UseLedgerKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn},
    ]  # fmt: skip


def test_agentcore_may_invoke_the_hook_function_from_this_account_only(agents):
    fn, _ = one_named(agents, "AWS::Lambda::Function", "TurnCapFunction")
    _, permission = one_named(agents, "AWS::Lambda::Permission", "TurnCapFunctionHarnessInvoke")
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [fn, "Arn"]},
        "Principal": "bedrock-agentcore.amazonaws.com",
        "SourceAccount": A,
        "SourceArn": {"Fn::Join": ["", ["arn:", P, ":bedrock-agentcore:", R, ":", A, ":*"]]},
    }


def test_classic_config_has_no_turn_cap_hooks(classic_platform):
    agents = classic_platform.raw("Agents")
    assert not [k for k, v in agents["Resources"].items() if "TurnCap" in k]


def test_prod_ledger_is_retained(prod_platform):
    agents = prod_platform.raw("Agents")
    _, table = one_named(agents, "AWS::DynamoDB::Table", "TurnCapLedger")
    assert table["DeletionPolicy"] == "Retain" and table["Properties"]["DeletionProtectionEnabled"] is True


def _agent(stack):
    return HarnessAgent(stack, "Agent", name="support", foundation_model=MODEL, instruction=INSTRUCTION)


def test_hooks_are_limited_to_20_with_unique_names():
    agent = _agent(Stack(App(), "S"))
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    for i in range(20):
        agent.add_lambda_hook("after_tool_call", f"audit{i}", arn)
    with pytest.raises(PlatformValidationError, match="at most 20"):
        agent.add_lambda_hook("after_tool_call", "audit20", arn)
    other = _agent(Stack(App(), "T"))
    other.add_lambda_hook("before_invocation", "check", arn)
    with pytest.raises(PlatformValidationError, match="unique"):
        other.add_lambda_hook("after_invocation", "check", arn)
    with pytest.raises(PlatformValidationError, match="hooks.name|name"):
        other.add_lambda_hook("before_invocation", "bad name", arn)
    with pytest.raises(PlatformValidationError, match="event"):
        other.add_lambda_hook("on_lunch", "x", arn)


def test_hooks_can_be_passed_at_construction():
    stack = Stack(App(), "S")
    cfn = agentcore.CfnHarness
    hook = cfn.HarnessHookProperty(after_invocation=cfn.HarnessAfterInvocationHookProperty(
        name="audit", target=cfn.HarnessHookTargetProperty(sns=cfn.HarnessHookSnsTargetProperty(
            arn="arn:aws:sns:us-east-1:123456789012:audit"))))  # fmt: skip
    agent = HarnessAgent(stack, "Agent", name="support", foundation_model=MODEL, instruction=INSTRUCTION, hooks=[hook])
    assert stack.resolve(agent.resource.hooks) == [
        {"afterInvocation": {"name": "audit", "target": {"sns": {"arn": "arn:aws:sns:us-east-1:123456789012:audit"}}}}
    ]


def test_turn_cap_hooks_reject_bad_settings():
    stack = Stack(App(), "S")
    with pytest.raises(PlatformValidationError, match="token_cap"):
        TurnCapHooks(stack, "A", token_cap=0)
    with pytest.raises(PlatformValidationError, match="deny_message"):
        TurnCapHooks(stack, "B", deny_message="x" * 1025)


def test_config_turn_token_cap_defaults_to_3000_and_is_checked():
    assert AgentCoreConfig().turn_token_cap == 3000
    assert AgentCoreConfig(turn_token_cap=0).turn_token_cap == 0  # hooks off
    with pytest.raises(Exception, match="turn_token_cap"):
        AgentCoreConfig(turn_token_cap=-5)
    assert "turn_token_cap" not in AgentCoreConfig().limits().__dict__


def _acknowledged(agent):
    return [m.data for m in agent.resource.node.metadata if m.type == "aws:cdk:acknowledged-rules"]


def test_validator_acknowledgment_only_where_hooks_are_set():
    # aws-cdk-lib 2.275's bundled validator (@aws/cloudformation-validate 1.12.1) rejects Hooks with F3002
    # ("'Hooks' was unexpected") although the cfn-lint 1.58 schema of AWS::BedrockAgentCore::Harness has it.
    plain = _agent(Stack(App(), "S"))
    assert _acknowledged(plain) == []
    hooked = _agent(Stack(App(), "T"))
    hooked.add_lambda_hook("before_invocation", "a", "arn:aws:lambda:us-east-1:123456789012:function:f")
    hooked.add_lambda_hook("after_invocation", "b", "arn:aws:lambda:us-east-1:123456789012:function:f")
    [ack] = _acknowledged(hooked)
    assert list(ack) == ["CloudFormation-Validate::F3002"]
