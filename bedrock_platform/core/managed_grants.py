"""Grants that land in customer-managed policies, never in inline policies.

aws-cdk-lib's ``grant_*`` methods add statements to the grantee's *principal policy*, which for
an ``iam.Role`` is an inline ``DefaultPolicy`` (a cdk-nag ``IAMNoInlinePolicy`` finding in the
consumer's app). The platform's grants avoid that in two ways:

* :class:`ManagedPolicyRole` is an ``iam.Role`` whose principal-policy additions go into one
  customer-managed policy, so ``table.grant_read_data(agent)`` on a platform construct with a
  role lands in that construct's managed policy.
* :func:`grant_with_managed_policy` adds a grant to a given ``policy``, or creates one managed
  policy per (resource, grantee) next to the grantee's role, user or group (in the grantee's
  stack, so the reference runs from the consumer to the platform, as an inline grant would).

Example::

    role = ManagedPolicyRole(self, "Role", assumed_by=iam.ServicePrincipal("bedrock.amazonaws.com"))
    role.use_managed_policy(iam.ManagedPolicy(self, "Policy", roles=[role]))
    grant_with_managed_policy(alias, web_role, actions=["bedrock:InvokeAgent"], resource_arns=[alias.alias_arn])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Names
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from bedrock_platform.core.validation import PlatformValidationError


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


def grant_with_managed_policy(
    resource: IConstruct,
    grantee: Any,
    *,
    actions: Sequence[str],
    resource_arns: Sequence[str],
    policy: iam.ManagedPolicy | None = None,
    description: str | None = None,
) -> iam.Grant:
    """Allow ``actions`` on ``resource_arns`` to ``grantee``, in a customer-managed policy.

    * ``policy`` given: the statement is added to it, and the policy is attached to the grantee's
      role, user or group (``attach_to_*`` is idempotent).
    * the grantee's principal already writes to a managed policy (:class:`ManagedPolicyRole`, e.g.
      a platform agent or action-group function): the ordinary ``iam.Grant`` lands there.
    * the grantee is a role, user or group: one managed policy per (``resource``, grantee) is
      created as a child of the grantee (reused by later grants of the same resource).
    * any other principal (service, account, ARN): ``iam.Grant.add_to_principal``, as aws-cdk-lib does.
    """
    principal = _principal_of(grantee)
    kind = _identity_kind(principal)
    if policy is None and kind is not None and not isinstance(principal, ManagedPolicyRole):
        policy = _policy_for(resource, principal, description)
    if policy is not None and kind is not None:
        getattr(policy, f"attach_to_{kind}")(principal)
    target = _PolicyGrantee(principal, policy) if policy is not None else grantee
    return iam.Grant.add_to_principal(grantee=target, actions=list(actions), resource_arns=list(resource_arns))


def _principal_of(grantee: Any) -> Any:
    principal = getattr(grantee, "grant_principal", None)
    if principal is None:
        raise PlatformValidationError(
            "grantee", type(grantee).__name__, "is not grantable: pass an iam.IGrantable (a role, user, function...)"
        )
    return principal


def _identity_kind(principal: Any) -> str | None:
    """``role``, ``user`` or ``group`` for an IAM identity a managed policy attaches to, else ``None``."""
    for kind in ("role", "user", "group"):
        if hasattr(principal, f"{kind}_arn") and hasattr(principal, "node"):
            return kind
    return None


def _policy_for(resource: IConstruct, principal: Any, description: str | None) -> iam.ManagedPolicy:
    construct_id = f"Grants{Names.node_unique_id(resource.node)}"
    existing = principal.node.try_find_child(construct_id)
    if isinstance(existing, iam.ManagedPolicy):
        return existing
    scope: Construct = principal
    return iam.ManagedPolicy(scope, construct_id, description=description or f"Grants on {resource.node.path}")


@jsii.implements(iam.IGrantable)
class _PolicyGrantee:
    """An ``IGrantable`` whose principal adds statements to ``policy`` (for ``iam.Grant.add_to_principal``)."""

    def __init__(self, principal: Any, policy: iam.ManagedPolicy) -> None:
        self._grant_principal = _PolicyPrincipal(principal, policy)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The principal whose policy additions go to the managed policy."""
        return self._grant_principal


class _PolicyPrincipal(iam.PrincipalBase):
    """Stands for ``principal`` but writes its principal-policy additions into ``policy``."""

    def __init__(self, principal: Any, policy: iam.ManagedPolicy) -> None:
        super().__init__()
        self._principal = principal
        self._policy = policy

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        """The wrapped principal's fragment (used only by resource policies)."""
        return self._principal.policy_fragment

    @property
    def principal_account(self) -> str | None:
        """The wrapped principal's account."""
        return self._principal.principal_account

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        """Add ``statement`` to the managed policy."""
        self._policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self._policy)

    def dedupe_string(self) -> str | None:
        """Not de-duplicable (each wrapper stands for one grant)."""
        return None
