"""The one table that maps a platform profile's removal policy onto each kind of resource.

A platform config names one removal policy (``destroy`` in dev, ``retain`` in prod unless set).
Not every resource supports every CloudFormation ``DeletionPolicy``: ``Snapshot`` exists only for
resource types that keep a snapshot (AWS CloudFormation User Guide, "DeletionPolicy attribute":
e.g. EBS volumes, RDS, ElastiCache, Redshift, Neptune, DocumentDB); none of the kinds below is one.
So ``snapshot`` (accepted by the table for library users, not offered by the config) retains.
The library constructs themselves default to RETAIN for data; the stacks pass this table's answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aws_cdk import RemovalPolicy

from bedrock_platform.core.validation import PlatformValidationError

#: resource kind -> {profile removal policy name -> RemovalPolicy}
REMOVAL_POLICIES: Mapping[str, Mapping[str, RemovalPolicy]] = MappingProxyType({
    kind: MappingProxyType({
        "destroy": RemovalPolicy.DESTROY,
        "retain": RemovalPolicy.RETAIN,
        "snapshot": RemovalPolicy.RETAIN,  # no DeletionPolicy Snapshot for this kind
    })
    for kind in (
        "vector_store",  # AWS::OpenSearchServerless::Collection and its index
        "knowledge_base",  # AWS::Bedrock::KnowledgeBase
        "ingestion",  # the ingestion schedule group and dead-letter queue
        "table",  # AWS::DynamoDB::Table (action-group data)
        "key",  # AWS::KMS::Key
        "log_group",  # AWS::Logs::LogGroup
        "bucket",  # AWS::S3::Bucket
    )
})  # fmt: skip
RESOURCE_KINDS: tuple[str, ...] = tuple(REMOVAL_POLICIES)


def removal_policy_for(policy: str, kind: str) -> RemovalPolicy:
    """The ``RemovalPolicy`` of a ``kind`` of resource under the profile removal ``policy``.

    Example::

        removal_policy_for(config.resolved_removal_policy, "table")   # DESTROY in dev, RETAIN in prod
    """
    if kind not in REMOVAL_POLICIES:
        raise PlatformValidationError("kind", kind, f"is not one of: {', '.join(RESOURCE_KINDS)}")
    choices = REMOVAL_POLICIES[kind]
    if policy not in choices:
        raise PlatformValidationError("removal_policy", policy, f"is not one of: {', '.join(choices)}")
    return choices[policy]
