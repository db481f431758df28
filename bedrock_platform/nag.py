"""Per-resource cdk-nag suppressions with a reason, shared by every construct.

Constructs suppress only what they own, name the rule, say why, and use ``applies_to``
where the rule reports a specific finding (e.g. ``Resource::*`` or a managed policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnResource, Stack
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import IConstruct


def suppress(
    construct: IConstruct,
    rules: str | Sequence[str],
    reason: str,
    *,
    applies_to: Sequence[str] | None = None,
    apply_to_children: bool = False,
) -> None:
    """Suppress ``rules`` on ``construct`` (and its children if asked) with ``reason``."""
    if len(reason) < 10:
        raise ValueError("a cdk-nag suppression needs a specific reason")
    ids = [rules] if isinstance(rules, str) else list(rules)
    NagSuppressions.add_resource_suppressions(
        construct,
        [
            NagPackSuppression(id=rule, reason=reason, applies_to=list(applies_to) if applies_to else None)
            for rule in ids
        ],
        apply_to_children=apply_to_children,
    )


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
