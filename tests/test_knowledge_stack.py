"""Template tests of the knowledge stack of the default platform (synthesized once per session)."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Match

CFN_EXEC_ROLE = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"}


def _resources(template, type_):
    return template.find_resources(type_)


def _one(template, type_, **props):
    found = template.find_resources(type_, {"Properties": props} if props else None)
    assert len(found) == 1, (type_, props, list(found))
    return next(iter(found.items()))


def _index(template, base: str) -> tuple[str, dict]:
    """The index whose name is ``base`` plus an 8-hex-character fingerprint."""
    found = [(k, r) for k, r in template.find_resources("AWS::OpenSearchServerless::Index").items()
             if re.fullmatch(re.escape(base) + "-[0-9a-f]{8}", r["Properties"]["IndexName"])]
    assert len(found) == 1, (base, found)
    return found[0]


def _knowledge_base(template, base: str) -> tuple[str, dict]:
    found = [(k, r) for k, r in template.find_resources("AWS::Bedrock::KnowledgeBase").items()
             if re.fullmatch(re.escape(base) + "-[0-9a-f]{8}", r["Properties"]["Name"])]
    assert len(found) == 1, (base, found)
    return found[0]


def _policy_json(raw_policy) -> str:
    """The access policy with tokens rendered as readable markers, parsed back to JSON."""
    parts = raw_policy["Fn::Join"][1]
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        elif "Fn::Sub" in part:
            text += "CFN_EXEC_ROLE"
        else:
            text += "ROLE:" + part["Fn::GetAtt"][0]
    return json.loads(text)


def test_collection_is_vector_search_without_standby_in_dev(knowledge_template):
    logical, collection = _one(knowledge_template, "AWS::OpenSearchServerless::Collection")
    assert collection["Properties"]["Type"] == "VECTORSEARCH"
    assert collection["Properties"]["StandbyReplicas"] == "DISABLED"
    assert collection["DeletionPolicy"] == "Delete"
    enc, _ = _one(knowledge_template, "AWS::OpenSearchServerless::SecurityPolicy", Type="encryption")
    net, _ = _one(knowledge_template, "AWS::OpenSearchServerless::SecurityPolicy", Type="network")
    assert set(collection["DependsOn"]) == {enc, net}


def test_security_policies(knowledge_template):
    _, enc = _one(knowledge_template, "AWS::OpenSearchServerless::SecurityPolicy", Type="encryption")
    assert json.loads(enc["Properties"]["Policy"]) == {
        "Rules": [{"ResourceType": "collection", "Resource": ["collection/bedrock-platform-kb"]}],
        "AWSOwnedKey": True,
    }
    _, net = _one(knowledge_template, "AWS::OpenSearchServerless::SecurityPolicy", Type="network")
    assert json.loads(net["Properties"]["Policy"]) == [
        {"Rules": [{"ResourceType": "collection", "Resource": ["collection/bedrock-platform-kb"]}], "AllowFromPublic": True}
    ]


def test_data_access_policy_names_deploy_role_and_each_kb_role_on_its_own_index(knowledge_template):
    _, policy = _one(knowledge_template, "AWS::OpenSearchServerless::AccessPolicy")
    rules = _policy_json(policy["Properties"]["Policy"])
    by_principal = {tuple(rule["Principal"]): rule["Rules"] for rule in rules}
    assert by_principal[("CFN_EXEC_ROLE",)][1] == {
        "ResourceType": "index",
        "Resource": ["index/bedrock-platform-kb/*"],
        "Permission": ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:UpdateIndex", "aoss:DeleteIndex"],
    }
    roles = {p[0] for p in by_principal if p[0].startswith("ROLE:")}
    assert len(roles) == 2
    for principal, kb_rules in by_principal.items():
        if principal[0].startswith("ROLE:SupportDocs"):
            # Every generation of its index (the old one is emptied by CloudFormation's cleanup).
            assert kb_rules[1]["Resource"] == ["index/bedrock-platform-kb/bedrock-platform-support-docs-index-*"]
            assert "aoss:DeleteIndex" not in kb_rules[1]["Permission"]
    assert "CFN_EXEC_ROLE" in json.dumps(rules)


def test_indexes_are_native_and_depend_on_the_access_policy(knowledge_template):
    indexes = _resources(knowledge_template, "AWS::OpenSearchServerless::Index")
    assert len(indexes) == 2
    assert not _resources(knowledge_template, "AWS::Lambda::Function") or all(
        "AutoDeleteObjects" in k for k in _resources(knowledge_template, "AWS::Lambda::Function")
    )
    assert not _resources(knowledge_template, "AWS::CloudFormation::CustomResource")
    access_policy, _ = _one(knowledge_template, "AWS::OpenSearchServerless::AccessPolicy")
    for index in indexes.values():
        assert access_policy in index["DependsOn"]


def test_index_mapping_as_bedrock_requires(knowledge_template):
    _, index = _index(knowledge_template, "bedrock-platform-support-docs-index")
    assert index["Properties"]["Mappings"] == {
        "Properties": {
            "bedrock-knowledge-base-default-vector": {
                "Type": "knn_vector",
                "Dimension": 1024,
                "Method": {"Name": "hnsw", "Engine": "faiss", "SpaceType": "l2", "Parameters": {"M": 16, "EfConstruction": 512}},
            },
            "AMAZON_BEDROCK_TEXT_CHUNK": {"Type": "text", "Index": True},
            "AMAZON_BEDROCK_METADATA": {"Type": "text", "Index": False},
        }
    }
    assert index["Properties"]["Settings"] == {"Index": {"Knn": True, "KnnAlgoParamEfSearch": 512}}
    _, manuals = _index(knowledge_template, "bedrock-platform-product-manuals-index")
    vector = manuals["Properties"]["Mappings"]["Properties"]["bedrock-knowledge-base-default-vector"]
    assert vector["Dimension"] == 512 and vector["Method"]["Parameters"] == {"M": 24, "EfConstruction": 512}
    assert manuals["Properties"]["Settings"]["Index"]["KnnAlgoParamEfSearch"] == 256


def test_two_knowledge_bases_share_one_collection(knowledge_template):
    collection, _ = _one(knowledge_template, "AWS::OpenSearchServerless::Collection")
    kbs = _resources(knowledge_template, "AWS::Bedrock::KnowledgeBase")
    assert len(kbs) == 2
    for kb in kbs.values():
        config = kb["Properties"]["StorageConfiguration"]
        assert config["Type"] == "OPENSEARCH_SERVERLESS"
        assert config["OpensearchServerlessConfiguration"]["CollectionArn"] == {"Fn::GetAtt": [collection, "Arn"]}
    names = {kb["Properties"]["StorageConfiguration"]["OpensearchServerlessConfiguration"]["VectorIndexName"] for kb in kbs.values()}
    indexes = {i["Properties"]["IndexName"] for i in _resources(knowledge_template, "AWS::OpenSearchServerless::Index").values()}
    assert names == indexes and {n.rsplit("-", 1)[0] for n in names} == {
        "bedrock-platform-support-docs-index", "bedrock-platform-product-manuals-index"}


def test_knowledge_base_embedding_and_dependencies(knowledge_template):
    logical, kb = _knowledge_base(knowledge_template, "bedrock-platform-support-docs")
    vector = kb["Properties"]["KnowledgeBaseConfiguration"]["VectorKnowledgeBaseConfiguration"]
    assert vector["EmbeddingModelConfiguration"] == {
        "BedrockEmbeddingModelConfiguration": {"Dimensions": 1024, "EmbeddingDataType": "FLOAT32"}
    }
    assert vector["EmbeddingModelArn"]["Fn::Join"][1][-1] == "::foundation-model/amazon.titan-embed-text-v2:0"
    depends = set(kb["DependsOn"])
    assert any(d.startswith("SupportDocsIndex") for d in depends)
    assert any(d.startswith("SupportDocsPolicy") for d in depends)
    assert any(d.startswith("VectorStoreDataAccessPolicy") for d in depends)
    assert kb["Properties"]["StorageConfiguration"]["OpensearchServerlessConfiguration"]["FieldMapping"] == {
        "VectorField": "bedrock-knowledge-base-default-vector",
        "TextField": "AMAZON_BEDROCK_TEXT_CHUNK",
        "MetadataField": "AMAZON_BEDROCK_METADATA",
    }


def test_knowledge_base_role_trust_has_confused_deputy_conditions(knowledge_template):
    role = knowledge_template.find_resources("AWS::IAM::Role", {"Properties": {"Description": "Service role of Bedrock knowledge base bedrock-platform-support-docs"}})
    [(_, role)] = role.items()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock.amazonaws.com"},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {"aws:SourceArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":", {"Ref": "AWS::AccountId"}, ":knowledge-base/*"]]}},
            },
        }
    ]
    assert "Policies" not in role["Properties"]


def test_knowledge_base_policy_is_managed_and_exact(knowledge_template):
    [(_, policy)] = knowledge_template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": "Least privilege for Bedrock knowledge base bedrock-platform-support-docs"}}
    ).items()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    bucket = "SupportDocsDocumentsBucket"
    account = {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    expected = [
        ("InvokeEmbeddingModel", "bedrock:InvokeModel", None),
        ("AccessVectorCollection", "aoss:APIAccessAll", None),
        ("ListDocumentsSupportFaq", "s3:ListBucket", {**account, "StringLike": {"s3:prefix": ["faq/*"]}}),
        ("ReadDocumentsSupportFaq", "s3:GetObject", account),
        ("DecryptDocumentsSupportFaq", "kms:Decrypt", {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}}),
        ("ListDocumentsSupportPolicies", "s3:ListBucket", {**account, "StringLike": {"s3:prefix": ["policies/*"]}}),
        ("ReadDocumentsSupportPolicies", "s3:GetObject", account),
        ("DecryptDocumentsSupportPolicies", "kms:Decrypt", {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}}),
    ]
    assert [(s["Sid"], s["Action"], s.get("Condition")) for s in statements] == expected
    assert all(s["Effect"] == "Allow" and "*" not in json.dumps(s["Action"]) for s in statements)
    get_object = statements[3]["Resource"]["Fn::Join"][1]
    assert get_object[0]["Fn::GetAtt"][0].startswith(bucket) and get_object[1] == "/faq/*"
    assert statements[1]["Resource"]["Fn::GetAtt"][0].startswith("VectorStoreCollection")
    # No inline policy is attached to the knowledge base role.
    assert not knowledge_template.find_resources("AWS::IAM::Policy")


def test_parsing_model_permission_only_where_used(knowledge_template):
    [(_, policy)] = knowledge_template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": "Least privilege for Bedrock knowledge base bedrock-platform-product-manuals"}}
    ).items()
    sids = [s["Sid"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert "InvokeParsingModel" in sids
    [statement] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "InvokeParsingModel"]
    assert statement["Resource"]["Fn::Join"][1][-1] == "::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"


def test_data_sources_chunking_and_names(knowledge_template):
    sources = {ds["Properties"]["Name"]: ds["Properties"] for ds in _resources(knowledge_template, "AWS::Bedrock::DataSource").values()}
    names = sorted(sources)
    assert [n.rsplit("-", 1)[0] for n in names] == [
        "bedrock-platform-manuals", "bedrock-platform-support-faq", "bedrock-platform-support-policies"]
    assert all(len(n.rsplit("-", 1)[1]) == 8 for n in names)
    by_base = {n.rsplit("-", 1)[0].removeprefix("bedrock-platform-"): p for n, p in sources.items()}
    assert by_base["support-faq"]["VectorIngestionConfiguration"] == {
        "ChunkingConfiguration": {
            "ChunkingStrategy": "SEMANTIC",
            "SemanticChunkingConfiguration": {"MaxTokens": 300, "BufferSize": 0, "BreakpointPercentileThreshold": 95},
        }
    }
    assert by_base["support-policies"]["VectorIngestionConfiguration"]["ChunkingConfiguration"] == {
        "ChunkingStrategy": "HIERARCHICAL",
        "HierarchicalChunkingConfiguration": {"LevelConfigurations": [{"MaxTokens": 1500}, {"MaxTokens": 300}], "OverlapTokens": 60},
    }
    manuals = by_base["manuals"]["VectorIngestionConfiguration"]
    assert manuals["ParsingConfiguration"]["ParsingStrategy"] == "BEDROCK_FOUNDATION_MODEL"
    assert manuals["ParsingConfiguration"]["BedrockFoundationModelConfiguration"]["ParsingPrompt"]["ParsingPromptText"].startswith("Transcribe tables")
    assert by_base["support-faq"]["DataSourceConfiguration"]["S3Configuration"]["InclusionPrefixes"] == ["faq/"]
    assert all(p["DataDeletionPolicy"] == "DELETE" for p in sources.values())


def test_one_documents_bucket_per_knowledge_base_secured(knowledge_template):
    buckets = knowledge_template.find_resources("AWS::S3::Bucket", {"Properties": {"LoggingConfiguration": Match.any_value()}})
    assert len(buckets) == 2  # support-docs and product-manuals (data sources share their KB's bucket)
    for bucket in buckets.values():
        props = bucket["Properties"]
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" and rule["BucketKeyEnabled"] is True
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }
    ssl_only = knowledge_template.find_resources(
        "AWS::S3::BucketPolicy",
        {"Properties": {"PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}}},
    )
    assert len(ssl_only) == 4  # two document buckets and their two access-log buckets


def test_ingestion_schedule_uses_universal_target_without_lambda(knowledge_template):
    _, schedule = _one(knowledge_template, "AWS::Scheduler::Schedule")
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 day)"
    assert props["Target"]["Arn"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":scheduler:::aws-sdk:bedrockagent:startIngestionJob"]]}
    rendered = json.dumps(props["Target"]["Input"])
    assert "KnowledgeBaseId" in rendered and "DataSourceId" in rendered and "<aws.scheduler.execution-id>" in rendered
    [(_, policy)] = knowledge_template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("Start ingestion jobs")}}
    ).items()
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "bedrock:StartIngestionJob"
    assert statement["Resource"]["Fn::GetAtt"][1] == "KnowledgeBaseArn"
    [(_, role)] = knowledge_template.find_resources("AWS::IAM::Role", {"Properties": {"Description": Match.string_like_regexp("EventBridge Scheduler")}}).items()
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_outputs(knowledge_template):
    outputs = knowledge_template.to_json()["Outputs"]
    for key in ("CollectionEndpoint", "SupportDocsKnowledgeBaseId", "SupportDocsKnowledgeBaseArn",
                "SupportDocsSupportFaqDataSourceId", "SupportDocsSupportFaqBucketName", "ProductManualsKnowledgeBaseId"):
        assert key in outputs, sorted(outputs)


@pytest.fixture(scope="module")
def prod_knowledge_template():
    from aws_cdk.assertions import Template
    from conftest import ROOT

    from bedrock_platform.config.loader import load_config
    from stacks.knowledge_stack import KnowledgeStack
    from stacks.platform import new_app

    app = new_app()
    stack = KnowledgeStack(app, "Knowledge", config=load_config(ROOT / "config" / "prod.yaml"))
    return Template.from_stack(stack)


def test_prod_profile_keeps_data_and_enables_standby(prod_knowledge_template):
    _, collection = _one(prod_knowledge_template, "AWS::OpenSearchServerless::Collection")
    assert collection["Properties"]["StandbyReplicas"] == "ENABLED"
    for type_ in ("AWS::OpenSearchServerless::Collection", "AWS::OpenSearchServerless::Index", "AWS::Bedrock::KnowledgeBase", "AWS::S3::Bucket", "AWS::KMS::Key"):
        for resource in prod_knowledge_template.find_resources(type_).values():
            assert resource["DeletionPolicy"] == "Retain", type_
    assert not prod_knowledge_template.find_resources("Custom::S3AutoDeleteObjects")


def test_dev_profile_empties_buckets_on_delete(knowledge_template):
    assert len(knowledge_template.find_resources("Custom::S3AutoDeleteObjects")) == 4
