"""Unit tests of the knowledge constructs in small stacks: options, grants, importers, validation,
and data source replacement when chunking changes."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import App, CliCredentialsStackSynthesizer, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from bedrock_platform import (
    ChunkingPresets,
    EmbeddingModel,
    FixedSizeChunking,
    KnowledgeBase,
    PlatformValidationError,
    S3DataSource,
    VectorCollection,
    VectorIndexOptions,
)


def _store(stack: Stack, **props) -> VectorCollection:
    return VectorCollection(stack, "Store", collection_name=props.pop("collection_name", "unit-vectors"), **props)


def _kb_with_source(chunking) -> Template:
    stack = Stack(App(), "S")
    kb = KnowledgeBase(stack, "Kb", name="docs", vector_store=_store(stack))
    kb.add_s3_data_source("Docs", name="docs-src", chunking=chunking)
    return Template.from_stack(stack)


def _data_source(template: Template) -> tuple[str, dict]:
    [(logical, resource)] = template.find_resources("AWS::Bedrock::DataSource").items()
    return logical, resource["Properties"]


def test_changing_chunking_replaces_data_source_under_a_new_name():
    first_id, first = _data_source(_kb_with_source(FixedSizeChunking(max_tokens=300)))
    second_id, second = _data_source(_kb_with_source(FixedSizeChunking(max_tokens=500)))
    same_id, same = _data_source(_kb_with_source(FixedSizeChunking(max_tokens=300)))
    assert first_id == second_id == same_id  # stable logical id: CloudFormation replaces in place
    assert first["Name"] != second["Name"]  # ...under a new name, so no 409 "already exists"
    assert first["Name"] == same["Name"]  # and no churn when nothing changed
    assert first["Name"].startswith("docs-src-")


@pytest.fixture(scope="module")
def custom_stack():
    stack = Stack(App(), "Custom")
    key = kms.Key(stack, "CollectionKey", enable_key_rotation=True)
    store = _store(stack, kms_key=key, vpc_endpoint_ids=["vpce-0123456789abcdef0"], standby_replicas=True,
                   index_admin_arns=["arn:aws:iam::111122223333:role/deployer"])
    kb = KnowledgeBase(stack, "Kb", name="contracts", vector_store=store, embedding_model=EmbeddingModel.cohere_english_v3(),
                       index=VectorIndexOptions(index_name="contracts", vector_field="vec", text_field="body", metadata_field="meta"))
    kb.add_s3_data_source("Legal", bucket_name="existing-legal-docs", inclusion_prefixes=["contracts/"],
                          chunking=ChunkingPresets.get("legal_contract"), data_deletion_policy="RETAIN")
    app_role = iam.Role(stack, "AppRole", assumed_by=iam.AccountRootPrincipal())
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    grant = kb.grant_query(app_role)
    store.grant_read(reader, index_name=kb.index.name_pattern)
    imported = KnowledgeBase.from_knowledge_base_attributes(stack, "Imported", knowledge_base_id="KB12345678")
    return stack, Template.from_stack(stack), grant, imported


def test_customer_key_and_vpc_only_network(custom_stack):
    _, template, _, _ = custom_stack
    policies = {p["Properties"]["Type"]: p["Properties"]["Policy"] for p in template.find_resources("AWS::OpenSearchServerless::SecurityPolicy").values()}
    assert "KmsARN" in json.dumps(policies["encryption"]) and "AWSOwnedKey" not in json.dumps(policies["encryption"])
    assert json.loads(policies["network"]) == [{
        "Rules": [{"ResourceType": "collection", "Resource": ["collection/unit-vectors"]}],
        "AllowFromPublic": False, "SourceVPCEs": ["vpce-0123456789abcdef0"], "SourceServices": ["bedrock.amazonaws.com"],
    }]
    template.has_resource_properties("AWS::OpenSearchServerless::Collection", {"StandbyReplicas": "ENABLED"})


def test_explicit_index_admin_replaces_bootstrap_role(custom_stack):
    _, template, _, _ = custom_stack
    [policy] = template.find_resources("AWS::OpenSearchServerless::AccessPolicy").values()
    rendered = json.dumps(policy["Properties"]["Policy"])
    assert "arn:aws:iam::111122223333:role/deployer" in rendered and "cfn-exec-role" not in rendered


def test_custom_field_names_and_cohere_without_dimension_config(custom_stack):
    _, template, _, _ = custom_stack
    [kb] = template.find_resources("AWS::Bedrock::KnowledgeBase").values()
    storage = kb["Properties"]["StorageConfiguration"]["OpensearchServerlessConfiguration"]
    assert storage["FieldMapping"] == {"VectorField": "vec", "TextField": "body", "MetadataField": "meta"}
    [index] = template.find_resources("AWS::OpenSearchServerless::Index").values()
    assert re.fullmatch(r"contracts-[0-9a-f]{8}", storage["VectorIndexName"])  # base + mapping fingerprint
    assert storage["VectorIndexName"] == index["Properties"]["IndexName"]
    vector = kb["Properties"]["KnowledgeBaseConfiguration"]["VectorKnowledgeBaseConfiguration"]
    assert "EmbeddingModelConfiguration" not in vector
    template.has_resource_properties("AWS::OpenSearchServerless::Index", {"Mappings": {"Properties": {"vec": {"Type": "knn_vector", "Dimension": 1024}}}})


def test_imported_bucket_read_is_scoped_without_kms(custom_stack):
    _, template, _, _ = custom_stack
    [policy] = template.find_resources("AWS::IAM::ManagedPolicy", {"Properties": {"Description": "Least privilege for Bedrock knowledge base contracts"}}).values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == {"InvokeEmbeddingModel", "AccessVectorCollection", "ListDocumentsLegal", "ReadDocumentsLegal"}
    assert statements["ListDocumentsLegal"]["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::existing-legal-docs"]]}
    assert statements["ReadDocumentsLegal"]["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::existing-legal-docs/contracts/*"]]}
    assert not template.find_resources("AWS::S3::Bucket")
    [ds] = template.find_resources("AWS::Bedrock::DataSource").values()
    assert ds["Properties"]["DataDeletionPolicy"] == "RETAIN"


def test_grant_query_and_collection_read_grant(custom_stack):
    stack, template, grant, _ = custom_stack
    assert isinstance(grant, iam.Grant) and grant.success
    # Without policy=, each grant lands in a managed policy created next to the grantee's role
    # (bedrock_platform.core.managed_grants), never in an inline policy (cdk-nag IAMNoInlinePolicy).
    assert not template.find_resources("AWS::IAM::Policy")
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    granted = {p["Properties"]["Roles"][0]["Ref"]: p["Properties"]["PolicyDocument"]["Statement"] for p in policies.values()
               if p["Properties"].get("Description", "").startswith("Grants on ")}
    app_role, reader = (stack.get_logical_id(stack.node.find_child(name).node.default_child) for name in ("AppRole", "Reader"))
    [query] = granted[app_role]
    assert query["Action"] == ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"]
    assert query["Resource"]["Fn::GetAtt"][1] == "KnowledgeBaseArn"
    [aoss] = granted[reader]
    assert aoss["Action"] == "aoss:APIAccessAll"
    assert aoss["Resource"]["Fn::GetAtt"][1] == "Arn"
    [access] = template.find_resources("AWS::OpenSearchServerless::AccessPolicy").values()
    rendered = json.dumps(access["Properties"]["Policy"])
    assert "index/unit-vectors/contracts-*" in rendered and '\\"aoss:ReadDocument\\"' in rendered


def test_imported_knowledge_base(custom_stack):
    stack, _, _, imported = custom_stack
    assert imported.knowledge_base_id == "KB12345678"
    assert stack.resolve(imported.knowledge_base_arn) == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":knowledge-base/KB12345678"]]}


def test_non_bootstrap_synthesizer_requires_index_admins():
    stack = Stack(App(), "Cli", synthesizer=CliCredentialsStackSynthesizer())
    with pytest.raises(PlatformValidationError, match="index_admin_arns: \\[\\] must name the role CloudFormation deploys with"):
        _store(stack)


def test_two_knowledge_bases_on_one_index_fail_synth():
    app = App()
    stack = Stack(app, "Dup")
    store = _store(stack)
    KnowledgeBase(stack, "A", name="a", vector_store=store, index=VectorIndexOptions(index_name="shared"))
    KnowledgeBase(stack, "B", name="b", vector_store=store, index=VectorIndexOptions(index_name="shared"))
    with pytest.raises(RuntimeError, match="index_name: 'shared' is used by two knowledge bases in collection unit-vectors"):
        app.synth()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda s: _store(s, collection_name="Vectors"), "collection_name: 'Vectors' is not valid: 3-28 characters"),
        (lambda s: _store(s, collection_name="a" * 29), "collection_name: 'aaaa"),
        (lambda s: _store(s, vpc_endpoint_ids=["endpoint-1"]), "vpc_endpoint_ids[0]: 'endpoint-1' is not valid: a VPC endpoint id"),
        (lambda s: KnowledgeBase(s, "K", name="has space", vector_store=_store(s)), "name: 'has space' is not valid"),
        (lambda s: KnowledgeBase(s, "K", name="k", description="d" * 201, vector_store=_store(s)), "description: 'ddd"),
        (lambda s: VectorIndexOptions(m=101), "m: 101 is not within 2-100"),
        (lambda s: VectorIndexOptions(ef_search=1), "ef_search: 1 is not within 2-4096"),
        (lambda s: VectorIndexOptions(index_name="Upper"), "index_name: 'Upper' is not valid"),
        (lambda s: VectorIndexOptions(text_field="x", metadata_field="x"), "metadata_field: 'x' must differ"),
        (lambda s: EmbeddingModel("cohere.embed-english-v3", 512), "dimensions: 512 is not supported by cohere.embed-english-v3 (allowed: 1024)"),
    ],
)
def test_construct_validation(build, message):
    with pytest.raises(PlatformValidationError) as error:
        build(Stack(App(), "V"))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"inclusion_prefixes": ["a/", "b/"]}, "inclusion_prefixes[1]: 'b/' is one prefix too many"),
        ({"inclusion_prefixes": ["x" * 301]}, "inclusion_prefixes[0]: 'xxx"),
        ({"data_deletion_policy": "KEEP"}, "data_deletion_policy: 'KEEP' is not one of: DELETE, RETAIN"),
        ({"ingestion_schedule": "every day"}, "ingestion_schedule: 'every day' is not a valid schedule: it must be rate(...), cron(...) or at(...)"),
        ({"bucket_name": "Bad_Bucket"}, "bucket_name: 'Bad_Bucket' is not valid"),
        ({"name": "n" * 91}, "is longer than 90 characters"),
        ({"description": ""}, "description: '' has 0 characters, allowed 1-200"),
    ],
)
def test_data_source_validation(props, message):
    stack = Stack(App(), "D")
    kb = KnowledgeBase(stack, "K", name="k", vector_store=_store(stack))
    with pytest.raises(PlatformValidationError) as error:
        S3DataSource(stack, "Ds", knowledge_base=kb, **props)
    assert message in str(error.value)


def test_bucket_and_bucket_name_are_exclusive():
    stack = Stack(App(), "E")
    kb = KnowledgeBase(stack, "K", name="k", vector_store=_store(stack))
    with pytest.raises(PlatformValidationError, match="bucket_name: 'x-bucket' cannot be combined with bucket"):
        S3DataSource(stack, "Ds", knowledge_base=kb, bucket=kb.documents_bucket.bucket, bucket_name="x-bucket")


def test_standby_replica_choice_is_announced():
    from aws_cdk.assertions import Annotations, Match

    for standby, expected in ((False, "standby replicas DISABLED"), (True, "standby replicas ENABLED")):
        stack = Stack(App(), "A")
        _store(stack, standby_replicas=standby)
        Annotations.from_stack(stack).has_info("*", Match.string_like_regexp(expected))
