"""The knowledge library's API shape (issue 8 section 2): Resources with interfaces and importers,
RETAIN defaults, grants landing in managed policies, typed metric options, deploy-time values
accepted everywhere, every problem reported at once, wrong types named.

AWS sources encoded here:
- IAM: "Actions defined by Amazon Bedrock" (Service Authorization Reference): Retrieve,
  RetrieveAndGenerate, StartIngestionJob, GetIngestionJob, ListIngestionJobs take the
  ``knowledge-base`` resource ``arn:${Partition}:bedrock:${Region}:${Account}:knowledge-base/${KnowledgeBaseId}``.
- Knowledge base id / ARN formats: botocore ``bedrock-agent/2023-06-05`` shapes ``Id`` ([0-9a-zA-Z]{10})
  and ``KnowledgeBaseArn``.
- OpenSearch Serverless: "Data access control for Amazon OpenSearch Serverless" (rules name
  ``collection/<name>`` and ``index/<collection>/<index>``, principals are IAM ARNs; several data
  access policies may match one collection); collection ARN ``arn:${Partition}:aoss:${Region}:${Account}:collection/${CollectionId}``
  and endpoint ``https://<id>.<region>.aoss.amazonaws.com`` (CreateCollection response, botocore
  ``opensearchserverless`` CollectionDetail); AccessPolicy Name ``^[a-z][a-z0-9-]{2,31}$`` (cfn-lint schema).
- CloudWatch: "Monitoring OpenSearch Serverless with Amazon CloudWatch": namespace AWS/AOSS,
  dimensions ClientId, CollectionId, CollectionName.
- CloudFormation ``DeletionPolicy: Retain`` keeps the resource when the stack is deleted
  (what ``RemovalPolicy.RETAIN`` renders; UpdateReplacePolicy too).
"""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import App, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template

from bedrock_platform import (
    EmbeddingModel,
    FixedSizeChunking,
    FoundationModelParsing,
    HierarchicalChunking,
    IngestionSchedules,
    KnowledgeBase,
    PlatformValidationError,
    S3DataSource,
    SecureBucket,
    SemanticChunking,
    VectorCollection,
    VectorIndex,
    VectorIndexOptions,
)
from bedrock_platform.knowledge.knowledge_base import IKnowledgeBase
from bedrock_platform.knowledge.vector_store import IVectorCollection

ACCOUNT_ROOT = iam.AccountRootPrincipal()


def _kb(stack: Stack, **props) -> KnowledgeBase:
    store = VectorCollection(stack, "Store", collection_name="api-vectors")
    return KnowledgeBase(stack, "Kb", name="docs", vector_store=store, **props)


def _managed_policy(template: Template, description: str) -> list[dict]:
    [policy] = template.find_resources("AWS::IAM::ManagedPolicy", {"Properties": {"Description": description}}).values()
    return policy


# --- Resources and interfaces -------------------------------------------------------------------------
def test_constructs_are_resources_with_their_interfaces():
    from aws_cdk import Resource

    stack = Stack(App(), "R")
    kb = _kb(stack)
    source = kb.add_s3_data_source("Docs")
    schedules = IngestionSchedules(stack, "Schedules")
    for construct in (kb.vector_store, kb.index, kb, source, schedules, kb.documents_bucket):
        assert isinstance(construct, Resource), type(construct).__name__
    assert isinstance(kb, IKnowledgeBase) and isinstance(kb.vector_store, IVectorCollection)
    assert kb.stack is stack and source in kb.data_sources and source.node.scope is kb  # parent owns child


