"""Writes the AgentCore Gateway tool schema of the customer-support Lambda target from the same routes and models.

    python lambdas/customer_support/generate_tool_schemas.py          # rewrite tool_schemas.json
    python lambdas/customer_support/generate_tool_schemas.py --check  # exit 1 if tool_schemas.json is stale

Each tool is one operation of the Classic OpenAPI schema (``generate_schema.build_schema``): its name
comes from the ``operationId``, its description from the operation's summary and description, its
input schema from the pydantic arguments model the gateway handler validates with (the path parameter
and request body of the operation, in one object). ``tool_schemas.json`` is the list of
``ToolDefinition`` the gateway target is created with (``ToolSchema.InlinePayload``); never edit it by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

TOOL_SCHEMAS_FILE = Path(__file__).with_name("tool_schemas.json")


def build_tools() -> list[dict[str, Any]]:
    """The tool definitions, in the order of the OpenAPI operations."""
    import gateway_handler
    from generate_schema import build_schema
    from tool_contract import tool_definition

    by_operation = {tool.operation_id: tool for tool in gateway_handler.TOOLS.values()}
    tools = []
    for item in build_schema()["paths"].values():
        for operation in item.values():
            tool = by_operation.pop(operation["operationId"])
            description = f"{operation['summary'].rstrip('.')}. {operation['description']}"
            tools.append(tool_definition(tool.name, description, tool.arguments))
    if by_operation:
        raise ValueError(f"tools without an OpenAPI operation: {sorted(by_operation)}")
    return tools


def main(argv: list[str] | None = None) -> int:
    from tool_contract import render_tool_schemas

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if tool_schemas.json differs instead of writing it")
    args = parser.parse_args(argv)
    text = render_tool_schemas(build_tools())
    if args.check:
        if not TOOL_SCHEMAS_FILE.is_file() or TOOL_SCHEMAS_FILE.read_text(encoding="utf-8") != text:
            print(f"{TOOL_SCHEMAS_FILE} is stale: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    TOOL_SCHEMAS_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {TOOL_SCHEMAS_FILE}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
