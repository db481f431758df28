"""bedrock_platform: AWS CDK constructs for a production Amazon Bedrock platform.

    from bedrock_platform import VectorCollection, KnowledgeBase, EmbeddingModel, ChunkingPresets
"""

from bedrock_platform.chunking import (
    ChunkingPresets,
    ChunkingStrategy,
    FixedSizeChunking,
    HierarchicalChunking,
    NoChunking,
    SemanticChunking,
)
from bedrock_platform.data_source import S3DataSource
from bedrock_platform.embedding import EmbeddingModel
from bedrock_platform.knowledge_base import KnowledgeBase, KnowledgeBaseBase
from bedrock_platform.parsing import DefaultParsing, FoundationModelParsing, ParsingStrategy
from bedrock_platform.secure_bucket import SecureBucket
from bedrock_platform.validation import PlatformValidationError
from bedrock_platform.vector_index import VectorIndex, VectorIndexOptions
from bedrock_platform.vector_store import VectorCollection

__all__ = [
    "ChunkingPresets",
    "ChunkingStrategy",
    "DefaultParsing",
    "EmbeddingModel",
    "FixedSizeChunking",
    "FoundationModelParsing",
    "HierarchicalChunking",
    "KnowledgeBase",
    "KnowledgeBaseBase",
    "NoChunking",
    "ParsingStrategy",
    "PlatformValidationError",
    "S3DataSource",
    "SecureBucket",
    "SemanticChunking",
    "VectorCollection",
    "VectorIndex",
    "VectorIndexOptions",
]
