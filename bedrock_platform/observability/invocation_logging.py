"""Bedrock model invocation logging from IaC: destinations, delivery role and the account setting.

Bedrock has no CloudFormation resource for this setting, so a small custom-resource
provider (``lambda_code/invocation_logging/index.py``, plain boto3, no Docker) calls
``PutModelInvocationLoggingConfiguration``. The setting is one per account and region:

* on create the provider saves the configuration that was active before (in an SSM
  parameter) and on delete puts it back; if nothing was active it deletes the setting,
  and if someone else has reconfigured logging in the meantime it leaves theirs alone;
* two :class:`ModelInvocationLogging` constructs in one app that may target the same
  account and region stop synth with a clear message (an environment-agnostic account or
  region may be deployed anywhere, so it overlaps with any). To share one logging setup
  between apps see the README.

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

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import ArnFormat, CustomResource, Duration, RemovalPolicy, Resource, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_platform.core.log_groups import allow_cloudwatch_logs
from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.nag import checkov_skip, suppress
from bedrock_platform.core.secure_bucket import SecureBucket
from bedrock_platform.core.service_principals import source_conditions
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems
from bedrock_platform.observability import bedrock_metrics as bm
from bedrock_platform.observability._logging_props import LoggingProps, check_logging_props, log_retention

PROVIDER_CODE = Path(__file__).resolve().parent.parent / "lambda_code" / "invocation_logging"
RESOURCE_TYPE = "Custom::BedrockModelInvocationLogging"


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
        problems.raise_if_any(self.node.path)
        _check_single_owner(self)
        stack = Stack.of(self)
        #: the validated props (days as numbers)
        self.props = props
        config = props
        bedrock_conditions = _bedrock_source_conditions(stack)

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
            lifecycle_rules=_lifecycle_rules(config),
            access_log_retention_days=config.access_log_expiration_days,
        )
        self.bucket: s3.IBucket = self.storage.bucket
        log_objects = [
            self.bucket.arn_for_objects(f"{config.s3_key_prefix}/AWSLogs/{stack.account}/BedrockModelInvocationLogs/*"),
            self.bucket.arn_for_objects(f"{config.large_data_key_prefix}/*"),
        ]
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
                *_object_findings(stack, self.bucket, config),
            ],
        )

        self.logging_config: dict[str, Any] = build_logging_config(
            config,
            log_group_name=self.log_group.log_group_name,
            role_arn=self.role.role_arn,
            bucket_name=self.bucket.bucket_name,
        )
        self.state_parameter_name = f"/bedrock-platform/{stack.stack_name}/model-invocation-logging/previous-config"
        self.provider = self._provider(stack, removal_policy)
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

    def _provider(self, stack: Stack, removal_policy: RemovalPolicy) -> lambda_.Function:
        provider_logs = logs.LogGroup(
            self,
            "ProviderLogs",
            encryption_key=self.key,
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=removal_policy,
        )
        parameter_arn = stack.format_arn(
            service="ssm", resource="parameter", resource_name=self.state_parameter_name.lstrip("/")
        )
        policy = iam.ManagedPolicy(
            self,
            "ProviderPolicy",
            description="Lets the invocation-logging provider manage the account+region logging setting",
            statements=[
                iam.PolicyStatement(
                    sid="ManageInvocationLoggingSetting",
                    actions=[
                        "bedrock:GetModelInvocationLoggingConfiguration",
                        "bedrock:PutModelInvocationLoggingConfiguration",
                        "bedrock:DeleteModelInvocationLoggingConfiguration",
                    ],
                    # These three actions support no resource-level permissions: the setting is
                    # per account and region, so "*" is the only valid resource.
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="PassDeliveryRoleToBedrock",
                    actions=["iam:PassRole"],
                    resources=[self.role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
                ),
                *self._restore_statements(),
                iam.PolicyStatement(
                    sid="KeepPreviousSetting",
                    actions=["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
                    resources=[parameter_arn],
                ),
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[provider_logs.log_group_arn],
                ),
            ],
        )
        role = iam.Role(
            self,
            "ProviderRole",
            description="Execution role of the invocation-logging custom-resource provider",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[policy],
        )
        function = lambda_.Function(
            self,
            "Provider",
            description="Custom resource: sets Bedrock model invocation logging, restores the previous setting on delete",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(PROVIDER_CODE), exclude=["__pycache__", "*.pyc"]),
            timeout=Duration.minutes(5),
            memory_size=256,
            role=role,
            log_group=provider_logs,
            # What the provider checks every event against (see index.py, "origin"): only
            # CloudFormation, for this stack, may drive it; and the roles it may pass to Bedrock.
            environment={
                "STACK_ID": stack.stack_id,
                "DELIVERY_ROLE_ARN": self.role.role_arn,
                "RESTORE_ROLE_ARNS": stack.to_json_string(list(self.props.restore_delivery_role_arns))
                if any(Token.is_unresolved(a) for a in self.props.restore_delivery_role_arns)
                else json.dumps(list(self.props.restore_delivery_role_arns)),
            },
        )
        # aws-cdk-lib adds an explicit DependsOn on the role it also references (cfn-lint W3005).
        function.node.default_child.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        checkov_skip(
            function,
            "CKV_AWS_173",
            "The provider's environment holds only its stack id and role ARNs (no secrets); Lambda "
            "encrypts it at rest with the service key.",
            resource_type="AWS::Lambda::Function",
        )
        suppress(
            policy,
            "AwsSolutions-IAM5",
            "bedrock:Get/Put/DeleteModelInvocationLoggingConfiguration support no resource-level "
            "permissions (one setting per account and region), so the resource must be '*'; the "
            "log-stream wildcard is the provider's own log group.",
            applies_to=[
                "Resource::*",
                f"Resource::<{stack.get_logical_id(provider_logs.node.default_child)}.Arn>",
            ],
        )
        suppress(
            function,
            [
                # cdk-nag 2.38: LambdaConcurrency and LambdaDLQ exist in the HIPAA and NIST R5 packs only.
                "NIST.800.53.R5-LambdaConcurrency", "HIPAA.Security-LambdaConcurrency",
                "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ",
                "Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination", "Serverless-LambdaTracing",
            ],
            "A custom-resource provider invoked only by CloudFormation during deploys: it always answers "
            "CloudFormation (failures included) and logs to its own log group, so a DLQ, failure destination, "
            "tracing or reserved concurrency (which would take from the account's pool) add nothing.",
        )
        suppress(
            function,
            ["NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC"],
            "The provider only calls the Bedrock control plane and SSM during deploys; the account-level "
            "observability stack has no VPC, and attaching one would add NAT/endpoints for no data path.",
        )
        return function

    def _restore_statements(self) -> list[iam.PolicyStatement]:
        """PassRole on the previous setup's delivery roles, listed in config (none: no statement).

        On delete the provider puts back the configuration that was active before this stack,
        and Bedrock requires ``iam:PassRole`` on ITS delivery role. Only roles named in
        ``restore_delivery_role_arns``, only to Bedrock; the provider refuses to replace a
        configuration whose role it could not pass back (so a delete never strands it).
        """
        arns = list(self.props.restore_delivery_role_arns)
        if not arns:
            return []
        return [
            iam.PolicyStatement(
                sid="PassPreviousDeliveryRoleToBedrock",
                actions=["iam:PassRole"],
                resources=arns,
                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
            )
        ]

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
                resources=[
                    self.bucket.arn_for_objects(f"{self.props.s3_key_prefix}/AWSLogs/{stack.account}/BedrockModelInvocationLogs/*"),
                    self.bucket.arn_for_objects(f"{self.props.large_data_key_prefix}/*"),
                ],
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


def build_logging_config(
    delivery: LoggingProps | Any = None,
    *,
    log_group_name: str,
    role_arn: str,
    bucket_name: str,
    s3_delivery: bool = True,
    s3_key_prefix: str = "invocation-logs",
    large_data_key_prefix: str = "large-data",
    text_data_delivery: bool = True,
    image_data_delivery: bool = False,
    embedding_data_delivery: bool = False,
) -> dict[str, Any]:
    """The ``loggingConfig`` of ``PutModelInvocationLoggingConfiguration``.

    ``delivery`` (the validated props of a :class:`ModelInvocationLogging`) supplies the delivery
    settings; without it the keyword arguments do.
    """
    if delivery is not None:
        s3_delivery, s3_key_prefix, large_data_key_prefix = (
            delivery.s3_delivery, delivery.s3_key_prefix, delivery.large_data_key_prefix
        )
        text_data_delivery, image_data_delivery, embedding_data_delivery = (
            delivery.text_data_delivery, delivery.image_data_delivery, delivery.embedding_data_delivery
        )
    payload: dict[str, Any] = {
        "cloudWatchConfig": {
            "logGroupName": log_group_name,
            "roleArn": role_arn,
            "largeDataDeliveryS3Config": {"bucketName": bucket_name, "keyPrefix": large_data_key_prefix},
        },
        "textDataDeliveryEnabled": text_data_delivery,
        "imageDataDeliveryEnabled": image_data_delivery,
        "embeddingDataDeliveryEnabled": embedding_data_delivery,
    }
    if s3_delivery:
        payload["s3Config"] = {"bucketName": bucket_name, "keyPrefix": s3_key_prefix}
    return payload


def _bedrock_source_conditions(stack: Stack) -> dict[str, Any]:
    """Only Bedrock acting for this account, in this region (confused-deputy protection)."""
    return source_conditions(stack, stack.format_arn(service="bedrock", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME))


def _lifecycle_rules(config: LoggingProps) -> list[s3.LifecycleRule]:
    transitions = []
    if config.transition_to_infrequent_access_days is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=Duration.days(config.transition_to_infrequent_access_days),
            )
        )
    if config.transition_to_glacier_days is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.GLACIER,
                transition_after=Duration.days(config.transition_to_glacier_days),
            )
        )
    expiration = Duration.days(config.expiration_days) if config.expiration_days is not None else None
    return [
        s3.LifecycleRule(
            id=f"invocation-logs-{index}",
            prefix=prefix,
            transitions=transitions or None,
            expiration=expiration,
            noncurrent_version_expiration=Duration.days(30),
            abort_incomplete_multipart_upload_after=Duration.days(7),
        )
        for index, prefix in enumerate([f"{config.s3_key_prefix}/", f"{config.large_data_key_prefix}/"])
    ]


def _object_findings(stack: Stack, bucket: s3.IBucket, config: LoggingProps) -> list[str]:
    """The cdk-nag IAM5 findings of the two object ARNs the role may write (as cdk-nag renders them)."""
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    bucket_arn = f"<{stack.get_logical_id(bucket.node.default_child)}.Arn>"
    return [
        f"Resource::{bucket_arn}/{config.s3_key_prefix}/AWSLogs/{account}/BedrockModelInvocationLogs/*",
        f"Resource::{bucket_arn}/{config.large_data_key_prefix}/*",
    ]


def _target(construct: Construct) -> tuple[str | None, str | None]:
    """(account, region) of the construct's stack; ``None`` for an environment-agnostic value."""
    stack = Stack.of(construct)
    account = None if Token.is_unresolved(stack.account) else stack.account
    region = None if Token.is_unresolved(stack.region) else stack.region
    return account, region


def _may_overlap(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """Whether two (account, region) targets may be the same; an environment-agnostic part matches any."""
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def _check_single_owner(construct: ModelInvocationLogging) -> None:
    """Two stacks of one app must not both manage the account+region logging setting.

    An environment-agnostic account or region can be deployed anywhere, so it conflicts with
    every other target on that part.
    """
    mine = _target(construct)
    for other in construct.node.root.node.find_all():
        if other is construct or not isinstance(other, ModelInvocationLogging):
            continue
        theirs = _target(other)
        if _may_overlap(theirs, mine):
            account = mine[0] or theirs[0]
            region = mine[1] or theirs[1]
            where = f"account {account or '(environment-agnostic)'}, region {region or '(environment-agnostic)'}"
            raise PlatformValidationError(
                construct.node.path,
                other.node.path,
                f"already manages Bedrock model invocation logging for {where}; the setting is one per "
                "account and region, so only one stack may manage it: set observability.logging.enabled: "
                "false for the other app/stack and share the logs (README: 'Sharing one logging setup')",
            )
