"""Content fingerprints of L1 resources, computed at synth time from their resolved properties.

Used where CloudFormation must be told that something changed: a guardrail version is
published (replaced) when the guardrail's settings change, and an agent alias moves to a new
agent version when the agent's configuration changes. The fingerprint is a lazy token, so it
sees every property set after construction (``add_*`` calls, L1 setters), and it depends only
on the resolved template values: an unchanged re-synth yields the identical string.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import jsii
from aws_cdk import CfnResource, IResolveContext, IStringProducer, Lazy, Stack

# Properties that never change what the resource does (tags are applied by aspects and
# differ per environment) and must not publish a new version.
DEFAULT_EXCLUDED = frozenset({"tags"})


def resolved_properties(
    resource: CfnResource,
    *,
    exclude: frozenset[str] = DEFAULT_EXCLUDED,
    only: frozenset[str] | None = None,
    stack: Stack | None = None,
) -> dict[str, Any]:
    """The resource's CloudFormation properties as they will be synthesized, minus ``exclude``
    (and, when ``only`` is given, limited to those property names: CDK's camelCase keys).
    ``stack`` is the resource's stack, if the caller has it (saves a jsii round trip).

    Read from the L1's ``cfnProperties`` (what a generated L1's ``inspect`` reports to the construct
    tree as ``aws:cdk:cloudformation:props``: the same object, in one jsii call instead of three), so
    properties set with L1 setters count too.
    """
    props = resource._cfn_properties or {}
    kept = {k: v for k, v in props.items() if k not in exclude and (only is None or k in only)}
    resolved = (stack or Stack.of(resource)).resolve(kept)
    return resolved if isinstance(resolved, dict) else {}


def digest(value: Any, length: int = 16) -> str:
    """Stable hex digest of a JSON-serializable value (key order does not matter)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@jsii.implements(IStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> str:
        return self._produce()


def lazy_fingerprint(
    resource: CfnResource,
    *,
    extra: Sequence[Any] = (),
    exclude: frozenset[str] = DEFAULT_EXCLUDED,
    only: frozenset[str] | None = None,
    template: str = "{digest}",
    length: int = 16,
) -> str:
    """A token that resolves to ``template`` with ``{digest}`` replaced by the fingerprint of
    ``resource``'s resolved properties plus ``extra`` values (tokens allowed, resolved too).

    ``only`` limits the fingerprint to the named properties (e.g. the create-only ones); it must
    leave out the property the token itself is put into, which would otherwise resolve itself.
    """

    stacks: list[Stack] = []  # found at the first resolve, kept for the next ones (each is a jsii call)

    def produce() -> str:
        if not stacks:
            stacks.append(Stack.of(resource))
        stack = stacks[0]
        value = {
            "properties": resolved_properties(resource, exclude=exclude, only=only, stack=stack),
            "extra": stack.resolve(list(extra)) if extra else [],
        }
        return template.format(digest=digest(value, length))

    return Lazy.uncached_string(_Producer(produce))
