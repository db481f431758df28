"""``quotas:``: the account's Bedrock quotas the synth-time limit check enforces (AWS defaults)."""

from __future__ import annotations

from pydantic import Field

from bedrock_platform.config.base import ConfigModel
from bedrock_platform.core.stack_limits import AccountQuotas

_DEFAULTS = AccountQuotas()


class QuotasConfig(ConfigModel):
    """Per-account, per-Region quotas; raise a value only after AWS raised the account's quota.

    Example (YAML)::

        quotas:
          knowledge_bases: 250   # Service Quotas approved 250 "Knowledge bases per account"
    """

    knowledge_bases: int = Field(default=_DEFAULTS.knowledge_bases, ge=1)
    guardrails: int = Field(default=_DEFAULTS.guardrails, ge=1)
    agents: int = Field(default=_DEFAULTS.agents, ge=1)
    agentcore_agents: int = Field(default=_DEFAULTS.agentcore_agents, ge=1)
    # Of the account's 10 CloudWatch Logs resource policies per Region (not adjustable), how many this app may use.
    log_resource_policies: int = Field(default=_DEFAULTS.log_resource_policies, ge=0, le=_DEFAULTS.log_resource_policies)

    def to_quotas(self) -> AccountQuotas:
        return AccountQuotas(**self.model_dump())
