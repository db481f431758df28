"""Customer-support action group: look up an order, check inventory, initiate a refund.

An OpenAPI action group on Powertools ``BedrockAgentResolver``. The routes below are the
single source of the OpenAPI schema the agent receives (``generate_schema.py`` writes it to
``openapi.json``; a test fails if the committed file differs).

Contract with the calling application: every ``InvokeAgent`` call must carry the signed-in
customer's id in ``sessionState.sessionAttributes.customerId`` (see :mod:`identity`). Orders
are read and refunded only for that customer, never for an id the model or the user supplies;
inventory needs no identity. Refunds are identified by the ``idempotency_token`` in their body
(see :mod:`refunds`).

Every failure reaches the agent as a failure: the ``httpStatusCode`` of the Bedrock response
is 401 (no customer identity in the session), 403 (the order is another customer's), 404
(unknown order, product or operation), 409 (cancelled order, refund above what is
refundable, the same refund in progress, or a concurrent write), 422 (missing or invalid
parameter, idempotency token reused with another amount), 400 (malformed event) or 500
(unexpected error), and the body is an :class:`models.ErrorBody`. Every response, success or
failure, echoes the event's ``sessionAttributes`` and ``promptSessionAttributes``.

Nothing personal goes to X-Ray: no traced function records its return value or exception as
metadata (``capture_response=False``, ``capture_error=False``; the function's environment sets
the same defaults), and logs carry error codes, never request values.
"""

# No ``from __future__ import annotations``: Powertools reads the route annotations at runtime.
from http import HTTPStatus
from typing import Annotated, Any

import actions
import identity
import inventory  # noqa: F401 - part of this module's surface since before the core moved to ``actions``
import orders  # noqa: F401
import refunds
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import BedrockAgentResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from envelope import error_response, event_problems, with_session_state
from failures import ActionError
from models import (
    ID_PATTERN,
    ORDER_ID_DESCRIPTION,
    PRODUCT_ID_DESCRIPTION,
    ErrorBody,
    Order,
    ParameterProblem,
    Refund,
    RefundRequest,
    StockLevel,
)
from money import parse_amount  # noqa: F401 - kept importable from the handler

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = BedrockAgentResolver()
# Traced functions record neither their return value nor their exception: both can hold personal data.
TRACE_OPTIONS: dict[str, Any] = {"capture_response": False, "capture_error": False}

API_TITLE = "Customer support actions"
API_VERSION = "1.0.0"
API_DESCRIPTION = "Look up customer orders, check product inventory and initiate refunds."


