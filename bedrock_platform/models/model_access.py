"""Managed policy for applications that call models directly: only the listed models, and only
with the platform guardrail applied.

    access = GuardrailEnforcedModelAccess(self, "ModelAccess", guardrail=guardrail,
                                          models=["us.anthropic.claude-haiku-4-5-20251001-v1:0"])
    access.attach_to_role(app_role)

The IAM condition key ``bedrock:GuardrailIdentifier`` holds the guardrail a request applies:
``<guardrail ARN>:<version>`` for a numeric version and the bare guardrail ARN for DRAFT
(Amazon Bedrock User Guide, "Enforce the use of specific guardrails in model inference
requests", examples 1-3). The policy uses that guide's example 3, "any of its numeric
versions": ``ArnLike <guardrail ARN>:*`` to allow and ``ArnNotLike`` the same to deny. Every
guardrail edit publishes a new version (and the old one is deleted), so pinning one version
would deny every application until it redeployed; any published version of the platform
guardrail is accepted, DRAFT never (its bare ARN does not match ``:*``, and an explicit Deny
also covers a ``:DRAFT`` suffix). It covers InvokeModel, InvokeModelWithResponseStream,
Converse and ConverseStream: Converse is authorized as ``bedrock:InvokeModel`` and
ConverseStream as ``bedrock:InvokeModelWithResponseStream``. The explicit Deny keeps a request
without that guardrail (or with another one) out even if another policy allows the models.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import RemovalPolicy, Resource
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_platform.core.input_checks import as_list
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.validation import (
    ValidationProblems,
    check_length,
    check_unique,
)
from bedrock_platform.guardrails.guardrail_base import IGuardrail
from bedrock_platform.models.foundation_model import INVOKE_ACTIONS, FoundationModel

GUARDRAIL_CONDITION_KEY = "bedrock:GuardrailIdentifier"
DRAFT_VERSION = "DRAFT"


class GuardrailEnforcedModelAccess(Resource):
    """A customer-managed policy: invoke the listed models only through ``guardrail``.

    Statements: Allow InvokeModel/InvokeModelWithResponseStream on the models (for inference
    profiles, the profile and its foundation model in each destination region) when
    ``bedrock:GuardrailIdentifier`` is any published (numeric) version of the guardrail; Deny
    the same otherwise and for DRAFT; Allow ApplyGuardrail on the guardrail (and decrypt with
    its key, if any). The policy does not change when the guardrail publishes a new version.

    Example::

        access = GuardrailEnforcedModelAccess(self, "Chat", guardrail=guardrail,
                                              models=["anthropic.claude-3-5-haiku-20241022-v1:0"])
        access.attach_to_role(chat_service_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Iterable[str | FoundationModel],
        guardrail: IGuardrail,
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        self.models: list[FoundationModel] = []
        """The models the policy allows."""
        with problems.field():
            for index, model in enumerate(as_list("models", models, (str, FoundationModel), what="a model id or FoundationModel")):
                with problems.field(f"models[{index}]"):
                    self.models.append(model if isinstance(model, FoundationModel) else FoundationModel.of(model))
        if not self.models and not problems.errors:
            problems.add("models", [], "must list at least one model")
        with problems.field():
            check_unique("models", (m.model_id for m in self.models))
        if not isinstance(guardrail, IGuardrail):
            problems.add("guardrail", type(guardrail).__name__, "is not a guardrail (IGuardrail)")
        if description is not None:
            problems.check(check_length, "description", description, 1, 1000)
        problems.raise_if_any(self)
        self.guardrail = guardrail
        """The guardrail every invocation must apply."""
        resources = [arn for model in self.models for arn in model.invoke_resource_arns(self)]
        any_published_version = {GUARDRAIL_CONDITION_KEY: published_versions_pattern(guardrail)}
        statements = [
            iam.PolicyStatement(
                sid="InvokeListedModelsWithGuardrail",
                actions=list(INVOKE_ACTIONS),
                resources=resources,
                conditions={"ArnLike": any_published_version},
            ),
            iam.PolicyStatement(
                sid="DenyInvokeWithoutGuardrail",
                effect=iam.Effect.DENY,
                actions=list(INVOKE_ACTIONS),
                resources=resources,
                conditions={"ArnNotLike": any_published_version},
            ),
            iam.PolicyStatement(
                sid="DenyInvokeWithDraftGuardrail",
                effect=iam.Effect.DENY,
                actions=list(INVOKE_ACTIONS),
                resources=resources,
                conditions={"ArnLike": {GUARDRAIL_CONDITION_KEY: f"{guardrail.guardrail_arn}:{DRAFT_VERSION}"}},
            ),
            iam.PolicyStatement(
                sid="ApplyPlatformGuardrail", actions=["bedrock:ApplyGuardrail"], resources=[guardrail.guardrail_arn]
            ),
        ]
        if guardrail.kms_key is not None:
            statements.append(
                iam.PolicyStatement(sid="DecryptGuardrail", actions=["kms:Decrypt"], resources=[guardrail.kms_key.key_arn])
            )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=description or "Invoke the approved Bedrock models only with the platform guardrail applied",
            statements=statements,
        )
        self.managed_policy_arn = self.policy.managed_policy_arn
        wildcards = [arn for model in self.models for arn in model.wildcard_arns(self)]
        if wildcards:
            suppress(
                self.policy,
                "AwsSolutions-IAM5",
                "A global cross-region inference profile routes to any commercial region, so each listed "
                "foundation model is allowed in every region ('*'); the resources are still only these models.",
                applies_to=wildcards,
            )

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the managed policy."""
        self.policy.apply_removal_policy(policy)

    def attach_to_role(self, role: iam.IRole) -> None:
        """Attach the policy to ``role`` (e.g. an application's execution role)."""
        self.policy.attach_to_role(role)


def published_versions_pattern(guardrail: IGuardrail) -> str:
    """``<guardrail ARN>:*``: every numeric version of ``guardrail`` (DRAFT is the bare ARN)."""
    return f"{guardrail.guardrail_arn}:*"
