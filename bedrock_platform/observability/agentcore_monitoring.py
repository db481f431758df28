"""Alarms and dashboard widgets for AgentCore agents and gateways, from :mod:`agentcore_metrics` alone.

Every alarm notifies one topic and treats missing data as not breaching (no traffic is not an
incident). Alarms read Metrics Insights queries filtered on the resource ARN (one query per
alarm); the widgets graph the same metrics with SEARCH (percentiles) and the alarms' state.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.observability import agentcore_metrics as acm
from bedrock_platform.observability.agentcore_tokens import agent_token_series, check_searchable_role
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent, MonitoredGateway

GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
WIDTH, HALF, THIRD, HEIGHT = 24, 12, 8, 6
ONE_HOUR = Duration.hours(1)


@dataclass(frozen=True)
class AgentCoreThresholds:
    """Alarm thresholds, per 5 minutes unless the name says otherwise.

    ``agent_latency_ms``: slowest agent invocation in 2 of 3 periods; a harness turn is bounded
    by its ``TimeoutSeconds``, so set this below that bound. ``gateway_duration_ms``: slowest
    gateway request end to end (``Duration``, target time included).
    """

    system_errors: int = 5
    user_errors: int = 20
    throttles: int = 10
    agent_latency_ms: int = 120_000
    gateway_duration_ms: int = 30_000

    def check(self) -> None:
        """Raise :class:`PlatformValidationError` naming ``thresholds.<field>`` unless every threshold is a whole number >= 1."""
        for field in ("system_errors", "user_errors", "throttles", "agent_latency_ms", "gateway_duration_ms"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise PlatformValidationError(f"thresholds.{field}", value, "must be a whole number of at least 1")


class AgentCoreMonitoring(Construct):
    """Alarms (``alarms``, keyed like :class:`PlatformAlarms`) and widgets (``widgets``) for AgentCore agents and gateways.

    Alarm keys: ``agentcore-system-errors:<agent>``, ``agentcore-user-errors:<agent>``,
    ``agentcore-throttles:<agent>``, ``agentcore-latency:<agent>``, ``gateway-system-errors:<gateway>``,
    ``gateway-user-errors:<gateway>``, ``gateway-throttles:<gateway>``, ``gateway-duration:<gateway>``.
    With ``token_namespace`` (the token meter's namespace) a "Tokens per AgentCore agent" widget is added.

    Example::

        monitoring = AgentCoreMonitoring(self, "AgentCore", name_prefix="acme", alarm_topic=alerts.topic,
                                         agents=[MonitoredAgentCoreAgent("support", harness_arn, role_name)],
                                         gateways=[MonitoredGateway("tools", gateway_arn)],
                                         token_namespace="BedrockPlatform")
        dashboard.add_widgets(*monitoring.widgets)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        alarm_topic: sns.ITopic,
        agents: Sequence[MonitoredAgentCoreAgent] = (),
        gateways: Sequence[MonitoredGateway] = (),
        thresholds: AgentCoreThresholds | None = None,
        token_namespace: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        limits = thresholds or AgentCoreThresholds()
        limits.check()
        _check_names("agents", [a.name for a in agents])
        _check_names("gateways", [g.name for g in gateways])
        for index, agent in enumerate(agents):
            check_searchable_role(f"agents[{index}].execution_role_name", agent.execution_role_name)
        self._action = actions.SnsAction(alarm_topic)
        self._prefix = name_prefix
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self.widgets: list[cloudwatch.IWidget] = []

        for agent in agents:
            name = agent.name
            self._add(f"agentcore-system-errors:{name}", acm.metric_agent(agent, "system_errors"), limits.system_errors,
                      f"AgentCore server-side errors (SystemErrors) of agent {name} in 5 minutes.")
            self._add(f"agentcore-user-errors:{name}", acm.metric_agent(agent, "user_errors"), limits.user_errors,
                      f"AgentCore client-side errors (UserErrors: bad requests, missing permissions) of agent {name} "
                      "in 5 minutes.")
            self._add(f"agentcore-throttles:{name}", acm.metric_agent(agent, "throttles"), limits.throttles,
                      f"AgentCore throttled invocations (Throttles) of agent {name} in 5 minutes (quota reached?).")
            self._add(f"agentcore-latency:{name}", acm.metric_agent(agent, "latency", function="MAX"),
                      limits.agent_latency_ms,
                      f"The slowest invocation (Latency, ms) of agent {name} reached the threshold in 2 of 3 "
                      "five-minute periods.", evaluation_periods=3, datapoints_to_alarm=2)
        for gateway in gateways:
            name = gateway.name
            self._add(f"gateway-system-errors:{name}", acm.metric_gateway(gateway, "system_errors"),
                      limits.system_errors, f"AgentCore Gateway {name} answered 5xx (SystemErrors) in 5 minutes.")
            self._add(f"gateway-user-errors:{name}", acm.metric_gateway(gateway, "user_errors"), limits.user_errors,
                      f"AgentCore Gateway {name} answered 4xx other than 429 (UserErrors) in 5 minutes.")
            self._add(f"gateway-throttles:{name}", acm.metric_gateway(gateway, "throttles"), limits.throttles,
                      f"AgentCore Gateway {name} throttled requests (429) in 5 minutes.")
            self._add(f"gateway-duration:{name}", acm.metric_gateway(gateway, "duration", function="MAX"),
                      limits.gateway_duration_ms,
                      f"The slowest request (Duration, ms, target time included) of AgentCore Gateway {name} reached "
                      "the threshold in 2 of 3 five-minute periods.", evaluation_periods=3, datapoints_to_alarm=2)

        if self.alarms:
            self.widgets.append(cloudwatch.AlarmStatusWidget(
                title="AgentCore alarms", alarms=list(self.alarms.values()), width=WIDTH, height=HEIGHT))
        for agent in agents:
            self.widgets += [
                _graph(f"AgentCore agent {agent.name}: invocations and sessions", [
                    acm.metric_agent_series(agent, "invocations"), acm.metric_agent_series(agent, "sessions")], THIRD),
                _graph(f"AgentCore agent {agent.name}: errors and throttles", [
                    acm.metric_agent_series(agent, "system_errors"), acm.metric_agent_series(agent, "user_errors"),
                    acm.metric_agent_series(agent, "throttles")], THIRD),
                _graph(f"AgentCore agent {agent.name}: latency (p50/p99, ms)", [
                    acm.metric_agent_series(agent, "latency", statistic="p50"),
                    acm.metric_agent_series(agent, "latency", statistic="p99")], THIRD),
            ]
        for gateway in gateways:
            self.widgets += [
                _graph(f"AgentCore Gateway {gateway.name}: invocations, errors, throttles", [
                    acm.metric_gateway_series(gateway, key)
                    for key in ("invocations", "system_errors", "user_errors", "throttles")], HALF),
                _graph(f"AgentCore Gateway {gateway.name}: duration and target time (p99, ms)", [
                    acm.metric_gateway_series(gateway, "duration", statistic="p99"),
                    acm.metric_gateway_series(gateway, "target_execution_time", statistic="p99")], HALF),
            ]
        if agents and token_namespace is not None:
            self.widgets.append(_graph("Tokens per AgentCore agent (invocation log, by execution role)", [
                agent_token_series(token_namespace, agent, kind)
                for agent in agents for kind in ("input", "output")], WIDTH, period=ONE_HOUR))

    def _add(
        self, key: str, metric: cloudwatch.IMetric, threshold: int, description: str, *,
        evaluation_periods: int = 1, datapoints_to_alarm: int | None = None,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self, _construct_id(key), alarm_name=f"{self._prefix}-{key}"[:255],
            alarm_description=f"{description} Threshold: {threshold:g}.", metric=metric, threshold=threshold,
            comparison_operator=GTE, evaluation_periods=evaluation_periods, datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms[key] = alarm


def _construct_id(key: str) -> str:
    """A stable construct id for an alarm key (the scheme of :mod:`platform_alarms`)."""
    return f"{re.sub(r'[^A-Za-z0-9]', '', key.title())[:60]}{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _check_names(field: str, names: list[str]) -> None:
    for index, name in enumerate(names):
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            raise PlatformValidationError(f"{field}[{index}].name", name, "must be letters, digits, '_' or '-'")
        if name in names[:index]:
            raise PlatformValidationError(f"{field}[{index}].name", name, "is used twice: names key the alarms")


def _graph(
    title: str, metrics: list[cloudwatch.IMetric], width: int, *, period: Duration | None = None
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=metrics, width=width, height=HEIGHT, period=period)
