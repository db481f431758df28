"""A model to invoke, given as a foundation-model id or a cross-region inference profile id,
and the exact IAM resources each needs.

    FoundationModel.of("anthropic.claude-3-5-haiku-20241022-v1:0")       # in-region model
    FoundationModel.of("us.anthropic.claude-haiku-4-5-20251001-v1:0")     # US geographic profile
    FoundationModel.of("global.anthropic.claude-sonnet-4-5-20250929-v1:0")  # global profile

Invoking through a cross-region inference profile is authorized on the profile (in the
caller's region) *and* on the foundation model in every region the profile may route to; a
role that lacks a destination region fails at run time only when traffic is routed there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.validation import PlatformValidationError, check_pattern, is_token

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")

# Destination regions of the system-defined cross-region inference profiles, by id prefix.
# Source: Amazon Bedrock User Guide, "Supported Regions and models for inference profiles"
# (docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html). Each row is
# the union over the models offering that geography; a given model may use a subset. Global
# profiles route to any commercial region and are granted with a region wildcard instead.
#
# | prefix  | destination regions                                                          |
# |---------|------------------------------------------------------------------------------|
# | us      | us-east-1 us-east-2 us-west-1 us-west-2                                      |
# | us-gov  | us-gov-east-1 us-gov-west-1                                                  |
# | eu      | eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1         |
# |         | eu-west-2 eu-west-3                                                          |
# | apac    | ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2 |
# |         | ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5   |
# |         | ap-southeast-7 me-central-1                                                  |
# | jp      | ap-northeast-1 ap-northeast-3                                                |
# | au      | ap-southeast-2 ap-southeast-4                                                |
# | global  | every commercial region (IAM: foundation-model ARN with region "*")          |
ROUTING_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-1", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": (
        "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    ),
    "apac": (
        "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
        "me-central-1",
    ),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}  # fmt: skip
GLOBAL_PREFIX = "global"
PROFILE_PREFIXES = (*ROUTING_REGIONS, GLOBAL_PREFIX)
# provider.model-name[-version][:revision[:variant]], e.g. anthropic.claude-3-5-haiku-20241022-v1:0
MODEL_ID_PATTERN = r"[a-z0-9-]{1,63}\.[a-z0-9.-]{1,63}(:[a-z0-9-]{1,63}){0,2}"
MODEL_ID_RULE = (
    "a Bedrock model id such as 'anthropic.claude-3-5-haiku-20241022-v1:0', optionally prefixed by a "
    f"cross-region inference profile geography ({', '.join(p + '.' for p in PROFILE_PREFIXES)})"
)
REGION_PATTERN = r"[a-z]{2}(-gov)?-[a-z]+-\d"
# Model providers of the Bedrock model catalog (Amazon Bedrock User Guide, "Supported foundation
# models in Amazon Bedrock", docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html).
# An id from another provider is accepted (new providers appear) with a synth warning.
KNOWN_PROVIDERS = (
    "ai21", "amazon", "anthropic", "cohere", "deepseek", "google", "luma", "meta", "minimax", "mistral",
    "moonshot", "moonshotai", "nvidia", "openai", "qwen", "stability", "twelvelabs", "writer",
)  # fmt: skip


def check_model_id(field: str, model_id: str) -> None:
    """A well-formed model id whose inference-profile geography (if any) exists in Bedrock.

    ``xx.anthropic.claude-...`` fails: ``xx`` is in the place of a geography and Bedrock has
    only the geographies of :data:`PROFILE_PREFIXES`.
    """
    if is_token(model_id):
        return
    check_pattern(field, model_id, MODEL_ID_PATTERN, MODEL_ID_RULE)
    head, _, rest = model_id.partition(".")
    provider, dot, _ = rest.partition(".")
    if head not in PROFILE_PREFIXES and dot and provider in KNOWN_PROVIDERS:
        raise PlatformValidationError(
            field,
            model_id,
            f"starts with '{head}.', which is not a cross-region inference profile geography of Bedrock "
            f"(geographies: {', '.join(PROFILE_PREFIXES)}); use e.g. us.{rest} or the model id {rest}",
        )


def unrecognized_model_warning(model_id: str) -> str | None:
    """Why a well-formed ``model_id`` is not recognized (unknown provider), or ``None``."""
    head, _, rest = model_id.partition(".")
    provider = rest.partition(".")[0] if head in PROFILE_PREFIXES and "." in rest else head
    if provider in KNOWN_PROVIDERS:
        return None
    return (
        f"model id {model_id!r} has provider {provider!r}, which is not a Bedrock model provider this platform "
        f"knows ({', '.join(KNOWN_PROVIDERS)}); check the id in the Bedrock model catalog"
    )


@dataclass(frozen=True)
class FoundationModel:
    """What an agent or application invokes: ``model_id`` exactly as Bedrock receives it.

    Use :meth:`of`, which recognizes inference profile ids by their geography prefix.
    ``routing_regions`` overrides the table above for a geographic profile (e.g. a new region).
    """

    model_id: str
    routing_regions: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check_model_id("foundation_model", self.model_id)
        if self.routing_regions is not None:
            object.__setattr__(self, "routing_regions", tuple(self.routing_regions))
            if not self.is_inference_profile or self.geography == GLOBAL_PREFIX:
                raise PlatformValidationError(
                    "routing_regions", list(self.routing_regions), "applies only to a geographic inference profile"
                )
            if not self.routing_regions:
                raise PlatformValidationError("routing_regions", [], "must list at least one region")
            for i, region in enumerate(self.routing_regions):
                check_pattern(f"routing_regions[{i}]", region, REGION_PATTERN, "an AWS region code like us-east-1")

    @classmethod
    def of(cls, model_id: str, *, routing_regions: Sequence[str] | None = None) -> FoundationModel:
        """The model ``model_id`` (a foundation-model id or a cross-region inference profile id).

        A deploy-time token is taken as a foundation-model id (a profile's geography cannot be
        read from a token; use the literal profile id to get its routing regions granted).
        """
        return cls(model_id, tuple(routing_regions) if routing_regions is not None else None)

    @property
    def geography(self) -> str | None:
        """The profile prefix (``us``, ``eu``, ``apac``, ``global`` ...) or ``None`` for a plain model id."""
        if is_token(self.model_id):
            return None
        head, _, rest = self.model_id.partition(".")
        return head if head in PROFILE_PREFIXES and "." in rest else None

    @property
    def is_inference_profile(self) -> bool:
        """True for a cross-region inference profile id."""
        return self.geography is not None

    @property
    def base_model_id(self) -> str:
        """The foundation model behind the id (the id itself for a plain model)."""
        return self.model_id.split(".", 1)[1] if self.is_inference_profile else self.model_id

    @property
    def destination_regions(self) -> tuple[str, ...] | None:
        """Regions a geographic profile routes to; ``None`` for global profiles and plain models."""
        if self.geography is None or self.geography == GLOBAL_PREFIX:
            return None
        return self.routing_regions or ROUTING_REGIONS[self.geography]

    # -- ARNs -----------------------------------------------------------------------------

    def inference_profile_arn(self, scope: IConstruct) -> str | None:
        """``arn:${Partition}:bedrock:${Region}:${Account}:inference-profile/<id>`` (profiles only)."""
        if not self.is_inference_profile:
            return None
        stack = Stack.of(scope)
        return f"arn:{Aws.PARTITION}:bedrock:{stack.region}:{stack.account}:inference-profile/{self.model_id}"

    def foundation_model_arns(self, scope: IConstruct) -> list[str]:
        """The foundation-model ARNs invocation needs: the stack's region, plus every destination
        region of a geographic profile, or every region (``*``) for a global profile."""
        stack = Stack.of(scope)

        def arn(region: str) -> str:
            return f"arn:{Aws.PARTITION}:bedrock:{region}::foundation-model/{self.base_model_id}"

        if self.geography == GLOBAL_PREFIX:
            # "*" also matches the region-less ARN (arn:aws:bedrock:::foundation-model/ID) the
            # global profile is authorized against.
            return [arn("*")]
        return [arn(stack.region), *(arn(region) for region in self.destination_regions or ())]

    def invoke_resource_arns(self, scope: IConstruct) -> list[str]:
        """Every ARN ``bedrock:InvokeModel*`` must be allowed on to use this model."""
        profile = self.inference_profile_arn(scope)
        return [*([profile] if profile else []), *self.foundation_model_arns(scope)]

    def wildcard_arns(self, scope: IConstruct) -> list[str]:
        """ARNs with a wildcard (global profiles), as cdk-nag reports them for ``applies_to``."""
        if self.geography != GLOBAL_PREFIX:
            return []
        return [f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{self.base_model_id}"]

    # -- grants ---------------------------------------------------------------------------

    def invoke_statements(self, scope: IConstruct, *, sid: str = "InvokeModel") -> list[iam.PolicyStatement]:
        """Policy statements allowing invocation (and, for a profile, reading the profile)."""
        statements = [iam.PolicyStatement(sid=sid, actions=list(INVOKE_ACTIONS), resources=self.invoke_resource_arns(scope))]
        profile = self.inference_profile_arn(scope)
        if profile:
            statements.append(
                iam.PolicyStatement(sid=f"{sid}Profile", actions=["bedrock:GetInferenceProfile"], resources=[profile])
            )
        return statements

    def grant_invoke(
        self, grantee: iam.IGrantable, *, scope: IConstruct | None = None, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Allow ``grantee`` to invoke this model (InvokeModel/Converse and the streaming variants),
        in a customer-managed policy: ``policy``, or one created next to the grantee's role.

        ``scope`` (default: the grantee, e.g. an ``iam.Role``) gives the stack whose region and
        account the ARNs use.

        Example::

            FoundationModel.of("us.anthropic.claude-haiku-4-5-20251001-v1:0").grant_invoke(app_role)
        """
        scope = scope or (grantee if isinstance(grantee, Construct) else None)
        if scope is None:
            raise PlatformValidationError("scope", None, "is required when the grantee is not a construct")
        return grant_with_managed_policy(
            scope, grantee, actions=INVOKE_ACTIONS, resource_arns=self.invoke_resource_arns(scope), policy=policy,
            description=f"Invoke model {self.model_id}" if not is_token(self.model_id) else None,
        )  # fmt: skip
