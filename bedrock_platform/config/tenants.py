"""Configuration of tenants: application teams sharing the platform, each in its own stack.

    tenants:
      - name: acme-retail
        owners: [platform-lead@acme.example]            # budget e-mails (1-11)
        allowed_models: [us.anthropic.claude-haiku-4-5-20251001-v1:0]   # 1-5: one application profile each
        monthly_budget: 300                              # USD, over costs tagged tenant=acme-retail
        tokens_per_day: 5000000                          # alarm threshold (input + output tokens)
        application_principal_arns: [arn:aws:iam::123456789012:role/acme-web]  # may assume the app role

Each tenant becomes the stack ``<platform>-tenant-<name>`` (construct id ``Tenant<Name>``): one
``AWS::Bedrock::ApplicationInferenceProfile`` per allowed model tagged ``tenant=<name>``, the
application role, the budget, the alarm and the dashboard.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_count,
    check_int_range,
    check_pattern,
    check_range,
    check_unique,
)
from bedrock_platform.models.foundation_model import FoundationModel, check_model_id
from bedrock_platform.tenancy.tenant_cost import MAX_BUDGET_SUBSCRIBERS, MAX_PROFILES

# 20 characters: "<platform (24)>-<tenant (20)>-<8-character digest>" fits the 64-character profile name.
TENANT_NAME_PATTERN = r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,19}"
TENANT_NAME_RULE = "2-20 lowercase letters, digits or single '-' between them, starting with a letter"
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
PRINCIPAL_ARN_PATTERN = r"arn:aws(-[a-z-]+)?:iam::[0-9]{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)"


def tenant_construct_id(name: str) -> str:
    """``Tenant<Name>``: ``acme-retail`` -> ``TenantAcmeRetail``."""
    return "Tenant" + "".join(part[:1].upper() + part[1:] for part in name.split("-"))


class TenantConfig(ConfigModel):
    """One application team: its allowed models, budget, alarm threshold and who may assume its role."""

    name: str
    owners: list[str]
    allowed_models: list[str]
    monthly_budget: float | None = None
    budget_thresholds_percent: list[int] = Field(default_factory=lambda: [80, 100])
    tokens_per_day: int | None = None
    application_principal_arns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> TenantConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        check_pattern("name", self.name, TENANT_NAME_PATTERN, TENANT_NAME_RULE)
        check_count("owners", self.owners, 1, MAX_BUDGET_SUBSCRIBERS)
        for index, email in enumerate(self.owners):
            check_pattern(f"owners[{index}]", email, EMAIL_PATTERN, "an e-mail address")
        check_count("allowed_models", self.allowed_models, 1, MAX_PROFILES)
        for index, model_id in enumerate(self.allowed_models):
            check_model_id(f"allowed_models[{index}]", model_id)
        check_unique("allowed_models", self.allowed_models)
        if self.monthly_budget is not None:
            check_range("monthly_budget", self.monthly_budget, 0.01, 10**9)
        for index, percent in enumerate(self.budget_thresholds_percent):
            check_int_range(f"budget_thresholds_percent[{index}]", percent, 1, 1000)
        if self.tokens_per_day is not None:
            check_int_range("tokens_per_day", self.tokens_per_day, 1, 10**15)
        for index, arn in enumerate(self.application_principal_arns):
            check_pattern(f"application_principal_arns[{index}]", arn, PRINCIPAL_ARN_PATTERN,
                          "an IAM role, user or account root ARN (arn:aws:iam::<account>:role/<name>)")  # fmt: skip

    def models(self) -> list[FoundationModel]:
        """The allowed models, one application inference profile each."""
        return [FoundationModel.of(model_id) for model_id in self.allowed_models]


def check_tenants(tenants: list[TenantConfig]) -> None:
    """Names unique, and so are the construct ids derived from them (``a-1`` and ``a1`` are both ``TenantA1``)."""
    check_unique("tenants.name", (tenant.name for tenant in tenants))
    seen: dict[str, int] = {}
    for index, tenant in enumerate(tenants):
        construct_id = tenant_construct_id(tenant.name)
        if construct_id in seen:
            raise PlatformValidationError(
                f"tenants[{index}].name", tenant.name,
                f"gives the stack construct id {construct_id}, like tenants[{seen[construct_id]}]; rename one",
            )  # fmt: skip
        seen[construct_id] = index
