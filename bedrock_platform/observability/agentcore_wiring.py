"""Everything the observability stack adds for AgentCore: one shared log destination, deliveries, alarms, widgets.

Tracing (``TRACES`` to X-Ray) is a choice: the stack turns it on in prod and off in dev. Traces
land as spans in CloudWatch (Transaction Search, billed per GB ingested) and every harness step
is a span, so dev accounts would pay for traces nobody reads; in prod they are what explains a
slow or failed turn (model call, tool call, memory) after the fact.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from bedrock_platform.core.log_groups import allow_cloudwatch_logs
from bedrock_platform.observability.agentcore_log_destination import AgentCoreLogDestination
from bedrock_platform.observability.agentcore_logs import AgentCoreLogSources, allow_vended_log_delivery
from bedrock_platform.observability.agentcore_monitoring import AgentCoreMonitoring, AgentCoreThresholds
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent, MonitoredGateway


class AgentCoreObservability(Construct):
    """One shared :class:`AgentCoreLogDestination`, each agent's and gateway's deliveries to it, :class:`AgentCoreMonitoring`.

    ``destination`` is the platform's one log group / resource policy / delivery destinations
    (stacks of tenants deliver to it by ARN); ``deliveries`` maps ``agent:<name>`` /
    ``gateway:<name>`` to each :class:`AgentCoreLogSources`. ``monitoring`` is None without an
    ``alarm_topic`` or without agents and gateways.

    Example::

        AgentCoreObservability(self, "AgentCore", name_prefix="acme", agents=[support], gateways=[tools],
                               tracing=True, retention=90, alarm_topic=alerts.topic, token_namespace="Acme")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        agents: Sequence[MonitoredAgentCoreAgent] = (),
        gateways: Sequence[MonitoredGateway] = (),
        tracing: bool = False,
        retention: int = 30,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        alarm_topic: sns.ITopic | None = None,
        thresholds: AgentCoreThresholds | None = None,
        token_namespace: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self, "LogKey", description=f"Encrypts the AgentCore application and usage logs of {name_prefix}",
            enable_key_rotation=True, removal_policy=removal_policy,
        )
        allow_cloudwatch_logs(self.key)
        allow_vended_log_delivery(self.key)
        self.destination = AgentCoreLogDestination(
            self, "Logs", name_prefix=name_prefix[:32], tracing=tracing, retention=retention, encryption_key=self.key,
            removal_policy=removal_policy,
        )  # fmt: skip
        self.deliveries: dict[str, AgentCoreLogSources] = {}
        targets = [(f"agent:{a.name}", a.resource_arn, a.resource_type) for a in agents]
        targets += [(f"gateway:{g.name}", g.gateway_arn, "gateway") for g in gateways]
        for key, arn, resource_type in targets:
            kind, _, name = key.partition(":")
            # Construct ids as when each resource had its own log group: the sources keep their
            # logical ids and names (AWS allows one source per resource and log type).
            self.deliveries[key] = self.destination.deliver(
                self, f"{kind.title()}{name}Logs", resource_arn=arn, resource_type=resource_type,
                name_prefix=f"{name_prefix}-{name}"[:32],
            )
        self.monitoring: AgentCoreMonitoring | None = None
        if alarm_topic is not None and targets:
            self.monitoring = AgentCoreMonitoring(
                self, "Monitoring", name_prefix=name_prefix, alarm_topic=alarm_topic, agents=agents,
                gateways=gateways, thresholds=thresholds, token_namespace=token_namespace,
            )