# --- importers in a second app -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def consumer():
    """Another app attaches to a platform it did not deploy: a collection by name and id, a knowledge
    base by ARN, and builds its own knowledge base in the imported collection."""
    stack = Stack(App(), "Consumer")
    store = VectorCollection.from_collection_attributes(
        stack, "Shared", collection_name="platform-vectors", collection_id="abcdefgh0123456789ab"
    )
    kb = KnowledgeBase.from_knowledge_base_arn(
        stack, "SharedKb", "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"
    )
    reader = iam.Role(stack, "Reader", assumed_by=ACCOUNT_ROOT)
    policy = iam.ManagedPolicy(stack, "ReaderPolicy", description="reader")
    retrieve = kb.grant_retrieve(reader, policy=policy)
    search = store.grant_read(reader, index_name="acme-faq-index-*", policy=policy)
    own = KnowledgeBase(stack, "Own", name="own-docs", vector_store=store, removal_policy=RemovalPolicy.DESTROY)
    return stack, Template.from_stack(stack), store, kb, own, (retrieve, search)


def test_imported_knowledge_base_by_arn_takes_id_account_and_region_from_it(consumer):
    stack, _, _, kb, _, _ = consumer
    assert isinstance(kb, IKnowledgeBase)
    assert kb.knowledge_base_id == "KB12345678"
    assert (kb.env.account, kb.env.region) == ("111122223333", "us-east-1")


def test_imported_grants_land_in_the_given_managed_policy(consumer):
    _, template, _, _, _, grants = consumer
    assert all(isinstance(grant, iam.Grant) and grant.success for grant in grants)
    policy = _managed_policy(template, "reader")["Properties"]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": "bedrock:Retrieve", "Effect": "Allow",
         "Resource": "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"},
        {"Action": "aoss:APIAccessAll", "Effect": "Allow",
         "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":aoss:", {"Ref": "AWS::Region"}, ":",
                                        {"Ref": "AWS::AccountId"}, ":collection/abcdefgh0123456789ab"]]}},
    ]
    [reader] = [k for k in template.find_resources("AWS::IAM::Role") if k.startswith("Reader")]
    assert policy["Roles"] == [{"Ref": reader}]
    assert not template.find_resources("AWS::IAM::Policy")  # no inline policy anywhere


def test_imported_collection_gets_its_own_data_access_policy(consumer):
    stack, template, store, _, own, _ = consumer
    assert store.collection_endpoint.startswith("https://abcdefgh0123456789ab.")
    [access] = template.find_resources("AWS::OpenSearchServerless::AccessPolicy").values()
    name = access["Properties"]["Name"]
    assert re.fullmatch(r"[a-z][a-z0-9-]{2,31}", name) and name.startswith("platform-vectors-")
    rules = json.loads(json.dumps(stack.resolve(store.access_policy_document())))
    by_description = {rule["Description"]: rule for rule in rules}
    # The reader: read on its index pattern only.
    read = by_description["Read index acme-faq-index-*"]
    assert read["Rules"][1] == {"ResourceType": "index", "Resource": ["index/platform-vectors/acme-faq-index-*"],
                                "Permission": ["aoss:DescribeIndex", "aoss:ReadDocument"]}
    # This app's deployment role administers only the index this app creates (not every index).
    admin = by_description["CloudFormation creates and deletes index own-docs-index"]
    assert admin["Rules"][1]["Resource"] == ["index/platform-vectors/own-docs-index-*"]
    assert "cfn-exec-role" in json.dumps(admin["Principal"])
    # The index waits for this policy (it names the deploying role).
    [index] = template.find_resources("AWS::OpenSearchServerless::Index").values()
    assert any(dep.startswith("SharedDataAccessPolicy") for dep in index["DependsOn"])
    assert own.index.resource.collection_endpoint == store.collection_endpoint


