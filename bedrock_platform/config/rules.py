"""Rules for top-level settings that reach every resource: tags and the removal policy.

Tags (``Tags.of(app)``) land on every taggable resource, so a tag must satisfy the strictest
rule among them (cfn-lint schemas, ``cfnlint/data/schemas``, us-east-1 provider):

- every ``Tag.Key``: 1-128 characters; ``Tag.Value``: at most 256 characters, and at least 1
  on ``AWS::CloudWatch::Alarm`` (``Tag.Value.minLength: 1``);
- ``AWS::Bedrock::Guardrail`` / ``Agent`` / ``KnowledgeBase`` tags: ``^[a-zA-Z0-9\\s._:/=+@-]*$``
  for keys and values (the strictest character set of the app's resources);
- the ``aws:`` prefix (any case) is reserved for AWS ("Tag naming limits and requirements",
  https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html, and
  ``AWS::CE::AnomalyMonitor`` ``ResourceTag.Key.pattern: ^(?!aws:).*$``);
- at most 50 user tags per resource (same page); the platform adds ``platform`` and ``profile``.

Removal policy: CloudFormation's ``DeletionPolicy: Snapshot`` exists only for resources with
snapshots (EC2 volumes, RDS, Neptune, DocumentDB, ElastiCache, Redshift: "DeletionPolicy
attribute", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
The platform has none of those (collections, indexes, knowledge bases, buckets, keys, log
groups, tables), so ``snapshot`` is not offered; with aws-cdk-lib's
``@aws-cdk/core:validateSnapshotRemovalPolicy`` flag (cdk.json) a library user who applies it
to such a resource gets a synth error too.
"""

from __future__ import annotations

import re

from bedrock_platform.core.validation import PlatformValidationError

TAG_PATTERN = r"[a-zA-Z0-9\s._:/=+@-]*"
TAG_CHARACTERS = "letters a-z A-Z, digits, spaces and . _ : / = + @ -"
TAG_KEY_LIMITS = (1, 128)
TAG_VALUE_LIMITS = (1, 256)
MAX_USER_TAGS = 50
PLATFORM_TAGS = ("platform", "profile")
REMOVAL_POLICIES = ("destroy", "retain")


def check_tags(field: str, tags: dict[str, str]) -> None:
    """Keys and values valid on every resource the platform tags."""
    if len(tags) + len(PLATFORM_TAGS) > MAX_USER_TAGS:
        raise PlatformValidationError(
            field, f"{len(tags)} tags",
            f"are too many: a resource takes {MAX_USER_TAGS} tags and the platform adds {', '.join(PLATFORM_TAGS)}",
        )  # fmt: skip
    for key, value in tags.items():
        path = (f"{field}.{key}" if field else key) if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f"{field}[{key!r}]"
        if key in PLATFORM_TAGS:
            raise PlatformValidationError(path, key, "is a tag the platform sets itself; use another key")
        low, high = TAG_KEY_LIMITS
        if not low <= len(key) <= high:
            raise PlatformValidationError(path, key, f"is not a valid tag key: it has {len(key)} characters, allowed {low}-{high}")
        if key.lower().startswith("aws:"):
            raise PlatformValidationError(path, key, "is not a valid tag key: the aws: prefix is reserved for AWS")
        if re.fullmatch(TAG_PATTERN, key) is None:
            raise PlatformValidationError(path, key, f"is not a valid tag key: use {TAG_CHARACTERS}")
        if not isinstance(value, str):
            raise PlatformValidationError(path, value, "is not a valid tag value: it must be a string (quote it in YAML)")
        low, high = TAG_VALUE_LIMITS
        if not low <= len(value) <= high:
            raise PlatformValidationError(
                path, value, f"is not a valid tag value: it has {len(value)} characters, allowed {low}-{high} "
                "(CloudWatch alarms reject empty tag values)",
            )  # fmt: skip
        if re.fullmatch(TAG_PATTERN, value) is None:
            raise PlatformValidationError(path, value, f"is not a valid tag value: use {TAG_CHARACTERS}")


def check_removal_policy(field: str, value: object) -> None:
    """``destroy`` or ``retain``; ``snapshot`` is explained (no platform resource supports it)."""
    if value == "snapshot":
        raise PlatformValidationError(
            field, value,
            "is not supported: CloudFormation snapshots only EC2 volumes and RDS, Neptune, DocumentDB, "
            "ElastiCache and Redshift resources, and the platform creates none of those; use retain to keep data",
        )  # fmt: skip
