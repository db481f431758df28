"""Each alarm: namespace, metric, dimensions, statistic, period, threshold, missing data and action."""

from __future__ import annotations

import pytest
from observability_support import (
    AGENT_ALIAS_ARN,
    CALLER_ARN,
    GUARDRAIL_ARN,
    HAIKU,
    SONNET,
    SONNET_TPM_QUOTA,
    logical_id_like,
    observability_app,
    resources,
)


@pytest.fixture(scope="module")
def template():
    return observability_app().observability


@pytest.fixture(scope="module")
def alarms(template):
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()}


def _dims(dimensions):
    return {d["Name"]: d["Value"] for d in dimensions or []}


def _queries(alarm):
    """id -> (namespace, metric, dimensions, stat, period) for a metric-math alarm."""
    out = {}
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            stat = query["MetricStat"]
            metric = stat["Metric"]
            out[query["Id"]] = (metric["Namespace"], metric["MetricName"], _dims(metric.get("Dimensions")), stat["Stat"], stat["Period"])
    return out


def _single(alarm):
    """(namespace, metric, dimensions, statistic, period) of a one-metric alarm, in either rendering."""
    if "MetricName" in alarm:
        return (alarm["Namespace"], alarm["MetricName"], _dims(alarm.get("Dimensions")),
                alarm.get("Statistic") or alarm.get("ExtendedStatistic"), alarm["Period"])
    (query,) = alarm["Metrics"]
    assert query["ReturnData"] is True
    (only,) = _queries(alarm).values()
    return only


def _expression(alarm):
    (expression,) = [q["Expression"] for q in alarm["Metrics"] if "Expression" in q]
    return expression


def test_every_alarm_notifies_the_topic_and_ignores_missing_data(template, alarms):
    topic = logical_id_like(template, "AWS::SNS::Topic", "AlertsTopic")
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold", name


def test_the_expected_alarms_exist(alarms):
    assert set(alarms) == {
        f"acme-model-tokens-hourly:{HAIKU}", f"acme-model-tokens-daily:{HAIKU}",
        f"acme-model-throttles:{HAIKU}", f"acme-model-server-errors:{HAIKU}",
        f"acme-model-tokens-hourly:{SONNET}", f"acme-model-tokens-daily:{SONNET}",
        f"acme-model-throttles:{SONNET}", f"acme-model-server-errors:{SONNET}", f"acme-model-tpm-quota:{SONNET}",
        "acme-throttles", "acme-server-errors", "acme-caller-tokens-hourly:support-bot",
        "acme-log-delivery-failures", "acme-agent-latency:support", "acme-agent-errors:support",
        "acme-agent-throttles:support", "acme-guardrail-interventions:default", "acme-daily-estimated-spend",
    }


@pytest.mark.parametrize(("model", "threshold"), [(HAIKU, 500000), (SONNET, 2_000_000)])
def test_model_token_rate_hourly(alarms, model, threshold):
    alarm = alarms[f"acme-model-tokens-hourly:{model}"]
    assert alarm["Threshold"] == threshold  # per-model override, else the default
    assert alarm["EvaluationPeriods"] == 1
    assert _expression(alarm) == "FILL(t_input, 0) + FILL(t_output, 0) + FILL(t_cache_read, 0) + FILL(t_cache_write, 0)"
    queries = _queries(alarm)
    key = model.replace(":", "_")
    # The per-model series the model's metric filters publish (every form of its id; test_token_metering).
    assert sorted(queries.values()) == sorted(
        ("AcmeBedrock", f"{metric}/{key}", {}, "Sum", 3600)
        for metric in ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount")
    )


def test_model_token_rate_daily(alarms):
    alarm = alarms[f"acme-model-tokens-daily:{HAIKU}"]
    assert alarm["Threshold"] == 20_000_000
    assert {q[1] for q in _queries(alarm).values()} == {
        f"{metric}/anthropic.claude-3-5-haiku-20241022-v1_0"
        for metric in ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount")
    }
    assert all(q[2] == {} and q[4] == 86400 for q in _queries(alarm).values())


def test_tpm_quota_usage_alarm(alarms):
    # AWS/Bedrock EstimatedTPMQuotaUsage (ModelId dimension; since 2026-03, emitted for every
    # successful request: AWS Machine Learning Blog, 2026-03-12, "Improve operational visibility for
    # inference workloads on Amazon Bedrock with new CloudWatch metrics for TTFT and Estimated Quota
    # Consumption"). Summed per minute it is what the minute counts against the tokens-per-minute
    # quota; the alarm compares it, as a percentage of the configured quota, with 80 (the default).
    alarm = alarms[f"acme-model-tpm-quota:{SONNET}"]
    assert _expression(alarm) == f"100 * FILL(usage, 0) / {SONNET_TPM_QUOTA}"
    assert _queries(alarm) == {"usage": ("AWS/Bedrock", "EstimatedTPMQuotaUsage", {"ModelId": SONNET}, "Sum", 60)}
    assert alarm["Threshold"] == 80
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 2)
    assert f"acme-model-tpm-quota:{HAIKU}" not in alarms  # no quota configured for it


