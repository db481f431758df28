"""Metrics Amazon Bedrock publishes itself, with the exact namespaces, names and dimensions.

* ``AWS/Bedrock`` (documented dimension: ``ModelId``, on every runtime metric):
  Invocations, InvocationLatency, InvocationClientErrors, InvocationServerErrors,
  InvocationThrottles, InputTokenCount, OutputTokenCount, and since 2026-03
  ``TimeToFirstToken`` (ms, streaming APIs only) and ``EstimatedTPMQuotaUsage`` (tokens
  counted against the tokens-per-minute quota, burndown multipliers included). For calls
  through an inference profile ``ModelId`` is the profile id. Alarms across all models
  aggregate the per-model series with a Metrics Insights query
  (``SELECT SUM(...) FROM SCHEMA("AWS/Bedrock", ModelId)``), so they cover every model,
  configured or not, without relying on an undocumented dimensionless series. The model
  invocation log delivery metrics are published "across all model IDs" (no dimension).
* ``AWS/Bedrock/Agents``: the dimension sets are ``Operation``; ``Operation, ModelId``;
  ``Operation, AgentAliasArn, ModelId``. There is no series with ``AgentAliasArn`` alone,
  so per-alias alarms and graphs select ``SCHEMA("AWS/Bedrock/Agents", AgentAliasArn,
  ModelId, Operation) WHERE AgentAliasArn = '<alias arn>'`` (Metrics Insights, summed over
  operations and models) or SEARCH the same schema (graphs with percentiles).
* ``AWS/Bedrock/Guardrails`` (dimensions ``GuardrailArn`` + ``GuardrailVersion``):
  Invocations, InvocationsIntervened, InvocationLatency.

Alarms and the dashboard are both built from these functions (one definition each).
A Metrics Insights query evaluates only the last 3 hours in an alarm, and one alarm (or
one dashboard widget) holds one query: each query here stands alone.
"""

from __future__ import annotations

from aws_cdk import Duration, Tokenization
from aws_cdk import aws_cloudwatch as cloudwatch

from bedrock_platform.core.validation import PlatformValidationError, is_token
from bedrock_platform.observability.monitoring_targets import MonitoredAgent, MonitoredGuardrail

BEDROCK_NAMESPACE = "AWS/Bedrock"
AGENTS_NAMESPACE = "AWS/Bedrock/Agents"
GUARDRAILS_NAMESPACE = "AWS/Bedrock/Guardrails"
ONE_MINUTE = Duration.minutes(1)
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
# The only AWS/Bedrock/Agents dimension set that carries the alias (AWS documentation).
AGENT_ALIAS_DIMENSIONS = ("AgentAliasArn", "ModelId", "Operation")
INSIGHTS_FUNCTIONS = ("SUM", "AVG", "MAX", "MIN", "COUNT")


def insights_query(
    function: str,
    metric_name: str,
    namespace: str,
    dimensions: tuple[str, ...],
    *,
    where: dict[str, str] | None = None,
    period: Duration = FIVE_MINUTES,
    label: str | None = None,
) -> cloudwatch.MathExpression:
    """A Metrics Insights query: ``function`` of ``metric_name`` over every series of one schema.

    Without ``GROUP BY`` the query returns one aggregated series, which an alarm can watch.
    """
    if function not in INSIGHTS_FUNCTIONS:
        raise PlatformValidationError("function", function, f"is not one of {', '.join(INSIGHTS_FUNCTIONS)}")
    expression = f'SELECT {function}({metric_name}) FROM SCHEMA("{namespace}", {", ".join(dimensions)})'
    if where:
        expression += " WHERE " + " AND ".join(f"{name} = '{value}'" for name, value in where.items())
    return cloudwatch.MathExpression(
        expression=expression, using_metrics={}, period=period, label=label or f"{metric_name} ({function})"
    )


