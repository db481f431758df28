"""One owner per account and region: the model invocation logging setting is a single
account+region setting, so two constructs of one app that may target the same account and region
stop synth. An environment-agnostic account or region may be deployed anywhere, so it overlaps
with every other target on that part.
"""

from __future__ import annotations

from aws_cdk import Stack, Token
from constructs import Construct

from bedrock_platform.core.validation import PlatformValidationError

Target = tuple[str | None, str | None]


def deployment_target(construct: Construct) -> Target:
    """(account, region) of the construct's stack; ``None`` for an environment-agnostic value."""
    stack = Stack.of(construct)
    account = None if Token.is_unresolved(stack.account) else stack.account
    region = None if Token.is_unresolved(stack.region) else stack.region
    return account, region


def may_overlap(a: Target, b: Target) -> bool:
    """Whether two (account, region) targets may be the same; an environment-agnostic part matches any."""
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def check_single_owner(construct: Construct, owner_type: type[Construct]) -> None:
    """Raise if another ``owner_type`` in the app may manage the same account+region setting.

    Example::

        check_single_owner(self, ModelInvocationLogging)  # in ModelInvocationLogging.__init__
    """
    mine = deployment_target(construct)
    for other in construct.node.root.node.find_all():
        if other is construct or not isinstance(other, owner_type):
            continue
        theirs = deployment_target(other)
        if may_overlap(theirs, mine):
            account = mine[0] or theirs[0]
            region = mine[1] or theirs[1]
            where = f"account {account or '(environment-agnostic)'}, region {region or '(environment-agnostic)'}"
            raise PlatformValidationError(
                construct.node.path,
                other.node.path,
                f"already manages Bedrock model invocation logging for {where}; the setting is one per "
                "account and region, so only one stack may manage it: set observability.logging.enabled: "
                "false for the other app/stack and share the logs (README: 'Sharing one logging setup')",
            )
