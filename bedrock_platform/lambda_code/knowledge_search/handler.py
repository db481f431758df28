"""Knowledge-base search as an AgentCore Gateway Lambda target: tool ``search_knowledge_base``.

The gateway invokes ``handler`` with the tool's arguments as the event and
``<target>___search_knowledge_base`` as ``bedrockAgentCoreToolName`` in the client context
(:mod:`tool_contract`). The search itself (:mod:`search`) calls ``bedrock-agent-runtime`` ``Retrieve``
only on the knowledge bases in ``KNOWLEDGE_BASES``. Every reply is the JSON result or an ``isError``
tool error. The query may hold personal data: it is neither logged nor traced.

    python bedrock_platform/lambda_code/knowledge_search/handler.py          # rewrite tool_schemas.json
    python bedrock_platform/lambda_code/knowledge_search/handler.py --check  # exit 1 if tool_schemas.json is stale
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import search
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field
from tool_contract import (
    ToolError,
    parse_arguments,
    read_invocation,
    render_tool_schemas,
    tool_definition,
    tool_error,
    tool_result,
)

logger = Logger()
tracer = Tracer()
metrics = Metrics()

TOOL_NAME = "search_knowledge_base"
TOOL_DESCRIPTION = (
    "Search the documentation knowledge bases of this agent and get the most relevant passages with their source "
    "and relevance score. Use it to answer questions about policies, products and procedures; quote the passages, "
    "cite their source, and say so when nothing relevant is found."
)
TOOL_SCHEMAS_FILE = Path(__file__).with_name("tool_schemas.json")


class SearchArguments(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    query: str = Field(min_length=1, max_length=1000, description="What to look for, as a question or keywords.")
    knowledge_base: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="Name of one knowledge base to search. Leave out to search all of this agent's knowledge bases.",
    )
    max_results: int | None = Field(
        default=None, ge=1, le=search.MAX_RESULTS, description="How many passages to return. Leave out for the default.",
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: Any, context: Any) -> Any:
    """Answer one ``search_knowledge_base`` call with ``{"results": [...]}`` or an ``isError`` tool result."""
    try:
        invocation = read_invocation(context)
        logger.set_correlation_id(invocation.request_id)
        if invocation.tool != TOOL_NAME:
            raise ToolError("UNKNOWN_TOOL", f"This target has no tool named {invocation.tool[:64]!r}; "
                            f"its only tool is {TOOL_NAME}.")
        arguments = parse_arguments(SearchArguments, event)
        result = search.search(arguments.query, arguments.knowledge_base, arguments.max_results)
        metrics.add_metric(name="KnowledgeSearches", unit=MetricUnit.Count, value=1)
        return tool_result(result)
    except ToolError as error:
        return _failed(error)
    except Exception:
        logger.exception("Unexpected error")
        return _failed(ToolError("INTERNAL_ERROR", "The search failed unexpectedly; answer without it and do not make "
                                 "up documentation."))


def _failed(error: ToolError) -> dict[str, Any]:
    logger.info("Search refused", extra={"error": error.code})
    metrics.add_metric(name="SearchErrors", unit=MetricUnit.Count, value=1)
    return tool_error(error)


def build_tools() -> list[dict[str, Any]]:
    """The target's inline tool schema, from :class:`SearchArguments`."""
    return [tool_definition(TOOL_NAME, TOOL_DESCRIPTION, SearchArguments)]


def main(argv: list[str] | None = None) -> int:
    text = render_tool_schemas(build_tools())
    if argv and "--check" in argv:
        if not TOOL_SCHEMAS_FILE.is_file() or TOOL_SCHEMAS_FILE.read_text(encoding="utf-8") != text:
            print(f"{TOOL_SCHEMAS_FILE} is stale: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    TOOL_SCHEMAS_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {TOOL_SCHEMAS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
