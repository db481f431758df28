"""Customer-support tools as an AgentCore Gateway Lambda target: the gateway adapter of the business core.

The gateway invokes ``handler`` with the tool's arguments as the event and the tool name, prefixed with
the target name, in the client context (see :mod:`tool_contract` for the contract and its AWS sources).
Each tool is one operation of the Classic OpenAPI action group, named after its ``operationId``
(``getOrder`` -> ``get_order``), with the same arguments model and the same core call in :mod:`actions`;
``generate_schema.py`` writes the tool definitions the target is created with.

Ownership: ``get_order`` and ``initiate_refund`` act for the customer named by the propagated
``X-Customer-Id`` header (:mod:`identity`), never for an id in the arguments (an undeclared argument is
refused). Without the header they answer the tool error ``CUSTOMER_NOT_IDENTIFIED``.

Every reply is a tool result or a tool error: unknown tool, missing client context, bad arguments, a
refused action, a DynamoDB failure. Nothing personal is traced or logged (error codes only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import actions
import identity
import refunds
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from failures import ActionError
from models import InventoryArguments, OrderArguments, RefundArguments
from pydantic import BaseModel
from tool_contract import Invocation, ToolError, parse_arguments, read_invocation, tool_error, tool_result

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@dataclass(frozen=True)
class Tool:
    operation_id: str  # the Classic OpenAPI operation this tool is
    arguments: type[BaseModel]
    needs_customer: bool
    call: Callable[[Any, str | None], BaseModel]

    @property
    def name(self) -> str:
        return tool_name(self.operation_id)


def tool_name(operation_id: str) -> str:
    """``getOrder`` -> ``get_order``: the tool of an OpenAPI operation."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


_TOOLS = (
    Tool("getOrder", OrderArguments, True, lambda a, customer: actions.lookup_order(a.order_id, customer)),
    Tool("getInventory", InventoryArguments, False, lambda a, _: actions.check_inventory(a.product_id)),
    Tool("initiateRefund", RefundArguments, True, lambda a, customer: actions.initiate_refund(a.order_id, customer, a)),
)
TOOLS: dict[str, Tool] = {tool.name: tool for tool in _TOOLS}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: Any, context: Any) -> Any:
    """Answer one gateway tool call with the tool's JSON result or an ``isError`` tool result."""
    try:
        return tool_result(_call(event, context))
    except ToolError as error:
        return _failed(error)
    except ActionError as error:
        return _failed(ToolError(error.code, error.message))
    except Exception:
        logger.exception("Unexpected error")
        return _failed(ToolError(
            "INTERNAL_ERROR",
            "The operation failed unexpectedly. Do not assume it succeeded; tell the customer to try again later.",
        ))


def _call(event: Any, context: Any) -> BaseModel:
    invocation = read_invocation(context)
    logger.set_correlation_id(invocation.request_id)
    tool = TOOLS.get(invocation.tool)
    if tool is None:
        raise ToolError("UNKNOWN_TOOL", f"This target has no tool named {invocation.tool[:64]!r}; "
                        f"its tools are {', '.join(sorted(TOOLS))}.")
    arguments = parse_arguments(tool.arguments, event)
    customer = _customer(invocation) if tool.needs_customer else None
    refunds.IDEMPOTENCY_CONFIG.register_lambda_context(context)
    return tool.call(arguments, customer)


def _customer(invocation: Invocation) -> str:
    """The signed-in customer from the propagated header (CUSTOMER_NOT_IDENTIFIED without it)."""
    return identity.customer_id_from_header(invocation.header(identity.CUSTOMER_ID_HEADER))


def _failed(error: ToolError) -> dict[str, Any]:
    logger.info("Tool call refused", extra={"error": error.code})
    metrics.add_metric(name="ActionErrors", unit=MetricUnit.Count, value=1)
    return tool_error(error)
