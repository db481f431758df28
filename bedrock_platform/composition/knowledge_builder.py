"""Knowledge bases from config, built into a given scope: the knowledge stack (platform) or a tenant stack.

One function for both, so a tenant's knowledge base has exactly the platform's resources, names
(``<prefix>-<configured name>`` plus the fingerprint the constructs append), data sources and
scheduled ingestion. The platform passes its stack as ``scope`` and the platform name as
``prefix`` (construct ids and physical names unchanged); a tenant passes a scope of its own stack
and ``<platform>-<tenant>``.

Example::

    kbs = add_knowledge_bases(stack, prefix="bedrock-platform-acme", knowledge_bases=tenant.knowledge_bases,
                              opensearch=shared_collection, s3_vectors=tenant_bucket, schedules=None,
                              removal_policy=RemovalPolicy.DESTROY)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy
from constructs import Construct

from bedrock_platform.config.construct_ids import knowledge_id
from bedrock_platform.config.knowledge import KnowledgeBaseConfig
from bedrock_platform.core.naming import prefixed_name
from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules
from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
from bedrock_platform.knowledge.s3_vectors import INDEX_NAME_BASE_MAX as S3_INDEX_NAME_MAX
from bedrock_platform.knowledge.s3_vectors import S3VectorStore
from bedrock_platform.knowledge.vector_collection_base import IVectorCollection

# S3DataSource appends "-" and an 8-character fingerprint to a base of at most 90 characters.
DATA_SOURCE_BASE_MAX = 90
# KnowledgeBase cuts its base itself (Bedrock names: 100 characters).
KNOWLEDGE_BASE_BASE_MAX = 100


def add_knowledge_bases(
    scope: Construct,
    *,
    prefix: str,
    knowledge_bases: Sequence[KnowledgeBaseConfig],
    opensearch: IVectorCollection | None,
    s3_vectors: S3VectorStore | None,
    schedules: IngestionSchedules | None,
    removal_policy: RemovalPolicy,
) -> dict[str, KnowledgeBase]:
    """Every knowledge base of ``knowledge_bases`` with its index and data sources, and their outputs,
    under ``scope`` (construct ids from the configured names, config/construct_ids.py)."""
    built: dict[str, KnowledgeBase] = {}
    for kb_config in knowledge_bases:
        logical = knowledge_id(kb_config.name)
        store: Any
        if kb_config.on_s3_vectors:
            s3_options = kb_config.s3_index_options
            store = s3_vectors
            index: Any = replace(s3_options, index_name=prefixed_name(prefix, s3_options.index_name, S3_INDEX_NAME_MAX))
        else:
            store = opensearch
            index = replace(kb_config.index_options, index_name=kb_config.collection_index_name(prefix))
        kb = KnowledgeBase(
            scope,
            logical,
            name=prefixed_name(prefix, kb_config.name, KNOWLEDGE_BASE_BASE_MAX),
            description=kb_config.description,
            vector_store=store,
            embedding_model=kb_config.embedding,
            index=index,
            removal_policy=removal_policy,
        )
        built[kb_config.name] = kb
        CfnOutput(scope, f"{logical}KnowledgeBaseId", value=kb.knowledge_base_id, description=f"Knowledge base {kb_config.name} id")
        CfnOutput(scope, f"{logical}KnowledgeBaseArn", value=kb.knowledge_base_arn)
        for ds_config in kb_config.data_sources:
            ds_name = ds_config.name or f"{kb_config.name}-s3"
            ds_logical = knowledge_id(ds_name)
            data_source = kb.add_s3_data_source(
                ds_logical,
                name=prefixed_name(prefix, ds_name, DATA_SOURCE_BASE_MAX),
                description=ds_config.description,
                bucket_name=ds_config.bucket_name,
                inclusion_prefixes=ds_config.inclusion_prefixes,
                chunking=ds_config.chunking.resolved,
                parsing=ds_config.parsing.resolved,
                data_deletion_policy=ds_config.data_deletion_policy,
                ingestion_schedule=ds_config.ingestion_schedule,
                schedules=schedules,
            )
            CfnOutput(scope, f"{logical}{ds_logical}DataSourceId", value=data_source.data_source_id)
            CfnOutput(scope, f"{logical}{ds_logical}BucketName", value=data_source.bucket.bucket_name)
    return built


def has_schedules(knowledge_bases: Sequence[KnowledgeBaseConfig]) -> bool:
    """Whether any data source of ``knowledge_bases`` has an ingestion schedule."""
    return any(ds.ingestion_schedule for kb in knowledge_bases for ds in kb.data_sources)
