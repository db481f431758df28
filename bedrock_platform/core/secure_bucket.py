"""An S3 bucket with the controls regulated workloads expect, plus its access-log bucket.

KMS encryption with a customer key (rotation on), versioning, SSL-only, all public access
blocked, object ownership enforced, server access logs to a dedicated bucket. With
``RemovalPolicy.DESTROY`` both buckets are emptied and deleted with the stack (dev
profile), so a teardown never leaves a bucket behind that blocks the next deploy.

    docs = SecureBucket(self, "Documents", removal_policy=RemovalPolicy.RETAIN)
    docs.bucket.grant_read(reader)
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_platform.core.nag import cfn_lint_ignore, suppress

REPLICATION_REASON = (
    "Cross-region replication is an account-level disaster-recovery decision (destination bucket, "
    "region, key) that this construct cannot make; versioning and KMS protect the data in place."
)


class SecureBucket(Construct):
    """A KMS-encrypted, versioned, SSL-only bucket with server access logging.

    Example::

        store = SecureBucket(self, "Payloads", lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))])
        store.bucket.bucket_name
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        access_log_retention_days: int = 365,
        key_description: str = "Encrypts a Bedrock platform bucket",
    ) -> None:
        super().__init__(scope, construct_id)
        destroy = removal_policy == RemovalPolicy.DESTROY
        self.encryption_key: kms.IKey = encryption_key or kms.Key(
            self,
            "Key",
            description=key_description,
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            # Server access log delivery supports only SSE-S3 on the target bucket.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(access_log_retention_days),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="access-logs/",
            lifecycle_rules=list(lifecycle_rules) or None,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        suppress(self.bucket, ["NIST.800.53.R5-S3BucketReplicationEnabled", "HIPAA.Security-S3BucketReplicationEnabled", "PCI.DSS.321-S3BucketReplicationEnabled"], REPLICATION_REASON)
        suppress(
            self.access_logs_bucket,
            ["AwsSolutions-S1", "NIST.800.53.R5-S3BucketLoggingEnabled", "HIPAA.Security-S3BucketLoggingEnabled", "PCI.DSS.321-S3BucketLoggingEnabled"],
            "This is the server access log target bucket; logging its own access would recurse.",
        )
        suppress(
            self.access_logs_bucket,
            ["NIST.800.53.R5-S3DefaultEncryptionKMS", "HIPAA.Security-S3DefaultEncryptionKMS", "PCI.DSS.321-S3DefaultEncryptionKMS"],
            "S3 server access log delivery supports only SSE-S3 on the target bucket.",
        )
        suppress(self.access_logs_bucket, ["NIST.800.53.R5-S3BucketReplicationEnabled", "HIPAA.Security-S3BucketReplicationEnabled", "PCI.DSS.321-S3BucketReplicationEnabled"], REPLICATION_REASON)
        if destroy:
            suppress_auto_delete_provider(Stack.of(self))

    @property
    def bucket_name(self) -> str:
        return self.bucket.bucket_name

    @property
    def bucket_arn(self) -> str:
        return self.bucket.bucket_arn


def suppress_auto_delete_provider(stack: Stack) -> None:
    """Suppress findings on CDK's S3 auto-delete provider (dev profile only), with reasons."""
    provider = stack.node.try_find_child("Custom::S3AutoDeleteObjectsCustomResourceProvider")
    if provider is None:
        return
    handler = provider.node.try_find_child("Handler")
    if isinstance(handler, CfnResource):
        cfn_lint_ignore(handler, ["W3005"], "aws-cdk-lib adds a DependsOn on the role it also references")
    reason_scope = "CDK's own S3 auto-delete provider, created only when removal policy is DESTROY (dev)"
    suppress(provider, "AwsSolutions-IAM4", f"{reason_scope}; it uses AWSLambdaBasicExecutionRole for its logs.",
             applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"], apply_to_children=True)
    suppress(provider, ["AwsSolutions-L1", "Serverless-LambdaLatestVersion"], f"{reason_scope}; its Node.js runtime is chosen by aws-cdk-lib.", apply_to_children=True)
    suppress(
        provider,
        [
            "NIST.800.53.R5-LambdaConcurrency", "HIPAA.Security-LambdaConcurrency", "PCI.DSS.321-LambdaConcurrency",
            "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ", "PCI.DSS.321-LambdaDLQ",
            "NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC",
            "Serverless-LambdaDLQ", "Serverless-LambdaDefaultMemorySize", "Serverless-LambdaTracing",
            "Serverless-LambdaAsyncFailureDestination",
        ],
        f"{reason_scope}; CloudFormation invokes it synchronously on stack delete only, so concurrency limits, "
        "a DLQ, tracing, VPC placement and tuned memory do not apply.",
        apply_to_children=True,
    )
