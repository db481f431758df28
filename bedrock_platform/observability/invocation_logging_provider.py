"""The custom-resource provider behind ``Custom::BedrockModelInvocationLogging``.

Bedrock has no CloudFormation resource for model invocation logging, so a small Lambda function
(``lambda_code/invocation_logging/index.py``, plain boto3, no Docker) calls
``PutModelInvocationLoggingConfiguration``. It acts only on CloudFormation events for its own stack
(``StackId`` equals the stack's ``AWS::StackId``, ``ServiceToken`` is its own ARN, ``ResponseURL`` is
CloudFormation's response bucket) and may pass to Bedrock only its delivery role plus the previous
setup's roles (:mod:`.invocation_logging_restore`). It has no resource policy: CloudFormation invokes
it with the credentials of whoever runs the stack operation (or the stack's service role).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.core.nag import checkov_skip, suppress
from bedrock_platform.observability.invocation_logging_restore import (
    restore_roles_environment,
    restore_statements,
    state_parameter_arn,
)

PROVIDER_CODE = Path(__file__).resolve().parent.parent / "lambda_code" / "invocation_logging"
RESOURCE_TYPE = "Custom::BedrockModelInvocationLogging"


def add_provider(
    owner: Construct,
    *,
    key: kms.IKey,
    delivery_role: iam.IRole,
    state_parameter_name: str,
    restore_delivery_role_arns: Sequence[str],
    removal_policy: RemovalPolicy,
) -> lambda_.Function:
    """The provider function, its log group, role and policy, as children of ``owner``.

    Example::

        provider = add_provider(self, key=self.key, delivery_role=self.role, state_parameter_name=name,
                                restore_delivery_role_arns=[], removal_policy=RemovalPolicy.RETAIN)
    """
    stack = Stack.of(owner)
    provider_logs = logs.LogGroup(
        owner,
        "ProviderLogs",
        encryption_key=key,
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=removal_policy,
    )
    policy = iam.ManagedPolicy(
        owner,
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
                resources=[delivery_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
            ),
            *restore_statements(restore_delivery_role_arns),
            iam.PolicyStatement(
                sid="KeepPreviousSetting",
                actions=["ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"],
                resources=[state_parameter_arn(stack, state_parameter_name)],
            ),
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[provider_logs.log_group_arn],
            ),
        ],
    )
    role = iam.Role(
        owner,
        "ProviderRole",
        description="Execution role of the invocation-logging custom-resource provider",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[policy],
    )
    function = lambda_.Function(
        owner,
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
            "DELIVERY_ROLE_ARN": delivery_role.role_arn,
            "RESTORE_ROLE_ARNS": restore_roles_environment(stack, restore_delivery_role_arns),
        },
    )
    # aws-cdk-lib adds an explicit DependsOn on the role it also references (cfn-lint W3005).
    function.node.default_child.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
    _suppress_findings(stack, function, policy, provider_logs)
    return function


def _suppress_findings(stack: Stack, function: lambda_.Function, policy: iam.ManagedPolicy, provider_logs: logs.LogGroup) -> None:
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
