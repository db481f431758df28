"""Writes the customer-support schemas from the handler's routes and models: the Classic action group's
OpenAPI schema (``openapi.json``) and the AgentCore Gateway target's tool definitions (``tool_schemas.json``).

    python lambdas/customer_support/generate_schema.py          # rewrite both files
    python lambdas/customer_support/generate_schema.py --check  # exit 1 if either file is stale

``openapi.json`` is the OpenAPI 3.0 document Powertools generates from the routes; the CDK stack gives it
to the Classic agent. Each gateway tool is one of its operations: the name comes from the ``operationId``,
the description from the operation's summary and description, the input schema from the pydantic
arguments model the gateway handler validates with (path parameter and request body in one object).
``tool_schemas.json`` is the list of ``ToolDefinition`` the gateway target is created with
(``ToolSchema.InlinePayload``). Both files are generated, never edited by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("openapi.json")
TOOL_SCHEMAS_FILE = Path(__file__).with_name("tool_schemas.json")


def build_schema() -> dict[str, Any]:
    """The OpenAPI 3.0 document Powertools generates from the handler's routes."""
    import handler

    text = handler.app.get_openapi_json_schema(
        title=handler.API_TITLE,
        version=handler.API_VERSION,
        description=handler.API_DESCRIPTION,
    )
    return json.loads(text)


def render(schema: dict[str, Any]) -> str:
    """The exact text committed to ``openapi.json`` (stable key order, trailing newline)."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def build_tools(schema: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The gateway tool definitions, in the order of the OpenAPI operations of ``schema``."""
    import gateway_handler
    from tool_contract import tool_definition

    by_operation = {tool.operation_id: tool for tool in gateway_handler.TOOLS.values()}
    tools = []
    for item in (schema or build_schema())["paths"].values():
        for operation in item.values():
            tool = by_operation.pop(operation["operationId"])
            description = f"{operation['summary'].rstrip('.')}. {operation['description']}"
            tools.append(tool_definition(tool.name, description, tool.arguments))
    if by_operation:
        raise ValueError(f"tools without an OpenAPI operation: {sorted(by_operation)}")
    return tools


def generated() -> dict[Path, str]:
    """Each output file and the exact text it must hold."""
    from tool_contract import render_tool_schemas

    schema = build_schema()
    return {SCHEMA_FILE: render(schema), TOOL_SCHEMAS_FILE: render_tool_schemas(build_tools(schema))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file differs instead of writing it")
    args = parser.parse_args(argv)
    outputs = generated()
    stale = [path for path, text in outputs.items() if not path.is_file() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path} is stale: run python {Path(__file__).as_posix()}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
