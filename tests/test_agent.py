"""Agent, alias, action groups and foundation-model grants: exact IAM, alias versioning in both
directions, synth-time grant validation on deliberately broken setups, validation messages,
cost annotation, cdk-nag and cfn-lint."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template
from nag_helpers import add_nag_packs, nag_findings
from template_helpers import ASSET_BUCKET, only, schema_object_key

from bedrock_platform.agents.action_group import ActionGroup, FunctionDefinition, FunctionParameter
from bedrock_platform.agents.agent import Agent, AgentAlias, SessionSummaryMemory
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.guardrails.policies import ContentFilter
from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
from bedrock_platform.models.foundation_model import FoundationModel
from stacks.platform import new_app

PROFILE = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
BASE_MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"
KB_ARN = "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KBID012345"
INSTRUCTION = "You are the support assistant of Example Corp. Answer briefly and cite the source document."
SCHEMA = {
    "openapi": "3.0.0",
    "info": {"title": "Orders", "version": "1.0.0"},
    "paths": {
        "/orders/{orderId}": {
            "get": {
                "operationId": "getOrder",
                "description": "Get an order by id",
                "parameters": [{"name": "orderId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The order"}},
            }
        },
        "/orders/{orderId}/refund": {
            "post": {
                "operationId": "refundOrder",
                "description": "Refund an order",
                "x-requireConfirmation": "ENABLED",
                "responses": {"200": {"description": "Refunded"}},
            }
        },
    },
}


@dataclass
class FakeKnowledgeBase:
    knowledge_base_id: str
    knowledge_base_arn: str


def partition_arn(suffix: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def partition_arn_join(*parts: Any) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, *parts]]}


def build(mutate=None, *, model: str = PROFILE, instruction: str = INSTRUCTION, schema: dict | None = None,
          filter_strength: str = "HIGH", tags: bool = False, nag: bool = False, validate: bool = True):  # fmt: skip
    app = new_app()
    stack = Stack(app, "AgentTest")
    guardrail = Guardrail(stack, "Guardrail", content_filters=[ContentFilter("HATE", filter_strength, filter_strength)])
    executor = lambda_.Function.from_function_attributes(
        stack, "Executor", function_arn="arn:aws:lambda:us-east-1:111122223333:function:orders", same_environment=True
    )
    agent = Agent(
        stack,
        "Support",
        name="customer-support",
        foundation_model=model,
        instruction=instruction,
        guardrail=guardrail,
        knowledge_bases=[(FakeKnowledgeBase("KBID012345", KB_ARN), "Return policy and product manuals")],
        action_groups=[ActionGroup(name="orders", description="Look up and refund orders", executor=executor, api_schema=schema or SCHEMA)],
        memory=SessionSummaryMemory(storage_days=7),
        idle_session_ttl_seconds=900,
    )
    if mutate:
        mutate(agent)
    if tags:
        Tags.of(app).add("team", "support")
    if nag:
        add_nag_packs(app)
        return stack, agent, app.synth()
    if not validate:
        return stack, agent, None
    return stack, agent, Template.from_stack(stack)


@pytest.fixture(scope="module")
def baseline():
    return build()


def test_role_trust_is_scoped_to_this_accounts_agents(baseline):
    _, _, template = baseline
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                            "ArnLike": {
                                "aws:SourceArn": {
                                    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":",
                                                      {"Ref": "AWS::AccountId"}, ":agent/*"]]  # fmt: skip
                                }
                            },
                        },
                    }
                ],
            }
        },
    )


def test_role_policy_is_one_managed_policy_with_exact_statements(baseline):
    _, _, template = baseline
    assert template.find_resources("AWS::IAM::Policy") == {}  # nothing inline
    _, policy = only(template, "AWS::IAM::ManagedPolicy")
    guardrail_id, _ = only(template, "AWS::Bedrock::Guardrail")
    profile = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":",
                                 {"Ref": "AWS::AccountId"}, f":inference-profile/{PROFILE}"]]}  # fmt: skip
    source_region_model = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"},
                                             f"::foundation-model/{BASE_MODEL}"]]}  # fmt: skip
    routed = [partition_arn(f":bedrock:{r}::foundation-model/{BASE_MODEL}") for r in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "InvokeModel",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": [profile, source_region_model, *routed],
        },
        {"Sid": "InvokeModelProfile", "Effect": "Allow", "Action": "bedrock:GetInferenceProfile", "Resource": profile},
        {"Sid": "ApplyGuardrail", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}},
        {"Sid": "QueryKnowledgeBase0", "Effect": "Allow", "Action": "bedrock:Retrieve", "Resource": KB_ARN},
        # The OpenAPI schema is an S3 asset: the role reads exactly that object (Bedrock user guide, "Create
        # a service role for Amazon Bedrock Agents": s3:GetObject on the schema object, aws:ResourceAccount).
        {"Sid": "ReadActionGroupSchema0", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": partition_arn_join(":s3:::", ASSET_BUCKET, f"/{schema_object_key(SCHEMA)}"),
         "Condition": {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}},
    ]
    role_id, _ = only(template, "AWS::IAM::Role")
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]


def test_agent_properties(baseline):
    _, _, template = baseline
    guardrail_id, _ = only(template, "AWS::Bedrock::Guardrail")
    version_id, _ = only(template, "AWS::Bedrock::GuardrailVersion")
    executor_arn = "arn:aws:lambda:us-east-1:111122223333:function:orders"
    template.has_resource(
        "AWS::Bedrock::Agent",
        {
            "Properties": {
                "AgentName": "customer-support",
                "AutoPrepare": True,
                "FoundationModel": PROFILE,
                "Instruction": INSTRUCTION,
                "IdleSessionTTLInSeconds": 900,
                "GuardrailConfiguration": {
                    "GuardrailIdentifier": {"Fn::GetAtt": [guardrail_id, "GuardrailId"]},
                    "GuardrailVersion": {"Fn::GetAtt": [version_id, "Version"]},
                },
                "KnowledgeBases": [
                    {"KnowledgeBaseId": "KBID012345", "Description": "Return policy and product manuals", "KnowledgeBaseState": "ENABLED"}
                ],
                "MemoryConfiguration": {
                    "EnabledMemoryTypes": ["SESSION_SUMMARY"],
                    "StorageDays": 7,
                    "SessionSummaryConfiguration": {"MaxRecentSessions": 20},
                },
                "ActionGroups": [
                    {
                        "ActionGroupName": "orders",
                        "Description": "Look up and refund orders",
                        "ActionGroupState": "ENABLED",
                        "ActionGroupExecutor": {"Lambda": executor_arn},
                        "ApiSchema": {"S3": {"S3BucketName": ASSET_BUCKET, "S3ObjectKey": schema_object_key(SCHEMA)}},
                    }
                ],
            },
            "DependsOn": [Match.string_like_regexp("^SupportPolicy")],
        },
    )


def test_lambda_permission_is_scoped_to_the_agent(baseline):
    _, _, template = baseline
    agent_id, _ = only(template, "AWS::Bedrock::Agent")
    _, permission = only(template, "AWS::Lambda::Permission")
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": "arn:aws:lambda:us-east-1:111122223333:function:orders",
        "Principal": "bedrock.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {"Fn::GetAtt": [agent_id, "AgentArn"]},
    }


def test_grant_invoke_allows_invoke_agent_on_the_alias_only():
    def grant(agent: Agent) -> None:
        agent.grant_invoke(iam.Role(Stack.of(agent), "WebApp", assumed_by=iam.AccountRootPrincipal()))

    _, _, template = build(grant)
    alias_id, _ = only(template, "AWS::Bedrock::AgentAlias")
    template.resource_count_is("AWS::IAM::Policy", 0)  # a managed policy, never an inline one
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"PolicyDocument": {"Statement": [{"Action": "bedrock:InvokeAgent", "Effect": "Allow",
                                           "Resource": {"Fn::GetAtt": [alias_id, "AgentAliasArn"]}}]}},
    )  # fmt: skip


# -- alias versioning ---------------------------------------------------------------------


def alias_of(template: Template) -> tuple[str, Any]:
    logical_id, alias = only(template, "AWS::Bedrock::AgentAlias")
    return logical_id, alias["Properties"]["Description"]


def test_unchanged_resynth_and_tags_do_not_move_the_alias(baseline):
    stack, agent, template = baseline
    logical_id, description = alias_of(template)
    version_id, _ = only(template, "AWS::Bedrock::GuardrailVersion")
    digest = stack.resolve(agent.alias.configuration_fingerprint)
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    # The published guardrail version is only known at deploy: it is part of the description too.
    assert description == {"Fn::Join": ["", [
        f"Latest version of agent configuration sha256:{digest} guardrail ", {"Fn::GetAtt": [version_id, "Version"]},
    ]]}  # fmt: skip
    assert alias_of(build()[2]) == (logical_id, description)
    assert alias_of(build(tags=True)[2]) == (logical_id, description)


def test_knowledge_base_ids_known_only_at_deploy_are_in_the_alias_description():
    """A knowledge base replaced in another stack (id read from SSM) changes no template here, but
    its new id must still move the alias to a new agent version."""

    def add_shared_knowledge_base(agent: Agent) -> None:
        stack = Stack.of(agent)
        kb_id = ssm.StringParameter.value_for_string_parameter(stack, "/platform/knowledge-bases/docs/id")
        agent.add_knowledge_base(FakeKnowledgeBase(kb_id, KB_ARN + "2"), "Shared docs")

    stack, agent, template = build(add_shared_knowledge_base)
    _, description = alias_of(template)
    version_id, _ = only(template, "AWS::Bedrock::GuardrailVersion")
    [parameter] = [name for name, p in template.to_json()["Parameters"].items() if p.get("Default") == "/platform/knowledge-bases/docs/id"]
    digest = stack.resolve(agent.alias.configuration_fingerprint)
    assert description == {"Fn::Join": ["", [
        f"Latest version of agent configuration sha256:{digest} guardrail ", {"Fn::GetAtt": [version_id, "Version"]},
        " kb ", {"Ref": parameter},
    ]]}  # fmt: skip


def add_deploy_time_knowledge_bases(count: int):
    def mutate(agent: Agent) -> None:
        stack = Stack.of(agent)
        for i in range(count):
            kb_id = ssm.StringParameter.value_for_string_parameter(stack, f"/platform/knowledge-bases/kb{i}/id")
            agent.add_knowledge_base(FakeKnowledgeBase(kb_id, f"{KB_ARN}{i}"), f"Docs {i}")

    return mutate


def test_alias_description_fits_200_characters_with_the_most_deploy_time_values():
    _, _, template = build(add_deploy_time_knowledge_bases(10))
    _, description = alias_of(template)
    # Longest values: an 8-digit guardrail version, 10-character knowledge base ids.
    worst = "".join(part if isinstance(part, str) else ("12345678" if "Fn::GetAtt" in part else "KB01234567")
                    for part in description["Fn::Join"][1])
    assert len(worst) == 193  # <= 200, the CloudFormation limit


def test_too_many_deploy_time_knowledge_bases_fail_synth():
    stack, _, _ = build(add_deploy_time_knowledge_bases(11), validate=False)
    assert "knowledge_bases: 11 knowledge bases with deploy-time ids is over the limit of 10" in synth_errors(stack)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"instruction": INSTRUCTION + " Never promise delivery dates."}, id="instruction"),
        pytest.param({"model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}, id="model"),
        pytest.param({"schema": {**SCHEMA, "info": {"title": "Orders", "version": "1.1.0"}}}, id="action_group_schema"),
        pytest.param({"filter_strength": "MEDIUM"}, id="guardrail_settings"),
        pytest.param({"mutate": lambda a: a.add_knowledge_base(FakeKnowledgeBase("KBID999999", KB_ARN + "9"), "More docs")},
                     id="add_knowledge_base_after_construction"),
        pytest.param({"mutate": lambda a: a.add_action_group(ActionGroup(
            name="weather", description="Weather", executor=a.action_groups[0].executor,
            functions=[FunctionDefinition("get_weather", parameters=(FunctionParameter("city", "string"),))]))},
            id="add_action_group_after_construction"),
    ],
)  # fmt: skip
def test_any_configuration_change_moves_the_alias_to_a_new_version(baseline, kwargs):
    _, _, template = baseline
    logical_id, description = alias_of(template)
    new_id, new_description = alias_of(build(**kwargs)[2])
    assert new_id == logical_id  # the alias id is stable
    assert new_description != description  # updating the alias publishes a new agent version


def test_additional_alias_and_metrics(baseline):
    stack, agent, _ = baseline
    canary = AgentAlias(stack, "Canary", agent=agent, alias_name="canary")
    metric = canary.metric_invocations()
    # Bedrock publishes alias metrics only as Operation x AgentAliasArn x ModelId: a Metrics
    # Insights query over that schema, filtered on this alias.
    parts = stack.resolve(metric.expression)["Fn::Join"][1]
    assert parts[0] == (
        'SELECT SUM(InvocationCount) FROM SCHEMA("AWS/Bedrock/Agents", AgentAliasArn, ModelId, Operation) '
        "WHERE AgentAliasArn = '"
    )
    assert parts[1]["Fn::GetAtt"][1] == "AgentAliasArn" and parts[2] == "'"
    assert stack.resolve(canary.configuration_fingerprint) == stack.resolve(agent.alias.configuration_fingerprint)


# -- foundation models ----------------------------------------------------------------------


def test_foundation_model_arns_for_each_kind():
    app = new_app()
    stack = Stack(app, "S")
    plain = FoundationModel.of(BASE_MODEL)
    assert not plain.is_inference_profile and plain.inference_profile_arn(stack) is None
    assert stack.resolve(plain.invoke_resource_arns(stack)) == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, f"::foundation-model/{BASE_MODEL}"]]}
    ]
    eu = FoundationModel.of("eu." + BASE_MODEL)
    assert eu.geography == "eu" and eu.base_model_id == BASE_MODEL and len(eu.destination_regions) == 8
    assert len(eu.foundation_model_arns(stack)) == 9  # stack region + 8 destinations
    apac = FoundationModel.of("apac." + BASE_MODEL, routing_regions=["ap-northeast-1", "ap-southeast-2"])
    assert apac.destination_regions == ("ap-northeast-1", "ap-southeast-2")
    global_model = FoundationModel.of("global." + BASE_MODEL)
    assert global_model.destination_regions is None
    assert stack.resolve(global_model.foundation_model_arns(stack)) == [partition_arn(f":bedrock:*::foundation-model/{BASE_MODEL}")]
    assert global_model.wildcard_arns(stack) == [f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{BASE_MODEL}"]
    assert global_model.inference_profile_arn(stack) is not None


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: FoundationModel.of("Claude 3"), "foundation_model: 'Claude 3' is not valid: a Bedrock model id"),
        (lambda: FoundationModel.of(BASE_MODEL, routing_regions=["us-east-1"]), "routing_regions: .* applies only to a geographic inference profile"),
        (lambda: FoundationModel.of("us." + BASE_MODEL, routing_regions=["mars-1"]), r"routing_regions\[0\]: 'mars-1' is not valid: an AWS region code"),
    ],
)
def test_foundation_model_validation(factory, message):
    with pytest.raises(PlatformValidationError, match=message):
        factory()


def test_global_profile_agent_passes_cdk_nag_with_a_documented_suppression_and_cfn_lint():
    from cfnlint.api import ManualArgs, lint

    stack, _, assembly = build(model="global.anthropic.claude-sonnet-4-5-20250929-v1:0", nag=True)
    assert nag_findings(assembly) == []
    template = assembly.get_stack_artifact(stack.artifact_id).template
    policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    rules = policy["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert [(r["id"], r["applies_to"]) for r in rules] == [
        ("AwsSolutions-IAM5", ["Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"])
    ]
    assert "global cross-region inference profile" in rules[0]["reason"]
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


def test_geographic_profile_agent_needs_no_suppression():
    stack, _, assembly = build(nag=True)
    assert nag_findings(assembly) == []
    template = assembly.get_stack_artifact(stack.artifact_id).template
    policy = next(r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    assert "cdk_nag" not in policy.get("Metadata", {})


# -- synth-time grant validation (deliberately broken setups) ------------------------------


def synth_errors(stack: Stack) -> str:
    with pytest.raises(RuntimeError) as error:
        stack.node.root.synth()
    return str(error.value)


def test_validation_fails_when_a_statement_is_removed():
    def drop_knowledge_base_and_guardrail(agent: Agent) -> None:
        agent.policy.node.default_child.policy_document = {
            "Version": "2012-10-17",
            "Statement": [s for s in agent.policy.document.to_json()["Statement"] if s.get("Sid") == "InvokeModel"],
        }

    stack, _, _ = build(drop_knowledge_base_and_guardrail, validate=False)
    message = synth_errors(stack)
    assert "Agent role lacks bedrock:Retrieve on knowledge base KBID012345 (arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KBID012345)" in message
    assert "Agent role lacks bedrock:ApplyGuardrail on the guardrail" in message
    assert "InvokeModel" not in message


def test_validation_fails_when_the_schema_read_is_removed():
    def drop_schema_read(agent: Agent) -> None:
        agent.policy.node.default_child.policy_document = {
            "Version": "2012-10-17",
            "Statement": [s for s in agent.policy.document.to_json()["Statement"] if s.get("Sid") != "ReadActionGroupSchema0"],
        }

    stack, _, _ = build(drop_schema_read, validate=False)
    message = synth_errors(stack)
    arn = json.dumps(partition_arn_join(":s3:::", ASSET_BUCKET, f"/{schema_object_key(SCHEMA)}"), sort_keys=True)
    assert f"Agent role lacks s3:GetObject on the OpenAPI schema of action group orders ({arn})" in message


def test_validation_fails_when_the_lambda_permission_is_removed():
    stack, _, _ = build(lambda agent: agent.node.try_remove_child("ordersPermission"), validate=False)
    assert "Action group orders: its Lambda has no permission for bedrock.amazonaws.com scoped to this agent" in synth_errors(stack)


def test_validation_fails_when_the_inference_profile_or_streaming_grant_is_removed():
    def keep_invoke_model_only(agent: Agent) -> None:
        statements = agent.policy.document.to_json()["Statement"]
        invoke = next(s for s in statements if s.get("Sid") == "InvokeModel")
        others = [s for s in statements if s.get("Sid") not in ("InvokeModel", "InvokeModelProfile")]
        agent.policy.node.default_child.policy_document = {
            "Version": "2012-10-17", "Statement": [{**invoke, "Action": "bedrock:InvokeModel"}, *others],
        }

    stack, _, _ = build(keep_invoke_model_only, validate=False)
    message = synth_errors(stack)
    assert "Agent role lacks bedrock:GetInferenceProfile on the inference profile" in message
    assert "Agent role lacks bedrock:InvokeModelWithResponseStream on the foundation model" in message
    assert "lacks bedrock:InvokeModel on" not in message


def test_validation_fails_when_the_model_grant_is_removed():
    def drop_model(agent: Agent) -> None:
        agent.policy.node.default_child.policy_document = {"Version": "2012-10-17", "Statement": []}

    stack, _, _ = build(drop_model, validate=False)
    assert "Agent role lacks bedrock:InvokeModel on the foundation model" in synth_errors(stack)


# -- cost annotation and validation messages -----------------------------------------------


def test_long_instruction_is_annotated_with_its_estimated_size():
    long_instruction = "Answer questions about our products, orders, returns and warranty. " * 20
    stack, _, _ = build(instruction=long_instruction)
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("about 335 tokens"))
    assert len(warnings) == 1
    assert "re-sent at every reasoning step" in warnings[0].entry.data


def test_short_instruction_has_no_warning(baseline):
    stack, _, _ = baseline
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("tokens")) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"instruction": "Too short."}, "instruction: 'Too short.' has 10 characters, allowed 40-20000"),
        ({"instruction": "x" * 20001}, "instruction: 'x{57}...' has 20001 characters, allowed 40-20000"),
        ({"name": "bad name"}, "name: 'bad name' is not valid: 1-100 letters or digits"),
        ({"idle_session_ttl_seconds": 30}, "idle_session_ttl_seconds: 30 is not within 60-5400"),
        ({"foundation_model": "gpt-4"}, "foundation_model: 'gpt-4' is not valid"),
        ({"knowledge_bases": [(FakeKnowledgeBase("KBID012345", KB_ARN), "d" * 201)]},
         "knowledge_bases\\[0\\].description: 'd{57}...' has 201 characters, allowed 1-200"),
    ],
)  # fmt: skip
def test_agent_validation_names_field_and_what_is_allowed(kwargs, message):
    app = new_app()
    stack = Stack(app, "S")
    props = {"foundation_model": BASE_MODEL, "instruction": INSTRUCTION, **kwargs}
    with pytest.raises(PlatformValidationError, match=message):
        Agent(stack, "A", **props)


def test_duplicate_action_group_and_memory_validation(baseline):
    _, agent, _ = baseline
    with pytest.raises(PlatformValidationError, match="action_groups: 'orders' appears more than once"):
        agent.add_action_group(agent.action_groups[0])
    with pytest.raises(PlatformValidationError, match="storage_days: 0 is not within 1-365"):
        SessionSummaryMemory(storage_days=0)


def test_works_with_an_imported_platform_knowledge_base():
    app = new_app()
    stack = Stack(app, "S")
    kb = KnowledgeBase.from_knowledge_base_attributes(stack, "Kb", knowledge_base_id="KBID012345")
    agent = Agent(stack, "A", foundation_model=BASE_MODEL, instruction=INSTRUCTION, knowledge_bases=[(kb, "Docs")])
    document = stack.resolve(agent.policy.document.to_json())
    assert {"Sid": "QueryKnowledgeBase0", "Effect": "Allow", "Action": "bedrock:Retrieve",
            "Resource": stack.resolve(kb.knowledge_base_arn)} in document["Statement"]  # fmt: skip


# -- action groups ---------------------------------------------------------------------------


def executor_stub():
    app = new_app()
    stack = Stack(app, "S")
    return lambda_.Function.from_function_arn(stack, "F", "arn:aws:lambda:us-east-1:111122223333:function:f")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name!"}, "name: 'bad name!' is not valid: 1-100 letters or digits"),
        ({"description": "d" * 201}, "description: 'd{57}...' has 201 characters, allowed 1-200"),
        ({"api_schema": SCHEMA, "functions": [FunctionDefinition("f")]}, "api_schema: 'both' set exactly one of api_schema"),
        ({"api_schema": None}, "api_schema: 'neither' set exactly one of api_schema"),
        ({"api_schema": {**SCHEMA, "openapi": "2.0"}}, "api_schema.openapi: '2.0' is not supported: Bedrock agents need 3.0.x"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {}}}, "api_schema.paths: {} must define at least one path"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {}}}}}},
         r"api_schema.paths\['/a'\].get.description: None is required: the agent picks operations by it"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {"/a": {"get": {"description": "d", "operationId": "getA"}}}}},
         r"api_schema.paths\['/a'\].get.responses: None is required: document at least one response"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {"/a": {"get": {"description": "d", "operationId": "getA", "responses": {}}}}}},
         r"api_schema.paths\['/a'\].get.responses: {} is required: document at least one response"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {"/a": {"get": {"description": "d", "responses": {"200": {"description": "ok"}}}}}}},
         r"api_schema.paths\['/a'\].get.operationId: None is not valid: required by tool-use models: letters, digits, '-' or '_'"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {"/a": {"get": {"description": "d", "operationId": "get a", "responses": {"200": {"description": "ok"}}}}}}},
         r"api_schema.paths\['/a'\].get.operationId: 'get a' is not valid: required by tool-use models"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {
            "/a": {"get": {"description": "d", "operationId": "getA", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"description": "d", "operationId": "getA", "responses": {"200": {"description": "ok"}}}}}}},
         r"api_schema.paths\['/b'\].get.operationId: 'getA' is already used by get /a; operation ids must be unique"),
        ({"api_schema": {"openapi": "3.0.0", "paths": {"/a": {"post": {
            "description": "d", "operationId": "postA", "x-requireConfirmation": True, "responses": {"200": {"description": "ok"}}}}}}},
         r"api_schema.paths\['/a'\].post.x-requireConfirmation: True is not one of: ENABLED, DISABLED"),
        ({"api_schema": "{not json"}, "api_schema: '{not json' is not JSON: Expecting property name"),
        ({"api_schema": None, "functions": []}, "functions: \\[\\] must list at least one function"),
        ({"api_schema": None, "functions": [FunctionDefinition("f"), FunctionDefinition("f")]}, r"functions\[1\]: 'f' appears more than once \(also at index 0\)"),
    ],
)  # fmt: skip
def test_action_group_validation(kwargs, message):
    props = {"name": "orders", "description": "Orders", "executor": executor_stub(), "api_schema": SCHEMA, **kwargs}
    with pytest.raises(PlatformValidationError, match=message):
        ActionGroup(**props)


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: FunctionParameter("city", "object"), "type: 'object' is not one of: string, number, integer, boolean, array"),
        (lambda: FunctionParameter("city", "string", "d" * 501), "description: 'd{57}...' has 501 characters, allowed 1-500"),
        (lambda: FunctionParameter("bad name", "string"), "name: 'bad name' is not valid"),
        (lambda: FunctionDefinition("f", "d" * 1201), "description: 'd{57}...' has 1201 characters, allowed 1-1200"),
        (lambda: FunctionDefinition("f", parameters=(FunctionParameter("a", "string"), FunctionParameter("a", "number"))),
         r"parameters\[1\]: 'a' appears more than once \(also at index 0\)"),
    ],
)  # fmt: skip
def test_function_details_validation(factory, message):
    with pytest.raises(PlatformValidationError, match=message):
        factory()


def test_api_schema_text_is_passed_verbatim():
    text = json.dumps(SCHEMA, indent=2) + "\n"
    group = ActionGroup(name="orders", description="Orders", executor=executor_stub(), api_schema=text)
    assert group.api_schema == SCHEMA and group.api_schema_payload == text
    assert Stack.of(group.executor).resolve(group._render().api_schema.payload) == text
    assert group.operations_requiring_confirmation == ["refundOrder"]


def test_operations_requiring_confirmation():
    group = ActionGroup(name="orders", description="Orders", executor=executor_stub(), api_schema=SCHEMA)
    assert group.operations_requiring_confirmation == ["refundOrder"]
    functions = ActionGroup(name="f", description="F", executor=executor_stub(),
                            functions=[FunctionDefinition("refund", require_confirmation=True), FunctionDefinition("get")])  # fmt: skip
    assert functions.operations_requiring_confirmation == ["refund"]
