"""Per-resource cdk-nag suppressions with a reason, shared by every construct, and the matching
checkov skips written next to them so the two scanners can never disagree.

Constructs suppress only what they own, name the rule, say why, and use ``applies_to``
where the rule reports a specific finding (e.g. ``Resource::*`` or a managed policy).

:func:`suppress` also records, for every cdk-nag rule that has a checkov equivalent
(:data:`CHECKOV_EQUIVALENTS`), a checkov skip with the *same reason* in the resource's template
metadata. checkov reads per-resource CloudFormation skips from ``Metadata.checkov.skip`` as
``[{id: CKV_AWS_18, comment: <reason>}]`` (checkov docs, "Suppressing and Skipping Policies",
section "CloudFormation Metadata"; checkov/cloudformation/context_parser.py
``collect_skip_comments``). A checkov finding with no cdk-nag counterpart is skipped explicitly
with :func:`checkov_skip`, again with a reason.

The cdk-nag suppression itself is written here, without importing cdk-nag (whose jsii module
costs more to load than the whole library): :func:`suppress` writes exactly the metadata
``NagSuppressions.addResourceSuppressions`` writes (cdk-nag 2.38 ``lib/nag-suppressions.js`` and
``lib/utils/nag-suppression-helper.js``: ``Metadata.cdk_nag.rules_to_suppress`` as
``[{reason, id, applies_to}]``, reasons with a code point above 255 base64-encoded with
``is_reason_encoded: true``, duplicates dropped by their JSON form). cdk-nag is imported only by
the code that runs the packs.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnResource, Stack
from constructs import IConstruct

# cdk-nag rule name (the part after the pack prefix, e.g. "LambdaDLQ" of "HIPAA.Security-LambdaDLQ")
# -> the checkov CloudFormation checks that report the same thing: (check id, resource type).
# Rule names: cdk_nag package lib/rules/**; check ids and types: checkov/cloudformation/checks/resource/aws.
CHECKOV_EQUIVALENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "LambdaDLQ": (("CKV_AWS_116", "AWS::Lambda::Function"),),
    "LambdaInsideVPC": (("CKV_AWS_117", "AWS::Lambda::Function"),),
    "LambdaConcurrency": (("CKV_AWS_115", "AWS::Lambda::Function"),),
    "S3BucketLoggingEnabled": (("CKV_AWS_18", "AWS::S3::Bucket"),),
    "S3BucketVersioningEnabled": (("CKV_AWS_21", "AWS::S3::Bucket"),),
    "CloudWatchLogGroupEncrypted": (("CKV_AWS_158", "AWS::Logs::LogGroup"),),
    "CloudWatchLogGroupRetentionPeriod": (("CKV_AWS_66", "AWS::Logs::LogGroup"),),
    "DynamoDBPITREnabled": (("CKV_AWS_28", "AWS::DynamoDB::Table"),),
    "SQSQueueSSE": (("CKV_AWS_27", "AWS::SQS::Queue"),),
}
# AwsSolutions rules carry a short suffix instead of the rule name (cdk_nag lib/packs/aws-solutions.js).
AWS_SOLUTIONS_RULES = {"S1": "S3BucketLoggingEnabled", "SQS2": "SQSQueueSSE"}
CHECKOV_ID = re.compile(r"CKV2?_AWS_[0-9]+")
MIN_REASON = 10
# cdk-nag rejects an id carrying a finding ("[...]"): NagSuppressionHelper.getSuppressionFormatError
FINDING_IN_ID = re.compile(r"\[.*\]")


def checkov_equivalents(rule: str) -> tuple[tuple[str, str], ...]:
    """The checkov checks (id, CloudFormation type) equivalent to cdk-nag ``rule`` (none if unknown)."""
    pack, _, name = rule.partition("-")
    if pack == "AwsSolutions":
        name = AWS_SOLUTIONS_RULES.get(name, name)
    return CHECKOV_EQUIVALENTS.get(name, ())


def suppress(
    construct: IConstruct,
    rules: str | Sequence[str],
    reason: str,
    *,
    applies_to: Sequence[str] | None = None,
    apply_to_children: bool = False,
) -> None:
    """Suppress ``rules`` on ``construct`` (and its children if asked) with ``reason``.

    Every rule with a checkov equivalent also becomes a checkov skip, with the same reason, on
    the resources of the check's type among those the cdk-nag suppression lands on.
    """
    if len(reason) < MIN_REASON:
        raise ValueError("a cdk-nag suppression needs a specific reason")
    ids = [rules] if isinstance(rules, str) else list(rules)
    for rule in ids:
        if FINDING_IN_ID.search(rule):
            raise ValueError(f"suppression id {rule!r} contains a finding: name it in applies_to")
    entries = [_nag_entry(rule, reason, applies_to) for rule in ids]
    targets = _suppression_targets(construct, apply_to_children)
    for resource in targets:
        _add_nag_rules(resource, entries)
    checks = [check for rule in ids for check in checkov_equivalents(rule)]
    if not checks:
        return
    for resource in targets:  # one read and one write of each resource's checkov metadata
        resource_type = resource.cfn_resource_type
        _add_checkov_skips(resource, [check_id for check_id, t in checks if t == resource_type], reason)


def checkov_skip(
    construct: IConstruct,
    checks: str | Sequence[str],
    reason: str,
    *,
    resource_type: str,
    apply_to_children: bool = False,
) -> None:
    """Skip checkov ``checks`` that no cdk-nag rule reports, on the ``resource_type`` resources of ``construct``.

    Example::

        checkov_skip(fn, "CKV_AWS_173", "Only resource names in the environment; encrypted at rest "
                     "with the Lambda service key", resource_type="AWS::Lambda::Function")
    """
    if len(reason) < MIN_REASON:
        raise ValueError("a checkov skip needs a specific reason")
    ids = [checks] if isinstance(checks, str) else list(checks)
    for check_id in ids:
        if not CHECKOV_ID.fullmatch(check_id):
            raise ValueError(f"{check_id!r} is not a checkov AWS check id (CKV_AWS_<n> or CKV2_AWS_<n>)")
    targets = [r for r in _suppression_targets(construct, apply_to_children) if r.cfn_resource_type == resource_type]
    if not targets:
        raise ValueError(f"no {resource_type} resource under {construct.node.path} to skip {ids} on")
    for resource in targets:
        _add_checkov_skips(resource, ids, reason)


def _suppression_targets(construct: IConstruct, apply_to_children: bool) -> list[CfnResource]:
    """The CfnResources cdk-nag's ``add_resource_suppressions`` writes to (same selection rule)."""
    if not apply_to_children and isinstance(construct, CfnResource):
        return [construct]  # an L1 is its own target (it has no default child): no jsii round trip
    nodes = construct.node.find_all() if apply_to_children else [construct]
    targets: list[CfnResource] = []
    for node in nodes:
        candidate = node.node.default_child or node
        if isinstance(candidate, CfnResource) and candidate not in targets:
            targets.append(candidate)
    return targets


