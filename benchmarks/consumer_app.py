"""A small consumer app built on the library, and its raw-L1 twin (the synth-time floor).

Library app: a SecureBucket (KMS key, data bucket, access-log bucket, bucket policies) and a
Guardrail with a content filter and a denied topic.

Two floors, both checked by tests/test_import_cost.py to synthesize the same resources as the
library app (same logical ids, types, properties, policies and metadata), so they stay honest when
the library changes:

- ``l1_app``, raw L1 as a CDK user writes it: the L1 classes (``kms.CfnKey``, ``s3.CfnBucket``,
  ``s3.CfnBucketPolicy``, ``bedrock.CfnGuardrail``, ``bedrock.CfnGuardrailVersion``) with typed
  props, written by hand; the issue's floor ("the same resources written in raw L1").
- ``cfn_resource_app``, a stricter floor below raw L1: untyped ``CfnResource`` objects with the
  template recorded in ``consumer_app_l1.json`` (``python benchmarks/consumer_app.py --record``).
  It loads no service module at all, in Python or in the jsii Node host.

The literal guardrail name and version description are what the library derives (a hash of the
construct path and of the settings); a raw-L1 author writes them by hand.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TWIN = Path(__file__).with_name("consumer_app_l1.json")
STACK = "Consumer"


def library_app(outdir: str | None = None) -> dict[str, Any]:
    """Synthesize the consumer app written with the library; its template."""
    from aws_cdk import App, Stack

    from bedrock_platform import ContentFilter, DeniedTopic, Guardrail, SecureBucket

    app = App(outdir=outdir, analytics_reporting=False)
    stack = Stack(app, STACK)
    SecureBucket(stack, "Documents")
    Guardrail(
        stack, "Support",
        content_filters=[ContentFilter("PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE")],
        denied_topics=[DeniedTopic("legal-advice", definition="Advice on legal rights or disputes.")],
    )  # fmt: skip
    return app.synth().get_stack_by_name(STACK).template


def l1_app(outdir: str | None = None) -> dict[str, Any]:
    """Synthesize the same resources written in raw L1 (typed L1 classes); its template."""
    from aws_cdk import App, Aws, CfnDeletionPolicy, Fn, Stack
    from aws_cdk import aws_bedrock as bedrock
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

    app = App(outdir=outdir, analytics_reporting=False)
    stack = Stack(app, STACK)
    nag = {k: v.get("Metadata", {}) for k, v in json.loads(TWIN.read_text()).items()}  # suppressions' reasons
    retain = CfnDeletionPolicy.RETAIN

    def l1(resource: Any, logical_id: str, *, keep: bool = False) -> Any:
        resource.override_logical_id(logical_id)
        if keep:
            resource.cfn_options.deletion_policy = resource.cfn_options.update_replace_policy = retain
        for key, value in nag[logical_id].items():
            resource.add_metadata(key, value)
        return resource

    key = l1(kms.CfnKey(stack, "Key", description="Encrypts a Bedrock platform bucket", enable_key_rotation=True,
                        key_policy={"Statement": [{"Action": "kms:*", "Effect": "Allow", "Principal": {"AWS": Fn.join("", ["arn:", Aws.PARTITION, ":iam::", Aws.ACCOUNT_ID, ":root"])}, "Resource": "*"}], "Version": "2012-10-17"}),
             "DocumentsKeyFF02C3B3", keep=True)  # fmt: skip
    block_all = s3.CfnBucket.PublicAccessBlockConfigurationProperty(
        block_public_acls=True, block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)  # fmt: skip
    versioned = s3.CfnBucket.VersioningConfigurationProperty(status="Enabled")
    logs = l1(s3.CfnBucket(
        stack, "AccessLogs",
        bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(server_side_encryption_configuration=[
            s3.CfnBucket.ServerSideEncryptionRuleProperty(
                server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(sse_algorithm="AES256"))]),
        lifecycle_configuration=s3.CfnBucket.LifecycleConfigurationProperty(rules=[s3.CfnBucket.RuleProperty(
            id="expire-access-logs", status="Enabled", expiration_in_days=365,
            noncurrent_version_expiration=s3.CfnBucket.NoncurrentVersionExpirationProperty(noncurrent_days=30))]),
        public_access_block_configuration=block_all, versioning_configuration=versioned,
    ), "DocumentsAccessLogsE0128BD5", keep=True)  # fmt: skip
    data = l1(s3.CfnBucket(
        stack, "Bucket",
        bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(server_side_encryption_configuration=[
            s3.CfnBucket.ServerSideEncryptionRuleProperty(
                bucket_key_enabled=True,
                server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                    sse_algorithm="aws:kms", kms_master_key_id=key.attr_arn))]),
        logging_configuration=s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=logs.ref, log_file_prefix="access-logs/"),
        ownership_controls=s3.CfnBucket.OwnershipControlsProperty(
            rules=[s3.CfnBucket.OwnershipControlsRuleProperty(object_ownership="BucketOwnerEnforced")]),
        public_access_block_configuration=block_all, versioning_configuration=versioned,
    ), "DocumentsBucket089EA665", keep=True)  # fmt: skip

    def ssl_only(bucket: Any) -> dict[str, Any]:
        return {"Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
                "Principal": {"AWS": "*"}, "Resource": [bucket.attr_arn, Fn.join("", [bucket.attr_arn, "/*"])]}  # fmt: skip

    log_delivery = {
        "Action": "s3:PutObject", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Condition": {"ArnLike": {"aws:SourceArn": data.attr_arn}, "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
        "Resource": Fn.join("", [logs.attr_arn, "/access-logs/*"]),
    }  # fmt: skip
    l1(s3.CfnBucketPolicy(stack, "AccessLogsPolicy", bucket=logs.ref,
                          policy_document={"Statement": [ssl_only(logs), log_delivery], "Version": "2012-10-17"}),
       "DocumentsAccessLogsPolicy0A96A4FA")  # fmt: skip
    l1(s3.CfnBucketPolicy(stack, "BucketPolicy", bucket=data.ref,
                          policy_document={"Statement": [ssl_only(data)], "Version": "2012-10-17"}),
       "DocumentsBucketPolicyCBD87EC2")  # fmt: skip
    guardrail = l1(bedrock.CfnGuardrail(
        stack, "Guardrail", name="Consumer-Support-0CD19775",
        blocked_input_messaging="Sorry, I can't help with that request.",
        blocked_outputs_messaging="Sorry, I can't provide that answer.",
        content_policy_config=bedrock.CfnGuardrail.ContentPolicyConfigProperty(filters_config=[
            bedrock.CfnGuardrail.ContentFilterConfigProperty(type="PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE")]),
        topic_policy_config=bedrock.CfnGuardrail.TopicPolicyConfigProperty(topics_config=[
            bedrock.CfnGuardrail.TopicConfigProperty(
                name="legal-advice", definition="Advice on legal rights or disputes.", type="DENY",
                input_action="BLOCK", input_enabled=True, output_action="BLOCK", output_enabled=True)]),
    ), "Support5CFB64A3")  # fmt: skip
    guardrail.cfn_options.deletion_policy = guardrail.cfn_options.update_replace_policy = CfnDeletionPolicy.DELETE
    l1(bedrock.CfnGuardrailVersion(stack, "GuardrailVersion", guardrail_identifier=guardrail.attr_guardrail_id,
                                   description="Published by CDK for guardrail settings sha256:74804d0cf04dfd53"),
       "SupportVersion79BF23B8")  # fmt: skip
    return app.synth().get_stack_by_name(STACK).template


def cfn_resource_app(outdir: str | None = None) -> dict[str, Any]:
    """Synthesize the same resources as untyped ``CfnResource`` objects (below raw L1); its template."""
    from aws_cdk import App, CfnResource, Stack

    app = App(outdir=outdir, analytics_reporting=False)
    stack = Stack(app, STACK)
    recorded: dict[str, Any] = json.loads(TWIN.read_text())
    for logical_id, spec in recorded.items():
        resource = CfnResource(stack, logical_id, type=spec["Type"], properties=spec.get("Properties"))
        resource.override_logical_id(logical_id)
        for key in ("DependsOn", "DeletionPolicy", "UpdateReplacePolicy"):
            if key in spec:
                resource.add_override(key, spec[key])
        for key, value in spec.get("Metadata", {}).items():
            resource.add_metadata(key, value)
    return app.synth().get_stack_by_name(STACK).template


def resources_without_paths(template: dict[str, Any]) -> dict[str, Any]:
    """The template's resources minus the construct-path metadata CDK adds (differs by construction)."""
    out = {}
    for logical_id, spec in template["Resources"].items():
        if spec["Type"] == "AWS::CDK::Metadata":
            continue
        spec = dict(spec)
        metadata = {k: v for k, v in spec.pop("Metadata", {}).items() if k != "aws:cdk:path"}
        if metadata:
            spec["Metadata"] = metadata
        out[logical_id] = spec
    return out


if __name__ == "__main__":
    if "--record" in sys.argv:
        TWIN.write_text(json.dumps(resources_without_paths(library_app()), indent=1) + "\n")
        print(f"recorded {TWIN}")