def test_tpm_quota_threshold_is_configurable():
    from aws_cdk.assertions import Template

    from bedrock_platform.composition.observability_stack import ObservabilityStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import new_app

    config = parse_config({"observability": {
        "models": [{"model_id": "amazon.nova-lite-v1:0", "input_price_per_1k_tokens": 0.00006,
                    "output_price_per_1k_tokens": 0.00024, "tokens_per_minute_quota": 2_000_000}],
        "alarms": {"tpm_quota_usage_percent": 65}, "dashboard": {"enabled": False}}})
    template = Template.from_stack(ObservabilityStack(new_app(), "Obs", config=config)).to_json()
    alarm = next(a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
                 if a["Properties"]["AlarmName"] == "bedrock-platform-model-tpm-quota:amazon.nova-lite-v1:0")
    assert alarm["Threshold"] == 65
    assert _expression(alarm) == "100 * FILL(usage, 0) / 2000000"


def test_per_caller_token_rate(alarms):
    alarm = alarms["acme-caller-tokens-hourly:support-bot"]
    assert alarm["Threshold"] == 250000
    assert all(q[0] == "AcmeBedrock" and q[2] == {"CallerArn": CALLER_ARN} and q[4] == 3600 for q in _queries(alarm).values())


def _insights(alarm):
    """(expression, period) of an alarm that watches one Metrics Insights query."""
    (query,) = alarm["Metrics"]
    assert query["ReturnData"] is True
    assert query["Expression"].startswith("SELECT ")
    return query["Expression"], query["Period"]


@pytest.mark.parametrize(
    ("name", "metric", "dimensions", "threshold"),
    [
        (f"acme-model-throttles:{HAIKU}", "InvocationThrottles", {"ModelId": HAIKU}, 10),
        (f"acme-model-server-errors:{SONNET}", "InvocationServerErrors", {"ModelId": SONNET}, 5),
    ],
)
def test_bedrock_runtime_alarms_per_model(alarms, name, metric, dimensions, threshold):
    alarm = alarms[name]
    assert _single(alarm) == ("AWS/Bedrock", metric, dimensions, "Sum", 300)
    assert alarm["Threshold"] == threshold


@pytest.mark.parametrize(
    ("name", "metric", "threshold"),
    [("acme-throttles", "InvocationThrottles", 10), ("acme-server-errors", "InvocationServerErrors", 5)],
)
def test_bedrock_runtime_alarms_across_all_models_sum_every_model_id(alarms, name, metric, threshold):
    # AWS/Bedrock documents ModelId on every runtime metric: the all-model alarm sums every
    # ModelId series (configured models or not) instead of watching a dimensionless series.
    alarm = alarms[name]
    assert "MetricName" not in alarm and "Dimensions" not in alarm
    assert _insights(alarm) == (f'SELECT SUM({metric}) FROM SCHEMA("AWS/Bedrock", ModelId)', 300)
    assert alarm["Threshold"] == threshold


def test_log_delivery_failures(alarms):
    alarm = alarms["acme-log-delivery-failures"]
    assert alarm["Threshold"] == 1
    queries = _queries(alarm)
    assert sorted(queries.values()) == sorted([
        ("AWS/Bedrock", "ModelInvocationLogsCloudWatchDeliveryFailure", {}, "Sum", 300),
        ("AWS/Bedrock", "ModelInvocationLogsS3DeliveryFailure", {}, "Sum", 300),
        ("AWS/Bedrock", "ModelInvocationLargeDataS3DeliveryFailure", {}, "Sum", 300),
    ], key=str)


# AWS/Bedrock/Agents publishes the alias only in the dimension set Operation + AgentAliasArn +
# ModelId: an alarm on {AgentAliasArn} alone would never fire.
AGENT_SCHEMA = 'SCHEMA("AWS/Bedrock/Agents", AgentAliasArn, ModelId, Operation)'


def test_agent_latency(alarms):
    alarm = alarms["acme-agent-latency:support"]
    assert _insights(alarm) == (f"SELECT MAX(TotalTime) FROM {AGENT_SCHEMA} WHERE AgentAliasArn = '{AGENT_ALIAS_ARN}'", 300)
    assert alarm["Threshold"] == 60000
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 2)


