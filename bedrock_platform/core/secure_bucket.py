"""An S3 bucket with the controls regulated workloads expect, plus its access-log bucket.

KMS encryption with a customer key (rotation on), versioning, SSL-only, all public access
blocked, object ownership enforced, server access logs to a dedicated bucket. The buckets
and the key hold data: they are retained by default (``RemovalPolicy.RETAIN``). With
``RemovalPolicy.DESTROY`` both buckets are emptied and deleted with the stack (dev
profile), so a teardown never leaves a bucket behind that blocks the next deploy.

    docs = SecureBucket(self, "Documents")
    docs.grant_read(reader, policy=reader_policy)  # s3 and kms statements in a managed policy
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource, Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_platform.core.input_checks import (
    check_instance,
    check_key,
    check_removal_policy,
    check_string,
    days,
)
from bedrock_platform.core.managed_grants import check_grantee, via_policy
from bedrock_platform.core.nag import cfn_lint_ignore, suppress
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems

SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"

REPLICATION_REASON = (
    "Cross-region replication is an account-level disaster-recovery decision (destination bucket, "
    "region, key) that this construct cannot make; versioning and KMS protect the data in place."
)


class SecureBucket(Resource):
    """A KMS-encrypted, versioned, SSL-only bucket with server access logging.

    ``removal_policy`` (default ``RemovalPolicy.RETAIN``) applies to both buckets and the key
    this construct creates; ``DESTROY`` also empties the buckets on stack deletion.
    ``access_log_retention_days`` takes days or a ``Duration``.

    Example::

        store = SecureBucket(self, "Payloads", lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))])
        store.grant_read_write(writer_function, policy=writer_policy)
        store.bucket_name
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        lifecycle_rules: Sequence[s3.LifecycleRule] = (),
        access_log_retention_days: int | Duration = 365,
        key_description: str = "Encrypts a Bedrock platform bucket",
    ) -> None:
        super().__init__(scope, construct_id)
        # The access-log bucket admits S3 log delivery through a bucket policy, not the legacy
        # LogDeliveryWrite ACL (cfn-lint W3045), whatever the consumer's cdk.json says: aws-cdk-lib reads
        # this feature flag from the source bucket's scope (aws-s3 Bucket, serverAccessLogsBucket),
        # and context set here, before any child exists, applies to this construct's buckets only.
        self.node.set_context(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, True)
        problems = ValidationProblems()
        problems.check(check_key, "encryption_key", encryption_key)
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        if isinstance(lifecycle_rules, (list, tuple)):
            for i, rule in enumerate(lifecycle_rules):
                problems.check(check_instance, f"lifecycle_rules[{i}]", rule, s3.LifecycleRule, "an s3.LifecycleRule")
        else:
            problems.add("lifecycle_rules", type(lifecycle_rules).__name__, "is not a list or tuple of s3.LifecycleRule")
        log_days = None
        try:
            log_days = days("access_log_retention_days", access_log_retention_days)
        except PlatformValidationError as error:
            problems.errors.append(error)
        problems.check(check_string, "key_description", key_description)
        problems.raise_if_any(self)
        destroy = removal_policy == RemovalPolicy.DESTROY
        block_all = s3.BlockPublicAccess.BLOCK_ALL  # a jsii call per read
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
            block_public_access=block_all,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(log_days),
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
            block_public_access=block_all,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="access-logs/",
            lifecycle_rules=list(lifecycle_rules) or None,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )
        # The L1s themselves, found once: suppress() on an L2 looks its default child up per call.
        data_l1, logs_l1 = self.bucket.node.default_child, self.access_logs_bucket.node.default_child
        suppress(data_l1, ["NIST.800.53.R5-S3BucketReplicationEnabled", "HIPAA.Security-S3BucketReplicationEnabled", "PCI.DSS.321-S3BucketReplicationEnabled"], REPLICATION_REASON)
        suppress(
            logs_l1,
            ["AwsSolutions-S1", "NIST.800.53.R5-S3BucketLoggingEnabled", "HIPAA.Security-S3BucketLoggingEnabled", "PCI.DSS.321-S3BucketLoggingEnabled"],
            "This is the server access log target bucket; logging its own access would recurse.",
        )
        suppress(
            logs_l1,
            ["NIST.800.53.R5-S3DefaultEncryptionKMS", "HIPAA.Security-S3DefaultEncryptionKMS", "PCI.DSS.321-S3DefaultEncryptionKMS"],
            "S3 server access log delivery supports only SSE-S3 on the target bucket.",
        )
        suppress(logs_l1, ["NIST.800.53.R5-S3BucketReplicationEnabled", "HIPAA.Security-S3BucketReplicationEnabled", "PCI.DSS.321-S3BucketReplicationEnabled"], REPLICATION_REASON)
        if destroy:
            suppress_auto_delete_provider(Stack.of(self))

        self._key_created = encryption_key is None

    @property
    def bucket_name(self) -> str:
        """The name of the data bucket."""
        return self.bucket.bucket_name

    @property
    def bucket_arn(self) -> str:
        """The ARN of the data bucket."""
        return self.bucket.bucket_arn

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to both buckets and the key this construct created (emptying a bucket on
        delete needs ``removal_policy=DESTROY`` at construction, which adds CDK's auto-delete)."""
        check_removal_policy("policy", policy)
        self.bucket.apply_removal_policy(policy)
        self.access_logs_bucket.apply_removal_policy(policy)
        if self._key_created:
            self.encryption_key.apply_removal_policy(policy)

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Grant S3 ``actions`` on the bucket and its objects (key permissions: use the named grants).

        With ``policy``, statements land in that managed policy (attached to the grantee's role,
        user or group) instead of the grantee's default inline policy.
        """
        check_grantee(grantee)
        if not actions:
            raise PlatformValidationError("actions", [], "must name at least one S3 action, e.g. 's3:GetObject'")
        return iam.Grant.add_to_principal(
            grantee=via_policy(grantee, policy),
            actions=list(actions),
            resource_arns=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
        )

    def grant_read(self, grantee: iam.IGrantable, objects_key_pattern: str = "*", *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Read objects matching ``objects_key_pattern`` (and decrypt with the bucket key)."""
        return self.bucket.grant_read(via_policy(grantee, policy), objects_key_pattern)

    def grant_write(self, grantee: iam.IGrantable, objects_key_pattern: str = "*", *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Write objects matching ``objects_key_pattern`` (and encrypt with the bucket key)."""
        return self.bucket.grant_write(via_policy(grantee, policy), objects_key_pattern)

    def grant_read_write(
        self, grantee: iam.IGrantable, objects_key_pattern: str = "*", *, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Read and write objects matching ``objects_key_pattern`` (and use the bucket key)."""
        return self.bucket.grant_read_write(via_policy(grantee, policy), objects_key_pattern)


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
