"""The platform dashboard: every widget family present, built from the alarms' metric definitions."""

from __future__ import annotations

import json

import pytest
from observability_support import (
    AGENT_ALIAS_ARN,
    GUARDRAIL_ARN,
    HAIKU,
    SONNET,
    observability_app,
    one,
    resolve,
    resources,
)


@pytest.fixture(scope="module")
def template():
    return observability_app().observability


@pytest.fixture(scope="module")
def dashboard(template):
    _, resource = one(template, "AWS::CloudWatch::Dashboard")
    assert resource["Properties"]["DashboardName"] == "acme-bedrock"
    return json.loads(resolve(resource["Properties"]["DashboardBody"], {"AWS::Region": "eu-west-1"}))


def _titles(dashboard):
    return [w["properties"].get("title") for w in dashboard["widgets"] if w["type"] == "metric"]


def _metric_rows(dashboard):
    """Every plain metric line: (namespace, metric, dimensions) and every expression string."""
    rows, expressions = set(), []
    for widget in dashboard["widgets"]:
        for line in widget["properties"].get("metrics", []):
            if isinstance(line[0], dict) and "expression" in line[0]:
                expressions.append(line[0]["expression"])
                continue
            names = [part for part in line if not isinstance(part, dict)]
            namespace, metric, *dims = names
            rows.add((namespace, metric, tuple(zip(dims[::2], dims[1::2], strict=True))))
    return rows, expressions


def test_widget_families_present(dashboard):
    titles = _titles(dashboard)
    for expected in [
        "Input tokens by modelId as logged", "Output tokens by modelId as logged", "Cache tokens by modelId as logged",
        "Tokens per hour by configured model (every form of its id)", "Time to first token by model (streaming)",
        f"{HAIKU}: time to first token", f"{SONNET}: TPM quota used (%)",
        "Input tokens by caller (identity.arn)", "Output tokens by caller (identity.arn)",
        "Cache tokens by caller (identity.arn)", "Estimated spend per day by model (USD)",
        "Invocations (all models)", "Invocation latency by model", "Throttles (all models)",
        "Server errors (all models)", "Throttles and errors by model",
        f"{HAIKU}: latency", f"{SONNET}: tokens per hour and per day", f"{HAIKU}: throttles and server errors",
        "Agent support: invocations", "Agent support: server errors", "Agent support: throttles",
        "Agent support: slowest invocation (ms)", "Agent support: latency (TotalTime p50/p99)", "Agent support: tokens",
        "Guardrail default: interventions", "Guardrail default: intervention rate (%)",
        "Log delivery failures", "Log delivery successes",
    ]:
        assert expected in titles, expected
    spend = [w for w in dashboard["widgets"] if w["properties"].get("title") == "Estimated spend, last 24 hours (USD)"]
    assert spend and spend[0]["properties"]["view"] == "singleValue"


def test_budget_status_link_and_alarm_status(template, dashboard):
    text = next(w for w in dashboard["widgets"] if w["type"] == "text")["properties"]["markdown"]
    assert "https://console.aws.amazon.com/billing/home#/budgets" in text
    status = next(w for w in dashboard["widgets"] if w["type"] == "alarm")
    assert len(status["properties"]["alarms"]) == len(resources(template, "AWS::CloudWatch::Alarm"))


def _widget(dashboard, title):
    (widget,) = [w for w in dashboard["widgets"] if w["properties"].get("title") == title]
    return widget


def _expressions(widget):
    return [line[0]["expression"] for line in widget["properties"]["metrics"]
            if isinstance(line[0], dict) and "expression" in line[0]]


def test_latency_percentiles(dashboard):
    # One line per model (SEARCH over the documented ModelId dimension), p50 and p99.
    assert _expressions(_widget(dashboard, "Invocation latency by model")) == [
        "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"InvocationLatency\"', 'p50', 300)",
        "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"InvocationLatency\"', 'p99', 300)",
    ]
    model = _widget(dashboard, f"{HAIKU}: latency")
    assert sorted(line[-1]["stat"] for line in model["properties"]["metrics"]) == ["p50", "p99"]


