"""Account-level cost controls for Bedrock: AWS Budgets and Cost Anomaly Detection.

Budgets and Cost Explorer are global services homed in us-east-1, and their CloudFormation
resources are not available in every region. :class:`CostControls` therefore refuses (at
synth time, with a clear message) any stack that is not pinned to us-east-1; the default
app builds it in :class:`bedrock_platform.composition.cost_stack.CostControlsStack`, which is.

* Monthly and daily COST budgets filtered (``FilterExpression``) on the Cost Explorer SERVICE
  dimension, by default CONTAINS "Amazon Bedrock": that counts "Amazon Bedrock" and every
  Marketplace "<model> (Amazon Bedrock Edition)" line (Claude and other third-party models).
  ACTUAL notifications at the configured percentages and a FORECASTED one (monthly budget
  only: AWS Budgets does not forecast daily budgets), each to the SNS topic plus the
  configured email addresses.
* Cost Anomaly Detection on one of three monitors (see
  :class:`~bedrock_platform.AnomalyDetectionOptions`): a CUSTOM monitor on
  a ``<name>-bedrock-spend`` cost category (default; it cannot collide with the one
  DIMENSIONAL/SERVICE monitor AWS allows per account), that service monitor (opt-in), or an
  existing monitor; and an IMMEDIATE subscription to the SNS topic.

Names carry the platform name, so two platforms coexist in one account, and a fingerprint of
the create-only properties (budget: ``NotificationsWithSubscribers``; monitor: type, dimension,
specification and tags; subscription: tags), so a change that makes CloudFormation replace the
resource creates it under a new name instead of failing with "already exists".

The props are :class:`~bedrock_platform.BudgetOptions` (with its
:class:`~bedrock_platform.BudgetNotification` list) and
:class:`~bedrock_platform.AnomalyDetectionOptions` (:mod:`bedrock_platform.cost.cost_options`).
Budgets and anomaly monitors hold no data: deleting the stack deletes them.

The SNS topic must let ``budgets.amazonaws.com`` and ``costalerts.amazonaws.com`` publish
(see :class:`bedrock_platform.observability.alert_topic.AlertTopic`).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Stack, Token
from aws_cdk import aws_budgets as _budgets
from aws_cdk import aws_ce as ce
from aws_cdk import aws_sns as sns
from constructs import Construct, IDependable

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, is_token
from bedrock_platform.cost.cost_options import (
    DEFAULT_ANOMALY_DETECTION,
    DEFAULT_BUDGETS,
    AnomalyDetectionOptions,
    BudgetOptions,
    _check_anomaly_detection,
    _check_budgets,
)
from bedrock_platform.observability.alert_topic import IAlertTopic, _as_topic

COST_HOME_REGION = "us-east-1"
# The cost category value that holds Bedrock spend (the monitor watches it).
BEDROCK_COST_CATEGORY_VALUE = "Bedrock"
# Hex characters of the create-only fingerprint in physical names.
NAME_FINGERPRINT_LENGTH = 12
# Create-only properties per resource (cfn-lint schemas AWS::Budgets::Budget,
# AWS::CE::AnomalyMonitor, AWS::CE::AnomalySubscription: createOnlyProperties), as CDK names them.
BUDGET_CREATE_ONLY = frozenset({"notificationsWithSubscribers"})
MONITOR_CREATE_ONLY = frozenset({"monitorType", "monitorDimension", "monitorSpecification", "resourceTags"})
SUBSCRIPTION_CREATE_ONLY = frozenset({"resourceTags"})


class CostControls(Construct):
    """Budgets and anomaly detection publishing to ``topic``; build it in a us-east-1 stack.

    ``budgets`` / ``anomaly_detection`` default to :class:`BudgetOptions` ``()`` and
    :class:`AnomalyDetectionOptions` ``()``; ``None`` leaves that part out. ``topic`` is an
    :class:`~bedrock_platform.AlertTopic` (its topic policy is waited for) or any ``sns.ITopic``
    (then pass ``topic_policy`` if it has one).

    Example::

        stack = Stack(app, "Cost", env=Environment(region="us-east-1"))
        alerts = AlertTopic(stack, "Alerts", display_name="Bedrock cost alerts")
        CostControls(stack, "Cost", topic=alerts, name_prefix="acme",
                     budgets=BudgetOptions(monthly_limit=500, daily_limit=50,
                                           notifications=[BudgetNotification(80), BudgetNotification(100, forecasted=True)]),
                     anomaly_detection=AnomalyDetectionOptions(monitor="service"))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic | IAlertTopic,
        name_prefix: str,
        budgets: BudgetOptions | None = DEFAULT_BUDGETS,
        anomaly_detection: AnomalyDetectionOptions | None = DEFAULT_ANOMALY_DETECTION,
        topic_policy: IDependable | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        with problems.field():
            check_cost_region(Stack.of(self))
        sns_topic = _as_topic("topic", topic, problems)
        budgets_options = _check_budgets("budgets", budgets, problems)
        anomaly_options = _check_anomaly_detection("anomaly_detection", anomaly_detection, problems)
        if not is_token(name_prefix) and (not isinstance(name_prefix, str) or not name_prefix):
            problems.add("name_prefix", name_prefix, "is not a non-empty string")
        problems.raise_if_any(self)
        if topic_policy is None:
            topic_policy = getattr(topic, "topic_policy", None)
        topic = sns_topic
        #: "monthly" / "daily" -> the budget
        self.budgets: dict[str, _budgets.CfnBudget] = {}
        self.cost_category: ce.CfnCostCategory | None = None
        self.monitor: ce.CfnAnomalyMonitor | None = None
        self.subscription: ce.CfnAnomalySubscription | None = None
        budgets_config = budgets_options
        anomaly_config = anomaly_options

        if budgets_config is not None:
            self.budgets["monthly"] = self._budget(
                "Monthly", f"{name_prefix}-bedrock-monthly", "MONTHLY", budgets_config.monthly_limit, budgets_config,
                topic, forecast=True,
            )
            if budgets_config.daily_limit is not None:
                self.budgets["daily"] = self._budget(
                    "Daily", f"{name_prefix}-bedrock-daily", "DAILY", budgets_config.daily_limit, budgets_config,
                    topic, forecast=False,
                )

        if anomaly_config is not None:
            monitor_arn = self._monitor(anomaly_config, name_prefix)
            self.subscription = ce.CfnAnomalySubscription(
                self,
                "AnomalySubscription",
                subscription_name="pending",
                frequency="IMMEDIATE",
                monitor_arn_list=[monitor_arn],
                subscribers=[ce.CfnAnomalySubscription.SubscriberProperty(type="SNS", address=topic.topic_arn)],
                threshold_expression=anomaly_config.threshold_expression_json(),
            )
            self.subscription.subscription_name = _fingerprinted(
                self.subscription, f"{name_prefix}-bedrock-anomalies", SUBSCRIPTION_CREATE_ONLY
            )

        # Budgets and Cost Explorer check that they may publish when the resource is created.
        if topic_policy is not None:
            for resource in [*self.budgets.values(), self.subscription]:
                if resource is not None:
                    resource.node.add_dependency(topic_policy)

    def _monitor(self, config: AnomalyDetectionOptions, name_prefix: str) -> str:
        mode = config.monitor_mode
        if mode == "existing":
            assert config.existing_monitor_arn is not None  # checked above
            return config.existing_monitor_arn
        if mode == "service":
            # The one DIMENSIONAL/SERVICE monitor an account may have (opt-in).
            self.monitor = ce.CfnAnomalyMonitor(
                self, "ServiceMonitor", monitor_name="pending", monitor_type="DIMENSIONAL", monitor_dimension="SERVICE"
            )
            base = f"{name_prefix}-services"
        else:
            category_name = f"{name_prefix}-bedrock-spend"
            self.cost_category = ce.CfnCostCategory(
                self,
                "BedrockCostCategory",
                name=category_name,
                rule_version="CostCategoryExpression.v1",
                rules=bedrock_cost_category_rules(config.service_codes),
            )
            # A customer managed monitor of one cost category value (Cost Explorer API,
            # AnomalyMonitor.MonitorSpecification).
            self.monitor = ce.CfnAnomalyMonitor(
                self,
                "BedrockMonitor",
                monitor_name="pending",
                monitor_type="CUSTOM",
                monitor_specification=json.dumps(
                    {"CostCategories": {"Key": category_name, "Values": [BEDROCK_COST_CATEGORY_VALUE]}},
                    separators=(",", ":"),
                ),
            )
            self.monitor.node.add_dependency(self.cost_category)
            base = f"{name_prefix}-bedrock-spend"
        self.monitor.monitor_name = _fingerprinted(self.monitor, base, MONITOR_CREATE_ONLY)
        return self.monitor.attr_monitor_arn

    def _budget(
        self,
        construct_id: str,
        name: str,
        time_unit: str,
        amount: float,
        config: BudgetOptions,
        topic: sns.ITopic,
        *,
        forecast: bool,
    ) -> _budgets.CfnBudget:
        subscribers = [_budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic.topic_arn)]
        subscribers += [_budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=e) for e in config.emails]
        # FORECASTED goes on the monthly budget only: AWS Budgets does not forecast daily budgets.
        notifications = [
            _notification(n.notification_type, n.threshold_percent, subscribers)
            for n in config.notifications
            if forecast or not n.forecasted
        ]

        def data(budget_name: str | None) -> _budgets.CfnBudget.BudgetDataProperty:
            return _budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name,
                budget_type="COST",
                time_unit=time_unit,
                budget_limit=_budgets.CfnBudget.SpendProperty(amount=amount, unit=config.currency),
                # FilterExpression + Metrics replace CostFilters + CostTypes (one pair or the other).
                filter_expression=_budgets.CfnBudget.ExpressionProperty(
                    dimensions=_budgets.CfnBudget.ExpressionDimensionValuesProperty(
                        key="SERVICE", match_options=[config.service_match], values=list(config.service_names)
                    )
                ),
                metrics=["UnblendedCost"],
            )

        budget = _budgets.CfnBudget(self, construct_id, budget=data(None), notifications_with_subscribers=notifications)
        budget.budget = data(_fingerprinted(budget, name, BUDGET_CREATE_ONLY))
        return budget


