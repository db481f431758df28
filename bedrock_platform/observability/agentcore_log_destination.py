"""One vended-log destination per platform, shared by every AgentCore resource (harness, runtime, gateway, memory).

Why shared: a CloudWatch Logs destination log group needs a resource policy letting
``delivery.logs.amazonaws.com`` write its streams, and that ``AWS::Logs::ResourcePolicy`` is an
ACCOUNT-level policy: "An account can have a maximum of 10 policies without resourceARN"
(PutResourcePolicy, botocore ``logs/2014-03-28/service-2.json``; CloudFormation
``AWS::Logs::ResourcePolicy``: "An account can have up to 10 resource policies per AWS Region").
A policy per resource stops a platform at its 10th AgentCore resource. Here the platform has ONE
log group, ONE resource policy, ONE ``CWL`` and ONE ``XRAY`` delivery destination; each resource
adds only its ``DeliverySource`` + ``Delivery`` per log type (:class:`AgentCoreLogSources`),
which name the destination by ARN, so they may sit in other stacks of the same account and
Region (tenant stacks read the ARNs from SSM parameters). One destination may receive many
deliveries: "You can also create multiple deliveries to configure multiple delivery sources to
send logs to the same delivery destination" (CreateDelivery, same botocore model). Neither the
CloudFormation schemas (``AWS::Logs::Delivery``/``DeliverySource``/``DeliveryDestination``) nor
the API reference document a per-destination or per-account quota on deliveries or delivery
sources; AWS does refuse a second delivery source for the same resource and log type, and
concurrent delivery changes on one destination (``ConflictException``), hence the deliveries of
one stack are created one after the other (:meth:`AgentCoreLogDestination.deliver`).

Telling resources apart in the shared group: vended AgentCore log records carry the resource's
ARN in a top-level ``resource_arn`` field (with ``event_timestamp``, ``request_id``, ``body``;
records of runtimes, gateways and memories as captured in elastic/integrations
``packages/aws_bedrock_agentcore/data_stream/*_application_logs`` test logs), while the log
STREAM is named per resource type and log type, not per resource (``BedrockAgentCoreRuntime_ApplicationLogs``,
``BedrockAgentCoreGateway_ApplicationLogs``, ``BedrockAgentCoreMemory_ApplicationLogs`` in the
same package's sample events). So one harness's logs are ``filter resource_arn = '<harness ARN>'``
in Logs Insights (:func:`resource_logs_query`), never a stream or group name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.core.log_groups import allow_cloudwatch_logs
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.observability.agentcore_logs import (
    AgentCoreLogSources,
    AgentCoreLogTargets,
    DestinationParts,
    allow_vended_log_delivery,
    unique_prefix,
)


class AgentCoreLogDestination(Construct):
    """The platform's one AgentCore log group, log group resource policy and CWL / XRAY delivery destinations.

    ``tracing`` creates the ``XRAY`` destination too (traces need CloudWatch Transaction Search,
    enabled once per account). ``encryption_key`` must already allow CloudWatch Logs and the
    delivery service (:func:`allow_cloudwatch_logs`, :func:`allow_vended_log_delivery`); without one
    the construct creates a rotating key that does. :attr:`targets` holds the destination ARNs;
    :meth:`deliver` adds one resource's sources and deliveries in THIS stack; other stacks use
    :class:`AgentCoreLogSources` with the ARNs read from SSM parameters.

    Example::

        destination = AgentCoreLogDestination(self, "AgentCoreLogs", name_prefix="acme", tracing=True,
                                              retention=90)
        destination.deliver(self, "SupportLogs", resource_arn=harness_arn, resource_type="harness",
                            name_prefix="acme-support")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        tracing: bool = False,
        retention: int = 30,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self._prefix = unique_prefix(self, name_prefix)
        if encryption_key is None:
            encryption_key = kms.Key(
                self, "Key", description=f"Encrypts the AgentCore logs of {name_prefix}", enable_key_rotation=True,
                removal_policy=removal_policy,
            )
            allow_cloudwatch_logs(encryption_key)
            allow_vended_log_delivery(encryption_key)
        self.key = encryption_key
        parts = DestinationParts(self, self._prefix, retention=retention, encryption_key=encryption_key,
                                 removal_policy=removal_policy, tracing=tracing)
        self.log_group: logs.LogGroup = parts.log_group
        self.log_group_arn: str = parts.log_group_arn
        self.resource_policy: logs.CfnResourcePolicy = parts.resource_policy
        self.log_destination: logs.CfnDeliveryDestination = parts.log_destination
        self.trace_destination: logs.CfnDeliveryDestination | None = parts.trace_destination
        self.targets: AgentCoreLogTargets = parts.targets
        self.tracing = tracing
        self.sources: dict[str, AgentCoreLogSources] = {}
        self._last: dict[str, AgentCoreLogSources] = {}  # stack path -> its latest resource's deliveries

    def deliver(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_arn: str,
        name_prefix: str,
        resource_type: str | None = None,
        log_types: Sequence[str] | None = None,
        tracing: bool | None = None,
    ) -> AgentCoreLogSources:
        """Deliver one resource's logs (and traces, default: this destination's ``tracing``) here.

        ``scope`` must be in this destination's stack (another stack would import the ARNs through
        an export; there, build :class:`AgentCoreLogSources` on ARNs read from SSM parameters).
        The deliveries follow the resource policy and the previous resource's deliveries.
        """
        stack = Stack.of(scope)
        if stack.node.path != Stack.of(self).node.path:
            raise PlatformValidationError(
                "scope", scope.node.path,
                f"is not in the destination's stack ({Stack.of(self).node.path}): deliver() adds deliveries there only; "
                "another stack uses AgentCoreLogSources with the destination ARNs read from SSM parameters",
            )  # fmt: skip
        previous = self._last.get(stack.node.path)
        sources = AgentCoreLogSources(
            scope, construct_id, resource_arn=resource_arn, name_prefix=name_prefix, targets=self.targets,
            resource_type=resource_type, log_types=log_types, tracing=self.tracing if tracing is None else tracing,
            after=[previous.last_delivery] if previous is not None else [], log_dependencies=[self.resource_policy],
        )  # fmt: skip
        self._last[stack.node.path] = sources
        self.sources[sources.node.path] = sources
        return sources


