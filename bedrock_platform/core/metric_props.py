"""The typed metric options every ``metric_*`` method accepts (those of ``cloudwatch.MetricOptions``).

    guardrail.metric_invocations_intervened(period=Duration.minutes(1), statistic="Sum", color="#d62728")

``metric(...)`` helpers build a ``cloudwatch.Metric`` with these options and attach it to the
construct's stack (``Metric.attach_to``), so account and region default to the stack's, as the
aws-cdk-lib L2s do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch


class MetricProps(TypedDict, total=False):
    """Keyword options of ``cloudwatch.MetricOptions`` (see its documentation for each field)."""

    account: str
    color: str
    dimensions_map: Mapping[str, str]
    id: str
    label: str
    period: Duration
    region: str
    stack_account: str
    stack_region: str
    statistic: str
    unit: cloudwatch.Unit
    visible: bool


METRIC_OPTION_NAMES = frozenset(MetricProps.__annotations__)
