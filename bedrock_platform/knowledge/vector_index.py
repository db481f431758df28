"""The vector index a knowledge base writes to, created natively with ``AWS::OpenSearchServerless::Index``.

No custom resource, no Lambda, no sleep: CloudFormation creates the index after the
collection and its data access policy (which names the deploying role) exist.

The physical index name is ``<index_name>-<fingerprint>``. OpenSearch cannot change a
``knn_vector`` field's dimension or method (engine, space type, ``m``, ``ef_construction``) in
place, and CloudFormation updates ``Mappings`` in place (only ``IndexName``,
``CollectionEndpoint`` and ``Settings/Analysis`` are create-only), so such an update would fail.
The fingerprint covers the mappings, the static settings and what is written into the index
(``fingerprint_extra``, e.g. the embedding model): a change gives a new name, CloudFormation
creates the new index before deleting the old one, and the knowledge base follows (its storage
configuration names the index). ``ef_search`` is a dynamic setting and updates in place.

    VectorIndexOptions(index_name="faq-index", m=16, ef_construction=512, ef_search=512)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy, Resource
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.input_checks import check_instance, check_removal_policy
from bedrock_platform.core.validation import (
    ValidationProblems,
    check_choice,
    check_int_range,
    check_pattern,
    is_token,
)
from bedrock_platform.knowledge.vector_collection_base import IVectorCollection

# cfn-lint schema AWS::OpenSearchServerless::Index IndexName: ^(?![_-])[a-z][a-z0-9_-]*$ (the
# platform keeps the base at 80 characters; the fingerprint adds 9).
INDEX_NAME_PATTERN = r"[a-z][a-z0-9_-]{0,79}"
INDEX_NAME_RULE = "1-80 lowercase letters, digits, '_' or '-', starting with a lowercase letter"
INDEX_NAME_MAX = 80
FINGERPRINT_LENGTH = 8
FIELD_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}"
FIELD_NAME_RULE = "1-100 letters, digits, '_' or '-', starting with a letter or digit"
SPACE_TYPES = ("l2", "innerproduct")
HNSW_M_RANGE = (2, 100)
EF_RANGE = (2, 4096)
# knn_vector dimension: the cfn-lint schema (PropertyMapping.Dimension) only says "integer"; the
# OpenSearch k-NN plugin caps it at 16,000 for the faiss and lucene engines ("k-NN vector field
# type", OpenSearch docs; opensearch-project/k-NN#1346).
DIMENSIONS_RANGE = (1, 16000)


@dataclass(frozen=True)
class VectorIndexOptions:
    """Index and field names and HNSW tuning for one knowledge base's vector index.

    ``index_name`` is the base of the physical name (a fingerprint of the mapping is appended).

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
        problems = ValidationProblems()
        problems.check(check_pattern, "index_name", self.index_name, INDEX_NAME_PATTERN, INDEX_NAME_RULE)
        for attribute in ("vector_field", "text_field", "metadata_field"):
            value = getattr(self, attribute)
            if is_token(value):  # CloudFormation map keys must be literal strings
                problems.add(attribute, value, "must be known at synth (not a deploy-time value): it is a key of the index mapping")
            else:
                problems.check(check_pattern, attribute, value, FIELD_NAME_PATTERN, FIELD_NAME_RULE)
        names = [self.vector_field, self.text_field, self.metadata_field]
        if not any(is_token(name) for name in names) and len(set(names)) != 3:
            problems.add("metadata_field", self.metadata_field, "must differ from vector_field and text_field")
        problems.check(check_choice, "space_type", self.space_type, SPACE_TYPES)
        problems.check(check_int_range, "m", self.m, *HNSW_M_RANGE)
        problems.check(check_int_range, "ef_construction", self.ef_construction, *EF_RANGE)
        problems.check(check_int_range, "ef_search", self.ef_search, *EF_RANGE)
        problems.raise_if_any()


class VectorIndex(Resource):
    """A k-NN index in a vector collection, mapped the way Bedrock knowledge bases require.

    ``index_name`` is ``<options.index_name>-<fingerprint>`` (a token resolved at synth);
    ``name_pattern`` (``<options.index_name>-*``) matches every generation of it, for data
    access rules that must outlive a replacement.

    The index holds the knowledge base's vectors: ``removal_policy`` defaults to
    ``RemovalPolicy.RETAIN``. :class:`~bedrock_platform.knowledge.knowledge_base.KnowledgeBase`
    creates its own index; create one directly only for a knowledge base managed elsewhere.

    Example::

        VectorIndex(self, "Index", vector_store=store, options=VectorIndexOptions(index_name="faq"), dimensions=1024)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vector_store: IVectorCollection,
        options: VectorIndexOptions | None = None,
        dimensions: int,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        fingerprint_extra: Sequence[Any] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        options = VectorIndexOptions() if options is None else options
        problems = ValidationProblems()
        if not isinstance(vector_store, IVectorCollection):
            problems.add("vector_store", type(vector_store).__name__,
                         "is not a vector collection (VectorCollection or VectorCollection.from_collection_attributes)")
        problems.check(check_instance, "options", options, VectorIndexOptions, "a VectorIndexOptions")
        problems.check(check_int_range, "dimensions", dimensions, *DIMENSIONS_RANGE)
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        problems.raise_if_any(self)
        self.options = options
        self.name_pattern = f"{options.index_name}-*"
        vector_store.register_index(options.index_name)
        mapping = aoss.CfnIndex.PropertyMappingProperty
        self.resource = aoss.CfnIndex(
            self,
            "Resource",
            collection_endpoint=vector_store.collection_endpoint,
            index_name=options.index_name,  # replaced below by the fingerprinted name
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
        # index.knn is a static index setting (fixed at creation); ef_search is dynamic.
        static_settings = {"knn": True}
        self.index_name: str = lazy_fingerprint(
            self.resource,
            only=frozenset({"mappings"}),
            extra=[static_settings, *fingerprint_extra],
            template=f"{_escape(options.index_name)}-{{digest}}",
            length=FINGERPRINT_LENGTH,
        )
        self.resource.index_name = self.index_name
        # The data access policy must name the deploying role before the index is created,
        # and must outlive the index on delete.
        # (The collection dependency is implied by the endpoint reference.)
        self.resource.node.add_dependency(vector_store.access_policy)
        self.resource.apply_removal_policy(removal_policy)

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the index (``RETAIN`` keeps its vectors when the stack is deleted)."""
        check_removal_policy("policy", policy)
        self.resource.apply_removal_policy(policy)


def _escape(text: str) -> str:
    """``text`` for use in a ``str.format`` template (a token's ``${Token[...]}`` has braces)."""
    return text.replace("{", "{{").replace("}", "}}")

