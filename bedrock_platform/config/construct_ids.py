"""How the app turns configured names into construct ids, and the check that no two collide.

Names that differ in the YAML can become the same construct id: ``FAQ`` and ``faq`` both
give ``Faq`` in the knowledge stack, ``customer-support`` and ``customer_support`` both give
``CustomerSupport``, and knowledge base ``support-docs`` + data source ``faq`` and knowledge
base ``support`` + data source ``docs-faq`` both give the output ``SupportDocsFaqDataSourceId``.
CDK would stop with "There is already a Construct with name ..." deep in synth; this module
computes every id the stacks derive from a name (``stacks/*.py`` use these same functions)
and reports a collision with both YAML entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bedrock_platform.core.validation import PlatformValidationError, format_value

if TYPE_CHECKING:
    from bedrock_platform.config.agents import AgentsConfig
    from bedrock_platform.config.knowledge import KnowledgeConfig


def knowledge_id(name: str) -> str:
    """Construct id of a knowledge base or data source in the knowledge stack (``support-docs`` -> ``SupportDocs``)."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def agent_layer_id(name: str) -> str:
    """Construct id prefix of a guardrail or agent in the agent stack (``customer-support`` -> ``CustomerSupport``)."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-") if part)


def shared_parameter_id(key: str) -> str:
    """Construct id of the SSM parameter that shares ``key`` between stacks (``agents/x/alias-arn``)."""
    return "Shared" + "".join(part.capitalize() for part in key.replace("-", "/").split("/"))


def data_source_name(knowledge_base: str, name: str | None) -> str:
    """The data source name the app uses (``<knowledge base>-s3`` when not configured)."""
    return name or f"{knowledge_base}-s3"


@dataclass(frozen=True)
class _Entry:
    path: str
    name: str


class _Scope:
    """The construct ids of one construct scope (a stack or a knowledge base) and who claimed them."""

    def __init__(self, description: str, fixed: Iterable[str] = ()) -> None:
        self.description = description
        self._owners: dict[str, _Entry] = {construct_id: _Entry("", "") for construct_id in fixed}

    def claim(self, entry: _Entry, *construct_ids: str) -> None:
        for construct_id in construct_ids:
            owner = self._owners.setdefault(construct_id, entry)
            if owner.path == entry.path:
                continue
            if not owner.path:
                raise PlatformValidationError(
                    entry.path, entry.name,
                    f"becomes construct id '{construct_id}' in {self.description}, which the platform uses itself; "
                    "choose another name",
                )  # fmt: skip
            raise PlatformValidationError(
                entry.path, entry.name,
                f"collides with {owner.path} ({format_value(owner.name)}): both become construct id "
                f"'{construct_id}' in {self.description} ('-' and '_' separate words, case is normalized); "
                "rename one of them",
            )  # fmt: skip


# Children a knowledge base creates itself (bedrock_platform/knowledge/knowledge_base.py).
KNOWLEDGE_BASE_CHILDREN = ("Index", "Role", "Policy", "Resource", "Documents")
KNOWLEDGE_STACK_IDS = ("VectorStore", "CollectionKey", "CollectionEndpoint", "CollectionArn",
                       "S3VectorStore", "VectorBucketKey", "VectorBucketArn", "SharedKnowledgeCollectionId",
                       "SharedKnowledgeCollectionArn", "SharedKnowledgeCollectionEndpoint")
AGENT_STACK_IDS = ("CustomerSupportActions", "ModelAccess", "ModelAccessPolicyArn")


def check_knowledge_ids(knowledge: KnowledgeConfig, prefix: str = "knowledge") -> None:
    """Every id the knowledge stack derives from knowledge base and data source names is unique."""
    stack = _Scope("the knowledge stack", KNOWLEDGE_STACK_IDS)
    for i, kb in enumerate(knowledge.knowledge_bases):
        kb_path = f"{prefix}.knowledge_bases[{i}]"
        kb_entry = _Entry(f"{kb_path}.name", kb.name)
        logical = knowledge_id(kb.name)
        stack.claim(kb_entry, logical, f"{logical}KnowledgeBaseId", f"{logical}KnowledgeBaseArn")
        stack.claim(kb_entry, *(shared_parameter_id(f"knowledge-bases/{kb.name}/{attr}") for attr in ("id", "arn")))
        children = _Scope(f"knowledge base {kb.name!r}", KNOWLEDGE_BASE_CHILDREN)
        for j, source in enumerate(kb.data_sources):
            name = data_source_name(kb.name, source.name)
            entry = _Entry(f"{kb_path}.data_sources[{j}].name", name) if source.name else kb_entry
            ds_logical = knowledge_id(name)
            children.claim(entry, ds_logical)
            stack.claim(entry, f"{logical}{ds_logical}DataSourceId", f"{logical}{ds_logical}BucketName")


def check_agent_ids(agents: AgentsConfig, prefix: str = "agents") -> None:
    """Every id the agent stack (and its SSM parameters) derives from guardrail and agent names is unique."""
    stack = _Scope("the agent stack", AGENT_STACK_IDS)
    for i, guardrail in enumerate(agents.guardrails):
        entry = _Entry(f"{prefix}.guardrails[{i}].name", guardrail.name)
        logical = agent_layer_id(guardrail.name)
        stack.claim(entry, *(f"{logical}{suffix}" for suffix in ("Guardrail", "GuardrailKey", "GuardrailId", "GuardrailVersion")))
        stack.claim(entry, *(shared_parameter_id(f"guardrails/{guardrail.name}/{attr}") for attr in ("arn", "version")))
    for i, agent in enumerate(agents.agents):
        entry = _Entry(f"{prefix}.agents[{i}].name", agent.name)
        logical = agent_layer_id(agent.name)
        stack.claim(entry, *(f"{logical}{suffix}" for suffix in ("Agent", "AgentId", "AgentAliasId", "AgentAliasArn")))
        stack.claim(entry, shared_parameter_id(f"agents/{agent.name}/alias-arn"))
