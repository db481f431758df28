"""bedrock_platform: AWS CDK constructs for a production Amazon Bedrock platform.

    from bedrock_platform import VectorCollection, KnowledgeBase, Guardrail, Agent, ModelInvocationLogging

The package is grouped by domain: ``core`` (validation, naming, fingerprints, suppressions, secure
buckets), ``knowledge`` (vector store, knowledge bases, data sources, chunking, ingestion),
``guardrails``, ``agents`` (Classic agents, aliases, action groups), ``agentcore`` (AgentCore harness
agents, their gateway, memory and knowledge search), ``models`` (foundation models and
guarded model access), ``observability`` (invocation logging, token metering, alarms, dashboard)
and ``cost`` (budgets and anomaly detection). Every public name is importable from here.

Names are loaded lazily (PEP 562): importing one construct imports only its own module and what
that module needs, not every domain, cdk-nag or the config layer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "AgentGateway": "bedrock_platform.agentcore.gateway",
    "AgentMemory": "bedrock_platform.agentcore.memory",
    "HarnessAgent": "bedrock_platform.agentcore.harness",
    "HarnessExecutionRole": "bedrock_platform.agentcore.execution_role",
    "HarnessLimits": "bedrock_platform.agentcore.harness",
    "KnowledgeSearchTool": "bedrock_platform.agentcore.knowledge_search",
    "MemorySettings": "bedrock_platform.agentcore.memory",
    "ActionFunction": "bedrock_platform.agents.action_group",
    "ActionGroup": "bedrock_platform.agents.action_group",
    "ActionGroupFunction": "bedrock_platform.agents.action_group_function",
    "Agent": "bedrock_platform.agents.agent",
    "AgentAlias": "bedrock_platform.agents.agent_alias",
    "AgentEncryptionKey": "bedrock_platform.agents.agent_encryption",
    "AlertTopic": "bedrock_platform.observability.alert_topic",
    "ChunkingPresets": "bedrock_platform.knowledge.chunking",
    "ChunkingStrategy": "bedrock_platform.knowledge.chunking",
    "ContentFilter": "bedrock_platform.guardrails.policies",
    "CostControls": "bedrock_platform.cost.cost_controls",
    "DefaultParsing": "bedrock_platform.knowledge.parsing",
    "DeniedTopic": "bedrock_platform.guardrails.policies",
    "EmbeddingModel": "bedrock_platform.knowledge.embedding",
    "FixedSizeChunking": "bedrock_platform.knowledge.chunking",
    "FoundationModel": "bedrock_platform.models.foundation_model",
    "FoundationModelParsing": "bedrock_platform.knowledge.parsing",
    "FunctionParameter": "bedrock_platform.agents.action_group",
    "Guardrail": "bedrock_platform.guardrails.guardrail",
    "GuardrailBase": "bedrock_platform.guardrails.guardrail",
    "GuardrailEnforcedModelAccess": "bedrock_platform.models.model_access",
    "HierarchicalChunking": "bedrock_platform.knowledge.chunking",
    "IngestionSchedules": "bedrock_platform.knowledge.ingestion_schedules",
    "KnowledgeBase": "bedrock_platform.knowledge.knowledge_base",
    "KnowledgeBaseBase": "bedrock_platform.knowledge.knowledge_base",
    "ModelInvocationLogging": "bedrock_platform.observability.invocation_logging",
    "MonitoredAgent": "bedrock_platform.observability.monitoring_targets",
    "MonitoredGuardrail": "bedrock_platform.observability.monitoring_targets",
    "NoChunking": "bedrock_platform.knowledge.chunking",
    "ParsingStrategy": "bedrock_platform.knowledge.parsing",
    "PiiEntity": "bedrock_platform.guardrails.policies",
    "PlatformAlarms": "bedrock_platform.observability.platform_alarms",
    "PlatformDashboard": "bedrock_platform.observability.platform_dashboard",
    "PlatformValidationError": "bedrock_platform.core.validation",
    "RegexFilter": "bedrock_platform.guardrails.policies",
    "S3DataSource": "bedrock_platform.knowledge.data_source",
    "SecureBucket": "bedrock_platform.core.secure_bucket",
    "SemanticChunking": "bedrock_platform.knowledge.chunking",
    "SessionSummaryMemory": "bedrock_platform.agents.agent",
    "TokenMetering": "bedrock_platform.observability.token_metering",
    "TokenMetrics": "bedrock_platform.observability.token_metering",
    "VectorCollection": "bedrock_platform.knowledge.vector_store",
    "VectorIndex": "bedrock_platform.knowledge.vector_index",
    "VectorIndexOptions": "bedrock_platform.knowledge.vector_index",
}

__all__ = [
    "AgentGateway",
    "AgentMemory",
    "HarnessAgent",
    "HarnessExecutionRole",
    "HarnessLimits",
    "KnowledgeSearchTool",
    "MemorySettings",
    "ActionFunction",
    "ActionGroup",
    "ActionGroupFunction",
    "Agent",
    "AgentAlias",
    "AgentEncryptionKey",
    "AlertTopic",
    "ChunkingPresets",
    "ChunkingStrategy",
    "ContentFilter",
    "CostControls",
    "DefaultParsing",
    "DeniedTopic",
    "EmbeddingModel",
    "FixedSizeChunking",
    "FoundationModel",
    "FoundationModelParsing",
    "FunctionParameter",
    "Guardrail",
    "GuardrailBase",
    "GuardrailEnforcedModelAccess",
    "HierarchicalChunking",
    "IngestionSchedules",
    "KnowledgeBase",
    "KnowledgeBaseBase",
    "ModelInvocationLogging",
    "MonitoredAgent",
    "MonitoredGuardrail",
    "NoChunking",
    "ParsingStrategy",
    "PiiEntity",
    "PlatformAlarms",
    "PlatformDashboard",
    "PlatformValidationError",
    "RegexFilter",
    "S3DataSource",
    "SecureBucket",
    "SemanticChunking",
    "SessionSummaryMemory",
    "TokenMetering",
    "TokenMetrics",
    "VectorCollection",
    "VectorIndex",
    "VectorIndexOptions",
]


def __getattr__(name: str) -> Any:
    """Import ``name``'s module on first use (PEP 562) and cache the attribute on the package."""
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'bedrock_platform' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static type checkers and IDEs see ordinary imports
    from bedrock_platform.agentcore.execution_role import HarnessExecutionRole
    from bedrock_platform.agentcore.gateway import AgentGateway
    from bedrock_platform.agentcore.harness import HarnessAgent, HarnessLimits
    from bedrock_platform.agentcore.knowledge_search import KnowledgeSearchTool
    from bedrock_platform.agentcore.memory import AgentMemory, MemorySettings
    from bedrock_platform.agents.action_group import ActionFunction, ActionGroup, FunctionParameter
    from bedrock_platform.agents.action_group_function import ActionGroupFunction
    from bedrock_platform.agents.agent import Agent, SessionSummaryMemory
    from bedrock_platform.agents.agent_alias import AgentAlias
    from bedrock_platform.agents.agent_encryption import AgentEncryptionKey
    from bedrock_platform.core.secure_bucket import SecureBucket
    from bedrock_platform.core.validation import PlatformValidationError
    from bedrock_platform.cost.cost_controls import CostControls
    from bedrock_platform.guardrails.guardrail import Guardrail, GuardrailBase
    from bedrock_platform.guardrails.policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
    from bedrock_platform.knowledge.chunking import (
        ChunkingPresets,
        ChunkingStrategy,
        FixedSizeChunking,
        HierarchicalChunking,
        NoChunking,
        SemanticChunking,
    )
    from bedrock_platform.knowledge.data_source import S3DataSource
    from bedrock_platform.knowledge.embedding import EmbeddingModel
    from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules
    from bedrock_platform.knowledge.knowledge_base import KnowledgeBase, KnowledgeBaseBase
    from bedrock_platform.knowledge.parsing import DefaultParsing, FoundationModelParsing, ParsingStrategy
    from bedrock_platform.knowledge.vector_index import VectorIndex, VectorIndexOptions
    from bedrock_platform.knowledge.vector_store import VectorCollection
    from bedrock_platform.models.foundation_model import FoundationModel
    from bedrock_platform.models.model_access import GuardrailEnforcedModelAccess
    from bedrock_platform.observability.alert_topic import AlertTopic
    from bedrock_platform.observability.invocation_logging import ModelInvocationLogging
    from bedrock_platform.observability.monitoring_targets import MonitoredAgent, MonitoredGuardrail
    from bedrock_platform.observability.platform_alarms import PlatformAlarms
    from bedrock_platform.observability.platform_dashboard import PlatformDashboard
    from bedrock_platform.observability.token_metering import TokenMetering, TokenMetrics
