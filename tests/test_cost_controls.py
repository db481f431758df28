"""Budgets, anomaly detection, the us-east-1 placement rule, and the alert topics' SNS/KMS policies."""

from __future__ import annotations

import json

import pytest
from observability_support import ACCOUNT, observability_app, one, resources, statement

from bedrock_platform.validation import PlatformValidationError


@pytest.fixture(scope="module")
def cost():
    return observability_app().cost


def _budgets(template):
    return {b["Properties"]["Budget"]["BudgetName"]: b for b in resources(template, "AWS::Budgets::Budget").values()}


def test_cost_stack_is_pinned_to_us_east_1():
    stack = observability_app().stacks.cost_controls
    assert stack.region == "us-east-1"
    assert stack.account == ACCOUNT


def test_monthly_and_daily_budgets_filter_on_configured_services(cost):
    budgets = _budgets(cost)
    assert set(budgets) == {"acme-bedrock-monthly", "acme-bedrock-daily"}
    monthly = budgets["acme-bedrock-monthly"]["Properties"]["Budget"]
    daily = budgets["acme-bedrock-daily"]["Properties"]["Budget"]
    assert (monthly["TimeUnit"], monthly["BudgetLimit"]) == ("MONTHLY", {"Amount": 2000, "Unit": "USD"})
    assert (daily["TimeUnit"], daily["BudgetLimit"]) == ("DAILY", {"Amount": 120, "Unit": "USD"})
    for budget in (monthly, daily):
        assert budget["BudgetType"] == "COST"
        assert budget["CostFilters"] == {"Service": ["Amazon Bedrock", "Claude 3.5 Haiku (Amazon Bedrock Edition)"]}


