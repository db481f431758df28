"""A tenant's application inference profile: one model, tagged with the tenant for cost allocation.

``AWS::Bedrock::ApplicationInferenceProfile`` (cfn-lint schema: InferenceProfileName 1-64 characters
``^([0-9a-zA-Z][ _-]?)+$``, create-only; ``ModelSource.CopyFrom`` a foundation-model ARN or a
system-defined inference-profile ARN, create-only; ``Tags``). Model invocation logging records the
application profile's ARN in ``modelId`` for calls made through it, so the platform's as-logged
token series (dimension ``ModelId``) is per tenant without any extra metric filter.
"""

from __future__ import annotations

from aws_cdk import CfnTag, Resource, Stack
from aws_cdk import aws_bedrock as bedrock
from constructs import Construct

from bedrock_platform.core.fingerprint import digest
from bedrock_platform.core.validation import ValidationProblems, check_pattern, is_token
from bedrock_platform.models.foundation_model import FoundationModel

#: The cost allocation tag every tenant resource carries (activate it once per payer account).
TENANT_TAG_KEY = "tenant"
PROFILE_NAME_PATTERN = r"([0-9a-zA-Z][ _-]?){1,64}"
PROFILE_NAME_MAX = 64


def profile_name(prefix: str, model_id: str) -> str:
    """``<prefix>-<8-character digest of the model id>`` (model ids hold '.' and ':', which names may not)."""
    return f"{prefix}-{digest(model_id, 8)}"


class TenantInferenceProfile(Resource):
    """An application inference profile copying ``model`` (a model id or a system inference-profile id).

    Example::

        profile = TenantInferenceProfile(self, "Haiku", tenant="acme", name="bedrock-platform-acme-1a2b3c4d",
                                         model=FoundationModel.of("us.anthropic.claude-haiku-4-5-20251001-v1:0"))
        profile.profile_arn  # what the tenant's application passes as modelId
    """

    def __init__(self, scope: Construct, construct_id: str, *, tenant: str, name: str, model: FoundationModel) -> None:
        super().__init__(scope, construct_id, physical_name=name)
        problems = ValidationProblems()
        if not is_token(name):
            problems.check(check_pattern, "name", name, PROFILE_NAME_PATTERN,
                           "1-64 letters or digits, each optionally followed by one ' ', '_' or '-'")  # fmt: skip
        problems.raise_if_any(self)
        self.model = model
        self.tenant = tenant
        source = model.inference_profile_arn(self) or model.foundation_model_arns(self)[0]
        self._resource = bedrock.CfnApplicationInferenceProfile(
            self,
            "Resource",
            inference_profile_name=name,
            description=f"Tenant {tenant} calls of {model.model_id}"[:200].replace("/", " "),
            model_source=bedrock.CfnApplicationInferenceProfile.InferenceProfileModelSourceProperty(copy_from=source),
            tags=[CfnTag(key=TENANT_TAG_KEY, value=tenant)],
        )
        #: the ARN applications pass as ``modelId`` (and the invocation log records)
        self.profile_arn: str = self._resource.attr_inference_profile_arn
        self.stack_region = Stack.of(self).region
