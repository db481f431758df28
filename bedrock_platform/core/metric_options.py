"""The typed options every ``metric_*`` method accepts (aws-cdk-lib's ``cloudwatch.MetricOptions``).

A ``metric_*`` method of a construct takes ``**options: Unpack[MetricOptions]`` and builds its metric
with :func:`construct_metric`: the caller's options override the method's defaults (statistic,
period, label), and the metric is attached to the construct (``Metric.attach_to``), so account and
region default to the construct's stack, as aws-cdk-lib's ``Queue.metric`` does::

    collection.metric_search_latency(period=Duration.minutes(1), statistic="p99", color="#d62728")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from bedrock_platform.core.validation import PlatformValidationError

if TYPE_CHECKING:  # annotations only: a construct with metric_* methods loads aws_cloudwatch when it builds one
    from aws_cdk import Duration
    from aws_cdk import aws_cloudwatch as cloudwatch
    from constructs import IConstruct


class MetricOptions(TypedDict, total=False):
    """Keyword options of a ``metric_*`` method (the fields of ``cloudwatch.MetricOptions``)."""

    account: str
    color: str
    dimensions_map: dict[str, str]
    id: str
    label: str
    period: Duration
    region: str
    stack_account: str
    stack_region: str
    statistic: str
    unit: cloudwatch.Unit
    visible: bool


METRIC_OPTION_NAMES = tuple(MetricOptions.__annotations__)


def construct_metric(
    scope: IConstruct,
    *,
    namespace: str,
    metric_name: str,
    dimensions: dict[str, str],
    defaults: dict[str, Any],
    options: dict[str, Any],
) -> cloudwatch.Metric:
    """A metric of ``scope``: ``defaults`` overridden by ``options``; extra ``dimensions_map`` entries
    are added to ``dimensions``. An unknown option raises :class:`PlatformValidationError`."""
    unknown = sorted(set(options) - set(METRIC_OPTION_NAMES))
    if unknown:
        raise PlatformValidationError(
            unknown[0], options[unknown[0]], f"is not a metric option (allowed: {', '.join(METRIC_OPTION_NAMES)})"
        )
    from aws_cdk import aws_cloudwatch as cloudwatch

    merged: dict[str, Any] = {**defaults, **options}
    merged["dimensions_map"] = {**dimensions, **(options.get("dimensions_map") or {})}
    metric = cloudwatch.Metric(namespace=namespace, metric_name=metric_name, **merged)
    return metric.attach_to(scope)
