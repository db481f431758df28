"""Per-turn cost on the dashboard and in alarms, from the turn meter's EMF metrics.

The front door writes one EMF line per turn (``bedrock_platform.metering.emf``): namespace
``DEFAULT_NAMESPACE``, dimension sets (Agent, Route, Tenant) and (Agent, Route), metrics
``TurnTokens`` (every token of every model call of the turn), ``FinalAnswerTokens`` (the output
of the call that produced the answer) and ``CappedTurns`` (1 when the cap stopped the turn).
This construct reads the (Agent, Route) set:

* widgets: tokens per turn p50/p90/max beside final-answer tokens p50/p90/max, and the
  "hidden burn" ratio SUM(TurnTokens)/SUM(FinalAnswerTokens), per agent and route;
* alarms: hidden burn above ``hidden_burn_ratio`` and cap-hit rate
  100*SUM(CappedTurns)/SampleCount(TurnTokens) above ``cap_hit_percent``, to ``alarm_topic``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from bedrock_platform.core.validation import ValidationProblems
from bedrock_platform.metering.emf import AGENT_DIMENSION, DEFAULT_NAMESPACE, ROUTE_DIMENSION

ROUTES = ("direct", "agent")


class TurnCostMonitoring(Construct):
    """Dashboard widgets and alarms on the whole-turn token metrics of the front door.

    Example::

        monitoring = TurnCostMonitoring(self, "TurnCost", agents=["customer-support"], alarm_topic=topic,
                                        hidden_burn_ratio=12, cap_hit_percent=10)
        dashboard.add_widgets(*monitoring.widgets)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        agents: Sequence[str],
        routes: Sequence[str] = ROUTES,
        namespace: str = DEFAULT_NAMESPACE,
        hidden_burn_ratio: float = 12.0,
        cap_hit_percent: float = 10.0,
        period: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        if isinstance(agents, str) or not agents:
            problems.add("agents", agents, "must list at least one agent name (the Agent dimension)")
        if hidden_burn_ratio < 1:
            problems.add("hidden_burn_ratio", hidden_burn_ratio, "must be at least 1 (turn tokens >= answer tokens)")
        if not 0 < cap_hit_percent <= 100:
            problems.add("cap_hit_percent", cap_hit_percent, "must be above 0 and at most 100")
        problems.raise_if_any(self)
        self.namespace = namespace
        self.period = period or Duration.hours(1)
        self.widgets: list[cloudwatch.IWidget] = []
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        action = actions.SnsAction(alarm_topic) if alarm_topic is not None else None
        for agent in agents:
            for route in routes:
                key = f"{agent}/{route}"
                turn = self._metric("TurnTokens", agent, route)
                final = self._metric("FinalAnswerTokens", agent, route)
                burn = cloudwatch.MathExpression(
                    expression="turn / final", label=f"hidden burn {key}", period=self.period,
                    using_metrics={"turn": turn.with_(statistic="Sum"), "final": final.with_(statistic="Sum")},
                )  # fmt: skip
                cap_rate = cloudwatch.MathExpression(
                    expression="100 * capped / turns", label=f"capped turns % {key}", period=self.period,
                    using_metrics={"capped": self._metric("CappedTurns", agent, route).with_(statistic="Sum"),
                                   "turns": turn.with_(statistic="SampleCount")},
                )  # fmt: skip
                self.widgets.append(cloudwatch.GraphWidget(
                    title=f"Tokens per turn vs final answer: {key}", width=12,
                    left=[turn.with_(statistic=s, label=f"turn {s}") for s in ("p50", "p90", "Maximum")]
                    + [final.with_(statistic=s, label=f"final answer {s}") for s in ("p50", "p90", "Maximum")],
                ))  # fmt: skip
                self.widgets.append(cloudwatch.GraphWidget(
                    title=f"Hidden burn and cap hits: {key}", width=12, left=[burn], right=[cap_rate]))
                prefix = f"{alarm_name_prefix}-" if alarm_name_prefix else ""
                for name, metric, threshold, what in (
                    ("HiddenBurn", burn, hidden_burn_ratio, "turn tokens per final-answer token"),
                    ("CapHitRate", cap_rate, cap_hit_percent, "percent of turns stopped by the token cap"),
                ):
                    alarm = metric.create_alarm(
                        self, f"{name}{_id(agent)}{_id(route)}",
                        alarm_name=f"{prefix}{name.lower()}-{agent}-{route}" if alarm_name_prefix else None,
                        alarm_description=f"{key}: {what} above {threshold} over {self.period.to_human_string()}",
                        threshold=threshold, evaluation_periods=1,
                        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                    )  # fmt: skip
                    if action is not None:
                        alarm.add_alarm_action(action)
                    self.alarms[f"{name}/{key}"] = alarm

    def _metric(self, name: str, agent: str, route: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(namespace=self.namespace, metric_name=name, period=self.period,
                                 dimensions_map={AGENT_DIMENSION: agent, ROUTE_DIMENSION: route})  # fmt: skip


def _id(value: str) -> str:
    return "".join(part.capitalize() for part in value.replace("_", "-").split("-") if part)