def _responses(ok: type, ok_description: str, *failures: tuple[int, str]) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses of an operation: its success model and the failures it can return."""
    documented: dict[int, OpenAPIResponse] = {
        200: {"description": ok_description, "content": {"application/json": {"model": ok}}},
        422: {
            "description": "A parameter is missing or invalid (error INVALID_PARAMETER); fix it and call again.",
            "content": {"application/json": {"model": ErrorBody}},
        },
        500: {
            "description": "Unexpected error (error INTERNAL_ERROR); tell the customer to try again later.",
            "content": {"application/json": {"model": ErrorBody}},
        },
    }
    for status, description in failures:
        documented[status] = {"description": description, "content": {"application/json": {"model": ErrorBody}}}
    return dict(sorted(documented.items()))


UNAUTHENTICATED = (
    401,
    "No signed-in customer in the session (error CUSTOMER_NOT_IDENTIFIED); ask the customer to sign in.",
)
NOT_OWNED = (403, "The order belongs to another customer (error ORDER_NOT_OWNED); reveal nothing about it.")
OrderId = Annotated[str, Path(description=ORDER_ID_DESCRIPTION, pattern=ID_PATTERN)]
ProductId = Annotated[str, Path(description=PRODUCT_ID_DESCRIPTION, pattern=ID_PATTERN)]


@app.get(
    "/orders/<order_id>",
    summary="Look up an order",
    description="Get an order's status, amounts and products. Use it before a refund to learn the "
    "refundable amount.",
    operation_id="getOrder",
    responses=_responses(
        Order, "The order.", UNAUTHENTICATED, NOT_OWNED, (404, "No such order (error ORDER_NOT_FOUND).")
    ),
)
@tracer.capture_method(**TRACE_OPTIONS)
def get_order(order_id: OrderId) -> Order:
    return actions.lookup_order(order_id, _customer_id())


@app.get(
    "/products/<product_id>/inventory",
    summary="Check inventory for a product",
    description="Get how many units of a product are in stock and available to sell now.",
    operation_id="getInventory",
    responses=_responses(StockLevel, "The product's stock level.", (404, "No such product (error PRODUCT_NOT_FOUND).")),
)
@tracer.capture_method(**TRACE_OPTIONS)
def get_inventory(product_id: ProductId) -> StockLevel:
    return actions.check_inventory(product_id)


@app.post(
    "/orders/<order_id>/refunds",
    summary="Initiate a refund",
    description="Refund part or all of an order to the customer. Only after the customer has confirmed the "
    "amount. Each refund carries a new idempotency_token; retrying with the same token returns the first refund "
    "instead of refunding twice.",
    operation_id="initiateRefund",
    responses=_responses(
        Refund,
        "The refund was recorded.",
        UNAUTHENTICATED,
        NOT_OWNED,
        (404, "No such order (error ORDER_NOT_FOUND)."),
        (
            409,
            "Refused: the order is cancelled (error ORDER_CANCELLED), the amount is above what is left to refund "
            "(error REFUND_EXCEEDS_REFUNDABLE_AMOUNT), the same refund is being processed (error REFUND_IN_PROGRESS) "
            "or the order was being changed at the same time (error REFUND_CONFLICT). Nothing was refunded.",
        ),
        (
            422,
            "A parameter is missing or invalid (error INVALID_PARAMETER), or the idempotency_token was already used "
            "for a refund of another amount (error IDEMPOTENCY_TOKEN_REUSED); fix it and call again.",
        ),
    ),
    openapi_extensions={"x-requireConfirmation": "ENABLED"},
)
@tracer.capture_method(**TRACE_OPTIONS)
def initiate_refund(
    order_id: OrderId,
    refund: Annotated[RefundRequest, Body(description="The amount to refund, why, and the request's idempotency token.")],
) -> Refund:
    return actions.initiate_refund(order_id, _customer_id(), refund)


def _customer_id() -> str:
    """The signed-in customer, from the session attributes the calling application set (401 if absent)."""
    return identity.customer_id(app.current_event.get("sessionAttributes"))


def _error(status: HTTPStatus, error: str, message: str, detail: list[ParameterProblem] | None = None) -> Response:
    metrics.add_metric(name="ActionErrors", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=int(status),
        content_type="application/json",
        body=ErrorBody(error=error, message=message, detail=detail or []).model_dump(),
    )


@app.exception_handler(ActionError)
def _action_error(error: ActionError) -> Response:
    logger.info("Action refused", extra={"error": error.code, "detail": error.message})
    return _error(error.status, error.code, error.message)


@app.exception_handler(RequestValidationError)
def _invalid_parameter(error: RequestValidationError) -> Response:
    problems = [
        ParameterProblem(loc=[str(part) for part in item["loc"]], msg=item["msg"], type=item["type"])
        for item in error.errors()
    ]
    summary = "; ".join(f"{'.'.join(p.loc[1:]) or p.loc[0]}: {p.msg}" for p in problems)
    logger.info("Invalid parameters", extra={"problems": summary})
    return _error(HTTPStatus.UNPROCESSABLE_ENTITY, "INVALID_PARAMETER", f"Invalid or missing parameters: {summary}", problems)


@app.not_found
def _unknown_operation(_: NotFoundError) -> Response:
    event = app.current_event
    return _error(
        HTTPStatus.NOT_FOUND,
        "UNKNOWN_OPERATION",
        f"This action group has no operation {event.http_method} {event.api_path}; use one from its API schema.",
    )


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response:
    logger.exception("Unexpected error")
    return _error(
        HTTPStatus.INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
        "The operation failed unexpectedly. Do not assume it succeeded; tell the customer to try again later.",
    )


@logger.inject_lambda_context(correlation_id_path="sessionId")
@tracer.capture_lambda_handler(**TRACE_OPTIONS)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    refunds.IDEMPOTENCY_CONFIG.register_lambda_context(context)
    problems = event_problems(event)
    if problems:
        logger.warning("Malformed action-group event", extra={"problems": problems})
        metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)
        body = ErrorBody(error="MALFORMED_EVENT", message="The action-group event is malformed: " + "; ".join(problems))
        return with_session_state(event, error_response(event, HTTPStatus.BAD_REQUEST, body.model_dump()))
    return with_session_state(event, app.resolve(event, context))
