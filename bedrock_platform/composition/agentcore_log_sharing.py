"""The shared AgentCore log destination between stacks: SSM parameters written once, deliveries from any stack.

The observability stack owns the platform's one :class:`AgentCoreLogDestination` and writes its
delivery destination ARNs to ``/<platform>/agentcore/log-destination-arn`` and (with tracing)
``/<platform>/agentcore/trace-destination-arn``. A tenant stack in the same account and Region
reads them at deploy time (never a CloudFormation export, which could not change while imported)
and adds only ``DeliverySource`` + ``Delivery`` per log type: no log group and no account-level
resource policy per tenant. Vended log delivery is same-account here, so tenant stacks in other
accounts need their own destination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from bedrock_platform.config.construct_ids import shared_parameter_id
from bedrock_platform.observability.agentcore_log_destination import (
    AgentCoreLogDeliveries,
    AgentCoreLogDestination,
    AgentCoreLogResource,
)
from bedrock_platform.observability.agentcore_logs import AgentCoreLogTargets

LOG_DESTINATION_PARAMETER_KEY = "agentcore/log-destination-arn"
TRACE_DESTINATION_PARAMETER_KEY = "agentcore/trace-destination-arn"


@dataclass(frozen=True)
class AgentCoreLogParameters:
    """Names of the SSM parameters holding the shared destination ARNs (``trace_destination`` None without tracing)."""

    log_destination: str
    trace_destination: str | None = None

    @classmethod
    def of(cls, platform_name: str, *, tracing: bool) -> AgentCoreLogParameters:
        """``/<platform>/agentcore/log-destination-arn`` and, with ``tracing``, the trace one."""
        return cls(
            f"/{platform_name}/{LOG_DESTINATION_PARAMETER_KEY}",
            f"/{platform_name}/{TRACE_DESTINATION_PARAMETER_KEY}" if tracing else None,
        )

    def read(self, scope: Construct) -> AgentCoreLogTargets:
        """The destination ARNs as deploy-time values of ``scope``'s stack (``AWS::SSM::Parameter::Value`` parameters)."""
        return AgentCoreLogTargets(
            ssm.StringParameter.value_for_string_parameter(scope, self.log_destination),
            ssm.StringParameter.value_for_string_parameter(scope, self.trace_destination)
            if self.trace_destination is not None else None,
        )  # fmt: skip


def share_log_destination(destination: AgentCoreLogDestination, platform_name: str) -> AgentCoreLogParameters:
    """Write ``destination``'s ARNs to the platform's SSM parameters, in its own stack; returns their names."""
    stack = Stack.of(destination)
    names = AgentCoreLogParameters.of(platform_name, tracing=destination.trace_destination is not None)
    written = [(LOG_DESTINATION_PARAMETER_KEY, names.log_destination, destination.targets.log_destination_arn)]
    if names.trace_destination is not None:
        assert destination.targets.trace_destination_arn is not None
        written.append((TRACE_DESTINATION_PARAMETER_KEY, names.trace_destination, destination.targets.trace_destination_arn))
    for key, name, value in written:
        ssm.StringParameter(stack, shared_parameter_id(key), parameter_name=name, string_value=value,
                            description="Read at deploy time: AgentCore log deliveries of other stacks point here")  # fmt: skip
    return names


def deliver_agentcore_logs(
    scope: Construct,
    construct_id: str,
    *,
    platform_name: str,
    name_prefix: str,
    resources: Sequence[AgentCoreLogResource | tuple[str, str]],
    tracing: bool = False,
    producer: Stack | None = None,
) -> AgentCoreLogDeliveries:
    """Deliver the logs of ``resources`` (``(resource_arn, resource_type)`` pairs or named resources) to the platform's destination.

    For a stack other than the observability stack, same account and Region: the destination ARNs
    come from the platform's SSM parameters; ``producer`` (the stack writing them) is made a
    dependency. A pair gets the name ``<type><n>`` (its position among that type): name the
    resources (:class:`AgentCoreLogResource`) to keep construct ids stable when the list changes.
    ``tracing`` needs the platform's destination to have been created with tracing.

    Example::

        deliver_agentcore_logs(tenant_stack, "AgentCoreLogs", platform_name="acme", name_prefix="acme-retail",
                               resources=[(harness_arn, "harness"), (gateway_arn, "gateway"), (memory_arn, "memory")],
                               producer=observability_stack)
    """
    named: list[AgentCoreLogResource] = []
    counts: dict[str, int] = {}
    for resource in resources:
        if isinstance(resource, tuple):
            arn, resource_type = resource
            counts[resource_type] = counts.get(resource_type, 0) + 1
            resource = AgentCoreLogResource(f"{resource_type}{counts[resource_type]}", arn, resource_type)
        named.append(resource)
    targets = AgentCoreLogParameters.of(platform_name, tracing=tracing).read(scope)
    deliveries = AgentCoreLogDeliveries(scope, construct_id, name_prefix=name_prefix, targets=targets, resources=named,
                                        tracing=tracing)  # fmt: skip
    if producer is not None:
        Stack.of(scope).add_stack_dependency(producer, "reads the AgentCore log destination ARNs from SSM")
    return deliveries
