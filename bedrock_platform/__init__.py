"""bedrock_platform: AWS CDK constructs for a production Amazon Bedrock platform.

    from bedrock_platform import VectorCollection, KnowledgeBase, Guardrail, Agent, ModelInvocationLogging
"""

from bedrock_platform.action_group import ActionFunction, ActionGroup, FunctionParameter
from bedrock_platform.action_group_function import ActionGroupFunction
from bedrock_platform.agent import Agent, SessionSummaryMemory
from bedrock_platform.agent_alias import AgentAlias
from bedrock_platform.agent_encryption import AgentEncryptionKey
from bedrock_platform.alert_topic import AlertTopic
from bedrock_platform.chunking import (
    ChunkingPresets,
    ChunkingStrategy,
    FixedSizeChunking,
    HierarchicalChunking,
    NoChunking,
    SemanticChunking,
)
from bedrock_platform.cost_controls import CostControls
from bedrock_platform.data_source import S3DataSource
from bedrock_platform.embedding import EmbeddingModel
from bedrock_platform.foundation_model import FoundationModel
from bedrock_platform.guardrail import Guardrail, GuardrailBase
from bedrock_platform.guardrail_policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
from bedrock_platform.ingestion_schedules import IngestionSchedules
from bedrock_platform.invocation_logging import ModelInvocationLogging
from bedrock_platform.knowledge_base import KnowledgeBase, KnowledgeBaseBase
from bedrock_platform.model_access import GuardrailEnforcedModelAccess
from bedrock_platform.monitoring_targets import MonitoredAgent, MonitoredGuardrail
from bedrock_platform.parsing import DefaultParsing, FoundationModelParsing, ParsingStrategy
from bedrock_platform.platform_alarms import PlatformAlarms
from bedrock_platform.platform_dashboard import PlatformDashboard
from bedrock_platform.secure_bucket import SecureBucket
from bedrock_platform.token_metering import TokenMetering, TokenMetrics
from bedrock_platform.validation import PlatformValidationError
from bedrock_platform.vector_index import VectorIndex, VectorIndexOptions
from bedrock_platform.vector_store import VectorCollection

__all__ = [
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
