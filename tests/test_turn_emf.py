"""Per-turn metrics in CloudWatch Embedded Metric Format.

Spec: CloudWatch User Guide, "Specification: Embedded metric format"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
root ``_aws{Timestamp, CloudWatchMetrics[{Namespace, Dimensions[[...]], Metrics[{Name, Unit}]}]}``;
a DimensionSet holds at most 30 keys, a directive at most 100 metrics (also
awslabs/aws-embedded-metrics-* Constants: MAX_DIMENSION_SET_SIZE = 30, MAX_METRICS_PER_EVENT =
100, namespace ^[a-zA-Z0-9._#:/-]+$ up to 256). Dimension names 1-255 and values 1-1024 ASCII
characters: CloudWatch API reference, Dimension.
"""

from __future__ import annotations

import json

import pytest

from bedrock_platform.metering import EmfError, TurnTotals, render_turn_emf, validate_emf
from bedrock_platform.metering.emf import MAX_DIMENSIONS_PER_SET, MAX_METRICS_PER_DIRECTIVE

MULTI_AGENT = TurnTotals(input_tokens=7677, output_tokens=942, model_calls=5, final_answer_tokens=277,
                         final_answer_chars=638, model_invocation_inputs=7, events=25)


def test_emf_document_exact():
    line = render_turn_emf(MULTI_AGENT, agent="support", route="agent", tenant="acme",
                           timestamp_ms=1_795_000_000_000,
                           properties={"SessionId": "sess-42", "RequestId": "req-7"})
    assert "\n" not in line
    assert json.loads(line) == {
        "_aws": {
            "Timestamp": 1_795_000_000_000,
            "CloudWatchMetrics": [{
                "Namespace": "BedrockPlatform/Turns",
                "Dimensions": [["Agent", "Route", "Tenant"], ["Agent", "Route"]],
                "Metrics": [
                    {"Name": "InputTokens", "Unit": "Count"},
                    {"Name": "OutputTokens", "Unit": "Count"},
                    {"Name": "CacheReadTokens", "Unit": "Count"},
                    {"Name": "CacheWriteTokens", "Unit": "Count"},
                    {"Name": "ModelCalls", "Unit": "Count"},
                    {"Name": "TurnTokens", "Unit": "Count"},
                    {"Name": "CappedTurns", "Unit": "Count"},
                    {"Name": "FinalAnswerTokens", "Unit": "Count"},
                    {"Name": "HiddenBurn", "Unit": "None"},
                ],
            }],
        },
        "Agent": "support", "Route": "agent", "Tenant": "acme",
        "InputTokens": 7677, "OutputTokens": 942, "CacheReadTokens": 0, "CacheWriteTokens": 0,
        "ModelCalls": 5, "TurnTokens": 8619, "CappedTurns": 0, "FinalAnswerTokens": 277, "HiddenBurn": 31.12,
        "SessionId": "sess-42", "RequestId": "req-7",
    }


def test_high_cardinality_values_are_never_dimensions():
    document = json.loads(render_turn_emf(MULTI_AGENT, agent="a", route="direct",
                                          properties={"SessionId": "s", "RequestId": "r"}))
    keys = {key for dimension_set in document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for key in dimension_set}
    assert keys == {"Agent", "Route", "Tenant"}
    assert document["Tenant"] == "none"  # no tenant: one fixed value, not a missing dimension


def test_unknown_final_answer_and_capped_turn():
    capped = TurnTotals(input_tokens=2900, output_tokens=300, model_calls=3, capped=True)
    document = json.loads(render_turn_emf(capped, agent="a", route="agent", tenant="t", timestamp_ms=1))
    names = [metric["Name"] for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert "FinalAnswerTokens" not in names and "HiddenBurn" not in names
    assert (document["CappedTurns"], document["TurnTokens"]) == (1, 3200)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"agent": ""}, "agent: '' is not 1-1024 ASCII characters"),
    ({"route": "x" * 1025}, "route: 'xxx"),
    ({"tenant": "café"}, "tenant: 'café' is not 1-1024 ASCII characters"),
    ({"tenant": "a\tb"}, "tenant: 'a\\\\tb' contains an ASCII control character"),
    ({"namespace": "Bad Namespace"}, "namespace: 'Bad Namespace' may only contain"),
    ({"namespace": "N" * 257}, "namespace: 'NNN"),
    ({"properties": {"Agent": "x"}}, "properties.Agent: clashes with a dimension"),
    ({"properties": {"TurnTokens": 1}}, "properties.TurnTokens: clashes"),
    ({"properties": {"Blob": {"a": 1}}}, "properties.Blob: {'a': 1} must be a string, number, boolean or null"),
])
def test_bad_emf_input_is_refused(kwargs, message):
    arguments = {"agent": "a", "route": "agent", "tenant": "t", **kwargs}
    with pytest.raises(EmfError, match=message.replace("(", r"\(").replace("[", r"\[")):
        render_turn_emf(MULTI_AGENT, **arguments)


def _document(dimension_keys: list[str], metric_names: list[str]) -> dict:
    return {"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{
        "Namespace": "N", "Dimensions": [dimension_keys],
        "Metrics": [{"Name": name, "Unit": "Count"} for name in metric_names]}]},
        **{key: "v" for key in dimension_keys}, **{name: 1 for name in metric_names}}


def test_emf_limits():
    assert (MAX_DIMENSIONS_PER_SET, MAX_METRICS_PER_DIRECTIVE) == (30, 100)
    validate_emf(_document([f"D{i}" for i in range(30)], [f"M{i}" for i in range(100)]))
    with pytest.raises(EmfError, match=r"Dimensions\[0\]: 31 keys, at most 30 allowed"):
        validate_emf(_document([f"D{i}" for i in range(31)], ["M"]))
    with pytest.raises(EmfError, match="Metrics: 101 metrics, at most 100 allowed"):
        validate_emf(_document(["D"], [f"M{i}" for i in range(101)]))
    with pytest.raises(EmfError, match="Dimensions\\[0\\] key: 'DDD.*is not 1-255 ASCII"):
        validate_emf(_document(["D" * 256], ["M"]))
    with pytest.raises(EmfError, match="Metrics Name: 'MMM.*is not 1-255 ASCII"):
        validate_emf(_document(["D"], ["M" * 256]))
    with pytest.raises(EmfError, match="_aws.Timestamp: required"):
        validate_emf({"_aws": {"CloudWatchMetrics": []}})
    missing_value = _document(["D"], ["M"])
    del missing_value["M"]
    with pytest.raises(EmfError, match="'M' needs a numeric member on the root"):
        validate_emf(missing_value)
