"""Bedrock knowledge base on an OpenSearch Serverless or S3 Vectors index, with a scoped service role.

The storage and embedding configuration of ``AWS::Bedrock::KnowledgeBase`` are create-only
(CloudFormation replaces the knowledge base when they change) and Bedrock refuses a second
knowledge base of the same name ("KnowledgeBase with name ... already exists"). The physical
name is therefore ``<name>-<fingerprint of both>``: a change replaces the knowledge base under a
new name, an unchanged re-synth keeps it. A change that needs a new vector index (dimensions,
embedding model, index mapping) gives the index a new name too, and the knowledge base follows.

    store = VectorCollection(self, "Vectors", collection_name="platform-vectors")
    kb = KnowledgeBase(self, "SupportDocs", name="support-docs", vector_store=store,
                       embedding_model=EmbeddingModel.titan_text_v2(1024))
    kb.add_s3_data_source("Docs", chunking=ChunkingPresets.get("faq"))
    kb.grant_query(app_role)
"""

from __future__ import annotations

import re
from typing import Any

import jsii
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.input_checks import check_instance, check_optional_string, check_removal_policy
from bedrock_platform.core.managed_grants import ManagedPolicyPrincipal
from bedrock_platform.core.naming import bounded_name
from bedrock_platform.core.secure_bucket import SecureBucket
from bedrock_platform.core.service_principals import confused_deputy_principal
from bedrock_platform.core.validation import ValidationProblems, check_bedrock_name, is_token
from bedrock_platform.knowledge.data_source import S3DataSource
from bedrock_platform.knowledge.embedding import EmbeddingModel
from bedrock_platform.knowledge.knowledge_base_base import (
    QUERY_ACTIONS,
    IKnowledgeBase,
    KnowledgeBaseBase,
    import_knowledge_base,
)
from bedrock_platform.knowledge.knowledge_rules import check_description
from bedrock_platform.knowledge.s3_vectors import (
    INDEX_NAME_BASE_MAX,
    S3VectorIndex,
    S3VectorIndexOptions,
    S3VectorStore,
)
from bedrock_platform.knowledge.vector_collection_base import INDEX_WRITE_PERMISSIONS, IVectorCollection
from bedrock_platform.knowledge.vector_index import VectorIndex, VectorIndexOptions

__all__ = ["QUERY_ACTIONS", "IKnowledgeBase", "KnowledgeBase", "KnowledgeBaseBase"]

# Bedrock names: ([0-9a-zA-Z][_-]?){1,100} (botocore bedrock-agent shape Name). 100 characters
# always fit; the base is cut (with a hash) to leave room for "-" and the fingerprint.
NAME_MAX = 100
FINGERPRINT_LENGTH = 8
# AWS::Bedrock::KnowledgeBase createOnlyProperties (cfn-lint schema): StorageConfiguration and
# KnowledgeBaseConfiguration/{Type, VectorKnowledgeBaseConfiguration, ...}.
CREATE_ONLY_PROPERTIES = frozenset({"storageConfiguration", "knowledgeBaseConfiguration"})
# What Bedrock needs on an S3 Vectors index: GetIndex (checked when the knowledge base is
# created), PutVectors/DeleteVectors (ingestion, re-sync), QueryVectors/GetVectors (Retrieve).
# Bedrock user guide, "Permissions to access your vector store in Amazon S3 Vectors"
# (https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html); the actions exist
# with the Index resource type (Service Authorization Reference, Amazon S3 Vectors; botocore
# s3vectors 2025-07-15 operations).
S3_VECTORS_INDEX_ACTIONS = (
    "s3vectors:GetIndex",
    "s3vectors:QueryVectors",
    "s3vectors:PutVectors",
    "s3vectors:GetVectors",
    "s3vectors:DeleteVectors",
)
# The index is SSE-KMS with the store's key: writing needs a data key, reading decrypts it.
S3_VECTORS_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


