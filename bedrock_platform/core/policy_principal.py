"""Grants that land in a managed policy instead of a role's inline default policy.

aws-cdk-lib's ``grant_*`` methods call ``grantee.grant_principal.add_to_principal_policy``; for an
``iam.Role`` that writes an inline ``DefaultPolicy`` (cdk-nag ``IAMNoInlinePolicy`` in the NIST,
HIPAA and PCI packs). A construct that owns a role and a managed policy exposes a
:class:`ManagedPolicyPrincipal` as its ``grant_principal``, so ``bucket.grant_read(construct)``
adds to the managed policy; :func:`grant_with_policy` does the same for any role, user or group
grantee when the caller passes ``policy=``::

    docs_policy = iam.ManagedPolicy(self, "DocsReaders")
    kb.grant_query(app_role, policy=docs_policy)  # statement in docs_policy, attached to app_role
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import aws_iam as iam

from bedrock_platform.core.validation import PlatformValidationError


class ManagedPolicyPrincipal(iam.PrincipalBase):
    """The principal of ``identity`` (a role, user or group) whose policy additions go to ``policy``.

    Example::

        principal = ManagedPolicyPrincipal(role, policy)
        bucket.grant_read(principal)  # s3 and kms statements land in ``policy``
    """

    def __init__(self, identity: Any, policy: iam.ManagedPolicy) -> None:
        super().__init__()
        self._identity = identity
        self._policy = policy
        _attach(policy, identity)

    @property
    def identity(self) -> Any:
        """The role, user or group the managed policy is attached to."""
        return self._identity

    @property
    def policy(self) -> iam.ManagedPolicy:
        """The managed policy every grant is added to."""
        return self._policy

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        """The identity's own policy fragment (what a resource policy names)."""
        return self._identity.grant_principal.policy_fragment  # type: ignore[no-any-return]

    @property
    def principal_account(self) -> str | None:
        """The identity's account, so a same-account resource grant stays in the identity policy."""
        return self._identity.grant_principal.principal_account  # type: ignore[no-any-return]

    @property
    def role_arn(self) -> str | None:
        """The role's ARN when the identity is a role (OpenSearch Serverless data access rules need it)."""
        return getattr(self._identity, "role_arn", None)

    @property
    def user_arn(self) -> str | None:
        """The user's ARN when the identity is a user."""
        return getattr(self._identity, "user_arn", None)

    def dedupe_string(self) -> str | None:
        """Not deduplicated: two principals on the same role may hold different policies."""
        return None

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Add ``statement`` to the managed policy (never to an inline policy)."""
        self._policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._policy)


def _attach(policy: iam.ManagedPolicy, identity: Any) -> None:
    if hasattr(identity, "role_name"):
        policy.attach_to_role(identity)
    elif hasattr(identity, "user_name"):
        policy.attach_to_user(identity)
    elif hasattr(identity, "group_name"):
        policy.attach_to_group(identity)
    else:
        raise PlatformValidationError(
            "grantee", type(identity).__name__, "is not an IAM role, user or group (a managed policy attaches only to those)"
        )


def _identity_of(grantee: iam.IGrantable) -> Any:
    principal = grantee.grant_principal
    if isinstance(principal, ManagedPolicyPrincipal):
        return principal.identity
    if any(hasattr(principal, attribute) for attribute in ("role_name", "user_name", "group_name")):
        return principal
    if any(hasattr(grantee, attribute) for attribute in ("role_name", "user_name", "group_name")):
        return grantee
    raise PlatformValidationError(
        "grantee", type(grantee).__name__, "is not an IAM role, user or group, so policy= cannot be attached to it"
    )


def check_grantee(grantee: Any, field: str = "grantee") -> iam.IGrantable:
    """``grantee`` must be an ``iam.IGrantable`` (a role, user, function, construct with a role)."""
    if not hasattr(grantee, "grant_principal"):
        raise PlatformValidationError(
            field, type(grantee).__name__, "is not an iam.IGrantable (pass a role, user, group, function or a construct with grant_principal)"
        )
    return grantee  # type: ignore[no-any-return]


def check_policy(policy: Any, field: str = "policy") -> iam.ManagedPolicy | None:
    """``policy`` must be None or an ``iam.ManagedPolicy``."""
    if policy is not None and not isinstance(policy, iam.ManagedPolicy):
        raise PlatformValidationError(field, type(policy).__name__, "is not an iam.ManagedPolicy")
    return policy


def via_policy(grantee: iam.IGrantable, policy: iam.ManagedPolicy | None) -> iam.IGrantable:
    """``grantee`` itself, or (with ``policy``) a grantable whose additions land in ``policy``
    (attached to the grantee's role, user or group)."""
    check_grantee(grantee)
    if check_policy(policy) is None:
        return grantee
    return _PolicyGrantee(ManagedPolicyPrincipal(_identity_of(grantee), policy))


def grant_with_policy(
    grantee: iam.IGrantable,
    actions: Sequence[str],
    resource_arns: Sequence[str],
    *,
    policy: iam.ManagedPolicy | None = None,
    conditions: dict[str, Any] | None = None,
) -> iam.Grant:
    """``iam.Grant.add_to_principal`` for ``actions`` on ``resource_arns``, into ``policy`` when given."""
    return iam.Grant.add_to_principal(
        grantee=via_policy(grantee, policy),
        actions=list(actions),
        resource_arns=list(resource_arns),
        conditions=conditions,
    )


@jsii.implements(iam.IGrantable)
class _PolicyGrantee:
    """An ``iam.IGrantable`` holding a :class:`ManagedPolicyPrincipal`."""

    def __init__(self, principal: ManagedPolicyPrincipal) -> None:
        self._principal = principal

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self._principal

