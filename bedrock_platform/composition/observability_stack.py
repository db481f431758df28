"""The account-level observability stack: invocation logging, token metering, alarms and dashboard.

Budgets and Cost Anomaly Detection are homed in us-east-1 and live in their own stack
(:mod:`bedrock_platform.composition.cost_stack`); :func:`add_observability` adds both to an app from config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import App, CfnOutput, Duration, Environment, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.composition.agentcore_log_sharing import AgentCoreLogParameters, share_log_destination
from bedrock_platform.composition.cost_stack import CostControlsStack, removal_policy_for_logs
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules
from bedrock_platform.observability.agentcore_log_destination import AgentCoreLogDestination
from bedrock_platform.observability.agentcore_wiring import AgentCoreObservability
from bedrock_platform.observability.alert_topic import AlertTopic
from bedrock_platform.observability.invocation_logging import ModelInvocationLogging
from bedrock_platform.observability.monitoring_targets import (
    MonitoredAgent,
    MonitoredAgentCoreAgent,
    MonitoredGateway,
    MonitoredGuardrail,
)
from bedrock_platform.observability.platform_alarms import PlatformAlarms, alarm_name
from bedrock_platform.observability.platform_dashboard import PlatformDashboard
from bedrock_platform.observability.token_metering import TokenMetering, TokenMetrics
from bedrock_platform.observability.turn_cost import TurnCostMonitoring


class ObservabilityStack(Stack):
    """Logging, metering, alarms and the dashboard for the account and region it is deployed to.

    Outputs: ``AlertTopicArn``, ``DashboardUrl`` (when the dashboard is on) and, when this
    app owns logging, ``InvocationLogGroupName`` and ``InvocationLogBucketName``.

    AgentCore: with agents or gateways to watch, or ``agentcore_log_destination=True``, the stack
    holds the platform's one shared AgentCore log destination (:attr:`agentcore_log_destination`)
    and writes its ARNs to the SSM parameters named in :attr:`agentcore_log_parameters`
    (``/<platform>/agentcore/log-destination-arn``, with tracing ``.../trace-destination-arn``),
    which tenant stacks read (:func:`~bedrock_platform.composition.agentcore_log_sharing.deliver_agentcore_logs`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        monitored_agents: Sequence[MonitoredAgent] = (),
        monitored_guardrails: Sequence[MonitoredGuardrail] = (),
        ingestion_dead_letter_queue_name: str | None = None,
        agentcore_agents: Sequence[MonitoredAgentCoreAgent] = (),
        agentcore_gateways: Sequence[MonitoredGateway] = (),
        agentcore_tracing: bool | None = None,
        agentcore_log_destination: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        obs = config.observability
        removal = removal_policy_for_logs(config)

        self.alert_topic = AlertTopic(
            self, "Alerts", display_name=f"{config.name} Bedrock alerts", emails=obs.alarms.emails, removal_policy=removal
        )
        CfnOutput(self, "AlertTopicArn", value=self.alert_topic.topic_arn, description="SNS topic of every platform alarm")

        self.invocation_logging: ModelInvocationLogging | None = None
        log_group: logs.ILogGroup | None = None
        if obs.logging.enabled:
            self.invocation_logging = ModelInvocationLogging(
                self, "InvocationLogging", **obs.logging.construct_props(), removal_policy=removal
            )
            log_group = self.invocation_logging.log_group
            CfnOutput(self, "InvocationLogGroupName", value=log_group.log_group_name)
            CfnOutput(self, "InvocationLogBucketName", value=self.invocation_logging.bucket.bucket_name)
        elif obs.logging.existing_log_group_name:
            log_group = logs.LogGroup.from_log_group_name(self, "SharedInvocationLogs", obs.logging.existing_log_group_name)

        self.metrics = TokenMetrics(obs.metering.namespace)
        self.metering: TokenMetering | None = None
        if obs.metering.enabled and log_group is not None:
            self.metering = TokenMetering(
                self, "TokenMetering", log_group=log_group, namespace=obs.metering.namespace, models=obs.model_prices()
            )

        self.alarms: PlatformAlarms | None = None
        if obs.alarms.enabled:
            self.alarms = PlatformAlarms(
                self,
                "Alarms",
                models=obs.model_prices(),
                callers=obs.alarms.monitored_callers(),
                thresholds=obs.alarms.thresholds(),
                metrics=self.metrics,
                topic=self.alert_topic.topic,
                name_prefix=config.name,
                agents=monitored_agents,
                guardrails=monitored_guardrails,
            )

        # The knowledge stack deploys first and shares its dead-letter queue's name (SSM parameter).
        self.ingestion_alarm: cloudwatch.Alarm | None = None
        if ingestion_dead_letter_queue_name is not None and self.alarms is not None:
            self.ingestion_alarm = IngestionSchedules.dead_letter_alarm(
                self,
                "IngestionDeadLetterAlarm",
                queue_name=ingestion_dead_letter_queue_name,
                topic=self.alert_topic.topic,
                alarm_name=alarm_name(config.name, "ingestion-dead-letters"),
            )

        self.dashboard: PlatformDashboard | None = None
        if obs.dashboard.enabled:
            self.dashboard = PlatformDashboard(
                self,
                "Dashboard",
                dashboard_name=f"{config.name}-bedrock",
                metrics=self.metrics,
                models=obs.model_prices(),
                callers=obs.alarms.monitored_callers(),
                agents=monitored_agents,
                guardrails=monitored_guardrails,
                alarms=[*self.alarms.alarms.values(), *filter(None, [self.ingestion_alarm])] if self.alarms else (),
                log_group_name=log_group.log_group_name if log_group is not None else None,
            )
            CfnOutput(self, "DashboardUrl", value=self.dashboard.url, description="CloudWatch dashboard of the platform")

        # AgentCore agents and gateways (nothing is added when none are passed and no destination is
        # asked for); tracing defaults to prod. One shared log destination, its ARNs in SSM.
        self.agentcore: AgentCoreObservability | None = None
        self.agentcore_log_destination: AgentCoreLogDestination | None = None
        self.agentcore_log_parameters: AgentCoreLogParameters | None = None
        if agentcore_agents or agentcore_gateways or agentcore_log_destination:
            self.agentcore = AgentCoreObservability(
                self, "AgentCore", name_prefix=config.name, agents=agentcore_agents, gateways=agentcore_gateways,
                tracing=config.is_prod if agentcore_tracing is None else agentcore_tracing,
                retention=obs.logging.log_retention_days, removal_policy=removal,
                alarm_topic=self.alert_topic.topic if obs.alarms.enabled else None,
                token_namespace=obs.metering.namespace if obs.metering.enabled else None,
            )
            self.agentcore_log_destination = self.agentcore.destination
            self.agentcore_log_parameters = share_log_destination(self.agentcore.destination, config.name)
            if self.dashboard is not None and self.agentcore.monitoring is not None:
                self.dashboard.dashboard.add_widgets(*self.agentcore.monitoring.widgets)

        # Whole-turn cost of the front door (its EMF metrics): hidden burn and cap hits.
        self.turn_cost: TurnCostMonitoring | None = None
        if config.front_door.enabled:
            door = config.front_door
            self.turn_cost = TurnCostMonitoring(
                self, "TurnCost", agents=[door.agent or "direct"], hidden_burn_ratio=door.alarms.hidden_burn_ratio,
                cap_hit_percent=door.alarms.cap_hit_percent, period=Duration.minutes(door.alarms.period_minutes),
                alarm_topic=self.alert_topic.topic if obs.alarms.enabled else None, alarm_name_prefix=config.name,
            )  # fmt: skip
            if self.dashboard is not None:
                self.dashboard.dashboard.add_widgets(*self.turn_cost.widgets)


@dataclass
class ObservabilityStacks:
    observability: ObservabilityStack | None
    cost_controls: CostControlsStack | None


def add_observability(
    app: App,
    config: PlatformConfig,
    *,
    env: Environment | None = None,
    monitored_agents: Sequence[MonitoredAgent] = (),
    monitored_guardrails: Sequence[MonitoredGuardrail] = (),
    ingestion_dead_letter_queue_name: str | None = None,
    agentcore_agents: Sequence[MonitoredAgentCoreAgent] = (),
    agentcore_gateways: Sequence[MonitoredGateway] = (),
    agentcore_log_destination: bool = False,
) -> ObservabilityStacks:
    """Add the observability stack (in ``env``) and the us-east-1 cost stack, as configured."""
    obs = config.observability
    if not obs.enabled:
        return ObservabilityStacks(None, None)
    observability = ObservabilityStack(
        app,
        "Observability",
        config=config,
        monitored_agents=monitored_agents,
        monitored_guardrails=monitored_guardrails,
        ingestion_dead_letter_queue_name=ingestion_dead_letter_queue_name,
        agentcore_agents=agentcore_agents,
        agentcore_gateways=agentcore_gateways,
        agentcore_log_destination=agentcore_log_destination,
        env=env,
        stack_name=f"{config.name}-observability",
        description="Bedrock platform: model invocation logging, token metering, alarms and dashboard",
    )
    cost = None
    if obs.budgets.enabled or obs.anomaly_detection.enabled:
        account = env.account if env is not None else None
        cost = CostControlsStack(
            app,
            "CostControls",
            config=config,
            env=Environment(account=account, region="us-east-1"),
            stack_name=f"{config.name}-cost",
            description="Bedrock platform: budgets and cost anomaly detection (us-east-1, account-level)",
        )
    return ObservabilityStacks(observability, cost)
