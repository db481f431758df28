"""Token metric filters: exact patterns, dimensions and values, applied to real-format log records."""

from __future__ import annotations

import re

import pytest
from observability_support import (
    ACCOUNT,
    HAIKU,
    HAIKU_APP_PROFILE_ARN,
    REGION,
    SONNET,
    logical_id_like,
    observability_app,
    resources,
)

from bedrock_platform.observability.model_price import ModelPrice
from bedrock_platform.observability.token_metering import TOKEN_KINDS, TokenMetrics, filter_pattern

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


# --- an evaluator of the CloudWatch Logs JSON filter-pattern subset the filters use -------
# Source: CloudWatch Logs "Filter pattern syntax" (awsdocs/amazon-cloudwatch-logs-user-guide,
# doc_source/FilterAndPatternSyntax.md, "Matching Terms in JSON Log Events"): `{ SELECTOR
# EQUALITY_OPERATOR STRING }`; "You can use the asterisk '*' wildcard character to match any
# text at, before, or after a search term. For example, *Event will match PutEvent";
# compound conditions with && and ||, parentheses, precedence () > && > ||; numeric
# comparisons only match numeric fields. The same semantics TestMetricFilter applies.

_TOKEN = re.compile(r'\s*(\(|\)|&&|\|\||\$(?:\.[A-Za-z0-9_]+)+|>=|<=|!=|=|>|<|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)')


def _lookup(record, path):
    value = record
    for part in path.split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _tokens(body):
    tokens, position = [], 0
    while position < len(body.rstrip()):
        found = _TOKEN.match(body, position)
        assert found, f"unsupported syntax at {body[position:]!r}"
        tokens.append(found.group(1))
        position = found.end()
    return tokens


def _compare(value, op, literal):
    if literal.startswith('"'):
        if not isinstance(value, str) or op not in ("=", "!="):
            return False
        glob = re.escape(literal[1:-1]).replace(r"\*", ".*")
        equal = re.fullmatch(glob, value) is not None
        return equal if op == "=" else not equal
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False  # numeric comparisons match only numeric fields
    number = float(literal)
    return {">=": value >= number, "<=": value <= number, ">": value > number, "<": value < number,
            "=": value == number, "!=": value != number}[op]


def matches(pattern: str, record: dict) -> bool:
    body = pattern.strip()
    assert body.startswith("{") and body.endswith("}"), pattern
    tokens = _tokens(body[1:-1])

    def parse_or(i):
        value, i = parse_and(i)
        while i < len(tokens) and tokens[i] == "||":
            right, i = parse_and(i + 1)
            value = value or right
        return value, i

    def parse_and(i):
        value, i = parse_term(i)
        while i < len(tokens) and tokens[i] == "&&":
            right, i = parse_term(i + 1)
            value = value and right
        return value, i

    def parse_term(i):
        if tokens[i] == "(":
            value, i = parse_or(i + 1)
            assert tokens[i] == ")", tokens[i:]
            return value, i + 1
        path, op, literal = tokens[i:i + 3]
        assert path.startswith("$.") and op in ("=", "!=", ">=", "<=", ">", "<"), tokens[i:i + 3]
        return _compare(_lookup(record, path), op, literal), i + 3

    value, end = parse_or(0)
    assert end == len(tokens), tokens[end:]
    return value


def publish(metric_filter: dict, record: dict):
    """What CloudWatch would publish for ``record``: (metric, dimensions, value), or None.

    A dimension value is "the log event field that will contain the value for this
    dimension" (AWS::Logs::MetricFilter Dimension, cfn-lint schema): taken from the record as-is.
    """
    if not matches(metric_filter["FilterPattern"], record):
        return None
    (transformation,) = metric_filter["MetricTransformations"]
    dimensions = {name: _lookup(record, path) for name, path in transformation.get("Dimensions", {}).items()}
    return transformation["MetricName"], dimensions, _lookup(record, transformation["MetricValue"])


