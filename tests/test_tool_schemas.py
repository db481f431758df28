"""The committed gateway tool schemas are generated, valid for AWS::BedrockAgentCore::GatewayTarget, and well named.

* Shape: a Lambda target's ``ToolSchema.InlinePayload`` is a list of ``ToolDefinition``
  (``Name``, ``Description``, ``InputSchema``, optional ``OutputSchema``), each schema a ``SchemaDefinition``
  (``Type`` in string/number/object/array/boolean/integer, ``Description``, ``Properties``, ``Required``,
  ``Items``; no other keyword, so no ``pattern``/``maxLength``/``enum``): the cfn-lint 1.58 resource schema of
  ``AWS::BedrockAgentCore::GatewayTarget`` (``definitions.ToolDefinition`` / ``SchemaDefinition``), and
  ``ToolDefinition`` / ``SchemaDefinition`` in botocore ``bedrock-agentcore-control`` for the API's
  camelCase spelling the files use ("AWS Lambda function targets", tool definition, gateway-add-target-lambda.html).
* Names: the model sees ``${target}___${tool}`` (gateway-tool-naming.html) and Converse tool names are
  ``[a-zA-Z0-9_-]{1,64}`` (botocore ``bedrock-runtime`` shape ``ToolName``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from unittest import mock

import botocore.session
import cfnlint
import pytest
from cfnlint.jsonschema import StandardValidator
from lambda_loader import lambda_dir, load_lambda

CFN_SCHEMAS = Path(cfnlint.__file__).parent / "data" / "schemas"
TARGETS = ("customer_support", "knowledge_search")
ENV = {"POWERTOOLS_SERVICE_NAME": "tools", "POWERTOOLS_TRACE_DISABLED": "1", "AWS_DEFAULT_REGION": "us-east-1"}
# The longest target name the construct may use with these tools and still fit Converse's 64 characters.
LONGEST_TARGET_NAME = 32


def committed(target: str) -> list[dict]:
    return json.loads((lambda_dir(target) / "tool_schemas.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gateway_target_schema() -> dict:
    [path] = [p for p in (CFN_SCHEMAS / "resources").glob("*.json")
              if '"typeName": "AWS::BedrockAgentCore::GatewayTarget"' in p.read_text(encoding="utf-8")]
    return json.loads(path.read_text(encoding="utf-8"))


def cfn_errors(instance: object, definition: str, schema: dict) -> list[str]:
    """What cfn-lint's validator finds wrong with ``instance`` as ``definitions.<definition>``."""
    validator = StandardValidator({"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]})
    return [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(instance)]


def _pascal(value: object) -> object:
    """The API's camelCase ToolDefinition as CloudFormation spells it (property names only, not user keys)."""
    if isinstance(value, dict):
        return {
            key[0].upper() + key[1:]: (
                {name: _pascal(schema) for name, schema in item.items()} if key == "properties" else _pascal(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_pascal(item) for item in value]
    return value


# --- generated, never hand-written ----------------------------------------------------------------

def test_customer_support_tools_are_what_the_routes_and_models_generate():
    """One generator (generate_schema.py) writes both openapi.json and tool_schemas.json."""
    with mock.patch.dict(os.environ, ENV), load_lambda("customer_support", "generate_schema") as generator:
        committed_text = (lambda_dir("customer_support") / "tool_schemas.json").read_text(encoding="utf-8")
        assert generator.generated()[generator.TOOL_SCHEMAS_FILE] == committed_text
        assert generator.main(["--check"]) == 0, "run python lambdas/customer_support/generate_schema.py"


def test_knowledge_search_tools_are_what_the_model_generates():
    with mock.patch.dict(os.environ, ENV), load_lambda("knowledge_search") as handler:
        assert handler.main(["--check"]) == 0, "run python bedrock_platform/lambda_code/knowledge_search/handler.py"


def test_check_mode_detects_a_stale_file(tmp_path, monkeypatch):
    with mock.patch.dict(os.environ, ENV), load_lambda("customer_support", "generate_schema") as generator:
        schema = tmp_path / "openapi.json"  # a fresh copy: only the tool schemas are stale
        schema.write_text(generator.SCHEMA_FILE.read_text(encoding="utf-8"))
        stale = tmp_path / "tool_schemas.json"
        stale.write_text(generator.TOOL_SCHEMAS_FILE.read_text(encoding="utf-8").replace("1-500", "1-5000"))
        monkeypatch.setattr(generator, "SCHEMA_FILE", schema)
        monkeypatch.setattr(generator, "TOOL_SCHEMAS_FILE", stale)
        assert generator.main(["--check"]) == 1
        assert generator.main([]) == 0
        assert generator.main(["--check"]) == 0
        assert stale.read_text(encoding="utf-8") == (lambda_dir("customer_support") / "tool_schemas.json").read_text(
            encoding="utf-8")


def test_one_tool_per_openapi_operation_with_the_operations_required_fields():
    openapi = json.loads((lambda_dir("customer_support") / "openapi.json").read_text(encoding="utf-8"))
    tools = {tool["name"]: tool for tool in committed("customer_support")}
    operations = {op["operationId"]: op for item in openapi["paths"].values() for op in item.values()}
    assert {re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower() for op in operations} == set(tools) == \
        {"get_order", "get_inventory", "initiate_refund"}
    body = openapi["components"]["schemas"]["RefundRequest"]
    assert tools["initiate_refund"]["inputSchema"]["required"] == ["order_id", *body["required"]]
    for name in body["properties"]:  # the same descriptions the Classic agent reads
        assert tools["initiate_refund"]["inputSchema"]["properties"][name]["description"].startswith(
            body["properties"][name]["description"])


def test_contract_module_is_the_same_in_every_target():
    copies = {target: (lambda_dir(target) / "tool_contract.py").read_bytes() for target in TARGETS}
    assert len(set(copies.values())) == 1, "copy lambdas/customer_support/tool_contract.py to every target"


# --- valid for the gateway target ---------------------------------------------------------------

@pytest.mark.parametrize("target", TARGETS)
def test_every_tool_validates_against_the_cfn_tool_definition(gateway_target_schema, target):
    assert cfn_errors({"InlinePayload": _pascal(committed(target))}, "ToolSchema", gateway_target_schema) == []
    for tool in committed(target):
        assert cfn_errors(_pascal(tool), "ToolDefinition", gateway_target_schema) == []


def test_the_cfn_check_rejects_keywords_schema_definition_does_not_allow(gateway_target_schema):
    """Guard for the test above: ``pattern`` is not a SchemaDefinition keyword, so the check can fail."""
    tool = committed("customer_support")[0]
    tool["inputSchema"]["properties"]["order_id"]["pattern"] = "^ORD-[0-9]+$"
    assert cfn_errors(_pascal(tool), "ToolDefinition", gateway_target_schema) == [
        "['InputSchema', 'Properties', 'order_id', 'Pattern']: Additional properties are not allowed ('Pattern' was unexpected)"]


@pytest.mark.parametrize("target", TARGETS)
def test_every_schema_uses_only_api_schema_definition_members(target):
    model = botocore.session.get_session().get_service_model("bedrock-agentcore-control")
    tool_shape, schema_shape = model.shape_for("ToolDefinition"), model.shape_for("SchemaDefinition")
    types = set(schema_shape.members["type"].enum)

    def check(schema: dict, where: str) -> None:
        assert set(schema) <= set(schema_shape.members), where
        assert schema["type"] in types, where
        for name, child in schema.get("properties", {}).items():
            check(child, f"{where}.{name}")
        assert set(schema.get("required", [])) <= set(schema.get("properties", {})), where

    for tool in committed(target):
        assert set(tool_shape.required_members) <= set(tool) <= set(tool_shape.members)
        assert tool["inputSchema"]["type"] == "object"
        check(tool["inputSchema"], tool["name"])


@pytest.mark.parametrize("target", TARGETS)
def test_tool_names_fit_the_gateway_and_converse_naming_rules(target):
    tool_name = botocore.session.get_session().get_service_model("bedrock-runtime").shape_for("ToolName")
    for tool in committed(target):
        visible = f"{'t' * LONGEST_TARGET_NAME}___{tool['name']}"
        assert re.fullmatch(tool_name.metadata["pattern"], visible) and len(visible) <= tool_name.metadata["max"]
        assert "___" not in tool["name"] and re.fullmatch(r"[a-z][a-z0-9_]*", tool["name"])


def test_knowledge_search_tool():
    [tool] = committed("knowledge_search")
    assert tool["name"] == "search_knowledge_base"
    assert tool["inputSchema"]["required"] == ["query"]
    assert {k: v["type"] for k, v in tool["inputSchema"]["properties"].items()} == {
        "query": "string", "knowledge_base": "string", "max_results": "integer"}
    assert "1-1000 characters" in tool["inputSchema"]["properties"]["query"]["description"]
    assert "From 1 to 10" in tool["inputSchema"]["properties"]["max_results"]["description"]
