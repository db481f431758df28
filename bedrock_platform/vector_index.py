"""The vector index a knowledge base writes to, created natively with ``AWS::OpenSearchServerless::Index``.

No custom resource, no Lambda, no sleep: CloudFormation creates the index after the
collection and its data access policy (which names the deploying role) exist.

    VectorIndexOptions(index_name="faq-index", m=16, ef_construction=512, ef_search=512)
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct

from bedrock_platform.validation import PlatformValidationError, check_choice, check_int_range, check_pattern
from bedrock_platform.vector_store import VectorCollection

# AWS::OpenSearchServerless::Index IndexName: ^(?![_-])[a-z][a-z0-9_-]*$ (cfn-lint schema).
INDEX_NAME_PATTERN = r"[a-z][a-z0-9_-]{0,79}"
INDEX_NAME_RULE = "1-80 lowercase letters, digits, '_' or '-', starting with a lowercase letter"
FIELD_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}"
FIELD_NAME_RULE = "1-100 letters, digits, '_' or '-', starting with a letter or digit"
SPACE_TYPES = ("l2", "innerproduct")
HNSW_M_RANGE = (2, 100)
EF_RANGE = (2, 4096)


@dataclass(frozen=True)
class VectorIndexOptions:
    """Index and field names and HNSW tuning for one knowledge base's vector index.

    Defaults follow what the Bedrock console creates: faiss engine, HNSW with ``m=16`` and
    ``ef_construction=512``, Euclidean (l2) distance, text in ``AMAZON_BEDROCK_TEXT_CHUNK``
    and metadata in ``AMAZON_BEDROCK_METADATA`` (stored, not indexed). Raise ``m`` and
    ``ef_construction`` for better recall on large corpora at the cost of memory and
    indexing time; ``ef_search`` trades query latency for recall.
    """

    index_name: str = "bedrock-knowledge-base-index"
    vector_field: str = "bedrock-knowledge-base-default-vector"
    text_field: str = "AMAZON_BEDROCK_TEXT_CHUNK"
    metadata_field: str = "AMAZON_BEDROCK_METADATA"
    space_type: str = "l2"
    m: int = 16
    ef_construction: int = 512
    ef_search: int = 512

    def __post_init__(self) -> None:
        check_pattern("index_name", self.index_name, INDEX_NAME_PATTERN, INDEX_NAME_RULE)
        for attribute in ("vector_field", "text_field", "metadata_field"):
            check_pattern(attribute, getattr(self, attribute), FIELD_NAME_PATTERN, FIELD_NAME_RULE)
        names = [self.vector_field, self.text_field, self.metadata_field]
        if len(set(names)) != 3:
            raise PlatformValidationError("metadata_field", self.metadata_field, "must differ from vector_field and text_field")
        check_choice("space_type", self.space_type, SPACE_TYPES)
        check_int_range("m", self.m, *HNSW_M_RANGE)
        check_int_range("ef_construction", self.ef_construction, *EF_RANGE)
        check_int_range("ef_search", self.ef_search, *EF_RANGE)


class VectorIndex(Construct):
    """A k-NN index in a :class:`VectorCollection`, mapped the way Bedrock knowledge bases require.

    Example::

        VectorIndex(self, "Index", vector_store=store, options=VectorIndexOptions(index_name="faq"), dimensions=1024)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vector_store: VectorCollection,
        options: VectorIndexOptions,
        dimensions: int,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        self.options = options
        self.index_name = options.index_name
        vector_store.register_index(options.index_name)
        mapping = aoss.CfnIndex.PropertyMappingProperty
        self.resource = aoss.CfnIndex(
            self,
            "Resource",
            collection_endpoint=vector_store.collection_endpoint,
            index_name=options.index_name,
            mappings=aoss.CfnIndex.MappingsProperty(
                properties={
                    options.vector_field: mapping(
                        type="knn_vector",
                        dimension=dimensions,
                        method=aoss.CfnIndex.MethodProperty(
                            name="hnsw",
                            engine="faiss",
                            space_type=options.space_type,
                            parameters=aoss.CfnIndex.ParametersProperty(m=options.m, ef_construction=options.ef_construction),
                        ),
                    ),
                    options.text_field: mapping(type="text", index=True),
                    options.metadata_field: mapping(type="text", index=False),
                }
            ),
            settings=aoss.CfnIndex.IndexSettingsProperty(
                index=aoss.CfnIndex.IndexProperty(knn=True, knn_algo_param_ef_search=options.ef_search)
            ),
        )
        # The data access policy must name the deploying role before the index is created,
        # and must outlive the index on delete.
        # (The collection dependency is implied by the endpoint reference.)
        self.resource.node.add_dependency(vector_store.access_policy)
        self.resource.apply_removal_policy(removal_policy)

