"""The platform's CloudWatch dashboard, built from the same metric definitions as the alarms.

Rows: links (budgets, anomaly detection, invocation logs) and alarm status; tokens by
model id as logged; tokens by caller; tokens of each configured model; estimated spend;
invocations, latency (p50/p99), time to first token (p50/p90), throttles and errors; per
configured model the same plus tokens and TPM quota usage; agents; guardrails; log delivery
health. The as-logged and caller graphs use SEARCH over the platform namespace, so every
model id form and caller appears without being configured; per-model graphs read the same
per-model series as the alarms. A widget showing an alarm's Metrics Insights query holds
only that query (one per widget).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from bedrock_platform.core.validation import ValidationProblems, check_pattern
from bedrock_platform.observability import bedrock_metrics as bm
from bedrock_platform.observability.model_price import ModelPrice, _model_prices
from bedrock_platform.observability.monitoring_targets import (
    MonitoredAgent,
    MonitoredCaller,
    MonitoredGuardrail,
    _callers,
)
from bedrock_platform.observability.platform_alarms import _sequence
from bedrock_platform.observability.token_metering import BY_CALLER, BY_MODEL, TokenMetrics

WIDTH = 24
HALF = 12
THIRD = 8
QUARTER = 6
SIXTH = 4
HEIGHT = 6
ONE_HOUR = Duration.hours(1)
ONE_DAY = Duration.days(1)
BUDGETS_CONSOLE = "https://console.aws.amazon.com/billing/home#/budgets"
ANOMALY_CONSOLE = "https://console.aws.amazon.com/cost-management/home#/anomaly-detection/overview"


class PlatformDashboard(Construct):
    """A dashboard named ``dashboard_name``; ``url`` opens it in the console.

    ``models`` (:class:`~bedrock_platform.ModelPrice`) get per-model rows and spend graphs,
    ``callers`` (:class:`~bedrock_platform.MonitoredCaller`) a tokens graph, ``agents`` and
    ``guardrails`` their own rows; ``alarms`` are shown in an alarm status widget. A dashboard
    holds no data: nothing to retain.

    Example::

        board = PlatformDashboard(self, "Dashboard", dashboard_name="acme-bedrock", metrics=metering.metrics,
                                  models=[haiku], alarms=list(alarms.alarms.values()))
        CfnOutput(self, "DashboardUrl", value=board.url)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboard_name: str,
        metrics: TokenMetrics,
        models: Sequence[ModelPrice] = (),
        callers: Sequence[MonitoredCaller] = (),
        agents: Sequence[MonitoredAgent] = (),
        guardrails: Sequence[MonitoredGuardrail] = (),
        alarms: Sequence[cloudwatch.IAlarm] = (),
        log_group_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        # CloudWatch PutDashboard DashboardName: 1-255 of A-Za-z0-9, '-' and '_'.
        problems.check(check_pattern, "dashboard_name", dashboard_name, r"[A-Za-z0-9_-]{1,255}",
                       "1-255 letters, digits, '-' or '_'")
        if not isinstance(metrics, TokenMetrics):
            problems.add("metrics", metrics, "is not a TokenMetrics (e.g. TokenMetering(...).metrics)")
        models = _model_prices("models", models, problems)
        callers = _callers("callers", callers, problems)
        agents = _sequence("agents", agents, MonitoredAgent, problems)
        guardrails = _sequence("guardrails", guardrails, MonitoredGuardrail, problems)
        if isinstance(alarms, (str, bytes)) or not isinstance(alarms, (list, tuple)):
            problems.add("alarms", alarms, "must be a list or tuple of alarms")
            alarms = ()
        problems.raise_if_any(self)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
            default_interval=Duration.days(1),
            period_override=cloudwatch.PeriodOverride.INHERIT,
        )
        #: the console URL of the dashboard
        self.url = (
            f"https://console.aws.amazon.com/cloudwatch/home?region={Aws.REGION}#dashboards:name={dashboard_name}"
        )
        links = [
            f"[Budget status (AWS Budgets)]({BUDGETS_CONSOLE})",
            f"[Cost anomalies]({ANOMALY_CONSOLE})",
        ]
        if log_group_name:
            links.append(f"Invocation logs: `{log_group_name}`")
        header: list[cloudwatch.IWidget] = [
            cloudwatch.TextWidget(
                markdown="# Bedrock platform\n" + " | ".join(links)
                + "\n\nBudgets use billing data (hours behind); token and spend graphs are near real time.",
                width=HALF if alarms else WIDTH,
                height=HEIGHT,
            )
        ]
        if alarms:
            header.append(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms), width=HALF, height=HEIGHT))
        self.dashboard.add_widgets(*header)

        for split, title in ((BY_MODEL, "modelId as logged"), (BY_CALLER, "caller (identity.arn)")):
            self.dashboard.add_widgets(
                _graph(f"Input tokens by {title}", [metrics.search("input", split)], THIRD),
                _graph(f"Output tokens by {title}", [metrics.search("output", split)], THIRD),
                _graph(
                    f"Cache tokens by {title}",
                    [metrics.search("cache_read", split), metrics.search("cache_write", split)],
                    THIRD,
                ),
            )

        if callers:
            self.dashboard.add_widgets(
                _graph(
                    "Tokens per hour of the callers with alarms",
                    [
                        metrics.total_tokens(caller_arn=c.arn, period=ONE_HOUR, label=c.name, id_prefix=f"c{i}")
                        for i, c in enumerate(callers)
                    ],
                    WIDTH,
                )
            )

        if models:
            self.dashboard.add_widgets(
                _graph(
                    "Tokens per hour by configured model (every form of its id)",
                    [
                        metrics.total_tokens(model_id=m.model_id, period=ONE_HOUR, label=m.model_id, id_prefix=f"h{i}")
                        for i, m in enumerate(models)
                    ],
                    WIDTH,
                )
            )
            self.dashboard.add_widgets(
                _graph(
                    "Estimated spend per day by model (USD)",
                    [metrics.model_spend(m, period=ONE_DAY, index=i) for i, m in enumerate(models)],
                    HALF,
                    period=ONE_DAY,
                ),
                cloudwatch.SingleValueWidget(
                    title="Estimated spend, last 24 hours (USD)",
                    metrics=[metrics.estimated_spend(models, period=ONE_DAY)],
                    width=HALF,
                    height=HEIGHT,
                    period=ONE_DAY,
                ),
            )

        # Across all models: per-model SEARCH lines (percentiles need per-series statistics) and
        # the alarms' own Metrics Insights sums (one query per widget).
        self.dashboard.add_widgets(
            _graph("Invocations (all models)", [bm.all_models("Invocations", label="Invocations")], SIXTH),
            _graph(
                "Invocation latency by model",
                [bm.search_models("InvocationLatency", statistic="p50"), bm.search_models("InvocationLatency", statistic="p99")],
                QUARTER,
            ),
            _graph(
                "Time to first token by model (streaming)",
                [bm.search_models("TimeToFirstToken", statistic="p50"), bm.search_models("TimeToFirstToken", statistic="p90")],
                QUARTER,
            ),
            _graph("Throttles (all models)", [bm.all_models("InvocationThrottles", label="Throttles (all models)")], SIXTH),
            _graph(
                "Server errors (all models)", [bm.all_models("InvocationServerErrors", label="Server errors (all models)")],
                SIXTH,
            ),
        )
        self.dashboard.add_widgets(
            _graph(
                "Throttles and errors by model",
                [
                    bm.search_models("InvocationThrottles"),
                    bm.search_models("InvocationServerErrors"),
                    bm.search_models("InvocationClientErrors"),
                ],
                WIDTH,
            ),
        )
        for model in models:
            model_id = model.model_id
            row = [
                _graph(f"{model_id}: invocations", [bm.model_metric("Invocations", model_id)], SIXTH),
                _graph(
                    f"{model_id}: latency",
                    [
                        bm.model_metric("InvocationLatency", model_id, statistic="p50", label="p50"),
                        bm.model_metric("InvocationLatency", model_id, statistic="p99", label="p99"),
                    ],
                    SIXTH,
                ),
                _graph(
                    f"{model_id}: time to first token",
                    [
                        bm.model_metric("TimeToFirstToken", model_id, statistic="p50", label="p50"),
                        bm.model_metric("TimeToFirstToken", model_id, statistic="p90", label="p90"),
                    ],
                    SIXTH,
                ),
                _graph(
                    f"{model_id}: throttles and server errors",
                    [
                        bm.model_metric("InvocationThrottles", model_id),
                        bm.model_metric("InvocationServerErrors", model_id),
                    ],
                    SIXTH,
                ),
                _graph(
                    f"{model_id}: tokens per hour and per day",
                    [
                        metrics.total_tokens(model_id=model_id, period=ONE_HOUR, label="per hour"),
                        metrics.total_tokens(model_id=model_id, period=ONE_DAY, label="per day", id_prefix="d"),
                    ],
                    SIXTH,
                ),
            ]
            if model.tokens_per_minute_quota is not None:
                row.append(
                    _graph(
                        f"{model_id}: TPM quota used (%)",
                        [bm.quota_usage_percent(model_id, model.tokens_per_minute_quota)],
                        SIXTH,
                    )
                )
            self.dashboard.add_widgets(*row)

        for agent in agents:
            self.dashboard.add_widgets(
                _graph(f"Agent {agent.name}: invocations", [bm.agent_query(agent, "InvocationCount")], QUARTER),
                _graph(f"Agent {agent.name}: server errors", [
                    bm.agent_query(agent, "InvocationServerErrors", label=f"{agent.name} server errors")], QUARTER),
                _graph(f"Agent {agent.name}: throttles", [
                    bm.agent_query(agent, "InvocationThrottles", label=f"{agent.name} throttles")], QUARTER),
                _graph(f"Agent {agent.name}: slowest invocation (ms)", [
                    bm.agent_query(agent, "TotalTime", function="MAX", label=f"{agent.name} slowest invocation (ms)")],
                    QUARTER),
            )
            self.dashboard.add_widgets(
                _graph(f"Agent {agent.name}: latency (TotalTime p50/p99)", [
                    bm.agent_search(agent, "TotalTime", statistic="p50"),
                    bm.agent_search(agent, "TotalTime", statistic="p99")], HALF),
                _graph(f"Agent {agent.name}: tokens", [
                    bm.agent_search(agent, "InputTokenCount"), bm.agent_search(agent, "OutputTokenCount")], HALF),
            )
        for guardrail in guardrails:
            self.dashboard.add_widgets(
                _graph(f"Guardrail {guardrail.name}: interventions", [
                    bm.guardrail_metric(guardrail, "Invocations"),
                    bm.guardrail_metric(guardrail, "InvocationsIntervened")], HALF),
                _graph(f"Guardrail {guardrail.name}: intervention rate (%)", [
                    bm.guardrail_intervention_rate(guardrail)], HALF, period=ONE_HOUR),
            )

        self.dashboard.add_widgets(
            _graph("Log delivery failures", [bm.log_delivery_failures()], HALF),
            _graph(
                "Log delivery successes",
                [bm.model_metric(name, label=name.removeprefix("ModelInvocation")) for name in bm.LOG_DELIVERY_SUCCESS_METRICS],
                HALF,
            ),
        )


def _graph(
    title: str, metrics: list[cloudwatch.IMetric], width: int, *, period: Duration | None = None
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(title=title, left=metrics, width=width, height=HEIGHT, period=period)
