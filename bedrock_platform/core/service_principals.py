"""Service principals with confused-deputy protection, for every service role the platform creates.

A role trusted by ``bedrock.amazonaws.com`` alone could be assumed by Bedrock acting for any
account. Every trust policy here also requires ``aws:SourceAccount`` (this account) and
``aws:SourceArn`` (a resource pattern of this account and region)::

    iam.Role(self, "Role", assumed_by=confused_deputy_principal(
        self, "bedrock", source_arn=Stack.of(self).format_arn(service="bedrock", resource="agent", resource_name="*")))
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


def source_conditions(scope: Construct, source_arn: str) -> dict[str, Any]:
    """``aws:SourceAccount`` = this account and ``aws:SourceArn`` like ``source_arn``."""
    return {
        "StringEquals": {"aws:SourceAccount": Stack.of(scope).account},
        "ArnLike": {"aws:SourceArn": source_arn},
    }


def confused_deputy_principal(scope: Construct, service: str, *, source_arn: str) -> iam.ServicePrincipal:
    """``<service>.amazonaws.com``, only when acting for this account on resources like ``source_arn``."""
    return iam.ServicePrincipal(f"{service}.amazonaws.com", conditions=source_conditions(scope, source_arn))