@pytest.mark.parametrize(
    ("name", "metric", "threshold"),
    [("acme-agent-errors:support", "InvocationServerErrors", 5), ("acme-agent-throttles:support", "InvocationThrottles", 10)],
)
def test_agent_errors_and_throttles(alarms, name, metric, threshold):
    alarm = alarms[name]
    assert _insights(alarm) == (f"SELECT SUM({metric}) FROM {AGENT_SCHEMA} WHERE AgentAliasArn = '{AGENT_ALIAS_ARN}'", 300)
    assert alarm["Threshold"] == threshold
    assert alarm["EvaluationPeriods"] == 1


def test_no_alarm_watches_a_dimension_set_bedrock_does_not_publish(alarms):
    """Every single-metric query uses a documented dimension set; everything else is a Metrics Insights query."""
    documented = {
        "AWS/Bedrock": [{"ModelId"}, set()],  # set(): log delivery metrics ("across all model IDs")
        "AWS/Bedrock/Guardrails": [{"GuardrailArn", "GuardrailVersion"}],
        # set(): the per-model series (one fixed metric name per configured model)
        "AcmeBedrock": [{"ModelId"}, {"CallerArn"}, set()],
    }
    for name, alarm in alarms.items():
        stats = [q["MetricStat"]["Metric"] for q in alarm.get("Metrics", []) if "MetricStat" in q]
        if "MetricName" in alarm:
            stats.append(alarm)
        for metric in stats:
            dims = {d["Name"] for d in metric.get("Dimensions", [])}
            assert metric["Namespace"] in documented, name
            assert dims in documented[metric["Namespace"]], (name, metric["MetricName"], dims)
            if not dims and metric["Namespace"] == "AWS/Bedrock":
                assert metric["MetricName"].startswith("ModelInvocation"), name


def test_guardrail_intervention_rate(alarms):
    alarm = alarms["acme-guardrail-interventions:default"]
    assert alarm["Threshold"] == 25
    assert _expression(alarm) == "100 * FILL(intervened, 0) / invocations"
    queries = _queries(alarm)
    assert {q[1] for q in queries.values()} == {"InvocationsIntervened", "Invocations"}
    for namespace, _, dims, stat, period in queries.values():
        assert namespace == "AWS/Bedrock/Guardrails"
        assert dims == {"GuardrailArn": GUARDRAIL_ARN, "GuardrailVersion": "3"}
        assert (stat, period) == ("Sum", 3600)


def test_daily_estimated_spend(alarms):
    alarm = alarms["acme-daily-estimated-spend"]
    assert alarm["Threshold"] == 75
    assert _expression(alarm) == (
        "FILL(m0_input, 0) * 0.0008 / 1000 + FILL(m0_output, 0) * 0.004 / 1000 + "
        "FILL(m0_cache_read, 0) * 0.00008 / 1000 + FILL(m1_input, 0) * 0.003 / 1000 + "
        "FILL(m1_output, 0) * 0.015 / 1000"
    )
    queries = _queries(alarm)
    assert queries["m0_cache_read"] == (
        "AcmeBedrock", "CacheReadInputTokenCount/anthropic.claude-3-5-haiku-20241022-v1_0", {}, "Sum", 86400)
    assert queries["m1_output"] == (
        "AcmeBedrock", "OutputTokenCount/us.anthropic.claude-3-7-sonnet-20250219-v1_0", {}, "Sum", 86400)
    assert len(queries) <= 10  # CloudWatch's limit for one alarm


def test_alarms_can_be_switched_off():
    from aws_cdk.assertions import Template

    from bedrock_platform.composition.observability_stack import ObservabilityStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import new_app

    config = parse_config({"observability": {"alarms": {"enabled": False}, "dashboard": {"enabled": False},
                                             "logging": {"enabled": False}, "metering": {"enabled": False}}})
    stack = ObservabilityStack(new_app(), "Obs", config=config)
    synthesized = Template.from_stack(stack).to_json()
    assert resources(synthesized, "AWS::CloudWatch::Alarm") == {}
    assert resources(synthesized, "Custom::BedrockModelInvocationLogging") == {}
    assert resources(synthesized, "AWS::Logs::MetricFilter") == {}


def test_insights_query_rejects_an_unknown_function():
    from bedrock_platform.observability.bedrock_metrics import insights_query

    with pytest.raises(ValueError, match=r"function: 'P99' is not one of SUM, AVG, MAX, MIN, COUNT"):
        insights_query("P99", "TotalTime", "AWS/Bedrock/Agents", ("Operation",))


def test_default_app_has_the_tpm_quota_alarm(platform):
    template = platform.raw("Observability")
    names = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()}
    alarm = names["bedrock-platform-model-tpm-quota:us.anthropic.claude-haiku-4-5-20251001-v1:0"]
    assert _expression(alarm) == "100 * FILL(usage, 0) / 1000000"
    assert alarm["Threshold"] == 80
