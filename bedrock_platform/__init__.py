"""bedrock_platform: AWS CDK constructs for a production Amazon Bedrock platform.

    from bedrock_platform import VectorCollection, KnowledgeBase, Guardrail, Agent, ModelInvocationLogging

The package is grouped by domain: ``core`` (validation, naming, fingerprints, suppressions, secure
buckets), ``knowledge`` (vector store, knowledge bases, data sources, chunking, ingestion),
``guardrails``, ``agents`` (Classic agents, aliases, action groups), ``agentcore`` (AgentCore harness
agents, their gateway, memory and knowledge search), ``models`` (foundation models and guarded
model access), ``observability`` (invocation logging, token metering, alarms, dashboard), ``cost``
(budgets and anomaly detection) and ``composition`` (building a multi-stack platform from a config
object). Every public name is importable from here.

Names are loaded lazily (PEP 562): importing one construct imports only its own module and what
that module needs, not every domain, cdk-nag or the config layer.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "AgentGateway": "bedrock_platform.agentcore.gateway",
    "AgentMemory": "bedrock_platform.agentcore.memory",
    "HarnessAgent": "bedrock_platform.agentcore.harness",
    "TurnCapHooks": "bedrock_platform.agentcore.turn_cap_hooks",
    "FrontDoor": "bedrock_platform.frontdoor.front_door",
    "FrontDoorCaps": "bedrock_platform.frontdoor.options",
    "FrontDoorRouting": "bedrock_platform.frontdoor.options",
    "TurnCostMonitoring": "bedrock_platform.observability.turn_cost",
    "HarnessExecutionRole": "bedrock_platform.agentcore.execution_role",
    "HarnessLimits": "bedrock_platform.agentcore.harness",
    "KnowledgeSearchTool": "bedrock_platform.agentcore.knowledge_search",
    "MemorySettings": "bedrock_platform.agentcore.memory",
    "ActionGroup": "bedrock_platform.agents.action_group",
    "ActionGroupLambda": "bedrock_platform.agents.action_group_function",
    "ApiSchemaStorage": "bedrock_platform.agents.api_schema_storage",
    "Agent": "bedrock_platform.agents.agent",
    "AgentAlias": "bedrock_platform.agents.agent_alias",
    "AgentCoreLogDeliveries": "bedrock_platform.observability.agentcore_log_destination",
    "AgentCoreLogDelivery": "bedrock_platform.observability.agentcore_logs",
    "AgentCoreLogDestination": "bedrock_platform.observability.agentcore_log_destination",
    "AgentCoreLogResource": "bedrock_platform.observability.agentcore_log_destination",
    "AgentCoreLogSources": "bedrock_platform.observability.agentcore_logs",
    "AgentCoreLogTargets": "bedrock_platform.observability.agentcore_logs",
    "AgentCoreMonitoring": "bedrock_platform.observability.agentcore_monitoring",
    "AgentCoreObservability": "bedrock_platform.observability.agentcore_wiring",
    "AgentCoreThresholds": "bedrock_platform.observability.agentcore_monitoring",
    "AgentEncryptionKey": "bedrock_platform.agents.agent_encryption",
    "AlarmThresholds": "bedrock_platform.observability.platform_alarms",
    "AlertTopic": "bedrock_platform.observability.alert_topic",
    "AnomalyDetectionOptions": "bedrock_platform.cost.cost_options",
    "BudgetNotification": "bedrock_platform.cost.cost_options",
    "BudgetOptions": "bedrock_platform.cost.cost_options",
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
    "FunctionDefinition": "bedrock_platform.agents.action_group",
    "FunctionParameter": "bedrock_platform.agents.action_group",
    "Guardrail": "bedrock_platform.guardrails.guardrail",
    "GuardrailBase": "bedrock_platform.guardrails.guardrail",
    "GuardrailEnforcedModelAccess": "bedrock_platform.models.model_access",
    "HarnessTurnMeter": "bedrock_platform.metering.harness",
    "HierarchicalChunking": "bedrock_platform.knowledge.chunking",
    "IKnowledgeBase": "bedrock_platform.knowledge.knowledge_base_base",
    "IVectorCollection": "bedrock_platform.knowledge.vector_collection_base",
    "IAlertTopic": "bedrock_platform.observability.alert_topic",
    "IAgent": "bedrock_platform.agents.agent_base",
    "IAgentAlias": "bedrock_platform.agents.agent_base",
    "IGuardrail": "bedrock_platform.guardrails.guardrail_base",
    "IngestionSchedules": "bedrock_platform.knowledge.ingestion_schedules",
    "KnowledgeBase": "bedrock_platform.knowledge.knowledge_base",
    "KnowledgeBaseBase": "bedrock_platform.knowledge.knowledge_base_base",
    "MeterInputError": "bedrock_platform.metering.totals",
    "ModelInvocationLogging": "bedrock_platform.observability.invocation_logging",
    "ModelPrice": "bedrock_platform.observability.model_price",
    "MonitoredAgent": "bedrock_platform.observability.monitoring_targets",
    "MonitoredAgentCoreAgent": "bedrock_platform.observability.monitoring_targets",
    "MonitoredGateway": "bedrock_platform.observability.monitoring_targets",
    "MonitoredCaller": "bedrock_platform.observability.monitoring_targets",
    "MonitoredGuardrail": "bedrock_platform.observability.monitoring_targets",
    "NoChunking": "bedrock_platform.knowledge.chunking",
    "ParsingStrategy": "bedrock_platform.knowledge.parsing",
    "PiiEntity": "bedrock_platform.guardrails.policies",
    "PlatformAlarms": "bedrock_platform.observability.platform_alarms",
    "PlatformDashboard": "bedrock_platform.observability.platform_dashboard",
    "PlatformValidationError": "bedrock_platform.core.validation",
    "AccountQuotas": "bedrock_platform.core.stack_limits",
    "StackLimitError": "bedrock_platform.core.stack_limits",
    "synth_within_limits": "bedrock_platform.core.stack_limits",
    "RegexFilter": "bedrock_platform.guardrails.policies",
    "register_action_group_implementation": "bedrock_platform.composition.action_groups",
    "removal_policy_for": "bedrock_platform.composition.removal_policies",
    "S3DataSource": "bedrock_platform.knowledge.data_source",
    "SecureBucket": "bedrock_platform.core.secure_bucket",
    "SemanticChunking": "bedrock_platform.knowledge.chunking",
    "SessionSummaryMemory": "bedrock_platform.agents.agent_settings",
    "TenantApplicationRole": "bedrock_platform.tenancy.application_role",
    "TenantBudget": "bedrock_platform.tenancy.tenant_cost",
    "TenantInferenceProfile": "bedrock_platform.tenancy.inference_profile",
    "TenantMonitoring": "bedrock_platform.tenancy.tenant_cost",
    "TokenMetering": "bedrock_platform.observability.token_metering",
    "TokenMetrics": "bedrock_platform.observability.token_metering",
    "TurnMeter": "bedrock_platform.metering.classic",
    "TurnTotals": "bedrock_platform.metering.totals",
    "VectorCollection": "bedrock_platform.knowledge.vector_store",
    "VectorCollectionBase": "bedrock_platform.knowledge.vector_collection_base",
    "VectorIndex": "bedrock_platform.knowledge.vector_index",
    "S3VectorIndex": "bedrock_platform.knowledge.s3_vectors",
    "S3VectorIndexOptions": "bedrock_platform.knowledge.s3_vectors",
    "S3VectorStore": "bedrock_platform.knowledge.s3_vectors",
    "VectorIndexOptions": "bedrock_platform.knowledge.vector_index",
    "meter_agent_stream": "bedrock_platform.metering.classic",
    "meter_harness_stream": "bedrock_platform.metering.harness",
    "render_turn_emf": "bedrock_platform.metering.emf",
}

__all__ = [
    "AccountQuotas",
    "ActionGroup",
    "ActionGroupLambda",
    "Agent",
    "AgentAlias",
    "AgentCoreLogDeliveries",
    "AgentCoreLogDelivery",
    "AgentCoreLogDestination",
    "AgentCoreLogResource",
    "AgentCoreLogSources",
    "AgentCoreLogTargets",
    "AgentCoreMonitoring",
    "AgentCoreObservability",
    "AgentCoreThresholds",
    "AgentEncryptionKey",
    "AgentGateway",
    "AgentMemory",
    "AlarmThresholds",
    "AlertTopic",
    "AnomalyDetectionOptions",
    "ApiSchemaStorage",
    "BudgetNotification",
    "BudgetOptions",
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
    "FrontDoor",
    "FrontDoorCaps",
    "FrontDoorRouting",
    "FunctionDefinition",
    "FunctionParameter",
    "Guardrail",
    "GuardrailBase",
    "GuardrailEnforcedModelAccess",
    "HarnessAgent",
    "HarnessExecutionRole",
    "HarnessLimits",
    "HarnessTurnMeter",
    "HierarchicalChunking",
    "IAgent",
    "IAgentAlias",
    "IAlertTopic",
    "IGuardrail",
    "IKnowledgeBase",
    "IVectorCollection",
    "IngestionSchedules",
    "KnowledgeBase",
    "KnowledgeBaseBase",
    "KnowledgeSearchTool",
    "MemorySettings",
    "MeterInputError",
    "ModelInvocationLogging",
    "ModelPrice",
    "MonitoredAgent",
    "MonitoredAgentCoreAgent",
    "MonitoredCaller",
    "MonitoredGateway",
    "MonitoredGuardrail",
    "NoChunking",
    "ParsingStrategy",
    "PiiEntity",
    "PlatformAlarms",
    "PlatformDashboard",
    "PlatformValidationError",
    "RegexFilter",
    "S3DataSource",
    "S3VectorIndex",
    "S3VectorIndexOptions",
    "S3VectorStore",
    "SecureBucket",
    "SemanticChunking",
    "SessionSummaryMemory",
    "StackLimitError",
    "TenantApplicationRole",
    "TenantBudget",
    "TenantInferenceProfile",
    "TenantMonitoring",
    "TokenMetering",
    "TokenMetrics",
    "TurnCapHooks",
    "TurnCostMonitoring",
    "TurnMeter",
    "TurnTotals",
    "VectorCollection",
    "VectorCollectionBase",
    "VectorIndex",
    "VectorIndexOptions",
    "meter_agent_stream",
    "meter_harness_stream",
    "register_action_group_implementation",
    "removal_policy_for",
    "render_turn_emf",
    "synth_within_limits",
]


# Renamed public names, importable (with a DeprecationWarning) for one release: old -> (new, module).
_DEPRECATED: dict[str, tuple[str, str]] = {
    "ActionFunction": ("FunctionDefinition", "bedrock_platform.agents.action_group"),
    "ActionGroupFunction": ("ActionGroupLambda", "bedrock_platform.agents.action_group_function"),
}


def __getattr__(name: str) -> Any:
    """Import ``name``'s module on first use (PEP 562) and cache the attribute on the package."""
    if name in _DEPRECATED:
        new_name, module = _DEPRECATED[name]
        warnings.warn(f"bedrock_platform.{name} is deprecated, use {new_name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(module), new_name)
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
    from bedrock_platform.agentcore.turn_cap_hooks import TurnCapHooks
    from bedrock_platform.agents.action_group import ActionGroup, FunctionDefinition, FunctionParameter
    from bedrock_platform.agents.action_group_function import ActionGroupLambda
    from bedrock_platform.agents.agent import Agent
    from bedrock_platform.agents.agent_alias import AgentAlias
    from bedrock_platform.agents.agent_base import IAgent, IAgentAlias
    from bedrock_platform.agents.agent_encryption import AgentEncryptionKey
    from bedrock_platform.agents.agent_settings import SessionSummaryMemory
    from bedrock_platform.agents.api_schema_storage import ApiSchemaStorage
    from bedrock_platform.composition.action_groups import register_action_group_implementation
    from bedrock_platform.composition.removal_policies import removal_policy_for
    from bedrock_platform.core.secure_bucket import SecureBucket
    from bedrock_platform.core.stack_limits import AccountQuotas, StackLimitError, synth_within_limits
    from bedrock_platform.core.validation import PlatformValidationError
    from bedrock_platform.cost.cost_controls import CostControls
    from bedrock_platform.cost.cost_options import AnomalyDetectionOptions, BudgetNotification, BudgetOptions
    from bedrock_platform.frontdoor.front_door import FrontDoor
    from bedrock_platform.frontdoor.options import FrontDoorCaps, FrontDoorRouting
    from bedrock_platform.guardrails.guardrail import Guardrail, GuardrailBase
    from bedrock_platform.guardrails.guardrail_base import IGuardrail
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
    from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
    from bedrock_platform.knowledge.knowledge_base_base import IKnowledgeBase, KnowledgeBaseBase
    from bedrock_platform.knowledge.parsing import DefaultParsing, FoundationModelParsing, ParsingStrategy
    from bedrock_platform.knowledge.s3_vectors import S3VectorIndex, S3VectorIndexOptions, S3VectorStore
    from bedrock_platform.knowledge.vector_collection_base import IVectorCollection, VectorCollectionBase
    from bedrock_platform.knowledge.vector_index import VectorIndex, VectorIndexOptions
    from bedrock_platform.knowledge.vector_store import VectorCollection
    from bedrock_platform.metering.classic import TurnMeter, meter_agent_stream
    from bedrock_platform.metering.emf import render_turn_emf
    from bedrock_platform.metering.harness import HarnessTurnMeter, meter_harness_stream
    from bedrock_platform.metering.totals import MeterInputError, TurnTotals
    from bedrock_platform.models.foundation_model import FoundationModel
    from bedrock_platform.models.model_access import GuardrailEnforcedModelAccess
    from bedrock_platform.observability.agentcore_log_destination import (
        AgentCoreLogDeliveries,
        AgentCoreLogDestination,
        AgentCoreLogResource,
    )
    from bedrock_platform.observability.agentcore_logs import (
        AgentCoreLogDelivery,
        AgentCoreLogSources,
        AgentCoreLogTargets,
    )
    from bedrock_platform.observability.agentcore_monitoring import AgentCoreMonitoring, AgentCoreThresholds
    from bedrock_platform.observability.agentcore_wiring import AgentCoreObservability
    from bedrock_platform.observability.alert_topic import AlertTopic, IAlertTopic
    from bedrock_platform.observability.invocation_logging import ModelInvocationLogging
    from bedrock_platform.observability.model_price import ModelPrice
    from bedrock_platform.observability.monitoring_targets import (
        MonitoredAgent,
        MonitoredAgentCoreAgent,
        MonitoredCaller,
        MonitoredGateway,
        MonitoredGuardrail,
    )
    from bedrock_platform.observability.platform_alarms import AlarmThresholds, PlatformAlarms
    from bedrock_platform.observability.platform_dashboard import PlatformDashboard
    from bedrock_platform.observability.token_metering import TokenMetering, TokenMetrics
    from bedrock_platform.observability.turn_cost import TurnCostMonitoring
    from bedrock_platform.tenancy.application_role import TenantApplicationRole
    from bedrock_platform.tenancy.inference_profile import TenantInferenceProfile
    from bedrock_platform.tenancy.tenant_cost import TenantBudget, TenantMonitoring