def test_imported_knowledge_base_cannot_take_data_sources():
    stack = Stack(App(), "I")
    kb = KnowledgeBase.from_knowledge_base_attributes(stack, "Kb", knowledge_base_id="KB12345678")
    with pytest.raises(PlatformValidationError, match=r"knowledge_base: 'I/Kb' is imported"):
        S3DataSource(stack, "Docs", knowledge_base=kb)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda s: KnowledgeBase.from_knowledge_base_attributes(s, "K", knowledge_base_id="short"),
         "knowledge_base_id: 'short' is not valid: 10 letters or digits"),
        (lambda s: KnowledgeBase.from_knowledge_base_arn(s, "K", "arn:aws:s3:::bucket"),
         "knowledge_base_arn: 'arn:aws:s3:::bucket' is not valid: a knowledge base ARN"),
        (lambda s: VectorCollection.from_collection_attributes(s, "C", collection_name="Bad Name", collection_id="x"),
         "collection_name: 'Bad Name' is not valid"),
    ],
)
def test_importers_validate_their_attributes(build, message):
    with pytest.raises(PlatformValidationError) as error:
        build(Stack(App(), "V"))
    assert message in str(error.value)


def test_importer_accepts_a_token_arn():
    stack = Stack(App(), "T")
    arn = ssm.StringParameter.value_for_string_parameter(stack, "/acme/kb/arn")
    kb = KnowledgeBase.from_knowledge_base_arn(stack, "Kb", arn)
    resolved = stack.resolve(kb.knowledge_base_id)
    assert resolved["Fn::Select"][0] == 1 and resolved["Fn::Select"][1]["Fn::Split"][0] == "/"


