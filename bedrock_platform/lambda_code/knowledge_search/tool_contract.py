"""The AgentCore Gateway Lambda-target contract: reading an invocation, answering it, describing the tools.

What the gateway sends ("AWS Lambda function targets", Lambda function input format,
https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html):

* ``event`` is the tool's arguments object (the ``arguments`` of the MCP ``tools/call``), nothing else;
* ``context.client_context.custom`` carries ``bedrockAgentCoreMessageVersion``,
  ``bedrockAgentCoreAwsRequestId``, ``bedrockAgentCoreMcpMessageId``, ``bedrockAgentCoreGatewayId``,
  ``bedrockAgentCoreTargetId`` and ``bedrockAgentCoreToolName``;
* the tool name is ``${target_name}___${tool_name}`` ("Understand how AgentCore Gateway tools are named",
  gateway-tool-naming.html); a target name matches ``([0-9a-zA-Z][-]?){1,100}`` (botocore
  ``bedrock-agentcore-control`` shape ``TargetName``) so it never holds ``_`` and the first ``___`` ends it;
* headers allowlisted on the target (``MetadataConfiguration.AllowedRequestHeaders``, "Header propagation
  with Gateway", gateway-headers.html) reach a Lambda target in ``custom["bedrockAgentCorePropagatedHeaders"]``.
  AWS's pages say allowlisted headers from the tool call or from a REQUEST interceptor are forwarded; the key
  name for Lambda targets is what public gateway deployments observe, not a line of the reference.

What it expects back: "a valid JSON response that can be parsed by the gateway" (same page). A function
error (an unhandled exception) becomes an MCP result with ``isError: true`` and, unless the gateway's
``exceptionLevel`` is ``DEBUG``, only a generic "internal error" text ("Debugging your gateway",
gateway-debugging.html), so the agent could not tell "sign in first" from "try later". Every expected
failure is therefore *returned* as an MCP ``CallToolResult`` with ``isError: true`` and a text block holding
the JSON error body; a success is the plain JSON result object.

This module is copied byte for byte into every gateway Lambda (``lambdas/*/tool_contract.py``); a test fails
if the copies differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

TOOL_NAME_KEY = "bedrockAgentCoreToolName"
PROPAGATED_HEADERS_KEY = "bedrockAgentCorePropagatedHeaders"
CONTEXT_KEYS = (
    "bedrockAgentCoreMessageVersion",
    "bedrockAgentCoreAwsRequestId",
    "bedrockAgentCoreMcpMessageId",
    "bedrockAgentCoreGatewayId",
    "bedrockAgentCoreTargetId",
    TOOL_NAME_KEY,
)
DELIMITER = "___"
# A tool's own name: the model sees ``<target>___<tool>`` and Converse tool names are ``[a-zA-Z0-9_-]{1,64}``
# (botocore bedrock-runtime shape ``ToolName``); the tool part never contains the delimiter.
TOOL_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_VISIBLE_TOOL_NAME = 64
# Keywords ``SchemaDefinition`` accepts (cfn-lint schema of AWS::BedrockAgentCore::GatewayTarget,
# definitions.SchemaDefinition; botocore bedrock-agentcore-control shape SchemaDefinition). ``pattern``,
# ``minLength``, ``maxLength``, ``minimum``, ``maximum``, ``enum``, ``format`` are not among them: the handler
# enforces them and the description states them.
SCHEMA_KEYWORDS = ("type", "description", "properties", "required", "items")


class ToolError(Exception):
    """An expected failure answered as an MCP tool error: ``code`` is stable, ``message`` tells the agent what to do."""

    def __init__(self, code: str, message: str, detail: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or []


@dataclass(frozen=True)
class Invocation:
    """What the gateway told the function besides the arguments."""

    tool: str
    custom: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """A propagated request header, matched case-insensitively (HTTP header names are)."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted and isinstance(value, str):
                return value
        return None

    @property
    def request_id(self) -> str | None:
        value = self.custom.get("bedrockAgentCoreAwsRequestId")
        return value if isinstance(value, str) else None


