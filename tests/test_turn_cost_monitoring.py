"""Dashboard widgets and alarms on the front door's per-turn EMF metrics (issue 10, section 3).

Metric names, namespace and dimensions come from bedrock_platform.metering.emf (the renderer the
front door uses); CloudWatch metric math: "Use metric math" (CloudWatch User Guide) - SUM/
SampleCount statistics and arithmetic between ids; AWS::CloudWatch::Alarm ``Metrics`` with one
``ReturnData: true`` expression (cfn-lint schema AWS::CloudWatch::Alarm).
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.metering.emf import DEFAULT_NAMESPACE
from bedrock_platform.observability.turn_cost import TurnCostMonitoring
from stacks.platform import new_app


def _alarms(template: Template) -> dict[str, dict]:
    return {v["Properties"]["AlarmName"]: v["Properties"] for v in template.find_resources("AWS::CloudWatch::Alarm").values()}


@pytest.fixture(scope="module")
def template() -> Template:
    stack = Stack(new_app(), "TurnCost")
    topic = sns.Topic(stack, "Alerts")
    TurnCostMonitoring(stack, "TurnCost", agents=["customer-support"], alarm_topic=topic, hidden_burn_ratio=12,
                       cap_hit_percent=10, period=Duration.hours(1), alarm_name_prefix="bp")
    return Template.from_stack(stack)


def test_burn_ratio_alarm_divides_turn_tokens_by_final_answer_tokens(template):
    alarm = _alarms(template)["bp-hiddenburn-customer-support-agent"]
    assert alarm["Threshold"] == 12 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching" and len(alarm["AlarmActions"]) == 1
    by_id = {m["Id"]: m for m in alarm["Metrics"]}
    assert by_id["expr_1"]["Expression"] == "turn / final" and by_id["expr_1"]["ReturnData"] is True
    for metric_id, name in (("turn", "TurnTokens"), ("final", "FinalAnswerTokens")):
        stat = by_id[metric_id]["MetricStat"]
        assert stat["Stat"] == "Sum" and stat["Period"] == 3600 and by_id[metric_id]["ReturnData"] is False
        assert stat["Metric"] == {"Namespace": DEFAULT_NAMESPACE, "MetricName": name, "Dimensions": [
            {"Name": "Agent", "Value": "customer-support"}, {"Name": "Route", "Value": "agent"}]}  # fmt: skip


def test_cap_hit_rate_alarm_is_capped_turns_over_all_turns(template):
    alarm = _alarms(template)["bp-caphitrate-customer-support-direct"]
    assert alarm["Threshold"] == 10
    by_id = {m["Id"]: m for m in alarm["Metrics"]}
    assert by_id["expr_1"]["Expression"] == "100 * capped / turns"
    assert by_id["capped"]["MetricStat"]["Metric"]["MetricName"] == "CappedTurns"
    assert by_id["capped"]["MetricStat"]["Stat"] == "Sum"
    assert by_id["turns"]["MetricStat"]["Metric"]["MetricName"] == "TurnTokens"
    assert by_id["turns"]["MetricStat"]["Stat"] == "SampleCount"
    assert len(_alarms(template)) == 4  # two alarms per route


def test_bad_thresholds_name_the_field():
    with pytest.raises(PlatformValidationError) as raised:
        TurnCostMonitoring(Stack(new_app(), "Bad"), "TurnCost", agents=[], hidden_burn_ratio=0.5, cap_hit_percent=0)
    message = str(raised.value)
    assert "agents" in message and "hidden_burn_ratio" in message and "cap_hit_percent" in message


def test_default_platform_dashboard_shows_turn_percentiles_and_alarms_go_to_the_alert_topic(platform):
    observability = platform.template("Observability")
    alarms = _alarms(observability)
    burn = alarms["bedrock-platform-hiddenburn-customer-support-agent"]
    topic = next(iter(observability.find_resources("AWS::SNS::Topic")))
    assert burn["AlarmActions"] == [{"Ref": topic}] and burn["Threshold"] == 12
    assert alarms["bedrock-platform-caphitrate-customer-support-agent"]["Threshold"] == 10
    dashboard = next(iter(observability.find_resources("AWS::CloudWatch::Dashboard").values()))
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "Tokens per turn vs final answer: customer-support/agent" in body
    assert '\\"stat\\":\\"p90\\"' in body and "FinalAnswerTokens" in body and "turn / final" in body
