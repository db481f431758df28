"""Platform alarms: token rates, errors, log delivery, agents, guardrails and estimated spend.

Every alarm notifies the one alert topic, takes its threshold from :class:`AlarmThresholds`
(per-model overrides on :class:`~bedrock_platform.ModelPrice`, per-caller overrides on
:class:`~bedrock_platform.MonitoredCaller`) and treats missing data as not breaching: no
traffic is not an incident. Metrics come from :mod:`token_metering` and :mod:`bedrock_metrics`,
the same definitions the dashboard graphs.

Per-model token and spend alarms read the per-model series of :mod:`token_metering`, which
count a model's calls whatever form of its id the invocation log records (id, foundation-model
or inference-profile ARN, listed application-inference-profile ARNs).

Per-caller alarms need a concrete ``CallerArn`` dimension value, so they exist for the
``callers`` listed; every caller (listed or not) is still metered and graphed on the dashboard.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from aws_cdk import Duration, Tokenization
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from bedrock_platform.core.validation import ValidationProblems, is_token
from bedrock_platform.observability import bedrock_metrics as bm
from bedrock_platform.observability.alert_topic import IAlertTopic, _as_topic
from bedrock_platform.observability.model_price import ModelPrice, _model_prices
from bedrock_platform.observability.monitoring_targets import (
    MonitoredAgent,
    MonitoredCaller,
    MonitoredGuardrail,
    _callers,
)
from bedrock_platform.observability.token_metering import TokenMetrics

ONE_HOUR = Duration.hours(1)
ONE_DAY = Duration.days(1)
GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
# An alarm on a metric math expression may reference at most 10 metrics (CloudWatch quota).
MAX_ALARM_METRICS = 10
_PERCENT_FIELDS = ("guardrail_intervention_rate_percent", "tpm_quota_usage_percent")


@dataclass(frozen=True)
class AlarmThresholds:
    """Thresholds of :class:`PlatformAlarms`. Counts are per the period stated in the field name.

    ``agent_latency_ms``: slowest agent invocation (``TotalTime``, ms) in 2 of 3 five-minute
    periods. ``tpm_quota_usage_percent``: per model with a ``tokens_per_minute_quota``, the share
    of the quota used in a minute (2 of 3 minutes). ``daily_estimated_spend`` (USD in a rolling
    day; ``None`` disables the spend alarm). Every value may be a deploy-time token.

    Example::

        AlarmThresholds(model_tokens_per_hour=500_000, daily_estimated_spend=75)
    """

    model_tokens_per_hour: int = 2_000_000
    model_tokens_per_day: int = 20_000_000
    caller_tokens_per_hour: int = 1_000_000
    throttles_per_5_minutes: int = 10
    server_errors_per_5_minutes: int = 5
    log_delivery_failures_per_5_minutes: int = 1
    agent_latency_ms: int = 60_000
    agent_errors_per_5_minutes: int = 5
    agent_throttles_per_5_minutes: int = 10
    guardrail_intervention_rate_percent: float = 25.0
    tpm_quota_usage_percent: float = 80.0
    daily_estimated_spend: float | None = 100.0


DEFAULT_THRESHOLDS = AlarmThresholds()


def _check_thresholds(field_name: str, value: Any, problems: ValidationProblems) -> AlarmThresholds:
    if value is None:
        return DEFAULT_THRESHOLDS
    if not isinstance(value, AlarmThresholds):
        problems.add(field_name, value, "is not an AlarmThresholds")
        return DEFAULT_THRESHOLDS
    for item in fields(value):
        number = getattr(value, item.name)
        path = f"{field_name}.{item.name}"
        if number is None and item.name == "daily_estimated_spend":
            continue
        if is_token(number):
            continue
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            problems.add(path, number, "is not a number")
        elif item.name in _PERCENT_FIELDS and not 0 < number <= 100:
            problems.add(path, number, "is not a percentage (greater than 0, at most 100)")
        elif item.name == "daily_estimated_spend" and number <= 0:
            problems.add(path, number, "is not an amount greater than 0")
        elif item.name not in _PERCENT_FIELDS and item.name != "daily_estimated_spend" and number < 1:
            problems.add(path, number, "is not at least 1")
    return value


class PlatformAlarms(Construct):
    """All platform alarms, each wired to ``topic``. ``alarms`` maps a stable key to each alarm.

    Keys: ``model-tokens-hourly:<model>``, ``model-tokens-daily:<model>``,
    ``model-throttles:<model>``, ``model-server-errors:<model>``,
    ``model-tpm-quota:<model>`` (models with ``tokens_per_minute_quota``), ``throttles``,
    ``server-errors``, ``caller-tokens-hourly:<caller name>``, ``log-delivery-failures``,
    ``agent-latency:<agent>``, ``agent-errors:<agent>``, ``agent-throttles:<agent>``,
    ``guardrail-interventions:<guardrail>``, ``daily-estimated-spend``.

    ``topic`` is an :class:`~bedrock_platform.AlertTopic` (or its interface) or any ``sns.ITopic``;
    ``thresholds`` defaults to :class:`AlarmThresholds` ``()``. Alarms hold no data: nothing to retain.

    Example::

        metering = TokenMetering(self, "Metering", log_group=logging.log_group, namespace="BedrockPlatform",
                                 models=[haiku])
        alarms = PlatformAlarms(self, "Alarms", metrics=metering.metrics, topic=alerts, name_prefix="acme",
                                models=[haiku], thresholds=AlarmThresholds(daily_estimated_spend=75),
                                callers=[MonitoredCaller("support-bot", session_arn)],
                                agents=[MonitoredAgent("support", agent.alias.alias_arn)])
        alarms.alarms["daily-estimated-spend"]
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        metrics: TokenMetrics,
        topic: sns.ITopic | IAlertTopic,
        name_prefix: str,
        models: Sequence[ModelPrice] = (),
        callers: Sequence[MonitoredCaller] = (),
        thresholds: AlarmThresholds | None = None,
        agents: Sequence[MonitoredAgent] = (),
        guardrails: Sequence[MonitoredGuardrail] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        models = _model_prices("models", models, problems)
        callers = _callers("callers", callers, problems)
        limits = _check_thresholds("thresholds", thresholds, problems)
        agents = _sequence("agents", agents, MonitoredAgent, problems)
        guardrails = _sequence("guardrails", guardrails, MonitoredGuardrail, problems)
        if not isinstance(metrics, TokenMetrics):
            problems.add("metrics", metrics, "is not a TokenMetrics (e.g. TokenMetering(...).metrics)")
        sns_topic = _as_topic("topic", topic, problems)
        priced = sum(len(m.priced_token_types) for m in models)
        if models and limits.daily_estimated_spend is not None and priced > MAX_ALARM_METRICS:
            problems.add(
                "thresholds.daily_estimated_spend", limits.daily_estimated_spend,
                f"needs an alarm over {priced} metrics (one per priced token type and model) but CloudWatch "
                f"allows {MAX_ALARM_METRICS} in one alarm: price fewer models/token types or set it to None",
            )  # fmt: skip
        problems.raise_if_any(self)
        self._action = actions.SnsAction(sns_topic)
        self._prefix = name_prefix
        #: alarm key -> alarm (see the class docstring for the keys)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        for model in models:
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
                    f"({_count(model.tokens_per_minute_quota)} TPM as configured; AWS/Bedrock EstimatedTPMQuotaUsage) "
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
        for caller in callers:
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
        if models and limits.daily_estimated_spend is not None:
            self._add(
                "daily-estimated-spend",
                metrics.estimated_spend(models, period=ONE_DAY),
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
            alarm_description=f"{description} Threshold: {_threshold_text(threshold)}.",
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


def _sequence(field_name: str, value: Any, kind: type, problems: ValidationProblems) -> list[Any]:
    """``value`` as a list of ``kind`` (a list or tuple), each wrong item recorded by index."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        problems.add(field_name, value, f"must be a list or tuple of {kind.__name__}")
        return []
    good = []
    for index, item in enumerate(value):
        if isinstance(item, kind):
            good.append(item)
        else:
            problems.add(f"{field_name}[{index}]", item, f"is not a {kind.__name__}")
    return good


def _threshold_text(value: float) -> str:
    """A threshold as the description shows it (a deploy-time number stays a token)."""
    return Tokenization.stringify_number(value) if is_token(value) else f"{value:g}"


def _count(value: int) -> str:
    return Tokenization.stringify_number(value) if is_token(value) else f"{value:,}"


def construct_id_for(key: str) -> str:
    """A stable construct id for an alarm key (model ids hold ':' and '/')."""
    readable = re.sub(r"[^A-Za-z0-9]", "", key.title())[:60]
    return f"{readable}{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def alarm_name(prefix: str, key: str) -> str:
    """``<platform>-<key>``, at most 255 characters (the CloudWatch limit)."""
    return f"{prefix}-{key}"[:255]
