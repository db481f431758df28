"""The agents / guardrails / models library API (issue 8 section 2): interfaces and importers,
grants in managed policies with exact statements, deploy-time tokens accepted by every construct,
every problem reported at once, natural inputs, deprecated names, action-group Lambda options.

AWS sources encoded here:
* ARN formats: botocore ``bedrock-agent`` 2023-06-05 shapes ``AgentArn``
  (``arn:aws:bedrock:<region>:<account>:agent/[0-9a-zA-Z]{10}``) and ``AgentAliasArn``
  (``...:agent-alias/[0-9a-zA-Z]{10}/[0-9a-zA-Z]{10}``); botocore ``bedrock`` shape ``GuardrailArn``.
* ``bedrock:InvokeAgent`` is authorized on the agent-alias resource (Service Authorization
  Reference, Amazon Bedrock, resource type ``agent-alias``); ``bedrock:ApplyGuardrail`` on the guardrail.
* Guardrail metrics: ``AWS/Bedrock/Guardrails`` with ``GuardrailArn`` + ``GuardrailVersion``
  (Bedrock User Guide, "Monitor Amazon Bedrock Guardrails using CloudWatch metrics").
* Powertools layer SSM parameter ``/aws/service/powertools/python/<arm64|x86_64>/<python3.x>/<version>``
  (Powertools for AWS Lambda (Python) docs, "Lambda Layers"; its ``update_ssm.yml`` workflow).
* Lambda ``Architectures`` values ``arm64`` / ``x86_64`` (botocore ``lambda`` shape ``Architecture``).
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template

import bedrock_platform
from bedrock_platform import (
    ActionGroup,
    ActionGroupLambda,
    Agent,
    AgentAlias,
    AgentEncryptionKey,
    ContentFilter,
    DeniedTopic,
    FoundationModel,
    FunctionDefinition,
    FunctionParameter,
    Guardrail,
    GuardrailEnforcedModelAccess,
    IAgent,
    IAgentAlias,
    IGuardrail,
    PiiEntity,
    PlatformValidationError,
    RegexFilter,
    SessionSummaryMemory,
)
from stacks.platform import new_app

ROOT = Path(__file__).resolve().parent.parent
CODE = str(ROOT / "lambdas" / "customer_support")
ENV = {"account": "111122223333", "region": "us-east-1"}
MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"
INSTRUCTION = "You are the support assistant of Example Corp. Answer briefly and cite the source document."
ALIAS_ARN = "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345"
AGENT_ARN = "arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345"
GUARDRAIL_ARN = "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123def456"
KB_ARN = "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KBID012345"
FUNCTIONS = [FunctionDefinition("get_weather", parameters=[FunctionParameter("city", "string")])]


@dataclass
class FakeKnowledgeBase:
    knowledge_base_id: str
    knowledge_base_arn: str
    description: str | None = None


def stack() -> Stack:
    return Stack(new_app(), "S", env=ENV)


def role(scope: Stack, construct_id: str = "WebApp") -> iam.Role:
    return iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def executor(scope: Stack) -> lambda_.IFunction:
    return lambda_.Function.from_function_arn(scope, "Executor", "arn:aws:lambda:us-east-1:111122223333:function:orders")


def guardrail(scope: Stack, **kwargs) -> Guardrail:
    return Guardrail(scope, kwargs.pop("construct_id", "Guardrail"),
                     content_filters=[ContentFilter("HATE", "HIGH", "HIGH")], **kwargs)  # fmt: skip


def managed_policies(template: Template) -> dict:
    return template.find_resources("AWS::IAM::ManagedPolicy")


def statements_of(policy: dict) -> list:
    return policy["Properties"]["PolicyDocument"]["Statement"]


def param(scope: Stack, name: str) -> str:
    return ssm.StringParameter.value_for_string_parameter(scope, f"/tokens/{name}")


def number(scope: Stack, name: str) -> float:
    return Token.as_number(param(scope, name))


# -- importers -----------------------------------------------------------------------------


def test_imported_alias_derives_ids_and_grants_invoke_in_a_managed_policy():
    s = stack()
    alias = AgentAlias.from_alias_arn(s, "Live", ALIAS_ARN)
    assert isinstance(alias, IAgentAlias)
    assert (alias.alias_id, alias.agent.agent_id, alias.agent.agent_arn) == ("ALIAS12345", "AGENT12345", AGENT_ARN)
    web = role(s)
    alias.grant_invoke(web)
    template = Template.from_stack(s)
    template.resource_count_is("AWS::IAM::Policy", 0)
    [policy] = managed_policies(template).values()
    assert statements_of(policy) == [{"Action": "bedrock:InvokeAgent", "Effect": "Allow", "Resource": ALIAS_ARN}]
    assert policy["Properties"]["Roles"] == [{"Ref": s.get_logical_id(web.node.default_child)}]


def test_imported_agent_and_alias_from_attributes():
    s = stack()
    agent = Agent.from_agent_attributes(s, "Agent", agent_arn=AGENT_ARN)
    assert isinstance(agent, IAgent) and agent.agent_id == "AGENT12345"
    alias = AgentAlias.from_alias_attributes(s, "Alias", agent=agent, alias_id="ALIAS12345")
    assert alias.alias_arn == ALIAS_ARN
    assert Agent.from_agent_arn(s, "ByArn", AGENT_ARN).agent_arn == AGENT_ARN
    agent.grant(role(s), "bedrock:GetAgent")
    [policy] = managed_policies(Template.from_stack(s)).values()
    assert statements_of(policy) == [{"Action": "bedrock:GetAgent", "Effect": "Allow", "Resource": AGENT_ARN}]


def test_importers_accept_deploy_time_arns_and_reject_malformed_ones():
    s = stack()
    alias = AgentAlias.from_alias_arn(s, "Token", param(s, "alias-arn"))
    resolved = s.resolve(alias.alias_id)
    assert resolved["Fn::Select"][0] == 1  # alias id = 2nd part of agent-alias/<agent>/<alias>
    Guardrail.from_guardrail_attributes(s, "G", guardrail_arn=param(s, "guardrail-arn"), guardrail_version="DRAFT")
    with pytest.raises(PlatformValidationError, match=r"S/Bad: alias_arn: 'arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345' is not valid"):
        AgentAlias.from_alias_arn(s, "Bad", AGENT_ARN)
    with pytest.raises(PlatformValidationError) as error:
        Guardrail.from_guardrail_attributes(s, "BadG", guardrail_arn="guardrail/x", guardrail_version="v3")
    assert str(error.value).splitlines() == [
        "S/BadG: guardrail_arn: 'guardrail/x' is not valid: arn:<partition>:bedrock:<region>:<account>:guardrail/<id>",
        "S/BadG: guardrail_version: 'v3' is not valid: a version number or DRAFT",
    ]


def test_imported_guardrail_grant_apply_and_metrics_match_a_created_one():
    s = stack()
    key = kms.Key.from_key_arn(s, "Key", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    imported = Guardrail.from_guardrail_attributes(s, "G", guardrail_arn=GUARDRAIL_ARN, guardrail_version="3", kms_key=key)
    assert isinstance(imported, IGuardrail) and imported.guardrail_id == "abc123def456"
    imported.grant_apply(role(s))
    [policy] = managed_policies(Template.from_stack(s)).values()
    assert statements_of(policy) == [
        {"Action": "bedrock:ApplyGuardrail", "Effect": "Allow", "Resource": GUARDRAIL_ARN},
        {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": key.key_arn},
    ]
    metric = imported.metric_invocations_intervened(period=Duration.minutes(1), statistic="Average", color="#d62728")
    assert (metric.namespace, metric.statistic, metric.color, metric.period.to_minutes()) == (
        "AWS/Bedrock/Guardrails", "Average", "#d62728", 1)
    assert metric.dimensions == {"GuardrailArn": GUARDRAIL_ARN, "GuardrailVersion": "3"}
    assert (metric.account, metric.region) == ("111122223333", "us-east-1")  # defaults to the stack


# -- grants ---------------------------------------------------------------------------------


def test_grant_invoke_adds_to_a_given_policy_instead_of_creating_one():
    s = stack()
    agent = Agent(s, "Agent", foundation_model=MODEL, instruction=INSTRUCTION)
    given = iam.ManagedPolicy(s, "Given")
    web = role(s)
    agent.alias.grant_invoke(web, policy=given)
    template = Template.from_stack(s)
    policies = managed_policies(template)
    given_id = s.get_logical_id(given.node.default_child)
    assert set(policies) == {given_id, s.get_logical_id(agent.policy.node.default_child)}
    alias_id = s.get_logical_id(agent.alias.resource)
    assert statements_of(policies[given_id]) == [
        {"Action": "bedrock:InvokeAgent", "Effect": "Allow", "Resource": {"Fn::GetAtt": [alias_id, "AgentAliasArn"]}}
    ]
    assert policies[given_id]["Properties"]["Roles"] == [{"Ref": s.get_logical_id(web.node.default_child)}]


def test_grants_to_the_agent_land_in_its_managed_policy():
    s = stack()
    agent = Agent(s, "Agent", foundation_model=MODEL, instruction=INSTRUCTION)
    table = dynamodb.Table(s, "Table", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING))
    table.grant_read_data(agent)
    template = Template.from_stack(s)
    template.resource_count_is("AWS::IAM::Policy", 0)
    document = statements_of(managed_policies(template)[s.get_logical_id(agent.policy.node.default_child)])
    table_id = s.get_logical_id(table.node.default_child)
    # Table.grant_read_data's actions (aws-cdk-lib dynamodb perms READ_DATA_ACTIONS + stream reads), merged by CDK.
    assert document[-1] == {
        "Action": ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
                   "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:Query", "dynamodb:Scan"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
    }  # fmt: skip


def test_grants_to_an_action_group_lambda_land_in_its_execution_policy():
    s = stack()
    fn = ActionGroupLambda(s, "Fn", code_path=CODE, handler="handler.lambda_handler", description="Orders",
                           powertools_service_name="orders")  # fmt: skip
    table = dynamodb.Table(s, "Table", partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING))
    table.grant_write_data(fn)
    template = Template.from_stack(s)
    template.resource_count_is("AWS::IAM::Policy", 0)
    document = statements_of(managed_policies(template)[s.get_logical_id(fn.policy.node.default_child)])
    assert any("dynamodb:PutItem" in st["Action"] for st in document)


def test_foundation_model_and_guardrail_grants_are_managed_policies():
    s = stack()
    web = role(s)
    FoundationModel.of(MODEL).grant_invoke(web)
    guardrail(s).grant_apply(web)
    template = Template.from_stack(s)
    template.resource_count_is("AWS::IAM::Policy", 0)
    documents = [statements_of(p) for p in managed_policies(template).values()]
    assert [{"Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "Effect": "Allow",
             "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                            f":bedrock:us-east-1::foundation-model/{MODEL}"]]}}] in documents  # fmt: skip


# -- tokens ---------------------------------------------------------------------------------


def test_every_construct_accepts_deploy_time_values_and_synthesizes():
    s = stack()
    g = Guardrail(
        s, "Guardrail", name=param(s, "g-name"), description=param(s, "g-desc"),
        blocked_input_messaging=param(s, "in-msg"), blocked_outputs_messaging=param(s, "out-msg"),
        content_filters=[ContentFilter("HATE", param(s, "strength"), "HIGH")],
        pii_entities=[PiiEntity("EMAIL", param(s, "pii-in"), "ANONYMIZE")],
        regexes=[RegexFilter(param(s, "re-name"), param(s, "re"), "BLOCK", param(s, "re-out"))],
        denied_topics=[DeniedTopic(param(s, "topic"), definition=param(s, "definition"), examples=(param(s, "ex"),))],
        words=[param(s, "word")], grounding_threshold=number(s, "grounding"),
    )  # fmt: skip
    fn = ActionGroupLambda(
        s, "Fn", code_path=CODE, handler="handler.lambda_handler", description=param(s, "fn-desc"),
        powertools_service_name=param(s, "service"), memory_size=number(s, "memory"),
        reserved_concurrency=number(s, "concurrency"), metrics_namespace=param(s, "namespace"),
        timeout=Duration.seconds(number(s, "timeout")), environment={"TABLE": param(s, "table")},
    )  # fmt: skip
    group = ActionGroup(name=param(s, "group"), description=param(s, "group-desc"), executor=fn,
                        api_schema=param(s, "schema"))  # fmt: skip
    functions = ActionGroup(name="weather", description="Weather", executor=fn, functions=[
        FunctionDefinition(param(s, "fn-name"), description=param(s, "fn-d"),
                           parameters=[FunctionParameter("city", param(s, "type"), param(s, "p-d"))])])  # fmt: skip
    kb = FakeKnowledgeBase(param(s, "kb-id"), param(s, "kb-arn"))
    key = AgentEncryptionKey(s, "Key")
    # The one string that cannot be deployed late: a map key in the template.
    with pytest.raises(PlatformValidationError, match="name: '.*' cannot be a deploy-time value"):
        FunctionParameter(param(s, "p"), "string")
    agent = Agent(
        s, "Agent", foundation_model=param(s, "model"), instruction=param(s, "instruction"), name=param(s, "name"),
        description=param(s, "desc"), idle_session_ttl_seconds=number(s, "ttl"),
        memory=SessionSummaryMemory(storage_days=number(s, "days"), max_recent_sessions=number(s, "sessions")),
        knowledge_bases=[(kb, param(s, "kb-desc"))], guardrail=g, action_groups=[group, functions],
        customer_encryption_key=key.key, alias_name=param(s, "alias"),
    )  # fmt: skip
    agent.add_alias(param(s, "canary"))
    GuardrailEnforcedModelAccess(s, "Access", models=[param(s, "model2")], guardrail=g, description=param(s, "p-desc"))
    template = Template.from_stack(s)  # synthesizes
    template.resource_count_is("AWS::Bedrock::AgentAlias", 2)
    # The 200-token instruction warning is skipped for a deploy-time instruction.
    assert agent.instruction_tokens is None
    Annotations.from_stack(s).has_no_warning("*", Match.string_like_regexp("instructionLength"))
    [cfn_agent] = template.find_resources("AWS::Bedrock::Agent").values()
    assert "Ref" in cfn_agent["Properties"]["Instruction"]
    [cfn_guardrail] = template.find_resources("AWS::Bedrock::Guardrail").values()
    assert "Ref" in cfn_guardrail["Properties"]["BlockedInputMessaging"]


# -- every problem at once -----------------------------------------------------------------


def test_agent_reports_every_problem_with_its_path():
    with pytest.raises(PlatformValidationError) as error:
        Agent(stack(), "Support", foundation_model=MODEL, instruction="too short", name="no spaces",
              idle_session_ttl_seconds=30, alias_name="bad alias", knowledge_bases=["kb"])  # fmt: skip
    assert str(error.value).splitlines() == [
        "S/Support: name: 'no spaces' is not valid: 1-100 letters or digits, each optionally followed by one '_' or '-'",
        "S/Support: instruction: 'too short' has 9 characters, allowed 40-20000",
        "S/Support: idle_session_ttl_seconds: 30 is not within 60-5400",
        "S/Support: alias_name: 'bad alias' is not valid: 1-100 letters or digits, each optionally followed by one '_' or '-'",
        "S/Support: knowledge_bases[0]: 'str' is not a knowledge base (knowledge_base_id and knowledge_base_arn) or a "
        "(knowledge base, description) pair",
    ]


def test_guardrail_and_lambda_report_every_problem_with_their_path():
    s = stack()
    with pytest.raises(PlatformValidationError) as error:
        Guardrail(s, "G", name="has space", blocked_input_messaging="", content_filters=ContentFilter("HATE", "LOW", "LOW"),
                  grounding_threshold=1.5)  # fmt: skip
    assert str(error.value).splitlines() == [
        "S/G: name: 'has space' is not valid: 1-50 letters, digits, '-' or '_'",
        "S/G: blocked_input_messaging: '' has 0 characters, allowed 1-500",
        "S/G: content_filters: 'ContentFilter' is not a list or tuple of ContentFilter",
        "S/G: grounding_threshold: 1.5 is not within 0-0.99",
    ]
    with pytest.raises(PlatformValidationError) as error:
        ActionGroupLambda(s, "Fn", code_path=CODE, handler="handler.lambda_handler", description="",
                          memory_size=64, timeout=901)  # fmt: skip
    assert str(error.value).splitlines() == [
        "S/Fn: description: '' has 0 characters, allowed 1-256",
        "S/Fn: timeout: 901 is not within 1-900",
        "S/Fn: memory_size: 64 is not within 128-10240",
    ]


def test_a_guardrail_without_policy_fails_at_construction_not_at_synth():
    with pytest.raises(PlatformValidationError, match=r"^S/Empty: policies: \[\] is empty: add at least one content filter"):
        Guardrail(stack(), "Empty")


# -- natural inputs -------------------------------------------------------------------------


def test_knowledge_bases_as_objects_pairs_lists_or_tuples():
    s = stack()
    documented = FakeKnowledgeBase("KBID012345", KB_ARN, description="Product manuals")
    other = FakeKnowledgeBase("KBID067890", KB_ARN.replace("012345", "067890"))
    agent = Agent(s, "Agent", foundation_model=MODEL, instruction=INSTRUCTION,
                  knowledge_bases=(documented, (other, "Return policy")))  # fmt: skip
    assert [(kb.knowledge_base_id, d) for kb, d in agent.knowledge_bases] == [
        ("KBID012345", "Product manuals"), ("KBID067890", "Return policy")]
    with pytest.raises(PlatformValidationError, match=r"knowledge_bases\[0\]\.description: None is missing"):
        Agent(s, "NoDescription", foundation_model=MODEL, instruction=INSTRUCTION, knowledge_bases=[other])
    with pytest.raises(PlatformValidationError, match=r"S/Single: knowledge_bases: 'FakeKnowledgeBase' is not a list or tuple"):
        Agent(s, "Single", foundation_model=MODEL, instruction=INSTRUCTION, knowledge_bases=documented)


def test_executor_is_an_action_group_lambda_or_any_ifunction():
    s = stack()
    fn = ActionGroupLambda(s, "Fn", code_path=CODE, handler="handler.lambda_handler", description="Orders")
    assert ActionGroup(name="a", description="A", executor=fn, functions=FUNCTIONS).executor is fn.function
    imported = executor(s)
    assert ActionGroup(name="b", description="B", executor=imported, functions=tuple(FUNCTIONS)).executor is imported
    with pytest.raises(PlatformValidationError, match="executor: 'str' is not an ActionGroupLambda or a lambda_.IFunction"):
        ActionGroup(name="c", description="C", executor="arn:aws:lambda:us-east-1:111122223333:function:x",
                    functions=FUNCTIONS)  # fmt: skip
    group = ActionGroup(name="d", description="D", executor=fn, functions=FUNCTIONS)
    with pytest.raises(PlatformValidationError, match=r"S/Agent: action_groups: 'ActionGroup' is not a list or tuple"):
        Agent(s, "Agent", foundation_model=MODEL, instruction=INSTRUCTION, action_groups=group)
    with pytest.raises(PlatformValidationError, match=r"guardrail: 'str' is not a guardrail \(IGuardrail\)"):
        Agent(s, "Agent2", foundation_model=MODEL, instruction=INSTRUCTION, guardrail="gr-123")
    with pytest.raises(PlatformValidationError, match=r"S/Access: models\[0\]: 42 is not a model id or FoundationModel"):
        GuardrailEnforcedModelAccess(s, "Access", models=[42], guardrail=guardrail(s))


# -- parent owns child, resources ----------------------------------------------------------


def test_the_agent_owns_its_aliases_and_the_alias_module_does_not_import_the_agent():
    s = stack()
    agent = Agent(s, "Agent", foundation_model=MODEL, instruction=INSTRUCTION)
    canary = agent.add_alias("canary")
    assert canary.node.scope is agent and agent.aliases == [agent.alias, canary]
    assert canary.alias_name == "canary" and agent.alias.node.id == "Alias"  # default alias keeps its logical id
    assert s.resolve(canary.configuration_fingerprint) == s.resolve(agent.alias.configuration_fingerprint)
    source = inspect.getsource(importlib.import_module("bedrock_platform.agents.agent_alias"))
    assert "bedrock_platform.agents.agent import" not in source
    assert AgentAlias(s, "Legacy", agent=agent, alias_name="legacy").agent is agent  # old entry point works


def test_constructs_are_resources_with_stack_and_removal_policy():
    s = stack()
    g = guardrail(s)
    g.apply_removal_policy(RemovalPolicy.RETAIN)
    key = AgentEncryptionKey(s, "Key")
    agent = Agent(s, "Agent", foundation_model=MODEL, instruction=INSTRUCTION)
    assert agent.stack is s and g.env.region == "us-east-1"
    template = Template.from_stack(s)
    [cfn_guardrail] = template.find_resources("AWS::Bedrock::Guardrail").values()
    assert cfn_guardrail["DeletionPolicy"] == "Retain"
    # Keys hold data: retained by default (the app's dev profile passes DESTROY).
    assert template.find_resources("AWS::KMS::Key")[s.get_logical_id(key.key.node.default_child)]["DeletionPolicy"] == "Retain"


def test_alias_metrics_take_metric_options():
    s = stack()
    alias = AgentAlias.from_alias_arn(s, "Live", ALIAS_ARN)
    metric = alias.metric_invocations(statistic="Average", period=Duration.minutes(1), label="calls",
                                      dimensions_map={"Operation": "InvokeAgent"})  # fmt: skip
    assert metric.expression == (
        'SELECT AVG(InvocationCount) FROM SCHEMA("AWS/Bedrock/Agents", AgentAliasArn, ModelId, Operation) '
        f"WHERE AgentAliasArn = '{ALIAS_ARN}' AND Operation = 'InvokeAgent'"
    )
    assert (metric.period.to_seconds(), metric.label) == (60, "calls")
    with pytest.raises(PlatformValidationError, match="statistic: 'p90' is not Sum, Average"):
        alias.metric_total_time(statistic="p90")


# -- renamed names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("bedrock_platform", "ActionFunction", FunctionDefinition),
        ("bedrock_platform", "ActionGroupFunction", ActionGroupLambda),
        ("bedrock_platform.agents.action_group", "ActionFunction", FunctionDefinition),
        ("bedrock_platform.agents.action_group_function", "ActionGroupFunction", ActionGroupLambda),
    ],
)
def test_deprecated_names_still_work_and_warn(module, old, new):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert getattr(importlib.import_module(module), old) is new
    assert [w.category for w in caught] == [DeprecationWarning]
    assert re.search(rf"{old} is deprecated, use {new.__name__}", str(caught[0].message))
    assert old not in bedrock_platform.__all__ and new.__name__ in bedrock_platform.__all__


# -- ActionGroupLambda options ----------------------------------------------------------------


def function_props(template: Template) -> dict:
    [fn] = template.find_resources("AWS::Lambda::Function").values()
    return fn["Properties"]


def test_runtime_and_architecture_choose_the_powertools_layer():
    s = stack()
    ActionGroupLambda(s, "Fn", code_path=CODE, handler="handler.lambda_handler", description="Orders",
                      runtime=lambda_.Runtime.PYTHON_3_12, architecture=lambda_.Architecture.X86_64)  # fmt: skip
    template = Template.from_stack(s)
    props = function_props(template)
    assert (props["Runtime"], props["Architectures"]) == ("python3.12", ["x86_64"])
    parameters = template.to_json()["Parameters"]
    assert [p["Default"] for p in parameters.values() if "powertools" in str(p.get("Default"))] == [
        "/aws/service/powertools/python/x86_64/python3.12/3.37.0"
    ]
    assert [{"Ref": name} for name, p in parameters.items() if "powertools" in str(p.get("Default"))] == props["Layers"]


def test_the_powertools_layer_can_be_left_out_and_other_runtimes_used():
    s = stack()
    ActionGroupLambda(s, "Fn", code_path=CODE, handler="index.handler", description="Node action group",
                      runtime=lambda_.Runtime.NODEJS_22_X, powertools_layer=False)  # fmt: skip
    props = function_props(Template.from_stack(s))
    assert props["Runtime"] == "nodejs22.x" and "Layers" not in props
    assert not any(k.startswith("POWERTOOLS_") for k in props.get("Environment", {}).get("Variables", {}))
    with pytest.raises(PlatformValidationError, match="runtime: 'nodejs22.x' has no Powertools for AWS Lambda"):
        ActionGroupLambda(s, "Fn2", code_path=CODE, handler="index.handler", description="Node",
                          runtime=lambda_.Runtime.NODEJS_22_X)  # fmt: skip
