"""ActionGroupLambda and CustomerSupportActions: synthesized template, IAM, nag and cfn-lint.

One app is synthesized for the module: ``Actions`` holds the customer-support action group
configured explicitly, ``Defaults`` a bare ActionGroupLambda with its defaults.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template
from lambda_loader import LAMBDAS_DIR
from nag_helpers import add_nag_packs, nag_findings

from bedrock_platform.agents.action_group_function import (
    POWERTOOLS_VERSION,
    RUNTIME,
    ActionGroupLambda,
)
from bedrock_platform.core.log_groups import retention_days
from bedrock_platform.core.validation import PlatformValidationError
from stacks.customer_support_actions import SCHEMA_FILE, CustomerSupportActions
from stacks.platform import new_app

CODE = str(LAMBDAS_DIR / "customer_support")
ROOT = Path(__file__).resolve().parent.parent


class Synth:
    def __init__(self) -> None:
        self.app = new_app()
        actions_stack = Stack(self.app, "Actions")
        self.actions = CustomerSupportActions(
            actions_stack, "CustomerSupport",
            timeout_seconds=20, memory_mb=512, reserved_concurrency=5, log_retention_days=90,
        )
        defaults_stack = Stack(self.app, "Defaults")
        self.bare = ActionGroupLambda(
            defaults_stack, "Bare",
            code_path=CODE, handler="handler.lambda_handler", description="Bare action group",
            powertools_service_name="bare",
        )
        self.bare.grant_invoke_to_bedrock_agent()
        self.bare.grant_invoke_to_bedrock_agent("arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345")
        add_nag_packs(self.app)
        self.assembly = self.app.synth()
        self.raw = {name: self.assembly.get_stack_by_name(name).template for name in ("Actions", "Defaults")}
        self.template = {name: Template.from_json(raw) for name, raw in self.raw.items()}

    def logical_id(self, stack: str, resource_type: str, path_part: str) -> str:
        matches = [
            logical_id for logical_id, resource in self.raw[stack]["Resources"].items()
            if resource["Type"] == resource_type and path_part in logical_id
        ]
        assert len(matches) == 1, (resource_type, path_part, matches)
        return matches[0]

    def resources(self, stack: str, resource_type: str) -> dict[str, dict]:
        return {k: v for k, v in self.raw[stack]["Resources"].items() if v["Type"] == resource_type}


@pytest.fixture(scope="module")
def synth() -> Synth:
    return Synth()


def function_props(synth: Synth, stack: str) -> dict:
    [function] = synth.resources(stack, "AWS::Lambda::Function").values()
    return function["Properties"]


# --- the function -------------------------------------------------------------------------------

def test_runtime_is_the_newest_python_in_aws_cdk_lib(synth):
    newest = max(
        (name for name in dir(lambda_.Runtime) if name.startswith("PYTHON_3_")),
        key=lambda name: int(name.rsplit("_", 1)[1]),
    )
    assert RUNTIME.name == getattr(lambda_.Runtime, newest).name == "python3.14"
    assert function_props(synth, "Actions")["Runtime"] == "python3.14"


def test_arm64_tracing_and_sizes_from_props(synth):
    props = function_props(synth, "Actions")
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["Handler"] == "handler.lambda_handler"
    assert (props["Timeout"], props["MemorySize"], props["ReservedConcurrentExecutions"]) == (20, 512, 5)


def test_defaults(synth):
    props = function_props(synth, "Defaults")
    assert (props["Timeout"], props["MemorySize"]) == (30, 256)
    assert "ReservedConcurrentExecutions" not in props
    assert props["Architectures"] == ["arm64"] and props["TracingConfig"] == {"Mode": "Active"}
    [log_group] = synth.resources("Defaults", "AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["RetentionInDays"] == 30
    # Library default: the log group (data) is retained; the app passes DESTROY explicitly in dev.
    assert log_group["DeletionPolicy"] == "Retain"


def test_powertools_layer_is_resolved_at_deploy_from_the_pinned_version(synth):
    [layer] = function_props(synth, "Actions")["Layers"]
    parameter = synth.raw["Actions"]["Parameters"][layer["Ref"]]
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": f"/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}",
    }


def test_deployed_powertools_version_is_the_tested_one():
    from aws_lambda_powertools.shared.version import VERSION

    pins = (ROOT / "requirements-dev.txt").read_text()
    assert f"aws-lambda-powertools[tracer]=={POWERTOOLS_VERSION}" in pins
    assert VERSION == POWERTOOLS_VERSION


def test_environment_names_service_namespace_and_tables(synth):
    variables = function_props(synth, "Actions")["Environment"]["Variables"]
    table_ref = {
        env: {"Ref": synth.logical_id("Actions", "AWS::DynamoDB::Table", part)}
        for env, part in (("ORDERS_TABLE_NAME", "Orders"), ("INVENTORY_TABLE_NAME", "Inventory"),
                          ("REFUNDS_TABLE_NAME", "Refunds"), ("IDEMPOTENCY_TABLE_NAME", "Idempotency"))
    }
    assert variables == {
        "POWERTOOLS_SERVICE_NAME": "customer-support",
        "POWERTOOLS_METRICS_NAMESPACE": "BedrockPlatform/ActionGroups",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # Powertools Tracer copies responses and exceptions into X-Ray metadata unless these are false
        # (https://docs.powertools.aws.dev/lambda/python/latest/core/tracer/): they carry customers' data.
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
        **table_ref,
    }


def test_every_action_group_function_keeps_responses_and_errors_out_of_traces(synth):
    """A bare ActionGroupLambda too: the defaults protect a copied handler that forgets the decorator options."""
    variables = function_props(synth, "Defaults")["Environment"]["Variables"]
    assert {k: v for k, v in variables.items() if k.startswith("POWERTOOLS_TRACER_")} == {
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
    }


def test_explicit_encrypted_log_group_with_retention(synth):
    log_group_id = synth.logical_id("Actions", "AWS::Logs::LogGroup", "Handler")
    key_id = synth.logical_id("Actions", "AWS::KMS::Key", "Key")
    assert synth.raw["Actions"]["Resources"][log_group_id]["Properties"] == {
        "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
        "RetentionInDays": 90,
    }
    assert function_props(synth, "Actions")["LoggingConfig"] == {"LogGroup": {"Ref": log_group_id}}


def test_key_rotates_and_lets_cloudwatch_logs_use_it(synth):
    synth.template["Actions"].has_resource_properties("AWS::KMS::Key", {
        "EnableKeyRotation": True,
        "KeyPolicy": {"Statement": Match.array_with([Match.object_like({
            "Sid": "AllowCloudWatchLogsInThisAccountAndRegion",
            "Principal": {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}},
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Join": ["", [
                "arn:", {"Ref": "AWS::Partition"}, ":logs:", {"Ref": "AWS::Region"}, ":",
                {"Ref": "AWS::AccountId"}, ":log-group:*"]]}}},
        })])},
    })


# --- IAM ----------------------------------------------------------------------------------------

def test_execution_role_uses_only_a_managed_policy(synth):
    for stack in ("Actions", "Defaults"):
        assert synth.resources(stack, "AWS::IAM::Policy") == {}, f"{stack} has an inline policy"
        [role] = synth.resources(stack, "AWS::IAM::Role").values()
        policy_id = synth.logical_id(stack, "AWS::IAM::ManagedPolicy", "ExecutionPolicy")
        assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": policy_id}]
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
        ]


def test_iam_statements_are_exactly_least_privilege(synth):
    def arn(part: str) -> dict:
        return {"Fn::GetAtt": [synth.logical_id("Actions", "AWS::DynamoDB::Table", part), "Arn"]}

    log_group = synth.logical_id("Actions", "AWS::Logs::LogGroup", "Handler")
    key = synth.logical_id("Actions", "AWS::KMS::Key", "Key")
    [policy] = synth.resources("Actions", "AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": {"Fn::GetAtt": [log_group, "Arn"]}},
        # Lambda decrypts the customer-key-encrypted environment with the function's permissions
        # (botocore lambda KMSAccessDeniedException).
        {"Sid": "DecryptEnvironment", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": {"Fn::GetAtt": [key, "Arn"]}},
        {"Sid": "WriteTraces", "Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
         "Resource": "*"},
        {"Sid": "ReadOrdersAndInventory", "Effect": "Allow", "Action": "dynamodb:GetItem",
         "Resource": [arn("Inventory"), arn("Orders")]},
        # The refund transaction's ConditionCheck on the order needs dynamodb:ConditionCheckItem (an action
        # cfn-lint's data/AdditionalSpecs/Policies.json lists for dynamodb), on the orders table only.
        {"Sid": "CheckOrderInRefund", "Effect": "Allow", "Action": "dynamodb:ConditionCheckItem",
         "Resource": arn("Orders")},
        {"Sid": "WriteRefunds", "Effect": "Allow",
         "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": arn("Refunds")},
        {"Sid": "UseIdempotencyRecords", "Effect": "Allow",
         "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
         "Resource": arn("Idempotency")},
        {"Sid": "UseTableKeyThroughDynamoDB", "Effect": "Allow",
         "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
         "Resource": {"Fn::GetAtt": [key, "Arn"]},
         "Condition": {"StringEquals": {"kms:ViaService": {
             "Fn::Join": ["", ["dynamodb.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}}},
    ]


def test_bedrock_invoke_permission_is_scoped_to_account_and_agent(synth):
    permissions = sorted(
        (p["Properties"] for p in synth.resources("Defaults", "AWS::Lambda::Permission").values()),
        key=lambda props: json.dumps(props["SourceArn"]),
    )
    assert [(p["Action"], p["Principal"], p["SourceAccount"]) for p in permissions] == [
        ("lambda:InvokeFunction", "bedrock.amazonaws.com", {"Ref": "AWS::AccountId"})
    ] * 2
    assert {json.dumps(p["SourceArn"]) for p in permissions} == {
        json.dumps("arn:aws:bedrock:us-east-1:123456789012:agent/AGENT12345"),
        json.dumps({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"},
                                      ":", {"Ref": "AWS::AccountId"}, ":agent/*"]]}),
    }


# --- tables -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("part", "keys", "ttl"),
    [
        ("Orders", [("order_id", "HASH")], None),
        ("Inventory", [("product_id", "HASH")], None),
        ("Refunds", [("order_id", "HASH"), ("refund_id", "RANGE")], None),
        ("Idempotency", [("id", "HASH")], "expiration"),
    ],
)
def test_tables_are_encrypted_recoverable_and_on_demand(synth, part, keys, ttl):
    table = synth.raw["Actions"]["Resources"][synth.logical_id("Actions", "AWS::DynamoDB::Table", part)]
    props = table["Properties"]
    key = synth.logical_id("Actions", "AWS::KMS::Key", "Key")
    assert props["KeySchema"] == [{"AttributeName": a, "KeyType": k} for a, k in keys]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"KMSMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}, "SSEEnabled": True,
                                         "SSEType": "KMS"}
    assert props.get("TimeToLiveSpecification") == ({"AttributeName": ttl, "Enabled": True} if ttl else None)
    assert table["DeletionPolicy"] == "Delete"


def test_retained_tables_are_deletion_protected():
    stack = Stack(new_app(), "Retained")
    from aws_cdk import RemovalPolicy

    CustomerSupportActions(stack, "CustomerSupport", removal_policy=RemovalPolicy.RETAIN)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::DynamoDB::Table", 4)
    template.all_resources("AWS::DynamoDB::Table", {
        "DeletionPolicy": "Retain", "Properties": Match.object_like({"DeletionProtectionEnabled": True}),
    })
    template.all_resources("AWS::Logs::LogGroup", {"DeletionPolicy": "Retain"})


# --- what the agent gets ------------------------------------------------------------------------

def test_api_schema_is_the_committed_generated_file(synth):
    assert synth.actions.api_schema == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert synth.actions.api_schema_payload == SCHEMA_FILE.read_text(encoding="utf-8")
    assert synth.actions.action_group_name == "customer-support"
    assert 0 < len(synth.actions.action_group_description) <= 200
    assert set(synth.actions.tables) == {"orders", "inventory", "refunds", "idempotency"}
    assert synth.actions.function is synth.actions.action_group_function.function


def test_asset_is_the_handler_directory_without_caches(synth):
    s3_key = function_props(synth, "Actions")["Code"]["S3Key"]  # <asset hash>.zip
    asset = Path(synth.assembly.directory) / f"asset.{s3_key.removesuffix('.zip')}"
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*")}
    assert {"handler.py", "orders.py", "inventory.py", "refunds.py", "openapi.json"} <= files
    assert not any("__pycache__" in f or f.endswith(".pyc") for f in files)


def test_metric_helpers_are_scoped_to_the_function(synth):
    metric = synth.bare.metric_errors(period=Duration.minutes(1))
    assert (metric.namespace, metric.metric_name) == ("AWS/Lambda", "Errors")
    assert "FunctionName" in metric.dimensions
    assert synth.bare.metric_throttles().metric_name == "Throttles"
    assert synth.bare.metric_duration().metric_name == "Duration"
    assert synth.bare.metric_invocations().metric_name == "Invocations"


# --- quality gates ------------------------------------------------------------------------------

def test_no_unsuppressed_nag_findings(synth):
    assert nag_findings(synth.assembly) == []


def _suppressed(resource: dict) -> set[str]:
    return {rule["id"] for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}


def test_function_suppressions_are_the_documented_ones(synth):
    [actions_fn] = synth.resources("Actions", "AWS::Lambda::Function").values()
    [bare_fn] = synth.resources("Defaults", "AWS::Lambda::Function").values()
    invocation = {"HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ", "Serverless-LambdaDLQ",
                  "HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC"}
    assert _suppressed(actions_fn) == invocation  # reserved concurrency is set: nothing to suppress
    assert _suppressed(bare_fn) == invocation | {"HIPAA.Security-LambdaConcurrency",
                                                 "NIST.800.53.R5-LambdaConcurrency"}
    for table in synth.resources("Actions", "AWS::DynamoDB::Table").values():
        assert _suppressed(table) == {"HIPAA.Security-DynamoDBInBackupPlan", "NIST.800.53.R5-DynamoDBInBackupPlan"}


def test_cfn_lint_clean(synth):
    from cfnlint.api import ManualArgs, lint

    # W3005 (DependsOn duplicates a GetAtt) is emitted for every aws-cdk-lib Function: the L2 always
    # adds a DependsOn on its role while also referencing the role's ARN.
    config = ManualArgs(regions=["us-east-1", "eu-west-1"], ignore_checks=["W3005"])
    problems = [
        f"{name}: {m.rule.id} {m.message}" for name, raw in synth.raw.items() for m in lint(json.dumps(raw), config=config)
    ]
    assert problems == []


# --- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout_seconds": 0}, "timeout_seconds: 0 is not within 1-900"),
        ({"timeout_seconds": 901}, "timeout_seconds: 901 is not within 1-900"),
        ({"memory_mb": 64}, "memory_mb: 64 is not within 128-10240"),
        ({"reserved_concurrency": 0}, "reserved_concurrency: 0 is not an integer of at least 1"),
        ({"log_retention_days": 31}, "log_retention_days: 31 is not one of: 1, 3, 5, 7, 14, 30, 60, 90"),
    ],
)
def test_customer_support_actions_validates_settings(kwargs, message):
    with pytest.raises(PlatformValidationError) as error:
        CustomerSupportActions(Stack(new_app(), "Invalid"), "CustomerSupport", **kwargs)
    # The function's own checks are prefixed with its construct path.
    assert str(error.value).removeprefix("Invalid/CustomerSupport/Handler: ").startswith(message)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code_path": "lambdas/nope"}, "code_path: 'lambdas/nope' is not a directory"),
        ({"handler": "lambda_handler"}, "handler: 'lambda_handler' is not valid: '<module>.<function>'"),
        ({"handler": "missing.lambda_handler"}, "handler: 'missing.lambda_handler' names module missing.py"),
        ({"description": ""}, "description: '' has 0 characters, allowed 1-256"),
        ({"powertools_service_name": "no spaces"}, "powertools_service_name: 'no spaces' is not valid"),
        ({"timeout": Duration.minutes(16)}, "timeout: 960 is not within 1-900"),
        ({"memory_size": 20000}, "memory_size: 20000 is not within 128-10240"),
        ({"reserved_concurrency": 0}, "reserved_concurrency: 0 is not an integer of at least 1"),
        ({"environment": {"AWS_REGION": "x"}}, "environment.AWS_REGION: 'AWS_REGION' is not a valid Lambda variable"),
    ],
)
def test_action_group_function_validates_props(kwargs, message):
    props = {"code_path": CODE, "handler": "handler.lambda_handler", "description": "Valid",
             "powertools_service_name": "svc", **kwargs}
    with pytest.raises(PlatformValidationError) as error:
        ActionGroupLambda(Stack(new_app(), "Invalid"), "Fn", **props)
    assert str(error.value).startswith(f"Invalid/Fn: {message}")


def test_retention_days_maps_every_cloudwatch_period():
    assert retention_days(30).name == "ONE_MONTH"
    assert retention_days(3653).name == "TEN_YEARS"


# --- defaults that deploy on a new account ------------------------------------------------------
# AWS Lambda Developer Guide, "Configuring reserved concurrency"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): "You can reserve up
# to the Unreserved account concurrency value minus 100"; Lambda answers a larger reservation with
# "Specified ReservedConcurrentExecutions for function decreases account's
# UnreservedConcurrentExecution below its minimum value of [100]". New accounts often have a
# concurrency quota of 10-50, so ANY reservation fails their first deploy.


def test_default_config_reserves_no_concurrency_and_says_why(platform):
    from bedrock_platform.config.agents import ActionGroupConfig

    assert ActionGroupConfig(name="customer-support").reserved_concurrency is None
    assert [g.reserved_concurrency for g in platform.config.agents.action_groups] == [None]
    functions = [
        resource for resource in platform.raw("Agents")["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function" and "POWERTOOLS_SERVICE_NAME" in json.dumps(resource)
    ]
    # The Classic handler, its gateway adapter and the knowledge-search tool (AgentCore default app).
    assert len(functions) == 3
    for function in functions:
        assert "ReservedConcurrentExecutions" not in function["Properties"]
    rules = {r["id"]: r["reason"] for r in function["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    # cdk-nag 2.38: only the HIPAA and NIST 800-53 R5 packs carry LambdaConcurrency.
    for rule in ("HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency"):
        assert "below 100" in rules[rule] and "Configuring reserved concurrency" in rules[rule]


def test_prod_keeps_a_documented_reservation():
    from bedrock_platform.config.loader import load_config

    prod = load_config(ROOT / "config" / "prod.yaml")
    assert [g.reserved_concurrency for g in prod.agents.action_groups] == [50]
    text = (ROOT / "config" / "prod.yaml").read_text()
    assert "quota of at least 150" in text  # 50 reserved + the 100 Lambda keeps unreserved
