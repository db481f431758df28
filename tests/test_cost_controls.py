"""Budgets, anomaly detection, the us-east-1 placement rule, and the alert topics' SNS/KMS policies."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from observability_support import ACCOUNT, observability_app, one, resources, statement

from bedrock_platform.core.validation import PlatformValidationError


@pytest.fixture(scope="module")
def cost():
    return observability_app().cost


def _budgets(template):
    """Budgets by TimeUnit (their names carry a fingerprint)."""
    return {b["Properties"]["Budget"]["TimeUnit"]: b for b in resources(template, "AWS::Budgets::Budget").values()}


def test_cost_stack_is_pinned_to_us_east_1():
    stack = observability_app().stacks.cost_controls
    assert stack.region == "us-east-1"
    assert stack.account == ACCOUNT


def test_monthly_and_daily_budgets_filter_on_configured_services(cost):
    budgets = _budgets(cost)
    assert set(budgets) == {"MONTHLY", "DAILY"}
    monthly = budgets["MONTHLY"]["Properties"]["Budget"]
    daily = budgets["DAILY"]["Properties"]["Budget"]
    assert monthly["BudgetLimit"] == {"Amount": 2000, "Unit": "USD"}
    assert daily["BudgetLimit"] == {"Amount": 120, "Unit": "USD"}
    assert re.fullmatch(r"acme-bedrock-monthly-[0-9a-f]{12}", monthly["BudgetName"])
    assert re.fullmatch(r"acme-bedrock-daily-[0-9a-f]{12}", daily["BudgetName"])
    for budget in (monthly, daily):
        assert budget["BudgetType"] == "COST"
        assert budget["FilterExpression"] == {"Dimensions": {
            "Key": "SERVICE", "MatchOptions": ["CONTAINS"],
            "Values": ["Amazon Bedrock", "Claude 3.5 Haiku (Amazon Bedrock Edition)"],
        }}


def _service_matches(expression: dict, service: str) -> bool:
    """How Budgets applies a Dimensions filter: any value, with the one match option."""
    dims = expression["Dimensions"]
    (option,) = dims["MatchOptions"]
    test = {"EQUALS": str.__eq__, "CONTAINS": lambda s, v: v in s,
            "STARTS_WITH": str.startswith, "ENDS_WITH": str.endswith}[option]
    return any(test(service, value) for value in dims["Values"])


def test_default_budget_sees_claude_billed_through_marketplace():
    # Third-party models bill through AWS Marketplace under their own SERVICE names,
    # "<model> (Amazon Bedrock Edition)" (shared/reference/agentcore-facts.md; Cost Explorer
    # SERVICE values). The old CostFilters {"Service": ["Amazon Bedrock"]} missed them.
    template = _cost_stack()
    for budget in resources(template, "AWS::Budgets::Budget").values():
        data = budget["Properties"]["Budget"]
        expression = data["FilterExpression"]
        assert expression == {"Dimensions": {"Key": "SERVICE", "MatchOptions": ["CONTAINS"], "Values": ["Amazon Bedrock"]}}
        for service in ("Amazon Bedrock", "Claude 3.5 Sonnet (Amazon Bedrock Edition)",
                        "Claude 3.5 Haiku (Amazon Bedrock Edition)", "Claude Sonnet 4 (Amazon Bedrock Edition)"):
            assert _service_matches(expression, service), service
        for service in ("Amazon Simple Storage Service", "AWS Lambda", "Amazon OpenSearch Service"):
            assert not _service_matches(expression, service), service
        # botocore budgets CreateBudget: "Either FilterExpression and Metrics or CostFilters and
        # CostTypes, not both or a different combination."
        assert data["Metrics"] == ["UnblendedCost"]
        assert "CostFilters" not in data and "CostTypes" not in data


def _botocore(service: str, version: str) -> dict:
    import botocore

    path = Path(botocore.__file__).parent / "data" / service / version / "service-2.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def test_budget_filter_uses_only_what_the_budgets_api_accepts():
    # botocore/data/budgets/2016-10-20/service-2.json: Budget.FilterExpression is an Expression
    # whose Dimensions (ExpressionDimensionValues) take Key (Dimension enum), Values and
    # MatchOptions ("You can specify only one of these values in the array"); Metrics has at
    # most one Metric.
    shapes = _botocore("budgets", "2016-10-20")["shapes"]
    assert {"FilterExpression", "Metrics"} <= set(shapes["Budget"]["members"])
    assert "only one" in shapes["ExpressionDimensionValues"]["members"]["MatchOptions"]["documentation"]
    assert shapes["Metrics"]["max"] == 1
    template = _cost_stack(budgets={"service_match": "EQUALS", "service_names": ["Amazon Bedrock", "Claude 3.5 Haiku (Amazon Bedrock Edition)"]})
    for budget in resources(template, "AWS::Budgets::Budget").values():
        data = budget["Properties"]["Budget"]
        dims = data["FilterExpression"]["Dimensions"]
        assert dims == {"Key": "SERVICE", "MatchOptions": ["EQUALS"],
                        "Values": ["Amazon Bedrock", "Claude 3.5 Haiku (Amazon Bedrock Edition)"]}
        assert dims["Key"] in shapes["Dimension"]["enum"]
        assert set(dims["MatchOptions"]) <= set(shapes["MatchOption"]["enum"])
        assert set(data["Metrics"]) <= set(shapes["Metric"]["enum"])


@pytest.mark.parametrize(("budgets", "expected"), [
    ({"service_match": "LIKE"}, "observability.budgets.service_match: 'LIKE' is invalid"),
    ({"service_names": ["Amazon Bedrock", "Amazon Bedrock"]},
     "observability.budgets.service_names: ['Amazon Bedrock', 'Amazon Bedrock'] is invalid: a service name appears more than once"),
    ({"service_names": [" "]}, "observability.budgets.service_names: [' '] is invalid: a service name is empty"),
])
def test_bad_budget_filter_is_a_config_error(budgets, expected):
    from bedrock_platform.config.loader import ConfigError, parse_config

    with pytest.raises(ConfigError) as error:
        parse_config({"observability": {"budgets": budgets}})
    assert error.value.problems[0].startswith(expected)


def test_budget_notifications_go_to_topic_and_emails(cost):
    topic_id, _ = one(cost, "AWS::SNS::Topic")
    budgets = _budgets(cost)
    monthly = budgets["MONTHLY"]["Properties"]["NotificationsWithSubscribers"]
    kinds = [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in monthly]
    assert kinds == [("ACTUAL", 50), ("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
    for notification in monthly:
        assert notification["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert notification["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert notification["Subscribers"] == [
            {"SubscriptionType": "SNS", "Address": {"Ref": topic_id}},
            {"SubscriptionType": "EMAIL", "Address": "finance@example.com"},
        ]
    daily = budgets["DAILY"]["Properties"]["NotificationsWithSubscribers"]
    assert {n["Notification"]["NotificationType"] for n in daily} == {"ACTUAL"}  # no forecasts for daily budgets


def test_budgets_and_subscription_wait_for_the_topic_policy(cost):
    policy_id, _ = one(cost, "AWS::SNS::TopicPolicy")
    for budget in _budgets(cost).values():
        assert policy_id in budget["DependsOn"]
    _, subscription = one(cost, "AWS::CE::AnomalySubscription")
    assert policy_id in subscription["DependsOn"]


# --- Anomaly detection: three monitor modes ---------------------------------------------------


def test_default_monitor_is_custom_on_the_bedrock_cost_category(cost):
    # No DIMENSIONAL/SERVICE monitor by default: AWS allows one per account and most accounts
    # already have one, so creating it would fail the deploy (shared/reference/agentcore-facts.md).
    category_id, category = one(cost, "AWS::CE::CostCategory")
    assert {k: v for k, v in category["Properties"].items() if k != "Tags"} == {
        "Name": "acme-bedrock-spend",
        "RuleVersion": "CostCategoryExpression.v1",
        "Rules": json.dumps([{"Value": "Bedrock", "Type": "REGULAR", "Rule": {"Dimensions": {
            "Key": "SERVICE_CODE", "Values": ["AmazonBedrock"], "MatchOptions": ["EQUALS"]}}}], separators=(",", ":")),
    }
    monitor_id, monitor = one(cost, "AWS::CE::AnomalyMonitor")
    props = monitor["Properties"]
    assert re.fullmatch(r"acme-bedrock-spend-[0-9a-f]{12}", props["MonitorName"])
    assert props["MonitorType"] == "CUSTOM"
    assert "MonitorDimension" not in props  # "For customer managed monitors, do not specify this field"
    assert json.loads(props["MonitorSpecification"]) == {"CostCategories": {"Key": "acme-bedrock-spend", "Values": ["Bedrock"]}}
    assert monitor["DependsOn"] == [category_id]
    topic_id, _ = one(cost, "AWS::SNS::Topic")
    _, subscription = one(cost, "AWS::CE::AnomalySubscription")
    props = subscription["Properties"]
    assert re.fullmatch(r"acme-bedrock-anomalies-[0-9a-f]{12}", props["SubscriptionName"])
    assert props["Frequency"] == "IMMEDIATE"
    assert props["MonitorArnList"] == [{"Fn::GetAtt": [monitor_id, "MonitorArn"]}]
    assert props["Subscribers"] == [{"Type": "SNS", "Address": {"Ref": topic_id}}]
    assert json.loads(props["ThresholdExpression"]) == {
        "Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["100"]}
    }


def test_cost_category_and_custom_monitor_follow_the_cost_explorer_api():
    # botocore/data/ce/2017-10-25/service-2.json:
    # - CostCategoryRule.Rule: "Currently the only dimensions supported are LINKED_ACCOUNT,
    #   SERVICE_CODE, RECORD_TYPE, LINKED_ACCOUNT_NAME, REGION, and USAGE_TYPE" -- not SERVICE, so a
    #   cost category cannot match the "(Amazon Bedrock Edition)" SERVICE names; the budgets
    #   filter on SERVICE instead, and the category takes service codes.
    # - AnomalyMonitor.MonitorSpecification, customer managed monitors: "To track cost
    #   categories, set this field to { "CostCategories": { "Key": ..., "Values": [...] } }".
    model = _botocore("ce", "2017-10-25")
    shapes = model["shapes"]
    rule_doc = re.sub("<[^>]+>", "", shapes["CostCategoryRule"]["members"]["Rule"]["documentation"])
    supported = re.search(r"only dimensions supported are (.+?)\.", rule_doc).group(1)
    supported = {d.strip() for d in re.split(r",|\band\b", supported) if d.strip()}
    assert supported == {"LINKED_ACCOUNT", "SERVICE_CODE", "RECORD_TYPE", "LINKED_ACCOUNT_NAME", "REGION", "USAGE_TYPE"}
    spec_doc = re.sub("<[^>]+>", "", shapes["AnomalyMonitor"]["members"]["MonitorSpecification"]["documentation"])
    assert '{ "CostCategories": { "Key": "your cost category key", "Values": [ "your cost category value" ] } }' in spec_doc

    template = _cost_stack(anomaly_detection={"service_codes": ["AmazonBedrock", "abcdefghij0123456789klmno"]})
    _, category = one(template, "AWS::CE::CostCategory")
    (rule,) = json.loads(category["Properties"]["Rules"])
    assert category["Properties"]["RuleVersion"] in shapes["CostCategoryRuleVersion"]["enum"]
    assert rule["Type"] in shapes["CostCategoryRuleType"]["enum"]
    assert rule["Rule"]["Dimensions"]["Key"] in supported
    assert rule["Rule"]["Dimensions"]["Values"] == ["AmazonBedrock", "abcdefghij0123456789klmno"]
    assert set(rule["Rule"]["Dimensions"]["MatchOptions"]) <= set(shapes["MatchOption"]["enum"])
    name = category["Properties"]["Name"]
    limits = shapes["CostCategoryName"]
    assert limits["min"] <= len(name) <= limits["max"]
    assert len("a" * 24 + "-bedrock-spend") <= limits["max"]  # the longest platform name (24) fits
    assert re.fullmatch(r"[A-Za-z0-9 _-]+", name)


def test_service_monitor_is_opt_in():
    template = _cost_stack(anomaly_detection={"monitor": "service"})
    assert resources(template, "AWS::CE::CostCategory") == {}
    monitor_id, monitor = one(template, "AWS::CE::AnomalyMonitor")
    assert monitor_id.startswith("CostControlsServiceMonitor")  # logical ID of the former default kept
    props = monitor["Properties"]
    assert re.fullmatch(r"bedrock-platform-services-[0-9a-f]{12}", props["MonitorName"])
    assert {k: v for k, v in props.items() if k != "MonitorName"} == {"MonitorType": "DIMENSIONAL", "MonitorDimension": "SERVICE"}
    _, subscription = one(template, "AWS::CE::AnomalySubscription")
    assert subscription["Properties"]["MonitorArnList"] == [{"Fn::GetAtt": [monitor_id, "MonitorArn"]}]


def test_existing_monitor_and_threshold_from_config():
    arn = f"arn:aws:ce::{ACCOUNT}:anomalymonitor/11111111-2222-3333-4444-555555555555"
    expression = {"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_PERCENTAGE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["20"]}}
    for anomaly in ({"existing_monitor_arn": arn}, {"monitor": "existing", "existing_monitor_arn": arn}):
        template = _cost_stack(anomaly_detection={**anomaly, "threshold_expression": expression},
                               budgets={"daily_limit": None})
        assert resources(template, "AWS::CE::AnomalyMonitor") == {}
        assert resources(template, "AWS::CE::CostCategory") == {}
        _, subscription = one(template, "AWS::CE::AnomalySubscription")
        assert subscription["Properties"]["MonitorArnList"] == [arn]
        assert json.loads(subscription["Properties"]["ThresholdExpression"]) == expression
        assert [b["Properties"]["Budget"]["TimeUnit"] for b in resources(template, "AWS::Budgets::Budget").values()] == ["MONTHLY"]


@pytest.mark.parametrize(("anomaly", "expected"), [
    ({"monitor": "existing"}, "monitor: existing needs existing_monitor_arn"),
    ({"monitor": "service", "existing_monitor_arn": f"arn:aws:ce::{ACCOUNT}:anomalymonitor/x"},
     "existing_monitor_arn is only used with monitor: existing (monitor is 'service')"),
    ({"monitor": "dimensional"}, "monitor: 'dimensional' is invalid"),
    ({"service_codes": ["Amazon Bedrock"]},
     "service_codes: ['Amazon Bedrock'] is invalid: 'Amazon Bedrock' is not a service code (letters, digits, '.', '_', '-')"),
])
def test_bad_monitor_settings_are_config_errors(anomaly, expected):
    from bedrock_platform.config.loader import ConfigError, parse_config

    with pytest.raises(ConfigError) as error:
        parse_config({"observability": {"anomaly_detection": anomaly}})
    (problem,) = error.value.problems
    assert problem.startswith("observability.anomaly_detection")
    assert expected in problem


@pytest.mark.parametrize("anomaly", [{}, {"monitor": "service"},
                                     {"existing_monitor_arn": f"arn:aws:ce::{ACCOUNT}:anomalymonitor/x"}])
def test_every_monitor_mode_passes_cfn_lint_and_nag(anomaly):
    # The default app's gates (tests/test_quality_gates.py) see only the default mode.
    from aws_cdk.assertions import Template
    from cfnlint.api import ManualArgs, lint
    from nag_helpers import add_nag_packs, nag_findings

    from bedrock_platform.composition.cost_stack import CostControlsStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import new_app

    app = new_app()
    stack = CostControlsStack(app, "Cost", config=parse_config({"observability": {"anomaly_detection": anomaly}}))
    add_nag_packs(app)
    assembly = app.synth()
    template = Template.from_stack(stack).to_json()
    assert [m.message for m in lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))] == []
    assert nag_findings(assembly) == []


def test_cost_controls_can_be_switched_off():
    template = _cost_stack(budgets={"enabled": False}, anomaly_detection={"enabled": False})
    assert resources(template, "AWS::Budgets::Budget") == {}
    assert resources(template, "AWS::CE::AnomalySubscription") == {}
    assert resources(template, "AWS::CE::AnomalyMonitor") == {}
    assert resources(template, "AWS::CE::CostCategory") == {}


# --- Physical names: create-only fingerprints, one name space per platform -------------------


def _cfn_schema(type_name: str) -> dict:
    import cfnlint

    root = Path(cfnlint.__file__).parent / "data" / "schemas"
    index = json.loads((root / "providers" / "us-east-1.json").read_text())
    return json.loads((root / "resources" / f"{index[type_name]}.json").read_text())


def test_fingerprints_cover_exactly_the_create_only_properties():
    # cfn-lint schemas (cfnlint/data/schemas/providers/us-east-1.json -> resources/<hash>.json),
    # createOnlyProperties: a change to any of these makes CloudFormation replace the resource,
    # creating the new one before deleting the old, so the name must change with them.
    from bedrock_platform.cost.cost_controls import (
        BUDGET_CREATE_ONLY,
        MONITOR_CREATE_ONLY,
        SUBSCRIPTION_CREATE_ONLY,
    )

    def cfn(names):
        return {f"/properties/{n[0].upper()}{n[1:]}" for n in names}

    assert set(_cfn_schema("AWS::Budgets::Budget")["createOnlyProperties"]) == {
        "/properties/Budget/BudgetName", *cfn(BUDGET_CREATE_ONLY)}
    assert set(_cfn_schema("AWS::CE::AnomalyMonitor")["createOnlyProperties"]) == cfn(MONITOR_CREATE_ONLY)
    assert set(_cfn_schema("AWS::CE::AnomalySubscription")["createOnlyProperties"]) == cfn(SUBSCRIPTION_CREATE_ONLY)
    # The cost category's only create-only property is its Name, which derives from the platform name.
    assert _cfn_schema("AWS::CE::CostCategory")["createOnlyProperties"] == ["/properties/Name"]


def _physical_names(template: dict) -> dict[str, str]:
    paths = {"AWS::Budgets::Budget": ("Budget", "BudgetName"), "AWS::CE::AnomalyMonitor": ("MonitorName",),
             "AWS::CE::AnomalySubscription": ("SubscriptionName",), "AWS::CE::CostCategory": ("Name",)}
    names = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in paths:
            value = resource["Properties"]
            for key in paths[resource["Type"]]:
                value = value[key]
            names[logical_id] = value
    return names


def _tagged_cost_stack(tags=None, *, name="acme", **observability):
    from aws_cdk import Tags
    from aws_cdk.assertions import Template

    from bedrock_platform.composition.cost_stack import CostControlsStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import new_app

    app = new_app()
    stack = CostControlsStack(app, "Cost", config=parse_config({"name": name, "observability": observability}))
    for key, value in (tags or {}).items():
        Tags.of(app).add(key, value)
    return Template.from_stack(stack).to_json()


BASE = {"budgets": {"emails": ["finance@example.com"]}}


def test_unchanged_resynth_keeps_every_name():
    for anomaly in ({}, {"monitor": "service"}):
        first = _physical_names(_tagged_cost_stack({"team": "ai"}, **BASE, anomaly_detection=anomaly))
        second = _physical_names(_tagged_cost_stack({"team": "ai"}, **BASE, anomaly_detection=anomaly))
        assert first == second
        assert len(first) == (5 if not anomaly else 4)


def _changed(before: dict, after: dict) -> set[str]:
    assert set(before) == set(after)  # logical IDs are stable
    return {k for k in before if before[k] != after[k]}


def test_create_only_changes_rename_and_updatable_changes_do_not():
    before = _physical_names(_tagged_cost_stack({"team": "ai"}, **BASE))
    budget_ids = {k for k in before if k.startswith(("CostControlsMonthly", "CostControlsDaily"))}
    monitor_id = next(k for k in before if k.startswith("CostControlsBedrockMonitor"))
    subscription_id = next(k for k in before if k.startswith("CostControlsAnomalySubscription"))
    # NotificationsWithSubscribers (create-only): subscribers and thresholds rename both budgets.
    emails = _physical_names(_tagged_cost_stack({"team": "ai"}, budgets={"emails": ["cfo@example.com"]}))
    assert _changed(before, emails) == budget_ids
    thresholds = _physical_names(_tagged_cost_stack({"team": "ai"}, budgets={**BASE["budgets"], "actual_thresholds_percent": [90]}))
    assert _changed(before, thresholds) == budget_ids
    forecast = _physical_names(_tagged_cost_stack({"team": "ai"}, budgets={**BASE["budgets"], "forecasted_threshold_percent": 120}))
    assert _changed(before, forecast) == {k for k in budget_ids if k.startswith("CostControlsMonthly")}
    # Monitor and subscription ResourceTags (create-only) rename both; budgets update tags in place.
    retagged = _physical_names(_tagged_cost_stack({"team": "ml"}, **BASE))
    assert _changed(before, retagged) == {monitor_id, subscription_id}
    # Updatable settings keep every name (no needless replacement, budget history is kept).
    updatable = _physical_names(_tagged_cost_stack(
        {"team": "ai"}, budgets={**BASE["budgets"], "monthly_limit": 9999, "service_match": "EQUALS"},
        anomaly_detection={"service_codes": ["AmazonBedrock", "abcdefghij0123456789klmno"],
                           "threshold_expression": {"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                                                    "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["5"]}}}))
    assert _changed(before, updatable) == set()


def test_monitor_spec_change_renames_the_monitor():
    custom = _physical_names(_tagged_cost_stack(**BASE))
    other_platform_spec = _physical_names(_tagged_cost_stack(**BASE, anomaly_detection={"monitor": "service"}))
    custom_monitor = next(v for k, v in custom.items() if k.startswith("CostControlsBedrockMonitor"))
    service_monitor = next(v for k, v in other_platform_spec.items() if k.startswith("CostControlsServiceMonitor"))
    assert custom_monitor != service_monitor


def test_two_platforms_share_no_physical_name():
    for anomaly in ({}, {"monitor": "service"}):
        first = _physical_names(_tagged_cost_stack(name="alpha", **BASE, anomaly_detection=anomaly))
        second = _physical_names(_tagged_cost_stack(name="beta", **BASE, anomaly_detection=anomaly))
        assert set(first) == set(second)  # same logical IDs
        assert not set(first.values()) & set(second.values())
        assert all(v.startswith("alpha-") for v in first.values())


def _cost_stack(region=None, **observability):
    from aws_cdk import Environment
    from aws_cdk.assertions import Template

    from bedrock_platform.composition.cost_stack import CostControlsStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import new_app

    config = parse_config({"observability": observability})
    kwargs = {"env": Environment(region=region)} if region is not None else {}
    stack = CostControlsStack(new_app(), "Cost", config=config, **kwargs)
    return Template.from_stack(stack).to_json()


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

    from bedrock_platform.cost.cost_controls import CostControls
    from stacks.platform import new_app

    stack = Stack(new_app(), "Agnostic")
    with pytest.raises(PlatformValidationError, match="environment-agnostic"):
        CostControls(stack, "Cost", topic=sns.Topic(stack, "T"), name_prefix="x")


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
