"""Per-turn metrics as one CloudWatch Embedded Metric Format (EMF) log line.

Spec: "Specification: Embedded metric format" (CloudWatch User Guide,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
the root holds ``_aws{Timestamp (ms since epoch), CloudWatchMetrics[{Namespace, Dimensions:
[[key, ...], ...], Metrics: [{Name, Unit}]}]}`` plus one root member per dimension key, metric
name and any other property. A DimensionSet holds at most 30 keys and a directive at most 100
metrics. Dimensions are agent, route and tenant, with a second set without tenant for the
per-agent/route rollup (CloudWatch does not aggregate across dimensions). High-cardinality
values (session id, request id) go in as plain properties: searchable in Logs Insights, never a
metric dimension.

Example::

    print(render_turn_emf(totals, agent="support", route="agent", tenant="acme",
                          properties={"SessionId": session_id, "RequestId": request_id}))
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping

from bedrock_platform.metering.totals import TurnTotals, describe

DEFAULT_NAMESPACE = "BedrockPlatform/Turns"
AGENT_DIMENSION = "Agent"
ROUTE_DIMENSION = "Route"
TENANT_DIMENSION = "Tenant"
NO_TENANT = "none"
DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    (AGENT_DIMENSION, ROUTE_DIMENSION, TENANT_DIMENSION),
    (AGENT_DIMENSION, ROUTE_DIMENSION),
)
# Limits (EMF spec; CloudWatch API Dimension: name 1-255, value 1-1024 ASCII characters;
# MetricDatum MetricName 1-255; namespace pattern and 256-character cap as enforced by
# awslabs/aws-embedded-metrics-* Constants).
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_DIMENSION_NAME = 255
MAX_DIMENSION_VALUE = 1024
MAX_METRIC_NAME = 255
MAX_NAMESPACE = 256
_NAMESPACE = re.compile(r"[a-zA-Z0-9._#:/-]+")


class EmfError(ValueError):
    """A metric document that CloudWatch would not accept (names the field, value and the limit)."""


def _ascii_text(value: object, field: str, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > maximum or not value.isascii():
        raise EmfError(f"{field}: {describe(value)} is not 1-{maximum} ASCII characters with a non-blank one")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise EmfError(f"{field}: {describe(value)} contains an ASCII control character")
    return value


def turn_metric_values(totals: TurnTotals) -> dict[str, int | float]:
    """The metric values of one turn, by metric name (``FinalAnswerTokens``/``HiddenBurn`` only when known)."""
    values: dict[str, int | float] = {
        "InputTokens": totals.input_tokens,
        "OutputTokens": totals.output_tokens,
        "CacheReadTokens": totals.cache_read_tokens,
        "CacheWriteTokens": totals.cache_write_tokens,
        "ModelCalls": totals.model_calls,
        "TurnTokens": totals.turn_tokens,
        "CappedTurns": 1 if totals.capped else 0,
    }
    if totals.final_answer_tokens is not None:
        values["FinalAnswerTokens"] = totals.final_answer_tokens
    if totals.hidden_burn is not None:
        values["HiddenBurn"] = totals.hidden_burn
    return values


def render_turn_emf(totals: TurnTotals, *, agent: str, route: str, tenant: str | None = None,
                    namespace: str = DEFAULT_NAMESPACE, timestamp_ms: int | None = None,
                    properties: Mapping[str, str | int | float | bool | None] | None = None) -> str:
    """One EMF JSON line for a metered turn (the caller prints it to its log stream)."""
    _ascii_text(namespace, "namespace", MAX_NAMESPACE)
    if not _NAMESPACE.fullmatch(namespace):
        raise EmfError(f"namespace: {namespace!r} may only contain letters, digits and . _ # : / -")
    dimensions = {
        AGENT_DIMENSION: _ascii_text(agent, "agent", MAX_DIMENSION_VALUE),
        ROUTE_DIMENSION: _ascii_text(route, "route", MAX_DIMENSION_VALUE),
        TENANT_DIMENSION: _ascii_text(tenant if tenant is not None else NO_TENANT, "tenant", MAX_DIMENSION_VALUE),
    }
    values = turn_metric_values(totals)
    document: dict[str, object] = {
        "_aws": {
            "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [list(dimension_set) for dimension_set in DIMENSION_SETS],
                "Metrics": [{"Name": name, "Unit": "None" if name == "HiddenBurn" else "Count"}
                            for name in values],
            }],
        },
        **dimensions,
        **values,
    }
    for key, value in (properties or {}).items():
        if key in document:
            raise EmfError(f"properties.{key}: clashes with a dimension, metric or _aws member of the turn document")
        if not isinstance(key, str) or not key:
            raise EmfError(f"properties: key {describe(key)} must be a non-empty string")
        if not (value is None or isinstance(value, (str, int, float, bool))) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise EmfError(f"properties.{key}: {describe(value)} must be a string, number, boolean or null")
        document[key] = value
    validate_emf(document)
    return json.dumps(document, separators=(",", ":"))


def validate_emf(document: Mapping[str, object]) -> None:
    """Check an EMF document against the spec's structure and limits; raise :class:`EmfError`."""
    meta = document.get("_aws")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("Timestamp"), int):
        raise EmfError("_aws.Timestamp: required, a number of milliseconds since the epoch")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        raise EmfError("_aws.CloudWatchMetrics: required, a non-empty array of metric directives")
    for index, directive in enumerate(directives):
        where = f"_aws.CloudWatchMetrics[{index}]"
        metrics = directive.get("Metrics", [])
        if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
            raise EmfError(f"{where}.Metrics: {len(metrics)} metrics, at most {MAX_METRICS_PER_DIRECTIVE} allowed")
        for dim_index, dimension_set in enumerate(directive.get("Dimensions", [])):
            if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
                raise EmfError(f"{where}.Dimensions[{dim_index}]: {len(dimension_set)} keys, "
                               f"at most {MAX_DIMENSIONS_PER_SET} allowed")
            for key in dimension_set:
                _ascii_text(key, f"{where}.Dimensions[{dim_index}] key", MAX_DIMENSION_NAME)
                if not isinstance(document.get(key), str):
                    raise EmfError(f"{where}.Dimensions[{dim_index}]: {key!r} needs a string member on the root")
        for metric in metrics:
            name = _ascii_text(metric.get("Name"), f"{where}.Metrics Name", MAX_METRIC_NAME)
            value = document.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise EmfError(f"{where}.Metrics: {name!r} needs a numeric member on the root, got {describe(value)}")
