"""A tenant's application role: it may call models only through the tenant's application inference profiles.

IAM (Amazon Bedrock User Guide, "Prerequisites for inference profiles",
https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html): invoking through an
inference profile needs ``bedrock:InvokeModel*`` on the profile AND on the foundation model in each
region the profile routes to; the ``bedrock:InferenceProfileArn`` condition key restricts the
foundation-model grant to calls made through the listed profiles, so the role cannot call the models
directly (which would escape the tenant's cost allocation tag).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Resource
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_platform.core.managed_grants import ManagedPolicyRole
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.validation import ValidationProblems
from bedrock_platform.models.foundation_model import INVOKE_ACTIONS
from bedrock_platform.tenancy.inference_profile import TenantInferenceProfile

INFERENCE_PROFILE_CONDITION_KEY = "bedrock:InferenceProfileArn"


class TenantApplicationRole(Resource):
    """The role a tenant's application assumes: invoke the tenant's profiles, nothing else.

    ``principals`` may assume it (default: the account, i.e. principals the account's IAM policies
    allow ``sts:AssumeRole`` on it). Grants (e.g. the front door's) land in its managed policy.

    Example::

        role = TenantApplicationRole(self, "App", tenant="acme", profiles=[profile],
                                     principals=[iam.ArnPrincipal("arn:aws:iam::123456789012:role/acme-web")])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: str,
        profiles: Sequence[TenantInferenceProfile],
        principals: Sequence[iam.IPrincipal] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        profiles = list(profiles) if isinstance(profiles, (list, tuple)) else []
        if not profiles:
            problems.add("profiles", profiles, "must list at least one TenantInferenceProfile")
        problems.raise_if_any(self)
        assumed_by: iam.IPrincipal = (
            iam.CompositePrincipal(*principals) if principals else iam.AccountRootPrincipal()
        )
        self.role = ManagedPolicyRole(self, "Role", assumed_by=assumed_by,
                                      description=f"Application role of tenant {tenant}: its inference profiles only")  # fmt: skip
        profile_arns = [p.profile_arn for p in profiles]
        model_arns: list[str] = []
        for profile in profiles:
            for arn in profile.model.foundation_model_arns(self):
                if arn not in model_arns:
                    model_arns.append(arn)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Tenant {tenant}: invoke its application inference profiles",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(sid="InvokeTenantProfiles", actions=list(INVOKE_ACTIONS), resources=profile_arns),
                iam.PolicyStatement(
                    sid="InvokeModelsThroughTenantProfiles",
                    actions=list(INVOKE_ACTIONS),
                    resources=model_arns,
                    conditions={"StringEquals": {INFERENCE_PROFILE_CONDITION_KEY: profile_arns}},
                ),
                iam.PolicyStatement(sid="ReadTenantProfiles", actions=["bedrock:GetInferenceProfile"], resources=profile_arns),
            ],
        )
        self.role.use_managed_policy(self.policy)  # later grants (e.g. the front door's) land here too
        wildcards = [arn for profile in profiles for arn in profile.model.wildcard_arns(self)]
        if wildcards:
            suppress(self.policy, "AwsSolutions-IAM5", "A global inference profile routes to any commercial region, so "
                     "the foundation-model ARN has region '*'; only calls through the tenant's profiles are allowed "
                     "(bedrock:InferenceProfileArn condition)", applies_to=sorted(set(wildcards)))  # fmt: skip

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The role (so ``x.grant_*(tenant_role)`` works)."""
        return self.role.grant_principal