@dataclass(frozen=True)
class AgentCoreLogResource:
    """An AgentCore resource whose logs go to the shared destination: ``name`` (construct id part), ARN, type.

    ``resource_type`` is ``harness``, ``runtime``, ``gateway`` or ``memory`` (required: the ARN is
    usually a token); ``log_types`` defaults to every type that resource type delivers.
    """

    name: str
    resource_arn: str
    resource_type: str
    log_types: tuple[str, ...] | None = None


class AgentCoreLogDeliveries(Construct):
    """Sources and deliveries of several AgentCore resources, in any stack, to a shared destination by ARN.

    For stacks other than the destination's (tenant stacks): ``targets`` holds the destination ARNs,
    typically read from the SSM parameters the destination's stack writes. Resources are delivered
    one after the other (concurrent delivery changes on one destination fail with
    ``ConflictException``). :attr:`resources` maps each ``name`` to its :class:`AgentCoreLogSources`.

    Example::

        AgentCoreLogDeliveries(self, "AgentCoreLogs", name_prefix="acme-retail", targets=targets, resources=[
            AgentCoreLogResource("assistant", harness_arn, "harness"),
            AgentCoreLogResource("assistant-tools", gateway_arn, "gateway"),
            AgentCoreLogResource("assistant-memory", memory_arn, "memory"),
        ])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        targets: AgentCoreLogTargets,
        resources: Sequence[AgentCoreLogResource],
        tracing: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.resources: dict[str, AgentCoreLogSources] = {}
        previous: AgentCoreLogSources | None = None
        for resource in resources:
            if resource.name in self.resources:
                raise PlatformValidationError("resources", resource.name, "is listed twice: names must be unique")
            previous = self.resources[resource.name] = AgentCoreLogSources(
                self, resource.name, resource_arn=resource.resource_arn, resource_type=resource.resource_type,
                name_prefix=f"{name_prefix}-{resource.name}"[:32], targets=targets, log_types=resource.log_types,
                tracing=tracing, after=[previous.last_delivery] if previous is not None else [],
            )  # fmt: skip


def resource_logs_query(resource_arn: str) -> str:
    """The Logs Insights query for one resource's records in the shared group (they carry ``resource_arn``).

    Example::

        resource_logs_query(harness_arn)  # run it on the platform's AgentCore log group
    """
    return (
        "fields @timestamp, @logStream, severityText, body\n"
        f"| filter resource_arn = '{resource_arn}'\n"
        "| sort @timestamp desc"
    )