def _nag_entry(rule: str, reason: str, applies_to: Sequence[str] | None) -> dict[str, Any]:
    """One ``rules_to_suppress`` entry, keys in cdk-nag's order (``NagSuppressionHelper.toCfnFormat``)."""
    entry: dict[str, Any] = {"id": rule}
    if applies_to:
        entry["applies_to"] = list(applies_to)
    if any(ord(char) > 255 for char in reason):
        entry["is_reason_encoded"] = True
        return {"reason": base64.b64encode(reason.encode("utf-8")).decode("ascii"), **entry}
    return {"reason": reason, **entry}


def _add_nag_rules(resource: CfnResource, entries: list[dict[str, Any]]) -> None:
    """Append ``entries`` to the resource's cdk-nag metadata as ``NagSuppressionHelper.addRulesToMetadata`` does."""
    metadata = resource.get_metadata("cdk_nag") or {}
    existing = metadata.get("rules_to_suppress") or []
    serialised = [json.dumps(rule, separators=(",", ":")) for rule in [*existing, *entries]]
    unique = list(dict.fromkeys(serialised))
    resource.add_metadata("cdk_nag", {"rules_to_suppress": [json.loads(rule) for rule in unique]})


def _add_checkov_skips(resource: CfnResource, check_ids: Sequence[str], reason: str) -> None:
    if not check_ids:
        return
    metadata: dict[str, Any] = dict(resource.get_metadata("checkov") or {})
    skips = list(metadata.get("skip", []))
    known = {skip.get("id") for skip in skips}
    added = False
    for check_id in check_ids:
        if check_id in known:
            continue  # first reason wins (e.g. HIPAA and NIST rules suppressed in one call share it)
        skips.append({"id": check_id, "comment": reason})
        known.add(check_id)
        added = True
    if added:
        resource.add_metadata("checkov", {**metadata, "skip": skips})


def nag_resource(stack: Stack, arn: str) -> str:
    """The ``Resource::...`` finding id cdk-nag reports for ``arn`` (tokens rendered its way).

    cdk-nag renders ``Fn::GetAtt`` as ``<Logical.Attr>``, ``Ref`` as ``<Logical>`` and joins the
    parts of ``Fn::Join``; this lets a suppression name the exact resource it applies to.
    """
    return f"Resource::{_render(stack.resolve(arn))}"


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        return delimiter.join(_render(part) for part in parts)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical, attribute = value["Fn::GetAtt"]
        return f"<{logical}.{attribute}>"
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding")


def cfn_lint_ignore(resource: CfnResource, rules: Sequence[str], reason: str) -> None:
    """Tell cfn-lint to skip ``rules`` on one resource (template metadata), with the reason in code.

    Used only for findings aws-cdk-lib itself generates, e.g. W3005: the Lambda L2 adds an
    explicit ``DependsOn`` on the role it also references with ``GetAtt``.
    """
    if len(reason) < 10:
        raise ValueError("a cfn-lint exception needs a specific reason")
    resource.add_metadata("cfn-lint", {"config": {"ignore_checks": list(rules)}})
