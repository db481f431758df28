"""Amazon S3 Vectors as a knowledge-base store: a KMS-encrypted vector bucket and its indexes.

No always-on capacity (against OpenSearch Serverless's minimum OCUs): suited to low and
moderate query rates, without hybrid (keyword + vector) search. See the README's comparison.

``AWS::S3Vectors::Index`` has only create-only properties (cfn-lint schema: ``DataType``,
``Dimension``, ``DistanceMetric``, ``EncryptionConfiguration``, ``IndexName``,
``MetadataConfiguration``, ``VectorBucketArn``/``VectorBucketName``), so any change replaces
it, and S3 Vectors refuses a second index of the same name in a bucket. The physical name is
therefore ``<index_name>-<fingerprint of those properties>``: CloudFormation creates the new
index before deleting the old one, and the knowledge base (whose storage configuration names
the index ARN) follows.

    store = S3VectorStore(self, "Vectors", vector_bucket_name="acme-kb-vectors", kms_key=key)
    index = S3VectorIndex(self, "Index", vector_store=store, index_name="faq", dimension=1024)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy, Resource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3vectors as s3vectors
from constructs import Construct

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.input_checks import check_removal_policy
from bedrock_platform.core.validation import (
    ValidationProblems,
    check_choice,
    check_int_range,
    check_pattern,
    is_token,
)

# Bucket and index names: 3-63 characters (cfn-lint schemas AWS::S3Vectors::VectorBucket /
# Index, botocore s3vectors 2025-07-15 shapes VectorBucketName / IndexName); the characters come
# from the ARN patterns of the same model (IndexArn: .../bucket/[a-z0-9][a-z0-9-.]{1,61}[a-z0-9]
# /index/[a-z0-9][a-z0-9-.]{1,61}[a-z0-9]).
NAME_PATTERN = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
NAME_RULE = "3-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"
FINGERPRINT_LENGTH = 8
# The index name base leaves room for "-" and the fingerprint within 63 characters.
INDEX_NAME_BASE_MAX = 63 - FINGERPRINT_LENGTH - 1
INDEX_NAME_BASE_PATTERN = rf"[a-z0-9][a-z0-9.-]{{0,{INDEX_NAME_BASE_MAX - 2}}}[a-z0-9]"
INDEX_NAME_BASE_RULE = f"2-{INDEX_NAME_BASE_MAX} lowercase letters, digits, '-' or '.', starting and ending with a letter or digit"
# cfn-lint schema AWS::S3Vectors::Index: DistanceMetric enum, Dimension 1-4096, DataType float32,
# NonFilterableMetadataKeys 1-10 keys of 1-63 characters.
DISTANCE_METRICS = ("cosine", "euclidean")
DIMENSION_RANGE = (1, 4096)
DATA_TYPE = "float32"
MAX_NON_FILTERABLE_KEYS = 10
# Bedrock writes the chunk text and its own metadata under these keys; they exceed the 2 KB
# filterable-metadata limit, so the index must declare them non-filterable ("Prerequisites for
# using a vector store you created for a knowledge base", Amazon S3 Vectors tab, Bedrock user guide:
# https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base-setup.html).
BEDROCK_NON_FILTERABLE_KEYS = ("AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA")
# Index create-only properties (cfn-lint schema AWS::S3Vectors::Index createOnlyProperties),
# as CDK's camelCase keys, minus the name the fingerprint goes into.
INDEX_CREATE_ONLY = frozenset(
    {"dataType", "dimension", "distanceMetric", "encryptionConfiguration", "metadataConfiguration", "vectorBucketArn", "vectorBucketName"}
)
# S3 Vectors performs background indexing as indexing.s3vectors.amazonaws.com, which must be
# allowed kms:Decrypt on a customer key ("Data protection and encryption in S3 Vectors",
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-data-encryption.html).
INDEXING_PRINCIPAL = "indexing.s3vectors.amazonaws.com"


@dataclass(frozen=True)
class S3VectorIndexOptions:
    """Name and shape of a knowledge base's S3 Vectors index (the dimension comes from the model).

    ``distance_metric`` defaults to the embedding model's (cosine for every supported model);
    ``non_filterable_metadata_keys`` adds keys to Bedrock's two (at most 10 in all).

    Example::

        S3VectorIndexOptions(index_name="faq", non_filterable_metadata_keys=["source_excerpt"])
    """

    index_name: str
    distance_metric: str | None = None
    non_filterable_metadata_keys: Sequence[str] = ()

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_pattern, "index_name", self.index_name, INDEX_NAME_BASE_PATTERN, INDEX_NAME_BASE_RULE)
        if self.distance_metric is not None:
            problems.check(check_choice, "distance_metric", self.distance_metric, DISTANCE_METRICS)
        problems.raise_if_any()


class S3VectorStore(Resource):
    """An ``AWS::S3Vectors::VectorBucket`` encrypted with a customer KMS key (SSE-KMS).

    The key policy lets the S3 Vectors indexing service decrypt, only for vector buckets of this
    account and region. The bucket holds the vectors of its indexes: ``removal_policy`` defaults
    to ``RemovalPolicy.RETAIN``.

    Example::

        key = kms.Key(self, "VectorKey", enable_key_rotation=True)
        store = S3VectorStore(self, "Vectors", vector_bucket_name="acme-kb-vectors", kms_key=key)
        KnowledgeBase(self, "Faq", name="faq", vector_store=store)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vector_bucket_name: str,
        kms_key: kms.IKey,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id, physical_name=vector_bucket_name)
        problems = ValidationProblems()
        problems.check(check_pattern, "vector_bucket_name", vector_bucket_name, NAME_PATTERN, NAME_RULE)
        if not hasattr(kms_key, "key_arn") or not hasattr(kms_key, "add_to_resource_policy"):
            problems.add("kms_key", type(kms_key).__name__, "is not a KMS key (kms.Key or kms.Key.from_key_arn)")
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        problems.raise_if_any(self)
        stack = Stack.of(self)
        self.kms_key = kms_key
        self.resource = s3vectors.CfnVectorBucket(
            self,
            "Resource",
            vector_bucket_name=vector_bucket_name,
            encryption_configuration=s3vectors.CfnVectorBucket.EncryptionConfigurationProperty(
                sse_type="aws:kms", kms_key_arn=kms_key.key_arn
            ),
        )
        self.resource.apply_removal_policy(removal_policy)
        self.vector_bucket_name = vector_bucket_name
        self.vector_bucket_arn = self.resource.attr_vector_bucket_arn
        # Imported keys ignore this (their policy is managed where they were created).
        kms_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowS3VectorsIndexing",
                principals=[iam.ServicePrincipal(INDEXING_PRINCIPAL)],
                actions=["kms:Decrypt"],
                resources=["*"],  # a key policy's resource is the key itself
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": stack.format_arn(service="s3vectors", resource="bucket", resource_name="*")},
                },
            )
        )

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the vector bucket (``RETAIN`` keeps it when the stack is deleted)."""
        check_removal_policy("policy", policy)
        self.resource.apply_removal_policy(policy)


class S3VectorIndex(Resource):
    """A vector index in an :class:`S3VectorStore`, shaped for a Bedrock knowledge base.

    ``index_name`` is ``<index_name>-<fingerprint>`` (a token resolved at synth): a change of
    any create-only property (dimension, distance, metadata keys, encryption, bucket) gives a new
    name, so CloudFormation replaces the index instead of failing. ``name_pattern``
    (``<index_name>-*``) matches every generation. The index is encrypted with the store's key
    and declares Bedrock's ``AMAZON_BEDROCK_TEXT`` and ``AMAZON_BEDROCK_METADATA`` (plus
    ``non_filterable_metadata_keys``) non-filterable. ``removal_policy`` defaults to ``RETAIN``.

    Example::

        S3VectorIndex(self, "Index", vector_store=store, index_name="faq", dimension=1024, distance_metric="cosine")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vector_store: S3VectorStore,
        index_name: str,
        dimension: int,
        distance_metric: str = "cosine",
        non_filterable_metadata_keys: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        fingerprint_extra: Sequence[Any] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        if not isinstance(vector_store, S3VectorStore):
            problems.add("vector_store", type(vector_store).__name__, "is not an S3VectorStore")
        problems.check(check_pattern, "index_name", index_name, INDEX_NAME_BASE_PATTERN, INDEX_NAME_BASE_RULE)
        problems.check(check_int_range, "dimension", dimension, *DIMENSION_RANGE)
        problems.check(check_choice, "distance_metric", distance_metric, DISTANCE_METRICS)
        extra_keys = list(non_filterable_metadata_keys) if isinstance(non_filterable_metadata_keys, (list, tuple)) else None
        if extra_keys is None:
            problems.add("non_filterable_metadata_keys", non_filterable_metadata_keys, "is not a list of metadata keys")
            extra_keys = []
        keys = list(dict.fromkeys([*BEDROCK_NON_FILTERABLE_KEYS, *extra_keys]))
        for key in extra_keys:
            if not is_token(key) and (not isinstance(key, str) or not 1 <= len(key) <= 63):
                problems.add("non_filterable_metadata_keys", key, "is not a metadata key of 1-63 characters")
        if len(keys) > MAX_NON_FILTERABLE_KEYS:
            problems.add("non_filterable_metadata_keys", extra_keys,
                         f"gives {len(keys)} non-filterable keys with Bedrock's two; S3 Vectors allows {MAX_NON_FILTERABLE_KEYS}")
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        problems.raise_if_any(self)
        self.name_pattern = f"{index_name}-*"
        self.resource = s3vectors.CfnIndex(
            self,
            "Resource",
            vector_bucket_arn=vector_store.vector_bucket_arn,
            index_name=index_name,  # replaced below by the fingerprinted name
            data_type=DATA_TYPE,
            dimension=dimension,
            distance_metric=distance_metric,
            metadata_configuration=s3vectors.CfnIndex.MetadataConfigurationProperty(non_filterable_metadata_keys=keys),
            encryption_configuration=s3vectors.CfnIndex.EncryptionConfigurationProperty(
                sse_type="aws:kms", kms_key_arn=vector_store.kms_key.key_arn
            ),
        )
        self.index_name: str = lazy_fingerprint(
            self.resource,
            only=INDEX_CREATE_ONLY,
            extra=list(fingerprint_extra),
            template=f"{_escape(index_name)}-{{digest}}",
            length=FINGERPRINT_LENGTH,
        )
        self.resource.index_name = self.index_name
        self.resource.apply_removal_policy(removal_policy)
        self.index_arn = self.resource.attr_index_arn

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the index (``RETAIN`` keeps its vectors when the stack is deleted)."""
        check_removal_policy("policy", policy)
        self.resource.apply_removal_policy(policy)


def _escape(text: str) -> str:
    """``text`` for use in a ``str.format`` template (a token's ``${Token[...]}`` has braces)."""
    return text.replace("{", "{{").replace("}", "}}")
