"""Account-level cost controls for Bedrock: AWS Budgets and Cost Anomaly Detection.

Budgets and Cost Explorer are global services homed in us-east-1, and their CloudFormation
resources are not available in every region. :class:`CostControls` therefore refuses (at
synth time, with a clear message) any stack that is not pinned to us-east-1; the default
app builds it in :class:`stacks.cost_stack.CostControlsStack`, which is.

* Monthly and daily COST budgets filtered to the configured Bedrock service names, with
  ACTUAL notifications at the configured percentages and a FORECASTED notification
  (monthly budget only: AWS Budgets does not forecast daily budgets), each to the SNS
  topic plus the configured email addresses.
* A DIMENSIONAL/SERVICE anomaly monitor (or an existing monitor: AWS allows one service
  monitor per account) and an IMMEDIATE subscription to the SNS topic.

The SNS topic must let ``budgets.amazonaws.com`` and ``costalerts.amazonaws.com`` publish
(see :class:`bedrock_platform.alert_topic.AlertTopic`).
"""

from __future__ import annotations

from aws_cdk import Stack, Token
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_ce as ce
from aws_cdk import aws_sns as sns
from constructs import Construct, IDependable

from bedrock_platform.config.observability import AnomalyDetectionConfig, BudgetsConfig
from bedrock_platform.validation import PlatformValidationError

COST_HOME_REGION = "us-east-1"


class CostControls(Construct):
    """Budgets and anomaly detection publishing to ``topic``; build it in a us-east-1 stack.

    Example::

        stack = Stack(app, "Cost", env=Environment(region="us-east-1"))
        alerts = AlertTopic(stack, "Alerts", display_name="Bedrock cost alerts")
        CostControls(stack, "Cost", budgets_config=BudgetsConfig(monthly_limit=500, daily_limit=50),
                     anomaly_config=AnomalyDetectionConfig(), topic=alerts.topic, name_prefix="acme",
                     topic_policy=alerts.topic_policy)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        budgets_config: BudgetsConfig,
        anomaly_config: AnomalyDetectionConfig,
        topic: sns.ITopic,
        name_prefix: str,
        topic_policy: IDependable | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        check_cost_region(Stack.of(self))
        self.budgets: dict[str, budgets.CfnBudget] = {}
        self.monitor: ce.CfnAnomalyMonitor | None = None
        self.subscription: ce.CfnAnomalySubscription | None = None

        if budgets_config.enabled:
            self.budgets["monthly"] = self._budget(
                "Monthly", f"{name_prefix}-bedrock-monthly", "MONTHLY", budgets_config.monthly_limit, budgets_config,
                topic, forecast=True,
            )
            if budgets_config.daily_limit is not None:
                self.budgets["daily"] = self._budget(
                    "Daily", f"{name_prefix}-bedrock-daily", "DAILY", budgets_config.daily_limit, budgets_config,
                    topic, forecast=False,
                )

        if anomaly_config.enabled:
            monitor_arn = anomaly_config.existing_monitor_arn
            if monitor_arn is None:
                self.monitor = ce.CfnAnomalyMonitor(
                    self,
                    "ServiceMonitor",
                    monitor_name=f"{name_prefix}-services",
                    monitor_type="DIMENSIONAL",
                    monitor_dimension="SERVICE",
                )
                monitor_arn = self.monitor.attr_monitor_arn
            self.subscription = ce.CfnAnomalySubscription(
                self,
                "AnomalySubscription",
                subscription_name=f"{name_prefix}-cost-anomalies",
                frequency="IMMEDIATE",
                monitor_arn_list=[monitor_arn],
                subscribers=[ce.CfnAnomalySubscription.SubscriberProperty(type="SNS", address=topic.topic_arn)],
                threshold_expression=anomaly_config.threshold_expression_json,
            )

        # Budgets and Cost Explorer check that they may publish when the resource is created.
        if topic_policy is not None:
            for resource in [*self.budgets.values(), self.subscription]:
                if resource is not None:
                    resource.node.add_dependency(topic_policy)

    def _budget(
        self,
        construct_id: str,
        name: str,
        time_unit: str,
        amount: float,
        config: BudgetsConfig,
        topic: sns.ITopic,
        *,
        forecast: bool,
    ) -> budgets.CfnBudget:
        subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic.topic_arn)]
        subscribers += [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=e) for e in config.emails]
        notifications = [
            _notification("ACTUAL", percent, subscribers) for percent in config.actual_thresholds_percent
        ]
        if forecast and config.forecasted_threshold_percent is not None:
            notifications.append(_notification("FORECASTED", config.forecasted_threshold_percent, subscribers))
        return budgets.CfnBudget(
            self,
            construct_id,
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=name,
                budget_type="COST",
                time_unit=time_unit,
                budget_limit=budgets.CfnBudget.SpendProperty(amount=amount, unit=config.currency),
                cost_filters={"Service": list(config.service_names)},
            ),
            notifications_with_subscribers=notifications,
        )


def _notification(
    kind: str, percent: float, subscribers: list[budgets.CfnBudget.SubscriberProperty]
) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
    return budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=budgets.CfnBudget.NotificationProperty(
            notification_type=kind,
            comparison_operator="GREATER_THAN",
            threshold=percent,
            threshold_type="PERCENTAGE",
        ),
        subscribers=subscribers,
    )


def check_cost_region(stack: Stack) -> None:
    """Budgets and Cost Anomaly Detection resources must be deployed in us-east-1."""
    region = stack.region
    if Token.is_unresolved(region) or region != COST_HOME_REGION:
        shown = "(environment-agnostic)" if Token.is_unresolved(region) else region
        raise PlatformValidationError(
            f"{stack.node.path}.region",
            shown,
            f"cannot hold the cost controls: Budgets and Cost Anomaly Detection are homed in {COST_HOME_REGION}; "
            f"build them in a stack with env=Environment(region='{COST_HOME_REGION}') "
            "(stacks/cost_stack.py CostControlsStack does this)",
        )
