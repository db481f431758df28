"""Grants that land in customer-managed policies, never in a role's inline default policy.

aws-cdk-lib's ``grant_*`` methods call ``grantee.grant_principal.add_to_principal_policy``; for an
``iam.Role`` that writes an inline ``DefaultPolicy`` (cdk-nag ``IAMNoInlinePolicy`` in the NIST,
HIPAA and PCI packs). The platform's grants avoid that in three ways, all from this module:

* :class:`ManagedPolicyRole` is an ``iam.Role`` whose principal-policy additions go into one
  customer-managed policy, so ``table.grant_read_data(agent)`` on a platform construct with a
  role lands in that construct's managed policy.
* :class:`ManagedPolicyPrincipal` stands for a role, user or group whose additions go to a given
  managed policy (a construct that owns a role and a policy exposes one as its ``grant_principal``).
* :func:`grant_with_managed_policy` adds a grant to a given ``policy``, or creates one managed
  policy per (resource, grantee) next to the grantee's role, user or group (in the grantee's
  stack, so the reference runs from the consumer to the platform, as an inline grant would);
  :func:`via_policy` does the same for aws-cdk-lib's own ``grant_*`` methods.

Example::

    role = ManagedPolicyRole(self, "Role", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com"))
    role.use_managed_policy(iam.ManagedPolicy(self, "Policy", roles=[role]))
    grant_with_managed_policy(alias, web_role, actions=["bedrock:InvokeAgent"], resource_arns=[alias.alias_arn])
    docs_policy = iam.ManagedPolicy(self, "DocsReaders")
    kb.grant_query(app_role, policy=docs_policy)  # statement in docs_policy, attached to app_role
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Names
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from bedrock_platform.core.validation import PlatformValidationError

_IDENTITY_KINDS = ("role", "user", "group")


class ManagedPolicyRole(iam.Role):
    """An ``iam.Role`` whose ``add_to_principal_policy`` (what every ``grant_*`` calls) writes into
    one customer-managed policy instead of an inline ``DefaultPolicy``.

    Example::

        role = ManagedPolicyRole(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        role.use_managed_policy(policy)
        bucket.grant_read(role)  # the statement lands in ``policy``
    """

    _managed_policy: iam.ManagedPolicy | None = None

    def use_managed_policy(self, policy: iam.ManagedPolicy) -> None:
        """Send every later principal-policy addition to ``policy`` (which must be attached to this role)."""
        self._managed_policy = policy

    @property
    def managed_policy(self) -> iam.ManagedPolicy | None:
        """The managed policy grants land in (``None`` until :meth:`use_managed_policy`)."""
        return self._managed_policy

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Add ``statement`` to the managed policy (falls back to the inline policy before one is set)."""
        if self._managed_policy is None:
            return super().add_to_principal_policy(statement)
        self._managed_policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._managed_policy)


class ManagedPolicyPrincipal(iam.PrincipalBase):
    """The principal of ``identity`` (a role, user or group) whose policy additions go to ``policy``
    (attached to ``identity``).

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
    identity = _identity_of(grantee)
    if identity is None:
        raise PlatformValidationError(
            "grantee", type(grantee).__name__, "is not an IAM role, user or group, so policy= cannot be attached to it"
        )
    return _PolicyGrantee(ManagedPolicyPrincipal(identity, policy))


def grant_with_managed_policy(
    resource: IConstruct,
    grantee: Any,
    *,
    actions: Sequence[str] = (),
    resource_arns: Sequence[str] = (),
    statements: Sequence[iam.PolicyStatement] = (),
    policy: iam.ManagedPolicy | None = None,
    description: str | None = None,
) -> iam.Grant:
    """Allow ``actions`` on ``resource_arns`` (and the actions and resources of each of
    ``statements``) to ``grantee``, in a customer-managed policy.

    * ``policy`` given: the statements are added to it, and the policy is attached to the grantee's
      role, user or group (``attach_to_*`` is idempotent).
    * the grantee's principal already writes to a managed policy (:class:`ManagedPolicyRole`,
      :class:`ManagedPolicyPrincipal`, e.g. a platform agent, knowledge base or action-group
      function): the ordinary ``iam.Grant`` lands there.
    * the grantee is a role, user or group: one managed policy per (``resource``, grantee) is
      created as a child of the grantee (reused by later grants of the same resource).
    * any other principal (service, account, ARN): ``iam.Grant.add_to_principal``, as aws-cdk-lib does.
    """
    check_grantee(grantee)
    check_policy(policy)
    principal = grantee.grant_principal
    if policy is None and not isinstance(principal, (ManagedPolicyRole, ManagedPolicyPrincipal)):
        identity = _identity_of(grantee)
        if identity is not None:
            policy = _policy_for(resource, identity, description)
    target = via_policy(grantee, policy)
    pairs = [(list(actions), list(resource_arns))] if actions else []
    pairs += [(statement.actions, statement.resources) for statement in statements]
    if not pairs:
        raise PlatformValidationError("actions", [], "must name at least one IAM action")
    grant: iam.Grant | None = None
    for step_actions, step_arns in pairs:
        step = iam.Grant.add_to_principal(grantee=target, actions=step_actions, resource_arns=step_arns)
        grant = step if grant is None else grant.combine(step)
    assert grant is not None
    return grant


def _attach(policy: iam.ManagedPolicy, identity: Any) -> None:
    for kind in _IDENTITY_KINDS:
        if hasattr(identity, f"{kind}_name"):
            getattr(policy, f"attach_to_{kind}")(identity)
            return
    raise PlatformValidationError(
        "grantee", type(identity).__name__, "is not an IAM role, user or group (a managed policy attaches only to those)"
    )


def _identity_of(grantee: Any) -> Any:
    """The role, user or group behind ``grantee`` a managed policy can attach to, else ``None``."""
    principal = grantee.grant_principal
    if isinstance(principal, ManagedPolicyPrincipal):
        return principal.identity
    for candidate in (principal, grantee):
        if hasattr(candidate, "node") and any(hasattr(candidate, f"{kind}_name") for kind in _IDENTITY_KINDS):
            return candidate
    return None


def _policy_for(resource: IConstruct, identity: Any, description: str | None) -> iam.ManagedPolicy:
    construct_id = f"Grants{Names.node_unique_id(resource.node)}"
    existing = identity.node.try_find_child(construct_id)
    if isinstance(existing, iam.ManagedPolicy):
        return existing
    # IAM CreatePolicy: Description is at most 1000 characters.
    text = (description or f"Grants on {resource.node.path}")[:1000]
    return iam.ManagedPolicy(identity, construct_id, description=text)


@jsii.implements(iam.IGrantable)
class _PolicyGrantee:
    """An ``iam.IGrantable`` holding a :class:`ManagedPolicyPrincipal`."""

    def __init__(self, principal: ManagedPolicyPrincipal) -> None:
        self._principal = principal

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The principal whose policy additions go to the managed policy."""
        return self._principal
