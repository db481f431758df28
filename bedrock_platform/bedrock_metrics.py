"""Metrics Amazon Bedrock publishes itself, with the exact namespaces, names and dimensions.

* ``AWS/Bedrock``: per model (dimension ``ModelId``) or across all models (no dimension):
  Invocations, InvocationLatency, InvocationClientErrors, InvocationServerErrors,
  InvocationThrottles, InputTokenCount, OutputTokenCount; and the model invocation log
  delivery metrics (across all models).
* ``AWS/Bedrock/Agents`` (dimension ``AgentAliasArn``): InvocationCount, TotalTime,
  InvocationThrottles, InvocationClientErrors, InvocationServerErrors, InputTokenCount,
  OutputTokenCount.
* ``AWS/Bedrock/Guardrails`` (dimensions ``GuardrailArn`` + ``GuardrailVersion``):
  Invocations, InvocationsIntervened, InvocationLatency.

Alarms and the dashboard are both built from these functions (one definition each).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from bedrock_platform.monitoring_targets import MonitoredAgent, MonitoredGuardrail

BEDROCK_NAMESPACE = "AWS/Bedrock"
AGENTS_NAMESPACE = "AWS/Bedrock/Agents"
GUARDRAILS_NAMESPACE = "AWS/Bedrock/Guardrails"
FIVE_MINUTES = Duration.minutes(5)
ONE_HOUR = Duration.hours(1)
LOG_DELIVERY_FAILURE_METRICS = (
    "ModelInvocationLogsCloudWatchDeliveryFailure",
    "ModelInvocationLogsS3DeliveryFailure",
    "ModelInvocationLargeDataS3DeliveryFailure",
)
LOG_DELIVERY_SUCCESS_METRICS = (
    "ModelInvocationLogsCloudWatchDeliverySuccess",
    "ModelInvocationLogsS3DeliverySuccess",
    "ModelInvocationLargeDataS3DeliverySuccess",
)


def model_metric(
    metric_name: str,
    model_id: str | None = None,
    *,
    statistic: str = cloudwatch.Stats.SUM,
    period: Duration = FIVE_MINUTES,
    label: str | None = None,
) -> cloudwatch.Metric:
    """An ``AWS/Bedrock`` metric for one model, or across all models when ``model_id`` is None."""
    return cloudwatch.Metric(
        namespace=BEDROCK_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"ModelId": model_id} if model_id is not None else None,
        statistic=statistic,
        period=period,
        label=label,
    )


def log_delivery_failures(period: Duration = FIVE_MINUTES) -> cloudwatch.MathExpression:
    """All invocation-log delivery failures (CloudWatch, S3, large-data S3) in ``period``."""
    using = {f"f{i}": model_metric(name, period=period) for i, name in enumerate(LOG_DELIVERY_FAILURE_METRICS)}
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({name}, 0)" for name in using),
        using_metrics=using,
        period=period,
        label="Log delivery failures",
    )


def agent_metric(
    agent: MonitoredAgent,
    metric_name: str,
    *,
    statistic: str = cloudwatch.Stats.SUM,
    period: Duration = FIVE_MINUTES,
    label: str | None = None,
) -> cloudwatch.Metric:
    """A metric of one agent alias (``AWS/Bedrock/Agents``, dimension ``AgentAliasArn``)."""
    return cloudwatch.Metric(
        namespace=AGENTS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"AgentAliasArn": agent.alias_arn},
        statistic=statistic,
        period=period,
        label=label or f"{agent.name} {metric_name}",
    )


def agent_errors(agent: MonitoredAgent, period: Duration = FIVE_MINUTES) -> cloudwatch.MathExpression:
    """Server errors + throttles of one agent alias."""
    return cloudwatch.MathExpression(
        expression="FILL(server, 0) + FILL(throttles, 0)",
        using_metrics={
            "server": agent_metric(agent, "InvocationServerErrors", period=period),
            "throttles": agent_metric(agent, "InvocationThrottles", period=period),
        },
        period=period,
        label=f"{agent.name} errors",
    )


def guardrail_metric(
    guardrail: MonitoredGuardrail,
    metric_name: str,
    *,
    statistic: str = cloudwatch.Stats.SUM,
    period: Duration = FIVE_MINUTES,
    label: str | None = None,
) -> cloudwatch.Metric:
    """A metric of one guardrail version (``AWS/Bedrock/Guardrails``, ``GuardrailArn`` + ``GuardrailVersion``)."""
    return cloudwatch.Metric(
        namespace=GUARDRAILS_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"GuardrailArn": guardrail.guardrail_arn, "GuardrailVersion": guardrail.version},
        statistic=statistic,
        period=period,
        label=label or f"{guardrail.name} {metric_name}",
    )


def guardrail_intervention_rate(guardrail: MonitoredGuardrail, period: Duration = ONE_HOUR) -> cloudwatch.MathExpression:
    """Percentage of the guardrail's invocations in which it intervened."""
    return cloudwatch.MathExpression(
        expression="100 * FILL(intervened, 0) / invocations",
        using_metrics={
            "intervened": guardrail_metric(guardrail, "InvocationsIntervened", period=period),
            "invocations": guardrail_metric(guardrail, "Invocations", period=period),
        },
        period=period,
        label=f"{guardrail.name} interventions (%)",
    )
