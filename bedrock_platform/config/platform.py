"""The root of the platform configuration: profile, naming, tags and one section per layer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from bedrock_platform.config.agents import AgentsConfig
from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.config.construct_ids import check_agent_ids, check_knowledge_ids
from bedrock_platform.config.front_door import FrontDoorSectionConfig
from bedrock_platform.config.knowledge import KnowledgeConfig
from bedrock_platform.config.observability import ObservabilityConfig
from bedrock_platform.config.quotas import QuotasConfig
from bedrock_platform.config.rules import check_removal_policy, check_tags
from bedrock_platform.config.tenants import TenantConfig, check_tenant_references, check_tenants
from bedrock_platform.core.validation import PlatformValidationError, check_pattern
from bedrock_platform.models.foundation_model import unrecognized_model_warning

Profile = Literal["dev", "prod"]
RemovalPolicyName = Literal["destroy", "retain"]


class PlatformConfig(ConfigModel):
    """Everything the default app builds, read from ``config/*.yaml``.

    ``profile`` picks cost-aware (``dev``: no standby replicas, data destroyed with the
    stack) or durable (``prod``: standby replicas, data retained) defaults; every such
    default can still be set explicitly.
    """

    profile: Profile = "dev"
    name: str = "bedrock-platform"
    removal_policy: RemovalPolicyName | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    knowledge: KnowledgeConfig = Field(default_factory=KnowledgeConfig)
    agents: AgentsConfig = Field(default_factory=AgentsConfig)
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    # Application teams, one stack each (config/tenants.py; README "Tenants").
    tenants: list[TenantConfig] = Field(default_factory=list)
    quotas: QuotasConfig = Field(default_factory=QuotasConfig)
    front_door: FrontDoorSectionConfig = Field(default_factory=FrontDoorSectionConfig)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return build(lambda: _check_name(value))

    @field_validator("removal_policy", mode="before")
    @classmethod
    def _removal_policy(cls, value: object) -> object:
        build(lambda: check_removal_policy("", value))
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        build(lambda: check_tags("", value))
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> PlatformConfig:
        names = [kb.name for kb in self.knowledge.knowledge_bases]

        def check() -> None:
            check_knowledge_ids(self.knowledge)
            check_agent_ids(self.agents)
            try:
                self.agents.check_knowledge_base_references(names)
            except PlatformValidationError as error:
                raise error.within("agents") from None
            self.front_door.check_references(
                agents=[a.name for a in self.agents.agents], knowledge_bases=names,
                guardrails=[g.name for g in self.agents.guardrails])

        build(check)

        def check_collection() -> None:
            try:
                self.knowledge.vector_store.check_platform_name(self.name)
            except PlatformValidationError as error:
                raise error.within("knowledge.vector_store") from None

        build(check_collection)
        build(lambda: check_tenants(self.tenants))
        build(lambda: check_tenant_references(
            self.tenants, platform_name=self.name, guardrails=[g.name for g in self.agents.guardrails],
            action_groups=[a.name for a in self.agents.action_groups],
            platform_indexes=[(f"knowledge.knowledge_bases[{i}].name", kb.collection_index_name(self.name))
                              for i, kb in enumerate(self.knowledge.knowledge_bases) if not kb.on_s3_vectors],
        ))  # fmt: skip
        return self

    @property
    def warnings(self) -> list[tuple[str, str]]:
        """``(section, message)`` for accepted but unrecognized values (e.g. a model id of an unknown provider)."""
        found = []
        models = [(f"agents.agents[{i}].foundation_model", a.foundation_model) for i, a in enumerate(self.agents.agents)]
        if self.agents.model_access is not None:
            models += [(f"agents.model_access.models[{i}]", m) for i, m in enumerate(self.agents.model_access.models)]
        for i, kb in enumerate(self.knowledge.knowledge_bases):
            for j, source in enumerate(kb.data_sources):
                if source.parsing.model_id is not None:
                    models.append((f"knowledge.knowledge_bases[{i}].data_sources[{j}].parsing.model_id", source.parsing.model_id))
        for path, model_id in models:
            warning = unrecognized_model_warning(model_id)
            if warning is not None:
                found.append((path.split(".")[0], f"{path}: {warning}"))
        return found

    @property
    def resolved_removal_policy(self) -> RemovalPolicyName:
        """``destroy`` in dev, ``retain`` in prod unless set."""
        if self.removal_policy is not None:
            return self.removal_policy
        return "retain" if self.profile == "prod" else "destroy"

    @property
    def is_prod(self) -> bool:
        return self.profile == "prod"


def _check_name(value: str) -> str:
    check_pattern(
        "",
        value,
        r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,23}",
        "2-24 lowercase letters, digits or single '-' between them, starting with a letter",
    )
    return value
