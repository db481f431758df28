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


def _start_ingestion_request_shape():
    """botocore's bedrock-agent model: what StartIngestionJob accepts (the API validates the same)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-agent")
    return model.operation_model("StartIngestionJob").input_shape


def _valid_client_token(token: str) -> bool:
    # bedrock-agent model, shape ClientToken: min 33, max 256, pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}
    meta = _start_ingestion_request_shape().members["clientToken"].metadata
    return meta["min"] <= len(token) <= meta["max"] and re.fullmatch(meta["pattern"], token) is not None


def _schedule_input(template) -> dict:
    """The schedule's Input as EventBridge Scheduler receives it, CloudFormation tokens as TOKEN."""
    _, schedule = _one(template, "AWS::Scheduler::Schedule")
    parts = schedule["Properties"]["Target"]["Input"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else "TOKEN" for part in parts))


def test_ingestion_schedule_uses_universal_target_without_lambda(knowledge_template):
    _, schedule = _one(knowledge_template, "AWS::Scheduler::Schedule")
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 day)"
    assert props["Target"]["Arn"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":scheduler:::aws-sdk:bedrockagent:startIngestionJob"]]}
    request = _schedule_input(knowledge_template)
    assert set(request) == {"KnowledgeBaseId", "DataSourceId", "ClientToken"}
    # Universal-target input keys are the API's request members, capitalized (botocore: knowledgeBaseId, ...).
    members = set(_start_ingestion_request_shape().members)
    assert {key[0].lower() + key[1:] for key in request} <= members


def test_scheduled_client_token_is_valid_for_start_ingestion_job(knowledge_template):
    token = _schedule_input(knowledge_template)["ClientToken"]
    assert token == "eventbridge-scheduler-ingestion-<aws.scheduler.execution-id>"
    # EventBridge Scheduler replaces <aws.scheduler.execution-id> at each run ("Adding context
    # attributes", EventBridge Scheduler User Guide; example id "d32c5kddcf5bb8c3"). Its length is not
    # documented: even a one-character id must give a valid token, and the documented example too.
    placeholder = "<aws.scheduler.execution-id>"
    for execution_id in ("d", "d32c5kddcf5bb8c3", "d32c5kdd-cf5b-b8c3"):
        assert _valid_client_token(token.replace(placeholder, execution_id)), execution_id
    prefix = token.replace(placeholder, "")
    meta = _start_ingestion_request_shape().members["clientToken"].metadata
    assert len(prefix) + 1 >= meta["min"] and meta["max"] - len(prefix) >= 200  # room for any real id
    # The starting commit's token was the bare id: the documented example is refused (too short).
    assert not _valid_client_token("d32c5kddcf5bb8c3")


def test_scheduler_role_trusts_only_the_platform_schedule_group(knowledge_template):
    group_logical, group = _one(knowledge_template, "AWS::Scheduler::ScheduleGroup")
    assert group["Properties"]["Name"] == "bedrock-platform-ingestion"  # from the platform name
    _, schedule = _one(knowledge_template, "AWS::Scheduler::Schedule")
    assert schedule["Properties"]["GroupName"] == {"Ref": group_logical}
    [(_, role)] = knowledge_template.find_resources(
        "AWS::IAM::Role", {"Properties": {"Description": Match.string_like_regexp("EventBridge Scheduler")}}
    ).items()
    # EventBridge Scheduler User Guide, "Confused deputy prevention": "The value of aws:SourceArn must
    # be your EventBridge Scheduler schedule group ARN ... Do not scope the aws:SourceArn statement to a
    # specific schedule". aws-cdk-lib's aws_scheduler_targets uses the group ARN the same way.
    assert role["Properties"]["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                    "ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [group_logical, "Arn"]}},
                },
            }
        ],
    }


def test_failed_scheduled_runs_are_retried_then_dead_lettered(knowledge_template):
    queue_logical, queue = _one(knowledge_template, "AWS::SQS::Queue")
    _, schedule = _one(knowledge_template, "AWS::Scheduler::Schedule")
    target = schedule["Properties"]["Target"]
    # AWS::Scheduler::Schedule RetryPolicy (cfn-lint schema): age 60-86400 s, attempts 0-185.
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_logical, "Arn"]}}

    key_logical = queue["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    keys = knowledge_template.find_resources("AWS::KMS::Key")
    assert keys[key_logical]["Properties"]["EnableKeyRotation"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 1209600  # 14 days, the SQS maximum
    assert "RedrivePolicy" not in queue["Properties"]
    knowledge_template.has_resource_properties("AWS::SQS::QueuePolicy", {
        "Queues": [{"Ref": queue_logical}],
        "PolicyDocument": {"Statement": [Match.object_like({
            "Effect": "Deny", "Action": "sqs:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        })]},
    })

    [(_, policy)] = knowledge_template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("Start ingestion jobs")}}
    ).items()
    start, send, encrypt = policy["Properties"]["PolicyDocument"]["Statement"]
    assert start["Action"] == "bedrock:StartIngestionJob"
    assert start["Resource"]["Fn::GetAtt"][1] == "KnowledgeBaseArn"
    # EventBridge Scheduler delivers dead-letter events with the execution role ("Configuring a
    # dead-letter queue": sqs:SendMessage); a sender to an SSE-KMS queue needs kms:GenerateDataKey and
    # kms:Decrypt on its key (Amazon SQS Developer Guide, "Key management").
    assert send == {"Sid": "SendDeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage",
                    "Resource": {"Fn::GetAtt": [queue_logical, "Arn"]}}
    assert encrypt == {
        "Sid": "EncryptDeadLetters", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": {"Fn::GetAtt": [key_logical, "Arn"]},
        "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["sqs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}},
    }


def test_outputs(knowledge_template):
    outputs = knowledge_template.to_json()["Outputs"]
    for key in ("CollectionEndpoint", "SupportDocsKnowledgeBaseId", "SupportDocsKnowledgeBaseArn",
                "SupportDocsSupportFaqDataSourceId", "SupportDocsSupportFaqBucketName", "ProductManualsKnowledgeBaseId"):
        assert key in outputs, sorted(outputs)


@pytest.fixture(scope="module")
def prod_knowledge_template(prod_platform):
    """config/prod.yaml's Knowledge stack: the session's prod synth (conftest), not a private one."""
    return prod_platform.template("Knowledge")


def test_prod_profile_keeps_data_and_enables_standby(prod_knowledge_template):
    _, collection = _one(prod_knowledge_template, "AWS::OpenSearchServerless::Collection")
    assert collection["Properties"]["StandbyReplicas"] == "ENABLED"
    for type_ in ("AWS::OpenSearchServerless::Collection", "AWS::OpenSearchServerless::Index", "AWS::Bedrock::KnowledgeBase", "AWS::S3::Bucket", "AWS::KMS::Key"):
        for resource in prod_knowledge_template.find_resources(type_).values():
            assert resource["DeletionPolicy"] == "Retain", type_
    assert not prod_knowledge_template.find_resources("Custom::S3AutoDeleteObjects")


def test_dev_profile_empties_buckets_on_delete(knowledge_template):
    assert len(knowledge_template.find_resources("Custom::S3AutoDeleteObjects")) == 4
