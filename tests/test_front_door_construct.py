"""The FrontDoor construct: API method auth, table settings, exact IAM, the env JSON, the code asset.

Sources encoded here:
- API Gateway ``AWS::ApiGateway::Method`` ``AuthorizationType: AWS_IAM`` (SigV4) and Lambda proxy
  ``Integration.Type: AWS_PROXY``; ``TimeoutInMillis`` 50..29,000 by default, raisable beyond 29 s
  for Regional REST APIs only (API Gateway Developer Guide, "Amazon API Gateway quotas"; What's New
  2024-06-04 "Amazon API Gateway integration timeout limit increase beyond 29 seconds").
- ``execute-api:Invoke`` resource ``arn:aws:execute-api:region:account:api-id/stage/METHOD/path``
  (API Gateway Developer Guide, "Control access for invoking an API").
- DynamoDB TTL attribute ``expires_at`` (DynamoDB Developer Guide, "Time to Live");
  TransactWriteItems ``Update`` items are authorized as ``dynamodb:UpdateItem``.
- ``InvokeHarness`` needs ``bedrock-agentcore:InvokeHarness`` and ``InvokeAgentRuntime`` on the
  harness ARN (AgentCore harness-security doc, bedrock_platform/agentcore/harness.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk.assertions import Template
from gate_job import GateJob
from nag_helpers import add_nag_packs, nag_findings

from bedrock_platform.agents.agent_alias import AgentAlias
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.frontdoor import FrontDoor, FrontDoorCaps, FrontDoorRouting
from bedrock_platform.frontdoor.asset import stage_front_door_code
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
from stacks.platform import new_app

ENV = Environment(account="111122223333", region="eu-west-1")
HARNESS = "arn:aws:bedrock-agentcore:eu-west-1:111122223333:harness/support-abcdefghij"
GUARDRAIL = "arn:aws:bedrock:eu-west-1:111122223333:guardrail/abcd1234efgh"
ALIAS = "arn:aws:bedrock:eu-west-1:111122223333:agent-alias/AGENT12345/ALIAS12345"
P = {"Ref": "AWS::Partition"}


def _fm(region: str, model: str) -> dict:
    return {"Fn::Join": ["", ["arn:", P, f":bedrock:{region}::foundation-model/{model}"]]}


def _agentcore_door(stack: Stack, **overrides) -> FrontDoor:
    kb = KnowledgeBase.from_knowledge_base_attributes(stack, "Kb", knowledge_base_id="KB12345678")
    guardrail = Guardrail.from_guardrail_attributes(stack, "Gr", guardrail_arn=GUARDRAIL, guardrail_version="3")
    props = dict(
        direct_model="anthropic.claude-3-haiku-20240307-v1:0", agent_name="support", engine="agentcore",
        harness=HARNESS, knowledge_base=kb, guardrail=guardrail,
        routing=FrontDoorRouting(always_direct=["opening hours"], agent_intents={"order": [r"\border\b"]},
                                 classifier_model="amazon.nova-micro-v1:0"),
        caps=FrontDoorCaps(session_daily_tokens=30_000, tenant_daily_tokens=1_000_000),
    )
    return FrontDoor(stack, "FrontDoor", **{**props, **overrides})


@pytest.fixture(scope="module")
def synthesized():
    app = new_app()
    agentcore_stack = Stack(app, "DoorAgentCore", env=ENV)
    door = _agentcore_door(agentcore_stack)
    from aws_cdk import aws_iam as iam

    app_role = iam.Role(agentcore_stack, "WebApp", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    door.grant_invoke(app_role)
    classic_stack = Stack(app, "DoorClassic", env=ENV)
    alias = AgentAlias.from_alias_arn(classic_stack, "Alias", ALIAS)
    FrontDoor(classic_stack, "FrontDoor", direct_model="eu.amazon.nova-lite-v1:0", engine="classic",
              agent_alias=alias, agent_name="support")
    add_nag_packs(app)
    assembly = app.synth()
    _GATE[assembly.directory] = GateJob.on(assembly.directory)  # cfn-lint, checkov, nag reports, in the background
    return assembly, Template.from_stack(agentcore_stack), Template.from_stack(classic_stack), door


_GATE: dict[str, GateJob] = {}


def _one(template: Template, kind: str) -> tuple[str, dict]:
    found = template.find_resources(kind)
    assert len(found) == 1, found.keys()
    return next(iter(found.items()))


def _statements(template: Template, prefix: str = "FrontDoorPolicy") -> dict[str, dict]:
    policy = next(v for k, v in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith(prefix))
    return {s.get("Sid", "-"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_post_turn_requires_sigv4_and_a_valid_body(synthesized):
    _, template, _, _ = synthesized
    _, method = _one(template, "AWS::ApiGateway::Method")
    props = method["Properties"]
    assert props["HttpMethod"] == "POST"
    assert props["AuthorizationType"] == "AWS_IAM"
    assert props["Integration"]["Type"] == "AWS_PROXY"
    assert props["Integration"]["IntegrationHttpMethod"] == "POST"
    assert props["Integration"]["TimeoutInMillis"] == 29000  # the default quota; raisable for Regional APIs
    assert "RequestValidatorId" in props and list(props["RequestModels"]) == ["application/json"]
    _, validator = _one(template, "AWS::ApiGateway::RequestValidator")
    assert validator["Properties"]["ValidateRequestBody"] is True
    _, model = _one(template, "AWS::ApiGateway::Model")
    schema = model["Properties"]["Schema"]
    assert schema["required"] == ["session_id", "text"] and schema["additionalProperties"] is False
    # the same rules as the runtime's request.py (InvokeAgent sessionId pattern)
    assert schema["properties"]["session_id"]["pattern"] == "^[0-9a-zA-Z._:-]{2,100}$"
    _, api = _one(template, "AWS::ApiGateway::RestApi")
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_stage_logs_traces_and_throttles(synthesized):
    _, template, _, _ = synthesized
    _, stage = _one(template, "AWS::ApiGateway::Stage")
    props = stage["Properties"]
    assert props["StageName"] == "v1" and props["TracingEnabled"] is True
    assert props["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": [
        next(iter(k for k in template.find_resources("AWS::Logs::LogGroup") if k.startswith("FrontDoorAccessLogs"))),
        "Arn"]}  # fmt: skip
    assert props["MethodSettings"] == [{
        "DataTraceEnabled": False, "HttpMethod": "*", "LoggingLevel": "ERROR", "MetricsEnabled": True,
        "ResourcePath": "/*", "ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50}]  # fmt: skip
    for log_group in template.find_resources("AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in log_group["Properties"] and log_group["DeletionPolicy"] == "Retain"


def test_ledger_table_settings(synthesized):
    _, template, _, _ = synthesized
    _, table = _one(template, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"


def test_function_runtime_timeout_and_encrypted_environment(synthesized):
    _, template, _, _ = synthesized
    _, function = _one(template, "AWS::Lambda::Function")
    props = function["Properties"]
    assert props["Architectures"] == ["arm64"] and props["Runtime"].startswith("python3.")
    assert props["Handler"] == "front_door.index.handler"
    assert props["Timeout"] == 150  # above the handler's 120 s Bedrock read timeout
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert "KmsKeyArn" in props
    assert props["Environment"]["Variables"]["LEDGER_TABLE_NAME"] == {"Ref": _one(template, "AWS::DynamoDB::Table")[0]}


def test_front_door_config_is_what_the_runtime_parses(synthesized):
    _, template, _, _ = synthesized
    _, function = _one(template, "AWS::Lambda::Function")
    raw = function["Properties"]["Environment"]["Variables"]["FRONT_DOOR_CONFIG"]
    assert json.loads(raw) == {
        "agent_name": "support", "engine": "agentcore",
        "direct": {"model_id": "anthropic.claude-3-haiku-20240307-v1:0", "max_tokens": 800,
                   "knowledge_base_id": "KB12345678"},
        "agentcore": {"harness_arn": HARNESS},
        "guardrail": {"identifier": "abcd1234efgh", "version": "3"},
        "routing": {"always_direct": ["opening hours"], "always_agent": [], "agent_intents": {"order": [r"\border\b"]},
                    "default_route": "direct", "classifier": {"model_id": "amazon.nova-micro-v1:0", "max_tokens": 5}},
        "caps": {"turn_tokens": 3000, "capped_message": "please try a simpler question",
                 "session_daily_tokens": 30000, "tenant_daily_tokens": 1000000},
        "metrics_namespace": "BedrockPlatform/Turns",
    }  # fmt: skip
    from bedrock_platform.lambda_code.front_door.settings import parse_config  # the runtime's own parser

    config = parse_config(raw, "table")
    assert config.engine == "agentcore" and config.caps.tenant_daily_tokens == 1_000_000
    assert config.routing.classifier.model_id == "amazon.nova-micro-v1:0"


def test_function_policy_is_exactly_what_a_turn_calls(synthesized):
    _, template, _, _ = synthesized
    key = _one(template, "AWS::KMS::Key")[0]
    statements = _statements(template)
    assert set(statements) == {
        "-", "InvokeDirectModel", "InvokeClassifierModel", "ApplyGuardrail", "RetrieveFromKnowledgeBase",
        "InvokeHarness", "UpdateBudgetLedger", "UseLedgerKey", "DecryptEnvironment", "WriteOwnLogs"}  # fmt: skip
    assert statements["-"]["Action"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert statements["InvokeDirectModel"]["Action"] == ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert statements["InvokeDirectModel"]["Resource"] == _fm("eu-west-1", "anthropic.claude-3-haiku-20240307-v1:0")
    assert statements["InvokeClassifierModel"]["Resource"] == _fm("eu-west-1", "amazon.nova-micro-v1:0")
    assert statements["ApplyGuardrail"] == {"Action": "bedrock:ApplyGuardrail", "Effect": "Allow",
                                            "Resource": GUARDRAIL, "Sid": "ApplyGuardrail"}
    assert statements["RetrieveFromKnowledgeBase"]["Action"] == "bedrock:Retrieve"
    assert statements["InvokeHarness"] == {
        "Action": ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:InvokeHarness"], "Effect": "Allow",
        "Resource": HARNESS, "Sid": "InvokeHarness"}  # fmt: skip
    assert statements["UpdateBudgetLedger"]["Action"] == "dynamodb:UpdateItem"
    assert statements["UpdateBudgetLedger"]["Resource"] == {"Fn::GetAtt": [_one(template, "AWS::DynamoDB::Table")[0], "Arn"]}
    assert statements["UseLedgerKey"]["Condition"] == {"StringEquals": {"kms:ViaService": "dynamodb.eu-west-1.amazonaws.com"}}
    assert statements["DecryptEnvironment"] == {"Action": "kms:Decrypt", "Effect": "Allow",
                                                "Resource": {"Fn::GetAtt": [key, "Arn"]}, "Sid": "DecryptEnvironment"}
    # nothing else may be inline on the function's role
    assert not [k for k in template.find_resources("AWS::IAM::Policy") if k.startswith("FrontDoor")]


def test_classic_door_invokes_the_alias_and_profile_destinations(synthesized):
    _, _, template, _ = synthesized
    statements = _statements(template)
    assert statements["InvokeAgentAlias"] == {"Action": "bedrock:InvokeAgent", "Effect": "Allow",
                                              "Resource": ALIAS, "Sid": "InvokeAgentAlias"}
    resources = statements["InvokeDirectModel"]["Resource"]
    # an eu. profile: the profile plus every EU destination region's foundation model
    assert _fm("eu-north-1", "amazon.nova-lite-v1:0") in resources and len(resources) == 9
    assert "InvokeHarness" not in statements and "ApplyGuardrail" not in statements


def test_grant_invoke_allows_only_post_turn(synthesized):
    _, template, _, door = synthesized
    grant = next(v for k, v in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("WebApp"))
    (statement,) = grant["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "execute-api:Invoke"
    api = _one(template, "AWS::ApiGateway::RestApi")[0]
    stage = _one(template, "AWS::ApiGateway::Stage")[0]
    assert statement["Resource"] == {"Fn::Join": ["", [
        "arn:", P, ":execute-api:eu-west-1:111122223333:", {"Ref": api}, "/", {"Ref": stage}, "/POST/turn"]]}  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"engine": "bedrock"}, "engine"),
        ({"engine": "classic", "harness": None}, "agent_alias"),
        ({"harness": None}, "harness"),
        ({"integration_timeout": Duration.seconds(301)}, "integration_timeout"),
        ({"function_timeout": Duration.seconds(60)}, "function_timeout"),
        ({"caps": FrontDoorCaps(turn_tokens=50)}, "caps.turn_tokens"),
        ({"caps": FrontDoorCaps(turn_tokens=3000, session_daily_tokens=100)}, "caps.session_daily_tokens"),
        ({"routing": FrontDoorRouting(default_route="agentic")}, "routing.default_route"),
        ({"routing": FrontDoorRouting(always_agent=["(unclosed"])}, "routing.always_agent[0]"),
        ({"log_retention_days": 8}, "log_retention_days"),
    ],
)
def test_bad_props_name_the_field(overrides, field):
    stack = Stack(new_app(), "Bad", env=ENV)
    with pytest.raises(PlatformValidationError) as raised:
        _agentcore_door(stack, **overrides)
    assert field in str(raised.value) and "Bad/FrontDoor" in str(raised.value)


def test_code_asset_holds_the_handler_and_the_shared_meter():
    staging = stage_front_door_code()
    assert (staging / "front_door" / "index.py").is_file()
    assert (staging / "bedrock_platform" / "metering" / "emf.py").is_file()
    assert sorted(p.name for p in (staging / "bedrock_platform").iterdir()) == ["__init__.py", "metering"]
    # the handler imports in isolation, with only the asset (and the Lambda runtime's boto3) on the path
    probe = ("import sys; sys.path[:0] = [sys.argv[1]]; import front_door.index as i; "
             "import bedrock_platform.metering as m; assert m.__file__.startswith(sys.argv[1]); print(i.handler.__name__)")
    result = subprocess.run([sys.executable, "-c", probe, str(staging)], capture_output=True, text=True, check=False,
                            cwd="/")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "handler"


def test_nag_cfn_lint_and_checkov_report_nothing(synthesized):
    # last in the module: the gate started in the background when the fixture synthesized (gate_job.py)
    assembly, *_ = synthesized
    assert nag_findings(assembly) == []
    report = _GATE[assembly.directory].report(Path(assembly.directory))
    assert report.findings == {"cfn-lint": [], "checkov": [], "cdk-nag": []}
