"""Vended log delivery for AgentCore resources: application and usage logs to an encrypted log group, traces to X-Ray.

:class:`AgentCoreLogSources` is the per-resource part (sources and deliveries to destinations given
by ARN); :class:`AgentCoreLogDelivery` bundles a destination of its own for a handful of resources.

AgentCore does not write harness, gateway or memory logs to a log group of its own accord: the
owner sets up a CloudWatch Logs *vended log delivery* (``AWS::Logs::DeliverySource`` on the
resource ARN, one per log type -> ``AWS::Logs::DeliveryDestination`` -> ``AWS::Logs::Delivery``;
CloudWatch Logs User Guide, "Logging that requires additional permissions [V2]"). Sources:

* Log types per resource type (:data:`LOG_TYPES`): the AgentCore Developer Guide,
  "Add observability to your Amazon Bedrock AgentCore resources" (observability-configure), enables
  ``APPLICATION_LOGS`` and ``TRACES`` deliveries for runtime, memory, gateway and built-in tools;
  ``USAGE_LOGS`` (per-session resource usage) for the runtime ("AgentCore generated runtime
  observability data", section "Resource usage metrics and logs"). For a harness the three types
  ``APPLICATION_LOGS``, ``USAGE_LOGS``, ``TRACES`` are those recorded against the live API in
  aws/agent-toolkit-for-aws (harness skill, "Observability"). A harness runs on a runtime it creates
  (``runtime/harness_<name>-<id>``), hence the same log types as a runtime.
* ``DeliverySource.LogType``/``Name`` (1-60, ``[\\w-]``), ``DeliveryDestination.DeliveryDestinationType``
  (``CWL`` | ``S3`` | ``FH`` | ``XRAY``; an X-Ray destination has no resource ARN), ``Delivery``
  (``DeliverySourceName`` is a plain name: CloudFormation does not order it after the source, so
  the delivery depends on it explicitly): cfn-lint schemas of the three types.
* Log group resource policy: "Logs sent to CloudWatch Logs" (V2): the destination log group must let
  ``delivery.logs.amazonaws.com`` ``logs:CreateLogStream`` + ``logs:PutLogEvents`` on its streams,
  with ``aws:SourceAccount`` = this account and ``aws:SourceArn`` like ``arn:...:logs:REGION:ACCOUNT:*``.
  ``CreateDelivery`` only writes that policy itself when its caller may ``logs:PutResourcePolicy``;
  the destination declares it (``AWS::Logs::ResourcePolicy``) so deployment does not depend on
  the deploying role. It is an ACCOUNT-level policy ("An account can have a maximum of 10
  policies without resourceARN", PutResourcePolicy, botocore logs service-2.json): hence one
  shared destination per platform (:mod:`bedrock_platform.observability.agentcore_log_destination`)
  and, per resource, only :class:`AgentCoreLogSources`.
* X-Ray: "Traces sent to X-Ray" (V2): AWS creates one X-Ray resource policy per AgentCore resource
  type when the deploying principal has ``xray:PutResourcePolicy`` + ``xray:ListResourcePolicies``;
  CloudWatch Transaction Search must be enabled once per account (observability-configure). Neither
  has a CloudFormation property here, so both stay prerequisites (README).
* Key policy: the log group is encrypted by CloudWatch Logs (``logs.REGION.amazonaws.com``, encryption
  context ``aws:logs:arn``; :func:`bedrock_platform.core.log_groups.allow_cloudwatch_logs`). The vended
  delivery service gets ``kms:GenerateDataKey``/``kms:Decrypt`` for delivery sources of this account
  (:func:`allow_vended_log_delivery`), as AWS's Modern Data Architecture Accelerator wires its
  CMK-encrypted AgentCore gateway deliveries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IDependable

from bedrock_platform.core.log_groups import allow_cloudwatch_logs, retention_days
from bedrock_platform.core.service_principals import source_conditions
from bedrock_platform.core.validation import PlatformValidationError, check_choice

APPLICATION_LOGS = "APPLICATION_LOGS"
USAGE_LOGS = "USAGE_LOGS"
TRACES = "TRACES"
# Resource type (the ARN's resource part before "/") -> log types it delivers to CloudWatch Logs.
LOG_TYPES: dict[str, tuple[str, ...]] = {
    "harness": (APPLICATION_LOGS, USAGE_LOGS),
    "runtime": (APPLICATION_LOGS, USAGE_LOGS),
    "gateway": (APPLICATION_LOGS,),
    "memory": (APPLICATION_LOGS,),
}
DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
MAX_DELIVERY_NAME = 60
_ARN = re.compile(r"^arn:[\w-]+:bedrock-agentcore:[\w-]+:\d{12}:(?P<type>[a-z-]+)/.+$")
_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_SHORT = {APPLICATION_LOGS: "app", USAGE_LOGS: "usage", TRACES: "traces"}


def resource_type_of(resource_arn: str) -> str | None:
    """``harness`` / ``runtime`` / ``gateway`` / ``memory`` of a resolved AgentCore ARN (None for a token)."""
    if Token.is_unresolved(resource_arn):
        return None
    found = _ARN.match(resource_arn)
    if not found:
        raise PlatformValidationError(
            "resource_arn", resource_arn, "is not an AgentCore ARN (arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:TYPE/ID)"
        )
    return found.group("type")


def allow_vended_log_delivery(key: kms.IKey) -> None:
    """Let the vended-log delivery service use ``key`` for delivery sources of this account and region only."""
    stack = Stack.of(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowVendedLogDeliveryFromThisAccount",
            principals=[iam.ServicePrincipal(DELIVERY_SERVICE)],
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=["*"],  # in a key policy, "*" means this key
            conditions=source_conditions(
                key,
                stack.format_arn(service="logs", resource="delivery-source", resource_name="*",
                                 arn_format=ArnFormat.COLON_RESOURCE_NAME),
            ),
        )
    )


@dataclass(frozen=True)
class AgentCoreLogTargets:
    """The delivery destinations AgentCore deliveries point at, by ARN (tokens allowed, e.g. SSM parameters).

    ``log_destination_arn``: a ``CWL`` delivery destination (application and usage logs);
    ``trace_destination_arn``: an ``XRAY`` one, or None when traces are not delivered. A delivery
    names its destination by ARN only, so the destination may live in another stack of the same
    account and Region (CreateDelivery: "You can also create multiple deliveries to configure
    multiple delivery sources to send logs to the same delivery destination", botocore logs
    service-2.json).
    """

    log_destination_arn: str
    trace_destination_arn: str | None = None


class AgentCoreLogSources(Construct):
    """The per-resource half of vended log delivery: one ``DeliverySource`` + ``Delivery`` per log type.

    Creates no log group, resource policy or destination: the deliveries point at ``targets`` (a
    shared :class:`~bedrock_platform.observability.agentcore_log_destination.AgentCoreLogDestination`,
    here or in another stack of the same account and Region). ``resource_arn`` may be a token; then
    ``resource_type`` must say what it is. ``log_types`` defaults to every type :data:`LOG_TYPES`
    lists for it; ``tracing`` adds ``TRACES`` to ``targets.trace_destination_arn``.
    ``after``: what the first delivery waits for (the previous resource's last delivery: AWS
    answers ``ConflictException`` to concurrent delivery changes on one destination);
    ``log_dependencies``: what the log deliveries wait for (the destination's resource policy).

    Example::

        AgentCoreLogSources(self, "SupportLogs", resource_arn=harness_arn, resource_type="harness",
                            name_prefix="acme-support", targets=AgentCoreLogTargets(log_arn, trace_arn),
                            tracing=True)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_arn: str,
        name_prefix: str,
        targets: AgentCoreLogTargets,
        resource_type: str | None = None,
        log_types: Sequence[str] | None = None,
        tracing: bool = False,
        after: Sequence[IDependable] = (),
        log_dependencies: Sequence[IDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.resource_arn = resource_arn
        self.resource_type = _check_resource_type(resource_arn, resource_type)
        self.log_types = _check_log_types(self.resource_type, log_types)
        if tracing and targets.trace_destination_arn is None:
            raise PlatformValidationError("tracing", True, "needs targets.trace_destination_arn (an XRAY delivery destination)")
        self._prefix = unique_prefix(self, name_prefix)
        self.sources, self.deliveries = _add_deliveries(
            self, self._prefix, resource_arn, self.log_types, targets, tracing=tracing, after=after,
            log_dependencies=log_dependencies,
        )  # fmt: skip

    @property
    def last_delivery(self) -> logs.CfnDelivery:
        """The delivery created last (the next resource's deliveries on the same destination wait for it)."""
        return list(self.deliveries.values())[-1]


class AgentCoreLogDelivery(Construct):
    """One AgentCore resource's logs to a log group of its own, with its own resource policy and destinations.

    Self-contained, but each instance adds one ``AWS::Logs::ResourcePolicy``, an ACCOUNT-level
    policy of which CloudWatch Logs allows 10 per account and Region ("An account can have a
    maximum of 10 policies without resourceARN", PutResourcePolicy, botocore logs service-2.json):
    use it for a handful of resources at most. A platform with many AgentCore resources uses one
    shared :class:`~bedrock_platform.observability.agentcore_log_destination.AgentCoreLogDestination`
    and an :class:`AgentCoreLogSources` per resource instead.

    ``resource_arn`` may be an unresolved token (e.g. an SSM parameter); then ``resource_type``
    must say what it is. ``log_types`` defaults to every type :data:`LOG_TYPES` lists for it.
    ``encryption_key`` must already allow CloudWatch Logs and the delivery service
    (:func:`allow_cloudwatch_logs`, :func:`allow_vended_log_delivery`); without one the construct
    creates a rotating key that does.

    Example::

        AgentCoreLogDelivery(self, "SupportLogs", resource_arn=harness_arn, resource_type="harness",
                             name_prefix="acme-support", tracing=True, retention=90)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_arn: str,
        name_prefix: str,
        resource_type: str | None = None,
        log_types: Sequence[str] | None = None,
        tracing: bool = False,
        retention: int = 30,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.resource_type = _check_resource_type(resource_arn, resource_type)
        self.log_types = _check_log_types(self.resource_type, log_types)
        self._prefix = unique_prefix(self, name_prefix)
        if encryption_key is None:
            encryption_key = kms.Key(
                self, "Key", description=f"Encrypts the AgentCore {self.resource_type} logs of {name_prefix}",
                enable_key_rotation=True, removal_policy=removal_policy,
            )
            allow_cloudwatch_logs(encryption_key)
            allow_vended_log_delivery(encryption_key)
        self.key = encryption_key
        parts = DestinationParts(self, self._prefix, retention=retention, encryption_key=encryption_key,
                                 removal_policy=removal_policy, tracing=tracing)
        self.log_group, self.log_group_arn = parts.log_group, parts.log_group_arn
        self.resource_policy, self.log_destination = parts.resource_policy, parts.log_destination
        self.trace_destination = parts.trace_destination
        self.sources, self.deliveries = _add_deliveries(
            self, self._prefix, resource_arn, self.log_types, parts.targets, tracing=tracing,
            log_dependencies=[self.resource_policy],
        )  # fmt: skip

    def write_policy(self, stack: Stack) -> dict:
        """The log group resource policy "Logs sent to CloudWatch Logs" documents, for this log group only."""
        return delivery_write_policy(self, self.log_group_arn)


class DestinationParts:
    """The destination resources, created under ``scope`` with the construct ids both log constructs share.

    ``LogGroup`` (KMS, retention), ``DeliveryWrite`` (the log group resource policy),
    ``LogDestination`` (``CWL``) and, with ``tracing``, ``TraceDestination`` (``XRAY``).
    """

    def __init__(
        self,
        scope: Construct,
        prefix: str,
        *,
        retention: int,
        encryption_key: kms.IKey,
        removal_policy: RemovalPolicy,
        tracing: bool,
    ) -> None:
        stack = Stack.of(scope)
        self.log_group = logs.LogGroup(
            scope, "LogGroup", encryption_key=encryption_key, retention=retention_days(retention, "retention"),
            removal_policy=removal_policy,
        )
        # The ARN of the log group without the ":*" the LogGroup Arn attribute carries.
        self.log_group_arn = stack.format_arn(
            service="logs", resource="log-group", resource_name=self.log_group.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.resource_policy = logs.CfnResourcePolicy(
            scope, "DeliveryWrite", policy_name=_name(prefix, "write"),
            policy_document=stack.to_json_string(delivery_write_policy(scope, self.log_group_arn)),
        )
        self.log_destination = logs.CfnDeliveryDestination(
            scope, "LogDestination", name=_name(prefix, "logs"), delivery_destination_type="CWL",
            destination_resource_arn=self.log_group_arn,
        )
        self.trace_destination: logs.CfnDeliveryDestination | None = None
        if tracing:  # an X-Ray destination has no resource ARN
            self.trace_destination = logs.CfnDeliveryDestination(
                scope, "TraceDestination", name=_name(prefix, "xray"), delivery_destination_type="XRAY"
            )
        self.targets = AgentCoreLogTargets(
            self.log_destination.attr_arn,
            self.trace_destination.attr_arn if self.trace_destination is not None else None,
        )


def delivery_write_policy(scope: Construct, log_group_arn: str) -> dict:
    """The log group resource policy of "Logs sent to CloudWatch Logs" (V2), for ``log_group_arn``'s streams only."""
    stack = Stack.of(scope)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSLogDeliveryWrite",
                "Effect": "Allow",
                "Principal": {"Service": DELIVERY_SERVICE},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:log-stream:*",
                "Condition": source_conditions(
                    scope, stack.format_arn(service="logs", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME)
                ),
            }
        ],
    }


