"""Per-resource cdk-nag suppressions with a reason, shared by every construct.

Constructs suppress only what they own, name the rule, say why, and use ``applies_to``
where the rule reports a specific finding (e.g. ``Resource::*`` or a managed policy).
"""

from __future__ import annotations

from collections.abc import Sequence

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
