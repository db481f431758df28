"""The ModelInvocationLogging construct: destinations, delivery role, provider and the setting."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator
from observability_support import (
    ACCOUNT,
    REGION,
    as_list,
    flat,
    logical_id_like,
    observability_app,
    one,
    resolve,
    resources,
    statement,
)

from bedrock_platform.config.observability import InvocationLoggingConfig
from bedrock_platform.core.validation import PlatformValidationError


@pytest.fixture(scope="module")
def template():
    return observability_app().observability


@pytest.fixture(scope="module")
def setting(template):
    return one(template, "Custom::BedrockModelInvocationLogging")[1]


def _ids(template):
    return {
        "log_group": logical_id_like(template, "AWS::Logs::LogGroup", "InvocationLoggingLogGroup"),
        "bucket": logical_id_like(template, "AWS::S3::Bucket", "InvocationLoggingPayloadsBucket"),
        "role": logical_id_like(template, "AWS::IAM::Role", "InvocationLoggingDeliveryRole"),
        "key": logical_id_like(template, "AWS::KMS::Key", "InvocationLoggingKey"),
    }


def test_logging_payload_is_valid_for_botocore(template, setting):
    ids = _ids(template)
    samples = {
        ids["log_group"]: "acme-invocation-logs",
        f"{ids['role']}.Arn": f"arn:aws:iam::{ACCOUNT}:role/acme-delivery",
        ids["bucket"]: "acme-invocation-payloads",
    }
    payload = json.loads(resolve(setting["Properties"]["LoggingConfig"], samples))
    model = botocore.session.get_session().get_service_model("bedrock")
    shape = model.operation_model("PutModelInvocationLoggingConfiguration").input_shape
    report = ParamValidator().validate({"loggingConfig": payload}, shape)
    assert not report.has_errors(), report.generate_report()
    assert payload == {
        "cloudWatchConfig": {
            "logGroupName": "acme-invocation-logs",
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/acme-delivery",
            "largeDataDeliveryS3Config": {"bucketName": "acme-invocation-payloads", "keyPrefix": "large-data"},
        },
        "s3Config": {"bucketName": "acme-invocation-payloads", "keyPrefix": "invocation-logs"},
        "textDataDeliveryEnabled": True,
        "imageDataDeliveryEnabled": True,  # from config
        "embeddingDataDeliveryEnabled": False,
    }


def test_payload_without_s3_delivery_is_valid_too():
    from bedrock_platform.observability.invocation_logging import build_logging_config

    payload = build_logging_config(
        s3_delivery=False,
        embedding_data_delivery=True,
        log_group_name="lg",
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/r",
        bucket_name="bucket-name",
    )
    shape = botocore.session.get_session().get_service_model("bedrock").operation_model(
        "PutModelInvocationLoggingConfiguration"
    ).input_shape
    assert not ParamValidator().validate({"loggingConfig": payload}, shape).has_errors()
    assert "s3Config" not in payload
    assert payload["embeddingDataDeliveryEnabled"] is True


def test_setting_waits_for_every_permission(template, setting):
    depends = set(setting["DependsOn"])
    policy = logical_id_like(template, "AWS::IAM::ManagedPolicy", "InvocationLoggingDeliveryPolicy")
    bucket_policy = logical_id_like(template, "AWS::S3::BucketPolicy", "InvocationLoggingPayloadsBucketPolicy")
    assert {policy, bucket_policy, _ids(template)["key"]} <= depends
    assert setting["Properties"]["StateParameterName"] == "/bedrock-platform/acme-observability/model-invocation-logging/previous-config"
    assert setting["Properties"]["ServiceToken"] == {"Fn::GetAtt": [logical_id_like(template, "AWS::Lambda::Function", "InvocationLoggingProvider"), "Arn"]}


def test_log_group_is_encrypted_with_retention_from_config(template):
    ids = _ids(template)
    props = template["Resources"][ids["log_group"]]["Properties"]
    assert props["RetentionInDays"] == 180
    assert props["KmsKeyId"] == {"Fn::GetAtt": [ids["key"], "Arn"]}


def test_bucket_is_secure_with_lifecycle_from_config(template):
    ids = _ids(template)
    props = template["Resources"][ids["bucket"]]["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [ids["key"], "Arn"]}}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }
    assert "DestinationBucketName" in props["LoggingConfiguration"]
    rules = {r["Prefix"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert set(rules) == {"invocation-logs/", "large-data/"}
    for rule in rules.values():
        assert rule["ExpirationInDays"] == 400
        assert rule["Transitions"] == [
            {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
            {"StorageClass": "GLACIER", "TransitionInDays": 90},
        ]


def test_bucket_policy_lets_only_bedrock_of_this_account_write_logs_and_enforces_ssl(template):
    bucket_policy_id = logical_id_like(template, "AWS::S3::BucketPolicy", "InvocationLoggingPayloadsBucketPolicy")
    document = template["Resources"][bucket_policy_id]["Properties"]["PolicyDocument"]
    write = statement(document, "AmazonBedrockLogsWrite")
    assert write["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert write["Action"] == "s3:PutObject"
    assert write["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert flat(write["Condition"]["ArnLike"]["aws:SourceArn"]) == f"arn:<AWS::Partition>:bedrock:{REGION}:{ACCOUNT}:*"
    resources_ = sorted(flat(r) for r in as_list(write["Resource"]))
    bucket = _ids(template)["bucket"]
    assert resources_ == sorted([
        f"<{bucket}.Arn>/invocation-logs/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*",
        f"<{bucket}.Arn>/large-data/*",
    ])
    assert any(
        s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in document["Statement"]
    )


def test_delivery_role_trusts_only_bedrock_for_this_account_and_region(template):
    role = template["Resources"][_ids(template)["role"]]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert flat(trust["Condition"]["ArnLike"]["aws:SourceArn"]) == f"arn:<AWS::Partition>:bedrock:{REGION}:{ACCOUNT}:*"


def test_delivery_role_can_write_only_to_the_destinations(template):
    ids = _ids(template)
    policy_id = logical_id_like(template, "AWS::IAM::ManagedPolicy", "InvocationLoggingDeliveryPolicy")
    policy = template["Resources"][policy_id]["Properties"]
    assert template["Resources"][ids["role"]]["Properties"]["ManagedPolicyArns"] == [{"Ref": policy_id}]
    document = policy["PolicyDocument"]
    logs_ = statement(document, "WriteInvocationLogs")
    assert sorted(as_list(logs_["Action"])) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs_["Resource"] == {"Fn::GetAtt": [ids["log_group"], "Arn"]}
    s3_ = statement(document, "WriteLargePayloads")
    assert s3_["Action"] == "s3:PutObject"
    assert all(flat(r).startswith(f"<{ids['bucket']}.Arn>/") for r in as_list(s3_["Resource"]))
    kms_ = statement(document, "EncryptPayloads")
    assert kms_["Resource"] == {"Fn::GetAtt": [ids["key"], "Arn"]}
    actions = {a for s in document["Statement"] for a in as_list(s["Action"])}
    assert actions == {"logs:CreateLogStream", "logs:PutLogEvents", "s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt"}


def test_key_policy_allows_cloudwatch_logs_and_bedrock_with_conditions(template):
    document = template["Resources"][_ids(template)["key"]]["Properties"]["KeyPolicy"]
    logs_ = statement(document, "AllowCloudWatchLogsInThisAccountAndRegion")
    assert logs_["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert flat(logs_["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]) == (
        f"arn:<AWS::Partition>:logs:{REGION}:{ACCOUNT}:log-group:*"
    )
    bedrock = statement(document, "AllowBedrockToWriteEncryptedLogObjects")
    assert bedrock["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert bedrock["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert template["Resources"][_ids(template)["key"]]["Properties"]["EnableKeyRotation"] is True


def test_provider_iam_is_least_privilege(template):
    ids = _ids(template)
    policy_id = logical_id_like(template, "AWS::IAM::ManagedPolicy", "InvocationLoggingProviderPolicy")
    document = template["Resources"][policy_id]["Properties"]["PolicyDocument"]
    setting_ = statement(document, "ManageInvocationLoggingSetting")
    assert sorted(setting_["Action"]) == [
        "bedrock:DeleteModelInvocationLoggingConfiguration",
        "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:PutModelInvocationLoggingConfiguration",
    ]
    assert setting_["Resource"] == "*"  # no resource-level permissions exist for these actions
    # iam:PassRole on the platform's own delivery role only (no restore roles configured): not
    # "role/*", which let anyone able to invoke the provider point account-wide logging anywhere.
    pass_roles = [st for st in document["Statement"] if "iam:PassRole" in as_list(st["Action"])]
    assert pass_roles == [{
        "Sid": "PassDeliveryRoleToBedrock",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": {"Fn::GetAtt": [ids["role"], "Arn"]},
        "Condition": {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
    }]
    state = statement(document, "KeepPreviousSetting")
    assert sorted(state["Action"]) == ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"]
    assert flat(state["Resource"]).endswith(
        f":ssm:{REGION}:{ACCOUNT}:parameter/bedrock-platform/acme-observability/model-invocation-logging/previous-config"
    )
    suppressions = template["Resources"][policy_id]["Metadata"]["cdk_nag"]["rules_to_suppress"]
    iam5 = [s for s in suppressions if s["id"] == "AwsSolutions-IAM5"]
    provider_logs = logical_id_like(template, "AWS::Logs::LogGroup", "InvocationLoggingProviderLogs")
    assert [s["applies_to"] for s in iam5] == [["Resource::*", f"Resource::<{provider_logs}.Arn>"]]
    actions = {a for st in document["Statement"] for a in as_list(st["Action"])}
    assert not any(a.endswith("*") for a in actions)


def test_provider_knows_its_stack_and_the_roles_it_may_pass(template):
    function_id = logical_id_like(template, "AWS::Lambda::Function", "InvocationLoggingProvider")
    variables = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]
    assert variables == {
        "STACK_ID": {"Ref": "AWS::StackId"},  # checked against every event's StackId
        "DELIVERY_ROLE_ARN": {"Fn::GetAtt": [_ids(template)["role"], "Arn"]},
        "RESTORE_ROLE_ARNS": "[]",
    }


def test_provider_has_no_resource_policy(template):
    # CloudFormation invokes a custom resource's function with the credentials of whoever runs the
    # stack operation (or the stack's service role): AWS CloudFormation User Guide, "CloudFormation
    # service role". So no AWS::Lambda::Permission is needed, and none may widen who can invoke it.
    assert resources(template, "AWS::Lambda::Permission") == {} or all(
        "InvocationLoggingProvider" not in json.dumps(p["Properties"]["FunctionName"])
        for p in resources(template, "AWS::Lambda::Permission").values()
    )


PREVIOUS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/team-a-bedrock-logging"


def test_configured_previous_delivery_roles_are_the_only_others_it_may_pass():
    from aws_cdk import App, Environment, Stack
    from aws_cdk.assertions import Template

    from bedrock_platform.observability.invocation_logging import ModelInvocationLogging

    stack = Stack(App(), "Restore", env=Environment(account=ACCOUNT, region=REGION))
    ModelInvocationLogging(stack, "Logging", restore_delivery_role_arns=[PREVIOUS_ROLE])
    template = Template.from_stack(stack).to_json()
    policy_id = logical_id_like(template, "AWS::IAM::ManagedPolicy", "LoggingProviderPolicy")
    document = template["Resources"][policy_id]["Properties"]["PolicyDocument"]
    assert statement(document, "PassPreviousDeliveryRoleToBedrock") == {
        "Sid": "PassPreviousDeliveryRoleToBedrock",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": PREVIOUS_ROLE,
        "Condition": {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
    }
    function_id = logical_id_like(template, "AWS::Lambda::Function", "LoggingProvider")
    variables = template["Resources"][function_id]["Properties"]["Environment"]["Variables"]
    assert json.loads(variables["RESTORE_ROLE_ARNS"]) == [PREVIOUS_ROLE]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/*", "is not an IAM role ARN"),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", "is not an IAM role ARN"),
        ("team-a-role", "is not an IAM role ARN"),
    ],
)
def test_restore_roles_must_be_exact_role_arns(value, message):
    with pytest.raises(ValueError, match=message):
        InvocationLoggingConfig(restore_delivery_role_arns=[value])


def test_provider_ships_in_the_package_without_docker(template):
    function_id = logical_id_like(template, "AWS::Lambda::Function", "InvocationLoggingProvider")
    props = template["Resources"][function_id]["Properties"]
    assert props["Handler"] == "index.handler"
    assert props["Runtime"].startswith("python3.")
    assert "S3Key" in props["Code"]  # a file asset, not a container image
    code = Path(__file__).resolve().parents[1] / "bedrock_platform" / "lambda_code" / "invocation_logging" / "index.py"
    assert "def handler(" in code.read_text()


# --- one owner per account and region -----------------------------------------------------


def _logging_stack(app, construct_id, env=None, enabled=True):
    from aws_cdk import Stack

    from bedrock_platform.observability.invocation_logging import ModelInvocationLogging

    stack = Stack(app, construct_id, env=env)
    if enabled:
        ModelInvocationLogging(stack, "Logging")
    return stack


def test_two_stacks_managing_the_same_account_and_region_fail_synth():
    from aws_cdk import App, Environment

    app = App()
    env = Environment(account=ACCOUNT, region=REGION)
    _logging_stack(app, "TeamA", env)
    with pytest.raises(PlatformValidationError) as error:
        _logging_stack(app, "TeamB", env)
    message = str(error.value)
    assert "TeamB/Logging" in message and "TeamA/Logging" in message
    assert f"account {ACCOUNT}, region {REGION}" in message
    assert "only one stack may manage it" in message


def test_two_environment_agnostic_stacks_count_as_the_same_target():
    from aws_cdk import App

    app = App()
    _logging_stack(app, "TeamA")
    with pytest.raises(PlatformValidationError, match="environment-agnostic"):
        _logging_stack(app, "TeamB")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((None, None), (ACCOUNT, REGION)),  # an environment-agnostic stack may be deployed to the same place
        ((ACCOUNT, None), (ACCOUNT, REGION)),
        ((None, REGION), (ACCOUNT, REGION)),
    ],
)
def test_environment_agnostic_parts_overlap_with_any_target(first, second):
    from aws_cdk import App, Environment

    app = App()
    _logging_stack(app, "TeamA", Environment(account=first[0], region=first[1]))
    with pytest.raises(PlatformValidationError) as error:
        _logging_stack(app, "TeamB", Environment(account=second[0], region=second[1]))
    assert f"account {ACCOUNT}, region {REGION}" in str(error.value)
    assert "only one stack may manage it" in str(error.value)


def test_different_regions_or_one_owner_are_fine():
    from aws_cdk import App, Environment

    app = App()
    _logging_stack(app, "Ireland", Environment(account=ACCOUNT, region="eu-west-1"))
    _logging_stack(app, "Virginia", Environment(account=ACCOUNT, region="us-east-1"))
    _logging_stack(app, "Reader", Environment(account=ACCOUNT, region="eu-west-1"), enabled=False)


def test_nothing_else_in_the_stack_manages_logging(template):
    assert len(resources(template, "Custom::BedrockModelInvocationLogging")) == 1


def test_provider_suppressions_name_only_rules_the_packs_have(template):
    # cdk-nag 2.38 (lib/packs/*.js): LambdaConcurrency and LambdaDLQ are HIPAA and NIST 800-53 R5
    # rules only; PCI DSS 3.2.1 has LambdaInsideVPC but neither of them.
    function_id = logical_id_like(template, "AWS::Lambda::Function", "InvocationLoggingProvider")
    rules = {r["id"] for r in template["Resources"][function_id]["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    assert rules == {
        "NIST.800.53.R5-LambdaConcurrency", "HIPAA.Security-LambdaConcurrency",
        "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ",
        "Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination", "Serverless-LambdaTracing",
        "NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC",
    }


# --- module layout ------------------------------------------------------------------------


def test_invocation_logging_is_split_by_concept_under_400_lines_and_keeps_its_import_path():
    """The construct, its loggingConfig/destinations, provider, restore-on-delete and single-owner
    check are separate modules (style: under ~400 lines, one concept each); the public names stay
    importable from ``bedrock_platform.observability.invocation_logging`` (and the package root)."""
    import bedrock_platform
    from bedrock_platform.observability import invocation_logging

    package = Path(invocation_logging.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("invocation_logging*.py")}
    assert set(sizes) == {
        "invocation_logging.py", "invocation_logging_config.py", "invocation_logging_owner.py",
        "invocation_logging_provider.py", "invocation_logging_restore.py",
    }  # fmt: skip
    assert all(lines < 400 for lines in sizes.values()), sizes
    assert bedrock_platform.ModelInvocationLogging is invocation_logging.ModelInvocationLogging
    for name in ("build_logging_config", "PROVIDER_CODE", "RESOURCE_TYPE"):
        assert hasattr(invocation_logging, name), name
    assert invocation_logging.PROVIDER_CODE == package.parent / "lambda_code" / "invocation_logging"
