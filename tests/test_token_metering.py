"""Token metric filters: exact patterns, dimensions and values, applied to real-format log records."""

from __future__ import annotations

import re

import pytest
from observability_support import HAIKU, SONNET, logical_id_like, observability_app, resources

from bedrock_platform.config.observability import ModelPricing
from bedrock_platform.token_metering import TOKEN_KINDS, TokenMetrics, filter_pattern

# Records in the documented ModelInvocationLog format (bedrock-facts.md, "Model invocation logging").
RECORD_WITH_CACHE = {
    "schemaType": "ModelInvocationLog",
    "schemaVersion": "1.0",
    "timestamp": "2025-01-15T10:11:12Z",
    "accountId": "123456789012",
    "region": "eu-west-1",
    "requestId": "5d1c8a3e-0000-4000-8000-000000000001",
    "operation": "Converse",
    "modelId": HAIKU,
    "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/support-bot/support-fn"},
    "input": {
        "inputContentType": "application/json",
        "inputTokenCount": 1200,
        "cacheReadInputTokenCount": 800,
        "cacheWriteInputTokenCount": 0,
        "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "Where is my order?"}]}]},
    },
    "output": {"outputContentType": "application/json", "outputTokenCount": 310, "outputBodyJson": {}},
}
RECORD_WITHOUT_CACHE = {
    "schemaType": "ModelInvocationLog",
    "timestamp": "2025-01-15T10:12:00Z",
    "accountId": "123456789012",
    "region": "eu-west-1",
    "requestId": "5d1c8a3e-0000-4000-8000-000000000002",
    "operation": "InvokeModel",  # e.g. an agent's orchestration call
    "modelId": SONNET,
    "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/AmazonBedrockExecutionRoleForAgents_x/session"},
    "input": {"inputTokenCount": 4000, "inputBodyS3Path": "s3://bucket/large-data/x.json"},
    "output": {"outputTokenCount": 120, "outputBodyS3Path": "s3://bucket/large-data/y.json"},
}
FAILED_RECORD = {
    "schemaType": "ModelInvocationLog",
    "timestamp": "2025-01-15T10:13:00Z",
    "requestId": "5d1c8a3e-0000-4000-8000-000000000003",
    "operation": "Converse",
    "modelId": HAIKU,
    "identity": {"arn": "arn:aws:iam::123456789012:user/alice"},
    "input": {"inputBodyJson": {}},
    "errorCode": "ThrottlingException",
}
OTHER_RECORD = {"schemaType": "SomethingElse", "input": {"inputTokenCount": 5}, "modelId": HAIKU}


# --- a tiny evaluator of the CloudWatch Logs JSON filter-pattern subset the filters use ----

_TERM = re.compile(r'\(\s*(\$(?:\.[A-Za-z0-9_]+)+)\s*(=|!=|>=|<=|>|<)\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*\)')


def _lookup(record, path):
    value = record
    for part in path.split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def matches(pattern: str, record: dict) -> bool:
    body = pattern.strip()
    assert body.startswith("{") and body.endswith("}"), pattern
    terms = [t.strip() for t in body[1:-1].split("&&")]
    for term in terms:
        found = _TERM.fullmatch(term)
        assert found, f"unsupported term {term!r}"
        path, op, literal = found.groups()
        value = _lookup(record, path)
        if literal.startswith('"'):
            if not isinstance(value, str):
                return False
            ok = {"=": value == literal[1:-1], "!=": value != literal[1:-1]}[op]
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return False  # numeric comparisons match only numeric fields
            number = float(literal)
            ok = {">=": value >= number, "<=": value <= number, ">": value > number, "<": value < number,
                  "=": value == number, "!=": value != number}[op]
        if not ok:
            return False
    return True


def publish(metric_filter: dict, record: dict):
    """What CloudWatch would publish for ``record``: (metric, dimensions, value), or None."""
    if not matches(metric_filter["FilterPattern"], record):
        return None
    (transformation,) = metric_filter["MetricTransformations"]
    dimensions = {name: _lookup(record, path) for name, path in transformation.get("Dimensions", {}).items()}
    return transformation["MetricName"], dimensions, _lookup(record, transformation["MetricValue"])


# --- the filters in the synthesized template ----------------------------------------------


@pytest.fixture(scope="module")
def filters():
    template = observability_app().observability
    found = {}
    for props in (r["Properties"] for r in resources(template, "AWS::Logs::MetricFilter").values()):
        (transformation,) = props["MetricTransformations"]
        (dimension,) = transformation["Dimensions"]
        found[(transformation["MetricName"], dimension["Key"])] = {
            "FilterPattern": props["FilterPattern"],
            "LogGroupName": props["LogGroupName"],
            "MetricTransformations": [{**transformation, "Dimensions": {dimension["Key"]: dimension["Value"]}}],
        }
    return found


def test_eight_filters_per_model_and_per_caller(filters):
    assert set(filters) == {
        (metric, dimension)
        for metric in ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount")
        for dimension in ("ModelId", "CallerArn")
    }


def test_exact_patterns_values_and_dimensions(filters):
    log_group = logical_id_like(observability_app().observability, "AWS::Logs::LogGroup", "InvocationLoggingLogGroup")
    expected_values = {
        "InputTokenCount": "$.input.inputTokenCount",
        "OutputTokenCount": "$.output.outputTokenCount",
        "CacheReadInputTokenCount": "$.input.cacheReadInputTokenCount",
        "CacheWriteInputTokenCount": "$.input.cacheWriteInputTokenCount",
    }
    for (metric, dimension), metric_filter in filters.items():
        value = expected_values[metric]
        assert metric_filter["FilterPattern"] == f'{{ ($.schemaType = "ModelInvocationLog") && ({value} >= 0) }}'
        (transformation,) = metric_filter["MetricTransformations"]
        assert transformation["MetricNamespace"] == "AcmeBedrock"  # from config
        assert transformation["MetricValue"] == value
        assert transformation["Unit"] == "Count"
        assert "DefaultValue" not in transformation  # not allowed with dimensions
        assert transformation["Dimensions"] == {dimension: {"ModelId": "$.modelId", "CallerArn": "$.identity.arn"}[dimension]}
        assert metric_filter["LogGroupName"] == {"Ref": log_group}


