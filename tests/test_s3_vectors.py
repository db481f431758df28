"""S3 Vectors as a knowledge-base store (issue 11 section 4).

Sources encoded here:
- cfn-lint schemas AWS::S3Vectors::VectorBucket / AWS::S3Vectors::Index (createOnlyProperties:
  DataType, Dimension, DistanceMetric, EncryptionConfiguration, IndexName, MetadataConfiguration,
  VectorBucketArn/Name; DataType enum float32; DistanceMetric enum cosine|euclidean; Dimension
  1-4096; NonFilterableMetadataKeys 1-10; EncryptionConfiguration SseType aws:kms + KmsKeyArn).
- botocore s3vectors 2025-07-15: IndexName / VectorBucketName 3-63 characters, ARN patterns
  [a-z0-9][a-z0-9-.]{1,61}[a-z0-9].
- cfn-lint schema AWS::Bedrock::KnowledgeBase: StorageConfiguration Type S3_VECTORS with
  S3VectorsConfiguration {IndexArn}.
- Bedrock user guide "Prerequisites for using a vector store you created for a knowledge base"
  (https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base-setup.html, S3 Vectors):
  AMAZON_BEDROCK_TEXT and AMAZON_BEDROCK_METADATA must be non-filterable metadata keys.
- Bedrock "Permissions to access your vector store in Amazon S3 Vectors"
  (https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html): GetIndex,
  QueryVectors, PutVectors, GetVectors, DeleteVectors on the index ARN.
- "Data protection and encryption in S3 Vectors"
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-vectors-data-encryption.html):
  indexing.s3vectors.amazonaws.com needs kms:Decrypt on a customer key.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Match, Template

from bedrock_platform import (
    EmbeddingModel,
    KnowledgeBase,
    PlatformValidationError,
    S3VectorIndex,
    S3VectorIndexOptions,
    S3VectorStore,
    VectorIndexOptions,
)

PARTITION = {"Ref": "AWS::Partition"}
REGION = {"Ref": "AWS::Region"}
ACCOUNT = {"Ref": "AWS::AccountId"}


def _kb_stack(**kb_props) -> tuple[Stack, Template]:
    stack = Stack(App(), "Kb")
    key = kms.Key(stack, "VectorKey", enable_key_rotation=True)
    store = S3VectorStore(stack, "Vectors", vector_bucket_name="acme-kb-vectors", kms_key=key)
    kb_props.setdefault("embedding_model", EmbeddingModel.titan_text_v2(1024))
    KnowledgeBase(stack, "Faq", name="faq", vector_store=store, **kb_props)
    return stack, Template.from_stack(stack)


def _only(template: Template, resource_type: str) -> tuple[str, dict]:
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, resources
    return next(iter(resources.items()))


def _index_name(**kb_props) -> str:
    _, template = _kb_stack(**kb_props)
    return _only(template, "AWS::S3Vectors::Index")[1]["Properties"]["IndexName"]


def test_vector_bucket_and_index_exact_properties():
    _, template = _kb_stack()
    key_id, _ = _only(template, "AWS::KMS::Key")
    bucket_id, bucket = _only(template, "AWS::S3Vectors::VectorBucket")
    assert bucket["Properties"] == {
        "VectorBucketName": "acme-kb-vectors",
        "EncryptionConfiguration": {"SseType": "aws:kms", "KmsKeyArn": {"Fn::GetAtt": [key_id, "Arn"]}},
    }
    assert bucket["DeletionPolicy"] == "Retain"  # library default for data
    _, index = _only(template, "AWS::S3Vectors::Index")
    props = index["Properties"]
    assert props["IndexName"].startswith("faq-index-") and len(props["IndexName"]) == len("faq-index-") + 8
    assert {k: v for k, v in props.items() if k != "IndexName"} == {
        "VectorBucketArn": {"Fn::GetAtt": [bucket_id, "VectorBucketArn"]},
        "DataType": "float32",
        "Dimension": 1024,
        "DistanceMetric": "cosine",  # EmbeddingModel.distance_metric for Titan Text V2
        "MetadataConfiguration": {"NonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]},
        "EncryptionConfiguration": {"SseType": "aws:kms", "KmsKeyArn": {"Fn::GetAtt": [key_id, "Arn"]}},
    }
    assert index["DeletionPolicy"] == "Retain"


def test_knowledge_base_storage_is_s3_vectors_index_arn_and_no_collection():
    _, template = _kb_stack()
    index_id, _ = _only(template, "AWS::S3Vectors::Index")
    _, kb = _only(template, "AWS::Bedrock::KnowledgeBase")
    assert kb["Properties"]["StorageConfiguration"] == {
        "Type": "S3_VECTORS",
        "S3VectorsConfiguration": {"IndexArn": {"Fn::GetAtt": [index_id, "IndexArn"]}},
    }
    for aoss in ("Collection", "Index", "AccessPolicy", "SecurityPolicy"):
        template.resource_count_is(f"AWS::OpenSearchServerless::{aoss}", 0)


def test_knowledge_base_role_has_exactly_index_and_key_access():
    _, template = _kb_stack()
    index_id, _ = _only(template, "AWS::S3Vectors::Index")
    key_id, _ = _only(template, "AWS::KMS::Key")
    _, policy = _only(template, "AWS::IAM::ManagedPolicy")
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "InvokeEmbeddingModel",
            "Effect": "Allow",
            "Action": "bedrock:InvokeModel",
            "Resource": {"Fn::Join": ["", ["arn:", PARTITION, ":bedrock:", REGION, "::foundation-model/amazon.titan-embed-text-v2:0"]]},
        },
        {
            "Sid": "AccessVectorIndex",
            "Effect": "Allow",
            "Action": ["s3vectors:GetIndex", "s3vectors:QueryVectors", "s3vectors:PutVectors",
                       "s3vectors:GetVectors", "s3vectors:DeleteVectors"],
            "Resource": {"Fn::GetAtt": [index_id, "IndexArn"]},
        },
        {
            "Sid": "UseVectorKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": {"Fn::GetAtt": [key_id, "Arn"]},
        },
    ]


def test_key_policy_lets_only_s3_vectors_indexing_of_this_account_decrypt():
    _, template = _kb_stack()
    _, key = _only(template, "AWS::KMS::Key")
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert statements[1] == {
        "Sid": "AllowS3VectorsIndexing",
        "Effect": "Allow",
        "Principal": {"Service": "indexing.s3vectors.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": {"Fn::Join": ["", ["arn:", PARTITION, ":s3vectors:", REGION, ":", ACCOUNT, ":bucket/*"]]}},
        },
    }


def test_create_only_change_replaces_index_under_new_name_and_back():
    """Every index property is create-only: a change gives a new name (CloudFormation creates the
    new index, then deletes the old one); reverting gives the original name back."""
    original = _index_name()
    assert _index_name() == original  # unchanged re-synth keeps the index
    smaller = _index_name(embedding_model=EmbeddingModel.titan_text_v2(512))
    assert smaller != original
    assert _index_name(embedding_model=EmbeddingModel.titan_text_v2(1024)) == original  # and back
    euclidean = _index_name(index=S3VectorIndexOptions(index_name="faq-index", distance_metric="euclidean"))
    assert euclidean != original
    assert _index_name(index=S3VectorIndexOptions(index_name="faq-index", distance_metric="cosine")) == original
    extra_key = _index_name(index=S3VectorIndexOptions(index_name="faq-index", non_filterable_metadata_keys=["excerpt"]))
    assert extra_key not in (original, euclidean)
    assert all(name.startswith("faq-index-") for name in (smaller, euclidean, extra_key))


def test_index_replacement_renames_the_knowledge_base_too():
    def kb_name(**props) -> str:
        _, template = _kb_stack(**props)
        return _only(template, "AWS::Bedrock::KnowledgeBase")[1]["Properties"]["Name"]

    original = kb_name()
    changed = kb_name(index=S3VectorIndexOptions(index_name="faq-index", distance_metric="euclidean"))
    assert changed != original and changed.startswith("faq-")
    assert kb_name(index=S3VectorIndexOptions(index_name="faq-index")) == original


def test_extra_non_filterable_keys_follow_bedrocks():
    _, template = _kb_stack(index=S3VectorIndexOptions(index_name="faq", non_filterable_metadata_keys=["excerpt", "AMAZON_BEDROCK_TEXT"]))
    _, index = _only(template, "AWS::S3Vectors::Index")
    assert index["Properties"]["MetadataConfiguration"] == {
        "NonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA", "excerpt"]
    }


@pytest.mark.parametrize(
    ("build", "field", "fragment"),
    [
        (lambda s, st: S3VectorStore(s, "B", vector_bucket_name="Bad_Name", kms_key=st.kms_key), "vector_bucket_name", "3-63 lowercase"),
        (lambda s, st: S3VectorStore(s, "B", vector_bucket_name="ok-name", kms_key="alias/x"), "kms_key", "is not a KMS key"),
        (lambda s, st: S3VectorIndex(s, "I", vector_store=st, index_name="faq_index", dimension=8), "index_name", "lowercase letters"),
        (lambda s, st: S3VectorIndex(s, "I", vector_store=st, index_name="a" * 55, dimension=8), "index_name", "2-54"),
        (lambda s, st: S3VectorIndex(s, "I", vector_store=st, index_name="faq", dimension=4097), "dimension", "4096"),
        (lambda s, st: S3VectorIndex(s, "I", vector_store=st, index_name="faq", dimension=8, distance_metric="dotproduct"),
         "distance_metric", "cosine"),
        (lambda s, st: S3VectorIndex(s, "I", vector_store=st, index_name="faq", dimension=8,
                                     non_filterable_metadata_keys=[f"k{i}" for i in range(9)]),
         "non_filterable_metadata_keys", "allows 10"),
        (lambda s, st: KnowledgeBase(s, "K", name="k", vector_store=st, index=VectorIndexOptions(index_name="k")),
         "index", "S3VectorIndexOptions"),
    ],
)
def test_validation_names_the_field(build, field, fragment):
    stack = Stack(App(), "V")
    store = S3VectorStore(stack, "Vectors", vector_bucket_name="acme-kb-vectors", kms_key=kms.Key(stack, "K1"))
    with pytest.raises(PlatformValidationError) as error:
        build(stack, store)
    assert field in str(error.value) and fragment in str(error.value)


def test_deploy_time_names_synthesize():
    stack = Stack(App(), "Tokens")
    bucket_name = ssm.StringParameter.value_for_string_parameter(stack, "/acme/vector-bucket")
    index_name = ssm.StringParameter.value_for_string_parameter(stack, "/acme/index")
    store = S3VectorStore(stack, "Vectors", vector_bucket_name=bucket_name, kms_key=kms.Key(stack, "K"))
    S3VectorIndex(stack, "Index", vector_store=store, index_name=index_name, dimension=1024)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::S3Vectors::Index", {"IndexName": {"Fn::Join": ["", [Match.any_value(), Match.string_like_regexp("^-[0-9a-f]{8}$")]]}})


# ---- config and stack ----------------------------------------------------------------------


def _config(knowledge_bases: list[dict]):
    from bedrock_platform.config.loader import parse_config

    return parse_config({"knowledge": {"knowledge_bases": knowledge_bases}})


def test_config_rejects_unknown_vector_store():
    from bedrock_platform.config.loader import ConfigError

    with pytest.raises((ConfigError, PlatformValidationError)) as error:
        _config([{"name": "faq", "vector_store": "pinecone"}])
    text = str(error.value)
    assert "vector_store" in text and "pinecone" in text and "s3_vectors" in text


def test_config_rejects_s3_vectors_index_name_with_underscore():
    from bedrock_platform.config.loader import ConfigError

    with pytest.raises((ConfigError, PlatformValidationError)) as error:
        _config([{"name": "faq", "vector_store": "s3_vectors", "index": {"index_name": "faq_index"}}])
    assert "index_name" in str(error.value) and "faq_index" in str(error.value)


def _knowledge_template(knowledge_bases: list[dict]) -> Template:
    from bedrock_platform.composition.knowledge_stack import KnowledgeStack

    return Template.from_stack(KnowledgeStack(App(), "Knowledge", config=_config(knowledge_bases)))


def test_no_collection_when_every_knowledge_base_is_on_s3_vectors():
    template = _knowledge_template([{"name": "faq", "vector_store": "s3_vectors"}])
    template.resource_count_is("AWS::OpenSearchServerless::Collection", 0)
    template.resource_count_is("AWS::OpenSearchServerless::AccessPolicy", 0)
    template.resource_count_is("AWS::S3Vectors::VectorBucket", 1)
    template.has_resource_properties("AWS::S3Vectors::VectorBucket", {"VectorBucketName": "bedrock-platform-kb-vectors"})
    template.has_resource_properties("AWS::S3Vectors::Index", {"IndexName": Match.string_like_regexp("^bedrock-platform-faq-index-[0-9a-f]{8}$")})
    assert "CollectionEndpoint" not in template.to_json().get("Outputs", {})


def test_mixed_stores_and_default_has_no_vector_bucket():
    mixed = _knowledge_template([{"name": "faq", "vector_store": "s3_vectors"}, {"name": "manuals"}])
    mixed.resource_count_is("AWS::OpenSearchServerless::Collection", 1)
    mixed.resource_count_is("AWS::OpenSearchServerless::Index", 1)
    mixed.resource_count_is("AWS::S3Vectors::Index", 1)
    default = _knowledge_template([{"name": "manuals"}])
    default.resource_count_is("AWS::S3Vectors::VectorBucket", 0)
    default.resource_count_is("AWS::KMS::Key", 1)  # the documents bucket's only


def test_s3_vectors_config_platform_has_no_collection(s3_vectors_platform):
    knowledge = s3_vectors_platform.template("Knowledge")
    knowledge.resource_count_is("AWS::OpenSearchServerless::Collection", 0)
    knowledge.resource_count_is("AWS::S3Vectors::Index", 2)
    knowledge.resource_count_is("AWS::Bedrock::KnowledgeBase", 2)


def test_knowledge_base_named_like_the_vector_bucket_is_refused():
    """'s3-vector-store' would become construct id S3VectorStore, the stack's vector bucket."""
    from bedrock_platform.config.loader import ConfigError

    with pytest.raises((ConfigError, PlatformValidationError)) as error:
        _config([{"name": "s3-vector-store", "vector_store": "s3_vectors"}])
    assert "S3VectorStore" in str(error.value) and "knowledge_bases[0].name" in str(error.value)
