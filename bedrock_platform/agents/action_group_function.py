"""A Lambda function for a Bedrock agent action group: Powertools layer, arm64, X-Ray, logs you control.

``ActionGroupLambda`` (formerly ``ActionGroupFunction``, still importable with a
``DeprecationWarning`` for one release). Runtime and architecture are yours to choose (Python
3.14 on arm64 by default); ``powertools_layer=False`` leaves the Powertools layer out (bundle it,
or use another runtime). The log group and key hold data and are retained by default
(``removal_policy``).

Bedrock invokes action-group Lambdas synchronously, once per tool call of the agent's
reasoning loop; what matters is a fast cold start, structured logs with a retention, traces,
and a least-privilege role. No Docker bundling: the handler directory is zipped as is and
Powertools comes from its public Lambda layer.

Reserved concurrency is off by default: Lambda refuses a reservation that would leave the
account's unreserved concurrency below 100 (AWS Lambda Developer Guide, "Configuring reserved
concurrency"), and new accounts often have a concurrency quota of only 10-50, so a default
reservation would fail the first deploy. Set ``reserved_concurrency`` to cap (and guarantee)
the function's concurrency once the account quota allows it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from typing_extensions import Unpack

from bedrock_platform.core.log_groups import allow_cloudwatch_logs, retention_days
from bedrock_platform.core.managed_grants import ManagedPolicyRole
from bedrock_platform.core.metric_options import MetricOptions
from bedrock_platform.core.nag import cfn_lint_ignore, suppress
from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_int_range,
    check_length,
    check_pattern,
    is_token,
)

# The newest Python runtime in aws-cdk-lib, and the one Powertools publishes its v3 layer for.
RUNTIME = lambda_.Runtime.PYTHON_3_14
# Powertools for AWS Lambda (Python): the one place its version is pinned (requirements-dev.txt
# pins the same version for the handler tests; a test keeps them equal). The layer ARN for this
# version, runtime and architecture is resolved at deploy time, in the stack's own region, from
# the public SSM parameter Powertools publishes for every release, so no layer number is guessed:
# /aws/service/powertools/python/<arch>/<python runtime>/<version>.
POWERTOOLS_VERSION = "3.37.0"
DEFAULT_METRICS_NAMESPACE = "BedrockPlatform/ActionGroups"

_SERVICE_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_HANDLER = r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*"
_ENV_KEY = r"[a-zA-Z][a-zA-Z0-9_]+"
_ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".pytest_cache"]


ARCHITECTURE = lambda_.Architecture.ARM_64


def powertools_layer_parameter(
    runtime: lambda_.Runtime = RUNTIME, architecture: lambda_.Architecture = ARCHITECTURE
) -> str:
    """The public SSM parameter holding the pinned Powertools layer ARN for ``runtime`` and
    ``architecture``: ``/aws/service/powertools/python/<arm64|x86_64>/<python3.x>/<version>``
    (Powertools for AWS Lambda (Python) docs, "Lambda Layers", SSM parameter store)."""
    return f"/aws/service/powertools/python/{architecture.name}/{runtime.name}/{POWERTOOLS_VERSION}"


def powertools_layer_arn(
    scope: Construct, runtime: lambda_.Runtime = RUNTIME, architecture: lambda_.Architecture = ARCHITECTURE
) -> str:
    """The pinned Powertools layer ARN, resolved by CloudFormation in the stack's region at deploy time."""
    return ssm.StringParameter.value_for_string_parameter(scope, powertools_layer_parameter(runtime, architecture))


