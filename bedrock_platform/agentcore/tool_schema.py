"""Gateway tool schemas from committed JSON files in the gateway's inline tool-definition format.

The file is a list of ``{name, description, inputSchema, outputSchema?}`` with JSON-schema-like
``{type, description?, properties?, required?, items?}`` nodes: the ``ToolDefinition`` /
``SchemaDefinition`` shapes of ``CreateGatewayTarget`` (botocore ``bedrock-agentcore-control``
model, ``toolSchema.inlinePayload``), which aws-cdk-lib's ``ToolSchema.from_inline`` renders.

:func:`asset_tool_schema` stores the same file once as an S3 file asset instead and references
it (``toolSchema.s3`` ``{uri, bucketOwnerAccountId}``; ``AWS::BedrockAgentCore::GatewayTarget``
``S3Configuration`` in the cfn-lint schema). The gateway adds it as an option, not the default:
these tool schemas are 1-2 KB, and who reads the object at ``CreateGatewayTarget`` is not settled
(see :meth:`bedrock_platform.agentcore.gateway.AgentGateway.add_lambda_tools`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import aws_bedrockagentcore as agentcore
from constructs import Construct

from bedrock_platform.core.payload_assets import S3ObjectLocation, payload_location
from bedrock_platform.core.validation import PlatformValidationError

# SchemaType enum of the bedrock-agentcore-control model.
SCHEMA_TYPES = ("string", "number", "object", "array", "boolean", "integer")
# Tool names as the gateway lists them are "<target>___<tool>" (AgentCore devguide, gateway-tool-naming).
TOOL_NAME_SEPARATOR = "___"


def load_tool_schema(path: str | Path) -> agentcore.ToolSchema:
    """The inline tool schema of ``path`` (a JSON list of tool definitions)."""
    return agentcore.ToolSchema.from_inline([_tool(f"{Path(path).name}[{i}]", t) for i, t in enumerate(_read(path))])


def asset_tool_schema(scope: Construct, path: str | Path) -> tuple[agentcore.ToolSchema, S3ObjectLocation]:
    """The tool schema of ``path`` (validated as :func:`load_tool_schema` does) stored verbatim as
    an S3 file asset of ``scope``'s stack (one object per content), and that object's location."""
    for index, tool in enumerate(_read(path)):
        _tool(f"{Path(path).name}[{index}]", tool)
    location = payload_location(scope, Path(path).read_text(encoding="utf-8"))
    schema = agentcore.ToolSchema.from_s3_file(location.bucket, location.object_key, location.owner_account)
    return schema, location


def tool_names(path: str | Path) -> list[str]:
    """The tool names defined in ``path``."""
    return [tool["name"] for tool in _read(path)]


def _read(path: str | Path) -> list[dict[str, Any]]:
    file = Path(path)
    if not file.is_file():
        raise PlatformValidationError("tool_schema", str(file), "is not a file")
    try:
        tools = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PlatformValidationError("tool_schema", str(file), f"is not valid JSON ({error})") from None
    if not isinstance(tools, list) or not tools:
        raise PlatformValidationError("tool_schema", str(file), "must be a non-empty JSON list of tool definitions")
    return tools


def _tool(field: str, tool: Any) -> agentcore.ToolDefinition:
    if not isinstance(tool, dict) or not {"name", "description", "inputSchema"} <= tool.keys():
        raise PlatformValidationError(field, tool, "must be an object with name, description and inputSchema")
    if TOOL_NAME_SEPARATOR in tool["name"]:
        raise PlatformValidationError(f"{field}.name", tool["name"], f"must not contain {TOOL_NAME_SEPARATOR!r}")
    output = tool.get("outputSchema")
    return agentcore.ToolDefinition(
        name=tool["name"],
        description=tool["description"],
        input_schema=_schema(f"{field}.inputSchema", tool["inputSchema"]),
        output_schema=_schema(f"{field}.outputSchema", output) if output is not None else None,
    )


def _schema(field: str, node: Any) -> agentcore.SchemaDefinition:
    if not isinstance(node, dict) or node.get("type") not in SCHEMA_TYPES:
        raise PlatformValidationError(f"{field}.type", node.get("type") if isinstance(node, dict) else node,
                                      f"must be one of {', '.join(SCHEMA_TYPES)}")  # fmt: skip
    properties = node.get("properties")
    items = node.get("items")
    return agentcore.SchemaDefinition(
        type=agentcore.SchemaDefinitionType.of(node["type"]),
        description=node.get("description"),
        properties={k: _schema(f"{field}.properties.{k}", v) for k, v in properties.items()} if properties else None,
        required=list(node["required"]) if node.get("required") else None,
        items=_schema(f"{field}.items", items) if items is not None else None,
    )
