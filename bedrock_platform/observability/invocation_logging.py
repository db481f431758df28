"""Bedrock model invocation logging from IaC: destinations, delivery role and the account setting.

Bedrock has no CloudFormation resource for this setting, so a small custom-resource
provider (``lambda_code/invocation_logging/index.py``, plain boto3, no Docker; built in
:mod:`.invocation_logging_provider`) calls ``PutModelInvocationLoggingConfiguration``. The setting
is one per account and region:

* on create the provider saves the configuration that was active before (in an SSM
  parameter) and on delete puts it back; if nothing was active it deletes the setting,
  and if someone else has reconfigured logging in the meantime it leaves theirs alone
  (:mod:`.invocation_logging_restore`);
* two :class:`ModelInvocationLogging` constructs in one app that may target the same
  account and region stop synth with a clear message (an environment-agnostic account or
  region may be deployed anywhere, so it overlaps with any; :mod:`.invocation_logging_owner`).
  To share one logging setup between apps see the README.

The provider acts only on CloudFormation events for its own stack (``StackId`` equals the
stack's ``AWS::StackId``, ``ServiceToken`` is its own ARN, ``ResponseURL`` is CloudFormation's
response bucket) and may pass to Bedrock only its delivery role plus the previous setup's
roles listed in ``restore_delivery_role_arns``. It has no resource policy: CloudFormation
invokes it with the credentials of whoever runs the stack operation (or the stack's service
role), so who may invoke it is decided by those principals' IAM policies.

Destinations: a KMS-encrypted CloudWatch log group (``log_retention_days``) and a secure
S3 bucket for full records and large payloads (KMS, SSL-only, versioned, access-logged,
lifecycle from the ``transition_*``/``expiration_days`` props). The key, log groups and bucket
are retained when the stack is deleted unless ``removal_policy`` says otherwise. The delivery role is assumed only by ``bedrock.amazonaws.com``
for this account and region, and can write only to those destinations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CustomResource, Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_platform.core.log_groups import allow_cloudwatch_logs
from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.secure_bucket import SecureBucket
from bedrock_platform.core.validation import ValidationProblems
from bedrock_platform.observability import bedrock_metrics as bm
from bedrock_platform.observability._logging_props import check_logging_props, log_retention
from bedrock_platform.observability.invocation_logging_config import (
    bedrock_source_conditions,
    build_logging_config,
    lifecycle_rules,
    log_object_arns,
    object_findings,
)
from bedrock_platform.observability.invocation_logging_owner import check_single_owner
from bedrock_platform.observability.invocation_logging_provider import (
    PROVIDER_CODE,
    RESOURCE_TYPE,
    add_provider,
)
from bedrock_platform.observability.invocation_logging_restore import state_parameter_name

__all__ = ["PROVIDER_CODE", "RESOURCE_TYPE", "ModelInvocationLogging", "build_logging_config"]


class ModelInvocationLogging(Resource):
    """Owns the account+region model invocation logging setting and its destinations.

    Every prop has the default shown; ``removal_policy`` (default ``RETAIN``) applies to the key,
    the log groups and the payload bucket. Lifecycle days accept a number of days or a ``Duration``;
    ``log_retention_days`` a number of days CloudWatch Logs accepts or a ``logs.RetentionDays``.
    ``restore_delivery_role_arns``: delivery roles of a logging setup that was active before this
    one, which the provider may pass back to Bedrock when the stack is deleted.

    Example::

        logging = ModelInvocationLogging(self, "InvocationLogging", log_retention_days=180,
                                         image_data_delivery=True, expiration_days=400)
        TokenMetering(self, "Metering", log_group=logging.log_group, namespace="BedrockPlatform")
        logging.grant_read(auditor_role)
        logging.metric_delivery_failures(period=Duration.minutes(1))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_retention_days: int | logs.RetentionDays = 90,
        text_data_delivery: bool = True,
        image_data_delivery: bool = False,
        embedding_data_delivery: bool = False,
        s3_delivery: bool = True,
        s3_key_prefix: str = "invocation-logs",
        large_data_key_prefix: str = "large-data",
        transition_to_infrequent_access_days: int | Duration | None = 30,
        transition_to_glacier_days: int | Duration | None = 90,
        expiration_days: int | Duration | None = 365,
        access_log_expiration_days: int | Duration = 365,
        restore_delivery_role_arns: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        props = check_logging_props(
            problems,
            log_retention_days=log_retention_days,
            text_data_delivery=text_data_delivery,
            image_data_delivery=image_data_delivery,
            embedding_data_delivery=embedding_data_delivery,
            s3_delivery=s3_delivery,
            s3_key_prefix=s3_key_prefix,
            large_data_key_prefix=large_data_key_prefix,
            transition_to_infrequent_access_days=transition_to_infrequent_access_days,
            transition_to_glacier_days=transition_to_glacier_days,
            expiration_days=expiration_days,
            access_log_expiration_days=access_log_expiration_days,
            restore_delivery_role_arns=restore_delivery_role_arns,
        )
        if not isinstance(removal_policy, RemovalPolicy):
            problems.add("removal_policy", removal_policy, "is not a RemovalPolicy")
        problems.raise_if_any(self)
        check_single_owner(self, ModelInvocationLogging)
        stack = Stack.of(self)
        #: the validated props (days as numbers)
        self.props = props
        config = props
        bedrock_conditions = bedrock_source_conditions(stack)

        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts Bedrock model invocation logs (log group and S3 bucket)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        allow_cloudwatch_logs(self.key)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowBedrockToWriteEncryptedLogObjects",
                principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions=bedrock_conditions,
            )
        )

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=self.key,
            retention=log_retention(config.log_retention_days),
            removal_policy=removal_policy,
        )
        if log_retention(config.log_retention_days) is None:  # a deploy-time number of days
            self.log_group.node.default_child.retention_in_days = config.log_retention_days
        self.storage = SecureBucket(
            self,
            "Payloads",
            encryption_key=self.key,
            removal_policy=removal_policy,
            lifecycle_rules=lifecycle_rules(config),
            access_log_retention_days=config.access_log_expiration_days,
        )
        self.bucket: s3.IBucket = self.storage.bucket
        log_objects = log_object_arns(stack, self.bucket, config)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AmazonBedrockLogsWrite",
                principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=log_objects,
                conditions=bedrock_conditions,
            )
        )

        self.role = iam.Role(
            self,
            "DeliveryRole",
            description="Assumed by Amazon Bedrock to deliver model invocation logs",
            assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com", conditions=bedrock_conditions),
        )
        delivery_policy = iam.ManagedPolicy(
            self,
            "DeliveryPolicy",
            description="Lets Bedrock write invocation logs to this log group and bucket only",
            statements=[
                iam.PolicyStatement(
                    sid="WriteInvocationLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                iam.PolicyStatement(sid="WriteLargePayloads", actions=["s3:PutObject"], resources=log_objects),
                iam.PolicyStatement(
                    sid="EncryptPayloads", actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.key.key_arn]
                ),
            ],
        )
        self.role.add_managed_policy(delivery_policy)
        suppress(
            delivery_policy,
            "AwsSolutions-IAM5",
            "Bedrock creates its own log streams and object keys (date/request partitioned) under the one "
            "log group and the two prefixes of the one bucket this role may write to.",
            applies_to=[
                f"Resource::<{stack.get_logical_id(self.log_group.node.default_child)}.Arn>",
                *object_findings(stack, self.bucket, config),
            ],
        )

        self.logging_config: dict[str, Any] = build_logging_config(
            config,
            log_group_name=self.log_group.log_group_name,
            role_arn=self.role.role_arn,
            bucket_name=self.bucket.bucket_name,
        )
        self.state_parameter_name = state_parameter_name(stack)
        self.provider = add_provider(
            self,
            key=self.key,
            delivery_role=self.role,
            state_parameter_name=self.state_parameter_name,
            restore_delivery_role_arns=list(props.restore_delivery_role_arns),
            removal_policy=removal_policy,
        )
        self.setting = CustomResource(
            self,
            "Setting",
            service_token=self.provider.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={
                "LoggingConfig": stack.to_json_string(self.logging_config),
                "StateParameterName": self.state_parameter_name,
            },
        )
        # Bedrock validates every destination when the configuration is put: wait for the
        # permissions too (the log group, role and bucket are already referenced).
        for dependency in (delivery_policy, self.key):
            self.setting.node.add_dependency(dependency)
        if self.bucket.policy is not None:
            self.setting.node.add_dependency(self.bucket.policy)

    @property
    def log_group_name(self) -> str:
        """Name of the invocation log group."""
        return self.log_group.log_group_name

    def grant_read(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Let ``grantee`` read the invocation logs: query the log group, read the payload objects and
        decrypt them with the key; in a managed policy (``policy`` or one attached to ``grantee``)."""
        stack = Stack.of(self)
        statements = [
            iam.PolicyStatement(
                actions=["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery"],
                resources=[self.log_group.log_group_arn],
            ),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn]),
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=log_object_arns(stack, self.bucket, self.props),
            ),
            iam.PolicyStatement(actions=["kms:Decrypt"], resources=[self.key.key_arn]),
        ]
        return grant_with_managed_policy(
            self, grantee, statements=statements, description=f"Read the Bedrock invocation logs of {self.node.path}", policy=policy
        )

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """An ``AWS/Bedrock`` log-delivery metric (published across all model ids, no dimension), e.g.
        ``ModelInvocationLogsCloudWatchDeliverySuccess``; ``props`` are :class:`aws_cloudwatch.MetricOptions`
        (period, statistic, label, unit, color, dimensions_map, account, region), account and region
        defaulting to this stack's."""
        stack = Stack.of(self)
        props.setdefault("account", stack.account)
        props.setdefault("region", stack.region)
        props.setdefault("statistic", cloudwatch.Stats.SUM)
        props.setdefault("period", bm.FIVE_MINUTES)
        return cloudwatch.Metric(namespace=bm.BEDROCK_NAMESPACE, metric_name=metric_name, **props)

    def metric_delivery_failures(self, **props: Any) -> cloudwatch.MathExpression:
        """Every delivery failure (CloudWatch, S3, large-data S3) summed; ``props`` as in :meth:`metric`
        (``period`` and ``label`` apply to the sum)."""
        period = props.pop("period", bm.FIVE_MINUTES)
        label = props.pop("label", "Log delivery failures")
        using = {f"f{i}": self.metric(name, period=period, **props) for i, name in enumerate(bm.LOG_DELIVERY_FAILURE_METRICS)}
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({name}, 0)" for name in using), using_metrics=using, period=period, label=label
        )