@jsii.implements(iam.IGrantable)
class KnowledgeBase(KnowledgeBaseBase):
    """A vector knowledge base storing embeddings in its own index of a shared store: an
    OpenSearch Serverless collection (``VectorCollection``) or an S3 vector bucket
    (``S3VectorStore``; ``index`` is then an ``S3VectorIndexOptions``, and the role gets the
    S3 Vectors actions on exactly its index and decrypt/generate-data-key on the bucket's key).

    ``name`` is the base of the physical name, ``knowledge_base_name`` (a token) the physical
    name with the fingerprint of the create-only configuration (see the module docstring).

    Creates the index (``AWS::OpenSearchServerless::Index``, no custom resource), a service
    role trusted by ``bedrock.amazonaws.com`` only for this account's knowledge bases, and a
    managed policy holding exactly: InvokeModel on the embedding model, ``aoss:APIAccessAll``
    on the collection (narrowed to its index by the data access policy), and what each data
    source adds (S3 read on its bucket/prefix, KMS decrypt through S3, parsing model).

    The knowledge base is a grantee too: ``grant_principal`` adds to that managed policy, so
    ``bucket.grant_read(kb)`` needs no inline policy. It holds data (its index, its documents
    bucket): ``removal_policy`` defaults to ``RemovalPolicy.RETAIN`` for the knowledge base, its
    index and its documents bucket and key; pass ``RemovalPolicy.DESTROY`` for throw-away
    environments. Data sources belong to it: :meth:`add_s3_data_source`.

    Example::

        kb = KnowledgeBase(self, "Policies", name="policies", vector_store=store,
                           embedding_model=EmbeddingModel.titan_text_v2(512),
                           index=VectorIndexOptions(index_name="policies", m=32))
        kb.add_s3_data_source("Manuals", inclusion_prefixes=["manuals/"],
                              chunking=ChunkingPresets.get("policy_manual"))
        kb.grant_query(app_role, policy=app_policy)
        reference_bucket.grant_read(kb)  # lands in the knowledge base's managed policy
        cheap = KnowledgeBase(self, "Faq", name="faq", vector_store=s3_vector_store,
                              index=S3VectorIndexOptions(index_name="faq"))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        vector_store: IVectorCollection | S3VectorStore,
        embedding_model: EmbeddingModel | None = None,
        description: str | None = None,
        index: VectorIndexOptions | S3VectorIndexOptions | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        problems.check(check_bedrock_name, "name", name)
        problems.check(check_optional_string, "description", description)
        self.description = description or f"Knowledge base {name}"
        if isinstance(self.description, str):
            problems.check(check_description, "description", self.description)
        on_s3_vectors = isinstance(vector_store, S3VectorStore)
        if not on_s3_vectors and not isinstance(vector_store, IVectorCollection):
            problems.add("vector_store", type(vector_store).__name__,
                         "is not a vector store (VectorCollection, VectorCollection.from_collection_attributes or S3VectorStore)")
        problems.check(check_instance, "embedding_model", embedding_model, EmbeddingModel, "an EmbeddingModel (e.g. EmbeddingModel.titan_text_v2())")
        if on_s3_vectors:
            problems.check(check_instance, "index", index, S3VectorIndexOptions, "an S3VectorIndexOptions (the store is S3 Vectors)")
        else:
            problems.check(check_instance, "index", index, VectorIndexOptions, "a VectorIndexOptions")
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        problems.raise_if_any(self)
        stack = Stack.of(self)
        self.name = name
        self.vector_store = vector_store
        self.embedding_model = embedding_model or EmbeddingModel.titan_text_v2()
        self.removal_policy = removal_policy
        default_index = self._default_index_name(name)
        options: Any = index or (
            S3VectorIndexOptions(index_name=bounded_name(default_index, INDEX_NAME_BASE_MAX)) if on_s3_vectors
            else VectorIndexOptions(index_name=default_index)
        )
        self.data_sources: list[S3DataSource] = []
        self._documents: SecureBucket | None = None
        self._grant_principal: ManagedPolicyPrincipal | None = None

        self.role = iam.Role(
            self,
            "Role",
            description=f"Service role of Bedrock knowledge base {name}",
            assumed_by=confused_deputy_principal(
                self, "bedrock", source_arn=stack.format_arn(service="bedrock", resource="knowledge-base", resource_name="*")
            ),
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Least privilege for Bedrock knowledge base {name}",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="InvokeEmbeddingModel",
                    actions=["bedrock:InvokeModel"],
                    resources=[self.embedding_model.model_arn(stack)],
                ),
            ],
        )
        # Vectors of another embedding model must not share an index: the model is part of the
        # index fingerprint, so a model change creates a fresh index for the new knowledge base.
        fingerprint_extra = [self.embedding_model.model_arn(stack), self.embedding_model.dimensions]
        if isinstance(vector_store, S3VectorStore):
            storage, dependencies = self._s3_vectors_storage(vector_store, options, fingerprint_extra, removal_policy)
        else:
            storage, dependencies = self._opensearch_storage(vector_store, options, fingerprint_extra, removal_policy)

        embedding_configuration: dict[str, Any] = {"embedding_model_arn": self.embedding_model.model_arn(stack)}
        if self.embedding_model.configurable_dimensions:
            embedding_configuration["embedding_model_configuration"] = (
                bedrock.CfnKnowledgeBase.EmbeddingModelConfigurationProperty(
                    bedrock_embedding_model_configuration=bedrock.CfnKnowledgeBase.BedrockEmbeddingModelConfigurationProperty(
                        dimensions=self.embedding_model.dimensions, embedding_data_type="FLOAT32"
                    )
                )
            )
        self.resource = bedrock.CfnKnowledgeBase(
            self,
            "Resource",
            name=name,  # replaced below by the fingerprinted name
            description=self.description,
            role_arn=self.role.role_arn,
            knowledge_base_configuration=bedrock.CfnKnowledgeBase.KnowledgeBaseConfigurationProperty(
                type="VECTOR",
                vector_knowledge_base_configuration=bedrock.CfnKnowledgeBase.VectorKnowledgeBaseConfigurationProperty(
                    **embedding_configuration
                ),
            ),
            storage_configuration=storage,
        )
        # Bedrock checks index access when it creates the knowledge base: the index, the
        # role's policy (and the data access policy) must all exist first (and on delete, the
        # knowledge base goes before them).
        self.resource.node.add_dependency(*dependencies, self.policy)
        self.resource.apply_removal_policy(removal_policy)
        base = name if is_token(name) else bounded_name(name, NAME_MAX - FINGERPRINT_LENGTH - 1)
        self.knowledge_base_name: str = lazy_fingerprint(
            self.resource,
            only=CREATE_ONLY_PROPERTIES,
            # The S3 Vectors storage names the index by ARN (the same GetAtt whatever the index's
            # name): the index name makes a replaced index replace the knowledge base under a new name.
            extra=[self.index.index_name] if isinstance(self.index, S3VectorIndex) else [],
            template=f"{_escape(base)}-{{digest}}",
            length=FINGERPRINT_LENGTH,
        )
        self.resource.name = self.knowledge_base_name
        self.knowledge_base_id = self.resource.attr_knowledge_base_id
        self.knowledge_base_arn = self.resource.attr_knowledge_base_arn

    def _opensearch_storage(
        self, vector_store: IVectorCollection, options: Any, fingerprint_extra: list[Any], removal_policy: RemovalPolicy
    ) -> tuple[bedrock.CfnKnowledgeBase.StorageConfigurationProperty, list[Any]]:
        """The index in the collection, the role's access to it, and the storage configuration."""
        self.index = VectorIndex(
            self, "Index", vector_store=vector_store, options=options,
            dimensions=self.embedding_model.dimensions, removal_policy=removal_policy,
            fingerprint_extra=fingerprint_extra,
        )
        self.policy.add_statements(
            iam.PolicyStatement(sid="AccessVectorCollection", actions=["aoss:APIAccessAll"], resources=[vector_store.collection_arn])
        )
        # Every generation of the index (the old one is still in use until CloudFormation's
        # cleanup deletes its data sources, which removes their vectors with this role).
        vector_store.add_access(
            principal_arn=self.role.role_arn,
            index_name=self.index.name_pattern,
            permissions=INDEX_WRITE_PERMISSIONS,
            description=f"Knowledge base {self.name} reads and writes its index",
        )
        storage = bedrock.CfnKnowledgeBase.StorageConfigurationProperty(
            type="OPENSEARCH_SERVERLESS",
            opensearch_serverless_configuration=bedrock.CfnKnowledgeBase.OpenSearchServerlessConfigurationProperty(
                collection_arn=vector_store.collection_arn,
                vector_index_name=self.index.index_name,
                field_mapping=bedrock.CfnKnowledgeBase.OpenSearchServerlessFieldMappingProperty(
                    vector_field=options.vector_field,
                    text_field=options.text_field,
                    metadata_field=options.metadata_field,
                ),
            ),
        )
        return storage, [self.index, vector_store.access_policy]

    def _s3_vectors_storage(
        self, vector_store: S3VectorStore, options: Any, fingerprint_extra: list[Any], removal_policy: RemovalPolicy
    ) -> tuple[bedrock.CfnKnowledgeBase.StorageConfigurationProperty, list[Any]]:
        """The S3 Vectors index, the role's access to exactly that index and the bucket's key,
        and the ``S3_VECTORS`` storage configuration (cfn-lint schema AWS::Bedrock::KnowledgeBase
        S3VectorsConfiguration: ``IndexArn``)."""
        self.index = S3VectorIndex(
            self, "Index", vector_store=vector_store, index_name=options.index_name,
            dimension=self.embedding_model.dimensions,
            distance_metric=options.distance_metric or self.embedding_model.distance_metric,
            non_filterable_metadata_keys=list(options.non_filterable_metadata_keys),
            removal_policy=removal_policy, fingerprint_extra=fingerprint_extra,
        )
        self.policy.add_statements(
            iam.PolicyStatement(sid="AccessVectorIndex", actions=list(S3_VECTORS_INDEX_ACTIONS), resources=[self.index.index_arn]),
            iam.PolicyStatement(sid="UseVectorKey", actions=list(S3_VECTORS_KEY_ACTIONS), resources=[vector_store.kms_key.key_arn]),
        )
        # (The index dependency is implied by its ARN.)
        storage = bedrock.CfnKnowledgeBase.StorageConfigurationProperty(
            type="S3_VECTORS",
            s3_vectors_configuration=bedrock.CfnKnowledgeBase.S3VectorsConfigurationProperty(index_arn=self.index.index_arn),
        )
        return storage, []

    def _default_index_name(self, name: str) -> str:
        """``<name>-index`` (lowercase); from the construct id when ``name`` is a deploy-time value."""
        if not is_token(name):
            return f"{name.lower().replace('_', '-')}-index"
        base = re.sub(r"[^a-z0-9-]", "-", self.node.id.lower()).strip("-") or "kb"
        return bounded_name(f"{base if base[0].isalpha() else 'kb-' + base}-index", 80)

    @staticmethod
    def from_knowledge_base_attributes(
        scope: Construct, construct_id: str, *, knowledge_base_id: str, knowledge_base_arn: str | None = None
    ) -> IKnowledgeBase:
        """A knowledge base deployed elsewhere, by id (ARN derived in this stack's account and region
        if not given). The handle has the same ``grant*`` methods; it cannot take data sources.

        Example::

            kb = KnowledgeBase.from_knowledge_base_attributes(self, "Shared", knowledge_base_id="KB12345678")
            kb.grant_retrieve(search_function)
        """
        return import_knowledge_base(scope, construct_id, knowledge_base_id=knowledge_base_id,
                                     knowledge_base_arn=knowledge_base_arn)

    @staticmethod
    def from_knowledge_base_arn(scope: Construct, construct_id: str, knowledge_base_arn: str) -> IKnowledgeBase:
        """A knowledge base deployed elsewhere, by ARN (the id is its last part; tokens allowed).

        Example::

            kb = KnowledgeBase.from_knowledge_base_arn(
                self, "Shared", ssm.StringParameter.value_for_string_parameter(self, "/acme/kb/arn"))
        """
        return import_knowledge_base(scope, construct_id, knowledge_base_id=None, knowledge_base_arn=knowledge_base_arn)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The knowledge base role, whose grants land in the knowledge base's managed policy."""
        if self._grant_principal is None:
            self._grant_principal = ManagedPolicyPrincipal(self.role, self.policy)
        return self._grant_principal

    @property
    def documents_bucket(self) -> SecureBucket:
        """The knowledge base's own documents bucket, created on first use by a data source
        (with the knowledge base's removal policy)."""
        if self._documents is None:
            self._documents = SecureBucket(
                self, "Documents", removal_policy=self.removal_policy,
                key_description=f"Encrypts documents of knowledge base {self.name}",
            )
        return self._documents

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the knowledge base and its index (the documents bucket keeps the
        policy it was created with; give it at construction)."""
        check_removal_policy("policy", policy)
        self.resource.apply_removal_policy(policy)
        self.index.apply_removal_policy(policy)

    def add_to_role_policy(self, *statements: iam.PolicyStatement) -> None:
        """Add statements to the role's managed policy (used by data sources and parsing)."""
        self.policy.add_statements(*statements)

    def add_s3_data_source(self, construct_id: str, **props: Any) -> S3DataSource:
        """Add an S3 data source owned by this knowledge base; see :class:`S3DataSource` for ``props``.

        Example::

            kb.add_s3_data_source("Docs", inclusion_prefixes=["docs/"], ingestion_schedule="rate(1 day)")
        """
        return S3DataSource(self, construct_id, knowledge_base=self, **props)


def _escape(text: str) -> str:
    """``text`` for a ``str.format`` template (a token's ``${Token[...]}`` has braces)."""
    return text.replace("{", "{{").replace("}", "}}")
