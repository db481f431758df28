"""Schemas stored once (issue 11, section 1): an action group's OpenAPI schema is an S3 file asset
that every Classic agent references (``ApiSchema.S3``) instead of a copy per agent, with an exact
read grant for the agent role; inline and existing-object storage stay available; gateway tool
schemas can be stored the same way.

Sources:
- ``AWS::Bedrock::Agent`` ``APISchema`` is ``Payload`` or ``S3`` = ``S3Identifier`` {``S3BucketName``,
  ``S3ObjectKey``} (cfn-lint ``data/schemas/providers/us_east_1/aws-bedrock-agent.json``).
- The agent service role reads the schema object: Bedrock user guide, "Create a service role for
  Amazon Bedrock Agents", identity-based permissions ("Access to the Amazon S3 objects containing
  the OpenAPI schemas for the action groups"): ``s3:GetObject`` on ``arn:aws:s3:::<bucket>/<key>``
  with ``aws:ResourceAccount``.
- No KMS grant: the CDK bootstrap bucket is SSE-KMS with the AWS managed ``aws/s3`` key or a key whose
  policy allows Decrypt to the account's principals via S3 (aws-cdk-cli
  ``packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml``, ``FileAssetsBucketEncryptionKey``).
- ``AWS::BedrockAgentCore::GatewayTarget`` ``ToolSchema.S3`` = ``S3Configuration`` {``Uri``
  ``^s3://.{1,2043}$``, ``BucketOwnerAccountId``} (cfn-lint ``aws-bedrockagentcore-gatewaytarget.json``).
- CloudFormation template body limit 1,000,000 bytes (CloudFormation user guide, "Quotas").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from template_helpers import ASSET_BUCKET, schema_object_key

from bedrock_platform.agentcore.gateway import AgentGateway
from bedrock_platform.agents.action_group import ActionGroup, FunctionDefinition
from bedrock_platform.agents.agent import Agent
from bedrock_platform.agents.api_schema_storage import ApiSchemaStorage
from bedrock_platform.core.validation import PlatformValidationError
from stacks.customer_support_actions import SCHEMA_FILE, TOOL_SCHEMA_FILE
from stacks.platform import new_app

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
INSTRUCTION = "You are the support assistant of Example Corp. Answer briefly and cite the source document."
SCHEMA_TEXT = SCHEMA_FILE.read_text(encoding="utf-8")  # the reference action group's 16-18 KB OpenAPI schema
EXECUTOR_ARN = "arn:aws:lambda:us-east-1:111122223333:function:orders"
ACCOUNT_CONDITION = {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}


def object_arn(key: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", ASSET_BUCKET, f"/{key}"]]}


def build(agents: int = 1, *, schema: str | dict = SCHEMA_TEXT, storage: ApiSchemaStorage | None = None,
          groups_per_agent: int = 1):  # fmt: skip
    """A stack with ``agents`` Classic agents using the same action group; (stack, agents, assembly)."""
    app = new_app()
    stack = Stack(app, "SchemaTest")
    executor = lambda_.Function.from_function_attributes(stack, "Executor", function_arn=EXECUTOR_ARN, same_environment=True)
    built = [
        Agent(stack, f"Agent{i}", name=f"agent-{i}", foundation_model=MODEL, instruction=INSTRUCTION, action_groups=[
            ActionGroup(name=f"orders{g}", description="Orders", executor=executor, api_schema=schema, schema_storage=storage)
            for g in range(groups_per_agent)
        ])
        for i in range(agents)
    ]  # fmt: skip
    return stack, built, app.synth()


def template_of(stack: Stack, assembly) -> dict:
    return assembly.get_stack_artifact(stack.artifact_id).template


def file_assets(stack: Stack, assembly) -> dict:
    """The stack's file assets in the cloud assembly's asset manifest, minus the template itself."""
    manifest = json.loads((Path(assembly.directory) / f"{stack.artifact_id}.assets.json").read_text(encoding="utf-8"))
    return {h: a for h, a in manifest["files"].items() if not a["source"]["path"].endswith(".template.json")}


def agents_in(template: dict) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == "AWS::Bedrock::Agent"]


def schema_statements(template: dict) -> list[dict]:
    return [
        s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
        for s in r["Properties"]["PolicyDocument"]["Statement"] if s["Sid"].startswith("ReadActionGroupSchema")
    ]  # fmt: skip


# -- Classic agents: stored once, referenced by each agent ------------------------------------


def test_n_agents_share_one_asset_and_no_agent_carries_the_schema_text():
    stack, _, assembly = build(agents=3, groups_per_agent=2)
    template = template_of(stack, assembly)
    key = schema_object_key(SCHEMA_TEXT)
    # Six action groups in three agents: one asset hash in the asset manifest, one staged file.
    assets = file_assets(stack, assembly)
    assert list(assets) == [key.removesuffix(".json")]
    (asset,) = assets.values()
    assert asset["source"] == {"path": f"asset.{key}", "packaging": "file"}
    assert [d["objectKey"] for d in asset["destinations"].values()] == [key]
    assert (Path(assembly.directory) / f"asset.{key}").read_text(encoding="utf-8") == SCHEMA_TEXT  # verbatim
    for agent in agents_in(template):
        assert [g["ApiSchema"] for g in agent["Properties"]["ActionGroups"]] == [
            {"S3": {"S3BucketName": ASSET_BUCKET, "S3ObjectKey": key}}
        ] * 2
    # Not a byte of the schema in the template (a distinctive operation description as witness).
    witness = next(op["description"] for item in json.loads(SCHEMA_TEXT)["paths"].values() for op in item.values())
    assert witness not in json.dumps(template) and "Payload" not in json.dumps(template)


def test_agent_role_reads_exactly_the_schema_object_and_needs_no_kms_grant():
    stack, agents, assembly = build(agents=1, groups_per_agent=2)
    template = template_of(stack, assembly)
    key = schema_object_key(SCHEMA_TEXT)
    # One statement per action group (same object: two groups of this agent share the schema).
    assert schema_statements(template) == [
        {"Sid": f"ReadActionGroupSchema{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": object_arn(key),
         "Condition": ACCOUNT_CONDITION}
        for i in (0, 1)
    ]  # fmt: skip
    policy_id = stack.get_logical_id(agents[0].policy.node.default_child)
    statements = template["Resources"][policy_id]["Properties"]["PolicyDocument"]["Statement"]
    actions = [a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    assert [a for a in actions if a.startswith(("s3:", "kms:"))] == ["s3:GetObject", "s3:GetObject"]


def test_a_schema_change_moves_the_object_key_and_the_alias_to_a_new_version():
    changed = json.loads(SCHEMA_TEXT)
    changed["info"]["version"] = changed["info"].get("version", "1") + ".1"
    runs = [build(schema=SCHEMA_TEXT), build(schema=SCHEMA_TEXT), build(schema=json.dumps(changed, indent=2))]
    keys, descriptions = [], []
    for stack, _, assembly in runs:
        template = template_of(stack, assembly)
        (agent,) = agents_in(template)
        keys.append(agent["Properties"]["ActionGroups"][0]["ApiSchema"]["S3"]["S3ObjectKey"])
        descriptions.append(next(r["Properties"]["Description"] for r in template["Resources"].values()
                                 if r["Type"] == "AWS::Bedrock::AgentAlias"))  # fmt: skip
    assert keys[0] == keys[1] and descriptions[0] == descriptions[1]  # unchanged re-synth: no new version
    assert keys[2] != keys[0] and keys[2] == schema_object_key(json.dumps(changed, indent=2))
    # The alias description carries the agent-configuration fingerprint: it changes, so the alias publishes a new version.
    assert descriptions[2] != descriptions[0]


def test_each_extra_agent_adds_far_less_than_the_schema_to_the_template():
    def size(agents: int, storage: ApiSchemaStorage | None) -> int:
        stack, _, assembly = build(agents=agents, storage=storage)
        return len(json.dumps(template_of(stack, assembly), separators=(",", ":")).encode("utf-8"))

    assert len(SCHEMA_TEXT.encode("utf-8")) > 15_000  # the committed OpenAPI schema each agent used to carry
    per_agent = (size(5, None) - size(1, None)) / 4
    per_agent_inline = (size(5, ApiSchemaStorage.inline()) - size(1, ApiSchemaStorage.inline())) / 4
    assert per_agent < 5_000, per_agent  # an agent, role, policy, alias and permission; no schema
    assert per_agent_inline - per_agent > 15_000  # what each agent used to carry
    # 1,000,000 bytes / per-agent growth: ~29 agents fitted with the schema inlined; now hundreds do.
    assert 1_000_000 / per_agent > 200


# -- the other storage options --------------------------------------------------------------


def test_inline_storage_keeps_the_payload_and_needs_no_asset_or_s3_grant():
    stack, _, assembly = build(agents=2, storage=ApiSchemaStorage.inline())
    template = template_of(stack, assembly)
    assert [a["Properties"]["ActionGroups"][0]["ApiSchema"] for a in agents_in(template)] == [{"Payload": SCHEMA_TEXT}] * 2
    assert file_assets(stack, assembly) == {} and schema_statements(template) == []


def test_existing_object_storage_references_it_and_grants_read_on_it_only():
    app = new_app()
    stack = Stack(app, "SchemaTest")
    executor = lambda_.Function.from_function_attributes(stack, "Executor", function_arn=EXECUTOR_ARN, same_environment=True)
    bucket = s3.Bucket.from_bucket_name(stack, "Schemas", "example-schemas")
    group = ActionGroup(name="orders", description="Orders", executor=executor,
                        schema_storage=ApiSchemaStorage.from_bucket(bucket, "orders/openapi.json",
                                                                    bucket_owner_account_id="111122223333"))  # fmt: skip
    assert group.api_schema is None and group.schema_storage.kind == "s3"
    Agent(stack, "Agent", name="agent", foundation_model=MODEL, instruction=INSTRUCTION, action_groups=[group])
    assembly = app.synth()
    template = template_of(stack, assembly)
    (agent,) = agents_in(template)
    assert agent["Properties"]["ActionGroups"][0]["ApiSchema"] == {
        "S3": {"S3BucketName": "example-schemas", "S3ObjectKey": "orders/openapi.json"}
    }
    assert schema_statements(template) == [{
        "Sid": "ReadActionGroupSchema0", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::example-schemas/orders/openapi.json"]]},
        "Condition": {"StringEquals": {"aws:ResourceAccount": "111122223333"}},
    }]  # fmt: skip
    assert file_assets(stack, assembly) == {}


def test_a_deploy_time_schema_stays_inline():
    app = new_app()
    stack = Stack(app, "SchemaTest")
    executor = lambda_.Function.from_function_attributes(stack, "Executor", function_arn=EXECUTOR_ARN, same_environment=True)
    schema = ssm.StringParameter.value_for_string_parameter(stack, "/schemas/orders")
    group = ActionGroup(name="orders", description="Orders", executor=executor, api_schema=schema)
    assert group.schema_storage.kind == "inline"
    Agent(stack, "Agent", name="agent", foundation_model=MODEL, instruction=INSTRUCTION, action_groups=[group])
    (agent,) = agents_in(template_of(stack, app.synth()))
    assert list(agent["Properties"]["ActionGroups"][0]["ApiSchema"]) == ["Payload"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_schema": "TOKEN", "schema_storage": ApiSchemaStorage.asset()},
         "schema_storage: 'asset' cannot hold a deploy-time schema"),
        ({"api_schema": None, "functions": [FunctionDefinition("f")], "schema_storage": ApiSchemaStorage.inline()},
         "schema_storage: 'inline' applies to an api_schema, not to functions"),
        ({"schema_storage": "asset"}, "schema_storage: 'str' is not an ApiSchemaStorage"),
        ({"api_schema": None}, "api_schema: 'neither' set exactly one"),
    ],
)  # fmt: skip
def test_schema_storage_validation(kwargs, message):
    app = new_app()
    stack = Stack(app, "SchemaTest")
    executor = lambda_.Function.from_function_attributes(stack, "Executor", function_arn=EXECUTOR_ARN, same_environment=True)
    if kwargs.get("api_schema") == "TOKEN":
        kwargs = {**kwargs, "api_schema": ssm.StringParameter.value_for_string_parameter(stack, "/schemas/orders")}
    props = {"name": "orders", "description": "Orders", "executor": executor, "api_schema": SCHEMA_TEXT, **kwargs}
    with pytest.raises(PlatformValidationError, match=message):
        ActionGroup(**props)


def test_from_bucket_validation():
    app = new_app()
    stack = Stack(app, "SchemaTest")
    bucket = s3.Bucket.from_bucket_name(stack, "Schemas", "example-schemas")
    with pytest.raises(PlatformValidationError, match="schema_storage.object_key: '' must be a non-empty object key"):
        ApiSchemaStorage.from_bucket(bucket, "")
    with pytest.raises(PlatformValidationError, match="schema_storage.bucket: 'str' is not an s3.IBucket"):
        ApiSchemaStorage.from_bucket("example-schemas", "k")  # type: ignore[arg-type]


# -- the Classic app ------------------------------------------------------------------------


def test_classic_agents_template_references_the_schema_asset(classic_platform):
    template = classic_platform.raw("Agents")
    key = schema_object_key(SCHEMA_TEXT)
    groups = [g for agent in agents_in(template) for g in agent["Properties"]["ActionGroups"]]
    assert groups and all(g["ApiSchema"] == {"S3": {"S3BucketName": ASSET_BUCKET, "S3ObjectKey": key}} for g in groups)
    assert "Payload" not in json.dumps(template)
    assert schema_statements(template) == [
        {"Sid": "ReadActionGroupSchema0", "Effect": "Allow", "Action": "s3:GetObject", "Resource": object_arn(key),
         "Condition": ACCOUNT_CONDITION}
    ] * len(groups)  # fmt: skip
    # The default synthesizer: assets are not template parameters.
    assert "Parameters" not in template or not [p for p in template["Parameters"] if "AssetParameters" in p]


# -- AgentCore gateway targets ----------------------------------------------------------------


def gateway_stack(schema_storage: str | None):
    app = new_app()
    stack = Stack(app, "GatewayTest")
    executor = lambda_.Function.from_function_attributes(stack, "Executor", function_arn=EXECUTOR_ARN, same_environment=True)
    gateway = AgentGateway(stack, "Tools", name="support-tools")
    kwargs = {"schema_storage": schema_storage} if schema_storage else {}
    gateway.add_lambda_tools("customer-support", executor, TOOL_SCHEMA_FILE, **kwargs)
    return stack, gateway, app.synth()


def test_gateway_tool_schema_is_inline_by_default():
    stack, _, assembly = gateway_stack(None)
    template = template_of(stack, assembly)
    _, target = only_resource(template, "AWS::BedrockAgentCore::GatewayTarget")
    tool_schema = target["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"]
    assert list(tool_schema) == ["InlinePayload"] and file_assets(stack, assembly) == {}


def test_gateway_tool_schema_as_an_asset_is_referenced_and_readable_by_the_gateway_role():
    stack, gateway, assembly = gateway_stack("asset")
    template = template_of(stack, assembly)
    text = TOOL_SCHEMA_FILE.read_text(encoding="utf-8")
    key = schema_object_key(text)
    target_id, target = only_resource(template, "AWS::BedrockAgentCore::GatewayTarget")
    assert target["Properties"]["TargetConfiguration"]["Mcp"]["Lambda"]["ToolSchema"] == {
        "S3": {"Uri": {"Fn::Join": ["", ["s3://", ASSET_BUCKET, f"/{key}"]]}, "BucketOwnerAccountId": {"Ref": "AWS::AccountId"}}
    }
    assert (Path(assembly.directory) / f"asset.{key}").read_text(encoding="utf-8") == text
    policy_id = stack.get_logical_id(gateway.policy.node.default_child)
    # AgentCore developer guide, "Set up permissions for AgentCore Gateway": a tool definition from an
    # S3 URI needs the gateway service role to read it; the target waits for that grant.
    assert template["Resources"][policy_id]["Properties"]["PolicyDocument"]["Statement"] == [
        {"Sid": "ReadToolSchema1", "Effect": "Allow", "Action": "s3:GetObject", "Resource": object_arn(key),
         "Condition": ACCOUNT_CONDITION},
        {"Sid": "InvokeTarget1", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": EXECUTOR_ARN},
    ]  # fmt: skip
    assert policy_id in target.get("DependsOn", [])
    assert template["Resources"][target_id]["Type"] == "AWS::BedrockAgentCore::GatewayTarget"


def test_gateway_schema_storage_validation():
    with pytest.raises(PlatformValidationError, match="schema_storage: 's3' is not one of: inline, asset"):
        gateway_stack("s3")


def only_resource(template: dict, resource_type: str) -> tuple[str, dict]:
    found = [(k, r) for k, r in template["Resources"].items() if r["Type"] == resource_type]
    assert len(found) == 1, found
    return found[0]

