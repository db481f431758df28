"""Configuration of tenants: application teams sharing the platform, each in its own stack.

    tenants:
      - name: acme-retail
        owners: [platform-lead@acme.example]            # budget e-mails (1-11)
        allowed_models: [us.anthropic.claude-haiku-4-5-20251001-v1:0]   # 1-5: one application profile each
        monthly_budget: 300                              # USD, over costs tagged tenant=acme-retail
        tokens_per_day: 5000000                          # alarm threshold (input + output tokens)
        application_principal_arns: [arn:aws:iam::123456789012:role/acme-web]  # may assume the app role
        guardrail: customer-facing                       # default for its agents: a platform guardrail
        knowledge_bases:                                 # as knowledge.knowledge_bases[] (KnowledgeBaseConfig)
          - {name: faq, vector_store: s3_vectors, data_sources: [{name: faq, chunking: {preset: faq}}]}
        agents:                                          # as agents.agents[] (AgentConfig); engine agentcore only
          - {name: helper, foundation_model: us.anthropic.claude-haiku-4-5-20251001-v1:0, instruction: ...,
             knowledge_bases: [{name: faq, description: Product FAQ}], action_groups: [customer-support]}

Each tenant becomes the stack ``<platform>-tenant-<name>`` (construct id ``Tenant<Name>``): one
``AWS::Bedrock::ApplicationInferenceProfile`` per allowed model tagged ``tenant=<name>``, the
application role, the budget, the alarm and the dashboard; and the tenant's own knowledge bases
(on the platform's one OpenSearch Serverless collection, or in an S3 vector bucket of the tenant's
stack) and AgentCore agents, whose model calls go through the tenant's application inference profile.
Guardrails and action groups are the platform's, shared by name (``agents.guardrails[].name``,
``agents.action_groups[].name``; checked by :class:`~bedrock_platform.config.platform.PlatformConfig`).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, model_validator

from bedrock_platform.config.agents import AgentConfig
from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.config.construct_ids import agent_layer_id, check_knowledge_ids, knowledge_id
from bedrock_platform.config.knowledge import KnowledgeBaseConfig, KnowledgeConfig
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
    # A platform guardrail (agents.guardrails[].name): the default of the tenant's agents that name none.
    guardrail: str | None = None
    knowledge_bases: list[KnowledgeBaseConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)

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
        self._validate_workloads()

    def _validate_workloads(self) -> None:
        """Knowledge bases and agents: unique names (and construct ids), AgentCore only, the agents'
        knowledge bases among the tenant's own, their models among ``allowed_models``."""
        _check_unique_ids("knowledge_bases", [kb.name for kb in self.knowledge_bases], knowledge_id)
        try:  # data source ids and outputs too, as in the knowledge stack
            check_knowledge_ids(KnowledgeConfig.model_construct(knowledge_bases=self.knowledge_bases), prefix="tenant")
        except PlatformValidationError as error:
            problem = error.problem.replace("tenant.knowledge_bases", "knowledge_bases").replace("the knowledge stack", "the tenant stack")
            raise PlatformValidationError(error.field.removeprefix("tenant."), error.value, problem) from None
        _check_unique_ids("agents", [agent.name for agent in self.agents], agent_layer_id)
        kb_names = [kb.name for kb in self.knowledge_bases]
        for j, agent in enumerate(self.agents):
            if agent.engine != "agentcore":
                raise PlatformValidationError(
                    f"agents[{j}].engine", agent.engine,
                    "is not available to tenants: Bedrock Agents Classic is closed to new customers since "
                    "2026-07-30; tenant agents run on the AgentCore harness (engine: agentcore, the default)",
                )  # fmt: skip
            if agent.foundation_model not in self.allowed_models:
                raise PlatformValidationError(
                    f"agents[{j}].foundation_model", agent.foundation_model,
                    f"is not among the tenant's allowed_models ({', '.join(self.allowed_models)}): its calls go "
                    "through the tenant's application inference profile of that model; add it to allowed_models",
                )  # fmt: skip
            for k, kb in enumerate(agent.knowledge_bases):
                if kb.name not in kb_names:
                    raise PlatformValidationError(
                        f"agents[{j}].knowledge_bases[{k}].name", kb.name,
                        f"is not one of the tenant's knowledge_bases (configured: {', '.join(kb_names) or 'none'})",
                    )  # fmt: skip

    def models(self) -> list[FoundationModel]:
        """The allowed models, one application inference profile each."""
        return [FoundationModel.of(model_id) for model_id in self.allowed_models]


def _check_unique_ids(field: str, names: list[str], construct_id: Callable[[str], str]) -> None:
    """Names unique, and so are the construct ids the tenant stack derives from them."""
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        derived = construct_id(name)
        if derived in seen:
            raise PlatformValidationError(
                f"{field}[{index}].name", name,
                f"gives the construct id {derived}, like {field}[{seen[derived]}] ({names[seen[derived]]!r}); rename one",
            )  # fmt: skip
        seen[derived] = index


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


def check_tenant_references(
    tenants: list[TenantConfig], *, platform_name: str, guardrails: list[str], action_groups: list[str],
    platform_indexes: list[tuple[str, str]],
) -> None:
    """Tenants name platform guardrails and action groups that exist, and no index in the shared
    collection (``platform_indexes``: (field path, base name) of the platform's) is another's or
    starts with another's name and '-' (each knowledge base's data access rule covers ``<name>-*``)."""
    indexes = list(platform_indexes)
    for i, tenant in enumerate(tenants):
        if tenant.guardrail is not None:
            _check_known(f"tenants[{i}].guardrail", tenant.guardrail, guardrails, "platform guardrail (agents.guardrails[].name)")
        for j, agent in enumerate(tenant.agents):
            if agent.guardrail is not None:
                _check_known(f"tenants[{i}].agents[{j}].guardrail", agent.guardrail, guardrails,
                             "platform guardrail (agents.guardrails[].name)")  # fmt: skip
            for k, group in enumerate(agent.action_groups):
                _check_known(f"tenants[{i}].agents[{j}].action_groups[{k}]", group, action_groups,
                             "platform action group (agents.action_groups[].name)")  # fmt: skip
        for j, kb in enumerate(tenant.knowledge_bases):
            if not kb.on_s3_vectors:
                indexes.append((f"tenants[{i}].knowledge_bases[{j}].name", kb.collection_index_name(f"{platform_name}-{tenant.name}")))
    for path, name in indexes:
        for other_path, other in indexes:
            if other_path != path and (other == name or other.startswith(f"{name}-")):
                raise PlatformValidationError(
                    other_path, other,
                    f"is the index name in the shared collection of {path} ({name!r}) or starts with it and '-': "
                    "each knowledge base needs its own index and data access rule; rename one or set index.index_name",
                )  # fmt: skip


def _check_known(field: str, value: str, known: list[str], kind: str) -> None:
    if value not in known:
        raise PlatformValidationError(field, value, f"is not a configured {kind} (configured: {', '.join(known) or 'none'})")