def test_budget_notifications_go_to_topic_and_emails(cost):
    topic_id, _ = one(cost, "AWS::SNS::Topic")
    budgets = _budgets(cost)
    monthly = budgets["acme-bedrock-monthly"]["Properties"]["NotificationsWithSubscribers"]
    kinds = [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in monthly]
    assert kinds == [("ACTUAL", 50), ("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
    for notification in monthly:
        assert notification["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert notification["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert notification["Subscribers"] == [
            {"SubscriptionType": "SNS", "Address": {"Ref": topic_id}},
            {"SubscriptionType": "EMAIL", "Address": "finance@example.com"},
        ]
    daily = budgets["acme-bedrock-daily"]["Properties"]["NotificationsWithSubscribers"]
    assert {n["Notification"]["NotificationType"] for n in daily} == {"ACTUAL"}  # no forecasts for daily budgets


def test_budgets_and_subscription_wait_for_the_topic_policy(cost):
    policy_id, _ = one(cost, "AWS::SNS::TopicPolicy")
    for budget in _budgets(cost).values():
        assert policy_id in budget["DependsOn"]
    _, subscription = one(cost, "AWS::CE::AnomalySubscription")
    assert policy_id in subscription["DependsOn"]


def test_anomaly_monitor_and_immediate_sns_subscription(cost):
    monitor_id, monitor = one(cost, "AWS::CE::AnomalyMonitor")
    assert monitor["Properties"] == {"MonitorName": "acme-services", "MonitorType": "DIMENSIONAL", "MonitorDimension": "SERVICE"}
    topic_id, _ = one(cost, "AWS::SNS::Topic")
    _, subscription = one(cost, "AWS::CE::AnomalySubscription")
    props = subscription["Properties"]
    assert props["Frequency"] == "IMMEDIATE"
    assert props["MonitorArnList"] == [{"Fn::GetAtt": [monitor_id, "MonitorArn"]}]
    assert props["Subscribers"] == [{"Type": "SNS", "Address": {"Ref": topic_id}}]
    assert json.loads(props["ThresholdExpression"]) == {
        "Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["100"]}
    }


def _cost_stack(region=None, **observability):
    from aws_cdk import Environment
    from aws_cdk.assertions import Template

    from bedrock_platform.config.loader import parse_config
    from stacks.cost_stack import CostControlsStack
    from stacks.platform import new_app

    config = parse_config({"observability": observability})
    kwargs = {"env": Environment(region=region)} if region is not None else {}
    stack = CostControlsStack(new_app(), "Cost", config=config, **kwargs)
    return Template.from_stack(stack).to_json()


def test_existing_monitor_and_threshold_from_config():
    arn = f"arn:aws:ce::{ACCOUNT}:anomalymonitor/11111111-2222-3333-4444-555555555555"
    expression = {"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_PERCENTAGE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["20"]}}
    template = _cost_stack(anomaly_detection={"existing_monitor_arn": arn, "threshold_expression": expression},
                           budgets={"daily_limit": None})
    assert resources(template, "AWS::CE::AnomalyMonitor") == {}
    _, subscription = one(template, "AWS::CE::AnomalySubscription")
    assert subscription["Properties"]["MonitorArnList"] == [arn]
    assert json.loads(subscription["Properties"]["ThresholdExpression"]) == expression
    assert [b["Properties"]["Budget"]["TimeUnit"] for b in resources(template, "AWS::Budgets::Budget").values()] == ["MONTHLY"]


def test_cost_controls_can_be_switched_off():
    template = _cost_stack(budgets={"enabled": False}, anomaly_detection={"enabled": False})
    assert resources(template, "AWS::Budgets::Budget") == {}
    assert resources(template, "AWS::CE::AnomalySubscription") == {}


def test_default_env_of_cost_stack_is_us_east_1():
    template = _cost_stack()
    assert resources(template, "AWS::Budgets::Budget")


@pytest.mark.parametrize("region", ["eu-west-1", "us-west-2"])
def test_another_region_is_a_synth_error(region):
    with pytest.raises(PlatformValidationError) as error:
        _cost_stack(region=region)
    assert f"'{region}'" in str(error.value)
    assert "homed in us-east-1" in str(error.value)


def test_environment_agnostic_region_is_a_synth_error():
    from aws_cdk import Stack
    from aws_cdk import aws_sns as sns

    from bedrock_platform.config.observability import AnomalyDetectionConfig, BudgetsConfig
    from bedrock_platform.cost_controls import CostControls
    from stacks.platform import new_app

    stack = Stack(new_app(), "Agnostic")
    with pytest.raises(PlatformValidationError, match="environment-agnostic"):
        CostControls(stack, "Cost", budgets_config=BudgetsConfig(), anomaly_config=AnomalyDetectionConfig(),
                     topic=sns.Topic(stack, "T"), name_prefix="x")


# --- SNS and KMS policies of both alert topics ---------------------------------------------


@pytest.mark.parametrize("which", ["observability", "cost"])
def test_topic_policy_lets_the_three_services_publish_from_this_account(which):
    template = getattr(observability_app(), which)
    topic_id, topic = one(template, "AWS::SNS::Topic")
    _, policy = one(template, "AWS::SNS::TopicPolicy")
    document = policy["Properties"]["PolicyDocument"]
    publish = statement(document, "AllowAlertPublishers")
    assert sorted(publish["Principal"]["Service"]) == [
        "budgets.amazonaws.com", "cloudwatch.amazonaws.com", "costalerts.amazonaws.com",
    ]
    assert publish["Action"] == "sns:Publish"
    assert publish["Resource"] == {"Ref": topic_id}
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in document["Statement"])
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]  # a customer-managed key of this stack
    key = template["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    use = statement(key["Properties"]["KeyPolicy"], "AllowAlertPublishersToUseTheKey")
    assert sorted(use["Principal"]["Service"]) == [
        "budgets.amazonaws.com", "cloudwatch.amazonaws.com", "costalerts.amazonaws.com",
    ]
    assert sorted(use["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert use["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


@pytest.mark.parametrize("which", ["observability", "cost"])
def test_email_subscriptions_from_config(which):
    template = getattr(observability_app(), which)
    subscriptions = [s["Properties"] for s in resources(template, "AWS::SNS::Subscription").values()]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "ops@example.com")]
