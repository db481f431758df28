"""One suppression call records the cdk-nag suppression and the equivalent checkov skip, with one reason.

checkov reads CloudFormation skips from ``Metadata.checkov.skip[] = {id, comment}`` (checkov docs,
"Suppressing and Skipping Policies", "CloudFormation Metadata"). Check ids and resource types:
checkov/cloudformation/checks/resource/aws (CKV_AWS_116 LambdaDLQ... on AWS::Lambda::Function,
CKV_AWS_18 S3 access logging on AWS::S3::Bucket).
"""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from bedrock_platform.core.nag import checkov_equivalents, checkov_skip, suppress
from stacks.platform import new_app

REASON = "Invoked synchronously only, so a dead-letter queue would stay empty"


def _function(stack: Stack) -> lambda_.Function:
    return lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(e, c):\n    return e\n"))  # fmt: skip


def _metadata(stack: Stack, resource_type: str) -> dict:
    [resource] = Template.from_stack(stack).find_resources(resource_type).values()
    return resource.get("Metadata", {})


def test_nag_suppression_writes_the_checkov_skip_with_the_same_reason():
    stack = Stack(new_app(), "S")
    fn = _function(stack)
    suppress(fn, ["HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ", "Serverless-LambdaDLQ"], REASON)
    metadata = _metadata(stack, "AWS::Lambda::Function")
    assert metadata["checkov"] == {"skip": [{"id": "CKV_AWS_116", "comment": REASON}]}  # one skip for three rules
    assert {r["id"] for r in metadata["cdk_nag"]["rules_to_suppress"]} == {
        "HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ", "Serverless-LambdaDLQ"}  # fmt: skip


def test_skips_accumulate_and_land_only_on_the_checks_resource_type():
    stack = Stack(new_app(), "S")
    fn = _function(stack)
    suppress(fn, "NIST.800.53.R5-LambdaInsideVPC", "Calls only AWS APIs; a VPC isolates nothing here")
    # apply_to_children reaches the role too, but CKV_AWS_116 is a Lambda::Function check
    suppress(fn, "PCI.DSS.321-LambdaDLQ", REASON, apply_to_children=True)
    assert [s["id"] for s in _metadata(stack, "AWS::Lambda::Function")["checkov"]["skip"]] == ["CKV_AWS_117", "CKV_AWS_116"]
    assert "checkov" not in _metadata(stack, "AWS::IAM::Role")


def test_aws_solutions_short_rule_names_map_too():
    stack = Stack(new_app(), "S")
    bucket = s3.Bucket(stack, "Logs")
    suppress(bucket, "AwsSolutions-S1", "This is the access log target bucket; logging it would recurse.")
    assert _metadata(stack, "AWS::S3::Bucket")["checkov"]["skip"] == [
        {"id": "CKV_AWS_18", "comment": "This is the access log target bucket; logging it would recurse."}
    ]
    assert checkov_equivalents("AwsSolutions-IAM5") == ()  # statement-level nag findings have no resource-level twin


def test_checkov_only_skips_need_an_id_a_reason_and_a_matching_resource():
    stack = Stack(new_app(), "S")
    fn = _function(stack)
    with pytest.raises(ValueError, match="specific reason"):
        checkov_skip(fn, "CKV_AWS_173", "no", resource_type="AWS::Lambda::Function")
    with pytest.raises(ValueError, match="not a checkov AWS check id"):
        checkov_skip(fn, "AwsSolutions-L1", "A long enough reason here", resource_type="AWS::Lambda::Function")
    with pytest.raises(ValueError, match="no AWS::S3::Bucket resource"):
        checkov_skip(fn, "CKV_AWS_18", "A long enough reason here", resource_type="AWS::S3::Bucket")
    checkov_skip(fn, "CKV_AWS_173", "Only resource names in the environment", resource_type="AWS::Lambda::Function")
    assert _metadata(stack, "AWS::Lambda::Function")["checkov"]["skip"] == [
        {"id": "CKV_AWS_173", "comment": "Only resource names in the environment"}
    ]