def test_record_with_cache_publishes_every_kind_per_model_and_caller(filters):
    caller = RECORD_WITH_CACHE["identity"]["arn"]
    published = {key: publish(f, RECORD_WITH_CACHE) for key, f in filters.items()}
    assert published[("InputTokenCount", "ModelId")] == ("InputTokenCount", {"ModelId": HAIKU}, 1200)
    assert published[("InputTokenCount", "CallerArn")] == ("InputTokenCount", {"CallerArn": caller}, 1200)
    assert published[("OutputTokenCount", "CallerArn")] == ("OutputTokenCount", {"CallerArn": caller}, 310)
    assert published[("CacheReadInputTokenCount", "ModelId")] == ("CacheReadInputTokenCount", {"ModelId": HAIKU}, 800)
    assert published[("CacheWriteInputTokenCount", "ModelId")] == ("CacheWriteInputTokenCount", {"ModelId": HAIKU}, 0)


def test_record_without_cache_fields_publishes_no_cache_datapoints(filters):
    published = {key: publish(f, RECORD_WITHOUT_CACHE) for key, f in filters.items()}
    assert published[("InputTokenCount", "ModelId")] == ("InputTokenCount", {"ModelId": SONNET}, 4000)
    assert published[("OutputTokenCount", "ModelId")] == ("OutputTokenCount", {"ModelId": SONNET}, 120)
    assert published[("CacheReadInputTokenCount", "ModelId")] is None
    assert published[("CacheWriteInputTokenCount", "CallerArn")] is None


def test_failed_and_foreign_records_publish_nothing(filters):
    for record in (FAILED_RECORD, OTHER_RECORD):
        assert all(publish(f, record) is None for f in filters.values())


def test_pattern_function_matches_template():
    for kind in TOKEN_KINDS:
        assert filter_pattern(kind).startswith('{ ($.schemaType = "ModelInvocationLog")')


# --- metric helpers -----------------------------------------------------------------------


def _render(expression):
    """The expression and the metric ids it references, via CDK's own rendering."""
    from aws_cdk import Stack
    from aws_cdk import aws_cloudwatch as cloudwatch

    stack = Stack()
    alarm = cloudwatch.Alarm(stack, "A", metric=expression, threshold=1, evaluation_periods=1)
    return stack.resolve(alarm.node.default_child.metrics)


def test_estimated_spend_is_tokens_times_price():
    metrics = TokenMetrics("AcmeBedrock")
    models = [
        ModelPricing(model_id="m-a", input_price_per_1k_tokens=0.003, output_price_per_1k_tokens=0.015,
                     cache_read_price_per_1k_tokens=0.0003),
        ModelPricing(model_id="m-b", input_price_per_1k_tokens=0.0008, output_price_per_1k_tokens=0.004),
    ]
    rendered = _render(metrics.estimated_spend(models))
    expression = next(q["expression"] for q in rendered if q.get("returnData", True) and "expression" in q)
    assert expression == (
        "FILL(m0_input, 0) * 0.003 / 1000 + FILL(m0_output, 0) * 0.015 / 1000 + "
        "FILL(m0_cache_read, 0) * 0.0003 / 1000 + FILL(m1_input, 0) * 0.0008 / 1000 + "
        "FILL(m1_output, 0) * 0.004 / 1000"
    )
    stats = {q["id"]: q["metricStat"] for q in rendered if "metricStat" in q}
    assert stats["m0_cache_read"]["metric"]["metricName"] == "CacheReadInputTokenCount"
    assert stats["m1_output"]["metric"]["dimensions"] == [{"name": "ModelId", "value": "m-b"}]
    assert {s["stat"] for s in stats.values()} == {"Sum"}
    assert {s["period"] for s in stats.values()} == {86400}
    # The same arithmetic in Python: 1M input + 100k output tokens of m-a.
    assert 1_000_000 * 0.003 / 1000 + 100_000 * 0.015 / 1000 == pytest.approx(4.5)


def test_total_tokens_sums_all_kinds_for_one_caller():
    rendered = _render(TokenMetrics("Ns").total_tokens(caller_arn="arn:aws:iam::123456789012:user/alice"))
    expression = next(q["expression"] for q in rendered if "expression" in q)
    assert expression == "FILL(t_input, 0) + FILL(t_output, 0) + FILL(t_cache_read, 0) + FILL(t_cache_write, 0)"
    dims = {tuple(d.items()) for q in rendered if "metricStat" in q for d in q["metricStat"]["metric"]["dimensions"]}
    assert dims == {(("name", "CallerArn"), ("value", "arn:aws:iam::123456789012:user/alice"))}


def test_tokens_needs_exactly_one_split():
    with pytest.raises(ValueError):
        TokenMetrics("Ns").tokens("input")
    with pytest.raises(ValueError):
        TokenMetrics("Ns").tokens("input", model_id="m", caller_arn="a")


def test_search_expression_for_graphs():
    from bedrock_platform.token_metering import BY_CALLER

    search = TokenMetrics("AcmeBedrock").search("output", BY_CALLER)
    assert search.expression == "SEARCH('{AcmeBedrock,CallerArn} MetricName=\"OutputTokenCount\"', 'Sum', 3600)"