def test_the_evaluator_follows_the_documented_examples():
    # Examples from the CloudWatch Logs filter pattern documentation.
    event = {"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "user": {"id": 1}}
    assert matches('{ $.eventType = "UpdateTrail" }', event)
    assert matches("{ $.sourceIPAddress != 123.123.* }".replace("123.123.*", '"123.123.*"'), event)
    assert matches('{ $.eventType = "*Trail" }', event) and not matches('{ $.eventType = "*Event" }', event)
    assert matches('{ ($.user.id = 2 && $.eventType = "x") || $.eventType = "UpdateTrail" }', event)
    assert not matches('{ ($.user.id = 1 || $.eventType = "x") && $.eventType = "nomatch" }', event)


# --- the filters in the synthesized template ----------------------------------------------


def _filters(template):
    found = {}
    for props in (r["Properties"] for r in resources(template, "AWS::Logs::MetricFilter").values()):
        (transformation,) = props["MetricTransformations"]
        dimensions = {d["Key"]: d["Value"] for d in transformation.get("Dimensions", [])}
        key = (transformation["MetricName"], next(iter(dimensions), None))
        assert key not in found, key
        found[key] = {
            "FilterPattern": props["FilterPattern"],
            "LogGroupName": props["LogGroupName"],
            "MetricTransformations": [{**transformation, "Dimensions": dimensions}],
        }
    return found


@pytest.fixture(scope="module")
def filters():
    return _filters(observability_app().observability)


KIND_METRICS = ("InputTokenCount", "OutputTokenCount", "CacheReadInputTokenCount", "CacheWriteInputTokenCount")
VALUES = {
    "InputTokenCount": "$.input.inputTokenCount",
    "OutputTokenCount": "$.output.outputTokenCount",
    "CacheReadInputTokenCount": "$.input.cacheReadInputTokenCount",
    "CacheWriteInputTokenCount": "$.input.cacheWriteInputTokenCount",
}
HAIKU_KEY = "anthropic.claude-3-5-haiku-20241022-v1_0"
SONNET_KEY = "us.anthropic.claude-3-7-sonnet-20250219-v1_0"


def test_filters_as_logged_per_caller_and_per_configured_model(filters):
    assert set(filters) == {
        *((metric, dimension) for metric in KIND_METRICS for dimension in ("ModelId", "CallerArn")),
        *((f"{metric}/{key}", None) for metric in KIND_METRICS for key in (HAIKU_KEY, SONNET_KEY)),
    }


def test_exact_patterns_values_and_dimensions(filters):
    log_group = logical_id_like(observability_app().observability, "AWS::Logs::LogGroup", "InvocationLoggingLogGroup")
    for (metric, dimension), metric_filter in filters.items():
        kind = metric.split("/")[0]
        value = VALUES[kind]
        (transformation,) = metric_filter["MetricTransformations"]
        assert transformation["MetricNamespace"] == "AcmeBedrock"  # from config
        assert transformation["MetricValue"] == value
        assert transformation["Unit"] == "Count"
        assert "DefaultValue" not in transformation  # not allowed with dimensions
        assert metric_filter["LogGroupName"] == {"Ref": log_group}
        if dimension is None:
            continue
        assert metric_filter["FilterPattern"] == f'{{ ($.schemaType = "ModelInvocationLog") && ({value} >= 0) }}'
        assert transformation["Dimensions"] == {dimension: {"ModelId": "$.modelId", "CallerArn": "$.identity.arn"}[dimension]}


def test_exact_per_model_patterns(filters):
    # One filter per configured model and token kind; the pattern names every form of the id.
    haiku = filters[(f"InputTokenCount/{HAIKU_KEY}", None)]
    assert haiku["FilterPattern"] == (
        '{ ($.schemaType = "ModelInvocationLog") && ($.input.inputTokenCount >= 0) && '
        f'($.modelId = "{HAIKU}" || $.modelId = "*/{HAIKU}" || $.modelId = "{HAIKU_APP_PROFILE_ARN}") }}'
    )
    assert haiku["MetricTransformations"][0]["Dimensions"] == {}  # a fixed series per model
    sonnet = filters[(f"CacheWriteInputTokenCount/{SONNET_KEY}", None)]
    assert sonnet["FilterPattern"] == (
        '{ ($.schemaType = "ModelInvocationLog") && ($.input.cacheWriteInputTokenCount >= 0) && '
        f'($.modelId = "{SONNET}" || $.modelId = "*/{SONNET}") }}'
    )
    for metric_filter in filters.values():
        assert len(metric_filter["FilterPattern"]) <= 1024  # PutMetricFilter filterPattern max (botocore)
        assert re.fullmatch(r"((?![:*$])[\x00-\x7F]){1,255}", metric_filter["MetricTransformations"][0]["MetricName"])


def test_record_with_cache_publishes_every_kind_per_model_and_caller(filters):
    caller = RECORD_WITH_CACHE["identity"]["arn"]
    published = {key: publish(f, RECORD_WITH_CACHE) for key, f in filters.items()}
    assert published[("InputTokenCount", "ModelId")] == ("InputTokenCount", {"ModelId": HAIKU}, 1200)
    assert published[("InputTokenCount", "CallerArn")] == ("InputTokenCount", {"CallerArn": caller}, 1200)
    assert published[("OutputTokenCount", "CallerArn")] == ("OutputTokenCount", {"CallerArn": caller}, 310)
    assert published[("CacheReadInputTokenCount", "ModelId")] == ("CacheReadInputTokenCount", {"ModelId": HAIKU}, 800)
    assert published[("CacheWriteInputTokenCount", "ModelId")] == ("CacheWriteInputTokenCount", {"ModelId": HAIKU}, 0)
    assert published[(f"InputTokenCount/{HAIKU_KEY}", None)] == (f"InputTokenCount/{HAIKU_KEY}", {}, 1200)
    assert published[(f"InputTokenCount/{SONNET_KEY}", None)] is None


def test_record_without_cache_fields_publishes_no_cache_datapoints(filters):
    published = {key: publish(f, RECORD_WITHOUT_CACHE) for key, f in filters.items()}
    assert published[("InputTokenCount", "ModelId")] == ("InputTokenCount", {"ModelId": SONNET}, 4000)
    assert published[("OutputTokenCount", "ModelId")] == ("OutputTokenCount", {"ModelId": SONNET}, 120)
    assert published[(f"OutputTokenCount/{SONNET_KEY}", None)] == (f"OutputTokenCount/{SONNET_KEY}", {}, 120)
    assert published[("CacheReadInputTokenCount", "ModelId")] is None
    assert published[("CacheWriteInputTokenCount", "CallerArn")] is None
    assert published[(f"CacheReadInputTokenCount/{SONNET_KEY}", None)] is None


def test_failed_and_foreign_records_publish_nothing(filters):
    for record in (FAILED_RECORD, OTHER_RECORD):
        assert all(publish(f, record) is None for f in filters.values())


# Every form a record's modelId takes (issue 7 item 2). Real records: a bare id in the
# ModelInvocationLog example of dheerajoruganty/aws-bedrock-logs-mcp-server (setup.md,
# "modelId": "amazon.nova-lite-v1:0", ConverseStream); an inference-profile ARN in a recorded
# InvokeModelWithResponseStream record of 2026-05-11 quoted in a public LiteLLM-on-EKS runbook
# ("modelId": "arn:aws:bedrock:us-east-1:...:inference-profile/us.anthropic.claude-opus-4-7"), as
# ../shared/reference/agentcore-facts.md states for profile calls while AWS/Bedrock metrics carry the
# profile id. Foundation-model ARN format: arn:aws:bedrock:REGION::foundation-model/ID (Bedrock model
# ARNs, as callers pass them to InvokeModel); application-inference-profile ARN:
# arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID (opaque id, names no model).
MODEL_ID_FORMS = [
    (HAIKU, HAIKU_KEY),  # bare model id
    (f"arn:aws:bedrock:{REGION}::foundation-model/{HAIKU}", HAIKU_KEY),  # foundation-model ARN
    (HAIKU_APP_PROFILE_ARN, HAIKU_KEY),  # application inference profile listed under HAIKU
    (SONNET, SONNET_KEY),  # inference-profile id
    (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{SONNET}", SONNET_KEY),  # inference-profile ARN
]


def _record(model_id: str) -> dict:
    return {**RECORD_WITHOUT_CACHE, "modelId": model_id}


@pytest.mark.parametrize(("model_id", "key"), MODEL_ID_FORMS)
def test_every_form_of_a_models_id_reaches_its_series(filters, model_id, key):
    published = {k: publish(f, _record(model_id)) for k, f in filters.items()}
    per_model = {k[0] for k, v in published.items() if v is not None and k[1] is None}
    assert per_model == {f"InputTokenCount/{key}", f"OutputTokenCount/{key}"}  # exactly one model, no double count
    # The as-logged series keeps the raw value (what the dashboard's "as logged" graphs show).
    assert published[("InputTokenCount", "ModelId")] == ("InputTokenCount", {"ModelId": model_id}, 4000)


@pytest.mark.parametrize(
    "model_id",
    [
        f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/zzz999",  # not listed in config
        f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",  # another model
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{HAIKU}",  # a profile of HAIKU, not HAIKU
        f"eu.{HAIKU}",
    ],
)
def test_other_models_and_unlisted_application_profiles_only_reach_the_as_logged_series(filters, model_id):
    published = {k: publish(f, _record(model_id)) for k, f in filters.items()}
    assert [k for k, v in published.items() if v is not None and k[1] is None] == []
    assert published[("OutputTokenCount", "ModelId")] == ("OutputTokenCount", {"ModelId": model_id}, 120)


def test_default_app_meters_its_agents_inference_profile_calls(platform):
    """The default agent calls a US inference profile; its log records carry the profile ARN.
    The per-model token alarm and the spend expression must read the series those records reach."""
    template = platform.raw("Observability")
    default_model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
    record = _record(f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{default_model}")
    published = {(v[0], tuple(v[1].items())) for f in _filters(template).values() if (v := publish(f, record))}
    alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()}
    for name in (f"bedrock-platform-model-tokens-hourly:{default_model}", "bedrock-platform-daily-estimated-spend"):
        read = {(q["MetricStat"]["Metric"]["MetricName"], tuple((d["Name"], d["Value"]) for d in
                 q["MetricStat"]["Metric"].get("Dimensions", []))) for q in alarms[name]["Metrics"] if "MetricStat" in q}
        assert ("InputTokenCount/us.anthropic.claude-haiku-4-5-20251001-v1_0", ()) in read & published, name
        assert ("OutputTokenCount/us.anthropic.claude-haiku-4-5-20251001-v1_0", ()) in read & published, name


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
        ModelPrice(model_id="m-a", input_price_per_1k_tokens=0.003, output_price_per_1k_tokens=0.015,
                   cache_read_price_per_1k_tokens=0.0003),
        ModelPrice(model_id="m-b", input_price_per_1k_tokens=0.0008, output_price_per_1k_tokens=0.004),
    ]
    rendered = _render(metrics.estimated_spend(models))
    expression = next(q["expression"] for q in rendered if q.get("returnData", True) and "expression" in q)
    assert expression == (
        "FILL(m0_input, 0) * 0.003 / 1000 + FILL(m0_output, 0) * 0.015 / 1000 + "
        "FILL(m0_cache_read, 0) * 0.0003 / 1000 + FILL(m1_input, 0) * 0.0008 / 1000 + "
        "FILL(m1_output, 0) * 0.004 / 1000"
    )
    stats = {q["id"]: q["metricStat"] for q in rendered if "metricStat" in q}
    # The per-model series (every form of the id), named after the model; no dimension.
    assert stats["m0_cache_read"]["metric"]["metricName"] == "CacheReadInputTokenCount/m-a"
    assert stats["m1_output"]["metric"]["metricName"] == "OutputTokenCount/m-b"
    assert "dimensions" not in stats["m1_output"]["metric"]
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
    from bedrock_platform.observability.token_metering import BY_CALLER

    search = TokenMetrics("AcmeBedrock").search("output", BY_CALLER)
    assert search.expression == "SEARCH('{AcmeBedrock,CallerArn} MetricName=\"OutputTokenCount\"', 'Sum', 3600)"
