"""Grants that land in a managed policy (never the grantee's inline default policy).

aws-cdk-lib's ``grant_*`` methods add to a role's inline default policy, which the cdk-nag
``IAMNoInlinePolicy`` rules (HIPAA, NIST 800-53 R5, PCI DSS) report. The grants of this domain
put their statements in a managed policy: the one passed as ``policy=``, or one created next to
the grantee (a role, user or group) and attached to it. A grantee that cannot hold a managed
policy (a service or account principal) gets the usual principal grant.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aws_cdk import Names
from aws_cdk import aws_iam as iam
from constructs import Construct, IDependable

from bedrock_platform.core.validation import PlatformValidationError


class _ManagedPolicyPrincipal(iam.PrincipalBase):
    """The grantee's principal, with policy additions going to one managed policy."""

    def __init__(self, principal: iam.IPrincipal, policy: iam.ManagedPolicy) -> None:
        super().__init__()
        self._principal = principal
        self._policy = policy

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return self._principal.policy_fragment

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self._policy.add_statements(statement)
        dependable: IDependable = self._policy
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=dependable)

    def dedupe_string(self) -> str | None:
        return None


def _add(principal: iam.IPrincipal, policy: iam.ManagedPolicy, statements: Sequence[iam.PolicyStatement]) -> iam.Grant:
    grantee = _ManagedPolicyPrincipal(principal, policy)
    grant = None
    for statement in statements:
        step = iam.Grant.add_to_principal(grantee=grantee, actions=statement.actions, resource_arns=statement.resources)
        grant = step if grant is None else grant.combine(step)
    assert grant is not None
    return grant


def grant_in_managed_policy(
    owner: Construct,
    grantee: iam.IGrantable,
    statements: Sequence[iam.PolicyStatement],
    *,
    description: str,
    policy: iam.ManagedPolicy | None = None,
) -> iam.Grant:
    """Add ``statements`` to ``policy`` (or to a managed policy attached to ``grantee``) and return the grant."""
    principal = getattr(grantee, "grant_principal", None)
    if principal is None:
        raise PlatformValidationError("grantee", grantee, "is not grantable (an iam.IGrantable such as a role or function)")
    if policy is not None:
        if not isinstance(policy, iam.ManagedPolicy):
            raise PlatformValidationError("policy", policy, "is not an iam.ManagedPolicy")
        return _add(principal, policy, statements)
    if not isinstance(principal, Construct) or not hasattr(principal, "add_managed_policy"):
        grant = None
        for statement in statements:
            grant = iam.Grant.add_to_principal(
                grantee=grantee, actions=statement.actions, resource_arns=statement.resources
            )
        assert grant is not None
        return grant
    digest = hashlib.sha256(owner.node.path.encode()).hexdigest()[:8]
    construct_id = f"{Names.unique_id(owner)[:40]}Grants{digest}"
    existing = principal.node.try_find_child(construct_id)
    if isinstance(existing, iam.ManagedPolicy):
        return _add(principal, existing, statements)
    managed = iam.ManagedPolicy(principal, construct_id, description=description[:1000])
    principal.add_managed_policy(managed)
    return _add(principal, managed, statements)