def bedrock_cost_category_rules(service_codes: list[str] | tuple[str, ...]) -> str:
    """Cost category rules (JSON, ``CostCategoryExpression.v1``): ``Bedrock`` = these service codes.

    Cost category rules accept only the LINKED_ACCOUNT, SERVICE_CODE, RECORD_TYPE,
    LINKED_ACCOUNT_NAME, REGION and USAGE_TYPE dimensions (Cost Explorer API, CostCategoryRule),
    so the rule matches service codes, not the SERVICE names the budgets filter on.
    """
    rule = {"Dimensions": {"Key": "SERVICE_CODE", "Values": list(service_codes), "MatchOptions": ["EQUALS"]}}
    return json.dumps([{"Value": BEDROCK_COST_CATEGORY_VALUE, "Type": "REGULAR", "Rule": rule}], separators=(",", ":"))


def _fingerprinted(resource: _budgets.CfnBudget | ce.CfnAnomalyMonitor | ce.CfnAnomalySubscription, base: str,
                   create_only: frozenset[str]) -> str:
    """``base-<fingerprint of the resource's create-only properties>`` (a lazy token)."""
    # A deploy-time name prefix is a token string ("${Token[...]}"): escape its braces for str.format.
    escaped = base.replace("{", "{{").replace("}", "}}")
    return lazy_fingerprint(resource, exclude=frozenset(), only=create_only, template=f"{escaped}-{{digest}}",
                            length=NAME_FINGERPRINT_LENGTH)


def _notification(
    kind: str, percent: Any, subscribers: list[_budgets.CfnBudget.SubscriberProperty]
) -> _budgets.CfnBudget.NotificationWithSubscribersProperty:
    return _budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=_budgets.CfnBudget.NotificationProperty(
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
            "(bedrock_platform/composition/cost_stack.py CostControlsStack does this)",
        )
