"""Tenants own knowledge bases and AgentCore agents, built into their own tenant stacks.

config/tenants.yaml: acme-retail has a knowledge base on the platform's one OpenSearch Serverless
collection (two data sources, one scheduled) and an agent on the shared platform guardrail; globex
has a knowledge base on S3 Vectors in its own stack. A 12-tenant config on the default platform
(each tenant: one knowledge base with two data sources, the shared guardrail, one agent with the
platform's customer-support action group) is synthesized once for the scale tests.

Sources encoded here:
- Converse ``modelId`` accepts an application inference profile ARN (botocore
  bedrock-runtime/2023-09-30 ``ConverseRequest.modelId``, shape ConversationalModelId, pattern
  ``...:(inference-profile|application-inference-profile)/...``); the harness's
  ``BedrockModelConfig.ModelId`` is an unconstrained string (cfn-lint schema
  AWS::BedrockAgentCore::Harness HarnessBedrockModelConfig.ModelId; botocore bedrock-agentcore-control
  ``HarnessBedrockModelConfig.modelId`` shape ModelId ``{"type": "string"}``).
- IAM through a profile: Amazon Bedrock User Guide, "Prerequisites for inference profiles"
  (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html): InvokeModel* on
  the profile and on the foundation model in every routed region; ``bedrock:InferenceProfileArn``
  limits the model grant to calls through the profile.
- InvokeHarness needs ``bedrock-agentcore:InvokeHarness`` and ``bedrock-agentcore:InvokeAgentRuntime`` on
  the harness ARN (AgentCore devguide, harness-security; botocore bedrock-agentcore/2024-02-28 operation
  InvokeHarness, required ``harnessArn``).
- OpenSearch Serverless quotas (Amazon OpenSearch Service Developer Guide, "OpenSearch Serverless
  quotas"): "Data access policies per account per Region: 500", not adjustable; a collection may have
  several data access policies (each names principals and collection/index resources).
- EventBridge Scheduler confused deputy: ``aws:SourceArn`` is the schedule group ARN (EventBridge
  Scheduler User Guide, "Cross-service confused deputy prevention").
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from aws_cdk import App, CfnResource, Stack

from bedrock_platform.config.loader import ConfigError, parse_config
from bedrock_platform.core.stack_limits import (
    MAX_OUTPUTS,
    MAX_PARAMETERS,
    MAX_RESOURCES,
    AccountQuotas,
    StackLimitError,
    check_limits,
    synth_within_limits,
)

ROOT = Path(__file__).resolve().parent.parent
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
PARTITION = {"Ref": "AWS::Partition"}
REGION = {"Ref": "AWS::Region"}
N_TENANTS = 12


def _of_type(template: dict, resource_type: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _one(template: dict, resource_type: str, prefix: str = "") -> tuple[str, dict]:
    ((logical_id, resource),) = [(k, v) for k, v in _of_type(template, resource_type).items() if k.startswith(prefix)]
    return logical_id, resource["Properties"]


def _parameter_ref(template: dict, name: str) -> dict:
    """The stack parameter reading SSM parameter ``name`` at deploy time, as a Ref."""
    (logical_id,) = [k for k, v in template.get("Parameters", {}).items()
                     if v == {"Type": "AWS::SSM::Parameter::Value<String>", "Default": name}]  # fmt: skip
    return {"Ref": logical_id}


def _written(template: dict, name: str) -> dict:
    (props,) = [r["Properties"] for r in _of_type(template, "AWS::SSM::Parameter").values() if r["Properties"]["Name"] == name]
    return props["Value"]


def _policy(template: dict, prefix: str) -> list[dict]:
    return _one(template, "AWS::IAM::ManagedPolicy", prefix)[1]["PolicyDocument"]["Statement"]


def _model_arn(region: object, model: str) -> dict:
    if isinstance(region, str):
        return {"Fn::Join": ["", ["arn:", PARTITION, f":bedrock:{region}::foundation-model/{model}"]]}
    return {"Fn::Join": ["", ["arn:", PARTITION, ":bedrock:", region, f"::foundation-model/{model}"]]}


# --- acme-retail: a knowledge base on the shared collection -------------------------------------------------


def test_tenant_knowledge_base_role_holds_exactly_its_model_collection_and_documents(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    collection_arn = _parameter_ref(template, "/bedrock-platform/knowledge/collection/arn")
    bucket = {"Fn::GetAtt": ["WorkloadsKnowledgeFaqDocumentsBucket4824B204", "Arn"]}
    key = {"Fn::GetAtt": ["WorkloadsKnowledgeFaqDocumentsKey847FB6BD", "Arn"]}
    in_account = {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    via_s3 = {"StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", REGION, ".amazonaws.com"]]}}}

    def documents(source: str) -> list[dict]:
        return [
            {"Sid": f"ListDocuments{source}", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": in_account},
            {"Sid": f"ReadDocuments{source}", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": {"Fn::Join": ["", [bucket, "/*"]]}, "Condition": in_account},
            {"Sid": f"DecryptDocuments{source}", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key, "Condition": via_s3},
        ]  # fmt: skip

    assert _policy(template, "WorkloadsKnowledgeFaqPolicy") == [
        {"Sid": "InvokeEmbeddingModel", "Effect": "Allow", "Action": "bedrock:InvokeModel",
         "Resource": _model_arn(REGION, "amazon.titan-embed-text-v2:0")},
        # aoss:APIAccessAll on the platform's collection (its ARN read from SSM): data-plane access is then
        # narrowed to the tenant's index by the tenant's own data access policy.
        {"Sid": "AccessVectorCollection", "Effect": "Allow", "Action": "aoss:APIAccessAll", "Resource": collection_arn},
        *documents("Faq"), *documents("Policies"),
    ]  # fmt: skip
    (_, kb) = _one(template, "AWS::Bedrock::KnowledgeBase")
    storage = kb["StorageConfiguration"]["OpensearchServerlessConfiguration"]
    assert storage["CollectionArn"] == collection_arn
    assert storage["VectorIndexName"].startswith("bedrock-platform-acme-retail-faq-index-")
    assert kb["Name"].startswith("bedrock-platform-acme-retail-faq-")


def _rules(policy_value: object) -> list[dict]:
    """The data access policy document, each deploy-time value back in place of its placeholder."""
    parts = policy_value["Fn::Join"][1] if isinstance(policy_value, dict) else [policy_value]
    tokens = [p for p in parts if not isinstance(p, str)]
    text = "".join(p if isinstance(p, str) else f"@@{tokens.index(p)}" for p in parts)

    def restore(value: object) -> object:
        if isinstance(value, str) and value.startswith("@@"):
            return tokens[int(value[2:])]
        if isinstance(value, list):
            return [restore(v) for v in value]
        if isinstance(value, dict):
            return {k: restore(v) for k, v in value.items()}
        return value

    return restore(json.loads(text))  # type: ignore[return-value]


def test_tenant_data_access_policy_names_only_its_principals_and_its_index(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    (_, policy) = _one(template, "AWS::OpenSearchServerless::AccessPolicy")
    assert policy["Type"] == "data" and policy["Name"].startswith("bedrock-platform-kb-") and len(policy["Name"]) <= 32
    kb_role = {"Fn::GetAtt": ["WorkloadsKnowledgeFaqRole15254FD9", "Arn"]}
    # The bootstrap CloudFormation execution role creates the index (VectorCollection.register_index).
    deploy_role = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                              "cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"}
    index = "index/bedrock-platform-kb/bedrock-platform-acme-retail-faq-index-*"
    assert _rules(policy["Policy"]) == [
        {"Description": "CloudFormation creates and deletes index bedrock-platform-acme-retail-faq-index",
         "Rules": [{"ResourceType": "collection", "Resource": ["collection/bedrock-platform-kb"],
                    "Permission": ["aoss:CreateCollectionItems", "aoss:DescribeCollectionItems", "aoss:UpdateCollectionItems"]},
                   {"ResourceType": "index", "Resource": [index],
                    "Permission": ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:UpdateIndex", "aoss:DeleteIndex"]}],
         "Principal": [deploy_role]},
        {"Description": "Knowledge base bedrock-platform-acme-retail-faq reads and writes its index",
         "Rules": [{"ResourceType": "collection", "Resource": ["collection/bedrock-platform-kb"],
                    "Permission": ["aoss:DescribeCollectionItems"]},
                   {"ResourceType": "index", "Resource": [index],
                    "Permission": ["aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument", "aoss:UpdateIndex"]}],
         "Principal": [kb_role]},
    ]  # fmt: skip
    # The platform collection's own policy does not grow per tenant: no tenant principal or index in it.
    (_, platform_policy) = _one(tenants_platform.raw("Knowledge"), "AWS::OpenSearchServerless::AccessPolicy")
    assert "acme" not in json.dumps(platform_policy) and "Tenant" not in json.dumps(platform_policy)


def test_shared_values_travel_through_ssm_parameters_never_exports(tenants_platform):
    knowledge = tenants_platform.raw("Knowledge")
    (collection_id, _) = _one(knowledge, "AWS::OpenSearchServerless::Collection")
    assert _written(knowledge, "/bedrock-platform/knowledge/collection/id") == {"Fn::GetAtt": [collection_id, "Id"]}
    assert _written(knowledge, "/bedrock-platform/knowledge/collection/arn") == {"Fn::GetAtt": [collection_id, "Arn"]}
    assert _written(knowledge, "/bedrock-platform/knowledge/collection/endpoint") == {
        "Fn::GetAtt": [collection_id, "CollectionEndpoint"]}
    agents = tenants_platform.raw("Agents")
    (guardrail_id, _) = _one(agents, "AWS::Bedrock::Guardrail")
    assert _written(agents, "/bedrock-platform/guardrails/customer-facing/arn") == {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}
    acme = tenants_platform.raw("TenantAcmeRetail")
    reads = {v["Default"] for v in acme["Parameters"].values() if v["Type"] == "AWS::SSM::Parameter::Value<String>"}
    assert {r for r in reads if r.startswith("/bedrock-platform/")} == {"/bedrock-platform/alerts/topic-arn",
                     "/bedrock-platform/knowledge/collection/arn", "/bedrock-platform/knowledge/collection/endpoint",
                     "/bedrock-platform/guardrails/customer-facing/arn", "/bedrock-platform/guardrails/customer-facing/version",
                     "/bedrock-platform/agentcore/log-destination-arn"}
    for artifact in tenants_platform.assembly.stacks_recursively:
        assert "Fn::ImportValue" not in json.dumps(artifact.template), artifact.stack_name
        assert "Export" not in json.dumps(artifact.template.get("Outputs", {})), artifact.stack_name
    stack = tenants_platform.stacks.tenants["acme-retail"]
    assert {d.node.id for d in stack.dependencies} >= {"Knowledge", "Agents", "Observability"}


# --- acme-retail: an agent on the shared guardrail, through the tenant's profile -----------------------------


def test_harness_calls_its_model_through_the_tenants_application_profile(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    (profile_id,) = [k for k, v in _of_type(template, "AWS::Bedrock::ApplicationInferenceProfile").items()
                     if v["Properties"]["Description"].endswith(HAIKU)]  # fmt: skip
    profile_arn = {"Fn::GetAtt": [profile_id, "InferenceProfileArn"]}
    (_, harness) = _one(template, "AWS::BedrockAgentCore::Harness")
    assert harness["HarnessName"] == "bedrock_platform_acme_retail_helper"
    model = harness["Model"]["BedrockModelConfig"]
    assert model["ModelId"] == profile_arn
    guardrail_arn = _parameter_ref(template, "/bedrock-platform/guardrails/customer-facing/arn")
    assert model["AdditionalParams"]["guardrailConfig"]["guardrailVersion"] == _parameter_ref(
        template, "/bedrock-platform/guardrails/customer-facing/version")
    haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"
    statements = {s["Sid"]: s for s in _policy(template, "WorkloadsAgentsHelperHarnessExecutionRolePolicy")}
    assert statements["InvokeThroughProfile"] == {"Sid": "InvokeThroughProfile", "Effect": "Allow", "Action": INVOKE,
                                                  "Resource": profile_arn}
    assert statements["InvokeModelThroughProfile"] == {
        "Sid": "InvokeModelThroughProfile", "Effect": "Allow", "Action": INVOKE,
        "Resource": [_model_arn(REGION, haiku), *(_model_arn(r, haiku) for r in ("us-east-1", "us-east-2", "us-west-1", "us-west-2"))],
        "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": profile_arn}},
    }  # fmt: skip
    assert statements["ReadProfile"] == {"Sid": "ReadProfile", "Effect": "Allow", "Action": "bedrock:GetInferenceProfile",
                                         "Resource": profile_arn}
    assert statements["ApplyGuardrail"] == {"Sid": "ApplyGuardrail", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail",
                                            "Resource": guardrail_arn}
    # No direct model grant: the system profile or the model without the condition would escape the tenant tag.
    assert "InvokeModel" not in statements and "InvokeModelProfile" not in statements


def test_application_role_may_invoke_exactly_the_tenants_harnesses(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    (harness_id, _) = _one(template, "AWS::BedrockAgentCore::Harness")
    (invoke,) = [s for s in _policy(template, "ApplicationPolicy") if s["Sid"] == "InvokeTenantAgents"]
    assert invoke == {"Sid": "InvokeTenantAgents", "Effect": "Allow",
                      "Action": ["bedrock-agentcore:InvokeAgentRuntime", "bedrock-agentcore:InvokeHarness"],
                      "Resource": {"Fn::GetAtt": [harness_id, "Arn"]}}  # fmt: skip
    globex = tenants_platform.raw("TenantGlobex")  # no agent: no harness grant
    assert "InvokeTenantAgents" not in json.dumps(_policy(globex, "ApplicationPolicy"))


def test_tenant_dashboard_shows_its_agents(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    (harness_id, _) = _one(template, "AWS::BedrockAgentCore::Harness")
    (_, dashboard) = _one(template, "AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["DashboardBody"])
    assert "acme-retail: agent helper" in body and "AWS/Bedrock-AgentCore" in body
    assert json.dumps({"Fn::GetAtt": [harness_id, "Arn"]}) in body
    plain = body.replace("\\", "")
    for metric in ("Invocations", "SystemErrors", "UserErrors"):
        assert f'MetricName="{metric}"' in plain, metric


def test_scheduled_ingestion_in_the_tenants_own_group_with_its_dead_letter_alarm(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    (group_id, group) = _one(template, "AWS::Scheduler::ScheduleGroup")
    assert group["Name"] == "bedrock-platform-acme-retail-ingestion"
    (_, schedule) = _one(template, "AWS::Scheduler::Schedule")
    assert schedule["GroupName"] == {"Ref": group_id} and schedule["ScheduleExpression"] == "rate(1 day)"
    (_, role) = _one(template, "AWS::IAM::Role", "WorkloadsKnowledgeFaqIngestionScheduleRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"] == {"Fn::GetAtt": [group_id, "Arn"]}
    (queue_id, _) = _one(template, "AWS::SQS::Queue")
    (_, alarm) = _one(template, "AWS::CloudWatch::Alarm", "WorkloadsIngestionDeadLetterAlarm")
    assert alarm["AlarmName"] == "bedrock-platform-tenant-acme-retail-ingestion-dead-letters"
    (metric,) = alarm["Metrics"]
    assert metric["MetricStat"]["Metric"] == {"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
                                              "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]}
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [_parameter_ref(template, "/bedrock-platform/alerts/topic-arn")]


def test_tenant_agents_deliver_their_logs_to_the_platforms_one_shared_destination(tenants_platform):
    """Each tenant harness delivers APPLICATION_LOGS and USAGE_LOGS, its gateway APPLICATION_LOGS
    (observability/agentcore_logs.LOG_TYPES, AgentCore devguide "observability-configure"; ARNs are the
    read-only Arn / GatewayArn of the cfn-lint schemas), through a
    DeliverySource on the resource ARN and a Delivery to the platform's destination, whose ARN the
    tenant stack reads from SSM. No log group, destination or account-level log resource policy per
    tenant: the whole app has one AWS::Logs::ResourcePolicy (CloudWatch Logs allows 10 per account and
    Region, botocore logs PutResourcePolicy)."""
    workloads = tenants_platform.stacks.tenants["acme-retail"].workloads
    assert [(kind, name) for kind, name, _ in workloads.agentcore_log_sources] == [("harness", "helper"), ("gateway", "helper")]
    template = tenants_platform.raw("TenantAcmeRetail")
    sources = sorted((r["Properties"]["LogType"], json.dumps(r["Properties"]["ResourceArn"]))
                     for r in _of_type(template, "AWS::Logs::DeliverySource").values())
    harness_id = _one(template, "AWS::BedrockAgentCore::Harness")[0]
    gateway_id = _one(template, "AWS::BedrockAgentCore::Gateway")[0]
    assert sources == sorted([
        ("APPLICATION_LOGS", json.dumps({"Fn::GetAtt": [harness_id, "Arn"]})),
        ("USAGE_LOGS", json.dumps({"Fn::GetAtt": [harness_id, "Arn"]})),
        ("APPLICATION_LOGS", json.dumps({"Fn::GetAtt": [gateway_id, "GatewayArn"]})),
    ])
    deliveries = _of_type(template, "AWS::Logs::Delivery")
    assert len(deliveries) == 3
    destination = _parameter_ref(template, "/bedrock-platform/agentcore/log-destination-arn")
    assert all(d["Properties"]["DeliveryDestinationArn"] == destination for d in deliveries.values())
    for name in ("TenantAcmeRetail", "TenantGlobex"):
        tenant = tenants_platform.raw(name)
        for resource_type in ("AWS::Logs::ResourcePolicy", "AWS::Logs::DeliveryDestination"):
            assert not _of_type(tenant, resource_type), (name, resource_type)
    policies = [lid for stack in tenants_platform.assembly.stacks for lid, r in stack.template["Resources"].items()
                if r["Type"] == "AWS::Logs::ResourcePolicy"]
    assert len(policies) == 1, policies
    assert not _of_type(tenants_platform.raw("TenantGlobex"), "AWS::Logs::DeliverySource")  # no agents, no deliveries


# --- globex: a knowledge base on S3 Vectors in the tenant's own stack ----------------------------------------


def test_s3_vectors_knowledge_base_uses_a_bucket_and_key_of_the_tenant_stack(tenants_platform):
    template = tenants_platform.raw("TenantGlobex")
    (bucket_id, bucket) = _one(template, "AWS::S3Vectors::VectorBucket")
    assert bucket["VectorBucketName"] == "bedrock-platform-globex-kb-vectors"
    (key_id, key) = _one(template, "AWS::KMS::Key", "WorkloadsVectorBucketKey")
    assert key["EnableKeyRotation"] is True
    assert bucket["EncryptionConfiguration"] == {"SseType": "aws:kms", "KmsKeyArn": {"Fn::GetAtt": [key_id, "Arn"]}}
    (index_id, _) = _one(template, "AWS::S3Vectors::Index")
    statements = {s["Sid"]: s for s in _policy(template, "WorkloadsKnowledgeHandbookPolicy")}
    assert statements["AccessVectorIndex"]["Resource"] == {"Fn::GetAtt": [index_id, "IndexArn"]}
    assert statements["UseVectorKey"]["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert "AccessVectorCollection" not in statements
    assert not _of_type(template, "AWS::OpenSearchServerless::AccessPolicy")
    assert {v["Default"] for v in template["Parameters"].values()} == {"/cdk-bootstrap/hnb659fds/version",
                                                                        "/bedrock-platform/alerts/topic-arn"}


# --- config errors ---------------------------------------------------------------------------------------------

_TENANT = {"name": "acme", "owners": ["a@example.com"], "allowed_models": [HAIKU],
           "knowledge_bases": [{"name": "faq"}]}  # fmt: skip
_AGENT = {"name": "helper", "foundation_model": HAIKU, "instruction": "You help Acme's customers with questions.",
          "knowledge_bases": [{"name": "faq", "description": "FAQ"}]}  # fmt: skip
_PLATFORM = {"agents": {"guardrails": [{"name": "customer-facing", "preset": "customer-facing-strict"}]}}


@pytest.mark.parametrize(("tenant", "agent", "where", "shown"), [
    ({}, {"engine": "classic"}, "tenants[0].agents[0].engine",
     "'classic' is not available to tenants: Bedrock Agents Classic is closed to new customers since 2026-07-30"),
    ({}, {"guardrail": "strict"}, "tenants[0].agents[0].guardrail",
     "'strict' is not a configured platform guardrail (agents.guardrails[].name) (configured: customer-facing)"),
    ({"guardrail": "strict"}, {}, "tenants[0].guardrail", "'strict' is not a configured platform guardrail"),
    ({}, {"knowledge_bases": [{"name": "manuals", "description": "x"}]}, "tenants[0].agents[0].knowledge_bases[0].name",
     "'manuals' is not one of the tenant's knowledge_bases (configured: faq)"),
    ({}, {"foundation_model": "amazon.nova-lite-v1:0"}, "tenants[0].agents[0].foundation_model",
     f"'amazon.nova-lite-v1:0' is not among the tenant's allowed_models ({HAIKU})"),
    ({}, {"action_groups": ["refunds"]}, "tenants[0].agents[0].action_groups[0]",
     "'refunds' is not a configured platform action group (agents.action_groups[].name) (configured: none)"),
    ({"knowledge_bases": [{"name": "faq"}, {"name": "FAQ"}]}, {}, "tenants[0].knowledge_bases[1].name",
     "gives the construct id Faq"),
    ({"knowledge_bases": [{"name": "faq", "data_sources": [{"name": "a-b"}]}, {"name": "faq-a", "data_sources": [{"name": "b"}]}]},
     {}, "tenants[0].knowledge_bases[1].data_sources[0].name",
     "'b' collides with knowledge_bases[0].data_sources[0].name ('a-b'): both become construct id 'FaqABDataSourceId' "
     "in the tenant stack"),
])  # fmt: skip
def test_bad_tenant_workloads_fail_with_the_field_path(tenant, agent, where, shown):
    config = {**_PLATFORM, "tenants": [{**_TENANT, "agents": [{**_AGENT, **agent}], **tenant}]}
    with pytest.raises(ConfigError) as error:
        parse_config(config, "t.yaml")
    text = str(error.value)
    assert f"{where}: {shown}" in text or (where in text and shown in text), text


def test_a_tenant_index_may_not_collide_with_a_platform_index_in_the_shared_collection():
    # Platform knowledge base "acme-faq" and tenant acme's "faq" would both be index bedrock-platform-acme-faq-index.
    config = {"knowledge": {"knowledge_bases": [{"name": "acme-faq"}]}, "tenants": [_TENANT]}
    with pytest.raises(ConfigError) as error:
        parse_config(config, "t.yaml")
    assert "tenants[0].knowledge_bases[0].name" in str(error.value)
    assert "knowledge.knowledge_bases[0].name ('bedrock-platform-acme-faq-index')" in str(error.value)
    on_s3 = {**_TENANT, "knowledge_bases": [{"name": "faq", "vector_store": "s3_vectors"}]}
    parse_config({"knowledge": {"knowledge_bases": [{"name": "acme-faq"}]}, "tenants": [on_s3]}, "t.yaml")  # own bucket


def test_tenant_stack_with_workloads_needs_the_platform_links():
    from bedrock_platform.composition.tenant_stack import TenantStack
    from bedrock_platform.core.validation import PlatformValidationError

    tenant = parse_config({"tenants": [_TENANT]}, "t.yaml").tenants[0]
    with pytest.raises(PlatformValidationError) as error:
        TenantStack(App(), "TenantAcme", platform_name="p", tenant=tenant, namespace="BedrockPlatform")
    assert "platform_links" in str(error.value) and "acme" in str(error.value)


# --- scale: 12 tenants on the default platform, one synth ----------------------------------------------------


def _scale_config() -> dict:
    data = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    data = copy.deepcopy(data)
    data["tenants"] = [
        {
            "name": f"team-{i:02d}", "owners": [f"lead@team{i}.example"], "allowed_models": [HAIKU],
            "monthly_budget": 100, "tokens_per_day": 1_000_000, "guardrail": "customer-facing",
            "knowledge_bases": [{
                "name": "docs", "vector_store": "opensearch_serverless" if i % 2 == 0 else "s3_vectors",
                "data_sources": [{"name": "guides", "ingestion_schedule": "rate(1 day)"}, {"name": "faq", "chunking": {"preset": "faq"}}],
            }],
            "agents": [{**_AGENT, "knowledge_bases": [{"name": "docs", "description": "Team docs"}],
                        "action_groups": ["customer-support"]}],
        }
        for i in range(N_TENANTS)
    ]  # fmt: skip
    return data


@pytest.fixture(scope="module")
def scale():
    from stacks.platform import build_platform, new_app

    config = parse_config(_scale_config(), "scale.yaml")
    app = new_app()
    stacks = build_platform(app, config)
    assembly = synth_within_limits(app, config.quotas.to_quotas())  # raises on any breach
    return config, stacks, assembly, {a.hierarchical_id: a.template for a in assembly.stacks_recursively}


def test_twelve_tenants_synthesize_with_every_stack_within_limits(scale):
    _, stacks, assembly, templates = scale
    assert len(stacks.tenants) == N_TENANTS
    for artifact in assembly.stacks_recursively:
        template = artifact.template
        assert len(template["Resources"]) < MAX_RESOURCES and len(template.get("Outputs", {})) < MAX_OUTPUTS
        assert len(template.get("Parameters", {})) < MAX_PARAMETERS
    tenant = templates["TenantTeam00"]
    assert len(_of_type(tenant, "AWS::Bedrock::KnowledgeBase")) == 1 and len(_of_type(tenant, "AWS::Bedrock::DataSource")) == 2
    assert len(_of_type(tenant, "AWS::BedrockAgentCore::Harness")) == 1
    # One tenant's stack stays far from 500 resources: 250 tenants are 250 such stacks.
    assert len(tenant["Resources"]) < 100, len(tenant["Resources"])
    # The shared collection and guardrail are not duplicated per tenant.
    assert len(_of_type(templates["Knowledge"], "AWS::OpenSearchServerless::Collection")) == 1
    assert sum(len(_of_type(t, "AWS::Bedrock::Guardrail")) for t in templates.values()) == 1


def test_tenant_gateway_invokes_the_platform_action_group_function_by_arn_from_ssm(scale):
    _, _, _, templates = scale
    tenant = templates["TenantTeam03"]
    function_arn = _parameter_ref(tenant, "/bedrock-platform/action-groups/customer-support/gateway-function-arn")
    (search,) = [k for k in _of_type(tenant, "AWS::Lambda::Function") if "KnowledgeSearch" in k]
    assert _policy(tenant, "WorkloadsAgentsHelperGatewayPolicy") == [
        {"Sid": "InvokeTarget1", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn},
        {"Sid": "InvokeTarget2", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": [search, "Arn"]}},
    ]  # fmt: skip
    (_, target) = _one(tenant, "AWS::BedrockAgentCore::GatewayTarget", "WorkloadsAgentsHelperGatewaycustomersupport")
    assert target["Name"] == "customer-support"
    lambda_target = target["TargetConfiguration"]["Mcp"]["Lambda"]
    assert lambda_target["LambdaArn"] == function_arn
    # Identity-based only: the shared function's resource policy does not grow per tenant.
    for template in templates.values():
        for permission in _of_type(template, "AWS::Lambda::Permission").values():
            assert permission["Properties"]["FunctionName"] != function_arn
    agents = templates["Agents"]
    (gateway_fn,) = [k for k, v in _of_type(agents, "AWS::Lambda::Function").items() if "Gateway" in k]
    assert _written(agents, "/bedrock-platform/action-groups/customer-support/gateway-function-arn") == {
        "Fn::GetAtt": [gateway_fn, "Arn"]}


def test_account_quotas_and_data_access_policies_count_tenant_stacks(scale):
    config, _, assembly, templates = scale
    kbs = sum(len(_of_type(t, "AWS::Bedrock::KnowledgeBase")) for t in templates.values())
    platform_kbs = len(config.knowledge.knowledge_bases)
    assert kbs == platform_kbs + N_TENANTS
    harnesses = sum(len(_of_type(t, "AWS::BedrockAgentCore::Harness")) for t in templates.values())
    problems = check_limits(assembly, AccountQuotas(knowledge_bases=kbs - 1, agentcore_agents=harnesses - 1))
    assert [p.split(" exceed")[0] for p in problems] == [
        f"account: {kbs} AWS::Bedrock::KnowledgeBase",
        f"account: {harnesses} AWS::BedrockAgentCore::Runtime/AWS::BedrockAgentCore::Harness",
    ]
    data_policies = [t for t in templates.values() for r in _of_type(t, "AWS::OpenSearchServerless::AccessPolicy").values()
                     if r["Properties"]["Type"] == "data"]  # fmt: skip
    assert len(data_policies) == 1 + N_TENANTS // 2  # the collection's, and one per tenant on it


def test_over_500_data_access_policies_fail_with_the_quota_name(capsys):
    from test_stack_limits import _app, _fails

    def build(app: App, count: int) -> None:
        for stack_index, share in enumerate((count // 2, count - count // 2)):
            stack = Stack(app, f"Tenant{stack_index}")
            for i in range(share):
                CfnResource(stack, f"P{i}", type="AWS::OpenSearchServerless::AccessPolicy",
                            properties={"Name": f"p{i}", "Type": "data", "Policy": "[]"})
            CfnResource(stack, "Net", type="AWS::OpenSearchServerless::SecurityPolicy",
                        properties={"Name": "n", "Type": "network", "Policy": "[]"})  # not counted

    assert _fails(lambda app: build(app, 501), capsys) == (
        "account: 501 AWS::OpenSearchServerless::AccessPolicy (type data) exceed the OpenSearch Serverless 'Data access "
        "policies per account per Region' quota of 500, which AWS does not raise: put some tenants' knowledge bases on "
        "vector_store: s3_vectors, or deploy some tenants to another account or region"
    )
    app = _app()
    build(app, 500)
    synth_within_limits(app)
    with pytest.raises(StackLimitError):
        app2 = _app()
        build(app2, 501)
        synth_within_limits(app2)