def all_models(
    metric_name: str, *, function: str = "SUM", period: Duration = FIVE_MINUTES, label: str | None = None
) -> cloudwatch.MathExpression:
    """One ``AWS/Bedrock`` metric aggregated over every ``ModelId`` series (every model, configured or not)."""
    return insights_query(
        function, metric_name, BEDROCK_NAMESPACE, ("ModelId",), period=period, label=label or f"{metric_name} (all models)"
    )


def search_models(metric_name: str, *, statistic: str = "Sum", period: Duration = FIVE_MINUTES) -> cloudwatch.MathExpression:
    """One ``AWS/Bedrock`` metric, one line per model (SEARCH: for graphs, percentiles allowed; alarms cannot SEARCH)."""
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{BEDROCK_NAMESPACE},ModelId}} MetricName=\"{metric_name}\"', '{statistic}', "
            f"{int(period.to_seconds())})"
        ),
        using_metrics={},
        period=period,
        label=f"{metric_name} {statistic}: ${{PROP('Dim.ModelId')}}",
    )


def model_metric(
    metric_name: str,
    model_id: str | None = None,
    *,
    statistic: str = cloudwatch.Stats.SUM,
    period: Duration = FIVE_MINUTES,
    label: str | None = None,
) -> cloudwatch.Metric:
    """An ``AWS/Bedrock`` metric for one model (``ModelId``), or the dimensionless series when
    ``model_id`` is None: use that only for the log delivery metrics ("across all model IDs");
    runtime metrics across all models are :func:`all_models`."""
    return cloudwatch.Metric(
        namespace=BEDROCK_NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"ModelId": model_id} if model_id is not None else None,
        statistic=statistic,
        period=period,
        label=label,
    )


def quota_usage_percent(model_id: str, tokens_per_minute_quota: int) -> cloudwatch.MathExpression:
    """``EstimatedTPMQuotaUsage`` of one model in each minute as a percentage of its TPM quota.

    The metric is emitted per successful request; its sum over one minute is what the
    minute's requests count against the tokens-per-minute quota.
    """
    quota = Tokenization.stringify_number(tokens_per_minute_quota) if is_token(tokens_per_minute_quota) else tokens_per_minute_quota
    return cloudwatch.MathExpression(
        expression=f"100 * FILL(usage, 0) / {quota}",
        using_metrics={"usage": model_metric("EstimatedTPMQuotaUsage", model_id, period=ONE_MINUTE)},
        period=ONE_MINUTE,
        label=f"{model_id} TPM quota used (%)",
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


def agent_query(
    agent: MonitoredAgent,
    metric_name: str,
    *,
    function: str = "SUM",
    period: Duration = FIVE_MINUTES,
    label: str | None = None,
) -> cloudwatch.MathExpression:
    """``function`` of one agent-alias metric over all its operations and models (Metrics Insights; alarms can watch it)."""
    return insights_query(
        function,
        metric_name,
        AGENTS_NAMESPACE,
        AGENT_ALIAS_DIMENSIONS,
        where={"AgentAliasArn": agent.alias_arn},
        period=period,
        label=label or f"{agent.name} {metric_name} ({function})",
    )


def agent_search(
    agent: MonitoredAgent, metric_name: str, *, statistic: str = "Sum", period: Duration = FIVE_MINUTES
) -> cloudwatch.MathExpression:
    """One agent-alias metric, one line per operation and model (SEARCH: graphs only; percentiles allowed)."""
    schema = ",".join((AGENTS_NAMESPACE, *AGENT_ALIAS_DIMENSIONS))
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{schema}}} AgentAliasArn=\"{agent.alias_arn}\" MetricName=\"{metric_name}\"', "
            f"'{statistic}', {int(period.to_seconds())})"
        ),
        using_metrics={},
        period=period,
        label=f"{metric_name} {statistic}: ${{PROP('Dim.Operation')}} ${{PROP('Dim.ModelId')}}",
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