@jsii.implements(iam.IGrantable)
class ActionGroupLambda(Resource):
    """The Lambda function behind one Bedrock agent action group (formerly ``ActionGroupFunction``).

    Python (:data:`RUNTIME`, or ``runtime``) on arm64 (or ``architecture``) with the Powertools
    layer (unless ``powertools_layer=False``), X-Ray active tracing, an
    explicit KMS-encrypted log group with retention, environment variables encrypted with the same
    customer key, optional reserved concurrency (none by default, see the module docstring), and a
    role whose permissions live in one customer-managed policy (add more with
    :meth:`add_to_role_policy`, or grant to the construct: ``table.grant_read_data(fn)`` lands
    in that policy too). Pass it as an :class:`ActionGroup` ``executor`` directly.

    Example::

        fn = ActionGroupLambda(
            self, "Orders",
            code_path="lambdas/customer_support",
            handler="handler.lambda_handler",
            description="Customer-support action group",
            powertools_service_name="customer-support",
            # reserved_concurrency=10,  # only where the account keeps >= 100 unreserved after it
        )
        fn.add_to_role_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[table.table_arn]))
        fn.grant_invoke_to_bedrock_agent(agent.agent_arn)
        x86 = ActionGroupLambda(self, "Legacy", code_path="lambdas/legacy", handler="app.handler",
                                description="x86 action group", runtime=lambda_.Runtime.PYTHON_3_12,
                                architecture=lambda_.Architecture.X86_64, powertools_layer=False)

    Bedrock calls the function synchronously, so it has no dead-letter queue or failure
    destination, and it is not placed in a VPC (it is meant to call AWS APIs, which IAM
    protects); the matching cdk-nag rules are suppressed on the function with that reason.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_path: str,
        handler: str,
        description: str,
        powertools_service_name: str | None = None,
        environment: Mapping[str, str] | None = None,
        timeout: Duration | int = Duration.seconds(30),  # noqa: B008 - immutable value
        memory_size: int = 256,
        reserved_concurrency: int | None = None,
        log_retention: logs.RetentionDays | int = logs.RetentionDays.ONE_MONTH,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        encryption_key: kms.IKey | None = None,
        metrics_namespace: str = DEFAULT_METRICS_NAMESPACE,
        runtime: lambda_.Runtime = RUNTIME,
        architecture: lambda_.Architecture = ARCHITECTURE,
        powertools_layer: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        python = isinstance(runtime, lambda_.Runtime) and runtime.family == lambda_.RuntimeFamily.PYTHON
        if not isinstance(runtime, lambda_.Runtime):
            problems.add("runtime", type(runtime).__name__, "is not a lambda_.Runtime")
        if not isinstance(architecture, lambda_.Architecture):
            problems.add("architecture", type(architecture).__name__, "is not a lambda_.Architecture")
        if powertools_layer and isinstance(runtime, lambda_.Runtime) and not python:
            problems.add("runtime", runtime.name, "has no Powertools for AWS Lambda (Python) layer: "
                                                  "use a Python runtime or powertools_layer=False")  # fmt: skip
        with problems.field():
            code_dir = _check_code(code_path, handler, python=python)
        problems.check(check_length, "description", description, 1, 256)
        if powertools_service_name is not None:
            problems.check(check_pattern, "powertools_service_name", powertools_service_name, _SERVICE_NAME,
                           "1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")  # fmt: skip
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            timeout = Duration.seconds(timeout)
        if not isinstance(timeout, Duration):
            problems.add("timeout", type(timeout).__name__, "is not a Duration or a number of seconds")
        elif not timeout.is_unresolved():
            problems.check(check_int_range, "timeout", int(timeout.to_seconds()), 1, 900)
        problems.check(check_int_range, "memory_size", memory_size, 128, 10240)
        if reserved_concurrency is not None and not is_token(reserved_concurrency) and (
            isinstance(reserved_concurrency, bool) or not isinstance(reserved_concurrency, int) or reserved_concurrency < 1
        ):
            problems.add("reserved_concurrency", reserved_concurrency,
                         "is not an integer of at least 1 (or None for no reservation)")  # fmt: skip
        if isinstance(log_retention, int) and not isinstance(log_retention, bool):
            with problems.field():
                log_retention = retention_days(log_retention, "log_retention")
        problems.check(check_length, "metrics_namespace", metrics_namespace, 1, 255)
        with problems.field():
            env = _environment(powertools_service_name, metrics_namespace, environment or {},
                               powertools=powertools_layer or powertools_service_name is not None)  # fmt: skip
        problems.raise_if_any(self)

        self.encryption_key: kms.IKey = encryption_key or kms.Key(
            self,
            "LogKey",
            description=f"Encrypts the logs of action-group function {self.node.path}",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        allow_cloudwatch_logs(self.encryption_key)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=log_retention,
            encryption_key=self.encryption_key,
            removal_policy=removal_policy,
        )

        self.policy = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            description="Writes the action-group function's logs and traces; grants for its data are added here.",
            statements=[
                iam.PolicyStatement(
                    sid="WriteLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                # Lambda decrypts the environment (encrypted with the customer key below) with the
                # function's own permissions: botocore lambda KMSAccessDeniedException "Lambda couldn't
                # decrypt the environment variables because KMS access was denied. Check the Lambda
                # function's KMS permissions."
                iam.PolicyStatement(
                    sid="DecryptEnvironment",
                    actions=["kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                ),
                iam.PolicyStatement(
                    sid="WriteTraces",
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    resources=["*"],  # X-Ray has no resource-level permissions for these actions
                ),
            ],
        )
        suppress(self.policy, "AwsSolutions-IAM5",
                 "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (resource must be *)",
                 applies_to=["Resource::*"])
        self.role = ManagedPolicyRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of action-group function {self.node.path}",
            managed_policies=[self.policy],
        )
        self.role.use_managed_policy(self.policy)

        self.function = lambda_.Function(
            self,
            "Function",
            runtime=runtime,
            architecture=architecture,
            code=lambda_.Code.from_asset(str(code_dir), exclude=_ASSET_EXCLUDES),
            handler=handler,
            description=description,
            environment=env,
            # The environment is encrypted with the customer key that already protects the logs
            # (KMSKeyArn: "the customer managed key that's used to encrypt ... the function's
            # environment variables", botocore lambda CreateFunction); checkov CKV_AWS_173.
            environment_encryption=self.encryption_key,
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrency,
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(
                    self, "PowertoolsLayer", powertools_layer_arn(self, runtime, architecture)
                )
            ]
            if powertools_layer
            else None,
            role=self.role,
            log_group=self.log_group,
        )
        # Active tracing set on the resource: the L2 ``tracing`` prop would add the X-Ray grant as an
        # inline policy, while the managed policy above already carries it.
        cfn_function: lambda_.CfnFunction = self.function.node.default_child  # type: ignore[assignment]
        cfn_function.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
        self._suppress_invocation_rules(cfn_function, reserved_concurrency)
        cfn_lint_ignore(cfn_function, ["W3005"], "aws-cdk-lib adds a DependsOn on the role it also references")
        self._permissions = 0

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a permission to the function's managed execution policy."""
        self.policy.add_statements(statement)

    def grant_invoke_to_bedrock_agent(self, agent_arn: str | None = None) -> None:
        """Let Bedrock invoke the function for ``agent_arn`` (default: any agent of this account and region).

        The permission carries ``aws:SourceAccount`` and ``aws:SourceArn`` so no other account's
        agent can use it.
        """
        stack = Stack.of(self)
        self._permissions += 1
        source_arn = agent_arn or stack.format_arn(service="bedrock", resource="agent", resource_name="*")
        self.function.add_permission(
            "BedrockAgentInvoke" if self._permissions == 1 else f"BedrockAgentInvoke{self._permissions}",
            principal=iam.ServicePrincipal("bedrock.amazonaws.com"),
            action="lambda:InvokeFunction",
            source_account=stack.account,
            source_arn=source_arn,
        )

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to what holds data: the log group and (if created here) the log key."""
        self.log_group.apply_removal_policy(policy)
        if isinstance(self.encryption_key, kms.Key) and self.encryption_key.node.scope is self:
            self.encryption_key.apply_removal_policy(policy)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The execution role: grants to this construct land in its managed execution policy."""
        return self.role

    @property
    def function_arn(self) -> str:
        """The function ARN (what Bedrock invokes)."""
        return self.function.function_arn

    def metric_errors(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Invocations that raised (the handler answers expected failures itself, so these are bugs)."""
        return self.function.metric_errors(**props)

    def metric_throttles(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Invocations refused because the reserved concurrency was exhausted."""
        return self.function.metric_throttles(**props)

    def metric_duration(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """How long invocations take; the agent waits for every call."""
        return self.function.metric_duration(**props)

    def metric_invocations(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """How often the agent calls the action group."""
        return self.function.metric_invocations(**props)

    def _suppress_invocation_rules(self, cfn_function: lambda_.CfnFunction, reserved_concurrency: int | None) -> None:
        synchronous = (
            "Bedrock Agents (action groups) and AgentCore gateways (Lambda targets) invoke these functions "
            "synchronously (RequestResponse) and return the error to the agent; a dead-letter queue only receives "
            "failed asynchronous invocations, so it would stay empty"
        )
        suppress(cfn_function, ["HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ", "Serverless-LambdaDLQ"],
                 synchronous)
        suppress(
            cfn_function,
            ["HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC"],
            "The function only calls AWS APIs (DynamoDB, CloudWatch Logs, X-Ray) over TLS with IAM authorization and "
            "reaches no private network resource; a VPC would add NAT or endpoint cost without isolating anything",
        )
        if reserved_concurrency is None:
            # Only HIPAA and NIST 800-53 R5 carry LambdaConcurrency (cdk-nag 2.38); it is a
            # resource-level rule with no finding ids, so ``applies_to`` does not apply.
            suppress(
                cfn_function,
                ["HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency"],
                "No reserved concurrency by default: Lambda refuses a reservation that leaves the account's "
                "unreserved concurrency below 100 (Lambda guide 'Configuring reserved concurrency'), which fails "
                "deploys on new accounts with a quota of 10-50; the function shares the unreserved pool until "
                "reserved_concurrency is set in the configuration",
            )


def _check_code(code_path: str, handler: str, *, python: bool = True) -> Path:
    directory = Path(code_path)
    if not directory.is_dir():
        raise PlatformValidationError("code_path", code_path, f"is not a directory (cwd {Path.cwd()})")
    if not python or is_token(handler):
        return directory.resolve()
    check_pattern("handler", handler, _HANDLER, "'<module>.<function>', e.g. 'handler.lambda_handler'")
    module = handler.split(".")[0]
    if not (directory / f"{module}.py").is_file():
        raise PlatformValidationError("handler", handler, f"names module {module}.py, which is not in {code_path}")
    return directory.resolve()


def _environment(service: str | None, namespace: str, extra: Mapping[str, str], *, powertools: bool = True) -> dict[str, str]:
    for key in extra:
        if re.fullmatch(_ENV_KEY, key) is None or key.startswith("AWS_") or key == "_HANDLER":
            raise PlatformValidationError(
                f"environment.{key}", key, "is not a valid Lambda variable name (letters, digits, '_'; not AWS_*)"
            )
    if not powertools:
        return dict(extra)
    return {
        **({"POWERTOOLS_SERVICE_NAME": service} if service is not None else {}),
        "POWERTOOLS_METRICS_NAMESPACE": namespace,
        "POWERTOOLS_LOG_LEVEL": "INFO",
        # Action-group responses and errors carry customers' data: Tracer must not copy them into X-Ray
        # metadata (it does by default). https://docs.powertools.aws.dev/lambda/python/latest/core/tracer/
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
        **extra,
    }


_DEPRECATED = {"ActionGroupFunction": "ActionGroupLambda"}


def __getattr__(name: str) -> Any:
    """Deprecated names (one release): ``ActionGroupFunction`` is :class:`ActionGroupLambda`."""
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(f"{name} is deprecated, use {new}", DeprecationWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