def test_time_to_first_token_beside_latency(dashboard):
    # AWS/Bedrock TimeToFirstToken (ms, streaming APIs ConverseStream/InvokeModelWithResponseStream,
    # ModelId dimension; AWS Machine Learning Blog 2026-03-12, Bedrock "Monitor bedrock-runtime
    # inference using CloudWatch metrics"). p50 and p90, in the row of the latency graphs.
    assert _expressions(_widget(dashboard, "Time to first token by model (streaming)")) == [
        "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"TimeToFirstToken\"', 'p50', 300)",
        "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"TimeToFirstToken\"', 'p90', 300)",
    ]
    titles = _titles(dashboard)
    assert titles.index("Time to first token by model (streaming)") == titles.index("Invocation latency by model") + 1
    model = _widget(dashboard, f"{SONNET}: time to first token")["properties"]["metrics"]
    assert [line[:4] for line in model] == [["AWS/Bedrock", "TimeToFirstToken", "ModelId", SONNET]] * 2
    assert [line[-1]["stat"] for line in model] == ["p50", "p90"]
    assert titles.index(f"{SONNET}: time to first token") == titles.index(f"{SONNET}: latency") + 1


def test_quota_usage_graph_is_the_alarms_expression(dashboard):
    widget = _widget(dashboard, f"{SONNET}: TPM quota used (%)")
    assert _expressions(widget) == ["100 * FILL(usage, 0) / 400000"]
    assert f"{HAIKU}: TPM quota used (%)" not in _titles(dashboard)


def test_configured_model_tokens_read_the_per_model_series(dashboard):
    rows, _ = _metric_rows(dashboard)
    for key in ("anthropic.claude-3-5-haiku-20241022-v1_0", "us.anthropic.claude-3-7-sonnet-20250219-v1_0"):
        for metric in ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount"):
            assert ("AcmeBedrock", f"{metric}/{key}", ()) in rows


def test_metrics_insights_widgets_hold_one_query_each(dashboard):
    for widget in dashboard["widgets"]:
        queries = [e for e in _expressions(widget) if e.startswith("SELECT ")] if widget["type"] == "metric" else []
        if queries:
            assert len(widget["properties"]["metrics"]) == 1, widget["properties"]["title"]


def test_token_graphs_search_the_platform_namespace(dashboard):
    _, expressions = _metric_rows(dashboard)
    for dimension in ("ModelId", "CallerArn"):
        for metric in ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount"):
            assert f"SEARCH('{{AcmeBedrock,{dimension}}} MetricName=\"{metric}\"', 'Sum', 3600)" in expressions


def test_same_metric_definitions_as_the_alarms(template, dashboard):
    """Every metric an alarm watches is also graphed (one source of truth for both)."""
    rows, expressions = _metric_rows(dashboard)
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        for query in props.get("Metrics", []):
            if "Expression" in query:
                assert query["Expression"] in expressions, props["AlarmName"]
            else:
                metric = query["MetricStat"]["Metric"]
                dims = tuple((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
                assert (metric["Namespace"], metric["MetricName"], dims) in rows, props["AlarmName"]
        if "MetricName" in props:
            dims = tuple((d["Name"], d["Value"]) for d in props.get("Dimensions", []))
            assert (props["Namespace"], props["MetricName"], dims) in rows, props["AlarmName"]


def test_agent_and_guardrail_widgets_use_their_dimensions(dashboard):
    rows, _ = _metric_rows(dashboard)
    schema = 'SCHEMA("AWS/Bedrock/Agents", AgentAliasArn, ModelId, Operation)'
    assert _expressions(_widget(dashboard, "Agent support: invocations")) == [
        f"SELECT SUM(InvocationCount) FROM {schema} WHERE AgentAliasArn = '{AGENT_ALIAS_ARN}'"
    ]
    search = "SEARCH('{AWS/Bedrock/Agents,AgentAliasArn,ModelId,Operation} AgentAliasArn=\"%s\" MetricName=\"%s\"', '%s', 300)"
    assert _expressions(_widget(dashboard, "Agent support: latency (TotalTime p50/p99)")) == [
        search % (AGENT_ALIAS_ARN, "TotalTime", "p50"), search % (AGENT_ALIAS_ARN, "TotalTime", "p99"),
    ]
    assert _expressions(_widget(dashboard, "Agent support: tokens")) == [
        search % (AGENT_ALIAS_ARN, "InputTokenCount", "Sum"), search % (AGENT_ALIAS_ARN, "OutputTokenCount", "Sum"),
    ]
    assert not any(namespace == "AWS/Bedrock/Agents" for namespace, _, _ in rows)  # no {AgentAliasArn}-only series
    assert ("AWS/Bedrock/Guardrails", "InvocationsIntervened",
            (("GuardrailArn", GUARDRAIL_ARN), ("GuardrailVersion", "3"))) in rows


def test_dashboard_url_output(template):
    url = resolve(template["Outputs"]["DashboardUrl"]["Value"], {"AWS::Region": "eu-west-1"})
    assert url == "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards:name=acme-bedrock"
