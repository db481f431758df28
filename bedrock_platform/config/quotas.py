"""``quotas:``: the account's Bedrock quotas the synth-time limit check enforces (AWS defaults)."""

from __future__ import annotations

from pydantic import Field

from bedrock_platform.config.base import ConfigModel
from bedrock_platform.core.stack_limits import AccountQuotas

_DEFAULTS = AccountQuotas()


class QuotasConfig(ConfigModel):
    """Per-account, per-Region quotas; raise a value only after AWS raised the account's quota.

    Defaults are AWS's (sources on :class:`~bedrock_platform.core.stack_limits.AccountQuotas`):
    knowledge bases 100, guardrails 100, Classic agents 200 ("Agents per account", L-97D79C54),
    AgentCore runtimes + harnesses 1,000.

    Example (YAML)::

        quotas:
          knowledge_bases: 250   # Service Quotas approved 250 "Knowledge bases per account"
          iam_roles: 5000        # IAM "Roles in an AWS account" (automatic approval up to 5,000)
    """

    knowledge_bases: int = Field(default=_DEFAULTS.knowledge_bases, ge=1)
    guardrails: int = Field(default=_DEFAULTS.guardrails, ge=1)
    agents: int = Field(default=_DEFAULTS.agents, ge=1)
    agentcore_agents: int = Field(default=_DEFAULTS.agentcore_agents, ge=1)
    inference_profiles: int = Field(default=_DEFAULTS.inference_profiles, ge=1)
    iam_roles: int = Field(default=_DEFAULTS.iam_roles, ge=1)  # IAM: one quota per account, all Regions
    iam_managed_policies: int = Field(default=_DEFAULTS.iam_managed_policies, ge=1)
    # Of the account's 10 CloudWatch Logs resource policies per Region (not adjustable), how many this app may use.
    log_resource_policies: int = Field(default=_DEFAULTS.log_resource_policies, ge=0, le=_DEFAULTS.log_resource_policies)

    def to_quotas(self) -> AccountQuotas:
        return AccountQuotas(**self.model_dump())
