"""Metrics Amazon Bedrock AgentCore publishes for agents (runtime / managed harness) and gateways: one definition table.

Namespace ``AWS/Bedrock-AgentCore``. The AgentCore Developer Guide's memory page calls it
"the Bedrock-AgentCore namespace"; the namespace string metrics carry is ``AWS/Bedrock-AgentCore``:
it is the constant in aws-cdk-lib 2.275 ``aws-bedrockagentcore`` (runtime-base, gateway-base,
memory) and the namespace in Elastic's integration event recorded from CloudWatch
(elastic/integrations ``packages/aws_bedrock_agentcore/data_stream/metrics/sample_event.json``).

Metric names (AgentCore Developer Guide, "AgentCore generated runtime observability data"
(observability-runtime-metrics) and "Gateway metrics overview" (observability-gateway-metrics)):

* agent (runtime, and the runtime a harness runs on): ``Invocations``, ``Throttles`` (HTTP 429),
  ``SystemErrors`` (server side), ``UserErrors`` (client side), ``Latency`` (request received to
  final response token, ms), ``SessionCount`` (new sessions); batched per minute.
* gateway: ``Invocations``, ``Throttles`` [429], ``SystemErrors`` [5xx], ``UserErrors`` [4xx other
  than 429], ``Latency`` (to the first response token), ``Duration`` (to the final token, end to
  end), ``TargetExecutionTime`` (time spent in the Lambda/OpenAPI/... target).

Dimensions (not in the guide's lists; aws-cdk-lib ``RuntimeBase.metric`` and ``GatewayBase.metric``,
and the ``aws.dimensions.Operation == "InvokeAgentRuntime"`` / ``aws.dimensions.Name`` filters of
Elastic's alert templates): an agent's series carry ``Operation`` (``InvokeAgentRuntime``), ``Name``
(``<runtime name>::<endpoint name>``) and ``Resource`` (the runtime ARN); a gateway's carry
``Operation`` (``InvokeGateway``), ``Protocol`` (``MCP``) and ``Resource`` (the gateway ARN).

Only ``Resource`` is known when the stack is written (the endpoint name, a harness's runtime
name and its invoke operation are chosen by AgentCore), so alarms read Metrics Insights queries
over the whole dimension set filtered on ``Resource`` (they sum every operation and endpoint),
and graphs SEARCH the same schema (percentiles allowed there). A Metrics Insights query has no
percentiles: latency alarms watch the slowest request (``MAX``); graphs show p50/p99.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from bedrock_platform.observability.bedrock_metrics import FIVE_MINUTES, insights_query
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent, MonitoredGateway

AGENTCORE_NAMESPACE = "AWS/Bedrock-AgentCore"
AGENT_DIMENSIONS = ("Name", "Operation", "Resource")
GATEWAY_DIMENSIONS = ("Operation", "Protocol", "Resource")
AGENT_OPERATION = "InvokeAgentRuntime"
GATEWAY_OPERATION = "InvokeGateway"


@dataclass(frozen=True)
class AgentCoreMetric:
    """One AgentCore metric: its CloudWatch name, the statistic that reads it and its unit (as documented)."""

    key: str
    metric_name: str
    statistic: str
    unit: str
    description: str


def _table(*metrics: AgentCoreMetric) -> dict[str, AgentCoreMetric]:
    return {metric.key: metric for metric in metrics}


AGENT_METRICS = _table(
    AgentCoreMetric("invocations", "Invocations", "Sum", "Count", "requests to the data plane API"),
    AgentCoreMetric("sessions", "SessionCount", "Sum", "Count", "new agent sessions"),
    AgentCoreMetric("throttles", "Throttles", "Sum", "Count", "requests throttled (ThrottlingException, HTTP 429)"),
    AgentCoreMetric("system_errors", "SystemErrors", "Sum", "Count", "server-side errors"),
    AgentCoreMetric("user_errors", "UserErrors", "Sum", "Count", "client-side errors (invalid requests)"),
    AgentCoreMetric("latency", "Latency", "Average", "Milliseconds", "request received to final response token"),
)
GATEWAY_METRICS = _table(
    AgentCoreMetric("invocations", "Invocations", "Sum", "Count", "requests to each data plane API"),
    AgentCoreMetric("throttles", "Throttles", "Sum", "Count", "requests throttled (HTTP 429)"),
    AgentCoreMetric("system_errors", "SystemErrors", "Sum", "Count", "requests failed with 5xx"),
    AgentCoreMetric("user_errors", "UserErrors", "Sum", "Count", "requests failed with 4xx other than 429"),
    AgentCoreMetric("latency", "Latency", "Average", "Milliseconds", "request received to first response token"),
    AgentCoreMetric("duration", "Duration", "Average", "Milliseconds", "request received to final response token"),
    AgentCoreMetric(
        "target_execution_time", "TargetExecutionTime", "Average", "Milliseconds", "time spent in the target"
    ),
)


def _query(
    schema: tuple[str, ...], resource_arn: str, metric: AgentCoreMetric, function: str, period: Duration, label: str
) -> cloudwatch.MathExpression:
    return insights_query(
        function, metric.metric_name, AGENTCORE_NAMESPACE, schema, where={"Resource": resource_arn}, period=period,
        label=label,
    )


def _search(
    schema: tuple[str, ...], resource_arn: str, metric: AgentCoreMetric, statistic: str, period: Duration, label: str
) -> cloudwatch.MathExpression:
    dimensions = ",".join((AGENTCORE_NAMESPACE, *schema))
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{dimensions}}} Resource=\"{resource_arn}\" MetricName=\"{metric.metric_name}\"', "
            f"'{statistic}', {int(period.to_seconds())})"
        ),
        using_metrics={},
        period=period,
        label=label,
    )


def metric_agent(
    agent: MonitoredAgentCoreAgent, key: str, *, function: str = "SUM", period: Duration = FIVE_MINUTES
) -> cloudwatch.MathExpression:
    """``function`` of one agent metric (:data:`AGENT_METRICS` key) over every operation and endpoint (alarms can watch it)."""
    metric = AGENT_METRICS[key]
    return _query(AGENT_DIMENSIONS, agent.resource_arn, metric, function, period, f"{agent.name} {metric.metric_name}")


def metric_agent_series(
    agent: MonitoredAgentCoreAgent, key: str, *, statistic: str | None = None, period: Duration = FIVE_MINUTES
) -> cloudwatch.MathExpression:
    """One agent metric, one line per endpoint and operation (SEARCH: graphs only; percentiles allowed)."""
    metric = AGENT_METRICS[key]
    statistic = statistic or metric.statistic
    return _search(
        AGENT_DIMENSIONS, agent.resource_arn, metric, statistic, period,
        f"{metric.metric_name} {statistic}: ${{PROP('Dim.Name')}}",
    )


def metric_gateway(
    gateway: MonitoredGateway, key: str, *, function: str = "SUM", period: Duration = FIVE_MINUTES
) -> cloudwatch.MathExpression:
    """``function`` of one gateway metric (:data:`GATEWAY_METRICS` key) over its operations and protocols."""
    metric = GATEWAY_METRICS[key]
    return _query(
        GATEWAY_DIMENSIONS, gateway.gateway_arn, metric, function, period, f"{gateway.name} {metric.metric_name}"
    )


def metric_gateway_series(
    gateway: MonitoredGateway, key: str, *, statistic: str | None = None, period: Duration = FIVE_MINUTES
) -> cloudwatch.MathExpression:
    """One gateway metric, one line per operation (SEARCH: graphs only; percentiles allowed)."""
    metric = GATEWAY_METRICS[key]
    statistic = statistic or metric.statistic
    return _search(
        GATEWAY_DIMENSIONS, gateway.gateway_arn, metric, statistic, period,
        f"{metric.metric_name} {statistic}: ${{PROP('Dim.Operation')}}",
    )
