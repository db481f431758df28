"""Platform alarms: token rates, errors, log delivery, agents, guardrails and estimated spend.

Every alarm notifies the one alert topic, takes its threshold from ``observability.alarms``
(per-model overrides in ``observability.models``) and treats missing data as not
breaching: no traffic is not an incident. Metrics come from :mod:`token_metering` and
:mod:`bedrock_metrics`, the same definitions the dashboard graphs.

Per-model token and spend alarms read the per-model series of :mod:`token_metering`, which
count a model's calls whatever form of its id the invocation log records (id, foundation-model
or inference-profile ARN, listed application-inference-profile ARNs).

Per-caller alarms need a concrete ``CallerArn`` dimension value, so they exist for the
callers listed in ``observability.alarms.callers``; every caller (listed or not) is still
metered and graphed on the dashboard.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from bedrock_platform.config.observability import ObservabilityConfig
from bedrock_platform.observability import bedrock_metrics as bm
from bedrock_platform.observability.monitoring_targets import MonitoredAgent, MonitoredGuardrail
from bedrock_platform.observability.token_metering import TokenMetrics

ONE_HOUR = Duration.hours(1)
ONE_DAY = Duration.days(1)
GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


class PlatformAlarms(Construct):
    """All platform alarms, each wired to ``topic``. ``alarms`` maps a stable key to each alarm.

    Keys: ``model-tokens-hourly:<model>``, ``model-tokens-daily:<model>``,
    ``model-throttles:<model>``, ``model-server-errors:<model>``,
    ``model-tpm-quota:<model>`` (models with ``tokens_per_minute_quota``), ``throttles``,
    ``server-errors``, ``caller-tokens-hourly:<caller name>``, ``log-delivery-failures``,
    ``agent-latency:<agent>``, ``agent-errors:<agent>``, ``agent-throttles:<agent>``,
    ``guardrail-interventions:<guardrail>``, ``daily-estimated-spend``.

    Example::

        metering = TokenMetering(self, "Metering", log_group=logging.log_group, namespace="BedrockPlatform")
        alarms = PlatformAlarms(self, "Alarms", config=config.observability, metrics=metering.metrics,
                                topic=alerts.topic, name_prefix="acme",
                                agents=[MonitoredAgent("support", agent.alias.alias_arn)])
        alarms.alarms["daily-estimated-spend"]
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ObservabilityConfig,
        metrics: TokenMetrics,
        topic: sns.ITopic,
        name_prefix: str,
        agents: Sequence[MonitoredAgent] = (),
        guardrails: Sequence[MonitoredGuardrail] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self._prefix = name_prefix
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        limits = config.alarms

        for model in config.models:
            model_id = model.model_id
            self._add(
                f"model-tokens-hourly:{model_id}",
                metrics.total_tokens(model_id=model_id, period=ONE_HOUR, label=f"{model_id} tokens per hour"),
                model.tokens_per_hour_threshold or limits.model_tokens_per_hour,
                f"Tokens (input+output+cache) of {model_id} in one hour reached the threshold.",
            )
            self._add(
                f"model-tokens-daily:{model_id}",
                metrics.total_tokens(model_id=model_id, period=ONE_DAY, label=f"{model_id} tokens per day"),
                model.tokens_per_day_threshold or limits.model_tokens_per_day,
                f"Tokens (input+output+cache) of {model_id} in one day reached the threshold.",
            )
            self._add(
                f"model-throttles:{model_id}",
                bm.model_metric("InvocationThrottles", model_id),
                limits.throttles_per_5_minutes,
                f"Bedrock throttled {model_id} (AWS/Bedrock InvocationThrottles) in 5 minutes.",
            )
            self._add(
                f"model-server-errors:{model_id}",
                bm.model_metric("InvocationServerErrors", model_id),
                limits.server_errors_per_5_minutes,
                f"Bedrock server errors for {model_id} (AWS/Bedrock InvocationServerErrors) in 5 minutes.",
            )
            if model.tokens_per_minute_quota is not None:
                self._add(
                    f"model-tpm-quota:{model_id}",
                    bm.quota_usage_percent(model_id, model.tokens_per_minute_quota),
                    limits.tpm_quota_usage_percent,
                    f"{model_id} used at least the threshold percentage of its tokens-per-minute quota "
                    f"({model.tokens_per_minute_quota:,} TPM as configured; AWS/Bedrock EstimatedTPMQuotaUsage) "
                    "in 2 of 3 minutes: throttling is near. Check the quota in Service Quotas (the configured "
                    "value is not read from AWS) and request an increase, or set maxTokens on requests.",
                    evaluation_periods=3,
                    datapoints_to_alarm=2,
                )
        # AWS/Bedrock publishes its runtime metrics per ModelId: sum every model's series
        # (configured or not) with a Metrics Insights query rather than watch a dimensionless one.
        self._add(
            "throttles",
            bm.all_models("InvocationThrottles", label="Throttles (all models)"),
            limits.throttles_per_5_minutes,
            "Bedrock throttled invocations across all models in 5 minutes (quota reached?).",
        )
        self._add(
            "server-errors",
            bm.all_models("InvocationServerErrors", label="Server errors (all models)"),
            limits.server_errors_per_5_minutes,
            "Bedrock server errors across all models in 5 minutes.",
        )
        for caller in limits.callers:
            self._add(
                f"caller-tokens-hourly:{caller.name}",
                metrics.total_tokens(caller_arn=caller.arn, period=ONE_HOUR, label=f"{caller.name} tokens per hour"),
                caller.tokens_per_hour_threshold or limits.caller_tokens_per_hour,
                f"Tokens used by caller {caller.name} ({caller.arn}) in one hour reached the threshold.",
            )
        self._add(
            "log-delivery-failures",
            bm.log_delivery_failures(),
            limits.log_delivery_failures_per_5_minutes,
            "Bedrock could not deliver model invocation logs (CloudWatch or S3): metering and audit are incomplete.",
        )
        # AWS/Bedrock/Agents carries the alias only with Operation and ModelId: each agent alarm
        # is one Metrics Insights query over that schema, filtered on the alias.
        for agent in agents:
            self._add(
                f"agent-latency:{agent.name}",
                bm.agent_query(agent, "TotalTime", function="MAX", label=f"{agent.name} slowest invocation (ms)"),
                limits.agent_latency_ms,
                f"The slowest invocation (TotalTime, ms) of agent {agent.name} reached the threshold in 2 of 3 "
                "five-minute periods.",
                evaluation_periods=3,
                datapoints_to_alarm=2,
            )
            self._add(
                f"agent-errors:{agent.name}",
                bm.agent_query(agent, "InvocationServerErrors", label=f"{agent.name} server errors"),
                limits.agent_errors_per_5_minutes,
                f"Server errors of agent {agent.name} in 5 minutes reached the threshold.",
            )
            self._add(
                f"agent-throttles:{agent.name}",
                bm.agent_query(agent, "InvocationThrottles", label=f"{agent.name} throttles"),
                limits.agent_throttles_per_5_minutes,
                f"Throttled invocations of agent {agent.name} in 5 minutes reached the threshold.",
            )
        for guardrail in guardrails:
            self._add(
                f"guardrail-interventions:{guardrail.name}",
                bm.guardrail_intervention_rate(guardrail),
                limits.guardrail_intervention_rate_percent,
                f"Guardrail {guardrail.name} v{guardrail.version} intervened in at least the threshold "
                "percentage of its invocations in one hour (attack, or a misconfigured policy).",
            )
        if config.models and limits.daily_estimated_spend is not None:
            self._add(
                "daily-estimated-spend",
                metrics.estimated_spend(config.models, period=ONE_DAY),
                limits.daily_estimated_spend,
                "Estimated Bedrock spend (token counts x configured prices) in one day reached the threshold. "
                "Budgets confirm with billing data hours later.",
            )

    def _add(
        self,
        key: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        *,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id_for(key),
            alarm_name=alarm_name(self._prefix, key),
            alarm_description=f"{description} Threshold: {threshold:g}.",
            metric=metric,
            threshold=threshold,
            comparison_operator=GTE,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms[key] = alarm
        return alarm


def construct_id_for(key: str) -> str:
    """A stable construct id for an alarm key (model ids hold ':' and '/')."""
    readable = re.sub(r"[^A-Za-z0-9]", "", key.title())[:60]
    return f"{readable}{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def alarm_name(prefix: str, key: str) -> str:
    """``<platform>-<key>``, at most 255 characters (the CloudWatch limit)."""
    return f"{prefix}-{key}"[:255]
