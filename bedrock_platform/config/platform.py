"""The root of the platform configuration: profile, naming, tags and one section per layer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from bedrock_platform.config.agents import AgentsConfig
from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.config.knowledge import KnowledgeConfig
from bedrock_platform.config.observability import ObservabilityConfig
from bedrock_platform.validation import PlatformValidationError, check_pattern

Profile = Literal["dev", "prod"]
RemovalPolicyName = Literal["destroy", "retain", "snapshot"]


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

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return build(lambda: _check_name(value))

    @model_validator(mode="after")
    def _cross_references(self) -> PlatformConfig:
        names = [kb.name for kb in self.knowledge.knowledge_bases]

        def check() -> None:
            try:
                self.agents.check_knowledge_base_references(names)
            except PlatformValidationError as error:
                raise error.within("agents") from None

        build(check)

        def check_collection() -> None:
            try:
                self.knowledge.vector_store.check_platform_name(self.name)
            except PlatformValidationError as error:
                raise error.within("knowledge.vector_store") from None

        build(check_collection)
        return self

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