def read_invocation(context: Any) -> Invocation:
    """The invoked tool (target prefix stripped) and the client context, or :class:`ToolError`."""
    client_context = getattr(context, "client_context", None)
    custom = getattr(client_context, "custom", None)
    if not isinstance(custom, Mapping):
        raise ToolError(
            "MALFORMED_INVOCATION",
            "The invocation has no AgentCore Gateway client context; this function answers gateway tool calls only.",
        )
    full_name = custom.get(TOOL_NAME_KEY)
    if not isinstance(full_name, str) or not full_name:
        raise ToolError("MALFORMED_INVOCATION", f"The client context has no {TOOL_NAME_KEY}.")
    tool = full_name.split(DELIMITER, 1)[1] if DELIMITER in full_name else full_name
    headers = custom.get(PROPAGATED_HEADERS_KEY)
    return Invocation(tool=tool, custom=custom, headers=dict(headers) if isinstance(headers, Mapping) else {})


def parse_arguments(model: type[BaseModel], event: Any) -> BaseModel:
    """The arguments as ``model``, or :class:`ToolError` INVALID_PARAMETER naming each field (never its value)."""
    if not isinstance(event, Mapping):
        raise ToolError("INVALID_PARAMETER", f"The tool arguments are a {type(event).__name__}, not an object.")
    try:
        return model.model_validate(dict(event))
    except ValidationError as error:
        problems = [
            {"loc": [str(part) for part in item["loc"]], "msg": item["msg"], "type": item["type"]}
            for item in error.errors(include_url=False, include_input=False, include_context=False)
        ]
        summary = "; ".join(f"{'.'.join(p['loc']) or 'arguments'}: {p['msg']}" for p in problems)
        raise ToolError("INVALID_PARAMETER", f"Invalid or missing arguments: {summary}", problems) from None


def tool_result(result: Any) -> Any:
    """A successful call: the plain JSON result (the gateway wraps it in an MCP text content block)."""
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else result


def tool_error(error: ToolError) -> dict[str, Any]:
    """A failed call as an MCP ``CallToolResult`` with ``isError: true``; the text is the JSON error body."""
    body = {"error": error.code, "message": error.message, "detail": error.detail}
    return {"isError": True, "content": [{"type": "text", "text": json.dumps(body, separators=(",", ":"))}]}


# --- tool definitions -------------------------------------------------------------------------------------

def tool_definition(name: str, description: str, arguments: type[BaseModel]) -> dict[str, Any]:
    """One entry of a Lambda target's inline tool schema (API shape ``ToolDefinition``) from a pydantic model."""
    if not TOOL_NAME_PATTERN.fullmatch(name) or DELIMITER in name:
        raise ValueError(f"tool name {name!r} must match {TOOL_NAME_PATTERN.pattern} without {DELIMITER!r}")
    schema = arguments.model_json_schema()
    return {"name": name, "description": description, "inputSchema": _schema_definition(schema, schema.get("$defs", {}))}


def _schema_definition(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        schema = {**defs[schema["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in schema.items() if k != "$ref"}}
    if "anyOf" in schema:  # ``X | None`` of an optional argument: the non-null branch, described as optional
        branches = [branch for branch in schema["anyOf"] if branch.get("type") != "null"]
        if len(branches) != 1:
            raise ValueError(f"cannot express anyOf {schema['anyOf']} as a SchemaDefinition")
        schema = {**branches[0], **{k: v for k, v in schema.items() if k not in ("anyOf", "default")}}
    if "type" not in schema:
        raise ValueError(f"schema {schema} has no type")
    out: dict[str, Any] = {"type": schema["type"]}
    description = " ".join(filter(None, [schema.get("description", "").strip(), _constraints(schema)]))
    if description:
        out["description"] = description
    if schema["type"] == "object":
        out["properties"] = {key: _schema_definition(value, defs) for key, value in schema.get("properties", {}).items()}
        if schema.get("required"):
            out["required"] = list(schema["required"])
    if schema["type"] == "array":
        out["items"] = _schema_definition(schema["items"], defs)
    return out


def _constraints(schema: dict[str, Any]) -> str:
    """The limits ``SchemaDefinition`` cannot carry, in words, so the model still learns them."""
    parts = []
    if "minLength" in schema or "maxLength" in schema:
        parts.append(f"{schema.get('minLength', 0)}-{schema['maxLength']} characters." if "maxLength" in schema
                     else f"At least {schema['minLength']} characters.")
    if "minimum" in schema and "maximum" in schema:
        parts.append(f"From {schema['minimum']} to {schema['maximum']}.")
    return " ".join(parts)


def render_tool_schemas(tools: list[dict[str, Any]]) -> str:
    """The exact text of a committed ``tool_schemas.json`` (stable key order, trailing newline)."""
    return json.dumps(tools, indent=2, sort_keys=True) + "\n"