# --- grants --------------------------------------------------------------------------------------------
def test_knowledge_base_is_a_grantee_whose_grants_land_in_its_managed_policy():
    stack = Stack(App(), "G")
    kb = _kb(stack, removal_policy=RemovalPolicy.DESTROY)
    reference = s3.Bucket.from_bucket_name(stack, "Reference", "reference-docs")
    grant = reference.grant_read(kb, "manuals/*")
    assert grant.success
    template = Template.from_stack(stack)
    statements = _managed_policy(template, "Least privilege for Bedrock knowledge base docs")["Properties"]["PolicyDocument"]["Statement"]
    assert statements[-1] == {
        "Action": ["s3:GetObject*", "s3:GetBucket*", "s3:List*"],
        "Effect": "Allow",
        "Resource": [
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::reference-docs"]]},
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::reference-docs/manuals/*"]]},
        ],
    }
    assert not template.find_resources("AWS::IAM::Policy")


def test_knowledge_base_grants_with_policy_and_generic_grant():
    stack = Stack(App(), "Q")
    kb = _kb(stack)
    app_role = iam.Role(stack, "App", assumed_by=ACCOUNT_ROOT)
    policy = iam.ManagedPolicy(stack, "AppPolicy", description="app")
    kb.grant_query(app_role, policy=policy)
    kb.grant_start_ingestion(app_role, policy=policy)
    kb.grant(app_role, "bedrock:GetKnowledgeBase", policy=policy)
    template = Template.from_stack(stack)
    arn = {"Fn::GetAtt": [next(k for k in template.find_resources("AWS::Bedrock::KnowledgeBase")), "KnowledgeBaseArn"]}
    properties = _managed_policy(template, "app")["Properties"]
    assert properties["PolicyDocument"]["Statement"] == [
        {"Action": ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"], "Effect": "Allow", "Resource": arn},
        {"Action": ["bedrock:StartIngestionJob", "bedrock:GetIngestionJob", "bedrock:ListIngestionJobs"], "Effect": "Allow", "Resource": arn},
        {"Action": "bedrock:GetKnowledgeBase", "Effect": "Allow", "Resource": arn},
    ]
    assert properties["Roles"] == [{"Ref": stack.get_logical_id(app_role.node.default_child)}]
    assert not template.find_resources("AWS::IAM::Policy")
    with pytest.raises(PlatformValidationError, match="actions: \\[\\] must name at least one IAM action"):
        kb.grant(app_role)


def test_secure_bucket_grants_land_in_a_managed_policy_with_the_key():
    stack = Stack(App(), "B")
    bucket = SecureBucket(stack, "Docs")
    writer = iam.Role(stack, "Writer", assumed_by=ACCOUNT_ROOT)
    policy = iam.ManagedPolicy(stack, "WriterPolicy", description="writer")
    bucket.grant_read_write(writer, "uploads/*", policy=policy)
    template = Template.from_stack(stack)
    statements = _managed_policy(template, "writer")["Properties"]["PolicyDocument"]["Statement"]
    actions = [s["Action"] for s in statements]
    assert any("s3:PutObject" in a for a in actions)
    key_statement = next(s for s in statements if "kms:Decrypt" in s["Action"])
    assert key_statement["Resource"] == {"Fn::GetAtt": [stack.get_logical_id(bucket.encryption_key.node.default_child), "Arn"]}
    assert not template.find_resources("AWS::IAM::Policy")
    # Same account: the key policy is not widened for the grantee (the grant stays in IAM).
    [key] = template.find_resources("AWS::KMS::Key").values()
    assert "Writer" not in json.dumps(key["Properties"]["KeyPolicy"])


def test_collection_grant_into_managed_policy_and_data_access_rule():
    stack = Stack(App(), "C")
    store = VectorCollection(stack, "Store", collection_name="api-vectors")
    analyst = iam.Role(stack, "Analyst", assumed_by=ACCOUNT_ROOT)
    policy = iam.ManagedPolicy(stack, "AnalystPolicy", description="analyst")
    store.grant_read(analyst, index_name="faq-*", policy=policy)
    store.grant(analyst, "aoss:BatchGetCollection", policy=policy)
    template = Template.from_stack(stack)
    arn = {"Fn::GetAtt": [stack.get_logical_id(store.collection), "Arn"]}
    assert _managed_policy(template, "analyst")["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "aoss:APIAccessAll", "Effect": "Allow", "Resource": arn},
        {"Action": "aoss:BatchGetCollection", "Effect": "Allow", "Resource": arn},
    ]
    rules = stack.resolve(store.access_policy_document())
    assert rules[-1]["Principal"] == [{"Fn::GetAtt": [stack.get_logical_id(analyst.node.default_child), "Arn"]}]


def test_grant_rejects_what_is_not_a_grantee_or_policy():
    stack = Stack(App(), "N")
    kb = _kb(stack)
    with pytest.raises(PlatformValidationError, match="grantee: 'str' is not an iam.IGrantable"):
        kb.grant_query("arn:aws:iam::111122223333:role/app")
    role = iam.Role(stack, "R", assumed_by=ACCOUNT_ROOT)
    with pytest.raises(PlatformValidationError, match="policy: 'dict' is not an iam.ManagedPolicy"):
        kb.grant_query(role, policy={"Statement": []})


# --- metrics -------------------------------------------------------------------------------------------
def test_collection_metrics_take_typed_options_and_default_to_the_stack():
    from aws_cdk import Environment

    stack = Stack(App(), "M", env=Environment(account="111122223333", region="eu-west-1"))
    store = VectorCollection(stack, "Store", collection_name="api-vectors")
    metric = store.metric_search_latency(period=Duration.minutes(1), statistic="p99", color="#d62728", label="p99")
    assert (metric.namespace, metric.metric_name, metric.statistic, metric.color, metric.label) == (
        "AWS/AOSS", "SearchLatency", "p99", "#d62728", "p99")
    assert metric.period.to_seconds() == 60
    dimensions = stack.resolve(metric.dimensions)
    assert dimensions == {"ClientId": "111122223333",
                          "CollectionId": {"Fn::GetAtt": [stack.get_logical_id(store.collection), "Id"]},
                          "CollectionName": "api-vectors"}
    # Metric.attach_to: account and region of the collection's stack (when known; else the deployment's).
    assert (metric.account, metric.region) == ("111122223333", "eu-west-1")
    errors = store.metric_search_request_errors()
    assert (errors.metric_name, errors.statistic) == ("SearchRequestErrors", "Sum")
    with pytest.raises(PlatformValidationError, match="periode: 5 is not a metric option"):
        store.metric("SearchLatency", periode=5)


def test_dead_letter_metric_takes_typed_options():
    from aws_cdk import Environment

    stack = Stack(App(), "D", env=Environment(account="111122223333", region="eu-west-1"))
    schedules = IngestionSchedules(stack, "Schedules")
    metric = schedules.metric_dead_letters(period=Duration.minutes(1), unit=cloudwatch.Unit.COUNT)
    assert (metric.statistic, metric.period.to_seconds(), metric.unit) == ("Maximum", 60, cloudwatch.Unit.COUNT)
    assert (metric.account, metric.region) == ("111122223333", "eu-west-1")


# --- RETAIN defaults -----------------------------------------------------------------------------------
def test_data_is_retained_by_default():
    stack = Stack(App(), "Keep")
    kb = _kb(stack)
    kb.add_s3_data_source("Docs", ingestion_schedule="rate(1 day)")
    SecureBucket(stack, "Standalone")
    template = Template.from_stack(stack).to_json()["Resources"]
    kinds = ("AWS::OpenSearchServerless::Collection", "AWS::OpenSearchServerless::Index", "AWS::Bedrock::KnowledgeBase",
             "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::SQS::Queue")
    stateful = {logical: r for logical, r in template.items() if r["Type"] in kinds}
    assert {r["Type"] for r in stateful.values()} == set(kinds)
    for logical, resource in stateful.items():
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), logical
    assert not any(r["Type"] == "Custom::S3AutoDeleteObjects" for r in template.values())


def test_apply_removal_policy_reaches_the_data_resources():
    stack = Stack(App(), "Drop")
    kb = _kb(stack)
    kb.vector_store.apply_removal_policy(RemovalPolicy.DESTROY)
    kb.apply_removal_policy(RemovalPolicy.DESTROY)
    template = Template.from_stack(stack).to_json()["Resources"]
    for kind in ("AWS::OpenSearchServerless::Collection", "AWS::OpenSearchServerless::Index", "AWS::Bedrock::KnowledgeBase"):
        [resource] = [r for r in template.values() if r["Type"] == kind]
        assert resource["DeletionPolicy"] == "Delete", kind


# --- deploy-time values --------------------------------------------------------------------------------
def test_every_construct_accepts_deploy_time_values():
    """Every string and number prop of the knowledge constructs read from SSM parameters."""
    stack = Stack(App(), "Tokens")

    def text(name: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(stack, f"/acme/{name}")

    def number(name: str) -> float:
        return Token.as_number(text(name))

    store = VectorCollection(stack, "Store", collection_name=text("collection"), description=text("collection-desc"),
                             vpc_endpoint_ids=[text("vpce")], index_admin_arns=[text("admin")])
    # Field names are keys of the index mapping: CloudFormation needs them literal (see below).
    options = VectorIndexOptions(index_name=text("index"), space_type=text("space"), m=number("m"),
                                 ef_construction=number("efc"), ef_search=number("efs"))
    kb = KnowledgeBase(stack, "Kb", name=text("kb"), description=text("kb-desc"), vector_store=store, index=options,
                       embedding_model=EmbeddingModel(text("model"), number("dimensions")))
    schedules = IngestionSchedules(stack, "Schedules", group_name=text("group"))
    kb.add_s3_data_source("Docs", name=text("ds"), description=text("ds-desc"), bucket_name=text("bucket"),
                          inclusion_prefixes=[text("prefix")], data_deletion_policy=text("deletion"),
                          ingestion_schedule=text("schedule"), schedules=schedules,
                          chunking=HierarchicalChunking(number("parent"), number("child"), number("overlap")),
                          parsing=FoundationModelParsing(model_id=text("parser"), prompt=text("prompt")))
    kb.add_s3_data_source("Faq", name=text("faq"), chunking=SemanticChunking(number("st"), number("sb"), number("sp")))
    kb.add_s3_data_source("Plain", name=text("plain"), chunking=FixedSizeChunking(number("ft"), number("fo")))
    VectorIndex(stack, "Extra", vector_store=store, options=VectorIndexOptions(index_name=text("extra")), dimensions=number("extra-dim"))
    SecureBucket(stack, "Bucket", access_log_retention_days=number("log-days"), key_description=text("key-desc"))
    KnowledgeBase.from_knowledge_base_attributes(stack, "Imported", knowledge_base_id=text("kb-id"))
    VectorCollection.from_collection_attributes(stack, "ImportedStore", collection_name=text("c-name"), collection_id=text("c-id"))

    template = Template.from_stack(stack).to_json()
    resources = template["Resources"]
    [kb_resource] = [r for r in resources.values() if r["Type"] == "AWS::Bedrock::KnowledgeBase"]
    name = json.dumps(kb_resource["Properties"]["Name"])
    assert "Ref" in name and re.search(r"-[0-9a-f]{8}\"", name)  # the SSM value, then the fingerprint
    [collection] = [r for r in resources.values() if r["Type"] == "AWS::OpenSearchServerless::Collection"]
    assert "Ref" in collection["Properties"]["Name"]
    # No placeholder text of a token leaked into the template.
    assert "${Token" not in json.dumps(template) and "TOKEN" not in json.dumps(template)


def test_index_field_names_must_be_literal():
    # A token key fails CDK resolution ("KeyMustResolveToString"): say so at construction instead.
    stack = Stack(App(), "Keys")
    field = ssm.StringParameter.value_for_string_parameter(stack, "/acme/field")
    with pytest.raises(PlatformValidationError, match="vector_field: .* must be known at synth"):
        VectorIndexOptions(vector_field=field)


# --- every problem at once, wrong types named ----------------------------------------------------------
def test_knowledge_base_reports_every_problem_with_its_path():
    stack = Stack(App(), "Many")
    with pytest.raises(PlatformValidationError) as error:
        KnowledgeBase(stack, "Kb", name="has space", description="d" * 201, vector_store="my-collection",
                      removal_policy="retain")
    lines = str(error.value).splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["name", "description", "vector_store", "removal_policy"]
    assert all(line.startswith("Many/Kb: ") for line in lines)
    assert {p.field for p in error.value.problems} == {"name", "description", "vector_store", "removal_policy"}


def test_data_source_reports_every_problem():
    stack = Stack(App(), "Ds")
    kb = _kb(stack)
    with pytest.raises(PlatformValidationError) as error:
        kb.add_s3_data_source("Docs", name="n" * 91, inclusion_prefixes=["a/", "b/"], data_deletion_policy="KEEP",
                              ingestion_schedule="every day")
    fields = [p.field for p in error.value.problems]
    assert fields == ["name", "inclusion_prefixes[1]", "data_deletion_policy", "ingestion_schedule"]
    assert str(error.value).startswith("Ds/Kb/Docs: name: ")


def test_strategy_objects_report_every_problem():
    with pytest.raises(PlatformValidationError) as error:
        VectorIndexOptions(index_name="Upper", m=101, ef_search=1)
    assert [p.field for p in error.value.problems] == ["index_name", "m", "ef_search"]
    with pytest.raises(PlatformValidationError) as error:
        HierarchicalChunking(parent_max_tokens=300, child_max_tokens=300, overlap_tokens=400)
    assert [p.field for p in error.value.problems] == ["parent_max_tokens", "overlap_tokens"]


def _store(stack: Stack) -> VectorCollection:
    return VectorCollection(stack, "S", collection_name="type-vectors")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda s: VectorCollection(s, "C", collection_name=42), "collection_name: 42 is not valid"),
        (lambda s: VectorCollection(s, "C", collection_name="abc", kms_key="alias/mine"), "kms_key: 'str' is not a kms.IKey"),
        (lambda s: VectorCollection(s, "C", collection_name="abc", vpc_endpoint_ids=5), "vpc_endpoint_ids: 'int' is not a list or tuple"),
        (lambda s: VectorCollection(s, "C", collection_name="abc", standby_replicas="yes"), "standby_replicas: 'yes' is not True or False"),
        (lambda s: VectorCollection(s, "C", collection_name="abc", removal_policy="destroy"), "removal_policy: 'destroy' is not an aws_cdk.RemovalPolicy"),
        (lambda s: KnowledgeBase(s, "K", name="k", vector_store=_store(s), embedding_model="amazon.titan-embed-text-v2:0"),
         "embedding_model: 'str' is not an EmbeddingModel"),
        (lambda s: KnowledgeBase(s, "K", name="k", vector_store=_store(s), index={"index_name": "x"}), "index: 'dict' is not a VectorIndexOptions"),
        (lambda s: KnowledgeBase(s, "K", name="k", vector_store=_store(s)).add_s3_data_source("D", chunking="FIXED_SIZE"),
         "chunking: 'str' is not a ChunkingStrategy"),
        (lambda s: KnowledgeBase(s, "K", name="k", vector_store=_store(s)).add_s3_data_source("D", parsing="default"),
         "parsing: 'str' is not a ParsingStrategy"),
        (lambda s: KnowledgeBase(s, "K", name="k", vector_store=_store(s)).add_s3_data_source("D", bucket="my-bucket"),
         "bucket: 'str' is not an s3.IBucket"),
        (lambda s: KnowledgeBase(s, "K", name="k", vector_store=_store(s)).add_s3_data_source("D", inclusion_prefixes=[1]),
         "inclusion_prefixes[0]: 1 is not a string"),
        (lambda s: S3DataSource(s, "D", knowledge_base="KB12345678"), "knowledge_base: 'str' is not a knowledge base"),
        (lambda s: VectorIndex(s, "I", vector_store="vectors", dimensions=1024), "vector_store: 'str' is not a vector collection"),
        (lambda s: VectorIndex(s, "I", vector_store=_store(s), dimensions=20000), "dimensions: 20000 is not within 1-16000"),
        (lambda s: IngestionSchedules(s, "G", removal_policy="retain"), "removal_policy: 'retain' is not an aws_cdk.RemovalPolicy"),
        (lambda s: SecureBucket(s, "B", lifecycle_rules=s3.LifecycleRule(expiration=Duration.days(1))),
         "lifecycle_rules: 'LifecycleRule' is not a list or tuple"),
        (lambda s: SecureBucket(s, "B", access_log_retention_days="30"), "access_log_retention_days: '30' is not a number of days or a Duration"),
        (lambda s: EmbeddingModel("amazon.titan-embed-text-v2:0", "512"), "dimensions: '512' is not an integer"),
    ],
)
def test_wrong_types_name_the_parameter(build, message):
    with pytest.raises(PlatformValidationError) as error:
        build(Stack(App(), "W"))
    assert message in str(error.value)


def test_natural_inputs_tuples_single_strings_and_durations():
    stack = Stack(App(), "Natural")
    store = VectorCollection(stack, "Store", collection_name="nat-vectors", vpc_endpoint_ids=("vpce-0123456789abcdef0",))
    kb = KnowledgeBase(stack, "Kb", name="docs", vector_store=store)
    source = kb.add_s3_data_source("Docs", inclusion_prefixes="docs/")  # one prefix as a plain string
    assert source.inclusion_prefixes == ["docs/"]
    SecureBucket(stack, "Logs", access_log_retention_days=Duration.days(30))
    [logs] = [r for k, r in Template.from_stack(stack).find_resources("AWS::S3::Bucket").items() if k.startswith("LogsAccessLogs")]
    assert logs["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 30
