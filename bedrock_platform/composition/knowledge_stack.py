"""Knowledge layer: the vector stores shared by the configured knowledge bases.

One OpenSearch Serverless collection for the knowledge bases on ``opensearch_serverless``, the
platform's and the tenants' (not created when none is: its minimum OCUs bill by the hour; tenant
stacks read it from SSM parameters written here once), one KMS-encrypted S3 vector bucket
(``<platform>-kb-vectors``) for those on ``s3_vectors`` (created only when one is).

Every physical name starts with the platform name (``config.name``): the collection (and its
three policies) is ``<platform>-kb`` unless configured, knowledge bases, indexes and data sources
are ``<platform>-<configured name>`` plus the fingerprint their constructs append.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from bedrock_platform.composition.knowledge_builder import (
    DATA_SOURCE_BASE_MAX,
    KNOWLEDGE_BASE_BASE_MAX,
    add_knowledge_bases,
    has_schedules,
)
from bedrock_platform.composition.removal_policies import removal_policy_for
from bedrock_platform.config.construct_ids import knowledge_id, shared_parameter_id
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.core.naming import bounded_name
from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules
from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
from bedrock_platform.knowledge.s3_vectors import S3VectorStore
from bedrock_platform.knowledge.vector_store import VectorCollection

__all__ = ["COLLECTION_PARAMETER_KEYS", "DATA_SOURCE_BASE_MAX", "KNOWLEDGE_BASE_BASE_MAX", "KnowledgeStack", "removal_policy_of"]

# SSM parameters (``/<platform>/knowledge/collection/<attribute>``) tenant stacks read the shared collection from.
COLLECTION_PARAMETER_KEYS = {"id": "knowledge/collection/id", "arn": "knowledge/collection/arn",
                             "endpoint": "knowledge/collection/endpoint"}  # fmt: skip


# Construct ids come from names (knowledge_builder uses the same function); the config checks they do not collide.
_logical_name = knowledge_id


def removal_policy_of(config: PlatformConfig) -> RemovalPolicy:
    """The profile's removal policy for the knowledge layer (one table: composition/removal_policies.py)."""
    return removal_policy_for(config.resolved_removal_policy, "knowledge_base")


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
        # Tenant knowledge bases on opensearch_serverless use this collection too (one per platform).
        tenants_on_collection = any(not kb.on_s3_vectors for tenant in config.tenants for kb in tenant.knowledge_bases)
        if tenants_on_collection or any(not kb.on_s3_vectors for kb in knowledge.knowledge_bases):
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

        # One schedule group and dead-letter queue for every scheduled data source of the platform.
        self.ingestion_schedules: IngestionSchedules | None = None
        if has_schedules(knowledge.knowledge_bases):
            self.ingestion_schedules = IngestionSchedules(
                self,
                "IngestionSchedules",
                group_name=f"{config.name}-ingestion",
                removal_policy=removal_policy_for(config.resolved_removal_policy, "ingestion"),
            )
            CfnOutput(self, "IngestionDeadLetterQueueUrl", value=self.ingestion_schedules.queue.queue_url,
                      description="Scheduled ingestion runs that failed after their retries")
        self.knowledge_bases: dict[str, KnowledgeBase] = add_knowledge_bases(
            self, prefix=config.name, knowledge_bases=knowledge.knowledge_bases, opensearch=self.vector_store,
            s3_vectors=self.s3_vector_store, schedules=self.ingestion_schedules, removal_policy=removal,
        )  # fmt: skip
        if self.vector_store is not None and tenants_on_collection:
            self._share_collection(config)

    def _share_collection(self, config: PlatformConfig) -> None:
        """Write the collection's id, ARN and endpoint to SSM parameters, once, for tenant stacks (never exports)."""
        assert self.vector_store is not None
        values = {"id": self.vector_store.collection_id, "arn": self.vector_store.collection_arn,
                  "endpoint": self.vector_store.collection_endpoint}  # fmt: skip
        for attribute, key in COLLECTION_PARAMETER_KEYS.items():
            ssm.StringParameter(self, shared_parameter_id(key), parameter_name=f"/{config.name}/{key}",
                                string_value=values[attribute],
                                description="Read at deploy time: tenant stacks' knowledge bases use this collection")  # fmt: skip

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
