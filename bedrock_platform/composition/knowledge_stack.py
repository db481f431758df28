"""Knowledge layer: the vector stores shared by the configured knowledge bases.

One OpenSearch Serverless collection for the knowledge bases on ``opensearch_serverless`` (not
created when none is: its minimum OCUs bill by the hour), one KMS-encrypted S3 vector bucket
(``<platform>-kb-vectors``) for those on ``s3_vectors`` (created only when one is).

Every physical name starts with the platform name (``config.name``): the collection (and its
three policies) is ``<platform>-kb`` unless configured, knowledge bases, indexes and data sources
are ``<platform>-<configured name>`` plus the fingerprint their constructs append.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from bedrock_platform.composition.removal_policies import removal_policy_for
from bedrock_platform.config.construct_ids import knowledge_id
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.core.naming import bounded_name, prefixed_name
from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules
from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
from bedrock_platform.knowledge.s3_vectors import INDEX_NAME_BASE_MAX as S3_INDEX_NAME_MAX
from bedrock_platform.knowledge.s3_vectors import S3VectorStore
from bedrock_platform.knowledge.vector_index import INDEX_NAME_MAX
from bedrock_platform.knowledge.vector_store import VectorCollection

# S3DataSource appends "-" and an 8-character fingerprint to a base of at most 90 characters.
DATA_SOURCE_BASE_MAX = 90
# KnowledgeBase cuts its base itself (Bedrock names: 100 characters).
KNOWLEDGE_BASE_BASE_MAX = 100
def removal_policy_of(config: PlatformConfig) -> RemovalPolicy:
    """The profile's removal policy for the knowledge layer (one table: composition/removal_policies.py)."""
    return removal_policy_for(config.resolved_removal_policy, "knowledge_base")


# Construct ids come from names; the config checks they do not collide (config/construct_ids.py).
_logical_name = knowledge_id


class KnowledgeStack(Stack):
    """The vector collection and every knowledge base (with its index, role and data sources) from config."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        knowledge = config.knowledge
        removal = removal_policy_of(config)
        store_config = knowledge.vector_store
        standby = store_config.standby_replicas if store_config.standby_replicas is not None else config.is_prod
        # The collection only when a knowledge base uses it: it bills minimum OCUs while it exists.
        self.vector_store: VectorCollection | None = None
        if any(not kb.on_s3_vectors for kb in knowledge.knowledge_bases):
            self.vector_store = VectorCollection(
                self,
                "VectorStore",
                collection_name=store_config.resolved_collection_name(config.name),
                standby_replicas=standby,
                kms_key=kms.Key.from_key_arn(self, "CollectionKey", store_config.kms_key_arn) if store_config.kms_key_arn else None,
                vpc_endpoint_ids=store_config.vpc_endpoint_ids,
                index_admin_arns=store_config.index_admin_arns,
                removal_policy=removal,
            )
            CfnOutput(self, "CollectionEndpoint", value=self.vector_store.collection_endpoint, description="OpenSearch Serverless collection endpoint")
            CfnOutput(self, "CollectionArn", value=self.vector_store.collection_arn)
        self.s3_vector_store: S3VectorStore | None = None
        if any(kb.on_s3_vectors for kb in knowledge.knowledge_bases):
            self.s3_vector_store = self._s3_vector_store(config, removal)
            CfnOutput(self, "VectorBucketArn", value=self.s3_vector_store.vector_bucket_arn, description="S3 Vectors bucket of the knowledge bases")

        self.knowledge_bases: dict[str, KnowledgeBase] = {}
        # One schedule group and dead-letter queue for every scheduled data source of the platform.
        self.ingestion_schedules: IngestionSchedules | None = None
        if any(ds.ingestion_schedule for kb in knowledge.knowledge_bases for ds in kb.data_sources):
            self.ingestion_schedules = IngestionSchedules(
                self,
                "IngestionSchedules",
                group_name=f"{config.name}-ingestion",
                removal_policy=removal_policy_for(config.resolved_removal_policy, "ingestion"),
            )
            CfnOutput(self, "IngestionDeadLetterQueueUrl", value=self.ingestion_schedules.queue.queue_url,
                      description="Scheduled ingestion runs that failed after their retries")
        for kb_config in knowledge.knowledge_bases:
            logical = _logical_name(kb_config.name)
            store: Any
            if kb_config.on_s3_vectors:
                s3_options = kb_config.s3_index_options
                store = self.s3_vector_store
                index: Any = replace(s3_options, index_name=prefixed_name(config.name, s3_options.index_name, S3_INDEX_NAME_MAX))
            else:
                index_options = kb_config.index_options
                store = self.vector_store
                index = replace(index_options, index_name=prefixed_name(config.name, index_options.index_name, INDEX_NAME_MAX))
            kb = KnowledgeBase(
                self,
                logical,
                name=prefixed_name(config.name, kb_config.name, KNOWLEDGE_BASE_BASE_MAX),
                description=kb_config.description,
                vector_store=store,
                embedding_model=kb_config.embedding,
                index=index,
                removal_policy=removal,
            )
            self.knowledge_bases[kb_config.name] = kb
            CfnOutput(self, f"{logical}KnowledgeBaseId", value=kb.knowledge_base_id, description=f"Knowledge base {kb_config.name} id")
            CfnOutput(self, f"{logical}KnowledgeBaseArn", value=kb.knowledge_base_arn)
            for ds_config in kb_config.data_sources:
                ds_name = ds_config.name or f"{kb_config.name}-s3"
                ds_logical = _logical_name(ds_name)
                data_source = kb.add_s3_data_source(
                    ds_logical,
                    name=prefixed_name(config.name, ds_name, DATA_SOURCE_BASE_MAX),
                    description=ds_config.description,
                    bucket_name=ds_config.bucket_name,
                    inclusion_prefixes=ds_config.inclusion_prefixes,
                    chunking=ds_config.chunking.resolved,
                    parsing=ds_config.parsing.resolved,
                    data_deletion_policy=ds_config.data_deletion_policy,
                    ingestion_schedule=ds_config.ingestion_schedule,
                    schedules=self.ingestion_schedules,
                )
                CfnOutput(self, f"{logical}{ds_logical}DataSourceId", value=data_source.data_source_id)
                CfnOutput(self, f"{logical}{ds_logical}BucketName", value=data_source.bucket.bucket_name)

    def _s3_vector_store(self, config: PlatformConfig, removal: RemovalPolicy) -> S3VectorStore:
        """The platform's vector bucket, encrypted with ``knowledge.vector_store.kms_key_arn`` when
        set (its key policy must then allow the S3 Vectors indexing principal: README), else with
        a rotating key of this stack."""
        key_arn = config.knowledge.vector_store.kms_key_arn
        if key_arn:
            key: kms.IKey = kms.Key.from_key_arn(self, "VectorBucketKey", key_arn)
        else:
            key = kms.Key(
                self, "VectorBucketKey", enable_key_rotation=True,
                description=f"Encrypts the S3 Vectors knowledge-base indexes of {config.name}",
                removal_policy=removal,
            )
        return S3VectorStore(
            self, "S3VectorStore", vector_bucket_name=bounded_name(f"{config.name.lower()}-kb-vectors", 63),
            kms_key=key, removal_policy=removal,
        )