def unique_prefix(scope: Construct, name_prefix: str) -> str:
    """``name_prefix`` plus a fingerprint of the construct path: names unique in the account and Region."""
    if not _PREFIX.match(name_prefix):
        raise PlatformValidationError("name_prefix", name_prefix, "must be 1-32 letters, digits, '_' or '-'")
    return f"{name_prefix}-{hashlib.sha256(scope.node.path.encode()).hexdigest()[:8]}"


def _name(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}"[:MAX_DELIVERY_NAME]


def _add_deliveries(
    scope: Construct,
    prefix: str,
    resource_arn: str,
    log_types: Sequence[str],
    targets: AgentCoreLogTargets,
    *,
    tracing: bool,
    after: Sequence[IDependable] = (),
    log_dependencies: Sequence[IDependable] = (),
) -> tuple[dict[str, logs.CfnDeliverySource], dict[str, logs.CfnDelivery]]:
    """A source and a delivery per log type (and ``TRACES`` with ``tracing``), one after the other."""
    sources: dict[str, logs.CfnDeliverySource] = {}
    deliveries: dict[str, logs.CfnDelivery] = {}
    wanted = [(t, targets.log_destination_arn, log_dependencies) for t in log_types]
    if tracing:
        assert targets.trace_destination_arn is not None
        wanted.append((TRACES, targets.trace_destination_arn, ()))
    previous: Sequence[IDependable] = after
    for log_type, destination_arn, dependencies in wanted:
        short = _SHORT[log_type]
        source = logs.CfnDeliverySource(
            scope, f"{short.title()}Source", name=_name(prefix, short), log_type=log_type, resource_arn=resource_arn
        )
        delivery = logs.CfnDelivery(
            scope, f"{short.title()}Delivery", delivery_source_name=source.name,  # type: ignore[arg-type]
            delivery_destination_arn=destination_arn,
        )
        delivery.node.add_dependency(source, *dependencies, *previous)  # the source is referenced by name only
        sources[log_type], deliveries[log_type] = source, delivery
        previous = [delivery]  # one delivery at a time (same resource, same destination)
    return sources, deliveries


def _check_resource_type(resource_arn: str, resource_type: str | None) -> str:
    parsed = resource_type_of(resource_arn)
    if resource_type is None:
        if parsed is None:
            raise PlatformValidationError(
                "resource_type", None, f"is required when resource_arn is a token: one of {', '.join(LOG_TYPES)}"
            )
        resource_type = parsed
    check_choice("resource_type", resource_type, tuple(LOG_TYPES))
    if parsed is not None and parsed != resource_type:
        raise PlatformValidationError("resource_type", resource_type, f"does not match resource_arn ({parsed})")
    return resource_type


def _check_log_types(resource_type: str, log_types: Sequence[str] | None) -> tuple[str, ...]:
    supported = LOG_TYPES[resource_type]
    if log_types is None:
        return supported
    for index, log_type in enumerate(log_types):
        if log_type not in supported:
            raise PlatformValidationError(
                f"log_types[{index}]", log_type,
                f"is not a log type a {resource_type} delivers to CloudWatch Logs: {', '.join(supported)} "
                "(traces: tracing=True)",
            )
    if not log_types or len(set(log_types)) != len(log_types):
        raise PlatformValidationError("log_types", list(log_types), "must list distinct log types, at least one")
    return tuple(log_types)
